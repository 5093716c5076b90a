"""A corpus of malformed annotation files, written by the tests themselves.

Each case is a folder holding one annotation file (`case.json`, or `polymask.json`
for project files) and a small image `a.png` beside it (unless the case replaces
it). Cases cover truncated and non-JSON bytes, wrong types at every level of each
format, huge and non-finite numbers, deep nesting, bad RLEs, decompression bombs
and file names pointing outside the image folder. Used by
tests/io/test_malformed_corpus.py (and runnable against older code to count
tracebacks before a fix).
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

from PIL import Image

# ---- bases ----------------------------------------------------------------------------
POLY = {"name": "polygon", "all_points_x": [1, 6, 6], "all_points_y": [1, 1, 5]}


def via() -> dict:
    return {
        "a.png64": {
            "filename": "a.png",
            "size": 64,
            "file_attributes": {},
            "regions": [{"shape_attributes": json.loads(json.dumps(POLY)), "region_attributes": {"class": "cat"}}],
        }
    }


def via_project() -> dict:
    return {
        "_via_settings": {},
        "_via_img_metadata": via(),
        "_via_attributes": {
            "region": {"class": {"type": "dropdown", "description": "", "options": {"cat": ""}, "default_options": {}}},
            "file": {},
        },
        "_via_data_format_version": "2.0.10",
        "_via_image_id_list": ["a.png64"],
    }


def native() -> dict:
    data = via_project()
    data["_polymask"] = {
        "app_version": "0.1.0",
        "class_attribute": "class",
        "images": {"a.png64": {"width": 8, "height": 6, "done": False}},
        "class_colours": {"cat": "#ff0000"},
    }
    return data


def coco() -> dict:
    return {
        "info": {},
        "images": [{"id": 1, "file_name": "a.png", "width": 8, "height": 6}],
        "annotations": [
            {
                "id": 1,
                "image_id": 1,
                "category_id": 1,
                "segmentation": [[1, 1, 6, 1, 6, 5]],
                "area": 10,
                "bbox": [1, 1, 5, 4],
                "iscrowd": 0,
            }
        ],
        "categories": [{"id": 1, "name": "cat"}],
    }


def labelme() -> dict:
    return {
        "version": "5.0.1",
        "flags": {},
        "imagePath": "a.png",
        "imageData": None,
        "imageHeight": 6,
        "imageWidth": 8,
        "shapes": [
            {"label": "cat", "points": [[1, 1], [6, 1], [6, 5]], "shape_type": "polygon", "group_id": None, "flags": {}}
        ],
    }


# ---- helpers ---------------------------------------------------------------------------
def _j(data) -> bytes:
    """JSON as Python writes it (NaN / Infinity allowed, as some tools write them)."""
    return json.dumps(data).encode("utf-8")


def _edit(base: Callable[[], dict], change: Callable[[dict], object]) -> bytes:
    data = base()
    change(data)
    return _j(data)


def _region(data: dict) -> dict:
    return data["a.png64"]["regions"][0]


def _deep_attribute(depth: int) -> bytes:
    """VIA with a region attribute nested `depth` lists deep (built as text: json.dumps recurses)."""
    data = via()
    _region(data)["region_attributes"]["deep"] = "DEEP"
    return _j(data).replace(b'"DEEP"', b"[" * depth + b'"x"' + b"]" * depth)


def png_header(width: int, height: int) -> bytes:
    """A PNG with only its header: Pillow reads the declared size without any pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IEND", b"")
    )


# A 70000 x 70000 RLE in a few bytes: runs of 0 and 4.9e9 as one compressed counts string.
def _rle_counts(runs: list[int]) -> str:
    """COCO's compressed counts string (maskApi.c rleToString)."""
    out = []
    for i, x in enumerate(runs):
        if i > 2:
            x -= runs[i - 2]
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = (x != -1) if (c & 0x10) else (x != 0)
            if more:
                c |= 0x20
            out.append(chr(c + 48))
    return "".join(out)


RLE_BOMB = {"size": [70000, 70000], "counts": _rle_counts([0, 70000 * 70000])}


def _coco_seg(seg) -> Callable[[dict], object]:
    return lambda d: d["annotations"][0].update(segmentation=seg)


