"""Quality metrics of an inpainted image against its ground truth.

Every metric works on a [0, 1] scale: integer images are divided by their dtype's maximum
(255 for uint8, 65535 for uint16), float images are used as given. Pass the *composited*
result, the one :meth:`inpaintkit.Inpainter.inpaint` returns (known pixels copied from the
input), so that methods are compared on what a user gets. ``mask`` (True = hole) restricts a
metric to the hole; every channel of a pixel counts (alpha too, in RGBA images).

>>> import numpy as np
>>> from inpaintkit import metrics
>>> truth = np.full((16, 16), 0.5)
>>> round(metrics.mae(truth + 0.1, truth), 6)
0.1
>>> round(metrics.psnr(truth + 0.1, truth), 6)
20.0
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .contract import SUPPORTED_DTYPES, check_mask, is_cupy_array
from .errors import ImageTooSmallError, InvalidImageError, InvalidMaskError, ShapeMismatchError, UnsupportedDtypeError

__all__ = ["psnr", "ssim", "mae", "gradient_energy_ratio", "evaluate", "SSIM_SIGMA"]

#: Standard deviation of SSIM's Gaussian window (Wang et al. 2004); it spans 11x11 pixels.
SSIM_SIGMA = 1.5
_SSIM_WINDOW = 11


def _unit_scale(name: str, image: Any) -> np.ndarray:
    """``image`` as float64 ``(H, W, C)`` on the [0, 1] scale."""
    if is_cupy_array(image):
        image = image.get()
    image = np.asarray(image)
    if image.dtype not in SUPPORTED_DTYPES:
        raise UnsupportedDtypeError(
            f"{name}: dtype {image.dtype} is not supported; expected uint8, uint16, float32 or float64"
        )
    if image.ndim == 2:
        image = image[:, :, None]
    elif image.ndim != 3 or image.shape[2] not in (1, 3, 4):
        raise InvalidImageError(f"{name}: expected shape (H, W) or (H, W, C) with C in 1, 3, 4, got {image.shape}")
    if image.dtype.kind == "u":
        return image.astype(np.float64) / float(np.iinfo(image.dtype).max)
    return image.astype(np.float64)


def _pair(result: Any, truth: Any) -> tuple[np.ndarray, np.ndarray]:
    result_shape, truth_shape = np.shape(result), np.shape(truth)
    if result_shape != truth_shape:
        raise ShapeMismatchError(
            f"result: shape {result_shape} does not match truth's shape {truth_shape}; "
            "compare an inpainted image with the image it was made from"
        )
    return _unit_scale("result", result), _unit_scale("truth", truth)


def _region(mask: Any, spatial: tuple[int, int]) -> np.ndarray:
    """``mask`` as a non-empty bool ``(H, W)`` array matching ``spatial``."""
    mask = check_mask(mask, np, spatial)
    if not mask.any():
        raise InvalidMaskError(
            "mask: it selects no pixel, so there is no hole to measure; pass mask=None for the whole image"
        )
    return mask


def _optional_region(mask: Any, spatial: tuple[int, int]) -> np.ndarray | None:
    return None if mask is None else _region(mask, spatial)


def _difference(result: np.ndarray, truth: np.ndarray, region: np.ndarray | None) -> np.ndarray:
    """``result - truth`` over the region's pixels x channels (the whole image when None)."""
    return result - truth if region is None else result[region] - truth[region]


def _mae(result: np.ndarray, truth: np.ndarray, region: np.ndarray | None) -> float:
    return float(np.mean(np.abs(_difference(result, truth, region))))


def _psnr(result: np.ndarray, truth: np.ndarray, region: np.ndarray | None) -> float:
    mse = float(np.mean(_difference(result, truth, region) ** 2))
    return math.inf if mse == 0.0 else 10.0 * math.log10(1.0 / mse)


def _ssim(result: np.ndarray, truth: np.ndarray, region: np.ndarray | None) -> float:
    if min(result.shape[:2]) < _SSIM_WINDOW:
        raise ImageTooSmallError(
            f"result: shape {result.shape[:2]} is smaller than SSIM's {_SSIM_WINDOW}x{_SSIM_WINDOW} window; "
            "use images of at least 11x11 pixels"
        )
    from skimage.metrics import structural_similarity

    mean_ssim, ssim_map = structural_similarity(
        result,
        truth,
        gaussian_weights=True,
        sigma=SSIM_SIGMA,
        use_sample_covariance=False,
        data_range=1.0,
        channel_axis=-1,
        full=True,
    )
    return float(mean_ssim) if region is None else float(np.mean(ssim_map[region]))


def _gradient_energy(image: np.ndarray, region: np.ndarray) -> float:
    """Sum of squared differences between 4-neighbours of which at least one is in ``region``."""
    rows = image[1:] - image[:-1]
    columns = image[:, 1:] - image[:, :-1]
    rows_touching = region[1:] | region[:-1]
    columns_touching = region[:, 1:] | region[:, :-1]
    return float(
        np.einsum("ijc,ijc,ij->", rows, rows, rows_touching)
        + np.einsum("ijc,ijc,ij->", columns, columns, columns_touching)
    )


