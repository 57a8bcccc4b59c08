"""Criminisi exemplar-based inpainting: patches copied in an order that follows structure."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...api import Context, Inpainter, register
from ...errors import InsufficientContextError
from ...params import check_bool, check_odd

__all__ = ["Criminisi"]


@register(
    "criminisi",
    family="exemplar",
    year=2004,
    paper="A. Criminisi, P. Perez, K. Toyama, 'Region filling and object removal by exemplar-based "
    "image inpainting', IEEE Trans. Image Processing 13(9):1200-1212, 2004",
    doi="10.1109/TIP.2004.833105",
    backends=("numba", "numpy", "cupy"),
    test_params={"patch_size": 5},
    summary="Exemplar patches copied in priority order (confidence x isophote strength)",
)
class Criminisi(Inpainter):
    """Criminisi, Perez & Toyama exemplar-based inpainting.

    The hole is filled one patch at a time. The next patch to fill is centred on the fill
    front pixel of highest priority ``P = C x D``: ``C`` (confidence) is the share of
    reliable pixels in its patch, ``D`` (data term) the strength of the isophote (the edge
    direction) flowing into the hole across the front, so linear structures are continued
    before flat areas are filled. Its unknown pixels are copied from the known patch of the
    image that best matches (sum of squared differences over the known pixels), and take
    the patch's confidence. The fill order and the exemplars are deterministic: ties go to
    the higher confidence, then the smallest (y, x).

    Parameters
    ----------
    patch_size : int
        Odd side of the patches (the paper uses 9: a little larger than the largest texel).
    search_window : int or None
        None searches the whole image for exemplars; an odd integer keeps only the source
        patches centred in that square around the target (faster, and more local; the whole
        image is searched when the square holds no source patch).
    lab : bool
        Compare colour patches in CIE Lab, as the paper does (perceptually uniform: a step
        in any direction of colour weighs about what it looks); RGBA adds its alpha scaled
        to L's 0-100 range. Gray images, and any image with ``lab=False``, are compared on
        their own values. Integer images' colours are read as sRGB on 0-1, float images'
        values as they are.
    backend, callback, progress, n_threads
        See :class:`~inpaintkit.Inpainter`. ``numpy`` is the readable reference, ``numba``
        the fast CPU path, ``cupy`` the GPU path (exemplar search in a ``numba.cuda``
        kernel); all three give the same fill order and exemplars. The callback gets, after
        each patch, ``{"image", "remaining", "front", "confidence", "data", "priority",
        "target", "source", "step"}``: the image and confidence map after the paste, the
        pixels still unfilled, the fill front the target was chosen from with its data term
        and priority maps (0 off the front), and the target and exemplar centres (y, x).

    Raises
    ------
    InsufficientContextError
        When no patch of the image is entirely known (nothing to copy from).

    Notes
    -----
    As in the paper: exemplars come from the source region, the input's known pixels (not
    from pixels filled earlier); the isophote of a front pixel is the strongest gradient
    among the known pixels of its patch; the SSD compares CIE Lab colours. Choices where the
    paper leaves freedom: the front normal is the Sobel gradient of the unfilled indicator
    (the paper smooths the contour's points); patches are clipped at the image border (a
    border target compares its in-image pixels); ``alpha = 1`` (it scales every data term
    alike, so the fill order does not depend on it).

    References
    ----------
    .. [1] A. Criminisi, P. Perez, K. Toyama, "Region filling and object removal by
       exemplar-based image inpainting", IEEE Trans. Image Processing 13(9):1200-1212,
       2004, doi:10.1109/TIP.2004.833105.

    Examples
    --------
    >>> import numpy as np, inpaintkit
    >>> stripes = np.tile(np.array([0.0, 0.0, 1.0, 1.0]), (24, 6))
    >>> mask = np.zeros(stripes.shape, bool); mask[8:14, 9:15] = True
    >>> out = inpaintkit.Inpainter.create("criminisi", patch_size=5).inpaint(stripes, mask)
    >>> float(abs(out - stripes).max())
    0.0
    """

    def __init__(
        self,
        *,
        patch_size: int = 9,
        search_window: int | None = None,
        lab: bool = True,
        backend: str = "auto",
        callback: Any = None,
        progress: bool = False,
        n_threads: int | None = None,
    ) -> None:
        super().__init__(backend=backend, callback=callback, progress=progress, n_threads=n_threads)
        self.patch_size = check_odd("patch_size", patch_size, low=3)
        self.search_window = (
            None if search_window is None else check_odd("search_window", search_window, low=self.patch_size)
        )
        self.lab = check_bool("lab", lab)

    def min_image_size(self) -> int:
        return self.patch_size

    def check_context(self, mask: np.ndarray) -> None:
        from ..efros_leung._reference import fully_known_centres

        if not fully_known_centres(mask, self.patch_size // 2).any():
            raise InsufficientContextError(
                f"mask: no {self.patch_size}x{self.patch_size} patch of the image is entirely known, so there is "
                "no exemplar to copy from; use a smaller patch_size or a mask that leaves such a patch known"
            )

    def _inpaint(self, image: Any, mask: Any, ctx: Context) -> Any:
        ctx.start(None, unit="patch")
        if ctx.backend == "numba":
            return self._numba(image, mask, ctx)
        report = ctx.step if ctx.reporting else None
        if ctx.backend == "cupy":
            from ._cuda import criminisi_cuda

            return criminisi_cuda(
                image, mask, patch_size=self.patch_size, search_window=self.search_window, lab=self.lab, report=report
            )
        from ._reference import criminisi_reference

        return criminisi_reference(
            image, mask, patch_size=self.patch_size, search_window=self.search_window, lab=self.lab, report=report
        )

    def _numba(self, image: np.ndarray, mask: np.ndarray, ctx: Context) -> np.ndarray:
        import numba

        from ..efros_leung._reference import fully_known_centres
        from . import _numba as kernels
        from ._reference import channel_mean, fill_front, search_features, step_state

        height, width, _ = image.shape
        half = self.patch_size // 2
        planes = np.ascontiguousarray(np.moveaxis(image, 2, 0))
        known = ~mask
        confidence = known.astype(np.float64)
        gray = channel_mean(image)
        source = fully_known_centres(mask, half)
        source_integral = np.zeros((height + 1, width + 1), np.int64)
        source_integral[1:, 1:] = source.cumsum(axis=0).cumsum(axis=1)
        pixels = np.ascontiguousarray(search_features(image, self.lab))
        coarse = kernels.window_extrema(pixels, known, kernels.TILE)
        fine = kernels.window_extrema(pixels, known, kernels.FINE_TILE)
        rows, cols = np.nonzero(mask)
        bbox = np.array([rows.min(), rows.max() + 1, cols.min(), cols.max() + 1], np.int64)
        cache = np.zeros((3, height, width))
        row_best = np.full((2, height), -1.0)
        row_x = np.full(height, -1, np.int64)
        kernels.refresh_rows(gray, known, confidence, half, cache, bbox, row_best, row_x, 0, height)
        shift = np.full((2, height, width), kernels.NO_SHIFT, np.int64)
        data_map, priority_map = np.zeros((height, width)), np.zeros((height, width))
        radius = -1 if self.search_window is None else self.search_window // 2
        remaining = int(mask.sum())
        step = 0
        while remaining > 0:
            front = None
            if ctx.wants_state:
                front = fill_front(known)
                kernels.front_maps(known, cache, bbox, data_map, priority_map)
            ty, tx, patch_confidence = kernels.select_target(row_best, row_x)
            dy, dx, n_offsets, target, y_lo, y_hi, x_lo, x_hi, bound = kernels.prepare_search(
                pixels, known, source, source_integral, shift, half, radius, ty, tx
            )
            sy, sx = kernels.search(
                pixels, source, source_integral, coarse, fine, dy, dx, n_offsets, target, y_lo, y_hi, x_lo, x_hi,
                bound, numba.get_num_threads(),
            )
            remaining -= kernels.paste(
                planes, gray, known, confidence, shift, cache, bbox, row_best, row_x, half, ty, tx, sy, sx,
                patch_confidence,
            )
            if ctx.reporting:
                ctx.step(
                    step,
                    lambda: step_state(
                        np.moveaxis(planes, 0, 2), known, confidence, front, data_map, priority_map,
                        (ty, tx), (sy, sx), step,
                    ),
                )
            step += 1
        return np.moveaxis(planes, 0, 2)
