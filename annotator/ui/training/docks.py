"""The training widgets in the window: the Train, Pre-label, Runs, Training curves and
Previews docks, the Model menu with its toolbar buttons, and how a run's events show in
them. pyqtgraph loads with the first plot, not when the window opens."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QRect, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QMainWindow,
    QTabBar,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

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

from ...app.run_log import RunCurves
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
CURVES_HEIGHT = 300  # px of plot the curves dock is first shown with (at least)
CURVES_CHROME = 110  # px of the dock that are not plot: title, progress bar, its line, axes
RUNS_WIDTH = 440  # px of the Runs / Previews docks beside the curves


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
        self.pending_curves: tuple[RunCurves, str] | None = None  # a past run to draw once the plots exist
        curves_host = QWidget()
        self._curves_layout = QVBoxLayout(curves_host)
        self._curves_layout.setContentsMargins(4, 2, 4, 0)
        self._curves_layout.setSpacing(2)
        self.maximise_button = QToolButton()
        self.maximise_button.setText("Maximise")
        self.maximise_button.setCheckable(True)
        self.maximise_button.setToolTip("Show the curves in a window of their own, as large as the main window")
        self.maximise_button.toggled.connect(self.maximise_curves)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.progress, 1)
        top.addWidget(self.maximise_button, 0, Qt.AlignmentFlag.AlignTop)
        self._curves_layout.addLayout(top)
        self.train_dock = self._dock("Train", train_host, RIGHT)
        # Titled as the README and the Model menu name it; the object name stays, so a layout
        # saved before the rename still finds the dock.
        self.predict_dock = self._dock("Pre-label", self.predict_panel, RIGHT, name="Predictions")
        self.runs_dock = self._dock("Runs", self.runs_panel, BOTTOM)
        self.curves_dock = self._dock("Training curves", curves_host, BOTTOM, floatable=True)
        self.curves_dock.topLevelChanged.connect(self._docked_again)
        self.gallery_dock = self._dock("Previews", self.gallery, BOTTOM)
        self._tab_with = tab_with if tab_with is not None and window.dockWidgetArea(tab_with) == RIGHT else None
        self.docks = [self.train_dock, self.predict_dock, self.runs_dock, self.curves_dock, self.gallery_dock]
        for d in self.docks:
            d.hide()
        self.curves_dock.visibilityChanged.connect(self._curves_visible)
        self.actions = self._actions()
        self._menu_and_toolbar(toolbar)
        QTimer.singleShot(0, self._hide_stray_tab_bars)

    def _dock(
        self, title: str, widget: QWidget, area: Qt.DockWidgetArea, floatable: bool = False, name: str = ""
    ) -> QDockWidget:
        dock = QDockWidget(title, self.window)
        dock.setObjectName(f"training-{name or title}")
        dock.setWidget(widget)
        features = QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable
        if floatable:  # undocked with its title bar's button, or Maximise
            features |= QDockWidget.DockWidgetFeature.DockWidgetFloatable
        dock.setFeatures(features)
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
            if self.pending_curves is not None:
                plots.load(*self.pending_curves)
                self.pending_curves = None
            return plots
        return self.plots

    def show_past_run(self, curves: RunCurves, name: str) -> None:
        """Draw a past run's curves (now if the plots exist, else when they are first shown)."""
        if self.plots is None:
            self.pending_curves = (curves, name)
        else:
            self.plots.load(curves, name)

    def _docked_again(self, floating: bool) -> None:
        if not floating:
            self.maximise_button.setChecked(False)

    def maximise_curves(self, on: bool) -> None:
        """The curves in a window of their own over the main window (on), or docked again."""
        dock = self.curves_dock
        if on:
            self.show_curves()
            dock.setFloating(True)
            dock.setGeometry(QRect(self.window.mapToGlobal(self.window.rect().topLeft()), self.window.size()))
            dock.raise_()
        elif dock.isFloating():
            dock.setFloating(False)
        self.maximise_button.setChecked(on and dock.isFloating())
        self.maximise_button.setText("Dock" if self.maximise_button.isChecked() else "Maximise")

    def show_dock(self, dock: QDockWidget, raise_: bool = True) -> None:
        """Show a dock; the first time, as a tab beside its visible siblings (docks are
        tabified only once shown: tabifying hidden docks leaves stray tab bars). The bottom ones
        (curves, runs, previews) are first laid out together (`show_curves`)."""
        bottom = [self.curves_dock, self.runs_dock, self.gallery_dock]
        was_visible = dock.isVisible()
        if dock in bottom and not any(d.isVisible() for d in bottom):
            self._arrange_bottom()
        if not dock.isVisible():
            group = bottom if dock in bottom else [self.train_dock, self.predict_dock, self._tab_with]
            target = next(
                (d for d in group if d is not None and d is not dock and d.isVisible() and not d.isFloating()), None
            )
            dock.show()
            if target is not None and not dock.isFloating():
                self.window.tabifyDockWidget(target, dock)
            self._hide_stray_tab_bars()
        if raise_:
            dock.raise_()
        if dock is self.curves_dock and was_visible:  # left small by an earlier session's layout;
            self._fit_curves_soon()  # a dock that appears is fitted on its visibilityChanged

    def _curves_visible(self, visible: bool) -> None:
        if visible:  # shown by a restored layout too, where no show_dock ran
            self.ensure_plots()
            self._fit_curves_soon()

    def _fit_curves_soon(self) -> None:
        for ms in (0, 150, 400):  # once laid out (pyqtgraph's scene follows a little later), the chrome is known
            QTimer.singleShot(ms, self._fit_curves)

    def _arrange_bottom(self) -> None:
        """Curves on the left at a readable height (CURVES_HEIGHT px of plot), the Runs list and
        the previews tabbed on their right."""
        self.ensure_plots()
        for d in (self.curves_dock, self.runs_dock, self.gallery_dock):
            d.show()
        if not self.curves_dock.isFloating() and not self.runs_dock.isFloating():
            self.window.splitDockWidget(self.curves_dock, self.runs_dock, Qt.Orientation.Horizontal)
            if not self.gallery_dock.isFloating():
                self.window.tabifyDockWidget(self.runs_dock, self.gallery_dock)
            self.runs_dock.raise_()
            self.window.resizeDocks([self.runs_dock], [RUNS_WIDTH], Qt.Orientation.Horizontal)
            self.window.resizeDocks(
                [self.curves_dock],
                [max(CURVES_HEIGHT + CURVES_CHROME, self.window.height() * 2 // 5)],
                Qt.Orientation.Vertical,
            )  # then fitted as the curves appear (_curves_visible)
        self._hide_stray_tab_bars()

    def _fit_curves(self) -> None:
        """Grow the docked curves until the plots have CURVES_HEIGHT px (a theme's title bars and
        fonts change how much of the dock is not plot)."""
        plots, dock = self.plots, self.curves_dock
        if plots is None or dock.isFloating() or not dock.isVisible():
            return
        height = plots.loss_plot.getViewBox().sceneBoundingRect().height()
        short = CURVES_HEIGHT - math.floor(height)
        if height > 0 and short > 0:
            self.window.resizeDocks([dock], [dock.height() + short], Qt.Orientation.Vertical)

    def show_curves(self) -> None:
        """Show the curves (with the Runs list and the previews beside them)."""
        self.ensure_plots()
        self.show_dock(self.curves_dock)

    def set_running(self, running: bool) -> None:
        self.actions["stop"].setEnabled(running)
        self.panel.set_running(running)

    # ---- a run --------------------------------------------------------------------------
    def new_run(self) -> None:
        """A run starts: nothing of the last one stays on the panels (its curves, its error)."""
        self.pending_curves = None
        plots = self.ensure_plots()
        plots.clear()
        plots.set_compare({})
        self.gallery.clear()
        self.progress.new_run()

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
