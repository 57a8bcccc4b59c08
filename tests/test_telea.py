"""Telea's fast marching: numba against the reference, the opencv variant against OpenCV, and
known answers (constant images, ramps, separate components).

The opencv variant reproduces OpenCV's float32 arithmetic operation by operation, so on
uint8 and uint16 images it is compared with ``cv2.inpaint(..., cv2.INPAINT_TELEA)`` for
*equality* (tolerance: 0 levels). OpenCV reads a few hole pixels at the image border, where
the spine hands methods a zeroed hole, so OpenCV gets the image with its hole zeroed too.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from inpaintkit import masks
from inpaintkit.classical.telea import Telea
from inpaintkit.classical.telea._numba import NumbaFront
from inpaintkit.classical.telea._reference import ReferenceFront
from inpaintkit.errors import InvalidParameterError

VARIANTS = ("paper", "opencv")


def _random_case(rng: np.random.Generator, channels: int, *, smooth: bool):
    height, width = (int(v) for v in rng.integers(5, 17, 2))
    image = rng.random((height, width, channels)) * 255.0
    if smooth:
        image = cv2.GaussianBlur(image, (0, 0), 1.5).reshape(height, width, channels)
    image = np.rint(image)
    mask = rng.random((height, width)) < rng.uniform(0.1, 0.5)
    mask[rng.integers(height), :] |= rng.random(width) < 0.5  # holes that touch the border too
    if mask.all():
        mask[0, 0] = False
    image[mask] = 0.0
    return image, mask, int(rng.integers(1, 5))


def _fill(front_class, image, mask, radius, variant, levels, chunk=10**9):
    front = front_class(image.copy(), mask, radius=radius, variant=variant, levels=levels)
    snapshots = []
    while front.advance(chunk) > 0:
        snapshots.append((front.image.copy(), front.arrival.copy(), front.flags.copy()))
    return front, snapshots


def _cv2_telea(image: np.ndarray, mask: np.ndarray, radius: int) -> np.ndarray:
    """OpenCV's Telea on the image with its hole zeroed (what our methods see)."""
    source = image.copy()
    source[mask] = 0
    return cv2.inpaint(source, mask.astype(np.uint8), radius, cv2.INPAINT_TELEA)


# ---------------------------------------------------------------------- numba == reference
@pytest.mark.parametrize("variant", VARIANTS)
def test_numba_matches_reference_fill_by_fill(variant):
    rng = np.random.default_rng(7 if variant == "paper" else 8)
    for trial in range(9):
        channels = (1, 3, 4)[trial % 3]
        image, mask, radius = _random_case(rng, channels, smooth=trial % 2 == 0)
        levels = 255.0 if variant == "opencv" and trial % 2 else 0.0
        reference, ref_steps = _fill(ReferenceFront, image, mask, radius, variant, levels, chunk=3)
        fast, fast_steps = _fill(NumbaFront, image, mask, radius, variant, levels, chunk=3)
        # Same state after every chunk of about 3 fills: the same pixels, in the same order, to the bit.
        assert len(ref_steps) == len(fast_steps) >= int(mask.sum()) // 6
        for step, (ref_state, fast_state) in enumerate(zip(ref_steps, fast_steps)):
            for ref_array, fast_array in zip(ref_state, fast_state):
                np.testing.assert_array_equal(fast_array, ref_array, err_msg=f"trial {trial}, step {step}")
        assert fast.filled == reference.filled == mask.sum()


def test_backends_agree_through_the_api(small_rgb):
    mask = np.zeros(small_rgb.shape[:2], bool)
    mask[0:9, 5:14] = True  # touches the top border
    mask[17:23, 20:33] = True
    for variant in VARIANTS:
        outs = [Telea(variant=variant, backend=b).inpaint(small_rgb, mask) for b in ("numba", "numpy")]
        np.testing.assert_array_equal(outs[0], outs[1])


