"""The building blocks that the deep inpainting papers introduced, in PyTorch.

Each layer follows its paper and the official code named in its docstring; where we
deviate from that code (a quirk that only matters for odd sizes, an option none of the
released models uses) the docstring says so. The networks in ``inpaintkit.deep.<method>``
are assembled from these blocks.

============================  ==========================================================  ====
layer                         paper                                                       year
============================  ==========================================================  ====
:class:`PartialConv2d`        Liu et al., partial convolutions (ECCV)                     2018
:class:`ContextualAttention`  Yu et al., contextual attention, DeepFill v1 (CVPR)         2018
:class:`GatedConv2d`          Yu et al., gated convolution, DeepFill v2 (ICCV)            2019
:class:`SelfAttention`        Zhang et al., SAGAN (ICML)                                  2019
:class:`FFC` and its parts    Suvorov et al., LaMa, fast Fourier convolutions (WACV)      2022
============================  ==========================================================  ====

Tensors are ``(N, C, H, W)``; masks are float tensors with 1 = hole (fill) and 0 = known,
as everywhere in inpaintkit, except :class:`PartialConv2d` whose mask follows its paper
(1 = valid pixel) and says so.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..errors import InvalidImageError, InvalidParameterError, ShapeMismatchError

__all__ = [
    "tf_same_padding",
    "pad_tf_same",
    "PartialConv2d",
    "GatedConv2d",
    "GatedDeconv2d",
    "ContextualAttention",
    "flow_to_color",
    "SelfAttention",
    "attach_self_attention",
    "FourierUnit",
    "SpectralTransform",
    "FFC",
    "FFC_BN_ACT",
    "FFCResnetBlock",
    "ConcatTupleLayer",
]

Padding = Literal["symmetric", "tf"]


# --------------------------------------------------------------------------------------
# TensorFlow "SAME" padding
# --------------------------------------------------------------------------------------


def tf_same_padding(size: int, kernel_size: int, stride: int = 1, dilation: int = 1) -> tuple[int, int]:
    """Zero padding ``(before, after)`` that TensorFlow's ``padding='SAME'`` adds on one axis.

    TensorFlow makes the output ``ceil(size / stride)`` long and splits the padding this
    needs with the smaller half first, so even kernels and strided convolutions are padded
    asymmetrically (one more pixel after than before). Weights converted from a
    TensorFlow model only reproduce its outputs with this padding.

    Parameters
    ----------
    size : int
        Input length along the axis.
    kernel_size, stride, dilation : int
        The convolution's kernel length, stride and dilation along the axis.

    Returns
    -------
    (int, int)
        Pixels added before and after.

    References
    ----------
    TensorFlow, ``tensorflow/core/framework/kernel_shape_util.cc`` (``GetWindowedOutputSize``)
    and the ``tf.nn`` documentation, section "SAME padding".

    Examples
    --------
    >>> tf_same_padding(8, 3, stride=2)
    (0, 1)
    >>> tf_same_padding(7, 3, stride=2)
    (1, 1)
    """
    effective_kernel = (kernel_size - 1) * dilation + 1
    out_size = -(-size // stride)
    total = max((out_size - 1) * stride + effective_kernel - size, 0)
    return total // 2, total - total // 2


def pad_tf_same(x: torch.Tensor, kernel_size: int, stride: int = 1, dilation: int = 1) -> torch.Tensor:
    """Zero-pad ``x`` (N, C, H, W) on both spatial axes as TensorFlow's ``'SAME'`` would."""
    top, bottom = tf_same_padding(x.shape[-2], kernel_size, stride, dilation)
    left, right = tf_same_padding(x.shape[-1], kernel_size, stride, dilation)
    return F.pad(x, (left, right, top, bottom))


def _check_padding(padding: str | int) -> str | int:
    if padding in ("symmetric", "tf") or (isinstance(padding, int) and not isinstance(padding, bool) and padding >= 0):
        return padding
    raise InvalidParameterError(
        f"padding must be 'symmetric' (the PyTorch port's dilation*(k-1)//2 on every side), 'tf' "
        f"(TensorFlow's SAME, for weights converted from the official TensorFlow model) or an int >= 0; "
        f"got {padding!r}."
    )


# --------------------------------------------------------------------------------------
# Partial convolution (Liu et al. 2018)
# --------------------------------------------------------------------------------------


