"""Scalar building blocks shared by the NumPy reference, the numba kernels and the CUDA kernels.

Each function is plain Python; :func:`make_jitable` (called by ``_numba.py`` and
``_cuda.py`` when they are imported) makes them callable from ``@njit`` and ``@cuda.jit``
code with ``register_jitable``, so importing inpaintkit does not import numba. The three
implementations draw the same random numbers, sum patch distances in the same order and
break ties the same way:

* random draws are counter-based: a 32-bit hash of (seed, iteration, target row, target
  column, draw index). All arithmetic stays below 2**64 (32-bit values multiplied by 32-bit
  constants), so Python ints, NumPy uint64 and the compiled versions agree bit for bit and
  nothing overflows;
* the patch distance is the sum of squared differences summed in three stages, each in
  order: the channels of a pixel, the pixel sums of a patch row (left to right), the row
  sums (top to bottom). Short separate chains of additions let the processor overlap them;
* a draw below ``n`` is ``(hash * n) >> 32`` (Lemire's multiply-shift, no division);
* a candidate replaces the current match when its distance is smaller, or equal with a
  smaller (row, column): the order (distance, row, column) is total, so the best of a set of
  candidates does not depend on the order in which they are tried.

numba's on-disk cache checks only the timestamps of the kernel files: after editing this
file, touch ``_numba.py`` (or delete its ``__pycache__`` entries), or stale kernels load.
"""

from __future__ import annotations

import functools

import numpy as np

_MASK32 = np.uint64(0xFFFFFFFF)
_GOLDEN32 = np.uint64(0x9E3779B9)
_MULTIPLIER_A = np.uint64(0x7FEB352D)
_MULTIPLIER_B = np.uint64(0x846CA68B)
_SHIFT_15 = np.uint64(15)
_SHIFT_16 = np.uint64(16)
_SHIFT_32 = np.uint64(32)


def mix32(value):
    """Avalanche a 32-bit value (C. Wellons' "lowbias32" integer hash)."""
    value = value ^ (value >> _SHIFT_16)
    value = (value * _MULTIPLIER_A) & _MASK32
    value = value ^ (value >> _SHIFT_15)
    value = (value * _MULTIPLIER_B) & _MASK32
    return value ^ (value >> _SHIFT_16)


def combine(key, value):
    """Fold a 32-bit ``value`` into a 32-bit ``key`` (both uint64 holding 32 bits)."""
    return mix32(((key ^ value) + _GOLDEN32) & _MASK32)


def seed_key(seed: int) -> int:
    """The 32-bit key of a seed in ``[0, 2**63)`` (both halves count)."""
    low = int(mix32(np.uint64(seed & 0xFFFFFFFF)))
    return int(combine(np.uint64(low), np.uint64(seed >> 32)))


def patch_key(key, iteration, row, column):
    """The key of one target patch in one iteration; draws then combine it with their index."""
    return combine(combine(combine(np.uint64(key), np.uint64(iteration)), np.uint64(row)), np.uint64(column))


def uniform_below(hash32, n):
    """A draw in ``[0, n)`` from a 32-bit hash (``n < 2**32``)."""
    return int((hash32 * np.uint64(n)) >> _SHIFT_32)


def is_better(distance, row, column, best_distance, best_row, best_column):
    """True when (distance, row, column) comes before the current best in the total order."""
    if distance < best_distance:
        return True
    if distance == best_distance:
        return row < best_row or (row == best_row and column < best_column)
    return False


def patch_ssd(source, target, source_row, source_column, target_row, target_column, patch, channels, bound):
    """Sum of squared differences between two patches of 2-D ``(H, W * C)`` images.

    Stops early and returns the partial sum as soon as it exceeds ``bound``; partial sums
    never decrease, so a patch that stops early could not have won.
    """
    source_start = source_column * channels
    target_start = target_column * channels
    total = 0.0
    for dy in range(patch):
        row_sum = 0.0
        for dx in range(patch):
            pixel_sum = 0.0
            for c in range(channels):
                k = dx * channels + c
                difference = source[source_row + dy, source_start + k] - target[target_row + dy, target_start + k]
                pixel_sum += difference * difference
            row_sum += pixel_sum
        total += row_sum
        if total > bound:
            return total
    return total


def is_valid_source(source_ok, row, column):
    """True when (row, column) is a source patch position that may be matched."""
    return 0 <= row < source_ok.shape[0] and 0 <= column < source_ok.shape[1] and source_ok[row, column]


# The helpers below update the match of target patch (ty, tx) in place, in ``field`` (rows,
# columns, 2) and ``dist`` (rows, columns): returning tuples instead costs numba several
# times the compile time. A candidate's distance is computed before its validity is
# checked: most candidates lose, and then the check is skipped; the outcome is the same.


