"""GPU path of Criminisi inpainting: CuPy arrays, the exemplar search as a ``numba.cuda`` kernel.

The step (front, priorities, target, paste) is the array-module code of ``_reference.py``
running on CuPy arrays; the hot loop, the masked SSD between the target patch and every
source patch, is :data:`~inpaintkit.classical.efros_leung._cuda.masked_ssd_kernel` (one
thread per candidate, unit weights, the reference's summation order, no fused
multiply-adds), followed by an argmin that takes the first minimum in row-major order. The
tests run it under the CUDA simulator on NumPy arrays; on a GPU it runs unchanged on CuPy
arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..efros_leung._cuda import cuda_window_distances
from ._reference import criminisi_reference


def criminisi_cuda(
    image: Any,
    mask: Any,
    *,
    patch_size: int,
    search_window: int | None,
    lab: bool = True,
    report: Callable[[int, Callable[[], dict[str, Any]]], None] | None = None,
) -> Any:
    """:func:`~._reference.criminisi_reference` with the exemplar search on the GPU."""
    return criminisi_reference(
        image, mask, patch_size=patch_size, search_window=search_window, lab=lab, distances=cuda_window_distances,
        report=report,
    )
