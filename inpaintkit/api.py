"""The Inpainter interface, the method registry and the one-off ``inpaint`` call."""

from __future__ import annotations

import abc
import difflib
import fnmatch
import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType, ModuleType
from typing import Any, ClassVar

import numpy as np

from . import backends as _backends
from . import contract
from .errors import InvalidParameterError, UnknownMethodError
from .params import check_bool, check_int

__all__ = [
    "FAMILIES",
    "InpainterInfo",
    "Inpainter",
    "Context",
    "register",
    "register_lazy",
    "list_inpainters",
    "inpainter_info",
    "inpaint",
]

FAMILIES = ("baseline", "diffusion", "texture", "exemplar", "patch", "deep")

Callback = Callable[[int, Mapping[str, Any]], Any]


@dataclass(frozen=True)
class InpainterInfo:
    """What a registered method is; kept apart from the class that does the work.

    Attributes
    ----------
    name : str
        Registry name, e.g. ``"patchmatch"``.
    family : str
        One of :data:`FAMILIES`.
    year : int
        Year of the paper (sorting key of :func:`list_inpainters`).
    paper : str
        Authors, title and venue.
    doi : str or None
        The paper's DOI (None where it has none, e.g. an arXiv-only paper: then ``paper``
        holds the arXiv id).
    backends : tuple of str
        Backends in order of preference.
    needs_weights : bool
        True for deep methods, which need a weights file to give meaningful output.
    test_params : mapping
        Parameters small enough for the contract tests (few iterations, tiny networks).
    summary : str
        One line for listings.
    randomized : bool
        True when the method takes ``seed``.
    """

    name: str
    family: str
    year: int
    paper: str
    doi: str | None
    backends: tuple[str, ...]
    needs_weights: bool = False
    test_params: Mapping[str, Any] = field(default_factory=dict)
    summary: str = ""
    randomized: bool = False

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"family: expected one of {FAMILIES}, got {self.family!r}")
        unknown = [b for b in self.backends if b not in _backends.BACKENDS]
        if not self.backends or unknown:
            raise ValueError(f"backends: expected a non-empty subset of {_backends.BACKENDS}, got {self.backends}")
        object.__setattr__(self, "backends", tuple(self.backends))
        object.__setattr__(self, "test_params", MappingProxyType(dict(self.test_params)))


_REGISTRY: dict[str, type[Inpainter]] = {}
_LAZY: dict[str, tuple[InpainterInfo, str]] = {}


def register(
    name: str,
    *,
    family: str,
    year: int,
    paper: str,
    doi: str | None,
    backends: tuple[str, ...],
    needs_weights: bool = False,
    test_params: Mapping[str, Any] | None = None,
    summary: str = "",
    randomized: bool = False,
) -> Callable[[type[Inpainter]], type[Inpainter]]:
    """Class decorator that registers an :class:`Inpainter` subclass under ``name``.

    Examples
    --------
    >>> @register("my-fill", family="baseline", year=2024, paper="-", doi=None,
    ...           backends=("numpy",))                                    # doctest: +SKIP
    ... class MyFill(Inpainter): ...
    """
    info = InpainterInfo(
        name=name,
        family=family,
        year=year,
        paper=paper,
        doi=doi,
        backends=backends,
        needs_weights=needs_weights,
        test_params=test_params or {},
        summary=summary,
        randomized=randomized,
    )

    def decorator(cls: type[Inpainter]) -> type[Inpainter]:
        if not (isinstance(cls, type) and issubclass(cls, Inpainter)):
            raise TypeError(f"@register({name!r}) must decorate an Inpainter subclass")
        existing = _REGISTRY.get(name)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise ValueError(f"an inpainter named {name!r} is already registered ({existing.__qualname__})")
        if name in _LAZY and _LAZY[name][1] != f"{cls.__module__}:{cls.__qualname__}":
            raise ValueError(f"an inpainter named {name!r} is already listed lazily ({_LAZY[name][1]})")
        cls.info = info
        _REGISTRY[name] = cls
        return cls

    return decorator


def register_lazy(info: InpainterInfo, target: str) -> None:
    """List a method whose module is imported only when it is created (deep methods).

    ``target`` is ``"package.module:ClassName"``; the module must apply :func:`register`
    with the same name when imported.
    """
    if info.name in _REGISTRY or info.name in _LAZY:
        raise ValueError(f"an inpainter named {info.name!r} is already registered")
    if ":" not in target:
        raise ValueError(f"target: expected 'module:Class', got {target!r}")
    _LAZY[info.name] = (info, target)


def _all_infos() -> dict[str, InpainterInfo]:
    infos = {name: info for name, (info, _) in _LAZY.items()}
    infos.update({name: cls.info for name, cls in _REGISTRY.items()})
    return infos


def _unknown(name: Any) -> UnknownMethodError:
    names = sorted(_all_infos())
    close = difflib.get_close_matches(str(name), names, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(map(repr, close))}? " if close else ""
    return UnknownMethodError(
        f"method: no inpainter is registered as {name!r}; {hint}"
        f"inpaintkit.list_inpainters() lists all {len(names)}: {', '.join(names)}"
    )


