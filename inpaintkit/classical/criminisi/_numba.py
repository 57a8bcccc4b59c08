"""numba kernels for Criminisi inpainting: the parts of a fill step.

Plain arrays in, no validation; the working image is channel-first (C, H, W), the search
features channel-last (H, W, C). A step is
``select_target``, ``prepare_search``, ``search``, ``paste``, called from Python (kept
apart, they compile faster). The arithmetic of ``_reference.py`` is repeated operation for
operation (same expressions, same summation order), so the fill order and the chosen
exemplars are identical. What makes it fast:

* priorities are cached: a front pixel's priority depends only on pixels within
  ``2 * half + 1`` of it, so after a paste only that neighbourhood is recomputed, and each
  image row keeps its best front pixel, so choosing the target reads one entry per row;
* the exemplar search is pruned exactly. The candidate centres are cut into 8x8 tiles.
  Every candidate of a tile reads, at offset ``o``, a pixel of the tile shifted by ``o``,
  whose values lie between that window's minimum and maximum (maps computed once, over
  the input's known pixels, since source patches never change); so
  ``sum_o sum_c dist(target(o, c), [min, max])^2`` is a lower bound on the SSD of every
  candidate in the tile. Tiles whose bound exceeds the best distance so far are skipped
  whole, then 4x4 sub-tiles the same way, then single candidates, each given up as soon as
  its partial sum exceeds the best. The first bound comes from a few guesses (the exemplars
  that continue the copies already made into the target patch, as in PatchMatch's
  propagation), and tiles are visited in increasing order of their bound, so the best is
  met early. Only candidates strictly worse than one already found are skipped (with a
  margin for rounding), ties go to the smallest (y, x), and the parallel blocks are reduced
  by (distance, y, x): the argmin is exactly the reference's whatever the thread count.
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
def refresh_rows(gray, known, confidence, half, cache, bbox, row_best, row_x, y_lo, y_hi):
    """Recompute the best front pixel of rows ``y_lo..y_hi - 1`` (inside ``bbox``).

    ``cache`` (3, H, W) holds each pixel's (confidence, data term, valid flag); entries are
    computed when their flag is 0. ``row_best`` (2, H) holds each row's best (priority,
    confidence), -1 for a row without front pixels, and ``row_x`` its column: highest
    priority, then confidence, then smallest x, so that :func:`select_target` over the rows
    picks what a row-major scan of the whole front picks.
    """
    for y in range(max(y_lo, bbox[0]), min(y_hi, bbox[1])):
        best_priority = -1.0
        best_conf = -1.0
        best_x = -1
        for x in range(bbox[2], bbox[3]):
            if not _is_front(known, y, x):
                continue
            if cache[2, y, x] == 0.0:
                conf, data = _priority(gray, known, confidence, half, y, x)
                cache[0, y, x] = conf
                cache[1, y, x] = data
                cache[2, y, x] = 1.0
            conf = cache[0, y, x]
            priority = conf * cache[1, y, x]
            if priority > best_priority or (priority == best_priority and conf > best_conf):
                best_priority = priority
                best_conf = conf
                best_x = x
        row_best[0, y] = best_priority
        row_best[1, y] = best_conf
        row_x[y] = best_x


@njit(cache=True)
def select_target(row_best, row_x):
    """The front pixel of highest priority (then confidence, then smallest (y, x)).

    Returns ``(y, x, confidence)``.
    """
    best_priority = -1.0
    best_conf = -1.0
    ty = -1
    for y in range(row_x.shape[0]):
        if row_best[0, y] > best_priority or (row_best[0, y] == best_priority and row_best[1, y] > best_conf):
            best_priority = row_best[0, y]
            best_conf = row_best[1, y]
            ty = y
    return ty, row_x[ty], best_conf


@njit(cache=True)
def front_maps(known, cache, bbox, data_map, priority_map):
    """Write the front's data terms and priorities into the maps (0 elsewhere), for the
    teaching view; every front pixel's cache entry is valid after :func:`refresh_rows`."""
    data_map[:] = 0.0
    priority_map[:] = 0.0
    for y in range(bbox[0], bbox[1]):
        for x in range(bbox[2], bbox[3]):
            if _is_front(known, y, x):
                data_map[y, x] = cache[1, y, x]
                priority_map[y, x] = cache[0, y, x] * cache[1, y, x]


@njit(cache=True)
def _distance(pixels, cy, cx, dy, dx, first, n_offsets, target, total, limit):
    """SSD of the candidate at (cy, cx) (``pixels`` channel-last) from offset ``first`` on,
    starting from ``total``; inf as soon as the partial sum exceeds ``limit``."""
    for k in range(first, n_offsets):
        for c in range(pixels.shape[2]):
            diff = pixels[cy + dy[k], cx + dx[k], c] - target[k, c]
            total += diff * diff
        if total > limit:
            return np.inf
    return total