# ---- the cases ----------------------------------------------------------------------
# name -> (file name, content, image bytes or None for the default 8x6 PNG)
def cases() -> dict[str, tuple[str, bytes, bytes | None]]:
    c: dict[str, tuple[str, bytes, bytes | None]] = {}

    def add(name, content, file="case.json", image=None):
        c[name] = (file, content, image)

    # Bytes that are not (usable) JSON.
    add("empty file", b"")
    add("whitespace only", b"  \n\t ")
    add("truncated JSON", _j(via_project())[:57])
    add("binary junk", bytes(range(256)) * 4)
    add("NUL bytes", b"\x00" * 64)
    add("UTF-8 BOM (readable)", b"\xef\xbb\xbf" + _j(via()))
    add("UTF-16 text", json.dumps(via()).encode("utf-16"))
    add("latin-1 bytes", '{"a.png64": {"filename": "caf\xe9.png", "regions": []}}'.encode("latin-1"))
    add("trailing comma", b'{"a.png64": {"filename": "a.png", "regions": [],}}')
    add("top level array", b"[1, 2, 3]")
    add("top level string", b'"hello"')
    add("top level null", b"null")
    add("top level number", b"12")
    add("unknown object", b'{"hello": "world"}')
    add("nested 50,000 deep", b"[" * 50_000 + b"]" * 50_000)
    add("nested 1,100 deep in an attribute", _deep_attribute(1_100))
    add("nested 300 deep in an attribute (saveable)", _deep_attribute(300))
    add("number with 5,000 digits", b'{"a.png64": {"filename": "a.png", "size": 1' + b"0" * 5000 + b', "regions": []}}')
    # Huge and non-finite numbers.
    add(
        "coordinate NaN",
        _edit(via, lambda d: _region(d)["shape_attributes"]["all_points_x"].__setitem__(0, float("nan"))),
    )
    add(
        "coordinate Infinity",
        _edit(via, lambda d: _region(d)["shape_attributes"]["all_points_x"].__setitem__(0, float("inf"))),
    )
    add(
        "coordinate 10**400",
        _edit(via, lambda d: _region(d)["shape_attributes"]["all_points_y"].__setitem__(1, 10**400)),
    )
    add(
        "coordinate 2**64 (saveable)",
        _edit(via, lambda d: _region(d)["shape_attributes"]["all_points_x"].__setitem__(1, 2**64)),
    )
    add(
        "rect width 10**400",
        _edit(
            via,
            lambda d: _region(d).update(
                shape_attributes={"name": "rect", "x": 1, "y": 1, "width": 10**400, "height": 3}
            ),
        ),
    )
    add(
        "circle radius -Infinity",
        _edit(
            via, lambda d: _region(d).update(shape_attributes={"name": "circle", "cx": 1, "cy": 1, "r": float("-inf")})
        ),
    )
    add("size 10**400", _edit(via, lambda d: d["a.png64"].update(size=10**400)))
    add("size Infinity", _edit(via, lambda d: d["a.png64"].update(size=float("inf"))))
    add("size a list", _edit(via, lambda d: d["a.png64"].update(size=[1])))
    # Names and paths.
    add("lone surrogate in a file name", _edit(via, lambda d: d["a.png64"].update(filename="a\ud800.png")))
    add(
        "lone surrogate in a class name",
        _edit(via, lambda d: _region(d)["region_attributes"].update({"class": "c\udfffat"})),
    )
    add("lone surrogate in a COCO file_name", _edit(coco, lambda d: d["images"][0].update(file_name="a\ud948.png")))
    add(
        "lone surrogate in a file name, size unknown",
        _edit(via, lambda d: d["a.png64"].update(filename="b\ud948.png", size=-1)),
    )
    add("NUL in a file name", _edit(via, lambda d: d["a.png64"].update(filename="a\x00.png")))
    add("VIA filename ../../etc/passwd", _edit(via, lambda d: d["a.png64"].update(filename="../../etc/passwd")))
    add("VIA filename absolute", _edit(via, lambda d: d["a.png64"].update(filename="/etc/passwd")))
    add("COCO file_name absolute", _edit(coco, lambda d: d["images"][0].update(file_name="/etc/passwd")))
    add("COCO file_name ../", _edit(coco, lambda d: d["images"][0].update(file_name="../../etc/hostname")))
    add("labelme imagePath ../../etc/passwd", _edit(labelme, lambda d: d.update(imagePath="../../etc/passwd")))
    add("labelme imagePath absolute", _edit(labelme, lambda d: d.update(imagePath="/etc/passwd")))
    # VIA: wrong types at each level.
    add("VIA regions a string", _edit(via, lambda d: d["a.png64"].update(regions="none")))
    add("VIA region a number", _edit(via, lambda d: d["a.png64"].update(regions=[5])))
    add("VIA shape_attributes a list", _edit(via, lambda d: _region(d).update(shape_attributes=[1, 2])))
    add("VIA all_points_x a string", _edit(via, lambda d: _region(d)["shape_attributes"].update(all_points_x="1,2,3")))
    add(
        "VIA point lists of different lengths",
        _edit(via, lambda d: _region(d)["shape_attributes"].update(all_points_x=[1, 2])),
    )
    add(
        "VIA coordinate a string",
        _edit(via, lambda d: _region(d)["shape_attributes"]["all_points_x"].__setitem__(0, "5")),
    )
    add(
        "VIA coordinate a boolean",
        _edit(via, lambda d: _region(d)["shape_attributes"]["all_points_x"].__setitem__(0, True)),
    )
    add("VIA unknown shape", _edit(via, lambda d: _region(d)["shape_attributes"].update(name="blob")))
    add(
        "VIA rect without height",
        _edit(via, lambda d: _region(d).update(shape_attributes={"name": "rect", "x": 1, "y": 1, "width": 3})),
    )
    add("VIA filename a number", _edit(via, lambda d: d.update({"b.png1": {"filename": 7, "regions": []}})))
    add("VIA file_attributes a list", _edit(via, lambda d: d["a.png64"].update(file_attributes=[1])))
    add("VIA region_attributes a list", _edit(via, lambda d: _region(d).update(region_attributes=["cat"])))
    add("VIA class a nested list", _edit(via, lambda d: _region(d)["region_attributes"].update({"class": [[["cat"]]]})))
    add(
        "VIA 1.x regions dict with odd keys",
        _edit(via, lambda d: d["a.png64"].update(regions={"x": _region(d), "2": 5})),
    )
    # VIA project: wrong types.
    add("project _via_img_metadata a list", _edit(via_project, lambda d: d.update(_via_img_metadata=[1])))
    add("project _via_attributes a list", _edit(via_project, lambda d: d.update(_via_attributes=[1])))
    add(
        "project _via_attributes.region a list",
        _edit(via_project, lambda d: d["_via_attributes"].update(region=["class"])),
    )
    add("project _via_attributes.file a string", _edit(via_project, lambda d: d["_via_attributes"].update(file="x")))
    add("project _via_image_id_list of objects", _edit(via_project, lambda d: d.update(_via_image_id_list=[{}])))
    add("project _via_settings a string", _edit(via_project, lambda d: d.update(_via_settings="x")))
    add(
        "project attribute options a list, type a number",
        _edit(via_project, lambda d: d["_via_attributes"]["region"].update({"class": {"type": 5, "options": ["cat"]}})),
    )
    # Native project file: our own key damaged.
    add("native _polymask a list", _edit(native, lambda d: d.update(_polymask=[1])), "polymask.json")
    add("native _polymask.images a list", _edit(native, lambda d: d["_polymask"].update(images=[1])), "polymask.json")
    add(
        "native image width Infinity, height 10**400",
        _edit(native, lambda d: d["_polymask"]["images"]["a.png64"].update(width=float("inf"), height=10**400)),
        "polymask.json",
    )
    add(
        "native image entry a string",
        _edit(native, lambda d: d["_polymask"]["images"].update({"a.png64": "x"})),
        "polymask.json",
    )
    add("native image_root a number", _edit(native, lambda d: d["_polymask"].update(image_root=5)), "polymask.json")
    add(
        "native image_root with NUL",
        _edit(native, lambda d: d["_polymask"].update(image_root="im\x00ages")),
        "polymask.json",
    )
    add(
        "native class_colours a string",
        _edit(native, lambda d: d["_polymask"].update(class_colours="red")),
        "polymask.json",
    )
    add(
        "native class_colours values not names",
        _edit(native, lambda d: d["_polymask"].update(class_colours={"cat": [255, 0, 0]})),
        "polymask.json",
    )
    add(
        "native class_attribute a list",
        _edit(native, lambda d: d["_polymask"].update(class_attribute=["class"])),
        "polymask.json",
    )
    # COCO.
    add("COCO images a dict", _edit(coco, lambda d: d.update(images={})))
    add("COCO categories missing", _edit(coco, lambda d: d.pop("categories")))
    add("COCO image without id", _edit(coco, lambda d: d["images"][0].pop("id")))
    add("COCO unknown image id", _edit(coco, lambda d: d["annotations"][0].update(image_id=99)))
    add("COCO category id a list", _edit(coco, lambda d: d["categories"][0].update(id=[1])))
    add("COCO segmentation a string", _edit(coco, _coco_seg("1 2 3")))
    add("COCO polygon with odd coordinates", _edit(coco, _coco_seg([[1, 1, 6, 1, 6]])))
    add("COCO coordinate 10**400", _edit(coco, _coco_seg([[1, 1, 6, 1, 6, 10**400]])))
    add(
        "COCO bbox with Infinity",
        _edit(coco, lambda d: d["annotations"][0].update(segmentation=[], bbox=[1, 1, float("inf"), 2])),
    )
    add("COCO RLE bomb 70000x70000", _edit(coco, _coco_seg(RLE_BOMB)))
    add(
        "COCO RLE bomb, image size unknown",
        _edit(coco, lambda d: (d["images"][0].pop("width"), _coco_seg(RLE_BOMB)(d))),
    )
    add("COCO RLE counts garbage", _edit(coco, _coco_seg({"size": [6, 8], "counts": "\u00ff\u00fe"})))
    add("COCO RLE run that never ends", _edit(coco, _coco_seg({"size": [6, 8], "counts": "o" * 100_000})))
    add("COCO RLE size negative", _edit(coco, _coco_seg({"size": [-6, 8], "counts": [48]})))
    add("COCO RLE counts 10**400", _edit(coco, _coco_seg({"size": [6, 8], "counts": [10**400, 1]})))
    add("COCO width 10**400", _edit(coco, lambda d: d["images"][0].update(width=10**400)))
    add("COCO width Infinity", _edit(coco, lambda d: d["images"][0].update(width=float("inf"))))
    add("COCO annotation a list", _edit(coco, lambda d: d["annotations"].append([1])))
    # labelme.
    add("labelme point not two numbers", _edit(labelme, lambda d: d["shapes"][0].update(points=[[1], [2, "x"]])))
    add("labelme imageWidth a string", _edit(labelme, lambda d: d.update(imageWidth="8")))
    add("labelme imagePath a number", _edit(labelme, lambda d: d.update(imagePath=5)))
    add("labelme shape a string", _edit(labelme, lambda d: d["shapes"].append("x")))
    # labelme as labelme 5-7 write it, gone wrong (issue 27).
    add("labelme imagePath names the JSON, no imageData", _edit(labelme, lambda d: d.update(imagePath="case.json")))
    add(
        "labelme imagePath names the JSON, imageData not base64",
        _edit(labelme, lambda d: d.update(imagePath="case.json", imageData="%%%")),
    )
    add(
        "labelme imageData base64 of text",
        _edit(labelme, lambda d: d.update(imagePath="gone.png", imageData="aGVsbG8=")),
    )
    add("labelme imageData a number", _edit(labelme, lambda d: d.update(imagePath="gone.png", imageData=5)))
    add("labelme group_id a list", _edit(labelme, lambda d: d["shapes"][0].update(group_id=[1])))
    add(
        "labelme group of a point and a polygon",
        _edit(
            labelme,
            lambda d: d["shapes"].extend(
                [
                    {"label": "cat", "points": [[2, 2]], "shape_type": "point", "group_id": 4},
                    {"label": "cat", "points": [[1, 1], [3, 1], [2, 3]], "shape_type": "polygon", "group_id": 4},
                ]
            ),
        ),
    )
    add(
        "labelme oriented_rectangle of 3 points",
        _edit(labelme, lambda d: d["shapes"][0].update(shape_type="oriented_rectangle")),
    )
    add(
        "labelme points shape without points",
        _edit(labelme, lambda d: d["shapes"][0].update(shape_type="points", points=[])),
    )
    add("labelme flags a list", _edit(labelme, lambda d: d.update(flags=["cat"])))
    add("labelme only __ignore__", _edit(labelme, lambda d: d["shapes"][0].update(label="__ignore__")))
    add("VIA filename .", _edit(via, lambda d: d["a.png64"].update(filename=".")))
    add("VIA filename ..", _edit(via, lambda d: d["a.png64"].update(filename="..")))
    # Images.
    add("image 30000x30000 PNG (decompression bomb)", _j(via()), image=png_header(30_000, 30_000))
    add("image truncated PNG", _j(via()), image=_small_png()[:40])
    add("image not an image", _j(via()), image=b"not an image at all")
    add("image 13000x13000 PNG (169 MP, over the cap)", _j(via()), image=png_header(13_000, 13_000))
    add("image 16-bit grey PNG (readable, scaled)", _j(via()), image=_high_depth_png("I;16"))
    add("image float TIFF (readable, scaled)", _j(via()), image=_high_depth_png("F"))
    return c


def _small_png() -> bytes:
    import io

    buf = io.BytesIO()
    Image.new("RGB", (8, 6), (10, 200, 30)).save(buf, format="PNG")
    return buf.getvalue()


def _high_depth_png(mode: str) -> bytes:
    """An 8x6 image of values 1000..4000 (16-bit PNG, or float TIFF for mode F)."""
    import io

    import numpy as np

    values = np.linspace(1000, 4000, 48).reshape(6, 8)
    buf = io.BytesIO()
    if mode == "F":
        Image.fromarray(values.astype(np.float32)).save(buf, format="TIFF")
    else:
        Image.fromarray(values.astype(np.uint16)).save(buf, format="PNG")
    return buf.getvalue()


def write_case(folder: Path, case: tuple[str, bytes, bytes | None]) -> Path:
    """Write one case into `folder`; returns the annotation file."""
    file, content, image = case
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.png").write_bytes(_small_png() if image is None else image)
    path = folder / file
    path.write_bytes(content)
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


__all__ = [
    "cases",
    "write_case",
    "snapshot",
    "png_header",
    "RLE_BOMB",
    "via",
    "via_project",
    "native",
    "coco",
    "labelme",
]
