"""Efros-Leung texture synthesis: the hole grows pixel by pixel from matching windows."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...api import Context, Inpainter, register
from ...errors import InsufficientContextError
from ...params import check_float, check_int, check_odd, check_seed

__all__ = ["EfrosLeung"]


@register(
    "efros-leung",
    family="texture",
    year=1999,
    paper="A. A. Efros, T. K. Leung, 'Texture synthesis by non-parametric sampling', ICCV 1999",
    doi="10.1109/ICCV.1999.790383",
    backends=("numba", "numpy", "cupy"),
    test_params={"window_size": 5},
    summary="Non-parametric texture synthesis, one pixel at a time, onion-peel order",
    randomized=True,
)
class EfrosLeung(Inpainter):
    """Efros-Leung non-parametric texture synthesis.

    The hole is filled from its edge inwards, one pixel at a time (onion peel: pixels whose
    window holds the most known pixels first). For each pixel, the known part of its
    ``window_size`` window is compared with every fully known window of the image by a
    Gaussian-weighted sum of squared differences (``sigma = window_size / 6.4``); the
    windows within ``(1 + epsilon)`` of the best are the matches, and the centre of one of
    them, drawn at random, is copied. A pixel whose drawn match is worse than ``max_error``
    waits; when a whole layer waits, ``max_error`` grows by 10 % (the paper's
    ``MaxErrThreshold``).

    Parameters
    ----------
    window_size : int
        Odd side of the matching window (the paper's main knob: about the size of the
        texture's largest regular feature).
    epsilon : float
        Matches are the windows with distance ``<= (1 + epsilon) * best``.
    max_error : float
        Largest accepted error of a match: the Gaussian-weighted mean squared difference
        per channel, relative to the known values' range squared.
    seed : int
        Seed of the counter-based random draws (same seed, same backend: same output; the
        draws are the same on every backend).
    search_band : int or None
        None searches the whole known image; an integer keeps only the windows centred
        within that many pixels (Chebyshev distance) of the hole.
    backend, callback, progress, n_threads
        See :class:`~inpaintkit.Inpainter`. ``numpy`` is the readable reference, ``numba``
        the fast CPU path, ``cupy`` the GPU path (distances in a ``numba.cuda`` kernel).
        The callback gets, after each layer, ``{"image", "synthesized", "remaining",
        "layer", "pass", "max_error", "n_filled"}``: the image so far, the pixels grown
        so far, those still to fill, the layer just tried, its index, the threshold it ran
        with and how many of its pixels were filled.

    Raises
    ------
    InsufficientContextError
        When no fully known window (within ``search_band`` of the hole) exists.

    References
    ----------
    .. [1] A. A. Efros, T. K. Leung, "Texture synthesis by non-parametric sampling",
       Proc. ICCV 1999, pp. 1033-1038, doi:10.1109/ICCV.1999.790383.

    Examples
    --------
    >>> import numpy as np, inpaintkit
    >>> stripes = np.tile(np.array([0.0, 0.0, 1.0, 1.0]), (16, 4))
    >>> mask = np.zeros(stripes.shape, bool); mask[6:10, 6:10] = True
    >>> out = inpaintkit.Inpainter.create("efros-leung", window_size=5).inpaint(stripes, mask)
    >>> float(abs(out - stripes).max())
    0.0
    """

    def __init__(
        self,
        *,
        window_size: int = 11,
        epsilon: float = 0.1,
        max_error: float = 0.3,
        seed: int = 0,
        search_band: int | None = None,
        backend: str = "auto",
        callback: Any = None,
        progress: bool = False,
        n_threads: int | None = None,
    ) -> None:
        super().__init__(backend=backend, callback=callback, progress=progress, n_threads=n_threads)
        self.window_size = check_odd("window_size", window_size, low=3)
        self.epsilon = check_float("epsilon", epsilon, low=0.0)
        self.max_error = check_float("max_error", max_error, low=0.0, low_open=True)
        self.seed = check_seed("seed", seed)
        self.search_band = None if search_band is None else check_int("search_band", search_band, low=1)

    def min_image_size(self) -> int:
        return self.window_size

    def check_context(self, mask: np.ndarray) -> None:
        from ._reference import candidate_centres

        cand_y, _ = candidate_centres(mask, self.window_size // 2, self.search_band)
        if cand_y.size == 0:
            where = "" if self.search_band is None else f" within search_band={self.search_band} pixels of the hole"
            raise InsufficientContextError(
                f"mask: no fully known {self.window_size}x{self.window_size} window exists{where}, so there is "
                "nothing to sample from; use a smaller window_size, "
                + ("a larger search_band (or None), " if self.search_band is not None else "")
                + "or a mask that leaves such a window known"
            )

    def _inpaint(self, image: Any, mask: Any, ctx: Context) -> Any:
        ctx.start(None, unit="layer")
        params = {
            "window_size": self.window_size,
            "epsilon": self.epsilon,
            "max_error": self.max_error,
            "seed": self.seed,
            "search_band": self.search_band,
            "report": ctx.step if ctx.reporting else None,
        }
        if ctx.backend == "cupy":
            from ._cuda import efros_leung_cuda

            return efros_leung_cuda(image, mask, **params)
        from ._reference import efros_leung_reference

        if ctx.backend == "numba":
            return efros_leung_reference(image, mask, **params, fill_layer=_numba_layer_filler)
        return efros_leung_reference(image, mask, **params)


def _numba_layer_filler(image, filled, ys, xs, order, cand_y, cand_x, *, epsilon, seed, pass_index, max_error,
                        error_unit):
    """``fill_layer_reference``'s signature around the numba kernel (which wants the image
    channel-first and the candidates as a map)."""
    from ._numba import fill_layer

    planes = np.ascontiguousarray(np.moveaxis(image, 2, 0))
    candidates = np.zeros(filled.shape, bool)
    candidates[cand_y, cand_x] = True
    n_filled = fill_layer(
        planes, filled, ys, xs, *order, candidates, epsilon, seed, pass_index, max_error, error_unit
    )
    image[...] = np.moveaxis(planes, 0, 2)
    return n_filled
