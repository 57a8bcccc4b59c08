"""Multi-scale completion (Wexler, Shechtman and Irani 2007) written against an array module.

Everything here runs unchanged on NumPy (the reference backend, and the tests) and on CuPy
(the GPU backend): the image pyramid, the masks of usable patches, the upsampling of the
field between levels, the voting weights and the voting step itself. The nearest-neighbour
field and (on the numba backend) the vote are passed in as functions, so each backend plugs
its own kernels into the same loop.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

GAMMA = 1.3
"""Base of Wexler et al.'s confidence gamma ** -distance_to_known_region."""
SIMILARITY_PERCENTILE = 75.0
"""Wexler et al.'s sigma: this percentile of the patch distances of the current iteration."""
LEVEL_THICKNESS = 4.0
"""Automatic pyramid depth: the coarsest hole is at most this many patch sides thick."""


def window_count(xp: Any, pixels: Any, patch: int) -> Any:
    """Number of True pixels in every ``patch x patch`` window, indexed by its top-left pixel.

    Returns an int64 array of shape (H - patch + 1, W - patch + 1) (summed-area table).
    """
    table = xp.zeros((pixels.shape[0] + 1, pixels.shape[1] + 1), np.int64)
    table[1:, 1:] = xp.cumsum(xp.cumsum(pixels.astype(np.int64), axis=0), axis=1)
    return table[patch:, patch:] - table[:-patch, patch:] - table[patch:, :-patch] + table[:-patch, :-patch]


def downsample(xp: Any, image: Any, known: Any) -> tuple[Any, Any]:
    """Halve an image by 2x2 blocks, averaging only the known pixels of each block.

    Odd sides keep their last row/column as a half block. Returns (image, known count) at
    the coarse size; a coarse pixel with known count 0 holds 0.
    """
    height, width, _ = image.shape
    pad = ((0, height % 2), (0, width % 2))
    weight = xp.pad(known.astype(np.float64), pad)
    values = xp.pad(image, pad + ((0, 0),)) * weight[:, :, None]
    coarse_h, coarse_w = weight.shape[0] // 2, weight.shape[1] // 2

    def block_sum(a: Any) -> Any:
        return a.reshape(coarse_h, 2, coarse_w, 2, *a.shape[2:]).sum(axis=(1, 3))

    known_count = block_sum(weight)
    return block_sum(values) / xp.maximum(known_count, 1.0)[:, :, None], known_count


def upsample2(xp: Any, coarse: Any, height: int, width: int) -> Any:
    """Double an image's size by linear interpolation (weights 3/4 and 1/4, edges repeated)."""

    def along(a: Any, axis: int) -> Any:
        n = a.shape[axis]
        index = xp.arange(n)
        before = xp.take(a, xp.maximum(index - 1, 0), axis=axis)
        after = xp.take(a, xp.minimum(index + 1, n - 1), axis=axis)
        even, odd = 0.75 * a + 0.25 * before, 0.75 * a + 0.25 * after
        return xp.stack([even, odd], axis=axis + 1).reshape(a.shape[:axis] + (2 * n,) + a.shape[axis + 1 :])

    return along(along(coarse, 0), 1)[:height, :width]


def pull_push(xp: Any, image: Any, hole: Any) -> Any:
    """A smooth first guess for the hole: known-pixel averages of ever coarser levels.

    Downsample (averaging known pixels) until nothing is missing, then fill each level's
    hole from its parent, interpolated linearly, back up to full size.
    """
    if not bool(hole.any()):
        return image
    coarse, known_count = downsample(xp, image, ~hole)
    coarse = pull_push(xp, coarse, known_count == 0)
    parent = upsample2(xp, coarse, image.shape[0], image.shape[1])
    return xp.where(hole[:, :, None], parent, image)


def build_pyramid(xp: Any, image: Any, hole: Any, levels: int) -> list[tuple[Any, Any]]:
    """``levels`` (image, hole) pairs, finest first.

    A coarse pixel is known when any of its 2x2 fine pixels is, and holds their average:
    the coarse hole shrinks with the image, so the coarse levels keep all the context next
    to the hole (marking a coarse pixel missing when any fine pixel is measurably worsens
    the fill: the coarse levels then invent what the finer ones know).
    """
    pyramid = [(image, hole)]
    for _ in range(levels - 1):
        fine_image, fine_hole = pyramid[-1]
        coarse, known_count = downsample(xp, fine_image, ~fine_hole)
        pyramid.append((coarse, known_count == 0))
    return pyramid


