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
