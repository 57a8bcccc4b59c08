"""Total-variation inpainting, the readable version: Chambolle-Pock primal-dual iterations in NumPy.

The problem (Chan & Shen's TV inpainting on an extended domain E that contains the hole D)::

    minimise over u   TV(u) + (weight / 2) * sum over E \\ D of |u - f|^2,   with u = f outside E,

where TV(u) sums, over every pixel, the Euclidean norm of the forward-difference gradient
(zero across the last row and column, i.e. a zero-flux image border). With coupled channels
the norm is taken over both directions and all channels together (vectorial TV), so that an
edge costs the same whatever its colour and the channels' edges stay in one place;
otherwise each channel has its own norm and the channels are independent problems.

Written as ``min_u max_p <grad u, p> - F*(p) + G(u)`` with ``F*`` the indicator of the
pointwise unit ball and ``G`` the data term, Chambolle & Pock's Algorithm 1 (theta = 1) is::

    p     <- project_unit_ball(p + sigma * grad(u_bar))
    u_new <- prox_{tau G}(u + tau * div(p))        (known pixels pulled towards f, hole free)
    u_bar <- 2 u_new - u

with ``tau * sigma * ||grad||^2 <= 1`` (``||grad||^2 <= 8``), here ``tau = sigma = 1/sqrt(8)``.
"""

from __future__ import annotations

import numpy as np

STEP = 1.0 / np.sqrt(8.0)
"""Primal and dual step sizes (tau = sigma): tau * sigma * 8 = 1, the largest stable choice."""


def gradient(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Forward differences along x (columns) and y (rows); zero across the last column/row."""
    gx = np.zeros_like(u)
    gy = np.zeros_like(u)
    gx[:, :-1] = u[:, 1:] - u[:, :-1]
    gy[:-1, :] = u[1:, :] - u[:-1, :]
    return gx, gy


def divergence(px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """The negative adjoint of :func:`gradient`: ``sum(gradient(u) . p) == -sum(u * divergence(p))``."""
    dx = np.zeros_like(px)
    dx[:, :-1] = px[:, :-1]
    dx[:, 1:] -= px[:, :-1]
    dy = np.zeros_like(py)
    dy[:-1, :] = py[:-1, :]
    dy[1:, :] -= py[:-1, :]
    return dx + dy


def pointwise_norm(px: np.ndarray, py: np.ndarray, coupled: bool) -> np.ndarray:
    """|p| at each pixel: over directions and channels (shape (H, W, 1)) or per channel (H, W, C)."""
    squares = px * px + py * py
    if coupled:
        squares = squares.sum(axis=2, keepdims=True)
    return np.sqrt(squares)


def total_variation(u: np.ndarray, coupled: bool) -> float:
    """The discrete (isotropic) total variation of ``u``, shape (H, W, C)."""
    return float(pointwise_norm(*gradient(u), coupled).sum())


def energy(u: np.ndarray, f: np.ndarray, weight_map: np.ndarray, coupled: bool) -> float:
    """The objective: TV(u) + sum(weight_map / 2 * (u - f)^2); ``weight_map`` (H, W, 1) is 0 in the hole."""
    return total_variation(u, coupled) + float((0.5 * weight_map * (u - f) ** 2).sum())


def primal_dual_iterations(
    u: np.ndarray,
    u_bar: np.ndarray,
    px: np.ndarray,
    py: np.ndarray,
    f: np.ndarray,
    weight_map: np.ndarray,
    free: np.ndarray,
    n_iter: int,
    coupled: bool,
) -> None:
    """Run ``n_iter`` Chambolle-Pock iterations, updating ``u, u_bar, px, py`` in place.

    Parameters
    ----------
    u, u_bar : ndarray, shape (H, W, C)
        The primal iterate and its over-relaxed copy (both equal to ``f`` where not ``free``).
    px, py : ndarray, shape (H, W, C)
        The dual field (one vector per pixel and channel).
    f : ndarray, shape (H, W, C)
        The data (any values in the hole: its weight is 0).
    weight_map : ndarray, shape (H, W, 1)
        The data weight: ``weight`` on E minus the hole, 0 in the hole.
    free : ndarray, shape (H, W), bool
        E: the pixels that change (the hole and the band around it); the others stay at ``f``.
    """
    tau = sigma = STEP
    free3 = free[:, :, None]
    for _ in range(n_iter):
        gx, gy = gradient(u_bar)
        px += sigma * gx
        py += sigma * gy
        scale = np.maximum(1.0, pointwise_norm(px, py, coupled))
        px /= scale
        py /= scale
        v = u + tau * divergence(px, py)
        u_new = np.where(free3, (v + tau * weight_map * f) / (1.0 + tau * weight_map), u)
        u_bar[...] = 2.0 * u_new - u
        u[...] = u_new
