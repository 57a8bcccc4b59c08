"""The adapter between the spine's :class:`~inpaintkit.Inpainter` and a PyTorch network.

Every deep method subclasses :class:`DeepInpainter` and writes only ``_fill`` (run the
network on a batch) and, for methods with weights, ``build_network``. The adapter does the
rest, the same way for every method:

1. **Values.** Integer images are already in [0, 1]; float images whose known pixels lie in
   [0, 1] are used as they are, others (a depth map in metres) are mapped linearly from
   their known range onto [0, 1] and back afterwards. Then [0, 1] is mapped onto the
   network's ``value_range`` (e.g. [-1, 1]).
2. **Size** (``strategy``), for images whose long side exceeds ``max_size``:
   ``"crop"`` (default) sends only the hole's bounding box plus ``crop_margin`` pixels of
   context, downscaled if that box is still too large; ``"resize"`` downscales the whole
   image; ``"full"`` always sends the whole image (memory grows with its area). A
   downscaled fill is upscaled bilinearly, so it is softer than the known pixels.
3. **Padding.** Height and width are padded up to a multiple of ``multiple`` by mirroring
   the image and the mask (a mirrored hole is a hole), and cropped back afterwards.
4. **Channels.** Networks take RGB: a gray image is replicated into three channels and the
   three outputs averaged back; the alpha channel of an RGBA image is filled by the same
   network as a second, gray image in the same batch. A method with ``channel_mode =
   "native"`` (Deep Image Prior) gets the image's own channels instead.
5. **Device.** ``device="auto"`` is CUDA when ``torch.cuda.is_available()``, else the CPU.

Only the hole of the result is used: the spine composites it over the input.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import cv2
import numpy as np
import torch
from torch import nn

from .. import contract
from ..api import Context, Inpainter
from ..errors import BackendUnavailableError, InvalidParameterError, WeightsError
from ..params import check_choice, check_int
from .checkpoints import apply_state_dict, read_weights
from .layers import ATTENTION_CHILD, attach_self_attention

__all__ = ["DeepInpainter", "Render", "STRATEGIES"]

STRATEGIES = ("crop", "resize", "full")

Render = Callable[[torch.Tensor], np.ndarray]


@dataclass
class _Job:
    """One image on its way to the network and back (steps 1-4 of the module docstring)."""

    canvas: np.ndarray  # (H, W, C) image on [0, 1], hole included
    offset: float
    scale: float
    box: tuple[slice, slice]  # the region sent to the network
    region_size: tuple[int, int]  # its height and width before any resize
    groups: list[list[int]]  # channels of each tile: [[0, 1, 2]], [[0, 0, 0]], [[0, 1, 2], [3, 3, 3]], ...
    images: np.ndarray  # (tiles, c, h, w) float32, network range, padded
    masks: np.ndarray  # (tiles, 1, h, w) float32, 1 in the hole
    net_size: tuple[int, int]  # (h, w) before padding


class DeepInpainter(Inpainter):
    """Base class of the deep methods (see the module docstring for what it does).

    Subclasses set the class attributes below and implement :meth:`_fill`; a method with
    weights also implements :meth:`build_network` and sets ``weights_hint``.

    Attributes
    ----------
    multiple : int
        Height and width sent to the network are padded to multiples of this.
    value_range : (float, float)
        The network's image range, e.g. ``(-1.0, 1.0)``.
    channel_mode : {"rgb", "native"}
        ``"rgb"``: gray and alpha go through the network as 3-channel tiles; ``"native"``:
        the image's own 1, 3 or 4 channels.
    batchable : bool
        False for methods that optimise per image: :meth:`inpaint_batch` then loops.
    weights_hint : str
        How to get weights, for the error raised when ``weights`` is missing: the training
        command, and the official checkpoint with the file names its reader accepts.

    Parameters
    ----------
    weights : str or path, optional
        An inpaintkit checkpoint, or official weights the method can read (see
        :mod:`inpaintkit.deep.checkpoints`). Required by methods that need weights.
    device : str
        ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"``.
    strategy : str
        ``"crop"``, ``"resize"`` or ``"full"``: what to do with images larger than ``max_size``.
    max_size : int
        Longest side sent to the network by the ``crop`` and ``resize`` strategies.
    crop_margin : int
        Pixels of context kept around the hole's bounding box by ``crop``.
    backend, callback, progress, n_threads
        See :class:`~inpaintkit.Inpainter`; ``n_threads`` sets PyTorch's CPU threads for
        the call.
    """

    multiple: ClassVar[int] = 8
    value_range: ClassVar[tuple[float, float]] = (0.0, 1.0)
    channel_mode: ClassVar[str] = "rgb"
    batchable: ClassVar[bool] = True
    weights_hint: ClassVar[str] = ""

    def __init__(
        self,
        *,
        weights: Any = None,
        device: str = "auto",
        strategy: str = "crop",
        max_size: int = 1024,
        crop_margin: int = 128,
        backend: str = "auto",
        callback: Any = None,
        progress: bool = False,
        n_threads: int | None = None,
    ) -> None:
        super().__init__(backend=backend, callback=callback, progress=progress, n_threads=n_threads)
        if not isinstance(device, str) or not re.fullmatch(r"auto|cpu|cuda(:\d+)?", device):
            raise InvalidParameterError(f"device: expected 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}")
        self.device = device
        self.strategy = check_choice("strategy", strategy, STRATEGIES)
        self.max_size = check_int("max_size", max_size, low=self.multiple)
        self.crop_margin = check_int("crop_margin", crop_margin, low=0)
        self.weights = None if weights is None else str(weights)
        self.network: nn.Module | None = None
        if weights is not None:
            state, config, source = read_weights(weights, method=self.info.name)
            config = dict(config)
            attention = config.pop(ATTENTION_CHILD, None)  # a generator trained with a SAGAN block
            network = self.build_network(config)
            if attention is not None:
                _attach_saved_attention(network, attention, source)
            apply_state_dict(network, state, source=source)
            self.network = network.eval()
            # A network whose depth comes from its weights (LaMa, PConv) sets its own multiple.
            self.multiple = getattr(network, "size_multiple", self.multiple)
            check_int("max_size", self.max_size, low=self.multiple)
        elif self.info.needs_weights:
            raise WeightsError(f"weights: {self.info.name!r} needs weights=<path>; {self.weights_hint}")

    # ------------------------------------------------------------------ hooks
    def build_network(self, config: dict[str, Any]) -> nn.Module:
        """The network for ``config`` (the constructor arguments stored with the weights)."""
        raise NotImplementedError(f"{type(self).__name__} takes no weights")

    def _fill(
        self, images: torch.Tensor, masks: torch.Tensor, ctx: Context, render: Render | None
    ) -> torch.Tensor:
        """Fill a batch: ``images`` (N, c, h, w) in ``value_range`` with the hole set to the
        range's low end, ``masks`` (N, 1, h, w) with 1 in the hole; return (N, c, h, w) in
        ``value_range``. ``render`` (single-image calls only) turns an output batch into the
        working-scale image, for callback frames."""
        raise NotImplementedError

    # ------------------------------------------------------------------ devices and threads
    def torch_device(self) -> torch.device:
        """The device this call runs on (``device`` resolved against the machine)."""
        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        if self.device.startswith("cuda"):
            index = int(self.device.partition(":")[2] or 0)
            count = torch.cuda.device_count() if torch.cuda.is_available() else 0
            if index >= count:
                raise BackendUnavailableError(
                    f"device: {self.device!r} is not available (PyTorch sees {count} CUDA device(s)); "
                    "use device='cpu' or device='auto'"
                )
        return torch.device(self.device)

    @contextlib.contextmanager
    def _torch_threads(self) -> Iterator[None]:
        if self.n_threads is None:
            yield
            return
        previous = torch.get_num_threads()
        torch.set_num_threads(self.n_threads)
        try:
            yield
        finally:
            torch.set_num_threads(previous)

    # ------------------------------------------------------------------ numpy <-> network
    def _plan(self, image: np.ndarray, mask: np.ndarray, source_dtype: np.dtype) -> _Job:
        known = image[~mask]
        low, high = float(known.min()), float(known.max())
        offset, scale = 0.0, 1.0
        if source_dtype.kind == "f" and (low < 0.0 or high > 1.0):
            offset, scale = low, (high - low) or 1.0
        canvas = (image - offset) / scale
        canvas[mask] = 0.0

        height, width = mask.shape
        box = (slice(0, height), slice(0, width))
        too_large = max(height, width) > self.max_size
        if self.strategy == "crop" and too_large:
            rows, cols = np.nonzero(mask)
            margin = self.crop_margin
            box = (
                slice(max(rows.min() - margin, 0), min(rows.max() + 1 + margin, height)),
                slice(max(cols.min() - margin, 0), min(cols.max() + 1 + margin, width)),
            )
        region, region_mask = canvas[box], mask[box]
        region_size = region_mask.shape
        if self.strategy != "full" and max(region_size) > self.max_size:
            factor = self.max_size / max(region_size)
            size = (max(round(region_size[1] * factor), 1), max(round(region_size[0] * factor), 1))
            region = cv2.resize(region, size, interpolation=cv2.INTER_AREA).reshape(size[1], size[0], -1)
            region_mask = cv2.resize(region_mask.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
        net_size = region_mask.shape
        pad = ((0, -net_size[0] % self.multiple), (0, -net_size[1] % self.multiple))
        region = np.pad(region, (*pad, (0, 0)), mode="symmetric")
        region_mask = np.pad(region_mask, pad, mode="symmetric")

        channels = image.shape[2]
        if self.channel_mode == "native":
            groups = [list(range(channels))]
        else:
            groups = [[0, 0, 0]] if channels == 1 else [[0, 1, 2]] + ([[3, 3, 3]] if channels == 4 else [])
        low_net, high_net = self.value_range
        tiles = np.stack([region[:, :, group].transpose(2, 0, 1) for group in groups])
        tiles = (tiles * (high_net - low_net) + low_net).astype(np.float32)
        masks = np.broadcast_to(region_mask[None, None], (len(groups), 1, *region_mask.shape)).astype(np.float32)
        tiles[np.broadcast_to(masks, tiles.shape) > 0] = low_net
        return _Job(canvas, offset, scale, box, region_size, groups, tiles, masks, net_size)

    def _render(self, job: _Job, output: torch.Tensor) -> np.ndarray:
        """Turn the network's output for ``job`` back into an (H, W, C) working-scale image."""
        low_net, high_net = self.value_range
        tiles = output.detach().float().cpu().numpy()[:, :, : job.net_size[0], : job.net_size[1]]
        tiles = (tiles.astype(np.float64) - low_net) / (high_net - low_net)
        channels = job.canvas.shape[2]
        total = np.zeros((*job.net_size, channels))
        count = np.zeros(channels)
        for tile, group in zip(tiles, job.groups):
            for plane, channel in zip(tile, group):
                total[:, :, channel] += plane
                count[channel] += 1
        region = total / count
        if job.net_size != job.region_size:
            size = (job.region_size[1], job.region_size[0])
            region = cv2.resize(region, size, interpolation=cv2.INTER_LINEAR).reshape(*job.region_size, channels)
        out = job.canvas.copy()
        out[job.box] = region
        return out * job.scale + job.offset

    # ------------------------------------------------------------------ running
    def _ready_device(self) -> torch.device:
        device = self.torch_device()
        if self.network is not None:
            self.network.to(device)
        return device

    def _inpaint(self, image: np.ndarray, mask: np.ndarray, ctx: Context) -> np.ndarray:
        job = self._plan(image, mask, ctx.source_dtype)
        device = self._ready_device()
        with self._torch_threads():
            output = self._fill(
                torch.from_numpy(job.images).to(device),
                torch.from_numpy(job.masks).to(device),
                ctx,
                lambda batch: self._render(job, batch),
            )
        return self._render(job, output)

    def inpaint_batch(self, images: Sequence[Any], masks: Sequence[Any], *, batch_size: int = 4) -> list[Any]:
        """Fill several images, running the network on batches of inputs of the same size.

        Each image and mask follows the contract of :meth:`~inpaintkit.Inpainter.inpaint`,
        and each result equals what ``inpaint`` returns for it (up to floating-point
        rounding in batched convolutions). Methods that optimise per image (Deep Image
        Prior) fill the images one after the other.

        Parameters
        ----------
        images, masks : sequences of arrays
            Pairs of the same length.
        batch_size : int
            Most tiles (images, plus one per RGBA alpha channel) per network call.

        Returns
        -------
        list of ndarray
        """
        if len(images) != len(masks):
            raise InvalidParameterError(f"masks: expected one mask per image ({len(images)}), got {len(masks)}")
        batch_size = check_int("batch_size", batch_size, low=1)
        if not self.batchable:
            return [self.inpaint(image, mask) for image, mask in zip(images, masks)]
        prepared = [contract.prepare(image, mask, min_size=self.min_image_size()) for image, mask in zip(images, masks)]
        jobs: dict[int, _Job] = {}
        for index, item in enumerate(prepared):
            if item.empty:
                continue
            work, mask = item.work, item.mask
            if contract.is_cupy_array(work):
                work, mask = work.get(), mask.get()
            self.check_context(mask)
            jobs[index] = self._plan(work, mask, item.dtype)
        ctx = Context(
            backend="torch",
            xp=np,
            source_dtype=np.dtype(np.float64),
            callback=self.callback,
            progress=self.progress,
            description=self.info.name,
        )
        device = self._ready_device()
        filled: dict[int, np.ndarray] = {}
        try:
            with self._torch_threads():
                for chunk in _chunks(jobs, batch_size):
                    output = self._fill(
                        torch.from_numpy(np.concatenate([jobs[i].images for i in chunk])).to(device),
                        torch.from_numpy(np.concatenate([jobs[i].masks for i in chunk])).to(device),
                        ctx,
                        None,
                    )
                    start = 0
                    for index in chunk:
                        count = len(jobs[index].groups)
                        filled[index] = self._render(jobs[index], output[start : start + count])
                        start += count
        finally:
            ctx.close()
        return [contract.finish(filled.get(index), item) for index, item in enumerate(prepared)]


