"""The previews gallery draws at once and decodes the (real-sized) photos in the background."""

from __future__ import annotations

from PySide6.QtGui import QColor

from annotator import io as pio
from annotator.ui.training.gallery import GalleryPanel
from trainer.events import Preview

from ..real_photos import write_tutorial_layout

BLANK = QColor("#2b2b2b").rgb()


def corner_pixel(label) -> int:
    return label.pixmap().toImage().pixel(2, 2)


def test_previews_show_outlines_at_once_and_photos_when_decoded(qtbot, tmp_path):
    photos = write_tutorial_layout(tmp_path, "weapons", sizes=((4000, 3000),), orientations=(6,), n=2)
    project = pio.open_path(photos.json_path, images=photos.image_dir).project
    items = []
    for photo in photos.photos:
        cls, pts = photo.objects[0]
        flat = [c for p in pts for c in p]
        items.append(
            {
                "file_name": photo.filename,
                "width": photo.width,
                "height": photo.height,
                "instances": [{"polygons": [flat], "class_name": cls, "score": 0.9}],
            }
        )
    gallery = GalleryPanel()
    qtbot.addWidget(gallery)
    try:
        gallery.set_preview(Preview(epoch=3, items=items), project, lambda name: "#ff0000")
        # nothing was decoded on the UI thread: the cells are drawn on a blank of the photo's shape
        assert gallery.pending() == 2 and all(corner_pixel(c.left) == BLANK for c in gallery.cells)
        cell = gallery.cells[0]
        w, h = cell.left.pixmap().width(), cell.left.pixmap().height()
        shown = photos.photos[0]
        scale = 200 / max(shown.width, shown.height)
        assert (w, h) == (round(shown.width * scale), round(shown.height * scale))  # as displayed (EXIF 6)
        qtbot.waitUntil(lambda: gallery.pending() == 0, timeout=20_000)
        for c in gallery.cells:
            assert corner_pixel(c.left) != BLANK and corner_pixel(c.right) != BLANK
            assert (c.left.pixmap().width(), c.left.pixmap().height()) == (w, h)
    finally:
        gallery.close_loader()