NO_SHIFT = np.iinfo(np.int64).min
"""Marks pixels not pasted by a step in the ``shift`` map."""
TILE = 8
"""Side of the square tiles of candidate centres that are bounded (and skipped) whole."""
FINE_TILE = 4
"""Side of the sub-tiles bounded inside a surviving tile (divides TILE)."""
FINE_WORTH = 0.25
"""Sub-tiles are bounded only in tiles whose bound exceeds this share of the best so far
(elsewhere, in texture, they seldom prune and cost more than they save)."""
ROUNDING_MARGIN = 1e-9
"""A tile is skipped when its bound exceeds the best distance by more than this relative
margin: the bound and the distances sum the same non-negative terms in other orders, which
changes them by far less (about 1e-14 relative), so no candidate that could tie is lost."""


@njit(cache=True)
def window_extrema(pixels, known, size):
    """The minimum and maximum of each channel over the known pixels of the ``size x size``
    window whose top-left corner is each pixel (clipped to the image; +inf and -inf where
    it holds none). ``pixels`` is channel-last (H, W, C); returns (H, W, C, 2), the minimum
    then the maximum, so that a bound reads one cache line per offset."""
    height, width, channels = pixels.shape
    along_rows = np.empty((height, width, channels, 2))
    for y in range(height):
        for x in range(width):
            for c in range(channels):
                low = np.inf
                high = -np.inf
                for j in range(x, min(x + size, width)):
                    if known[y, j]:
                        low = min(low, pixels[y, j, c])
                        high = max(high, pixels[y, j, c])
                along_rows[y, x, c, 0] = low
                along_rows[y, x, c, 1] = high
    extrema = np.empty((height, width, channels, 2))
    for y in range(height):
        for x in range(width):
            for c in range(channels):
                low = np.inf
                high = -np.inf
                for i in range(y, min(y + size, height)):
                    low = min(low, along_rows[i, x, c, 0])
                    high = max(high, along_rows[i, x, c, 1])
                extrema[y, x, c, 0] = low
                extrema[y, x, c, 1] = high
    return extrema


@njit(cache=True)
def _tile_bound(extrema, y0, x0, dy, dx, n_offsets, target, limit):
    """Lower bound on the SSD of every candidate of the tile with top-left centre (y0, x0);
    inf as soon as it exceeds ``limit`` by more than the rounding margin."""
    channels = extrema.shape[2]
    total = 0.0
    for k in range(n_offsets):
        py = y0 + dy[k]
        px = x0 + dx[k]
        for c in range(channels):
            value = target[k, c]
            low = extrema[py, px, c, 0]
            high = extrema[py, px, c, 1]
            if value < low:
                total += (low - value) * (low - value)
            elif value > high:
                total += (value - high) * (value - high)
        if total * (1.0 - ROUNDING_MARGIN) > limit:
            return np.inf
    return total


@njit(cache=True)
def _count(integral, y0, y1, x0, x1):
    return integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0]


