"""Assist tool (M): a polygon of the object in a dragged box, or under a click.

Drag a box → the object in it; click an object → the object under the click; further clicks
refine (Shift+click: background). The proposal shows as a preview; Enter — or a click or box
elsewhere — accepts it as one new object (one undo step, the current class, else the model's),
Esc drops it, Backspace drops the last click. The detail slider (and [ / ]) sets the polygon's
tolerance before accepting. Backends (annotator.assist) run on a worker thread; the status line
names the one that answered. To add a tool, see base.py."""

from __future__ import annotations

from PySide6.QtCore import Qt

from ....assist import DEFAULT_TOLERANCE, AssistUnavailable, Proposal
from ....model import new_region_edit
from ..assist_items import DETAIL_STEPS, AssistPreview, DetailSlider
from ..assist_models import ModelFetcher
from ..assist_session import AssistSession, forget_backends, segmenter_files
from ..background import Job
from ..view import Pointer
from .base import Drag, Tool

HINT = "Drag a box round an object, or click it · Shift+click: background · Enter accepts · Esc cancels"


class AssistTool(Tool):
    name = "assist"
    hint = HINT
    cursor = Qt.CursorShape.CrossCursor

    def activate(self) -> None:
        # one session per canvas: the backends and their caches outlive this tool object
        self.session = getattr(self.canvas, "assist_session", None) or AssistSession()
        self.canvas.assist_session = self.session  # type: ignore[attr-defined]
        self.box: tuple[float, float, float, float] | None = None
        self.clicks: list[tuple[float, float, bool]] = []
        self.proposal: Proposal | None = None
        self.job: Job | None = None
        self.prepared_key: str | None = None
        self.backend = ""
        self.tolerance = DEFAULT_TOLERANCE
        self.preview = AssistPreview()
        self.canvas.add_item(self.preview)
        self.detail = DetailSlider(self.canvas.viewport(), self._detail_changed)  # type: ignore[attr-defined]
        self.detail.set_tolerance(self.tolerance)
        self.detail.move(8, 8)
        self.detail.show()
        self.missing: list = []
        self.fetcher = ModelFetcher(self.canvas.viewport(), self.canvas.run_off_thread, self._model_arrived)  # type: ignore[attr-defined]
        self.detail.download_button.clicked.connect(lambda: self.fetcher.download(self.missing))
        self.detail.import_button.clicked.connect(lambda: self.fetcher.import_file(self.missing))
        self._prepare()

    def deactivate(self) -> None:
        self._drop()
        self.canvas.remove_item(self.preview)
        self.detail.hide()
        self.detail.deleteLater()

    # ---- the canvas' calls ----------------------------------------------------------------
    def drawing(self) -> bool:
        return self.proposal is not None or self.box is not None or bool(self.clicks)

    def cancel(self) -> None:  # another image
        self._drop()

    def refreshed(self) -> None:
        record = self.canvas.record()
        if record is not None and record.key != self.prepared_key:
            self._prepare()

    def finish(self) -> bool:
        self._accept()
        return True

    def step_back(self) -> bool:
        return self.on_step_back()

    def press(self, pointer: Pointer) -> Drag | None:
        if self.canvas.record() is None:
            return None
        return self._gesture(pointer)

    def double_click(self, pointer: Pointer) -> Drag | None:
        return None

    # ---- keys ---------------------------------------------------------------------------------
    def on_finish(self) -> bool:
        return self._accept()

    def on_cancel(self) -> bool:
        if not self.drawing():
            return False
        self._drop()
        return True

    def on_step_back(self) -> bool:
        if not self.clicks:
            return False
        self.clicks.pop()
        if self.clicks or self.box is not None:
            self._request()
        else:
            self._drop()
        return True

    def on_grow(self) -> bool:  # ]: coarser polygon
        return self._step_detail(1)

    def on_shrink(self) -> bool:  # [: finer polygon
        return self._step_detail(-1)

    # ---- gestures -----------------------------------------------------------------------------
    def _gesture(self, pointer: Pointer) -> Drag:
        start, shift = pointer.pos, pointer.shift
        dragging = False
        yield
        while not pointer.released:
            far = max(abs(pointer.pos[0] - start[0]), abs(pointer.pos[1] - start[1])) > 2 * self.canvas.tol()
            if far and not shift:
                dragging = True
                self._show(box=(*start, *pointer.pos))
            yield
        end = pointer.pos
        if dragging:
            if self.proposal is not None:
                self._accept()  # a new box elsewhere takes the last proposal first
            self.clicks = []
            self.box = (min(start[0], end[0]), min(start[1], end[1]), max(start[0], end[0]), max(start[1], end[1]))
        elif shift:
            if not self.drawing():
                self.canvas.set_hint("Shift+click marks background: first drag a box or click the object")
                return
            self.clicks.append((start[0], start[1], False))
        else:
            if self.proposal is not None and not self._near(start):
                self._accept()  # a click elsewhere: take this one, start the next
            self.clicks.append((start[0], start[1], True))
        self._request()

    def _near(self, pos: tuple[float, float]) -> bool:
        """Whether a click refines the proposal (in its box, or its object's box) rather than starting another."""
        areas = [self.box] if self.box is not None else []
        if self.proposal is not None and not self.proposal.empty:
            x, y, w, h = self.proposal.bbox()
            areas.append((x, y, x + w, y + h))
        return any(a[0] <= pos[0] <= a[2] and a[1] <= pos[1] <= a[3] for a in areas)

    # ---- work off the UI thread ---------------------------------------------------------------
    def _prepare(self) -> None:
        project, record = self.canvas.project(), self.canvas.record()
        if project is None or record is None:
            return
        self.prepared_key = record.key
        session = self.session
        self.canvas.set_hint(f"Assist: getting ready for this image… · {HINT}")

        def work():
            try:
                return session.prepare(project, record)
            except (AssistUnavailable, OSError, ValueError) as e:
                return e

        self.canvas.run_off_thread(work, self._prepared)

    def _prepared(self, result) -> None:
        if isinstance(result, Exception):
            self.canvas.set_hint(f"Assist: {result}")
            return
        self.backend = result
        if not self.drawing():
            self.canvas.set_hint(f"Assist ({result}) · {HINT}")
        session = self.session
        self.canvas.run_off_thread(lambda: segmenter_files(session), self._offer_models)

    def _offer_models(self, missing: list) -> None:
        self.missing = missing
        self.detail.offer_models(bool(missing))

    def _model_arrived(self) -> None:
        forget_backends(self.session)
        self.prepared_key = None
        self.canvas.set_hint("Assist: model file in place")
        self._prepare()

    def _request(self) -> None:
        project, record = self.canvas.project(), self.canvas.record()
        if project is None or record is None:
            return
        if self.job is not None:
            self.job.cancel()  # only the newest prompt's answer is shown
        box, clicks, tolerance, session = self.box, list(self.clicks), self.tolerance, self.session

        def work():
            try:
                return session.propose(project, record, box, clicks, tolerance)
            except (AssistUnavailable, OSError, ValueError) as e:
                return e

        self.job = self.canvas.run_off_thread(work, self._proposed)
        self._show(busy=True)
        self.canvas.set_hint(f"Assist ({self.backend or '…'}): working…")

    def _proposed(self, result) -> None:
        self.job = None
        if isinstance(result, Exception):
            self.proposal = None
            self.canvas.set_hint(f"Assist: {result}")
            self._show()
            return
        proposal, status = result
        self.proposal = proposal.at_tolerance(self.tolerance)
        self.backend = status
        if proposal.empty:
            self.canvas.set_hint(f"Assist ({status}): nothing found there · click the object, or drag a box round it")
        else:
            self.canvas.set_hint(
                f"Assist ({status}) · Enter accepts · click to refine, Shift+click background · Esc cancels"
            )
        self._show()

    # ---- accepting, dropping, showing ---------------------------------------------------------
    def _accept(self) -> bool:
        proposal, record, project = self.proposal, self.canvas.record(), self.canvas.project()
        if proposal is None or record is None or project is None:
            return False
        shape = proposal.shape()
        self._drop()
        if shape is None:
            return True
        class_name = self.canvas.current_class() or proposal.class_name
        edit, rid = new_region_edit(project, record.key, shape, class_name)
        self.canvas.push(edit)  # one undo step
        self.canvas.select_regions([rid])  # 1-9 set its class right away
        self.canvas.set_hint(f"Assist ({self.backend}): object added · {HINT}")
        return True

    def _drop(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.job = None
        self.box, self.clicks, self.proposal = None, [], None
        self._show()

    def _show(self, box=None, busy: bool = False) -> None:
        name = self.canvas.current_class() or (self.proposal.class_name if self.proposal else None)
        colour = self.canvas.layer.colour_for(name) if name else "#ffcc00"
        self.preview.set_state(self.proposal, box or self.box, self.clicks, colour, busy)
        if hasattr(self, "detail"):
            self.detail.show_vertices(self.proposal.vertex_count() if self.proposal is not None else None)

    def _detail_changed(self, tolerance: float) -> None:
        self.tolerance = tolerance
        if self.proposal is not None:
            self.proposal = self.proposal.at_tolerance(tolerance)
            self._show()

    def _step_detail(self, step: int) -> bool:
        i = min(range(len(DETAIL_STEPS)), key=lambda k: abs(DETAIL_STEPS[k] - self.tolerance))
        self.detail.set_tolerance(DETAIL_STEPS[max(0, min(len(DETAIL_STEPS) - 1, i + step))])
        return True
