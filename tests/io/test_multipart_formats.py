"""Objects in several parts and with holes through every format: COCO (parts as polygons,
holes as RLE), VIA (parts as regions joined again; holes reported), labelme (group_id
parts, masks) and the native project file (exact)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from pycocotools import mask as mask_utils

from annotator import io as pio
from annotator.cli import main
from annotator.io import native
from annotator.io.coco import project_to_coco, read_coco
from annotator.io.labelme import read_labelme
from annotator.io.labelme_write import write_labelme
from annotator.io.rle import polygons_to_mask
from annotator.io.via import read_via
from annotator.io.via_parts import HOLES_NOT_IN_VIA
from annotator.model import (
    ImageRecord,
    MultiPolygon,
    Polygon,
    Project,
    Region,
    area_geometry,
    own_data,
    shape_from_geometry,
)

from . import multipart_fixtures as fx
from .file_grid import on_file_grid


def _write(path, data):
    path.write_text(json.dumps(data))
    return path


def _photos(folder, coco):
    for im in coco["images"]:
        out = folder / im["file_name"]
        out.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (im["width"], im["height"]), "gray").save(out)


def _ious(a: dict, b: dict) -> list[float]:
    """Mask IoU of each object with its counterpart: same image file, same place among its objects."""
    assert len(a["annotations"]) == len(b["annotations"])

    def keyed(coco: dict) -> dict:
        names = {im["id"]: im["file_name"] for im in coco["images"]}
        seen: dict[str, int] = {}
        out = {}
        for ann, mask in zip(coco["annotations"], fx.masks_by_annotation(coco)):
            name = names[ann["image_id"]]
            seen[name] = seen.get(name, -1) + 1
            out[(name, seen[name])] = mask
        return out

    ka, kb = keyed(a), keyed(b)
    assert ka.keys() == kb.keys()
    return [fx.iou(ka[k], kb[k]) for k in ka]


def test_labelme_example_shows_every_part_and_round_trips_through_coco_and_the_project_file(tmp_path):
    data = fx.labelme_example_coco()
    native.save_project(read_coco(data).project, tmp_path / "p.polymask.json")
    project = pio.open_path(tmp_path / "p.polymask.json").project
    shapes = {own_data(r)["coco_annotation"]["id"]: r.shape for _, r in project.iter_regions()}
    assert len(shapes[1].parts) == 2 and len(shapes[11].parts) == 4
    assert min(_ious(data, project_to_coco(project))) == 1.0  # unedited: written as read
    for _, region in project.iter_regions():  # edited: written from the shapes
        own_data(region).pop("coco_read_as")
    assert min(_ious(data, project_to_coco(project))) >= 0.99


def test_labelme_example_through_a_via_project_and_back(tmp_path):
    data = fx.labelme_example_coco()
    _photos(tmp_path, data)
    coco_in = _write(tmp_path / "annotations.json", data)
    assert main(["convert", str(coco_in), str(tmp_path / "via.json"), "--to", "via-project"]) == 0
    via = json.loads((tmp_path / "via.json").read_text())
    assert sum(len(e["regions"]) for e in via["_via_img_metadata"].values()) == 12 + 1 + 3  # one region per part
    assert (
        main(
            [
                "convert",
                str(tmp_path / "via.json"),
                str(tmp_path / "back.json"),
                "--to",
                "coco",
                "--images",
                str(tmp_path),
            ]
        )
        == 0
    )
    back = json.loads((tmp_path / "back.json").read_text())
    assert min(_ious(data, back)) >= 0.99


def test_a_hole_is_read_from_rle_and_written_back_as_rle(tmp_path):
    data = fx.ring_coco()
    project = read_coco(data).project
    shape = project.images[0].regions[0].shape
    assert isinstance(shape, MultiPolygon) and len(shape.parts) == 2 and sum(len(h) for _, h in shape.parts) == 1
    own_data(project.images[0].regions[0]).pop("coco_read_as")  # as if edited
    ann = project_to_coco(project)["annotations"][0]
    assert isinstance(ann["segmentation"], dict)  # COCO polygons cannot hold holes
    np.testing.assert_array_equal(fx.masks_by_annotation(project_to_coco(project))[0], fx.ring_mask())
    assert ann["area"] == fx.ring_mask().sum()


def test_the_native_file_keeps_holes_and_via_itself_sees_each_part(tmp_path):
    project = read_coco(fx.ring_coco()).project
    shape = project.images[0].regions[0].shape
    native.save_project(project, tmp_path / "p.json")
    # exact to the 0.01 px files hold
    assert pio.open_path(tmp_path / "p.json").project.images[0].regions[0].shape == on_file_grid(shape)
    regions = json.loads((tmp_path / "p.json").read_text())["_via_img_metadata"]
    assert [r["shape_attributes"]["name"] for e in regions.values() for r in e["regions"]] == ["polygon", "polygon"]


def test_via_export_lists_the_holes_it_cannot_hold(tmp_path, capsys):
    coco_in = _write(tmp_path / "ring.json", fx.ring_coco())
    Image.new("RGB", (160, 120)).save(tmp_path / "ring.png")
    assert main(["convert", str(coco_in), str(tmp_path / "via.json"), "--to", "via"]) == 1
    said = capsys.readouterr()
    assert "region 0: VIA has no holes: 1 hole of this object is written filled" in said.out + said.err
    read = read_via(json.loads((tmp_path / "via.json").read_text())).project
    assert len(read.images[0].regions) == 1 and len(read.images[0].regions[0].shape.parts) == 2  # joined again
    problems = pio.export(read_coco(fx.ring_coco()).project, tmp_path / "v2.json", "via-project")
    assert [p.kind for p in problems] == [HOLES_NOT_IN_VIA]


def test_projects_from_before_multi_polygons_show_their_hidden_parts(tmp_path):
    """Format-2 files kept all but the largest part in coco_other_parts."""
    project = read_coco(fx.labelme_example_coco()).project
    region = next(r for _, r in project.iter_regions() if own_data(r)["coco_annotation"]["id"] == 1)
    # as such a file held them (saved before coordinates were rounded, then rounded by a save)
    outer, small = on_file_grid(region.shape.parts[0][0]), on_file_grid(region.shape.parts[1][0])
    region.shape = outer
    own_data(region)["coco_read_as"] = [c for xy in zip(outer.xs, outer.ys) for c in xy]
    own_data(region)["coco_other_parts"] = [[c for xy in zip(small.xs, small.ys) for c in xy]]
    native.save_project(project, tmp_path / "old.json")
    again = pio.open_path(tmp_path / "old.json").project
    shown = next(r for _, r in again.iter_regions() if own_data(r)["coco_annotation"]["id"] == 1)
    assert shown.shape == MultiPolygon(((outer, ()), (small, ())))
    ann = next(a for a in project_to_coco(again)["annotations"] if a["id"] == 1)
    assert ann["segmentation"] == fx.labelme_example_coco()["annotations"][1]["segmentation"]  # as read


def test_labelme_group_ids_and_masks_read_as_one_object(tmp_path):
    project = read_coco(fx.ring_coco()).project
    two = MultiPolygon(
        (
            (Polygon.from_points([(5, 5), (30, 5), (30, 30)]), ()),
            (Polygon.from_points([(100, 90), (140, 90), (120, 110)]), ()),
        )
    )
    project.images[0].regions.append(Region(two, {"class": "ring"}))
    Image.new("RGB", (160, 120)).save(tmp_path / "ring.png")
    project.image_root = tmp_path
    assert write_labelme(project, tmp_path / "lm") == []
    written = json.loads((tmp_path / "lm" / "ring.json").read_text())
    assert [s["shape_type"] for s in written["shapes"]] == ["mask", "polygon", "polygon"]
    assert written["shapes"][1]["group_id"] == written["shapes"][2]["group_id"] is not None
    back = read_labelme(tmp_path / "lm").project
    holed, parts = (r.shape for r in back.images[0].regions)
    assert parts == two
    raster = polygons_to_mask([[c for xy in zip(o.xs, o.ys) for c in xy] for o, _ in holed.parts], 120, 160)
    raster &= 1 - polygons_to_mask(
        [[c for xy in zip(h.xs, h.ys) for c in xy] for _, hs in holed.parts for h in hs], 120, 160
    )
    np.testing.assert_array_equal(raster, fx.ring_mask())


# ---- property-based: random objects in several parts, with holes --------------------------------
@st.composite
def holed_objects(draw):
    """1-3 disjoint parts (discs made polygons), some with a hole, some of those with a part
    inside the hole, on a 1000x400 image.

    Holes are written as pixels (RLE, labelme masks): parts are large enough (r >= 100 px)
    that a pixel's rasterisation error stays under 1 % of their area, as on real photos."""
    import shapely

    parts = []
    for k in range(draw(st.integers(min_value=1, max_value=3))):
        cx, cy = 150 + 330 * k, draw(st.integers(min_value=160, max_value=240))
        r = draw(st.integers(min_value=100, max_value=150))
        disc = shapely.Point(cx, cy).buffer(r, quad_segs=draw(st.integers(min_value=2, max_value=8)))
        if draw(st.booleans()):
            hole_x = cx + draw(st.integers(-5, 5))
            disc = disc.difference(shapely.Point(hole_x, cy).buffer(r * 0.4, quad_segs=4))
            if draw(st.booleans()):
                parts.append(shapely.Point(hole_x, cy).buffer(r * 0.2, quad_segs=4))
        parts.append(disc)
    return shape_from_geometry(shapely.union_all(parts))


