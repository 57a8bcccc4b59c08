"""Training the deep methods on any folder of images, with each paper's recipe.

Never imported by inference code nor by ``import inpaintkit``: it imports torch.

>>> from inpaintkit import train                                        # doctest: +SKIP
>>> train.train("deepfill2", "photos/", size=256, steps=100_000, out="runs/df2")  # doctest: +SKIP

The public names of the parts are re-exported here and load on first use, so that a broken
or slow part does not weigh on the others: :func:`train` (:mod:`.trainer`), the data
(:mod:`.data`), the losses (:mod:`.losses`), progressive growing (:mod:`.progressive`) and
the recipes (:mod:`.recipes`).
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "train": "trainer",
    "ImageFolder": "data",
    "MaskSampler": "data",
    "Batches": "data",
    "DEFAULT_MASKS": "data",
    "MASK_FAMILIES": "data",
    "bundled_folder": "data",
    "MaskedReconstruction": "losses",
    "SpatiallyDiscountedL1": "losses",
    "AdversarialLoss": "losses",
    "gradient_penalty": "losses",
    "r1_penalty": "losses",
    "FeatureMatching": "losses",
    "TotalVariation": "losses",
    "FeatureNetwork": "losses",
    "PerceptualLoss": "losses",
    "StyleLoss": "losses",
    "MINE": "losses",
    "ProgressiveSchedule": "progressive",
    "RECIPES": "recipes",
    "Recipe": "recipes",
    "recipe_for": "recipes",
    "REDUCED": "recipes",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'inpaintkit.train' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
