"""The built-in demo project, generated (seeded, so always the same) rather than shipped.

Simple coloured objects of three classes on textured backgrounds, with their
polygons: enough to try every tool and to see a CPU training run learn in
minutes. A few images are left unlabelled, for trying pre-labelling.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .io.native import PROJECT_FILENAME, save_project
from .model import AttributeDef, ImageRecord, Polygon, Project, Region

# What the objects are painted with, and (deliberately different) the colours the
# window outlines each class in, so labels stand out against the objects.
OBJECT_COLOURS = {"ball": "#e6194b", "box": "#3cb44b", "cone": "#4363d8"}
CLASSES = {"ball": "#ffe119", "box": "#f032e6", "cone": "#42d4f4"}
WIDTH, HEIGHT = 320, 240


def _background(rng: np.random.Generator) -> Image.Image:
    """Smoothed noise over a gradient: texture, so the model must look at shapes."""
    base = rng.uniform(60, 190, size=3)
    noise = rng.normal(0, 28, size=(HEIGHT // 4, WIDTH // 4, 3))
    tex = np.kron(noise, np.ones((4, 4, 1)))
    grad = np.linspace(-25, 25, WIDTH)[None, :, None]
    arr = np.clip(base + tex + grad, 0, 255).astype(np.uint8)
    return Image.fromarray(arr).filter(ImageFilter.GaussianBlur(1.5))


def _outline(kind: str, cx: float, cy: float, r: float, angle: float) -> list[tuple[float, float]]:
    if kind == "ball":
        n, radii = 24, [r] * 24
    elif kind == "box":
        n, radii = 4, [r * math.sqrt(2) * 0.8] * 4
    else:  # cone: a triangle
        n, radii = 3, [r * 1.15] * 3
    pts = []
    for i in range(n):
        t = angle + 2 * math.pi * i / n
        pts.append((round(cx + radii[i] * math.cos(t), 1), round(cy + radii[i] * math.sin(t), 1)))
    return pts


def _colour(kind: str, rng: np.random.Generator) -> tuple[int, int, int]:
    hexcode = OBJECT_COLOURS[kind].lstrip("#")
    rgb = np.array([int(hexcode[i : i + 2], 16) for i in (0, 2, 4)], dtype=float)
    r, g, b = (int(v) for v in np.clip(rgb + rng.normal(0, 18, 3), 0, 255))
    return r, g, b


def build_demo_image(rng: np.random.Generator, labelled: bool) -> tuple[Image.Image, list[tuple[str, list]]]:
    image = _background(rng)
    draw = ImageDraw.Draw(image)
    objects: list[tuple[str, list]] = []
    placed: list[tuple[float, float, float]] = []
    for _ in range(int(rng.integers(1, 5))):
        kind = str(rng.choice(list(CLASSES)))
        r = float(rng.uniform(18, 42))
        for _attempt in range(20):  # avoid overlaps so every polygon is fully visible
            cx, cy = float(rng.uniform(r + 4, WIDTH - r - 4)), float(rng.uniform(r + 4, HEIGHT - r - 4))
            if all(math.hypot(cx - x, cy - y) > r + pr + 6 for x, y, pr in placed):
                break
        else:
            continue
        placed.append((cx, cy, r))
        pts = _outline(kind, cx, cy, r, float(rng.uniform(0, 2 * math.pi)))
        draw.polygon(pts, fill=_colour(kind, rng), outline=(20, 20, 20))
        objects.append((kind, pts))
    return image, (objects if labelled else [])


def write_demo(folder, n_labelled: int = 40, n_unlabelled: int = 4, seed: int = 7) -> Path:
    """Write the demo images and project file into `folder`; returns the project file."""
    folder = Path(folder)
    (folder / "images").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    project = Project(image_root=folder)
    project.region_attributes["class"] = AttributeDef(
        name="class", type="dropdown", description="object class", options={k: "" for k in CLASSES}
    )
    project.class_attribute = "class"
    project.class_colours().update(CLASSES)
    for i in range(n_labelled + n_unlabelled):
        labelled = i < n_labelled
        image, objects = build_demo_image(rng, labelled)
        rel = f"images/demo_{i:03d}.jpg"
        image.save(folder / rel, quality=90)
        record = ImageRecord(
            filename=rel, size=(folder / rel).stat().st_size, width=WIDTH, height=HEIGHT, done=labelled
        )
        record.regions = [Region(Polygon.from_points(pts), {"class": kind}) for kind, pts in objects]
        project.images.append(record)
    return save_project(project, folder / PROJECT_FILENAME)
