"""Backends: which compute paths exist on this machine, and which one a call uses.

``backend="auto" | "numpy" | "numba" | "cupy" | "torch" | "opencv"``. ``auto`` takes the
method's preferred backend that is available here; a CuPy array as input selects ``cupy``
when the method offers it. Methods list ``cupy`` after their CPU backends, so a NumPy image
stays on the CPU unless ``backend="cupy"`` is asked for. Nothing here imports CuPy or torch
at import time, and detection never lets an exception escape.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
from collections.abc import Iterator, Sequence

from .errors import BackendUnavailableError, InvalidParameterError

__all__ = ["BACKENDS", "available", "is_available", "resolve", "numba_threads"]

BACKENDS = ("numpy", "numba", "cupy", "torch", "opencv")

_INSTALL_HINT = {
    "numba": "install numba (pip install numba)",
    "cupy": "install CuPy for your CUDA version (pip install 'inpaintkit[gpu-cuda12]' or "
    "'inpaintkit[gpu-cuda13]') on a machine with an NVIDIA GPU",
    "torch": "install PyTorch (pip install 'inpaintkit[deep]')",
    "opencv": "install OpenCV (pip install 'opencv-python-headless>=4.8,<5')",
    "numpy": "",
}


@functools.lru_cache(maxsize=None)
def _probe(name: str) -> tuple[bool, str]:
    """Return (usable, reason). Never raises."""
    if name == "numpy":
        return True, ""
    if name == "numba":
        if importlib.util.find_spec("numba") is None:
            return False, "numba is not installed"
        return True, ""
    if name == "opencv":
        try:
            import cv2  # noqa: F401
        except Exception as exc:  # an ImportError, or a broken shared library
            return False, f"cv2 does not import ({exc})"
        return True, ""
    if name == "torch":
        if importlib.util.find_spec("torch") is None:
            return False, "torch is not installed"
        return True, ""
    if name == "cupy":
        if importlib.util.find_spec("cupy") is None:
            return False, "CuPy is not installed"
        try:
            import cupy

            count = cupy.cuda.runtime.getDeviceCount()
        except Exception as exc:  # CUDARuntimeError without a driver, missing libraries, ...
            return False, f"no usable CUDA device ({exc})"
        if count < 1:
            return False, "CuPy sees no CUDA device"
        return True, ""
    return False, f"unknown backend {name!r}"


def is_available(name: str) -> bool:
    """True when backend ``name`` can run on this machine."""
    return _probe(name)[0]


def available() -> dict[str, bool]:
    """Report every backend and whether it can run here.

    ``cupy`` is True only where CuPy is installed and sees a CUDA device; ``torch`` only
    says that PyTorch is installed (it is not imported here).

    Examples
    --------
    >>> from inpaintkit import backends
    >>> backends.available()["numpy"]
    True
    """
    return {name: is_available(name) for name in BACKENDS}


def check_name(backend: str, offered: Sequence[str], method: str) -> None:
    """Refuse a backend name that does not exist or that ``method`` does not offer."""
    if not isinstance(backend, str):
        raise InvalidParameterError(f"backend: expected a string, got {type(backend).__name__}")
    if backend == "auto":
        return
    if backend not in BACKENDS:
        raise InvalidParameterError(
            f"backend: {backend!r} is not a backend; choose 'auto' or one of {', '.join(BACKENDS)}"
        )
    if backend not in offered:
        raise BackendUnavailableError(
            f"backend: {method!r} has no {backend!r} backend; it offers {', '.join(offered)} (or 'auto')"
        )


def resolve(backend: str, offered: Sequence[str], *, method: str, input_is_cupy: bool = False) -> str:
    """Pick the backend a call runs on.

    Raises
    ------
    BackendUnavailableError
        When the requested backend (or, for ``auto``, every offered one) cannot run here.
    """
    check_name(backend, offered, method)
    if backend != "auto":
        usable, reason = _probe(backend)
        if not usable:
            raise BackendUnavailableError(
                f"backend: {backend!r} is not available on this machine ({reason}); "
                f"{_INSTALL_HINT[backend]}, or use backend='auto'"
            )
        return backend
    if input_is_cupy and "cupy" in offered and is_available("cupy"):
        return "cupy"
    for name in offered:
        if is_available(name):
            return name
    raise BackendUnavailableError(
        f"backend: none of {method!r}'s backends ({', '.join(offered)}) is available on this machine; "
        + "; ".join(f"{n}: {_INSTALL_HINT[n]}" for n in offered if _INSTALL_HINT[n])
    )


@contextlib.contextmanager
def numba_threads(n_threads: int | None) -> Iterator[None]:
    """Run the block with numba's parallel kernels on ``n_threads`` threads (None: numba's default)."""
    if n_threads is None:
        yield
        return
    import numba

    previous = numba.get_num_threads()
    numba.set_num_threads(n_threads)
    try:
        yield
    finally:
        numba.set_num_threads(previous)


def max_numba_threads() -> int:
    """The largest thread count numba accepts in this process."""
    import numba

    return int(numba.config.NUMBA_NUM_THREADS)
