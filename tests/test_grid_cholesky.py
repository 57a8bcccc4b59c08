"""The shared grid Cholesky solver, for both stencils it serves, against the readable references."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse.linalg

from inpaintkit.classical import _grid_cholesky as cholesky
from inpaintkit.classical.biharmonic import _numba as biharmonic
from inpaintkit.classical.biharmonic._reference import region_system
from inpaintkit.classical.harmonic import _numba as harmonic
from inpaintkit.classical.harmonic._reference import hole_system


def _harmonic_system(image, mask):
    matrix, rhs, _ = hole_system(image, mask)
    return matrix, rhs


STENCILS = {
    "harmonic": (harmonic, _harmonic_system),
    "biharmonic": (biharmonic, region_system),  # region_system over the whole image is the whole hole
}


def _random_hole(seed: int, shape=(17, 23), channels=2) -> tuple[np.ndarray, np.ndarray]:
    """A random image and a hole of scattered pixels, a block and a border-touching corner."""
    rng = np.random.default_rng(seed)
    image = rng.uniform(-1.0, 3.0, size=(*shape, channels))
    mask = rng.random(shape) < 0.3
    mask[4:12, 5:17] = True
    mask[:3, -4:] = True
    image[mask] = 0.0
    return image, mask


def _factorise(module, mask: np.ndarray, leaf_size: int):
    ys, xs = (v.astype(np.int64) for v in np.nonzero(mask))
    order, starts, ends, parents = cholesky.nested_dissection(ys, xs, module.REACH, leaf_size)
    symbolic = cholesky.symbolic_factor(
        order, starts, ends, parents, ys, xs, *mask.shape, module.STENCIL_DY, module.STENCIL_DX
    )
    return ys, xs, order, starts, ends, parents, symbolic


@pytest.mark.parametrize("leaf_size", [1, 4, 32])
@pytest.mark.parametrize("stencil", STENCILS)
def test_nested_dissection_gives_a_valid_elimination_tree(stencil, leaf_size):
    """A permutation, nodes in postorder, and every update set within the node's ancestors:
    so each separator really decouples the two sides for this stencil's reach."""
    module, _ = STENCILS[stencil]
    _, mask = _random_hole(9, shape=(24, 29))
    mask[4:20, 3:25] = True
    ys, xs, order, starts, ends, parents, symbolic = _factorise(module, mask, leaf_size)
    _, _, _, update_ptr, update_idx, _, _ = symbolic
    assert np.array_equal(np.sort(order), np.arange(ys.size))
    assert starts[0] == 0 and np.array_equal(starts[1:], ends[:-1]) and ends[-1] == ys.size
    assert ((parents > np.arange(parents.size)) | (parents == -1)).all()  # postorder
    assert starts.size > 3  # the hole was actually cut
    node_of_rank = np.repeat(np.arange(starts.size), ends - starts)
    for node in range(starts.size):
        ancestors = set()
        parent = parents[node]
        while parent >= 0:
            ancestors.add(int(parent))
            parent = parents[parent]
        update = update_idx[update_ptr[node] : update_ptr[node + 1]]
        assert np.all(np.diff(update) > 0)
        assert {int(node_of_rank[q]) for q in update} <= ancestors


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("stencil", STENCILS)
def test_factor_times_its_transpose_rebuilds_the_reference_matrix(stencil, seed):
    module, reference_system = STENCILS[stencil]
    image, mask = _random_hole(seed)
    ys, xs, order, starts, ends, _, symbolic = _factorise(module, mask, 4)
    rank, child_ptr, child_idx, update_ptr, update_idx, panel_ptr, stack_size = symbolic
    coefficients = module.stencil_coefficients(ys, xs, *mask.shape)
    panels = cholesky.numeric_factor(
        order, starts, ends, child_ptr, child_idx, update_ptr, update_idx, panel_ptr, stack_size, rank, ys, xs,
        module.STENCIL_DY, module.STENCIL_DX, coefficients,
    )
    n = ys.size
    factor = np.zeros((n, n))
    for node in range(starts.size):
        own = ends[node] - starts[node]
        update = update_idx[update_ptr[node] : update_ptr[node + 1]]
        block = panels[panel_ptr[node] : panel_ptr[node + 1]]
        own_rows = np.arange(starts[node], ends[node])
        factor[np.ix_(own_rows, own_rows)] = np.tril(block[: own * own].reshape(own, own))
        factor[np.ix_(update, own_rows)] = block[own * own :].reshape(own, update.size).T
    matrix, _ = reference_system(image, mask)  # numbers the hole row-major, as np.nonzero does
    expected = matrix.toarray()[np.ix_(order, order)]
    assert np.abs(factor @ factor.T - expected).max() < 1e-9 * np.abs(expected).max()


@pytest.mark.parametrize("stencil", STENCILS)
def test_solve_matches_a_sparse_solve_of_the_reference_system(stencil):
    """The right-hand side built from the known pixels, and both substitutions."""
    module, reference_system = STENCILS[stencil]
    image, mask = _random_hole(3, channels=3)
    matrix, rhs = reference_system(image, mask)
    expected = scipy.sparse.linalg.spsolve(matrix.tocsc(), rhs)
    ys, xs = (v.astype(np.int64) for v in np.nonzero(mask))
    coefficients = module.stencil_coefficients(ys, xs, *mask.shape)
    out = cholesky.solve_in_hole(image, ys, xs, module.STENCIL_DY, module.STENCIL_DX, module.REACH, coefficients)
    assert np.abs(out[mask] - expected).max() < 1e-10
    assert np.array_equal(out[~mask], image[~mask])