def _gradient_ratio(result: np.ndarray, truth: np.ndarray, region: np.ndarray) -> float:
    result_energy, truth_energy = _gradient_energy(result, region), _gradient_energy(truth, region)
    if truth_energy == 0.0:
        return 1.0 if result_energy == 0.0 else math.inf
    return result_energy / truth_energy


def mae(result: Any, truth: Any, *, mask: Any = None) -> float:
    """Mean absolute error over the region's pixels and channels, on the [0, 1] scale.

    Parameters
    ----------
    result, truth : array, shape (H, W) or (H, W, C)
        The composited result and the ground truth (uint8, uint16, float32 or float64).
    mask : array, shape (H, W), optional
        True in the hole; the mean is then taken over hole pixels x channels (hole-MAE).

    Returns
    -------
    float

    Raises
    ------
    ShapeMismatchError, UnsupportedDtypeError, InvalidImageError, InvalidMaskError
    """
    result, truth = _pair(result, truth)
    return _mae(result, truth, _optional_region(mask, result.shape[:2]))


def psnr(result: Any, truth: Any, *, mask: Any = None) -> float:
    """Peak signal-to-noise ratio in dB with a data range of 1: ``10 log10(1 / MSE)``.

    The MSE is taken over the region's pixels and channels; identical regions give ``inf``.

    Parameters
    ----------
    result, truth : array, shape (H, W) or (H, W, C)
    mask : array, shape (H, W), optional
        True in the hole; restricts the MSE to it.

    Returns
    -------
    float

    Raises
    ------
    ShapeMismatchError, UnsupportedDtypeError, InvalidImageError, InvalidMaskError
    """
    result, truth = _pair(result, truth)
    return _psnr(result, truth, _optional_region(mask, result.shape[:2]))


def ssim(result: Any, truth: Any, *, mask: Any = None) -> float:
    """Structural similarity (Wang et al. 2004) with a Gaussian window of sigma 1.5.

    The SSIM map comes from :func:`skimage.metrics.structural_similarity` (data range 1,
    population covariances, each channel separately). Without ``mask`` the result is
    scikit-image's mean SSIM, which leaves out the 5-pixel border where the 11x11 window
    hangs over the image's edge. With ``mask`` the map is averaged over the hole's pixels x
    channels, border pixels included (there the window is reflected at the edge).

    Parameters
    ----------
    result, truth : array, shape (H, W) or (H, W, C)
        At least 11x11 pixels.
    mask : array, shape (H, W), optional
        True in the hole.

    Returns
    -------
    float

    Raises
    ------
    ShapeMismatchError, UnsupportedDtypeError, InvalidImageError, InvalidMaskError,
    ImageTooSmallError

    References
    ----------
    .. [1] Z. Wang, A. C. Bovik, H. R. Sheikh, E. P. Simoncelli, "Image quality assessment:
       from error visibility to structural similarity", IEEE TIP 13(4), 2004,
       doi:10.1109/TIP.2003.819861.
    """
    result, truth = _pair(result, truth)
    return _ssim(result, truth, _optional_region(mask, result.shape[:2]))


def gradient_energy_ratio(result: Any, truth: Any, mask: Any) -> float:
    """Gradient energy of the result in the hole over the ground truth's.

    The energy is the sum of squared differences between horizontally and vertically adjacent
    pixels of which at least one lies in the hole (so the seam at the hole's edge counts).
    A blurred fill scores below 1, a noisy one above 1, and one with the truth's texture near
    1: unlike PSNR and MAE, this measure does not reward blur. When the truth is flat in the
    hole the ratio is 1 for a flat fill and ``inf`` otherwise.

    Parameters
    ----------
    result, truth : array, shape (H, W) or (H, W, C)
    mask : array, shape (H, W)
        True in the hole (not empty).

    Returns
    -------
    float

    Raises
    ------
    ShapeMismatchError, UnsupportedDtypeError, InvalidImageError, InvalidMaskError
    """
    result, truth = _pair(result, truth)
    return _gradient_ratio(result, truth, _region(mask, result.shape[:2]))


def evaluate(result: Any, truth: Any, mask: Any) -> dict[str, float]:
    """Every metric of one inpainted image, as the comparison harness reports them.

    Parameters
    ----------
    result, truth : array, shape (H, W) or (H, W, C)
        The composited result and the ground truth, at least 11x11 pixels.
    mask : array, shape (H, W)
        True in the hole (not empty).

    Returns
    -------
    dict
        ``psnr`` and ``ssim`` over the whole image, ``hole_mae`` over the hole, ``mae`` over
        the whole image, and ``gradient_ratio`` (:func:`gradient_energy_ratio`).

    Raises
    ------
    ShapeMismatchError, UnsupportedDtypeError, InvalidImageError, InvalidMaskError,
    ImageTooSmallError
    """
    result, truth = _pair(result, truth)
    region = _region(mask, result.shape[:2])
    return {
        "psnr": _psnr(result, truth, None),
        "ssim": _ssim(result, truth, None),
        "hole_mae": _mae(result, truth, region),
        "mae": _mae(result, truth, None),
        "gradient_ratio": _gradient_ratio(result, truth, region),
    }
