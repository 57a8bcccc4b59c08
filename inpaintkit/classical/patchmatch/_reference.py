"""PatchMatch, the readable version: the oracle every fast kernel is tested against.

Barnes, Shechtman, Finkelstein and Goldman (2009) find, for every patch of a target image,
a similar patch of a source image (its *nearest neighbour*) without comparing all pairs:

1. **Random initialisation.** Each target patch gets a random source patch.
2. **Propagation.** Neighbouring patches tend to match neighbouring patches, so a patch
   tries its neighbour's match shifted by one pixel: on even iterations the left and upper
   neighbours (scanning from the top-left), on odd iterations the right and lower ones
   (scanning from the bottom-right).
3. **Random search.** Around its best match so far, a patch tries one random source patch in
   a window whose radius starts at the image size and halves (alpha = 1/2) down to 1 pixel.

Patches are indexed by their top-left pixel: patch (y, x) covers rows y .. y + p - 1 and
columns x .. x + p - 1. The field holds, for each target patch, the absolute (row, column)
of its source patch.

The *schedule* says in which order patches are visited, which decides what a patch sees of
its neighbours' new matches:

``"sequential"``
    Barnes et al.'s scan: one patch at a time in raster order (reversed on odd iterations).
``"tiled"``
    The numba kernel's schedule. The target grid is cut into fixed tiles; each tile is scanned
    like ``"sequential"``, but a neighbour in another tile is read as it was at the start of
    the iteration. The tiles are then independent, so they run in parallel and the result
    does not depend on the number of threads.
``"jump_flood"``
    The GPU kernel's schedule (jump flooding, Rong and Tan 2006, as in Barnes et al.'s GPU
    version). Every patch is updated at once from the previous state: for each jump k of
    ``jumps`` it tries the matches of its four neighbours k pixels away (shifted by k); then
    every patch does its random search.

What the three implementations share is in ``_common.py``: the random stream (a hash of
seed, iteration, position and draw index) and nothing else; distances, candidates and the
schedules are written here again, plainly, so that a test comparing them checks something.
"""

from __future__ import annotations

import numpy as np

from ._common import combine, patch_key, uniform_below

SCHEDULES = ("sequential", "tiled", "jump_flood")
TILE = (16, 64)
"""Tile (rows, columns) of the ``"tiled"`` schedule: the numba kernel's default."""
JUMPS = (4, 2, 1)
"""Propagation distances of one ``"jump_flood"`` iteration: the GPU kernel's default."""


def patch_distance(
    source: np.ndarray, target: np.ndarray, source_yx: tuple[int, int], target_yx: tuple[int, int], patch: int
) -> float:
    """Sum of squared differences of two patches, summed in the kernels' order.

    First each pixel's channels, then each row's pixel sums left to right, then the row sums
    top to bottom. ``np.cumsum`` adds strictly in order (unlike ``np.sum``, which adds
    pairwise), so its last value is exactly what the kernels' loops compute.
    """
    (sy, sx), (ty, tx) = source_yx, target_yx
    difference = source[sy : sy + patch, sx : sx + patch] - target[ty : ty + patch, tx : tx + patch]
    pixel_sums = np.cumsum(difference * difference, axis=2)[:, :, -1]
    row_sums = np.cumsum(pixel_sums, axis=1)[:, -1]
    return float(np.cumsum(row_sums)[-1])


