"""Hypothesis fuzzing of the boundary contract for the fast methods: random shapes, dtypes,
channel layouts and masks. Every call either fills the hole and keeps the known pixels
byte-identical, or raises a documented error for a documented reason."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import inpaintkit as ik
from inpaintkit import errors

FAST = [n for n in ik.list_inpainters() if ik.inpainter_info(n).family in ("baseline", "diffusion")]
DTYPES = [np.uint8, np.uint16, np.float32, np.float64]


@st.composite
def cases(draw):
    height = draw(st.integers(2, 14))
    width = draw(st.integers(2, 14))
    layout = draw(st.sampled_from([(), (1,), (3,), (4,)]))
    dtype = draw(st.sampled_from(DTYPES))
    seed = draw(st.integers(0, 2**32 - 1))
    fill_ratio = draw(st.floats(0.0, 1.0))
    rng = np.random.default_rng(seed)
    shape = (height, width, *layout)
    if np.dtype(dtype).kind == "u":
        image = rng.integers(0, np.iinfo(dtype).max, size=shape, endpoint=True).astype(dtype)
    else:
        image = (rng.standard_normal(shape) * draw(st.sampled_from([1.0, 1e-3, 1e4]))).astype(dtype)
    mask = rng.random((height, width)) < fill_ratio
    encoding = draw(st.sampled_from(["bool", "u8-1", "u8-255", "f64"]))
    encoded = {"bool": mask, "u8-1": mask.astype(np.uint8), "u8-255": mask.astype(np.uint8) * 255, "f64": mask * 1.0}
    return image, mask, encoded[encoding]


@pytest.mark.parametrize("name", FAST)
@given(case=cases())
def test_contract_holds_on_random_inputs(name, case):
    image, mask, encoded = case
    inpainter = ik.Inpainter.create(name, **ik.inpainter_info(name).test_params)
    before = image.copy()
    if mask.all():
        with pytest.raises(errors.InsufficientContextError):
            inpainter.inpaint(image, encoded)
        return
    if min(image.shape[:2]) < inpainter.min_image_size() and mask.any():
        with pytest.raises(errors.ImageTooSmallError):
            inpainter.inpaint(image, encoded)
        return
    out = inpainter.inpaint(image, encoded)
    assert out.shape == image.shape and out.dtype == image.dtype
    assert out[~mask].tobytes() == image[~mask].tobytes()
    assert np.isfinite(out.astype(np.float64)).all()
    assert image.tobytes() == before.tobytes()
