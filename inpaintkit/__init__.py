"""inpaintkit: the history of image inpainting behind one interface.

>>> import inpaintkit as ik
>>> ik.list_inpainters()[:1]                                      # doctest: +SKIP
['opencv-ns']
>>> out = ik.Inpainter.create("harmonic").inpaint(image, mask)     # doctest: +SKIP
"""

from __future__ import annotations

from . import backends, datasets, errors, io, masks, metrics
from .api import (
    FAMILIES,
    Context,
    Inpainter,
    InpainterInfo,
    inpaint,
    inpainter_info,
    list_inpainters,
    register,
    register_lazy,
)

from . import classical, deep  # noqa: E402,F401  (registers the methods)
from .comparison import Report, compare, read_report  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "FAMILIES",
    "Context",
    "Report",
    "Inpainter",
    "InpainterInfo",
    "backends",
    "compare",
    "datasets",
    "errors",
    "io",
    "masks",
    "metrics",
    "inpaint",
    "inpainter_info",
    "list_inpainters",
    "read_report",
    "register",
    "register_lazy",
    "__version__",
]
