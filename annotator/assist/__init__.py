"""Assisted labelling: a polygon from a box or a few clicks (Qt-free; the window and
``polymask assist`` share it). See registry.py for the order backends are tried in."""

from .backends import AssistUnavailable, GrabCutBackend, OwnModelBackend
from .proposal import DEFAULT_TOLERANCE, Proposal, mask_to_parts
from .registry import BACKEND_CHOICES, Assistant, backends_named, default_backends
from .segmenter import SegmenterBackend
