"""GLCIC's recipe (Iizuka, Simo-Serra, Ishikawa, SIGGRAPH 2017), with its three phases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import torch
from torch import nn

from ...deep.glcic.network import VALUE_RANGE, CompletionNetwork, GLCICDiscriminator
from ...errors import InvalidParameterError
from ...params import check_choice, check_float, check_int
from ..losses import AdversarialLoss, MaskedReconstruction
from ._base import Recipe, check_betas, check_fraction, check_optional_int, hole_centred_crop

__all__ = ["GLCICRecipe"]

#: Torch7 ``optim.adadelta``'s defaults, which the paper's Torch code would have used.
ADADELTA = {"lr": 1.0, "rho": 0.9, "eps": 1e-6}


@dataclass(kw_only=True, eq=False)
class GLCICRecipe(Recipe):
    """GLCIC (Iizuka, Simo-Serra, Ishikawa, SIGGRAPH 2017).

    The completion network (:class:`~inpaintkit.deep.glcic.network.CompletionNetwork`)
    learns in three phases (paper section 3.2, Algorithm 1):

    1. steps ``[0, Tc)``: the mean squared error over the hole only (the discriminator is
       not touched);
    2. steps ``[Tc, Tc + Td)``: the context discriminator alone, on completions of the
       frozen network (in evaluation mode, so nothing of it changes, batch-norm
       statistics included);
    3. from ``Tc + Td`` on: both, the network with MSE + ``adversarial_weight`` (4e-4) x
       the adversarial loss.

    The paper's run is Tc = 90,000, Td = 10,000 of 500,000 iterations: by default the
    phases are those fractions of ``total_steps`` (18 % and 2 %), or explicit step counts
    (``completion_steps``, ``discriminator_steps``).

    The discriminator (:class:`~inpaintkit.deep.glcic.network.GLCICDiscriminator`) sees the
    whole image and the ``local_size`` patch centred on the hole (the same square of the
    real image), with binary cross-entropy; the generator's adversarial term is the
    non-saturating form, -log D(completion).

    Optimiser: the paper's AdaDelta (``optimizer="adadelta"``, Torch7's defaults: rho 0.9,
    eps 1e-6, learning rate 1) for both networks; ``optimizer="adam"`` is mmagic's
    reimplementation (Adam, 4e-4). Self-attention goes after the global discriminator's
    third convolution and the local one's second (32x32 maps at 256x256).

    Parameters
    ----------
    local_size : int or None
        Side of the local discriminator's patch (None: half the image, 128 of 256).
    pixel_mean : (float, float, float)
        Mean colour subtracted by the network (stored with the weights); set it to your
        data's mean (0.5 each by default).
    cnum, discriminator_cnum : int
        Widths of the completion network and of the discriminators (64 and 64, the
        paper's; smaller ones are for quick CPU runs, see ``REDUCED``).
    adversarial_weight : float
        Alpha (0.0004).
    completion_fraction, discriminator_fraction : float
        Tc and Td as fractions of the run (0.18, 0.02).
    completion_steps, discriminator_steps : int or None
        Tc and Td in steps (override the fractions).
    optimizer : {'adadelta', 'adam'}
    lr : float or None
        Learning rate (None: 1.0 for AdaDelta, 4e-4 for Adam).
    betas : (float, float)
        Adam's betas (mmagic: PyTorch's (0.9, 0.999)).

    References
    ----------
    .. [1] S. Iizuka, E. Simo-Serra, H. Ishikawa, "Globally and Locally Consistent Image
       Completion", ACM TOG 36(4) (SIGGRAPH 2017), doi:10.1145/3072959.3073659.
    .. [2] open-mmlab/mmagic, ``configs/global_local`` and ``gl_inpaintor.py``.
    """

    method: ClassVar[str] = "glcic"
    mask_family: ClassVar[str] = "random_box"
    paper: ClassVar[str] = (
        "Iizuka et al., Globally and Locally Consistent Image Completion, SIGGRAPH 2017, doi:10.1145/3072959.3073659"
    )
    value_range: ClassVar[tuple[float, float]] = VALUE_RANGE
    paper_steps: ClassVar[int] = 500_000
    loss_names: ClassVar[tuple[str, ...]] = (
        "discriminator", "generator", "reconstruction", "adversarial", "mine", "mine_bound",
    )

    local_size: int | None = None
    pixel_mean: tuple[float, float, float] = (0.5, 0.5, 0.5)
    cnum: int = 64
    discriminator_cnum: int = 64
    adversarial_weight: float = 4e-4
    completion_fraction: float = 90_000 / 500_000
    discriminator_fraction: float = 10_000 / 500_000
    completion_steps: int | None = None
    discriminator_steps: int | None = None
    optimizer: Literal["adadelta", "adam"] = "adadelta"
    lr: float | None = None
    betas: tuple[float, float] = (0.9, 0.999)

    def _validate(self) -> None:
        if self.local_size is None:
            self.local_size = self.image_size // 2
        self.local_size = check_optional_int("local_size", self.local_size, low=32)
        if self.local_size % 32 or self.local_size > self.image_size:
            raise InvalidParameterError(
                f"local_size: expected a multiple of 32 (five stride-2 convolutions) no larger than image_size "
                f"({self.image_size}), got {self.local_size}"
            )
        if not isinstance(self.pixel_mean, (tuple, list)) or len(self.pixel_mean) != 3:
            raise InvalidParameterError(
                f"pixel_mean: expected three numbers (R, G, B) on [0, 1], got {self.pixel_mean!r}"
            )
        self.pixel_mean = tuple(
            check_float(f"pixel_mean[{i}]", value, low=0.0, high=1.0) for i, value in enumerate(self.pixel_mean)
        )
        self.cnum = check_int("cnum", self.cnum, low=2)
        if self.cnum % 2:
            raise InvalidParameterError(f"cnum: expected an even number (the last layer has cnum/2), got {self.cnum}")
        self.discriminator_cnum = check_int("discriminator_cnum", self.discriminator_cnum, low=2)
        self.adversarial_weight = check_float("adversarial_weight", self.adversarial_weight, low=0.0)
        self.completion_fraction = check_fraction("completion_fraction", self.completion_fraction)
        self.discriminator_fraction = check_fraction("discriminator_fraction", self.discriminator_fraction)
        if self.completion_fraction + self.discriminator_fraction > 1.0:
            raise InvalidParameterError(
                "completion_fraction + discriminator_fraction: expected at most 1 (the phases share one run), got "
                f"{self.completion_fraction + self.discriminator_fraction}"
            )
        self.completion_steps = check_optional_int("completion_steps", self.completion_steps)
        self.discriminator_steps = check_optional_int("discriminator_steps", self.discriminator_steps)
        self.optimizer = check_choice("optimizer", self.optimizer, ("adadelta", "adam"))
        if self.lr is not None:
            self.lr = check_float("lr", self.lr, low=0.0, low_open=True)
        self.betas = check_betas("betas", self.betas)

    @property
    def image_multiple(self) -> int:
        return 64  # the global discriminator's six stride-2 convolutions

    @property
    def phase_boundaries(self) -> tuple[int, int]:
        """(Tc, Tc + Td): the first step of the discriminator-only phase and of the joint one."""
        completion = self._phase_step(self.completion_fraction, self.completion_steps)
        return completion, completion + self._phase_step(self.discriminator_fraction, self.discriminator_steps)

    def network_config(self) -> dict[str, Any]:
        return {"pixel_mean": list(self.pixel_mean), "cnum": self.cnum}

    def _make_generator(self) -> nn.Module:
        return CompletionNetwork(**self.network_config())

    def _generator_attention_site(self, generator: nn.Module) -> tuple[str, int]:
        return "layers.11", generator.layers[11].bn.num_features  # the last 1/4-resolution layer

    def _make_discriminators(self) -> dict[str, nn.Module]:
        return {
            "discriminator": GLCICDiscriminator(
                global_size=self.image_size, local_size=self.local_size, cnum=self.discriminator_cnum
            )
        }

    def _attention_sites(self, discriminators: Mapping[str, nn.Module]) -> list[tuple[nn.Module, nn.Module, int]]:
        network = discriminators["discriminator"]
        global_d, local_d = network.global_discriminator, network.local_discriminator
        width = self.discriminator_cnum
        return [(global_d, global_d.convs[2], 4 * width), (local_d, local_d.convs[1], 2 * width)]

    def _make_losses(self) -> dict[str, nn.Module]:
        return {
            "reconstruction": MaskedReconstruction("l2", hole_weight=1.0, valid_weight=0.0),
            "adversarial": AdversarialLoss("bce"),
        }

    def _make_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        def make(module: nn.Module) -> torch.optim.Optimizer:
            if self.optimizer == "adadelta":
                return torch.optim.Adadelta(module.parameters(), **{**ADADELTA, "lr": self.lr or ADADELTA["lr"]})
            return torch.optim.Adam(module.parameters(), lr=self.lr or 4e-4, betas=self.betas)

        return {"generator": make(self._networks["generator"]), "discriminator": make(self._networks["discriminator"])}

    def _step(self, images: torch.Tensor, masks: torch.Tensor, step: int) -> dict[str, torch.Tensor]:
        completion_end, discriminator_end = self.phase_boundaries
        reconstruction = self.losses["reconstruction"]
        if step < completion_end:
            prediction = self.generator(images, masks)
            loss = reconstruction(prediction, images, masks)
            self._update("generator", loss)
            return {"generator": loss, "reconstruction": loss}

        discriminator, adversarial = self.discriminators["discriminator"], self.losses["adversarial"]
        crop = hole_centred_crop(masks, self.local_size)
        joint = step >= discriminator_end
        if not joint:
            self._networks["generator"].eval()
        with torch.set_grad_enabled(joint):
            prediction = self.generator(images, masks)
        completed = torch.where(masks > 0, prediction, images)
        fake = completed.detach()
        d_loss = adversarial.discriminator(discriminator(images, crop(images)), discriminator(fake, crop(fake)))
        self._update("discriminator", d_loss)
        if not joint:
            return {"discriminator": d_loss}

        with self._frozen(discriminator):
            g_adversarial = adversarial.generator(discriminator(completed, crop(completed)))
        g_reconstruction = reconstruction(prediction, images, masks)
        g_loss = g_reconstruction + self.adversarial_weight * g_adversarial
        losses = {"discriminator": d_loss, "reconstruction": g_reconstruction, "adversarial": g_adversarial}
        if self.mine is not None:
            losses["mine"], losses["mine_bound"] = self._mine_terms(completed, images, masks)
            g_loss = g_loss + losses["mine"]
        self._update("generator", g_loss)
        return {"generator": g_loss, **losses}

    def _predict(self, generator: nn.Module, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        return generator(images, masks)

    def _phases(self) -> list[dict[str, Any]]:
        completion_end, discriminator_end = self.phase_boundaries
        return [
            {"name": "completion (MSE only)", "steps": [0, completion_end]},
            {"name": "discriminator only", "steps": [completion_end, discriminator_end]},
            {"name": "joint", "steps": [discriminator_end, None]},
        ]

    def _deviations(self) -> list[str]:
        deviations = [
            "the local discriminator sees the same hole-centred square of the real image as of the completion "
            "(as mmagic does)",
            "the generator's adversarial term is non-saturating, -log D(completion), rather than the paper's "
            "log(1 - D(completion))",
            "no Poisson-blending post-processing during training (the adapter applies it at inference)",
        ]
        if self.optimizer == "adam":
            deviations.append("Adam (mmagic's reimplementation) instead of the paper's AdaDelta")
        return deviations
