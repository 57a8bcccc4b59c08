"""Read and write images and masks.

Images come back as stored: ``uint8`` or ``uint16``, shape ``(H, W)`` for gray and
``(H, W, 3)`` / ``(H, W, 4)`` for RGB / RGBA, in RGB order (never BGR), without applying an
EXIF rotation. Masks come back as ``bool (H, W)``, True = fill, the meaning used everywhere
in inpaintkit.

>>> import numpy as np, tempfile, pathlib
>>> from inpaintkit import io
>>> path = pathlib.Path(tempfile.mkdtemp()) / "ramp.png"
>>> io.write_image(path, np.arange(12, dtype=np.uint8).reshape(3, 4))
>>> io.read_image(path).tolist()
[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from .errors import InvalidImageError, InvalidParameterError, UnsupportedDtypeError
from .params import check_float, check_int

__all__ = ["read_image", "write_image", "read_mask", "mask_from_alpha", "IMAGE_SUFFIXES"]

#: File suffixes read and written as images.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_SIXTEEN_BIT_SUFFIXES = (".png", ".tif", ".tiff")


def _check_path(name: str, path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise InvalidParameterError(f"{name}: expected a file path (str or pathlib.Path), got {type(path).__name__}")
    return Path(path)


def _is_16bit_color_png(path: Path) -> bool:
    """True for a PNG whose IHDR says 16 bits per sample in RGB or RGBA (which PIL reads as 8-bit)."""
    with open(path, "rb") as handle:
        header = handle.read(26)
    # Signature (8), chunk length (4), "IHDR" (4), width (4), height (4), bit depth (1), colour type (1).
    return header[:8] == _PNG_SIGNATURE and header[24] == 16 and header[25] in (2, 6)


def _read_with_opencv(path: Path) -> np.ndarray:
    import cv2

    array = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if array is None:
        raise InvalidImageError(f"path: {path} could not be decoded as an image")
    if array.ndim == 3:
        code = cv2.COLOR_BGRA2RGBA if array.shape[2] == 4 else cv2.COLOR_BGR2RGB
        array = cv2.cvtColor(array, code)
    return array


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as stored.

    Parameters
    ----------
    path : str or os.PathLike
        PNG, JPEG, BMP, TIFF, WebP, or anything else Pillow reads.

    Returns
    -------
    ndarray
        ``uint8`` or ``uint16`` (16-bit PNG and TIFF, gray or colour); ``float32`` for a
        32-bit float TIFF. Shape ``(H, W)`` for gray, ``(H, W, 3)`` for RGB, ``(H, W, 4)`` for
        RGBA. Palette images become RGB, or RGBA when they have a transparent colour; gray
        with alpha becomes RGBA; CMYK becomes RGB; 1-bit images become 0/255 ``uint8``.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    InvalidImageError
        The file is not an image, or holds a mode inpaintkit does not support.
    """
    path = _check_path("path", path)
    if not path.is_file():
        raise FileNotFoundError(f"path: no file at {path}")
    if _is_16bit_color_png(path):
        return _read_with_opencv(path)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as picture:
            picture.load()
            mode = picture.mode
            if mode == "P":
                picture = picture.convert("RGBA" if "transparency" in picture.info else "RGB")
            elif mode in ("LA", "PA", "La", "RGBa"):
                picture = picture.convert("RGBA")
            elif mode in ("CMYK", "YCbCr", "LAB", "HSV"):
                picture = picture.convert("RGB")
            elif mode == "1":
                picture = picture.convert("L")
            array = np.array(picture)
    except UnidentifiedImageError as exc:
        raise InvalidImageError(f"path: {path} is not an image file Pillow can read") from exc
    if mode.startswith("I;16"):
        return array.astype(np.uint16)
    if mode == "I":
        if array.size and (array.min() < 0 or array.max() > np.iinfo(np.uint16).max):
            raise InvalidImageError(
                f"path: {path} holds 32-bit integers outside 0..65535; inpaintkit reads up to 16 bits per sample"
            )
        return array.astype(np.uint16)
    if array.dtype not in (np.uint8, np.float32):
        raise InvalidImageError(f"path: {path} has the unsupported Pillow mode {mode!r}")
    return array


def _to_storable(array: np.ndarray) -> np.ndarray:
    """``array`` as uint8/uint16 with shape (H, W), (H, W, 3) or (H, W, 4)."""
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise InvalidImageError(
            f"array: expected shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4), got {array.shape}"
        )
    if array.dtype == np.bool_:
        return array.astype(np.uint8) * 255
    if array.dtype in (np.uint8, np.uint16):
        return array
    if array.dtype.kind == "f":
        if not np.isfinite(array).all():
            raise InvalidImageError("array: holds NaN or inf; replace them (np.nan_to_num) before writing")
        return np.clip(np.rint(array * 255.0), 0, 255).astype(np.uint8)
    raise UnsupportedDtypeError(
        f"array: dtype {array.dtype} cannot be written; use uint8, uint16, bool or float on the [0, 1] scale"
    )


