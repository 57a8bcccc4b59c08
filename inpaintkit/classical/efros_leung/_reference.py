"""Efros-Leung texture synthesis, the readable version (NumPy, or CuPy through ``xp``).

The hole grows inwards one pixel at a time (Efros & Leung 1999). Each pass takes the
*layer*: the unfilled pixels that touch a filled one (8-neighbourhood), ordered by how many
filled pixels their window holds (most first, ties in row-major order; the paper's
"onion peel"). For a layer pixel p, the known part of its ``w x w`` window is the template;
every *candidate* (the centre of a fully known window of the input) is scored by the
Gaussian-weighted sum of squared differences over the template's known pixels,

    d(q) = sum_{o in known(p)} g(o) sum_c (I(q + o, c) - I(p + o, c))^2,

summed in a fixed order (offsets by decreasing weight, ties row-major; then channels), so
every backend gets the same bits. The candidates with ``d <= (1 + epsilon) min d`` are the
matches; one is drawn with the counter-based hash of (seed, pass, position in the pass).
If the drawn match's error (``d`` per unit weight, per channel, relative to the known value
range squared) exceeds ``max_error``, the pixel waits for a later pass; a pass that fills
nothing raises ``max_error`` by 10 %, as in the paper's pseudocode.

The functions below run on NumPy or CuPy arrays alike; the CuPy path swaps in the CUDA
distance kernel (``_cuda.py``), the numba path replaces :func:`fill_layer_reference`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...contract import array_module

_MASK32 = 0xFFFFFFFF
GAUSSIAN_SIGMA_DIVISOR = 6.4
"""The paper's choice: sigma = window_size / 6.4."""
STALL_FACTOR = 1.1
"""``max_error`` grows by this factor after a pass that filled nothing."""


def counter_hash(seed: int, step: int, index: int) -> int:
    """A 32-bit hash of (seed, step, index): the random draw every backend shares.

    Four rounds of a 32-bit integer mixer (Wellons' ``lowbias32``), one per input word
    (the seed's low and high halves, the step, the index). Written with masks only, so it
    gives the same numbers in Python's integers and in numba's wrapping int64.
    """
    h = 0x9E3779B9
    for word in (seed & _MASK32, (seed >> 32) & _MASK32, step & _MASK32, index & _MASK32):
        h ^= word
        h ^= h >> 16
        h = (h * 0x7FEB352D) & _MASK32
        h ^= h >> 15
        h = (h * 0x846CA68B) & _MASK32
        h ^= h >> 16
    return h


def pick_index(draw: int, count: int) -> int:
    """Map a 32-bit draw onto ``range(count)`` (multiply-shift, no modulo bias)."""
    return (draw * count) >> 32


def gaussian_window(window_size: int) -> np.ndarray:
    """The paper's Gaussian weights, ``sigma = window_size / 6.4``, shape (w, w), host array."""
    half = window_size // 2
    sigma = window_size / GAUSSIAN_SIGMA_DIVISOR
    offsets = np.arange(-half, half + 1, dtype=np.float64)
    squared = offsets[:, None] ** 2 + offsets[None, :] ** 2
    return np.exp(-squared / (2.0 * sigma * sigma))


def window_count(binary: Any, half: int) -> Any:
    """Number of True pixels in the ``(2 half + 1)^2`` window around each pixel (clipped at
    the border), from an integral image: exact integers, shape (H, W)."""
    xp = array_module(binary)
    height, width = binary.shape
    integral = xp.zeros((height + 1, width + 1), dtype=np.int64)
    integral[1:, 1:] = xp.cumsum(xp.cumsum(binary.astype(np.int64), axis=0), axis=1)
    y0 = xp.clip(xp.arange(height) - half, 0, height)[:, None]
    y1 = xp.clip(xp.arange(height) + half + 1, 0, height)[:, None]
    x0 = xp.clip(xp.arange(width) - half, 0, width)[None, :]
    x1 = xp.clip(xp.arange(width) + half + 1, 0, width)[None, :]
    return integral[y1, x1] - integral[y0, x1] - integral[y1, x0] + integral[y0, x0]


def fully_known_centres(mask: Any, half: int) -> Any:
    """Bool (H, W): True at pixels whose whole ``(2 half + 1)^2`` window lies inside the
    image and holds no hole pixel (the centres of the source patches)."""
    height, width = mask.shape
    side = 2 * half + 1
    centres = window_count(~mask, half) == side * side
    centres[:half] = False
    centres[height - half :] = False
    centres[:, :half] = False
    centres[:, width - half :] = False
    return centres


