"""The boundary contract, checked for every registered method on every backend available here.

A method registered later is covered the day it registers: the parametrisation reads
``list_inpainters()``. Each method is created with its ``InpainterInfo.test_params`` (plus
``contract_hooks.EXTRA_PARAMS`` for methods that need weights).
"""

from __future__ import annotations

import numpy as np
import pytest

import inpaintkit as ik
from inpaintkit import errors
from inpaintkit.api import Inpainter

from . import contract_hooks

METHODS = ik.list_inpainters()
CASES = [
    (name, backend)
    for name in METHODS
    for backend in ik.inpainter_info(name).backends
    if ik.backends.is_available(backend)
]


def _params(name: str, tmp_path_factory: pytest.TempPathFactory) -> dict:
    params = dict(ik.inpainter_info(name).test_params)
    hook = contract_hooks.EXTRA_PARAMS.get(name)
    if hook is not None:
        params.update(hook(tmp_path_factory.mktemp(name)))
    return params


@pytest.fixture(scope="module")
def make(tmp_path_factory):
    def factory(name: str, backend: str = "auto", **overrides) -> Inpainter:
        params = _params(name, tmp_path_factory)
        params.update(overrides)
        return Inpainter.create(name, backend=backend, **params)

    return factory


def _box_mask(shape, top=9, left=12, height=8, width=10):
    mask = np.zeros(shape, bool)
    mask[top : top + height, left : left + width] = True
    return mask


def _variants(rgb_u8: np.ndarray) -> dict[str, np.ndarray]:
    """The image in every supported dtype x channel layout (float64 in an odd range)."""
    gray_u8 = rgb_u8.mean(axis=2).round().astype(np.uint8)
    alpha = np.linspace(0, 255, rgb_u8.shape[1]).round().astype(np.uint8)[None, :].repeat(rgb_u8.shape[0], 0)
    rgba_u8 = np.dstack([rgb_u8, alpha])
    return {
        "uint8-rgb": rgb_u8,
        "uint8-rgba": rgba_u8,
        "uint16-gray": gray_u8.astype(np.uint16) * 257,
        "float32-rgba": rgba_u8.astype(np.float32) / 255,
        "float32-rgb": rgb_u8.astype(np.float32) / 255,
        "float64-gray": gray_u8 * 0.03 - 2.5,
        "float64-hw1": (gray_u8[:, :, None] / 255.0),
    }


