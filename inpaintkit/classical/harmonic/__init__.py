"""Harmonic inpainting: the hole solves Laplace's equation with the known pixels as boundary."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ...api import Context, Inpainter, register
from ...params import check_float, check_int

__all__ = ["Harmonic"]


@register(
    "harmonic",
    family="diffusion",
    year=2001,
    paper="T. F. Chan, J. Shen, 'Mathematical models for local nontexture inpaintings', "
    "SIAM J. Appl. Math. 62(3), 2002 (the harmonic, H1 model)",
    doi="10.1137/S0036139900368844",
    backends=("numba", "numpy", "cupy"),
    test_params={},
    summary="Laplace equation in the hole (smoothest membrane through the boundary)",
)
class Harmonic(Inpainter):
    """Harmonic (membrane) inpainting.

    Each hole pixel becomes the mean of its 4-neighbours: the discrete Laplace equation
    with the known pixels as Dirichlet boundary and zero flux at the image border. The
    result is the smoothest surface through the hole's boundary; it never overshoots the
    boundary values (maximum principle) and it blurs edges that cross the hole.

    Parameters
    ----------
    tol : float
        Relative residual at which the iterative solvers (numba, cupy) stop.
    max_iter : int
        Most conjugate-gradient iterations.
    backend, callback, progress, n_threads
        See :class:`~inpaintkit.Inpainter`. ``numpy`` is the reference (sparse direct
        solve); ``numba`` and ``cupy`` run conjugate gradients. The callback gets
        ``{"image", "iteration", "residual"}`` every 25 iterations (iterative backends).

    References
    ----------
    .. [1] T. F. Chan, J. Shen, "Mathematical models for local nontexture inpaintings",
       SIAM J. Appl. Math. 62(3):1019-1043, 2002, doi:10.1137/S0036139900368844.

    Examples
    --------
    >>> import numpy as np, inpaintkit
    >>> ramp = np.tile(np.linspace(0.0, 1.0, 16), (16, 1))
    >>> mask = np.zeros((16, 16), bool); mask[4:12, 4:12] = True
    >>> out = inpaintkit.Inpainter.create("harmonic").inpaint(ramp, mask)
    >>> float(abs(out - ramp).max()) < 1e-8
    True
    """

    def __init__(
        self,
        *,
        tol: float = 1e-12,
        max_iter: int = 100_000,
        backend: str = "auto",
        callback: Any = None,
        progress: bool = False,
        n_threads: int | None = None,
    ) -> None:
        super().__init__(backend=backend, callback=callback, progress=progress, n_threads=n_threads)
        self.tol = check_float("tol", tol, low=0.0, high=1.0, low_open=True)
        self.max_iter = check_int("max_iter", max_iter, low=1)

    def _inpaint(self, image: Any, mask: Any, ctx: Context) -> Any:
        if ctx.backend == "numpy":
            from ._reference import harmonic_reference

            return harmonic_reference(image, mask)
        if ctx.backend == "numba":
            return self._numba(image, mask, ctx)
        from ._xp import harmonic_cg

        def report(iteration: int, estimate: Any, residual: float) -> None:
            ctx.step(iteration, lambda: {"image": estimate + image, "iteration": iteration, "residual": residual})

        filled, iterations, residual = harmonic_cg(
            ctx.xp, image, mask, tol=self.tol, max_iter=self.max_iter, report=report if ctx.reporting else None
        )
        self._warn_if_unconverged(iterations, residual)
        return filled

    def _numba(self, image: np.ndarray, mask: np.ndarray, ctx: Context) -> np.ndarray:
        from ._numba import build_hole_lists, cg_iterations

        ys, xs, neighbours, degree, rhs = build_hole_lists(image, mask)
        x = np.zeros_like(rhs)
        r = rhs.copy()
        p = r.copy()
        ap = np.empty_like(r)
        rr = (r * r).sum(axis=0)
        rhs_sq = np.maximum(rr, 1e-300)
        chunk = 25
        done = 0
        while done < self.max_iter:
            ran = cg_iterations(
                neighbours, degree, x, r, p, ap, rr, min(chunk, self.max_iter - done), self.tol**2, rhs_sq
            )
            done += ran
            if ran < chunk:
                break
            if ctx.reporting:
                residual = float(np.sqrt((rr / rhs_sq).max()))

                def state(done: int = done, residual: float = residual) -> dict[str, Any]:
                    estimate = image.copy()
                    estimate[ys, xs] = x
                    return {"image": estimate, "iteration": done, "residual": residual}

                ctx.step(done, state)
        self._warn_if_unconverged(done, float(np.sqrt((rr / rhs_sq).max())))
        out = image.copy()
        out[ys, xs] = x
        return out

    def _warn_if_unconverged(self, iterations: int, residual: float) -> None:
        if residual > self.tol and iterations >= self.max_iter:
            warnings.warn(
                f"harmonic: conjugate gradients stopped after max_iter={self.max_iter} iterations at relative "
                f"residual {residual:.2e} > tol={self.tol:.0e}; raise max_iter for a converged fill",
                RuntimeWarning,
                stacklevel=4,
            )