class _Search:
    """The state and the three steps of PatchMatch on one source/target pair."""

    def __init__(self, source, target, patch, source_ok, update, initial, key):
        self.source, self.target, self.patch = source, target, patch
        self.source_ok, self.update, self.key = source_ok, update, key
        self.field = np.full(update.shape + (2,), -1, np.int64) if initial is None else initial.astype(np.int64)
        self.distance = np.full(update.shape, np.inf)

    def is_valid(self, y: int, x: int) -> bool:
        rows, columns = self.source_ok.shape
        return 0 <= y < rows and 0 <= x < columns and bool(self.source_ok[y, x])

    def better(self, candidate: tuple[float, int, int], best: tuple[float, int, int]) -> bool:
        """Smaller distance wins; equal distances go to the smaller (row, column)."""
        return candidate < best

    def initialise(self) -> None:
        """Random source patches where no valid initial match is given; distances everywhere."""
        valid_flat = np.flatnonzero(self.source_ok)
        columns = self.source_ok.shape[1]
        for ty, tx in np.ndindex(*self.update.shape):
            y, x = (int(v) for v in self.field[ty, tx])
            if self.update[ty, tx] and not self.is_valid(y, x):
                draw = combine(patch_key(self.key, 0, ty, tx), 0)
                y, x = divmod(int(valid_flat[uniform_below(draw, valid_flat.size)]), columns)
                self.field[ty, tx] = y, x
            if self.is_valid(y, x):
                self.distance[ty, tx] = patch_distance(self.source, self.target, (y, x), (ty, tx), self.patch)

    def best_of(self, ty: int, tx: int) -> tuple[float, int, int]:
        return float(self.distance[ty, tx]), int(self.field[ty, tx, 0]), int(self.field[ty, tx, 1])

    def improve(self, ty: int, tx: int, best: tuple[float, int, int], y: int, x: int) -> tuple[float, int, int]:
        """Try source patch (y, x) for target patch (ty, tx)."""
        if (y, x) == best[1:] or not self.is_valid(y, x):
            return best
        candidate = (patch_distance(self.source, self.target, (y, x), (ty, tx), self.patch), y, x)
        return candidate if self.better(candidate, best) else best

    def random_search(self, ty: int, tx: int, best: tuple[float, int, int], iteration: int) -> tuple[float, int, int]:
        """Samples in windows of radius max(grid), max/2, ..., 1 around the best match so far."""
        rows, columns = self.source_ok.shape
        base = patch_key(self.key, iteration, ty, tx)
        radius, draw = max(rows, columns), 0
        while radius >= 1:
            _, by, bx = best
            low_y, high_y = max(by - radius, 0), min(by + radius, rows - 1)
            low_x, high_x = max(bx - radius, 0), min(bx + radius, columns - 1)
            y = low_y + uniform_below(combine(base, draw), high_y - low_y + 1)
            x = low_x + uniform_below(combine(base, draw + 1), high_x - low_x + 1)
            best = self.improve(ty, tx, best, y, x)
            draw += 2
            radius //= 2
        return best

    def store(self, ty: int, tx: int, best: tuple[float, int, int]) -> None:
        self.distance[ty, tx] = best[0]
        self.field[ty, tx] = best[1], best[2]

    # ------------------------------------------------------------------ schedules
    def scan_tiles(self, iteration: int, tile: tuple[int, int]) -> None:
        """One iteration of the sequential (one tile) or tiled schedule."""
        rows, columns = self.update.shape
        step = 1 if iteration % 2 == 0 else -1
        previous = self.field.copy()
        for tile_y in range(0, rows, tile[0]):
            for tile_x in range(0, columns, tile[1]):
                y_range = range(tile_y, min(tile_y + tile[0], rows))
                x_range = range(tile_x, min(tile_x + tile[1], columns))
                for ty in y_range[::step]:
                    for tx in x_range[::step]:
                        if not self.update[ty, tx]:
                            continue
                        best = self.best_of(ty, tx)
                        for ny, nx in ((ty, tx - step), (ty - step, tx)):
                            if not (0 <= ny < rows and 0 <= nx < columns):
                                continue
                            same_tile = ny in y_range and nx in x_range
                            y, x = (self.field if same_tile else previous)[ny, nx]
                            if y >= 0:
                                best = self.improve(ty, tx, best, int(y) + ty - ny, int(x) + tx - nx)
                        self.store(ty, tx, self.random_search(ty, tx, best, iteration + 1))

    def jump_flood(self, iteration: int, jumps: tuple[int, ...]) -> None:
        """One iteration of the parallel schedule: every patch reads the previous state."""
        rows, columns = self.update.shape
        targets = [(ty, tx) for ty, tx in np.ndindex(rows, columns) if self.update[ty, tx]]
        for jump in jumps:
            previous = self.field.copy()
            for ty, tx in targets:
                best = self.best_of(ty, tx)
                for dy, dx in ((-jump, 0), (jump, 0), (0, -jump), (0, jump)):
                    ny, nx = ty + dy, tx + dx
                    if 0 <= ny < rows and 0 <= nx < columns and previous[ny, nx, 0] >= 0:
                        best = self.improve(ty, tx, best, int(previous[ny, nx, 0]) - dy, int(previous[ny, nx, 1]) - dx)
                self.store(ty, tx, best)
        for ty, tx in targets:
            self.store(ty, tx, self.random_search(ty, tx, self.best_of(ty, tx), iteration + 1))


