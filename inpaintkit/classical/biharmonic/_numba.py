"""The numba backend's biharmonic part: the hole's 13-point stencil for the shared grid Cholesky.

The system is ``A u = b`` with ``A = P_H L_N^2 P_H`` (see ``_reference.py``): symmetric positive
definite, 13 non-zeros a row. The solver, and every numba kernel it runs, is
:mod:`inpaintkit.classical._grid_cholesky`; this module only says what ``A`` is: the stencil's
offsets and, for each hole pixel, its coefficients (a vectorised NumPy table: nothing to
compile).
"""

from __future__ import annotations

import numpy as np

from .._grid_cholesky import solve_in_hole

# The 13 offsets of the biharmonic stencil, the centre first.
STENCIL_DY = np.array([0, -2, -1, -1, -1, 0, 0, 0, 0, 1, 1, 1, 2], np.int64)
STENCIL_DX = np.array([0, 0, -1, 0, 1, -2, -1, 1, 2, -1, 0, 1, 0], np.int64)
REACH = 2


def _degree(ys: np.ndarray, xs: np.ndarray, height: int, width: int) -> np.ndarray:
    """Number of in-image 4-neighbours of the pixels ``(ys, xs)``, as floats."""
    return ((ys > 0).astype(np.int64) + (ys < height - 1) + (xs > 0) + (xs < width - 1)).astype(np.float64)


def stencil_coefficients(ys: np.ndarray, xs: np.ndarray, height: int, width: int) -> np.ndarray:
    """Entries of ``L_N @ L_N`` between each pixel ``(ys, xs)`` and its 13 stencil neighbours.

    ``L_N`` is the 5-point Laplacian with reflecting image borders. Returns an ``(n, 13)`` table
    in the order of ``STENCIL_DY, STENCIL_DX``; neighbours outside the image get 0 (never read).
    """
    # Pixels at least REACH from the border all have the full stencil: work out the rest only.
    table = np.empty((ys.size, STENCIL_DY.size))
    centre = np.array([REACH], np.int64)
    table[:] = _truncated_stencils(centre, centre, 2 * REACH + 1, 2 * REACH + 1)
    near = (ys < REACH) | (ys >= height - REACH) | (xs < REACH) | (xs >= width - REACH)
    table[near] = _truncated_stencils(ys[near], xs[near], height, width)
    return table


def _truncated_stencils(ys: np.ndarray, xs: np.ndarray, height: int, width: int) -> np.ndarray:
    """:func:`stencil_coefficients` worked out pixel by pixel (vectorised)."""
    degree = _degree(ys, xs, height, width)
    table = np.zeros((ys.size, STENCIL_DY.size))
    for o, (dy, dx) in enumerate(zip(STENCIL_DY.tolist(), STENCIL_DX.tolist())):
        qy, qx = ys + dy, xs + dx
        inside = (qy >= 0) & (qy < height) & (qx >= 0) & (qx < width)
        distance = abs(dy) + abs(dx)
        if distance == 0:
            value = degree * degree + degree
        elif distance == 1:
            value = -(degree + _degree(qy, qx, height, width))
        elif dy != 0 and dx != 0:
            value = 2.0  # diagonal neighbour: two common 4-neighbours
        else:
            value = 1.0  # two pixels apart along a row or column: one common 4-neighbour
        table[:, o] = np.where(inside, value, 0.0)
    return table


def biharmonic_solve(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The unclipped biharmonic fill of ``image`` (H, W, C) float64 where ``mask`` (H, W) is True."""
    height, width = mask.shape
    ys, xs = (v.astype(np.int64) for v in np.nonzero(mask))
    coefficients = stencil_coefficients(ys, xs, height, width)
    return solve_in_hole(image, ys, xs, STENCIL_DY, STENCIL_DX, REACH, coefficients)
