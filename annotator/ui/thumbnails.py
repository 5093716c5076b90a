"""Thumbnails for the image list: decoded scaled-down in the background, on demand.

Only rows the list view paints ask for a thumbnail; the newest request is served
first (LIFO) and the queue is short, so scrolling through 10,000 images never
piles up work for rows already gone from the screen.
"""

from __future__ import annotations

from .image_cache import BackgroundLoader

THUMB_SIZE = 56


class ThumbnailLoader(BackgroundLoader):
    def __init__(self, parent=None, size: int = THUMB_SIZE):
        # one thread: the second core stays free for the full-size image decoder
        super().__init__(threads=1, max_size=size * 2, budget_bytes=48 << 20, max_queue=64, parent=parent)
