"""GLCIC (Iizuka, Simo-Serra, Ishikawa, SIGGRAPH 2017): the completion network and the
global and local context discriminators.

The completion network is the paper's Table 1: a fully convolutional encoder-decoder that
goes down to 1/4 resolution, where four dilated 3x3 convolutions (rates 2, 4, 8, 16)
widen the receptive field to about 300x300 input pixels without losing resolution, and
comes back up with two 4x4 transposed convolutions. Batch norm and ReLU follow every layer but the
last, which is a sigmoid. 6,072,131 parameters (deep-methods.md: about 6.07M).

The discriminators (paper Table 2) are the global one, six 5x5 stride-2 convolutions on
the whole 256x256 image and a fully-connected layer to 1024 features (25,808,384
parameters; deep-methods.md: 25.8M), and the local one, five such convolutions on the
128x128 patch centred on the completed region, also to 1024 features (19,253,248; 19.3M).
The two feature vectors are concatenated and a last fully-connected layer gives the
probability that the image is real (:class:`GLCICDiscriminator`, 45,063,681 in all).

Values are in [0, 1]; masks are 1 = hole. The completion network subtracts the training
set's mean colour (``pixel_mean``, stored with the weights, as the released Torch models
store ``data.mean``), zeroes the hole and appends the mask, as the official ``inpaint.lua``
prepares its input; H and W must be multiples of 4 (``size_multiple``).

Bias terms: the released models are Torch7 networks, whose convolutions carry a bias
even before batch norm; the counts above include them (mmagic's reimplementation drops
them, 6,069,155 parameters for the completion network). Activations not stated in the
paper follow mmagic's ``GLDiscs``: batch norm and ReLU after every discriminator
convolution and ReLU after each 1024-feature layer.

State-dict naming
-----------------
Completion network: ``layers.<i>`` (i = 0..15, in the order of Table 1), each with
``conv`` (``nn.Conv2d`` or, for i = 12 and 14, ``nn.ConvTranspose2d``) and ``bn``;
``output`` is the final 3x3 convolution. Discriminators: ``convs.<i>.conv`` / ``.bn`` and
``fc``; the combined discriminator holds ``global_discriminator``,
``local_discriminator`` and ``fc``. A Torch7 model converts by walking its layers in order.
"""

from __future__ import annotations

import torch
from torch import nn

from ...errors import InvalidImageError, InvalidParameterError, ShapeMismatchError
from ...params import check_int

__all__ = [
    "CompletionNetwork",
    "GlobalDiscriminator",
    "LocalDiscriminator",
    "GLCICDiscriminator",
    "DILATIONS",
    "SIZE_MULTIPLE",
    "VALUE_RANGE",
    "GLOBAL_INPUT_SIZE",
    "LOCAL_INPUT_SIZE",
]

#: Dilation rates of the four middle layers (paper Table 1).
DILATIONS = (2, 4, 8, 16)
#: The completion network's input sides must be multiples of this (two stride-2 levels).
SIZE_MULTIPLE = 4
#: Value range of the images the networks take and give.
VALUE_RANGE = (0.0, 1.0)
#: Input side of the global discriminator (the training crops).
GLOBAL_INPUT_SIZE = 256
#: Input side of the local discriminator (the patch around the completed region).
LOCAL_INPUT_SIZE = 128


def _check_width(name: str, value: object, *, even: bool = False) -> None:
    if check_int(name, value, low=2) % 2 and even:
        raise InvalidParameterError(f"{name}: expected an even integer (64 in the paper), got {value!r}")


class _ConvBNReLU(nn.Module):
    """Convolution (or 4x4 stride-2 transposed convolution), batch norm, ReLU."""

    def __init__(
        self, cin: int, cout: int, kernel_size: int, stride: int = 1, dilation: int = 1, transposed: bool = False
    ) -> None:
        super().__init__()
        if transposed:
            self.conv: nn.Module = nn.ConvTranspose2d(cin, cout, 4, stride=2, padding=1)
        else:
            padding = dilation * (kernel_size - 1) // 2
            self.conv = nn.Conv2d(cin, cout, kernel_size, stride=stride, padding=padding, dilation=dilation)
        self.bn = nn.BatchNorm2d(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.bn(self.conv(x)))


