"""numba kernels for PatchMatch: the field (tiled schedule) and the voting step.

Plain arrays in, no validation. Images are passed as 2-D ``(H, W * C)`` views (the scan
reads them flat) so that a patch row is one contiguous run of ``patch * C`` numbers. The
scan gives bit for bit the field of ``_reference.py`` with the same schedule: its speed comes
from doing the same arithmetic with less around it (unsigned flat indices, the best match
in registers, no repeated distance of the current match, a row-wise early exit that only
drops candidates that would lose), never from a different sum or a different draw.

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

from ._common import combine, draw_initial, is_better, is_valid_source, make_jitable, patch_key, uniform_below

make_jitable()


@njit(inline="always")
def _patch_ssd(source, target, source_start, target_start, source_stride, target_stride, patch, channels, bound):
    """``_common.patch_ssd`` on flat images: the same sums in the same order, so the same bits.

    ``source_start`` and ``target_start`` index the patches' top-left numbers in the flat
    ``(H * W * C,)`` images, whose rows are ``*_stride`` numbers apart. Stops after the first
    patch row whose running total exceeds ``bound`` (that patch cannot win).

    Indices are unsigned: numba then skips its negative-index wraparound, which otherwise
    costs more instructions than the arithmetic. Three channels get their own loop with
    ``a * a + b * b + c * c``, which adds in the order of the general loop (starting a sum at
    0.0 changes no bit).
    """
    one, two, three = np.uint64(1), np.uint64(2), np.uint64(3)
    step = np.uint64(channels)
    width = np.uint64(patch * channels)
    source_stride, target_stride = np.uint64(source_stride), np.uint64(target_stride)
    source_row, target_row = np.uint64(source_start), np.uint64(target_start)
    total = 0.0
    for _ in range(patch):
        row_sum = 0.0
        s, t, stop = source_row, target_row, source_row + width
        if channels == 3:
            while s < stop:
                a = source[s] - target[t]
                b = source[s + one] - target[t + one]
                c = source[s + two] - target[t + two]
                row_sum += a * a + b * b + c * c
                s += three
                t += three
        else:
            while s < stop:
                pixel_sum = 0.0
                pixel_stop = s + step
                while s < pixel_stop:
                    difference = source[s] - target[t]
                    pixel_sum += difference * difference
                    s += one
                    t += one
                row_sum += pixel_sum
        total += row_sum
        if total > bound:
            return total
        source_row += source_stride
        target_row += target_stride
    return total


@njit(cache=True)
def _initialise_tile(source, target, source_ok, valid_list, update, field, dist, bounds, patch, channels, key):
    """``_common.initialise`` for each patch of one tile, with the flat images' distance."""
    columns = source_ok.shape[1]
    source_stride = (columns + patch - 1) * channels
    target_stride = (update.shape[1] + patch - 1) * channels
    for ty in range(bounds[0], bounds[1]):
        for tx in range(bounds[2], bounds[3]):
            draw_initial(source_ok, valid_list, update, field, ty, tx, key)
            row = field[ty, tx, 0]
            column = field[ty, tx, 1]
            if is_valid_source(source_ok, row, column):
                dist[ty, tx] = _patch_ssd(
                    source, target, row * source_stride + column * channels, ty * target_stride + tx * channels,
                    source_stride, target_stride, patch, channels, np.inf,
                )
            else:
                dist[ty, tx] = np.inf


