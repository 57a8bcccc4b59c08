"""Criminisi exemplar-based inpainting, the readable version (NumPy, or CuPy through ``xp``).

Criminisi, Perez & Toyama (2004) fill the hole patch by patch, choosing *which* patch to
fill next by a priority that follows structure into the hole. One step:

1. The fill front is the set of unfilled pixels with a known 4-neighbour.
2. For a front pixel p with patch Psi_p (``patch_size`` square, clipped to the image):

   * confidence ``C(p) = sum_{q in Psi_p} C(q) / |Psi_p|`` (C is 1 on the input's known
     pixels, 0 in the hole, and is inherited by filled pixels);
   * data term ``D(p) = |grad I_p^perp . n_p| / alpha``: the isophote (the image gradient
     rotated by 90 degrees) of strongest magnitude among the known pixels of Psi_p, against
     the unit normal of the front (Sobel of the unfilled indicator). ``alpha = 1`` on the
     working scale (the paper's 255 for 8-bit values); it scales every D alike, so the
     fill order does not depend on it.

   The target is the front pixel of highest priority ``P(p) = C(p) D(p)``; ties go to the
   higher confidence (so flat regions are peeled like an onion), then to the smallest
   (y, x).
3. The exemplar is the source patch (a patch of the input whose pixels are all known)
   minimising the sum of squared differences over the target patch's known pixels, summed
   in a fixed order (the patch's rings from the rim inwards, row-major within a ring; then
   channels); ties go to the smallest (y, x). Colours are compared in CIE Lab, as in the
   paper (:func:`search_features`).
   With ``search_window`` only source patches centred in that square around the target
   compete (all of them when the square holds none).
4. The target patch's unfilled pixels are copied from the exemplar and take the
   confidence ``C(p)`` of the target.

Gradients use the channel mean, by central differences where both neighbours are known,
one-sided where only one is, 0 where neither is. Everything below runs on NumPy or CuPy
arrays; the CuPy path swaps in the CUDA distance kernel, the numba path reimplements the
step with the same arithmetic in the same order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...contract import array_module
from ..efros_leung._reference import candidate_centres, window_distances

Distances = Callable[..., Any]


def channel_mean(image: Any) -> Any:
    """Mean over channels, summed in channel order (the numba kernel's order)."""
    gray = image[..., 0].copy()
    for c in range(1, image.shape[-1]):
        gray += image[..., c]
    return gray / image.shape[-1]


LAB_WHITE = (0.95047, 1.0, 1.08883)
"""The D65 reference white (X, Y, Z)."""
RGB_TO_XYZ = (
    (0.412453, 0.357580, 0.180423),
    (0.212671, 0.715160, 0.072169),
    (0.019334, 0.119193, 0.950227),
)
"""Linear sRGB to CIE XYZ under D65."""
ALPHA_TO_LAB = 100.0
"""An alpha channel is compared scaled to the range of L (0-100)."""


def cie_lab(rgb: np.ndarray) -> np.ndarray:
    """CIE Lab (D65) of sRGB values on the 0-1 scale, host (H, W, 3) float64 in and out.

    The usual formulas (as in scikit-image's ``rgb2lab``), written out so that every backend
    compares the same bits: values outside 0-1 (a float image in its own range) go through
    the same curves (a cube root, not a clip).
    """
    linear = np.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
    xyz = [sum(linear[..., j] * RGB_TO_XYZ[i][j] for j in range(3)) / LAB_WHITE[i] for i in range(3)]
    fx, fy, fz = (np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16.0 / 116.0) for t in xyz)
    return np.stack([116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)], axis=-1)