class PartialConv2d(nn.Conv2d):
    r"""Partial convolution: a convolution over the valid pixels only, with mask update.

    For every window with at least one valid input pixel,

    .. math:: x' = W^T (X \odot M) \, \frac{\mathrm{sum}(\mathbf{1})}{\mathrm{sum}(M)} + b,
              \qquad m' = 1,

    and for a window with no valid pixel :math:`x' = 0` (the bias is not added) and
    :math:`m' = 0`. ``sum(1)`` is the window size: ``k*k`` for a single-channel mask,
    ``C_in*k*k`` for a multi-channel one (the ratio re-scaling of NVIDIA's layer, which
    also counts zero padding at the image border as invalid, so border windows are
    re-scaled too). Stacking partial convolutions shrinks the hole by the receptive field of
    each layer until every pixel is valid.

    Parameters
    ----------
    in_channels, out_channels, kernel_size, stride, padding, dilation, bias
        As :class:`torch.nn.Conv2d` (zero padding, ``groups=1``).
    multi_channel : bool
        False: the mask is ``(N, 1, H, W)``, shared by every input channel, and the updated
        mask is ``(N, 1, H', W')``. True: the mask is ``(N, C_in, H, W)`` (a one-channel mask
        is broadcast) and the updated mask is ``(N, C_out, H', W')``, as in NVIDIA's
        ``multi_channel=True``.

    Notes
    -----
    The mask here is **1 = valid (known)**, as in the paper and NVIDIA's code, the opposite
    of inpaintkit's public masks (1 = fill). Call ``layer(x, 1 - hole_mask)``.

    Forward: ``layer(x, mask=None) -> (output, updated_mask)``; without a mask every pixel
    is valid (and only the border re-scaling acts). The mask gets no gradient.

    References
    ----------
    .. [1] G. Liu, F. A. Reda, K. J. Shih, T.-C. Wang, A. Tao, B. Catanzaro, "Image
       Inpainting for Irregular Holes Using Partial Convolutions", ECCV 2018,
       doi:10.1007/978-3-030-01252-6_6.
    .. [2] NVIDIA/partialconv, ``models/partialconv2d.py`` (the ratio re-scaling).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        bias: bool = True,
        multi_channel: bool = False,
    ) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups=1, bias=bias)
        self.multi_channel = bool(multi_channel)
        kh, kw = self.kernel_size
        counter_shape = (out_channels, in_channels, kh, kw) if self.multi_channel else (1, 1, kh, kw)
        self.register_buffer("mask_counter", torch.ones(counter_shape), persistent=False)
        self.window_size = counter_shape[1] * kh * kw

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        n, c, h, w = x.shape
        mask_channels = c if self.multi_channel else 1
        if mask is None:
            mask = x.new_ones((n, mask_channels, h, w))
        elif mask.shape[-2:] != (h, w) or mask.shape[1] not in (1, mask_channels):
            raise ShapeMismatchError(
                f"PartialConv2d: mask must be (N, {mask_channels}, {h}, {w}) (or one channel) for an input of "
                f"shape {tuple(x.shape)}; got {tuple(mask.shape)}."
            )
        mask = mask.to(x.dtype).expand(n, mask_channels, h, w)
        with torch.no_grad():
            valid_count = F.conv2d(
                mask, self.mask_counter.to(x.dtype), None, self.stride, self.padding, self.dilation
            )
            updated_mask = valid_count.clamp(0.0, 1.0)
            ratio = self.window_size / (valid_count + 1e-8) * updated_mask
        out = F.conv2d(x * mask, self.weight, None, self.stride, self.padding, self.dilation) * ratio
        if self.bias is not None:
            out = (out + self.bias.view(1, -1, 1, 1)) * updated_mask
        return out, updated_mask


# --------------------------------------------------------------------------------------
# Gated convolution (Yu et al. 2019)
# --------------------------------------------------------------------------------------

_GATE_ACTIVATIONS = {"elu": F.elu, "relu": F.relu}


class GatedConv2d(nn.Module):
    r"""Gated convolution: one convolution split into features and a soft gate.

    One convolution with ``2 * out_channels`` outputs; the first half are the features, the
    second half the gate:

    .. math:: y = \phi(\mathrm{features}) \odot \sigma(\mathrm{gate}),

    with :math:`\phi` = ELU by default (ReLU where the official network uses it). The gate
    is a learned, per-pixel and per-channel soft mask, so the network learns which pixels
    are valid instead of the hard rule of partial convolution. With ``activation=None`` the
    layer is a plain convolution with ``out_channels`` outputs (the official output layers).

    Parameters
    ----------
    in_channels, out_channels : int
        Input channels and *effective* output channels (after gating).
    kernel_size, stride, dilation : int
        Square kernel, stride and dilation ("rate" in the official code).
    padding : {'symmetric', 'tf'} or int
        ``'symmetric'`` pads ``dilation * (kernel_size - 1) // 2`` zeros on every side, as
        the well-known PyTorch port (nipponjo/deepfillv2-pytorch ``networks.py``) does;
        ``'tf'`` reproduces TensorFlow's ``'SAME'`` (asymmetric for strided or even
        kernels), which weights converted from the official TensorFlow model need; an int
        pads that many zeros on every side.
    activation : {'elu', 'relu'} or None
        Feature activation; None makes the layer an ungated convolution.
    bias : bool
        Convolution bias.

    Notes
    -----
    The official ``gen_conv`` also skips gating when the layer has 3 output channels; in
    DeepFill v2 every such layer also has ``activation=None``, so the rule here is the same
    for that network. Weights start as in the PyTorch port: Kaiming-uniform (fan-out) for
    gated layers, zero bias.

    References
    ----------
    .. [1] J. Yu, Z. Lin, J. Yang, X. Shen, X. Lu, T. Huang, "Free-Form Image Inpainting
       with Gated Convolution", ICCV 2019, doi:10.1109/ICCV.2019.00457.
    .. [2] JiahuiYu/generative_inpainting (v2.0.0), ``inpaint_ops.py``: ``gen_conv``.

    Examples
    --------
    >>> layer = GatedConv2d(5, 24, 5)
    >>> tuple(layer(torch.zeros(1, 5, 16, 16)).shape)
    (1, 24, 16, 16)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        dilation: int = 1,
        padding: Padding | int = "symmetric",
        activation: Literal["elu", "relu"] | None = "elu",
        bias: bool = True,
    ) -> None:
        super().__init__()
        if activation is not None and activation not in _GATE_ACTIVATIONS:
            raise InvalidParameterError(f"activation must be 'elu', 'relu' or None; got {activation!r}.")
        self.padding = _check_padding(padding)
        self.kernel_size, self.stride, self.dilation = kernel_size, stride, dilation
        self.out_channels = out_channels
        self.activation = activation
        conv_padding = {"symmetric": dilation * (kernel_size - 1) // 2, "tf": 0}.get(padding, padding)
        conv_out = out_channels if activation is None else 2 * out_channels
        self.conv = nn.Conv2d(
            in_channels, conv_out, kernel_size, stride=stride, padding=conv_padding, dilation=dilation, bias=bias
        )
        if activation is not None:
            nn.init.kaiming_uniform_(self.conv.weight, mode="fan_out", nonlinearity="relu")
        if bias:
            nn.init.zeros_(self.conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.padding == "tf":
            x = pad_tf_same(x, self.kernel_size, self.stride, self.dilation)
        x = self.conv(x)
        if self.activation is None:
            return x
        features, gate = torch.split(x, self.out_channels, dim=1)
        return _GATE_ACTIVATIONS[self.activation](features) * torch.sigmoid(gate)


class GatedDeconv2d(nn.Module):
    """DeepFill v2's "deconvolution": nearest-neighbour x2 upsampling, then a 3x3 gated conv.

    Parameters
    ----------
    in_channels, out_channels : int
        As :class:`GatedConv2d` (``out_channels`` after gating).
    padding : {'symmetric', 'tf'} or int
        Passed to the gated convolution.

    References
    ----------
    J. Yu et al., ICCV 2019, doi:10.1109/ICCV.2019.00457; official ``gen_deconv``.
    """

    def __init__(self, in_channels: int, out_channels: int, padding: Padding | int = "symmetric") -> None:
        super().__init__()
        self.conv = GatedConv2d(in_channels, out_channels, 3, padding=padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))


# --------------------------------------------------------------------------------------
# Contextual attention (Yu et al. 2018)
# --------------------------------------------------------------------------------------


class ContextualAttention(nn.Module):
    r"""Contextual attention: fill the foreground with a soft copy of background patches.

    1. Foreground ``f``, background ``b`` and the hole mask are subsampled by ``rate``
       (every ``rate``-th pixel).
    2. Every ``patch_size`` x ``patch_size`` patch of the subsampled background, divided by
       its norm (at least 1e-4), becomes a convolution kernel; convolving the subsampled
       foreground with them scores every (foreground position, background patch) pair by
       cosine similarity times the foreground norm.
    3. Fusion (``fuse=True``): the score map is convolved with an identity kernel along
       left-right and then top-bottom neighbours, so a match scores higher when the
       neighbouring foreground positions match the neighbouring background patches:
       coherent large patches win.
    4. Background patches that touch the hole get score 0 before, and weight 0 after, a
       softmax over all background patches with ``softmax_scale`` (10 in the paper).
    5. Reconstruction: the attention weights paste the *full-resolution* background patches
       (``2 * rate`` pixels, stride ``rate``) with a transposed convolution, divided by 4
       (each output pixel is covered by four pasted patches).

    Forward: ``layer(foreground, background, mask=None) -> (output, flow)``.
    ``foreground`` (N, C, Hf, Wf) and ``background`` (N, C, Hb, Wb) have sides divisible
    by ``rate``; ``mask`` (N or 1, 1, Hb, Wb) marks hole pixels of the background with 1.
    ``output`` has the foreground's shape. ``flow`` (N, 2, Hf/rate, Wf/rate), int64, is for
    each subsampled foreground position the (dy, dx) from it to its most attended
    background patch, in pixels of the input; see :func:`flow_to_color`.

    Parameters
    ----------
    patch_size : int
        Odd size of the matching patches at the subsampled resolution (3 in the paper).
    rate : int
        Subsampling factor for matching (2 in DeepFill v1 and v2).
    softmax_scale : float
        Multiplies the scores inside the softmax (10 in the paper).
    fuse : bool
        Score fusion (on in the official networks).
    fuse_size : int
        Odd length of the identity kernel for fusion (3).

    Notes
    -----
    Differences from the official TensorFlow ``contextual_attention``, none of which
    changes the layer's definition: subsampling takes every ``rate``-th pixel, as the
    PyTorch ports do (TensorFlow's ``align_corners=True`` nearest resize picks slightly
    different pixels in the second half of each axis); each sample of a batch uses its own
    mask (the official code uses the first sample's mask for all); only ``stride=1`` is
    offered (the only value the networks use). Where no background patch is valid (the
    hole covers everything) the output is 0 and the flow points at patch 0.

    References
    ----------
    .. [1] J. Yu, Z. Lin, J. Yang, X. Shen, X. Lu, T. S. Huang, "Generative Image
       Inpainting with Contextual Attention", CVPR 2018, doi:10.1109/CVPR.2018.00577.
    .. [2] JiahuiYu/generative_inpainting, ``inpaint_ops.py``: ``contextual_attention``.
    """

    def __init__(
        self,
        patch_size: int = 3,
        rate: int = 2,
        softmax_scale: float = 10.0,
        fuse: bool = True,
        fuse_size: int = 3,
    ) -> None:
        super().__init__()
        for name, value in (("patch_size", patch_size), ("fuse_size", fuse_size)):
            if value < 1 or value % 2 == 0:
                raise InvalidParameterError(f"{name} must be an odd int >= 1; got {value!r}.")
        if rate < 1:
            raise InvalidParameterError(f"rate must be an int >= 1; got {rate!r}.")
        self.patch_size, self.rate, self.fuse_size = patch_size, rate, fuse_size
        self.softmax_scale = float(softmax_scale)
        self.fuse = bool(fuse)

    def forward(
        self, foreground: torch.Tensor, background: torch.Tensor, mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        r, k = self.rate, self.patch_size
        n, c, hf, wf = foreground.shape
        hb, wb = background.shape[-2:]
        if background.shape[:2] != (n, c):
            raise ShapeMismatchError(
                f"ContextualAttention: foreground {tuple(foreground.shape)} and background "
                f"{tuple(background.shape)} need the same batch size and channels."
            )
        if hf % r or wf % r or hb % r or wb % r:
            raise InvalidImageError(
                f"ContextualAttention(rate={r}): spatial sizes must be divisible by {r}; got foreground "
                f"{hf}x{wf} and background {hb}x{wb}. Pad the network input to a multiple of its stride."
            )
        if mask is None:
            mask = background.new_zeros((1, 1, hb, wb))
        elif mask.shape[-2:] != (hb, wb) or mask.shape[0] not in (1, n):
            raise ShapeMismatchError(
                f"ContextualAttention: mask must be (N or 1, 1, {hb}, {wb}); got {tuple(mask.shape)}."
            )

        # Full-resolution background patches (2r x 2r, stride r) used to paste back.
        pad_before, pad_after = r // 2, r - r // 2
        raw = F.unfold(F.pad(background, (pad_before, pad_after, pad_before, pad_after)), 2 * r, stride=r)
        raw = raw.view(n, c, 2 * r, 2 * r, -1).permute(0, 4, 1, 2, 3)  # (N, L, C, 2r, 2r)

        f_small = foreground[..., ::r, ::r]
        b_small = background[..., ::r, ::r]
        hf_s, wf_s, hb_s, wb_s = hf // r, wf // r, hb // r, wb // r
        kernels = F.unfold(b_small, k, padding=k // 2).view(n, c, k, k, -1).permute(0, 4, 1, 2, 3)
        mask_patches = F.unfold(mask[..., ::r, ::r].to(background.dtype), k, padding=k // 2)
        valid = (mask_patches == 0).all(dim=1).to(background.dtype).expand(n, -1)  # (N, L)

        outputs, best = [], []
        for i in range(n):
            w = kernels[i]
            w = w / w.flatten(1).norm(dim=1).clamp_min(1e-4).view(-1, 1, 1, 1)
            scores = F.conv2d(f_small[i : i + 1], w, padding=k // 2)  # (1, L, hf_s, wf_s)
            if self.fuse:
                scores = self._fuse_scores(scores, (hb_s, wb_s), (hf_s, wf_s))
            valid_i = valid[i].view(1, -1, 1, 1)
            attention = F.softmax(scores * valid_i * self.softmax_scale, dim=1) * valid_i
            best.append(attention.argmax(dim=1))
            pasted = F.conv_transpose2d(attention, raw[i], stride=r)
            outputs.append(pasted[..., pad_before : pad_before + hf, pad_before : pad_before + wf] / 4.0)

        best_index = torch.cat(best)  # (N, hf_s, wf_s) index into the hb_s * wb_s patches
        grid_y = torch.arange(hf_s, device=foreground.device).view(1, -1, 1)
        grid_x = torch.arange(wf_s, device=foreground.device).view(1, 1, -1)
        flow = torch.stack((best_index // wb_s - grid_y, best_index % wb_s - grid_x), dim=1) * r
        return torch.cat(outputs), flow

    def _fuse_scores(self, scores: torch.Tensor, bshape: tuple[int, int], fshape: tuple[int, int]) -> torch.Tensor:
        """Sum scores along the diagonal of (background, foreground) in x order, then y order."""
        (hb, wb), (hf, wf) = bshape, fshape
        size = self.fuse_size
        eye = torch.eye(size, dtype=scores.dtype, device=scores.device).view(1, 1, size, size)
        s = F.conv2d(scores.reshape(1, 1, hb * wb, hf * wf), eye, padding=size // 2)
        s = s.view(hb, wb, hf, wf).permute(1, 0, 3, 2).reshape(1, 1, wb * hb, wf * hf)
        s = F.conv2d(s, eye, padding=size // 2)
        return s.view(wb, hb, wf, hf).permute(1, 0, 3, 2).reshape(1, hb * wb, hf, wf)


def _middlebury_color_wheel() -> np.ndarray:
    """The 55-colour hue wheel of the Middlebury flow benchmark, RGB in [0, 255]."""
    segments = (  # (length, first colour, direction of change): red-yellow-green-cyan-blue-magenta
        (15, (255, 0, 0), (0, 1, 0)),
        (6, (255, 255, 0), (-1, 0, 0)),
        (4, (0, 255, 0), (0, 0, 1)),
        (11, (0, 255, 255), (0, -1, 0)),
        (13, (0, 0, 255), (1, 0, 0)),
        (6, (255, 0, 255), (0, 0, -1)),
    )
    rows = []
    for length, start, direction in segments:
        ramp = np.floor(255 * np.arange(length) / length)
        rows.append(np.asarray(start, np.float64) + np.outer(ramp, direction))
    return np.concatenate(rows)


def flow_to_color(flow: torch.Tensor | np.ndarray, max_radius: float | None = None) -> np.ndarray:
    """Colour-code an offset field with the Middlebury colour wheel.

    Hue gives the direction (right = red, up-left = blue-ish, left = cyan), saturation the
    length relative to ``max_radius``: zero offset is white. This is the picture DeepFill
    shows for its contextual attention ("where did each pixel copy from").

    Parameters
    ----------
    flow : tensor or ndarray, (2, H, W) or (N, 2, H, W)
        ``(dy, dx)`` per pixel, as :class:`ContextualAttention` returns.
    max_radius : float, optional
        Length that maps to full saturation; default the largest length in ``flow``.

    Returns
    -------
    ndarray of uint8, (H, W, 3) or (N, H, W, 3)
        RGB image(s).

    Notes
    -----
    The official code passes ``(dy, dx)`` where the Middlebury code expects ``(u, v) =
    (dx, dy)``, which turns its hues by a reflection; here ``u = dx`` and ``v = dy`` as in
    the benchmark, so the colours mean the usual directions.

    References
    ----------
    S. Baker, D. Scharstein, J. P. Lewis, S. Roth, M. J. Black, R. Szeliski, "A Database
    and Evaluation Methodology for Optical Flow", IJCV 92:1-31, 2011,
    doi:10.1007/s11263-010-0390-2 (colour coding of ``flowIO``/``computeColor``).
    """
    array = flow.detach().cpu().numpy() if isinstance(flow, torch.Tensor) else np.asarray(flow)
    array = array.astype(np.float64)
    if array.ndim not in (3, 4) or array.shape[-3] != 2:
        raise InvalidImageError(f"flow must be (2, H, W) or (N, 2, H, W) holding (dy, dx); got shape {array.shape}.")
    dy, dx = array[..., 0, :, :], array[..., 1, :, :]
    radius = np.hypot(dx, dy)
    scale = max_radius if max_radius is not None else radius.max()
    scale = max(float(scale), np.finfo(np.float64).eps)
    u, v, radius = dx / scale, dy / scale, radius / scale

    wheel = _middlebury_color_wheel() / 255.0
    n_colors = len(wheel)
    position = (np.arctan2(-v, -u) / np.pi + 1.0) / 2.0 * (n_colors - 1)
    k0 = np.floor(position).astype(np.int64)
    k1 = (k0 + 1) % n_colors
    frac = (position - k0)[..., None]
    color = (1.0 - frac) * wheel[k0] + frac * wheel[k1]
    inside = (radius <= 1.0)[..., None]
    color = np.where(inside, 1.0 - radius[..., None] * (1.0 - color), color * 0.75)
    return np.floor(255.0 * color).astype(np.uint8)


# --------------------------------------------------------------------------------------
# Self-attention (Zhang et al. 2019, SAGAN)
# --------------------------------------------------------------------------------------


class SelfAttention(nn.Module):
    r"""SAGAN self-attention block: every position attends to every other one.

    With 1x1 convolutions :math:`q` (query) and :math:`k` (key) to ``C // 8`` channels and
    :math:`v` (value) to ``C`` channels,

    .. math:: \beta_{ij} = \mathrm{softmax}_j\big(q(x_i)^T k(x_j)\big),\qquad
              y_i = x_i + \gamma \sum_j \beta_{ij} v(x_j),

    where :math:`\gamma` is a learned scalar that starts at 0, so the block starts as the
    identity and the network lets in non-local evidence as it learns. It is the learned
    analogue of DeepFill's contextual attention, without a mask.

    Parameters
    ----------
    channels : int
        Input (and output) channels, at least 8.

    Notes
    -----
    Forward: ``layer(x, return_attention=False)``; with ``return_attention=True`` also
    returns :math:`\beta` as ``(N, H*W, H*W)`` (row i: where position i looks).

    References
    ----------
    .. [1] H. Zhang, I. Goodfellow, D. Metaxas, A. Odena, "Self-Attention Generative
       Adversarial Networks", ICML 2019, arXiv:1805.08318.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        if channels < 8:
            raise InvalidParameterError(
                f"SelfAttention needs channels >= 8 (query and key use channels // 8); got {channels}."
            )
        self.query_conv = nn.Conv2d(channels, channels // 8, 1)
        self.key_conv = nn.Conv2d(channels, channels // 8, 1)
        self.value_conv = nn.Conv2d(channels, channels, 1)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(
        self, x: torch.Tensor, return_attention: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        n, c, h, w = x.shape
        query = self.query_conv(x).flatten(2)  # (N, C/8, HW)
        key = self.key_conv(x).flatten(2)
        value = self.value_conv(x).flatten(2)  # (N, C, HW)
        attention = F.softmax(torch.bmm(query.transpose(1, 2), key), dim=-1)  # (N, HW, HW)
        attended = torch.bmm(value, attention.transpose(1, 2)).view(n, c, h, w)
        out = x + self.gamma * attended
        return (out, attention) if return_attention else out


#: Name of the child module that :func:`attach_self_attention` adds to a network.
ATTENTION_CHILD = "self_attention"


class _AttentionAfter:
    """Forward hook: the layer's output goes through a self-attention block."""

    def __init__(self, attention: SelfAttention, where: str) -> None:
        self.attention = attention
        self.where = where

    def __call__(self, module: nn.Module, inputs: object, output: object) -> torch.Tensor:
        if not isinstance(output, torch.Tensor) or output.ndim != 4:
            raise ShapeMismatchError(
                f"self-attention after {self.where!r}: that layer must give an (N, C, H, W) tensor, "
                f"got {type(output).__name__}; choose a layer with a single feature-map output"
            )
        return self.attention(output)


def attach_self_attention(network: nn.Module, after: str, channels: int) -> SelfAttention:
    """Insert a SAGAN self-attention block after the submodule ``after`` of ``network``.

    The block becomes the child ``self_attention`` of ``network``, so its weights are in
    the network's parameters and state dict (``self_attention.query_conv.weight``, ...),
    and a forward hook passes the output of ``after`` through it; the network's class is
    not changed. The block starts as the identity (its ``gamma`` is 0). A network saved
    with the block is rebuilt by calling this again with the same arguments before its
    weights are loaded: the training recipes store them in the checkpoint's config under
    ``"self_attention"``, and :class:`~inpaintkit.deep.adapter.DeepInpainter` does so.

    Parameters
    ----------
    network : nn.Module
        The network; not a container (``nn.Sequential`` would run its children, the block
        too, in turn), and without a block already.
    after : str
        Dotted name of a submodule (as in ``network.named_modules()``) whose output is one
        (N, ``channels``, H, W) tensor.
    channels : int
        Channels of that output (at least 8).

    Returns
    -------
    SelfAttention
        The block.

    Raises
    ------
    InvalidParameterError
        When ``after`` names no submodule, or the network already has a block.

    Examples
    --------
    >>> class Net(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.layers = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 3, 1))
    ...     def forward(self, x):
    ...         return self.layers(x)
    >>> net = Net()
    >>> block = attach_self_attention(net, "layers.1", 16)
    >>> sorted(name for name, _ in net.named_children())
    ['layers', 'self_attention']
    """
    if isinstance(network, (nn.Sequential, nn.ModuleList, nn.ModuleDict)):
        raise InvalidParameterError(
            f"self_attention: a {type(network).__name__} would take the block as one of its layers; attach it to "
            "the module that holds the container, naming the layer as '<container>.<index>'"
        )
    if hasattr(network, ATTENTION_CHILD):
        raise InvalidParameterError(
            f"self_attention: {type(network).__name__} already has a self-attention block; attach one per network"
        )
    if not isinstance(after, str) or not after:
        raise InvalidParameterError(f"self_attention: 'after' must be a submodule name, got {after!r}")
    try:
        layer = network.get_submodule(after)
    except AttributeError:
        raise InvalidParameterError(
            f"self_attention: {type(network).__name__} has no submodule {after!r} to put the block after"
        ) from None
    attention = SelfAttention(channels)
    network.add_module(ATTENTION_CHILD, attention)
    layer.register_forward_hook(_AttentionAfter(attention, after))
    return attention


# --------------------------------------------------------------------------------------
# Fast Fourier convolution (Chi et al. 2020) as LaMa uses it (Suvorov et al. 2022)
# --------------------------------------------------------------------------------------



class FourierUnit(nn.Module):
    """Fourier unit: a 1x1 convolution applied in the frequency domain (a global receptive field).

    ``rfftn`` over (H, W) with ``norm="ortho"``; the real and imaginary parts of each
    channel are stacked as two channels (order ``c0.re, c0.im, c1.re, ...``); then a 1x1
    convolution (no bias), batch norm and ReLU act on every frequency alike; ``irfftn``
    with ``norm="ortho"`` returns to the image size. Every output pixel depends on every
    input pixel.

    The ReLU acts on real and imaginary parts separately, so with an identity convolution
    and identity batch norm a cosine (positive real spectrum) passes unchanged while a
    sine (negative imaginary spectrum) is removed.

    Parameters
    ----------
    in_channels, out_channels : int
        Image-domain channels in and out (the convolution maps ``2*in`` to ``2*out``).

    References
    ----------
    .. [1] R. Suvorov et al., "Resolution-robust Large Mask Inpainting with Fourier
       Convolutions", WACV 2022, doi:10.1109/WACV51458.2022.00323.
    .. [2] L. Chi, B. Jiang, Y. Mu, "Fast Fourier Convolution", NeurIPS 2020.
    .. [3] advimman/lama, ``saicinpainting/training/modules/ffc.py``.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv_layer = nn.Conv2d(2 * in_channels, 2 * out_channels, 1, bias=False)
        self.bn = nn.BatchNorm2d(2 * out_channels)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        spectrum = torch.fft.rfftn(x, dim=(-2, -1), norm="ortho")
        stacked = torch.stack((spectrum.real, spectrum.imag), dim=2).reshape(n, -1, h, w // 2 + 1)
        stacked = self.relu(self.bn(self.conv_layer(stacked)))
        parts = stacked.view(n, -1, 2, h, w // 2 + 1)
        spectrum = torch.complex(parts[:, :, 0], parts[:, :, 1])
        return torch.fft.irfftn(spectrum, s=(h, w), dim=(-2, -1), norm="ortho")


class SpectralTransform(nn.Module):
    """The global-to-global path of an FFC: 1x1 reduce, Fourier unit(s), residual, 1x1 expand.

    ``conv1`` (1x1 to ``out_channels // 2``, BN, ReLU) -> ``y = x + fu(x) [+ lfu(x)]`` ->
    ``conv2`` (1x1 to ``out_channels``). The optional local Fourier unit (LFU) runs on the
    first quarter of the channels cut into 2x2 spatial tiles stacked as channels, and its
    output is tiled back; LaMa's released configs (big-lama, lama-fourier) switch it off
    (``enable_lfu: false``), so that is the default here.

    Parameters
    ----------
    in_channels, out_channels : int
        Global channels in and out.
    stride : {1, 2}
        2 average-pools the input first.
    enable_lfu : bool
        Add the local Fourier unit. Needs even height and width (the official code tiles
        the width by ``H // 2``; here by ``W // 2``, the same for square inputs).

    References
    ----------
    .. [1] R. Suvorov et al., "Resolution-robust Large Mask Inpainting with Fourier
       Convolutions", WACV 2022, doi:10.1109/WACV51458.2022.00323.
    .. [2] L. Chi, B. Jiang, Y. Mu, "Fast Fourier Convolution", NeurIPS 2020.
    .. [3] advimman/lama, ``saicinpainting/training/modules/ffc.py``.
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int = 1, enable_lfu: bool = False) -> None:
        super().__init__()
        if stride not in (1, 2):
            raise InvalidParameterError(f"SpectralTransform stride must be 1 or 2; got {stride!r}.")
        self.enable_lfu = bool(enable_lfu)
        self.downsample = nn.AvgPool2d(kernel_size=2, stride=2) if stride == 2 else nn.Identity()
        half = out_channels // 2
        self.conv1 = nn.Sequential(
            nn.Conv2d(in_channels, half, 1, bias=False), nn.BatchNorm2d(half), nn.ReLU(inplace=True)
        )
        self.fu = FourierUnit(half, half)
        if self.enable_lfu:
            self.lfu = FourierUnit(half, half)
        self.conv2 = nn.Conv2d(half, out_channels, 1, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv1(self.downsample(x))
        out = x + self.fu(x)
        if self.enable_lfu:
            _, c, h, w = x.shape
            tiles = torch.cat(torch.split(x[:, : c // 4], h // 2, dim=-2), dim=1)
            tiles = torch.cat(torch.split(tiles, w // 2, dim=-1), dim=1)
            out = out + self.lfu(tiles).repeat(1, 1, 2, 2)
        return self.conv2(out)


# A (local, global) pair of FFC activations; an empty group is None.
LocalGlobal = tuple["torch.Tensor | None", "torch.Tensor | None"]


class FFC(nn.Module):
    """Fast Fourier convolution: local and global channel groups with four cross paths.

    The channels are split into a local part (``1 - ratio``) and a global part (``ratio``).
    local->local, local->global and global->local are ordinary ``kernel_size``
    convolutions; global->global is a :class:`SpectralTransform`. Outputs:
    ``local = l2l(x_l) + g2l(x_g)``, ``global = l2g(x_l) + g2g(x_g)``. A path whose input or
    output group is empty is absent (``None``), and an empty group is passed as ``None``.

    Parameters
    ----------
    in_channels, out_channels, kernel_size, stride, padding, dilation, bias
        As the convolutions (``padding_type`` is their ``padding_mode``).
    ratio_gin, ratio_gout : float
        Fractions of global channels in the input and output (``int(C * ratio)`` channels).
    enable_lfu : bool
        Local Fourier unit in the spectral transform.
    padding_type : str
        ``padding_mode`` of the convolutions ('reflect' in LaMa).

    Notes
    -----
    Forward: ``ffc(x)`` with ``x`` a tensor (all local) or a ``(local, global)`` tuple;
    returns a ``(local, global)`` tuple.

    References
    ----------
    .. [1] R. Suvorov et al., "Resolution-robust Large Mask Inpainting with Fourier
       Convolutions", WACV 2022, doi:10.1109/WACV51458.2022.00323.
    .. [2] L. Chi, B. Jiang, Y. Mu, "Fast Fourier Convolution", NeurIPS 2020.
    .. [3] advimman/lama, ``saicinpainting/training/modules/ffc.py``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        ratio_gin: float,
        ratio_gout: float,
        stride: int = 1,
        padding: int = 0,
        dilation: int = 1,
        bias: bool = False,
        enable_lfu: bool = False,
        padding_type: str = "reflect",
    ) -> None:
        super().__init__()
        in_cg = int(in_channels * ratio_gin)
        in_cl = in_channels - in_cg
        out_cg = int(out_channels * ratio_gout)
        out_cl = out_channels - out_cg

        def conv(cin: int, cout: int) -> nn.Conv2d | None:
            if cin == 0 or cout == 0:
                return None
            return nn.Conv2d(cin, cout, kernel_size, stride, padding, dilation, bias=bias, padding_mode=padding_type)

        self.convl2l = conv(in_cl, out_cl)
        self.convl2g = conv(in_cl, out_cg)
        self.convg2l = conv(in_cg, out_cl)
        self.convg2g = SpectralTransform(in_cg, out_cg, stride, enable_lfu) if in_cg and out_cg else None
        self.has_local_out, self.has_global_out = out_cl > 0, out_cg > 0

    def forward(self, x: torch.Tensor | LocalGlobal) -> LocalGlobal:
        x_l, x_g = x if isinstance(x, tuple) else (x, None)
        out_l = self._sum(self.convl2l, x_l, self.convg2l, x_g) if self.has_local_out else None
        out_g = self._sum(self.convl2g, x_l, self.convg2g, x_g) if self.has_global_out else None
        return out_l, out_g

    @staticmethod
    def _sum(from_local: nn.Module | None, x_l, from_global: nn.Module | None, x_g) -> torch.Tensor:
        terms = [module(part) for module, part in ((from_local, x_l), (from_global, x_g)) if module is not None]
        return terms[0] if len(terms) == 1 else terms[0] + terms[1]


class FFC_BN_ACT(nn.Module):  # noqa: N801 (the official name, kept so LaMa readers recognise it)
    """:class:`FFC` followed by batch norm and an activation on each non-empty group.

    Parameters
    ----------
    in_channels, out_channels, kernel_size, ratio_gin, ratio_gout, stride, padding, dilation, bias
        As :class:`FFC`.
    enable_lfu, padding_type
        As :class:`FFC`.
    norm_layer, activation_layer : type
        Normalisation and activation classes (BatchNorm2d and ReLU in LaMa; ``nn.Identity``
        for none).

    References
    ----------
    .. [1] R. Suvorov et al., "Resolution-robust Large Mask Inpainting with Fourier
       Convolutions", WACV 2022, doi:10.1109/WACV51458.2022.00323.
    .. [2] L. Chi, B. Jiang, Y. Mu, "Fast Fourier Convolution", NeurIPS 2020.
    .. [3] advimman/lama, ``saicinpainting/training/modules/ffc.py``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        ratio_gin: float,
        ratio_gout: float,
        stride: int = 1,
        padding: int = 0,
        dilation: int = 1,
        bias: bool = False,
        enable_lfu: bool = False,
        padding_type: str = "reflect",
        norm_layer: type[nn.Module] = nn.BatchNorm2d,
        activation_layer: type[nn.Module] = nn.ReLU,
    ) -> None:
        super().__init__()
        self.ffc = FFC(
            in_channels, out_channels, kernel_size, ratio_gin, ratio_gout,
            stride, padding, dilation, bias, enable_lfu, padding_type,
        )
        global_channels = int(out_channels * ratio_gout)
        local_channels = out_channels - global_channels
        self.bn_l = norm_layer(local_channels) if local_channels else None
        self.bn_g = norm_layer(global_channels) if global_channels else None
        self.act_l = activation_layer(inplace=True) if local_channels and activation_layer is not nn.Identity else None
        self.act_g = activation_layer(inplace=True) if global_channels and activation_layer is not nn.Identity else None

    def forward(self, x: torch.Tensor | LocalGlobal) -> LocalGlobal:
        x_l, x_g = self.ffc(x)
        if x_l is not None:
            x_l = self.bn_l(x_l)
            x_l = self.act_l(x_l) if self.act_l is not None else x_l
        if x_g is not None:
            x_g = self.bn_g(x_g)
            x_g = self.act_g(x_g) if self.act_g is not None else x_g
        return x_l, x_g


class FFCResnetBlock(nn.Module):
    """Residual block of two 3x3 :class:`FFC_BN_ACT` (BN + ReLU), on (local, global) tuples.

    Parameters
    ----------
    dim : int
        Channels (local + global).
    ratio_gin, ratio_gout : float
        Global fractions (0.75 in LaMa).
    dilation : int
        Dilation (and padding) of both convolutions.
    enable_lfu : bool
        Local Fourier unit in the spectral transforms.
    padding_type : str
        Convolution padding mode ('reflect').

    References
    ----------
    .. [1] R. Suvorov et al., "Resolution-robust Large Mask Inpainting with Fourier
       Convolutions", WACV 2022, doi:10.1109/WACV51458.2022.00323.
    .. [2] L. Chi, B. Jiang, Y. Mu, "Fast Fourier Convolution", NeurIPS 2020.
    .. [3] advimman/lama, ``saicinpainting/training/modules/ffc.py``.
    """

    def __init__(
        self,
        dim: int,
        ratio_gin: float = 0.75,
        ratio_gout: float = 0.75,
        dilation: int = 1,
        enable_lfu: bool = False,
        padding_type: str = "reflect",
    ) -> None:
        super().__init__()
        kwargs = dict(
            kernel_size=3, ratio_gin=ratio_gin, ratio_gout=ratio_gout, padding=dilation, dilation=dilation,
            enable_lfu=enable_lfu, padding_type=padding_type,
        )
        self.conv1 = FFC_BN_ACT(dim, dim, **kwargs)
        self.conv2 = FFC_BN_ACT(dim, dim, **kwargs)

    def forward(self, x: LocalGlobal) -> LocalGlobal:
        x_l, x_g = self.conv2(self.conv1(x))
        return tuple(part if identity is None else identity + part for identity, part in zip(x, (x_l, x_g)))


class ConcatTupleLayer(nn.Module):
    """Concatenate a (local, global) pair back into one tensor (channels local first)."""

    def forward(self, x: LocalGlobal) -> torch.Tensor:
        x_l, x_g = x
        if x_g is None:
            return x_l
        if x_l is None:
            return x_g
        return torch.cat((x_l, x_g), dim=1)
