"""Partial convolutions (Liu et al., ECCV 2018): a U-Net whose convolutions see only valid
pixels and update the mask level by level.

The network is in :mod:`inpaintkit.deep.pconv.network` (imports torch).
"""

from __future__ import annotations

from typing import Any

import torch

from ...api import Context
from .._table import registered
from ..adapter import DeepInpainter, Render
from .network import VALUE_RANGE, PConvUNet

__all__ = ["PartialConvolution"]


@registered("pconv")
class PartialConvolution(DeepInpainter):
    """Partial-convolution inpainting (Liu, Reda, Shih, Wang, Tao and Catanzaro, ECCV 2018).

    A U-Net (:class:`~inpaintkit.deep.pconv.network.PConvUNet`) whose every convolution
    is a partial convolution: it averages only the valid pixels under its window (rescaled
    by how many there are) and marks its output valid when any was, so the hole shrinks
    level by level and no hole value ever enters the computation. Decoder levels upsample
    features and masks and concatenate the encoder's (skip links). The prediction is
    clipped to the image range ([-1, 1] for the network; the network itself has no output
    activation).

    The number of levels comes with the weights: ``layers=7`` for 256x256 training images
    (25,779,796 parameters), ``layers=8`` as in the paper for 512x512 (32,859,732). Images
    are padded by mirroring to a multiple of ``2 ** layers`` (128 or 256): a 300x200 image
    runs at 384x256.

    Parameters
    ----------
    weights : str or path
        An inpaintkit checkpoint of a ``PConvUNet`` (``config={"layers": 7}`` or 8).
    device, strategy, max_size, crop_margin
        See :class:`~inpaintkit.deep.adapter.DeepInpainter`; ``max_size`` must be at least
        ``2 ** layers``.
    backend, callback, progress, n_threads
        See :class:`~inpaintkit.Inpainter`.

    References
    ----------
    .. [1] G. Liu, F. A. Reda, K. J. Shih, T.-C. Wang, A. Tao, B. Catanzaro, "Image
       Inpainting for Irregular Holes Using Partial Convolutions", ECCV 2018,
       doi:10.1007/978-3-030-01252-6_6.

    Examples
    --------
    >>> import pathlib, tempfile, numpy as np, inpaintkit
    >>> from inpaintkit.deep.checkpoints import save_checkpoint
    >>> from inpaintkit.deep.pconv.network import PConvUNet
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "pconv.safetensors"
    >>> path = save_checkpoint(path, PConvUNet(layers=7), method="pconv", config={"layers": 7})
    >>> pconv = inpaintkit.Inpainter.create("pconv", weights=path)
    >>> pconv.multiple
    128
    """

    value_range = VALUE_RANGE
    weights_hint = (
        "inpaintkit ships no partial-convolution weights and downloads none; pass a checkpoint written by "
        "inpaintkit.deep.checkpoints.save_checkpoint(path, PConvUNet(layers=7), method='pconv', "
        "config={'layers': 7}) after training or converting (see PConvUNet's docstring for the naoto0804 port)"
    )

    def build_network(self, config: dict[str, Any]) -> PConvUNet:
        return PConvUNet(**config)

    def _fill(self, images: torch.Tensor, masks: torch.Tensor, ctx: Context, render: Render | None) -> torch.Tensor:
        low, high = self.value_range
        with torch.no_grad():
            return self.network(images, masks).clamp(low, high)
