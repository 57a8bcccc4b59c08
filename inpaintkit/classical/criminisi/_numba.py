"""numba kernels for Criminisi inpainting: the four parts of a fill step.

Plain arrays in, no validation; the image is channel-first (C, H, W) so that a row of
candidates reads contiguous memory. A step is ``select_target``, ``prepare_search``,
``search``, ``paste``, called from Python (kept apart, they compile faster). The
arithmetic of ``_reference.py`` is repeated operation for operation (same expressions, same
summation order), so the fill order and the chosen exemplars are identical. What makes it
fast:

* priorities are cached: a front pixel's priority depends only on pixels within
  ``2 * half + 1`` of it, so after a paste only that neighbourhood is recomputed;
* the exemplar search is pruned exactly. It starts from a bound: the best distance among a
  few guesses (the exemplars that continue the copies already made into the target patch,
  as in PatchMatch's propagation) and a coarse grid of candidates. It then runs in parallel
  over blocks of candidate rows: the first ``SCREEN_OFFSETS`` terms of a whole row are
  summed at once (vectorised, the image being channel-first), and only the candidates still
  under the block's best so far are finished, each given up as soon as its partial sum
  exceeds it. A candidate given up is strictly worse than one found, and the blocks are
  reduced in row-major order, so the argmin, ties to the smallest (y, x), is exactly the
  reference's. The rim-first summation order of the reference makes the partial sums grow
  fast, so most candidates are given up early.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange


@njit(cache=True)
def _derivative(gray, known, y, x, step_y, step_x):
    height, width = gray.shape
    ay, ax = y + step_y, x + step_x
    by, bx = y - step_y, x - step_x
    ahead_ok = 0 <= ay < height and 0 <= ax < width and known[ay, ax]
    behind_ok = 0 <= by < height and 0 <= bx < width and known[by, bx]
    if ahead_ok and behind_ok:
        return (gray[ay, ax] - gray[by, bx]) * 0.5
    if ahead_ok:
        return gray[ay, ax] - gray[y, x]
    if behind_ok:
        return gray[y, x] - gray[by, bx]
    return 0.0


_SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], np.int64)


@njit(cache=True)
def _priority(gray, known, confidence, half, y, x):
    """(confidence, data term) of front pixel (y, x), as ``front_priorities`` computes them."""
    height, width = gray.shape
    total = 0.0
    area = 0
    iso_gx = 0.0
    iso_gy = 0.0
    strongest = -1.0
    for oy in range(-half, half + 1):
        for ox in range(-half, half + 1):
            py = y + oy
            px = x + ox
            if not (0 <= py < height and 0 <= px < width):
                continue
            total += confidence[py, px]
            area += 1
            if known[py, px]:
                gx = _derivative(gray, known, py, px, 0, 1)
                gy = _derivative(gray, known, py, px, 1, 0)
                magnitude = gx * gx + gy * gy
                if magnitude > strongest:
                    strongest = magnitude
                    iso_gx = gx
                    iso_gy = gy
    conf = total / area
    # Sobel of the unfilled indicator, border replicated; integers, so exact in any order.
    normal_x = 0
    normal_y = 0
    for oy in range(-1, 2):
        for ox in range(-1, 2):
            py = min(max(y + oy, 0), height - 1)
            px = min(max(x + ox, 0), width - 1)
            if not known[py, px]:
                normal_x += _SOBEL_X[oy + 1, ox + 1]
                normal_y += _SOBEL_X[ox + 1, oy + 1]
    norm = np.sqrt(np.float64(normal_x * normal_x + normal_y * normal_y))
    unit_x = 0.0
    unit_y = 0.0
    if norm > 0.0:
        unit_x = normal_x / norm
        unit_y = normal_y / norm
    return conf, abs(iso_gx * unit_y - iso_gy * unit_x)


@njit(cache=True)
def _is_front(known, y, x):
    height, width = known.shape
    if known[y, x]:
        return False
    return (
        (y > 0 and known[y - 1, x])
        or (y + 1 < height and known[y + 1, x])
        or (x > 0 and known[y, x - 1])
        or (x + 1 < width and known[y, x + 1])
    )


@njit(cache=True)
def select_target(gray, known, confidence, half, bbox, cache, record, data_map, priority_map):
    """The front pixel of highest priority (then confidence, then smallest (y, x)).

    ``bbox`` (y0, y1, x0, x1) bounds the unfilled pixels. ``cache`` (3, H, W) holds each
    pixel's (confidence, data term, valid flag); entries are computed when their flag is 0.
    With ``record``, the front's data terms and priorities are written into ``data_map``
    and ``priority_map`` (0 elsewhere). Returns ``(y, x, confidence)``.
    """
    if record:
        data_map[:] = 0.0
        priority_map[:] = 0.0
    best_priority = -1.0
    best_conf = -1.0
    ty = -1
    tx = -1
    for y in range(bbox[0], bbox[1]):
        for x in range(bbox[2], bbox[3]):
            if not _is_front(known, y, x):
                continue
            if cache[2, y, x] == 0.0:
                conf, data = _priority(gray, known, confidence, half, y, x)
                cache[0, y, x] = conf
                cache[1, y, x] = data
                cache[2, y, x] = 1.0
            conf = cache[0, y, x]
            data = cache[1, y, x]
            priority = conf * data
            if record:
                data_map[y, x] = data
                priority_map[y, x] = priority
            if priority > best_priority or (priority == best_priority and conf > best_conf):
                best_priority = priority
                best_conf = conf
                ty = y
                tx = x
    return ty, tx, best_conf


@njit(cache=True)
def _distance(planes, cy, cx, dy, dx, first, n_offsets, target, total, limit):
    """SSD of the candidate at (cy, cx) from offset ``first`` on, starting from ``total``;
    inf as soon as the partial sum exceeds ``limit``."""
    for k in range(first, n_offsets):
        for c in range(planes.shape[0]):
            diff = planes[c, cy + dy[k], cx + dx[k]] - target[k, c]
            total += diff * diff
        if total > limit:
            return np.inf
    return total


NO_SHIFT = np.iinfo(np.int64).min
"""Marks pixels not pasted by a step in the ``shift`` map."""
SEARCH_BLOCKS = 16
"""The candidate rows are cut into this many blocks, searched in parallel; the result does
not depend on it (nor on the thread count), only the amount of pruning does."""
SCREEN_OFFSETS = 16
"""Offsets summed for a whole row of candidates at once (vectorised) before the survivors
are finished one by one."""
BOUND_STRIDE = 6
"""Every this many rows and columns, a candidate is scored before the search for a bound."""


@njit(parallel=True, cache=True)
def search(planes, source, dy, dx, n_offsets, target, y_lo, y_hi, x_lo, x_hi, bound):
    """The source centre (y, x) of least SSD to ``target`` (ties: smallest (y, x))."""
    channels = planes.shape[0]
    n_rows = y_hi - y_lo
    n_blocks = min(SEARCH_BLOCKS, n_rows)
    n_screen = min(SCREEN_OFFSETS, n_offsets)
    row_length = x_hi - x_lo
    block_best = np.full(n_blocks, np.inf)
    block_y = np.full(n_blocks, -1, np.int64)
    block_x = np.full(n_blocks, -1, np.int64)
    for block in prange(n_blocks):
        limit = bound
        partial = np.empty(row_length)
        for cy in range(y_lo + block * n_rows // n_blocks, y_lo + (block + 1) * n_rows // n_blocks):
            partial[:] = 0.0
            for k in range(n_screen):
                row_y, row_x = cy + dy[k], x_lo + dx[k]
                if channels == 3:  # the common case, fused: one load and store of partial per offset
                    red = planes[0, row_y, row_x : row_x + row_length]
                    green = planes[1, row_y, row_x : row_x + row_length]
                    blue = planes[2, row_y, row_x : row_x + row_length]
                    for j in range(row_length):
                        d0 = red[j] - target[k, 0]
                        d1 = green[j] - target[k, 1]
                        d2 = blue[j] - target[k, 2]
                        partial[j] = ((partial[j] + d0 * d0) + d1 * d1) + d2 * d2
                    continue
                for c in range(channels):
                    value = target[k, c]
                    row = planes[c, row_y, row_x : row_x + row_length]
                    for j in range(row_length):
                        diff = row[j] - value
                        partial[j] += diff * diff
            for j in range(row_length):
                cx = x_lo + j
                if partial[j] > limit or not source[cy, cx]:
                    continue
                total = _distance(planes, cy, cx, dy, dx, n_screen, n_offsets, target, partial[j], limit)
                if total < block_best[block]:
                    block_best[block] = total
                    block_y[block] = cy
                    block_x[block] = cx
                    limit = total
    best = np.inf
    best_y = -1
    best_x = -1
    for block in range(n_blocks):
        if block_best[block] < best:
            best = block_best[block]
            best_y = block_y[block]
            best_x = block_x[block]
    return best_y, best_x


@njit(cache=True)
def prepare_search(planes, known, source, source_integral, shift, half, radius, ty, tx):
    """The target patch's known offsets and values, the candidate window and a bound.

    ``source_integral`` is the integral image of ``source`` (to test in O(1) whether the
    search window holds a source patch; if not, the whole image is searched). ``shift``
    holds, for pasted pixels, their exemplar's centre minus their target's centre
    (``NO_SHIFT`` elsewhere): each shift met in the target patch is a guess, and the best
    guess's distance is the initial bound of the search.

    Returns ``dy, dx, n_offsets, target, y_lo, y_hi, x_lo, x_hi, bound``.
    """
    channels, height, width = planes.shape
    side = 2 * half + 1
    dy = np.empty(side * side, np.int64)
    dx = np.empty(side * side, np.int64)
    target = np.empty((side * side, channels))
    n_offsets = 0
    for ring in range(half, -1, -1):  # the reference's order: the rim first
        for oy in range(-half, half + 1):
            for ox in range(-half, half + 1):
                py = ty + oy
                px = tx + ox
                if max(abs(oy), abs(ox)) == ring and 0 <= py < height and 0 <= px < width and known[py, px]:
                    dy[n_offsets] = oy
                    dx[n_offsets] = ox
                    for c in range(channels):
                        target[n_offsets, c] = planes[c, py, px]
                    n_offsets += 1

    y_lo, y_hi, x_lo, x_hi = half, height - half, half, width - half
    if radius >= 0:
        wy_lo, wy_hi = max(y_lo, ty - radius), min(y_hi, ty + radius + 1)
        wx_lo, wx_hi = max(x_lo, tx - radius), min(x_hi, tx + radius + 1)
        if wy_lo < wy_hi and wx_lo < wx_hi:
            count = (
                source_integral[wy_hi, wx_hi]
                - source_integral[wy_lo, wx_hi]
                - source_integral[wy_hi, wx_lo]
                + source_integral[wy_lo, wx_lo]
            )
            if count > 0:
                y_lo, y_hi, x_lo, x_hi = wy_lo, wy_hi, wx_lo, wx_hi

    bound = np.inf
    last_y = -1
    last_x = -1
    for oy in range(-half, half + 1):
        for ox in range(-half, half + 1):
            py = ty + oy
            px = tx + ox
            if not (0 <= py < height and 0 <= px < width) or shift[0, py, px] == NO_SHIFT:
                continue
            guess_y = ty + shift[0, py, px]
            guess_x = tx + shift[1, py, px]
            if (guess_y != last_y or guess_x != last_x) and y_lo <= guess_y < y_hi and x_lo <= guess_x < x_hi:
                last_y = guess_y
                last_x = guess_x
                if source[guess_y, guess_x]:
                    bound = min(bound, _distance(planes, guess_y, guess_x, dy, dx, 0, n_offsets, target, 0.0, bound))
    # A coarse look at every BOUND_STRIDE-th candidate row and column tightens the bound
    # before the full search, so that every block of it prunes well from its first row.
    for cy in range(y_lo, y_hi, BOUND_STRIDE):
        for cx in range(x_lo, x_hi, BOUND_STRIDE):
            if source[cy, cx]:
                bound = min(bound, _distance(planes, cy, cx, dy, dx, 0, n_offsets, target, 0.0, bound))
    return dy, dx, n_offsets, target, y_lo, y_hi, x_lo, x_hi, bound


@njit(cache=True)
def paste(planes, gray, known, confidence, shift, cache, half, ty, tx, sy, sx, patch_confidence):
    """Copy the unfilled pixels of the patch at (ty, tx) from the one at (sy, sx), in place,
    and mark the priorities that the paste can change as stale. Returns the pixels filled."""
    channels, height, width = planes.shape
    n_filled = 0
    for oy in range(-half, half + 1):
        for ox in range(-half, half + 1):
            py = ty + oy
            px = tx + ox
            if 0 <= py < height and 0 <= px < width and not known[py, px]:
                for c in range(channels):
                    planes[c, py, px] = planes[c, sy + oy, sx + ox]
                mean = planes[0, py, px]
                for c in range(1, channels):
                    mean += planes[c, py, px]
                gray[py, px] = mean / channels
                confidence[py, px] = patch_confidence
                shift[0, py, px] = sy - ty
                shift[1, py, px] = sx - tx
                known[py, px] = True
                n_filled += 1
    # A front pixel's priority reads pixels up to half + 1 away; the paste wrote up to half.
    reach = 2 * half + 1
    for y in range(max(ty - reach, 0), min(ty + reach + 1, height)):
        for x in range(max(tx - reach, 0), min(tx + reach + 1, width)):
            cache[2, y, x] = 0.0
    return n_filled
