"""Hooks through which methods that need more than ``test_params`` join the contract suite.

``EXTRA_PARAMS[name](tmp_path) -> dict`` returns parameters to add when creating ``name`` in
the contract tests (for example ``weights=`` pointing at tiny weights written into
``tmp_path`` for a deep method). ``QUALITY_MARGIN[name]`` overrides the quality floor's average margin
(hole-MAE at most this fraction of the mean-colour fill's, averaged over the cases of
tests/test_quality.py), with the reason beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

EXTRA_PARAMS: dict[str, Callable[[Path], dict[str, Any]]] = {}

QUALITY_MARGIN: dict[str, float] = {}
