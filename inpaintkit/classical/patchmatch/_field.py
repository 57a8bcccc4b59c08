"""The public nearest-neighbour field: input checks, backend dispatch."""

from __future__ import annotations

from types import ModuleType
from typing import Any, NamedTuple

import numpy as np

from ... import backends as _backends
from ...contract import SUPPORTED_DTYPES, array_module, is_cupy_array
from ...errors import (
    ImageTooSmallError,
    InsufficientContextError,
    InvalidImageError,
    InvalidMaskError,
    InvalidParameterError,
    NonFiniteError,
    ShapeMismatchError,
    UnsupportedDtypeError,
)
from ...params import check_choice, check_int, check_seed
from ._common import seed_key
from ._reference import JUMPS, SCHEDULES, TILE, nnf_reference
from ._xp import window_count

__all__ = ["NNFResult", "nnf", "BACKENDS", "DEFAULT_SCHEDULE"]

BACKENDS = ("numba", "numpy", "cupy")
DEFAULT_SCHEDULE = {"numpy": "sequential", "numba": "tiled", "cupy": "jump_flood"}
_BACKEND_SCHEDULES = {"numpy": SCHEDULES, "numba": ("tiled", "sequential"), "cupy": ("jump_flood",)}


class NNFResult(NamedTuple):
    """What :func:`nnf` returns (a tuple: ``field, distance = nnf(...)``).

    Attributes
    ----------
    field : ndarray, shape (Ht - p + 1, Wt - p + 1, 2), int64
        For each target patch (indexed by its top-left pixel), the absolute (row, column) of
        the top-left pixel of its source patch; -1 where a patch was not updated and had no
        initial match. The offset is ``field - np.indices(field.shape[:2]).transpose(1, 2, 0)``.
    distance : ndarray, shape (Ht - p + 1, Wt - p + 1), float64
        Sum of squared differences between each target patch and its match (inf where none).
    """

    field: Any
    distance: Any


def _image(name: str, value: Any, xp: ModuleType) -> Any:
    if xp is np:
        value = np.asarray(value)
    if value.dtype not in SUPPORTED_DTYPES:
        raise UnsupportedDtypeError(
            f"{name}: dtype {value.dtype} is not supported; expected uint8, uint16, float32 or float64"
        )
    if value.ndim == 2:
        value = value[:, :, None]
    if value.ndim != 3 or value.shape[2] < 1:
        raise InvalidImageError(f"{name}: expected shape (H, W) or (H, W, C), got {tuple(value.shape)}")
    if value.dtype.kind == "u":
        value = value.astype(np.float64) / float(np.iinfo(value.dtype).max)
    value = xp.ascontiguousarray(value, dtype=np.float64)
    if not bool(xp.isfinite(value).all()):
        raise NonFiniteError(f"{name}: holds NaN or inf; replace them first (np.nan_to_num)")
    return value


def _patch_mask(
    name: str, value: Any, xp: ModuleType, image_shape: tuple[int, ...], patch: int, *, inside: bool
) -> Any:
    """A mask over patch positions, from either a pixel mask or a patch-position mask."""
    value = xp.asarray(value)
    if value.dtype != np.bool_:
        if value.dtype.kind not in "uif" or not bool(((value == 0) | (value == 1)).all()):
            raise InvalidMaskError(f"{name}: expected a bool array (or 0/1 numbers), got dtype {value.dtype}")
        value = value != 0
    pixels = tuple(image_shape[:2])
    positions = (pixels[0] - patch + 1, pixels[1] - patch + 1)
    if tuple(value.shape) == pixels:
        counts = window_count(xp, value, patch)
        return counts == patch * patch if inside else counts > 0
    if tuple(value.shape) == positions:
        return xp.ascontiguousarray(value)
    raise ShapeMismatchError(
        f"{name}: shape {tuple(value.shape)} fits neither the image's pixels {pixels} nor its "
        f"patch positions {positions} (patch_size={patch})"
    )


