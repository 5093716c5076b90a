"""`polymask` on the command line: open the window, or convert / validate / demo / train / merge / predict / evaluate.

Errors a user can cause are printed as one clear line (file and what is wrong)
with a non-zero exit code, never as a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from polymask_common.text import plural

from . import __version__

COMMANDS = ("convert", "validate", "demo", "train", "merge", "predict", "evaluate", "assist")
EXPORT_FORMATS = ("via", "via-project", "coco", "labelme")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="polymask",
        description="Label images with polygons, export VIA / COCO, train Mask R-CNN. "
        "With no command, opens the window (on PATH if given, else the last or the demo project).",
        epilog="Open the window: polymask [PATH]   (PATH: a folder of images, a project or an annotation file)",
    )
    parser.add_argument("--version", action="version", version=f"polymask {__version__}")
    parser.add_argument(
        "--install-desktop",
        action="store_true",
        help="Linux: add Polymask (with its icon) to your desktop's application menu, for this user",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("convert", help="convert between VIA, COCO, labelme and project files")
    p.add_argument("input", help="a VIA, COCO, labelme or Polymask file (format detected)")
    p.add_argument("output", help="the file to write (for labelme: a folder, one JSON per image)")
    p.add_argument("--to", required=True, choices=EXPORT_FORMATS, help="output format")
    p.add_argument("--images", metavar="DIR", help="image folder (default: beside the input); used for sizes")
    p.add_argument("--class-attribute", metavar="NAME", help="the region attribute that holds the class")
    p.add_argument("--embed-images", action="store_true", help="labelme: write each image into its file (imageData)")
    p.add_argument(
        "--no-extract-images",
        action="store_true",
        help="labelme input: do not write images embedded in its files (imageData) beside them",
    )

    p = sub.add_parser("validate", help="list problems in an annotation file; exit 1 if any")
    p.add_argument("file", help="a VIA, COCO, labelme or Polymask file, or a project folder")
    p.add_argument("--images", metavar="DIR", help="image folder (default: beside the file)")
    p.add_argument("--class-attribute", metavar="NAME", help="the region attribute that holds the class")
    p.add_argument("--quick", action="store_true", help="read image headers only (skips truncation checks)")

    p = sub.add_parser("demo", help="write the demo project into DIR")
    p.add_argument("dir", help="folder to create")

    from .cli_assist import add_assist_parser

    add_assist_parser(sub)

    try:
        from trainer.commands import merge as merge_cli
        from trainer.commands import predict as predict_cli
        from trainer.commands import train as trainer_cli

        with_trainer = True
    except ImportError:  # the trainer is optional for labelling-only installs
        with_trainer = False
    if with_trainer:
        train = trainer_cli.add_train_parser(sub)
        train.add_argument(
            "--project",
            metavar="FILE",
            help="a project or annotation file (or folder), opened as the window opens it; "
            "the run is recorded in the project file",
        )
        merge_cli.add_merge_parser(sub)
        predict_cli.add_predict_parser(sub)
        predict_cli.add_evaluate_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
        if len(argv) > 1:
            print(f"polymask: opens one path at a time, got {len(argv)}; see polymask --help", file=sys.stderr)
            return 2
        return _open_window(argv[0] if argv else None)
    args = build_parser().parse_args(argv)
    if args.install_desktop:
        return cmd_install_desktop()
    if args.command is None:
        return _open_window(None)
    handler = {
        "convert": cmd_convert,
        "validate": cmd_validate,
        "demo": cmd_demo,
        "train": cmd_train,
        "merge": _merge,
        "predict": _trainer("run_predict"),
        "evaluate": _trainer("run_evaluate"),
        "assist": _assist,
    }
    try:
        return handler[args.command](args)
    except OSError as exc:  # a path the system refuses (name too long, ...): one line, not a traceback
        where = f"{exc.filename}: " if exc.filename else ""
        return _fail(f"{where}{exc.strerror or exc}")


def _open_window(path: str | None) -> int:
    if path is not None and not Path(path).exists():
        print(f"polymask: {path}: does not exist", file=sys.stderr)
        return 2
    from .ui.platform_libs import platform_problem

    problem = platform_problem()  # before Qt starts: it aborts with a misleading hint instead
    if problem:
        print(problem, file=sys.stderr, end="")
        return 1
    from .ui.app import run

    return run(path)


def cmd_install_desktop() -> int:
    from .app.desktop_entry import DesktopInstallError, install_desktop

    try:
        written = install_desktop()
    except DesktopInstallError as exc:
        return _fail(str(exc))
    print(f"Installed {written[0]} and the Polymask icon ({len(written) - 1} files under {written[1].parents[2]})")
    print("Polymask is in your application menu (log out and in if it does not show yet).")
    return 0


def _fail(message: str, code: int = 2) -> int:
    from .model.validation import printable  # a lone surrogate in a file name must not crash the print

    print(printable(f"polymask: {message}"), file=sys.stderr)
    return code


def _open_located(path, images=None, class_attribute=None, extract_images=True):
    """Read an annotation or project file and find its images with the window's search
    (beside the file, VIA's default path, a sub-folder holding the listed names)."""
    from .app.image_search import locate_images
    from .io import open_path

    result = open_path(path, images=images, class_attribute=class_attribute, extract_images=extract_images)
    path = Path(path)
    search = locate_images(result.project, near=path if path.is_dir() else path.parent, given=images)
    if search.root is not None and (images or search.found):
        result.project.image_root = search.root
    return result


def cmd_convert(args) -> int:
    """Exit 0 when written cleanly, 1 when written with problems (listed), 2 when nothing was written."""
    from .app.export_check import check_image_sizes, fold_missing_images, write_export
    from .io import FormatError

    src, dst = Path(args.input), Path(args.output)
    if dst.exists() and src.exists() and dst.resolve() == src.resolve():
        return _fail(f"{dst}: refusing to overwrite the input file; choose another output")
    try:
        result = _open_located(
            src, images=args.images, class_attribute=args.class_attribute, extract_images=not args.no_extract_images
        )
    except FormatError as exc:
        return _fail(str(exc))
    problems = _notes_apart(result.problems)  # regions and images the reader had to skip
    # missing images whose sizes the file gives lose nothing: one line, not one each
    problems, missing_note = fold_missing_images(problems, result.project, result.format)
    if missing_note:
        print(missing_note, file=sys.stderr)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    project = result.project
    if args.to == "coco":
        check = check_image_sizes(project)
        for problem in check.problems:
            print(f"error: {problem}", file=sys.stderr)
        if check.refused:
            hint = "check the folder given with --images" if args.images else "give the image folder with --images"
            return _fail(f"{check.reason()}; {hint}")
        problems += check.unreadable
    options = {}
    if args.to == "labelme":  # never written over: the input (every file of an input folder)
        options = {"embed_images": args.embed_images, "protect": sorted(src.rglob("*")) if src.is_dir() else [src]}
    try:
        # the window's Export runs this too; the folded missing images are known, not named again
        written = write_export(project, dst, args.to, known=[*result.problems, *problems], **options)
    except FormatError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"{dst}: cannot write ({exc})")
    for note in written.notes:
        print(f"note: {note}", file=sys.stderr)
    for problem in written.left_out:
        print(f"warning: {problem}", file=sys.stderr)
    problems += written.left_out
    summary = written.summary()
    if problems:  # scripts must notice what was skipped
        print(f"wrote {dst} ({args.to}) with {plural(len(problems), 'problem')} listed above: {summary}")
        return 1
    print(f"wrote {dst} ({args.to}): {summary}")
    return 0


