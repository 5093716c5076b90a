"""Words for people: a count with its noun in the right number."""

from __future__ import annotations


def plural(n: int, word: str) -> str:
    """``plural(1, "image")`` is "1 image", ``plural(3, "image")`` is "3 images"."""
    return f"{n} {word}{'s' if n != 1 else ''}"