@njit(cache=True)
def _scan_tile(source, target, source_ok, update, field, dist, previous, bounds, patch, channels, key, iteration):
    """Scan one tile (rows bounds[0]:bounds[1], columns bounds[2]:bounds[3]) in order.

    Neighbours inside the tile are read from ``field`` (already updated this iteration when
    scanned before), neighbours outside from ``previous`` (the start of the iteration).
    ``source`` and ``target`` are the flat images. The steps are ``_common.propagate`` and
    ``_common.random_search`` written out in one loop with the best match in local variables:
    the helpers, shared with the CUDA kernels, pass many arrays per candidate, which costs
    more than the distances here. Candidates equal to the current best are skipped (they
    cannot be better, and their distance never stops early).
    """
    rows, columns = source_ok.shape
    grid_rows, grid_columns = update.shape
    source_stride = (columns + patch - 1) * channels
    target_stride = (grid_columns + patch - 1) * channels
    start_radius = max(rows, columns)
    row_start, row_stop, column_start, column_stop = bounds[0], bounds[1], bounds[2], bounds[3]
    step = 1 if iteration % 2 == 0 else -1
    for i in range(row_stop - row_start):
        ty = row_start + i if step == 1 else row_stop - 1 - i
        for j in range(column_stop - column_start):
            tx = column_start + j if step == 1 else column_stop - 1 - j
            if not update[ty, tx]:
                continue
            target_start = ty * target_stride + tx * channels
            best_row = field[ty, tx, 0]
            best_column = field[ty, tx, 1]
            best_distance = dist[ty, tx]
            for side in range(2):
                ny = ty if side == 0 else ty - step
                nx = tx - step if side == 0 else tx
                if ny < 0 or ny >= grid_rows or nx < 0 or nx >= grid_columns:
                    continue
                if row_start <= ny < row_stop and column_start <= nx < column_stop:
                    match_row = field[ny, nx, 0]
                    match_column = field[ny, nx, 1]
                else:
                    match_row = previous[ny, nx, 0]
                    match_column = previous[ny, nx, 1]
                if match_row < 0:
                    continue
                row = match_row + ty - ny
                column = match_column + tx - nx
                if row == best_row and column == best_column:
                    continue
                if row < 0 or row >= rows or column < 0 or column >= columns:
                    continue
                distance = _patch_ssd(
                    source, target, row * source_stride + column * channels, target_start, source_stride,
                    target_stride, patch, channels, best_distance,
                )
                if is_better(distance, row, column, best_distance, best_row, best_column) and source_ok[row, column]:
                    best_distance = distance
                    best_row = row
                    best_column = column
            base = patch_key(key, iteration + 1, ty, tx)
            radius = start_radius
            draw = 0
            while radius >= 1:
                low_row = max(best_row - radius, 0)
                low_column = max(best_column - radius, 0)
                span_rows = min(best_row + radius, rows - 1) - low_row + 1
                span_columns = min(best_column + radius, columns - 1) - low_column + 1
                row = low_row + uniform_below(combine(base, np.uint64(draw)), span_rows)
                column = low_column + uniform_below(combine(base, np.uint64(draw + 1)), span_columns)
                draw += 2
                radius //= 2
                if row == best_row and column == best_column:
                    continue
                distance = _patch_ssd(
                    source, target, row * source_stride + column * channels, target_start, source_stride,
                    target_stride, patch, channels, best_distance,
                )
                if is_better(distance, row, column, best_distance, best_row, best_column) and source_ok[row, column]:
                    best_distance = distance
                    best_row = row
                    best_column = column
            dist[ty, tx] = best_distance
            field[ty, tx, 0] = best_row
            field[ty, tx, 1] = best_column


@njit(nogil=True, cache=True)
def tiles_kernel(
    source, target, source_ok, valid_list, update, field, dist, previous, bounds, patch, channels, key, iteration
):
    """Run one step on each tile of ``bounds`` (k, 4), in place.

    ``iteration = -1`` initialises the tiles' patches; ``iteration >= 0`` runs that
    iteration of the tiled schedule, ``previous`` being the field at its start.
    """
    flat_source = source.reshape(source.size)
    flat_target = target.reshape(target.size)
    for k in range(bounds.shape[0]):
        if iteration < 0:
            _initialise_tile(
                flat_source, flat_target, source_ok, valid_list, update, field, dist, bounds[k], patch, channels, key
            )
        else:
            _scan_tile(
                flat_source, flat_target, source_ok, update, field, dist, previous, bounds[k], patch, channels, key,
                iteration,
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