def _project(shape) -> Project:
    project = Project()
    image = ImageRecord("a.png", width=1000, height=400)
    image.regions.append(Region(shape, {"class": "thing"}))
    project.images.append(image)
    project.ensure_class_attribute(None)
    return project


def _same_object(a, b) -> None:
    ga, gb = area_geometry(a), area_geometry(b)
    assert ga.intersection(gb).area / ga.union(gb).area >= 0.99
    assert gb.area == pytest.approx(ga.area, rel=0.01)


FEW = settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@FEW
@given(holed_objects())
def test_property_coco_round_trip(shape):
    back = read_coco(project_to_coco(_project(shape))).project.images[0].regions[0].shape
    _same_object(shape, back)


@FEW
@given(holed_objects())
def test_property_native_round_trip_is_exact(shape):
    back = native.from_native(json.loads(json.dumps(native.to_native(_project(shape))))).project
    assert back.images[0].regions[0].shape == on_file_grid(shape)


@FEW
@given(holed_objects())
def test_property_labelme_round_trip(tmp_path_factory, shape):
    folder = tmp_path_factory.mktemp("lm")
    project = _project(shape)
    project.image_root = folder
    write_labelme(project, folder)
    _same_object(shape, read_labelme(folder).project.images[0].regions[0].shape)


