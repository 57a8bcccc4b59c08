"""numba kernel for total-variation inpainting: Chambolle-Pock iterations, one pass per half-step.

Plain arrays in, no validation. The arithmetic follows ``_reference.py`` operation for
operation, so the two agree to rounding. Only the dual variables whose differences touch a
free pixel (``dual_active``) and the free pixels themselves are visited.
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True)
def primal_dual_iterations(u, u_bar, px, py, f, weight, free, dual_active, n_iter, step, coupled):
    """Run ``n_iter`` iterations in place on ``u, u_bar, px, py`` (all (H, W, C) float64).

    ``weight`` (H, W) is the data weight (0 in the hole), ``free`` and ``dual_active`` (H, W)
    bool, ``step`` the primal and dual step size, ``coupled`` True for vectorial TV.
    """
    height, width, channels = u.shape
    for _ in range(n_iter):
        for y in range(height):
            for x in range(width):
                if not dual_active[y, x]:
                    continue
                norm_sq = 0.0
                for c in range(channels):
                    gx = u_bar[y, x + 1, c] - u_bar[y, x, c] if x + 1 < width else 0.0
                    gy = u_bar[y + 1, x, c] - u_bar[y, x, c] if y + 1 < height else 0.0
                    px[y, x, c] += step * gx
                    py[y, x, c] += step * gy
                    if coupled:
                        norm_sq += px[y, x, c] * px[y, x, c] + py[y, x, c] * py[y, x, c]
                    else:
                        scale = max(1.0, math.sqrt(px[y, x, c] * px[y, x, c] + py[y, x, c] * py[y, x, c]))
                        px[y, x, c] /= scale
                        py[y, x, c] /= scale
                if coupled:
                    scale = max(1.0, math.sqrt(norm_sq))
                    for c in range(channels):
                        px[y, x, c] /= scale
                        py[y, x, c] /= scale
        for y in range(height):
            for x in range(width):
                if not free[y, x]:
                    continue
                pull = step * weight[y, x]
                for c in range(channels):
                    dx = (px[y, x, c] if x + 1 < width else 0.0) - (px[y, x - 1, c] if x > 0 else 0.0)
                    dy = (py[y, x, c] if y + 1 < height else 0.0) - (py[y - 1, x, c] if y > 0 else 0.0)
                    v = u[y, x, c] + step * (dx + dy)
                    new = (v + pull * f[y, x, c]) / (1.0 + pull)
                    u_bar[y, x, c] = 2.0 * new - u[y, x, c]
                    u[y, x, c] = new
