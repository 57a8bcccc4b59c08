"""DeepFill v2 (Yu et al., ICCV 2019): gated convolutions, contextual attention, SN-PatchGAN.

The networks are in :mod:`inpaintkit.deep.deepfill2.network`; :class:`DeepFillV2` runs the
generator through the common adapter (:class:`~inpaintkit.deep.adapter.DeepInpainter`).
"""

from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
import torch

from ...api import Context
from ...contract import is_cupy_array
from ...errors import InvalidParameterError, ShapeMismatchError, WeightsError
from .._table import registered
from ..adapter import DeepInpainter, Render
from ..layers import flow_to_color
from .network import SIZE_MULTIPLE, DeepFillV2Generator

if TYPE_CHECKING:
    from ..adapter import _Job

__all__ = ["DeepFillV2", "DeepFillV2Generator"]

# The sketch of the current ``inpaint`` call: per call and per thread, so one instance can
# be shared by threads (the spine's ``inpaint`` passes only the image and the mask down).
_EDGES: contextvars.ContextVar[Any] = contextvars.ContextVar("deepfill2_edges", default=None)


@registered("deepfill2")
class DeepFillV2(DeepInpainter):
    """DeepFill v2: free-form inpainting with gated convolutions (Yu et al., ICCV 2019).

    A coarse network of gated convolutions (each layer learns a soft, per-pixel,
    per-channel gate ``sigmoid(g)`` that plays the role partial convolution's hard mask
    update plays) fills the hole; a refinement network with two branches, dilated gated
    convolutions and contextual attention (copying features from the most similar known
    patches), sharpens it. Trained with an SN-PatchGAN. The generator has 4,052,478
    parameters at the official width.

    **User-guided mode.** Weights trained with the sketch channel (``user_guided=True`` in
    the checkpoint's config) take an edge/sketch map with each call,
    ``inpaint(image, mask, edges=sketch)``: the network sees the strokes inside the hole and
    follows them. Without ``edges`` such weights get an empty sketch; weights without the
    channel refuse ``edges``. :meth:`inpaint_batch` always sends empty sketches.

    Parameters
    ----------
    weights : str or path
        Required. An inpaintkit checkpoint of ``deepfill2`` (its config holds the network's
        ``cnum``, ``user_guided``, ``padding``), or the generator of the PyTorch port
        nipponjo/deepfillv2-pytorch as distributed (``states_pt_places2.pth``, key scheme of
        ``model/networks.py``; or ``states_tf_places2.pth``, the converted official
        TensorFlow weights, run with TensorFlow's padding).
    device, strategy, max_size, crop_margin
        See :class:`~inpaintkit.deep.adapter.DeepInpainter`. The network needs sides that
        are multiples of 8 (mirror-padded); the official models were trained at 256x256.
    backend, callback, progress, n_threads
        See :class:`~inpaintkit.Inpainter`. The callback is called once, with
        ``{"image", "coarse", "flow"}``: the refined and the coarse output over the whole
        image in the input's working scale (not composited), and the contextual attention's
        offsets as a colour picture (:func:`~inpaintkit.deep.layers.flow_to_color`, uint8,
        at 1/8 of the network's input size; RGBA images: that of the colour channels).

    Raises
    ------
    WeightsError
        No weights, or weights of another method or network.

    References
    ----------
    .. [1] J. Yu, Z. Lin, J. Yang, X. Shen, X. Lu, T. Huang, "Free-Form Image Inpainting
       with Gated Convolution", ICCV 2019, doi:10.1109/ICCV.2019.00457; code:
       github.com/JiahuiYu/generative_inpainting (v2.0.0).

    Examples
    --------
    >>> import inpaintkit
    >>> inpaintkit.Inpainter.create("deepfill2")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    WeightsError: weights: 'deepfill2' needs weights=<path>; ...
    """

    multiple = SIZE_MULTIPLE
    value_range = (-1.0, 1.0)
    weights_hint = (
        "pass the DeepFill v2 generator of the PyTorch port nipponjo/deepfillv2-pytorch as distributed "
        "(states_pt_places2.pth, or states_tf_places2.pth with the converted official TensorFlow weights), "
        "or an inpaintkit checkpoint written with inpaintkit.deep.checkpoints.save_checkpoint(path, generator, "
        "method='deepfill2', config={...})"
    )

    def build_network(self, config: dict[str, Any]) -> DeepFillV2Generator:
        try:
            return DeepFillV2Generator(**config)
        except (TypeError, InvalidParameterError) as exc:
            raise WeightsError(
                f"weights: the network config {config!r} is not a DeepFill v2 generator's ({exc})"
            ) from None

    @property
    def user_guided(self) -> bool:
        """True when the weights take a sketch/edge channel."""
        return bool(self.network.user_guided)

    def inpaint(self, image: Any, mask: Any, *, edges: Any = None) -> Any:
        """Fill the pixels of ``image`` where ``mask`` is True, optionally following a sketch.

        Parameters
        ----------
        image, mask
            As :meth:`inpaintkit.Inpainter.inpaint`.
        edges : ndarray, shape (H, W) or (H, W, 1), optional
            The user's sketch for weights trained in the user-guided mode: bool, or numbers
            holding only 0/1 or only 0/255, True where a stroke (an edge the fill should
            follow) is drawn; only its part inside the hole is used. The paper's edge maps
            are HED edges thresholded at 0.6: threshold a soft map first.

        Returns
        -------
        ndarray
            As :meth:`inpaintkit.Inpainter.inpaint`.

        Raises
        ------
        InvalidParameterError
            ``edges`` given to weights without the sketch channel, or not a binary map.
        ShapeMismatchError
            ``edges`` of another height and width than the image.
        """
        if edges is not None and not self.user_guided:
            raise InvalidParameterError(
                "edges: these weights were trained without the sketch channel (user_guided=False in their "
                "config); pass weights trained in the user-guided mode, or leave edges out"
            )
        token = _EDGES.set(edges)
        try:
            return super().inpaint(image, mask)
        finally:
            _EDGES.reset(token)

    def _inpaint(self, image: np.ndarray, mask: np.ndarray, ctx: Context) -> np.ndarray:
        edges = self._checked_edges(_EDGES.get(), mask.shape)
        job = self._plan(image, mask, ctx.source_dtype)
        device = self._ready_device()
        with self._torch_threads():
            output = self._generate(
                torch.from_numpy(job.images).to(device),
                torch.from_numpy(job.masks).to(device),
                None if edges is None else torch.from_numpy(_edge_tiles(job, edges)).to(device),
                ctx,
                lambda batch: self._render(job, batch),
            )
        return self._render(job, output)

    def _fill(self, images: torch.Tensor, masks: torch.Tensor, ctx: Context, render: Render | None) -> torch.Tensor:
        return self._generate(images, masks, None, ctx, render)

    def _generate(
        self,
        images: torch.Tensor,
        masks: torch.Tensor,
        edges: torch.Tensor | None,
        ctx: Context,
        render: Render | None,
    ) -> torch.Tensor:
        if edges is None and self.user_guided:
            edges = torch.zeros_like(masks)
        with torch.no_grad():
            coarse, refined, flow = self.network(images, masks, edges)
        if ctx.reporting:
            ctx.start(1, unit="pass")

            def state() -> dict[str, Any]:
                return {
                    "image": render(refined) if render is not None else None,
                    "coarse": render(coarse) if render is not None else None,
                    "flow": flow_to_color(flow[0]),
                }

            ctx.step(1, state)
        return refined

    def _checked_edges(self, edges: Any, shape: tuple[int, int]) -> np.ndarray | None:
        if edges is None:
            return None
        edges = np.asarray(edges.get() if is_cupy_array(edges) else edges)
        if edges.ndim == 3 and edges.shape[2] == 1:
            edges = edges[:, :, 0]
        if edges.shape != shape:
            raise ShapeMismatchError(
                f"edges: shape {edges.shape} does not match the image's spatial shape {shape}; "
                "draw the sketch on the image's grid"
            )
        if edges.dtype == np.bool_:
            return edges
        drawn = edges != 0
        if edges.dtype.kind not in "uif" or not (np.all(edges[drawn] == 1) or np.all(edges[drawn] == 255)):
            raise InvalidParameterError(
                "edges: expected bool, or numbers holding only 0/1 or only 0/255 (True/non-zero = stroke); "
                "threshold a soft edge map first, e.g. edges > 0.6"
            )
        return drawn


def _edge_tiles(job: _Job, edges: np.ndarray) -> np.ndarray:
    """The sketch cut, scaled and mirror-padded as the adapter prepared ``job``'s image and mask:
    (tiles, 1, h, w) float32, 1 on a stroke (every tile of the image gets the same sketch)."""
    region = edges[job.box]
    if job.net_size != job.region_size:
        size = (job.net_size[1], job.net_size[0])
        # Any stroke in a downscaled pixel keeps it a stroke, as the adapter does for the hole.
        region = cv2.resize(region.astype(np.float32), size, interpolation=cv2.INTER_AREA) > 0
    height, width = job.images.shape[2:]
    region = np.pad(region, ((0, height - region.shape[0]), (0, width - region.shape[1])), mode="symmetric")
    return np.ascontiguousarray(np.broadcast_to(region[None, None], (len(job.groups), 1, height, width)), np.float32)
