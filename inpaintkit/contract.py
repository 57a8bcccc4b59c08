"""The boundary contract: the one place where inputs are checked and converted.

Every :class:`~inpaintkit.Inpainter` calls :func:`prepare` before its method runs and
:func:`finish` after it, so every method, on every backend, sees the same thing:

* ``image`` of shape ``(H, W)`` or ``(H, W, C)`` with ``C`` in 1, 3, 4 and dtype uint8,
  uint16, float32 or float64 becomes a C-contiguous float64 array ``(H, W, C)``. Integer
  images are scaled to [0, 1]; float images keep their own range.
* ``mask`` of shape ``(H, W)`` or ``(H, W, 1)``, bool or numbers holding only 0/1 or only
  0/255, becomes a bool array ``(H, W)``. True (non-zero) means *fill this pixel*.
* The hole is zeroed in the working copy, so no method can depend on what it held.
* The result has the input's shape and dtype; integer results are ``clip(rint(x * max))``;
  known pixels are copied from the input, so they are byte-identical; inputs are never
  modified.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from .errors import (
    ImageTooSmallError,
    InsufficientContextError,
    InvalidImageError,
    InvalidMaskError,
    NonFiniteError,
    ShapeMismatchError,
    UnsupportedDtypeError,
)

__all__ = ["Prepared", "prepare", "finish", "check_mask", "array_module", "is_cupy_array", "SUPPORTED_DTYPES"]

SUPPORTED_DTYPES = (np.dtype(np.uint8), np.dtype(np.uint16), np.dtype(np.float32), np.dtype(np.float64))
_CHANNELS = (1, 3, 4)


def is_cupy_array(array: Any) -> bool:
    """True when ``array`` is a CuPy ndarray (checked without importing CuPy)."""
    return type(array).__module__.split(".")[0] == "cupy"


def array_module(array: Any) -> ModuleType:
    """``cupy`` for a CuPy array, otherwise ``numpy``."""
    if is_cupy_array(array):
        import cupy

        return cupy
    return np


@dataclass(frozen=True)
class Prepared:
    """What :func:`prepare` hands to a method.

    Attributes
    ----------
    work : ndarray, shape (H, W, C), float64, C-contiguous
        The image in working scale with the hole set to 0.
    mask : ndarray, shape (H, W), bool
        True where pixels are to be filled.
    source : ndarray
        The caller's image, untouched (used to composite the result).
    squeeze_channel : bool
        True when the caller's image was 2-D.
    empty : bool
        True when the mask selects no pixel (the result is then a copy of ``source``).
    """

    work: Any
    mask: Any
    source: Any
    squeeze_channel: bool
    empty: bool

    @property
    def dtype(self) -> np.dtype:
        return self.source.dtype

    @property
    def xp(self) -> ModuleType:
        return array_module(self.source)


def _check_image(image: Any, xp: ModuleType) -> Any:
    if isinstance(image, np.ma.MaskedArray):
        raise InvalidImageError(
            "image: masked arrays are not accepted, because their mask would be silently ignored; "
            "pass the data (image.data) and give the pixels to fill as `mask=image.mask`"
        )
    if xp is np and not isinstance(image, np.ndarray):
        try:
            image = np.asarray(image)
        except Exception as exc:  # pragma: no cover - exotic objects
            raise InvalidImageError(f"image: expected an array, got {type(image).__name__}") from exc
    if image.dtype not in SUPPORTED_DTYPES:
        raise UnsupportedDtypeError(
            f"image: dtype {image.dtype} is not supported; expected uint8, uint16, float32 or float64 "
            "(convert first, e.g. image.astype(np.float32), or for a bool image image.astype(np.uint8) * 255)"
        )
    if image.ndim == 3:
        if image.shape[2] not in _CHANNELS:
            raise InvalidImageError(
                f"image: {image.shape[2]} channels in shape {tuple(image.shape)}; expected 1, 3 (RGB) or 4 (RGBA) "
                "channels last, shape (H, W, C); for channels-first data use np.moveaxis(image, 0, -1)"
            )
    elif image.ndim != 2:
        raise InvalidImageError(
            f"image: expected shape (H, W) or (H, W, C), got {image.ndim}-D shape {tuple(image.shape)}; "
            "inpaint one image at a time"
        )
    if image.shape[0] == 0 or image.shape[1] == 0:
        raise InvalidImageError(f"image: shape {tuple(image.shape)} has no pixels")
    return image


def check_mask(mask: Any, xp: ModuleType, spatial: tuple[int, int]) -> Any:
    """Check a mask against the contract and return it as a C-contiguous bool (H, W) array."""
    if isinstance(mask, np.ma.MaskedArray):
        raise InvalidMaskError("mask: masked arrays are not accepted; pass a plain bool array (True = fill)")
    if xp is np:
        if is_cupy_array(mask):
            mask = mask.get()
        mask = np.asarray(mask)
    elif not is_cupy_array(mask):
        mask = xp.asarray(np.asarray(mask))
    if mask.ndim == 3 and mask.shape[2] == 1:
        mask = mask[:, :, 0]
    if mask.ndim != 2:
        raise InvalidMaskError(
            f"mask: expected shape (H, W) or (H, W, 1), got {tuple(mask.shape)}; "
            "for an RGBA picture use inpaintkit.io.mask_from_alpha, for a colour mask take one channel"
        )
    if tuple(mask.shape) != tuple(spatial):
        raise ShapeMismatchError(
            f"mask: shape {tuple(mask.shape)} does not match the image's spatial shape {tuple(spatial)}; "
            "the mask must have one value per pixel"
        )
    if mask.dtype == np.bool_:
        return xp.ascontiguousarray(mask)
    if mask.dtype.kind not in "uif":
        raise InvalidMaskError(
            f"mask: dtype {mask.dtype} is not a mask; expected bool, or numbers holding only 0/1 or 0/255"
        )
    filled = mask != 0
    if not bool(xp.all((mask == 1) | ~filled)) and not bool(xp.all((mask == 255) | ~filled)):
        raise InvalidMaskError(
            "mask: values must be only 0/1 or only 0/255 (or bool), True/non-zero meaning 'fill'; "
            "threshold it first, e.g. mask > 127"
        )
    return xp.ascontiguousarray(filled)


def prepare(image: Any, mask: Any, *, min_size: int = 1) -> Prepared:
    """Check and convert ``image`` and ``mask`` (see the module docstring).

    Parameters
    ----------
    image : array, shape (H, W) or (H, W, C)
        uint8, uint16, float32 or float64; C in 1, 3, 4.
    mask : array, shape (H, W) or (H, W, 1)
        bool, or numbers holding only 0/1 or only 0/255; True means fill.
    min_size : int
        Smallest height and width the method can work with.

    Returns
    -------
    Prepared

    Raises
    ------
    InvalidImageError, UnsupportedDtypeError, InvalidMaskError, ShapeMismatchError,
    NonFiniteError, ImageTooSmallError, InsufficientContextError
    """
    xp = array_module(image)
    image = _check_image(image, xp)
    mask = check_mask(mask, xp, image.shape[:2])
    squeeze = image.ndim == 2
    height, width = image.shape[:2]
    n_fill = int(mask.sum())
    if n_fill == 0:
        return Prepared(work=None, mask=mask, source=image, squeeze_channel=squeeze, empty=True)
    if n_fill == height * width:
        raise InsufficientContextError(
            "mask: it covers the whole image, so there is nothing known to fill from; "
            "leave at least part of the image unmasked (mask == False)"
        )
    if height < min_size or width < min_size:
        raise ImageTooSmallError(
            f"image: shape {tuple(image.shape)} is smaller than this method's minimum of "
            f"{min_size}x{min_size} pixels; use a larger image or a smaller patch/window parameter"
        )
    work = image[:, :, None] if squeeze else image
    if image.dtype.kind == "f":
        if not bool(xp.isfinite(work).all()):
            known_finite = xp.isfinite(work) | mask[:, :, None]
            if not bool(known_finite.all()):
                raise NonFiniteError(
                    "image: known pixels (mask == False) hold NaN or inf; replace them (np.nan_to_num) "
                    "or add them to the mask so they are filled"
                )
        work = work.astype(np.float64, order="C", copy=True)
    else:
        work = work.astype(np.float64, order="C") / float(np.iinfo(image.dtype).max)
    work[mask] = 0.0
    return Prepared(work=work, mask=mask, source=image, squeeze_channel=squeeze, empty=False)


def finish(filled: Any, prepared: Prepared) -> Any:
    """Convert a method's working-scale result back and composite it over the input.

    ``out = source.copy(); out[mask] = convert(filled)[mask]``: known pixels are copied
    from the input untouched.
    """
    source = prepared.source
    xp = array_module(source)
    out = source.copy()
    if prepared.empty:
        return out
    if array_module(filled) is not xp:
        filled = xp.asarray(filled.get() if is_cupy_array(filled) else filled)
    expected = prepared.work.shape
    if tuple(filled.shape) != tuple(expected):
        raise RuntimeError(
            f"internal error: the method returned shape {tuple(filled.shape)}, expected {tuple(expected)}"
        )
    hole_values = filled[prepared.mask]
    if not bool(xp.isfinite(hole_values).all()):
        raise RuntimeError("internal error: the method produced NaN or inf inside the hole; please report it")
    if source.dtype.kind == "u":
        top = float(np.iinfo(source.dtype).max)
        hole_values = xp.clip(xp.rint(hole_values * top), 0, top)
    hole_values = hole_values.astype(source.dtype)
    if prepared.squeeze_channel:
        hole_values = hole_values[:, 0]
    out[prepared.mask] = hole_values
    return out