def nnf_reference(
    source: np.ndarray,
    target: np.ndarray,
    patch: int,
    iterations: int,
    *,
    source_ok: np.ndarray,
    update: np.ndarray,
    initial: np.ndarray | None,
    key: int,
    schedule: str = "sequential",
    tile: tuple[int, int] = TILE,
    jumps: tuple[int, ...] = JUMPS,
) -> tuple[np.ndarray, np.ndarray]:
    """PatchMatch on prepared inputs; returns (field, distance).

    Parameters
    ----------
    source, target : ndarray, shape (H, W, C), float64
    patch : int
        Patch side.
    iterations : int
    source_ok : ndarray, shape (Hs - patch + 1, Ws - patch + 1), bool
        Source patches that may be matched (at least one).
    update : ndarray, shape (Ht - patch + 1, Wt - patch + 1), bool
        Target patches to search for; the others keep their ``initial`` entry.
    initial : ndarray, shape (Ht - patch + 1, Wt - patch + 1, 2), int, or None
        Starting matches; entries that are not valid source patches are drawn at random.
    key : int
        ``_common.seed_key(seed)``.
    schedule : {"sequential", "tiled", "jump_flood"}
    tile : (int, int)
        Tile shape of the ``"tiled"`` schedule.
    jumps : tuple of int
        Jump distances of the ``"jump_flood"`` schedule.

    Returns
    -------
    field : ndarray, shape (Ht - patch + 1, Wt - patch + 1, 2), int64
        Absolute (row, column) of each target patch's source patch (-1 where none).
    distance : ndarray, shape (Ht - patch + 1, Wt - patch + 1), float64
        Its sum of squared differences (inf where none).
    """
    search = _Search(source, target, patch, source_ok, update, initial, key)
    search.initialise()
    for iteration in range(iterations):
        if schedule == "jump_flood":
            search.jump_flood(iteration, jumps)
        else:
            search.scan_tiles(iteration, update.shape if schedule == "sequential" else tile)
    return search.field, search.distance


def brute_force_nnf(
    source: np.ndarray, target: np.ndarray, patch: int, source_ok: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The exact nearest-neighbour field by comparing every pair (for tests and teaching).

    Distances are expanded as |a|^2 - 2 a.b + |b|^2 (exact up to rounding, which differs
    from the kernels'); ties go to the smallest (row, column). Returns (field, distance) like
    :func:`nnf_reference`.
    """
    from numpy.lib.stride_tricks import sliding_window_view

    source_patches = sliding_window_view(source, (patch, patch), axis=(0, 1))
    target_patches = sliding_window_view(target, (patch, patch), axis=(0, 1))
    source_rows, source_columns = source_patches.shape[:2]
    flat_source = source_patches.reshape(source_rows * source_columns, -1)
    allowed = np.ones(flat_source.shape[0], bool) if source_ok is None else source_ok.ravel()
    source_sq = (flat_source**2).sum(axis=1)
    rows, columns = target_patches.shape[:2]
    field = np.empty((rows, columns, 2), np.int64)
    distance = np.empty((rows, columns))
    for ty in range(rows):
        flat_target = target_patches[ty].reshape(columns, -1)
        sq = source_sq[None, :] - 2.0 * flat_target @ flat_source.T + (flat_target**2).sum(axis=1)[:, None]
        sq = np.where(allowed[None, :], np.maximum(sq, 0.0), np.inf)
        best = np.argmin(sq, axis=1)
        field[ty, :, 0], field[ty, :, 1] = np.divmod(best, source_columns)
        distance[ty] = sq[np.arange(columns), best]
    return field, distance
