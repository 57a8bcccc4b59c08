"""Context Encoder (Pathak et al., CVPR 2016): the first learned inpainting, an
encoder-decoder trained with a reconstruction and an adversarial loss.

The networks are in :mod:`inpaintkit.deep.context_encoder.network` (imports torch).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.ndimage
import torch
import torch.nn.functional as F

from ...api import Context
from ...params import check_int
from .._table import registered
from ..adapter import DeepInpainter, Render
from .network import CENTER_SIZE, CENTER_START, INPUT_SIZE, VALUE_RANGE, ContextEncoderGenerator

__all__ = ["ContextEncoder", "Window", "place_window"]


@dataclass(frozen=True)
class Window:
    """A square of the image sent to the network: rows ``top .. top + side - 1`` and columns
    ``left .. left + side - 1`` (they may reach outside the image), resized to 128x128.

    ``side`` is a multiple of 4, so the predicted centre covers rows ``top + side // 4`` to
    ``top + 3 * side // 4 - 1`` (and likewise for columns) exactly.
    """

    top: int
    left: int
    side: int

    @property
    def centre_origin(self) -> tuple[int, int]:
        """Image coordinates of the predicted centre's first row and column."""
        return self.top + self.side // 4, self.left + self.side // 4


def _hole_span(side: int, overlap: int) -> tuple[int, int]:
    """The window rows ``[first, stop)``, for a window of ``side`` pixels, that map entirely
    into the network's trained hole (``CENTER_START + overlap`` to
    ``CENTER_START + CENTER_SIZE - overlap`` of its 128 rows)."""
    first = -(-(CENTER_START + overlap) * side // INPUT_SIZE)
    stop = (CENTER_START + CENTER_SIZE - overlap) * side // INPUT_SIZE
    return first, stop


def _place(start: int, stop: int, length: int, side: int, overlap: int) -> int:
    """First row of a window of ``side`` pixels over an axis of ``length`` pixels whose hole
    occupies ``[start, stop)``: centred on the hole, moved towards the inside of the image
    as far as the hole stays within the trained hole."""
    first, end = _hole_span(side, overlap)
    lowest, highest = stop - end, start - first
    centred = (start + stop - side) // 2
    inside = min(max(centred, min(0, length - side)), max(0, length - side))
    return min(max(inside, lowest), highest)


def place_window(box: tuple[slice, slice], shape: tuple[int, int], overlap: int) -> Window:
    """The window in which the Context Encoder fills the hole whose bounding box is ``box``.

    The side is the smallest multiple of 4, at least 128, whose trained hole (56x56 of
    128x128 with the paper's 4-pixel overlap) covers the box: 128 for holes up to 56x56,
    more (the window is then downscaled to 128) for larger ones. The window is centred on
    the box; near the image's border it moves towards the inside as far as the box stays
    inside the trained hole, and whatever still lies outside the image is mirrored.

    Parameters
    ----------
    box : (slice, slice)
        Rows and columns of the hole's bounding box (``scipy.ndimage.find_objects``).
    shape : (int, int)
        Height and width of the image.
    overlap : int
        The network's overlap (the trained hole is the 64x64 centre shrunk by it per side).

    Examples
    --------
    >>> place_window((slice(100, 140), slice(100, 120)), (300, 300), 4)
    Window(top=56, left=46, side=128)
    >>> place_window((slice(0, 10), slice(0, 10)), (300, 300), 4)  # corner: pushed inwards
    Window(top=-36, left=-36, side=128)
    """
    height, width = box[0].stop - box[0].start, box[1].stop - box[1].start
    side = INPUT_SIZE
    while True:
        first, stop = _hole_span(side, overlap)
        if stop - first >= max(height, width):
            break
        side += 4
    return Window(
        top=_place(box[0].start, box[0].stop, shape[0], side, overlap),
        left=_place(box[1].start, box[1].stop, shape[1], side, overlap),
        side=side,
    )


def _mirrored(first: int, count: int, length: int) -> torch.Tensor:
    """Indices ``first .. first + count - 1`` reflected into ``[0, length)`` as
    ``numpy.pad(mode="symmetric")`` does (edge pixels repeated), any distance out."""
    indices = np.arange(first, first + count) % (2 * length)
    return torch.from_numpy(np.where(indices < length, indices, 2 * length - 1 - indices))


@registered("context-encoder")
class ContextEncoder(DeepInpainter):
    """Context Encoder inpainting (Pathak, Krähenbühl, Donahue, Darrell and Efros, CVPR 2016).

    The network (:class:`~inpaintkit.deep.context_encoder.network.ContextEncoderGenerator`)
    knows one geometry only: a 128x128 image whose central 56x56 square is missing (64x64
    minus a 4-pixel overlap per side), of which it predicts the central 64x64. The adapter
    brings any hole to that geometry:

    * each connected part of the hole (8-connected) gets its own window
      (:func:`place_window`), 128x128 around it when it fits in 56x56, larger and
      downscaled to 128x128 when it does not (the fill is then upscaled bilinearly, and
      softer);
    * the window is centred on the part; near the image's border it is moved inwards as
      far as the part stays inside the trained hole, and what is still outside the image
      (always, for images smaller than the window) is the image mirrored, as the adapter
      pads;
    * other hole pixels inside the window (other parts, their mirror images) are set to
      the training set's mean colour, the value the network's own hole holds;
    * only the part's own pixels are taken from the prediction; all windows of a call run
      in batches of ``batch_size``.

    The network fills a square whatever the hole's shape: a thin or irregular hole gets
    the square's content cut to its shape.

    Parameters
    ----------
    weights : str or path
        An inpaintkit checkpoint of a ``ContextEncoderGenerator`` (the released Torch7
        models are not read).
    batch_size : int
        Windows per network call.
    device, strategy, max_size, crop_margin
        See :class:`~inpaintkit.deep.adapter.DeepInpainter`; the windows are cut from what
        the strategy sends.
    backend, callback, progress, n_threads
        See :class:`~inpaintkit.Inpainter`.

    References
    ----------
    .. [1] D. Pathak, P. Krähenbühl, J. Donahue, T. Darrell, A. A. Efros, "Context
       Encoders: Feature Learning by Inpainting", CVPR 2016, doi:10.1109/CVPR.2016.278.
    .. [2] pathak22/context-encoder, ``train.lua`` and ``test.lua`` (the centre geometry).

    Examples
    --------
    >>> import pathlib, tempfile, numpy as np, inpaintkit
    >>> from inpaintkit.deep.checkpoints import save_checkpoint
    >>> from inpaintkit.deep.context_encoder.network import ContextEncoderGenerator
    >>> config = {"bottleneck_channels": 100}
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ce.safetensors"
    >>> path = save_checkpoint(path, ContextEncoderGenerator(**config), method="context-encoder", config=config)
    >>> image = np.random.default_rng(0).random((200, 300, 3))
    >>> mask = np.zeros((200, 300), bool); mask[5:30, 250:290] = True  # near a corner
    >>> inpaintkit.Inpainter.create("context-encoder", weights=path).inpaint(image, mask).shape
    (200, 300, 3)
    """

    multiple = 1
    value_range = VALUE_RANGE
    weights_hint = (
        "inpaintkit ships no Context Encoder weights and downloads none; pass a checkpoint written by "
        "inpaintkit.deep.checkpoints.save_checkpoint(path, ContextEncoderGenerator(...), "
        "method='context-encoder', config={...}) after training (the official Torch7 .t7 models are not read)"
    )

    def __init__(
        self,
        *,
        weights: Any = None,
        batch_size: int = 16,
        device: str = "auto",
        strategy: str = "crop",
        max_size: int = 1024,
        crop_margin: int = 128,
        backend: str = "auto",
        callback: Any = None,
        progress: bool = False,
        n_threads: int | None = None,
    ) -> None:
        self.batch_size = check_int("batch_size", batch_size, low=1)
        super().__init__(
            weights=weights,
            device=device,
            strategy=strategy,
            max_size=max_size,
            crop_margin=crop_margin,
            backend=backend,
            callback=callback,
            progress=progress,
            n_threads=n_threads,
        )

    def build_network(self, config: dict[str, Any]) -> ContextEncoderGenerator:
        return ContextEncoderGenerator(**config)

    def _fill(self, images: torch.Tensor, masks: torch.Tensor, ctx: Context, render: Render | None) -> torch.Tensor:
        network = self.network
        holes = masks[:, 0].cpu().numpy() > 0
        mean_colour = network.fill_value.to(images.dtype)
        backdrop = torch.where(masks > 0, mean_colour, images)
        parts = []  # (tile, pixels of the part, window)
        for tile, hole in enumerate(holes):
            labels, _ = scipy.ndimage.label(hole, structure=np.ones((3, 3), bool))
            for label, box in enumerate(scipy.ndimage.find_objects(labels), start=1):
                pixels = np.nonzero(labels[box] == label)
                pixels = (pixels[0] + box[0].start, pixels[1] + box[1].start)
                parts.append((tile, pixels, place_window(box, hole.shape, network.overlap)))

        out = images.clone()
        height, width = holes.shape[1:]
        for start in range(0, len(parts), self.batch_size):
            chunk = parts[start : start + self.batch_size]
            windows = []
            for tile, _, window in chunk:
                rows = _mirrored(window.top, window.side, height).to(images.device)
                cols = _mirrored(window.left, window.side, width).to(images.device)
                crop = backdrop[tile][:, rows][:, :, cols]
                if window.side != INPUT_SIZE:
                    crop = F.interpolate(crop[None], size=(INPUT_SIZE, INPUT_SIZE), mode="area")[0]
                windows.append(crop)
            with torch.no_grad():
                centres = network(torch.stack(windows))
            for (tile, (ys, xs), window), centre in zip(chunk, centres):
                side = window.side // 2
                if side != CENTER_SIZE:
                    centre = F.interpolate(centre[None], size=(side, side), mode="bilinear", align_corners=False)[0]
                top, left = window.centre_origin
                ys_t, xs_t = (torch.from_numpy(v).to(images.device) for v in (ys, xs))
                out[tile][:, ys_t, xs_t] = centre[:, ys_t - top, xs_t - left]
        return out