def search_features(image: Any, lab: bool) -> Any:
    """The values the exemplar search compares, (H, W, C) on ``image``'s array module.

    With ``lab``, RGB is compared in CIE Lab, as the paper does for its perceptual
    uniformity (RGBA: Lab and the alpha channel scaled by :data:`ALPHA_TO_LAB`); gray
    images, and any image without ``lab``, are compared as they are. Computed once, on the
    host with NumPy, so that every backend compares the same bits; pasting copies features
    along with colours, so those of filled pixels are their exemplar's.
    """
    xp = array_module(image)
    channels = image.shape[-1]
    if not lab or channels not in (3, 4):
        return image.copy()
    host = image.get() if hasattr(image, "get") else np.asarray(image)
    features = cie_lab(host[..., :3])
    if channels == 4:
        features = np.concatenate([features, host[..., 3:] * ALPHA_TO_LAB], axis=-1)
    return xp.asarray(np.ascontiguousarray(features))


def fill_front(known: Any) -> Any:
    """Bool (H, W): unfilled pixels with a known 4-neighbour inside the image."""
    xp = array_module(known)
    touches = xp.zeros_like(known)
    touches[1:] |= known[:-1]
    touches[:-1] |= known[1:]
    touches[:, 1:] |= known[:, :-1]
    touches[:, :-1] |= known[:, 1:]
    return touches & ~known


def _inside(height: int, width: int, ys: Any, xs: Any) -> Any:
    return (ys >= 0) & (ys < height) & (xs >= 0) & (xs < width)


def _derivative(gray: Any, known: Any, ys: Any, xs: Any, step_y: int, step_x: int) -> Any:
    """Derivative of ``gray`` at (ys, xs) along (step_y, step_x) from known neighbours only."""
    xp = array_module(gray)
    height, width = gray.shape
    ahead_y, ahead_x = ys + step_y, xs + step_x
    behind_y, behind_x = ys - step_y, xs - step_x
    ahead_in = _inside(height, width, ahead_y, ahead_x)
    behind_in = _inside(height, width, behind_y, behind_x)
    ahead_y, ahead_x = xp.clip(ahead_y, 0, height - 1), xp.clip(ahead_x, 0, width - 1)
    behind_y, behind_x = xp.clip(behind_y, 0, height - 1), xp.clip(behind_x, 0, width - 1)
    ahead_ok = ahead_in & known[ahead_y, ahead_x]
    behind_ok = behind_in & known[behind_y, behind_x]
    ahead, behind, here = gray[ahead_y, ahead_x], gray[behind_y, behind_x], gray[ys, xs]
    one_sided = xp.where(ahead_ok, ahead - here, xp.where(behind_ok, here - behind, 0.0))
    return xp.where(ahead_ok & behind_ok, (ahead - behind) * 0.5, one_sided)


def front_priorities(gray: Any, known: Any, confidence: Any, half: int) -> dict[str, Any]:
    """Confidence, data term and priority of every front pixel (row-major order).

    Returns a dict with ``ys, xs`` (front coordinates) and ``confidence, data, priority``
    (arrays over the front).
    """
    xp = array_module(gray)
    height, width = gray.shape
    ys, xs = xp.nonzero(fill_front(known))
    n = ys.shape[0]
    total = xp.zeros(n)
    area = xp.zeros(n, dtype=np.int64)
    iso_gx, iso_gy = xp.zeros(n), xp.zeros(n)
    strongest = xp.full(n, -1.0)
    for oy in range(-half, half + 1):
        for ox in range(-half, half + 1):
            py, px = ys + oy, xs + ox
            inside = _inside(height, width, py, px)
            py, px = xp.clip(py, 0, height - 1), xp.clip(px, 0, width - 1)
            total += xp.where(inside, confidence[py, px], 0.0)
            area += inside
            gx = _derivative(gray, known, py, px, 0, 1)
            gy = _derivative(gray, known, py, px, 1, 0)
            magnitude = gx * gx + gy * gy
            stronger = inside & known[py, px] & (magnitude > strongest)
            strongest = xp.where(stronger, magnitude, strongest)
            iso_gx = xp.where(stronger, gx, iso_gx)
            iso_gy = xp.where(stronger, gy, iso_gy)
    conf = total / area

    unfilled = (~known).astype(np.int64)

    def u(oy: int, ox: int) -> Any:
        return unfilled[xp.clip(ys + oy, 0, height - 1), xp.clip(xs + ox, 0, width - 1)]

    normal_x = (u(-1, 1) + 2 * u(0, 1) + u(1, 1)) - (u(-1, -1) + 2 * u(0, -1) + u(1, -1))
    normal_y = (u(1, -1) + 2 * u(1, 0) + u(1, 1)) - (u(-1, -1) + 2 * u(-1, 0) + u(-1, 1))
    norm = xp.sqrt((normal_x * normal_x + normal_y * normal_y).astype(np.float64))
    safe = xp.where(norm > 0.0, norm, 1.0)
    unit_x = xp.where(norm > 0.0, normal_x / safe, 0.0)
    unit_y = xp.where(norm > 0.0, normal_y / safe, 0.0)
    data = xp.abs(iso_gx * unit_y - iso_gy * unit_x)
    return {"ys": ys, "xs": xs, "confidence": conf, "data": data, "priority": conf * data}


