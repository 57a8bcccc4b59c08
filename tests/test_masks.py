"""Tests of inpaintkit.masks: shapes, determinism, hole-ratio bins, borders, flips, widths."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.ndimage import distance_transform_edt

from inpaintkit import masks
from inpaintkit.errors import InvalidMaskError, InvalidParameterError

SEEDED = {
    "random_boxes": lambda shape, seed: masks.random_boxes(shape, seed=seed, count=2),
    "free_form": lambda shape, seed: masks.free_form(shape, seed=seed),
    "free_form+box": lambda shape, seed: masks.free_form(shape, seed=seed, with_box=True),
    "irregular": lambda shape, seed: masks.irregular(shape, seed=seed, ratio_bin=(0.2, 0.3)),
    "irregular-no-border": lambda shape, seed: masks.irregular(shape, seed=seed, ratio_bin=(0.2, 0.3), no_border=True),
    "lama-thin": lambda shape, seed: masks.lama(shape, seed=seed, kind="thin"),
    "lama-medium": lambda shape, seed: masks.lama(shape, seed=seed, kind="medium"),
    "lama-thick": lambda shape, seed: masks.lama(shape, seed=seed, kind="thick"),
    "scratches": lambda shape, seed: masks.scratches(shape, seed=seed),
}


def thickness(mask: np.ndarray) -> float:
    """Largest distance from a filled pixel to the nearest unfilled one (outside the image counts as unfilled)."""
    return float(distance_transform_edt(np.pad(mask, 1)).max())


def centroid_offset(mask: np.ndarray) -> tuple[float, float]:
    """Centroid of the hole relative to the image centre, as fractions of (H - 1, W - 1)."""
    rows, columns = np.nonzero(mask)
    return rows.mean() / (mask.shape[0] - 1) - 0.5, columns.mean() / (mask.shape[1] - 1) - 0.5


# ----------------------------------------------------------------------------- every generator


@pytest.mark.parametrize("name", sorted(SEEDED))
@pytest.mark.parametrize("shape", [(64, 64), (48, 80)])
def test_seeded_generators_are_deterministic_bool_and_proper(name, shape):
    make = SEEDED[name]
    first, again, other = make(shape, 11), make(shape, 11), make(shape, 12)
    assert first.dtype == np.bool_ and first.shape == shape
    assert np.array_equal(first, again)
    assert first.any() and not first.all()
    assert not np.array_equal(first, other)


@settings(deadline=None, max_examples=30)
@given(
    name=st.sampled_from(sorted(SEEDED)),
    height=st.integers(16, 72),
    width=st.integers(16, 72),
    seed=st.integers(0, 2**63 - 1),
)
def test_no_generator_returns_an_empty_or_full_mask(name, height, width, seed):
    mask = SEEDED[name]((height, width), seed)
    assert mask.shape == (height, width) and mask.dtype == np.bool_
    assert mask.any() and not mask.all()


@settings(deadline=None, max_examples=40)
@given(
    name=st.sampled_from(sorted(SEEDED)),
    height=st.integers(1, 12),
    width=st.integers(1, 12),
    seed=st.integers(0, 2**63 - 1),
)
def test_tiny_images_give_a_proper_mask_or_a_clear_error(name, height, width, seed):
    try:
        mask = SEEDED[name]((height, width), seed)
    except InvalidParameterError as error:
        assert "shape" in str(error) or "ratio_bin" in str(error) or "margin" in str(error) or "draws" in str(error)
        return
    assert mask.shape == (height, width) and mask.any() and not mask.all()


@settings(deadline=None, max_examples=30)
@given(height=st.integers(1, 12), width=st.integers(1, 12), ratio=st.floats(0.01, 0.99))
def test_box_is_never_empty_or_full_even_on_tiny_images(height, width, ratio):
    if height * width < 2:
        with pytest.raises(InvalidParameterError, match="shape"):
            masks.box((height, width), ratio=ratio)
        return
    mask = masks.box((height, width), ratio=ratio)
    assert mask.any() and not mask.all()


@pytest.mark.parametrize(
    "shape", [(0, 5), (5,), (3, 4, 3), "ab", (1, 1), (2.5, 4), (True, 4), None, (-3, 4)]
)
@pytest.mark.parametrize("name", ["box", *sorted(SEEDED)])
def test_bad_shapes_raise_naming_shape(name, shape):
    make = (lambda s, seed: masks.box(s)) if name == "box" else SEEDED[name]
    with pytest.raises(InvalidParameterError, match="shape"):
        make(shape, 0)


@pytest.mark.parametrize("seed", [-1, 1.5, "0", None, 2**63])
@pytest.mark.parametrize("name", sorted(SEEDED))
def test_bad_seeds_raise(name, seed):
    with pytest.raises(InvalidParameterError, match="seed"):
        SEEDED[name]((32, 32), seed)


# ----------------------------------------------------------------------------- box


def test_box_quarter_ratio_is_context_encoders_centre_hole():
    mask = masks.box((128, 128), ratio=0.25)
    expected = np.zeros((128, 128), bool)
    expected[32:96, 32:96] = True
    assert np.array_equal(mask, expected)


@pytest.mark.parametrize("ratio", [0.05, 0.12, 0.3, 0.6, 0.9])
@pytest.mark.parametrize("shape", [(256, 256), (200, 300)])
def test_box_covers_the_requested_ratio_with_the_image_aspect(ratio, shape):
    mask = masks.box(shape, ratio=ratio)
    rows, columns = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    assert mask.sum() == rows.size * columns.size  # a solid rectangle
    assert abs(masks.hole_ratio(mask) - ratio) < 0.01
    assert abs(rows.size / columns.size - shape[0] / shape[1]) < 0.02
    # centred: equal margins up to one pixel
    assert abs(rows[0] - (shape[0] - 1 - rows[-1])) <= 1 and abs(columns[0] - (shape[1] - 1 - columns[-1])) <= 1


def test_box_center_moves_it_and_is_cut_at_the_edge():
    moved = masks.box((100, 100), ratio=0.01, center=(20, 70))
    rows, columns = np.nonzero(moved)
    assert (rows.min(), rows.max(), columns.min(), columns.max()) == (15, 24, 65, 74)
    corner = masks.box((100, 100), ratio=0.01, center=(0, 0))
    assert corner.sum() == 5 * 5 and corner[0, 0]


@pytest.mark.parametrize("kwargs", [{"ratio": 0}, {"ratio": 1}, {"ratio": -0.1}, {"ratio": "half"},
                                    {"center": (100, 5)}, {"center": (5,)}, {"center": (-1, 5)}])
def test_box_bad_arguments(kwargs):
    with pytest.raises(InvalidParameterError):
        masks.box((100, 100), **kwargs)


# ----------------------------------------------------------------------------- random boxes


def test_random_boxes_default_sizes_follow_glcic_and_deepfill_v1():
    for seed in range(20):
        mask = masks.random_boxes((256, 256), seed=seed)
        rows, columns = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
        assert mask.sum() == rows.size * columns.size
        assert 96 <= rows.size <= 128 and 96 <= columns.size <= 128


def test_random_boxes_respect_sizes_and_margin():
    for seed in range(20):
        mask = masks.random_boxes((100, 120), seed=seed, count=3, min_size=(5, 10), max_size=(20, 30), margin=7)
        assert not mask[:7].any() and not mask[-7:].any() and not mask[:, :7].any() and not mask[:, -7:].any()
    single = masks.random_boxes((100, 120), seed=3, min_size=(5, 10), max_size=(20, 30))
    rows, columns = np.nonzero(single.any(axis=1))[0], np.nonzero(single.any(axis=0))[0]
    assert 5 <= rows.size <= 20 and 10 <= columns.size <= 30


@pytest.mark.parametrize(
    "kwargs",
    [{"count": 0}, {"margin": 50}, {"max_size": 0}, {"min_size": (40, 40), "max_size": (20, 20)},
     {"min_size": (100, 100), "max_size": (100, 100)}, {"max_size": (1, 2, 3)}],
)
def test_random_boxes_bad_arguments(kwargs):
    with pytest.raises(InvalidParameterError):
        masks.random_boxes((100, 100), seed=0, **kwargs)


# ----------------------------------------------------------------------------- free-form


def test_free_form_flips_really_flip():
    variants = set()
    for seed in range(24):
        flipped = masks.free_form((64, 80), seed=seed)
        plain = masks.free_form((64, 80), seed=seed, flip=False)
        candidates = {
            "none": plain,
            "left-right": plain[:, ::-1],
            "top-bottom": plain[::-1],
            "both": plain[::-1, ::-1],
        }
        matches = [name for name, candidate in candidates.items() if np.array_equal(flipped, candidate)]
        assert matches, f"seed {seed}: the flipped mask is no flip of the plain one"
        variants.add(matches[0])
    assert variants == {"none", "left-right", "top-bottom", "both"}


def test_free_form_without_flips_drifts_right_and_with_flips_is_centred():
    # DeepFill v2's strokes step at +-72 degrees, always rightwards: without real flips the
    # holes gather on the right (the bug of the official code); flips remove the bias.
    plain = np.array([centroid_offset(masks.free_form((64, 64), seed=s, flip=False)) for s in range(100)])
    flipped = np.array([centroid_offset(masks.free_form((64, 64), seed=s)) for s in range(100)])
    assert plain[:, 1].mean() > 0.08
    assert abs(flipped[:, 1].mean()) < 0.05 and abs(flipped[:, 0].mean()) < 0.05


def test_free_form_box_adds_deepfill_v2_training_box():
    for seed in range(5):
        strokes = masks.free_form((256, 256), seed=seed)
        combined = masks.free_form((256, 256), seed=seed, with_box=True)
        assert np.array_equal(combined & strokes, strokes)
        added = combined & ~strokes
        rows, columns = np.nonzero(added.any(axis=1))[0], np.nonzero(added.any(axis=0))[0]
        # the box is 128 a side shrunk by up to 16 on each edge: 96..128 pixels
        assert 96 <= rows.size <= 128 and 96 <= columns.size <= 128


def test_free_form_widths_follow_the_paper_and_the_width_option():
    # at 256x256 the paper's brush is 12..40 pixels wide: the thickest point is >= 6 from the edge
    assert all(thickness(masks.free_form((256, 256), seed=s)) >= 6 for s in range(5))
    for seed in range(5):
        thin = masks.free_form((256, 256), seed=seed, width=(2, 3), max_strokes=1)
        assert thickness(thin) <= 2.5


def test_free_form_geometry_scales_with_the_image():
    for seed in range(5):
        small, large = masks.free_form((128, 128), seed=seed), masks.free_form((512, 512), seed=seed)
        assert abs(masks.hole_ratio(small) - masks.hole_ratio(large)) < 0.03


@pytest.mark.parametrize("kwargs", [{"max_strokes": 0}, {"width": (0, 3)}, {"width": (5, 2)}, {"with_box": 1},
                                    {"flip": "yes"}])
def test_free_form_bad_arguments(kwargs):
    with pytest.raises(InvalidParameterError):
        masks.free_form((64, 64), seed=0, **kwargs)


# ----------------------------------------------------------------------------- irregular


@pytest.mark.parametrize("ratio_bin", masks.HOLE_RATIO_BINS)
@pytest.mark.parametrize("no_border", [False, True])
@pytest.mark.parametrize("shape", [(32, 32), (60, 100), (256, 256)])
def test_irregular_lands_in_its_bin(ratio_bin, no_border, shape):
    low, high = ratio_bin
    for seed in range(3):
        mask = masks.irregular(shape, seed=seed, ratio_bin=ratio_bin, no_border=no_border)
        assert low <= masks.hole_ratio(mask) < high
        assert masks.hole_ratio_bin(masks.hole_ratio(mask)) == ratio_bin


@settings(deadline=None, max_examples=30)
@given(
    height=st.integers(16, 64),
    width=st.integers(16, 64),
    seed=st.integers(0, 2**32),
    ratio_bin=st.sampled_from(masks.HOLE_RATIO_BINS),
    margin=st.integers(1, 6),
)
def test_no_border_keeps_the_margin_known(height, width, seed, ratio_bin, margin):
    assume((height - 2 * margin) * (width - 2 * margin) >= math.ceil(ratio_bin[0] * height * width))
    mask = masks.irregular((height, width), seed=seed, ratio_bin=ratio_bin, no_border=True, margin=margin)
    assert ratio_bin[0] <= masks.hole_ratio(mask) < ratio_bin[1]
    assert not mask[:margin].any() and not mask[-margin:].any()
    assert not mask[:, :margin].any() and not mask[:, -margin:].any()


def test_no_border_default_margin_and_border_touching_without_it():
    mask = masks.irregular((256, 256), seed=4, ratio_bin=(0.5, 0.6), no_border=True)
    assert not mask[:8].any() and not mask[-8:].any() and not mask[:, :8].any() and not mask[:, -8:].any()
    touching = [masks.irregular((64, 64), seed=s, ratio_bin=(0.5, 0.6)) for s in range(5)]
    assert any(m[0].any() or m[-1].any() or m[:, 0].any() or m[:, -1].any() for m in touching)


def test_irregular_any_bin_and_hole_is_mostly_one_piece():
    from scipy.ndimage import label

    mask = masks.irregular((128, 128), seed=1, ratio_bin=(0.33, 0.37))
    assert 0.33 <= masks.hole_ratio(mask) < 0.37
    pieces, count = label(mask)
    largest = np.bincount(pieces.ravel())[1:].max()
    assert largest > 0.5 * mask.sum()  # strokes, not salt-and-pepper


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ratio_bin": (0.3, 0.2)},
        {"ratio_bin": (0.2,)},
        {"ratio_bin": (0.0, 1.5)},
        {"ratio_bin": 0.2},
        {"margin": 2},
        {"no_border": True, "margin": 0},
        {"no_border": True, "margin": 8},
    ],
)
def test_irregular_bad_arguments(kwargs):
    with pytest.raises(InvalidParameterError):
        masks.irregular((16, 16), seed=0, **kwargs)


def test_irregular_unreachable_bin_raises():
    # 16 pixels: every hole is a multiple of 1/16 = 6.25%, none lies in [1%, 5%)
    with pytest.raises(InvalidParameterError, match="ratio_bin"):
        masks.irregular((4, 4), seed=0, ratio_bin=(0.01, 0.05))
    # with a border of 1 on a 5x5 image only 9 of 25 pixels may be filled (36%)
    with pytest.raises(InvalidParameterError, match="ratio_bin"):
        masks.irregular((5, 5), seed=0, ratio_bin=(0.5, 0.6), no_border=True)


# ----------------------------------------------------------------------------- LaMa


@pytest.mark.parametrize("kind", masks.LAMA_KINDS)
@pytest.mark.parametrize("shape", [(64, 64), (256, 256), (300, 200)])
def test_lama_masks_cover_at_most_half(kind, shape):
    for seed in range(6):
        mask = masks.lama(shape, seed=seed, kind=kind)
        assert 0.0 < masks.hole_ratio(mask) <= 0.5


def test_lama_kinds_get_thicker():
    median_thickness = {
        kind: np.median([thickness(masks.lama((256, 256), seed=s, kind=kind)) for s in range(10)])
        for kind in masks.LAMA_KINDS
    }
    assert median_thickness["thin"] < median_thickness["medium"] < median_thickness["thick"]


def test_lama_thin_has_no_boxes_but_medium_sometimes_does():
    def is_boxes(mask):
        # boxes only: every row run and column run is solid between its extremes in each component
        from scipy.ndimage import find_objects, label

        pieces, _ = label(mask)
        return all(mask[piece].all() for piece in find_objects(pieces))

    assert not any(is_boxes(masks.lama((256, 256), seed=s, kind="thin")) for s in range(20))
    assert any(is_boxes(masks.lama((256, 256), seed=s, kind="medium")) for s in range(20))


def test_lama_bad_kind():
    with pytest.raises(InvalidParameterError, match="kind"):
        masks.lama((64, 64), seed=0, kind="wide")


# ----------------------------------------------------------------------------- scratches


@pytest.mark.parametrize("width", [1, 2, 3, 4, 6])
def test_scratches_have_the_requested_width(width):
    for seed in range(10):
        mask = masks.scratches((96, 96), seed=seed, count=1, width=width)
        assert width / 2 <= thickness(mask) <= width / 2 + 1


def test_scratches_are_long_and_thin():
    for seed in range(5):
        mask = masks.scratches((256, 256), seed=seed)
        assert masks.hole_ratio(mask) < 0.1
        one = masks.scratches((256, 256), seed=seed, count=1, width=1)
        rows, columns = np.nonzero(one)
        # at least 30% of the diagonal long, centred inside the image: at least half of it shows
        shown = 0.5 * 0.3 * math.hypot(256, 256)
        assert math.hypot(np.ptp(rows), np.ptp(columns)) >= shown - 2


@pytest.mark.parametrize("kwargs", [{"count": 0}, {"width": 0}, {"width": (3, 1)}, {"width": (1, 2, 3)}])
def test_scratches_bad_arguments(kwargs):
    with pytest.raises(InvalidParameterError):
        masks.scratches((64, 64), seed=0, **kwargs)


# ----------------------------------------------------------------------------- utilities


def test_dilate_known_answers():
    point = np.zeros((7, 7), bool)
    point[3, 3] = True
    assert masks.dilate(point, 1).sum() == 5  # the 4-neighbourhood
    assert masks.dilate(point, 2).sum() == 13  # the disk x^2 + y^2 <= 4
    copy = masks.dilate(point, 0)
    assert np.array_equal(copy, point) and copy is not point
    assert np.array_equal(masks.dilate(point.astype(np.uint8) * 255, 1), masks.dilate(point, 1))
    assert not masks.dilate(np.zeros((4, 4), bool), 3).any()


@settings(deadline=None, max_examples=25)
@given(
    mask=st.lists(st.lists(st.booleans(), min_size=9, max_size=9), min_size=7, max_size=7).map(np.array),
    radius=st.integers(0, 4),
)
def test_dilate_matches_brute_force(mask, radius):
    rows, columns = np.mgrid[: mask.shape[0], : mask.shape[1]]
    expected = np.zeros_like(mask)
    for row, column in zip(*np.nonzero(mask)):
        expected |= (rows - row) ** 2 + (columns - column) ** 2 <= radius**2
    assert np.array_equal(masks.dilate(mask, radius), expected)


def test_dilate_bad_arguments():
    with pytest.raises(InvalidMaskError, match="mask"):
        masks.dilate(np.array([[0, 7], [0, 0]]), 1)
    with pytest.raises(InvalidMaskError, match="mask"):
        masks.dilate(np.zeros(5, bool), 1)
    with pytest.raises(InvalidParameterError, match="radius"):
        masks.dilate(np.zeros((4, 4), bool), -1)


def test_hole_ratio_and_bins():
    mask = np.zeros((10, 10), bool)
    mask[:3, :5] = True
    assert masks.hole_ratio(mask) == 0.15
    assert masks.hole_ratio(mask.astype(np.uint8)) == 0.15
    assert masks.hole_ratio_bin(0.1) == (0.1, 0.2)
    assert masks.hole_ratio_bin(0.0999) == (0.01, 0.1)
    assert masks.hole_ratio_bin(0.59) == (0.5, 0.6)
    assert masks.hole_ratio_bin(0.6) is None and masks.hole_ratio_bin(0.005) is None
    with pytest.raises(InvalidParameterError):
        masks.hole_ratio_bin(1.5)
