"""numba kernels for Telea's fast-marching inpainting: the march of :mod:`._reference`, compiled.

Plain arrays in, no validation. Sequential by nature (each fill reads the pixels filled just
before it), so no ``parallel=True``. The flags and arrival times carry a one-pixel border
(flag ``OUTSIDE``, time 1e6 or infinity) so that the inner loops need no bounds checks; the
image is not padded. The narrow band is a binary min-heap over three arrays (time,
tie-break, flat padded index); ties go first in, first out for the opencv variant and to the
smallest (y, x) for the paper, as in the reference, so both fill the pixels in the same order
and, with the same float operations in the same order, give bit-identical results.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._reference import BAND, INSIDE, KNOWN, OPENCV_FAR

OUTSIDE = 3
"""Flag of the padding around the image: neither KNOWN nor INSIDE."""

_DY = (-1, 0, 1, 0)  # up, left, down, right: OpenCV's order
_DX = (0, -1, 0, 1)
_SIZE, _SEQUENCE, _FILLED = 0, 1, 2  # slots of the ``counters`` array
_F32_HALF = np.float32(0.5)
_F32_TWO = np.float32(2.0)
_F32_ZERO = np.float32(0.0)
_F32_TINY = np.float32(1.0e-20)
_F32_FLOOR = np.float32(1.0e-6)


# ---------------------------------------------------------------------- the heap
@njit(cache=True)
def _push(keys, ties, cells, counters, key, tie, cell):
    i = counters[_SIZE]
    counters[_SIZE] = i + 1
    while i > 0:
        parent = (i - 1) // 2
        if key > keys[parent] or (key == keys[parent] and tie > ties[parent]):
            break
        keys[i] = keys[parent]
        ties[i] = ties[parent]
        cells[i] = cells[parent]
        i = parent
    keys[i] = key
    ties[i] = tie
    cells[i] = cell


@njit(cache=True)
def _pop(keys, ties, cells, counters):
    top = cells[0]
    last = counters[_SIZE] - 1
    counters[_SIZE] = last
    key = keys[last]
    tie = ties[last]
    cell = cells[last]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= last:
            break
        other = child + 1
        if other < last and (keys[other] < keys[child] or (keys[other] == keys[child] and ties[other] < ties[child])):
            child = other
        if keys[child] > key or (keys[child] == key and ties[child] > tie):
            break
        keys[i] = keys[child]
        ties[i] = ties[child]
        cells[i] = cells[child]
        i = child
    keys[i] = key
    ties[i] = tie
    cells[i] = cell
    return top


# ---------------------------------------------------------------------- eikonal solves
@njit(cache=True, error_model="numpy")
def _arrival_paper(flags, arrival, y, x):
    """Padded coordinates; reads KNOWN neighbours only."""
    best = math.inf
    for vertical in (-1, 1):
        for horizontal in (-1, 1):
            known1 = flags[y + vertical, x] == KNOWN
            known2 = flags[y, x + horizontal] == KNOWN
            if known1 and known2:
                t1 = arrival[y + vertical, x]
                t2 = arrival[y, x + horizontal]
                difference = t1 - t2
                if abs(difference) < 1.0:
                    solution = (t1 + t2 + math.sqrt(2.0 - difference * difference)) * 0.5
                else:
                    solution = 1.0 + min(t1, t2)
            elif known1:
                solution = 1.0 + arrival[y + vertical, x]
            elif known2:
                solution = 1.0 + arrival[y, x + horizontal]
            else:
                continue
            best = min(best, solution)
    return best


@njit(cache=True, error_model="numpy")
def _arrival_opencv(flags, arrival, y, x):
    """Padded coordinates; everything not INSIDE counts, the padding with T = 1e6."""
    best = math.inf
    for vertical, horizontal in ((-1, -1), (1, -1), (-1, 1), (1, 1)):
        open1 = flags[y + vertical, x] != INSIDE
        open2 = flags[y, x + horizontal] != INSIDE
        t1 = arrival[y + vertical, x]
        t2 = arrival[y, x + horizontal]
        if open1 and open2:
            if abs(t1 - t2) >= 1.0:
                solution = 1.0 + min(t1, t2)
            else:
                solution = (t1 + t2 + math.sqrt(2.0 - (t1 - t2) * (t1 - t2))) * 0.5
        elif open1:
            solution = 1.0 + t1
        elif open2:
            solution = 1.0 + t2
        else:
            solution = 1.0 + min(t1, t2)
        best = min(best, float(np.float32(solution)))
    return best


# ---------------------------------------------------------------------- the fills
@njit(cache=True, error_model="numpy")
def _fill_paper(planes, flags, arrival, y, x, radius, distance, geometric, total):
    """Fill image pixel (y, x); ``flags`` and ``arrival`` are padded (pixel (y, x) is at
    (y + 1, x + 1) there). A pixel is known when its flag is KNOWN or BAND."""
    channels, height, width = planes.shape
    py, px = y + 1, x + 1
    down, up = flags[py + 1, px] <= BAND, flags[py - 1, px] <= BAND
    if down and up:
        normal_y = (arrival[py + 1, px] - arrival[py - 1, px]) * 0.5
    elif down:
        normal_y = arrival[py + 1, px] - arrival[py, px]
    elif up:
        normal_y = arrival[py, px] - arrival[py - 1, px]
    else:
        normal_y = 0.0
    right, left = flags[py, px + 1] <= BAND, flags[py, px - 1] <= BAND
    if right and left:
        normal_x = (arrival[py, px + 1] - arrival[py, px - 1]) * 0.5
    elif right:
        normal_x = arrival[py, px + 1] - arrival[py, px]
    elif left:
        normal_x = arrival[py, px] - arrival[py, px - 1]
    else:
        normal_x = 0.0
    norm = math.sqrt(normal_y * normal_y + normal_x * normal_x)
    if norm > 0.0:
        normal_y = normal_y / norm
        normal_x = normal_x / norm
    for c in range(channels):
        total[c] = 0.0
    weight_sum = 0.0
    t_p = arrival[py, px]
    for qy in range(max(y - radius, 0), min(y + radius + 1, height)):
        ry = y - qy
        for qx in range(max(x - radius, 0), min(x + radius + 1, width)):
            rx = x - qx
            if ry * ry + rx * rx > radius * radius or flags[qy + 1, qx + 1] == INSIDE:
                continue
            d = distance[ry + radius, rx + radius]
            direction = max(abs((ry * normal_y + rx * normal_x) / d), 1e-6)
            level = 1.0 / (1.0 + abs(t_p - arrival[qy + 1, qx + 1]))
            weight = direction * geometric[ry + radius, rx + radius] * level
            central = (
                flags[qy, qx + 1] <= BAND and flags[qy + 2, qx + 1] <= BAND
                and flags[qy + 1, qx] <= BAND and flags[qy + 1, qx + 2] <= BAND
            )  # fmt: skip
            for c in range(channels):
                gradient_y = 0.0
                gradient_x = 0.0
                if central:
                    gradient_y = (planes[c, qy + 1, qx] - planes[c, qy - 1, qx]) * 0.5
                    gradient_x = (planes[c, qy, qx + 1] - planes[c, qy, qx - 1]) * 0.5
                total[c] += weight * (planes[c, qy, qx] + gradient_y * ry + gradient_x * rx)
            weight_sum += weight
    for c in range(channels):
        planes[c, y, x] = total[c] / weight_sum


@njit(cache=True, error_model="numpy")
def _fill_opencv(planes, flags, arrival, y, x, radius, dst_table, levels, mean, jx, jy):
    """Fill image pixel (y, x) as OpenCV does, in float32; ``flags``/``arrival`` padded."""
    channels, height, width = planes.shape
    py, px = y + 1, x + 1
    t_p = np.float32(arrival[py, px])
    if flags[py, px + 1] != INSIDE:
        if flags[py, px - 1] != INSIDE:
            grad_t_x = (np.float32(arrival[py, px + 1]) - np.float32(arrival[py, px - 1])) * _F32_HALF
        else:
            grad_t_x = np.float32(arrival[py, px + 1]) - t_p
    elif flags[py, px - 1] != INSIDE:
        grad_t_x = t_p - np.float32(arrival[py, px - 1])
    else:
        grad_t_x = _F32_ZERO
    if flags[py + 1, px] != INSIDE:
        if flags[py - 1, px] != INSIDE:
            grad_t_y = (np.float32(arrival[py + 1, px]) - np.float32(arrival[py - 1, px])) * _F32_HALF
        else:
            grad_t_y = np.float32(arrival[py + 1, px]) - t_p
    elif flags[py - 1, px] != INSIDE:
        grad_t_y = t_p - np.float32(arrival[py - 1, px])
    else:
        grad_t_y = _F32_ZERO
    for c in range(channels):
        mean[c] = _F32_ZERO
        jx[c] = _F32_ZERO
        jy[c] = _F32_ZERO
    weight_sum = _F32_TINY
    for qy in range(max(y - radius, 0), min(y + radius + 1, height)):
        # OpenCV's border shifts of the rows its image differences read (see the reference).
        row = min(qy + (1 if qy == 0 else 0), height - 1)
        row_last = max(qy - (1 if qy == height - 1 else 0), 0)
        down_row = min(row_last + 1, height - 1)
        up_row = max(row - 1, 0)
        ry = np.float32(y - qy)
        for qx in range(max(x - radius, 0), min(x + radius + 1, width)):
            if flags[qy + 1, qx + 1] == INSIDE or (qx - x) * (qx - x) + (qy - y) * (qy - y) > radius * radius:
                continue
            col = min(qx + (1 if qx == 0 else 0), width - 1)
            col_last = max(qx - (1 if qx == width - 1 else 0), 0)
            right_col = min(col_last + 1, width - 1)
            left_col = max(col - 1, 0)
            rx = np.float32(x - qx)
            dst = np.float32(dst_table[y - qy + radius, x - qx + radius])
            lev = np.float32(1.0 / (1.0 + abs(float(np.float32(arrival[qy + 1, qx + 1]) - t_p))))
            direction = rx * grad_t_x + ry * grad_t_y
            if abs(float(direction)) <= 0.01:
                direction = _F32_FLOOR
            weight = abs(dst * lev * direction)
            right = flags[qy + 1, qx + 2] != INSIDE
            left = flags[qy + 1, qx] != INSIDE
            down = flags[qy + 2, qx + 1] != INSIDE
            up = flags[qy, qx + 1] != INSIDE
            for c in range(channels):
                if right and left:
                    gx = np.float32(planes[c, row, right_col] - planes[c, row, left_col]) * _F32_TWO
                elif right:
                    gx = np.float32(planes[c, row, right_col] - planes[c, row, col])
                elif left:
                    gx = np.float32(planes[c, row, col_last] - planes[c, row, left_col])
                else:
                    gx = _F32_ZERO
                if down and up:
                    gy = np.float32(planes[c, down_row, col] - planes[c, up_row, col]) * _F32_TWO
                elif down:
                    gy = np.float32(planes[c, down_row, col] - planes[c, row, col])
                elif up:
                    gy = np.float32(planes[c, row_last, col] - planes[c, up_row, col])
                else:
                    gy = _F32_ZERO
                mean[c] = mean[c] + weight * np.float32(planes[c, qy, qx])
                jx[c] = jx[c] - weight * (gx * rx)
                jy[c] = jy[c] - weight * (gy * ry)
            weight_sum = weight_sum + weight
    for c in range(channels):
        norm = np.float32(math.sqrt(float(jx[c] * jx[c] + jy[c] * jy[c])))
        value = mean[c] / weight_sum + (jx[c] + jy[c]) / (norm + _F32_TINY)
        if levels > 0.0:
            planes[c, y, x] = min(max(np.rint(float(value) + 0.5), 0.0), levels)
        else:
            planes[c, y, x] = float(value)


# ---------------------------------------------------------------------- set-up
@njit(cache=True)
def setup_padded(mask, radius, far):
    """:func:`~._reference.setup` on padded arrays in a few passes: flags, outward flags,
    arrival (H + 2, W + 2) and the band's flat padded indices in raster order."""
    height, width = mask.shape
    # Is a hole pixel within `radius` along the row (both sweeps), then within `radius` rows of
    # such a pixel along the column (both sweeps, row by row for the cache): the max-norm ball.
    cap = radius + 1
    along_rows = np.empty((height, width), np.bool_)
    for y in range(height):
        gap = cap
        for x in range(width):
            gap = 0 if mask[y, x] else min(gap + 1, cap)
            along_rows[y, x] = gap <= radius
        gap = cap
        for x in range(width - 1, -1, -1):
            gap = 0 if mask[y, x] else min(gap + 1, cap)
            along_rows[y, x] = along_rows[y, x] or gap <= radius
    near = np.empty((height, width), np.bool_)
    gaps = np.full(width, cap, np.int64)
    for y in range(height):
        for x in range(width):
            gaps[x] = 0 if along_rows[y, x] else min(gaps[x] + 1, cap)
            near[y, x] = gaps[x] <= radius
    gaps[:] = cap
    for y in range(height - 1, -1, -1):
        for x in range(width):
            gaps[x] = 0 if along_rows[y, x] else min(gaps[x] + 1, cap)
            near[y, x] = near[y, x] or gaps[x] <= radius
    flags = np.full((height + 2, width + 2), OUTSIDE, np.uint8)
    outward = np.full((height + 2, width + 2), OUTSIDE, np.uint8)
    arrival = np.full((height + 2, width + 2), far)
    band = np.empty(height * width, np.int64)
    n_band = 0
    for y in range(height):
        for x in range(width):
            py, px = y + 1, x + 1
            touches = (
                (y > 0 and mask[y - 1, x]) or (y + 1 < height and mask[y + 1, x])
                or (x > 0 and mask[y, x - 1]) or (x + 1 < width and mask[y, x + 1])
            )  # fmt: skip
            if mask[y, x]:
                flags[py, px] = INSIDE
                outward[py, px] = KNOWN
            elif touches:
                flags[py, px] = BAND
                outward[py, px] = BAND
                arrival[py, px] = 0.0
                band[n_band] = py * (width + 2) + px
                n_band += 1
            else:
                flags[py, px] = KNOWN
                outward[py, px] = INSIDE if near[y, x] else KNOWN
    return flags, outward, arrival, band[:n_band]


