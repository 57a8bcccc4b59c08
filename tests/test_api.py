"""The public surface: registry, infos, errors, backends, lazy registration, import weight."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

import inpaintkit as ik
from inpaintkit import api, errors
from inpaintkit.api import Inpainter, InpainterInfo

API_SNAPSHOT = Path(__file__).with_name("public_api.json")


def _public_names() -> dict[str, list[str]]:
    import inpaintkit.backends
    import inpaintkit.contract
    import inpaintkit.errors
    import inpaintkit.params

    modules = {
        "inpaintkit": ik,
        "inpaintkit.backends": inpaintkit.backends,
        "inpaintkit.contract": inpaintkit.contract,
        "inpaintkit.errors": inpaintkit.errors,
        "inpaintkit.params": inpaintkit.params,
    }
    for submodule in ("masks", "metrics", "datasets", "io", "comparison", "classical.patchmatch", "train"):
        modules[f"inpaintkit.{submodule}"] = importlib.import_module(f"inpaintkit.{submodule}")
    return {name: sorted(module.__all__) for name, module in modules.items()}


def test_public_api_snapshot():
    """Names may be added (update tests/public_api.json); a name that disappears fails here."""
    snapshot = json.loads(API_SNAPSHOT.read_text())
    current = _public_names()
    for module, names in snapshot.items():
        assert module in current, f"module {module} disappeared"
        missing = sorted(set(names) - set(current[module]))
        assert not missing, f"{module} lost public names {missing}"


def test_import_is_light():
    code = (
        "import sys, json, inpaintkit; inpaintkit.list_inpainters(); "
        "print(json.dumps(sorted(m for m in ('torch', 'cupy', 'dask', 'distributed', 'matplotlib', 'numba') "
        "if m in sys.modules)))"
    )
    loaded = json.loads(subprocess.check_output([sys.executable, "-c", code], text=True))
    assert loaded == []


def test_list_inpainters_order_pattern_family():
    names = ik.list_inpainters()
    infos = [ik.inpainter_info(n) for n in names]
    assert [(i.year, i.name) for i in infos] == sorted((i.year, i.name) for i in infos)
    assert {"harmonic", "opencv-telea", "opencv-ns"} <= set(names)
    assert ik.list_inpainters("opencv-*") == ["opencv-ns", "opencv-telea"]
    assert ik.list_inpainters(family="baseline") == ["opencv-ns", "opencv-telea"]
    assert ik.list_inpainters("no-such-*") == []
    with pytest.raises(errors.InvalidParameterError, match="family"):
        ik.list_inpainters(family="nope")


def test_every_info_is_complete():
    for name in ik.list_inpainters():
        info = ik.inpainter_info(name)
        assert info.name == name and info.family in ik.FAMILIES and 1960 < info.year < 2030
        assert info.paper and (info.doi is None or info.doi.startswith("10."))
        assert info.backends and set(info.backends) <= set(ik.backends.BACKENDS)
        with pytest.raises(TypeError):
            info.test_params["x"] = 1  # read-only


def test_unknown_name_lists_close_matches():
    with pytest.raises(errors.UnknownMethodError, match="'harmonic'"):
        Inpainter.create("harmonik")
    with pytest.raises(errors.UnknownMethodError, match="list_inpainters"):
        ik.inpainter_info("zzz")
    with pytest.raises(ValueError):
        ik.inpaint(np.zeros((4, 4)), np.eye(4, dtype=bool), method="telia-typo")


def test_lazy_registration_imports_on_create(monkeypatch):
    module = types.ModuleType("inpaintkit_test_lazy_method")
    calls = []

    def import_hook():
        class LazyMethod(Inpainter):
            def _inpaint(self, image, mask, ctx):
                return np.where(mask[:, :, None], 0.5, image)

        LazyMethod.__module__, LazyMethod.__qualname__ = module.__name__, "LazyMethod"
        module.LazyMethod = api.register("test-lazy", family="deep", year=2099, paper="test", doi=None, backends=("numpy",))(
            LazyMethod
        )
        calls.append(1)
        return module

    info = InpainterInfo(name="test-lazy", family="deep", year=2099, paper="test", doi=None, backends=("numpy",))
    monkeypatch.setitem(api._LAZY, "test-lazy", (info, "inpaintkit_test_lazy_method:LazyMethod"))
    real_import = api.importlib.import_module
    monkeypatch.setattr(
        api.importlib, "import_module", lambda name: import_hook() if name == module.__name__ else real_import(name)
    )
    try:
        assert "test-lazy" in ik.list_inpainters() and not calls
        assert ik.inpainter_info("test-lazy").year == 2099 and not calls
        image = np.zeros((5, 5))
        mask = np.zeros((5, 5), bool)
        mask[2, 2] = True
        assert ik.inpaint(image, mask, method="test-lazy")[2, 2] == 0.5
        assert calls == [1]
    finally:
        api._REGISTRY.pop("test-lazy", None)


def test_register_refuses_duplicates_and_non_inpainters():
    with pytest.raises(ValueError, match="already registered"):

        @api.register("harmonic", family="diffusion", year=2000, paper="x", doi=None, backends=("numpy",))
        class Impostor(Inpainter):
            def _inpaint(self, image, mask, ctx):
                return image

    with pytest.raises(TypeError):
        api.register("thing", family="diffusion", year=2000, paper="x", doi=None, backends=("numpy",))(object)
    with pytest.raises(ValueError, match="family"):
        InpainterInfo(name="x", family="magic", year=2000, paper="x", doi=None, backends=("numpy",))


def test_backends_report_and_resolve():
    report = ik.backends.available()
    assert set(report) == set(ik.backends.BACKENDS) and report["numpy"] is True
    assert all(isinstance(v, bool) for v in report.values())
    assert ik.backends.resolve("auto", ("numba", "numpy", "cupy"), method="m") == "numba"
    assert ik.backends.resolve("numpy", ("numba", "numpy"), method="m") == "numpy"
    with pytest.raises(errors.BackendUnavailableError, match="offers"):
        ik.backends.resolve("torch", ("numba", "numpy"), method="m")


def test_n_threads_is_checked_and_applied():
    import numba

    with pytest.raises(errors.InvalidParameterError, match="n_threads"):
        Inpainter.create("harmonic", n_threads=0)
    seen = []
    inpainter = Inpainter.create("harmonic", backend="numba", n_threads=1)
    original = type(inpainter)._inpaint

    def spy(self, image, mask, ctx):
        seen.append(numba.get_num_threads())
        return original(self, image, mask, ctx)

    type(inpainter)._inpaint = spy
    try:
        mask = np.zeros((6, 6), bool)
        mask[2:4, 2:4] = True
        inpainter.inpaint(np.random.default_rng(0).random((6, 6)), mask)
    finally:
        type(inpainter)._inpaint = original
    assert seen == [1]


def test_progress_bar_and_repr(capsys):
    image = np.random.default_rng(0).random((50, 50))
    mask = np.zeros((50, 50), bool)
    mask[5:45, 5:45] = True
    Inpainter.create("harmonic", backend="numba", solver="cg", progress=True).inpaint(image, mask)
    assert "harmonic" in capsys.readouterr().err
    assert repr(Inpainter.create("harmonic", tol=1e-9)).startswith("Inpainter.create('harmonic'")
