"""numba kernels for Bertalmio inpainting: transport steps and anisotropic-diffusion steps.

Plain arrays in, no validation. The pixels to update come as coordinate lists; reads outside
the array are clamped to the edge (edge replication, as ``_reference.pad``). The arithmetic
follows ``_reference.py`` operation for operation, so the two agree to rounding. Each step
computes every update from the same state into ``update``, then applies them.
"""

from __future__ import annotations

import math

from numba import njit

from ._reference import EPS


@njit
def _at(image, y, x, c):
    height, width = image.shape[0], image.shape[1]
    return image[min(max(y, 0), height - 1), min(max(x, 0), width - 1), c]


@njit
def _laplacian(image, y, x, c):
    return (
        _at(image, y - 1, x, c)
        + _at(image, y + 1, x, c)
        + _at(image, y, x - 1, c)
        + _at(image, y, x + 1, c)
        - 4.0 * _at(image, y, x, c)
    )


@njit(cache=True)
def transport_steps(image, ys, xs, n_steps, dt, update):
    """``n_steps`` steps of ``I += dt * beta * |grad I|`` (slope-limited) at pixels (ys[k], xs[k]).

    ``image`` (H, W, C) is updated in place; ``update`` (n, C) is scratch space. The
    Laplacian is recomputed for each of the four neighbours (storing it first in a buffer
    measured only 25% faster).
    """
    channels = image.shape[2]
    for _ in range(n_steps):
        for k in range(ys.size):
            y, x = ys[k], xs[k]
            for c in range(channels):
                d_l_x = _laplacian(image, y, x + 1, c) - _laplacian(image, y, x - 1, c)
                d_l_y = _laplacian(image, y + 1, x, c) - _laplacian(image, y - 1, x, c)
                centre = _at(image, y, x, c)
                left, right = _at(image, y, x - 1, c), _at(image, y, x + 1, c)
                up, down = _at(image, y - 1, x, c), _at(image, y + 1, x, c)
                i_x = (right - left) / 2.0
                i_y = (down - up) / 2.0
                norm = math.sqrt(i_x * i_x + i_y * i_y + EPS * EPS)
                beta = d_l_x * (-i_y / norm) + d_l_y * (i_x / norm)
                backward_x, forward_x = centre - left, right - centre
                backward_y, forward_y = centre - up, down - centre
                if beta > 0.0:
                    a, b = min(backward_x, 0.0), max(forward_x, 0.0)
                    d, e = min(backward_y, 0.0), max(forward_y, 0.0)
                else:
                    a, b = max(backward_x, 0.0), min(forward_x, 0.0)
                    d, e = max(backward_y, 0.0), min(forward_y, 0.0)
                update[k, c] = beta * math.sqrt(a * a + b * b + d * d + e * e)
        for k in range(ys.size):
            for c in range(channels):
                image[ys[k], xs[k], c] += dt * update[k, c]


@njit(cache=True)
def diffusion_steps(image, ys, xs, weights, n_steps, dt, update):
    """``n_steps`` steps of ``I += dt * g * kappa |grad I|`` at pixels (ys[k], xs[k]) with g = weights[k]."""
    channels = image.shape[2]
    for _ in range(n_steps):
        for k in range(ys.size):
            y, x = ys[k], xs[k]
            for c in range(channels):
                centre = _at(image, y, x, c)
                left, right = _at(image, y, x - 1, c), _at(image, y, x + 1, c)
                up, down = _at(image, y - 1, x, c), _at(image, y + 1, x, c)
                i_x = (right - left) / 2.0
                i_y = (down - up) / 2.0
                i_xx = right - 2.0 * centre + left
                i_yy = down - 2.0 * centre + up
                i_xy = (
                    _at(image, y + 1, x + 1, c)
                    - _at(image, y + 1, x - 1, c)
                    - _at(image, y - 1, x + 1, c)
                    + _at(image, y - 1, x - 1, c)
                ) / 4.0
                numerator = i_xx * i_y * i_y - 2.0 * i_x * i_y * i_xy + i_yy * i_x * i_x
                update[k, c] = numerator / (i_x * i_x + i_y * i_y + EPS)
        for k in range(ys.size):
            for c in range(channels):
                image[ys[k], xs[k], c] += dt * weights[k] * update[k, c]
