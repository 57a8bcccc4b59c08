"""Biharmonic inpainting: golden answers, agreement with scikit-image, backends against the reference."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import scipy.sparse
from skimage.restoration import inpaint_biharmonic

import inpaintkit as ik
from inpaintkit import errors
from inpaintkit.classical.biharmonic import Biharmonic, biharmonic_numba
from inpaintkit.classical.biharmonic._reference import biharmonic_reference, region_system, truncated_stencil
from inpaintkit.classical.biharmonic._xp import biharmonic_pcg, prolong, restrict

CPU_BACKENDS = ["numba", "numpy"]


def _random_case(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A float64 image of random shape (down to 1 pixel high) and channels, in an odd range, and a
    mask with several components, some touching the border; at least one pixel stays known."""
    rng = np.random.default_rng(seed)
    height, width = (int(v) for v in rng.integers(1, 26, size=2))
    if seed % 3 == 0:
        height, width = int(rng.integers(8, 30)), int(rng.integers(8, 30))
    channels = [None, 1, 3, 4][seed % 4]
    shape = (height, width) if channels is None else (height, width, channels)
    image = rng.uniform(-3.0, 97.0, size=shape)
    mask = rng.random((height, width)) < 0.15
    for _ in range(3):
        top, left = int(rng.integers(0, height)), int(rng.integers(0, width))
        mask[top : top + int(rng.integers(1, 7)), left : left + int(rng.integers(1, 7))] = True
    mask[: int(rng.integers(0, 4)), : int(rng.integers(0, 5))] = True  # a corner hole (sometimes empty)
    if mask.all():
        mask[height // 2, width // 2] = False
    if not mask.any():
        mask[0, 0] = True
    return image, mask


def _scikit_image(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return inpaint_biharmonic(image, mask, channel_axis=-1 if image.ndim == 3 else None)


def _quadratic(height: int, width: int) -> np.ndarray:
    yy, xx = np.mgrid[0:height, 0:width] / 10.0
    return np.dstack(
        [
            0.2 + 0.1 * xx**2 - 0.05 * xx * yy + 0.02 * yy**2 + 0.03 * xx,
            0.5 - 0.04 * yy**2 + 0.07 * xx * yy - 0.1 * yy,
            0.3 + 0.01 * xx**2 + 0.02 * yy**2,
        ]
    )


def _interior_holes(height: int, width: int) -> np.ndarray:
    """Holes at least two pixels from the border, where the stencil is never truncated."""
    mask = np.zeros((height, width), bool)
    mask[3:14, 4:17] = True
    mask[16:20, 6:9] = True
    mask[5, 20:24] = True
    return mask


@pytest.mark.parametrize("backend", CPU_BACKENDS)
def test_reproduces_a_quadratic(backend):
    """A quadratic has a constant Laplacian, so it is biharmonic: the fill must be exact."""
    image = _quadratic(22, 27)
    mask = _interior_holes(22, 27)
    out = Biharmonic(backend=backend).inpaint(image, mask)
    assert np.abs(out - image).max() < 1e-9


def test_iterative_path_reproduces_a_quadratic():
    image = _quadratic(22, 27)
    mask = _interior_holes(22, 27)
    out, _, residual = biharmonic_pcg(np, np.where(mask[:, :, None], 0.0, image), mask, tol=1e-12, max_iter=2000)
    assert residual <= 1e-12
    assert np.abs(out - image).max() < 1e-8


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("backend", CPU_BACKENDS)
def test_matches_scikit_image_on_float64(seed, backend):
    image, mask = _random_case(seed)
    expected = _scikit_image(image, mask)
    out = Biharmonic(backend=backend).inpaint(image, mask)
    assert out.shape == image.shape
    assert np.abs(out - expected).max() < 1e-5


def test_iterative_path_matches_scikit_image():
    for seed in range(6):
        image, mask = _random_case(seed)
        expected = _scikit_image(image, mask)
        work = image.reshape(image.shape[0], image.shape[1], -1)
        work = np.where(mask[:, :, None], 0.0, work)
        out, _, residual = biharmonic_pcg(np, work, mask, tol=1e-12, max_iter=5000)
        assert residual <= 1e-12, seed
        assert np.abs(out.reshape(image.shape) - expected).max() < 1e-5, seed


@pytest.mark.parametrize("backend", CPU_BACKENDS)
def test_uint8_within_one_level_of_scikit_image(backend):
    from skimage import data

    image = data.astronaut()[100:160:2, 150:230:2]  # 30x40 RGB, uint8
    mask = np.zeros(image.shape[:2], bool)
    mask[8:20, 10:26] = True
    mask[-4:, 30:] = True  # touching the border
    mask[:3, :5] = True  # a corner
    expected = np.rint(_scikit_image(image, mask) * 255)
    out = ik.Inpainter.create("biharmonic", backend=backend).inpaint(image, mask)
    assert out.dtype == np.uint8
    assert np.abs(out.astype(np.int64) - expected).max() <= 1
    assert np.array_equal(out[~mask], image[~mask])


def test_clips_to_the_known_range_like_scikit_image():
    """A peak hidden in the hole is cut at the highest known value, channel by channel."""
    yy, xx = np.mgrid[0:21, 0:21]
    dome = 1.0 - ((yy - 10) ** 2 + (xx - 10) ** 2) / 200.0
    image = np.dstack([dome, 0.5 * dome, 0.2 + 0.1 * dome])
    mask = np.zeros((21, 21), bool)
    mask[6:15, 6:15] = True
    out = Biharmonic(backend="numba").inpaint(image, mask)
    for channel in range(3):
        known_max = image[:, :, channel][~mask].max()
        assert out[:, :, channel].max() == known_max
        assert (out[:, :, channel][mask] == known_max).sum() > 4
    assert np.abs(out - _scikit_image(image, mask)).max() < 1e-10


@pytest.mark.parametrize("seed", range(4))
def test_numba_and_iterative_paths_against_reference(seed):
    image, mask = _random_case(seed + 20)
    work = image.reshape(image.shape[0], image.shape[1], -1)
    work = np.where(mask[:, :, None], 0.0, work)
    reference = biharmonic_reference(work, mask)
    assert np.abs(biharmonic_numba(work, mask) - reference).max() < 1e-9
    iterative, _, _ = biharmonic_pcg(np, work, mask, tol=1e-12, max_iter=5000)
    assert np.abs(iterative - reference).max() < 1e-7


def test_truncated_stencil_full_and_in_a_corner():
    full = truncated_stencil((5, 5), (2, 2))
    expected = np.zeros((5, 5))
    expected[2, 2] = 20
    expected[[1, 3, 2, 2], [2, 2, 1, 3]] = -8
    expected[[1, 1, 3, 3], [1, 3, 1, 3]] = 2
    expected[[0, 4, 2, 2], [2, 2, 0, 4]] = 1
    assert np.array_equal(full, expected)
    assert np.array_equal(truncated_stencil((3, 3), (0, 0)), [[6, -5, 1], [-5, 2, 0], [1, 0, 0]])


def _neumann_laplacian(height: int, width: int) -> scipy.sparse.csr_matrix:
    index = np.arange(height * width).reshape(height, width)
    rows, cols = [], []
    for a, b in ((index[:-1], index[1:]), (index[:, :-1], index[:, 1:])):
        rows += [a.ravel(), b.ravel()]
        cols += [b.ravel(), a.ravel()]
    rows, cols = np.concatenate(rows), np.concatenate(cols)
    adjacency = scipy.sparse.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(height * width,) * 2)
    return (adjacency - scipy.sparse.diags(np.asarray(adjacency.sum(axis=1)).ravel())).tocsr()


def test_scikit_image_construction_is_the_squared_neumann_laplacian():
    """The fact the fast paths use: truncated stencils give ``A = P_H L_N^2 P_H``."""
    image, mask = _random_case(3)
    image = image.reshape(image.shape[0], image.shape[1], -1)
    matrix, rhs = region_system(image, mask)
    laplacian = _neumann_laplacian(*mask.shape)
    hole = np.flatnonzero(mask)
    known = np.flatnonzero(~mask)
    squared = (laplacian @ laplacian).tocsr()
    assert abs(matrix - squared[hole][:, hole]).max() < 1e-12
    flat = image.reshape(-1, image.shape[2])
    assert np.abs(rhs + squared[hole][:, known] @ flat[known]).max() < 1e-9


@pytest.mark.parametrize("shape", [(7, 9), (8, 8), (5, 3)])
def test_restriction_is_the_transpose_of_prolongation(shape):
    rng = np.random.default_rng(1)
    coarse_shape = ((shape[0] + 1) // 2, (shape[1] + 1) // 2)
    coarse = rng.random((*coarse_shape, 2))
    fine = rng.random((*shape, 2))
    left = (prolong(np, coarse, shape) * fine).sum()
    right = 4 * (coarse * restrict(np, fine, coarse_shape)).sum()
    assert abs(left - right) < 1e-12
    constant = prolong(np, np.full((*coarse_shape, 1), 0.7), shape)
    assert np.allclose(constant, 0.7)


def _as_cupy_context(callback=None) -> ik.Context:
    """The ``cupy`` backend's code path, run on NumPy arrays."""
    return ik.Context(
        backend="cupy", xp=np, source_dtype=np.dtype(np.float64), callback=callback, progress=False, description="t"
    )


def test_callback_exposes_the_iterations():
    rng = np.random.default_rng(2)
    image = rng.random((48, 48, 3))
    mask = np.zeros((48, 48), bool)
    mask[8:40, 10:38] = True
    image[mask] = 0.0
    seen = []
    inpainter = Biharmonic(tol=1e-12, callback=lambda step, state: seen.append((step, dict(state))))
    out = inpainter._inpaint(image, mask, _as_cupy_context(inpainter.callback))
    assert [step for step, _ in seen] == [25 * (i + 1) for i in range(len(seen))] and seen
    assert all(state["iteration"] == step for step, state in seen)
    assert all(state["residual"] > 1e-12 for _, state in seen)
    assert seen[-1][1]["image"].shape == image.shape
    assert np.abs(out - biharmonic_reference(image, mask)).max() < 1e-7


def test_unconverged_iterations_warn():
    image, mask = _random_case(0)
    image = np.where(mask[:, :, None], 0.0, image.reshape(image.shape[0], image.shape[1], -1))
    with pytest.warns(RuntimeWarning, match="max_iter"):
        Biharmonic(max_iter=1)._inpaint(image, mask, _as_cupy_context())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Biharmonic()._inpaint(image, mask, _as_cupy_context())


def test_parameters_are_checked():
    for bad in ({"tol": 0.0}, {"tol": 2.0}, {"max_iter": 0}, {"max_iter": 1.5}):
        with pytest.raises(errors.InvalidParameterError, match=next(iter(bad))):
            Biharmonic(**bad)
    info = ik.inpainter_info("biharmonic")
    assert info.family == "diffusion" and info.doi == "10.1155/2018/3950312" and info.year == 2018
