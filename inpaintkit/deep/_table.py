"""The torch-free table of deep methods: name, info and ``"module:Class"``.

Each entry is registered with :func:`inpaintkit.api.register_lazy`; the module is imported
(and torch with it) only by ``Inpainter.create``. A method is listed here only once it passes
the contract suite. Its module registers the class with :func:`registered`, which takes the
info from this table, so the info is written once.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from ..api import Inpainter, InpainterInfo, register, register_lazy

__all__ = ["DEEP_METHODS", "registered"]

DEEP_METHODS: tuple[tuple[InpainterInfo, str], ...] = (
    (
        InpainterInfo(
            name="dip",
            family="deep",
            year=2018,
            paper="D. Ulyanov, A. Vedaldi, V. Lempitsky, 'Deep Image Prior', CVPR 2018",
            doi="10.1109/CVPR.2018.00984",
            backends=("torch",),
            needs_weights=False,
            test_params={"iterations": 2, "channels": 4, "input_depth": 4, "n_threads": 1},
            summary="an untrained encoder-decoder fitted to the known pixels; its structure fills the hole",
            randomized=True,
        ),
        "inpaintkit.deep.dip:DeepImagePrior",
    ),
    (
        InpainterInfo(
            name="deepfill2",
            family="deep",
            year=2019,
            paper="J. Yu, Z. Lin, J. Yang, X. Shen, X. Lu, T. Huang, 'Free-Form Image Inpainting with Gated "
            "Convolution', ICCV 2019",
            doi="10.1109/ICCV.2019.00457",
            backends=("torch",),
            needs_weights=True,
            test_params={"n_threads": 1},
            summary="gated convolutions and contextual attention, two stages, SN-PatchGAN; optional user sketch",
        ),
        "inpaintkit.deep.deepfill2:DeepFillV2",
    ),
    (
        InpainterInfo(
            name="lama",
            family="deep",
            year=2022,
            paper="R. Suvorov et al., 'Resolution-robust Large Mask Inpainting with Fourier Convolutions', WACV 2022",
            doi="10.1109/WACV51458.2022.00323",
            backends=("torch",),
            needs_weights=True,
            test_params={"n_threads": 1},
            summary="a ResNet of fast Fourier convolutions: image-wide receptive field for large masks",
        ),
        "inpaintkit.deep.lama:LaMa",
    ),
    (
        InpainterInfo(
            name="context-encoder",
            family="deep",
            year=2016,
            paper="D. Pathak, P. Krahenbuhl, J. Donahue, T. Darrell, A. A. Efros, 'Context Encoders: Feature "
            "Learning by Inpainting', CVPR 2016",
            doi="10.1109/CVPR.2016.278",
            backends=("torch",),
            needs_weights=True,
            test_params={"n_threads": 1},
            summary="an encoder-decoder predicting a 64x64 centre from its 128x128 context; run in a window per hole",
        ),
        "inpaintkit.deep.context_encoder:ContextEncoder",
    ),
    (
        InpainterInfo(
            name="glcic",
            family="deep",
            year=2017,
            paper="S. Iizuka, E. Simo-Serra, H. Ishikawa, 'Globally and Locally Consistent Image Completion', "
            "ACM TOG 36(4), SIGGRAPH 2017",
            doi="10.1145/3072959.3073659",
            backends=("torch",),
            needs_weights=True,
            test_params={"n_threads": 1},
            summary="dilated-convolution completion network, global and local discriminators; Poisson-blended",
        ),
        "inpaintkit.deep.glcic:GLCIC",
    ),
    (
        InpainterInfo(
            name="deepfill1",
            family="deep",
            year=2018,
            paper="J. Yu, Z. Lin, J. Yang, X. Shen, X. Lu, T. S. Huang, 'Generative Image Inpainting with "
            "Contextual Attention', CVPR 2018",
            doi="10.1109/CVPR.2018.00577",
            backends=("torch",),
            needs_weights=True,
            test_params={"n_threads": 1},
            summary="coarse network, then refinement with contextual attention copying known features",
        ),
        "inpaintkit.deep.deepfill1:DeepFillV1",
    ),
    (
        InpainterInfo(
            name="pconv",
            family="deep",
            year=2018,
            paper="G. Liu, F. A. Reda, K. J. Shih, T.-C. Wang, A. Tao, B. Catanzaro, 'Image Inpainting for "
            "Irregular Holes Using Partial Convolutions', ECCV 2018",
            doi="10.1007/978-3-030-01252-6_6",
            backends=("torch",),
            needs_weights=True,
            test_params={"n_threads": 1},
            summary="a U-Net of partial convolutions that see only valid pixels and shrink the hole level by level",
        ),
        "inpaintkit.deep.pconv:PartialConvolution",
    ),
)

for _info, _target in DEEP_METHODS:
    register_lazy(_info, _target)


def registered(name: str) -> Callable[[type[Inpainter]], type[Inpainter]]:
    """Class decorator for a deep method's module: :func:`~inpaintkit.api.register` with the
    info listed here under ``name``."""
    info = next(info for info, _ in DEEP_METHODS if info.name == name)
    fields = {field.name: getattr(info, field.name) for field in dataclasses.fields(info) if field.name != "name"}
    return register(name, **fields)
