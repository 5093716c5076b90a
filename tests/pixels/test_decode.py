"""Images that lie (issue 23, items 7 and 8): 16-bit and float images look the same, and not
solid white or black, to the viewer, `validate` and the trainer; images above the pixel cap
are refused from their header, with the image's name, its size and the setting, in
training, evaluation and prediction alike."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from polymask_common.pixels import HIGH_DEPTH_MODES, MAX_PIXELS_SETTING, TooManyPixels, max_pixels, to_rgb

from ..io.malformed_corpus import png_header


def _gradient(mode: str) -> Image.Image:
    base = Image.linear_gradient("L").resize((32, 24))
    try:
        return base.convert(mode)
    except ValueError:
        return Image.new(mode, (32, 24))


@pytest.mark.parametrize("mode", Image.MODES)
def test_every_pillow_mode_becomes_8bit_rgb_of_the_same_size(mode):
    out = to_rgb(_gradient(mode))
    assert out.mode == "RGB" and out.size == (32, 24)


@pytest.mark.parametrize(
    "mode, dtype",
    [("I;16", "<u2"), ("I;16B", ">u2"), ("I;16L", "<u2"), ("I;16N", "=u2"), ("I", "<i4"), ("F", "<f4")],
)
def test_high_depth_grey_is_scaled_by_its_actual_range(mode, dtype):
    values = np.linspace(1000, 4000, 24 * 32).reshape(24, 32).astype(dtype)
    im = Image.frombuffer(mode, (32, 24), values.tobytes(), "raw", mode, 0, 1)
    assert mode in HIGH_DEPTH_MODES and np.asarray(im).max() > 255  # Pillow's convert clips this to white
    rgb = np.asarray(to_rgb(im))
    assert rgb.min() == 0 and rgb.max() == 255
    assert (np.diff(rgb[:, :, 0].astype(int).reshape(-1)) >= 0).all()  # the order of values is kept


def test_float_nan_and_constant_images_do_not_break_scaling():
    a = np.full((4, 5), 7.5, np.float32)
    a[0, 0] = np.nan
    assert np.asarray(to_rgb(Image.fromarray(a))).max() <= 255
    assert np.asarray(to_rgb(Image.fromarray(np.full((3, 3), np.nan, np.float32)))).max() == 0


def _write_high_depth(tmp_path, kind: str):
    values = np.linspace(0, 4095, 48 * 64).reshape(48, 64)
    if kind == "png16":
        path = tmp_path / "scan.png"
        Image.fromarray(values.astype(np.uint16)).save(path)
    elif kind == "tiff16":
        path = tmp_path / "scan.tif"
        Image.fromarray(values.astype(np.uint16)).save(path)
    else:
        path = tmp_path / "depth.tif"
        Image.fromarray((values / 4095 * 3.5).astype(np.float32)).save(path)
    return path


@pytest.mark.parametrize("kind", ["png16", "tiff16", "float_tiff"])
def test_viewer_validate_and_trainer_see_the_same_scaled_pixels(kind, tmp_path, qapp):
    from annotator.io.images import load_image
    from annotator.ui.image_cache import read_image
    from trainer.dataset.decode import open_image
    from trainer.inference.predict import to_rgb_array

    path = _write_high_depth(tmp_path, kind)
    trained = np.asarray(open_image(path)[0])
    assert trained.min() == 0 and trained.max() == 255, "solid white or black"
    assert np.array_equal(np.asarray(load_image(path)), trained)
    assert np.array_equal(to_rgb_array(path), trained)
    image, w, h, error = read_image(str(path))
    assert not error and (w, h) == (64, 48)
    from PySide6.QtGui import QImage

    shown = image.convertToFormat(QImage.Format.Format_RGB888)
    viewed = np.frombuffer(shown.constBits(), np.uint8).reshape(48, shown.bytesPerLine())[:, : 64 * 3]
    assert np.array_equal(viewed.reshape(48, 64, 3), trained)


# ---- the pixel cap ------------------------------------------------------------------------
@pytest.fixture
def bomb(tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(png_header(13_000, 13_000))  # 169 MP declared in 60 bytes
    return path


def test_the_cap_is_the_viewers_and_a_setting_raises_it(monkeypatch):
    from annotator.io.limits import MAX_IMAGE_PIXELS

    assert max_pixels() == MAX_IMAGE_PIXELS < 13_000 * 13_000
    monkeypatch.setenv(MAX_PIXELS_SETTING, "200_000_000")
    assert max_pixels() == 200_000_000


def test_training_and_evaluation_refuse_a_bomb_by_name_and_size(bomb):
    from trainer.dataset.decode import open_image

    with pytest.raises(TooManyPixels) as info:
        open_image(bomb, max_scale_for=(800, 1333))
    message = str(info.value)
    assert str(bomb) in message and "13000x13000" in message and MAX_PIXELS_SETTING in message


def test_predict_refuses_a_bomb_in_one_line_and_goes_on(bomb, tmp_path, capsys, monkeypatch):
    from trainer.errors import TrainerError
    from trainer.inference.predict import to_rgb_array

    with pytest.raises(TrainerError, match="13000x13000 is 169,000,000 pixels"):
        to_rgb_array(bomb)
    monkeypatch.setenv(MAX_PIXELS_SETTING, str(200_000_000))
    with pytest.raises(TrainerError) as info:  # allowed now: the truncated file itself is the problem
        to_rgb_array(bomb)
    assert "169,000,000" not in str(info.value)


def test_the_viewer_refuses_a_bomb_before_decoding(bomb, qapp):
    from annotator.ui.image_cache import read_image

    image, _, _, error = read_image(str(bomb))
    assert image.isNull() and "13000x13000" in error and MAX_PIXELS_SETTING in error


def test_training_and_evaluation_data_skip_a_bomb_and_say_its_size(bomb):
    import json

    from trainer.dataset.prepared import prepare

    small = bomb.parent / "small.png"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(small)
    coco = {
        "images": [
            {"id": 1, "file_name": "huge.png", "width": 13_000, "height": 13_000},
            {"id": 2, "file_name": "small.png", "width": 64, "height": 48},
        ],
        "annotations": [
            {"id": i, "image_id": i, "category_id": 1, "segmentation": [[1, 1, 30, 1, 30, 30]], "bbox": [1, 1, 29, 29]}
            for i in (1, 2)
        ],
        "categories": [{"id": 1, "name": "thing"}],
    }
    prepared = prepare(json.loads(json.dumps(coco)), str(bomb.parent), val_fraction=0.0, strict_classes=False)
    said = " ".join(prepared.warnings if hasattr(prepared, "warnings") else [])
    assert "13000x13000" in said and MAX_PIXELS_SETTING in said, said
