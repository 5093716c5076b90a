"""Full-resolution images decoded in the background, kept in a small LRU cache.

The window asks for the current image and prefetches its neighbours, so that
"next image" usually finds the decoded QImage ready. Decoding runs in a private
QThreadPool (QImageReader is thread-safe for distinct files; QImage may be
created off the UI thread). EXIF orientation is applied (`setAutoTransform`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from PIL import Image
from PySide6.QtCore import QObject, QRunnable, QSize, QThreadPool, Signal
from PySide6.QtGui import QImage, QImageReader

from polymask_common.pixels import HIGH_DEPTH_MODES, TooManyPixels, check_pixels, open_rgb

QImageReader.setAllocationLimit(1024)  # MB: 12-megapixel photos and larger are fine


def read_image(path: str, max_size: int | None = None) -> tuple[QImage, int, int, str]:
    """Decode `path` as displayed (EXIF applied). Returns (image, width, height, error).

    With `max_size`, decodes a scaled-down copy (JPEG decodes scaled, which is fast);
    width/height are always the full displayed size.
    """
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    size = reader.size()
    mode, pillow_size = _peek(path)
    try:  # the cap the trainer applies too, from the header
        check_pixels(path, *(pillow_size or (max(0, size.width()), max(0, size.height()))))
    except TooManyPixels as exc:
        return QImage(), -1, -1, str(exc).removeprefix(f"{path}: ")
    if mode in HIGH_DEPTH_MODES:  # Qt shows 16-bit grey by 65535 (black), fails on float: as the trainer sees it
        return _read_with_pillow(path, max_size)
    w, h = size.width(), size.height()
    if w > 0 and h > 0 and reader.transformation().value & 4:  # TransformationRotate90: sides swap
        w, h = h, w
    if max_size and size.width() > 0 and size.height() > 0:
        scale = min(1.0, max_size / max(size.width(), size.height()))
        reader.setScaledSize(QSize(max(1, round(size.width() * scale)), max(1, round(size.height() * scale))))
    image = reader.read()
    if image.isNull():
        return QImage(), -1, -1, reader.errorString() or "cannot be decoded"
    if w <= 0 or h <= 0:
        w, h = image.width(), image.height()
    return image, w, h, ""


def _peek(path: str) -> tuple[str, tuple[int, int] | None]:
    """(Pillow's mode, stored size) from the header; ("", None) when Pillow cannot open it."""
    try:
        with Image.open(path) as im:
            return im.mode, im.size
    except Exception:  # noqa: BLE001 - not Pillow's: Qt decodes it or says why
        return "", None


def _read_with_pillow(path: str, max_size: int | None) -> tuple[QImage, int, int, str]:
    try:
        rgb = open_rgb(path)
    except Exception as exc:  # noqa: BLE001 - said in the window, never raised
        return QImage(), -1, -1, str(exc)
    w, h = rgb.size
    if max_size and max(w, h) > max_size:
        rgb.thumbnail((max_size, max_size))
    data = rgb.tobytes()
    image = QImage(data, rgb.width, rgb.height, rgb.width * 3, QImage.Format.Format_RGB888).copy()
    return image, w, h, ""


class _Emitter(QObject):
    done = Signal(str, int, QImage, int, int, str)  # key, generation, image, width, height, error


class _Job(QRunnable):
    """Pops the most recent request first, so what the user looks at now wins."""

    def __init__(self, loader: BackgroundLoader):
        super().__init__()
        self.loader = loader

    def run(self):
        loader = self.loader
        item = loader._take()
        if item is None:
            return
        key, path, generation = item
        try:
            image, w, h, err = read_image(path, loader.max_size)
        except Exception as exc:  # never let a broken file kill a pool thread
            image, w, h, err = QImage(), -1, -1, str(exc)
        if not loader._closed:
            loader._emitter.done.emit(key, generation, image, w, h, err)


class BackgroundLoader(QObject):
    """Loads images by key in a private pool; LIFO queue; LRU cache by bytes."""

    loaded = Signal(str, QImage, int, int)  # key, image, displayed width, height
    failed = Signal(str, str)  # key, message

    def __init__(
        self,
        threads: int = 1,
        max_size: int | None = None,
        budget_bytes: int = 400 << 20,
        max_queue: int = 10_000,
        parent=None,
    ):
        super().__init__(parent)
        self.max_size = max_size
        self.budget = budget_bytes
        self.max_queue = max_queue
        self._cache: OrderedDict[str, QImage] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self._queue: OrderedDict[str, tuple[str, int]] = OrderedDict()  # key -> (path, generation)
        self._inflight: set[str] = set()
        self._failed: dict[str, str] = {}
        self._generation = 0
        self._closed = False
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._pool.setExpiryTimeout(2000)
        self._emitter = _Emitter()
        self._emitter.done.connect(self._on_done)

    # ---- cache ------------------------------------------------------------
    def get(self, key: str) -> QImage | None:
        image = self._cache.get(key)
        if image is not None:
            self._cache.move_to_end(key)
        return image

    def error(self, key: str) -> str | None:
        return self._failed.get(key)

    def _store(self, key: str, image: QImage) -> None:
        old = self._cache.pop(key, None)
        if old is not None:
            self._bytes -= old.sizeInBytes()
        self._cache[key] = image
        self._bytes += image.sizeInBytes()
        while self._bytes > self.budget and len(self._cache) > 1:
            _, dropped = self._cache.popitem(last=False)
            self._bytes -= dropped.sizeInBytes()

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self._inflight.clear()  # their results will be stale: a new request loads again
            self._generation += 1
        self._cache.clear()
        self._failed.clear()
        self._bytes = 0

    # ---- requests -----------------------------------------------------------
    def request(self, key: str, path: str) -> bool:
        """Queue `key` unless cached or already loading. Returns True if it is cached."""
        if key in self._cache:
            self._cache.move_to_end(key)
            return True
        if key in self._failed or self._closed:
            return False
        with self._lock:
            if key in self._inflight:
                return False
            known = key in self._queue
            self._queue[key] = (path, self._generation)
            self._queue.move_to_end(key)
            while len(self._queue) > self.max_queue:
                self._queue.popitem(last=False)
        if not known:
            self._pool.start(_Job(self))
        return False

    def _take(self):
        with self._lock:
            if not self._queue or self._closed:
                return None
            key, (path, generation) = self._queue.popitem(last=True)
            self._inflight.add(key)
            return key, path, generation

    def _on_done(self, key, generation, image, w, h, err):
        with self._lock:
            self._inflight.discard(key)
            stale = generation != self._generation
        if self._closed or stale:
            return
        if err:
            self._failed[key] = err
            self.failed.emit(key, err)
            return
        self._store(key, image)
        self.loaded.emit(key, image, w, h)

    def pending(self) -> int:
        with self._lock:
            return len(self._queue) + len(self._inflight)

    def close(self) -> None:
        """Drop queued work and wait for running jobs (no thread outlives the window)."""
        self._closed = True
        with self._lock:
            self._queue.clear()
        self._pool.clear()
        self._pool.waitForDone()


class ImageCache(BackgroundLoader):
    """Full images: the current one plus neighbours prefetched (two threads on 2 cores)."""

    def __init__(self, parent=None, budget_bytes: int = 400 << 20):
        super().__init__(threads=2, max_size=None, budget_bytes=budget_bytes, max_queue=8, parent=parent)
