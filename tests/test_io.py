"""Tests of inpaintkit.io: exact round trips, mask reading rules, alpha masks, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from inpaintkit import io
from inpaintkit.errors import InvalidImageError, InvalidParameterError, UnsupportedDtypeError


@settings(deadline=None, max_examples=30)
@given(
    seed=st.integers(0, 2**32),
    height=st.integers(1, 9),
    width=st.integers(1, 9),
    channels=st.sampled_from([None, 3, 4]),
    dtype=st.sampled_from([np.uint8, np.uint16]),
)
def test_png_round_trip_is_exact(tmp_path_factory, seed, height, width, channels, dtype):
    rng = np.random.default_rng(seed)
    shape = (height, width) if channels is None else (height, width, channels)
    array = rng.integers(0, np.iinfo(dtype).max + 1, size=shape, dtype=dtype)
    path = tmp_path_factory.mktemp("png") / "image.png"
    io.write_image(path, array)
    back = io.read_image(path)
    assert back.dtype == array.dtype and back.shape == array.shape
    assert np.array_equal(back, array)


@pytest.mark.parametrize("suffix", [".tif", ".bmp", ".webp"])
def test_other_lossless_formats_round_trip(tmp_path, suffix):
    array = np.random.default_rng(0).integers(0, 256, size=(6, 7, 3), dtype=np.uint8)
    if suffix == ".webp":
        Image.fromarray(array).save(tmp_path / "image.webp", lossless=True)
    else:
        io.write_image(tmp_path / f"image{suffix}", array)
    assert np.array_equal(io.read_image(tmp_path / f"image{suffix}"), array)


def test_sixteen_bit_gray_tiff_round_trip(tmp_path):
    array = np.arange(0, 65535, 2731, dtype=np.uint16).reshape(4, 6)
    io.write_image(tmp_path / "depth.tif", array)
    back = io.read_image(tmp_path / "depth.tif")
    assert back.dtype == np.uint16 and np.array_equal(back, array)


def test_colour_order_is_rgb_in_8_and_16_bits(tmp_path):
    import cv2

    red8 = np.zeros((2, 2, 3), np.uint8)
    red8[..., 0] = 255
    io.write_image(tmp_path / "red8.png", red8)
    assert Image.open(tmp_path / "red8.png").getpixel((0, 0)) == (255, 0, 0)
    red16 = red8.astype(np.uint16) * 257
    io.write_image(tmp_path / "red16.png", red16)
    stored = cv2.imread(str(tmp_path / "red16.png"), cv2.IMREAD_UNCHANGED)  # OpenCV's order is BGR
    assert stored.dtype == np.uint16 and stored[0, 0].tolist() == [0, 0, 65535]
    assert io.read_image(tmp_path / "red16.png")[0, 0].tolist() == [65535, 0, 0]


def test_jpeg_is_close(tmp_path):
    from skimage import data

    photo = data.astronaut()[:64, :64]
    io.write_image(tmp_path / "photo.jpg", photo)
    back = io.read_image(tmp_path / "photo.jpg")
    assert back.shape == photo.shape and back.dtype == np.uint8
    assert np.abs(back.astype(int) - photo).mean() < 4


def test_float_and_bool_conversion_rules(tmp_path):
    values = np.array([[0.0, 0.2, 0.5, 1.0, -0.1, 1.2]])
    io.write_image(tmp_path / "float.png", values)
    assert io.read_image(tmp_path / "float.png").tolist() == [[0, 51, 128, 255, 0, 255]]
    io.write_image(tmp_path / "float32.png", values.astype(np.float32)[:, :, None])
    assert io.read_image(tmp_path / "float32.png").tolist() == [[0, 51, 128, 255, 0, 255]]
    mask = np.array([[True, False], [False, True]])
    io.write_image(tmp_path / "mask.png", mask)
    assert io.read_image(tmp_path / "mask.png").tolist() == [[255, 0], [0, 255]]
    assert np.array_equal(io.read_mask(tmp_path / "mask.png"), mask)


def test_write_creates_parent_folders(tmp_path):
    target = tmp_path / "a" / "b" / "c.png"
    io.write_image(str(target), np.zeros((2, 2), np.uint8))
    assert target.is_file()


def test_pillow_modes_become_supported_arrays(tmp_path):
    palette = Image.new("P", (3, 2))
    palette.putpalette([0, 0, 0, 10, 20, 30] + [0] * 762)
    palette.putpixel((1, 0), 1)
    palette.save(tmp_path / "palette.png")
    rgb = io.read_image(tmp_path / "palette.png")
    assert rgb.shape == (2, 3, 3) and rgb[0, 1].tolist() == [10, 20, 30]
    palette.save(tmp_path / "transparent.png", transparency=0)
    rgba = io.read_image(tmp_path / "transparent.png")
    assert rgba.shape == (2, 3, 4) and rgba[0, 0, 3] == 0 and rgba[0, 1, 3] == 255
    Image.new("LA", (2, 2), (100, 0)).save(tmp_path / "la.png")
    assert io.read_image(tmp_path / "la.png")[0, 0].tolist() == [100, 100, 100, 0]
    Image.new("1", (2, 2), 1).save(tmp_path / "bilevel.png")
    bilevel = io.read_image(tmp_path / "bilevel.png")
    assert bilevel.dtype == np.uint8 and bilevel.tolist() == [[255, 255], [255, 255]]


def test_read_mask_threshold_rules(tmp_path):
    ramp = np.arange(256, dtype=np.uint8).reshape(16, 16)
    io.write_image(tmp_path / "ramp.png", ramp)
    assert np.array_equal(io.read_mask(tmp_path / "ramp.png"), ramp > 127)
    assert np.array_equal(io.read_mask(tmp_path / "ramp.png", threshold=10), ramp > 10)
    scribble = np.zeros((4, 4, 3), np.uint8)
    scribble[1, 2] = (255, 0, 0)  # a red stroke counts though its luma is 76
    scribble[3, 0] = (0, 0, 200)  # and so does a blue one
    scribble[0, 3] = (100, 120, 127)  # no channel above the threshold
    io.write_image(tmp_path / "scribble.png", scribble)
    expected = np.zeros((4, 4), bool)
    expected[1, 2] = expected[3, 0] = True
    assert np.array_equal(io.read_mask(tmp_path / "scribble.png"), expected)
    deep = np.array([[127 * 257, 128 * 257]], np.uint16)
    io.write_image(tmp_path / "deep.png", deep)
    assert io.read_mask(tmp_path / "deep.png").tolist() == [[False, True]]


def test_mask_from_alpha():
    rgba = np.full((2, 3, 4), 255, np.uint8)
    rgba[0, 0, 3] = 0
    rgba[0, 1, 3] = 128
    assert mask_list(io.mask_from_alpha(rgba)) == [[1, 0, 0], [0, 0, 0]]
    assert mask_list(io.mask_from_alpha(rgba, threshold=254)) == [[1, 1, 0], [0, 0, 0]]
    deep = rgba.astype(np.uint16) * 257
    assert mask_list(io.mask_from_alpha(deep)) == [[1, 0, 0], [0, 0, 0]]
    soft = rgba / 255.0
    assert mask_list(io.mask_from_alpha(soft, threshold=0.6)) == [[1, 1, 0], [0, 0, 0]]
    with pytest.raises(InvalidImageError, match="image"):
        io.mask_from_alpha(rgba[:, :, :3])
    with pytest.raises(InvalidParameterError, match="threshold"):
        io.mask_from_alpha(rgba, threshold="half")


def mask_list(mask: np.ndarray) -> list[list[int]]:
    assert mask.dtype == np.bool_
    return mask.astype(int).tolist()


def test_read_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="path"):
        io.read_image(tmp_path / "missing.png")
    (tmp_path / "notes.png").write_text("not an image")
    with pytest.raises(InvalidImageError, match="path"):
        io.read_image(tmp_path / "notes.png")
    with pytest.raises(InvalidParameterError, match="path"):
        io.read_image(42)
    io.write_image(tmp_path / "ok.png", np.zeros((2, 2), np.uint8))
    with pytest.raises(InvalidParameterError, match="threshold"):
        io.read_mask(tmp_path / "ok.png", threshold=255)


@pytest.mark.parametrize(
    ("name", "array", "error"),
    [
        ("image.gif", np.zeros((2, 2), np.uint8), InvalidParameterError),
        ("image", np.zeros((2, 2), np.uint8), InvalidParameterError),
        ("image.jpg", np.zeros((2, 2), np.uint16), InvalidImageError),
        ("image.jpg", np.zeros((2, 2, 4), np.uint8), InvalidImageError),
        ("image.png", np.zeros((2, 2, 2), np.uint8), InvalidImageError),
        ("image.png", np.zeros((2, 2, 2, 2), np.uint8), InvalidImageError),
        ("image.png", np.zeros((2, 2), np.int32), UnsupportedDtypeError),
        ("image.png", np.full((2, 2), np.nan), InvalidImageError),
    ],
)
def test_write_errors(tmp_path, name, array, error):
    with pytest.raises(error):
        io.write_image(tmp_path / name, array)
    assert not (tmp_path / name).exists()