def _mask_coco(mask: np.ndarray) -> dict:
    data = fx.ring_coco()
    data["images"][0].update(width=mask.shape[1], height=mask.shape[0])
    rle = mask_utils.encode(np.asfortranarray(mask))
    data["annotations"][0]["segmentation"] = {"size": list(mask.shape), "counts": rle["counts"].decode()}
    return data


def test_a_part_inside_another_parts_hole_survives_rle_both_ways():
    mask = fx.target_mask()
    project = read_coco(_mask_coco(mask)).project
    shape = project.images[0].regions[0].shape
    assert shape.area() == pytest.approx(mask.sum(), rel=0.01)
    own_data(project.images[0].regions[0]).pop("coco_read_as")  # as if edited: written from the shape
    np.testing.assert_array_equal(fx.masks_by_annotation(project_to_coco(project))[0], mask)


def test_labelme_mask_keeps_a_part_inside_another_parts_hole(tmp_path):
    mask = fx.target_mask()
    project = read_coco(_mask_coco(mask)).project
    project.image_root = tmp_path
    assert write_labelme(project, tmp_path / "lm") == []
    back = read_labelme(tmp_path / "lm").project
    back.images[0].width, back.images[0].height = mask.shape[1], mask.shape[0]
    np.testing.assert_array_equal(fx.masks_by_annotation(project_to_coco(back))[0], mask)


def test_a_labelme_folder_written_by_convert_converts_back(tmp_path):
    """labelme's layout: the JSON files in the image folder (image paths never leave it)."""
    data = fx.labelme_example_coco()
    _photos(tmp_path / "data", data)
    coco_in = _write(tmp_path / "annotations.json", data)
    args = ["convert", str(coco_in), str(tmp_path / "data"), "--to", "labelme", "--images", str(tmp_path / "data")]
    assert main(args) == 0
    assert main(["convert", str(tmp_path / "data"), str(tmp_path / "back.json"), "--to", "coco"]) == 0
    back = json.loads((tmp_path / "back.json").read_text())
    assert min(_ious(data, back)) >= 0.99


def test_a_folder_of_images_with_labelme_files_beside_them_opens_with_its_annotations(tmp_path):
    project = read_coco(fx.ring_coco()).project
    Image.new("RGB", (160, 120)).save(tmp_path / "ring.png")
    Image.new("RGB", (160, 120)).save(tmp_path / "unlabelled.png")
    project.image_root = tmp_path
    write_labelme(project, tmp_path)  # ring.json beside ring.png
    opened = pio.open_path(tmp_path).project
    assert sorted(im.filename for im in opened.images) == ["ring.png", "unlabelled.png"]
    assert len(opened.image("ring.png" + str((tmp_path / "ring.png").stat().st_size)).regions) == 1
