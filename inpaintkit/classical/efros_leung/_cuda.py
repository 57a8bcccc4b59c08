"""GPU path of Efros-Leung synthesis: the window distances as a ``numba.cuda`` kernel.

One thread per candidate window computes the weighted SSD of
:func:`~inpaintkit.classical.efros_leung._reference.window_distances`, in the same order
(offsets, then channels). On a real GPU the products and sums go through libdevice's
``dmul_rn`` / ``dadd_rn``, which are never contracted into fused multiply-adds, so the
distances are bit-identical to the CPU's; under the CUDA simulator (which has no libdevice)
plain Python arithmetic gives the same IEEE results. The kernel takes NumPy arrays under the
simulator and CuPy arrays on a GPU; the rest of the synthesis is the array-module code of
``_reference.py``. Criminisi's exemplar search uses the same kernel with unit weights.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np
from numba import config, cuda

from ...contract import array_module
from ._reference import efros_leung_reference, fill_layer_reference

THREADS_PER_BLOCK = 128

if config.ENABLE_CUDASIM:

    @cuda.jit(device=True)
    def _mul(a, b):
        return a * b

    @cuda.jit(device=True)
    def _add(a, b):
        return a + b

else:  # pragma: no cover - needs a GPU
    from numba.cuda import libdevice

    @cuda.jit(device=True)
    def _mul(a, b):
        return libdevice.dmul_rn(a, b)

    @cuda.jit(device=True)
    def _add(a, b):
        return libdevice.dadd_rn(a, b)


@cuda.jit
def masked_ssd_kernel(image, target, dy, dx, weights, cand_y, cand_x, distance):
    """``distance[i] = sum_k weights[k] sum_c (image[cand + o_k, c] - target[k, c])^2``."""
    i = cuda.grid(1)
    if i >= cand_y.shape[0]:
        return
    cy = cand_y[i]
    cx = cand_x[i]
    total = 0.0
    for k in range(dy.shape[0]):
        for c in range(image.shape[2]):
            diff = image[cy + dy[k], cx + dx[k], c] - target[k, c]
            total = _add(total, _mul(weights[k], _mul(diff, diff)))
    distance[i] = total


def cuda_window_distances(
    image: Any, y: int, x: int, dy: np.ndarray, dx: np.ndarray, weights: np.ndarray, cand_y: Any, cand_x: Any
) -> Any:
    """Drop-in for ``window_distances`` that runs :data:`masked_ssd_kernel` (same bits)."""
    xp = array_module(image)
    dy_dev, dx_dev = xp.asarray(dy), xp.asarray(dx)
    target = xp.ascontiguousarray(image[y + dy_dev, x + dx_dev])
    distance = xp.empty(cand_y.shape[0], dtype=np.float64)
    blocks = max(1, math.ceil(cand_y.shape[0] / THREADS_PER_BLOCK))
    masked_ssd_kernel[blocks, THREADS_PER_BLOCK](
        image, target, dy_dev, dx_dev, xp.asarray(weights), cand_y, cand_x, distance
    )
    return distance


def efros_leung_cuda(image: Any, mask: Any, **params: Any) -> Any:
    """:func:`~._reference.efros_leung_reference` with the window distances on the GPU."""
    return efros_leung_reference(
        image, mask, **params, fill_layer=partial(fill_layer_reference, distances=cuda_window_distances)
    )