def candidate_centres(mask: Any, half: int, search_band: int | None) -> tuple[Any, Any]:
    """Row-major coordinates of the candidate windows' centres.

    A candidate is a fully known window; with ``search_band`` its centre must also lie within
    ``search_band`` pixels (Chebyshev distance) of a hole pixel.
    """
    xp = array_module(mask)
    centres = fully_known_centres(mask, half)
    if search_band is not None:
        centres &= window_count(mask, search_band) > 0
    cand_y, cand_x = xp.nonzero(centres)
    return cand_y.astype(np.int64), cand_x.astype(np.int64)


def known_range(image: Any, mask: Any) -> float:
    """The spread (max - min) of the known values over all channels; 1.0 when it is 0.

    Errors are measured relative to it, so ``max_error`` means the same for a uint8 photo
    (working scale [0, 1]) and for a depth map in metres.
    """
    known = image[~mask]
    spread = float(known.max() - known.min())
    return spread if spread > 0.0 else 1.0


def onion_layer(filled: Any, half: int) -> tuple[np.ndarray, np.ndarray]:
    """The next layer to fill, in fill order (host int64 arrays ``ys, xs``).

    Unfilled pixels with a filled 8-neighbour, sorted by the number of filled pixels in their
    window (most first), ties in row-major order.
    """
    xp = array_module(filled)
    height, width = filled.shape
    touching = (window_count(filled, 1) > 0) & ~filled
    ys, xs = xp.nonzero(touching)
    support = window_count(filled, half)[ys, xs]
    order = xp.argsort(-support * (height * width) + ys * width + xs)
    return _to_host(ys[order]).astype(np.int64), _to_host(xs[order]).astype(np.int64)


