"""Bertalmio inpainting: kernels against the reference, the crop, invariants and a quality gain."""

from __future__ import annotations

import numpy as np
import pytest

import inpaintkit as ik
from inpaintkit import errors
from inpaintkit.classical.bertalmio import _numba, _reference, _xp


def _random_state(seed: int, shape=(12, 15), channels=3):
    rng = np.random.default_rng(seed)
    image = rng.random((*shape, channels))
    mask = np.zeros(shape, bool)
    mask[3:8, 4:11] = True
    mask[-1, :3] = True  # touches the border, where reads are clamped
    mask[:2, -2:] = True
    return image, mask


@pytest.mark.parametrize("channels", [1, 3])
def test_transport_kernels_match_reference(channels):
    image, mask = _random_state(channels, channels=channels)
    reference = image.copy()
    _reference.transport_steps(reference, mask, 6, 0.1)
    ys, xs = (a.astype(np.int64) for a in np.nonzero(mask))
    fast = image.copy()
    _numba.transport_steps(fast, ys, xs, 6, 0.1, np.empty((ys.size, channels)))
    array_code = image.copy()
    _xp.transport_steps(np, array_code, mask, 6, 0.1)
    assert np.abs(reference - image).max() > 1e-2
    assert np.array_equal(reference[~mask], image[~mask])
    assert np.abs(fast - reference).max() < 1e-13
    assert np.abs(array_code - reference).max() < 1e-13


@pytest.mark.parametrize("radius", [0, 2])
def test_diffusion_kernels_match_reference(radius):
    image, mask = _random_state(7)
    weight = _reference.diffusion_weight(mask, radius)
    assert np.array_equal(_xp.diffusion_weight(np, mask, radius), weight)
    reference = image.copy()
    _reference.diffusion_steps(reference, weight, 4, 0.1)
    ys, xs = (a.astype(np.int64) for a in np.nonzero(weight))
    fast = image.copy()
    _numba.diffusion_steps(fast, ys, xs, weight[ys, xs], 4, 0.1, np.empty((ys.size, 3)))
    array_code = image.copy()
    _xp.diffusion_steps(np, array_code, weight, 4, 0.1)
    assert np.abs(reference - image).max() > 1e-2
    assert np.array_equal(reference[weight == 0], image[weight == 0])
    assert np.abs(fast - reference).max() < 1e-13
    assert np.abs(array_code - reference).max() < 1e-13


def test_diffusion_weight_falls_linearly_across_the_band():
    mask = np.zeros((9, 9), bool)
    mask[4, 4] = True
    weight = _reference.diffusion_weight(mask, 2)
    assert weight[4, 4] == 1.0
    assert np.allclose(weight[4, 3], 2 / 3) and np.allclose(weight[2, 2], 1 / 3) and weight[1, 4] == 0.0
    assert (weight > 0).sum() == 25  # the 5x5 chessboard ball


def _float_case(seed=0, shape=(22, 27)):
    rng = np.random.default_rng(seed)
    image = rng.random((*shape, 3))
    mask = np.zeros(shape, bool)
    mask[6:13, 7:16] = True
    mask[0:3, 22:] = True  # touches two borders
    return image, mask


@pytest.mark.parametrize("init", ["harmonic", "mean"])
def test_backends_agree_end_to_end(init):
    image, mask = _float_case()
    params = dict(iterations=40, inpaint_steps=7, pre_diffusion_steps=2, init=init)
    results = {b: ik.inpaint(image, mask, method="bertalmio", backend=b, **params) for b in ("numpy", "numba")}
    assert np.abs(results["numba"] - results["numpy"]).max() < 1e-12


def test_gpu_orchestration_runs_through_numpy(monkeypatch):
    """The cupy branch (array-module steps and diffusion weight) driven with NumPy arrays."""
    import inpaintkit.classical.bertalmio as bertalmio_module

    from inpaintkit.classical._shared import harmonic_start
    monkeypatch.setattr(
        bertalmio_module, "harmonic_start", lambda backend, image, mask: harmonic_start("numpy", image, mask)
    )
    image, mask = _float_case()
    work = np.where(mask[:, :, None], 0.0, image)
    params = dict(iterations=40, inpaint_steps=7, pre_diffusion_steps=2)
    inpainter = ik.Inpainter.create("bertalmio", **params)
    ctx = ik.Context(backend="cupy", xp=np, source_dtype=np.dtype(np.float64), callback=None, progress=False,
                     description="bertalmio")
    through_xp = inpainter._inpaint(work, mask, ctx)
    reference = ik.inpaint(image, mask, method="bertalmio", backend="numpy", **params)
    assert np.abs(through_xp - reference)[mask].max() < 1e-13


