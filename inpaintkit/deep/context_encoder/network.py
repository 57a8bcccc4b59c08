"""Context Encoder (Pathak et al., CVPR 2016): the centre-region encoder-decoder and its
adversarial discriminator.

The generator is the one the official Torch7 code builds (``train.lua`` of
pathak22/context-encoder, the "inpaintCenter" models): a DCGAN-style encoder of 4x4
stride-2 convolutions from the 128x128 context down to 512x4x4, a 4x4 "valid"
convolution to a ``bottleneck_channels`` x 1 x 1 code (4000 channels in the released
models), and a decoder of 4x4 transposed convolutions up to the 64x64 centre, with tanh.
With 4000 bottleneck channels it has 71,130,531 parameters (deep-methods.md: 71.1M).

The paper's own bottleneck, a *channel-wise fully-connected* layer (each of the 512
feature maps of size 4x4 fully connected to itself, m*n^4 weights, followed by a stride-1
convolution that mixes the channels), is offered as ``bottleneck="channel_fc"``.

Geometry (the constants below, for the adapter): the input is 128x128; the network
predicts the central 64x64 square (rows and columns 32..95); the hole it was trained on is
that square shrunk by ``OVERLAP`` = 4 pixels per side (rows and columns 36..91) and filled
with the training set's mean colour, so the prediction also covers a 4-pixel band of known
pixels around the hole, where the official reconstruction loss weighs errors x10
(:func:`reconstruction_weights`). The generator fills the hole itself, so whatever the
input holds there is ignored.

Values are in [-1, 1]. There is no mask input: the hole is fixed by the geometry
(1 = hole in :func:`hole_mask`, as everywhere in inpaintkit).

The discriminator is the official ``netD`` without context (``conditionAdv = 0``): it
judges the 64x64 centre alone, 2,766,529 parameters (deep-methods.md: 2.77M).

State-dict naming
-----------------
The official ``netG`` is ``nn.Sequential(netE, BatchNorm, LeakyReLU, ...decoder)``; ours
is ``encoder`` (``netE``: indices 0..14, convolutions at 0, 2, 5, 8, 11 and the bottleneck
convolution at 14, batch norms at 3, 6, 9, 12) and ``decoder`` (the rest of ``netG``:
batch norm 0, transposed convolutions at 2, 5, 8, 11, 14, batch norms at 3, 6, 9, 12), so
the Torch7 modules map onto ours in order. The discriminator is ``layers`` in the order
of ``netD`` (convolutions at 0, 2, 5, 8, 11). Torch7 and PyTorch share the weight layouts
(``SpatialFullConvolution`` is ``(in, out, kh, kw)`` like ``ConvTranspose2d``).
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from ...errors import InvalidImageError, InvalidParameterError

__all__ = [
    "ContextEncoderGenerator",
    "ContextEncoderDiscriminator",
    "ChannelwiseFullyConnected",
    "hole_mask",
    "reconstruction_weights",
    "INPUT_SIZE",
    "CENTER_SIZE",
    "OVERLAP",
    "CENTER_START",
    "MEAN_PIXEL",
    "VALUE_RANGE",
    "BOTTLENECK_CHANNELS",
]

#: Side of the (square) network input.
INPUT_SIZE = 128
#: Side of the predicted central square.
CENTER_SIZE = 64
#: Pixels per side by which the hole is smaller than the predicted square.
OVERLAP = 4
#: First row/column of the predicted square in the input (32).
CENTER_START = (INPUT_SIZE - CENTER_SIZE) // 2
#: The colour the hole is filled with, on [0, 1]: the official mean pixel (117, 104, 123) / 255.
MEAN_PIXEL = (117.0 / 255.0, 104.0 / 255.0, 123.0 / 255.0)
#: Value range of the input and output images.
VALUE_RANGE = (-1.0, 1.0)
#: Bottleneck channels of the released models (``nBottleneck=4000`` in the training command).
BOTTLENECK_CHANNELS = 4000
#: Weight of the squared error on the overlap band relative to the hole (``overlapL2Weight``).
OVERLAP_LOSS_WEIGHT = 10.0


def hole_mask(overlap: int = OVERLAP, device: torch.device | str | None = None) -> torch.Tensor:
    """The hole of the centre model on its 128x128 input: (1, 1, 128, 128), 1 = hole.

    Parameters
    ----------
    overlap : int
        Pixels per side by which the hole is smaller than the 64x64 predicted square.
    device : torch device, optional
        Where to build the tensor.

    Returns
    -------
    Tensor
        Float mask, 1 on rows and columns ``CENTER_START + overlap`` to
        ``CENTER_START + CENTER_SIZE - overlap - 1``.

    Examples
    --------
    >>> int(hole_mask().sum())  # a 56x56 hole
    3136
    """
    _check_overlap(overlap)
    mask = torch.zeros(1, 1, INPUT_SIZE, INPUT_SIZE, device=device)
    first, stop = CENTER_START + overlap, CENTER_START + CENTER_SIZE - overlap
    mask[..., first:stop, first:stop] = 1.0
    return mask


def reconstruction_weights(overlap: int = OVERLAP, device: torch.device | str | None = None) -> torch.Tensor:
    """Per-pixel weights of the official L2 loss on the 64x64 prediction: (1, 1, 64, 64).

    1 inside the hole and ``OVERLAP_LOSS_WEIGHT`` (10) on the ``overlap``-pixel band of
    known pixels around it, as ``train.lua`` builds ``wtl2Matrix`` (before its
    multiplication by ``wtl2``). With ``overlap=0`` every weight is 1.

    Parameters
    ----------
    overlap : int
        Width of the band.
    device : torch device, optional
        Where to build the tensor.
    """
    _check_overlap(overlap)
    weights = torch.full((1, 1, CENTER_SIZE, CENTER_SIZE), OVERLAP_LOSS_WEIGHT if overlap else 1.0, device=device)
    weights[..., overlap : CENTER_SIZE - overlap, overlap : CENTER_SIZE - overlap] = 1.0
    return weights


def _check_overlap(overlap: int) -> None:
    if not isinstance(overlap, int) or isinstance(overlap, bool) or not 0 <= overlap < CENTER_SIZE // 2:
        raise InvalidParameterError(
            f"overlap must be an int in [0, {CENTER_SIZE // 2}) (4 in the paper); got {overlap!r}."
        )


def _check_square(who: str, image: torch.Tensor, size: int) -> None:
    if image.ndim != 4 or image.shape[1:] != (3, size, size):
        raise InvalidImageError(
            f"{who}: image must be (N, 3, {size}, {size}); got {tuple(image.shape)}. "
            f"The network works at a fixed size: crop or resize a window of that size first."
        )


def _dcgan_init(module: nn.Module) -> None:
    """The official ``weights_init``: convolutions N(0, 0.02) with zero bias, batch-norm
    scales N(1, 0.02) with zero shift."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


