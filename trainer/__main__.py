"""``python -m trainer train|merge|predict|evaluate|run-json`` without the app.

``run-json CONFIG`` runs ``fit`` and writes each event as one JSON line on stdout; a line
``stop`` on stdin (or stdin closing, e.g. when the app dies) stops it cleanly. The GUI uses it
for subprocess training."""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading

from trainer.commands.merge import add_merge_parser, run_merge
from trainer.commands.predict import add_evaluate_parser, add_predict_parser, run_evaluate, run_predict
from trainer.commands.train import add_train_parser, run_train
from trainer.launch.control_pipe import take_stdin, watch_control


def run_json(config_path: str) -> int:
    from trainer.config import TrainConfig
    from trainer.errors import TrainerError
    from trainer.events import Failed
    from trainer.run.engine import fit

    # Events own stdout: anything else printed (libraries) goes to stderr.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", buffering=1)
    if int(os.environ.get("RANK", "0") or 0) != 0:  # under torchrun, one rank speaks for the run
        out = open(os.devnull, "w", encoding="utf-8")
    sys.stdout = sys.stderr
    stop = threading.Event()
    control = take_stdin()
    if control is not None:
        threading.Thread(target=watch_control, args=(control, stop), daemon=True, name="stdin-stop").start()
    try:
        events = fit(TrainConfig.from_file(config_path), stop)
    except TrainerError as e:
        events = iter([Failed(reason=str(e))])
    code = 1
    for ev in events:
        out.write(json.dumps(ev.to_dict()) + "\n")
        out.flush()
        if ev.kind == "finished":
            code = 0
    out.close()
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m trainer", description="Polymask trainer (Mask R-CNN, COCO).")
    sub = parser.add_subparsers(dest="command", required=True)
    add_train_parser(sub)
    add_merge_parser(sub)
    add_predict_parser(sub)
    add_evaluate_parser(sub)
    rj = sub.add_parser("run-json", help="train from a config file, streaming events as JSON lines")
    rj.add_argument("config", metavar="CONFIG.json")
    rl = sub.add_parser("run-live", help="live training (the set grows through stdin), streaming events as JSON lines")
    rl.add_argument("config", metavar="CONFIG.json")
    rl.add_argument("live", metavar="LIVE.json")
    args = parser.parse_args(argv)
    if args.command == "train":
        return run_train(args)
    if args.command == "merge":
        return run_merge(args)
    if args.command == "predict":
        return run_predict(args)
    if args.command == "evaluate":
        return run_evaluate(args)
    if args.command == "run-live":
        from trainer.live.child import run_live

        return run_live(args.config, args.live)
    return run_json(args.config)


if __name__ == "__main__":
    sys.exit(main())
