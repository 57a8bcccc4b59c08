"""Quality floors: every method that needs no weights beats the mean-colour fill in the hole.

On three bundled photos (64x64 crops) with a box and a free-form mask (six cases), the ratio
of each method's hole-MAE to that of filling the hole with the known pixels' mean colour must
average at most ``DEFAULT_MARGIN`` (0.7: 30% better than the mean fill) and must not exceed
``WORST_CASE`` (1.02) on any case; ``contract_hooks.QUALITY_MARGIN`` overrides both for a
method, with the reason. The worst-case bound is loose on purpose: total variation fills a box that is
wider than the structure crossing it with the surrounding level (Chan & Shen's connectivity
limit), which on camera/box ties the mean fill. Methods run with their default parameters,
except where ``contract_hooks.QUALITY_PARAMS`` names lighter ones (Deep Image Prior: a narrower
network and fewer iterations, so that six fits stay within CI's time).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

import inpaintkit as ik
from inpaintkit import masks, metrics

from . import contract_hooks

DEFAULT_MARGIN = 0.7
WORST_CASE = 1.02
METHODS = [n for n in ik.list_inpainters() if not ik.inpainter_info(n).needs_weights]


def _images():
    return {
        "astronaut": cv2.resize(data.astronaut()[30:330, 100:400], (64, 64), interpolation=cv2.INTER_AREA),
        "camera": cv2.resize(data.camera(), (64, 64), interpolation=cv2.INTER_AREA),
        "coffee": cv2.resize(data.coffee()[50:350, 150:450], (64, 64), interpolation=cv2.INTER_AREA),
    }


def _masks():
    return {"box": masks.box((64, 64), ratio=0.12), "free-form": masks.free_form((64, 64), seed=3)}


def _mean_fill(image, mask):
    out = image.astype(np.float64).copy()
    out[mask] = image[~mask].astype(np.float64).mean(axis=0)
    return np.clip(np.rint(out), 0, 255).astype(image.dtype)


@pytest.mark.parametrize("name", METHODS)
def test_beats_mean_fill(name):
    margin, worst_case = contract_hooks.QUALITY_MARGIN.get(name, (DEFAULT_MARGIN, WORST_CASE))
    inpainter = ik.Inpainter.create(name, **contract_hooks.QUALITY_PARAMS.get(name, {}))
    ratios = {}
    for image_name, image in _images().items():
        for mask_name, mask in _masks().items():
            ours = metrics.mae(inpainter.inpaint(image, mask), image, mask=mask)
            ratios[f"{image_name}/{mask_name}"] = ours / metrics.mae(_mean_fill(image, mask), image, mask=mask)
    shown = ", ".join(f"{case} {ratio:.3f}" for case, ratio in ratios.items())
    assert np.mean(list(ratios.values())) <= margin, f"{name}: hole-MAE / mean fill: {shown}"
    assert max(ratios.values()) <= worst_case, f"{name}: hole-MAE / mean fill: {shown}"
