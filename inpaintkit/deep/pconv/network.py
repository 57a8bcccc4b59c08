"""The partial-convolution U-Net (Liu et al., ECCV 2018).

Every convolution is a :class:`~inpaintkit.deep.layers.PartialConv2d`: it sees only the
valid pixels of its window, re-scales by ``sum(1) / sum(M)``, and marks its output valid
when the window held any valid pixel, so the hole shrinks at every level. The encoder has
``layers`` stride-2 levels (7 for 256x256 images, 8 for the paper's 512x512): PConv1 7x7
to 64 channels (no batch norm), PConv2 5x5 to 128, PConv3 5x5 to 256, PConv4 3x3 to 512,
PConv5.. 3x3 to 512, each with batch norm and ReLU. The decoder goes back up level by
level: nearest-neighbour x2 upsampling of the features **and of the mask**, concatenation
with the encoder's features **and mask** of the same level (the skip link), a 3x3 partial
convolution, batch norm and LeakyReLU(0.2); the last level concatenates the input image
and its mask and ends in a plain 3x3 partial convolution to 3 channels (no batch norm, no
activation, with bias).

Parameters: 25,779,796 for 7 levels and 32,859,732 for 8 (deep-methods.md: 25.78M and
32.86M), counted as in the naoto0804 port that deep-methods.md names: every hidden
partial convolution is bias-free (batch norm follows most of them) and only the output
convolution has a bias. The masks are multi-channel (NVIDIA's ``multi_channel=True``),
since after a skip concatenation the upsampled channels and the skip channels have
different masks.

Values: the output has no activation; the adapter feeds images on [-1, 1] (mmagic's PConv
configs normalise with mean = std = 127.5; the naoto0804 port uses ImageNet statistics for
its VGG loss). Masks at the interface are 1 = hole, as everywhere in inpaintkit; inside,
the partial convolutions work on the paper's 1 = valid, and the masks returned by
``return_masks=True`` are 1 = valid too (they are the layers' own).

State-dict naming
-----------------
``enc_1`` ... ``enc_<layers>`` and ``dec_1`` ... ``dec_<layers>``, each with ``conv``
(``conv.weight``, and ``conv.bias`` for ``dec_1``) and ``bn``, as naoto0804's
``PConvUNet`` (whose partial convolution stores ``conv.input_conv.weight``: drop the
``input_conv`` level when converting). That port divides by ``sum(M)`` rather than the
paper's ``sum(1) / sum(M)``, so its weights differ from ours by that constant factor in
layers without batch norm.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import InvalidImageError, InvalidParameterError, ShapeMismatchError
from ..layers import PartialConv2d

__all__ = ["PConvUNet", "PAPER_LAYERS", "LAYERS_256", "VALUE_RANGE"]

#: Levels of the paper's network for 512x512 images.
PAPER_LAYERS = 8
#: Levels for 256x256 images (mmagic ``num_layers=7``, naoto0804 ``layer_size=7``).
LAYERS_256 = 7
#: Value range the adapter feeds (the network itself is linear at the output).
VALUE_RANGE = (-1.0, 1.0)

Activation = Literal["relu", "leaky"] | None


class _PConvBlock(nn.Module):
    """Partial convolution, optional batch norm, optional activation; passes the mask on."""

    def __init__(
        self,
        cin: int,
        cout: int,
        kernel_size: int,
        stride: int,
        batch_norm: bool = True,
        activation: Activation = "relu",
        bias: bool = False,
    ) -> None:
        super().__init__()
        self.conv = PartialConv2d(
            cin, cout, kernel_size, stride=stride, padding=kernel_size // 2, bias=bias, multi_channel=True
        )
        self.bn = nn.BatchNorm2d(cout) if batch_norm else None
        self.activation = activation

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x, mask = self.conv(x, mask)
        if self.bn is not None:
            x = self.bn(x)
        if self.activation == "relu":
            x = F.relu(x)
        elif self.activation == "leaky":
            x = F.leaky_relu(x, 0.2)
        return x, mask


class PConvUNet(nn.Module):
    """Partial-convolution U-Net with ``layers`` levels.

    Parameters
    ----------
    layers : int
        Stride-2 levels, at least 4: 7 for 256x256 images (25,779,796 parameters), 8 as in
        the paper for 512x512 (32,859,732). H and W must be multiples of ``2 ** layers``
        (``net.size_multiple``).
    freeze_encoder_bn : bool
        Keep the encoder's batch norms in evaluation mode even in ``train()``: the paper's
        fine-tuning stage (learning rate 5e-5, "freeze the batch normalization parameters
        in the encoder part"). Setting the attribute later takes effect at the next
        ``train()``.

    Notes
    -----
    Forward: ``net(image, mask, return_masks=False) -> output`` or ``(output, masks)``

    * ``image`` (N, 3, H, W), on [-1, 1] in inpaintkit; what the hole holds is ignored.
    * ``mask`` (N, 1, H, W), **1 = hole** (converted to the layers' 1 = valid inside).
    * ``output`` (N, 3, H, W): the prediction over the whole frame (no output activation);
      the paper composites it into the hole.
    * ``masks`` (with ``return_masks=True``): the valid masks (N, 1, h, w), 1 = valid,
      after each encoder level and after the output layer: the hole shrinking level by
      level, and gone at the end.

    References
    ----------
    .. [1] G. Liu, F. A. Reda, K. J. Shih, T.-C. Wang, A. Tao, B. Catanzaro, "Image
       Inpainting for Irregular Holes Using Partial Convolutions", ECCV 2018,
       doi:10.1007/978-3-030-01252-6_6, section 3.2.
    .. [2] naoto0804/pytorch-inpainting-with-partial-conv, ``net.py`` (``PConvUNet``);
       NVIDIA/partialconv, ``models/partialconv2d.py`` (the layer).

    Examples
    --------
    >>> net = PConvUNet(layers=4).eval()
    >>> image, mask = torch.zeros(1, 3, 32, 32), torch.zeros(1, 1, 32, 32)
    >>> tuple(net(image, mask).shape)
    (1, 3, 32, 32)
    """

    value_range = VALUE_RANGE

    def __init__(self, layers: int = LAYERS_256, freeze_encoder_bn: bool = False) -> None:
        super().__init__()
        if not isinstance(layers, int) or isinstance(layers, bool) or layers < 4:
            raise InvalidParameterError(
                f"layers must be an int >= 4 (7 for 256x256 images, 8 in the paper); got {layers!r}."
            )
        self.layers = layers
        self.size_multiple = 2**layers
        self.freeze_encoder_bn = bool(freeze_encoder_bn)
        self.enc_1 = _PConvBlock(3, 64, 7, 2, batch_norm=False)
        self.enc_2 = _PConvBlock(64, 128, 5, 2)
        self.enc_3 = _PConvBlock(128, 256, 5, 2)
        self.enc_4 = _PConvBlock(256, 512, 3, 2)
        for i in range(5, layers + 1):
            self.add_module(f"enc_{i}", _PConvBlock(512, 512, 3, 2))
        for i in range(5, layers + 1):
            self.add_module(f"dec_{i}", _PConvBlock(512 + 512, 512, 3, 1, activation="leaky"))
        self.dec_4 = _PConvBlock(512 + 256, 256, 3, 1, activation="leaky")
        self.dec_3 = _PConvBlock(256 + 128, 128, 3, 1, activation="leaky")
        self.dec_2 = _PConvBlock(128 + 64, 64, 3, 1, activation="leaky")
        self.dec_1 = _PConvBlock(64 + 3, 3, 3, 1, batch_norm=False, activation=None, bias=True)

    def train(self, mode: bool = True) -> PConvUNet:
        super().train(mode)
        if mode and self.freeze_encoder_bn:
            for i in range(1, self.layers + 1):
                block = getattr(self, f"enc_{i}")
                if block.bn is not None:
                    block.bn.eval()
        return self

    def forward(
        self, image: torch.Tensor, mask: torch.Tensor, return_masks: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        n, c, h, w = image.shape
        if c != 3 or h % self.size_multiple or w % self.size_multiple:
            raise InvalidImageError(
                f"PConvUNet(layers={self.layers}): image must be (N, 3, H, W) with H and W multiples of "
                f"{self.size_multiple}; got {tuple(image.shape)}. Pad the image (and mask) first."
            )
        if mask.shape != (n, 1, h, w):
            raise ShapeMismatchError(f"PConvUNet: mask must be ({n}, 1, {h}, {w}); got {tuple(mask.shape)}.")

        features = [image]
        valid = [(1.0 - mask).expand(n, 3, h, w)]
        for i in range(1, self.layers + 1):
            x, m = getattr(self, f"enc_{i}")(features[-1], valid[-1])
            features.append(x)
            valid.append(m)

        x, m = features[-1], valid[-1]
        for i in range(self.layers, 0, -1):
            x = torch.cat((F.interpolate(x, scale_factor=2, mode="nearest"), features[i - 1]), dim=1)
            m = torch.cat((F.interpolate(m, scale_factor=2, mode="nearest"), valid[i - 1]), dim=1)
            x, m = getattr(self, f"dec_{i}")(x, m)
        if not return_masks:
            return x
        return x, [level[:, :1] for level in valid[1:]] + [m[:, :1]]
