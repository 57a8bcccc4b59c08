"""LaMa (Suvorov et al., WACV 2022): the FFC ResNet generator and its PatchGAN discriminator.

The generator is the official ``FFCResNetGenerator`` with the released configurations:
``configs/training/big-lama.yaml`` (18 residual blocks, 50,975,875 parameters, "Big LaMa")
and ``generator/ffc_resnet_075.yaml`` of ``lama-fourier.yaml`` (9 blocks, 27,048,835,
"LaMa-Fourier"). Both: input 4 channels (masked RGB + mask), ngf 64, 3 stride-2
downsamplings, residual blocks of fast Fourier convolutions at 512 channels with 75 %
global channels, no local Fourier unit, reflect padding, BatchNorm + ReLU, transposed-conv
decoder, sigmoid output in [0, 1].

The discriminator is pix2pixHD's ``NLayerDiscriminator`` as ``discriminator/
pix2pixhd_nlayer.yaml`` configures it (input 3, ndf 64, n_layers 4; 6,962,369
parameters); LaMa shows it only the image (real or inpainted), not the mask.

State-dict naming
-----------------
Identical to the official modules, so the official state dicts load key for key (a
Lightning checkpoint stores the generator under the ``generator.`` prefix). Generator:
``model.<i>`` of one ``nn.Sequential``: ``model.0`` reflection pad; ``model.1`` the 7x7
input :class:`~inpaintkit.deep.layers.FFC_BN_ACT` (``model.1.ffc.convl2l.weight``,
``model.1.bn_l.*``); ``model.2``-``model.4`` the downsamplings (``model.4`` also has
``ffc.convl2g`` and ``bn_g``); ``model.5`` ... ``model.{4 + n_blocks}`` the residual blocks
(``model.5.conv1.ffc.convl2l``, ``.convl2g``, ``.convg2l``, ``.convg2g.conv1.0`` /
``conv1.1`` (1x1 conv, BN), ``.convg2g.fu.conv_layer`` / ``fu.bn``, ``.convg2g.conv2``,
``model.5.conv1.bn_l`` / ``bn_g``, same under ``conv2``); then the concatenation, three
(ConvTranspose2d, BatchNorm2d, ReLU) triples, the reflection pad, the 7x7 output conv
(``model.{n_blocks + 16}.weight`` / ``.bias``: ``model.34`` for Big LaMa) and the sigmoid.
Discriminator: ``model0.0`` (conv), ``model1.0`` / ``model1.1`` (conv, BN) ...
``model4.*``, ``model5.0`` (final conv).
"""

from __future__ import annotations

import torch
from torch import nn

from ...errors import InvalidImageError, InvalidParameterError, ShapeMismatchError
from ..layers import FFC_BN_ACT, ConcatTupleLayer, FFCResnetBlock

__all__ = ["FFCResNetGenerator", "NLayerDiscriminator", "BIG_LAMA_BLOCKS", "LAMA_FOURIER_BLOCKS"]

#: Residual blocks of the released Big LaMa and of LaMa-Fourier.
BIG_LAMA_BLOCKS = 18
LAMA_FOURIER_BLOCKS = 9



