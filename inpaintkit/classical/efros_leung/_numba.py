"""numba kernel for Efros-Leung synthesis: one onion layer per call.

Plain arrays in, no validation. The candidates are given as a map of valid window centres
and the image channel-first, so that a row of candidates reads contiguous memory: the first
``SCREEN_OFFSETS`` terms of every candidate in a row are summed at once (vectorised), then
the survivors are finished one by one. A candidate is given up (distance inf) once its
partial sum passes ``(1 + epsilon)`` times the best distance so far: it can no longer be a
match, so the set of matches, and therefore the draw, is exactly the reference's. Each sum
runs in the reference's order (offsets, then channels).

The search runs serially: a layer is a chain of dependent pixels, each search is short
(about a millisecond), and on two cores waking a thread team per pixel cost more than it
saved (measured: 0.42 s serial against 4.7 s with two threads on a busy machine, 64x64).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._reference import counter_hash, pick_index

_hash = njit(cache=True)(counter_hash)
_pick = njit(cache=True)(pick_index)

SCREEN_OFFSETS = 16
"""Offsets summed for a whole row of candidates at once before the survivors are finished."""


@njit(cache=True)
def _distances(planes, y, x, dy, dx, weights, n_offsets, candidates, y_lo, y_hi, x_lo, x_hi, slack, distance):
    """Fill ``distance[cy, cx]`` for every candidate (inf where it cannot be a match)."""
    channels = planes.shape[0]
    n_screen = min(SCREEN_OFFSETS, n_offsets)
    row_length = x_hi - x_lo
    partial = np.empty(row_length)
    limit = np.inf
    for cy in range(y_lo, y_hi):
        partial[:] = 0.0
        for k in range(n_screen):
            weight = weights[k]
            for c in range(channels):
                value = planes[c, y + dy[k], x + dx[k]]
                row = planes[c, cy + dy[k], x_lo + dx[k] : x_hi + dx[k]]
                for j in range(row_length):
                    diff = row[j] - value
                    partial[j] += weight * (diff * diff)
        for j in range(row_length):
            cx = x_lo + j
            if not candidates[cy, cx]:
                continue
            total = partial[j]
            if total <= limit:
                for k in range(n_screen, n_offsets):
                    weight = weights[k]
                    for c in range(channels):
                        diff = planes[c, cy + dy[k], cx + dx[k]] - planes[c, y + dy[k], x + dx[k]]
                        total += weight * (diff * diff)
                    if total > limit:
                        break
            if total > limit:
                total = np.inf
            distance[cy, cx] = total
            if total * slack < limit:
                limit = total * slack


@njit(cache=True)
def fill_layer(planes, filled, ys, xs, order_y, order_x, order_weight, candidates, epsilon, seed, pass_index,
               max_error, error_unit):
    """Fill the layer ``ys, xs`` in order, in place (see ``fill_layer_reference``).

    ``planes`` is the image channel-first (C, H, W); ``candidates`` (H, W) marks the
    centres of the candidate windows. Returns the number of pixels filled.
    """
    channels, height, width = planes.shape
    window_area = order_y.shape[0]
    dy = np.empty(window_area, np.int64)
    dx = np.empty(window_area, np.int64)
    weights = np.empty(window_area)
    y_lo, y_hi, x_lo, x_hi = height, 0, width, 0
    for cy in range(height):
        for cx in range(width):
            if candidates[cy, cx]:
                y_lo, y_hi = min(y_lo, cy), max(y_hi, cy + 1)
                x_lo, x_hi = min(x_lo, cx), max(x_hi, cx + 1)
    distance = np.full((height, width), np.inf)
    slack = 1.0 + epsilon
    n_filled = 0
    for position in range(ys.shape[0]):
        y = ys[position]
        x = xs[position]
        n_offsets = 0
        total_weight = 0.0
        for j in range(window_area):
            py = y + order_y[j]
            px = x + order_x[j]
            if 0 <= py < height and 0 <= px < width and filled[py, px]:
                dy[n_offsets] = order_y[j]
                dx[n_offsets] = order_x[j]
                weights[n_offsets] = order_weight[j]
                total_weight += weights[n_offsets]
                n_offsets += 1
        _distances(planes, y, x, dy, dx, weights, n_offsets, candidates, y_lo, y_hi, x_lo, x_hi, slack, distance)
        best = np.inf
        for cy in range(y_lo, y_hi):
            for cx in range(x_lo, x_hi):
                if candidates[cy, cx] and distance[cy, cx] < best:
                    best = distance[cy, cx]
        threshold = best * slack
        count = 0
        for cy in range(y_lo, y_hi):
            for cx in range(x_lo, x_hi):
                if candidates[cy, cx] and distance[cy, cx] <= threshold:
                    count += 1
        wanted = _pick(_hash(seed, pass_index, position), count)
        chosen_y = -1
        chosen_x = -1
        for cy in range(y_lo, y_hi):
            for cx in range(x_lo, x_hi):
                if candidates[cy, cx] and distance[cy, cx] <= threshold:
                    if wanted == 0 and chosen_y < 0:
                        chosen_y = cy
                        chosen_x = cx
                    wanted -= 1
        if distance[chosen_y, chosen_x] <= max_error * (total_weight * error_unit):
            for c in range(channels):
                planes[c, y, x] = planes[c, chosen_y, chosen_x]
            filled[y, x] = True
            n_filled += 1
    return n_filled
