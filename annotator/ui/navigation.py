"""Moving between images: show one (its pixels from the cache, the neighbours prefetched),
next / previous (D / A), next / previous unlabelled (Shift+D / Shift+A), go to an image by
number or name (Ctrl+G), an image loaded or failed in the background, and Locate images
(the folder the project's images are in)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from ..app.image_folders import find_image, unlabelled
from ..app.image_search import locate_images as search_images
from .go_to_image import GoToImageDialog
from .image_problem_bar import describe_failure

if TYPE_CHECKING:
    pass


if TYPE_CHECKING:
    from .window_context import WindowContext


class Navigator:
    def __init__(self, window: WindowContext):
        self.window = window
        self.dialog: GoToImageDialog | None = None  # Go to image (Ctrl+G), the one shown last

    def show_image(self, key: str) -> None:
        w = self.window
        if w.project is None or key == w.current_key:
            return
        if w.current_key is not None:
            w.autosave.save()  # on image switch
        w.current_key = key
        assert w.doc is not None  # a project is open
        w.doc.set_current_image(key)
        im = w.project.image(key)
        cached = w.image_cache.get(key)
        w.canvas.set_image(w.project, key, cached)
        if w.image_list.current_key() != key:
            w.image_list.select_key(key, emit=False)
        for nkey in w.image_list.neighbours():  # prefetch: next two and the previous one
            w.image_cache.request(nkey, str(w.project.image_path(w.project.image(nkey))))
        if cached is None:
            w.image_cache.request(key, str(w.project.image_path(im)))  # last in = first decoded
        error = w.image_cache.error(key)  # failed while prefetched: no signal comes again
        if error is not None:
            self.image_failed(key, error)
        else:
            w.image_bar.set_image_problem("")
        w.actions["done"].setChecked(im.done)
        w.refresh_panels()

    def step(self, delta: int) -> None:
        w = self.window
        if w.project is None:
            return
        # D / A while drawing: a shape that can be closed is closed (one undo step, kept);
        # one too short to close stays on this image rather than being dropped.
        key = w.image_list.step(delta)
        if key is not None:
            self.go_to(key)

    def go_to(self, key: str) -> bool:
        """Show image `key` as D / A do: a shape being drawn is closed first (or the move refused)."""
        w = self.window
        if not w.canvas.finish_drawing():
            w.status.showMessage("Finish the shape (Enter) or cancel it (Esc) before changing image", 6000)
            return False
        w.image_list.select_key(key, emit=False)
        self.show_image(key)
        return True

    def step_unlabelled(self, direction: int) -> None:
        """The next (1) or previous (-1) image with no regions that is not done, in project order."""
        w = self.window
        if w.project is None or not w.project.images:
            return
        row = w.list_model.row_of(w.current_key) if w.current_key is not None else -1
        start = row if row >= 0 else (-1 if direction > 0 else 0)
        index = unlabelled(w.project, start, direction)
        if index is None or index == row:
            w.status.showMessage("Every image has regions or is marked done: none is left unlabelled", 6000)
            return
        wrapped = (index < row) if direction > 0 else (index > row)
        if self.go_to(w.project.images[index].key) and wrapped and row >= 0:
            w.status.showMessage(f"Went round to the {'start' if direction > 0 else 'end'} of the list", 4000)

    def go_to_dialog(self) -> GoToImageDialog | None:
        """Image ▸ Go to image… (Ctrl+G): asks for a number or a name (window-modal, not blocking)."""
        w = self.window
        if w.project is None or not w.project.images:
            return None
        row = max(0, w.list_model.row_of(w.current_key)) if w.current_key is not None else 0
        self.dialog = GoToImageDialog(w, [im.filename for im in w.project.images], row, self.go_to_text)
        self.dialog.open()
        return self.dialog

    def go_to_text(self, text: str) -> str:
        """Go to the image an entry names (its number or file name); "" or why not."""
        w = self.window
        if w.project is None:
            return "No project is open"
        index, why = find_image(w.project, text)
        if index is None:
            return why
        self.go_to(w.project.images[index].key)
        return ""

    def _record(self, key):
        """The image `key` of the open project, or None (no project, or the image left it since
        its decoding was asked for)."""
        project = self.window.project
        if project is None:
            return None
        try:
            return project.image(key)
        except KeyError:
            return None

    def image_loaded(self, key, image, width, height) -> None:
        w = self.window
        im = self._record(key)
        if im is None or w.project is None:
            return
        if im.width is None or im.height is None:
            w.project.learn_size(im, width, height)  # a fact kept with the next save
        if key == w.current_key:
            w.canvas.set_image(w.project, key, image)
            w.update_status()

    def image_failed(self, key, message) -> None:
        w = self.window
        im = self._record(key)
        if im is None or w.project is None:
            return
        reason, missing = describe_failure(w.project.image_path(im), message)
        w.list_model.set_problem(key, reason)
        if key == w.current_key:
            w.image_bar.set_image_problem(f"Cannot show {im.filename}: {reason}", missing)

    def locate_images(self, folder=None) -> bool:
        """Set the folder the images are in (asked for when None), store it, reload the images."""
        w = self.window
        project = w.project
        if project is None:
            return False
        if folder is None:
            start = str(project.image_root or (project.path.parent if project.path else Path.home()))
            folder = QFileDialog.getExistingDirectory(w, "Locate the project's images", start)
            if not folder:
                return False
        search = search_images(project, given=folder)
        if search.total and not search.found:
            w.image_bar.set_missing_images(
                f"None of the {search.total} images are in {folder} (looked for {search.missing[0]})."
            )
            return False
        project.image_root = Path(folder)
        w.autosave.mark_dirty(None)  # the image folder is stored in the project file
        w.autosave.save()
        w.image_cache.clear()
        w.thumbnails.clear()
        w.list_model.clear_problems()
        w.image_bar.set_missing_images("" if search.complete else search.summary())
        key, w.current_key = w.current_key, None
        if key is not None:
            self.show_image(key)
        w.status.showMessage(f"Images: {search.found} of {search.total} found in {folder}", 6000)
        return True
