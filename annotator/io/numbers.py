"""Fast checks on coordinate lists: readers meet millions of them."""

from __future__ import annotations

import math

_NUMBER_TYPES = {int, float}


def all_finite_numbers(values) -> bool:
    """True when every value is an int or float (not a bool, not a string) and finite.

    `map(type, ...)` and `sum` run in C; a non-finite value makes the sum non-finite.
    """
    if not set(map(type, values)) <= _NUMBER_TYPES:
        return False
    try:
        return math.isfinite(sum(values))
    except OverflowError:  # an integer too large for a float (10**400)
        return False


# Coordinates are written to 0.01 px: a hundredth of a pixel is far below what anyone can
# click or see, and 15 significant digits (float repr) triple a project file's size.
COORDINATE_DECIMALS = 2


def coordinate_out(value):
    """A coordinate as files hold it: rounded to 0.01 px, and an int when whole (as VIA writes
    them, so a file of integers stays one). Non-finite values pass through (written as null)."""
    if type(value) is int:
        return value
    rounded = round(value, COORDINATE_DECIMALS)
    return int(rounded) if rounded.is_integer() else rounded


def coordinates_out(values) -> list:
    return [coordinate_out(v) for v in values]
