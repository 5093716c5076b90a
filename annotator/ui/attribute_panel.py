"""Region and file attributes of every VIA type: text, checkbox, radio, dropdown, image.

Region attributes apply to the selected regions (all of them at once), file
attributes to the current image. Changes are emitted as model edits
(SetRegionAttribute / SetFileAttribute) for the window to push on the undo stack.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from polymask_common.text import plural

from ..model import AttributeDef, SetFileAttribute, SetRegionAttribute


class _Field:
    """One attribute's editor; `set(value)` shows a value, `changed(value)` reports edits."""

    def __init__(self, attr: AttributeDef, changed, single: bool = False):
        self.attr = attr
        self.changed = changed
        self.updating = False
        # a checkbox attribute that holds the class: one class per region, so ticking one unticks the
        # others (VIA's checkbox type is kept in the file; two ticks would leave the region classless)
        self.single = single
        self.combo: QComboBox | None = None  # dropdown and image attributes
        self.line: QLineEdit | None = None  # text attributes
        self.widget: QWidget
        t = attr.type
        if t == "checkbox":
            self.widget = QWidget()
            lay = QVBoxLayout(self.widget)
            lay.setContentsMargins(0, 0, 0, 0)
            self.boxes = {}
            for opt, desc in attr.options.items():
                cb = QCheckBox(opt)
                cb.setToolTip(desc or opt)
                cb.toggled.connect(lambda on, o=opt: self._checkbox(o, on))
                lay.addWidget(cb)
                self.boxes[opt] = cb
        elif t == "radio":
            self.widget = QWidget()
            lay = QVBoxLayout(self.widget)
            lay.setContentsMargins(0, 0, 0, 0)
            self.group = QButtonGroup(self.widget)
            self.radios = {}
            for opt, desc in attr.options.items():
                rb = QRadioButton(opt)
                rb.setToolTip(desc or opt)
                self.group.addButton(rb)
                rb.toggled.connect(lambda on, o=opt: on and self._emit(o))
                lay.addWidget(rb)
                self.radios[opt] = rb
        elif t in ("dropdown", "image"):
            combo = self.widget = self.combo = QComboBox()
            combo.addItem("", "")
            for opt, desc in attr.options.items():
                # image options carry an image URL / description in VIA; show the id, describe in the tip
                combo.addItem(opt if t == "dropdown" or not desc else f"{opt} — {desc}", opt)
            combo.currentIndexChanged.connect(lambda i: self._emit(combo.itemData(i)))
        else:  # text
            line = self.widget = self.line = QLineEdit()
            line.setPlaceholderText(attr.default_value or "")
            line.editingFinished.connect(lambda: self._emit(line.text()))
        if attr.description:
            self.widget.setToolTip(attr.description)

    def _emit(self, value):
        if not self.updating:
            self.changed(self.attr.name, value)

    def _checkbox(self, option: str, on: bool) -> None:
        if self.single:
            if self.updating:
                return
            self.updating = True  # untick the others here too, before the edit comes back
            try:
                for k, cb in self.boxes.items():
                    # as a radio button: the ticked class stays ticked (no tick at all = no class)
                    cb.setChecked(k == option)
            finally:
                self.updating = False
            self._emit({option: True})
            return
        self._emit({k: True for k, cb in self.boxes.items() if cb.isChecked()})

    def set(self, value, mixed: bool = False) -> None:
        self.updating = True
        try:
            t = self.attr.type
            if t == "checkbox":
                ticked = (
                    value
                    if isinstance(value, dict)
                    else ({v: True for v in value} if isinstance(value, list) else ({value: True} if value else {}))
                )
                for k, cb in self.boxes.items():
                    cb.setChecked(bool(ticked.get(k)))
            elif t == "radio":
                self.group.setExclusive(False)
                for k, rb in self.radios.items():
                    rb.setChecked(k == value)
                self.group.setExclusive(True)
            elif self.combo is not None:
                i = self.combo.findData(value if isinstance(value, str) else "")
                if i < 0 and value:
                    self.combo.addItem(str(value), value)  # a value the options do not list
                    i = self.combo.count() - 1
                self.combo.setCurrentIndex(max(i, 0))
            elif self.line is not None:
                text = "" if value is None else str(value)
                if self.line.text() != text:
                    self.line.setText(text)
                self.line.setPlaceholderText("(several values)" if mixed else (self.attr.default_value or ""))
        finally:
            self.updating = False


