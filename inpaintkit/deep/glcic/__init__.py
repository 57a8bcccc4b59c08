"""Globally and Locally Consistent Image Completion (Iizuka et al., SIGGRAPH 2017):
a dilated-convolution completion network judged by a global and a local discriminator.

The networks are in :mod:`inpaintkit.deep.glcic.network`; the post-processing in
:mod:`inpaintkit.deep.glcic._postprocess`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from ...api import Context, Inpainter
from ...params import check_bool, check_int
from .._table import registered
from ..adapter import DeepInpainter, Render
from ._postprocess import poisson_blend
from .network import SIZE_MULTIPLE, VALUE_RANGE, CompletionNetwork

__all__ = ["GLCIC"]

#: The official post-processing runs OpenCV's Telea fill with ``inpaintRadius=1``.
TELEA_RADIUS = 1


@registered("glcic")
class GLCIC(DeepInpainter):
    """GLCIC inpainting (Iizuka, Simo-Serra and Ishikawa, SIGGRAPH 2017).

    The completion network (:class:`~inpaintkit.deep.glcic.network.CompletionNetwork`,
    6,072,131 parameters) predicts the whole frame from the image with its hole zeroed and
    the mask; its dilated convolutions (rates 2 to 16 at a quarter of the resolution) let
    every hole pixel see about 300x300 pixels of context. It was trained against a global
    discriminator (is the whole image real?) and a local one (is the patch around the fill
    real?).

    **Post-processing** (``postprocess=True``, the paper's section 3.3 and the official
    ``inpaint.lua --postproc``): the prediction is composited into the hole, the hole is
    filled once more by Telea's fast marching (our ``telea``, ``variant="opencv"``,
    radius 1, as the official code calls OpenCV), and the prediction is Poisson-blended
    into that: the network's gradients inside the hole, the fast-marching fill's gradients
    in a 3-pixel band along its edge, the known pixels as boundary values
    (:func:`~inpaintkit.deep.glcic._postprocess.poisson_blend` says how this follows
    OpenCV's ``seamlessClone``). Colour shifts and seams at the hole's edge fade.

    Parameters
    ----------
    weights : str or path
        An inpaintkit checkpoint of a ``CompletionNetwork`` (its ``pixel_mean`` travels
        with it). The released models are Torch7 files, which are not read.
    postprocess : bool
        Fast-marching fill and Poisson blending after the network (True, as in the paper).
    device, strategy, max_size, crop_margin
        See :class:`~inpaintkit.deep.adapter.DeepInpainter` (sides are padded to a multiple
        of 4 by mirroring).
    backend, callback, progress, n_threads
        See :class:`~inpaintkit.Inpainter`.

    Notes
    -----
    :meth:`inpaint_batch` batches the network calls only with ``postprocess=False``; with
    post-processing each image goes through :meth:`inpaint` on its own.

    References
    ----------
    .. [1] S. Iizuka, E. Simo-Serra, H. Ishikawa, "Globally and Locally Consistent Image
       Completion", ACM TOG 36(4) (SIGGRAPH 2017), doi:10.1145/3072959.3073659.
    .. [2] satoshiiizuka/siggraph2017_inpainting, ``inpaint.lua`` (input preparation and
       ``--postproc``).
    .. [3] P. Pérez, M. Gangnet, A. Blake, "Poisson Image Editing", SIGGRAPH 2003,
       doi:10.1145/1201775.882269.

    Examples
    --------
    >>> import pathlib, tempfile, numpy as np, inpaintkit
    >>> from inpaintkit.deep.checkpoints import save_checkpoint
    >>> from inpaintkit.deep.glcic.network import CompletionNetwork
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "glcic.safetensors"
    >>> path = save_checkpoint(path, CompletionNetwork(), method="glcic", config={})  # random weights
    >>> glcic = inpaintkit.Inpainter.create("glcic", weights=path)
    >>> image = np.random.default_rng(0).random((32, 32, 3))
    >>> mask = np.zeros((32, 32), bool); mask[10:20, 10:20] = True
    >>> glcic.inpaint(image, mask).shape
    (32, 32, 3)
    """

    multiple = SIZE_MULTIPLE
    value_range = VALUE_RANGE
    weights_hint = (
        "inpaintkit ships no GLCIC weights and downloads none; pass a checkpoint written by "
        "inpaintkit.deep.checkpoints.save_checkpoint(path, CompletionNetwork(...), method='glcic', "
        "config={'pixel_mean': [r, g, b]}) after training (the official Torch7 .t7 models are not read)"
    )

    def __init__(
        self,
        *,
        weights: Any = None,
        postprocess: bool = True,
        device: str = "auto",
        strategy: str = "crop",
        max_size: int = 1024,
        crop_margin: int = 128,
        backend: str = "auto",
        callback: Any = None,
        progress: bool = False,
        n_threads: int | None = None,
    ) -> None:
        self.postprocess = check_bool("postprocess", postprocess)
        super().__init__(
            weights=weights,
            device=device,
            strategy=strategy,
            max_size=max_size,
            crop_margin=crop_margin,
            backend=backend,
            callback=callback,
            progress=progress,
            n_threads=n_threads,
        )
        self._fast_marching = Inpainter.create("telea", radius=TELEA_RADIUS, variant="opencv")

    def build_network(self, config: dict[str, Any]) -> CompletionNetwork:
        return CompletionNetwork(**config)

    def _fill(self, images: torch.Tensor, masks: torch.Tensor, ctx: Context, render: Render | None) -> torch.Tensor:
        with torch.no_grad():
            return self.network(images, masks)

    def _inpaint(self, image: np.ndarray, mask: np.ndarray, ctx: Context) -> np.ndarray:
        prediction = super()._inpaint(image, mask, ctx)
        if not self.postprocess:
            return prediction
        return poisson_blend(prediction, self._fast_marching.inpaint(image, mask), mask)

    def inpaint_batch(self, images: Sequence[Any], masks: Sequence[Any], *, batch_size: int = 4) -> list[Any]:
        if not self.postprocess or len(images) != len(masks):  # the base class refuses unequal lengths
            return super().inpaint_batch(images, masks, batch_size=batch_size)
        check_int("batch_size", batch_size, low=1)
        return [self.inpaint(image, mask) for image, mask in zip(images, masks)]

    inpaint_batch.__doc__ = DeepInpainter.inpaint_batch.__doc__
