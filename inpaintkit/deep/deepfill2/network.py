"""DeepFill v2 (Yu et al., ICCV 2019): the two-stage gated generator and the SN-PatchGAN.

The generator is the official ``InpaintCAModel.build_inpaint_net`` (cnum = 48): a coarse
network of gated convolutions, then a refinement network with two branches, dilated gated
convolutions ("hallucination") and contextual attention, merged and decoded. The
discriminator is ``build_sn_patch_gan_discriminator``: six 5x5 stride-2 spectral-norm
convolutions with LeakyReLU, every output element a GAN score for one patch.

Parameter counts (asserted by the tests): generator 4,052,478 (coarse 1,631,151,
refinement 2,421,327) and SN-PatchGAN 5,946,816 with its 4 input channels (image + mask).

State-dict naming
-----------------
The module tree mirrors the PyTorch port nipponjo/deepfillv2-pytorch ``model/networks.py``
(the layout of its fine-tuned checkpoint), so that checkpoint loads key for key except
``stage2.contextual_attention.fuse_weight``, a constant that is not stored here.
Every gated layer is ``<name>.conv.weight`` / ``<name>.conv.bias`` (an ``nn.Conv2d`` with
``2 * out`` channels, features first, gate second); an upsampling layer adds one level,
``<name>.conv.conv.weight``.

========================================  ====================  =====================
ours / port ``networks.py``               official TF scope     port ``networks_tf.py``
========================================  ====================  =====================
stage1.conv1                              conv1                 conv1
stage1.down_block1.conv1_downsample       conv2_downsample      conv2_downsample
stage1.down_block1.conv2                  conv3                 conv3
stage1.down_block2.conv1_downsample       conv4_downsample      conv4_downsample
stage1.down_block2.conv2                  conv5                 conv5
stage1.conv_bn1 ... conv_bn7              conv6, conv7_atrous   conv6, conv7_atrous
                                          ... conv10_atrous,    ... conv12
                                          conv11, conv12
stage1.up_block1.conv1_upsample.conv      conv13_upsample/      conv13_upsample.conv
                                          conv13_upsample_conv
stage1.up_block1.conv2                    conv14                conv14
stage1.up_block2.conv1_upsample.conv      conv15_upsample/...   conv15_upsample.conv
stage1.up_block2.conv2                    conv16                conv16
stage1.conv_to_rgb                        conv17                conv17
stage2.conv_conv1                         xconv1                xconv1
stage2.conv_down_block1.{conv1_downsample,conv2}  xconv2_downsample, xconv3
stage2.conv_down_block2.{conv1_downsample,conv2}  xconv4_downsample, xconv5
stage2.conv_conv_bn1 ... conv_conv_bn5    xconv6, xconv7_atrous ... xconv10_atrous
stage2.ca_conv1                           pmconv1               pmconv1
stage2.ca_down_block1.{conv1_downsample,conv2}    pmconv2_downsample, pmconv3
stage2.ca_down_block2.{conv1_downsample,conv2}    pmconv4_downsample, pmconv5
stage2.ca_conv_bn1 (ReLU)                 pmconv6               pmconv6
stage2.ca_conv_bn4, ca_conv_bn5           pmconv9, pmconv10     pmconv9, pmconv10
stage2.conv_bn6, conv_bn7                 allconv11, allconv12  allconv11, allconv12
stage2.up_block1.conv1_upsample.conv      allconv13_upsample/.. allconv13_upsample.conv
stage2.up_block1.conv2                    allconv14             allconv14
stage2.up_block2.conv1_upsample.conv      allconv15_upsample/.. allconv15_upsample.conv
stage2.up_block2.conv2                    allconv16             allconv16
stage2.conv_to_rgb                        allconv17             allconv17
========================================  ====================  =====================

TensorFlow stores ``<scope>/kernel`` (HWIO; PyTorch OIHW is ``transpose(3, 2, 0, 1)``) and
``<scope>/bias``; in the flat port each row is ``<name>.conv.weight`` (upsampling layers
``<name>.conv.conv.weight``). Weights from TensorFlow (directly or through
``networks_tf.py``) need ``padding="tf"``; the port's fine-tuned weights ``"symmetric"``.

The discriminator is ``conv1`` ... ``conv6``, each ``conv<i>.conv_sn``: an ``nn.Conv2d``
under ``torch.nn.utils.parametrizations.spectral_norm``, so its keys are
``conv<i>.conv_sn.bias``, ``conv<i>.conv_sn.parametrizations.weight.original`` and the
power-iteration vectors ``...parametrizations.weight.0._u`` (out,) and ``._v`` (in*k*k,).
The port stores ``conv<i>.conv_sn.weight``, ``.bias`` and ``.weight_u`` (out, 1); TF
``discriminator/sn_patch_gan/conv<i>/kernel``, ``bias`` and ``u``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from ...errors import InvalidImageError, InvalidParameterError, ShapeMismatchError
from ..layers import ContextualAttention, GatedConv2d, GatedDeconv2d, Padding, pad_tf_same

__all__ = ["DeepFillV2Generator", "SNPatchGANDiscriminator", "CoarseNetwork", "RefinementNetwork", "SIZE_MULTIPLE"]

#: Input sides must be multiples of this (two stride-2 levels, then attention at rate 2).
SIZE_MULTIPLE = 8



class _DownBlock(nn.Module):
    """Stride-2 gated conv then a 3x3 gated conv."""

    def __init__(self, cin: int, cout: int, hidden: int, padding: Padding) -> None:
        super().__init__()
        self.conv1_downsample = GatedConv2d(cin, hidden, 3, stride=2, padding=padding)
        self.conv2 = GatedConv2d(hidden, cout, 3, padding=padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.conv1_downsample(x))


class _UpBlock(nn.Module):
    """Gated "deconvolution" (nearest x2 + gated conv) then a 3x3 gated conv."""

    def __init__(self, cin: int, cout: int, hidden: int, padding: Padding) -> None:
        super().__init__()
        self.conv1_upsample = GatedDeconv2d(cin, hidden, padding=padding)
        self.conv2 = GatedConv2d(hidden, cout, 3, padding=padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.conv1_upsample(x))


class CoarseNetwork(nn.Module):
    """Stage 1: gated encoder (x1/4), dilated bottleneck (rates 2, 4, 8, 16), gated decoder, tanh.

    Parameters
    ----------
    in_channels : int
        5 (masked image, ones, mask) or 6 with the sketch channel.
    cnum : int
        Width: the first layer has ``cnum // 2`` gated outputs, the bottleneck ``2 * cnum``.
    padding : {'symmetric', 'tf'}
        See :class:`~inpaintkit.deep.layers.GatedConv2d`.

    References
    ----------
    .. [1] J. Yu, Z. Lin, J. Yang, X. Shen, X. Lu, T. Huang, "Free-Form Image Inpainting
       with Gated Convolution", ICCV 2019, doi:10.1109/ICCV.2019.00457.
    .. [2] JiahuiYu/generative_inpainting (v2.0.0), ``inpaint_model.py``; module names from
       nipponjo/deepfillv2-pytorch, ``model/networks.py``.
    """

    def __init__(self, in_channels: int, cnum: int = 48, padding: Padding = "symmetric") -> None:
        super().__init__()
        c = cnum
        self.conv1 = GatedConv2d(in_channels, c // 2, 5, padding=padding)
        self.down_block1 = _DownBlock(c // 2, c, c, padding)
        self.down_block2 = _DownBlock(c, 2 * c, 2 * c, padding)
        self.conv_bn1 = GatedConv2d(2 * c, 2 * c, 3, padding=padding)
        self.conv_bn2 = GatedConv2d(2 * c, 2 * c, 3, dilation=2, padding=padding)
        self.conv_bn3 = GatedConv2d(2 * c, 2 * c, 3, dilation=4, padding=padding)
        self.conv_bn4 = GatedConv2d(2 * c, 2 * c, 3, dilation=8, padding=padding)
        self.conv_bn5 = GatedConv2d(2 * c, 2 * c, 3, dilation=16, padding=padding)
        self.conv_bn6 = GatedConv2d(2 * c, 2 * c, 3, padding=padding)
        self.conv_bn7 = GatedConv2d(2 * c, 2 * c, 3, padding=padding)
        self.up_block1 = _UpBlock(2 * c, c, c, padding)
        self.up_block2 = _UpBlock(c, c // 4, c // 2, padding)
        self.conv_to_rgb = GatedConv2d(c // 4, 3, 3, padding=padding, activation=None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.down_block2(self.down_block1(self.conv1(x)))
        for layer in (self.conv_bn1, self.conv_bn2, self.conv_bn3, self.conv_bn4,
                      self.conv_bn5, self.conv_bn6, self.conv_bn7):
            x = layer(x)
        x = self.up_block2(self.up_block1(x))
        return torch.tanh(self.conv_to_rgb(x))


class RefinementNetwork(nn.Module):
    """Stage 2: a dilated-conv branch and a contextual-attention branch, merged and decoded.

    Parameters
    ----------
    cnum : int
        Width, as :class:`CoarseNetwork`.
    padding : {'symmetric', 'tf'}
        See :class:`~inpaintkit.deep.layers.GatedConv2d`.
    attention_fuse : bool
        Score fusion in the contextual attention (on in the official model).
    softmax_scale : float
        Contextual attention's softmax scale (10).

    Notes
    -----
    Forward: ``net(x, mask) -> (image, flow)``; ``x`` is the coarse result pasted into the
    hole (N, 3, H, W), ``mask`` (N, 1, H, W) with 1 = hole; ``flow`` is the attention's
    offset field (see :class:`~inpaintkit.deep.layers.ContextualAttention`) at 1/8 of the
    input resolution, in pixels of the 1/4-resolution feature map.

    References
    ----------
    .. [1] J. Yu, Z. Lin, J. Yang, X. Shen, X. Lu, T. Huang, "Free-Form Image Inpainting
       with Gated Convolution", ICCV 2019, doi:10.1109/ICCV.2019.00457.
    .. [2] JiahuiYu/generative_inpainting (v2.0.0), ``inpaint_model.py``; module names from
       nipponjo/deepfillv2-pytorch, ``model/networks.py``.
    """

    def __init__(
        self, cnum: int = 48, padding: Padding = "symmetric", attention_fuse: bool = True, softmax_scale: float = 10.0
    ) -> None:
        super().__init__()
        c = cnum
        self.conv_conv1 = GatedConv2d(3, c // 2, 5, padding=padding)
        self.conv_down_block1 = _DownBlock(c // 2, c, c // 2, padding)
        self.conv_down_block2 = _DownBlock(c, 2 * c, c, padding)
        self.conv_conv_bn1 = GatedConv2d(2 * c, 2 * c, 3, padding=padding)
        self.conv_conv_bn2 = GatedConv2d(2 * c, 2 * c, 3, dilation=2, padding=padding)
        self.conv_conv_bn3 = GatedConv2d(2 * c, 2 * c, 3, dilation=4, padding=padding)
        self.conv_conv_bn4 = GatedConv2d(2 * c, 2 * c, 3, dilation=8, padding=padding)
        self.conv_conv_bn5 = GatedConv2d(2 * c, 2 * c, 3, dilation=16, padding=padding)

        self.ca_conv1 = GatedConv2d(3, c // 2, 5, padding=padding)
        self.ca_down_block1 = _DownBlock(c // 2, c, c // 2, padding)
        self.ca_down_block2 = _DownBlock(c, 2 * c, 2 * c, padding)
        self.ca_conv_bn1 = GatedConv2d(2 * c, 2 * c, 3, padding=padding, activation="relu")
        self.contextual_attention = ContextualAttention(
            patch_size=3, rate=2, softmax_scale=softmax_scale, fuse=attention_fuse
        )
        self.ca_conv_bn4 = GatedConv2d(2 * c, 2 * c, 3, padding=padding)
        self.ca_conv_bn5 = GatedConv2d(2 * c, 2 * c, 3, padding=padding)

        self.conv_bn6 = GatedConv2d(4 * c, 2 * c, 3, padding=padding)
        self.conv_bn7 = GatedConv2d(2 * c, 2 * c, 3, padding=padding)
        self.up_block1 = _UpBlock(2 * c, c, c, padding)
        self.up_block2 = _UpBlock(c, c // 4, c // 2, padding)
        self.conv_to_rgb = GatedConv2d(c // 4, 3, 3, padding=padding, activation=None)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        hallucinated = self.conv_down_block2(self.conv_down_block1(self.conv_conv1(x)))
        for layer in (self.conv_conv_bn1, self.conv_conv_bn2, self.conv_conv_bn3,
                      self.conv_conv_bn4, self.conv_conv_bn5):
            hallucinated = layer(hallucinated)

        attended = self.ca_conv_bn1(self.ca_down_block2(self.ca_down_block1(self.ca_conv1(x))))
        feature_mask = F.interpolate(mask, size=attended.shape[-2:], mode="nearest")
        attended, flow = self.contextual_attention(attended, attended, feature_mask)
        attended = self.ca_conv_bn5(self.ca_conv_bn4(attended))

        x = self.conv_bn7(self.conv_bn6(torch.cat((hallucinated, attended), dim=1)))
        x = self.up_block2(self.up_block1(x))
        return torch.tanh(self.conv_to_rgb(x)), flow


class DeepFillV2Generator(nn.Module):
    """DeepFill v2 generator: coarse network, paste, refinement network with contextual attention.

    Parameters
    ----------
    cnum : int
        Width (48 in the official model; 4,052,478 parameters).
    user_guided : bool
        The paper's user-guided mode: a sketch/edge channel (1 = stroke) joins the input,
        restricted to the hole (6 input channels instead of 5).
    padding : {'symmetric', 'tf'}
        Convolution padding: ``'tf'`` reproduces TensorFlow's SAME (weights converted from
        the official TensorFlow checkpoints), ``'symmetric'`` the PyTorch port.
    attention_fuse : bool
        Score fusion in the contextual attention (on in the official model).
    softmax_scale : float
        Contextual attention's softmax scale (10).

    Notes
    -----
    Forward: ``net(image, mask, edge=None) -> (coarse, refined, flow)``

    * ``image`` (N, 3, H, W) in [-1, 1]; what the hole holds is ignored (zeroed here).
    * ``mask`` (N, 1, H, W), 1 = hole; H and W multiples of 8 (``net.size_multiple``).
    * ``edge`` (N, 1, H, W) in {0, 1}, required when ``user_guided`` and refused otherwise.
    * ``coarse``, ``refined`` (N, 3, H, W) in [-1, 1] over the whole frame (composite them
      into the hole yourself); ``flow`` (N, 2, H/8, W/8) int64: for each attention
      position the (dy, dx) to the background patch it copies most, in pixels of the
      1/4-resolution feature map (x4 for image pixels); see
      :func:`~inpaintkit.deep.layers.flow_to_color`.

    The network input is ``[image * (1 - mask), (edge * mask), ones, mask]``, as in the
    official ``build_inpaint_net``; the refinement stage sees the coarse result pasted
    into the hole (3 channels).

    References
    ----------
    .. [1] J. Yu, Z. Lin, J. Yang, X. Shen, X. Lu, T. Huang, "Free-Form Image Inpainting
       with Gated Convolution", ICCV 2019, doi:10.1109/ICCV.2019.00457.
    .. [2] JiahuiYu/generative_inpainting (v2.0.0), ``inpaint_model.py``; module names from
       nipponjo/deepfillv2-pytorch, ``model/networks.py``.
    """

    def __init__(
        self,
        cnum: int = 48,
        user_guided: bool = False,
        padding: Padding = "symmetric",
        attention_fuse: bool = True,
        softmax_scale: float = 10.0,
    ) -> None:
        super().__init__()
        self.user_guided = bool(user_guided)
        self.size_multiple = SIZE_MULTIPLE
        self.stage1 = CoarseNetwork(6 if self.user_guided else 5, cnum, padding)
        self.stage2 = RefinementNetwork(cnum, padding, attention_fuse, softmax_scale)

    def forward(
        self, image: torch.Tensor, mask: torch.Tensor, edge: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        _check_inputs("DeepFillV2Generator", image, mask, edge, self.user_guided)
        incomplete = image * (1.0 - mask)
        guide = [edge * mask] if self.user_guided else []
        ones = torch.ones_like(mask)
        coarse = self.stage1(torch.cat([incomplete, *guide, ones, mask], dim=1))
        pasted = coarse * mask + incomplete * (1.0 - mask)
        refined, flow = self.stage2(pasted, mask)
        return coarse, refined, flow


class _SNConv(nn.Module):
    """5x5 stride-2 spectral-norm convolution + LeakyReLU(0.2) (official ``dis_conv``)."""

    def __init__(self, cin: int, cout: int, padding: Padding) -> None:
        super().__init__()
        self.padding = padding
        self.conv_sn = spectral_norm(nn.Conv2d(cin, cout, 5, stride=2, padding=2 if padding == "symmetric" else 0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.padding == "tf":
            x = pad_tf_same(x, 5, 2)
        return F.leaky_relu(self.conv_sn(x), 0.2)


class SNPatchGANDiscriminator(nn.Module):
    """SN-PatchGAN: six spectral-norm 5x5 stride-2 convolutions; every output is a patch score.

    Parameters
    ----------
    cnum : int
        Width: 64, 128, 256, 256, 256, 256 channels for cnum = 64 (5,946,816 parameters).
    user_guided : bool
        Also takes the sketch channel (5 input channels instead of 4).
    padding : {'symmetric', 'tf'}
        ``'symmetric'`` pads 2 on every side (the PyTorch port), ``'tf'`` TensorFlow's SAME.

    Notes
    -----
    Forward: ``net(image, mask, edge=None) -> scores`` with ``image`` (N, 3, H, W) (real or
    completed), ``mask`` (N, 1, H, W); ``scores`` (N, 256 * H/64 * W/64), flattened as the
    official code does; the hinge loss averages over all of them.

    References
    ----------
    .. [1] J. Yu, Z. Lin, J. Yang, X. Shen, X. Lu, T. Huang, "Free-Form Image Inpainting
       with Gated Convolution", ICCV 2019, doi:10.1109/ICCV.2019.00457.
    .. [2] JiahuiYu/generative_inpainting (v2.0.0), ``inpaint_model.py``; module names from
       nipponjo/deepfillv2-pytorch, ``model/networks.py``.
    """

    def __init__(self, cnum: int = 64, user_guided: bool = False, padding: Padding = "symmetric") -> None:
        super().__init__()
        if padding not in ("symmetric", "tf"):
            raise InvalidParameterError(f"padding must be 'symmetric' or 'tf'; got {padding!r}.")
        self.user_guided = bool(user_guided)
        widths = (5 if self.user_guided else 4, cnum, 2 * cnum, 4 * cnum, 4 * cnum, 4 * cnum, 4 * cnum)
        for i in range(6):
            self.add_module(f"conv{i + 1}", _SNConv(widths[i], widths[i + 1], padding))

    def forward(self, image: torch.Tensor, mask: torch.Tensor, edge: torch.Tensor | None = None) -> torch.Tensor:
        _check_inputs("SNPatchGANDiscriminator", image, mask, edge, self.user_guided, multiple=1)
        x = torch.cat([image, mask] + ([edge] if self.user_guided else []), dim=1)
        for i in range(6):
            x = getattr(self, f"conv{i + 1}")(x)
        return x.flatten(1)


def _check_inputs(
    who: str,
    image: torch.Tensor,
    mask: torch.Tensor,
    edge: torch.Tensor | None,
    guided: bool,
    multiple: int = SIZE_MULTIPLE,
) -> None:
    n, c, h, w = image.shape
    if c != 3:
        raise InvalidImageError(f"{who}: image must be (N, 3, H, W); got {tuple(image.shape)}.")
    if h % multiple or w % multiple:
        raise InvalidImageError(
            f"{who}: height and width must be multiples of {multiple}; got {h}x{w}. Pad the image (and mask) first."
        )
    if mask.shape != (n, 1, h, w):
        raise ShapeMismatchError(f"{who}: mask must be ({n}, 1, {h}, {w}); got {tuple(mask.shape)}.")
    if guided and (edge is None or edge.shape != (n, 1, h, w)):
        got = None if edge is None else tuple(edge.shape)
        raise ShapeMismatchError(f"{who}(user_guided=True): edge must be ({n}, 1, {h}, {w}); got {got}.")
    if not guided and edge is not None:
        raise ShapeMismatchError(f"{who}: got an edge map, but the network was built with user_guided=False.")