# ---------------------------------------------------------------------- the march
@njit(cache=True, error_model="numpy")
def march(planes, flags, arrival, keys, ties, cells, counters, radius, tables, opencv, fill, levels, max_fills):
    """Pop the band until it is empty or ``max_fills`` more pixels are filled (``fill``).

    ``planes`` (C, H, W) is the image channel first, filled in place; ``flags`` and
    ``arrival`` (H + 2, W + 2) are padded with ``OUTSIDE`` and the far time; heap cells are
    flat indices into them. ``tables`` (2, 2r+1, 2r+1): the opencv variant's distance weight
    1/|r|^3 (float32 values) in ``tables[0]``; the paper's |r| in ``tables[0]`` and 1/|r|^2 in
    ``tables[1]``. ``counters`` holds (heap size, pushes so far, pixels filled) and is updated.
    """
    channels = planes.shape[0]
    padded_width = flags.shape[1]
    scratch = np.empty((3, channels), np.float32)
    total = np.empty(channels)
    first_table = tables[0]
    second_table = tables[1]
    start = counters[_FILLED]
    while counters[_SIZE] > 0:
        if fill and counters[_FILLED] - start >= max_fills:
            return
        cell = _pop(keys, ties, cells, counters)
        y = cell // padded_width
        x = cell - y * padded_width
        if flags[y, x] == KNOWN:  # stale entry (paper variant)
            continue
        flags[y, x] = KNOWN
        for n in range(4):
            ny = y + _DY[n]
            nx = x + _DX[n]
            flag = flags[ny, nx]
            if flag == KNOWN or flag == OUTSIDE:
                continue
            if opencv:
                if flag != INSIDE:
                    continue
                t_new = _arrival_opencv(flags, arrival, ny, nx)
            else:
                t_new = _arrival_paper(flags, arrival, ny, nx)
            if flag == INSIDE:
                arrival[ny, nx] = t_new
                if fill:
                    if opencv:
                        _fill_opencv(
                            planes, flags, arrival, ny - 1, nx - 1, radius, first_table, levels,
                            scratch[0], scratch[1], scratch[2],
                        )  # fmt: skip
                    else:
                        _fill_paper(planes, flags, arrival, ny - 1, nx - 1, radius, first_table, second_table, total)
                    counters[_FILLED] += 1
                flags[ny, nx] = BAND
            elif t_new < arrival[ny, nx]:
                arrival[ny, nx] = t_new
            else:
                continue
            tie = counters[_SEQUENCE] if opencv else ny * padded_width + nx
            counters[_SEQUENCE] += 1
            _push(keys, ties, cells, counters, t_new, tie, ny * padded_width + nx)


