"""Test methods for the comparison harness, importable by its spawned worker processes.

They are registered only inside the tests that use them (:func:`registered`), so the
contract tests, which run over every registered method, never see them.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import numpy as np

from inpaintkit import api


class FailsOnGray(api.Inpainter):
    """Mean fill on colour images; raises on gray ones (the tiny suite's ``camera`` case)."""

    def _inpaint(self, image, mask, ctx):
        if image.shape[2] == 1:
            raise ValueError("gray images are not supported by this test method")
        return np.where(mask[:, :, None], image[~mask].mean(axis=0), image)


class HangsOnGray(api.Inpainter):
    """Mean fill on colour images; sleeps a minute on gray ones (to be stopped by a timeout)."""

    def _inpaint(self, image, mask, ctx):
        if image.shape[2] == 1:
            time.sleep(60)
        return np.where(mask[:, :, None], image[~mask].mean(axis=0), image)


METHODS = {"test-fails-on-gray": FailsOnGray, "test-hangs-on-gray": HangsOnGray}


@contextlib.contextmanager
def registered() -> Iterator[None]:
    """Register the test methods for the duration of the block."""
    for name, cls in METHODS.items():
        api.register(name, family="baseline", year=2099, paper="test", doi=None, backends=("numpy",))(cls)
    try:
        yield
    finally:
        for name in METHODS:
            api._REGISTRY.pop(name, None)