def _same_bytes(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("name,backend", CASES)
class TestContract:
    def test_dtypes_and_channels(self, make, small_rgb, name, backend):
        inpainter = make(name, backend)
        mask = _box_mask(small_rgb.shape[:2])
        for label, image in _variants(small_rgb).items():
            out = inpainter.inpaint(image, mask)
            assert type(out) is np.ndarray, label
            assert out.shape == image.shape and out.dtype == image.dtype, label
            assert _same_bytes(out[~mask], image[~mask]), f"{label}: known pixels changed"
            assert np.isfinite(out.astype(np.float64)).all(), label

    def test_mask_encodings_agree(self, make, small_rgb, name, backend):
        inpainter = make(name, backend)
        mask = _box_mask(small_rgb.shape[:2])
        expected = inpainter.inpaint(small_rgb, mask)
        for encoded in (
            mask.astype(np.uint8),
            mask.astype(np.uint8) * 255,
            mask.astype(np.float32),
            mask.astype(np.int64) * 255,
            mask[:, :, None],
        ):
            assert _same_bytes(inpainter.inpaint(small_rgb, encoded), expected), encoded.dtype

    def test_mask_shapes(self, make, small_rgb, name, backend):
        inpainter = make(name, backend)
        height, width = small_rgb.shape[:2]
        one_pixel = np.zeros((height, width), bool)
        one_pixel[14, 17] = True
        corner = np.zeros((height, width), bool)
        corner[:5, :6] = True
        edges = np.zeros((height, width), bool)
        edges[10:14, -3:] = True
        edges[-2:, 5:12] = True
        many = np.zeros((height, width), bool)
        many[4:7:2, 4:32:4] = True
        many[20:23, 8:11] = True
        many[20:22, 25:29] = True
        line = np.zeros((height, width), bool)
        line[13, :] = True
        for label, mask in {"one pixel": one_pixel, "corner": corner, "edges": edges, "many": many, "line": line}.items():
            out = inpainter.inpaint(small_rgb, mask)
            assert out.shape == small_rgb.shape and out.dtype == np.uint8, label
            assert _same_bytes(out[~mask], small_rgb[~mask]), label

    def test_inputs_unmodified_and_readonly_ok(self, make, small_rgb, name, backend):
        inpainter = make(name, backend)
        image = small_rgb.astype(np.float64) / 255
        mask = _box_mask(image.shape[:2])
        image_before, mask_before = image.copy(), mask.copy()
        image.flags.writeable = False
        mask.flags.writeable = False
        inpainter.inpaint(image, mask)
        assert _same_bytes(image, image_before) and _same_bytes(mask, mask_before)

    def test_hole_content_is_ignored(self, make, small_rgb, name, backend):
        inpainter = make(name, backend)
        mask = _box_mask(small_rgb.shape[:2])
        image = small_rgb.astype(np.float32) / 255
        expected = inpainter.inpaint(image, mask)
        rng = np.random.default_rng(0)
        for junk in (rng.random(image.shape, dtype=np.float32) * 1e6, np.full(image.shape, np.nan, np.float32)):
            damaged = np.where(mask[:, :, None], junk, image)
            assert _same_bytes(inpainter.inpaint(damaged, mask), expected)

    def test_deterministic_and_memory_order_independent(self, make, small_rgb, name, backend):
        mask = _box_mask(small_rgb.shape[:2])
        first = make(name, backend).inpaint(small_rgb, mask)
        second = make(name, backend).inpaint(small_rgb, mask)
        assert _same_bytes(first, second)
        fortran = np.asfortranarray(small_rgb)
        assert _same_bytes(make(name, backend).inpaint(fortran, np.asfortranarray(mask)), first)
        padded = np.zeros((small_rgb.shape[0], small_rgb.shape[1] * 2, 3), np.uint8)
        padded[:, ::2] = small_rgb
        assert _same_bytes(make(name, backend).inpaint(padded[:, ::2], mask), first)

    def test_empty_mask_returns_copy(self, make, small_rgb, name, backend):
        empty = np.zeros(small_rgb.shape[:2], bool)
        out = make(name, backend).inpaint(small_rgb, empty)
        assert _same_bytes(out, small_rgb) and out is not small_rgb


@pytest.mark.parametrize("name", METHODS)
class TestErrors:
    def test_bad_inputs(self, make, small_rgb, name):
        inpainter = make(name)
        mask = _box_mask(small_rgb.shape[:2])
        image = small_rgb.astype(np.float64) / 255
        with pytest.raises(errors.ShapeMismatchError, match="mask"):
            inpainter.inpaint(image, mask[:-1])
        poisoned = image.copy()
        poisoned[0, 0, 1] = np.nan
        with pytest.raises(errors.NonFiniteError, match="image"):
            inpainter.inpaint(poisoned, mask)
        poisoned[0, 0, 1] = np.inf
        with pytest.raises(errors.NonFiniteError):
            inpainter.inpaint(poisoned, mask)
        with pytest.raises(errors.InvalidMaskError, match="mask"):
            inpainter.inpaint(image, mask.astype(np.uint8) * 2)
        with pytest.raises(errors.InvalidMaskError):
            inpainter.inpaint(image, np.where(mask, 255, 1).astype(np.uint8))
        with pytest.raises(errors.InvalidMaskError):
            inpainter.inpaint(image, np.stack([mask, mask], axis=2))
        with pytest.raises(errors.InsufficientContextError, match="mask"):
            inpainter.inpaint(image, np.ones(mask.shape, bool))
        with pytest.raises(errors.InvalidImageError, match="masked"):
            inpainter.inpaint(np.ma.masked_array(image, mask=np.zeros(image.shape, bool)), mask)
        for dtype in (np.int32, np.float16, np.bool_, np.int8, np.complex64):
            with pytest.raises(errors.UnsupportedDtypeError, match="dtype"):
                inpainter.inpaint(image.astype(dtype), mask)
        for bad in (image[:, :, :2], np.dstack([image, image[:, :, :2]]), image[None], image[:, :, 0].ravel()):
            with pytest.raises(errors.InvalidImageError, match="image"):
                inpainter.inpaint(bad, mask)
        assert issubclass(errors.UnsupportedDtypeError, TypeError)
        assert issubclass(errors.InvalidMaskError, ValueError)

    def test_too_small_and_too_little_context(self, make, small_rgb, name):
        inpainter = make(name)
        size = inpainter.min_image_size()
        if size > 1:
            tiny = small_rgb[: size - 1, : size - 1]
            tiny_mask = np.zeros(tiny.shape[:2], bool)
            tiny_mask[0, 0] = True
            with pytest.raises(errors.ImageTooSmallError, match="image"):
                inpainter.inpaint(tiny, tiny_mask)
        if type(inpainter).check_context is not Inpainter.check_context:
            strip = np.ones(small_rgb.shape[:2], bool)
            strip[:, :1] = False
            with pytest.raises(errors.InsufficientContextError):
                inpainter.inpaint(small_rgb, strip)

    def test_bad_parameters(self, name):
        with pytest.raises(errors.InvalidParameterError, match="no_such_parameter"):
            Inpainter.create(name, no_such_parameter=1)
        with pytest.raises(errors.InvalidParameterError, match="backend"):
            Inpainter.create(name, backend="gpu")
        missing = [b for b in ik.backends.BACKENDS if b not in ik.inpainter_info(name).backends]
        if missing:
            with pytest.raises(errors.BackendUnavailableError, match=missing[0]):
                Inpainter.create(name, backend=missing[0])
        with pytest.raises(errors.InvalidParameterError, match="callback"):
            Inpainter.create(name, callback=3)


@pytest.mark.parametrize("name", METHODS)
def test_seed_is_taken_exactly_by_randomized_methods(make, small_rgb, name):
    """A randomized method repeats itself for a seed; a deterministic one refuses ``seed``."""
    if not ik.inpainter_info(name).randomized:
        with pytest.raises(errors.InvalidParameterError, match="seed"):
            make(name, seed=5)
        return
    mask = _box_mask(small_rgb.shape[:2])
    assert _same_bytes(make(name, seed=5).inpaint(small_rgb, mask), make(name, seed=5).inpaint(small_rgb, mask))


def test_unavailable_backend_raises_at_call_time(monkeypatch, small_rgb):
    """An offered backend that this machine lacks is refused when called, never at import."""
    from inpaintkit import backends

    inpainter = Inpainter.create("harmonic", backend="cupy")
    monkeypatch.setattr(backends, "_probe", lambda name: (name != "cupy", "no usable CUDA device (test)"))
    with pytest.raises(errors.BackendUnavailableError, match="cupy"):
        inpainter.inpaint(small_rgb, _box_mask(small_rgb.shape[:2]))
