"""Tests of inpaintkit.datasets: offline photos, deterministic lazy suites, folders of pairs."""

from __future__ import annotations

import hashlib
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

from inpaintkit import datasets, io, masks
from inpaintkit.errors import InvalidParameterError, ShapeMismatchError


def test_names_are_the_bundled_photos():
    available = datasets.names()
    assert available == sorted(available)
    assert {"astronaut", "camera", "chelsea", "coffee", "brick", "grass", "gravel", "rocket"} <= set(available)
    assert set(available) <= set(datasets.PHOTOS)


@pytest.mark.parametrize("name", datasets.names())
def test_every_photo_loads_as_uint8_at_any_size(name):
    image = datasets.load(name)
    assert image.dtype == np.uint8 and (image.ndim == 2 or image.shape[2] == 3)
    square = datasets.load(name, size=40)
    assert square.shape == (40, 40) + image.shape[2:]
    gray = datasets.load(name, size=40, gray=True)
    assert gray.shape == (40, 40) and gray.dtype == np.uint8


def test_load_is_deterministic_fresh_and_centre_crops():
    first = datasets.load("chelsea", size=64)
    first[:] = 0  # must not leak into the next load
    again, once_more = datasets.load("chelsea", size=64), datasets.load("chelsea", size=64)
    assert again.any() and np.array_equal(again, once_more)
    # 300x451 photo: the largest centred square is columns 75..374, kept exactly at size 300
    full = datasets.load("chelsea")
    assert full.shape == (300, 451, 3)
    assert np.array_equal(datasets.load("chelsea", size=300), full[:, 75:375])


def test_gray_conversion_uses_luma():
    rgb = datasets.load("coffee").astype(float)
    gray = datasets.load("coffee", gray=True).astype(float)
    luma = rgb @ np.array([0.299, 0.587, 0.114])
    assert np.abs(gray - luma).max() <= 1.0


def test_load_errors_name_the_argument():
    with pytest.raises(InvalidParameterError, match="astronaut"):
        datasets.load("astronot")
    with pytest.raises(InvalidParameterError, match="size"):
        datasets.load("camera", size=0)
    with pytest.raises(InvalidParameterError, match="gray"):
        datasets.load("camera", gray=1)


def test_tiny_suite():
    suite = datasets.suite("tiny")
    assert len(suite) in (2, 3) and suite.name == "tiny"
    cases = list(suite)
    assert [case.name for case in cases] == suite.names
    assert {case.image.ndim for case in cases} == {2, 3}  # gray and colour
    for case in cases:
        assert 32 <= case.size <= 48 and case.image.shape[:2] == (case.size, case.size)
        assert case.image.dtype == np.uint8
        assert case.mask.dtype == np.bool_ and case.mask.shape == case.image.shape[:2]
        assert case.mask.any() and not case.mask.all()
        assert case.truth is case.image
        assert case.hole_ratio == masks.hole_ratio(case.mask)
        assert case.ratio_bin == masks.hole_ratio_bin(case.hole_ratio)


