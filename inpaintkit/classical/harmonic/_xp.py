"""Harmonic inpainting written once against an array module (NumPy or CuPy).

Conjugate gradients on the full grid: unknowns live in the hole, the operator is the
5-point Laplacian with zero-flux image borders, applied with shifted slices so that the same
code runs on the CPU (NumPy, which the tests use) and on the GPU (CuPy).
"""

from __future__ import annotations

from typing import Any


def neighbour_sum(xp: Any, u: Any) -> Any:
    """Sum of each pixel's in-image 4-neighbours (neighbours outside the image count 0)."""
    total = xp.zeros_like(u)
    total[1:] += u[:-1]
    total[:-1] += u[1:]
    total[:, 1:] += u[:, :-1]
    total[:, :-1] += u[:, 1:]
    return total


def degree_map(xp: Any, height: int, width: int) -> Any:
    """Number of in-image 4-neighbours of every pixel, shape (H, W, 1)."""
    ones = xp.ones((height, width, 1))
    return neighbour_sum(xp, ones)


def harmonic_cg(xp: Any, image: Any, mask: Any, *, tol: float, max_iter: int, report: Any = None) -> tuple[Any, int, float]:
    """Fill the hole by conjugate gradients; returns (filled image, iterations, relative residual).

    ``report(iteration, estimate, relative_residual)`` is called every 25 iterations when given.
    """
    height, width, _ = image.shape
    hole = mask[:, :, None].astype(image.dtype)
    degree = degree_map(xp, height, width) * hole
    rhs = neighbour_sum(xp, image * (1.0 - hole)) * hole

    def apply(u: Any) -> Any:
        return (degree * u - neighbour_sum(xp, u)) * hole

    x = xp.zeros_like(image)
    r = rhs.copy()
    p = r.copy()
    rr = (r * r).sum(axis=(0, 1))
    rhs_sq = xp.maximum(rr, 1e-300)
    tol_sq = tol * tol
    iteration = 0
    while iteration < max_iter:
        if bool((rr <= tol_sq * rhs_sq).all()):
            break
        ap = apply(p)
        pap = (p * ap).sum(axis=(0, 1))
        alpha = xp.where(pap > 0, rr / xp.where(pap > 0, pap, 1.0), 0.0)
        x += alpha * p
        r -= alpha * ap
        rr_new = (r * r).sum(axis=(0, 1))
        beta = xp.where(rr > 0, rr_new / xp.where(rr > 0, rr, 1.0), 0.0)
        p = r + beta * p
        rr = rr_new
        iteration += 1
        if report is not None and iteration % 25 == 0:
            report(iteration, x, float(xp.sqrt((rr / rhs_sq).max())))
    residual = float(xp.sqrt((rr / rhs_sq).max()))
    return image * (1.0 - hole) + x, iteration, residual
