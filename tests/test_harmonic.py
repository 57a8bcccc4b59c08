"""Harmonic inpainting: backends against the sparse reference, and golden answers."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import inpaintkit as ik
from inpaintkit.classical.harmonic._reference import harmonic_reference
from inpaintkit.classical.harmonic._xp import harmonic_cg


def _random_case(seed: int, shape=(23, 31), channels=3):
    rng = np.random.default_rng(seed)
    image = rng.random((*shape, channels))
    mask = rng.random(shape) < 0.3
    mask[:4, :5] = True  # a border-touching component
    image[mask] = 0.0
    return image, mask


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_backends_agree_with_reference(seed):
    image, mask = _random_case(seed)
    reference = harmonic_reference(image, mask)
    xp_result, _, residual = harmonic_cg(np, image, mask, tol=1e-12, max_iter=10_000)
    assert residual <= 1e-12
    numba_result = ik.Inpainter.create("harmonic", backend="numba")._inpaint(image, mask, _ctx("numba"))
    assert np.abs(xp_result - reference).max() < 1e-6
    assert np.abs(numba_result - reference).max() < 1e-11  # two direct solves: rounding apart


def _ctx(backend, callback=None):
    """A context for ``backend``; ``"cupy"`` runs the CuPy path's code on NumPy arrays."""
    return ik.Context(
        backend=backend, xp=np, source_dtype=np.dtype(np.float64), callback=callback, progress=False, description="t"
    )


def test_reference_satisfies_the_discrete_laplace_equation():
    image, mask = _random_case(3)
    out = harmonic_reference(image, mask)
    padded = np.pad(out, ((1, 1), (1, 1), (0, 0)))
    inside = np.pad(np.ones(mask.shape), 1)[:, :, None]
    neighbours = padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:]
    degree = inside[:-2, 1:-1] + inside[2:, 1:-1] + inside[1:-1, :-2] + inside[1:-1, 2:]
    laplacian = degree * out - neighbours
    assert np.abs(laplacian[mask]).max() < 1e-10


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_linear_ramp_is_filled_exactly(backend):
    yy, xx = np.mgrid[0:40, 0:50]
    ramp = 0.3 + 0.01 * yy - 0.004 * xx
    mask = np.zeros(ramp.shape, bool)
    mask[5:30, 10:40] = True  # away from the border, where zero flux would bend a ramp
    out = ik.inpaint(ramp, mask, method="harmonic", backend=backend)
    assert np.abs(out - ramp).max() < 1e-8


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_constant_stays_constant_and_maximum_principle(backend, small_rgb):
    constant = np.full((20, 20, 3), 0.625)
    mask = np.zeros((20, 20), bool)
    mask[:8, 3:17] = True
    assert np.abs(ik.inpaint(constant, mask, method="harmonic", backend=backend) - constant).max() < 1e-12
    mask = np.zeros(small_rgb.shape[:2], bool)
    mask[5:20, 8:30] = True
    out = ik.inpaint(small_rgb, mask, method="harmonic", backend=backend)
    known = small_rgb[~mask]
    assert (out[mask] >= known.min(axis=0)).all() and (out[mask] <= known.max(axis=0)).all()


def test_callback_sees_converging_iterations():
    """The cupy backend's conjugate gradients report every 25 iterations, the residual falling."""
    image, mask = _random_case(5, shape=(60, 60), channels=1)
    mask[:] = False
    mask[10:50, 10:50] = True
    image[mask] = 0.0
    seen = []
    harmonic = ik.Inpainter.create("harmonic", callback=lambda step, state: seen.append((step, state["residual"])))
    out = harmonic._inpaint(image, mask, _ctx("cupy", harmonic.callback))
    assert len(seen) >= 2 and [step for step, _ in seen] == [25 * (i + 1) for i in range(len(seen))]
    assert seen[-1][1] < seen[0][1] and all(residual > 1e-12 for _, residual in seen)
    assert np.abs(out - harmonic_reference(image, mask)).max() < 1e-6


def test_unconverged_solve_warns():
    image, mask = _random_case(6, shape=(40, 40), channels=1)
    with pytest.warns(RuntimeWarning, match="max_iter"):
        ik.Inpainter.create("harmonic", max_iter=2)._inpaint(image, mask, _ctx("cupy"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ik.Inpainter.create("harmonic")._inpaint(image, mask, _ctx("cupy"))


def test_direct_backends_ignore_iteration_settings_and_never_call_back():
    image, mask = _random_case(8, shape=(30, 30))
    reference = harmonic_reference(image, mask)
    calls = []
    for backend in ("numba", "numpy"):
        harmonic = ik.Inpainter.create(
            "harmonic", backend=backend, max_iter=1, tol=0.5, callback=lambda step, state: calls.append(step)
        )
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            out = harmonic.inpaint(image, mask)
        assert np.abs(out - reference).max() < 1e-11
    assert calls == []


def test_array_module_dispatch_runs_through_numpy():
    """The CuPy path's code, run with xp = numpy (how CI tests GPU array code)."""
    image, mask = _random_case(7, shape=(30, 30))
    states = []
    ctx = ik.Context(
        backend="cupy", xp=np, source_dtype=np.dtype(np.float64), callback=lambda i, s: states.append(s),
        progress=False, description="t",
    )
    out = ik.Inpainter.create("harmonic")._inpaint(image, mask, ctx)
    assert np.abs(out - harmonic_reference(image, mask)).max() < 1e-6
    assert states and states[0]["image"].shape == image.shape


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_cg_solver_on_the_cpu_matches_and_reports(backend):
    image, mask = _random_case(8, shape=(40, 40))
    steps = []
    inpainter = ik.Inpainter.create("harmonic", backend=backend, solver="cg", callback=lambda i, s: steps.append(s["iteration"]))
    out = inpainter.inpaint(image, mask)
    assert np.abs(out - harmonic_reference(np.where(mask[:, :, None], 0.0, image), mask)).max() < 1e-6
    assert steps and steps == sorted(steps) and steps[0] == 25
    with pytest.raises(ik.errors.InvalidParameterError, match="solver"):
        ik.Inpainter.create("harmonic", solver="multigrid")
