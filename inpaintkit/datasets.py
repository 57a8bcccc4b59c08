"""Sample photos that ship with scikit-image, and deterministic benchmark suites.

Everything here works offline: the photos are the files scikit-image installs with itself
(:func:`names` lists only those present), and every suite is the same list of cases, with
the same masks, on every machine. Suites build their cases lazily, one at a time, so the
``standard`` suite's hundreds of 512x512 cases never sit in memory together.

>>> from inpaintkit import datasets
>>> image = datasets.load("astronaut", size=64)
>>> image.shape, image.dtype
((64, 64, 3), dtype('uint8'))
>>> cases = datasets.suite("tiny")
>>> [case.name for case in cases]                                   # doctest: +SKIP
['astronaut-32-box', 'camera-40-free_form', 'coffee-48-irregular-10-20']
"""

from __future__ import annotations

import difflib
import functools
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

import numpy as np

from . import masks as _masks
from .errors import InvalidParameterError, ShapeMismatchError
from .params import check_bool, check_int

__all__ = ["PHOTOS", "SUITES", "Case", "CaseSpec", "Suite", "names", "load", "suite", "from_folder"]

#: The photos inpaintkit knows: name -> (scikit-image loader, file in ``skimage/data``, what it shows).
PHOTOS: dict[str, tuple[str, str, str]] = {
    "astronaut": ("astronaut", "astronaut.png", "portrait of astronaut Eileen Collins (colour, 512x512)"),
    "brick": ("brick", "brick.png", "brick wall texture (gray, 512x512)"),
    "camera": ("camera", "camera.png", "the cameraman (gray, 512x512)"),
    "chelsea": ("chelsea", "chelsea.png", "Chelsea the cat (colour, 300x451)"),
    "clock": ("clock", "clock_motion.png", "motion-blurred wall clock (gray, 300x400)"),
    "coffee": ("coffee", "coffee.png", "a cup of coffee (colour, 400x600)"),
    "coins": ("coins", "coins.png", "Greek coins (gray, 303x384)"),
    "grass": ("grass", "grass.png", "grass texture (gray, 512x512)"),
    "gravel": ("gravel", "gravel.png", "gravel texture (gray, 512x512)"),
    "hubble_deep_field": ("hubble_deep_field", "hubble_deep_field.jpg", "Hubble deep field (colour, 872x1000)"),
    "immunohistochemistry": ("immunohistochemistry", "ihc.png", "stained tissue section (colour, 512x512)"),
    "moon": ("moon", "moon.png", "lunar surface (gray, 512x512)"),
    "page": ("page", "page.png", "scanned page of text (gray, 191x384)"),
    "retina": ("retina", "retina.jpg", "human retina (colour, 1411x1411)"),
    "rocket": ("rocket", "rocket.jpg", "rocket on its launch pad (colour, 427x640)"),
    "text": ("text", "text.png", "photographed text (gray, 172x448)"),
}

#: The named suites :func:`suite` builds.
SUITES = ("tiny", "small", "standard")

_MASK_FAMILIES = ("box", "random_boxes", "free_form", "irregular", "lama", "scratches")


# ----------------------------------------------------------------------------- photos


def _data_dir() -> Path:
    from importlib.resources import files

    return Path(str(files("skimage.data")))


def names() -> list[str]:
    """The bundled photos present on this machine, sorted (no download is ever needed).

    Returns
    -------
    list of str
        Keys of :data:`PHOTOS` whose file scikit-image installed.
    """
    data_dir = _data_dir()
    return [name for name in sorted(PHOTOS) if (data_dir / PHOTOS[name][1]).is_file()]


def _check_name(name: Any) -> str:
    available = names()
    if name not in available:
        close = difflib.get_close_matches(str(name), available, n=3)
        hint = f"did you mean {', '.join(map(repr, close))}? " if close else ""
        raise InvalidParameterError(f"name: no bundled photo {name!r}; {hint}available: {', '.join(available)}")
    return name


@functools.lru_cache(maxsize=8)
def _cached_photo(name: str, size: int | None, gray: bool) -> np.ndarray:
    import skimage.data
    from PIL import Image

    picture = Image.fromarray(np.asarray(getattr(skimage.data, PHOTOS[name][0])(), dtype=np.uint8))
    if gray and picture.mode != "L":
        picture = picture.convert("L")
    if size is not None:
        width, height = picture.size
        side = min(width, height)
        left, top = (width - side) // 2, (height - side) // 2
        picture = picture.crop((left, top, left + side, top + side))
        if side != size:
            picture = picture.resize((size, size), Image.Resampling.LANCZOS)
    array = np.array(picture)
    array.flags.writeable = False
    return array


