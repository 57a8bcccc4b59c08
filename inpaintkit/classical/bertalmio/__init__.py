"""Bertalmio, Sapiro, Caselles & Ballester's inpainting: smoothness transported along isophotes."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...api import Context, Inpainter, register
from ...params import check_choice, check_float, check_int
from .._shared import bounding_crop, dilate_square, harmonic_start, known_range

__all__ = ["Bertalmio"]

_INITS = ("harmonic", "mean")


@register(
    "bertalmio",
    family="diffusion",
    year=2000,
    paper="M. Bertalmio, G. Sapiro, V. Caselles, C. Ballester, 'Image inpainting', SIGGRAPH 2000",
    doi="10.1145/344779.344972",
    backends=("numba", "numpy", "cupy"),
    test_params={"iterations": 6, "inpaint_steps": 3, "diffusion_steps": 1},
    summary="transport of the Laplacian along isophotes, interleaved with anisotropic diffusion",
)
class Bertalmio(Inpainter):
    """Bertalmio-Sapiro-Caselles-Ballester (SIGGRAPH 2000) inpainting.

    The hole evolves by ``I_t = (grad L) . N |grad I|``: the image's smoothness ``L`` (its
    Laplacian) is transported along the isophotes ``N`` (the direction of the level lines,
    perpendicular to the gradient, normalised), so that at the steady state ``L`` is
    constant along every isophote arriving at the hole, and the level lines are continued
    into it. The discretisation is the paper's: undivided central differences of ``L``,
    ``N`` from central differences, and the slope-limited (upwind) gradient norm whose
    one-sided differences are chosen by the sign of ``(grad L) . N``. Every
    ``inpaint_steps`` (the paper's A = 15) such steps are followed by ``diffusion_steps``
    (B = 2) steps of anisotropic diffusion ``I_t = g kappa |grad I|`` (kappa: curvature of
    the isophotes) on the hole grown by ``diffusion_radius`` pixels, with ``g`` = 1 in the
    hole, falling linearly to 0 across that band; it straightens the level lines and keeps
    the scheme stable. Only the hole's pixels (and, during diffusion, the band) change.

    Choices the paper leaves open, made here: the hole starts from the harmonic fill
    (``init="harmonic"``, a sparse direct solve on the CPU; ``"mean"`` starts from the mean colour of the known pixels
    touching the hole, as a teaching view of the transport doing all the work); the paper
    smooths the whole image by anisotropic diffusion before inpainting to denoise the
    isophote directions, which ``pre_diffusion_steps`` (default 0, for clean images) does
    here; each channel evolves on its own in the working colour space (the paper used a
    luminance/chroma space "similar to LUV": convert first to reproduce that).

    The transport term is quadratic in intensity, so the time step depends on the scale:
    intensities are mapped so that the known pixels span [0, 1] (one affine map for all
    channels, undone at the end), and ``dt`` means the same for uint8 input, [0, 1] floats
    or other float ranges. Only the pixels within reach of the hole are computed.

    Parameters
    ----------
    iterations : int
        Inpainting (transport) steps in all; the paper runs thousands.
    inpaint_steps : int
        Transport steps between two diffusion bouts (the paper's A = 15).
    diffusion_steps : int
        Anisotropic diffusion steps per bout (the paper's B = 2); 0 turns diffusion off.
    dt : float
        Time step of the transport (the paper's 0.1, intensities in [0, 1]).
    diffusion_strength : float
        Time step of each anisotropic diffusion step (explicit scheme: keep it <= 0.25).
    diffusion_radius : int
        Width in pixels of the band around the hole where the diffusion acts, fading out.
    pre_diffusion_steps : int
        Anisotropic diffusion steps run on the whole neighbourhood of the hole first
        (strength ``diffusion_strength``), as the paper does to denoise the isophotes.
    init : {"harmonic", "mean"}
        The fill the evolution starts from.
    backend, callback, progress, n_threads
        See :class:`~inpaintkit.Inpainter`. ``numpy`` is the reference, ``numba`` the fast
        CPU kernels, ``cupy`` the array-module code on the GPU. The callback gets
        ``{"image", "iteration", "change"}`` after each bout of transport and diffusion:
        the current image in the caller's scale, the transport steps run, and the
        largest change of a hole pixel over the bout (intensities scaled to [0, 1]).

    References
    ----------
    .. [1] M. Bertalmio, G. Sapiro, V. Caselles, C. Ballester, "Image inpainting",
       Proc. SIGGRAPH 2000, pp. 417-424, doi:10.1145/344779.344972.

    Examples
    --------
    >>> import numpy as np, inpaintkit
    >>> ramp = np.tile(np.linspace(0.0, 1.0, 24), (24, 1))
    >>> mask = np.zeros((24, 24), bool); mask[8:16, 8:16] = True
    >>> out = inpaintkit.Inpainter.create("bertalmio", iterations=30).inpaint(ramp, mask)
    >>> float(abs(out - ramp).max()) < 1e-6
    True
    """

    def __init__(
        self,
        *,
        iterations: int = 1500,
        inpaint_steps: int = 15,
        diffusion_steps: int = 2,
        dt: float = 0.1,
        diffusion_strength: float = 0.1,
        diffusion_radius: int = 2,
        pre_diffusion_steps: int = 0,
        init: str = "harmonic",
        backend: str = "auto",
        callback: Any = None,
        progress: bool = False,
        n_threads: int | None = None,
    ) -> None:
        super().__init__(backend=backend, callback=callback, progress=progress, n_threads=n_threads)
        self.iterations = check_int("iterations", iterations, low=0)
        self.inpaint_steps = check_int("inpaint_steps", inpaint_steps, low=1)
        self.diffusion_steps = check_int("diffusion_steps", diffusion_steps, low=0)
        self.dt = check_float("dt", dt, low=0.0, low_open=True)
        self.diffusion_strength = check_float("diffusion_strength", diffusion_strength, low=0.0)
        self.diffusion_radius = check_int("diffusion_radius", diffusion_radius, low=0)
        self.pre_diffusion_steps = check_int("pre_diffusion_steps", pre_diffusion_steps, low=0)
        self.init = check_choice("init", init, _INITS)

    def _reach(self) -> int:
        """Pixels beyond the hole that can influence it: stencils reach 2 (transport) or the
        band plus 1 (diffusion), and each pre-diffusion step reaches 1 further."""
        return max(2, self.diffusion_radius + 1) + self.pre_diffusion_steps + 1

    def _inpaint(self, image: Any, mask: Any, ctx: Context) -> Any:
        xp = ctx.xp
        low, span = known_range(xp, image, mask)
        rows, cols = bounding_crop(xp, mask, self._reach())
        crop = xp.ascontiguousarray(image[rows, cols])
        hole = xp.ascontiguousarray(mask[rows, cols])
        if self.init == "harmonic":
            start = harmonic_start(ctx.backend, crop, hole)
        else:
            touching = dilate_square(xp, hole, 1) & ~hole
            start = xp.where(hole[:, :, None], crop[touching].mean(axis=0), crop)
        work = xp.ascontiguousarray((start - low) / span)
        steps = _Steps(ctx.backend, xp, work, hole, self.diffusion_radius)

        def image_state(current: Any) -> Any:
            state = image.copy()
            state[rows, cols] = current * span + low
            return state

        if self.pre_diffusion_steps:
            steps.diffuse(self.pre_diffusion_steps, self.diffusion_strength, everywhere=True)
        done = 0
        ctx.start(math.ceil(self.iterations / self.inpaint_steps), unit="bout")
        while done < self.iterations:
            n_steps = min(self.inpaint_steps, self.iterations - done)
            before = work[hole] if ctx.reporting else None
            steps.transport(n_steps, self.dt)
            if self.diffusion_steps:
                steps.diffuse(self.diffusion_steps, self.diffusion_strength)
            done += n_steps
            if ctx.reporting:
                change = float(xp.abs(work[hole] - before).max())
                ctx.step(done, lambda: {"image": image_state(work), "iteration": done, "change": change})
        return image_state(work)


class _Steps:
    """The transport and diffusion steps of one backend, acting in place on ``work``."""

    def __init__(self, backend: str, xp: Any, work: Any, hole: Any, radius: int) -> None:
        self.backend, self.xp, self.work, self.hole = backend, xp, work, hole
        if backend == "cupy":
            from ._xp import diffusion_weight

            self.weight = diffusion_weight(xp, hole, radius)
        else:
            from ._reference import diffusion_weight

            self.weight = diffusion_weight(hole, radius)
        if backend == "numba":
            self.hole_ys, self.hole_xs = (a.astype(np.int64) for a in np.nonzero(hole))
            self.band_ys, self.band_xs = (a.astype(np.int64) for a in np.nonzero(self.weight > 0))
            self.band_weights = self.weight[self.band_ys, self.band_xs]
            self.update = np.empty((max(self.band_ys.size, self.hole_ys.size), work.shape[2]))

    def transport(self, n_steps: int, dt: float) -> None:
        if self.backend == "numpy":
            from ._reference import transport_steps

            transport_steps(self.work, self.hole, n_steps, dt)
        elif self.backend == "numba":
            from ._numba import transport_steps

            transport_steps(self.work, self.hole_ys, self.hole_xs, n_steps, dt, self.update)
        else:
            from ._xp import transport_steps

            transport_steps(self.xp, self.work, self.hole, n_steps, dt)

    def diffuse(self, n_steps: int, dt: float, everywhere: bool = False) -> None:
        weight = self.xp.ones_like(self.weight) if everywhere else self.weight
        if self.backend == "numpy":
            from ._reference import diffusion_steps

            diffusion_steps(self.work, weight, n_steps, dt)
        elif self.backend == "numba":
            from ._numba import diffusion_steps

            if everywhere:
                ys, xs = (a.astype(np.int64) for a in np.nonzero(weight))
                update = np.empty((ys.size, self.work.shape[2]))
                diffusion_steps(self.work, ys, xs, weight[ys, xs], n_steps, dt, update)
            else:
                diffusion_steps(self.work, self.band_ys, self.band_xs, self.band_weights, n_steps, dt, self.update)
        else:
            from ._xp import diffusion_steps

            diffusion_steps(self.xp, self.work, weight, n_steps, dt)
