"""``train ... --remote HOST``: the command-line side of training on another machine (both
``polymask train`` and ``python -m trainer train`` take it)."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable, Iterator

from trainer.config import TrainConfig
from trainer.events import Event, Failed
from trainer.launch.ssh.transport import DEFAULT_PYTHON, DEFAULT_WORKDIR, RemoteError, RemoteTarget


def add_remote_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("training on another machine (over SSH, with your keys and ~/.ssh/config)")
    g.add_argument("--remote", metavar="HOST", help="user@host[:port] or an ~/.ssh/config alias")
    g.add_argument("--remote-python", metavar="PATH", default=DEFAULT_PYTHON, help="the host's Python (python3)")
    g.add_argument(
        "--remote-dir", metavar="DIR", default=DEFAULT_WORKDIR, help=f"work folder there ({DEFAULT_WORKDIR})"
    )
    g.add_argument("--remote-gpus", metavar="N", type=int, default=1, help="torchrun --nproc-per-node=N there (1)")
    g.add_argument(
        "--remote-pip",
        metavar="OPTION",
        action="append",
        default=[],
        help="an option for pip there, repeatable: --remote-pip=--extra-index-url=URL",
    )


def target_from_args(args: argparse.Namespace) -> RemoteTarget | None:
    host = getattr(args, "remote", None)
    if not host:
        return None
    return RemoteTarget(
        host,
        python=args.remote_python,
        workdir=args.remote_dir,
        nproc=max(1, args.remote_gpus),
        pip_options=list(args.remote_pip),
    )


def remote_fitter(
    target: RemoteTarget, progress: Callable[[str, str], None] | None = None
) -> Callable[[TrainConfig, threading.Event], Iterator[Event]]:
    """A ``fit``-shaped function that trains on `target`, passing its preparation to `progress`
    (default: printed to stderr); a failure before the run starts ends as a ``failed`` event
    (nothing was written here)."""

    def printed(stage: str, message: str) -> None:
        print(f"[{target.host}] {message}", file=sys.stderr, flush=True)

    def fit(config: TrainConfig, stop: threading.Event) -> Iterator[Event]:
        from trainer.launch.ssh.session import remote_fit

        try:
            yield from remote_fit(config, target, stop, progress or printed)
        except RemoteError as e:
            yield Failed(reason=str(e))

    return fit
