"""A tiny generated project for the training UI tests and benchmark: dark images with one
bright square or disc, polygons of class 'square' / 'disc', a few unlabelled images."""

from __future__ import annotations

import numpy as np
from PIL import Image

from annotator.model import AttributeDef, ImageRecord, Polygon, Project, Region


def make_project(folder, n: int = 6, unlabelled: int = 2, size: int = 64, seed: int = 0) -> Project:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    images = []
    for i in range(n + unlabelled):
        arr = np.full((size, size, 3), 20, np.uint8)
        s = int(rng.integers(size // 4, size // 2))
        x0, y0 = (int(v) for v in rng.integers(2, size - s - 2, 2))
        if i % 2 == 0:
            arr[y0 : y0 + s, x0 : x0 + s] = (240, 60, 60)
            pts = [(x0, y0), (x0 + s, y0), (x0 + s, y0 + s), (x0, y0 + s)]
            cls = "square"
        else:
            cx, cy, r = x0 + s / 2, y0 + s / 2, s / 2
            yy, xx = np.mgrid[:size, :size]
            arr[(xx + 0.5 - cx) ** 2 + (yy + 0.5 - cy) ** 2 <= r * r] = (60, 240, 60)
            t = np.linspace(0, 2 * np.pi, 16, endpoint=False)
            # on the 0.01 px grid files hold, so a save and reload gives the same shapes
            pts = [(round(float(x), 2), round(float(y), 2)) for x, y in zip(cx + r * np.cos(t), cy + r * np.sin(t))]
            cls = "disc"
        name = f"img_{i:03d}.png"
        Image.fromarray(arr).save(folder / name)
        im = ImageRecord(filename=name, size=(folder / name).stat().st_size, width=size, height=size)
        if i < n:
            im.regions.append(Region(shape=Polygon.from_points(pts), attributes={"class": cls}))
        images.append(im)
    attrs = {"class": AttributeDef("class", "radio", options={"square": "", "disc": ""})}
    return Project(
        images=images,
        region_attributes=attrs,
        class_attribute="class",
        path=folder / "polymask.json",
        image_root=folder,
    )


def open_project(w, qtbot, tmp_path, **kw):
    """`make_project` (keywords passed on) under tmp_path/proj, shown in window `w`."""
    project = make_project(tmp_path / "proj", **kw)
    w.set_project(project)
    qtbot.waitUntil(lambda: w.current_key is not None)
    return project
