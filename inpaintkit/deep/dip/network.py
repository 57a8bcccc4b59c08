"""Deep Image Prior's encoder-decoder with skip connections (the ``skip`` network).

Written from the description of ``models/skip.py`` in the official code
(DmitryUlyanov/deep-image-prior) and the configuration of its inpainting notebook for text
removal: 32 input channels of noise, five scales of 128 channels down, up and on the skip
branches, 3x3 convolutions, 1x1 skip convolutions, nearest-neighbour upsampling, reflection
padding, batch norm and LeakyReLU(0.2), a 1x1 output convolution and a sigmoid.
With 3 output channels it has 3,002,627 parameters, as the notebook prints.

Each scale ``i`` is::

    x -+- skip: conv1x1 - BN - LReLU ------------------------------------+
       +- down: conv(stride 2) - BN - LReLU - conv - BN - LReLU          |
                - [scale i+1] - upsample x2 ------------------------- concat
          - BN - conv(k_up) - BN - LReLU - conv1x1 - BN - LReLU

so the input height and width must be multiples of ``2 ** scales``, and in training mode
(batch statistics) of ``2 ** (scales + 1)``, which leaves 2x2 at the deepest scale.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

__all__ = ["SkipNetwork"]


def _conv(in_channels: int, out_channels: int, kernel_size: int, stride: int = 1) -> nn.Conv2d:
    """A convolution with reflection padding that keeps the size (or halves it at stride 2)."""
    return nn.Conv2d(
        in_channels,
        out_channels,
        kernel_size,
        stride=stride,
        padding=(kernel_size - 1) // 2,
        padding_mode="reflect",
    )


def _conv_bn_act(in_channels: int, out_channels: int, kernel_size: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        _conv(in_channels, out_channels, kernel_size, stride),
        nn.BatchNorm2d(out_channels),
        nn.LeakyReLU(0.2),
    )


class _Scale(nn.Module):
    """One scale of the network: a skip branch beside a down/deeper/up branch, then merging."""

    def __init__(
        self,
        in_channels: int,
        down: Sequence[int],
        up: Sequence[int],
        skip: Sequence[int],
        kernel_down: int,
        kernel_up: int,
    ) -> None:
        super().__init__()
        self.skip = _conv_bn_act(in_channels, skip[0], 1) if skip[0] else None
        self.down = nn.Sequential(
            _conv_bn_act(in_channels, down[0], kernel_down, stride=2),
            _conv_bn_act(down[0], down[0], kernel_down),
        )
        self.deeper = _Scale(down[0], down[1:], up[1:], skip[1:], kernel_down, kernel_up) if len(down) > 1 else None
        self.upsample = nn.Upsample(scale_factor=2, mode="nearest")
        merged = skip[0] + (up[1] if len(down) > 1 else down[0])
        self.merge = nn.Sequential(
            nn.BatchNorm2d(merged),
            _conv_bn_act(merged, up[0], kernel_up),
            _conv_bn_act(up[0], up[0], 1),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.down(x)
        if self.deeper is not None:
            y = self.deeper(y)
        y = self.upsample(y)
        if self.skip is not None:
            y = torch.cat([self.skip(x), y], dim=1)
        return self.merge(y)


class SkipNetwork(nn.Module):
    """The ``skip`` encoder-decoder of Deep Image Prior.

    Parameters
    ----------
    in_channels : int
        Channels of the input code ``z`` (32 in the notebook).
    out_channels : int
        Channels of the image (3 for RGB).
    channels : int
        Channels of every scale on the down, up and skip paths (128 in the notebook).
    scales : int
        Number of scales (5); see the module docstring for the input sizes this allows.
    skip_channels : int or None
        Channels of the skip branches (None: same as ``channels``; 0: no skip branches, the
        notebook's large-hole configuration).
    kernel_down, kernel_up : int
        Kernel sizes on the down and up paths (3 and 3).

    References
    ----------
    .. [1] D. Ulyanov, A. Vedaldi, V. Lempitsky, "Deep Image Prior", CVPR 2018,
       doi:10.1109/CVPR.2018.00984.
    """

    def __init__(
        self,
        in_channels: int = 32,
        out_channels: int = 3,
        *,
        channels: int = 128,
        scales: int = 5,
        skip_channels: int | None = None,
        kernel_down: int = 3,
        kernel_up: int = 3,
    ) -> None:
        super().__init__()
        widths = [channels] * scales
        skips = [channels if skip_channels is None else skip_channels] * scales
        self.body = _Scale(in_channels, widths, widths, skips, kernel_down, kernel_up)
        self.head = nn.Conv2d(channels, out_channels, 1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Map the code ``z`` (N, in_channels, H, W) to an image (N, out_channels, H, W) in [0, 1]."""
        return torch.sigmoid(self.head(self.body(z)))