class ChannelwiseFullyConnected(nn.Module):
    r"""The paper's channel-wise fully-connected layer.

    Each of the ``channels`` feature maps of size n x n is connected fully to itself and to
    no other map: ``y[c] = W_c x[c] + b_c`` with ``W_c`` of shape (n^2, n^2), so the layer
    has :math:`m n^4` weights (plus :math:`m n^2` biases) instead of the
    :math:`m^2 n^4` of a fully-connected layer. It lets every position of a map see the
    whole map (the encoder's context reaches the whole hole) without the cost of mixing
    channels, which the stride-1 convolution after it does.

    Parameters
    ----------
    channels : int
        Feature maps m.
    size : int
        Side n of each map (4 for the 128x128 input).

    References
    ----------
    .. [1] D. Pathak, P. Krahenbuhl, J. Donahue, T. Darrell, A. A. Efros, "Context
       Encoders: Feature Learning by Inpainting", CVPR 2016, doi:10.1109/CVPR.2016.278,
       section 3.1.

    Examples
    --------
    >>> layer = ChannelwiseFullyConnected(8, 4)
    >>> sum(p.numel() for p in layer.parameters())  # 8 * 4**4 weights + 8 * 4**2 biases
    2176
    """

    def __init__(self, channels: int, size: int) -> None:
        super().__init__()
        self.channels, self.size = channels, size
        area = size * size
        bound = area**-0.5  # nn.Linear's default initialisation, per channel
        self.weight = nn.Parameter(torch.empty(channels, area, area).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.empty(channels, area).uniform_(-bound, bound))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        if (c, h, w) != (self.channels, self.size, self.size):
            raise InvalidImageError(
                f"ChannelwiseFullyConnected: input must be (N, {self.channels}, {self.size}, {self.size}); "
                f"got {tuple(x.shape)}."
            )
        y = torch.einsum("ncj,ckj->nck", x.flatten(2), self.weight) + self.bias
        return y.view(n, c, h, w)