def try_match(source, target, source_ok, field, dist, ty, tx, row, column, patch, channels):
    """Replace the match of (ty, tx) by source patch (row, column) when that one is better.

    The distance is computed before the validity check (a valid-looking position only needs
    to be inside the grid for that): most candidates lose, and for them the check is skipped.
    """
    best_row = field[ty, tx, 0]
    best_column = field[ty, tx, 1]
    if row == best_row and column == best_column:
        return
    if row < 0 or row >= source_ok.shape[0] or column < 0 or column >= source_ok.shape[1]:
        return
    best_distance = dist[ty, tx]
    distance = patch_ssd(source, target, row, column, ty, tx, patch, channels, best_distance)
    if is_better(distance, row, column, best_distance, best_row, best_column) and source_ok[row, column]:
        dist[ty, tx] = distance
        field[ty, tx, 0] = row
        field[ty, tx, 1] = column


def propagate(source, target, source_ok, neighbours, field, dist, ty, tx, ny, nx, patch, channels):
    """Try the match of neighbour (ny, nx), read from ``neighbours``, shifted by (ty - ny, tx - nx)."""
    if 0 <= ny < neighbours.shape[0] and 0 <= nx < neighbours.shape[1] and neighbours[ny, nx, 0] >= 0:
        row = neighbours[ny, nx, 0] + ty - ny
        column = neighbours[ny, nx, 1] + tx - nx
        try_match(source, target, source_ok, field, dist, ty, tx, row, column, patch, channels)


def random_search(source, target, source_ok, field, dist, ty, tx, patch, channels, key, iteration):
    """Barnes et al.'s random search: one sample in windows of halving radius around the best.

    The radius starts at the larger side of the source patch grid and halves (alpha = 1/2)
    down to 1; each window is clipped to the grid and centred on the best match so far. The
    row and column of sample ``i`` come from draws ``2 i`` and ``2 i + 1``. The best match
    stays in local variables until the end (reading it back from the arrays after every
    candidate costs a third of the time).
    """
    rows, columns = source_ok.shape
    base = patch_key(key, iteration, ty, tx)
    best_row = field[ty, tx, 0]
    best_column = field[ty, tx, 1]
    best_distance = dist[ty, tx]
    radius = max(rows, columns)
    draw = 0
    while radius >= 1:
        low_row = max(best_row - radius, 0)
        low_column = max(best_column - radius, 0)
        span_rows = min(best_row + radius, rows - 1) - low_row + 1
        span_columns = min(best_column + radius, columns - 1) - low_column + 1
        row = low_row + uniform_below(combine(base, np.uint64(draw)), span_rows)
        column = low_column + uniform_below(combine(base, np.uint64(draw + 1)), span_columns)
        distance = patch_ssd(source, target, row, column, ty, tx, patch, channels, best_distance)
        if is_better(distance, row, column, best_distance, best_row, best_column) and source_ok[row, column]:
            best_distance = distance
            best_row = row
            best_column = column
        draw += 2
        radius //= 2
    dist[ty, tx] = best_distance
    field[ty, tx, 0] = best_row
    field[ty, tx, 1] = best_column


def draw_initial(source_ok, valid_list, update, field, ty, tx, key):
    """The starting match of one target patch, in ``field``.

    A patch to update whose entry in ``field`` is not a valid source patch draws one
    uniformly from ``valid_list`` (flat indices of the valid source patches; iteration 0 of
    the random stream).
    """
    if update[ty, tx] and not is_valid_source(source_ok, field[ty, tx, 0], field[ty, tx, 1]):
        draw = combine(patch_key(key, 0, ty, tx), np.uint64(0))
        flat = valid_list[uniform_below(draw, valid_list.shape[0])]
        row = flat // source_ok.shape[1]
        field[ty, tx, 0] = row
        field[ty, tx, 1] = flat - row * source_ok.shape[1]


def initialise(source, target, source_ok, valid_list, update, field, dist, ty, tx, patch, channels, key):
    """:func:`draw_initial`, then the match's distance (infinite where it is not valid)."""
    draw_initial(source_ok, valid_list, update, field, ty, tx, key)
    row = field[ty, tx, 0]
    column = field[ty, tx, 1]
    if is_valid_source(source_ok, row, column):
        dist[ty, tx] = patch_ssd(source, target, row, column, ty, tx, patch, channels, np.inf)
    else:
        dist[ty, tx] = np.inf


@functools.cache
def make_jitable() -> None:
    """Register the helpers above with numba (once): jitted code can then call them."""
    from numba.extending import register_jitable

    for helper in (
        mix32, combine, patch_key, uniform_below, is_better, is_valid_source, try_match, propagate, random_search,
        draw_initial, initialise,
    ):
        register_jitable(helper)
    # Inlined into its three callers (numba IR): as a call it doubles the time of the random
    # search. Inlining the other helpers too halves propagation but doubles the compile time.
    register_jitable(inline="always")(patch_ssd)
