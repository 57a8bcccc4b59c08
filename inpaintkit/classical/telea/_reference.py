"""Telea's fast-marching inpainting, the readable version (the oracle of the numba kernels).

The hole is filled from its boundary inwards, in the order in which a front moving at unit
speed reaches each pixel: the arrival time T solves the eikonal equation |grad T| = 1 with
T = 0 on the boundary, and the fast marching method computes it in increasing order with a
priority queue (the *narrow band*). Every pixel carries a flag:

* ``KNOWN``  -- its value and its T are final (original pixels, and pixels already popped);
* ``BAND``   -- on the front: reached, filled, waiting in the queue with a tentative T;
* ``INSIDE`` -- not reached yet.

The band starts as the known pixels 4-adjacent to the hole, with T = 0. Popping the pixel of
smallest T makes it KNOWN; each of its 4-neighbours that is still INSIDE gets its T from the
eikonal solve, is filled from the known pixels within ``radius``, becomes BAND and is queued.

Before that, a first march runs *outwards* from the same band over the known pixels within
``radius`` of the hole (in the max norm), and its times are negated: T is then a signed distance to the hole's
boundary, so the level-set weight ``1 / (1 + |T(p) - T(q)|)`` also means something for the
known pixels a fill reads.

Each pixel p is filled, as the paper writes it, with a weighted mean over the known pixels q
of the ball B(p, radius) of their first-order predictions of I(p):

    I(p) = sum_q w(p, q) [I(q) + grad I(q) . (p - q)] / sum_q w(p, q),
    w(p, q) = dir(p, q) * dst(p, q) * lev(p, q),
    dir = |(p - q) / |p - q| . N(p)|,   dst = 1 / |p - q|^2,   lev = 1 / (1 + |T(p) - T(q)|),

with N = grad T / |grad T| the front's normal. Two variants are written out here:

``"paper"``
    The equations above, in float64. The eikonal solve is the paper's: the upwind quadratic
    over each pair of a vertical and a horizontal KNOWN neighbour, taking the one-sided
    update ``1 + T`` where the quadratic has no admissible root (|T1 - T2| >= 1). Tentative
    times of BAND pixels are lowered when a new neighbour becomes KNOWN (the standard fast
    marching update; stale queue entries are skipped). The normal is taken before the pixel
    is filled, so T(p) is solved first, from differences of T along each axis (central
    where both neighbours are known, one-sided where one is). grad I(q)
    is the central difference where all four neighbours of q are known and 0 otherwise, as
    in the paper's pseudo-code. ``dir`` is floored at 1e-6 so that a pixel whose neighbours
    all lie across the normal still gets a (distance-weighted) mean. Ties in T go to the
    smallest (y, x).

``"opencv"``
    What ``cv2.inpaint(..., cv2.INPAINT_TELEA)`` computes (OpenCV's modules/photo/src/
    inpaint.cpp), in float32 as OpenCV does, on pixel values in integer *levels* (0..255 for
    uint8):

    * T of a pixel is solved once, when it is first reached, and never lowered; the solve
      counts BAND pixels as known; pixels outside the image count as known with T = 1e6.
    * ``dst = 1 / |r|^3`` and ``dir = r . grad T`` (not normalised; replaced by 1e-6 when
      |dir| <= 0.01), with r = p - q; ``w = |dst * lev * dir|`` -- the paper's weight up to
      |grad T|, which is about 1.
    * The gradient term is not grad I . r: OpenCV accumulates ``J = -sum w (gx rx, gy ry)``
      from differences that are doubled (not halved) when central, and adds
      ``(Jx + Jy) / |J|`` -- a value within +-sqrt(2) levels -- to the weighted mean.
    * It rounds ``value + 0.5`` half to even to the image's integer type and clips, *before*
      later pixels read the value (a bias of half a level). So a constant uint8 image does
      not stay constant: the first rounded pixels make the gradient term non-zero and the
      fill wanders by a level or two, exactly as OpenCV's does.
    * A known pixel's image differences are shifted at the image border: on the first row
      the x difference is read from the second row, on the first column the y difference
      from the second column, and on the last row (column) a backward difference reads the
      row (column) before. Ties in T leave the queue first in, first out.

    ``levels`` > 0 rounds to integers in [0, levels]; ``levels`` = 0 keeps float32 values
    unrounded (the caller's choice for float images, see the class docstring).
"""