def offset_order(window_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The window's offsets in summation order: heaviest Gaussian weight first, ties row-major.

    Summing the heaviest terms first lets a pruned search (numba) give up on a poor candidate
    early; every backend sums in this same order. Returns host ``dy, dx`` (int64), ``weights``.
    """
    half = window_size // 2
    gauss = gaussian_window(window_size)
    dy, dx = np.divmod(np.arange(window_size * window_size), window_size)
    order = np.lexsort((np.arange(dy.size), -gauss.ravel()))
    return (dy[order] - half).astype(np.int64), (dx[order] - half).astype(np.int64), gauss.ravel()[order]


def template(
    filled: Any, y: int, x: int, order: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The known offsets of the window around (y, x), in ``order``, with their weights.

    Returns host arrays ``dy, dx`` (int64) and ``weights`` (float64); offsets that fall
    outside the image or on unfilled pixels are left out.
    """
    height, width = filled.shape
    dy, dx, weights = order
    half = int(np.abs(dy).max())
    y0, x0 = max(y - half, 0), max(x - half, 0)
    window = _to_host(filled[y0 : y + half + 1, x0 : x + half + 1])
    py, px = y + dy - y0, x + dx - x0
    inside = (py >= 0) & (py < window.shape[0]) & (px >= 0) & (px < window.shape[1])
    keep = inside.copy()
    keep[inside] = window[py[inside], px[inside]]
    return dy[keep], dx[keep], weights[keep]


def window_distances(
    image: Any, y: int, x: int, dy: np.ndarray, dx: np.ndarray, weights: np.ndarray, cand_y: Any, cand_x: Any
) -> Any:
    """Weighted SSD between the template at (y, x) and every candidate window.

    ``d(q) = sum_k weights[k] sum_c (I(q + o_k, c) - I(p + o_k, c))^2``, offsets in the
    given order, then channels: the fixed summation order every backend follows.
    Criminisi's search calls it with unit weights.
    """
    xp = array_module(image)
    channels = image.shape[2]
    total = xp.zeros(cand_y.shape[0])
    for oy, ox, weight in zip(dy.tolist(), dx.tolist(), weights.tolist()):
        target = image[y + oy, x + ox]
        source = image[cand_y + oy, cand_x + ox]
        for c in range(channels):
            diff = source[:, c] - target[c]
            total += weight * (diff * diff)
    return total


Distances = Callable[[Any, int, int, np.ndarray, np.ndarray, np.ndarray, Any, Any], Any]


def fill_layer_reference(
    image: Any,
    filled: Any,
    ys: np.ndarray,
    xs: np.ndarray,
    order: tuple[np.ndarray, np.ndarray, np.ndarray],
    cand_y: Any,
    cand_x: Any,
    *,
    epsilon: float,
    seed: int,
    pass_index: int,
    max_error: float,
    error_unit: float,
    distances: Distances = window_distances,
) -> int:
    """Fill the layer ``ys, xs`` in order, in place; returns how many pixels were filled.

    ``error_unit`` is ``channels * range^2``: a match's error is ``d / (sum of weights *
    error_unit)``. Pixels whose drawn match errs above ``max_error`` stay unfilled.
    """
    xp = array_module(image)
    n_filled = 0
    for position, (y, x) in enumerate(zip(ys.tolist(), xs.tolist())):
        dy, dx, weights = template(filled, y, x, order)
        total_weight = 0.0
        for weight in weights.tolist():
            total_weight += weight
        distance = distances(image, y, x, dy, dx, weights, cand_y, cand_x)
        best = float(distance.min())
        matches = xp.flatnonzero(distance <= best * (1.0 + epsilon))
        draw = counter_hash(seed, pass_index, position)
        chosen = int(matches[pick_index(draw, int(matches.shape[0]))])
        if float(distance[chosen]) <= max_error * (total_weight * error_unit):
            image[y, x] = image[int(cand_y[chosen]), int(cand_x[chosen])]
            filled[y, x] = True
            n_filled += 1
    return n_filled


LayerFiller = Callable[..., int]


def efros_leung_reference(
    image: Any,
    mask: Any,
    *,
    window_size: int,
    epsilon: float,
    max_error: float,
    seed: int,
    search_band: int | None,
    fill_layer: LayerFiller = fill_layer_reference,
    report: Callable[[int, Callable[[], dict[str, Any]]], None] | None = None,
) -> Any:
    """Synthesise the hole of ``image`` (float64 (H, W, C), hole zeroed) pixel by pixel.

    Parameters
    ----------
    image : ndarray, shape (H, W, C)
        Working image (NumPy or CuPy); not modified.
    mask : ndarray of bool, shape (H, W)
        True where pixels are to be synthesised.
    window_size, epsilon, max_error, seed, search_band
        See :class:`~inpaintkit.classical.efros_leung.EfrosLeung`.
    fill_layer : callable
        Fills one layer in place (:func:`fill_layer_reference`, or the numba kernel).
    report : callable, optional
        ``report(pass_index, state)`` after each pass; ``state`` is a callable that builds
        the teaching view (see :func:`_state`) only when someone reads it.

    Returns
    -------
    ndarray, shape (H, W, C)
        The filled image.
    """
    half = window_size // 2
    out = image.copy()
    filled = ~mask
    order = offset_order(window_size)
    cand_y, cand_x = candidate_centres(mask, half, search_band)
    error_unit = image.shape[2] * known_range(image, mask) ** 2
    threshold = max_error
    pass_index = 0
    while not bool(filled.all()):
        ys, xs = onion_layer(filled, half)
        n_filled = fill_layer(
            out,
            filled,
            ys,
            xs,
            order,
            cand_y,
            cand_x,
            epsilon=epsilon,
            seed=seed,
            pass_index=pass_index,
            max_error=threshold,
            error_unit=error_unit,
        )
        if report is not None:
            report(pass_index, lambda: _state(out, filled, mask, ys, xs, pass_index, threshold, n_filled))
        if n_filled == 0:
            threshold *= STALL_FACTOR
        pass_index += 1
    return out


def _state(out, filled, mask, ys, xs, pass_index, threshold, n_filled) -> dict[str, Any]:
    """The teaching view after one pass: what has grown so far and the layer just tried."""
    xp = array_module(out)
    layer = xp.zeros(mask.shape, dtype=bool)
    layer[xp.asarray(ys), xp.asarray(xs)] = True
    return {
        "image": out.copy(),
        "synthesized": filled & mask,
        "remaining": ~filled,
        "layer": layer,
        "pass": pass_index,
        "max_error": threshold,
        "n_filled": n_filled,
    }


def _to_host(array: Any) -> np.ndarray:
    return array.get() if hasattr(array, "get") else np.asarray(array)