class CompletionNetwork(nn.Module):
    """GLCIC completion network (paper Table 1).

    ========  ======  ========  ======  ========
    type      kernel  dilation  stride  outputs
    ========  ======  ========  ======  ========
    conv      5x5     1         1       64
    conv      3x3     1         2       128
    conv      3x3     1         1       128
    conv      3x3     1         2       256
    conv      3x3     1         1       256
    conv      3x3     1         1       256
    dilated   3x3     2         1       256
    dilated   3x3     4         1       256
    dilated   3x3     8         1       256
    dilated   3x3     16        1       256
    conv      3x3     1         1       256
    conv      3x3     1         1       256
    deconv    4x4     1         1/2     128
    conv      3x3     1         1       128
    deconv    4x4     1         1/2     64
    conv      3x3     1         1       32
    output    3x3     1         1       3
    ========  ======  ========  ======  ========

    Parameters
    ----------
    pixel_mean : tuple of 3 floats
        The training set's mean colour on [0, 1], subtracted from the input (a buffer saved
        with the weights; the released models carry their own). The default 0.5 centres
        [0, 1]; set it to the mean of the images you train on.
    cnum : int
        Width: the table's widths are for 64 (``cnum``, ``2 cnum``, ``4 cnum`` and
        ``cnum / 2`` channels); an even number, at least 2. Not in the paper: smaller
        widths train quickly on a CPU (stored with the weights).

    Notes
    -----
    Forward: ``net(image, mask) -> prediction``

    * ``image`` (N, 3, H, W) in [0, 1], H and W multiples of 4; what the hole holds is
      ignored.
    * ``mask`` (N, 1, H, W), 1 = hole.
    * ``prediction`` (N, 3, H, W) in [0, 1] over the whole frame; the paper composites it
      into the hole and may post-process the seam (fast marching, then Poisson blending).

    The network input is ``[(image - pixel_mean) * (1 - mask), mask]`` (4 channels).

    References
    ----------
    .. [1] S. Iizuka, E. Simo-Serra, H. Ishikawa, "Globally and Locally Consistent Image
       Completion", ACM TOG 36(4) (SIGGRAPH 2017), doi:10.1145/3072959.3073659.
    .. [2] satoshiiizuka/siggraph2017_inpainting, ``inpaint.lua`` (input preparation).

    Examples
    --------
    >>> net = CompletionNetwork().eval()
    >>> tuple(net(torch.rand(1, 3, 32, 48), torch.zeros(1, 1, 32, 48)).shape)
    (1, 3, 32, 48)
    """

    size_multiple = SIZE_MULTIPLE
    value_range = VALUE_RANGE

    def __init__(self, pixel_mean: tuple[float, float, float] = (0.5, 0.5, 0.5), cnum: int = 64) -> None:
        super().__init__()
        if len(pixel_mean) != 3:
            raise InvalidParameterError(f"pixel_mean must hold 3 values (R, G, B); got {pixel_mean!r}.")
        _check_width("cnum", cnum, even=True)
        self.register_buffer("pixel_mean", torch.tensor(pixel_mean, dtype=torch.float32).view(1, 3, 1, 1))
        c1, c2, c4 = cnum, 2 * cnum, 4 * cnum
        dilated = [_ConvBNReLU(c4, c4, 3, dilation=rate) for rate in DILATIONS]
        self.layers = nn.Sequential(
            _ConvBNReLU(4, c1, 5),
            _ConvBNReLU(c1, c2, 3, stride=2),
            _ConvBNReLU(c2, c2, 3),
            _ConvBNReLU(c2, c4, 3, stride=2),
            _ConvBNReLU(c4, c4, 3),
            _ConvBNReLU(c4, c4, 3),
            *dilated,
            _ConvBNReLU(c4, c4, 3),
            _ConvBNReLU(c4, c4, 3),
            _ConvBNReLU(c4, c2, 4, transposed=True),
            _ConvBNReLU(c2, c2, 3),
            _ConvBNReLU(c2, c1, 4, transposed=True),
            _ConvBNReLU(c1, cnum // 2, 3),
        )
        self.output = nn.Conv2d(cnum // 2, 3, 3, padding=1)

    def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        n, c, h, w = image.shape
        if c != 3 or h % SIZE_MULTIPLE or w % SIZE_MULTIPLE:
            raise InvalidImageError(
                f"CompletionNetwork: image must be (N, 3, H, W) with H and W multiples of {SIZE_MULTIPLE}; "
                f"got {tuple(image.shape)}. Pad the image (and mask) first."
            )
        if mask.shape != (n, 1, h, w):
            raise ShapeMismatchError(f"CompletionNetwork: mask must be ({n}, 1, {h}, {w}); got {tuple(mask.shape)}.")
        x = torch.cat(((image - self.pixel_mean) * (1.0 - mask), mask), dim=1)
        return torch.sigmoid(self.output(self.layers(x)))


class _ContextDiscriminator(nn.Module):
    """5x5 stride-2 convolutions with batch norm and ReLU, then a 1024-feature layer."""

    def __init__(self, widths: tuple[int, ...], input_size: int) -> None:
        super().__init__()
        n_convs = len(widths)
        if input_size < 2**n_convs or input_size % 2**n_convs:
            raise InvalidParameterError(
                f"input_size must be a positive multiple of {2**n_convs} ({n_convs} stride-2 convolutions); "
                f"got {input_size!r}."
            )
        self.input_size = input_size
        channels = (3, *widths)
        self.convs = nn.Sequential(*[_ConvBNReLU(cin, cout, 5, stride=2) for cin, cout in zip(channels, widths)])
        side = input_size // 2**n_convs
        self.fc = nn.Linear(widths[-1] * side * side, 1024)

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        size = self.input_size
        if image.ndim != 4 or image.shape[1:] != (3, size, size):
            raise InvalidImageError(
                f"{type(self).__name__}: image must be (N, 3, {size}, {size}); got {tuple(image.shape)}."
            )
        return torch.relu(self.fc(self.convs(image).flatten(1)))


class GlobalDiscriminator(_ContextDiscriminator):
    """GLCIC global discriminator: the whole image to 1024 features.

    Six 5x5 stride-2 convolutions (64, 128, 256, 512, 512, 512 channels) with batch norm
    and ReLU, flattened (512 x 4 x 4 at 256x256) into a fully-connected layer with 1024
    outputs and ReLU; 25,808,384 parameters at the paper's 256x256.

    Parameters
    ----------
    input_size : int
        Side of the square input (256 in the paper); it fixes the fully-connected layer.
    cnum : int
        Width of the first convolution (64); the others are 2, 4 and 8 times it.

    Notes
    -----
    Forward: ``net(image) -> features`` with ``image`` (N, 3, input_size, input_size) in
    [0, 1] and ``features`` (N, 1024).

    References
    ----------
    .. [1] S. Iizuka, E. Simo-Serra, H. Ishikawa, "Globally and Locally Consistent Image
       Completion", ACM TOG 36(4) (SIGGRAPH 2017), doi:10.1145/3072959.3073659, Table 2.
    """

    def __init__(self, input_size: int = GLOBAL_INPUT_SIZE, cnum: int = 64) -> None:
        _check_width("cnum", cnum)
        super().__init__((cnum, 2 * cnum, 4 * cnum, 8 * cnum, 8 * cnum, 8 * cnum), input_size)


class LocalDiscriminator(_ContextDiscriminator):
    """GLCIC local discriminator: the patch around the completed region to 1024 features.

    Five 5x5 stride-2 convolutions (64, 128, 256, 512, 512 channels) with batch norm and
    ReLU, then a fully-connected layer to 1024 outputs and ReLU; 19,253,248 parameters at
    the paper's 128x128.

    Parameters
    ----------
    input_size : int
        Side of the square patch (128 in the paper).
    cnum : int
        Width of the first convolution (64); the others are 2, 4 and 8 times it.

    Notes
    -----
    Forward: ``net(patch) -> features``, ``patch`` (N, 3, input_size, input_size) in
    [0, 1] centred on the completed region (on a real image: a random patch), ``features``
    (N, 1024).

    References
    ----------
    .. [1] S. Iizuka, E. Simo-Serra, H. Ishikawa, "Globally and Locally Consistent Image
       Completion", ACM TOG 36(4) (SIGGRAPH 2017), doi:10.1145/3072959.3073659, Table 2.
    """

    def __init__(self, input_size: int = LOCAL_INPUT_SIZE, cnum: int = 64) -> None:
        _check_width("cnum", cnum)
        super().__init__((cnum, 2 * cnum, 4 * cnum, 8 * cnum, 8 * cnum), input_size)


class GLCICDiscriminator(nn.Module):
    """GLCIC context discriminator: global and local features concatenated, one score.

    Parameters
    ----------
    global_size, local_size : int
        Input sides of the global (256) and local (128) discriminators.
    cnum : int
        Width of both discriminators' first convolutions (64).

    Notes
    -----
    Forward: ``net(image, patch) -> logits`` with ``image`` (N, 3, global_size,
    global_size) and ``patch`` (N, 3, local_size, local_size) in [0, 1]; ``logits`` (N,).
    The paper's final sigmoid is left to the loss (``binary_cross_entropy_with_logits``).

    References
    ----------
    .. [1] S. Iizuka, E. Simo-Serra, H. Ishikawa, "Globally and Locally Consistent Image
       Completion", ACM TOG 36(4) (SIGGRAPH 2017), doi:10.1145/3072959.3073659, Table 2.
    """

    value_range = VALUE_RANGE

    def __init__(
        self, global_size: int = GLOBAL_INPUT_SIZE, local_size: int = LOCAL_INPUT_SIZE, cnum: int = 64
    ) -> None:
        super().__init__()
        self.global_discriminator = GlobalDiscriminator(global_size, cnum)
        self.local_discriminator = LocalDiscriminator(local_size, cnum)
        self.fc = nn.Linear(2048, 1)

    def forward(self, image: torch.Tensor, patch: torch.Tensor) -> torch.Tensor:
        if image.shape[0] != patch.shape[0]:
            raise ShapeMismatchError(
                f"GLCICDiscriminator: image and patch need the same batch size; got {image.shape[0]} and "
                f"{patch.shape[0]}."
            )
        features = torch.cat((self.global_discriminator(image), self.local_discriminator(patch)), dim=1)
        return self.fc(features).flatten()
