"""Mask generators for inpainting experiments: boxes, strokes, irregular holes, scratches.

Every generator returns a fresh ``bool`` array of shape ``(H, W)`` where True means *fill
this pixel*, the meaning used everywhere in inpaintkit. The random ones take ``seed`` and
draw only from ``numpy.random.default_rng(seed)``: the same arguments and seed give the same
mask on every machine. No generator returns an empty mask or one that covers the whole
image (a random draw that would is drawn again).

Strokes are drawn as chains of capsules: a pixel belongs to a stroke of width ``w`` when its
centre lies within ``w / 2`` of the stroke's path (what PIL's and OpenCV's thick lines with
round joints draw, up to the rounding of their rasterisers).

>>> from inpaintkit import masks
>>> hole = masks.free_form((256, 256), seed=0)
>>> hole.dtype, hole.shape
(dtype('bool'), (256, 256))
>>> bool((hole == masks.free_form((256, 256), seed=0)).all())
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .contract import check_mask
from .errors import InvalidParameterError
from .params import check_bool, check_choice, check_float, check_int, check_seed

__all__ = [
    "HOLE_RATIO_BINS",
    "LAMA_KINDS",
    "box",
    "random_boxes",
    "free_form",
    "irregular",
    "lama",
    "scratches",
    "dilate",
    "hole_ratio",
    "hole_ratio_bin",
]

#: The hole-ratio bins of Liu et al. (2018)'s irregular test masks, as ``[low, high)`` fractions.
HOLE_RATIO_BINS = ((0.01, 0.1), (0.1, 0.2), (0.2, 0.3), (0.3, 0.4), (0.4, 0.5), (0.5, 0.6))

#: The mask families of LaMa's evaluation sets.
LAMA_KINDS = ("thin", "medium", "thick")

# A random draw that comes out empty or full is drawn again, at most this many times.
_MAX_DRAWS = 100


# ----------------------------------------------------------------------------- validation


def _check_shape(shape: Any) -> tuple[int, int]:
    try:
        dims = tuple(shape)
    except TypeError:
        raise InvalidParameterError(f"shape: expected a pair (H, W) of positive integers, got {shape!r}") from None
    if len(dims) != 2:
        raise InvalidParameterError(
            f"shape: expected a pair (H, W) of positive integers, got {shape!r}; for an image pass image.shape[:2]"
        )
    height = check_int("shape[0] (height)", dims[0], low=1)
    width = check_int("shape[1] (width)", dims[1], low=1)
    if height * width < 2:
        raise InvalidParameterError(
            f"shape: {height}x{width} has a single pixel, so every mask would be empty or cover the whole image; "
            "use an image of at least 2 pixels"
        )
    return height, width


def _rng(seed: Any) -> np.random.Generator:
    return np.random.default_rng(check_seed("seed", seed))


def _check_range(name: str, value: Any, *, low: int = 1) -> tuple[int, int]:
    """An integer ``v`` (meaning ``(v, v)``) or a pair ``(low, high)`` with ``low <= high``."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        if len(value) != 2:
            raise InvalidParameterError(f"{name}: expected an integer or a pair (low, high), got {value!r}")
        lo = check_int(f"{name}[0]", value[0], low=low)
        hi = check_int(f"{name}[1]", value[1], low=lo)
        return lo, hi
    value = check_int(name, value, low=low)
    return value, value


def _check_mask_arg(mask: Any) -> np.ndarray:
    return check_mask(mask, np, tuple(np.shape(mask)[:2]))


def _neither_empty_nor_full(draw: Callable[[], np.ndarray], what: str) -> np.ndarray:
    """Call ``draw`` until its mask is neither empty nor full (each call continues the same stream)."""
    for _ in range(_MAX_DRAWS):
        mask = draw()
        if mask.any() and not mask.all():
            return mask
    raise InvalidParameterError(
        f"{what}: {_MAX_DRAWS} draws in a row gave an empty mask or one covering the whole image; "
        "use a larger image or smaller strokes/boxes"
    )


# ----------------------------------------------------------------------------- drawing


