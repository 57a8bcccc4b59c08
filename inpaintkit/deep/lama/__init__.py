"""LaMa (Suvorov et al., WACV 2022): fast Fourier convolution ResNet for large masks.

The networks are in :mod:`inpaintkit.deep.lama.network`; :class:`LaMa` runs the generator
through the common adapter (:class:`~inpaintkit.deep.adapter.DeepInpainter`).
"""

from __future__ import annotations

from typing import Any

import torch

from ...api import Context
from ...errors import InvalidParameterError, WeightsError
from ...params import check_int
from .._table import registered
from ..adapter import DeepInpainter, Render
from .network import BIG_LAMA_BLOCKS, LAMA_FOURIER_BLOCKS, FFCResNetGenerator

__all__ = ["LaMa", "FFCResNetGenerator"]


@registered("lama")
class LaMa(DeepInpainter):
    """LaMa: large-mask inpainting with fast Fourier convolutions (Suvorov et al., WACV 2022).

    A feed-forward ResNet whose residual blocks are fast Fourier convolutions: 75 % of the
    channels pass through a spectral transform (a 1x1 convolution on the image's 2-D
    Fourier transform), so every layer sees the whole image. That image-wide receptive
    field is what lets LaMa fill large holes with repeating structure, and it generalises
    from its 256x256 training crops to higher resolutions. Big LaMa (the released model)
    has 18 blocks and 50,975,875 parameters, LaMa-Fourier 9 blocks and 27,048,835.

    Parameters
    ----------
    weights : str or path
        Required. An inpaintkit checkpoint of ``lama`` (its config holds the network's
        constructor arguments, :class:`~inpaintkit.deep.lama.network.FFCResNetGenerator`),
        or LaMa's official Lightning checkpoint (``big-lama/models/best.ckpt``; the
        TorchScript ``big-lama.pt`` of other tools holds code and is refused).
    n_blocks : int, optional
        Residual blocks the weights must have (18 for Big LaMa, 9 for LaMa-Fourier); a
        check, since the weights fix the network. None (default) accepts what they hold.
    device, strategy, max_size, crop_margin
        See :class:`~inpaintkit.deep.adapter.DeepInpainter`. Sides are mirror-padded to a
        multiple of 8 (``2 ** n_downsampling``).
    backend, callback, progress, n_threads
        See :class:`~inpaintkit.Inpainter` (one pass, no intermediate steps to report).

    Raises
    ------
    WeightsError
        No weights, weights of another method or network, or another ``n_blocks``.

    References
    ----------
    .. [1] R. Suvorov, E. Logacheva, A. Mashikhin, A. Remizova, A. Ashukha, A. Silvestrov,
       N. Kong, H. Goka, K. Park, V. Lempitsky, "Resolution-robust Large Mask Inpainting
       with Fourier Convolutions", WACV 2022, doi:10.1109/WACV51458.2022.00323; code:
       github.com/advimman/lama.

    Examples
    --------
    >>> import inpaintkit
    >>> inpaintkit.Inpainter.create("lama")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    WeightsError: weights: 'lama' needs weights=<path>; ...
    """

    value_range = (0.0, 1.0)
    weights_hint = (
        "pass LaMa's official checkpoint (big-lama/models/best.ckpt from advimman/lama, the Lightning file, "
        "not the TorchScript big-lama.pt), or an inpaintkit checkpoint written with "
        "inpaintkit.deep.checkpoints.save_checkpoint(path, generator, method='lama', config={...})"
    )

    def __init__(
        self,
        *,
        weights: Any = None,
        n_blocks: int | None = None,
        device: str = "auto",
        strategy: str = "crop",
        max_size: int = 1024,
        crop_margin: int = 128,
        backend: str = "auto",
        callback: Any = None,
        progress: bool = False,
        n_threads: int | None = None,
    ) -> None:
        # Set before the adapter loads the weights, which build_network checks against it.
        self.n_blocks = None if n_blocks is None else check_int("n_blocks", n_blocks, low=0)
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

    def build_network(self, config: dict[str, Any]) -> FFCResNetGenerator:
        try:
            network = FFCResNetGenerator(**config)
        except (TypeError, InvalidParameterError) as exc:
            raise WeightsError(f"weights: the network config {config!r} is not a LaMa generator's ({exc})") from None
        held = config.get("n_blocks", BIG_LAMA_BLOCKS)
        if self.n_blocks is not None and held != self.n_blocks:
            raise WeightsError(
                f"n_blocks: expected weights with {self.n_blocks} residual blocks, got {held} "
                f"(Big LaMa has {BIG_LAMA_BLOCKS}, LaMa-Fourier {LAMA_FOURIER_BLOCKS}); pass the matching "
                "weights, or n_blocks=None to accept these"
            )
        return network

    def _fill(self, images: torch.Tensor, masks: torch.Tensor, ctx: Context, render: Render | None) -> torch.Tensor:
        with torch.no_grad():
            return self.network(images, masks)
