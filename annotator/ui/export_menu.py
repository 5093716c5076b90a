"""File ▸ Export ▸ VIA project / VIA annotations / COCO / labelme: the same code as
`polymask convert` (annotator.app.export_check: the COCO size check and `write_export`), then a
summary of what was written and what could not be."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox

from ..app.export_check import FORMAT_NAMES, check_image_sizes, write_export
from ..io.labelme_targets import foreign_files, plan

EXPORT_SUFFIX = {
    "via-project": "_via_project.json",
    "via": "_via_region_data.json",
    "coco": "_coco.json",
    "labelme": "_labelme",
}


def install_export_menu(window, icon=None) -> None:
    """Add labelme to the File ▸ Export menu (VIA and COCO are there already)."""
    menu = window.actions.menus.get("export")
    if menu is None or "export_labelme" in window.actions.actions:
        return
    action = QAction("&labelme folder…", window)
    action.setToolTip("Write one labelme JSON per image into a folder")
    if icon is not None:
        action.setIcon(icon("labelme"))
    action.triggered.connect(lambda: window.export("labelme"))
    menu.addAction(action)
    window.actions.actions["export_labelme"] = action


def _suggested(project, fmt: str) -> str:
    p = project.path
    base = p.parent / p.name.removesuffix(".json").removesuffix(".polymask") if p else Path.home() / "annotations"
    return str(base) + EXPORT_SUFFIX[fmt]


def _ask_target(window, fmt: str) -> str:
    title = f"Export {FORMAT_NAMES[fmt]}"
    if fmt == "labelme":
        suggested = Path(_suggested(window.project, fmt))
        suggested.mkdir(parents=True, exist_ok=True)  # an empty folder to accept, or pick another
        return QFileDialog.getExistingDirectory(window, title + " (a folder, one JSON per image)", str(suggested))
    path, _ = QFileDialog.getSaveFileName(window, title, _suggested(window.project, fmt), "JSON (*.json)")
    return path


def labelme_collisions(project, folder: Path) -> list[Path]:
    """The files a labelme export into `folder` would replace that Polymask did not write there
    (its own unchanged files are replaced without asking, as `convert` does)."""
    planned, _ = plan(project, folder)
    return foreign_files(folder, [target for _, target in planned])


def _may_write(window, fmt: str, target: Path) -> list[Path] | None:
    """Never write over the project file; ask before replacing a folder's labelme files.
    None: not to be written; else the files the user agreed to replace."""
    own = window.project.path.resolve() if window.project.path else None
    replaced = labelme_collisions(window.project, target) if fmt == "labelme" else []
    if own is not None and (target.resolve() == own or any(f.resolve() == own for f in replaced)):
        window.show_error(
            "Export", f"Not written: that would replace the project file {own.name}.", "Choose another place."
        )
        return None
    if replaced:
        answer = QMessageBox.question(
            window,
            "Replace labelme files?",
            f"{len(replaced)} JSON files in {target} have the names of this project's images "
            f"(first: {sorted(replaced)[0].name}) and would be replaced. Replace them?",
        )
        return replaced if answer == QMessageBox.StandardButton.Yes else None
    return []


def export_project(window, fmt: str, path=None) -> bool:
    """Export the window's project as `fmt` (asking where when `path` is None); True if written."""
    project = window.project
    if project is None:
        return False
    known: list = []
    if fmt == "coco":  # COCO needs image sizes: convert's policy (annotator.app.export_check)
        check = check_image_sizes(project)
        window.autosave.touch(None)  # sizes learnt are saved with the next save
        if check.refused:
            window.show_problems(
                project.path,
                check.problems,
                "Cannot export COCO",
                f"Nothing was written. {check.reason()}. Use File ▸ Locate images… "
                "to show where the images are, then export again.",
            )
            return False
        if check.unreadable and not window.ask_export_without(check):
            return False
        known = list(check.unreadable)
    if path is None:
        path = _ask_target(window, fmt)
        if not path:
            return False
    target = Path(path)
    agreed = _may_write(window, fmt, target)
    if agreed is None:
        return False
    try:
        options = {}
        if fmt == "labelme":  # one file per image: never over the project file, others only if agreed
            options = {"protect": [project.path] if project.path is not None else [], "replace": agreed}
        written = write_export(project, target, fmt, known, **options)
    except Exception as exc:  # a bug in a writer, a full disk: a dialog, never a traceback
        window.show_error("Export failed", f"Could not write {target}", f"{type(exc).__name__}: {exc}")
        return False
    problems = known + written.left_out
    if problems:  # e.g. points and unclassified regions have no COCO mask
        window.show_problems(
            target,
            problems,
            "Export problems",
            f"Wrote {written.written()}. {len(problems)} items could not be written as they are:",
        )
    else:
        window.show_notice("Exported", f"Wrote {written.written()}.\n\nEverything was written; nothing was left out.")
    notes = [note.message for note in written.notes]  # done without loss, e.g. closed polylines as polygons
    window.status.showMessage("; ".join([f"Exported {FORMAT_NAMES[fmt]} to {target}", *notes]), 6000)
    return True
