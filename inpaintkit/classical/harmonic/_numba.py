"""numba kernels for harmonic inpainting: matrix-free conjugate gradients on the hole.

Plain arrays in, no validation. The hole is listed as pixel coordinates with, for each
pixel, the list index of its four neighbours (-1 when the neighbour is known or outside).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def build_hole_lists(image, mask):
    """Hole pixels (row-major), neighbour table, degree and right-hand side."""
    height, width, channels = image.shape
    index = np.full((height, width), -1, np.int64)
    count = 0
    for y in range(height):
        for x in range(width):
            if mask[y, x]:
                index[y, x] = count
                count += 1
    ys = np.empty(count, np.int64)
    xs = np.empty(count, np.int64)
    neighbours = np.full((count, 4), -1, np.int64)
    degree = np.zeros(count)
    rhs = np.zeros((count, channels))
    dys = (-1, 1, 0, 0)
    dxs = (0, 0, -1, 1)
    for y in range(height):
        for x in range(width):
            k = index[y, x]
            if k < 0:
                continue
            ys[k] = y
            xs[k] = x
            for j in range(4):
                ny = y + dys[j]
                nx = x + dxs[j]
                if ny < 0 or ny >= height or nx < 0 or nx >= width:
                    continue
                degree[k] += 1.0
                if index[ny, nx] >= 0:
                    neighbours[k, j] = index[ny, nx]
                else:
                    for c in range(channels):
                        rhs[k, c] += image[ny, nx, c]
    return ys, xs, neighbours, degree, rhs


@njit(cache=True)
def _apply(neighbours, degree, vector, out):
    n, channels = vector.shape
    for k in range(n):
        for c in range(channels):
            total = degree[k] * vector[k, c]
            for j in range(4):
                q = neighbours[k, j]
                if q >= 0:
                    total -= vector[q, c]
            out[k, c] = total


@njit(cache=True)
def _column_dot(a, b, out):
    n, channels = a.shape
    for c in range(channels):
        out[c] = 0.0
    for k in range(n):
        for c in range(channels):
            out[c] += a[k, c] * b[k, c]


@njit(cache=True)
def cg_iterations(neighbours, degree, x, r, p, ap, rr, n_iter, tol_sq, rhs_sq):
    """Run up to ``n_iter`` conjugate-gradient steps, each channel its own system.

    ``x, r, p, ap`` (n, C) and ``rr`` (C,) are the state, updated in place. Stops early when
    every channel's squared residual is below ``tol_sq * rhs_sq``. Returns the steps run.
    """
    n, channels = x.shape
    pap = np.empty(channels)
    rr_new = np.empty(channels)
    for step in range(n_iter):
        done = True
        for c in range(channels):
            if rr[c] > tol_sq * rhs_sq[c]:
                done = False
        if done:
            return step
        _apply(neighbours, degree, p, ap)
        _column_dot(p, ap, pap)
        for c in range(channels):
            alpha = rr[c] / pap[c] if pap[c] > 0.0 else 0.0
            for k in range(n):
                x[k, c] += alpha * p[k, c]
                r[k, c] -= alpha * ap[k, c]
        _column_dot(r, r, rr_new)
        for c in range(channels):
            beta = rr_new[c] / rr[c] if rr[c] > 0.0 else 0.0
            for k in range(n):
                p[k, c] = r[k, c] + beta * p[k, c]
            rr[c] = rr_new[c]
    return n_iter