def list_inpainters(pattern: str = "*", family: str | None = None) -> list[str]:
    """Names of the registered methods, oldest paper first (sorted by year, then name).

    Parameters
    ----------
    pattern : str
        Shell-style wildcard on the name, e.g. ``"opencv-*"``.
    family : str, optional
        Keep only one family (see :data:`FAMILIES`).

    Examples
    --------
    >>> import inpaintkit
    >>> "harmonic" in inpaintkit.list_inpainters()
    True
    """
    if family is not None and family not in FAMILIES:
        raise InvalidParameterError(f"family: expected one of {', '.join(FAMILIES)}, got {family!r}")
    infos = _all_infos()
    chosen = [
        info
        for name, info in infos.items()
        if fnmatch.fnmatchcase(name, pattern) and (family is None or info.family == family)
    ]
    return [info.name for info in sorted(chosen, key=lambda info: (info.year, info.name))]


def inpainter_info(name: str) -> InpainterInfo:
    """The :class:`InpainterInfo` of a registered method (no heavy import happens)."""
    infos = _all_infos()
    if name not in infos:
        raise _unknown(name)
    return infos[name]


def _inpainter_class(name: str) -> type[Inpainter]:
    if name in _REGISTRY:
        return _REGISTRY[name]
    if name in _LAZY:
        module_name, _, class_name = _LAZY[name][1].partition(":")
        module = importlib.import_module(module_name)
        cls = getattr(module, class_name)
        if _REGISTRY.get(name) is not cls:
            raise RuntimeError(f"internal error: {module_name} did not register {name!r}")
        return cls
    raise _unknown(name)


