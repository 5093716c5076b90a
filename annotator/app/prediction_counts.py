"""What a model's predictions on an image come to at the chosen score threshold, in numbers and
in words: how many are shown, how many score below it, how many have no outline to accept
(a mask that thresholds to nothing or to specks, common after an epoch or two), and the best
score, so an empty list says why it is empty. Also the words for how far pre-labelling got.
Qt-free and torch-free: instances are any objects with `.score` and `.polygons`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from polymask_common.text import plural

MIN_VERTICES = 3


def has_outline(inst) -> bool:
    """At least one ring of 3 or more vertices: something a polygon can be made of."""
    return any(len(flat) >= 2 * MIN_VERTICES for flat in getattr(inst, "polygons", None) or [])


@dataclass(frozen=True)
class ImageCounts:
    predicted: bool  # the model has run on the image
    shown: int = 0  # at or above the threshold, with an outline
    below: int = 0  # under the threshold
    no_outline: int = 0  # at or above the threshold but no polygon of 3+ vertices (never listed)
    best_score: float | None = None  # of every detection, shown or not
    threshold: float = 0.5

    def why_empty(self) -> str | None:
        """Why nothing is listed, in words (None when something is, or nothing was predicted yet)."""
        if not self.predicted or self.shown:
            return None
        if self.best_score is None:
            return "The model found nothing on this image."
        t, best = f"{self.threshold:.2f}", f"{self.best_score:.2f}"
        if not self.no_outline:
            return f"No object at or above {t}; best score {best} ({self.below} below) — lower Min score?"
        masks = f"{self.no_outline} at or above {t} with an empty mask (no outline to accept; train longer?)"
        return f"{masks}; {self.below} below {t}." if self.below else f"{masks}."

    def footer(self) -> str | None:
        """Under a non-empty list: what it leaves out."""
        if not self.shown:
            return None
        left = []
        if self.below:
            left.append(f"{self.below} below {self.threshold:.2f}")
        if self.no_outline:
            left.append(f"{self.no_outline} without an outline")
        return f"Not listed: {', '.join(left)}." if left else None


def count(instances: Sequence | None, visible: Sequence, threshold: float) -> ImageCounts:
    """`instances`: all the model found on the image (None: not predicted); `visible`: those at or
    above `threshold`, outlined at the panel's tolerance."""
    if instances is None:
        return ImageCounts(False, threshold=threshold)
    scores = [float(i.score) for i in instances]
    shown = sum(1 for i in visible if has_outline(i))
    return ImageCounts(
        True,
        shown=shown,
        below=sum(1 for s in scores if s < threshold),
        no_outline=len(visible) - shown,
        best_score=max(scores) if scores else None,
        threshold=threshold,
    )


def batch_message(results: Mapping[str, Sequence], unlabelled: Sequence[str], threshold: float) -> str:
    """ "12 of 40 unlabelled images predicted; 28 to go" (+ how many have an object to accept)."""
    total = len(unlabelled)
    if not total:
        return "No unlabelled images: every image has regions or is marked done."
    done = [k for k in unlabelled if k in results]
    with_objects = sum(1 for k in done if any(float(i.score) >= threshold and has_outline(i) for i in results[k]))
    text = f"{len(done)} of {plural(total, 'unlabelled image')} predicted"
    text += f"; {total - len(done)} to go" if len(done) < total else ""
    if done:
        text += f" ({with_objects} with an object at or above {threshold:.2f})"
    return text + "."


def next_list_reason(has_model: bool, unlabelled: int, predicted: int, busy: bool) -> str | None:
    """Why the Label-next list is empty (None when it is not)."""
    if not unlabelled:
        return "Nothing to rank: every image has regions or is marked done."
    if predicted:
        return None
    if busy:
        return f"Ranking once the model has predicted the {plural(unlabelled, 'unlabelled image')}…"
    if not has_model:
        return f"{plural(unlabelled, 'unlabelled image')}, not ranked: no model to predict with yet."
    return f"{plural(unlabelled, 'unlabelled image')}, not ranked yet: click Predict unlabelled."