def _draw_segment(mask: np.ndarray, start: tuple[float, float], end: tuple[float, float], radius: float) -> None:
    """Set the pixels whose centre lies within ``radius`` of the segment ``start``-``end`` ((y, x) points)."""
    (y0, x0), (y1, x1) = start, end
    height, width = mask.shape
    top = max(math.floor(min(y0, y1) - radius), 0)
    bottom = min(math.ceil(max(y0, y1) + radius), height - 1)
    left = max(math.floor(min(x0, x1) - radius), 0)
    right = min(math.ceil(max(x0, x1) + radius), width - 1)
    if top > bottom or left > right:
        return
    ys = np.arange(top, bottom + 1, dtype=np.float64)[:, None]
    xs = np.arange(left, right + 1, dtype=np.float64)[None, :]
    dy, dx = y1 - y0, x1 - x0
    length_sq = dy * dy + dx * dx
    if length_sq == 0.0:
        along = 0.0
    else:
        along = np.clip(((ys - y0) * dy + (xs - x0) * dx) / length_sq, 0.0, 1.0)
    dist_sq = (ys - y0 - along * dy) ** 2 + (xs - x0 - along * dx) ** 2
    # The tolerance makes a centre exactly on the stroke's edge count on every platform.
    mask[top : bottom + 1, left : right + 1] |= dist_sq <= radius * radius + 1e-9


def _draw_polyline(mask: np.ndarray, points: Sequence[tuple[float, float]], width: float) -> None:
    """A stroke of the given width through ``points`` ((y, x)), with round joints and caps."""
    radius = width / 2.0
    if len(points) == 1:
        _draw_segment(mask, points[0], points[0], radius)
    for start, end in zip(points[:-1], points[1:]):
        _draw_segment(mask, start, end, radius)


# ----------------------------------------------------------------------------- boxes


def box(shape: Any, *, ratio: float = 0.12, center: tuple[int, int] | None = None) -> np.ndarray:
    """A rectangle with the image's aspect ratio covering about ``ratio`` of the image.

    With ``ratio=0.25`` on a 128x128 image this is Context Encoder's 64x64 centre hole [1]_.

    Parameters
    ----------
    shape : (int, int)
        ``(H, W)`` of the image.
    ratio : float
        Fraction of the image to cover, in (0, 1). Each side is ``round(side * sqrt(ratio))``
        (at least 1 pixel), so the covered fraction is ``ratio`` up to rounding.
    center : (int, int), optional
        ``(row, column)`` of the box's centre; by default the box is centred in the image.
        A box reaching past the image's edge is cut there.

    Returns
    -------
    ndarray of bool, shape (H, W)
        True inside the box.

    Raises
    ------
    InvalidParameterError
        A bad ``shape``, ``ratio`` outside (0, 1), or ``center`` outside the image.

    References
    ----------
    .. [1] D. Pathak, P. Krahenbuhl, J. Donahue, T. Darrell, A. A. Efros, "Context Encoders:
       Feature Learning by Inpainting", CVPR 2016, doi:10.1109/CVPR.2016.278.

    Examples
    --------
    >>> int(box((128, 128), ratio=0.25).sum())
    4096
    """
    height, width = _check_shape(shape)
    ratio = check_float("ratio", ratio, low=0.0, high=1.0, low_open=True, high_open=True)
    scale = math.sqrt(ratio)
    box_height = min(max(1, math.floor(height * scale + 0.5)), height)
    box_width = min(max(1, math.floor(width * scale + 0.5)), width)
    if box_height == height and box_width == width:  # a tiny image rounds up to everything
        if height >= width:
            box_height -= 1
        else:
            box_width -= 1
    if center is None:
        top, left = (height - box_height) // 2, (width - box_width) // 2
    else:
        if not isinstance(center, Sequence) or len(center) != 2:
            raise InvalidParameterError(f"center: expected (row, column), got {center!r}")
        row = check_int("center[0] (row)", center[0], low=0, high=height - 1)
        column = check_int("center[1] (column)", center[1], low=0, high=width - 1)
        top, left = row - box_height // 2, column - box_width // 2
    mask = np.zeros((height, width), dtype=bool)
    mask[max(top, 0) : max(top + box_height, 0), max(left, 0) : max(left + box_width, 0)] = True
    return mask


