"""Every malformed file of the corpus through the loader, `polymask validate` and
`polymask convert`: no traceback, every message names the file and what is wrong,
the input is left byte for byte as it was, and memory stays bounded."""

from __future__ import annotations

import json
import tracemalloc

import numpy
import pytest

from annotator.cli import main
from annotator.io import FormatError, load_project, open_path, save_project
from annotator.io import rle as rle_module

from .malformed_corpus import RLE_BOMB, cases, coco, snapshot, write_case

CASES = cases()
GB = 1 << 30
# Far above any corpus case's real need; a decoded bomb would be gigabytes.
MAX_DECODED = 100_000_000


class _GuardedNumpy:
    """numpy, except that np.repeat (how RLE runs become a mask) refuses huge outputs,
    so an unchecked RLE bomb fails the test instead of exhausting the machine."""

    def __getattr__(self, name):
        return getattr(numpy, name)

    @staticmethod
    def repeat(values, repeats, *args, **kwargs):
        total = int(numpy.sum(numpy.asarray(repeats, dtype=object))) if numpy.ndim(repeats) else int(repeats)
        assert total <= MAX_DECODED, f"an RLE of {total:,} pixels reached the decoder"
        return numpy.repeat(values, repeats, *args, **kwargs)


@pytest.fixture
def guarded_rle(monkeypatch):
    monkeypatch.setattr(rle_module, "np", _GuardedNumpy())


def test_corpus_is_large_and_covers_the_issue():
    assert len(CASES) >= 70
    for needed in (
        "nested 50,000 deep",
        "COCO RLE bomb 70000x70000",
        "image 30000x30000 PNG (decompression bomb)",
        "native class_colours a string",
        "NUL in a file name",
        "VIA filename ../../etc/passwd",
    ):
        assert needed in CASES


def _names_file(text: str, *paths) -> bool:
    return any(str(p) in text for p in paths)


@pytest.mark.parametrize("name", list(CASES))
def test_malformed_file_gives_clear_messages_and_stays_unchanged(name, tmp_path, capsys, guarded_rle):
    folder = tmp_path / "case"
    path = write_case(folder, CASES[name])
    before = snapshot(folder)

    tracemalloc.start()
    try:
        result = open_path(path)
    except FormatError as exc:
        result = None
        assert str(path) in str(exc) and exc.reason, exc
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < GB
    if result is not None:
        for problem in result.problems:
            assert str(path) in str(problem) and problem.message, problem

    assert main(["validate", str(path)]) in (0, 1, 2)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert _names_file(err + out, path)
    for line in out.splitlines():  # one problem per line, each naming the file
        assert str(path) in line or line.startswith(f"{path}: no problems"), line

    for fmt in ("via-project", "coco", "labelme"):
        dst = tmp_path / f"out-{fmt}.json"  # labelme: a folder of that name
        code = main(["convert", str(path), str(dst), "--to", fmt])
        out, err = capsys.readouterr()
        assert code in (0, 1, 2) and "Traceback" not in out + err
        if code == 2:
            assert _names_file(err, path, dst, folder), err  # the input, the output or an image in it
    assert snapshot(folder) == before, "an input file was changed"


# ---- the cases that are made saveable rather than refused (issue 9.5) ------------------
@pytest.mark.parametrize(
    "name",
    [
        "coordinate 2**64 (saveable)",
        "lone surrogate in a class name",
        "lone surrogate in a file name",
        "nested 300 deep in an attribute (saveable)",
        "size 10**400",
    ],
)
def test_data_that_loads_can_be_saved_and_read_back_unchanged(name, tmp_path):
    path = write_case(tmp_path / "case", CASES[name])
    project = open_path(path).project
    saved = save_project(project, tmp_path / "polymask.json")
    again = load_project(saved).project
    assert [(im.filename, im.size) for im in again.images] == [(im.filename, im.size) for im in project.images]
    assert [[(r.shape, r.attributes) for r in im.regions] for im in again.images] == [
        [(r.shape, r.attributes) for r in im.regions] for im in project.images
    ]
    assert again.images[0].regions or name == "lone surrogate in a file name"


def test_rle_bomb_is_refused_before_anything_is_decoded(tmp_path, guarded_rle):
    data = coco()
    data["annotations"][0]["segmentation"] = RLE_BOMB
    path = tmp_path / "bomb.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert path.stat().st_size < 400 and len(RLE_BOMB["counts"]) < 40
    result = open_path(path)
    assert result.project.images[0].regions == []
    (problem,) = [p for p in result.problems if p.kind == "bad-region"]
    assert "70000x70000" in problem.message and str(path) in str(problem)


def test_rle_larger_than_the_cap_is_refused_when_the_image_size_is_unknown(guarded_rle):
    with pytest.raises(ValueError, match="70000x70000 mask, more than"):
        rle_module.mask_from_segmentation(RLE_BOMB)


def test_decompression_bomb_image_is_named_and_others_still_export(tmp_path, capsys):
    from annotator.io import export
    from annotator.io.images import MAX_IMAGE_PIXELS

    from .malformed_corpus import png_header, via

    folder = tmp_path / "case"
    path = write_case(
        folder,
        ("case.json", json.dumps({**via(), "b.png64": {**via()["a.png64"], "filename": "b.png"}}).encode(), None),
    )
    (folder / "b.png").write_bytes(png_header(30_000, 30_000))
    assert 30_000 * 30_000 > MAX_IMAGE_PIXELS
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert "'b.png'" in out and "pixels" in out and str(path) in out
    project = open_path(path).project
    left_out = export(project, tmp_path / "coco.json", "coco")
    written = json.loads((tmp_path / "coco.json").read_text(encoding="utf-8"))
    assert [im["file_name"] for im in written["images"]] == ["a.png"]
    assert [p.image for p in left_out] == ["b.png"] and "pixels" in left_out[0].message


@pytest.mark.parametrize(
    "name",
    [
        "VIA filename ../../etc/passwd",
        "VIA filename absolute",
        "COCO file_name absolute",
        "COCO file_name ../",
        "labelme imagePath ../../etc/passwd",
        "labelme imagePath absolute",
        "NUL in a file name",
    ],
)
def test_paths_outside_the_image_folder_are_reported_and_never_read(name, tmp_path, capsys, monkeypatch):
    from annotator.io import images as images_module

    opened = []
    real_open = images_module.Image.open
    monkeypatch.setattr(images_module.Image, "open", lambda p, *a, **k: (opened.append(p), real_open(p, *a, **k))[1])
    path = write_case(tmp_path / "case", CASES[name])
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    kind = "bad-file-name" if "NUL" in name else "outside the image folder"
    assert kind in out or ("NUL character" in out and kind == "bad-file-name"), out
    assert not any("etc" in str(p) or "\x00" in str(p) for p in opened), opened
