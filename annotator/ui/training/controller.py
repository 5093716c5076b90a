"""TrainingController: the Model menu, the training docks and the prediction loop,
added to an existing MainWindow through its public attributes only
(project, doc, canvas, current_key, push, show_error, show_image, status,
toolbar, autosave, class_panel, menuBar, addDockWidget).

The trainer is imported lazily (when a run starts or a model predicts), so the
window opens without loading torch; pyqtgraph loads with the first plot.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QTabBar, QVBoxLayout, QWidget

from ...app.preflight import preflight
from ...app.train_config import train_settings
from ...app.training_runs import read_curves, resolve, run_list, to_stored
from ..canvas import style
from .gallery import GalleryPanel
from .predict import Predictions, PredictPanel, accept_edit
from .progress import ProgressPanel
from .runs import RunsPanel
from .train_panel import TrainPanel
from .worker import DEFAULT_DESIGN, SHUTDOWN_MS, TrainRunner

TOOLBAR_TEXT = {"train": "Train", "stop": "Stop", "predict": "Predict"}
MENU = [  # name, text, shortcut, tip
    ("train", "&Train…", "Ctrl+T", "Show the training settings and check the project"),
    ("stop", "&Stop training", None, "Stop after this iteration (the checkpoint is kept)"),
    ("predict", "&Predict current image", "Ctrl+P", "Run the model on this image"),
    ("predict_all", "Predict &unlabelled images", None, "Run the model on every image without regions"),
    ("accept_all", "&Accept all predictions", None, "Add this image's predictions above the score as polygons"),
    ("next_uncertain", "&Next most uncertain image", None, "Open the unlabelled image the model is least sure about"),
]


class TrainingController(QObject):
    event_received = Signal(object)  # every trainer event, after the views handled it
    run_started = Signal()
    run_ended = Signal(object)  # the finished / failed event (None if the thread ended without one)

    def __init__(self, window, design: str = DEFAULT_DESIGN):
        super().__init__(window)
        self.window = window
        self.design = design
        self.runner = TrainRunner(design, self)
        self.runner.event.connect(self._on_event)
        self.runner.ended.connect(self._on_ended)
        self.predictions = Predictions(self)
        self.run: dict | None = None  # the record of the run in progress (in project.polymask["runs"])
        self.run_project = None
        self.iters_per_epoch = 1
        self.last_event = None
        self.terminal = None
        self.errors: list = []
        self.warnings: list[str] = []
        self._closing = False
        self._jump_when_predicted = False
        self._project = None
        self._shut = False
        self.plots = None
        self.overrides: dict = {}  # TrainConfig settings applied over the form's (knobs the form lacks)

        # ---- docks
        self.panel = TrainPanel()
        self.progress = ProgressPanel()
        train_host = QWidget()
        lay = QVBoxLayout(train_host)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.panel, 1)
        self.curves_host = QWidget()
        self._curves_layout = QVBoxLayout(self.curves_host)
        self._curves_layout.setContentsMargins(4, 2, 4, 0)
        self._curves_layout.addWidget(self.progress)
        self.gallery = GalleryPanel()
        self.runs_panel = RunsPanel()
        self.predict_panel = PredictPanel()
        R, B = Qt.DockWidgetArea.RightDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
        self.train_dock = self._dock("Train", train_host, R)
        self.predict_dock = self._dock("Predictions", self.predict_panel, R)
        self.runs_dock = self._dock("Runs", self.runs_panel, R)
        self.curves_dock = self._dock("Training curves", self.curves_host, B)
        self.gallery_dock = self._dock("Previews", self.gallery, B)
        anchor = (getattr(window, "docks", None) or [None])[-1]  # the window's last right dock (Attributes)
        self._anchor = anchor if anchor is not None and window.dockWidgetArea(anchor) == R else None
        self.docks = [self.train_dock, self.predict_dock, self.runs_dock, self.curves_dock, self.gallery_dock]
        for d in self.docks:
            d.hide()
        self.curves_dock.visibilityChanged.connect(lambda v: v and self.ensure_plots())

        # ---- menu, toolbar
        self.actions: dict[str, QAction] = {}
        for name, text, key, tip in MENU:
            a = QAction(text, window)
            if key:
                a.setShortcut(QKeySequence(key))
            a.setToolTip(tip + (f" ({key})" if key else ""))
            a.setStatusTip(tip)
            a.setShortcutVisibleInContextMenu(True)
            if name in TOOLBAR_TEXT:
                a.setIconText(TOOLBAR_TEXT[name])
            window.addAction(a)
            self.actions[name] = a
        bar = window.menuBar()
        self.menu = bar.addMenu("&Model")
        help_menu = next((a for a in bar.actions() if a.text().replace("&", "") == "Help"), None)
        if help_menu is not None:  # Model sits before Help
            bar.insertMenu(help_menu, self.menu)
        for name in ("train", "stop"):
            self.menu.addAction(self.actions[name])
        self.menu.addSeparator()
        for name in ("predict", "predict_all", "accept_all", "next_uncertain"):
            self.menu.addAction(self.actions[name])
        self.menu.addSeparator()
        panels = self.menu.addMenu("Panels")
        for d in self.docks:
            panels.addAction(d.toggleViewAction())
        toolbar = getattr(window, "toolbar", None)
        if toolbar is not None:
            toolbar.addSeparator()
            for name in ("train", "stop", "predict"):
                toolbar.addAction(self.actions[name])

        a = self.actions
        a["train"].triggered.connect(self.show_train_panel)
        a["stop"].triggered.connect(self.stop)
        a["predict"].triggered.connect(self.predict_current)
        a["predict_all"].triggered.connect(self.predict_unlabelled)
        a["accept_all"].triggered.connect(lambda: self.accept())
        a["next_uncertain"].triggered.connect(self.next_uncertain)
        self.panel.train_requested.connect(self.train)
        self.panel.stop_requested.connect(self.stop)
        p = self.predict_panel
        p.predict_button.clicked.connect(self.predict_current)
        p.predict_all_button.clicked.connect(self.predict_unlabelled)
        p.slider.valueChanged.connect(lambda v: self.predictions.set_threshold(v / 100))
        p.tolerance.valueChanged.connect(self.predictions.set_tolerance)
        self.predictions.threshold_suggested.connect(lambda t: p.slider.setValue(round(t * 100)))
        p.accept_all_button.clicked.connect(lambda: self.accept())
        p.accept_button.clicked.connect(lambda: self.accept(p.selected_indices()))
        p.next_list.itemDoubleClicked.connect(lambda item: self._open(item.data(Qt.ItemDataRole.UserRole)))
        self.runs_panel.use_requested.connect(self.use_run)
        self.runs_panel.compare_changed.connect(self._compare)
        self.predictions.changed.connect(self.refresh_overlay)
        self.predictions.predicted.connect(self._predicted)
        self.predictions.failed.connect(lambda key, msg: self._status(f"Prediction failed: {msg}", 10000))
        self.predictions.progress.connect(lambda d, n: self._status(f"Predicted {d}/{n} image(s)", 4000))
        self.predictions.busy_changed.connect(self._predict_busy)
        window.canvas.image_changed.connect(self._image_changed)
        window.installEventFilter(self)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shutdown)
        self._update_actions()
        QTimer.singleShot(0, self._hide_stray_tab_bars)

    def _hide_stray_tab_bars(self) -> None:
        # Qt 6.12 leaves QMainWindow's unused dock tab bars (one tab or none) visible, and once
        # docks are added they are laid out at (0, 0), over the menu bar. A tab bar of docks
        # always has two tabs or more, so the others are strays.
        for bar in self.window.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if bar.count() < 2 and bar.isVisible():
                bar.hide()

    def _dock(self, title, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self.window)
        dock.setObjectName(f"training-{title}")
        dock.setWidget(widget)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.window.addDockWidget(area, dock)
        return dock

    # ==== helpers =======================================================================
    def _status(self, text: str, ms: int = 6000) -> None:
        status = getattr(self.window, "status", None)
        if status is not None:
            status.showMessage(text, ms)

    def colour_for(self, name: str | None) -> str:
        if name is None:
            return style.NO_CLASS_COLOUR
        panel = getattr(self.window, "class_panel", None)
        colours = getattr(panel, "colours", None) or {}
        if name in colours:
            return colours[name]
        project = self.window.project
        if project is not None:
            stored = project.polymask.get("class_colours", {}).get(name)
            if stored:
                return stored
            names = project.class_names()
            if name in names:
                return style.palette_colour(names.index(name))
        return style.palette_colour(sum(map(ord, name)))

    def _mark_modified(self) -> None:
        autosave = getattr(self.window, "autosave", None)
        if autosave is not None and self.window.project is not None and self.window.project is self.run_project:
            autosave.mark_dirty([])  # project-level data (the runs list) changed

    def is_running(self) -> bool:
        return self.runner.is_running()

    def _update_actions(self) -> None:
        running = self.is_running()
        self.actions["train"].setEnabled(True)
        self.actions["stop"].setEnabled(running)
        self.panel.set_running(running)

    def ensure_plots(self):
        if self.plots is None:
            from .plots import TrainingPlots

            self.plots = TrainingPlots()
            self._curves_layout.addWidget(self.plots, 1)
        return self.plots

    def show_dock(self, dock: QDockWidget, raise_: bool = True) -> None:
        """Show a dock; the first time, as a tab beside its visible siblings (docks are
        tabified only once shown: tabifying hidden docks leaves stray tab bars)."""
        if not dock.isVisible():
            group = (
                [self.curves_dock, self.gallery_dock]
                if dock in (self.curves_dock, self.gallery_dock)
                else [self.train_dock, self.predict_dock, self.runs_dock, self._anchor]
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

    def show_train_panel(self) -> None:
        self.show_dock(self.train_dock)
        self.panel.show_issues(preflight(self.window.project))

    # ==== training ======================================================================
    def build_config(self, project, values: dict | None = None):
        """TrainConfig for `project` with the form's values (+ overrides, + `values`)."""
        from trainer.config import TrainConfig  # torch-free module

        form = {**self.panel.values(), **self.overrides, **(values or {})}
        settings, data = train_settings(project, form)
        if data.unsized and project is self.window.project:
            self.window.autosave.touch(data.unsized)  # sizes learnt for training are kept
        return TrainConfig(**settings)

    def train(self, values: dict | None = None) -> bool:
        """Check the project, then start a run (one at a time). False if it did not start."""
        window = self.window
        if self.is_running():
            self._status("A training run is already in progress: stop it first.")
            return False
        project = window.project
        issues = preflight(project)
        self.panel.show_issues(issues)
        if issues:
            self.train_dock.show()
            self.train_dock.raise_()
            window.show_error(
                "Cannot train yet", "Fix these before training:", "\n".join(f"• {i.message}" for i in issues)
            )
            return False
        try:
            config = self.build_config(project, values)
        except Exception as exc:  # noqa: BLE001 - bad settings, unreadable images: a dialog, not a crash
            window.show_error("Cannot train", "The training data could not be prepared.", f"{exc}")
            return False
        self.ensure_plots().clear()
        self.gallery.clear()
        self.progress.reset()
        self.terminal, self.last_event, self.errors, self.warnings = None, None, [], []
        self.run_project = project
        runs = run_list(project)
        existing = next((r for r in runs if resolve(project, r.get("dir")) == Path(config.out)), None)
        self.run = existing if existing is not None else {}
        self.run.update(
            dir=to_stored(project, config.out),
            model=config.model,
            status="running",
            started=_dt.datetime.now().isoformat(timespec="seconds"),
            epochs=config.epochs,
            best_checkpoint=self.run.get("best_checkpoint"),
            last_checkpoint=self.run.get("last_checkpoint"),
            metrics=self.run.get("metrics", {}),
            design=self.design,
        )
        if existing is None:
            runs.append(self.run)
        self._mark_modified()
        try:
            self.runner.start(config)
        except Exception as exc:  # noqa: BLE001
            self.run["status"] = "failed"
            window.show_error("Cannot train", "The training run could not start.", f"{type(exc).__name__}: {exc}")
            return False
        self.show_curves()
        self.progress.bar.setFormat("preparing…")
        self._refresh_runs()
        self._update_actions()
        self._status(f"Training started → {config.out}")
        self.run_started.emit()
        return True

    def stop(self) -> None:
        if self.is_running():
            self.runner.stop()
            self.progress.bar.setFormat("stopping after this iteration…")
            self._status("Stopping after this iteration; the checkpoint is kept.")

    def _on_event(self, ev) -> None:
        self.last_event = ev
        kind = ev.kind
        run = self.run if self.run is not None else {}
        if kind == "step":
            self.ensure_plots().add_step(ev)
            self.progress.step(ev)
        elif kind == "started":
            self.iters_per_epoch = max(1, ev.iters_per_epoch)
            self.progress.started(ev)
            run.update(device=ev.device, classes=list(ev.class_names))
        elif kind == "epoch":
            self.ensure_plots().add_epoch(ev, self.iters_per_epoch)
            self.progress.epoch_end(ev)
            run["epochs_done"] = ev.epoch
            if ev.metrics:
                run["metrics"] = dict(ev.metrics)
        elif kind == "preview":
            self.gallery.set_preview(ev, self.run_project, self.colour_for)
        elif kind == "checkpoint":
            key = "best_checkpoint" if ev.best else "last_checkpoint"
            run[key] = to_stored(self.run_project, ev.path)
            self._mark_modified()
        elif kind == "warning":
            self.warnings.append(ev.message)
            self._status(f"Training: {ev.message}", 10000)
        elif kind == "finished":
            self.terminal = ev
            self.progress.finished(ev)
            run.update(
                status="stopped" if ev.stopped else "finished",
                metrics=dict(ev.metrics or run.get("metrics") or {}),
                best_checkpoint=to_stored(self.run_project, ev.best_checkpoint),
                last_checkpoint=to_stored(self.run_project, ev.last_checkpoint),
            )
            if self.progress.images_per_s:
                run["images_per_s"] = round(self.progress.images_per_s, 3)
                self.panel.set_measured(run.get("model", ""), self.progress.images_per_s)
            self._mark_modified()
            checkpoint = ev.best_checkpoint or ev.last_checkpoint
            if checkpoint and self.window.project is self.run_project:
                self.predictions.set_checkpoint(str(checkpoint))
                self._update_model_label()
            self._status(f"Training {run['status']}: {ev.run_dir}", 10000)
        elif kind == "failed":
            self.terminal = ev
            self.errors.append(ev)
            self.progress.failed(ev)
            run["status"] = "failed"
            run["error"] = ev.reason
            self._mark_modified()
            if not self._closing:
                self.window.show_error("Training failed", ev.reason, ev.detail or "")
        if kind in ("started", "epoch", "finished", "failed", "checkpoint"):
            self._refresh_runs()
        self.event_received.emit(ev)

    def _on_ended(self) -> None:
        if self.run is not None and self.run.get("status") == "running":
            self.run["status"] = "stopped" if self.terminal is None else self.run["status"]
        self._update_actions()
        self._refresh_runs()
        if self.plots is not None:
            self.plots.redraw()
        self.run_ended.emit(self.terminal)

    # ==== runs ==========================================================================
    def _refresh_runs(self) -> None:
        project = self.window.project
        runs = run_list(project)
        running = None
        if self.is_running() and self.run is not None and project is self.run_project:
            running = next((i for i, r in enumerate(runs) if r is self.run), None)
        in_use = to_stored(project, self.predictions.checkpoint) if project is not None else None
        self.runs_panel.set_runs(runs, in_use, running)

    def use_run(self, index: int) -> bool:
        project = self.window.project
        runs = run_list(project)
        if not 0 <= index < len(runs):
            return False
        run = runs[index]
        path = resolve(project, run.get("best_checkpoint") or run.get("last_checkpoint"))
        if path is None or not path.is_file():
            self._status("That run has no checkpoint to predict with.", 8000)
            return False
        self.predictions.set_checkpoint(str(path))
        self._update_model_label()
        self._refresh_runs()
        return True

    def _compare(self, indices: list[int]) -> None:
        project = self.window.project
        runs = run_list(project)
        data = {}
        for i in indices:
            if 0 <= i < len(runs):
                label = Path(str(runs[i].get("dir", f"run {i + 1}"))).name
                data[label] = read_curves(resolve(project, runs[i].get("dir")))
        self.ensure_plots().set_compare(data)
        self.show_curves()

    # ==== predictions ===================================================================
    def _current_checkpoint(self) -> str | None:
        if self.predictions.checkpoint and Path(self.predictions.checkpoint).is_file():
            return self.predictions.checkpoint
        project = self.window.project
        for run in reversed(run_list(project)):
            path = resolve(project, run.get("best_checkpoint") or run.get("last_checkpoint"))
            if path is not None and path.is_file():
                self.predictions.set_checkpoint(str(path))
                self._update_model_label()
                return str(path)
        return None

    def _update_model_label(self) -> None:
        cp = self.predictions.checkpoint
        if cp:
            self.predict_panel.model_label.setText(f"Model: {Path(cp).parent.name}/{Path(cp).name}")

    def _items(self, keys) -> list[tuple[str, str]]:
        project = self.window.project
        return [(k, str(project.image_path(project.image(k)))) for k in keys]

    def predict_current(self) -> bool:
        key = self.window.current_key
        if self.window.project is None or key is None:
            return False
        if self._current_checkpoint() is None:
            self._status("No model yet: train one first (Model ▸ Train…).", 8000)
            return False
        self.show_dock(self.predict_dock)
        self.predictions.request(self._items([key]))
        self._status("Predicting this image…", 4000)
        return True

    def unlabelled_keys(self) -> list[str]:
        project = self.window.project
        return [im.key for im in project.images if not im.regions and not im.done] if project else []

    def predict_unlabelled(self) -> int:
        if self.window.project is None:
            return 0
        if self._current_checkpoint() is None:
            self._status("No model yet: train one first (Model ▸ Train…).", 8000)
            return 0
        keys = [k for k in self.unlabelled_keys() if k not in self.predictions.results]
        self.show_dock(self.predict_dock)
        n = self.predictions.request(self._items(keys))
        self._status(
            f"Predicting {n} unlabelled image(s) in the background…"
            if n
            else "Every unlabelled image has predictions already.",
            5000,
        )
        if not n:
            self._update_next()
        return n

    def _check_project(self) -> None:
        if self.window.project is not self._project:
            self._project = self.window.project
            self.predictions.set_checkpoint(None)
            self.predictions.results.clear()

    def _image_changed(self, key) -> None:
        self._check_project()
        self.refresh_overlay()

    def refresh_overlay(self) -> None:
        self._check_project()
        key = self.window.current_key
        visible = self.predictions.visible(key)
        self.window.canvas.set_predictions(visible, self.colour_for)
        self.predict_panel.show_instances(visible)
        self.actions["accept_all"].setEnabled(bool(visible))

    def _predicted(self, key: str) -> None:
        self._update_next()

    def _predict_busy(self, busy: bool) -> None:
        if not busy:
            self._update_next()
            if self._jump_when_predicted:
                self._jump_when_predicted = False
                self.next_uncertain()

    def _update_next(self) -> None:
        project = self.window.project
        if project is None:
            return
        order = self.predictions.uncertainty_order(self.unlabelled_keys())
        names = {im.key: im.filename for im in project.images}
        self.predict_panel.show_next([(k, names.get(k, k), u) for k, u in order[:50]])

    def accept(self, indices: list[int] | None = None) -> int:
        """Add the current image's visible predictions (or those at `indices`) as polygons, in ONE undo step."""
        key = self.window.current_key
        project = self.window.project
        if project is None or key is None:
            return 0
        visible = self.predictions.visible(key)
        chosen = visible if indices is None else [visible[i] for i in indices if 0 <= i < len(visible)]
        if not chosen:
            self._status("No predictions to accept on this image (lower the score slider?).", 5000)
            return 0
        edit, ids = accept_edit(project, key, chosen)
        if edit is None:
            self._status("The chosen predictions have no outline to turn into polygons.", 5000)
            return 0
        self.window.push(edit)
        taken = {id(i) for i in chosen}
        self.predictions.results[key] = [i for i in self.predictions.results.get(key, []) if id(i) not in taken]
        self.refresh_overlay()
        self._update_next()
        self._status(f"Accepted {len(chosen)} prediction(s) as {len(ids)} polygon(s) (Ctrl+Z undoes).", 6000)
        return len(ids)

    def next_uncertain(self) -> str | None:
        order = [
            k for k, _ in self.predictions.uncertainty_order(self.unlabelled_keys()) if k != self.window.current_key
        ]
        if not order:
            if self.predictions.busy() or self.predict_unlabelled():
                self._jump_when_predicted = True
            return None
        self._open(order[0])
        return order[0]

    def _open(self, key: str | None) -> None:
        if key:
            self.window.show_image(key)

    # ==== lifetime ======================================================================
    def eventFilter(self, obj, event) -> bool:
        if obj is self.window and event.type() == QEvent.Type.Close:
            self.shutdown()
        return False

    def shutdown(self, ms: int = SHUTDOWN_MS) -> None:
        """Stop a run (the checkpoint is kept) and wait for it; a run process that has not ended
        within `ms` is killed with its workers, so closing never hangs. Stop predicting. Idempotent."""
        self._closing = True
        if self.runner.is_running():
            self.runner.shutdown(ms)
        QCoreApplication.sendPostedEvents(self.runner, QEvent.Type.MetaCall)  # deliver the last events
        QCoreApplication.sendPostedEvents(self, QEvent.Type.MetaCall)
        self.predictions.shutdown(60000)
        if self.plots is not None:
            self.plots.timer.stop()