def nnf(
    source: Any,
    target: Any,
    patch_size: int = 7,
    iterations: int = 5,
    *,
    source_valid: Any = None,
    target_update: Any = None,
    initial: Any = None,
    seed: int = 0,
    backend: str = "auto",
    schedule: str | None = None,
) -> NNFResult:
    """Approximate nearest-neighbour field from ``target`` patches to ``source`` patches.

    PatchMatch (Barnes et al. 2009): random initialisation, then ``iterations`` rounds of
    propagation (from the left and upper neighbours on even rounds, the right and lower
    ones on odd rounds) and random search (one sample in windows whose radius starts at the
    source size and halves down to 1 pixel). The distance is the sum of squared differences
    over the patch and all channels.

    Parameters
    ----------
    source, target : ndarray, shape (H, W) or (H, W, C)
        Any number of channels (the same in both); uint8, uint16 (scaled to [0, 1]), float32
        or float64 (used as they are). CuPy arrays run on the GPU and give CuPy results.
    patch_size : int
        Side of the square patches (at most the smaller side of either image).
    iterations : int
        Rounds of propagation and random search (0 returns the initial field).
    source_valid : ndarray of bool, optional
        Which source patches may be matched. Shape (Hs, Ws): a pixel mask, and a patch is
        valid when all its pixels are; shape (Hs - p + 1, Ws - p + 1): one flag per patch
        position. Default: all.
    target_update : ndarray of bool, optional
        Which target patches are searched for. Shape (Ht, Wt): a pixel mask, and a patch is
        updated when it contains any marked pixel; shape (Ht - p + 1, Wt - p + 1): one flag
        per patch. The others keep their ``initial`` entry (or -1) and are never changed.
        Default: all.
    initial : ndarray of int, shape (Ht - p + 1, Wt - p + 1, 2), optional
        Starting matches (absolute source coordinates, like the result). Entries that are not
        valid source patches (outside the source, excluded by ``source_valid``, or -1) are
        drawn at random.
    seed : int
        Seed of the counter-based random draws: the same seed, inputs and backend give the
        same field.
    backend : {"auto", "numba", "numpy", "cupy"}
        ``numpy`` is the readable reference (slow: small images only).
    schedule : {"sequential", "tiled", "jump_flood"}, optional
        Order of the updates (see ``inpaintkit.classical.patchmatch._reference``).
        Default: the backend's own: ``numpy`` sequential (Barnes et al.'s scan), ``numba``
        tiled (parallel, independent of the thread count), ``cupy`` jump_flood. ``numpy``
        runs all three, so that every kernel can be checked against it; ``numba`` also runs
        sequential (on one thread).

    Returns
    -------
    NNFResult
        ``(field, distance)``; see :class:`NNFResult`.

    Raises
    ------
    InvalidParameterError, UnsupportedDtypeError, InvalidImageError, ShapeMismatchError,
    InvalidMaskError, NonFiniteError, ImageTooSmallError, InsufficientContextError (no valid
    source patch), BackendUnavailableError

    References
    ----------
    .. [1] C. Barnes, E. Shechtman, A. Finkelstein, D. B. Goldman, "PatchMatch: a randomized
       correspondence algorithm for structural image editing", ACM Trans. Graph. 28(3)
       (SIGGRAPH), 2009, doi:10.1145/1531326.1531330.

    Examples
    --------
    >>> import numpy as np
    >>> from inpaintkit.classical.patchmatch import nnf
    >>> source = np.random.default_rng(0).random((32, 32))
    >>> target = source[3:27, 5:29]                 # a shifted crop of the source
    >>> field, distance = nnf(source, target, patch_size=5, iterations=5)
    >>> offset = field[10, 10] - (10, 10)
    >>> offset.tolist(), float(distance[10, 10])
    ([3, 5], 0.0)
    """
    patch = check_int("patch_size", patch_size, low=1)
    iterations = check_int("iterations", iterations, low=0)
    seed = check_seed("seed", seed)
    input_is_cupy = is_cupy_array(source) or is_cupy_array(target)
    resolved = _backends.resolve(backend, BACKENDS, method="nnf", input_is_cupy=input_is_cupy)
    if schedule is None:
        schedule = DEFAULT_SCHEDULE[resolved]
    check_choice("schedule", schedule, SCHEDULES)
    if schedule not in _BACKEND_SCHEDULES[resolved]:
        raise InvalidParameterError(
            f"schedule: the {resolved!r} backend runs {', '.join(map(repr, _BACKEND_SCHEDULES[resolved]))}, "
            f"not {schedule!r}; use backend='numpy' to run any schedule"
        )
    if resolved == "cupy":
        import cupy

        xp: ModuleType = cupy
        source, target = cupy.asarray(source), cupy.asarray(target)
    else:
        xp = np
        source = source.get() if is_cupy_array(source) else source
        target = target.get() if is_cupy_array(target) else target
    source = _image("source", source, xp)
    target = _image("target", target, xp)
    if source.shape[2] != target.shape[2]:
        raise ShapeMismatchError(
            f"target: {target.shape[2]} channels, but source has {source.shape[2]}; both need the same channels"
        )
    smallest = min(source.shape[0], source.shape[1], target.shape[0], target.shape[1])
    if patch > smallest:
        raise ImageTooSmallError(
            f"patch_size: {patch} is larger than the smallest image side ({smallest} pixels); "
            f"use patch_size <= {smallest}"
        )
    grid = (target.shape[0] - patch + 1, target.shape[1] - patch + 1)
    source_grid = (source.shape[0] - patch + 1, source.shape[1] - patch + 1)
    source_ok = (
        xp.ones(source_grid, bool) if source_valid is None
        else _patch_mask("source_valid", source_valid, xp, source.shape, patch, inside=True)
    )
    update = (
        xp.ones(grid, bool) if target_update is None
        else _patch_mask("target_update", target_update, xp, target.shape, patch, inside=False)
    )
    if not bool(source_ok.any()):
        raise InsufficientContextError(
            f"source_valid: no source patch of {patch}x{patch} pixels is valid, so nothing can be matched; "
            "mark more of the source valid or use a smaller patch_size"
        )
    if initial is not None:
        initial = xp.asarray(initial)
        if initial.dtype.kind not in "iu" or tuple(initial.shape) != grid + (2,):
            raise InvalidParameterError(
                f"initial: expected integer source coordinates of shape {grid + (2,)}, "
                f"got dtype {initial.dtype} and shape {tuple(initial.shape)}"
            )
    field, distance = run_nnf(
        resolved, source, target, patch, iterations, source_ok, update, initial, seed_key(seed), schedule
    )
    return NNFResult(field, distance)


def run_nnf(
    backend: str,
    source: Any,
    target: Any,
    patch: int,
    iterations: int,
    source_ok: Any,
    update: Any,
    initial: Any,
    key: int,
    schedule: str,
) -> tuple[Any, Any]:
    """Dispatch prepared inputs (float64 (H, W, C) C-contiguous, bool masks over patch positions)."""
    if backend == "numpy":
        return nnf_reference(
            source, target, patch, iterations, source_ok=source_ok, update=update, initial=initial, key=key,
            schedule=schedule,
        )
    xp = array_module(source)
    field = xp.full(update.shape + (2,), -1, np.int64) if initial is None else initial.astype(np.int64, copy=True)
    if backend == "numba":
        from ._numba import nnf_numba

        tile = update.shape if schedule == "sequential" else TILE
        return nnf_numba(source, target, source_ok, update, field, patch, iterations, key, tile)
    from ._cuda import nnf_cuda

    return nnf_cuda(xp, source, target, source_ok, update, field, patch, iterations, key, JUMPS)