def _notes_apart(problems) -> list:
    """Print what a conversion did without losing anything as notes; return the problems."""
    from .io.errors import split_notes

    problems, notes = split_notes(problems)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    return problems


def cmd_validate(args) -> int:
    from dataclasses import replace

    from .app.preflight import data_notes
    from .io import FormatError, fill_image_sizes
    from .model import project_problems

    try:
        result = _open_located(
            args.file, images=args.images, class_attribute=args.class_attribute, extract_images=False
        )
    except FormatError as exc:
        return _fail(str(exc))
    project = result.project
    # Every problem names the file it is about (the one validated unless a reader said otherwise).
    here = str(args.file)
    problems = [p if p.file else replace(p, file=here) for p in result.problems]
    problems += [replace(p, file=here) for p in fill_image_sizes(project, only_missing=False)]
    if not args.quick:
        problems += [replace(p, file=here) for p in _decode_problems(project)]
    problems += [replace(p, file=here) for p in project_problems(project)]
    problems = list(dict.fromkeys(problems))
    for problem in problems:
        print(problem)
    for note in data_notes(project):  # what training may learn poorly from: said, not counted
        print(f"{here}: note: {note.message}")
    n_regions = sum(len(im.regions) for im in project.images)
    summary = f"{len(project.images)} images, {n_regions} regions, {len(project.class_names())} classes"
    if problems:
        print(f"{plural(len(problems), 'problem')} in {args.file}: {summary}", file=sys.stderr)
        return 1
    print(f"{args.file}: no problems ({summary})")
    return 0


def _decode_problems(project) -> list:
    """Fully decode each image: a truncated file passes a header check."""
    from .io.images import ImageReadError, load_image
    from .io.paths import UnsafeImagePath, project_image_file
    from .model import Problem
    from .model.validation import UNREADABLE_IMAGE

    problems = []
    for im in project.images:
        try:
            path = project_image_file(project, im)
        except UnsafeImagePath:
            continue  # reported by fill_image_sizes; never read
        if not path.exists():
            continue  # already reported as missing
        try:
            load_image(path)
        except ImageReadError as exc:
            problems.append(Problem(UNREADABLE_IMAGE, str(exc).split(": ", 1)[-1], im.filename))
    return problems


def cmd_demo(args) -> int:
    from .demo import write_demo

    path = write_demo(args.dir)
    print(f"wrote the demo project {path}")
    return 0


def cmd_train(args) -> int:
    """`train --project FILE` trains on what the window would (annotator.cli_train); the trainer
    never sees our classes."""
    if getattr(args, "project", None):
        from .cli_train import train_project

        return train_project(args, _fail)
    from trainer.commands import train as trainer_cli

    return trainer_cli.run_train(args)


def _assist(args) -> int:
    from .cli_assist import run_assist

    return run_assist(args, _fail)


def _merge(args) -> int:
    from trainer.commands import merge as merge_cli

    return merge_cli.run_merge(args)


def _trainer(name: str):
    def run(args) -> int:
        from trainer.commands import predict as predict_cli

        return getattr(predict_cli, name)(args)

    return run


if __name__ == "__main__":
    sys.exit(main())