def load(name: str, *, size: int | None = None, gray: bool = False) -> np.ndarray:
    """A bundled photo as ``uint8``.

    Parameters
    ----------
    name : str
        One of :func:`names`.
    size : int, optional
        Side of a square result: the largest centred square is cropped and resized (Lanczos)
        to ``size x size``. Photos smaller than ``size`` are enlarged. Default: as stored.
    gray : bool
        Convert colour photos to gray (ITU-R 601 luma). When False, photos come as stored:
        ``(H, W, 3)`` for colour ones, ``(H, W)`` for gray ones.

    Returns
    -------
    ndarray of uint8, shape (H, W, 3) or (H, W)
        A fresh array (changing it changes nothing else).

    Raises
    ------
    InvalidParameterError
        An unknown name (the message lists close matches), or a bad size.

    Examples
    --------
    >>> load("camera", size=100).shape
    (100, 100)
    """
    name = _check_name(name)
    if size is not None:
        size = check_int("size", size, low=2, high=16384)
    gray = check_bool("gray", gray)
    return _cached_photo(name, size, gray).copy()


# ----------------------------------------------------------------------------- cases


@dataclass(frozen=True, eq=False)
class Case:
    """One benchmark case: a ground-truth image and the hole to fill in it.

    Attributes
    ----------
    name : str
        Unique within its suite, e.g. ``"astronaut-256-irregular-10-20"``.
    image : ndarray, shape (H, W) or (H, W, C)
        The undamaged image; inpaint ``(image, mask)`` and compare the result with
        :attr:`truth` (the spine zeroes the hole before a method sees it).
    mask : ndarray of bool, shape (H, W)
        True = fill.
    family : str
        The mask generator: a function name of :mod:`inpaintkit.masks` (``"box"``,
        ``"free_form"``, ``"scratches"``, ``"irregular"``, ...) or ``"folder"``.
    size : int
        Side of the square image (the longer side for a non-square image from a folder).
    photo : str
        The bundled photo's name, or the image file's stem.
    seed : int or None
        Seed of the mask generator (None for deterministic or file masks).
    """

    name: str
    image: np.ndarray
    mask: np.ndarray
    family: str
    size: int
    photo: str
    seed: int | None = None

    @property
    def truth(self) -> np.ndarray:
        """The ground truth: the undamaged :attr:`image`."""
        return self.image

    @property
    def hole_ratio(self) -> float:
        """Fraction of the image the hole covers."""
        return _masks.hole_ratio(self.mask)

    @property
    def ratio_bin(self) -> tuple[float, float] | None:
        """The bin of :data:`inpaintkit.masks.HOLE_RATIO_BINS` the hole ratio falls in, or None."""
        return _masks.hole_ratio_bin(self.hole_ratio)


@dataclass(frozen=True)
class CaseSpec:
    """The recipe of a :class:`Case`: small, picklable, and built on demand.

    Either a bundled ``photo`` at ``size`` with a mask made by ``masks.<family>(shape,
    seed=seed, **options)``, or an ``image_path`` with a ``mask_path``.
    """

    name: str
    family: str
    photo: str
    size: int | None = None
    seed: int | None = None
    options: tuple[tuple[str, Any], ...] = ()
    image_path: str | None = None
    mask_path: str | None = None

    def build(self) -> Case:
        """Load the image and make (or read) the mask."""
        if self.image_path is not None:
            from . import io

            image = io.read_image(self.image_path)
            mask = io.read_mask(self.mask_path)
            if mask.shape != image.shape[:2]:
                raise ShapeMismatchError(
                    f"masks_dir: {Path(self.mask_path).name} is {mask.shape[1]}x{mask.shape[0]} pixels but "
                    f"{Path(self.image_path).name} is {image.shape[1]}x{image.shape[0]}; masks must match their images"
                )
            return Case(self.name, image, mask, self.family, max(image.shape[:2]), self.photo)
        image = load(self.photo, size=self.size)
        generator = getattr(_masks, self.family)
        options = dict(self.options)
        if self.seed is None:
            mask = generator(image.shape[:2], **options)
        else:
            mask = generator(image.shape[:2], seed=self.seed, **options)
        return Case(self.name, image, mask, self.family, self.size, self.photo, self.seed)


def _spec(photo: str, size: int, family: str, **options: Any) -> CaseSpec:
    """A bundled-photo case whose mask seed comes from its name (stable across runs and machines)."""
    label = f"{photo}-{size}-{family}"
    if "ratio_bin" in options:
        low, high = options["ratio_bin"]
        label += f"-{round(low * 100)}-{round(high * 100)}"
    if "kind" in options:
        label += f"-{options['kind']}"
    seed = None if family == "box" else zlib.crc32(label.encode())
    return CaseSpec(label, family, photo, size, seed, tuple(sorted(options.items())))