@pytest.mark.parametrize("name", datasets.SUITES)
def test_suites_are_deterministic(name):
    first, second = datasets.suite(name), datasets.suite(name)
    assert first.names == second.names and len(set(first.names)) == len(first)
    for index in (0, len(first) // 2, len(first) - 1):
        a, b = first[index], second[index]
        assert a.name == b.name and np.array_equal(a.image, b.image) and np.array_equal(a.mask, b.mask)


def test_suites_are_the_same_in_another_process():
    code = (
        "import hashlib, inpaintkit.datasets as d; "
        "print(' '.join(hashlib.sha256(c.mask.tobytes() + c.image.tobytes()).hexdigest()[:16] "
        "for c in d.suite('tiny')))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    there = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, env=env)
    here = [hashlib.sha256(c.mask.tobytes() + c.image.tobytes()).hexdigest()[:16] for c in datasets.suite("tiny")]
    assert there.stdout.split() == here


def test_small_suite():
    suite = datasets.suite("small")
    cases = list(suite)
    assert {case.size for case in cases} == {128}
    assert {case.family for case in cases} == {"box", "free_form"}
    assert len({case.photo for case in cases}) >= 3


def test_standard_suite_is_every_photo_by_every_mask_and_size():
    suite = datasets.suite("standard")
    specs = suite.specs
    assert len(suite) == len(datasets.names()) * 2 * 9
    assert {spec.photo for spec in specs} == set(datasets.names())
    assert {spec.size for spec in specs} == {256, 512}
    assert {spec.family for spec in specs} == {"box", "free_form", "scratches", "irregular"}
    bins = {dict(spec.options)["ratio_bin"] for spec in specs if spec.family == "irregular"}
    assert bins == set(masks.HOLE_RATIO_BINS)


def test_standard_irregular_cases_land_in_their_bins():
    suite = datasets.suite("standard")
    photo = suite.specs[0].photo
    for index, spec in enumerate(suite.specs):
        if spec.family == "irregular" and spec.photo == photo:
            case = suite[index]
            assert case.image.shape[:2] == (spec.size, spec.size)
            assert case.ratio_bin == dict(spec.options)["ratio_bin"]


def test_suites_are_lazy(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a photo was loaded")

    monkeypatch.setattr(datasets, "load", refuse)
    suite = datasets.suite("standard")
    assert len(suite) > 100 and len(suite.names) == len(suite)
    part = suite[:5]
    assert isinstance(part, datasets.Suite) and len(part) == 5
    with pytest.raises(AssertionError, match="loaded"):
        suite[0]


def test_specs_pickle_and_rebuild_the_same_case():
    suite = datasets.suite("tiny")
    spec = pickle.loads(pickle.dumps(suite.specs[1]))
    rebuilt, original = spec.build(), suite[1]
    assert rebuilt.name == original.name
    assert np.array_equal(rebuilt.mask, original.mask) and np.array_equal(rebuilt.image, original.image)
    case = pickle.loads(pickle.dumps(original))
    assert case.name == original.name and np.array_equal(case.mask, original.mask)


def test_unknown_suite():
    with pytest.raises(InvalidParameterError, match="tiny"):
        datasets.suite("huge")


def make_pairs(tmp_path):
    images, hole_masks = tmp_path / "images", tmp_path / "masks"
    rng = np.random.default_rng(0)
    expected = {}
    for stem, shape in (("b", (20, 30, 3)), ("a", (24, 16))):
        image = rng.integers(0, 256, size=shape, dtype=np.uint8)
        mask = np.zeros(shape[:2], bool)
        mask[5:9, 4:10] = True
        io.write_image(images / f"{stem}.png", image)
        io.write_image(hole_masks / f"{stem}.png", mask)
        expected[stem] = (image, mask)
    (images / "readme.txt").write_text("not an image")
    return images, hole_masks, expected


def test_from_folder_pairs_by_stem(tmp_path):
    images, hole_masks, expected = make_pairs(tmp_path)
    suite = datasets.from_folder(images, hole_masks)
    assert suite.names == ["a", "b"]
    for case in suite:
        image, mask = expected[case.name]
        assert np.array_equal(case.image, image) and np.array_equal(case.mask, mask)
        assert case.family == "folder" and case.size == max(image.shape[:2])


def test_from_folder_errors(tmp_path):
    images, hole_masks, _ = make_pairs(tmp_path)
    with pytest.raises(FileNotFoundError, match="images_dir"):
        datasets.from_folder(tmp_path / "nowhere", hole_masks)
    (hole_masks / "a.png").unlink()
    with pytest.raises(FileNotFoundError, match="a.png"):
        datasets.from_folder(images, hole_masks)
    io.write_image(hole_masks / "a.png", np.zeros((3, 3), bool))
    with pytest.raises(ShapeMismatchError, match="a.png"):
        datasets.from_folder(images, hole_masks)[0]
    io.write_image(images / "a.jpg", np.zeros((3, 3), np.uint8))
    with pytest.raises(InvalidParameterError, match="stem"):
        datasets.from_folder(images, hole_masks)


def test_helper_modules_import_light():
    code = (
        "import sys, inpaintkit; before = set(sys.modules); "
        "import inpaintkit.masks, inpaintkit.metrics, inpaintkit.datasets, inpaintkit.io; "
        "print(' '.join(sorted(m.split('.')[0] for m in set(sys.modules) - before)))"
    )
    added = set(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout.split())
    assert not added & {"skimage", "matplotlib", "torch", "cv2", "PIL", "scipy", "cupy", "dask"}
