"""The image list: a QAbstractListModel over `project.images`, a filter proxy
(name and state), a compact delegate and the panel that holds them.

Fast for 10,000 images: rows have uniform sizes, thumbnails are requested only
when a row is painted, and data() does constant work per call.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QListView, QVBoxLayout, QWidget

from ..model import Project, class_or_none
from .image_delegate import PROBLEM_COLOUR, ImageDelegate  # noqa: F401 - re-exported
from .image_problem_bar import describe_failure
from .image_roles import DoneRole, KeyRole, ProblemRole, RegionCountRole, SizeRole, ThumbRole
from .thumbnails import ThumbnailLoader

STATES = ("All images", "To do", "Done", "With regions", "Without regions")


class ImageListModel(QAbstractListModel):
    """Rows are `project.images` in project order."""

    size_learnt = Signal(str)  # an image's width/height became known (from its thumbnail)

    def __init__(self, thumbnails: ThumbnailLoader | None = None, parent=None):
        super().__init__(parent)
        self.project: Project | None = None
        self._count = 0  # rows laid out (a change of the image list resets the model)
        self._rows: dict[str, int] = {}
        self._problems: dict[str, str] = {}  # key -> why the image cannot be shown
        self.thumbnails = thumbnails
        if thumbnails is not None:
            thumbnails.loaded.connect(self._thumb_loaded)
            thumbnails.failed.connect(self._thumb_failed)

    def set_project(self, project) -> None:
        self.beginResetModel()
        self.project = project
        self._problems = {}
        self._rows = {im.key: i for i, im in enumerate(project.images)} if project else {}
        self._count = len(project.images) if project else 0
        self.endResetModel()

    # ---- Qt model API -------------------------------------------------------
    def rowCount(self, parent=QModelIndex()):
        if parent.isValid() or self.project is None:
            return 0
        return len(self.project.images)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.project is None or not 0 <= index.row() < len(self.project.images):
            return None
        im = self.project.images[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return im.filename
        if role == KeyRole:
            return im.key
        if role == RegionCountRole:
            return len(im.regions)
        if role == DoneRole:
            return im.done
        if role == Qt.ItemDataRole.ToolTipRole:
            size = f"{im.width}×{im.height}" if im.width else "size not read yet"
            state = "done" if im.done else "to do"
            problem = self._problems.get(im.key)
            problem = f"\n⚠ Cannot be shown: {problem}" if problem else ""
            return f"{im.filename}\n{size} · {len(im.regions)} regions · {state}{problem}"
        if role == ProblemRole:
            return self._problems.get(im.key, "")
        if role == SizeRole:
            return (im.width, im.height)
        if role == ThumbRole:
            return self._thumbnail(im)
        if role == Qt.ItemDataRole.DecorationRole:
            thumb = self._thumbnail(im)
            return thumb if thumb is not None else None
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def roleNames(self):
        names = super().roleNames()
        names.update(
            {KeyRole: QByteArray(b"key"), RegionCountRole: QByteArray(b"regionCount"), DoneRole: QByteArray(b"done")}
        )
        return names

    # ---- updates ------------------------------------------------------------
    def row_of(self, key: str) -> int:
        row = self._rows.get(key, -1)
        if self.project is None:
            return -1
        if row < 0 or row >= len(self.project.images) or self.project.images[row].key != key:
            self._rows = {im.key: i for i, im in enumerate(self.project.images)}  # keys changed (sizes learnt)
            row = self._rows.get(key, -1)
        return row

    def images_changed(self, keys=None) -> None:
        """Regions / done flag changed on these images (all when None; images added or removed:
        the rows are laid out again)."""
        if self.project is not None and len(self.project.images) != self._count:
            self.beginResetModel()  # the problems met stay: they are keyed by image
            self._rows = {im.key: i for i, im in enumerate(self.project.images)}
            self._count = len(self.project.images)
            self.endResetModel()
            return
        if self.project is None or not self.project.images:
            return
        if keys is None:
            self.dataChanged.emit(self.index(0), self.index(len(self.project.images) - 1))
            return
        for key in keys:
            row = self.row_of(key)
            if row >= 0:
                idx = self.index(row)
                self.dataChanged.emit(idx, idx)

    # ---- images that cannot be shown ----------------------------------------
    def set_problem(self, key: str, reason: str) -> None:
        """Mark an image that cannot be shown (missing, corrupt) with the reason."""
        if self._problems.get(key) == reason:
            return
        self._problems[key] = reason
        row = self.row_of(key) if self.project is not None else -1
        if row >= 0:
            idx = self.index(row)
            self.dataChanged.emit(idx, idx, [ProblemRole, Qt.ItemDataRole.ToolTipRole])

    def problem(self, key: str) -> str:
        return self._problems.get(key, "")

    def clear_problems(self) -> None:
        """The image folder changed: every image gets another chance."""
        self._problems = {}
        self.images_changed(None)

    def _thumb_failed(self, key, message) -> None:
        if self.project is None:
            return
        row = self.row_of(key)
        if row >= 0:
            self.set_problem(key, describe_failure(self.project.image_path(self.project.images[row]), message)[0])

    def _thumbnail(self, im) -> QImage | None:
        if self.thumbnails is None or self.project is None:
            return None
        thumb = self.thumbnails.get(im.key)
        if thumb is None:
            self.thumbnails.request(im.key, str(self.project.image_path(im)))
        return thumb

    def _thumb_loaded(self, key, image, w, h):
        if self.project is None:
            return
        row = self.row_of(key)
        if row < 0:
            return
        im = self.project.images[row]
        if im.width is None and w > 0:
            self.project.learn_size(im, w, h)  # learnt for free; saved with the next autosave
            self.size_learnt.emit(key)
        idx = self.index(row)
        self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.DecorationRole, ThumbRole])


class ImageFilterProxy(QSortFilterProxyModel):
    """Filter by a name substring (case-insensitive), a state (STATES) and a class (images
    with at least one region of it: the class panel's "show only this class")."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._text = ""
        self._state = 0
        self._class: str | None = None
        self.setDynamicSortFilter(False)  # rows stay put while you annotate; refilter on demand

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self._text = text.strip().lower()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_state(self, state: int) -> None:
        self.beginFilterChange()
        self._state = state
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_class(self, name: str | None) -> None:
        self.beginFilterChange()
        self._class = name
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def is_filtering(self) -> bool:
        return bool(self._text or self._state or self._class is not None)

    def refilter(self) -> None:
        self.beginFilterChange()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row, parent):
        if not self.is_filtering():
            return True
        model = self.sourceModel()
        project = getattr(model, "project", None)
        if project is None or row >= len(project.images):
            return False
        im = project.images[row]
        if self._text and self._text not in im.filename.lower():
            return False
        if self._class is not None and not any(class_or_none(project, r) == self._class for r in im.regions):
            return False
        s = self._state
        if s == 1:
            return not im.done
        if s == 2:
            return im.done
        if s == 3:
            return bool(im.regions)
        if s == 4:
            return not im.regions
        return True


