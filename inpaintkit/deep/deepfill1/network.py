"""DeepFill v1 (Yu et al., CVPR 2018): coarse and refinement networks with contextual
attention, and the local and global WGAN-GP critics.

The generator is ``InpaintCAModel.build_inpaint_net`` of the official TensorFlow code
(JiahuiYu/generative_inpainting, branch v1.0.0), cnum = 32: plain convolutions with ELU
(no gating, unlike v2), a coarse encoder-decoder with dilated convolutions (rates 2, 4, 8,
16) at 1/4 resolution, then a refinement network whose two branches, dilated convolutions
("hallucination") and :class:`~inpaintkit.deep.layers.ContextualAttention`, are
concatenated and decoded. Both stages end in a convolution to 3 channels clipped to
[-1, 1]. 3,601,542 parameters (coarse 1,448,227, refinement 2,153,315; deep-methods.md:
about 3.60M and 1.45M).

The critics are ``build_wgan_local_discriminator`` (5x5 stride-2 convolutions with
LeakyReLU, 64, 128, 256, 512 channels, on the 128x128 patch around the hole; 4,339,329
parameters with its dense layer) and ``build_wgan_global_discriminator`` (64, 128, 256,
256 channels on the 256x256 image; 2,733,441), each flattened into a dense layer with one
output (``dout_local_fc``, ``dout_global_fc``): Wasserstein critics, trained with a
gradient penalty.

Values are in [-1, 1]; masks are 1 = hole; H and W multiples of 8 (``size_multiple``).

State-dict naming
-----------------
The generator mirrors the PyTorch port daa233/generative-inpainting-pytorch
(``model/networks.py``), so its checkpoints load key for key: ``coarse_generator.<name>``
and ``fine_generator.<name>``, each ``<name>.conv.weight`` / ``.bias``. Against the
official TensorFlow scopes (``inpaint_net/<scope>/kernel``, HWIO, PyTorch OIHW is
``transpose(3, 2, 0, 1)``):

======================================================  =========================================
ours / port                                             official TF scope
======================================================  =========================================
coarse_generator.conv1 ... conv12                       conv1, conv2_downsample, conv3,
                                                        conv4_downsample, conv5, conv6,
                                                        conv7_atrous ... conv10_atrous, conv11,
                                                        conv12
coarse_generator.conv13, conv15                         conv13_upsample/conv13_upsample_conv,
                                                        conv15_upsample/conv15_upsample_conv
coarse_generator.conv14, conv16, conv17                 conv14, conv16, conv17
fine_generator.conv1 ... conv10_atrous                  xconv1 ... xconv10_atrous
fine_generator.pmconv1 ... pmconv6, pmconv9, pmconv10   pmconv1 ... pmconv6, pmconv9, pmconv10
fine_generator.allconv11 ... allconv17                  allconv11 ... allconv17 (13 and 15 are
                                                        ``allconv13_upsample/..._conv``)
======================================================  =========================================

(the port names the coarse layers ``conv2_downsample``, ``conv4_downsample`` and
``conv7_atrous`` ... ``conv10_atrous`` like TensorFlow). The critics are
``dis_conv_module.conv1`` ... ``conv4`` (each ``.conv``) and ``linear``, as the port's
``LocalDis`` / ``GlobalDis``; TF ``discriminator/discriminator_local/conv1`` ... and
``discriminator/dout_local_fc`` (the dense kernel flattens an HWC map: reorder its rows
to CHW when converting). The port's local critic is 64, 128, 256, 256 channels wide, not
the official 64, 128, 256, 512: build ``WGANCritic(widths=(64, 128, 256, 256))`` for it.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from ...errors import InvalidImageError, InvalidParameterError, ShapeMismatchError
from ..layers import ContextualAttention, Padding, pad_tf_same

__all__ = [
    "DeepFillV1Generator",
    "CoarseGenerator",
    "FineGenerator",
    "WGANCritic",
    "LocalCritic",
    "GlobalCritic",
    "DeepFillV1Critics",
    "SIZE_MULTIPLE",
    "VALUE_RANGE",
    "LOCAL_INPUT_SIZE",
    "GLOBAL_INPUT_SIZE",
]

#: Input sides must be multiples of this (two stride-2 levels, then attention at rate 2).
SIZE_MULTIPLE = 8
#: Value range of the images the networks take and give.
VALUE_RANGE = (-1.0, 1.0)
#: Input side of the local critic (the 128x128 box the training hole lies in).
LOCAL_INPUT_SIZE = 128
#: Input side of the global critic (the 256x256 training image).
GLOBAL_INPUT_SIZE = 256

_ACTIVATIONS = {"elu": F.elu, "relu": F.relu, "lrelu": lambda x: F.leaky_relu(x, 0.2), None: lambda x: x}


class _Conv(nn.Module):
    """The official ``gen_conv`` / ``dis_conv``: a convolution and its activation, with
    TensorFlow's SAME padding (``'tf'``) or the port's symmetric zero padding."""

    def __init__(
        self,
        cin: int,
        cout: int,
        kernel_size: int,
        stride: int = 1,
        dilation: int = 1,
        activation: Literal["elu", "relu", "lrelu"] | None = "elu",
        padding: Padding = "symmetric",
    ) -> None:
        super().__init__()
        if padding not in ("symmetric", "tf"):
            raise InvalidParameterError(
                f"padding must be 'symmetric' (the PyTorch port) or 'tf' (TensorFlow's SAME, for converted "
                f"official weights); got {padding!r}."
            )
        self.padding, self.activation = padding, activation
        self.kernel_size, self.stride, self.dilation = kernel_size, stride, dilation
        symmetric = dilation * (kernel_size - 1) // 2 if padding == "symmetric" else 0
        self.conv = nn.Conv2d(cin, cout, kernel_size, stride=stride, padding=symmetric, dilation=dilation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.padding == "tf":
            x = pad_tf_same(x, self.kernel_size, self.stride, self.dilation)
        return _ACTIVATIONS[self.activation](self.conv(x))


def _upsample(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2, mode="nearest")


class CoarseGenerator(nn.Module):
    """Stage 1: encoder to 1/4 resolution, dilated convolutions (2, 4, 8, 16), decoder.

    Parameters
    ----------
    cnum : int
        Width (32): ``cnum`` at full resolution, ``2 * cnum`` at 1/2, ``4 * cnum`` at 1/4.
    padding : {'symmetric', 'tf'}
        Convolution padding (see :class:`DeepFillV1Generator`).

    Notes
    -----
    Forward: ``net(x) -> coarse`` with ``x`` the 5-channel input ``[image * (1 - mask),
    ones, mask]`` and ``coarse`` (N, 3, H, W) clipped to [-1, 1].

    References
    ----------
    .. [1] J. Yu, Z. Lin, J. Yang, X. Shen, X. Lu, T. S. Huang, "Generative Image
       Inpainting with Contextual Attention", CVPR 2018, doi:10.1109/CVPR.2018.00577.
    .. [2] JiahuiYu/generative_inpainting (v1.0.0), ``inpaint_model.py``; module names
       from daa233/generative-inpainting-pytorch, ``model/networks.py``.
    """

    def __init__(self, cnum: int = 32, padding: Padding = "symmetric") -> None:
        super().__init__()
        c, p = cnum, padding
        self.conv1 = _Conv(5, c, 5, padding=p)
        self.conv2_downsample = _Conv(c, 2 * c, 3, stride=2, padding=p)
        self.conv3 = _Conv(2 * c, 2 * c, 3, padding=p)
        self.conv4_downsample = _Conv(2 * c, 4 * c, 3, stride=2, padding=p)
        self.conv5 = _Conv(4 * c, 4 * c, 3, padding=p)
        self.conv6 = _Conv(4 * c, 4 * c, 3, padding=p)
        self.conv7_atrous = _Conv(4 * c, 4 * c, 3, dilation=2, padding=p)
        self.conv8_atrous = _Conv(4 * c, 4 * c, 3, dilation=4, padding=p)
        self.conv9_atrous = _Conv(4 * c, 4 * c, 3, dilation=8, padding=p)
        self.conv10_atrous = _Conv(4 * c, 4 * c, 3, dilation=16, padding=p)
        self.conv11 = _Conv(4 * c, 4 * c, 3, padding=p)
        self.conv12 = _Conv(4 * c, 4 * c, 3, padding=p)
        self.conv13 = _Conv(4 * c, 2 * c, 3, padding=p)  # after nearest x2
        self.conv14 = _Conv(2 * c, 2 * c, 3, padding=p)
        self.conv15 = _Conv(2 * c, c, 3, padding=p)  # after nearest x2
        self.conv16 = _Conv(c, c // 2, 3, padding=p)
        self.conv17 = _Conv(c // 2, 3, 3, activation=None, padding=p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in (self.conv1, self.conv2_downsample, self.conv3, self.conv4_downsample, self.conv5,
                      self.conv6, self.conv7_atrous, self.conv8_atrous, self.conv9_atrous, self.conv10_atrous,
                      self.conv11, self.conv12):
            x = layer(x)
        x = self.conv14(self.conv13(_upsample(x)))
        x = self.conv17(self.conv16(self.conv15(_upsample(x))))
        return x.clamp(-1.0, 1.0)


class FineGenerator(nn.Module):
    """Stage 2: a dilated-convolution branch and a contextual-attention branch, merged.

    Parameters
    ----------
    cnum : int
        Width, as :class:`CoarseGenerator`.
    padding : {'symmetric', 'tf'}
        Convolution padding.
    attention_fuse : bool
        Score fusion in the contextual attention (on in the official model).
    softmax_scale : float
        Contextual attention's softmax scale (10).

    Notes
    -----
    Forward: ``net(x, mask) -> (refined, flow)``; ``x`` is the 5-channel input
    ``[pasted, ones, mask]`` (``pasted``: the coarse result inside the hole, the image
    outside), ``mask`` (N, 1, H, W), 1 = hole. ``refined`` (N, 3, H, W) clipped to
    [-1, 1]; ``flow`` (N, 2, H/8, W/8) int64, the attention's offsets (see
    :class:`~inpaintkit.deep.layers.ContextualAttention`), in pixels of the 1/4-resolution
    feature map.

    References
    ----------
    .. [1] J. Yu, Z. Lin, J. Yang, X. Shen, X. Lu, T. S. Huang, "Generative Image
       Inpainting with Contextual Attention", CVPR 2018, doi:10.1109/CVPR.2018.00577.
    .. [2] JiahuiYu/generative_inpainting (v1.0.0), ``inpaint_model.py``; module names
       from daa233/generative-inpainting-pytorch, ``model/networks.py``.
    """

    def __init__(
        self, cnum: int = 32, padding: Padding = "symmetric", attention_fuse: bool = True, softmax_scale: float = 10.0
    ) -> None:
        super().__init__()
        c, p = cnum, padding
        # hallucination branch (TF: xconv1 ... xconv10_atrous)
        self.conv1 = _Conv(5, c, 5, padding=p)
        self.conv2_downsample = _Conv(c, c, 3, stride=2, padding=p)
        self.conv3 = _Conv(c, 2 * c, 3, padding=p)
        self.conv4_downsample = _Conv(2 * c, 2 * c, 3, stride=2, padding=p)
        self.conv5 = _Conv(2 * c, 4 * c, 3, padding=p)
        self.conv6 = _Conv(4 * c, 4 * c, 3, padding=p)
        self.conv7_atrous = _Conv(4 * c, 4 * c, 3, dilation=2, padding=p)
        self.conv8_atrous = _Conv(4 * c, 4 * c, 3, dilation=4, padding=p)
        self.conv9_atrous = _Conv(4 * c, 4 * c, 3, dilation=8, padding=p)
        self.conv10_atrous = _Conv(4 * c, 4 * c, 3, dilation=16, padding=p)
        # attention branch
        self.pmconv1 = _Conv(5, c, 5, padding=p)
        self.pmconv2_downsample = _Conv(c, c, 3, stride=2, padding=p)
        self.pmconv3 = _Conv(c, 2 * c, 3, padding=p)
        self.pmconv4_downsample = _Conv(2 * c, 4 * c, 3, stride=2, padding=p)
        self.pmconv5 = _Conv(4 * c, 4 * c, 3, padding=p)
        self.pmconv6 = _Conv(4 * c, 4 * c, 3, activation="relu", padding=p)
        self.contextual_attention = ContextualAttention(
            patch_size=3, rate=2, softmax_scale=softmax_scale, fuse=attention_fuse
        )
        self.pmconv9 = _Conv(4 * c, 4 * c, 3, padding=p)
        self.pmconv10 = _Conv(4 * c, 4 * c, 3, padding=p)
        # merged decoder
        self.allconv11 = _Conv(8 * c, 4 * c, 3, padding=p)
        self.allconv12 = _Conv(4 * c, 4 * c, 3, padding=p)
        self.allconv13 = _Conv(4 * c, 2 * c, 3, padding=p)  # after nearest x2
        self.allconv14 = _Conv(2 * c, 2 * c, 3, padding=p)
        self.allconv15 = _Conv(2 * c, c, 3, padding=p)  # after nearest x2
        self.allconv16 = _Conv(c, c // 2, 3, padding=p)
        self.allconv17 = _Conv(c // 2, 3, 3, activation=None, padding=p)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hallucinated = x
        for layer in (self.conv1, self.conv2_downsample, self.conv3, self.conv4_downsample, self.conv5,
                      self.conv6, self.conv7_atrous, self.conv8_atrous, self.conv9_atrous, self.conv10_atrous):
            hallucinated = layer(hallucinated)

        attended = x
        for layer in (self.pmconv1, self.pmconv2_downsample, self.pmconv3, self.pmconv4_downsample,
                      self.pmconv5, self.pmconv6):
            attended = layer(attended)
        feature_mask = F.interpolate(mask, size=attended.shape[-2:], mode="nearest")
        attended, flow = self.contextual_attention(attended, attended, feature_mask)
        attended = self.pmconv10(self.pmconv9(attended))

        x = self.allconv12(self.allconv11(torch.cat((hallucinated, attended), dim=1)))
        x = self.allconv14(self.allconv13(_upsample(x)))
        x = self.allconv17(self.allconv16(self.allconv15(_upsample(x))))
        return x.clamp(-1.0, 1.0), flow


class DeepFillV1Generator(nn.Module):
    """DeepFill v1 generator: coarse network, paste, refinement with contextual attention.

    Parameters
    ----------
    cnum : int
        Width (32 in the official model; 3,601,542 parameters).
    padding : {'symmetric', 'tf'}
        ``'symmetric'`` pads ``dilation * (k - 1) // 2`` zeros on every side (the PyTorch
        port); ``'tf'`` reproduces TensorFlow's SAME (asymmetric for the stride-2 layers),
        which weights converted from the official checkpoints need.
    attention_fuse : bool
        Score fusion in the contextual attention (on in the official model).
    softmax_scale : float
        Contextual attention's softmax scale (10).

    Notes
    -----
    Forward: ``net(image, mask) -> (coarse, refined, flow)``

    * ``image`` (N, 3, H, W) in [-1, 1]; what the hole holds is ignored (zeroed here).
    * ``mask`` (N, 1, H, W), 1 = hole; H and W multiples of 8 (``net.size_multiple``).
    * ``coarse``, ``refined`` (N, 3, H, W) in [-1, 1] over the whole frame (the official
      code composites ``refined`` into the hole); ``flow`` (N, 2, H/8, W/8) int64: for
      each attention position the (dy, dx) to the background patch it copies most, in
      pixels of the 1/4-resolution feature map (x4 for image pixels); see
      :func:`~inpaintkit.deep.layers.flow_to_color`.

    The coarse network sees ``[image * (1 - mask), ones, mask]``; the refinement network
    sees the coarse result pasted into the hole, with the same two extra channels (v1 keeps
    them; v2 drops them).

    References
    ----------
    .. [1] J. Yu, Z. Lin, J. Yang, X. Shen, X. Lu, T. S. Huang, "Generative Image
       Inpainting with Contextual Attention", CVPR 2018, doi:10.1109/CVPR.2018.00577.
    .. [2] JiahuiYu/generative_inpainting (v1.0.0), ``inpaint_model.py``: ``build_inpaint_net``.

    Examples
    --------
    >>> net = DeepFillV1Generator().eval()
    >>> image, mask = torch.zeros(1, 3, 32, 32), torch.zeros(1, 1, 32, 32)
    >>> mask[..., 8:20, 8:20] = 1
    >>> [tuple(t.shape) for t in net(image, mask)]
    [(1, 3, 32, 32), (1, 3, 32, 32), (1, 2, 4, 4)]
    """

    size_multiple = SIZE_MULTIPLE
    value_range = VALUE_RANGE

    def __init__(
        self,
        cnum: int = 32,
        padding: Padding = "symmetric",
        attention_fuse: bool = True,
        softmax_scale: float = 10.0,
    ) -> None:
        super().__init__()
        self.coarse_generator = CoarseGenerator(cnum, padding)
        self.fine_generator = FineGenerator(cnum, padding, attention_fuse, softmax_scale)

    def forward(self, image: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        n, c, h, w = image.shape
        if c != 3 or h % SIZE_MULTIPLE or w % SIZE_MULTIPLE:
            raise InvalidImageError(
                f"DeepFillV1Generator: image must be (N, 3, H, W) with H and W multiples of {SIZE_MULTIPLE}; "
                f"got {tuple(image.shape)}. Pad the image (and mask) first."
            )
        if mask.shape != (n, 1, h, w):
            raise ShapeMismatchError(f"DeepFillV1Generator: mask must be ({n}, 1, {h}, {w}); got {tuple(mask.shape)}.")
        incomplete = image * (1.0 - mask)
        ones = torch.ones_like(mask)
        coarse = self.coarse_generator(torch.cat((incomplete, ones, mask), dim=1))
        pasted = coarse * mask + incomplete * (1.0 - mask)
        refined, flow = self.fine_generator(torch.cat((pasted, ones, mask), dim=1), mask)
        return coarse, refined, flow


class _DisConvModule(nn.Module):
    """Four 5x5 stride-2 convolutions with LeakyReLU(0.2) (the official ``dis_conv``)."""

    def __init__(self, in_channels: int, widths: tuple[int, int, int, int], padding: Padding) -> None:
        super().__init__()
        channels = (in_channels, *widths)
        for i in range(4):
            self.add_module(
                f"conv{i + 1}", _Conv(channels[i], channels[i + 1], 5, stride=2, activation="lrelu", padding=padding)
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv4(self.conv3(self.conv2(self.conv1(x))))


class WGANCritic(nn.Module):
    """A DeepFill v1 critic: four 5x5 stride-2 convolutions with LeakyReLU, then one dense output.

    Parameters
    ----------
    widths : tuple of 4 ints
        Channels of the four convolutions.
    input_size : int
        Side of the square input, a multiple of 16; it fixes the dense layer.
    in_channels : int
        3 (the image); 4 with the official ``GAN_WITH_MASK`` option (image + mask).
    padding : {'symmetric', 'tf'}
        ``'symmetric'`` pads 2 on every side (the port); ``'tf'`` TensorFlow's SAME.

    Notes
    -----
    Forward: ``net(x) -> scores`` with ``x`` (N, in_channels, input_size, input_size) in
    [-1, 1] and ``scores`` (N,): unbounded Wasserstein critic values (no sigmoid); the
    official loss is ``mean(neg) - mean(pos)`` for the critic plus the gradient penalty
    (weight 10) on random interpolates, and ``-mean(neg)`` for the generator.

    References
    ----------
    .. [1] J. Yu, Z. Lin, J. Yang, X. Shen, X. Lu, T. S. Huang, "Generative Image
       Inpainting with Contextual Attention", CVPR 2018, doi:10.1109/CVPR.2018.00577.
    .. [2] JiahuiYu/generative_inpainting (v1.0.0), ``inpaint_model.py``:
       ``build_wgan_local_discriminator``, ``build_wgan_global_discriminator``,
       ``build_wgan_discriminator``.
    """

    value_range = VALUE_RANGE

    def __init__(
        self,
        widths: tuple[int, int, int, int],
        input_size: int,
        in_channels: int = 3,
        padding: Padding = "symmetric",
    ) -> None:
        super().__init__()
        if len(widths) != 4:
            raise InvalidParameterError(f"widths must hold 4 channel counts; got {widths!r}.")
        if input_size < 16 or input_size % 16:
            raise InvalidParameterError(
                f"input_size must be a positive multiple of 16 (four stride-2 convolutions); got {input_size!r}."
            )
        self.input_size, self.in_channels = input_size, in_channels
        self.dis_conv_module = _DisConvModule(in_channels, tuple(widths), padding)
        side = input_size // 16
        self.linear = nn.Linear(widths[-1] * side * side, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size, channels = self.input_size, self.in_channels
        if x.ndim != 4 or x.shape[1:] != (channels, size, size):
            raise InvalidImageError(
                f"{type(self).__name__}: input must be (N, {channels}, {size}, {size}); got {tuple(x.shape)}."
            )
        return self.linear(self.dis_conv_module(x).flatten(1)).flatten()


class LocalCritic(WGANCritic):
    """DeepFill v1 local critic on the 128x128 box around the hole (64, 128, 256, 512 channels).

    4,339,329 parameters at 128x128. See :class:`WGANCritic` for forward and references.

    Parameters
    ----------
    input_size : int
        Side of the local patch (128).
    in_channels : int
        3 (image).
    padding : {'symmetric', 'tf'}
        As :class:`WGANCritic`.
    """

    def __init__(
        self, input_size: int = LOCAL_INPUT_SIZE, in_channels: int = 3, padding: Padding = "symmetric"
    ) -> None:
        super().__init__((64, 128, 256, 512), input_size, in_channels, padding)


class GlobalCritic(WGANCritic):
    """DeepFill v1 global critic on the whole 256x256 image (64, 128, 256, 256 channels).

    2,733,441 parameters at 256x256 with 3 input channels. See :class:`WGANCritic`.

    Parameters
    ----------
    input_size : int
        Side of the image (256).
    in_channels : int
        3 (image), or 4 with the official ``GAN_WITH_MASK`` option.
    padding : {'symmetric', 'tf'}
        As :class:`WGANCritic`.
    """

    def __init__(
        self, input_size: int = GLOBAL_INPUT_SIZE, in_channels: int = 3, padding: Padding = "symmetric"
    ) -> None:
        super().__init__((64, 128, 256, 256), input_size, in_channels, padding)


class DeepFillV1Critics(nn.Module):
    """Both DeepFill v1 critics, as the official ``build_wgan_discriminator`` groups them.

    Parameters
    ----------
    local_size, global_size : int
        Input sides (128, 256).
    global_in_channels : int
        3, or 4 with ``GAN_WITH_MASK`` (the mask joins the global critic's input only).
    padding : {'symmetric', 'tf'}
        As :class:`WGANCritic`.

    Notes
    -----
    Forward: ``net(patch, image) -> (local_scores, global_scores)``, each (N,). The
    official generator loss weighs them ``GLOBAL_WGAN_LOSS_ALPHA`` (1) x global + local.

    References
    ----------
    .. [1] J. Yu, Z. Lin, J. Yang, X. Shen, X. Lu, T. S. Huang, "Generative Image
       Inpainting with Contextual Attention", CVPR 2018, doi:10.1109/CVPR.2018.00577.
    """

    def __init__(
        self,
        local_size: int = LOCAL_INPUT_SIZE,
        global_size: int = GLOBAL_INPUT_SIZE,
        global_in_channels: int = 3,
        padding: Padding = "symmetric",
    ) -> None:
        super().__init__()
        self.local_critic = LocalCritic(local_size, 3, padding)
        self.global_critic = GlobalCritic(global_size, global_in_channels, padding)

    def forward(self, patch: torch.Tensor, image: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.local_critic(patch), self.global_critic(image)