class Suite(Sequence):
    """A named, ordered, lazy sequence of :class:`Case`.

    Indexing builds the case (loads the photo, makes the mask); iterating builds one case at
    a time. :attr:`specs` holds the recipes: ship those to worker processes rather than
    built cases.
    """

    def __init__(self, name: str, specs: Sequence[CaseSpec]) -> None:
        self.name = name
        self.specs = tuple(specs)
        seen = [spec.name for spec in self.specs]
        if len(set(seen)) != len(seen):
            raise InvalidParameterError(f"specs: case names repeat in suite {name!r}; every case needs its own name")

    @property
    def names(self) -> list[str]:
        """The case names, in order, without building anything."""
        return [spec.name for spec in self.specs]

    def __len__(self) -> int:
        return len(self.specs)

    @overload
    def __getitem__(self, index: int) -> Case: ...

    @overload
    def __getitem__(self, index: slice) -> Suite: ...

    def __getitem__(self, index: int | slice) -> Case | Suite:
        if isinstance(index, slice):
            return Suite(self.name, self.specs[index])
        return self.specs[index].build()

    def __iter__(self) -> Iterator[Case]:
        for spec in self.specs:
            yield spec.build()

    def __repr__(self) -> str:
        return f"Suite({self.name!r}, {len(self)} cases)"


def _suite_specs(name: str) -> list[CaseSpec]:
    if name == "tiny":
        return [
            _spec("astronaut", 32, "box"),
            _spec("camera", 40, "free_form"),
            _spec("coffee", 48, "irregular", ratio_bin=(0.1, 0.2)),
        ]
    if name == "small":
        return [
            _spec(photo, 128, family)
            for photo in ("astronaut", "camera", "chelsea", "coffee")
            for family in ("box", "free_form")
        ]
    specs = []
    for photo in names():
        for size in (256, 512):
            specs += [_spec(photo, size, "box"), _spec(photo, size, "free_form"), _spec(photo, size, "scratches")]
            specs += [_spec(photo, size, "irregular", ratio_bin=ratio_bin) for ratio_bin in _masks.HOLE_RATIO_BINS]
    return specs


def suite(name: str) -> Suite:
    """A named benchmark suite, the same on every machine.

    Parameters
    ----------
    name : {"tiny", "small", "standard"}
        * ``"tiny"``: 3 cases of 32 to 48 pixels (box, free-form, irregular 10-20%; colour
          and gray), for tests.
        * ``"small"``: astronaut, camera, chelsea, coffee x {box, free-form} at 128x128.
        * ``"standard"``: every photo of :func:`names` x {box (12%), free-form, scratches,
          irregular in each of the six :data:`~inpaintkit.masks.HOLE_RATIO_BINS`} at 256x256
          and 512x512 (photos smaller than 512 are enlarged).

    Returns
    -------
    Suite
        Ordered photo by photo, then size, then mask. Each mask's seed is the CRC-32 of the
        case name.

    Raises
    ------
    InvalidParameterError
        An unknown suite name.
    """
    if name not in SUITES:
        raise InvalidParameterError(f"name: no suite {name!r}; expected one of {', '.join(map(repr, SUITES))}")
    return Suite(name, _suite_specs(name))


def from_folder(images_dir: str | Path, masks_dir: str | Path) -> Suite:
    """Cases from a folder of images and a folder of masks paired by file stem.

    ``images/boat.jpg`` pairs with ``masks/boat.png``; a mask's pixels above 127 are filled
    (:func:`inpaintkit.io.read_mask`). Files are read when a case is built.

    Parameters
    ----------
    images_dir, masks_dir : str or Path
        Folders holding image files (``.png``, ``.jpg``, ``.tif``, ...); other files are ignored.

    Returns
    -------
    Suite
        One case per image, sorted by file name, family ``"folder"``.

    Raises
    ------
    FileNotFoundError
        A folder is missing or holds no images, or an image has no mask.
    InvalidParameterError
        Two images (or masks) share a stem, e.g. ``boat.png`` and ``boat.jpg``.
    """
    from .io import IMAGE_SUFFIXES

    def listing(argument: str, folder: str | Path) -> dict[str, Path]:
        folder = Path(folder)
        if not folder.is_dir():
            raise FileNotFoundError(f"{argument}: {folder} is not a folder")
        files: dict[str, Path] = {}
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith("."):
                if path.stem in files:
                    raise InvalidParameterError(
                        f"{argument}: {files[path.stem].name} and {path.name} share the stem {path.stem!r}; "
                        "keep one file per name"
                    )
                files[path.stem] = path
        if not files:
            raise FileNotFoundError(f"{argument}: no image files ({', '.join(IMAGE_SUFFIXES)}) in {folder}")
        return files

    images, masks = listing("images_dir", images_dir), listing("masks_dir", masks_dir)
    missing = [path.name for stem, path in images.items() if stem not in masks]
    if missing:
        raise FileNotFoundError(
            f"masks_dir: no mask with the same stem as {', '.join(missing[:5])}"
            f"{' and others' if len(missing) > 5 else ''} in {masks_dir}; name each mask like its image"
        )
    specs = [
        CaseSpec(stem, "folder", stem, image_path=str(path), mask_path=str(masks[stem]))
        for stem, path in images.items()
    ]
    return Suite(f"folder:{Path(images_dir)}", specs)