def random_boxes(
    shape: Any,
    *,
    seed: int,
    count: int = 1,
    min_size: int | tuple[int, int] | None = None,
    max_size: int | tuple[int, int] | None = None,
    margin: int = 0,
) -> np.ndarray:
    """The union of ``count`` random axis-aligned rectangles.

    The protocol of Globally and Locally Consistent Image Completion [1]_ (holes of 96 to 128
    pixels a side in 256x256 images) and DeepFill v1 [2]_ (about 128x128 in 256x256): by
    default each side is drawn uniformly between 3/8 and 1/2 of the image's side.

    Parameters
    ----------
    shape : (int, int)
        ``(H, W)`` of the image.
    seed : int
        Seed of ``numpy.random.default_rng``.
    count : int
        Number of rectangles (they may overlap).
    min_size, max_size : int or (int, int), optional
        Smallest and largest ``(height, width)`` of a rectangle, inclusive; one integer means
        a square bound. Defaults: 3/8 and 1/2 of the image's sides.
    margin : int
        Pixels kept free of rectangles along every edge of the image.

    Returns
    -------
    ndarray of bool, shape (H, W)

    Raises
    ------
    InvalidParameterError
        Bad arguments, or sizes that cannot fit inside the margins.

    References
    ----------
    .. [1] S. Iizuka, E. Simo-Serra, H. Ishikawa, "Globally and Locally Consistent Image
       Completion", ACM TOG 36(4), 2017, doi:10.1145/3072959.3073659.
    .. [2] J. Yu, Z. Lin, J. Yang, X. Shen, X. Lu, T. S. Huang, "Generative Image Inpainting
       with Contextual Attention", CVPR 2018, doi:10.1109/CVPR.2018.00577.

    Examples
    --------
    >>> hole = random_boxes((256, 256), seed=1, count=2)
    >>> 0.0 < hole_ratio(hole) < 1.0
    True
    """
    height, width = _check_shape(shape)
    rng = _rng(seed)
    count = check_int("count", count, low=1, high=10_000)
    margin = check_int("margin", margin, low=0)
    room_height, room_width = height - 2 * margin, width - 2 * margin
    if room_height < 1 or room_width < 1:
        raise InvalidParameterError(
            f"margin: {margin} leaves no room for a box in a {height}x{width} image; "
            f"use margin < {min(height, width) / 2}"
        )

    def size_pair(name: str, value: Any, default: tuple[int, int]) -> tuple[int, int]:
        if value is None:
            return default
        pair = (value, value) if not isinstance(value, Sequence) else tuple(value)
        if len(pair) != 2:
            raise InvalidParameterError(f"{name}: expected an integer or (height, width), got {value!r}")
        return (
            check_int(f"{name}[0] (height)", pair[0], low=1, high=room_height),
            check_int(f"{name}[1] (width)", pair[1], low=1, high=room_width),
        )

    max_height, max_width = size_pair(
        "max_size", max_size, (min(max(1, height // 2), room_height), min(max(1, width // 2), room_width))
    )
    min_height, min_width = size_pair(
        "min_size", min_size, (min(max(1, 3 * height // 8), max_height), min(max(1, 3 * width // 8), max_width))
    )
    if min_height > max_height or min_width > max_width:
        raise InvalidParameterError(
            f"min_size: ({min_height}, {min_width}) exceeds max_size ({max_height}, {max_width}); "
            "make min_size <= max_size"
        )
    if min_height == height and min_width == width:
        raise InvalidParameterError(
            f"min_size: ({min_height}, {min_width}) is the whole {height}x{width} image; use a smaller min_size"
        )

    def draw() -> np.ndarray:
        mask = np.zeros((height, width), dtype=bool)
        for _ in range(count):
            box_height = int(rng.integers(min_height, max_height + 1))
            box_width = int(rng.integers(min_width, max_width + 1))
            top = int(rng.integers(margin, height - margin - box_height + 1))
            left = int(rng.integers(margin, width - margin - box_width + 1))
            mask[top : top + box_height, left : left + box_width] = True
        return mask

    return _neither_empty_nor_full(draw, "random_boxes")


# ----------------------------------------------------------------------------- free-form strokes


def free_form(
    shape: Any,
    *,
    seed: int,
    max_strokes: int = 3,
    width: tuple[int, int] | None = None,
    with_box: bool = False,
    flip: bool = True,
) -> np.ndarray:
    """DeepFill v2's free-form brush strokes [1]_, optionally united with its random box.

    Each of 1 to ``max_strokes`` strokes starts at a random pixel and zig-zags through 4 to 11
    segments: directions alternate around ``2*pi/5`` and its mirror (spread ``2*pi/15``),
    segment lengths are normal around ``sqrt(H**2 + W**2) / 8`` (clipped to twice that), and
    the brush width is drawn once per stroke. The mask is then flipped left-right and
    top-bottom, each with probability 1/2. The official code and mmagic write these flips but
    discard their result, which leaves every stroke drifting rightwards; here they really flip,
    so holes are as likely on the left as on the right.

    Parameters
    ----------
    shape : (int, int)
        ``(H, W)`` of the image.
    seed : int
        Seed of ``numpy.random.default_rng``.
    max_strokes : int
        Largest number of strokes (the paper's setting is 3).
    width : (int, int), optional
        Range of brush widths in pixels, ``[low, high)``. Default: the paper's 12 to 40 pixels
        at 256x256, scaled by ``min(H, W) / 256`` (at least 1 pixel).
    with_box : bool
        Also fill DeepFill v2's training box: a rectangle of half the image's sides at a random
        place, shrunk by up to 1/16 of the side on each edge.
    flip : bool
        Apply the random flips. ``False`` gives the unflipped strokes of the same seed (the
        official code's behaviour); the random numbers drawn are the same either way.

    Returns
    -------
    ndarray of bool, shape (H, W)

    Raises
    ------
    InvalidParameterError
        Bad arguments.

    References
    ----------
    .. [1] J. Yu, Z. Lin, J. Yang, X. Shen, X. Lu, T. S. Huang, "Free-Form Image Inpainting
       with Gated Convolution", ICCV 2019, doi:10.1109/ICCV.2019.00457.

    Examples
    --------
    >>> hole = free_form((256, 256), seed=3)
    >>> 0.0 < hole_ratio(hole) < 1.0
    True
    """
    height, width_px = _check_shape(shape)
    rng = _rng(seed)
    max_strokes = check_int("max_strokes", max_strokes, low=1, high=1000)
    with_box = check_bool("with_box", with_box)
    flip = check_bool("flip", flip)
    if width is None:
        scale = min(height, width_px) / 256.0
        width_low, width_high = max(1.0, 12.0 * scale), max(1.0, 40.0 * scale)
    else:
        width_low, width_high = _check_range("width", width)
    mean_angle, angle_range = 2.0 * math.pi / 5.0, 2.0 * math.pi / 15.0
    average_radius = math.sqrt(height * height + width_px * width_px) / 8.0

    def draw() -> np.ndarray:
        mask = np.zeros((height, width_px), dtype=bool)
        for _ in range(int(rng.integers(1, max_strokes + 1))):
            n_vertices = int(rng.integers(4, 12))
            angle_min = mean_angle - rng.uniform(0.0, angle_range)
            angle_max = mean_angle + rng.uniform(0.0, angle_range)
            angles = [
                2.0 * math.pi - rng.uniform(angle_min, angle_max) if i % 2 == 0 else rng.uniform(angle_min, angle_max)
                for i in range(n_vertices)
            ]
            points = [(int(rng.integers(0, height)), int(rng.integers(0, width_px)))]
            for angle in angles:
                length = float(np.clip(rng.normal(average_radius, average_radius // 2), 0.0, 2.0 * average_radius))
                row, column = points[-1]
                points.append(
                    (
                        int(np.clip(row + length * math.sin(angle), 0, height)),
                        int(np.clip(column + length * math.cos(angle), 0, width_px)),
                    )
                )
            stroke_width = max(1, int(rng.uniform(width_low, width_high)))
            _draw_polyline(mask, points, stroke_width)
        flip_columns, flip_rows = rng.random() < 0.5, rng.random() < 0.5
        if flip and flip_columns:
            mask = mask[:, ::-1]
        if flip and flip_rows:
            mask = mask[::-1, :]
        mask = np.ascontiguousarray(mask)
        if with_box:
            box_height, box_width = max(1, height // 2), max(1, width_px // 2)
            top = int(rng.integers(0, height - box_height + 1))
            left = int(rng.integers(0, width_px - box_width + 1))
            shrink_rows = int(rng.integers(0, box_height // 8 + 1))
            shrink_columns = int(rng.integers(0, box_width // 8 + 1))
            mask[
                top + shrink_rows : top + box_height - shrink_rows,
                left + shrink_columns : left + box_width - shrink_columns,
            ] = True
        return mask

    return _neither_empty_nor_full(draw, "free_form")


# ----------------------------------------------------------------------------- irregular, binned


def _bin_counts(name: str, ratio_bin: Any, n_pixels: int, room: int) -> tuple[float, float, int]:
    if not isinstance(ratio_bin, Sequence) or len(ratio_bin) != 2:
        raise InvalidParameterError(f"{name}: expected a pair (low, high) of hole ratios, got {ratio_bin!r}")
    low = check_float(f"{name}[0]", ratio_bin[0], low=0.0, high=1.0, high_open=True)
    high = check_float(f"{name}[1]", ratio_bin[1], low=low, high=1.0, low_open=True)
    need = max(1, math.ceil(low * n_pixels))
    while need > 1 and (need - 1) / n_pixels >= low:  # undo a ceil pushed up by rounding
        need -= 1
    if need / n_pixels >= high or need > room or need >= n_pixels:
        raise InvalidParameterError(
            f"{name}: no hole in a {n_pixels}-pixel image ({room} pixels allowed) has a ratio in [{low}, {high}); "
            "use a larger image or a wider bin"
        )
    return low, high, need


def irregular(
    shape: Any,
    *,
    seed: int,
    ratio_bin: tuple[float, float] = (0.1, 0.2),
    no_border: bool = False,
    margin: int | None = None,
) -> np.ndarray:
    """An irregular hole whose ratio of the image lies in ``ratio_bin``.

    Reproduces the *protocol* of Liu et al.'s irregular test masks [1]_ (hole ratios binned
    1-10%, 10-20%, ... 50-60%, with and without holes touching the border), not their mask
    set, which comes from video occlusions and cannot be shipped. The hole grows from random
    brush walks in the manner of mmagic's ``random_irregular_mask``: a walk has 1 to 5
    segments in uniform random directions, lengths from 4% to 40% of the shorter side, and a
    width from 4% to 16% of it. A walk that would push the ratio to ``high`` or beyond is
    dropped, and after repeated misses the walks shrink; when they are thinner than a pixel,
    the hole grows pixel by pixel along its edge up to ``low``. The result always satisfies
    ``low <= hole_ratio(mask) < high``.

    Parameters
    ----------
    shape : (int, int)
        ``(H, W)`` of the image.
    seed : int
        Seed of ``numpy.random.default_rng``.
    ratio_bin : (float, float)
        ``(low, high)``: the hole covers at least ``low`` and less than ``high`` of the image.
        :data:`HOLE_RATIO_BINS` lists the six standard bins.
    no_border : bool
        Keep the hole ``margin`` pixels away from every edge of the image.
    margin : int, optional
        Width of the kept border when ``no_border`` is True; default ``max(1, min(H, W) // 32)``.

    Returns
    -------
    ndarray of bool, shape (H, W)

    Raises
    ------
    InvalidParameterError
        Bad arguments, or a bin that no hole of this image can fall in.

    References
    ----------
    .. [1] G. Liu, F. A. Reda, K. J. Shih, T.-C. Wang, A. Tao, B. Catanzaro, "Image
       Inpainting for Irregular Holes Using Partial Convolutions", ECCV 2018,
       doi:10.1007/978-3-030-01252-6_6.

    Examples
    --------
    >>> hole = irregular((128, 128), seed=0, ratio_bin=(0.3, 0.4))
    >>> 0.3 <= hole_ratio(hole) < 0.4
    True
    """
    height, width = _check_shape(shape)
    rng = _rng(seed)
    no_border = check_bool("no_border", no_border)
    allowed = np.ones((height, width), dtype=bool)
    if no_border:
        margin = max(1, min(height, width) // 32) if margin is None else check_int("margin", margin, low=1)
        if 2 * margin >= min(height, width):
            raise InvalidParameterError(
                f"margin: {margin} leaves no interior in a {height}x{width} image; "
                f"use margin < {min(height, width) / 2}"
            )
        allowed[:margin] = allowed[-margin:] = False
        allowed[:, :margin] = allowed[:, -margin:] = False
    elif margin is not None:
        raise InvalidParameterError("margin: only used with no_border=True; pass no_border=True or drop margin")
    n_pixels = height * width
    low, high, need = _bin_counts("ratio_bin", ratio_bin, n_pixels, int(allowed.sum()))
    allowed_rows, allowed_columns = np.nonzero(allowed.any(axis=1))[0], np.nonzero(allowed.any(axis=0))[0]

    side = min(height, width)
    length_range, width_range = (0.04 * side, 0.4 * side), (0.04 * side, 0.16 * side)
    mask = np.zeros((height, width), dtype=bool)
    count, scale, misses = 0, 1.0, 0
    while count < need and scale * width_range[1] >= 1.0:
        walk = np.zeros_like(mask)
        point = (float(rng.choice(allowed_rows)), float(rng.choice(allowed_columns)))
        stroke_width = max(1.0, scale * rng.uniform(*width_range))
        points = [point]
        for _ in range(int(rng.integers(1, 6))):
            angle = rng.uniform(0.0, 2.0 * math.pi)
            length = scale * rng.uniform(*length_range)
            point = (point[0] + length * math.sin(angle), point[1] + length * math.cos(angle))
            points.append(point)
        _draw_polyline(walk, points, stroke_width)
        candidate = mask | (walk & allowed)
        new_count = int(candidate.sum())
        if new_count == count or new_count >= high * n_pixels:
            misses += 1
            if misses % 3 == 0:
                scale *= 0.7
            continue
        mask, count = candidate, new_count
    while count < need:  # grow along the edge: each added pixel raises the count by exactly one
        edge = _grow_once(mask) & allowed & ~mask
        if edge.any():
            choices = np.flatnonzero(edge)
            picked = rng.choice(choices, size=min(need - count, choices.size), replace=False)
        else:  # nothing to grow from yet: seed one pixel
            picked = rng.choice(np.flatnonzero(allowed & ~mask), size=1)
        mask.flat[picked] = True
        count += picked.size
    return mask


def _grow_once(mask: np.ndarray) -> np.ndarray:
    """``mask`` dilated by one pixel with the 4-neighbourhood."""
    grown = mask.copy()
    grown[1:] |= mask[:-1]
    grown[:-1] |= mask[1:]
    grown[:, 1:] |= mask[:, :-1]
    grown[:, :-1] |= mask[:, 1:]
    return grown


# ----------------------------------------------------------------------------- LaMa


# LaMa's evaluation mask settings (configs/data_gen/random_{thin,medium,thick}_{256,512}.yaml):
# irregular strokes (max_angle 4 everywhere) and, with weight 0.3 against 1, boxes.
_LAMA_SETTINGS: dict[tuple[str, int], dict[str, Any]] = {
    ("thin", 256): {"times": (4, 50), "max_width": 10, "max_len": 40, "box": None},
    ("medium", 256): {"times": (4, 5), "max_width": 50, "max_len": 100, "box": (0, 10, 50, (1, 5))},
    ("thick", 256): {"times": (1, 5), "max_width": 100, "max_len": 200, "box": (10, 30, 150, (1, 3))},
    ("thin", 512): {"times": (4, 70), "max_width": 20, "max_len": 100, "box": None},
    ("medium", 512): {"times": (4, 10), "max_width": 100, "max_len": 200, "box": (0, 30, 150, (1, 5))},
    ("thick", 512): {"times": (1, 5), "max_width": 250, "max_len": 450, "box": (10, 30, 300, (1, 4))},
}
_LAMA_MAX_ANGLE = 4
_LAMA_BOX_WEIGHT = 0.3
_LAMA_MAX_RATIO = 0.5


def _lama_strokes(
    rng: np.random.Generator,
    height: int,
    width: int,
    scale: float,
    times: tuple[int, int],
    max_width: int,
    max_len: int,
) -> np.ndarray:
    mask = np.zeros((height, width), dtype=bool)
    # LaMa's generator at full ramp draws up to max_times + 1 stroke groups.
    for group in range(int(rng.integers(times[0], times[1] + 2))):
        row, column = int(rng.integers(height)), int(rng.integers(width))
        for _ in range(1 + int(rng.integers(5))):
            angle = 0.01 + int(rng.integers(_LAMA_MAX_ANGLE))
            if group % 2 == 0:
                angle = 2.0 * math.pi - angle
            length = scale * (10 + int(rng.integers(max_len)))
            brush_width = max(1, round(scale * (5 + int(rng.integers(max_width)))))
            end_column = int(np.clip(int(column + length * math.sin(angle)), 0, width))
            end_row = int(np.clip(int(row + length * math.cos(angle)), 0, height))
            _draw_segment(mask, (row, column), (end_row, end_column), brush_width / 2.0)
            row, column = end_row, end_column
    return mask


def _lama_boxes(
    rng: np.random.Generator, height: int, width: int, scale: float, setting: tuple[int, int, int, tuple[int, int]]
) -> np.ndarray:
    margin, min_size, max_size, (min_times, max_times) = setting
    margin = round(scale * margin)
    max_size = max(1, min(round(scale * max_size), height - 2 * margin, width - 2 * margin))
    min_size = max(1, min(round(scale * min_size), max_size))
    mask = np.zeros((height, width), dtype=bool)
    for _ in range(int(rng.integers(min_times, max_times + 1))):
        box_width = int(rng.integers(min_size, max_size + 1))
        box_height = int(rng.integers(min_size, max_size + 1))
        left = int(rng.integers(margin, width - margin - box_width + 1))
        top = int(rng.integers(margin, height - margin - box_height + 1))
        mask[top : top + box_height, left : left + box_width] = True
    return mask


def lama(shape: Any, *, seed: int, kind: str = "medium") -> np.ndarray:
    """LaMa's thin, medium and thick evaluation masks [1]_.

    One draw is either random thick lines (stroke groups of 1 to 5 segments at LaMa's four
    angles) or, for ``medium`` and ``thick`` with odds 0.3 to 1, 1 to 5 random boxes; a draw
    covering more than half the image is drawn again, as LaMa's ``max_tamper_area: 0.5``
    does. The settings are LaMa's ``random_{thin,medium,thick}_256`` configs for images whose
    shorter side is under 512 pixels and its ``_512`` configs from 512 up; lengths, widths,
    box sizes and margins are scaled by the shorter side over 256 (or 512), so they match
    LaMa exactly at 256 and 512.

    Parameters
    ----------
    shape : (int, int)
        ``(H, W)`` of the image.
    seed : int
        Seed of ``numpy.random.default_rng``.
    kind : {"thin", "medium", "thick"}
        The mask family (LaMa's "narrow" masks are thin and medium, its "wide" are thick).

    Returns
    -------
    ndarray of bool, shape (H, W)
        A mask covering at most half the image.

    Raises
    ------
    InvalidParameterError
        Bad arguments.

    References
    ----------
    .. [1] R. Suvorov, E. Logacheva, A. Mashikhin, A. Remizova, A. Ashukha, A. Silvestrov,
       N. Kong, H. Goka, K. Park, V. Lempitsky, "Resolution-robust Large Mask Inpainting with
       Fourier Convolutions", WACV 2022, doi:10.1109/WACV51458.2022.00323.

    Examples
    --------
    >>> hole = lama((256, 256), seed=0, kind="thick")
    >>> 0.0 < hole_ratio(hole) <= 0.5
    True
    """
    height, width = _check_shape(shape)
    rng = _rng(seed)
    kind = check_choice("kind", kind, LAMA_KINDS)
    base = 512 if min(height, width) >= 512 else 256
    scale = min(height, width) / base
    setting = _LAMA_SETTINGS[(kind, base)]
    box_odds = _LAMA_BOX_WEIGHT / (1.0 + _LAMA_BOX_WEIGHT) if setting["box"] is not None else 0.0

    def draw() -> np.ndarray:
        if rng.random() < box_odds:
            mask = _lama_boxes(rng, height, width, scale, setting["box"])
        else:
            mask = _lama_strokes(rng, height, width, scale, setting["times"], setting["max_width"], setting["max_len"])
        if mask.mean() > _LAMA_MAX_RATIO:
            mask[:] = True  # counts as full: drawn again
        return mask

    return _neither_empty_nor_full(draw, "lama")


# ----------------------------------------------------------------------------- scratches


def scratches(shape: Any, *, seed: int, count: int = 6, width: int | tuple[int, int] = (1, 3)) -> np.ndarray:
    """Thin, long, slightly wavering lines, like scratches on an old print or lines of a drawing.

    Each scratch passes through a random pixel in a random direction; its length is 30% to
    80% of the image's diagonal, split into 8 segments whose direction drifts by a normal
    step of 0.08 radians. Widths are in pixels whatever the image size: these are the thin
    structures that diffusion methods fill well and that many learned methods were not
    trained on (see the scratch masks of old-photo restoration [1]_).

    Parameters
    ----------
    shape : (int, int)
        ``(H, W)`` of the image.
    seed : int
        Seed of ``numpy.random.default_rng``.
    count : int
        Number of scratches.
    width : int or (int, int)
        Line width in pixels, or an inclusive range drawn once per scratch.

    Returns
    -------
    ndarray of bool, shape (H, W)

    Raises
    ------
    InvalidParameterError
        Bad arguments.

    References
    ----------
    .. [1] Z. Wan, B. Zhang, D. Chen, P. Zhang, D. Chen, J. Liao, F. Wen, "Bringing Old
       Photos Back to Life", CVPR 2020, doi:10.1109/CVPR42600.2020.00282.

    Examples
    --------
    >>> hole = scratches((128, 128), seed=0, count=3, width=1)
    >>> 0.0 < hole_ratio(hole) < 0.1
    True
    """
    height, width_px = _check_shape(shape)
    rng = _rng(seed)
    count = check_int("count", count, low=1, high=10_000)
    width_low, width_high = _check_range("width", width)
    diagonal = math.hypot(height, width_px)
    n_segments = 8

    def draw() -> np.ndarray:
        mask = np.zeros((height, width_px), dtype=bool)
        for _ in range(count):
            stroke_width = int(rng.integers(width_low, width_high + 1))
            centre = (float(rng.integers(height)), float(rng.integers(width_px)))
            heading = rng.uniform(0.0, math.pi)
            step = rng.uniform(0.3, 0.8) * diagonal / n_segments
            drift = rng.normal(0.0, 0.08, size=n_segments)
            forward = _walk(centre, heading, step, drift[: n_segments // 2])
            backward = _walk(centre, heading + math.pi, step, drift[n_segments // 2 :])
            _draw_polyline(mask, backward[::-1] + [centre] + forward, stroke_width)
        return mask

    return _neither_empty_nor_full(draw, "scratches")


def _walk(start: tuple[float, float], direction: float, step: float, turns: np.ndarray) -> list[tuple[float, float]]:
    """Points after each step of a walk from ``start`` that turns by ``turns[i]`` before step ``i``."""
    points, point = [], start
    for turn in turns:
        direction += float(turn)
        point = (point[0] + step * math.sin(direction), point[1] + step * math.cos(direction))
        points.append(point)
    return points


# ----------------------------------------------------------------------------- utilities


def dilate(mask: Any, radius: int) -> np.ndarray:
    """Grow a mask by ``radius`` pixels (a Euclidean disk).

    A pixel is filled when it lies within ``radius`` of a filled pixel. Dilating a hole a
    little is the usual way to cover the soft edge of an object before removing it.

    Parameters
    ----------
    mask : array, shape (H, W)
        bool, or numbers holding only 0/1 or 0/255; True = fill.
    radius : int
        Radius in pixels; 0 returns a copy.

    Returns
    -------
    ndarray of bool, shape (H, W)
        The grown mask (it may cover the whole image).

    Raises
    ------
    InvalidMaskError, InvalidParameterError

    Examples
    --------
    >>> import numpy as np
    >>> point = np.zeros((5, 5), bool); point[2, 2] = True
    >>> int(dilate(point, 1).sum())
    5
    """
    mask = _check_mask_arg(mask)
    radius = check_int("radius", radius, low=0)
    if radius == 0 or not mask.any():
        return mask.copy()
    from scipy.ndimage import distance_transform_edt

    return distance_transform_edt(~mask) <= radius


def hole_ratio(mask: Any) -> float:
    """The fraction of pixels the mask fills, in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> hole_ratio(np.eye(4, dtype=bool))
    0.25
    """
    mask = _check_mask_arg(mask)
    return float(np.count_nonzero(mask)) / mask.size


def hole_ratio_bin(ratio: float) -> tuple[float, float] | None:
    """The bin of :data:`HOLE_RATIO_BINS` holding ``ratio`` (``low <= ratio < high``), or None.

    Examples
    --------
    >>> hole_ratio_bin(0.25)
    (0.2, 0.3)
    >>> hole_ratio_bin(0.7) is None
    True
    """
    ratio = check_float("ratio", ratio, low=0.0, high=1.0)
    for low, high in HOLE_RATIO_BINS:
        if low <= ratio < high:
            return (low, high)
    return None
