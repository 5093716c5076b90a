"""A training child's control pipe (its stdin): moved to a private fd, and watched for a ``stop`` line.
Shared by ``python -m trainer run-json`` and ``run-live`` (``trainer.live.child``)."""

from __future__ import annotations

import os
import threading


def take_stdin() -> int | None:
    """Move the control pipe (stdin) to a private fd and put /dev/null on fd 0.

    Why not ``for line in sys.stdin`` in a thread: that thread holds sys.stdin's buffer lock
    while it blocks, and a DataLoader worker forked at that moment inherits the held lock;
    multiprocessing's ``_close_stdin`` then blocks forever on it in the worker, so training
    never starts. Reading the private fd with ``os.read`` holds no Python lock, and the
    workers' ``sys.stdin.close()`` only closes /dev/null. (A 'spawn' or 'forkserver' worker
    context would also avoid it, but costs a torch import per worker on every run.)"""
    try:
        control = os.dup(0)
    except OSError:  # no stdin at all (e.g. pythonw): no control channel
        return None
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    return control


def watch_control(fd: int, stop: threading.Event) -> None:
    """Set ``stop`` on a line ``stop``, or when the pipe closes (the app quit or died)."""
    pending = b""
    try:
        while True:
            chunk = os.read(fd, 1024)
            if not chunk:
                break
            *lines, pending = (pending + chunk).split(b"\n")
            if any(line.strip().lower() == b"stop" for line in lines):
                break
    except OSError:
        pass
    stop.set()
