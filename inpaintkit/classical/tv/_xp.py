"""Total-variation inpainting written once against an array module (NumPy or CuPy).

The same Chambolle-Pock iterations as ``_reference.py``, with preallocated buffers and
in-place operations so that a GPU step allocates little; the tests run it through NumPy.
Also the set-up shared by every backend: the extended domain E and the crop that holds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .._shared import bounding_crop, dilate_square

STEP = 0.35355339059327373  # 1 / sqrt(8), as in _reference.STEP


@dataclass(frozen=True)
class Domain:
    """Where the solver works: a crop of the image and, inside it, the free pixels E.

    ``rows``/``cols`` slice the image; ``free`` (crop shape, bool) marks E, the hole grown by
    ``margin`` (the whole image for ``margin=None``); ``dual_active`` marks the pixels whose
    forward differences touch E (the only dual variables that reach a free pixel).
    """

    rows: slice
    cols: slice
    free: Any
    dual_active: Any


def tv_domain(xp: Any, mask: Any, margin: int | None) -> Domain:
    """The crop and free set for ``mask`` (True = hole) and the band width ``margin``.

    The crop is E's bounding box grown by 2 pixels (clipped to the image): every forward
    difference that touches E, and every pixel of those differences, lies inside it, so the
    problem on the crop is the problem on the whole image with ``u = f`` outside E.
    """
    free = xp.ones_like(mask) if margin is None else dilate_square(xp, mask, margin)
    rows, cols = bounding_crop(xp, free, 2)
    free = xp.ascontiguousarray(free[rows, cols])
    dual_active = free.copy()
    dual_active[:, :-1] |= free[:, 1:]
    dual_active[:-1, :] |= free[1:, :]
    return Domain(rows=rows, cols=cols, free=free, dual_active=dual_active)


class PrimalDual:
    """Chambolle-Pock iterations for TV inpainting with array module ``xp``.

    Parameters
    ----------
    xp : module
        ``numpy`` or ``cupy``.
    u : array, shape (H, W, C)
        The starting image (equal to ``f`` outside ``free``); updated in place.
    f, weight_map, free, coupled
        As in :func:`inpaintkit.classical.tv._reference.primal_dual_iterations`.
    """

    def __init__(self, xp: Any, u: Any, f: Any, weight_map: Any, free: Any, coupled: bool) -> None:
        self.xp = xp
        self.u = u
        self.u_bar = u.copy()
        self.px = xp.zeros_like(u)
        self.py = xp.zeros_like(u)
        self.coupled = coupled
        self.free = free[:, :, None]
        self.data_pull = STEP * weight_map * f
        self.shrink = 1.0 + STEP * weight_map
        self._a = xp.empty_like(u)
        self._b = xp.empty_like(u)

    def iterate(self, n_iter: int) -> None:
        """Run ``n_iter`` iterations in place."""
        xp = self.xp
        u, u_bar, px, py, a, b = self.u, self.u_bar, self.px, self.py, self._a, self._b
        for _ in range(n_iter):
            # dual ascent: p += sigma * grad(u_bar), then project onto the unit ball
            a[:, -1] = 0.0
            xp.subtract(u_bar[:, 1:], u_bar[:, :-1], out=a[:, :-1])
            b[-1] = 0.0
            xp.subtract(u_bar[1:], u_bar[:-1], out=b[:-1])
            px += STEP * a
            py += STEP * b
            norm = px * px + py * py
            if self.coupled:
                norm = norm.sum(axis=2, keepdims=True)
            scale = xp.maximum(1.0, xp.sqrt(norm))
            px /= scale
            py /= scale
            # primal descent: u + tau * div(p), then the data term's proximal map
            a[:, :-1] = px[:, :-1]
            a[:, -1] = 0.0
            a[:, 1:] -= px[:, :-1]
            b[:-1] = py[:-1]
            b[-1] = 0.0
            b[1:] -= py[:-1]
            a += b
            a *= STEP
            a += u
            a += self.data_pull
            a /= self.shrink
            u_new = xp.where(self.free, a, u)
            xp.subtract(2.0 * u_new, u, out=u_bar)
            u[...] = u_new
