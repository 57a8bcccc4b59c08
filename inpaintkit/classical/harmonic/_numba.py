"""The numba backend's harmonic part: the hole's 5-point stencil for the shared grid Cholesky.

The system is the one ``_reference.hole_system`` builds: the 5-point Laplacian with zero-flux
image borders restricted to the hole (degree = number of in-image 4-neighbours on the
diagonal, -1 for each neighbour), symmetric positive definite. The solver, and every numba
kernel it runs, is :mod:`inpaintkit.classical._grid_cholesky`; this module only says what the
matrix is (a vectorised NumPy table: nothing to compile).
"""

from __future__ import annotations

import numpy as np

from .._grid_cholesky import solve_in_hole

# The 5 offsets of the Laplace stencil, the centre first.
STENCIL_DY = np.array([0, -1, 0, 0, 1], np.int64)
STENCIL_DX = np.array([0, 0, -1, 1, 0], np.int64)
REACH = 1


def stencil_coefficients(ys: np.ndarray, xs: np.ndarray, height: int, width: int) -> np.ndarray:
    """Entries of the zero-flux Laplacian between each pixel ``(ys, xs)`` and its 4-neighbours.

    Returns an ``(n, 5)`` table in the order of ``STENCIL_DY, STENCIL_DX``: the pixel's number
    of in-image neighbours, then -1 per neighbour (neighbours outside the image get 0, never read).
    """
    table = np.zeros((ys.size, STENCIL_DY.size))
    for o in range(1, STENCIL_DY.size):
        qy, qx = ys + STENCIL_DY[o], xs + STENCIL_DX[o]
        inside = (qy >= 0) & (qy < height) & (qx >= 0) & (qx < width)
        table[:, o] = np.where(inside, -1.0, 0.0)
        table[:, 0] += inside
    return table


def harmonic_solve(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The harmonic fill of ``image`` (H, W, C) float64 where ``mask`` (H, W) is True."""
    height, width = mask.shape
    ys, xs = (v.astype(np.int64) for v in np.nonzero(mask))
    coefficients = stencil_coefficients(ys, xs, height, width)
    return solve_in_hole(image, ys, xs, STENCIL_DY, STENCIL_DX, REACH, coefficients)
