"""DeepFill v2's recipe (Yu et al., ICCV 2019; JiahuiYu/generative_inpainting v2.0.0)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import torch
from torch import nn

from ...deep.deepfill2.network import SIZE_MULTIPLE, DeepFillV2Generator, SNPatchGANDiscriminator
from ...errors import InvalidParameterError
from ...params import check_bool, check_choice, check_float, check_int
from ..losses import AdversarialLoss, MaskedReconstruction
from ._base import Recipe, check_betas

__all__ = ["DeepFillV2Recipe"]


@dataclass(kw_only=True, eq=False)
class DeepFillV2Recipe(Recipe):
    """DeepFill v2 (Yu, Lin, Yang, Shen, Lu, Huang, ICCV 2019), as its official code trains it.

    Generator loss (``inpaint_model.py``): ``l1_weight`` (1) x (mean |x - x1| + mean |x - x2|)
    over the **whole image** for the coarse output x1 and the refined x2, plus
    ``gan_weight`` (1) x the SN-PatchGAN hinge loss ``-mean(D(completion, mask))``. The
    discriminator (:class:`~inpaintkit.deep.deepfill2.network.SNPatchGANDiscriminator`)
    takes image and mask, and scores every patch; its hinge loss
    ``mean(relu(1 - D(real))) + mean(relu(1 + D(completion)))`` is computed on one forward
    pass over real and completed images together (no batch norm; one power iteration of
    the spectral norm per pass, as the official graph). Adam, 1e-4, betas (0.5, 0.999) for
    both; one discriminator step per generator step, discriminator first.

    The spectral norm's power-iteration vectors (``..._u``, ``..._v``) are buffers of the
    discriminator, so they are in its state dict and in a run's training state.
    Self-attention goes after the discriminator's third convolution (32x32 maps at
    256x256). The networks are fully convolutional: progressive growing may vary the size.

    Parameters
    ----------
    cnum : int
        Generator width (48; the tests train at 8). Saved with the weights, with
        ``padding``, ``attention_fuse`` and ``softmax_scale``.
    discriminator_cnum : int
        SN-PatchGAN width (64).
    l1_weight, gan_weight : float
        1 and 1 (mmagic's reimplementation uses a GAN weight of 0.1).
    lr, betas
        1e-4, (0.5, 0.999).
    reconstruction_steps : int
        Steps, from the start, on which the generator trains on the L1 loss alone and the
        discriminator is not run or updated (0, the paper's: adversarial from the first
        step). A warm-up for short runs. The discriminator is also left alone whenever
        ``gan_weight`` is 0.

    References
    ----------
    .. [1] J. Yu, Z. Lin, J. Yang, X. Shen, X. Lu, T. Huang, "Free-Form Image Inpainting
       with Gated Convolution", ICCV 2019, doi:10.1109/ICCV.2019.00457.
    """

    method: ClassVar[str] = "deepfill2"
    mask_family: ClassVar[str] = "free_form_box"
    paper: ClassVar[str] = (
        "Yu et al., Free-Form Image Inpainting with Gated Convolution, ICCV 2019, doi:10.1109/ICCV.2019.00457"
    )
    value_range: ClassVar[tuple[float, float]] = (-1.0, 1.0)
    size_multiple: ClassVar[int] = SIZE_MULTIPLE
    any_size: ClassVar[bool] = True
    loss_names: ClassVar[tuple[str, ...]] = (
        "discriminator", "generator", "l1", "adversarial", "mine", "mine_bound",
    )

    cnum: int = 48
    padding: Literal["symmetric", "tf"] = "symmetric"
    attention_fuse: bool = True
    softmax_scale: float = 10.0
    discriminator_cnum: int = 64
    l1_weight: float = 1.0
    gan_weight: float = 1.0
    lr: float = 1e-4
    betas: tuple[float, float] = (0.5, 0.999)
    reconstruction_steps: int = 0

    def _validate(self) -> None:
        self.cnum = check_int("cnum", self.cnum, low=4)
        if self.cnum % 4:
            raise InvalidParameterError(f"cnum: expected a multiple of 4 (the decoder ends at cnum/4), got {self.cnum}")
        self.padding = check_choice("padding", self.padding, ("symmetric", "tf"))
        self.attention_fuse = check_bool("attention_fuse", self.attention_fuse)
        self.softmax_scale = check_float("softmax_scale", self.softmax_scale, low=0.0, low_open=True)
        self.discriminator_cnum = check_int("discriminator_cnum", self.discriminator_cnum, low=4)
        self.l1_weight = check_float("l1_weight", self.l1_weight, low=0.0)
        self.gan_weight = check_float("gan_weight", self.gan_weight, low=0.0)
        self.lr = check_float("lr", self.lr, low=0.0, low_open=True)
        self.betas = check_betas("betas", self.betas)
        self.reconstruction_steps = check_int("reconstruction_steps", self.reconstruction_steps, low=0)

    def network_config(self) -> dict[str, Any]:
        return {
            "cnum": self.cnum,
            "user_guided": False,
            "padding": self.padding,
            "attention_fuse": self.attention_fuse,
            "softmax_scale": self.softmax_scale,
        }

    def _make_generator(self) -> nn.Module:
        return DeepFillV2Generator(**self.network_config())

    def _generator_attention_site(self, generator: nn.Module) -> tuple[str, int]:
        return "stage1.conv_bn7", 2 * self.cnum  # the coarse network's last 1/4-resolution layer

    def _make_discriminators(self) -> dict[str, nn.Module]:
        return {"discriminator": SNPatchGANDiscriminator(cnum=self.discriminator_cnum, padding=self.padding)}

    def _attention_sites(self, discriminators: Mapping[str, nn.Module]) -> list[tuple[nn.Module, nn.Module, int]]:
        network = discriminators["discriminator"]
        return [(network, network.conv3, 4 * self.discriminator_cnum)]

    def _make_losses(self) -> dict[str, nn.Module]:
        return {
            "l1": MaskedReconstruction("l1", hole_weight=1.0, valid_weight=1.0),
            "adversarial": AdversarialLoss("hinge"),
        }

    def _make_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {
            name: torch.optim.Adam(self._networks[name].parameters(), lr=self.lr, betas=self.betas)
            for name in ("generator", "discriminator")
        }

    def _step(self, images: torch.Tensor, masks: torch.Tensor, step: int) -> dict[str, torch.Tensor]:
        l1 = self.losses["l1"]
        coarse, refined, _ = self.generator(images, masks)
        completed = refined * masks + images * (1.0 - masks)
        g_l1 = l1(coarse, images, masks) + l1(refined, images, masks)
        g_loss = self.l1_weight * g_l1
        losses = {"l1": g_l1}
        if self._adversarial(step):
            discriminator, adversarial = self.discriminators["discriminator"], self.losses["adversarial"]
            both_masks = torch.cat((masks, masks))
            real_scores, fake_scores = discriminator(torch.cat((images, completed.detach())), both_masks).chunk(2)
            d_loss = adversarial.discriminator(real_scores, fake_scores)
            self._update("discriminator", d_loss)
            with self._frozen(discriminator):
                g_adversarial = adversarial.generator(discriminator(completed, masks))
            g_loss = g_loss + self.gan_weight * g_adversarial
            losses = {"discriminator": d_loss, "l1": g_l1, "adversarial": g_adversarial}
        if self.mine is not None:
            losses["mine"], losses["mine_bound"] = self._mine_terms(completed, images, masks)
            g_loss = g_loss + losses["mine"]
        self._update("generator", g_loss)
        return {"generator": g_loss, **losses}

    def _adversarial(self, step: int) -> bool:
        """Whether ``step`` runs the discriminator and the generator's adversarial term."""
        return self.gan_weight > 0 and step >= self.reconstruction_steps

    def _predict(self, generator: nn.Module, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        return generator(images, masks)[1]

    def _phases(self) -> list[dict[str, Any]]:
        if self.gan_weight == 0:
            return [{"name": "reconstruction (L1 only)", "steps": [0, None]}]
        if self.reconstruction_steps == 0:
            return [{"name": "adversarial", "steps": [0, None]}]
        return [
            {"name": "reconstruction (L1 only)", "steps": [0, self.reconstruction_steps]},
            {"name": "adversarial", "steps": [self.reconstruction_steps, None]},
        ]

    def _deviations(self) -> list[str]:
        deviations = [
            "horizontal flips of the training images really flip (the official data pipeline's are no-ops)",
            "no user-guided (sketch) channel: the training data has no edge maps",
        ]
        if self.cnum != 48 or self.discriminator_cnum != 64:
            deviations.append(
                f"reduced width: cnum {self.cnum}, discriminator cnum {self.discriminator_cnum} (paper 48, 64)"
            )
        if self.reconstruction_steps:
            deviations.append(
                f"the first {self.reconstruction_steps} steps train on the L1 loss alone, without the discriminator "
                "(the paper trains adversarially from the first step)"
            )
        if self.gan_weight == 0:
            deviations.append("no adversarial loss (gan_weight 0): the discriminator is never updated")
        return deviations
