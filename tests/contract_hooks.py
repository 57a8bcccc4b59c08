"""Hooks through which methods that need more than ``test_params`` join the contract suite.

``EXTRA_PARAMS[name](tmp_path) -> dict`` returns parameters to add when creating ``name`` in
the contract tests (for example ``weights=`` pointing at tiny weights written into
``tmp_path`` for a deep method). ``QUALITY_MARGIN[name] = (average, worst)`` overrides the quality floor of
tests/test_quality.py (hole-MAE as a fraction of the mean-colour fill's: its average over the
cases, and its largest value), with the reason beside it. ``QUALITY_PARAMS[name]`` gives the
parameters the quality floor creates ``name`` with, for methods whose defaults take minutes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


def _random_weights(method: str, network: str, config: dict[str, Any]) -> Callable[[Path], dict[str, Any]]:
    """A hook writing seeded random weights of ``network`` (``"module:Class"``) built with
    ``config`` into ``tmp_path``; every call writes the same tensors."""

    def hook(tmp_path: Path) -> dict[str, Any]:
        import importlib

        import torch

        from inpaintkit.deep.checkpoints import save_checkpoint

        module, _, name = network.partition(":")
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            model = getattr(importlib.import_module(module), name)(**config)
        return {"weights": save_checkpoint(tmp_path / f"{method}.safetensors", model, method=method, config=config)}

    return hook


EXTRA_PARAMS: dict[str, Callable[[Path], dict[str, Any]]] = {
    # DeepFill v2 at cnum 8 instead of 48 (115,258 parameters instead of 4,052,478).
    "deepfill2": _random_weights("deepfill2", "inpaintkit.deep.deepfill2.network:DeepFillV2Generator", {"cnum": 8}),
    # LaMa with one FFC block and ngf 8 (93,555 parameters; bottleneck 64 channels, 48 global).
    "lama": _random_weights("lama", "inpaintkit.deep.lama.network:FFCResNetGenerator", {"n_blocks": 1, "ngf": 8}),
    # Context Encoder with widths 8 and an 8-channel code (71,130,531 parameters at 64 / 4000).
    "context-encoder": _random_weights(
        "context-encoder",
        "inpaintkit.deep.context_encoder.network:ContextEncoderGenerator",
        {"bottleneck_channels": 8, "nef": 8, "ngf": 8},
    ),
    # GLCIC's completion network has one width: the paper's (6,072,131 parameters).
    "glcic": _random_weights("glcic", "inpaintkit.deep.glcic.network:CompletionNetwork", {}),
    # DeepFill v1 at cnum 8 instead of 32.
    "deepfill1": _random_weights("deepfill1", "inpaintkit.deep.deepfill1.network:DeepFillV1Generator", {"cnum": 8}),
    # The partial-convolution U-Net with 4 levels instead of 7 (pads to multiples of 16, not 128).
    "pconv": _random_weights("pconv", "inpaintkit.deep.pconv.network:PConvUNet", {"layers": 4}),
}

QUALITY_MARGIN: dict[str, tuple[float, float]] = {
    # Exemplar copying is scored pixel by pixel: a plausible patch that is slightly misplaced
    # costs more MAE than a blur (with patches compared in CIE Lab: at most 0.83 of the mean
    # fill per case, 0.675 on average).
    "criminisi": (0.70, 0.90),
    # Texture synthesis samples texture instead of estimating a mean; on camera/box (grass
    # below a dark coat) it draws grass where the mean is closer (1.04; other cases 0.29-0.85).
    "efros-leung": (0.7, 1.1),
}

QUALITY_PARAMS: dict[str, dict[str, Any]] = {
    # Deep Image Prior's defaults (128 channels, 50 iterations) took 77-99 s of CPU per 64x64
    # case here (astronaut: 0.54 and 0.42 of the mean fill); 16 channels and 150 iterations take
    # 42 s for all six cases on one thread and score 0.56 of the mean fill on average (0.28-0.90
    # per case). tests/test_dip.py checks one case with 300 iterations.
    "dip": {"channels": 16, "iterations": 150, "n_threads": 1},
}