class Context:
    """What a method's ``_inpaint`` gets beside the image and mask.

    Attributes
    ----------
    backend : str
        The resolved backend (never ``"auto"``).
    xp : module
        ``numpy``, or ``cupy`` on the ``cupy`` backend: the module of the arrays passed in.
    source_dtype : numpy.dtype
        The caller's dtype (a method that needs a fixed range, such as an OpenCV wrapper,
        may use it; ordinary methods work in the working scale and ignore it).
    """

    def __init__(
        self,
        *,
        backend: str,
        xp: ModuleType,
        source_dtype: np.dtype,
        callback: Callback | None,
        progress: bool,
        description: str,
    ) -> None:
        self.backend = backend
        self.xp = xp
        self.source_dtype = source_dtype
        self._callback = callback
        self._progress = progress
        self._description = description
        self._bar: Any = None

    @property
    def reporting(self) -> bool:
        """True when a callback or progress bar wants to hear about steps."""
        return self._callback is not None or self._progress

    @property
    def wants_state(self) -> bool:
        """True when a callback will read the state passed to :meth:`step`."""
        return self._callback is not None

    def start(self, total: int | None, unit: str = "step") -> None:
        """Announce the number of steps (for the progress bar)."""
        if self._progress:
            from tqdm.auto import tqdm

            if self._bar is not None:
                self._bar.close()
            self._bar = tqdm(total=total, desc=self._description, unit=unit, leave=False)

    def step(self, index: int, state: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None) -> None:
        """Report step ``index``. ``state`` may be a callable, evaluated only for a callback."""
        if self._progress and self._bar is None:
            self.start(None)
        if self._bar is not None:
            self._bar.update(1)
        if self._callback is not None:
            if callable(state):
                state = state()
            self._callback(index, MappingProxyType(dict(state or {})))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class Inpainter(abc.ABC):
    """Base class of every inpainting method.

    ``inpaint(image, mask)`` is a template method: it checks and converts the inputs once
    (:mod:`inpaintkit.contract`), picks the backend, calls the subclass's ``_inpaint`` on a
    float64 ``(H, W, C)`` working copy whose hole is zeroed, and composites the result over
    the input, so known pixels are byte-identical and inputs are never modified.

    Subclasses declare their parameters as typed keyword arguments of ``__init__``, check
    them there (see :mod:`inpaintkit.params`), and pass the common ones to
    ``super().__init__``.

    Parameters
    ----------
    backend : str
        ``"auto"`` or one of the method's backends (``inpainter_info(name).backends``).
    callback : callable, optional
        ``callback(step, state)`` called by iterative methods after each step; ``state`` is
        a read-only mapping whose keys each method documents.
    progress : bool
        Show a tqdm progress bar over the method's steps.
    n_threads : int, optional
        Threads for the numba backend (default: numba's setting).
    """

    info: ClassVar[InpainterInfo]

    def __init__(
        self,
        *,
        backend: str = "auto",
        callback: Callback | None = None,
        progress: bool = False,
        n_threads: int | None = None,
    ) -> None:
        _backends.check_name(backend, self.info.backends, self.info.name)
        if callback is not None and not callable(callback):
            raise InvalidParameterError(f"callback: expected a callable callback(step, state), got {callback!r}")
        self.backend = backend
        self.callback = callback
        self.progress = check_bool("progress", progress)
        if n_threads is not None:
            n_threads = check_int("n_threads", n_threads, low=1, high=_backends.max_numba_threads())
        self.n_threads = n_threads

    # ------------------------------------------------------------------ construction
    @staticmethod
    def create(name: str, backend: str = "auto", **params: Any) -> Inpainter:
        """Create the method registered as ``name``.

        Examples
        --------
        >>> import inpaintkit
        >>> inpaintkit.Inpainter.create("harmonic").info.family
        'diffusion'
        """
        cls = _inpainter_class(name)
        signature = inspect.signature(cls.__init__)
        accepts_any = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
        if not accepts_any:
            known = [p for p in signature.parameters if p != "self"]
            unknown = [key for key in params if key not in known]
            if unknown:
                raise InvalidParameterError(
                    f"{name}: unknown parameter(s) {', '.join(map(repr, unknown))}; "
                    f"it takes {', '.join(known)}"
                )
        return cls(backend=backend, **params)

    def get_params(self) -> dict[str, Any]:
        """The method's parameters as passed to ``__init__`` (for reports and reprs)."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names if hasattr(self, name)}

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{k}={v!r}" for k, v in self.get_params().items() if k not in ("callback",) and v is not None
        )
        return f"Inpainter.create({self.info.name!r}, {shown})"

    # ------------------------------------------------------------------ hooks
    def min_image_size(self) -> int:
        """Smallest height and width this method (with these parameters) accepts."""
        return 1

    def check_context(self, mask: np.ndarray) -> None:
        """Raise :class:`~inpaintkit.errors.InsufficientContextError` when ``mask`` leaves too
        little known image for this method (patch methods override this)."""

    @abc.abstractmethod
    def _inpaint(self, image: Any, mask: Any, ctx: Context) -> Any:
        """Fill ``image`` (float64, (H, W, C), hole zeroed) where ``mask`` is True.

        Returns an array of the same shape in the working scale; only the hole is read.
        """

    # ------------------------------------------------------------------ the template
    def inpaint(self, image: Any, mask: Any) -> Any:
        """Fill the pixels of ``image`` where ``mask`` is True.

        Parameters
        ----------
        image : ndarray, shape (H, W) or (H, W, C)
            C in 1, 3, 4; dtype uint8, uint16, float32 or float64. A CuPy array is filled on
            the GPU where the method offers ``cupy`` and returned as a CuPy array.
        mask : ndarray, shape (H, W) or (H, W, 1)
            bool, or numbers holding only 0/1 or only 0/255; True (non-zero) means fill.

        Returns
        -------
        ndarray
            Same shape, dtype and array type as ``image``; pixels outside the mask are
            byte-identical to the input.

        Raises
        ------
        InvalidImageError, UnsupportedDtypeError, InvalidMaskError, ShapeMismatchError,
        NonFiniteError, ImageTooSmallError, InsufficientContextError, BackendUnavailableError
        """
        prepared = contract.prepare(image, mask, min_size=self.min_image_size())
        if prepared.empty:
            return contract.finish(None, prepared)
        input_is_cupy = contract.is_cupy_array(prepared.source)
        backend = _backends.resolve(
            self.backend, self.info.backends, method=self.info.name, input_is_cupy=input_is_cupy
        )
        host_mask = prepared.mask.get() if input_is_cupy else prepared.mask
        self.check_context(host_mask)
        work, work_mask = prepared.work, prepared.mask
        if backend == "cupy" and not input_is_cupy:
            import cupy

            xp: ModuleType = cupy
            work, work_mask = cupy.asarray(work), cupy.asarray(work_mask)
        elif backend != "cupy" and input_is_cupy:
            xp = np
            work, work_mask = work.get(), work_mask.get()
        else:
            xp = contract.array_module(work)
        ctx = Context(
            backend=backend,
            xp=xp,
            source_dtype=prepared.dtype,
            callback=self.callback,
            progress=self.progress,
            description=self.info.name,
        )
        try:
            with _backends.numba_threads(self.n_threads if backend == "numba" else None):
                filled = self._inpaint(work, work_mask, ctx)
        finally:
            ctx.close()
        return contract.finish(filled, prepared)


def inpaint(image: Any, mask: Any, *, method: str, backend: str = "auto", **params: Any) -> Any:
    """One-off call: ``Inpainter.create(method, backend=backend, **params).inpaint(image, mask)``.

    Examples
    --------
    >>> import numpy as np, inpaintkit
    >>> image = np.tile(np.linspace(0, 1, 8), (8, 1))
    >>> mask = np.zeros((8, 8), bool); mask[3:5, 3:5] = True
    >>> out = inpaintkit.inpaint(image, mask, method="harmonic")
    >>> bool(np.allclose(out, image))
    True
    """
    return Inpainter.create(method, backend=backend, **params).inpaint(image, mask)
