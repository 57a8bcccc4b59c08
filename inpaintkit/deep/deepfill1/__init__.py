"""DeepFill v1 (Yu et al., CVPR 2018): coarse-to-fine generation with contextual attention,
trained against local and global WGAN-GP critics.

The networks are in :mod:`inpaintkit.deep.deepfill1.network` (imports torch).
"""

from __future__ import annotations

from typing import Any

import torch

from ...api import Context
from .._table import registered
from ..adapter import DeepInpainter, Render
from .network import SIZE_MULTIPLE, VALUE_RANGE, DeepFillV1Generator

__all__ = ["DeepFillV1"]


@registered("deepfill1")
class DeepFillV1(DeepInpainter):
    """DeepFill v1 inpainting (Yu, Lin, Yang, Shen, Lu and Huang, CVPR 2018).

    A coarse network (dilated convolutions at a quarter of the resolution) makes a first
    guess of the hole; a refinement network takes that guess pasted into the image and
    merges two branches: dilated convolutions, and *contextual attention*, which fills each
    hole feature with a softmax-weighted copy of the known features that match it best
    (:class:`~inpaintkit.deep.layers.ContextualAttention`). The refined output is what the
    official test script composites into the hole
    (:class:`~inpaintkit.deep.deepfill1.network.DeepFillV1Generator`, 3,601,542 parameters).

    Parameters
    ----------
    weights : str or path
        An inpaintkit checkpoint of a ``DeepFillV1Generator`` (its ``config`` holds
        ``cnum``, ``padding``, ``attention_fuse`` and ``softmax_scale``). Official TensorFlow
        checkpoints and the daa233 PyTorch port's files are not read directly; the
        network's docstring maps their names onto ours for a conversion.
    device, strategy, max_size, crop_margin
        See :class:`~inpaintkit.deep.adapter.DeepInpainter` (sides are padded to a multiple
        of 8 by mirroring).
    backend, callback, progress, n_threads
        See :class:`~inpaintkit.Inpainter`.

    References
    ----------
    .. [1] J. Yu, Z. Lin, J. Yang, X. Shen, X. Lu, T. S. Huang, "Generative Image Inpainting
       with Contextual Attention", CVPR 2018, doi:10.1109/CVPR.2018.00577.
    .. [2] JiahuiYu/generative_inpainting (v1.0.0), ``inpaint_model.py``, ``test.py``.

    Examples
    --------
    >>> import pathlib, tempfile, numpy as np, inpaintkit
    >>> from inpaintkit.deep.checkpoints import save_checkpoint
    >>> from inpaintkit.deep.deepfill1.network import DeepFillV1Generator
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "deepfill1.safetensors"
    >>> path = save_checkpoint(path, DeepFillV1Generator(cnum=8), method="deepfill1", config={"cnum": 8})
    >>> image = np.random.default_rng(0).random((40, 48, 3))
    >>> mask = np.zeros((40, 48), bool); mask[10:22, 12:30] = True
    >>> inpaintkit.Inpainter.create("deepfill1", weights=path).inpaint(image, mask).shape
    (40, 48, 3)
    """

    multiple = SIZE_MULTIPLE
    value_range = VALUE_RANGE
    weights_hint = (
        "inpaintkit ships no DeepFill v1 weights and downloads none; pass a checkpoint written by "
        "inpaintkit.deep.checkpoints.save_checkpoint(path, DeepFillV1Generator(...), method='deepfill1', "
        "config={...}) after training or converting official weights"
    )

    def build_network(self, config: dict[str, Any]) -> DeepFillV1Generator:
        return DeepFillV1Generator(**config)

    def _fill(self, images: torch.Tensor, masks: torch.Tensor, ctx: Context, render: Render | None) -> torch.Tensor:
        with torch.no_grad():
            _, refined, _ = self.network(images, masks)
        return refined