# ---------------------------------------------------------------------- opencv == cv2.inpaint
@pytest.mark.parametrize("channels", [1, 3])
def test_opencv_variant_equals_cv2_on_random_uint8(channels):
    rng = np.random.default_rng(11 + channels)
    for trial in range(12):
        image, mask, radius = _random_case(rng, channels, smooth=trial % 2 == 0)
        image_u8 = image.astype(np.uint8) if channels == 3 else image[:, :, 0].astype(np.uint8)
        ours = Telea(variant="opencv", radius=radius).inpaint(image_u8, mask)
        theirs = _cv2_telea(image_u8, mask, radius)
        np.testing.assert_array_equal(ours, theirs, err_msg=f"trial {trial}")


def test_opencv_variant_equals_cv2_on_uint16_and_photo(small_rgb):
    rng = np.random.default_rng(3)
    for trial in range(6):
        image, mask, radius = _random_case(rng, 1, smooth=trial % 2 == 0)
        image_u16 = (image[:, :, 0] * 257).astype(np.uint16)
        ours = Telea(variant="opencv", radius=radius).inpaint(image_u16, mask)
        np.testing.assert_array_equal(ours, _cv2_telea(image_u16, mask, radius), err_msg=f"trial {trial}")
    mask = masks.free_form(small_rgb.shape[:2], seed=1)
    for radius in (3, 5):
        ours = Telea(variant="opencv", radius=radius).inpaint(small_rgb, mask)
        np.testing.assert_array_equal(ours, _cv2_telea(small_rgb, mask, radius))


def test_opencv_front_equals_cv2_on_float32():
    # OpenCV on float32 adds its gradient term in the image's own units; the fronts reproduce
    # that with levels=0 (the public API maps float images onto 0..255 first, see the docs).
    rng = np.random.default_rng(5)
    for trial in range(6):
        image, mask, radius = _random_case(rng, 1, smooth=True)
        image32 = (image[:, :, 0] / 255.0).astype(np.float32)
        front, _ = _fill(NumbaFront, image32[:, :, None].astype(np.float64), mask, radius, "opencv", 0.0)
        np.testing.assert_array_equal(front.image[:, :, 0].astype(np.float32), _cv2_telea(image32, mask, radius))


def test_opencv_variant_on_a_constant_image_wanders_like_opencv():
    image = np.full((20, 24), 101, np.uint8)
    mask = np.zeros((20, 24), bool)
    mask[5:15, 6:18] = True
    ours = Telea(variant="opencv", radius=3).inpaint(image, mask)
    np.testing.assert_array_equal(ours, _cv2_telea(image, mask, 3))
    assert len(np.unique(ours[mask])) > 1  # OpenCV's rounding of v + 0.5 does not keep 101


# ---------------------------------------------------------------------- known answers
@pytest.mark.parametrize(
    "image",
    [
        np.full((18, 20), 0.3),
        np.full((18, 20, 3), 77, np.uint8),
        np.full((18, 20, 4), 40000, np.uint16),
        np.full((18, 20), -2.5, np.float32),
    ],
    ids=["float64-gray", "uint8-rgb", "uint16-rgba", "float32-gray"],
)
def test_paper_variant_keeps_a_constant_image(image):
    mask = np.zeros((18, 20), bool)
    mask[0:7, 3:12] = True  # touches the border
    mask[10:16, 13:20] = True
    out = Telea(radius=3).inpaint(image, mask)
    if image.dtype.kind == "u":
        np.testing.assert_array_equal(out, image)
    else:
        np.testing.assert_allclose(out, image, rtol=0, atol=1e-12 * abs(float(image.flat[0])))


