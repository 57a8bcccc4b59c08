"""Harmonic inpainting, the readable version: one sparse direct solve restricted to the hole.

Every hole pixel p satisfies the discrete Laplace equation over its in-image 4-neighbours
N(p) (a neighbour outside the image is simply absent, i.e. a zero-flux boundary):

    |N(p)| u_p - sum_{q in N(p)} u_q = 0,

with the known pixels as Dirichlet data (moved to the right-hand side). The matrix is the
graph Laplacian of the hole plus the degree contributed by known neighbours: symmetric and
positive definite whenever some pixel is known, which the contract guarantees.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse
import scipy.sparse.linalg

_OFFSETS = ((-1, 0), (1, 0), (0, -1), (0, 1))


def hole_system(image: np.ndarray, mask: np.ndarray) -> tuple[scipy.sparse.csc_matrix, np.ndarray, np.ndarray]:
    """The hole's Laplace system ``A u = b``.

    Returns the matrix (n_hole x n_hole), the right-hand side (n_hole x C) and the flat
    indices of the hole pixels in row-major order.
    """
    height, width, channels = image.shape
    hole = np.flatnonzero(mask)
    index = np.full(height * width, -1, dtype=np.int64)
    index[hole] = np.arange(hole.size)
    ys, xs = np.divmod(hole, width)
    flat = image.reshape(-1, channels)
    degree = np.zeros(hole.size)
    rhs = np.zeros((hole.size, channels))
    rows, cols = [], []
    for dy, dx in _OFFSETS:
        ny, nx = ys + dy, xs + dx
        inside = (ny >= 0) & (ny < height) & (nx >= 0) & (nx < width)
        degree += inside
        neighbour = np.where(inside, ny * width + nx, 0)
        unknown = inside & (index[neighbour] >= 0)
        rows.append(np.flatnonzero(unknown))
        cols.append(index[neighbour[unknown]])
        known = inside & ~unknown
        rhs[known] += flat[neighbour[known]]
    rows_all = np.concatenate(rows)
    cols_all = np.concatenate(cols)
    off_diagonal = scipy.sparse.coo_matrix(
        (-np.ones(rows_all.size), (rows_all, cols_all)), shape=(hole.size, hole.size)
    )
    matrix = (scipy.sparse.diags(degree) + off_diagonal).tocsc()
    return matrix, rhs, hole


def harmonic_reference(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Solve the Laplace equation in the hole; returns a filled copy of ``image``.

    Parameters
    ----------
    image : ndarray, shape (H, W, C), float64
    mask : ndarray, shape (H, W), bool (True = fill)
    """
    matrix, rhs, hole = hole_system(image, mask)
    solution = scipy.sparse.linalg.splu(matrix).solve(rhs)
    out = image.copy().reshape(-1, image.shape[2])
    out[hole] = solution
    return out.reshape(image.shape)