class FFCResNetGenerator(nn.Module):
    """LaMa's generator: FFC encoder, FFC residual blocks, transposed-conv decoder, sigmoid.

    Parameters
    ----------
    n_blocks : int
        Residual blocks: 18 for Big LaMa (the released model), 9 for LaMa-Fourier.
    ngf : int
        Width of the first layer (64); doubles at each downsampling up to ``max_features``.
    n_downsampling : int
        Stride-2 levels (3); H and W must be multiples of ``2 ** n_downsampling``
        (``net.size_multiple``).
    ratio_global : float
        Fraction of global (spectral) channels in the residual blocks (0.75).
    enable_lfu : bool
        Local Fourier unit in the spectral transforms (off in the released configs).
    max_features : int
        Channel cap (1024).

    Notes
    -----
    Forward: ``net(image, mask) -> prediction``; ``image`` (N, 3, H, W) in [0, 1] (what the
    hole holds is ignored), ``mask`` (N, 1, H, W) with 1 = hole; the network sees
    ``[image * (1 - mask), mask]``. ``prediction`` (N, 3, H, W) in [0, 1] over the whole
    frame; LaMa composites ``mask * prediction + (1 - mask) * image``.

    References
    ----------
    .. [1] R. Suvorov et al., "Resolution-robust Large Mask Inpainting with Fourier
       Convolutions", WACV 2022, doi:10.1109/WACV51458.2022.00323.
    .. [2] advimman/lama: ``saicinpainting/training/modules/ffc.py``, ``pix2pixhd.py``,
       ``configs/training/big-lama.yaml``.
    """

    def __init__(
        self,
        n_blocks: int = BIG_LAMA_BLOCKS,
        ngf: int = 64,
        n_downsampling: int = 3,
        ratio_global: float = 0.75,
        enable_lfu: bool = False,
        max_features: int = 1024,
    ) -> None:
        super().__init__()
        if n_blocks < 0 or n_downsampling < 1:
            raise InvalidParameterError(
                f"n_blocks must be >= 0 and n_downsampling >= 1; got {n_blocks} and {n_downsampling}."
            )
        self.size_multiple = 2**n_downsampling
        model: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            FFC_BN_ACT(4, ngf, kernel_size=7, ratio_gin=0, ratio_gout=0, enable_lfu=enable_lfu),
        ]
        for i in range(n_downsampling):
            last = i == n_downsampling - 1
            model.append(
                FFC_BN_ACT(
                    min(max_features, ngf * 2**i), min(max_features, ngf * 2 ** (i + 1)),
                    kernel_size=3, stride=2, padding=1,
                    ratio_gin=0, ratio_gout=ratio_global if last else 0, enable_lfu=enable_lfu,
                )
            )
        bottleneck = min(max_features, ngf * 2**n_downsampling)
        model += [
            FFCResnetBlock(bottleneck, ratio_global, ratio_global, enable_lfu=enable_lfu) for _ in range(n_blocks)
        ]
        model.append(ConcatTupleLayer())
        for i in range(n_downsampling):
            cin = min(max_features, ngf * 2 ** (n_downsampling - i))
            cout = min(max_features, ngf * 2 ** (n_downsampling - i - 1))
            model += [
                nn.ConvTranspose2d(cin, cout, kernel_size=3, stride=2, padding=1, output_padding=1),
                nn.BatchNorm2d(cout),
                nn.ReLU(inplace=True),
            ]
        model += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, 3, kernel_size=7), nn.Sigmoid()]
        self.model = nn.Sequential(*model)

    def forward(self, image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        n, c, h, w = image.shape
        if c != 3 or h % self.size_multiple or w % self.size_multiple:
            raise InvalidImageError(
                f"FFCResNetGenerator: image must be (N, 3, H, W) with H and W multiples of {self.size_multiple}; "
                f"got {tuple(image.shape)}. Pad the image (and mask) first."
            )
        if mask.shape != (n, 1, h, w):
            raise ShapeMismatchError(f"FFCResNetGenerator: mask must be ({n}, 1, {h}, {w}); got {tuple(mask.shape)}.")
        return self.model(torch.cat((image * (1.0 - mask), mask), dim=1))


class NLayerDiscriminator(nn.Module):
    """pix2pixHD PatchGAN discriminator as LaMa configures it (4x4 convs, BN, LeakyReLU 0.2).

    ``model0``: conv s2 (no norm); ``model1`` ... ``model{n_layers-1}``: conv s2 + BN +
    LeakyReLU, doubling channels up to 512; ``model{n_layers}``: conv s1 + BN + LeakyReLU;
    ``model{n_layers+1}``: conv s1 to one channel. Padding 2 everywhere.

    Parameters
    ----------
    in_channels : int
        3 (LaMa feeds the image only).
    ndf : int
        Width of the first layer (64).
    n_layers : int
        4 in LaMa's config.

    Notes
    -----
    Forward: ``net(x) -> (logits, features)``: ``logits`` (N, 1, h, w) patch scores and the
    list of the intermediate activations (for LaMa's feature-matching loss).

    References
    ----------
    .. [1] R. Suvorov et al., "Resolution-robust Large Mask Inpainting with Fourier
       Convolutions", WACV 2022, doi:10.1109/WACV51458.2022.00323.
    .. [2] advimman/lama: ``saicinpainting/training/modules/ffc.py``, ``pix2pixhd.py``,
       ``configs/training/big-lama.yaml``.
    """

    def __init__(self, in_channels: int = 3, ndf: int = 64, n_layers: int = 4) -> None:
        super().__init__()
        if n_layers < 1:
            raise InvalidParameterError(f"n_layers must be >= 1; got {n_layers}.")
        self.n_layers = n_layers
        stages: list[list[nn.Module]] = [
            [nn.Conv2d(in_channels, ndf, 4, stride=2, padding=2), nn.LeakyReLU(0.2, inplace=True)]
        ]
        channels = ndf
        for stride in [2] * (n_layers - 1) + [1]:
            previous, channels = channels, min(channels * 2, 512)
            stages.append([
                nn.Conv2d(previous, channels, 4, stride=stride, padding=2),
                nn.BatchNorm2d(channels),
                nn.LeakyReLU(0.2, inplace=True),
            ])
        stages.append([nn.Conv2d(channels, 1, 4, stride=1, padding=2)])
        for i, stage in enumerate(stages):
            self.add_module(f"model{i}", nn.Sequential(*stage))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        activations = []
        for i in range(self.n_layers + 2):
            x = getattr(self, f"model{i}")(x)
            activations.append(x)
        return activations[-1], activations[:-1]
