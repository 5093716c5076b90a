"""The training widgets in the window: the Train, Predictions, Runs, Training curves and
Previews docks, the Model menu with its toolbar buttons, and how a run's events show in
them. pyqtgraph loads with the first plot, not when the window opens."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabBar, QToolBar, QVBoxLayout, QWidget

from trainer.events import (  # torch-free
    CheckpointSaved,
    EpochEnd,
    Event,
    Failed,
    Finished,
    Preview,
    Started,
    Step,
    WarningEvent,
    as_trainer_event,
    unhandled,
)

from ...model import Project
from .gallery import GalleryPanel
from .predict_panel import PredictPanel
from .progress import ProgressPanel
from .runs import RunsPanel
from .train_panel import TrainPanel

if TYPE_CHECKING:
    from .plots import TrainingPlots  # pyqtgraph: imported when the curves are first shown

TOOLBAR_TEXT = {"train": "Train", "stop": "Stop", "predict": "Predict"}
MENU = [  # name, text, shortcut, tip
    ("train", "&Train…", "Ctrl+T", "Show the training settings and check the project"),
    ("stop", "&Stop training", None, "Stop after this iteration (the checkpoint is kept)"),
    ("predict", "&Predict current image", "Ctrl+P", "Run the model on this image"),
    ("predict_all", "Predict &unlabelled images", None, "Run the model on every image without regions"),
    ("accept_all", "&Accept all predictions", None, "Add this image's predictions above the score as polygons"),
    ("next_uncertain", "&Next most uncertain image", None, "Open the unlabelled image the model is least sure about"),
]
RIGHT, BOTTOM = Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea


class TrainingDocks(QObject):
    def __init__(self, window: QMainWindow, toolbar: QToolBar | None = None, tab_with: QDockWidget | None = None):
        """`tab_with`: the window's right dock that the training docks first show beside."""
        super().__init__(window)
        self.window = window
        self.panel = TrainPanel()
        self.progress = ProgressPanel()
        self.gallery = GalleryPanel()
        self.runs_panel = RunsPanel()
        self.predict_panel = PredictPanel()
        self.plots: TrainingPlots | None = None  # made when first needed (pyqtgraph loads then)
        self.iters_per_epoch = 1  # of the run shown: places the validation loss on the iteration axis
        train_host = QWidget()
        lay = QVBoxLayout(train_host)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.panel, 1)
        curves_host = QWidget()
        self._curves_layout = QVBoxLayout(curves_host)
        self._curves_layout.setContentsMargins(4, 2, 4, 0)
        self._curves_layout.addWidget(self.progress)
        self.train_dock = self._dock("Train", train_host, RIGHT)
        self.predict_dock = self._dock("Predictions", self.predict_panel, RIGHT)
        self.runs_dock = self._dock("Runs", self.runs_panel, RIGHT)
        self.curves_dock = self._dock("Training curves", curves_host, BOTTOM)
        self.gallery_dock = self._dock("Previews", self.gallery, BOTTOM)
        self._tab_with = tab_with if tab_with is not None and window.dockWidgetArea(tab_with) == RIGHT else None
        self.docks = [self.train_dock, self.predict_dock, self.runs_dock, self.curves_dock, self.gallery_dock]
        for d in self.docks:
            d.hide()
        self.curves_dock.visibilityChanged.connect(lambda v: v and self.ensure_plots())
        self.actions = self._actions()
        self._menu_and_toolbar(toolbar)
        QTimer.singleShot(0, self._hide_stray_tab_bars)

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self.window)
        dock.setObjectName(f"training-{title}")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.window.addDockWidget(area, dock)
        return dock

    def _actions(self) -> dict[str, QAction]:
        actions = {}
        for name, text, key, tip in MENU:
            a = QAction(text, self.window)
            if key:
                a.setShortcut(QKeySequence(key))
            a.setToolTip(tip + (f" ({key})" if key else ""))
            a.setStatusTip(tip)
            a.setShortcutVisibleInContextMenu(True)
            if name in TOOLBAR_TEXT:
                a.setIconText(TOOLBAR_TEXT[name])
            self.window.addAction(a)
            actions[name] = a
        return actions

    def _menu_and_toolbar(self, toolbar: QToolBar | None) -> None:
        bar = self.window.menuBar()
        menu = bar.addMenu("&Model")
        help_menu = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"), None)
        if help_menu is not None:  # Model sits before Help
            bar.insertMenu(help_menu, menu)
        for names in (("train", "stop"), ("predict", "predict_all", "accept_all", "next_uncertain")):
            for name in names:
                menu.addAction(self.actions[name])
            menu.addSeparator()
        panels = menu.addMenu("Panels")
        for d in self.docks:
            panels.addAction(d.toggleViewAction())
        if toolbar is not None:
            toolbar.addSeparator()
            for name in ("train", "stop", "predict"):
                toolbar.addAction(self.actions[name])

    def _hide_stray_tab_bars(self) -> None:
        # Qt 6.12 leaves QMainWindow's unused dock tab bars (one tab or none) visible, and once
        # docks are added they are laid out at (0, 0), over the menu bar. A tab bar of docks
        # always has two tabs or more, so the others are strays.
        for bar in self.window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if bar.count() < 2 and bar.isVisible():
                bar.hide()

    # ---- showing ------------------------------------------------------------------------
    def ensure_plots(self) -> TrainingPlots:
        if self.plots is None:
            from .plots import TrainingPlots

            self.plots = plots = TrainingPlots()
            self._curves_layout.addWidget(plots, 1)
            return plots
        return self.plots

    def show_dock(self, dock: QDockWidget, raise_: bool = True) -> None:
        """Show a dock; the first time, as a tab beside its visible siblings (docks are
        tabified only once shown: tabifying hidden docks leaves stray tab bars)."""
        if not dock.isVisible():
            group = (
                [self.curves_dock, self.gallery_dock]
                if dock in (self.curves_dock, self.gallery_dock)
                else [self.train_dock, self.predict_dock, self.runs_dock, self._tab_with]
            )
            target = next(
                (d for d in group if d is not None and d is not dock and d.isVisible() and not d.isFloating()), None
            )
            dock.show()
            if target is not None and not dock.isFloating():
                self.window.tabifyDockWidget(target, dock)
            self._hide_stray_tab_bars()
        if raise_:
            dock.raise_()

    def show_curves(self) -> None:
        """Show the curves (and previews, tabbed) at a height where the plots are readable."""
        first = not self.curves_dock.isVisible()
        self.ensure_plots()
        self.show_dock(self.curves_dock, raise_=False)
        self.show_dock(self.gallery_dock, raise_=False)
        self.curves_dock.raise_()
        if first:
            self.window.resizeDocks(
                [self.curves_dock], [max(300, self.window.height() * 2 // 5)], Qt.Orientation.Vertical
            )

    def set_running(self, running: bool) -> None:
        self.actions["stop"].setEnabled(running)
        self.panel.set_running(running)

    # ---- a run --------------------------------------------------------------------------
    def new_run(self) -> None:
        self.ensure_plots().clear()
        self.gallery.clear()
        self.progress.reset()

    def show_event(self, event: Event, project: Project | None, colour_for: Callable[[str | None], str]) -> None:
        """A trainer event in the curves, the progress bar and the previews."""
        ev = as_trainer_event(event)
        match ev:
            case Step():
                self.ensure_plots().add_step(ev)
                self.progress.step(ev)
            case Started():
                self.iters_per_epoch = max(1, ev.iters_per_epoch)
                self.progress.started(ev)
            case EpochEnd():
                self.ensure_plots().add_epoch(ev, self.iters_per_epoch)
                self.progress.epoch_end(ev)
            case Preview():
                self.gallery.set_preview(ev, project, colour_for)
            case Finished():
                self.progress.finished(ev)
            case Failed():
                self.progress.failed(ev)
            case CheckpointSaved() | WarningEvent():
                pass
            case _:
                unhandled(ev)

    def shutdown(self) -> None:
        self.gallery.close_loader()
        if self.plots is not None:
            self.plots.timer.stop()