from __future__ import annotations

import heapq
import math
from typing import Any

import numpy as np
import scipy.ndimage

KNOWN, BAND, INSIDE = 0, 1, 2

OPENCV_FAR = 1.0e6
"""OpenCV's initial arrival time of every pixel not on the band (also outside the image)."""

_NEIGHBOURS = ((-1, 0), (0, -1), (1, 0), (0, 1))  # OpenCV's order: up, left, down, right
_F32 = np.float32


def setup(mask: np.ndarray, radius: int, opencv: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flags and initial arrival times of both marches.

    Returns
    -------
    flags : uint8 (H, W)
        INSIDE on the hole, BAND on the known pixels 4-adjacent to it, KNOWN elsewhere.
    outward_flags : uint8 (H, W)
        For the outward march: INSIDE on the known pixels within ``radius`` (in the max norm)
        of the hole that are not on the band, BAND on the band, KNOWN elsewhere.
    arrival : float64 (H, W)
        0 on the band, "far" elsewhere (1e6 for OpenCV, infinity for the paper).
    """
    touches = np.zeros_like(mask)
    touches[1:] |= mask[:-1]
    touches[:-1] |= mask[1:]
    touches[:, 1:] |= mask[:, :-1]
    touches[:, :-1] |= mask[:, 1:]
    band = touches & ~mask
    near = scipy.ndimage.maximum_filter(mask.view(np.uint8), size=2 * radius + 1, mode="constant") > 0
    ring = near & ~mask & ~band
    flags = np.full(mask.shape, KNOWN, np.uint8)
    flags[band] = BAND
    flags[mask] = INSIDE
    outward_flags = np.full(mask.shape, KNOWN, np.uint8)
    outward_flags[band] = BAND
    outward_flags[ring] = INSIDE
    arrival = np.full(mask.shape, OPENCV_FAR if opencv else np.inf)
    arrival[band] = 0.0
    return flags, outward_flags, arrival


class ReferenceFront:
    """The state of one fill: image, flags, arrival times and the narrow band's queue.

    ``image`` (H, W, C) float64 is filled in place (in levels for the opencv variant).
    Construction runs the outward march; :meth:`advance` then fills pixels in arrival order.
    """

    def __init__(self, image: np.ndarray, mask: np.ndarray, *, radius: int, variant: str, levels: float) -> None:
        self.image = image
        self.radius = radius
        self.opencv = variant == "opencv"
        self.levels = levels
        self.height, self.width = mask.shape
        self.flags, outward_flags, self.arrival = setup(mask, radius, self.opencv)
        self._sequence = 0
        self.filled = 0

        self._queue: list[tuple[float, int, int, int]] = []
        ring = outward_flags == INSIDE
        self._push_band(outward_flags)
        self._march(outward_flags, max_fills=-1, fill=False)
        reached = ring & (outward_flags == KNOWN)
        self.arrival[reached] = -self.arrival[reached]

        self._queue = []
        self._sequence = 0
        self._push_band(self.flags)

    # ------------------------------------------------------------------ queue
    def _push(self, t: float, y: int, x: int) -> None:
        # OpenCV's queue is first in, first out among equal times; the paper's goes by (y, x).
        tie = self._sequence if self.opencv else y * self.width + x
        self._sequence += 1
        heapq.heappush(self._queue, (t, tie, y, x))

    def _push_band(self, flags: np.ndarray) -> None:
        for y, x in zip(*np.nonzero(flags == BAND)):
            self._push(0.0, int(y), int(x))

    # ------------------------------------------------------------------ the march
    def advance(self, max_fills: int) -> int:
        """Fill up to ``max_fills`` more pixels; returns how many were filled (0 when done)."""
        before = self.filled
        self._march(self.flags, max_fills=max_fills, fill=True)
        return self.filled - before

    def _march(self, flags: np.ndarray, *, max_fills: int, fill: bool) -> None:
        start = self.filled
        while self._queue:
            if fill and self.filled - start >= max_fills:
                return
            t, _, y, x = heapq.heappop(self._queue)
            if flags[y, x] == KNOWN:  # a stale entry: the pixel left the band at a lower T
                continue
            flags[y, x] = KNOWN
            for dy, dx in _NEIGHBOURS:
                ny, nx = y + dy, x + dx
                if not (0 <= ny < self.height and 0 <= nx < self.width) or flags[ny, nx] == KNOWN:
                    continue
                if self.opencv:
                    if flags[ny, nx] != INSIDE:  # OpenCV solves T once, on first reach
                        continue
                    t_new = self._arrival_opencv(flags, ny, nx)
                else:
                    t_new = self._arrival_paper(flags, ny, nx)
                if flags[ny, nx] == INSIDE:
                    self.arrival[ny, nx] = t_new
                    if fill:
                        if self.opencv:
                            self._fill_opencv(ny, nx)
                        else:
                            self._fill_paper(ny, nx)
                        self.filled += 1
                    flags[ny, nx] = BAND
                    self._push(t_new, ny, nx)
                elif t_new < self.arrival[ny, nx]:
                    self.arrival[ny, nx] = t_new
                    self._push(t_new, ny, nx)

    # ------------------------------------------------------------------ eikonal solves
    def _neighbour(self, flags: np.ndarray, y: int, x: int) -> tuple[int, float]:
        """Flag and T of a pixel; outside the image it counts as KNOWN with the 'far' time."""
        if 0 <= y < self.height and 0 <= x < self.width:
            return int(flags[y, x]), float(self.arrival[y, x])
        return KNOWN, (OPENCV_FAR if self.opencv else math.inf)

    def _known_time(self, flags: np.ndarray, y: int, x: int) -> float | None:
        """T of a KNOWN pixel in the image, None otherwise (the paper's solve reads only these)."""
        if 0 <= y < self.height and 0 <= x < self.width and flags[y, x] == KNOWN:
            return float(self.arrival[y, x])
        return None

    def _arrival_paper(self, flags: np.ndarray, y: int, x: int) -> float:
        best = math.inf
        for vertical in (-1, 1):
            for horizontal in (-1, 1):
                t1 = self._known_time(flags, y + vertical, x)
                t2 = self._known_time(flags, y, x + horizontal)
                if t1 is not None and t2 is not None:
                    difference = t1 - t2
                    if abs(difference) < 1.0:
                        solution = (t1 + t2 + math.sqrt(2.0 - difference * difference)) * 0.5
                    else:
                        solution = 1.0 + min(t1, t2)
                elif t1 is not None:
                    solution = 1.0 + t1
                elif t2 is not None:
                    solution = 1.0 + t2
                else:
                    continue
                best = min(best, solution)
        return best

    def _arrival_opencv(self, flags: np.ndarray, y: int, x: int) -> float:
        # OpenCV's FastMarching_solve in double on float32 times, the minimum of its four
        # quadrants taken in float32, in the order (up, left), (down, left), (up, right), (down, right).
        solutions = []
        for vertical, horizontal in ((-1, -1), (1, -1), (-1, 1), (1, 1)):
            f1, t1 = self._neighbour(flags, y + vertical, x)
            f2, t2 = self._neighbour(flags, y, x + horizontal)
            if f1 != INSIDE and f2 != INSIDE:
                if abs(t1 - t2) >= 1.0:
                    solution = 1.0 + min(t1, t2)
                else:
                    solution = (t1 + t2 + math.sqrt(2.0 - (t1 - t2) * (t1 - t2))) * 0.5
            elif f1 != INSIDE:
                solution = 1.0 + t1
            elif f2 != INSIDE:
                solution = 1.0 + t2
            else:
                solution = 1.0 + min(t1, t2)
            solutions.append(float(_F32(solution)))
        return min(min(solutions[0], solutions[1]), min(solutions[2], solutions[3]))

    # ------------------------------------------------------------------ the fills
    def _known(self, y: int, x: int) -> bool:
        """In the image and not INSIDE (pixels outside the image are not known here)."""
        return 0 <= y < self.height and 0 <= x < self.width and self.flags[y, x] != INSIDE

    def _fill_paper(self, y: int, x: int) -> None:
        arrival, image, radius = self.arrival, self.image, self.radius
        normal_y = self._difference(arrival, y, x, axis=0)
        normal_x = self._difference(arrival, y, x, axis=1)
        norm = math.sqrt(normal_y * normal_y + normal_x * normal_x)
        if norm > 0.0:
            normal_y, normal_x = normal_y / norm, normal_x / norm
        total = np.zeros(image.shape[2])
        weight_sum = 0.0
        for qy in range(y - radius, y + radius + 1):
            for qx in range(x - radius, x + radius + 1):
                ry, rx = y - qy, x - qx
                if ry * ry + rx * rx > radius * radius or not self._known(qy, qx):
                    continue
                distance = math.sqrt(ry * ry + rx * rx)
                direction = max(abs((ry * normal_y + rx * normal_x) / distance), 1e-6)
                geometric = 1.0 / (distance * distance)
                level = 1.0 / (1.0 + abs(arrival[y, x] - arrival[qy, qx]))
                weight = direction * geometric * level
                for c in range(image.shape[2]):
                    channel = image[:, :, c]
                    gradient_y, gradient_x = self._image_gradient(channel, qy, qx)
                    total[c] += weight * (channel[qy, qx] + gradient_y * ry + gradient_x * rx)
                weight_sum += weight
        image[y, x] = total / weight_sum

    def _image_gradient(self, channel: np.ndarray, y: int, x: int) -> tuple[float, float]:
        """grad I at a known pixel: central differences where its four neighbours are known,
        else 0 (the paper's rule; one-sided differences across the front make the
        extrapolation ``I(q) + grad I(q) . (p - q)`` feed on its own errors and blow up)."""
        if self._known(y - 1, x) and self._known(y + 1, x) and self._known(y, x - 1) and self._known(y, x + 1):
            return (channel[y + 1, x] - channel[y - 1, x]) * 0.5, (channel[y, x + 1] - channel[y, x - 1]) * 0.5
        return 0.0, 0.0

    def _difference(self, values: np.ndarray, y: int, x: int, axis: int) -> float:
        """Central difference of ``values`` at (y, x) along ``axis`` over known neighbours,
        one-sided where only one is known, 0 where neither is."""
        dy, dx = (1, 0) if axis == 0 else (0, 1)
        after = self._known(y + dy, x + dx)
        before = self._known(y - dy, x - dx)
        if after and before:
            return (values[y + dy, x + dx] - values[y - dy, x - dx]) * 0.5
        if after:
            return values[y + dy, x + dx] - values[y, x]
        if before:
            return values[y, x] - values[y - dy, x - dx]
        return 0.0

    def _fill_opencv(self, y: int, x: int) -> None:
        image, radius, height, width = self.image, self.radius, self.height, self.width
        flags, arrival = self.flags, self.arrival

        def f32_arrival(yy: int, xx: int) -> np.float32:
            return _F32(self._neighbour(flags, yy, xx)[1])

        def open_(yy: int, xx: int) -> bool:  # "not INSIDE", pixels outside the image included
            return self._neighbour(flags, yy, xx)[0] != INSIDE

        def time_difference(plus: tuple[int, int], minus: tuple[int, int]) -> np.float32:
            if open_(*plus):
                if open_(*minus):
                    return (f32_arrival(*plus) - f32_arrival(*minus)) * _F32(0.5)
                return f32_arrival(*plus) - f32_arrival(y, x)
            if open_(*minus):
                return f32_arrival(y, x) - f32_arrival(*minus)
            return _F32(0.0)

        grad_t_x = time_difference((y, x + 1), (y, x - 1))
        grad_t_y = time_difference((y + 1, x), (y - 1, x))
        t_p = _F32(arrival[y, x])
        channels = image.shape[2]
        mean = [_F32(0.0)] * channels
        jx = [_F32(0.0)] * channels
        jy = [_F32(0.0)] * channels
        weight_sum = _F32(1.0e-20)
        for qy in range(y - radius, y + radius + 1):
            # OpenCV's border shifts: row 0 reads row 1, the last row's "row" for a backward
            # difference is the one above (indices clamped for 1-pixel-wide images).
            row = min(qy + (qy == 0), height - 1)
            row_last = max(qy - (qy == height - 1), 0)
            for qx in range(x - radius, x + radius + 1):
                if not (0 <= qy < height and 0 <= qx < width):
                    continue
                if flags[qy, qx] == INSIDE or (qx - x) ** 2 + (qy - y) ** 2 > radius * radius:
                    continue
                col = min(qx + (qx == 0), width - 1)
                col_last = max(qx - (qx == width - 1), 0)
                ry, rx = _F32(y - qy), _F32(x - qx)
                length_sq = rx * rx + ry * ry
                if channels == 3:  # OpenCV's 8-bit colour code takes this square root in double,
                    dst = _F32(1.0 / (float(length_sq) * math.sqrt(float(length_sq))))
                else:  # its one-channel code in float32
                    dst = _F32(1.0 / float(length_sq * _F32(math.sqrt(float(length_sq)))))
                lev = _F32(1.0 / (1.0 + abs(float(_F32(arrival[qy, qx]) - t_p))))
                direction = rx * grad_t_x + ry * grad_t_y
                if abs(float(direction)) <= 0.01:
                    direction = _F32(1.0e-6)
                weight = abs(dst * lev * direction)
                right, left = open_(qy, qx + 1), open_(qy, qx - 1)
                down, up = open_(qy + 1, qx), open_(qy - 1, qx)
                for c in range(channels):
                    plane = image[:, :, c]
                    if right and left:
                        gx = _F32(plane[row, min(col_last + 1, width - 1)] - plane[row, max(col - 1, 0)]) * _F32(2.0)
                    elif right:
                        gx = _F32(plane[row, min(col_last + 1, width - 1)] - plane[row, col])
                    elif left:
                        gx = _F32(plane[row, col_last] - plane[row, max(col - 1, 0)])
                    else:
                        gx = _F32(0.0)
                    if down and up:
                        gy = _F32(plane[min(row_last + 1, height - 1), col] - plane[max(row - 1, 0), col]) * _F32(2.0)
                    elif down:
                        gy = _F32(plane[min(row_last + 1, height - 1), col] - plane[row, col])
                    elif up:
                        gy = _F32(plane[row_last, col] - plane[max(row - 1, 0), col])
                    else:
                        gy = _F32(0.0)
                    mean[c] = mean[c] + weight * _F32(plane[qy, qx])
                    jx[c] = jx[c] - weight * (gx * rx)
                    jy[c] = jy[c] - weight * (gy * ry)
                weight_sum = weight_sum + weight
        for c in range(channels):
            gradient_term = (jx[c] + jy[c]) / (_F32(math.sqrt(float(jx[c] * jx[c] + jy[c] * jy[c]))) + _F32(1.0e-20))
            image[y, x, c] = _round_opencv(mean[c] / weight_sum + gradient_term, self.levels)


def _round_opencv(value: Any, levels: float) -> float:
    """OpenCV's ``round_cast``: ``value + 0.5`` (in double) rounded half to even and clipped to
    [0, levels]; or the float32 value itself when ``levels`` is 0 (float images)."""
    if levels > 0.0:
        return min(max(float(np.rint(float(value) + 0.5)), 0.0), levels)
    return float(value)


def front_state(image: np.ndarray, flags: np.ndarray, arrival: np.ndarray, filled: int) -> dict[str, Any]:
    """The callback state shared by both backends (copies; T is NaN where not reached)."""
    reached = np.isfinite(arrival) & (np.abs(arrival) < OPENCV_FAR)
    return {
        "image": image.copy(),
        "arrival_time": np.where(reached, arrival, np.nan),
        "band": flags == BAND,
        "filled": filled,
    }
