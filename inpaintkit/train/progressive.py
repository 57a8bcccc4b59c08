"""Progressive growing (Karras et al. 2018) for fully convolutional inpainting networks.

Training starts at a low resolution and doubles it stage by stage; during the first
``fade_steps`` of each new stage the images are a blend of the new resolution and the
previous one (upsampled), whose weight ``alpha`` rises linearly from 0 to 1, so the network
meets the finer detail gradually. Karras et al. fade new layers into the generator and the
discriminator; an inpainting network that is fully convolutional runs at any size, so here
only the data is faded, as their official code also does to the real images
(``process_reals``: 2x2 average, nearest upsampling, linear blend).

>>> import torch
>>> schedule = ProgressiveSchedule(64, 16, steps_per_stage=100, fade_steps=50)
>>> [schedule.resolution(step) for step in (0, 99, 100, 199, 200, 10_000)]
[16, 16, 32, 32, 64, 64]
>>> [schedule.alpha(step) for step in (0, 100, 125, 150, 200)]
[1.0, 0.0, 0.5, 1.0, 0.0]
>>> images, masks = schedule.apply(torch.rand(2, 3, 64, 64), torch.zeros(2, 1, 64, 64), step=125)
>>> tuple(images.shape), tuple(masks.shape)
((2, 3, 32, 32), (2, 1, 32, 32))
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..errors import InvalidParameterError, ShapeMismatchError
from ..params import check_int

__all__ = ["ProgressiveSchedule"]


class ProgressiveSchedule:
    """Which resolution to train at, and how far the newest one is faded in, at each step.

    Stage ``s`` (``s = 0, 1, ...``) trains at ``start_size * 2**s`` and begins at step
    ``s * steps_per_stage``; the last stage (``final_size``) lasts until the end of training.

    Parameters
    ----------
    final_size : int
        Resolution of the data and of the last stage; ``start_size`` times a power of 2.
    start_size : int
        Resolution of the first stage, at least 4.
    steps_per_stage : int
        Steps of each stage before the last.
    fade_steps : int
        Steps over which each new resolution fades in, at most ``steps_per_stage``
        (0: switch at once).

    Raises
    ------
    InvalidParameterError
        Bad arguments.

    References
    ----------
    .. [1] T. Karras, T. Aila, S. Laine, J. Lehtinen, "Progressive Growing of GANs for
       Improved Quality, Stability, and Variation", ICLR 2018, arXiv:1710.10196.
    """

    def __init__(self, final_size: int, start_size: int, steps_per_stage: int, fade_steps: int) -> None:
        self.final_size = check_int("final_size", final_size, low=4)
        self.start_size = check_int("start_size", start_size, low=4, high=self.final_size)
        ratio = self.final_size // self.start_size
        if self.final_size % self.start_size or ratio & (ratio - 1):
            raise InvalidParameterError(
                f"start_size: expected final_size ({self.final_size}) / start_size to be a power of 2, got "
                f"start_size {self.start_size}; pick start_size among final_size / 2, / 4, / 8, ..."
            )
        self.steps_per_stage = check_int("steps_per_stage", steps_per_stage, low=1)
        self.fade_steps = check_int("fade_steps", fade_steps, low=0, high=self.steps_per_stage)
        #: Resolutions of the stages, smallest first.
        self.sizes = [self.start_size * 2**stage for stage in range(ratio.bit_length())]

    def __repr__(self) -> str:
        return (
            f"ProgressiveSchedule(final_size={self.final_size}, start_size={self.start_size}, "
            f"steps_per_stage={self.steps_per_stage}, fade_steps={self.fade_steps})"
        )

    def stage(self, step: int) -> int:
        """Index of the stage ``step`` falls in."""
        step = check_int("step", step, low=0)
        return min(step // self.steps_per_stage, len(self.sizes) - 1)

    def resolution(self, step: int) -> int:
        """The resolution trained at ``step``."""
        return self.sizes[self.stage(step)]

    def alpha(self, step: int) -> float:
        """Weight of the current resolution against the previous one: 0 at a stage's start, 1 after its fade."""
        stage = self.stage(step)
        if stage == 0 or self.fade_steps == 0:
            return 1.0
        return min(1.0, (step - stage * self.steps_per_stage) / self.fade_steps)

    def apply(self, images: torch.Tensor, masks: torch.Tensor, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The batch as trained at ``step``.

        Images are 2x2-averaged down to the stage's resolution ``R``; while fading, they are
        ``alpha * x_R + (1 - alpha) * up(x_{R/2})`` (nearest upsampling of the 2x2 average).
        Masks are max-pooled to ``R`` (a pixel is a hole when any of its source pixels is),
        so they stay binary and cover the original hole.

        Parameters
        ----------
        images : Tensor, shape (N, C, final_size, final_size)
        masks : Tensor, shape (N, 1, final_size, final_size), 1 = hole
        step : int

        Returns
        -------
        images, masks : Tensor, spatial size ``resolution(step)``
        """
        size = self.final_size
        if images.dim() != 4 or images.shape[-2:] != (size, size):
            raise ShapeMismatchError(f"images: expected (N, C, {size}, {size}), got {tuple(images.shape)}")
        if masks.dim() != 4 or masks.shape[0] != images.shape[0] or masks.shape[-2:] != (size, size):
            raise ShapeMismatchError(
                f"masks: expected ({images.shape[0]}, 1, {size}, {size}), got {tuple(masks.shape)}"
            )
        resolution, alpha = self.resolution(step), self.alpha(step)
        factor = size // resolution
        if factor > 1:
            images = F.avg_pool2d(images, factor)
            masks = F.max_pool2d(masks, factor)
        if alpha < 1.0:
            coarse = F.interpolate(F.avg_pool2d(images, 2), scale_factor=2, mode="nearest")
            images = alpha * images + (1.0 - alpha) * coarse
        return images, masks
