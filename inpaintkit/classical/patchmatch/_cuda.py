"""numba.cuda kernels for PatchMatch (jump-flooding schedule) and their CuPy orchestration.

One GPU thread per target patch. Propagation is double-buffered: each pass reads the field
of the previous pass and writes a new one, so every patch sees the same state whatever the
order in which threads run (the ``"jump_flood"`` schedule of ``_reference.py``). The random
search touches only the thread's own patch and runs in place.

The arrays may be CuPy arrays (on a GPU) or NumPy arrays (under the CUDA simulator, which
is how the tests run these kernels); ``xp`` is the module that allocates the buffers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import cuda

from ._common import initialise, make_jitable, propagate, random_search

make_jitable()

_BLOCK = (8, 16)


@cuda.jit
def _initialise(source, target, source_ok, valid_list, update, field, dist, patch, channels, key):
    ty, tx = cuda.grid(2)
    if ty < update.shape[0] and tx < update.shape[1]:
        initialise(source, target, source_ok, valid_list, update, field, dist, ty, tx, patch, channels, key)


@cuda.jit
def _propagate(source, target, source_ok, update, field_in, dist_in, field_out, dist_out, patch, channels, jump):
    ty, tx = cuda.grid(2)
    if ty >= update.shape[0] or tx >= update.shape[1]:
        return
    dist_out[ty, tx] = dist_in[ty, tx]
    field_out[ty, tx, 0] = field_in[ty, tx, 0]
    field_out[ty, tx, 1] = field_in[ty, tx, 1]
    if update[ty, tx]:
        for ny, nx in ((ty - jump, tx), (ty + jump, tx), (ty, tx - jump), (ty, tx + jump)):
            propagate(source, target, source_ok, field_in, field_out, dist_out, ty, tx, ny, nx, patch, channels)


@cuda.jit
def _search(source, target, source_ok, update, field, dist, patch, channels, key, iteration):
    ty, tx = cuda.grid(2)
    if ty < update.shape[0] and tx < update.shape[1] and update[ty, tx]:
        random_search(source, target, source_ok, field, dist, ty, tx, patch, channels, key, iteration)


def nnf_cuda(
    xp: Any,
    source: Any,
    target: Any,
    source_ok: Any,
    update: Any,
    field: Any,
    patch: int,
    iterations: int,
    key: int,
    jumps: tuple[int, ...],
) -> tuple[Any, Any]:
    """PatchMatch with the jump-flooding schedule on (H, W, C) float64 images.

    ``field`` holds the initial matches (rows, columns, 2) int64 (-1 for none) and is
    overwritten; the masks are bool. Returns (field, distance).
    """
    channels = source.shape[2]
    source = source.reshape(source.shape[0], -1)
    target = target.reshape(target.shape[0], -1)
    valid_list = xp.flatnonzero(source_ok)
    rows, columns = update.shape
    grid = ((rows + _BLOCK[0] - 1) // _BLOCK[0], (columns + _BLOCK[1] - 1) // _BLOCK[1])
    dist = xp.empty((rows, columns), np.float64)
    _initialise[grid, _BLOCK](source, target, source_ok, valid_list, update, field, dist, patch, channels, key)
    spare_field, spare_dist = xp.empty_like(field), xp.empty_like(dist)
    for iteration in range(iterations):
        for jump in jumps:
            _propagate[grid, _BLOCK](
                source, target, source_ok, update, field, dist, spare_field, spare_dist, patch, channels, jump
            )
            field, spare_field = spare_field, field
            dist, spare_dist = spare_dist, dist
        _search[grid, _BLOCK](source, target, source_ok, update, field, dist, patch, channels, key, iteration + 1)
    return field, dist
