"""Bulk reads and writes allocate millions of small objects; Python's cyclic
garbage collector would sweep the growing project again and again (more than
half of the time of a 100,000-polygon read). None of these objects form cycles
that need collecting during the call, so collection waits until it ends."""

from __future__ import annotations

import functools
import gc
from contextlib import contextmanager


@contextmanager
def gc_paused():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def without_gc(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with gc_paused():
            return fn(*args, **kwargs)

    return wrapper
