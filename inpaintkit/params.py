"""Checks for method parameters, shared by every Inpainter's ``__init__``.

Each returns the checked value (converted where that is lossless) or raises
:class:`~inpaintkit.errors.InvalidParameterError` naming the parameter and the fix.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

from .errors import InvalidParameterError

__all__ = ["check_int", "check_float", "check_choice", "check_seed", "check_bool", "check_odd"]


def check_int(name: str, value: Any, *, low: int | None = None, high: int | None = None) -> int:
    """An integer in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidParameterError(f"{name}: expected an integer, got {value!r}")
    value = int(value)
    if low is not None and value < low:
        raise InvalidParameterError(f"{name}: expected an integer >= {low}, got {value}")
    if high is not None and value > high:
        raise InvalidParameterError(f"{name}: expected an integer <= {high}, got {value}")
    return value


def check_odd(name: str, value: Any, *, low: int = 1, high: int | None = None) -> int:
    """An odd integer in ``[low, high]`` (patch and window sizes)."""
    value = check_int(name, value, low=low, high=high)
    if value % 2 == 0:
        raise InvalidParameterError(f"{name}: expected an odd integer (the patch needs a centre), got {value}")
    return value


def check_float(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """A finite real number in the given (open or closed) interval."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidParameterError(f"{name}: expected a number, got {value!r}")
    value = float(value)
    if value != value or value in (float("inf"), float("-inf")):
        raise InvalidParameterError(f"{name}: expected a finite number, got {value}")
    if low is not None and (value <= low if low_open else value < low):
        raise InvalidParameterError(f"{name}: expected a number {'>' if low_open else '>='} {low}, got {value}")
    if high is not None and (value >= high if high_open else value > high):
        raise InvalidParameterError(f"{name}: expected a number {'<' if high_open else '<='} {high}, got {value}")
    return value


def check_choice(name: str, value: Any, choices: Sequence[str]) -> str:
    """One of ``choices``."""
    if value not in choices:
        raise InvalidParameterError(f"{name}: expected one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def check_seed(name: str, value: Any) -> int:
    """A seed: a non-negative integer below 2**63."""
    return check_int(name, value, low=0, high=2**63 - 1)


def check_bool(name: str, value: Any) -> bool:
    """A bool (not a truthy number or string)."""
    if not isinstance(value, bool):
        raise InvalidParameterError(f"{name}: expected True or False, got {value!r}")
    return value
