"""Harmonic inpainting: the hole solves Laplace's equation with the known pixels as boundary."""

from __future__ import annotations

import warnings
from typing import Any

from ...api import Context, Inpainter, register
from ...params import check_choice, check_float, check_int

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
    solver : {"direct", "cg"}
        ``"direct"`` (default): a sparse direct solve on the CPU backends (conjugate
        gradients on ``cupy``, which has no direct solver here). ``"cg"``: conjugate
        gradients on every backend, with the callback every 25 iterations; slower on the
        CPU, but it shows the fill forming, for teaching.
    tol : float
        Relative residual at which conjugate gradients stop (``cupy``, or ``solver="cg"``).
    max_iter : int
        Most conjugate-gradient iterations (``cupy``, or ``solver="cg"``).
    backend, callback, progress, n_threads
        See :class:`~inpaintkit.Inpainter`. ``numpy`` is the reference (SciPy's sparse LU);
        ``numba`` is a direct sparse Cholesky solver (nested dissection, multifrontal; the
        one biharmonic uses), single-threaded, about 3x faster than the reference at
        256x256 to 512x512 (``benchmarks/bench_spine.py``); the two agree to rounding. Its
        factor takes about 14 MB for 31 000 hole pixels. ``cupy`` runs conjugate
        gradients on the whole grid. Conjugate gradients call the callback with
        ``{"image", "iteration", "residual"}`` every 25 iterations; the direct solves have
        no iterations to report and never call it.

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
        solver: str = "direct",
        tol: float = 1e-12,
        max_iter: int = 100_000,
        backend: str = "auto",
        callback: Any = None,
        progress: bool = False,
        n_threads: int | None = None,
    ) -> None:
        super().__init__(backend=backend, callback=callback, progress=progress, n_threads=n_threads)
        self.solver = check_choice("solver", solver, ("direct", "cg"))
        self.tol = check_float("tol", tol, low=0.0, high=1.0, low_open=True)
        self.max_iter = check_int("max_iter", max_iter, low=1)

    def _inpaint(self, image: Any, mask: Any, ctx: Context) -> Any:
        if self.solver == "cg" or ctx.backend == "cupy":
            return self._conjugate_gradients(image, mask, ctx)
        if ctx.backend == "numpy":
            from ._reference import harmonic_reference

            return harmonic_reference(image, mask)
        if ctx.backend == "numba":
            from ._numba import harmonic_solve

            return harmonic_solve(image, mask)
        raise AssertionError(f"unreachable: backend {ctx.backend!r}")

    def _conjugate_gradients(self, image: Any, mask: Any, ctx: Context) -> Any:
        from ._xp import harmonic_cg

        def report(iteration: int, estimate: Any, residual: float) -> None:
            ctx.step(iteration, lambda: {"image": estimate + image, "iteration": iteration, "residual": residual})

        filled, iterations, residual = harmonic_cg(
            ctx.xp, image, mask, tol=self.tol, max_iter=self.max_iter, report=report if ctx.reporting else None
        )
        self._warn_if_unconverged(iterations, residual)
        return filled

    def _warn_if_unconverged(self, iterations: int, residual: float) -> None:
        if residual > self.tol and iterations >= self.max_iter:
            warnings.warn(
                f"harmonic: conjugate gradients stopped after max_iter={self.max_iter} iterations at relative "
                f"residual {residual:.2e} > tol={self.tol:.0e}; raise max_iter for a converged fill",
                RuntimeWarning,
                stacklevel=4,
            )
