"""`polymask` on the command line: open the window, or convert / validate / demo / train / predict / evaluate.

Errors a user can cause are printed as one clear line (file and what is wrong)
with a non-zero exit code, never as a traceback.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import __version__

COMMANDS = ("convert", "validate", "demo", "train", "predict", "evaluate")
EXPORT_FORMATS = ("via", "via-project", "coco")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="polymask",
        description="Label images with polygons, export VIA / COCO, train Mask R-CNN. "
                    "With no command, opens the window (on PATH if given, else the last or the demo project).",
        epilog="Open the window: polymask [PATH]   (PATH: a folder of images, a project or an annotation file)",
    )
    parser.add_argument("--version", action="version", version=f"polymask {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("convert", help="convert between VIA, COCO, labelme and project files")
    p.add_argument("input", help="a VIA, COCO, labelme or Polymask file (format detected)")
    p.add_argument("output", help="the file to write")
    p.add_argument("--to", required=True, choices=EXPORT_FORMATS, help="output format")
    p.add_argument("--images", metavar="DIR", help="image folder (default: beside the input); used for sizes")
    p.add_argument("--class-attribute", metavar="NAME", help="the region attribute that holds the class")

    p = sub.add_parser("validate", help="list problems in an annotation file; exit 1 if any")
    p.add_argument("file", help="a VIA, COCO, labelme or Polymask file, or a project folder")
    p.add_argument("--images", metavar="DIR", help="image folder (default: beside the file)")
    p.add_argument("--class-attribute", metavar="NAME", help="the region attribute that holds the class")
    p.add_argument("--quick", action="store_true", help="read image headers only (skips truncation checks)")

    p = sub.add_parser("demo", help="write the demo project into DIR")
    p.add_argument("dir", help="folder to create")

    try:
        from trainer import cli as trainer_cli
    except ImportError:  # the trainer is optional for labelling-only installs
        trainer_cli = None
    if trainer_cli is not None:
        trainer_cli.add_train_parser(sub)
        trainer_cli.add_predict_parser(sub)
        trainer_cli.add_evaluate_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
        if len(argv) > 1:
            print(f"polymask: opens one path at a time, got {len(argv)}; see polymask --help", file=sys.stderr)
            return 2
        return _open_window(argv[0] if argv else None)
    args = build_parser().parse_args(argv)
    if args.command is None:
        return _open_window(None)
    handler = {"convert": cmd_convert, "validate": cmd_validate, "demo": cmd_demo,
               "train": cmd_train, "predict": _trainer("run_predict"), "evaluate": _trainer("run_evaluate")}
    return handler[args.command](args)


def _open_window(path: str | None) -> int:
    if path is not None and not Path(path).exists():
        print(f"polymask: {path}: does not exist", file=sys.stderr)
        return 2
    from .ui.app import run

    return run(path)


def _fail(message: str, code: int = 2) -> int:
    print(f"polymask: {message}", file=sys.stderr)
    return code


def cmd_convert(args) -> int:
    from .io import FormatError, export, fill_image_sizes, open_path

    src, dst = Path(args.input), Path(args.output)
    if dst.exists() and src.exists() and dst.resolve() == src.resolve():
        return _fail(f"{dst}: refusing to overwrite the input file; choose another output")
    try:
        result = open_path(src, images=args.images, class_attribute=args.class_attribute)
    except FormatError as exc:
        return _fail(str(exc))
    for problem in result.problems:
        print(f"warning: {problem}", file=sys.stderr)
    project = result.project
    if args.to == "coco":
        missing = fill_image_sizes(project)
        if missing:
            for problem in missing:
                print(f"error: {problem}", file=sys.stderr)
            return _fail("COCO needs every image's width and height; give the image folder with --images")
    try:
        left_out = export(project, dst, args.to)
    except (FormatError, OSError) as exc:
        return _fail(f"{dst}: cannot write ({exc})")
    for problem in left_out:
        print(f"warning: {problem}", file=sys.stderr)
    n_regions = sum(len(im.regions) for im in project.images)
    print(f"wrote {dst} ({args.to}): {len(project.images)} images, {n_regions} regions, "
          f"{len(project.class_names())} classes")
    return 0


def cmd_validate(args) -> int:
    from .io import FormatError, fill_image_sizes, open_path
    from .model import project_problems

    try:
        result = open_path(args.file, images=args.images, class_attribute=args.class_attribute)
    except FormatError as exc:
        return _fail(str(exc))
    project = result.project
    problems = list(result.problems)
    problems += fill_image_sizes(project, only_missing=False)
    if not args.quick:
        problems += _decode_problems(project)
    problems += [p for p in project_problems(project) if p not in problems]
    for problem in problems:
        print(problem)
    n_regions = sum(len(im.regions) for im in project.images)
    summary = f"{len(project.images)} images, {n_regions} regions, {len(project.class_names())} classes"
    if problems:
        print(f"{len(problems)} problem(s) in {args.file}: {summary}", file=sys.stderr)
        return 1
    print(f"{args.file}: no problems ({summary})")
    return 0


def _decode_problems(project) -> list:
    """Fully decode each image: a truncated file passes a header check."""
    from .io.images import ImageReadError, load_image
    from .model import Problem
    from .model.validation import UNREADABLE_IMAGE

    problems = []
    for im in project.images:
        path = project.image_path(im)
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
    """`train --project FILE` converts the project to COCO here; the trainer never sees our classes."""
    from trainer import cli as trainer_cli

    if getattr(args, "project", None):
        from .io import FormatError, fill_image_sizes, open_path
        from .io.coco import project_to_coco
        from .training_data import training_subset

        try:
            result = open_path(args.project)
        except FormatError as exc:
            return _fail(str(exc))
        project = training_subset(result.project)
        if not getattr(args, "out", None) and not getattr(args, "resume", None) and project.path:
            # Runs live beside the project, where the window lists them too.
            args.out = str(Path(project.path).parent / "runs" / time.strftime("train-%Y%m%d-%H%M%S"))
        problems = fill_image_sizes(project)
        for problem in problems:
            print(f"warning: {problem}", file=sys.stderr)
        return trainer_cli.run_train(args, coco=project_to_coco(project), images=str(project.image_root))
    return trainer_cli.run_train(args)


def _trainer(name: str):
    def run(args) -> int:
        from trainer import cli as trainer_cli

        return getattr(trainer_cli, name)(args)
    return run


if __name__ == "__main__":
    sys.exit(main())
