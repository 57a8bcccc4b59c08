"""Training data: images from any folder, each paper's training masks, and resumable batches.

Every random choice here comes from a counter-based generator: a fresh
``numpy.random.default_rng`` seeded with ``(seed, purpose, counters...)`` (NumPy's
``SeedSequence`` hashes the whole tuple), so the crop of image ``i`` at draw ``d`` or the
mask of draw ``d`` is a pure function of its arguments. A batch is therefore a pure function
of ``(seed, step, rank)``: a resumed run draws exactly the batches it would have drawn, with
no loader state to save, and the ranks of a distributed run read disjoint shards.

>>> from inpaintkit.train.data import MaskSampler, DEFAULT_MASKS
>>> sampler = MaskSampler(DEFAULT_MASKS["context-encoder"], 8)
>>> sampler(0).astype(int)[1:7, 1:7]
array([[0, 0, 0, 0, 0, 0],
       [0, 1, 1, 1, 1, 0],
       [0, 1, 1, 1, 1, 0],
       [0, 1, 1, 1, 1, 0],
       [0, 1, 1, 1, 1, 0],
       [0, 0, 0, 0, 0, 0]])
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .. import masks as _masks
from ..errors import InvalidImageError, InvalidParameterError
from ..params import check_bool, check_choice, check_float, check_int, check_seed

__all__ = [
    "IMAGE_SUFFIXES",
    "MASK_FAMILIES",
    "DEFAULT_MASKS",
    "ImageFolder",
    "MaskSampler",
    "Batches",
    "bundled_folder",
]

#: File suffixes :class:`ImageFolder` reads (compared in lower case).
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")

#: The mask families :class:`MaskSampler` draws.
MASK_FAMILIES = ("center", "random_box", "free_form_box", "irregular", "lama")

#: Each method's training masks in its paper.
DEFAULT_MASKS: dict[str, str] = {
    "context-encoder": "center",
    "glcic": "random_box",
    "deepfill1": "random_box",
    "deepfill2": "free_form_box",
    "pconv": "irregular",
    "lama": "lama",
}

# Purposes of the counter-based generators, so that two purposes never share a stream.
_CROP, _MASK, _EPOCH = 1, 2, 3

# Smallest training side: the families' boxes and strokes need a few pixels to be what they are.
_MIN_SIZE = 8


def _generator(seed: int, purpose: int, *counters: int) -> np.random.Generator:
    """A generator that depends only on ``(seed, purpose, *counters)`` (non-negative integers)."""
    return np.random.default_rng([seed, purpose, *counters])


def _check_size(size: Any) -> int:
    return check_int("size", size, low=_MIN_SIZE, high=16384)


# ----------------------------------------------------------------------------- images


def _as_float_rgb(array: np.ndarray, path: Path) -> np.ndarray:
    """An image as read by :func:`inpaintkit.io.read_image` -> float32 (H, W, 3) on [0, 1]."""
    if array.dtype == np.uint8:
        array = array.astype(np.float32) / 255.0
    elif array.dtype == np.uint16:
        array = array.astype(np.float32) / 65535.0
    elif array.dtype == np.float32:
        array = np.clip(np.nan_to_num(array), 0.0, 1.0)
    else:
        raise InvalidImageError(f"root: {path} holds {array.dtype} samples; use 8- or 16-bit images")
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    return np.ascontiguousarray(array[:, :, :3])  # alpha dropped


class ImageFolder:
    """Every image under a folder, as square training crops or resizes.

    The files are every ``.jpg``, ``.jpeg``, ``.png`` and ``.webp`` under ``root`` (recursive,
    names compared in lower case; hidden files and folders skipped), sorted by path. The
    held-out split is decided by the CRC-32 of each file's path relative to ``root``: a file
    is held out when ``crc32 / 2**32 < heldout_fraction``. Adding or removing files therefore
    never moves another file between the splits, and the split does not depend on ``seed``.

    Parameters
    ----------
    root : str or Path
        The folder.
    size : int
        Side of the square images returned, at least 8.
    mode : {"crop", "resize"}
        ``"crop"``: a ``size x size`` window (images whose shorter side is below ``size`` are
        first enlarged, keeping their aspect ratio, so that a window fits). ``"resize"``: the
        whole image resized to ``size x size`` (the aspect ratio is not kept).
    flip : bool
        Let :meth:`sample` mirror images left-right with probability 1/2.
    split : {"train", "heldout"}
        Which part of the folder this dataset holds.
    heldout_fraction : float
        Expected fraction of files held out, in [0, 1].
    seed : int
        Seed of :meth:`sample`'s random crops and flips.

    Raises
    ------
    InvalidParameterError
        A bad argument, a missing ``root``, or a folder without images.

    Notes
    -----
    Gray images become three equal channels and alpha is dropped. Resizing is bilinear with
    antialiasing (``torch.nn.functional.interpolate``). Files are decoded on every access:
    keep large photos pre-shrunk when the crops are small.

    Examples
    --------
    >>> import tempfile
    >>> folder = ImageFolder(bundled_folder(tempfile.mkdtemp(), size=16, count=8), size=16, heldout_fraction=0)
    >>> len(folder), tuple(folder[0].shape), tuple(folder.sample(0, draw=3).shape)
    (8, (3, 16, 16), (3, 16, 16))
    """

    def __init__(
        self,
        root: str | os.PathLike,
        *,
        size: int,
        mode: str = "crop",
        flip: bool = True,
        split: str = "train",
        heldout_fraction: float = 0.1,
        seed: int = 0,
    ) -> None:
        if not isinstance(root, (str, os.PathLike)):
            raise InvalidParameterError(f"root: expected the path of a folder of images, got {type(root).__name__}")
        root = Path(root).expanduser()
        if not root.is_dir():
            where = "is a file" if root.exists() else "does not exist"
            raise InvalidParameterError(f"root: {str(root)!r} {where}; pass a folder of images")
        self.root = root
        self.size = _check_size(size)
        self.mode = check_choice("mode", mode, ("crop", "resize"))
        self.flip = check_bool("flip", flip)
        self.split = check_choice("split", split, ("train", "heldout"))
        self.heldout_fraction = check_float("heldout_fraction", heldout_fraction, low=0.0, high=1.0)
        self.seed = check_seed("seed", seed)
        found = sorted(
            path.relative_to(root).as_posix()
            for path in root.rglob("*")
            if path.suffix.lower() in IMAGE_SUFFIXES
            and not any(part.startswith(".") for part in path.relative_to(root).parts)
            and path.is_file()
        )
        if not found:
            raise InvalidParameterError(
                f"root: no image files ({', '.join(IMAGE_SUFFIXES)}) under {str(root)!r}; "
                "point it at a folder of photos (inpaintkit.train.data.bundled_folder writes one)"
            )
        want_heldout = self.split == "heldout"
        #: Paths of this split's files relative to ``root`` (POSIX form), sorted.
        self.files = [name for name in found if self._is_heldout(name) == want_heldout]

    def _is_heldout(self, relative: str) -> bool:
        return zlib.crc32(relative.encode("utf-8")) / 2**32 < self.heldout_fraction

    def __len__(self) -> int:
        return len(self.files)

    def __repr__(self) -> str:
        return (
            f"ImageFolder({str(self.root)!r}, size={self.size}, mode={self.mode!r}, split={self.split!r}: "
            f"{len(self)} images)"
        )

    def _check_index(self, index: Any) -> int:
        if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
            raise InvalidParameterError(f"index: expected an integer, got {index!r}")
        index = int(index)
        if not -len(self) <= index < len(self):
            raise IndexError(f"index: {index} is out of range for {len(self)} images in the {self.split!r} split")
        return index % len(self)

    def _load(self, index: int) -> torch.Tensor:
        """The image as float32 (3, H, W) on [0, 1], enlarged in crop mode / resized in resize mode."""
        from .. import io as image_io

        path = self.root / self.files[index]
        image = torch.from_numpy(_as_float_rgb(image_io.read_image(path), path)).permute(2, 0, 1)
        height, width = image.shape[1:]
        if self.mode == "resize":
            target = (self.size, self.size)
        elif min(height, width) < self.size:
            scale = self.size / min(height, width)
            target = (max(self.size, round(height * scale)), max(self.size, round(width * scale)))
        else:
            return image
        resized = F.interpolate(image[None], size=target, mode="bilinear", align_corners=False, antialias=True)
        return resized[0].clamp_(0.0, 1.0)

    def __getitem__(self, index: int) -> torch.Tensor:
        """Image ``index`` without randomness: the centre crop (or the resize), not flipped.

        Returns
        -------
        Tensor, float32, shape (3, size, size), on [0, 1]
        """
        image = self._load(self._check_index(index))
        top, left = (image.shape[1] - self.size) // 2, (image.shape[2] - self.size) // 2
        return image[:, top : top + self.size, left : left + self.size].contiguous()

    def sample(self, index: int, draw: int) -> torch.Tensor:
        """Image ``index`` with the random crop and flip of draw number ``draw``.

        The crop's corner (uniform over every position) and the flip (probability 1/2 when
        ``flip`` is True) come from a generator keyed by ``(seed, index, draw)``.

        Returns
        -------
        Tensor, float32, shape (3, size, size), on [0, 1]
        """
        index = self._check_index(index)
        draw = check_int("draw", draw, low=0)
        image = self._load(index)
        rng = _generator(self.seed, _CROP, index, draw)
        top = int(rng.integers(0, image.shape[1] - self.size + 1))
        left = int(rng.integers(0, image.shape[2] - self.size + 1))
        mirrored = bool(rng.random() < 0.5) and self.flip  # drawn either way: flip=False keeps the crops
        crop = image[:, top : top + self.size, left : left + self.size]
        return (crop.flip(-1) if mirrored else crop).contiguous()


# ----------------------------------------------------------------------------- masks

_FAMILY_OPTIONS: dict[str, tuple[str, ...]] = {
    "center": ("ratio",),
    "random_box": ("min_size", "max_size", "count", "max_delta"),
    "free_form_box": ("max_strokes", "width", "flip"),
    "irregular": ("bins", "no_border"),
    "lama": ("kinds",),
}


class MaskSampler:
    """Each paper's training masks, drawn from :mod:`inpaintkit.masks`.

    Families (``size`` is the image side):

    ``"center"``
        Context Encoder [1]_: the central ``size/2 x size/2`` square (``masks.box`` with
        ``ratio=0.25``), the same every draw. Option ``ratio``.
    ``"random_box"``
        GLCIC [2]_: one box whose sides are drawn uniformly in ``[3/8, 1/2]`` of the image
        side (96 to 128 pixels at 256), anywhere in the image (``masks.random_boxes``).
        Options ``min_size``, ``max_size``, ``count``. With ``max_delta`` it is DeepFill v1's
        box [3]_ instead: a ``size/2`` square at a uniform position, each side then shrunk by
        the same random ``0..max_delta//2`` pixels at both ends (the official ``bbox2mask``;
        ``max_delta=size/8``, i.e. 32 at 256, in its config); see :meth:`for_method`.
    ``"free_form_box"``
        DeepFill v2 [4]_: the union of 1-3 free-form brush strokes and a half-size box shrunk
        by up to 1/16 of the side per edge (``masks.free_form(..., with_box=True)``, whose
        strokes follow the official ``brush_stroke_mask`` with widths scaled to the image, and
        whose flips really flip). Options ``max_strokes``, ``width``, ``flip``.
    ``"irregular"``
        Partial convolutions [5]_: ``masks.irregular`` with its hole-ratio bin drawn uniformly
        from ``bins`` (default :data:`inpaintkit.masks.HOLE_RATIO_BINS`, 1% to 60%). Option
        ``no_border``. Liu et al. trained on masks from video occlusions, which cannot be
        shipped; this reproduces their binned hole-ratio protocol.
    ``"lama"``
        LaMa [6]_: ``masks.lama`` with the kind drawn uniformly from ``kinds`` (default thin,
        medium and thick). LaMa's own training generator (strokes like ``thick`` and boxes,
        with equal odds) is closest to ``kinds=("thick",)``.

    Parameters
    ----------
    family : str
        One of :data:`MASK_FAMILIES`.
    size : int
        Side of the square masks, at least 8.
    seed : int
        Seed of the draws.
    **options
        The family's options listed above.

    Raises
    ------
    InvalidParameterError
        An unknown family or option, or a bad value.

    References
    ----------
    .. [1] D. Pathak et al., "Context Encoders: Feature Learning by Inpainting", CVPR 2016.
    .. [2] S. Iizuka, E. Simo-Serra, H. Ishikawa, "Globally and Locally Consistent Image
       Completion", ACM TOG 36(4), 2017.
    .. [3] J. Yu et al., "Generative Image Inpainting with Contextual Attention", CVPR 2018.
    .. [4] J. Yu et al., "Free-Form Image Inpainting with Gated Convolution", ICCV 2019.
    .. [5] G. Liu et al., "Image Inpainting for Irregular Holes Using Partial Convolutions",
       ECCV 2018.
    .. [6] R. Suvorov et al., "Resolution-robust Large Mask Inpainting with Fourier
       Convolutions", WACV 2022.

    Examples
    --------
    >>> sampler = MaskSampler("random_box", 256, seed=0)
    >>> hole = sampler(5)
    >>> rows, columns = hole.any(axis=1).sum(), hole.any(axis=0).sum()
    >>> bool(96 <= rows <= 128 and 96 <= columns <= 128)
    True
    """

    def __init__(self, family: str, size: int, seed: int = 0, **options: Any) -> None:
        self.family = check_choice("family", family, MASK_FAMILIES)
        self.size = _check_size(size)
        self.seed = check_seed("seed", seed)
        allowed = _FAMILY_OPTIONS[family]
        unknown = sorted(set(options) - set(allowed))
        if unknown:
            raise InvalidParameterError(
                f"{unknown[0]}: not an option of the {family!r} mask family; "
                f"its options are {', '.join(allowed) or 'none'}"
            )
        self.options = self._check_options(dict(options))
        shape = (self.size, self.size)
        if family == "center":
            self._center = _masks.box(shape, ratio=self.options["ratio"])
        self(0)  # a bad combination of options (e.g. a box larger than the image) fails here

    @classmethod
    def for_method(cls, method: str, size: int, *, seed: int = 0, **options: Any) -> MaskSampler:
        """The training masks of ``method``'s paper: :data:`DEFAULT_MASKS` plus its settings.

        DeepFill v1 gets ``max_delta=size//8`` (its box); every other method its family's
        defaults. ``options`` override them.
        """
        method = check_choice("method", method, tuple(DEFAULT_MASKS))
        size = _check_size(size)
        defaults: dict[str, Any] = {"max_delta": size // 8} if method == "deepfill1" else {}
        return cls(DEFAULT_MASKS[method], size, seed=seed, **{**defaults, **options})

    def _check_options(self, options: dict[str, Any]) -> dict[str, Any]:
        family = self.family
        if family == "center":
            ratio = options.get("ratio", 0.25)
            options["ratio"] = check_float("ratio", ratio, low=0.0, high=1.0, low_open=True, high_open=True)
        elif family == "random_box":
            if options.get("max_delta") is not None:
                clash = [name for name in ("min_size", "max_size", "count") if options.get(name) is not None]
                if clash:
                    raise InvalidParameterError(
                        f"{clash[0]}: not used with max_delta (DeepFill v1's single half-size box); drop one of them"
                    )
                options["max_delta"] = check_int("max_delta", options["max_delta"], low=0, high=self.size // 2 - 1)
            else:
                options.setdefault("count", 1)
        elif family == "free_form_box":
            options.setdefault("max_strokes", 3)
            options.setdefault("flip", True)
        elif family == "irregular":
            bins = options.get("bins", _masks.HOLE_RATIO_BINS)
            if not isinstance(bins, Sequence) or isinstance(bins, str) or not bins:
                raise InvalidParameterError(f"bins: expected a non-empty list of (low, high) hole ratios, got {bins!r}")
            options["bins"] = tuple(self._check_bin(f"bins[{i}]", pair) for i, pair in enumerate(bins))
            options["no_border"] = check_bool("no_border", options.get("no_border", False))
        else:
            kinds = options.get("kinds", _masks.LAMA_KINDS)
            if isinstance(kinds, str) or not isinstance(kinds, Sequence) or not kinds:
                raise InvalidParameterError(f"kinds: expected a non-empty list from {_masks.LAMA_KINDS}, got {kinds!r}")
            options["kinds"] = tuple(check_choice("kinds", kind, _masks.LAMA_KINDS) for kind in kinds)
        return options

    @staticmethod
    def _check_bin(name: str, pair: Any) -> tuple[float, float]:
        if isinstance(pair, str) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise InvalidParameterError(f"{name}: expected a pair (low, high) of hole ratios, got {pair!r}")
        low = check_float(f"{name}[0]", pair[0], low=0.0, high=1.0, high_open=True)
        return low, check_float(f"{name}[1]", pair[1], low=low, high=1.0, low_open=True)

    def __repr__(self) -> str:
        options = "".join(f", {key}={value!r}" for key, value in self.options.items())
        return f"MaskSampler({self.family!r}, {self.size}, seed={self.seed}{options})"

    def __call__(self, draw: int) -> np.ndarray:
        """Mask number ``draw``: bool (size, size), True = hole; a pure function of (seed, draw)."""
        draw = check_int("draw", draw, low=0)
        if self.family == "center":
            return self._center.copy()
        rng = _generator(self.seed, _MASK, draw)
        seed = int(rng.integers(2**63 - 1))
        shape, options = (self.size, self.size), self.options
        if self.family == "random_box":
            if options.get("max_delta") is None:
                return _masks.random_boxes(
                    shape,
                    seed=seed,
                    count=options["count"],
                    min_size=options.get("min_size"),
                    max_size=options.get("max_size"),
                )
            return self._deepfill1_box(rng, seed, options["max_delta"])
        if self.family == "free_form_box":
            return _masks.free_form(
                shape,
                seed=seed,
                max_strokes=options["max_strokes"],
                width=options.get("width"),
                with_box=True,
                flip=options["flip"],
            )
        if self.family == "irregular":
            ratio_bin = options["bins"][int(rng.integers(len(options["bins"])))]
            return _masks.irregular(shape, seed=seed, ratio_bin=ratio_bin, no_border=options["no_border"])
        kind = options["kinds"][int(rng.integers(len(options["kinds"])))]
        return _masks.lama(shape, seed=seed, kind=kind)

    def _deepfill1_box(self, rng: np.random.Generator, seed: int, max_delta: int) -> np.ndarray:
        half = self.size // 2
        placed = _masks.random_boxes((self.size, self.size), seed=seed, min_size=half, max_size=half)
        rows, columns = np.flatnonzero(placed.any(axis=1)), np.flatnonzero(placed.any(axis=0))
        shrink_rows = int(rng.integers(0, max_delta // 2 + 1))
        shrink_columns = int(rng.integers(0, max_delta // 2 + 1))
        top, bottom = rows[0] + shrink_rows, rows[-1] + 1 - shrink_rows
        left, right = columns[0] + shrink_columns, columns[-1] + 1 - shrink_columns
        hole = np.zeros_like(placed)
        hole[top:bottom, left:right] = True
        return hole


# ----------------------------------------------------------------------------- batches


class Batches:
    """The training batches of a run, each a pure function of ``(seed, step, rank)``.

    Each epoch visits the dataset in a permutation drawn from ``(seed, epoch)``; its first
    ``world_size * (len(dataset) // world_size)`` entries are dealt to the ranks in turn
    (rank ``r`` takes entries ``r, r + world_size, ...``, as PyTorch's
    ``DistributedSampler`` does), so within an epoch the ranks read disjoint images and each
    reads its share once. Rank ``r``'s ``k``-th sample of the run is its share's entry
    ``k mod share`` of epoch ``k // share``; it gets :meth:`ImageFolder.sample`'s crop and
    flip and the mask ``masks(k * world_size + r)``, so no two samples of a run share a draw.

    Parameters
    ----------
    dataset : ImageFolder
        The training images (anything with ``len()`` and ``sample(index, draw)`` works).
    masks : MaskSampler
        The masks (anything called with a draw number and returning a bool (S, S) array).
    batch_size : int
        Samples per step on this rank.
    seed : int
        Seed of the epoch permutations.
    rank, world_size : int
        This process's rank among ``world_size`` processes.

    Raises
    ------
    InvalidParameterError
        A bad argument, or fewer images than processes.

    Examples
    --------
    >>> import tempfile
    >>> folder = ImageFolder(bundled_folder(tempfile.mkdtemp(), size=16, count=8), size=16, heldout_fraction=0)
    >>> images, holes = Batches(folder, MaskSampler("center", 16), 4).get(step=10)
    >>> tuple(images.shape), tuple(holes.shape), holes.dtype
    ((4, 3, 16, 16), (4, 1, 16, 16), torch.float32)
    """

    def __init__(
        self, dataset: Any, masks: Any, batch_size: int, *, seed: int = 0, rank: int = 0, world_size: int = 1
    ) -> None:
        self.dataset = dataset
        self.masks = masks
        self.batch_size = check_int("batch_size", batch_size, low=1)
        self.seed = check_seed("seed", seed)
        self.world_size = check_int("world_size", world_size, low=1)
        self.rank = check_int("rank", rank, low=0, high=self.world_size - 1)
        if len(dataset) < self.world_size:
            raise InvalidParameterError(
                f"dataset: {len(dataset)} images cannot give each of {self.world_size} processes its own; "
                "add images or use fewer processes"
            )
        #: Samples each rank reads per epoch.
        self.share = len(dataset) // self.world_size
        self._permutation: tuple[int, np.ndarray] | None = None

    def _epoch_order(self, epoch: int) -> np.ndarray:
        if self._permutation is None or self._permutation[0] != epoch:
            self._permutation = (epoch, _generator(self.seed, _EPOCH, epoch).permutation(len(self.dataset)))
        return self._permutation[1]

    def indices(self, step: int) -> list[int]:
        """The dataset indices of this rank's batch at ``step``."""
        step = check_int("step", step, low=0)
        found = []
        for k in range(step * self.batch_size, (step + 1) * self.batch_size):
            epoch, position = divmod(k, self.share)
            found.append(int(self._epoch_order(epoch)[position * self.world_size + self.rank]))
        return found

    def get(self, step: int) -> tuple[torch.Tensor, torch.Tensor]:
        """This rank's batch at ``step``.

        Returns
        -------
        images : Tensor, float32, shape (N, 3, S, S), on [0, 1]
        masks : Tensor, float32, shape (N, 1, S, S), 1 = hole
        """
        images, holes = [], []
        first = check_int("step", step, low=0) * self.batch_size
        for offset, index in enumerate(self.indices(step)):
            draw = (first + offset) * self.world_size + self.rank
            images.append(self.dataset.sample(index, draw))
            holes.append(torch.from_numpy(np.asarray(self.masks(draw), dtype=np.float32))[None])
        return torch.stack(images), torch.stack(holes)


# ----------------------------------------------------------------------------- bundled photos

# bundled_folder scales each photo so that its shorter side holds this many crops.
_CROPS_PER_SHORT_SIDE = 4


def bundled_folder(dest: str | os.PathLike, *, size: int = 64, count: int = 256, seed: int = 0) -> Path:
    """Write PNG crops of the photos bundled with scikit-image into ``dest`` (nothing is downloaded).

    Each photo of :func:`inpaintkit.datasets.names` is resized (Lanczos) so that its
    shorter side is ``4 * size``, and cut into a grid of non-overlapping ``size x size``
    tiles; ``count`` tiles drawn from all photos (without replacement, seeded) are written as
    ``dest/<photo>/<row>_<column>.png``, gray photos as gray PNGs. No two crops overlap, so
    a held-out crop never shares pixels with a training crop (they may come from the same
    photo).

    Parameters
    ----------
    dest : str or Path
        Folder to write into (created if needed; other files there are left alone).
    size : int
        Side of the crops, at least 8.
    count : int
        Number of crops.
    seed : int
        Seed of the choice of tiles.

    Returns
    -------
    pathlib.Path
        ``dest``.

    Raises
    ------
    InvalidParameterError
        A bad argument, or more crops than the photos hold.
    """
    from PIL import Image

    from .. import datasets
    from .. import io as image_io

    if not isinstance(dest, (str, os.PathLike)):
        raise InvalidParameterError(f"dest: expected a folder path, got {type(dest).__name__}")
    size = _check_size(size)
    count = check_int("count", count, low=1)
    seed = check_seed("seed", seed)
    short_side = _CROPS_PER_SHORT_SIDE * size
    photos, tiles = {}, []
    for name in datasets.names():
        picture = Image.fromarray(datasets.load(name))
        width, height = picture.size
        scale = short_side / min(width, height)
        picture = picture.resize(
            (max(short_side, round(width * scale)), max(short_side, round(height * scale))), Image.Resampling.LANCZOS
        )
        photos[name] = np.asarray(picture)
        rows, columns = picture.size[1] // size, picture.size[0] // size
        tiles.extend((name, row, column) for row in range(rows) for column in range(columns))
    if count > len(tiles):
        raise InvalidParameterError(
            f"count: the bundled photos hold {len(tiles)} non-overlapping {size}x{size} crops, asked for {count}; "
            f"use count <= {len(tiles)}"
        )
    dest = Path(dest).expanduser()
    chosen = sorted(np.random.default_rng(seed).choice(len(tiles), size=count, replace=False))
    for tile in chosen:
        name, row, column = tiles[tile]
        crop = photos[name][row * size : (row + 1) * size, column * size : (column + 1) * size]
        (dest / name).mkdir(parents=True, exist_ok=True)
        image_io.write_image(dest / name / f"{row:02d}_{column:02d}.png", crop)
    return dest
