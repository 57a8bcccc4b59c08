"""Bertalmio-Sapiro-Caselles-Ballester inpainting, the readable version (NumPy).

Inside the hole the image evolves by ``I_t = (grad L) . N * |grad I|``: the smoothness
estimate ``L`` (the Laplacian) is transported along the isophotes ``N`` (the level-line
direction, perpendicular to the gradient), so that at the steady state ``L`` is constant
along the isophotes arriving at the hole's boundary. The paper's discretisation (section 3.3):

* ``L = I_xx + I_yy`` (5-point Laplacian);
* ``dL = (L(x+1) - L(x-1), L(y+1) - L(y-1))`` (undivided central differences);
* ``N = (-I_y, I_x) / sqrt(I_x^2 + I_y^2)`` from central differences (a tiny ``eps`` under the
  root keeps flat regions at 0/0 = 0);
* ``beta = dL . N``, and ``|grad I|`` slope-limited (upwind, as for Osher-Sethian fronts):
  for beta > 0, ``sqrt(min(I_xb,0)^2 + max(I_xf,0)^2 + min(I_yb,0)^2 + max(I_yf,0)^2)``, for
  beta < 0 the same with min and max swapped (b/f: backward/forward differences);
* ``I <- I + dt * beta * |grad I|`` on the hole's pixels only.

Every few steps, a few steps of anisotropic diffusion ``I_t = g * kappa * |grad I|`` (kappa:
curvature of the isophotes, central differences) run on the hole grown by a band, with ``g``
1 in the hole and falling linearly to 0 across the band (the paper's g_eps, which keeps the
diffusion from moving the hole's boundary values abruptly).

x runs along columns and y along rows (downwards). Outside the array the image is extended
by repeating its edge pixels (a zero-flux border). All updates of a step are computed from
the same state, then applied.
"""

from __future__ import annotations

import numpy as np
import scipy.ndimage

EPS = 1e-8
"""Regulariser under the square roots and in the curvature's denominator (intensities in [0, 1])."""


def pad(image: np.ndarray, width: int) -> np.ndarray:
    """``image`` (H, W, C) extended by ``width`` pixels on each side by edge replication."""
    return np.pad(image, ((width, width), (width, width), (0, 0)), mode="edge")


def laplacian(padded: np.ndarray) -> np.ndarray:
    """5-point Laplacian of the interior of ``padded`` (the result is 2 pixels smaller per axis)."""
    centre = padded[1:-1, 1:-1]
    return padded[:-2, 1:-1] + padded[2:, 1:-1] + padded[1:-1, :-2] + padded[1:-1, 2:] - 4.0 * centre


def transport_update(image: np.ndarray) -> np.ndarray:
    """``beta * |grad I|`` at every pixel of ``image`` (H, W, C): the paper's I_t."""
    p = pad(image, 2)
    smoothness = laplacian(p)  # L on the image grown by 1 pixel
    d_l_x = smoothness[1:-1, 2:] - smoothness[1:-1, :-2]
    d_l_y = smoothness[2:, 1:-1] - smoothness[:-2, 1:-1]
    centre = p[2:-2, 2:-2]
    left, right = p[2:-2, 1:-3], p[2:-2, 3:-1]
    up, down = p[1:-3, 2:-2], p[3:-1, 2:-2]
    i_x = (right - left) / 2.0
    i_y = (down - up) / 2.0
    norm = np.sqrt(i_x * i_x + i_y * i_y + EPS * EPS)
    beta = d_l_x * (-i_y / norm) + d_l_y * (i_x / norm)
    backward_x, forward_x = centre - left, right - centre
    backward_y, forward_y = centre - up, down - centre
    grad_if_positive = np.sqrt(
        np.minimum(backward_x, 0.0) ** 2
        + np.maximum(forward_x, 0.0) ** 2
        + np.minimum(backward_y, 0.0) ** 2
        + np.maximum(forward_y, 0.0) ** 2
    )
    grad_if_negative = np.sqrt(
        np.maximum(backward_x, 0.0) ** 2
        + np.minimum(forward_x, 0.0) ** 2
        + np.maximum(backward_y, 0.0) ** 2
        + np.minimum(forward_y, 0.0) ** 2
    )
    return beta * np.where(beta > 0.0, grad_if_positive, grad_if_negative)


def curvature_update(image: np.ndarray) -> np.ndarray:
    """``kappa * |grad I| = (I_xx I_y^2 - 2 I_x I_y I_xy + I_yy I_x^2) / (I_x^2 + I_y^2)`` (central differences)."""
    p = pad(image, 1)
    centre = p[1:-1, 1:-1]
    left, right = p[1:-1, :-2], p[1:-1, 2:]
    up, down = p[:-2, 1:-1], p[2:, 1:-1]
    i_x = (right - left) / 2.0
    i_y = (down - up) / 2.0
    i_xx = right - 2.0 * centre + left
    i_yy = down - 2.0 * centre + up
    i_xy = (p[2:, 2:] - p[2:, :-2] - p[:-2, 2:] + p[:-2, :-2]) / 4.0
    numerator = i_xx * i_y * i_y - 2.0 * i_x * i_y * i_xy + i_yy * i_x * i_x
    return numerator / (i_x * i_x + i_y * i_y + EPS)


def diffusion_weight(mask: np.ndarray, radius: int) -> np.ndarray:
    """g: 1 in the hole, ``1 - d / (radius + 1)`` at chessboard distance d <= radius from it, else 0."""
    distance = scipy.ndimage.distance_transform_cdt(~mask, metric="chessboard")
    return np.clip(1.0 - distance / (radius + 1.0), 0.0, 1.0)


def transport_steps(image: np.ndarray, mask: np.ndarray, n_steps: int, dt: float) -> None:
    """``n_steps`` inpainting steps on the pixels where ``mask`` is True, in place."""
    for _ in range(n_steps):
        update = transport_update(image)
        image[mask] += dt * update[mask]


def diffusion_steps(image: np.ndarray, weight: np.ndarray, n_steps: int, dt: float) -> None:
    """``n_steps`` anisotropic-diffusion steps ``I += dt * g * kappa |grad I|`` in place (``weight`` = g, (H, W))."""
    active = weight > 0.0
    for _ in range(n_steps):
        update = curvature_update(image)
        image[active] += dt * weight[active][:, None] * update[active]