class ImageListPanel(QWidget):
    """Filter box + state combo + the list. Emits `current_changed(key)`."""

    current_changed = Signal(str)

    def __init__(self, model: ImageListModel, parent=None):
        super().__init__(parent)
        self.model = model
        self.proxy = ImageFilterProxy(self)
        self.proxy.setSourceModel(model)
        self.filter_edit = QLineEdit(placeholderText="Filter by name…")
        self.filter_edit.setClearButtonEnabled(True)
        self.state_combo = QComboBox()
        self.state_combo.addItems(STATES)
        self.view = QListView()
        self.view.setModel(self.proxy)
        self.view.setUniformItemSizes(True)
        self.view.setItemDelegate(ImageDelegate(self.view))
        self.view.setMouseTracking(True)
        self.view.setSelectionMode(QListView.SelectionMode.SingleSelection)
        self.view.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.view.setLayoutMode(QListView.LayoutMode.Batched)
        self.view.setBatchSize(200)
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.filter_edit, 3)
        top.addWidget(self.state_combo, 2)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(6)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.count_label)
        self.filter_edit.textChanged.connect(self._filter_changed)
        self.state_combo.currentIndexChanged.connect(self._state_changed)
        self.view.selectionModel().currentChanged.connect(self._current)
        model.modelReset.connect(self._update_count)
        model.modelReset.connect(self._reselect)

    def _filter_changed(self, text):
        self._refilter(lambda: self.proxy.set_text(text))

    def _state_changed(self, state):
        self._refilter(lambda: self.proxy.set_state(state))

    def _refilter(self, change):
        """Change the filter without switching images: the shown image stays (even if hidden)."""
        key = self._shown_key or self.current_key()
        self._silent = True
        try:
            change()
        finally:
            self._silent = False
        self._update_count()
        if key is not None:
            self.select_key(key, emit=False)

    def _update_count(self):
        total = self.model.rowCount()
        shown = self.proxy.rowCount()
        done = sum(1 for im in self.model.project.images if im.done) if self.model.project else 0
        text = f"{total:,} images · {done:,} done"
        if shown != total:
            text = f"{shown:,} of " + text
        self.count_label.setText(text)

    def _reselect(self) -> None:
        """Images were added or removed: the shown image stays current in the list."""
        if self._shown_key is not None and self.model.project is not None:
            self.select_key(self._shown_key, emit=False)

    def set_class_filter(self, name: str | None) -> None:
        """Show only the images with a region of class `name` (None: all)."""
        self._refilter(lambda: self.proxy.set_class(name))

    def refilter(self) -> None:
        if self.proxy.is_filtering():
            self._refilter(self.proxy.refilter)
        else:
            self._update_count()

    def _current(self, current, _previous):
        if self._silent:
            return
        key = current.data(KeyRole) if current.isValid() else None
        if key is not None:
            self._shown_key = key
            self.current_changed.emit(key)

    _silent = False
    _shown_key = None  # the image the window shows (may be filtered out of the list)

    def current_key(self) -> str | None:
        idx = self.view.currentIndex()
        return idx.data(KeyRole) if idx.isValid() else None

    def select_key(self, key: str, emit: bool = True) -> bool:
        self._shown_key = key
        row = self.model.row_of(key)
        if row < 0:
            return False
        pidx = self.proxy.mapFromSource(self.model.index(row))
        if not pidx.isValid():
            return False
        self._silent = not emit
        try:
            self.view.setCurrentIndex(pidx)
            self.view.scrollTo(pidx)
        finally:
            self._silent = False
        return True

    def step(self, delta: int) -> str | None:
        """Key of the image `delta` rows away in the filtered order (None at the ends)."""
        n = self.proxy.rowCount()
        if n == 0:
            return None
        cur = self.view.currentIndex()
        row = cur.row() + delta if cur.isValid() else 0
        if not 0 <= row < n:
            return None
        return self.proxy.index(row, 0).data(KeyRole)

    def neighbours(self, around: int = 2) -> list[str]:
        """Keys of the next `around` and previous image in the filtered order (for prefetch)."""
        cur = self.view.currentIndex()
        if not cur.isValid():
            return []
        out = []
        for d in list(range(around, 0, -1)) + [-1]:
            r = cur.row() + d
            if 0 <= r < self.proxy.rowCount():
                out.append(self.proxy.index(r, 0).data(KeyRole))
        return out


__all__ = [
    "PROBLEM_COLOUR",
    "ImageListModel",
    "ImageFilterProxy",
    "ImageListPanel",
    "ImageDelegate",
    "KeyRole",
    "RegionCountRole",
    "DoneRole",
    "ProblemRole",
    "QPersistentModelIndex",
]
