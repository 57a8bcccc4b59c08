"""Deep Image Prior: inpainting by fitting an untrained network to the known pixels."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch

from ...api import Context
from ...params import check_float, check_int, check_seed
from .._table import registered
from ..adapter import DeepInpainter, Render
from .network import SkipNetwork

__all__ = ["DeepImagePrior", "SkipNetwork"]


@registered("dip")
class DeepImagePrior(DeepInpainter):
    """Deep Image Prior inpainting (Ulyanov, Vedaldi and Lempitsky, CVPR 2018).

    A randomly initialised encoder-decoder ``f`` maps a fixed random code ``z`` to an image
    and is fitted, by gradient descent on its weights, to the known pixels only:
    ``min_w || (f_w(z) - x) * known ||^2``. No loss reaches the hole: what the network puts
    there comes from its structure alone (convolutions that fit smooth, self-similar image
    content far sooner than noise), and is the fill. There are no trained weights and no
    data: each image is a fresh optimisation.

    The settings are those of the official notebook's text-removal example: the ``skip``
    network with 5 scales of 128 channels (3,002,627 parameters for RGB), a 32-channel code
    drawn uniformly from [0, 0.1), perturbed at every step by Gaussian noise of standard
    deviation 0.03, Adam with learning rate 0.01, the image's own channels as output.

    **Cost.** One iteration is a forward and backward pass at full resolution: 193 GFLOP
    at 256x256, four times that at 512x512. On 2 CPU cores (AMD EPYC) that is 7.7 s of CPU
    time on one thread, 13.8 s on two (``benchmarks/bench_deep.py``), so about 4-7 s per
    iteration on an idle machine: the default of 50 iterations takes 3-6 minutes for a
    256x256 image and gives a smooth, roughly coloured fill. The notebook's
    ``iterations=6001``, which recovers texture and sharp edges, takes hours on a CPU and
    minutes on a GPU (``device="cuda"``).

    Parameters
    ----------
    iterations : int
        Optimisation steps (6001 in the notebook; see *Cost*).
    channels : int
        Channels of every scale of the network (128 in the notebook; smaller is faster and
        coarser, the test suite uses 4).
    input_depth : int
        Channels of the random code ``z`` (32).
    learning_rate : float
        Adam's step size (0.01).
    reg_noise_std : float
        Standard deviation of the noise added to ``z`` at each step (0.03; 0 turns it off).
    seed : int
        Seeds the network's initialisation, the code and the noise: the same seed on the
        same device gives the same result (deterministic algorithms are used on the CPU).
    device, strategy, max_size, crop_margin
        See :class:`~inpaintkit.deep.adapter.DeepInpainter` (the image is padded to a
        multiple of 64 by mirroring, as the notebook crops to one).
    backend, callback, progress, n_threads
        See :class:`~inpaintkit.Inpainter`. The callback gets ``{"image", "iteration",
        "loss"}`` after every iteration: ``image`` is the network's current output over the
        whole image (not composited), in the input's working scale.

    References
    ----------
    .. [1] D. Ulyanov, A. Vedaldi, V. Lempitsky, "Deep Image Prior", CVPR 2018,
       doi:10.1109/CVPR.2018.00984; code and notebook: github.com/DmitryUlyanov/deep-image-prior.

    Examples
    --------
    >>> import numpy as np, inpaintkit
    >>> image = np.tile(np.linspace(0.2, 0.8, 32), (32, 1))
    >>> mask = np.zeros((32, 32), bool); mask[12:18, 12:18] = True
    >>> dip = inpaintkit.Inpainter.create("dip", iterations=20, channels=8)
    >>> dip.inpaint(image, mask).shape
    (32, 32)
    """

    # As the notebook's dim_div_by: five halvings leave 2x2 at the deepest scale, where batch
    # norm in training mode still has more than one value per channel.
    multiple = 64
    value_range = (0.0, 1.0)
    channel_mode = "native"
    batchable = False

    def __init__(
        self,
        *,
        iterations: int = 50,
        channels: int = 128,
        input_depth: int = 32,
        learning_rate: float = 0.01,
        reg_noise_std: float = 0.03,
        seed: int = 0,
        device: str = "auto",
        strategy: str = "crop",
        max_size: int = 1024,
        crop_margin: int = 128,
        backend: str = "auto",
        callback: Any = None,
        progress: bool = False,
        n_threads: int | None = None,
    ) -> None:
        super().__init__(
            device=device,
            strategy=strategy,
            max_size=max_size,
            crop_margin=crop_margin,
            backend=backend,
            callback=callback,
            progress=progress,
            n_threads=n_threads,
        )
        self.iterations = check_int("iterations", iterations, low=1)
        self.channels = check_int("channels", channels, low=1)
        self.input_depth = check_int("input_depth", input_depth, low=1)
        self.learning_rate = check_float("learning_rate", learning_rate, low=0.0, low_open=True)
        self.reg_noise_std = check_float("reg_noise_std", reg_noise_std, low=0.0)
        self.seed = check_seed("seed", seed)

    def _fill(self, images: torch.Tensor, masks: torch.Tensor, ctx: Context, render: Render | None) -> torch.Tensor:
        return torch.cat([self._optimise(image[None], mask[None], ctx, render) for image, mask in zip(images, masks)])

    def _optimise(self, target: torch.Tensor, mask: torch.Tensor, ctx: Context, render: Render | None) -> torch.Tensor:
        device = target.device
        generator = torch.Generator().manual_seed(self.seed)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            network = SkipNetwork(self.input_depth, target.shape[1], channels=self.channels)
        network.to(device).train()
        code = (torch.rand((1, self.input_depth, *target.shape[2:]), generator=generator) * 0.1).to(device)
        known = 1.0 - mask
        optimiser = torch.optim.Adam(network.parameters(), lr=self.learning_rate)
        ctx.start(self.iterations, unit="iteration")
        with _deterministic_on_cpu(device):
            for iteration in range(1, self.iterations + 1):
                optimiser.zero_grad()
                noise = torch.randn(code.shape, generator=generator) * self.reg_noise_std
                output = network(code + noise.to(device))
                loss = torch.mean(((output - target) * known) ** 2)
                loss.backward()
                optimiser.step()
                if ctx.reporting:

                    def state(output: torch.Tensor = output, loss: torch.Tensor = loss, step: int = iteration) -> dict:
                        image = render(output) if render is not None else None
                        return {"image": image, "iteration": step, "loss": loss.item()}

                    ctx.step(iteration, state)
            with torch.no_grad():
                return network(code)


@contextlib.contextmanager
def _deterministic_on_cpu(device: torch.device) -> Iterator[None]:
    """PyTorch's deterministic algorithms for the block (CPU only), restoring the setting after."""
    if device.type != "cpu":
        yield
        return
    previous = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(previous, warn_only=warn_only)
