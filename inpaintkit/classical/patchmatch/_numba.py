"""numba kernels for PatchMatch: the field (tiled schedule) and the voting step.

Plain arrays in, no validation. Images are passed as 2-D ``(H, W * C)`` views so that a
patch row is one contiguous run of ``patch * C`` numbers.

The field kernel releases the GIL and runs on a thread pool, each thread taking a fixed
share of the tiles. This is as parallel as ``prange`` here (the tiles are independent by
construction) and it avoids compiling a parallel loop, which would double the cold compile
time of this module.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from numba import njit

from ._common import initialise, make_jitable, propagate, random_search

make_jitable()


@njit(cache=True)
def _initialise_tile(source, target, source_ok, valid_list, update, field, dist, bounds, patch, channels, key):
    for ty in range(bounds[0], bounds[1]):
        for tx in range(bounds[2], bounds[3]):
            initialise(source, target, source_ok, valid_list, update, field, dist, ty, tx, patch, channels, key)


@njit(cache=True)
def _scan_tile(source, target, source_ok, update, field, dist, previous, bounds, patch, channels, key, iteration):
    """Scan one tile (rows bounds[0]:bounds[1], columns bounds[2]:bounds[3]) in order.

    Neighbours inside the tile are read from ``field`` (already updated this iteration when
    scanned before), neighbours outside from ``previous`` (the start of the iteration).
    """
    row_start, row_stop, column_start, column_stop = bounds[0], bounds[1], bounds[2], bounds[3]
    step = 1 if iteration % 2 == 0 else -1
    for i in range(row_stop - row_start):
        ty = row_start + i if step == 1 else row_stop - 1 - i
        for j in range(column_stop - column_start):
            tx = column_start + j if step == 1 else column_stop - 1 - j
            if not update[ty, tx]:
                continue
            for ny, nx in ((ty, tx - step), (ty - step, tx)):
                inside = row_start <= ny < row_stop and column_start <= nx < column_stop
                neighbours = field if inside else previous
                propagate(source, target, source_ok, neighbours, field, dist, ty, tx, ny, nx, patch, channels)
            random_search(source, target, source_ok, field, dist, ty, tx, patch, channels, key, iteration + 1)


@njit(nogil=True, cache=True)
def tiles_kernel(
    source, target, source_ok, valid_list, update, field, dist, previous, bounds, patch, channels, key, iteration
):
    """Run one step on each tile of ``bounds`` (k, 4), in place.

    ``iteration = -1`` initialises the tiles' patches; ``iteration >= 0`` runs that
    iteration of the tiled schedule, ``previous`` being the field at its start.
    """
    for k in range(bounds.shape[0]):
        if iteration < 0:
            _initialise_tile(
                source, target, source_ok, valid_list, update, field, dist, bounds[k], patch, channels, key
            )
        else:
            _scan_tile(
                source, target, source_ok, update, field, dist, previous, bounds[k], patch, channels, key, iteration
            )


def tile_bounds(update: np.ndarray, tile: tuple[int, int], *, busy_only: bool) -> np.ndarray:
    """(k, 4) int64 rows of (row_start, row_stop, column_start, column_stop), raster order.

    ``busy_only`` keeps the tiles holding at least one patch to update.
    """
    rows, columns = update.shape
    bounds = [
        (y, min(y + tile[0], rows), x, min(x + tile[1], columns))
        for y in range(0, rows, tile[0])
        for x in range(0, columns, tile[1])
    ]
    if busy_only:
        bounds = [b for b in bounds if update[b[0] : b[1], b[2] : b[3]].any()]
    return np.array(bounds, np.int64).reshape(-1, 4)


def nnf_numba(source, target, source_ok, update, field, patch, iterations, key, tile):
    """PatchMatch with the tiled schedule on (H, W, C) images; ``field`` is updated in place.

    Returns (field, distance). Runs on ``numba.get_num_threads()`` threads, thread ``i``
    taking tiles ``i, i + n, i + 2n, ...``; each iteration returns to Python.
    """
    source_2d = source.reshape(source.shape[0], -1)
    target_2d = target.reshape(target.shape[0], -1)
    valid_list = np.flatnonzero(source_ok)
    distance = np.empty(update.shape)
    threads = numba.get_num_threads()

    def step(bounds: np.ndarray, previous: np.ndarray, iteration: int) -> None:
        def run(share: np.ndarray) -> None:
            tiles_kernel(
                source_2d, target_2d, source_ok, valid_list, update, field, distance, previous, share,
                patch, source.shape[2], key, iteration,
            )

        shares = [np.ascontiguousarray(bounds[i::threads]) for i in range(min(threads, len(bounds)))]
        if len(shares) <= 1:
            run(bounds)
            return
        with ThreadPoolExecutor(len(shares)) as pool:
            list(pool.map(run, shares))

    step(tile_bounds(update, tile, busy_only=False), field, -1)
    busy = tile_bounds(update, tile, busy_only=True)
    for iteration in range(iterations):
        step(busy, field.copy(), iteration)
    return field, distance


@njit(cache=True)
def vote_kernel(source, field, weights, hole, out):
    """Each hole pixel becomes the weighted mean of the pixels its covering patches matched.

    ``source`` (Hs, Ws, C) is read at the matches in ``field``; ``hole`` (H, W) and ``out``
    (H, W, C) belong to the target, whose patch grid ``weights`` (rows, columns) covers; a
    weight of zero means the patch does not vote. The contributions to a pixel are added in
    the order of the patch's offset (dy, dx) from the pixel, like the array-module version,
    so the two agree exactly.
    """
    height, width = hole.shape
    channels = source.shape[2]
    rows, columns = weights.shape
    patch = height - rows + 1
    total = np.empty(channels)
    for y in range(height):
        for x in range(width):
            if not hole[y, x]:
                continue
            for c in range(channels):
                total[c] = 0.0
            weight_sum = 0.0
            for dy in range(patch):
                ty = y - dy
                if ty < 0 or ty >= rows:
                    continue
                for dx in range(patch):
                    tx = x - dx
                    if tx < 0 or tx >= columns:
                        continue
                    weight = weights[ty, tx]
                    if weight == 0.0:
                        continue
                    sy = field[ty, tx, 0] + dy
                    sx = field[ty, tx, 1] + dx
                    for c in range(channels):
                        total[c] += weight * source[sy, sx, c]
                    weight_sum += weight
            for c in range(channels):
                out[y, x, c] = total[c] / weight_sum
