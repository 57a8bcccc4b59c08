"""Array-module helpers shared by the classical methods (NumPy or CuPy arrays alike)."""

from __future__ import annotations

from typing import Any

from ..api import Inpainter

__all__ = ["known_range", "dilate_square", "bounding_crop", "harmonic_start"]


def known_range(xp: Any, image: Any, mask: Any) -> tuple[float, float]:
    """(low, span) of the known pixels over all channels; span is 1 for a constant image.

    Methods whose parameters have a scale (a data weight, a time step for a term that is not
    1-homogeneous, a tolerance) work on ``(image - low) / span``, so that a parameter means
    the same for uint8 input, [0, 1] floats or a depth map in metres.
    """
    known = image[~mask]
    low = float(known.min())
    span = float(known.max()) - low
    return low, span if span > 0 else 1.0


def dilate_square(xp: Any, region: Any, radius: int) -> Any:
    """``region`` grown by ``radius`` pixels in the chessboard metric (a (2r+1)^2 square)."""
    grown = region.copy()
    for _ in range(radius):
        step = grown.copy()
        step[1:] |= grown[:-1]
        step[:-1] |= grown[1:]
        grown = step.copy()
        grown[:, 1:] |= step[:, :-1]
        grown[:, :-1] |= step[:, 1:]
    return grown


def bounding_crop(xp: Any, region: Any, grow: int) -> tuple[slice, slice]:
    """Row and column slices of ``region``'s bounding box grown by ``grow`` pixels, clipped to the image."""
    height, width = region.shape
    rows = xp.flatnonzero(region.any(axis=1))
    cols = xp.flatnonzero(region.any(axis=0))
    top, bottom = max(int(rows[0]) - grow, 0), min(int(rows[-1]) + grow + 1, height)
    left, right = max(int(cols[0]) - grow, 0), min(int(cols[-1]) + grow + 1, width)
    return slice(top, bottom), slice(left, right)


def harmonic_start(backend: str, image: Any, mask: Any) -> Any:
    """The harmonic fill of ``image``'s hole, the starting point of the iterations.

    On the CPU it is the sparse direct solve (the same start for the numpy and numba paths,
    and no threads to contend for), on the GPU conjugate gradients.
    """
    harmonic = Inpainter.create("harmonic", backend="cupy" if backend == "cupy" else "numpy")
    return harmonic.inpaint(image, mask)