def write_image(path: str | os.PathLike, array: Any) -> None:
    """Write an array as an image file, creating the parent folders.

    The format follows the file's suffix.

    * ``uint8`` and ``uint16`` are written as they are (16 bits need PNG or TIFF);
    * ``bool`` (a mask) is written as 0/255 ``uint8``;
    * float arrays are read on the [0, 1] scale and written as ``uint8``
      ``clip(rint(x * 255), 0, 255)``, the rule the boundary contract uses for integer
      results (so a slight overshoot of a method is clipped; rescale other ranges first).

    Parameters
    ----------
    path : str or os.PathLike
        Target file; its suffix picks the format (``.png`` keeps every value exactly).
    array : array, shape (H, W), (H, W, 1), (H, W, 3) or (H, W, 4)
        Gray, RGB or RGBA in RGB order.

    Raises
    ------
    InvalidImageError
        A bad shape, NaN or inf, or a format that cannot hold the
        array (alpha in JPEG, 16 bits in JPEG).
    UnsupportedDtypeError
        Another dtype.
    InvalidParameterError
        An unknown file suffix.
    """
    path = _check_path("path", path)
    suffix = path.suffix.lower()
    if suffix not in IMAGE_SUFFIXES:
        raise InvalidParameterError(
            f"path: unknown image suffix {path.suffix!r} in {path}; use one of {', '.join(IMAGE_SUFFIXES)}"
        )
    array = _to_storable(np.asarray(array))
    if array.dtype == np.uint16 and suffix not in _SIXTEEN_BIT_SUFFIXES:
        raise InvalidImageError(f"path: {suffix} cannot hold 16-bit samples; write .png or .tif, or convert to uint8")
    if array.ndim == 3 and array.shape[2] == 4 and suffix in (".jpg", ".jpeg", ".bmp"):
        raise InvalidImageError(
            f"path: {suffix} cannot hold an alpha channel; write .png, or drop it with array[..., :3]"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    array = np.ascontiguousarray(array)
    if array.dtype == np.uint16 and array.ndim == 3:  # Pillow has no 16-bit RGB(A) mode: OpenCV writes it
        import cv2

        code = cv2.COLOR_RGBA2BGRA if array.shape[2] == 4 else cv2.COLOR_RGB2BGR
        if not cv2.imwrite(str(path), cv2.cvtColor(array, code)):
            raise OSError(f"path: could not write {path}")
        return
    from PIL import Image

    picture = Image.fromarray(array.astype("<u2") if array.dtype == np.uint16 else array)
    if suffix in (".jpg", ".jpeg"):
        picture.save(path, quality=95)
    else:
        picture.save(path)


def read_mask(path: str | os.PathLike, *, threshold: int = 127) -> np.ndarray:
    """Read a mask file: pixels brighter than ``threshold`` are to be filled.

    Parameters
    ----------
    path : str or os.PathLike
        A gray image (typically 0/255 PNG) or a colour image; for colour, a pixel is filled
        when any of its R, G, B values exceeds the threshold (so a red scribble counts) and
        alpha is ignored (see :func:`mask_from_alpha` for masks held in alpha).
    threshold : int
        In 8-bit units, 0..254; 16-bit files are compared with ``threshold * 257``.

    Returns
    -------
    ndarray of bool, shape (H, W)
        True = fill.

    Raises
    ------
    FileNotFoundError, InvalidImageError, InvalidParameterError
    """
    threshold = check_int("threshold", threshold, low=0, high=254)
    image = read_image(path)
    if image.ndim == 3:
        image = image[:, :, :3].max(axis=2)
    if image.dtype == np.uint16:
        return image > threshold * 257
    if image.dtype.kind == "f":
        return image > threshold / 255.0
    return image > threshold


def mask_from_alpha(image: Any, *, threshold: float = 0) -> np.ndarray:
    """The mask held in an RGBA image's alpha channel: transparent pixels are to be filled.

    Parameters
    ----------
    image : array, shape (H, W, 4)
        RGBA (uint8, uint16 or float).
    threshold : float
        Pixels with ``alpha <= threshold`` are filled, in the image's own units. The default
        0 fills only fully transparent pixels, so soft (half-transparent) edges stay known;
        e.g. ``threshold=254`` on uint8 fills every pixel that is not fully opaque.

    Returns
    -------
    ndarray of bool, shape (H, W)
        True = fill. Inpaint ``image[..., :3]`` with it.

    Raises
    ------
    InvalidImageError
        ``image`` has no alpha channel.
    InvalidParameterError
        A bad threshold.

    Examples
    --------
    >>> import numpy as np
    >>> rgba = np.full((2, 2, 4), 255, np.uint8); rgba[0, 0, 3] = 0
    >>> mask_from_alpha(rgba).tolist()
    [[True, False], [False, False]]
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 4:
        raise InvalidImageError(
            f"image: expected an RGBA image of shape (H, W, 4) to take the alpha channel from, got {image.shape}; "
            "read masks without alpha with inpaintkit.io.read_mask"
        )
    threshold = check_float("threshold", threshold)
    return np.asarray(image[:, :, 3] <= threshold)
