"""Bertalmio inpainting written once against an array module (NumPy or CuPy).

The same steps as ``_reference.py`` on whole arrays: updates are masked with ``where``
instead of boolean indexing (which would make the GPU wait for a count), and the diffusion
weight comes from repeated dilations rather than SciPy's distance transform. The tests run
it through NumPy.
"""

from __future__ import annotations

from typing import Any

from .._shared import dilate_square

EPS = 1e-8  # as _reference.EPS


def _pad(xp: Any, image: Any, width: int) -> Any:
    return xp.pad(image, ((width, width), (width, width), (0, 0)), mode="edge")


def transport_update(xp: Any, image: Any) -> Any:
    """``beta * |grad I|`` at every pixel (see ``_reference.transport_update``)."""
    p = _pad(xp, image, 2)
    smoothness = p[:-2, 1:-1] + p[2:, 1:-1] + p[1:-1, :-2] + p[1:-1, 2:] - 4.0 * p[1:-1, 1:-1]
    d_l_x = smoothness[1:-1, 2:] - smoothness[1:-1, :-2]
    d_l_y = smoothness[2:, 1:-1] - smoothness[:-2, 1:-1]
    centre = p[2:-2, 2:-2]
    backward_x = centre - p[2:-2, 1:-3]
    forward_x = p[2:-2, 3:-1] - centre
    backward_y = centre - p[1:-3, 2:-2]
    forward_y = p[3:-1, 2:-2] - centre
    i_x = (p[2:-2, 3:-1] - p[2:-2, 1:-3]) / 2.0
    i_y = (p[3:-1, 2:-2] - p[1:-3, 2:-2]) / 2.0
    norm = xp.sqrt(i_x * i_x + i_y * i_y + EPS * EPS)
    beta = d_l_x * (-i_y / norm) + d_l_y * (i_x / norm)
    positive = beta > 0.0
    low, high = xp.minimum, xp.maximum
    a = xp.where(positive, low(backward_x, 0.0), high(backward_x, 0.0))
    b = xp.where(positive, high(forward_x, 0.0), low(forward_x, 0.0))
    d = xp.where(positive, low(backward_y, 0.0), high(backward_y, 0.0))
    e = xp.where(positive, high(forward_y, 0.0), low(forward_y, 0.0))
    return beta * xp.sqrt(a * a + b * b + d * d + e * e)


def curvature_update(xp: Any, image: Any) -> Any:
    """``kappa * |grad I|`` at every pixel (see ``_reference.curvature_update``)."""
    p = _pad(xp, image, 1)
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


def diffusion_weight(xp: Any, mask: Any, radius: int) -> Any:
    """g: 1 in the hole, ``1 - d / (radius + 1)`` at chessboard distance d <= radius, else 0."""
    weight = mask.astype(xp.float64)
    grown = mask
    for distance in range(1, radius + 1):
        ring_and_inside = dilate_square(xp, grown, 1)
        weight = xp.where(ring_and_inside & ~grown, 1.0 - distance / (radius + 1.0), weight)
        grown = ring_and_inside
    return weight


def transport_steps(xp: Any, image: Any, mask: Any, n_steps: int, dt: float) -> None:
    """``n_steps`` inpainting steps on the pixels where ``mask`` (H, W) is True, in place."""
    inside = mask[:, :, None]
    for _ in range(n_steps):
        image += dt * xp.where(inside, transport_update(xp, image), 0.0)


def diffusion_steps(xp: Any, image: Any, weight: Any, n_steps: int, dt: float) -> None:
    """``n_steps`` steps of ``I += dt * g * kappa |grad I|`` in place (``weight`` = g, (H, W))."""
    scaled = (dt * weight)[:, :, None]
    for _ in range(n_steps):
        image += scaled * curvature_update(xp, image)
