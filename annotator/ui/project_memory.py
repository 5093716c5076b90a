"""What the project remembers of the last session (typed Polymask data, in the project file):
the image shown last, where the window reopens, and the brush's size, kept between images
and sessions. The image is a fact recorded as you move (saved with the next save, and on
close or when another project is opened); a new brush size is saved like an edit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .canvas.brush import BRUSH_SIZES, DEFAULT_BRUSH

if TYPE_CHECKING:
    from ..model import Project


if TYPE_CHECKING:
    from .window_context import WindowContext


class ProjectMemory:
    def __init__(self, window: WindowContext):
        self.window = window
        self._opened_at: str | None = None  # the image the project file names (as read or last saved)
        self._applying = False
        window.canvas.image_changed.connect(self.image_shown)
        window.canvas.brush_size_changed.connect(self.brush_changed)

    def start_key(self, project: Project) -> str:
        """The key of the image to open the project at (the remembered one, else the first); the
        project's brush size goes to the canvas."""
        data = project.polymask
        self._opened_at = data.current_image
        radius = data.brush_radius
        if not isinstance(radius, (int, float)) or isinstance(radius, bool) or not 0 < radius <= BRUSH_SIZES[-1]:
            radius = DEFAULT_BRUSH
        if radius != self.window.canvas.brush_size():
            self._applying = True
            try:
                self.window.canvas.set_brush_size(radius)
            finally:
                self._applying = False
        wanted = data.current_image
        for im in project.images:
            if im.filename == wanted:
                return im.key
        return project.images[0].key

    def image_shown(self, key) -> None:
        project = self.window.project
        if project is None or key is None:
            return
        try:
            project.polymask.current_image = project.image(key).filename
        except KeyError:
            pass

    def brush_changed(self, radius: float) -> None:
        project = self.window.project
        if self._applying or project is None or project.polymask.brush_radius == radius:
            return
        project.polymask.brush_radius = radius
        self.window.autosave.mark_dirty([])  # a setting of the project: saved as an edit is

    def leave(self) -> None:
        """Before the project's last save (close, another project): the image shown is written."""
        project = self.window.project
        if project is not None and project.polymask.current_image != self._opened_at:
            self.window.autosave.mark_dirty([], schedule=False)
            self._opened_at = project.polymask.current_image
