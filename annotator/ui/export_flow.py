"""File ▸ Export: the file name offered, the COCO size check (the policy of
annotator.app.export_check, shared with `polymask convert`), the write and its report."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from .. import io as pio
from ..app.export_check import check_image_sizes

if TYPE_CHECKING:
    from .main_window import MainWindow

EXPORT_SUFFIX = {"via-project": "_via_project.json", "via": "_via_region_data.json", "coco": "_coco.json"}


def default_export_path(project_path: Path | None, fmt: str) -> str:
    """Beside the project file, named after it: `birds.json` -> `birds_coco.json`."""
    if project_path is None:
        return str(Path.home() / "annotations") + EXPORT_SUFFIX[fmt]
    base = project_path.parent / project_path.name.removesuffix(".json").removesuffix(".polymask")
    return str(base) + EXPORT_SUFFIX[fmt]


class ExportFlow:
    def __init__(self, window: MainWindow):
        self.window = window

    def export(self, fmt: str, path=None) -> bool:
        w = self.window
        project = w.project
        if project is None:
            return False
        if fmt == "coco" and not self.coco_sizes_known():
            return False
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                w, f"Export {fmt}", default_export_path(project.path, fmt), "JSON (*.json)"
            )
            if not path:
                return False
        try:
            left_out = pio.export(project, path, fmt)
        except Exception as exc:
            w.show_error("Export failed", f"Could not write {path}", f"{type(exc).__name__}: {exc}")
            return False
        if left_out:  # e.g. points and unclassified regions have no COCO mask
            intro = f"{Path(path).name} was written; {len(left_out)} items were left out:"
            w.show_problems(path, left_out, "Export problems", intro)
        w.status.showMessage(f"Exported {fmt} to {path}", 6000)
        return True

    def coco_sizes_known(self) -> bool:
        """COCO needs each image's size: refuse when images are missing, ask when some are unreadable."""
        w = self.window
        assert w.project is not None  # export() checked
        check = check_image_sizes(w.project)
        w.autosave.touch(None)  # sizes learnt are saved with the next save
        if check.refused:
            w.show_problems(
                w.project.path,
                check.problems,
                "Cannot export COCO",
                f"Nothing was written. {check.reason()}. Use File ▸ Locate images… "
                "to show where the images are, then export again.",
            )
            return False
        return not check.unreadable or w.ask_export_without(check)
