"""Error types raised by inpaintkit.

Every error subclasses a builtin (``ValueError`` or ``TypeError``) so that code catching
the builtin keeps working, and :class:`InpaintkitError` so that all of ours can be caught
at once. Messages name the argument, say what was expected and what came, and give the fix.
"""

from __future__ import annotations

__all__ = [
    "InpaintkitError",
    "InvalidImageError",
    "InvalidMaskError",
    "ShapeMismatchError",
    "UnsupportedDtypeError",
    "NonFiniteError",
    "ImageTooSmallError",
    "InsufficientContextError",
    "InvalidParameterError",
    "UnknownMethodError",
    "BackendUnavailableError",
    "WeightsError",
]


class InpaintkitError(Exception):
    """Base class of every error inpaintkit raises on purpose."""


class InvalidImageError(InpaintkitError, ValueError):
    """The ``image`` argument has an unsupported shape, channel count or container type."""


class InvalidMaskError(InpaintkitError, ValueError):
    """The ``mask`` argument is not a 2-D boolean-like array of 0/1 or 0/255 values."""


class ShapeMismatchError(InpaintkitError, ValueError):
    """``image`` and ``mask`` (or two related arrays) do not have matching spatial shapes."""


class UnsupportedDtypeError(InpaintkitError, TypeError):
    """An array's dtype is not one inpaintkit supports (uint8, uint16, float32, float64)."""


class NonFiniteError(InpaintkitError, ValueError):
    """Known pixels hold NaN or infinity (NaN inside the hole is allowed: it is never read)."""


class ImageTooSmallError(InpaintkitError, ValueError):
    """The image is smaller than the method needs (for example smaller than its patch)."""


class InsufficientContextError(InpaintkitError, ValueError):
    """Too little known image is left to fill from: the mask covers everything, or no
    complete patch of known pixels exists for a patch-based method."""


class InvalidParameterError(InpaintkitError, ValueError):
    """A method parameter has a value outside its documented range or choices."""


class UnknownMethodError(InpaintkitError, ValueError):
    """No inpainter is registered under the requested name."""


class BackendUnavailableError(InpaintkitError, ValueError):
    """The requested backend is not offered by the method, or not usable on this machine."""


class WeightsError(InpaintkitError, ValueError):
    """A weights file is missing, unreadable, unsafe, or does not fit the network."""