class AttributePanel(QWidget):
    edit_requested = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.project = None
        self.image_key: str | None = None
        self.region_ids: list[int] = []
        self._region_fields: dict[str, _Field] = {}
        self._file_fields: dict[str, _Field] = {}
        self._shape = None  # (defs signature, has selection) the form was built for
        self.region_box = QGroupBox("Selected regions")
        self.region_form = QFormLayout(self.region_box)
        self.file_box = QGroupBox("Image")
        self.file_form = QFormLayout(self.file_box)
        self.hint = QLabel("Select a region to edit its attributes.")
        self.hint.setObjectName("muted")
        self.hint.setWordWrap(True)
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.hint)
        lay.addWidget(self.region_box)
        lay.addWidget(self.file_box)
        lay.addStretch(1)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

    def set_context(self, project, image_key: str | None, region_ids: list[int]) -> None:
        self.project, self.image_key, self.region_ids = project, image_key, list(region_ids)
        self.refresh()

    def _signature(self):
        p = self.project
        if p is None:
            return None
        sig = lambda defs: tuple((a.name, a.type, tuple(a.options)) for a in defs.values())  # noqa: E731
        return sig(p.region_attributes), sig(p.file_attributes), p.class_attribute

    def refresh(self) -> None:
        sig = self._signature()
        if sig != self._shape:
            self._rebuild()
            self._shape = sig
        image = self._image()
        regions = [r for r in image.regions if r.id in set(self.region_ids)] if image else []
        self.region_box.setVisible(bool(regions) and bool(self._region_fields))
        self.hint.setVisible(image is not None and not regions)
        self.hint.setText(
            "Select a region to edit its attributes."
            if self._region_fields or not image
            else "This project has no region attributes; add a class to create one."
        )
        self.region_box.setTitle(plural(len(regions), "selected region"))
        for name, field in self._region_fields.items():
            values = [r.attributes.get(name) for r in regions]
            first = values[0] if values else None
            field.set(first, mixed=any(v != first for v in values))
        self.file_box.setVisible(image is not None and bool(self._file_fields))
        for name, field in self._file_fields.items():
            field.set(image.file_attributes.get(name) if image else None)

    def _image(self):
        if self.project is None or self.image_key is None:
            return None
        try:
            return self.project.image(self.image_key)
        except KeyError:
            return None

    def _rebuild(self) -> None:
        for form in (self.region_form, self.file_form):
            while form.rowCount():
                form.removeRow(0)
        self._region_fields, self._file_fields = {}, {}
        if self.project is None:
            return
        for name, attr in self.project.region_attributes.items():
            is_class = name == self.project.class_attribute
            f = _Field(attr, self._region_changed, single=is_class and attr.type == "checkbox")
            label = name + (" (class)" if is_class else "")
            self.region_form.addRow(label, f.widget)
            self._region_fields[name] = f
        for name, attr in self.project.file_attributes.items():
            f = _Field(attr, self._file_changed)
            self.file_form.addRow(name, f.widget)
            self._file_fields[name] = f

    def _region_changed(self, name, value) -> None:
        image = self._image()
        if image is None or not self.region_ids:
            return
        ids = [r.id for r in image.regions if r.id in set(self.region_ids)]
        if ids and any(image.region(i).attributes.get(name) != value for i in ids):
            self.edit_requested.emit(SetRegionAttribute(image.key, ids, name, value, f"Set {name}"))

    def _file_changed(self, name, value) -> None:
        image = self._image()
        if image is not None and image.file_attributes.get(name) != value:
            self.edit_requested.emit(SetFileAttribute(image.key, name, value, f"Set {name}"))