def select_target(front: dict[str, Any]) -> int:
    """Index (into the front) of the target: highest priority, then confidence, then (y, x)."""
    xp = array_module(front["priority"])
    priority, conf = front["priority"], front["confidence"]
    top = priority == priority.max()
    top_conf = top & (conf == conf[top].max())
    return int(xp.flatnonzero(top_conf)[0])


def target_offsets(known: Any, y: int, x: int, half: int) -> tuple[np.ndarray, np.ndarray]:
    """Offsets (host int64) of the known, in-image pixels of the patch at (y, x), in the
    summation order: outermost ring of the patch first, row-major within a ring.

    Pixels far apart differ more than neighbours, so summing the rim first makes a pruned
    search (numba) give up on a poor candidate sooner; every backend sums in this order.
    """
    height, width = known.shape
    y0, y1 = max(y - half, 0), min(y + half + 1, height)
    x0, x1 = max(x - half, 0), min(x + half + 1, width)
    window = known[y0:y1, x0:x1]
    wy, wx = np.nonzero(window.get() if hasattr(window, "get") else window)
    dy, dx = (wy + y0 - y).astype(np.int64), (wx + x0 - x).astype(np.int64)
    order = np.argsort(-np.maximum(np.abs(dy), np.abs(dx)), kind="stable")
    return dy[order], dx[order]


def search_candidates(cand_y: Any, cand_x: Any, y: int, x: int, radius: int | None) -> tuple[Any, Any]:
    """The source centres inside the search window around (y, x) (all when it holds none)."""
    if radius is None:
        return cand_y, cand_x
    inside = (abs(cand_y - y) <= radius) & (abs(cand_x - x) <= radius)
    if not bool(inside.any()):
        return cand_y, cand_x
    return cand_y[inside], cand_x[inside]


def best_exemplar(
    features: Any, known: Any, y: int, x: int, half: int, cand_y: Any, cand_x: Any, radius: int | None,
    distances: Distances = window_distances,
) -> tuple[int, int]:
    """Centre of the source patch closest (SSD of ``features`` over the known pixels) to the
    patch at (y, x)."""
    xp = array_module(features)
    dy, dx = target_offsets(known, y, x, half)
    ys, xs = search_candidates(cand_y, cand_x, y, x, radius)
    distance = distances(features, y, x, dy, dx, np.ones(dy.shape[0]), ys, xs)
    best = int(xp.flatnonzero(distance == distance.min())[0])  # the first in row-major order
    return int(ys[best]), int(xs[best])