def _attach_saved_attention(network: nn.Module, attention: Any, source: str) -> None:
    """Rebuild the self-attention block a checkpoint's config records (``{"after": layer,
    "channels": C}``), so that its weights have a place to go."""
    if (
        not isinstance(attention, dict)
        or set(attention) != {"after", "channels"}
        or not isinstance(attention["channels"], int)
        or isinstance(attention["channels"], bool)
    ):
        raise WeightsError(
            f"weights: {source}: the config's 'self_attention' entry must be {{'after': <layer name>, "
            f"'channels': <int>}}, got {attention!r}"
        )
    try:
        attach_self_attention(network, attention["after"], attention["channels"])
    except InvalidParameterError as exc:
        raise WeightsError(f"weights: {source}: {exc}") from None


def _chunks(jobs: dict[int, _Job], batch_size: int) -> Iterator[list[int]]:
    """Indices of jobs whose tiles have one shape, at most ``batch_size`` tiles per chunk
    (a job with more tiles than that forms a chunk of its own)."""
    by_shape: dict[tuple[int, ...], list[int]] = {}
    for index, job in jobs.items():
        by_shape.setdefault(job.images.shape[1:], []).append(index)
    for indices in by_shape.values():
        chunk: list[int] = []
        tiles = 0
        for index in indices:
            count = len(jobs[index].groups)
            if chunk and tiles + count > batch_size:
                yield chunk
                chunk, tiles = [], 0
            chunk.append(index)
            tiles += count
        yield chunk
