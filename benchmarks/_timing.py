"""Helpers shared by the benchmark scripts: medians after a warm-up call, tables, masks."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def median_time(function: Callable[[], Any], *, repeat: int = 5, warmup: int = 1) -> tuple[float, Any]:
    """Median wall time of ``function()`` over ``repeat`` calls after ``warmup`` calls; and its last result."""
    result = None
    for _ in range(warmup):
        result = function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def markdown_table(header: list[str], rows: list[list[Any]]) -> str:
    """A GitHub markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def free_form_about(shape, target=0.25, seed=0):
    """A free-form mask whose hole ratio is close to ``target`` (strokes dilated as needed)."""
    from inpaintkit import masks

    mask = masks.free_form(shape, seed=seed)
    radius = 0
    while masks.hole_ratio(mask) < target - 0.02 and radius < 30:
        radius += 1
        mask = masks.dilate(masks.free_form(shape, seed=seed), radius)
    return mask
