"""DeepFill v1's recipe (Yu et al., CVPR 2018; JiahuiYu/generative_inpainting v1.0.0)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import torch
from torch import nn

from ...deep.deepfill1.network import VALUE_RANGE, DeepFillV1Generator, WGANCritic
from ...errors import InvalidParameterError
from ...params import check_bool, check_choice, check_float, check_int
from ..losses import AdversarialLoss, MaskedReconstruction, SpatiallyDiscountedL1, gradient_penalty
from ._base import Recipe, check_betas, check_optional_int, hole_centred_crop

__all__ = ["DeepFillV1Recipe"]


@dataclass(kw_only=True, eq=False)
class DeepFillV1Recipe(Recipe):
    """DeepFill v1 (Yu, Lin, Yang, Shen, Lu, Huang, CVPR 2018), as its official code trains it.

    Generator loss (``inpaint_model.py`` with ``inpaint.yml``), for the coarse output x1 and
    the refined output x2:

    * ``l1_loss_alpha`` (1.2) x spatially discounted L1 over the hole
      (:class:`~inpaintkit.train.losses.SpatiallyDiscountedL1`, gamma 0.9 as in the yml;
      the paper says 0.99), x1's term weighed ``coarse_l1_alpha`` (1.2);
    * ``ae_loss_alpha`` (1.2) x L1 over the known pixels (divided by their fraction, as the
      code does), x1's term again x 1.2;
    * ``gan_weight`` (0.001) x the WGAN generator loss, global critic x
      ``global_wgan_weight`` (1) + local critic.

    Critics (:class:`~inpaintkit.deep.deepfill1.network.WGANCritic`): the local one on the
    ``local_size`` square centred on the hole (128 of 256; 64, 128, 256, 512 channels), the
    global one on the whole image (64, 128, 256, 256), each with a WGAN-GP gradient
    penalty of weight 10 on random interpolates. Adam, 1e-4, betas (0.5, 0.9) for both.

    Critic steps: every step updates the critics; the generator is updated on every
    ``critic_steps``-th step (5: the daa233 PyTorch port's ``n_critic: 5``, the
    WGAN-GP schedule of the v1 code), on steps ``critic_steps - 1``, ``2 * critic_steps - 1``, ...;
    on the other steps the generator runs without gradients.

    Self-attention goes after the local critic's second and the global critic's third
    convolution (32x32 maps at 256x256).

    Parameters
    ----------
    local_size : int or None
        Side of the local critic's square (None: half the image).
    cnum, padding, attention_fuse, softmax_scale
        The generator's (32, 'symmetric', True, 10), saved with the weights.
    critic_width : int
        Width of the critics' first layer (64).
    discount_gamma : float
        0.9 (official yml; the paper writes 0.99).
    coarse_l1_alpha, l1_loss_alpha, ae_loss_alpha : float
        1.2 each.
    gan_weight, global_wgan_weight, gradient_penalty_weight : float
        0.001, 1, 10.
    lr, betas
        1e-4, (0.5, 0.9).
    critic_steps : int
        Critic updates per generator update (5).

    References
    ----------
    .. [1] J. Yu, Z. Lin, J. Yang, X. Shen, X. Lu, T. S. Huang, "Generative Image
       Inpainting with Contextual Attention", CVPR 2018, doi:10.1109/CVPR.2018.00577.
    .. [2] I. Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017.
    """

    method: ClassVar[str] = "deepfill1"
    mask_family: ClassVar[str] = "random_box"
    paper: ClassVar[str] = (
        "Yu et al., Generative Image Inpainting with Contextual Attention, CVPR 2018, doi:10.1109/CVPR.2018.00577"
    )
    value_range: ClassVar[tuple[float, float]] = VALUE_RANGE
    loss_names: ClassVar[tuple[str, ...]] = (
        "discriminator", "gradient_penalty", "generator", "discounted_l1", "valid_l1", "adversarial",
        "mine", "mine_bound",
    )

    local_size: int | None = None
    cnum: int = 32
    padding: Literal["symmetric", "tf"] = "symmetric"
    attention_fuse: bool = True
    softmax_scale: float = 10.0
    critic_width: int = 64
    discount_gamma: float = 0.9
    coarse_l1_alpha: float = 1.2
    l1_loss_alpha: float = 1.2
    ae_loss_alpha: float = 1.2
    gan_weight: float = 1e-3
    global_wgan_weight: float = 1.0
    gradient_penalty_weight: float = 10.0
    lr: float = 1e-4
    betas: tuple[float, float] = (0.5, 0.9)
    critic_steps: int = 5

    def _validate(self) -> None:
        if self.local_size is None:
            self.local_size = self.image_size // 2
        self.local_size = check_optional_int("local_size", self.local_size, low=16)
        if self.local_size % 16 or self.local_size > self.image_size:
            raise InvalidParameterError(
                f"local_size: expected a multiple of 16 no larger than image_size ({self.image_size}), "
                f"got {self.local_size}"
            )
        self.cnum = check_int("cnum", self.cnum, low=2)
        self.padding = check_choice("padding", self.padding, ("symmetric", "tf"))
        self.attention_fuse = check_bool("attention_fuse", self.attention_fuse)
        self.softmax_scale = check_float("softmax_scale", self.softmax_scale, low=0.0, low_open=True)
        self.critic_width = check_int("critic_width", self.critic_width, low=4)
        self.discount_gamma = check_float("discount_gamma", self.discount_gamma, low=0.0, high=1.0, low_open=True)
        for name in ("coarse_l1_alpha", "l1_loss_alpha", "ae_loss_alpha", "gan_weight", "global_wgan_weight",
                     "gradient_penalty_weight"):
            setattr(self, name, check_float(name, getattr(self, name), low=0.0))
        self.lr = check_float("lr", self.lr, low=0.0, low_open=True)
        self.betas = check_betas("betas", self.betas)
        self.critic_steps = check_int("critic_steps", self.critic_steps, low=1)

    @property
    def image_multiple(self) -> int:
        return 16  # the global critic's four stride-2 convolutions (the generator needs 8)

    def network_config(self) -> dict[str, Any]:
        return {
            "cnum": self.cnum,
            "padding": self.padding,
            "attention_fuse": self.attention_fuse,
            "softmax_scale": self.softmax_scale,
        }

    def _make_generator(self) -> nn.Module:
        return DeepFillV1Generator(**self.network_config())

    def _generator_attention_site(self, generator: nn.Module) -> tuple[str, int]:
        return "coarse_generator.conv12", 4 * self.cnum  # the coarse network's last 1/4-resolution layer

    def _make_discriminators(self) -> dict[str, nn.Module]:
        width = self.critic_width
        return {
            "local_critic": WGANCritic((width, 2 * width, 4 * width, 8 * width), self.local_size, 3, self.padding),
            "global_critic": WGANCritic((width, 2 * width, 4 * width, 4 * width), self.image_size, 3, self.padding),
        }

    def _attention_sites(self, discriminators: Mapping[str, nn.Module]) -> list[tuple[nn.Module, nn.Module, int]]:
        local, global_ = discriminators["local_critic"], discriminators["global_critic"]
        width = self.critic_width
        return [
            (local, local.dis_conv_module.conv2, 2 * width),
            (global_, global_.dis_conv_module.conv3, 4 * width),
        ]

    def _make_losses(self) -> dict[str, nn.Module]:
        return {
            "discounted_l1": SpatiallyDiscountedL1(gamma=self.discount_gamma),
            "valid_l1": MaskedReconstruction("l1", hole_weight=0.0, valid_weight=1.0),
            "adversarial": AdversarialLoss("wgan"),
        }

    def _make_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        critics = [p for name in ("local_critic", "global_critic") for p in self._networks[name].parameters()]
        return {
            "generator": torch.optim.Adam(self._networks["generator"].parameters(), lr=self.lr, betas=self.betas),
            "critics": torch.optim.Adam(critics, lr=self.lr, betas=self.betas),
        }

    def updates_generator(self, step: int) -> bool:
        """Whether ``step`` updates the generator (every ``critic_steps``-th step)."""
        return (step + 1) % self.critic_steps == 0

    def _step(self, images: torch.Tensor, masks: torch.Tensor, step: int) -> dict[str, torch.Tensor]:
        local, global_ = self.discriminators["local_critic"], self.discriminators["global_critic"]
        adversarial = self.losses["adversarial"]
        update_generator = self.updates_generator(step)
        with torch.set_grad_enabled(update_generator):
            coarse, refined, _ = self.generator(images, masks)
        completed = refined * masks + images * (1.0 - masks)
        crop = hole_centred_crop(masks, self.local_size)
        fake = completed.detach()
        real_patch, fake_patch = crop(images), crop(fake)
        # The critics have no batch norm: one forward over real and fake together is the same.
        local_scores = local(torch.cat((real_patch, fake_patch))).chunk(2)
        global_scores = global_(torch.cat((images, fake))).chunk(2)
        d_wgan = adversarial.discriminator(*local_scores) + adversarial.discriminator(*global_scores)
        weight = self.gradient_penalty_weight
        penalty = gradient_penalty(local, real_patch, fake_patch, weight, mask=crop(masks)) + gradient_penalty(
            global_, images, fake, weight, mask=masks
        )
        self._update("critics", d_wgan + penalty)
        losses = {"discriminator": d_wgan, "gradient_penalty": penalty}
        if not update_generator:
            return losses

        with self._frozen(local, global_):
            g_adversarial = self.global_wgan_weight * adversarial.generator(global_(completed)) + (
                adversarial.generator(local(crop(completed)))
            )
        discounted, valid = self.losses["discounted_l1"], self.losses["valid_l1"]
        known_fraction = (1.0 - masks).mean().clamp_min(1e-8)
        g_discounted = self.coarse_l1_alpha * discounted(coarse, images, masks) + discounted(refined, images, masks)
        g_valid = (self.coarse_l1_alpha * valid(coarse, images, masks) + valid(refined, images, masks)) / known_fraction
        g_loss = (
            self.gan_weight * g_adversarial + self.l1_loss_alpha * g_discounted + self.ae_loss_alpha * g_valid
        )
        losses.update({"discounted_l1": g_discounted, "valid_l1": g_valid, "adversarial": g_adversarial})
        if self.mine is not None:
            losses["mine"], losses["mine_bound"] = self._mine_terms(completed, images, masks)
            g_loss = g_loss + losses["mine"]
        self._update("generator", g_loss)
        return {"generator": g_loss, **losses}

    def _predict(self, generator: nn.Module, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        return generator(images, masks)[1]

    def _phases(self) -> list[dict[str, Any]]:
        return [{"name": f"critics every step, generator every {self.critic_steps}th step", "steps": [0, None]}]

    def _deviations(self) -> list[str]:
        deviations = [
            "the local critic judges the local_size square centred on the hole's bounding box (the official code "
            "crops the 128x128 box the hole was drawn in)",
            "one batch per step: the critics see each batch once and the generator every critic_steps-th batch "
            "(the official SecondaryTrainer draws a new batch for each critic iteration)",
        ]
        if self.discount_gamma != 0.99:
            deviations.append(f"discount gamma {self.discount_gamma} (official yml 0.9; the paper writes 0.99)")
        if self.cnum != 32 or self.critic_width != 64:
            deviations.append(f"reduced width: cnum {self.cnum}, critic width {self.critic_width} (paper 32, 64)")
        return deviations
