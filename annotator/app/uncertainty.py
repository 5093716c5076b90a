"""Which unlabelled image to label next: the one the model is least sure about.

Measure (per image, from the model's instances with score ≥ `floor`):

    u(image) = mean over instances of (1 − |2·score − 1|)

Each term is 1 for a coin-flip score of 0.5 and 0 for a confident 0 or 1, so an image
full of borderline detections ranks first and one with only confident detections
last. An image with no detection at all gets `EMPTY` (0.5): the model saw nothing,
which may be right (a negative) or a miss, so it sits between the two. Ties go to
the image with more borderline instances (the sum), then to project order.
Qt-free and torch-free.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

EMPTY = 0.5
FLOOR = 0.05


def instance_uncertainty(score: float) -> float:
    return 1.0 - abs(2.0 * float(score) - 1.0)


def image_uncertainty(scores: Iterable[float], floor: float = FLOOR) -> float:
    terms = [instance_uncertainty(s) for s in scores if s >= floor]
    return sum(terms) / len(terms) if terms else EMPTY


def order_by_uncertainty(
    predictions: Mapping[str, Sequence], keys: Sequence[str] | None = None, floor: float = FLOOR
) -> list[tuple[str, float]]:
    """[(image key, uncertainty)] most uncertain first. `predictions`: key -> instances
    (objects with `.score`); `keys`: the candidates in project order (default: all)."""
    keys = list(predictions) if keys is None else [k for k in keys if k in predictions]
    rows = []
    for order, key in enumerate(keys):
        scores = [float(i.score) for i in predictions[key]]
        u = image_uncertainty(scores, floor)
        total = sum(instance_uncertainty(s) for s in scores if s >= floor)
        rows.append((-u, -total, order, key, u))
    rows.sort()
    return [(key, u) for *_, key, u in rows]
