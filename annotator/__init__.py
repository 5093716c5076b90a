"""Polymask: polygon labelling and Mask R-CNN training in one window."""

__version__ = "0.1.0"
