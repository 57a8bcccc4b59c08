"""Context Encoder's recipe (Pathak et al., CVPR 2016; ``train.lua`` of pathak22/context-encoder)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import torch
from torch import nn

from ...deep.context_encoder.network import (
    BOTTLENECK_CHANNELS,
    CENTER_SIZE,
    CENTER_START,
    INPUT_SIZE,
    OVERLAP,
    OVERLAP_LOSS_WEIGHT,
    VALUE_RANGE,
    ContextEncoderDiscriminator,
    ContextEncoderGenerator,
    hole_mask,
)
from ...errors import InvalidParameterError
from ...params import check_choice, check_float, check_int
from ..losses import AdversarialLoss, MaskedReconstruction
from ._base import Recipe, check_betas, check_masks_inside

__all__ = ["ContextEncoderRecipe"]

_CENTRE = slice(CENTER_START, CENTER_START + CENTER_SIZE)


@dataclass(kw_only=True, eq=False)
class ContextEncoderRecipe(Recipe):
    """Context Encoder (Pathak, Krähenbühl, Donahue, Darrell, Efros, CVPR 2016).

    The generator (:class:`~inpaintkit.deep.context_encoder.network.ContextEncoderGenerator`)
    sees the 128x128 image with its central 56x56 square (the 64x64 centre less a 4-pixel
    overlap) set to the mean colour, and predicts the 64x64 centre; the discriminator judges
    64x64 centres, real or predicted.

    Loss (``train.lua``): ``reconstruction_weight`` (0.999) x the mean squared error over the
    64x64 centre, the 4-pixel overlap band weighed x10 (``reconstruction_weights``), plus
    ``adversarial_weight`` (0.001) x binary cross-entropy of the discriminator on the
    predicted centre. Adam with beta1 0.5: 2e-3 for the generator (``train.lua`` multiplies
    the learning rate by 10 when 0 < wtl2 < 1) and 2e-4 for the discriminator; the
    discriminator is updated first, then the generator, each step.

    Masks: the hole is the network's own (its geometry is fixed); the training masks
    (:attr:`mask_options`: the 56x56 centre square) and any other mask inside the 64x64
    centre are hidden from the generator too. Self-attention goes after the
    discriminator's second convolution (16x16 maps).

    Parameters
    ----------
    bottleneck_channels : int
        Channels of the code (4000 in the released models' training command).
    bottleneck : {'conv', 'channel_fc'}
        The official code's convolution, or the paper's channel-wise fully connected layer.
    overlap : int
        Pixels per side between the hole and the predicted centre (4).
    nef, ngf, ndf : int
        Widths of the encoder, decoder and discriminator (64 each).
    reconstruction_weight, adversarial_weight : float
        0.999 and 0.001 (``wtl2`` and 1 - ``wtl2``).
    generator_lr, discriminator_lr : float
        2e-3 and 2e-4.
    betas : (float, float)
        Adam's (0.5, 0.999).

    References
    ----------
    .. [1] D. Pathak, P. Krähenbühl, J. Donahue, T. Darrell, A. A. Efros, "Context Encoders:
       Feature Learning by Inpainting", CVPR 2016, doi:10.1109/CVPR.2016.278.
    """

    method: ClassVar[str] = "context-encoder"
    mask_family: ClassVar[str] = "center"
    paper: ClassVar[str] = "Pathak et al., Context Encoders, CVPR 2016, doi:10.1109/CVPR.2016.278"
    value_range: ClassVar[tuple[float, float]] = VALUE_RANGE
    loss_names: ClassVar[tuple[str, ...]] = (
        "discriminator", "generator", "reconstruction", "adversarial", "mine", "mine_bound",
    )

    image_size: int = INPUT_SIZE
    bottleneck_channels: int = BOTTLENECK_CHANNELS
    bottleneck: Literal["conv", "channel_fc"] = "conv"
    overlap: int = OVERLAP
    nef: int = 64
    ngf: int = 64
    ndf: int = 64
    reconstruction_weight: float = 0.999
    adversarial_weight: float = 0.001
    generator_lr: float = 2e-3
    discriminator_lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)

    def _validate(self) -> None:
        if self.image_size != INPUT_SIZE:
            raise InvalidParameterError(
                f"image_size: the Context Encoder works on {INPUT_SIZE}x{INPUT_SIZE} images only; got {self.image_size}"
            )
        self.bottleneck_channels = check_int("bottleneck_channels", self.bottleneck_channels, low=1)
        self.bottleneck = check_choice("bottleneck", self.bottleneck, ("conv", "channel_fc"))
        self.overlap = check_int("overlap", self.overlap, low=0, high=CENTER_SIZE // 2 - 1)
        self.nef = check_int("nef", self.nef, low=1)
        self.ngf = check_int("ngf", self.ngf, low=1)
        self.ndf = check_int("ndf", self.ndf, low=4)
        self.reconstruction_weight = check_float("reconstruction_weight", self.reconstruction_weight, low=0.0)
        self.adversarial_weight = check_float("adversarial_weight", self.adversarial_weight, low=0.0)
        self.generator_lr = check_float("generator_lr", self.generator_lr, low=0.0, low_open=True)
        self.discriminator_lr = check_float("discriminator_lr", self.discriminator_lr, low=0.0, low_open=True)
        self.betas = check_betas("betas", self.betas)

    @property
    def image_multiple(self) -> int:
        return INPUT_SIZE

    @property
    def mask_options(self) -> dict[str, Any]:
        side = CENTER_SIZE - 2 * self.overlap  # the paper's hole: 56x56 of 128x128
        return {"ratio": (side / INPUT_SIZE) ** 2}

    def network_config(self) -> dict[str, Any]:
        return {
            "bottleneck_channels": self.bottleneck_channels,
            "bottleneck": self.bottleneck,
            "overlap": self.overlap,
            "nef": self.nef,
            "ngf": self.ngf,
        }

    def _make_generator(self) -> nn.Module:
        return ContextEncoderGenerator(**self.network_config())

    def _generator_attention_site(self, generator: nn.Module) -> tuple[str, int]:
        # The decoder ends ConvT(2ngf->ngf), BN, ReLU, ConvT(ngf->3), Tanh: the ReLU before
        # them gives the 16x16 map of the 64x64 centre.
        return f"decoder.{len(generator.decoder) - 6}", 2 * self.ngf

    def _make_discriminators(self) -> dict[str, nn.Module]:
        return {"discriminator": ContextEncoderDiscriminator(self.ndf)}

    def _attention_sites(self, discriminators: Mapping[str, nn.Module]) -> list[tuple[nn.Module, nn.Module, int]]:
        network = discriminators["discriminator"]
        return [(network, network.layers[4], 2 * self.ndf)]

    def _make_losses(self) -> dict[str, nn.Module]:
        return {
            "reconstruction": MaskedReconstruction("l2", hole_weight=1.0, valid_weight=OVERLAP_LOSS_WEIGHT),
            "adversarial": AdversarialLoss("bce"),
        }

    def _make_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {
            "generator": torch.optim.Adam(
                self._networks["generator"].parameters(), lr=self.generator_lr, betas=self.betas
            ),
            "discriminator": torch.optim.Adam(
                self._networks["discriminator"].parameters(), lr=self.discriminator_lr, betas=self.betas
            ),
        }

    def _generator_input(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        fill = self._networks["generator"].fill_value.to(images.dtype)
        return torch.where(masks > 0, fill, images)

    def _step(self, images: torch.Tensor, masks: torch.Tensor, step: int) -> dict[str, torch.Tensor]:
        discriminator = self.discriminators["discriminator"]
        adversarial, reconstruction = self.losses["adversarial"], self.losses["reconstruction"]
        real = images[..., _CENTRE, _CENTRE]
        fake = self.generator(self._generator_input(images, masks))

        d_loss = adversarial.discriminator(discriminator(real), discriminator(fake.detach()))
        self._update("discriminator", d_loss)

        with self._frozen(discriminator):
            g_adversarial = adversarial.generator(discriminator(fake))
        hole = hole_mask(self.overlap, device=images.device)[..., _CENTRE, _CENTRE].expand(len(images), -1, -1, -1)
        g_reconstruction = reconstruction(fake, real, hole)
        g_loss = self.reconstruction_weight * g_reconstruction + self.adversarial_weight * g_adversarial
        losses = {"discriminator": d_loss, "reconstruction": g_reconstruction, "adversarial": g_adversarial}
        if self.mine is not None:
            completed = images.clone()
            completed[..., _CENTRE, _CENTRE] = fake
            losses["mine"], losses["mine_bound"] = self._mine_terms(completed, images, masks)
            g_loss = g_loss + losses["mine"]
        self._update("generator", g_loss)
        return {"generator": g_loss, **losses}

    def _predict(self, generator: nn.Module, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        centre = torch.zeros_like(masks[:1])
        centre[..., _CENTRE, _CENTRE] = 1.0
        check_masks_inside(
            masks, centre,
            f"the Context Encoder fills only the central {CENTER_SIZE}x{CENTER_SIZE} square of its "
            f"{INPUT_SIZE}x{INPUT_SIZE} input; a hole reaches outside it",
        )
        prediction = images.clone()
        prediction[..., _CENTRE, _CENTRE] = generator(self._generator_input(images, masks))
        return prediction

    def _deviations(self) -> list[str]:
        deviations = ["convolution biases are trained (train.lua resets them to 0 before every step)"]
        if self.bottleneck_channels != BOTTLENECK_CHANNELS or (self.nef, self.ngf, self.ndf) != (64, 64, 64):
            deviations.append(
                f"reduced width: bottleneck {self.bottleneck_channels}, nef {self.nef}, ngf {self.ngf}, "
                f"ndf {self.ndf} (paper 4000, 64, 64, 64)"
            )
        return deviations