def usable_levels(hole: np.ndarray, patch: int, levels: int | None) -> int:
    """How many pyramid levels to use (host-side, from the finest hole).

    Automatic (``levels=None``): halve until the hole is at most ``LEVEL_THICKNESS``
    patches thick (its largest distance to a known pixel is at most that many patch
    sides). Either way stop before a level whose sides are shorter than ``2 * patch`` or
    that has no fully known patch.
    """
    import scipy.ndimage

    if levels is None:
        thickness = float(scipy.ndimage.distance_transform_edt(hole).max())
        levels = 1 + max(0, math.ceil(math.log2(max(thickness / (LEVEL_THICKNESS * patch), 1.0))))
    image = np.zeros(hole.shape + (1,))
    count = 1
    while count < levels:
        image, known_count = downsample(np, image, ~hole)
        hole = known_count == 0
        if min(hole.shape) < 2 * patch or not bool((window_count(np, hole, patch) == 0).any()):
            break
        count += 1
    return count


def upsample_field(
    xp: Any, coarse_field: Any, fine_rows: int, fine_columns: int, patch: int, source_shape: tuple[int, int]
) -> Any:
    """Initial fine-level matches from the coarse field.

    A fine target patch takes the offset of the coarse patch around its centre, doubled.
    Results are clipped to the source patch grid; coarse entries of -1 stay -1.
    """
    half = patch // 2
    coarse_rows, coarse_columns = coarse_field.shape[:2]
    ty = xp.arange(fine_rows)[:, None]
    tx = xp.arange(fine_columns)[None, :]
    ky = xp.clip((ty + half) // 2 - half, 0, coarse_rows - 1)
    kx = xp.clip((tx + half) // 2 - half, 0, coarse_columns - 1)
    coarse = coarse_field[ky, kx]
    fine = xp.empty((fine_rows, fine_columns, 2), np.int64)
    fine[:, :, 0] = xp.clip(ty + 2 * (coarse[:, :, 0] - ky), 0, source_shape[0] - 1)
    fine[:, :, 1] = xp.clip(tx + 2 * (coarse[:, :, 1] - kx), 0, source_shape[1] - 1)
    return xp.where(coarse[:, :, :1] >= 0, fine, -1)


def log_confidence(xp: Any, hole: Any, patch: int) -> Any:
    """log of Wexler et al.'s confidence gamma ** -d at each patch centre, d = distance to the known region."""
    if xp is np:
        import scipy.ndimage as ndimage
    else:
        import cupyx.scipy.ndimage as ndimage
    distance = ndimage.distance_transform_edt(hole)
    half = patch // 2
    rows, columns = hole.shape[0] - patch + 1, hole.shape[1] - patch + 1
    return -math.log(GAMMA) * distance[half : half + rows, half : half + columns]


def vote_weights(xp: Any, distance: Any | None, update: Any, log_conf: Any) -> Any:
    """Weight of each target patch's vote: similarity times confidence (Wexler et al. 2007).

    similarity = exp(-d / (2 sigma^2)) with d the patch's sum of squared differences and
    sigma^2 the 75th percentile of d over the voting patches (the smallest positive d when
    that percentile is 0); ``distance=None`` gives similarity 1 (the first vote of a level,
    from the upsampled field). Patches outside ``update`` get 0; the exponent is clipped at
    -700 so that no voting patch's weight underflows to 0.
    """
    exponent = log_conf
    if distance is not None:
        voting = distance[update]
        sigma_sq = float(xp.percentile(voting, SIMILARITY_PERCENTILE))
        if sigma_sq <= 0.0:
            positive = voting[voting > 0]
            sigma_sq = float(positive.min()) if positive.size else 1.0
        exponent = exponent - xp.where(update, distance, 0.0) / (2.0 * sigma_sq)
    return xp.where(update, xp.exp(xp.maximum(exponent, -700.0)), 0.0)


def vote(xp: Any, source: Any, field: Any, weights: Any, hole: Any) -> Any:
    """Each hole pixel becomes the weighted mean of what the patches covering it matched.

    For every offset (dy, dx) inside a patch, all patches add ``weight * source[match +
    (dy, dx)]`` to the target pixel ``patch position + (dy, dx)``. Returns the target image
    (H, W, C) with the hole filled (other pixels 0).
    """
    rows, columns = weights.shape
    height, width = hole.shape
    patch = height - rows + 1
    voting = weights > 0
    match_y = xp.where(voting, field[:, :, 0], 0)
    match_x = xp.where(voting, field[:, :, 1], 0)
    total = xp.zeros((height, width, source.shape[2]))
    weight_sum = xp.zeros((height, width))
    for dy in range(patch):
        for dx in range(patch):
            total[dy : dy + rows, dx : dx + columns] += weights[:, :, None] * source[match_y + dy, match_x + dx]
            weight_sum[dy : dy + rows, dx : dx + columns] += weights
    return xp.where(hole[:, :, None], total / xp.where(hole, weight_sum, 1.0)[:, :, None], 0.0)


def em_schedule(em_iterations: int, levels: int) -> list[int]:
    """EM iterations of each pyramid level, coarsest first.

    The finest level runs ``em_iterations``; a level ``k`` halvings coarser runs ``k + 1``
    times as many. Wexler et al. iterate each scale until it settles, and a coarse level
    costs a quarter of the one above it per iteration, so the coarse levels, which decide the
    layout of the fill, get the most iterations for the least time (on the six 512x512 cases
    of ``benchmarks/bench_patchmatch.py``, seeds 0-2: 1-2% lower mean hole-MAE for 12-25% more
    CPU time).
    """
    return [em_iterations * (levels - level) for level in range(levels)]


NNFStep = Callable[[Any, Any, Any, Any, int, int], tuple[Any, Any]]
VoteStep = Callable[[Any, Any, Any, Any], Any]


def complete(
    xp: Any,
    image: Any,
    hole: Any,
    *,
    patch: int,
    levels: int,
    em_iterations: int,
    nnf_iterations: int,
    nnf_step: NNFStep,
    vote_step: VoteStep,
    report: Callable[[int, int, Any], None] | None = None,
) -> Any:
    """Wexler et al.'s completion, coarse to fine; returns the filled finest image.

    ``nnf_step(image, source_ok, update, initial, iterations, call_index)`` returns (field,
    distance) from the patches touching the hole (``update``) to the fully known patches
    (``source_ok``) of ``image``; ``vote_step(image, field, weights, hole)`` returns the
    voted image (see :func:`vote`). At the coarsest level the hole starts from a pull-push
    guess; at each finer level from a vote with the upsampled field. Then, as many times as
    :func:`em_schedule` gives for the level (``em_iterations`` at the finest): field, then
    vote. ``report(level, em_iteration, image)`` is called after each vote; level 0 is the
    coarsest.
    """
    field = None
    call = 0
    schedule = em_schedule(em_iterations, levels)
    for level, (known_image, level_hole) in enumerate(reversed(build_pyramid(xp, image, hole, levels))):
        holes_per_window = window_count(xp, level_hole, patch)
        source_ok = holes_per_window == 0
        update = holes_per_window > 0
        log_conf = log_confidence(xp, level_hole, patch)
        if field is None:
            current = pull_push(xp, known_image, level_hole)
        else:
            field = upsample_field(xp, field, update.shape[0], update.shape[1], patch, source_ok.shape)
            field, _ = nnf_step(known_image, source_ok, update, xp.where(update[:, :, None], field, -1), 0, call)
            call += 1
            guess = vote_step(known_image, field, vote_weights(xp, None, update, log_conf), level_hole)
            current = xp.where(level_hole[:, :, None], guess, known_image)
        for em_iteration in range(schedule[level]):
            field, distance = nnf_step(current, source_ok, update, field, nnf_iterations, call)
            call += 1
            voted = vote_step(current, field, vote_weights(xp, distance, update, log_conf), level_hole)
            current = xp.where(level_hole[:, :, None], voted, known_image)
            if report is not None:
                report(level, em_iteration, current)
    return current