def offset_tables(radius: int, opencv: bool, channels: int) -> np.ndarray:
    """The per-offset distance terms of the fills (the same expressions as the reference)."""
    tables = np.zeros((2, 2 * radius + 1, 2 * radius + 1))
    f32 = np.float32
    for ry in range(-radius, radius + 1):
        for rx in range(-radius, radius + 1):
            length_sq = ry * ry + rx * rx
            if length_sq == 0:
                continue
            if opencv and channels == 3:
                tables[0, ry + radius, rx + radius] = f32(1.0 / (float(length_sq) * math.sqrt(float(length_sq))))
            elif opencv:
                tables[0, ry + radius, rx + radius] = f32(1.0 / float(f32(length_sq) * f32(math.sqrt(length_sq))))
            else:
                distance = math.sqrt(length_sq)
                tables[0, ry + radius, rx + radius] = distance
                tables[1, ry + radius, rx + radius] = 1.0 / (distance * distance)
    return tables


class NumbaFront:
    """The state of one fill on the numba backend; the same interface as
    :class:`~._reference.ReferenceFront` (``advance``, ``image``, ``flags``, ``arrival``,
    ``filled``)."""

    def __init__(self, image: np.ndarray, mask: np.ndarray, *, radius: int, variant: str, levels: float) -> None:
        self._planes = np.ascontiguousarray(np.moveaxis(image, 2, 0))
        self.radius = radius
        self.opencv = variant == "opencv"
        self.levels = float(levels)
        far = OPENCV_FAR if self.opencv else math.inf
        self._flags, outward, self._arrival, self._band = setup_padded(mask, radius, far)
        self._tables = offset_tables(radius, self.opencv, image.shape[2])
        capacity = self._band.size + 4 * (int(np.count_nonzero(outward == INSIDE)) + int(np.count_nonzero(mask)))
        self._keys = np.empty(capacity + 1)
        self._ties = np.empty(capacity + 1, np.int64)
        self._cells = np.empty(capacity + 1, np.int64)
        self._counters = np.zeros(3, np.int64)
        self._load_band()
        self._run(outward, fill=False, max_fills=0)
        # The outward march's times become negative distances (the band keeps 0, the hole
        # and the pixels beyond the ring keep the far time).
        reached = (outward == KNOWN) & (self._arrival > 0.0) & (self._arrival < far)
        self._arrival[reached] = -self._arrival[reached]
        self._load_band()

    @property
    def image(self) -> np.ndarray:
        """The image so far, (H, W, C) (a view of the channel-first planes the kernels fill)."""
        return np.moveaxis(self._planes, 0, 2)

    @property
    def flags(self) -> np.ndarray:
        return self._flags[1:-1, 1:-1]

    @property
    def arrival(self) -> np.ndarray:
        return self._arrival[1:-1, 1:-1]

    @property
    def filled(self) -> int:
        return int(self._counters[_FILLED])

    def _load_band(self) -> None:
        # The band in raster order with T = 0 and increasing tie-breaks is already a heap.
        band = self._band
        n = band.size
        self._keys[:n] = 0.0
        self._cells[:n] = band
        self._ties[:n] = np.arange(n) if self.opencv else band
        self._counters[_SIZE] = n
        self._counters[_SEQUENCE] = n

    def _run(self, flags: np.ndarray, *, fill: bool, max_fills: int) -> None:
        march(
            self._planes, flags, self._arrival, self._keys, self._ties, self._cells, self._counters,
            self.radius, self._tables, self.opencv, fill, self.levels, max_fills,
        )  # fmt: skip

    def advance(self, max_fills: int) -> int:
        """Fill up to ``max_fills`` more pixels; returns how many were filled (0 when done)."""
        before = self.filled
        self._run(self._flags, fill=True, max_fills=max_fills)
        return self.filled - before
