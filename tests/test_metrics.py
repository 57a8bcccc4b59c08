"""Tests of inpaintkit.metrics against known answers and an independent SSIM."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.ndimage import gaussian_filter

from inpaintkit import metrics
from inpaintkit.errors import (
    ImageTooSmallError,
    InvalidImageError,
    InvalidMaskError,
    ShapeMismatchError,
    UnsupportedDtypeError,
)


@pytest.fixture
def photo() -> np.ndarray:
    """A 48x56 RGB uint8 crop of the astronaut, values 10..245 so offsets stay in range."""
    from skimage import data

    return np.clip(data.astronaut()[100:148, 200:256], 10, 245).astype(np.uint8)


@pytest.fixture
def hole() -> np.ndarray:
    mask = np.zeros((48, 56), bool)
    mask[12:30, 20:44] = True
    return mask


def reference_ssim_map(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """SSIM map of Wang et al. (2004), written out: Gaussian window sigma 1.5, population statistics."""

    def blur(a):
        return np.stack([gaussian_filter(a[..., c], 1.5, truncate=3.5, mode="reflect") for c in range(a.shape[-1])], -1)

    c1, c2 = 0.01**2, 0.03**2
    mu_x, mu_y = blur(x), blur(y)
    var_x, var_y = blur(x * x) - mu_x**2, blur(y * y) - mu_y**2
    cov = blur(x * y) - mu_x * mu_y
    return ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))


def test_identical_images(photo, hole):
    assert metrics.psnr(photo, photo) == math.inf
    assert metrics.psnr(photo, photo, mask=hole) == math.inf
    assert metrics.ssim(photo, photo) == pytest.approx(1.0, abs=1e-12)
    assert metrics.ssim(photo, photo, mask=hole) == pytest.approx(1.0, abs=1e-12)
    assert metrics.mae(photo, photo) == 0.0 and metrics.mae(photo, photo, mask=hole) == 0.0
    assert metrics.gradient_energy_ratio(photo, photo, hole) == 1.0


def test_constant_offset_in_the_hole(photo, hole):
    result = photo.copy()
    result[hole] += 5  # a composited result: known pixels untouched
    ratio = hole.mean()
    assert metrics.mae(result, photo, mask=hole) == pytest.approx(5 / 255, rel=1e-12)
    assert metrics.mae(result, photo) == pytest.approx(5 / 255 * ratio, rel=1e-12)
    assert metrics.psnr(result, photo, mask=hole) == pytest.approx(20 * math.log10(255 / 5), rel=1e-12)
    assert metrics.psnr(result, photo) == pytest.approx(-10 * math.log10((5 / 255) ** 2 * ratio), rel=1e-12)


def test_float_images_are_used_as_given():
    truth = np.linspace(0.0, 2.0, 20 * 20).reshape(20, 20)  # e.g. a depth map beyond [0, 1]
    assert metrics.mae(truth + 0.5, truth) == pytest.approx(0.5)
    assert metrics.psnr(truth + 0.5, truth) == pytest.approx(10 * math.log10(1 / 0.25))


def test_dtypes_share_one_scale(photo, hole):
    result = photo.copy()
    result[hole] = 128
    as_uint16 = (result.astype(np.uint16) * 257, photo.astype(np.uint16) * 257)
    as_float32 = (result.astype(np.float32) / 255, photo.astype(np.float32) / 255)
    expected = metrics.evaluate(result, photo, hole)
    for pair in (as_uint16, as_float32):
        values = metrics.evaluate(*pair, hole)
        for key in expected:
            assert values[key] == pytest.approx(expected[key], rel=1e-6), key


def test_gray_and_single_channel_agree(photo, hole):
    gray = photo[:, :, 1]
    result = gray.copy()
    result[hole] = 0
    flat = metrics.evaluate(result, gray, hole)
    channel = metrics.evaluate(result[:, :, None], gray[:, :, None], hole)
    assert flat == pytest.approx(channel)


def test_psnr_and_ssim_match_scikit_image_on_the_whole_image(photo, hole):
    from skimage.metrics import peak_signal_noise_ratio, structural_similarity

    result = photo.copy()
    result[hole] = 100
    x, y = result / 255.0, photo / 255.0
    assert metrics.psnr(result, photo) == pytest.approx(peak_signal_noise_ratio(y, x, data_range=1.0), rel=1e-12)
    expected = structural_similarity(
        x, y, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0, channel_axis=-1
    )
    assert metrics.ssim(result, photo) == pytest.approx(expected, rel=1e-12)


def test_ssim_matches_an_independent_implementation(photo, hole):
    rng = np.random.default_rng(0)
    result = photo.copy()
    result[hole] = rng.integers(0, 256, size=(int(hole.sum()), 3))
    ssim_map = reference_ssim_map(result / 255.0, photo / 255.0)
    assert metrics.ssim(result, photo, mask=hole) == pytest.approx(ssim_map[hole].mean(), abs=1e-10)
    assert metrics.ssim(result, photo) == pytest.approx(ssim_map[5:-5, 5:-5].mean(), abs=1e-10)


def test_hole_ssim_ignores_changes_far_from_the_hole(photo, hole):
    changed = photo.copy()
    changed[40:, :6] = 0  # more than a window radius (5 pixels) from the hole
    assert metrics.ssim(changed, photo, mask=hole) == pytest.approx(1.0, abs=1e-12)
    assert metrics.ssim(changed, photo) < 0.999


def test_gradient_ratio_penalises_blur_and_noise_but_not_texture():
    rng = np.random.default_rng(1)
    truth = rng.random((64, 64))  # a fine texture
    mask = np.zeros((64, 64), bool)
    mask[16:48, 16:48] = True
    blurred, other_texture, noisy = truth.copy(), truth.copy(), truth.copy()
    blurred[mask] = gaussian_filter(truth, 2.0)[mask]
    other_texture[mask] = rng.random(int(mask.sum()))  # same statistics, other pixels
    noisy[mask] = np.clip(truth[mask] + rng.normal(0, 0.5, int(mask.sum())), 0, 1)
    ratio_blurred = metrics.gradient_energy_ratio(blurred, truth, mask)
    ratio_texture = metrics.gradient_energy_ratio(other_texture, truth, mask)
    assert ratio_blurred < 0.5
    assert metrics.gradient_energy_ratio(noisy, truth, mask) > 1.2
    assert abs(ratio_texture - 1.0) < 0.1
    # PSNR prefers the blur to the right texture; the gradient ratio does not
    assert metrics.psnr(blurred, truth) > metrics.psnr(other_texture, truth)
    assert abs(ratio_texture - 1.0) < abs(ratio_blurred - 1.0)


def test_gradient_ratio_counts_the_seam_and_handles_flat_truth():
    truth = np.full((16, 16), 0.5)
    mask = np.zeros((16, 16), bool)
    mask[4:8, 4:8] = True
    assert metrics.gradient_energy_ratio(truth, truth, mask) == 1.0
    stepped = truth.copy()
    stepped[mask] = 0.7  # flat inside, but a seam at the hole's edge
    assert metrics.gradient_energy_ratio(stepped, truth, mask) == math.inf
    # Known answer: a ramp rising 1/16 per column; the 20 horizontal pairs touching the hole
    # (5 per row) hold the truth's energy 20/256. Filling with the hole's mean (5.5/16) leaves
    # seams of 2.5/16 left and right (8 pairs: 50/256) and of (1.5, 0.5, 0.5, 1.5)/16 above and
    # below (10/256): a ratio of 60/20.
    ramp = np.tile(np.arange(16.0) / 16, (16, 1))
    flattened = ramp.copy()
    flattened[mask] = ramp[mask].mean()
    assert metrics.gradient_energy_ratio(flattened, ramp, mask) == pytest.approx(3.0, rel=1e-12)


def test_evaluate_reports_every_metric(photo, hole):
    result = photo.copy()
    result[hole] = 90
    values = metrics.evaluate(result, photo, hole)
    assert set(values) == {"psnr", "ssim", "hole_mae", "mae", "gradient_ratio"}
    assert values["psnr"] == metrics.psnr(result, photo)
    assert values["ssim"] == metrics.ssim(result, photo)
    assert values["hole_mae"] == metrics.mae(result, photo, mask=hole)
    assert values["mae"] == metrics.mae(result, photo)
    assert values["gradient_ratio"] == metrics.gradient_energy_ratio(result, photo, hole)
    assert all(isinstance(v, float) for v in values.values())


@settings(deadline=None, max_examples=25)
@given(
    seed=st.integers(0, 2**32),
    height=st.integers(11, 24),
    width=st.integers(11, 24),
    channels=st.sampled_from([None, 1, 3, 4]),
)
def test_metrics_are_bounded_and_symmetric(seed, height, width, channels):
    rng = np.random.default_rng(seed)
    shape = (height, width) if channels is None else (height, width, channels)
    a, b = rng.random(shape), rng.random(shape)
    mask = rng.random((height, width)) < 0.3
    mask[0, 0] = True
    assert metrics.mae(a, b, mask=mask) == pytest.approx(metrics.mae(b, a, mask=mask))
    assert metrics.psnr(a, b) == pytest.approx(metrics.psnr(b, a))
    assert 0.0 <= metrics.mae(a, b) <= 1.0
    assert metrics.psnr(a, b) >= 0.0  # MSE <= 1 on the [0, 1] scale
    assert -1.0 <= metrics.ssim(a, b, mask=mask) <= 1.0
    assert metrics.gradient_energy_ratio(a, b, mask) > 0.0


def test_bad_inputs(photo, hole):
    with pytest.raises(ShapeMismatchError, match="result"):
        metrics.psnr(photo[:, :-1], photo)
    with pytest.raises(ShapeMismatchError, match="mask"):
        metrics.mae(photo, photo, mask=hole[:, :-1])
    with pytest.raises(UnsupportedDtypeError, match="result"):
        metrics.mae(photo.astype(bool), photo.astype(bool))
    with pytest.raises(UnsupportedDtypeError, match="truth"):
        metrics.mae(photo, photo.astype(np.int32))
    with pytest.raises(InvalidImageError, match="result"):
        metrics.mae(photo[:, :, :2], photo[:, :, :2])
    with pytest.raises(InvalidMaskError, match="mask"):
        metrics.mae(photo, photo, mask=np.zeros_like(hole))
    with pytest.raises(InvalidMaskError, match="mask"):
        metrics.gradient_energy_ratio(photo, photo, hole.astype(np.uint8) * 7)
    with pytest.raises(ImageTooSmallError, match="11x11"):
        metrics.ssim(photo[:10, :10], photo[:10, :10])