@njit(parallel=True, cache=True)
def search(pixels, source, source_integral, coarse, fine, dy, dx, n_offsets, target, y_lo, y_hi, x_lo, x_hi, bound,
           n_blocks):
    """The source centre (y, x) of least SSD to ``target`` (ties: smallest (y, x)).

    ``pixels`` (H, W, C) holds the input's search features (source patches are never
    written, so the search reads them there, one cache line per offset); ``coarse`` and
    ``fine`` are the maps of :func:`window_extrema` for ``TILE`` and ``FINE_TILE``;
    ``bound`` is a distance already reached (or inf). The tiles that survive their bound
    are dealt round-robin, in increasing order of it, to ``n_blocks`` parallel blocks (one
    per thread), which share their best distances as they go; the result does not depend on
    the number of blocks or on the timing.
    """
    tiles_y = (y_hi - y_lo + TILE - 1) // TILE
    tiles_x = (x_hi - x_lo + TILE - 1) // TILE
    tile_bound = np.empty(tiles_y * tiles_x)
    for ty in prange(tiles_y):
        y0 = y_lo + ty * TILE
        for tx in range(tiles_x):
            x0 = x_lo + tx * TILE
            if _count(source_integral, y0, min(y0 + TILE, y_hi), x0, min(x0 + TILE, x_hi)) == 0:
                tile_bound[ty * tiles_x + tx] = np.inf
            else:
                tile_bound[ty * tiles_x + tx] = _tile_bound(coarse, y0, x0, dy, dx, n_offsets, target, bound)
    alive = np.flatnonzero(tile_bound < np.inf)
    order = alive[np.argsort(tile_bound[alive], kind="mergesort")]
    n_blocks = max(1, min(n_blocks, order.shape[0]))
    block_best = np.full(n_blocks, np.inf)
    block_y = np.full(n_blocks, -1, np.int64)
    block_x = np.full(n_blocks, -1, np.int64)
    # Each block publishes its best distance; the others prune with the least they read.
    # Every value there is the distance of a candidate that will be in the reduction, so
    # whichever a block reads (old or new), it only skips candidates strictly worse than
    # one found: the work depends on the timing, the result does not.
    shared = np.full(n_blocks, bound)
    for block in prange(n_blocks):
        limit = bound
        best = np.inf
        best_y = -1
        best_x = -1
        for i in range(block, order.shape[0], n_blocks):
            tile = order[i]
            limit = min(limit, shared.min())
            if tile_bound[tile] * (1.0 - ROUNDING_MARGIN) > limit:
                break
            y0 = y_lo + (tile // tiles_x) * TILE
            x0 = x_lo + (tile % tiles_x) * TILE
            # A sub-tile bound pays off only when the tile's is already near the limit.
            use_fine = tile_bound[tile] > FINE_WORTH * limit
            for fy in range(y0, min(y0 + TILE, y_hi), FINE_TILE):
                fy1 = min(fy + FINE_TILE, y_hi)
                for fx in range(x0, min(x0 + TILE, x_hi), FINE_TILE):
                    fx1 = min(fx + FINE_TILE, x_hi)
                    if use_fine and _tile_bound(fine, fy, fx, dy, dx, n_offsets, target, limit) == np.inf:
                        continue
                    for cy in range(fy, fy1):
                        for cx in range(fx, fx1):
                            if not source[cy, cx]:
                                continue
                            total = _distance(pixels, cy, cx, dy, dx, 0, n_offsets, target, 0.0, limit)
                            if total < best or (total == best and (cy < best_y or (cy == best_y and cx < best_x))):
                                best = total
                                best_y = cy
                                best_x = cx
                                limit = total
                                shared[block] = total
        block_best[block] = best
        block_y[block] = best_y
        block_x[block] = best_x
    best = np.inf
    best_y = -1
    best_x = -1
    for block in range(n_blocks):
        total = block_best[block]
        if block_y[block] >= 0 and (
            total < best or (total == best and (block_y[block] < best_y or (
                block_y[block] == best_y and block_x[block] < best_x)))
        ):
            best = total
            best_y = block_y[block]
            best_x = block_x[block]
    return best_y, best_x


@njit(cache=True)
def prepare_search(pixels, known, source, source_integral, shift, half, radius, ty, tx):
    """The target patch's known offsets and values, the candidate window and a bound.

    ``pixels`` holds the input's search features (H, W, C); a pasted pixel's features are
    its exemplar pixel's, found through ``shift``. ``source_integral`` is the integral
    image of ``source`` (to test in O(1) whether the
    search window holds a source patch; if not, the whole image is searched). ``shift``
    holds, for pasted pixels, their exemplar's centre minus their target's centre
    (``NO_SHIFT`` elsewhere): each shift met in the target patch is a guess, and the best
    guess's distance is the initial bound of the search (inf without guesses).

    Returns ``dy, dx, n_offsets, target, y_lo, y_hi, x_lo, x_hi, bound``.
    """
    height, width, channels = pixels.shape
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
                    if shift[0, py, px] != NO_SHIFT:
                        py, px = py + shift[0, py, px], px + shift[1, py, px]
                    for c in range(channels):
                        target[n_offsets, c] = pixels[py, px, c]
                    n_offsets += 1

    y_lo, y_hi, x_lo, x_hi = half, height - half, half, width - half
    if radius >= 0:
        wy_lo, wy_hi = max(y_lo, ty - radius), min(y_hi, ty + radius + 1)
        wx_lo, wx_hi = max(x_lo, tx - radius), min(x_hi, tx + radius + 1)
        if wy_lo < wy_hi and wx_lo < wx_hi and _count(source_integral, wy_lo, wy_hi, wx_lo, wx_hi) > 0:
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
                    bound = min(bound, _distance(pixels, guess_y, guess_x, dy, dx, 0, n_offsets, target, 0.0, bound))
    return dy, dx, n_offsets, target, y_lo, y_hi, x_lo, x_hi, bound


@njit(cache=True)
def paste(planes, gray, known, confidence, shift, cache, bbox, row_best, row_x, half, ty, tx, sy, sx,
          patch_confidence):
    """Copy the unfilled pixels of the patch at (ty, tx) from the one at (sy, sx), in place,
    then recompute the priorities the paste can change. Returns the pixels filled."""
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
    refresh_rows(gray, known, confidence, half, cache, bbox, row_best, row_x, ty - reach, ty + reach + 1)
    return n_filled
