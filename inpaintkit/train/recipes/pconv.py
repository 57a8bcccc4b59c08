"""The partial-convolution recipe (Liu et al., ECCV 2018)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import nn

from ...deep.pconv.network import LAYERS_256, VALUE_RANGE, PConvUNet
from ...errors import InvalidParameterError
from ...params import check_float, check_int
from ..losses import FeatureNetwork, MaskedReconstruction, PerceptualLoss, StyleLoss, TotalVariation
from ._base import Recipe, check_betas, check_fraction, check_optional_int

__all__ = ["PConvRecipe"]

#: mmagic's two stages: 800,000 iterations at 2e-4, then 500,000 of fine-tuning at 5e-5.
_MMAGIC_STAGES = (800_000, 500_000)


@dataclass(kw_only=True, eq=False)
class PConvRecipe(Recipe):
    """Partial convolutions (Liu, Reda, Shih, Wang, Tao, Catanzaro, ECCV 2018).

    Loss (paper eq. 7; no discriminator): ``valid_weight`` (1) x L1 over the known pixels +
    ``hole_weight`` (6) x L1 over the hole (each averaged over all the image's elements),
    + ``perceptual_weight`` (0.05) x the perceptual loss of the output and of the composited
    image, + ``style_weight`` (120) x the style losses of both, + ``tv_weight`` (0.1) x the
    total variation of the composited image over the hole dilated by one pixel. The L1 and
    TV terms see the network's [-1, 1] images (as mmagic's reimplementation); the
    perceptual and style losses see [0, 1] images, which the feature network normalises
    with ImageNet's statistics. They use :class:`~inpaintkit.train.losses.FeatureNetwork`
    (VGG16 pool1-pool3): VGG16 with the ImageNet weights of ``feature_weights`` when given,
    otherwise a fixed random substitute (see :meth:`describe`), since no VGG16 weights
    can be downloaded here.

    Two phases: Adam at ``lr`` (2e-4) with batch norm everywhere, then fine-tuning at
    ``finetune_lr`` (5e-5) with the encoder's batch norms frozen (running statistics and
    affine parameters: their learning rate becomes 0), from step ``finetune_step`` or, by
    default, after ``finetune_fraction`` of the run (mmagic's 800k + 500k iterations:
    61.5 %). The phase is a function of the step, so a resumed run switches at the same
    step.

    No discriminator: ``self_attention`` is refused. The network is fully convolutional
    (sides multiples of ``2 ** layers``).

    Parameters
    ----------
    layers : int
        Encoder levels (7 for 256x256 images, 8 in the paper at 512x512); saved with the weights.
    valid_weight, hole_weight, perceptual_weight, style_weight, tv_weight : float
        1, 6, 0.05, 120, 0.1.
    lr, finetune_lr : float
        2e-4 and 5e-5.
    finetune_fraction : float
        Where fine-tuning starts, as a fraction of the run (800/1300).
    finetune_step : int or None
        Where fine-tuning starts, in steps (overrides the fraction).
    betas : (float, float)
        Adam's (0.9, 0.999) (PyTorch's defaults, as the PyTorch reimplementations).
    feature_weights : str or None
        Path of a VGG16 weights file for the perceptual and style losses.

    References
    ----------
    .. [1] G. Liu, F. A. Reda, K. J. Shih, T.-C. Wang, A. Tao, B. Catanzaro, "Image
       Inpainting for Irregular Holes Using Partial Convolutions", ECCV 2018,
       doi:10.1007/978-3-030-01252-6_6.
    """

    method: ClassVar[str] = "pconv"
    mask_family: ClassVar[str] = "irregular"
    paper: ClassVar[str] = (
        "Liu et al., Image Inpainting for Irregular Holes Using Partial Convolutions, ECCV 2018, "
        "doi:10.1007/978-3-030-01252-6_6"
    )
    value_range: ClassVar[tuple[float, float]] = VALUE_RANGE
    paper_steps: ClassVar[int] = sum(_MMAGIC_STAGES)
    any_size: ClassVar[bool] = True
    has_discriminator: ClassVar[bool] = False
    loss_names: ClassVar[tuple[str, ...]] = (
        "generator", "reconstruction", "perceptual", "style", "tv", "mine", "mine_bound",
    )

    layers: int = LAYERS_256
    valid_weight: float = 1.0
    hole_weight: float = 6.0
    perceptual_weight: float = 0.05
    style_weight: float = 120.0
    tv_weight: float = 0.1
    lr: float = 2e-4
    finetune_lr: float = 5e-5
    finetune_fraction: float = _MMAGIC_STAGES[0] / sum(_MMAGIC_STAGES)
    finetune_step: int | None = None
    betas: tuple[float, float] = (0.9, 0.999)
    feature_weights: str | None = None

    def _validate(self) -> None:
        self.layers = check_int("layers", self.layers, low=4)
        for name in ("valid_weight", "hole_weight", "perceptual_weight", "style_weight", "tv_weight"):
            setattr(self, name, check_float(name, getattr(self, name), low=0.0))
        self.lr = check_float("lr", self.lr, low=0.0, low_open=True)
        self.finetune_lr = check_float("finetune_lr", self.finetune_lr, low=0.0, low_open=True)
        self.finetune_fraction = check_fraction("finetune_fraction", self.finetune_fraction)
        self.finetune_step = check_optional_int("finetune_step", self.finetune_step)
        self.betas = check_betas("betas", self.betas)
        if self.feature_weights is not None and not isinstance(self.feature_weights, (str, os.PathLike)):
            raise InvalidParameterError(
                f"feature_weights: expected the path of a VGG16 weights file or None, got {self.feature_weights!r}"
            )
        if self.feature_weights is not None:
            self.feature_weights = str(self.feature_weights)

    @property
    def image_multiple(self) -> int:
        return 2**self.layers

    @property
    def finetune_start(self) -> int:
        """The first step of the fine-tuning phase."""
        return self._phase_step(self.finetune_fraction, self.finetune_step)

    def network_config(self) -> dict[str, Any]:
        return {"layers": self.layers}

    def _make_generator(self) -> nn.Module:
        return PConvUNet(layers=self.layers)

    def _generator_attention_site(self, generator: nn.Module) -> tuple[str, int]:
        # Partial convolutions give (features, mask) pairs; the batch norm of the 1/8-
        # resolution decoder level gives plain features.
        return "dec_4.bn", generator.dec_4.bn.num_features

    def _make_losses(self) -> dict[str, nn.Module]:
        features = FeatureNetwork(self.feature_weights)
        return {
            "features": features,
            "reconstruction": MaskedReconstruction("l1", hole_weight=self.hole_weight, valid_weight=self.valid_weight),
            "perceptual": PerceptualLoss(features),
            "style": StyleLoss(features),
            "tv": TotalVariation("hole_dilated"),
        }

    def _encoder_norms(self) -> list[nn.Parameter]:
        generator = self._networks["generator"]
        return [
            parameter
            for level in range(1, self.layers + 1)
            if getattr(generator, f"enc_{level}").bn is not None
            for parameter in getattr(generator, f"enc_{level}").bn.parameters()
        ]

    def _make_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        norms = {id(parameter) for parameter in self._encoder_norms()}
        rest = [p for p in self._networks["generator"].parameters() if id(p) not in norms]
        groups = [{"params": rest}, {"params": self._encoder_norms()}]
        return {"generator": torch.optim.Adam(groups, lr=self.lr, betas=self.betas)}

    def _step(self, images: torch.Tensor, masks: torch.Tensor, step: int) -> dict[str, torch.Tensor]:
        finetuning = step >= self.finetune_start
        generator = self._networks["generator"]
        generator.freeze_encoder_bn = finetuning
        generator.train()
        main, norms = self.optimizers["generator"].param_groups
        main["lr"] = self.finetune_lr if finetuning else self.lr
        norms["lr"] = 0.0 if finetuning else self.lr

        output = self.generator(images, masks)
        composited = torch.where(masks > 0, output, images)
        target, output_01, composited_01 = (self.from_network(x) for x in (images, output, composited))
        perceptual, style = self.losses["perceptual"], self.losses["style"]
        losses = {
            "reconstruction": self.losses["reconstruction"](output, images, masks),
            "perceptual": perceptual(output_01, target) + perceptual(composited_01, target),
            "style": style(output_01, target) + style(composited_01, target),
            "tv": self.losses["tv"](composited, masks),
        }
        loss = (
            losses["reconstruction"]
            + self.perceptual_weight * losses["perceptual"]
            + self.style_weight * losses["style"]
            + self.tv_weight * losses["tv"]
        )
        if self.mine is not None:
            losses["mine"], losses["mine_bound"] = self._mine_terms(composited, images, masks)
            loss = loss + losses["mine"]
        self._update("generator", loss)
        return {"generator": loss, **losses}

    def _predict(self, generator: nn.Module, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        low, high = self.value_range
        return generator(images, masks).clamp(low, high)  # as the adapter does

    def _phases(self) -> list[dict[str, Any]]:
        start = self.finetune_start
        return [
            {"name": f"training, lr {self.lr}", "steps": [0, start]},
            {"name": f"fine-tuning, lr {self.finetune_lr}, encoder batch norms frozen", "steps": [start, None]},
        ]

    def _deviations(self) -> list[str]:
        deviations = []
        if self.feature_weights is None:
            deviations.append(
                "perceptual and style losses over a fixed random VGG16-shaped network (no ImageNet VGG16 weights "
                "given): see feature_networks"
            )
        if self.layers != LAYERS_256:
            deviations.append(f"{self.layers} encoder levels ({LAYERS_256} for 256x256 in the PyTorch ports)")
        return deviations
