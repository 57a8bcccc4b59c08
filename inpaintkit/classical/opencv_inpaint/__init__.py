"""OpenCV's ``cv2.inpaint`` (Telea and Navier-Stokes) behind the inpaintkit contract.

These are the baselines people compare against. ``cv2.inpaint`` takes 8-bit 1- or 3-channel,
16-bit 1-channel or float32 1-channel images; we pass uint8 images as they are (RGB together,
alpha on its own) and every other dtype channel by channel in its own type (uint16 as uint16,
float as float32), so the wrapper adds no rounding that OpenCV itself would not do.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...api import Context, Inpainter, register
from ...params import check_float

__all__ = ["OpenCVTelea", "OpenCVNavierStokes"]


def _cv2_fill(image: np.ndarray, mask: np.ndarray, source_dtype: np.dtype, radius: float, flag: int) -> np.ndarray:
    import cv2

    mask_u8 = mask.astype(np.uint8)
    channels = image.shape[2]
    if source_dtype == np.uint8:
        pixels = np.clip(np.rint(image * 255.0), 0, 255).astype(np.uint8)
        groups = {1: [[0]], 3: [[0, 1, 2]], 4: [[0, 1, 2], [3]]}[channels]
        out = np.empty_like(image)
        for group in groups:
            filled = cv2.inpaint(np.ascontiguousarray(pixels[:, :, group]), mask_u8, radius, flag)
            out[:, :, group] = filled.reshape(image.shape[0], image.shape[1], len(group)) / 255.0
        return out
    if source_dtype == np.uint16:
        pixels = np.clip(np.rint(image * 65535.0), 0, 65535).astype(np.uint16)
        scale = 65535.0
    else:
        pixels = image.astype(np.float32)
        scale = 1.0
    out = np.empty_like(image)
    for c in range(channels):
        out[:, :, c] = cv2.inpaint(np.ascontiguousarray(pixels[:, :, c]), mask_u8, radius, flag) / scale
    return out


class _OpenCVInpaint(Inpainter):
    _flag_name = ""

    def __init__(
        self,
        *,
        radius: float = 3.0,
        backend: str = "auto",
        callback: Any = None,
        progress: bool = False,
        n_threads: int | None = None,
    ) -> None:
        super().__init__(backend=backend, callback=callback, progress=progress, n_threads=n_threads)
        self.radius = check_float("radius", radius, low=0.0, low_open=True)

    def _inpaint(self, image: np.ndarray, mask: np.ndarray, ctx: Context) -> np.ndarray:
        import cv2

        return _cv2_fill(image, mask, ctx.source_dtype, self.radius, getattr(cv2, self._flag_name))


@register(
    "opencv-telea",
    family="baseline",
    year=2004,
    paper="A. Telea, 'An image inpainting technique based on the fast marching method', "
    "J. Graphics Tools 9(1), 2004 (OpenCV's cv2.inpaint, INPAINT_TELEA)",
    doi="10.1080/10867651.2004.10487596",
    backends=("opencv",),
    summary="OpenCV's cv2.inpaint with INPAINT_TELEA, as a baseline",
)
class OpenCVTelea(_OpenCVInpaint):
    """OpenCV's fast-marching inpainting (``cv2.inpaint(..., cv2.INPAINT_TELEA)``).

    Parameters
    ----------
    radius : float
        ``inpaintRadius``: the neighbourhood each filled pixel averages over, in pixels.

    References
    ----------
    .. [1] A. Telea, "An image inpainting technique based on the fast marching method",
       Journal of Graphics Tools 9(1):23-34, 2004, doi:10.1080/10867651.2004.10487596.
    """

    _flag_name = "INPAINT_TELEA"


@register(
    "opencv-ns",
    family="baseline",
    year=2001,
    paper="M. Bertalmio, A. L. Bertozzi, G. Sapiro, 'Navier-Stokes, fluid dynamics, and image and "
    "video inpainting', CVPR 2001 (OpenCV's cv2.inpaint, INPAINT_NS)",
    doi="10.1109/CVPR.2001.990497",
    backends=("opencv",),
    summary="OpenCV's cv2.inpaint with INPAINT_NS, as a baseline",
)
class OpenCVNavierStokes(_OpenCVInpaint):
    """OpenCV's Navier-Stokes inpainting (``cv2.inpaint(..., cv2.INPAINT_NS)``).

    Parameters
    ----------
    radius : float
        ``inpaintRadius``, in pixels.

    References
    ----------
    .. [1] M. Bertalmio, A. L. Bertozzi, G. Sapiro, "Navier-Stokes, fluid dynamics, and image
       and video inpainting", CVPR 2001, doi:10.1109/CVPR.2001.990497.
    """

    _flag_name = "INPAINT_NS"
