"""Efros-Leung synthesis: numba and CUDA (simulator) against the NumPy reference, the shared
random draws, golden textures, determinism, the stalled-front rule and errors."""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest

import inpaintkit as ik
from inpaintkit import errors
from inpaintkit.classical.efros_leung import EfrosLeung
from inpaintkit.classical.efros_leung._numba import _hash
from inpaintkit.classical.efros_leung._reference import (
    candidate_centres,
    counter_hash,
    efros_leung_reference,
    offset_order,
    pick_index,
    template,
    window_distances,
)

PARAMS = {"window_size": 5, "epsilon": 0.1, "max_error": 0.3, "seed": 7, "search_band": None}


def _case(seed, shape=(20, 22), channels=3, hole=(slice(7, 12), slice(8, 13))):
    rng = np.random.default_rng(seed)
    image = rng.random((*shape, channels))
    mask = np.zeros(shape, bool)
    mask[hole] = True
    image[mask] = 0.0
    return image, mask


def _run(backend, image, mask, **params):
    """Fill through the public class, recording each layer's teaching view."""
    states = []
    inpainter = EfrosLeung(backend=backend, callback=lambda i, s: states.append(dict(s)), **params)
    return inpainter.inpaint(image, mask), states


def test_counter_hash_is_the_same_in_python_and_numba():
    for seed in (0, 1, 2**31 - 1, 2**32 + 5, 2**63 - 1):
        for step in (0, 1, 17, 2**31):
            for index in (0, 3, 1000):
                assert _hash(seed, step, index) == counter_hash(seed, step, index)
    draws = [pick_index(counter_hash(3, 0, i), 10) for i in range(20_000)]
    counts = np.bincount(draws, minlength=10)
    assert counts.min() > 1_800 and counts.max() < 2_200  # uniform: 2000 expected per bin


@pytest.mark.parametrize(
    "channels,hole,extra",
    [
        (3, (slice(7, 12), slice(8, 13)), {}),
        (1, (slice(0, 6), slice(15, 22)), {}),  # touches two borders
        (4, (slice(7, 12), slice(8, 13)), {"search_band": 4, "epsilon": 0.5}),
        (3, (slice(7, 12), slice(8, 13)), {"max_error": 1e-6}),  # forces stalled layers
    ],
)
def test_numba_equals_reference(channels, hole, extra):
    image, mask = _case(channels, channels=channels, hole=hole)
    params = {**PARAMS, **extra}
    reference, reference_states = _run("numpy", image, mask, **params)
    fast, fast_states = _run("numba", image, mask, **params)
    assert np.array_equal(reference, fast)
    assert len(reference_states) == len(fast_states)
    for a, b in zip(reference_states, fast_states):
        assert a["n_filled"] == b["n_filled"] and a["max_error"] == b["max_error"]
        assert np.array_equal(a["synthesized"], b["synthesized"]) and np.array_equal(a["layer"], b["layer"])


def test_cuda_kernel_equals_reference_distances():
    from inpaintkit.classical.efros_leung._cuda import cuda_window_distances

    image, mask = _case(4, shape=(14, 14))
    order = offset_order(5)
    cand_y, cand_x = candidate_centres(mask, 2, None)
    dy, dx, weights = template(~mask, 7, 8, order)
    expected = window_distances(image, 7, 8, dy, dx, weights, cand_y, cand_x)
    got = cuda_window_distances(image, 7, 8, dy, dx, weights, cand_y, cand_x)
    assert np.array_equal(expected, got)


def test_cuda_fill_equals_reference():
    from inpaintkit.classical.efros_leung._cuda import efros_leung_cuda

    image, mask = _case(5, shape=(12, 12), hole=(slice(5, 7), slice(5, 7)))
    params = {**PARAMS, "epsilon": 0.3}
    assert np.array_equal(efros_leung_reference(image, mask, **params), efros_leung_cuda(image, mask, **params))


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_stripes_and_constant_are_continued_exactly(backend):
    stripes = np.tile(np.array([0.1, 0.1, 0.9, 0.9, 0.5]), (24, 6))
    mask = np.zeros(stripes.shape, bool)
    mask[8:15, 10:19] = True
    out = ik.inpaint(stripes, mask, method="efros-leung", backend=backend, window_size=7)
    assert np.abs(out - stripes).max() == 0.0
    constant = np.full((20, 20, 3), 0.25)
    out = ik.inpaint(constant, mask[:20, :20], method="efros-leung", backend=backend, window_size=5)
    assert np.array_equal(out, constant)


def test_seed_determines_the_result():
    rng = np.random.default_rng(0)
    noise = rng.random((18, 18))
    mask = np.zeros(noise.shape, bool)
    mask[7:11, 7:11] = True
    make = partial(EfrosLeung, backend="numba", window_size=3, epsilon=5.0)
    first = make(seed=1).inpaint(noise, mask)
    assert np.array_equal(first, make(seed=1).inpaint(noise, mask))
    assert not np.array_equal(first, make(seed=2).inpaint(noise, mask))


def test_layers_grow_inwards_and_stalls_raise_the_threshold():
    image, mask = _case(6)
    _, states = _run("numba", image, mask, **{**PARAMS, "max_error": 1e-6})
    synthesized = np.zeros(mask.shape, bool)
    for state in states:
        assert (state["synthesized"] | ~synthesized).all()  # only grows
        assert not (state["layer"] & ~mask).any()
        synthesized = state["synthesized"]
    assert np.array_equal(synthesized, mask) and not states[-1]["remaining"].any()
    stalled = [i for i, s in enumerate(states) if s["n_filled"] == 0]
    assert stalled, "max_error=1e-6 on noise must stall"
    for i in stalled:
        assert states[i + 1]["max_error"] == pytest.approx(states[i]["max_error"] * 1.1)


def test_errors():
    image = np.random.default_rng(0).random((16, 16))
    grid = np.zeros((16, 16), bool)
    grid[::4, ::4] = True  # every 5x5 window holds a hole pixel
    with pytest.raises(errors.InsufficientContextError, match="window_size"):
        EfrosLeung(window_size=5).inpaint(image, grid)
    corner = np.zeros((16, 16), bool)
    corner[0, 0] = True
    with pytest.raises(errors.InsufficientContextError, match="search_band"):
        EfrosLeung(window_size=7, search_band=1).inpaint(image, corner)
    with pytest.raises(errors.ImageTooSmallError):
        EfrosLeung(window_size=21).inpaint(image, corner)
    for bad in ({"window_size": 4}, {"window_size": 1}, {"epsilon": -0.1}, {"max_error": 0.0}, {"search_band": 0},
                {"seed": -1}):
        with pytest.raises(errors.InvalidParameterError, match=next(iter(bad))):
            EfrosLeung(**bad)