def paste(image: Any, features: Any, gray: Any, known: Any, confidence: Any, y: int, x: int, sy: int, sx: int,
          half: int, patch_confidence: float) -> int:
    """Copy the unfilled pixels of the patch at (y, x) from the one at (sy, sx), with their
    search features, in place. Returns the number of pixels filled.
    """
    height, width = known.shape
    y0, y1 = max(y - half, 0), min(y + half + 1, height)
    x0, x1 = max(x - half, 0), min(x + half + 1, width)
    source = (slice(sy + y0 - y, sy + y1 - y), slice(sx + x0 - x, sx + x1 - x))
    target = (slice(y0, y1), slice(x0, x1))
    hole = ~known[target]
    image[target][hole] = image[source][hole]
    features[target][hole] = features[source][hole]
    confidence[target][hole] = patch_confidence
    gray[target] = channel_mean(image[target])
    known[target] = True
    return int(hole.sum())


def criminisi_reference(
    image: Any,
    mask: Any,
    *,
    patch_size: int,
    search_window: int | None,
    lab: bool = True,
    distances: Distances = window_distances,
    report: Callable[[int, Callable[[], dict[str, Any]]], None] | None = None,
) -> Any:
    """Fill the hole of ``image`` (float64 (H, W, C), hole zeroed) patch by patch.

    Parameters
    ----------
    image : ndarray, shape (H, W, C)
        Working image (NumPy or CuPy); not modified.
    mask : ndarray of bool, shape (H, W)
        True where pixels are to be filled.
    patch_size, search_window, lab
        See :class:`~inpaintkit.classical.criminisi.Criminisi`.
    distances : callable
        The patch distance (``window_distances``, or the CUDA kernel's drop-in).
    report : callable, optional
        ``report(step, state)``; ``state`` is a callable building :func:`step_state`.

    Returns
    -------
    ndarray, shape (H, W, C)
    """
    half = patch_size // 2
    radius = None if search_window is None else search_window // 2
    out = image.copy()
    known = ~mask
    confidence = known.astype(np.float64)
    gray = channel_mean(out)
    features = search_features(out, lab)
    cand_y, cand_x = candidate_centres(mask, half, None)
    step = 0
    while not bool(known.all()):
        front = front_priorities(gray, known, confidence, half)
        chosen = select_target(front)
        y, x = int(front["ys"][chosen]), int(front["xs"][chosen])
        sy, sx = best_exemplar(features, known, y, x, half, cand_y, cand_x, radius, distances)
        patch_confidence = float(front["confidence"][chosen])
        paste(out, features, gray, known, confidence, y, x, sy, sx, half, patch_confidence)
        if report is not None:
            maps = front_maps(known.shape, front)
            report(step, lambda: step_state(out, known, confidence, *maps, (y, x), (sy, sx), step))
        step += 1
    return out


def front_maps(shape: tuple[int, int], front: dict[str, Any]) -> tuple[Any, Any, Any]:
    """The front, its data terms and its priorities as (H, W) maps (0 off the front)."""
    xp = array_module(front["priority"])
    front_map = xp.zeros(shape, dtype=bool)
    data_map, priority_map = xp.zeros(shape), xp.zeros(shape)
    front_map[front["ys"], front["xs"]] = True
    data_map[front["ys"], front["xs"]] = front["data"]
    priority_map[front["ys"], front["xs"]] = front["priority"]
    return front_map, data_map, priority_map


def step_state(out: Any, known: Any, confidence: Any, front_map: Any, data_map: Any, priority_map: Any,
               target: tuple[int, int], source: tuple[int, int], step: int) -> dict[str, Any]:
    """The teaching view of one step: the front it chose from, its maps, and the copy made.

    ``front``, ``data`` and ``priority`` describe the front *before* the paste (``data`` and
    ``priority`` are 0 off the front); ``confidence`` and ``image`` are *after* it.
    """
    return {
        "image": out.copy(),
        "remaining": ~known,
        "front": front_map,
        "confidence": confidence.copy(),
        "data": data_map.copy(),
        "priority": priority_map.copy(),
        "target": target,
        "source": source,
        "step": step,
    }