def test_crop_gives_the_whole_image_computation():
    """The method works on the hole's neighbourhood only; with pre-diffusion that neighbourhood
    must be wide enough to give exactly what the steps give on the whole image."""
    image, _ = _float_case(1, shape=(40, 44))
    mask = np.zeros(image.shape[:2], bool)
    mask[15:24, 17:28] = True
    params = dict(iterations=20, inpaint_steps=10, diffusion_steps=2, pre_diffusion_steps=3, diffusion_radius=2)
    out = ik.inpaint(image, mask, method="bertalmio", backend="numpy", init="mean", **params)

    start = image.copy()
    touching = np.zeros_like(mask)
    touching[14:25, 16:29] = True
    touching &= ~mask
    start[mask] = image[touching].mean(axis=0)
    low, span = image[~mask].min(), np.ptp(image[~mask])  # the method maps the known range onto [0, 1]
    work = (start - low) / span
    _reference.diffusion_steps(work, np.ones(mask.shape), 3, 0.1)
    weight = _reference.diffusion_weight(mask, 2)
    for _ in range(2):
        _reference.transport_steps(work, mask, 10, 0.1)
        _reference.diffusion_steps(work, weight, 2, 0.1)
    assert np.abs(out - (work * span + low))[mask].max() < 1e-12


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_linear_ramp_stays_a_ramp(backend):
    """Straight isophotes: L = 0 and zero curvature, so neither step moves the (harmonic) ramp."""
    yy, xx = np.mgrid[0:30, 0:36]
    ramp = 0.2 + 0.012 * yy + 0.007 * xx
    mask = np.zeros(ramp.shape, bool)
    mask[8:22, 9:27] = True  # away from the border, where edge replication bends a ramp
    out = ik.inpaint(ramp, mask, method="bertalmio", backend=backend, iterations=150, pre_diffusion_steps=2)
    assert np.abs(out - ramp).max() < 1e-9


@pytest.mark.parametrize("init", ["harmonic", "mean"])
def test_constant_stays_constant(init):
    constant = np.full((18, 20, 3), 0.375)
    mask = np.zeros((18, 20), bool)
    mask[:7, 4:15] = True
    out = ik.inpaint(constant, mask, method="bertalmio", backend="numba", iterations=60, init=init)
    assert np.abs(out - constant).max() < 1e-12


def _edge_image():
    """A smooth shading crossed by a slanted, slightly blurred edge; a box hole across the edge."""
    import cv2

    yy, xx = np.mgrid[0:64, 0:64] / 64.0
    edge = (0.7 * xx + 0.3 * yy > 0.5).astype(float)
    shading = 0.3 + 0.2 * np.sin(3 * xx) * np.cos(2 * yy)
    image = cv2.GaussianBlur(0.6 * edge + shading, (0, 0), 0.7)
    mask = np.zeros(image.shape, bool)
    mask[24:40, 20:44] = True
    return image, mask


def test_reduces_hole_error_of_the_starting_fill_on_a_structured_edge():
    """Measured: hole-MAE 0.0948 for the harmonic start, 0.0678 after the default 1500 steps (-28%)."""
    image, mask = _edge_image()
    start = ik.inpaint(image, mask, method="harmonic", backend="numpy")
    out = ik.inpaint(image, mask, method="bertalmio", backend="numba")
    start_error = np.abs(start - image)[mask].mean()
    error = np.abs(out - image)[mask].mean()
    assert error < 0.8 * start_error


def test_callback_reports_each_bout():
    image, mask = _float_case()
    seen = []
    ik.Inpainter.create(
        "bertalmio", iterations=40, inpaint_steps=15, callback=lambda step, state: seen.append(dict(state))
    ).inpaint(image, mask)
    assert [s["iteration"] for s in seen] == [15, 30, 40]
    assert all(s["change"] > 0 for s in seen) and seen[-1]["image"].shape == image.shape


def test_result_does_not_depend_on_the_intensity_scale():
    image, mask = _float_case()
    unit = ik.inpaint(image, mask, method="bertalmio", iterations=60)
    scaled = ik.inpaint(image * 300.0 + 12.0, mask, method="bertalmio", iterations=60)
    assert np.abs((scaled - 12.0) / 300.0 - unit)[mask].max() < 1e-9


@pytest.mark.parametrize(
    "params",
    [
        {"iterations": -1},
        {"inpaint_steps": 0},
        {"diffusion_steps": -2},
        {"dt": 0.0},
        {"diffusion_strength": -0.1},
        {"diffusion_radius": -1},
        {"pre_diffusion_steps": 1.5},
        {"init": "zeros"},
    ],
)
def test_bad_parameters_are_refused(params):
    name = next(iter(params))
    with pytest.raises(errors.InvalidParameterError, match=name):
        ik.Inpainter.create("bertalmio", **params)