def test_paper_variant_continues_a_linear_ramp():
    yy, xx = np.mgrid[0:32, 0:32]
    ramp = 0.2 + 0.01 * xx + 0.005 * yy
    thin = np.zeros((32, 32), bool)
    thin[10:14, 4:28] = True
    out = Telea(radius=3).inpaint(ramp, thin)
    # Within one pixel's step of the ramp (0.01) across a 4-pixel-high hole.
    assert np.abs(out - ramp)[thin].max() < 0.01
    box = np.zeros((32, 32), bool)
    box[8:20, 10:24] = True
    paper = Telea(radius=3).inpaint(ramp, box)
    zero_order = Telea(radius=3, variant="opencv").inpaint(ramp, box)
    # The first-order term I(q) + grad I(q).(p - q) pays on a 12x14 box: mean error under
    # 0.015 (the ramp spans 0.185 there) and below the zero-order mean of OpenCV's weights.
    paper_error = np.abs(paper - ramp)[box].mean()
    assert paper_error < 0.015
    assert paper_error < 0.75 * np.abs(zero_order - ramp)[box].mean()


def test_components_fill_from_their_own_surroundings():
    # Two flat halves; one hole in each, farther than the radius from the seam; one at the border.
    image = np.full((24, 40, 3), 0.2)
    image[:, 20:] = 0.8
    mask = np.zeros((24, 40), bool)
    mask[4:12, 3:10] = True
    mask[14:24, 28:36] = True  # touches the bottom border
    for variant in VARIANTS:
        out = Telea(radius=4, variant=variant).inpaint(image, mask)
        np.testing.assert_allclose(out[4:12, 3:10], 0.2, atol=1e-9 if variant == "paper" else 0.02)
        np.testing.assert_allclose(out[14:24, 28:36], 0.8, atol=1e-9 if variant == "paper" else 0.02)


def test_colour_channels_are_filled_independently_with_shared_weights(small_rgb):
    mask = masks.free_form(small_rgb.shape[:2], seed=2)
    rgba = np.dstack([small_rgb, small_rgb[:, :, ::-1].mean(axis=2).astype(np.uint8)])
    filled = Telea(radius=3).inpaint(rgba, mask)
    for c in range(4):
        np.testing.assert_array_equal(filled[:, :, c], Telea(radius=3).inpaint(rgba[:, :, c], mask))


# ---------------------------------------------------------------------- the front for teaching
@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_callback_shows_the_front(small_rgb, backend):
    mask = np.zeros(small_rgb.shape[:2], bool)
    mask[6:20, 8:30] = True
    total = int(mask.sum())
    states = []
    out = Telea(report_every=50, callback=lambda step, state: states.append((step, state)), backend=backend).inpaint(
        small_rgb, mask
    )
    assert [step for step, _ in states] == [s["filled"] for _, s in states]
    filled = np.array([s["filled"] for _, s in states])
    # A chunk stops at the first popped pixel after 50 fills; one pop fills at most 4 pixels.
    steps = np.diff(filled, prepend=0)
    assert filled[-1] == total and np.all(steps[:-1] >= 50) and np.all(steps <= 53)
    for _, state in states:
        reached = np.isfinite(state["arrival_time"]) & mask
        # Exactly the reached hole pixels are filled; the rest still hold the spine's zeros.
        assert reached.sum() == state["filled"]
        assert np.all(state["image"][mask & ~reached] == 0.0)
        assert not np.any(state["band"] & mask & ~reached)
        times = state["arrival_time"][mask & reached]
        assert np.all(times > 0.0)
        assert np.all(state["arrival_time"][~mask & np.isfinite(state["arrival_time"])] <= 0.0)
    last = np.clip(np.rint(states[-1][1]["image"][mask] * 255), 0, 255)  # the spine clips the overshoot
    np.testing.assert_array_equal(last.astype(np.uint8), out[mask])


# ---------------------------------------------------------------------- parameters and info
@pytest.mark.parametrize(
    "params",
    [{"radius": 0}, {"radius": 2.5}, {"radius": 101}, {"variant": "OpenCV"}, {"report_every": 0}],
)
def test_bad_parameters_raise(params):
    with pytest.raises(InvalidParameterError):
        Telea(**params)


def test_info_says_what_it_is():
    info = Telea.info
    assert (info.name, info.family, info.year, info.backends) == ("telea", "diffusion", 2004, ("numba", "numpy"))
    assert info.doi == "10.1080/10867651.2004.10487596"
    assert "sequential, CPU only" in info.summary and "sequential, CPU only" in Telea.__doc__
