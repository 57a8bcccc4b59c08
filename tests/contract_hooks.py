"""Hooks through which methods that need more than ``test_params`` join the contract suite.

``EXTRA_PARAMS[name](tmp_path) -> dict`` returns parameters to add when creating ``name`` in
the contract tests (for example ``weights=`` pointing at tiny weights written into
``tmp_path`` for a deep method). ``QUALITY_MARGIN[name] = (average, worst)`` overrides the quality floor of
tests/test_quality.py (hole-MAE as a fraction of the mean-colour fill's: its average over the
cases, and its largest value), with the reason beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

EXTRA_PARAMS: dict[str, Callable[[Path], dict[str, Any]]] = {}

QUALITY_MARGIN: dict[str, tuple[float, float]] = {
    # Exemplar copying is scored pixel by pixel: a plausible patch that is slightly misplaced
    # costs more MAE than a blur (0.52-0.91 of the mean fill per case, 0.71 on average).
    "criminisi": (0.75, 1.02),
    # Texture synthesis samples texture instead of estimating a mean; on camera/box (grass
    # below a dark coat) it draws grass where the mean is closer (1.04; other cases 0.29-0.85).
    "efros-leung": (0.7, 1.1),
}