class ContextEncoderGenerator(nn.Module):
    """Context Encoder generator: 128x128 context in, the 64x64 centre out.

    Parameters
    ----------
    bottleneck_channels : int
        Channels of the 1x1 code of the ``"conv"`` bottleneck: 4000 in the released models
        (71,130,531 parameters), 100 by default in ``train.lua``.
    bottleneck : {'conv', 'channel_fc'}
        ``'conv'``: the official code's 4x4 valid convolution to a
        ``bottleneck_channels`` x 1 x 1 code and a 4x4 transposed convolution back to 4x4.
        ``'channel_fc'``: the paper's channel-wise fully-connected layer on the 512x4x4
        encoding followed by a stride-1 1x1 convolution (``bottleneck_channels`` is then
        unused).
    overlap : int
        Pixels per side by which the hole is smaller than the predicted square (4 as in
        the paper; 0 reproduces ``train.lua``'s default ``overlapPred = 0``).
    nef, ngf : int
        Widths of the first encoder and the last decoder layer (64).

    Notes
    -----
    Forward: ``net(image) -> centre``

    * ``image`` (N, 3, 128, 128) in [-1, 1]; the hole (:func:`hole_mask`: rows and
      columns 36..91 with the default overlap) is overwritten with :data:`MEAN_PIXEL`
      (mapped to [-1, 1]) before the encoder sees it, as the official data pipeline does.
    * ``centre`` (N, 3, 64, 64) in [-1, 1]: the prediction of rows and columns 32..95.

    Every layer but the first encoder convolution and the output is followed by batch
    norm; LeakyReLU(0.2) in the encoder and on the code, ReLU in the decoder. Weights start
    as the official ``weights_init`` (DCGAN). The official training loop also resets every
    convolution bias to 0 before each step; the biases are kept here as parameters (they
    are part of the 71.1M), starting at 0.

    For the ``"channel_fc"`` bottleneck (our reading of section 3.1): encoder up to the
    512x4x4 map (with its batch norm and LeakyReLU), channel-wise fully-connected layer,
    1x1 convolution 512 -> 512, batch norm and LeakyReLU(0.2), then the four stride-2
    transposed convolutions 512 -> 256 -> 128 -> 64 -> 3.

    References
    ----------
    .. [1] D. Pathak, P. Krahenbuhl, J. Donahue, T. Darrell, A. A. Efros, "Context
       Encoders: Feature Learning by Inpainting", CVPR 2016, doi:10.1109/CVPR.2016.278.
    .. [2] pathak22/context-encoder, ``train.lua`` (``netE``, ``netG``, ``weights_init``,
       ``overlapPred``).

    Examples
    --------
    >>> net = ContextEncoderGenerator(bottleneck_channels=100).eval()
    >>> tuple(net(torch.zeros(1, 3, 128, 128)).shape)
    (1, 3, 64, 64)
    """

    input_size = INPUT_SIZE
    center_size = CENTER_SIZE
    value_range = VALUE_RANGE

    def __init__(
        self,
        bottleneck_channels: int = BOTTLENECK_CHANNELS,
        bottleneck: Literal["conv", "channel_fc"] = "conv",
        overlap: int = OVERLAP,
        nef: int = 64,
        ngf: int = 64,
    ) -> None:
        super().__init__()
        if bottleneck not in ("conv", "channel_fc"):
            raise InvalidParameterError(f"bottleneck must be 'conv' or 'channel_fc'; got {bottleneck!r}.")
        if bottleneck_channels < 1:
            raise InvalidParameterError(f"bottleneck_channels must be >= 1; got {bottleneck_channels!r}.")
        _check_overlap(overlap)
        self.bottleneck, self.overlap = bottleneck, overlap
        self.register_buffer("fill_value", torch.tensor(MEAN_PIXEL).view(1, 3, 1, 1) * 2.0 - 1.0, persistent=False)
        self.register_buffer("hole", hole_mask(overlap), persistent=False)

        encoder: list[nn.Module] = [nn.Conv2d(3, nef, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True)]
        widths = (nef, nef, 2 * nef, 4 * nef, 8 * nef)  # 64 -> 32 -> 16 -> 8 -> 4 pixels
        for cin, cout in zip(widths[:-1], widths[1:]):
            encoder += [nn.Conv2d(cin, cout, 4, 2, 1), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2, inplace=True)]
        deepest = widths[-1]
        if bottleneck == "conv":
            encoder.append(nn.Conv2d(deepest, bottleneck_channels, 4))  # 4x4 -> 1x1
            decoder: list[nn.Module] = [
                nn.BatchNorm2d(bottleneck_channels),
                nn.LeakyReLU(0.2, inplace=True),
                nn.ConvTranspose2d(bottleneck_channels, 8 * ngf, 4),  # 1x1 -> 4x4
                nn.BatchNorm2d(8 * ngf),
                nn.ReLU(inplace=True),
            ]
        else:
            self.channel_fc = ChannelwiseFullyConnected(deepest, INPUT_SIZE // 32)
            self.cross_channel = nn.Conv2d(deepest, 8 * ngf, 1)
            decoder = [nn.BatchNorm2d(8 * ngf), nn.LeakyReLU(0.2, inplace=True)]
        up_widths = (8 * ngf, 4 * ngf, 2 * ngf, ngf)  # 4 -> 8 -> 16 -> 32 pixels
        for cin, cout in zip(up_widths[:-1], up_widths[1:]):
            decoder += [nn.ConvTranspose2d(cin, cout, 4, 2, 1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
        decoder += [nn.ConvTranspose2d(ngf, 3, 4, 2, 1), nn.Tanh()]  # 32 -> 64 pixels
        self.encoder = nn.Sequential(*encoder)
        self.decoder = nn.Sequential(*decoder)
        self.apply(_dcgan_init)

    def fill_hole(self, image: torch.Tensor) -> torch.Tensor:
        """The network's actual input: ``image`` with the hole set to the mean colour."""
        _check_square("ContextEncoderGenerator", image, INPUT_SIZE)
        return torch.where(self.hole > 0, self.fill_value.to(image.dtype), image)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        x = self.encoder(self.fill_hole(image))
        if self.bottleneck == "channel_fc":
            x = self.cross_channel(self.channel_fc(x))
        return self.decoder(x)


class ContextEncoderDiscriminator(nn.Module):
    """Context Encoder's adversarial discriminator on the 64x64 centre (no context).

    4x4 stride-2 convolutions 3 -> 64 -> 128 -> 256 -> 512 (batch norm from the second
    on, LeakyReLU 0.2), then a 4x4 valid convolution to one score: 2,766,529 parameters.

    Parameters
    ----------
    ndf : int
        Width of the first layer (64).

    Notes
    -----
    Forward: ``net(centre) -> logits`` with ``centre`` (N, 3, 64, 64) in [-1, 1] (real or
    predicted) and ``logits`` (N,). The official network ends in a sigmoid and is trained
    with binary cross-entropy; it is left out here so that the loss can use the
    numerically stable ``binary_cross_entropy_with_logits`` (the same function).
    Weights start as the official DCGAN initialisation.

    References
    ----------
    .. [1] D. Pathak, P. Krahenbuhl, J. Donahue, T. Darrell, A. A. Efros, "Context
       Encoders: Feature Learning by Inpainting", CVPR 2016, doi:10.1109/CVPR.2016.278.
    .. [2] pathak22/context-encoder, ``train.lua`` (``netD`` with ``conditionAdv = 0``).
    """

    input_size = CENTER_SIZE
    value_range = VALUE_RANGE

    def __init__(self, ndf: int = 64) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(3, ndf, 4, 2, 1), nn.LeakyReLU(0.2, inplace=True)]
        widths = (ndf, 2 * ndf, 4 * ndf, 8 * ndf)  # 32 -> 16 -> 8 -> 4 pixels
        for cin, cout in zip(widths[:-1], widths[1:]):
            layers += [nn.Conv2d(cin, cout, 4, 2, 1), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2, inplace=True)]
        layers.append(nn.Conv2d(8 * ndf, 1, 4))  # 4x4 -> 1x1
        self.layers = nn.Sequential(*layers)
        self.apply(_dcgan_init)

    def forward(self, centre: torch.Tensor) -> torch.Tensor:
        _check_square("ContextEncoderDiscriminator", centre, CENTER_SIZE)
        return self.layers(centre).flatten()
