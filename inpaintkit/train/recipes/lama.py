"""LaMa's recipe (Suvorov et al., WACV 2022; advimman/lama ``configs/training``)."""

from __future__ import annotations

from collections.abc import Mapping
import os
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
from torch import nn

from ...deep.lama.network import LAMA_FOURIER_BLOCKS, FFCResNetGenerator, NLayerDiscriminator
from ...deep.layers import ConcatTupleLayer
from ...errors import InvalidParameterError
from ...params import check_bool, check_float, check_int
from ..losses import AdversarialLoss, FeatureMatching, FeatureNetwork, MaskedReconstruction, PerceptualLoss, r1_penalty
from ._base import Recipe, check_betas

__all__ = ["LaMaRecipe"]


@dataclass(kw_only=True, eq=False)
class LaMaRecipe(Recipe):
    """LaMa (Suvorov et al., WACV 2022), with the losses of its training configurations.

    Generator (:class:`~inpaintkit.deep.lama.network.FFCResNetGenerator`, LaMa-Fourier's 9
    residual blocks by default; 18 is Big LaMa) loss, on the raw prediction (not
    composited, as LaMa's ``image_to_discriminator: predicted_image``):

    * L1 with ``known_weight`` (10) on the known pixels and ``missing_weight`` (0) in the
      hole (``weight_known`` / ``weight_missing``);
    * ``adversarial_weight`` (10) x the non-saturating loss ``softplus(-D(prediction))``;
    * ``feature_matching_weight`` (100) x the mean squared difference of the
      discriminator's features of the prediction and of the real image;
    * ``perceptual_weight`` (30) x a perceptual loss. LaMa's is the high-receptive-field
      loss over an ADE20k-trained ResNet-50, whose weights cannot be had here: it is
      replaced by :class:`~inpaintkit.train.losses.PerceptualLoss` over
      :class:`~inpaintkit.train.losses.FeatureNetwork` (VGG16 pool1-pool3 with the weights
      of ``feature_weights`` when given, else a fixed random substitute), at the same weight.

    Discriminator (:class:`~inpaintkit.deep.lama.network.NLayerDiscriminator`, pix2pixHD's
    PatchGAN on the image alone): non-saturating loss with ``mask_as_fake_target`` (only the
    hole of a prediction counts as fake, its known part as real), plus the R1 penalty
    ``r1_weight`` (LaMa's ``gp_coef``, 0.001) x E||grad D(real)||^2. Adam: 1e-3 for the
    generator, 1e-4 for the discriminator (PyTorch's betas, as LaMa's configuration). Each
    step updates the generator, then the discriminator, as LaMa's training module does.

    Self-attention goes after the discriminator's third convolution. The networks are fully
    convolutional (sides multiples of ``2 ** n_downsampling``).

    Parameters
    ----------
    n_blocks, ngf, n_downsampling, ratio_global, enable_lfu, max_features
        The generator's (9, 64, 3, 0.75, False, 1024), saved with the weights.
    ndf, discriminator_layers : int
        The discriminator's width and depth (64, 4).
    known_weight, missing_weight, adversarial_weight, feature_matching_weight, perceptual_weight : float
        10, 0, 10, 100, 30.
    r1_weight : float
        0.001 (multiplies E||grad||^2, LaMa's ``gp_coef``).
    lr, discriminator_lr : float
        1e-3 and 1e-4.
    betas : (float, float)
        (0.9, 0.999).
    feature_weights : str or None
        Path of a VGG16 weights file for the perceptual loss.

    References
    ----------
    .. [1] R. Suvorov et al., "Resolution-robust Large Mask Inpainting with Fourier
       Convolutions", WACV 2022, doi:10.1109/WACV51458.2022.00323.
    .. [2] L. Mescheder, A. Geiger, S. Nowozin, "Which Training Methods for GANs do actually
       Converge?", ICML 2018 (R1).
    """

    method: ClassVar[str] = "lama"
    mask_family: ClassVar[str] = "lama"
    paper: ClassVar[str] = (
        "Suvorov et al., Resolution-robust Large Mask Inpainting with Fourier Convolutions, WACV 2022, "
        "doi:10.1109/WACV51458.2022.00323"
    )
    value_range: ClassVar[tuple[float, float]] = (0.0, 1.0)
    any_size: ClassVar[bool] = True
    loss_names: ClassVar[tuple[str, ...]] = (
        "generator", "l1", "adversarial", "feature_matching", "perceptual", "discriminator", "r1",
        "mine", "mine_bound",
    )

    n_blocks: int = LAMA_FOURIER_BLOCKS
    ngf: int = 64
    n_downsampling: int = 3
    ratio_global: float = 0.75
    enable_lfu: bool = False
    max_features: int = 1024
    ndf: int = 64
    discriminator_layers: int = 4
    known_weight: float = 10.0
    missing_weight: float = 0.0
    adversarial_weight: float = 10.0
    feature_matching_weight: float = 100.0
    perceptual_weight: float = 30.0
    r1_weight: float = 0.001
    lr: float = 1e-3
    discriminator_lr: float = 1e-4
    betas: tuple[float, float] = (0.9, 0.999)
    feature_weights: str | None = None

    def _validate(self) -> None:
        self.n_blocks = check_int("n_blocks", self.n_blocks, low=0)
        self.ngf = check_int("ngf", self.ngf, low=1)
        self.n_downsampling = check_int("n_downsampling", self.n_downsampling, low=1)
        self.ratio_global = check_float("ratio_global", self.ratio_global, low=0.0, high=1.0, high_open=True)
        self.enable_lfu = check_bool("enable_lfu", self.enable_lfu)
        self.max_features = check_int("max_features", self.max_features, low=1)
        self.ndf = check_int("ndf", self.ndf, low=2)
        self.discriminator_layers = check_int("discriminator_layers", self.discriminator_layers, low=2)
        for name in ("known_weight", "missing_weight", "adversarial_weight", "feature_matching_weight",
                     "perceptual_weight", "r1_weight"):
            setattr(self, name, check_float(name, getattr(self, name), low=0.0))
        self.lr = check_float("lr", self.lr, low=0.0, low_open=True)
        self.discriminator_lr = check_float("discriminator_lr", self.discriminator_lr, low=0.0, low_open=True)
        self.betas = check_betas("betas", self.betas)
        if self.feature_weights is not None and not isinstance(self.feature_weights, (str, os.PathLike)):
            raise InvalidParameterError(
                f"feature_weights: expected the path of a VGG16 weights file or None, got {self.feature_weights!r}"
            )
        if self.feature_weights is not None:
            self.feature_weights = str(self.feature_weights)

    @property
    def image_multiple(self) -> int:
        return 2**self.n_downsampling

    def network_config(self) -> dict[str, Any]:
        return {
            "n_blocks": self.n_blocks,
            "ngf": self.ngf,
            "n_downsampling": self.n_downsampling,
            "ratio_global": self.ratio_global,
            "enable_lfu": self.enable_lfu,
            "max_features": self.max_features,
        }

    def _make_generator(self) -> nn.Module:
        return FFCResNetGenerator(**self.network_config())

    def _generator_attention_site(self, generator: nn.Module) -> tuple[str, int]:
        # After the residual blocks the (local, global) pair is concatenated at 1/8
        # resolution; the first upsampling convolution takes it.
        layers = list(generator.model)
        index = next(i for i, layer in enumerate(layers) if isinstance(layer, ConcatTupleLayer))
        return f"model.{index}", layers[index + 1].in_channels

    def _make_discriminators(self) -> dict[str, nn.Module]:
        return {"discriminator": NLayerDiscriminator(3, self.ndf, self.discriminator_layers)}

    def _attention_sites(self, discriminators: Mapping[str, nn.Module]) -> list[tuple[nn.Module, nn.Module, int]]:
        network = discriminators["discriminator"]
        return [(network, network.model2, min(4 * self.ndf, 512))]

    def _make_losses(self) -> dict[str, nn.Module]:
        features = FeatureNetwork(self.feature_weights)
        return {
            "features": features,
            "l1": MaskedReconstruction("l1", hole_weight=self.missing_weight, valid_weight=self.known_weight),
            "adversarial": AdversarialLoss("nonsaturating"),
            "feature_matching": FeatureMatching("l2"),
            "perceptual": PerceptualLoss(features),
        }

    def _make_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {
            "generator": torch.optim.Adam(self._networks["generator"].parameters(), lr=self.lr, betas=self.betas),
            "discriminator": torch.optim.Adam(
                self._networks["discriminator"].parameters(), lr=self.discriminator_lr, betas=self.betas
            ),
        }

    def _step(self, images: torch.Tensor, masks: torch.Tensor, step: int) -> dict[str, torch.Tensor]:
        discriminator, adversarial = self.discriminators["discriminator"], self.losses["adversarial"]
        prediction = self.generator(images, masks)

        with torch.no_grad():
            _, real_features = discriminator(images)
        with self._frozen(discriminator):
            fake_scores, fake_features = discriminator(prediction)
        losses = {
            "l1": self.losses["l1"](prediction, images, masks),
            "adversarial": adversarial.generator(fake_scores),
            "feature_matching": self.losses["feature_matching"](real_features, fake_features),
            "perceptual": self.losses["perceptual"](prediction, images),
        }
        g_loss = (
            losses["l1"]
            + self.adversarial_weight * losses["adversarial"]
            + self.feature_matching_weight * losses["feature_matching"]
            + self.perceptual_weight * losses["perceptual"]
        )
        if self.mine is not None:
            completed = torch.where(masks > 0, prediction, images)
            losses["mine"], losses["mine_bound"] = self._mine_terms(completed, images, masks)
            g_loss = g_loss + losses["mine"]
        self._update("generator", g_loss)

        real = images.detach().requires_grad_(True)
        real_scores, _ = discriminator(real)
        fake_scores, _ = discriminator(prediction.detach())
        d_adversarial = adversarial.discriminator(real_scores, fake_scores, fake_mask=masks)
        r1 = r1_penalty(real_scores, real, 2.0 * self.r1_weight)  # r1_penalty halves its weight
        self._update("discriminator", d_adversarial + r1)
        return {"generator": g_loss, **losses, "discriminator": d_adversarial, "r1": r1}

    def _predict(self, generator: nn.Module, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        return generator(images, masks)

    def _deviations(self) -> list[str]:
        deviations = [
            "the discriminator step judges the prediction the generator made before its update in the same step "
            "(LaMa runs the generator again)",
        ]
        if self.perceptual_weight > 0:
            deviations.append(
                "perceptual loss: LaMa's high-receptive-field loss over an ADE20k-trained ResNet-50 (mean squared "
                "feature differences) is replaced by the L1 perceptual loss over a VGG16-shaped FeatureNetwork "
                + ("with the given VGG16 weights" if self.feature_weights else "with fixed random weights")
                + ", at LaMa's weight 30"
            )
        if (self.n_blocks, self.ngf, self.ndf) != (LAMA_FOURIER_BLOCKS, 64, 64):
            deviations.append(
                f"reduced size: {self.n_blocks} blocks, ngf {self.ngf}, ndf {self.ndf} (LaMa-Fourier 9, 64, 64)"
            )
        return deviations
