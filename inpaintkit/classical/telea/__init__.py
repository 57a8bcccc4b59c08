"""Telea's fast-marching inpainting: the hole is filled from its boundary inwards, one pixel at
a time, in the order a front moving at unit speed reaches it."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ...api import Context, Inpainter, register
from ...params import check_choice, check_int
from ._reference import front_state

__all__ = ["Telea"]

VARIANTS = ("paper", "opencv")


@register(
    "telea",
    family="diffusion",
    year=2004,
    paper="A. Telea, 'An image inpainting technique based on the fast marching method', "
    "Journal of Graphics Tools 9(1):23-34, 2004",
    doi="10.1080/10867651.2004.10487596",
    backends=("numba", "numpy"),
    test_params={"radius": 2},
    summary="fast marching from the hole's boundary inwards, each pixel a weighted mean of its "
    "known neighbourhood (sequential, CPU only)",
)
class Telea(Inpainter):
    """Telea's fast-marching inpainting (sequential, CPU only).

    The arrival time T of a front leaving the hole's boundary at unit speed (the eikonal
    equation ``|grad T| = 1``, solved by the fast marching method) orders the hole's pixels;
    each is filled, when the front reaches it, from the known pixels q within ``radius``:

    ``I(p) = sum_q w [I(q) + grad I(q) . (p - q)] / sum_q w``, with
    ``w = dir * dst * lev``: ``dir = |(p - q) / |p - q| . N(p)|`` favours pixels along the
    front's normal N, ``dst = 1 / |p - q|^2`` near ones, and ``lev = 1 / (1 + |T(p) - T(q)|)``
    those on the same level set. Edges that meet the hole are continued a few pixels and then
    blurred; the fill is fast (one pass, each pixel touched once) and local.

    The march is sequential by nature (every fill reads the pixels filled just before it), so
    the method runs on the CPU only: ``numba`` compiles it; ``numpy`` is the readable
    reference (pure Python loops, for small images), which ``numba`` matches bit for bit.

    Parameters
    ----------
    radius : int
        The neighbourhood radius epsilon in pixels (OpenCV's ``inpaintRadius``, which OpenCV
        rounds and clips to 1..100). Default 3, the value of OpenCV's documentation and of
        the ``opencv-telea`` baseline; the paper speaks of a few pixels. Larger radii blur
        more and cost ``radius**2`` per pixel.
    variant : {"paper", "opencv"}
        ``"paper"`` (default): the equations above in float64, as the paper writes them
        (fast marching with the standard update of tentative times, ``grad I`` by central
        differences, N normalised).
        ``"opencv"``: what ``cv2.inpaint(image, mask, radius, cv2.INPAINT_TELEA)`` computes,
        reproduced from OpenCV's source in float32: its weights (``dst = 1/|r|^3``,
        ``dir = r . grad T`` unnormalised with a floor of 1e-6), its gradient term (a
        normalised ``(Jx + Jy) / |J|`` of at most sqrt(2) levels, not ``grad I . r``), its
        single-visit eikonal solve, its signed distances outside the hole, its handling of
        the image border, and its rounding of every filled pixel to the image's integer type
        (``round(v + 0.5)``, half to even) *before* later pixels read it. On uint8 and
        uint16 images (1, 3 channels) the result equals OpenCV's exactly, given the same
        hole content (OpenCV reads a few hole pixels at the image border; here the hole is
        zero). A constant image therefore does not stay constant, as with OpenCV. On float
        images, where OpenCV would add its gradient term in the image's own units, the
        known pixels' range is mapped onto 0..255 levels and back, and values are not
        rounded. RGBA: cv2 takes no 4-channel images; all four channels use its one-channel
        arithmetic.
    report_every : int
        With a callback or progress bar, the number of pixels filled between two reports
        (a report comes after the first popped band pixel that reaches the count, so up to
        3 more).
    backend, callback, progress, n_threads
        See :class:`~inpaintkit.Inpainter`. The callback gets, every ``report_every`` filled
        pixels, ``{"image", "arrival_time", "band", "filled", "total"}``: the image so far
        (working scale), the arrival time T so far ((H, W) float, NaN where not reached,
        negative outside the hole within ``radius``), the narrow band (bool (H, W): the
        front), and how many of the ``total`` hole pixels are filled.

    References
    ----------
    .. [1] A. Telea, "An image inpainting technique based on the fast marching method",
       Journal of Graphics Tools 9(1):23-34, 2004, doi:10.1080/10867651.2004.10487596.
    .. [2] OpenCV, modules/photo/src/inpaint.cpp (``cv::inpaint``, ``INPAINT_TELEA``).

    Examples
    --------
    >>> import numpy as np, inpaintkit
    >>> ramp = np.tile(np.linspace(0.0, 1.0, 32), (32, 1))
    >>> mask = np.zeros((32, 32), bool); mask[10:14, 4:28] = True
    >>> out = inpaintkit.Inpainter.create("telea").inpaint(ramp, mask)
    >>> float(abs(out - ramp).max()) < 1 / 31  # within one pixel's step of the ramp
    True
    """

    def __init__(
        self,
        *,
        radius: int = 3,
        variant: str = "paper",
        report_every: int = 256,
        backend: str = "auto",
        callback: Any = None,
        progress: bool = False,
        n_threads: int | None = None,
    ) -> None:
        super().__init__(backend=backend, callback=callback, progress=progress, n_threads=n_threads)
        self.radius = check_int("radius", radius, low=1, high=100)
        self.variant = check_choice("variant", variant, VARIANTS)
        self.report_every = check_int("report_every", report_every, low=1)

    def _inpaint(self, image: np.ndarray, mask: np.ndarray, ctx: Context) -> np.ndarray:
        work, levels, to_working_scale = self._to_levels(image, mask, ctx.source_dtype)
        if ctx.backend == "numpy":
            from ._reference import ReferenceFront as Front
        else:
            from ._numba import NumbaFront as Front

        front = Front(work, mask, radius=self.radius, variant=self.variant, levels=levels)
        total = int(np.count_nonzero(mask))
        # Without a listener, still return to Python now and then so that Ctrl-C works.
        chunk = self.report_every if ctx.reporting else 1 << 16
        if ctx.reporting:
            ctx.start(math.ceil(total / chunk), unit="chunk")
        while front.advance(chunk) > 0:
            if ctx.reporting:

                def state(front: Any = front) -> dict[str, Any]:
                    snapshot = front_state(to_working_scale(front.image), front.flags, front.arrival, front.filled)
                    snapshot["total"] = total
                    return snapshot

                ctx.step(front.filled, state)
        return to_working_scale(front.image)

    def _to_levels(
        self, image: np.ndarray, mask: np.ndarray, source_dtype: np.dtype
    ) -> tuple[np.ndarray, float, Callable[[np.ndarray], np.ndarray]]:
        """The image in the units the variant computes in, its rounding levels, and the way back."""
        if self.variant == "paper":
            return image.copy(), 0.0, lambda values: values
        if source_dtype.kind == "u":
            levels = float(np.iinfo(source_dtype).max)
            return np.rint(image * levels), levels, lambda values: values / levels
        known = image[~mask]
        low, high = float(known.min()), float(known.max())
        span = high - low if high > low else 1.0
        scaled = ((image - low) * (255.0 / span)).astype(np.float32).astype(np.float64)
        scaled[mask] = 0.0
        return scaled, 0.0, lambda values: values * (span / 255.0) + low
