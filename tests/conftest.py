"""Test set-up shared by every test module.

The CUDA simulator must be switched on before numba is first imported, so that the
``numba.cuda`` kernels run (slowly, on tiny inputs) on machines without a GPU.
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

try:
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("ci", deadline=None, derandomize=True, max_examples=25)
    _hypothesis_settings.register_profile("dev", deadline=None, max_examples=25)
    _hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")
except ImportError:  # pragma: no cover - hypothesis is part of the test extra
    pass


@pytest.fixture(scope="session")
def small_rgb() -> np.ndarray:
    """A 28x36 RGB crop of scikit-image's astronaut (uint8), area-downsampled."""
    import cv2
    from skimage import data

    return cv2.resize(data.astronaut()[40:260, 120:400], (36, 28), interpolation=cv2.INTER_AREA)
