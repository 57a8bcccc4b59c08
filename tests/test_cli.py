"""The ``inpaintkit`` command line: list, info, run (file and folder), demo, and its errors."""

from __future__ import annotations

import numpy as np
import pytest

import inpaintkit as ik
from inpaintkit import cli, io
from inpaintkit.errors import InvalidParameterError


def test_list_and_info(capsys):
    assert cli.main(["list"]) == 0
    listed = capsys.readouterr().out
    for name in ik.list_inpainters():
        assert name in listed
    assert cli.main(["list", "--family", "baseline"]) == 0
    assert "harmonic" not in capsys.readouterr().out
    assert cli.main(["info", "harmonic"]) == 0
    shown = capsys.readouterr().out
    assert "10.1137/S0036139900368844" in shown and "max_iter" in shown


def test_param_parsing_follows_annotations():
    params = cli.parse_params("harmonic", ["tol=1e-5", "max_iter=30", "n_threads=none", "progress=true"])
    assert params == {"tol": 1e-5, "max_iter": 30, "n_threads": None, "progress": True}
    assert type(params["max_iter"]) is int
    with pytest.raises(InvalidParameterError, match="patch_size"):
        cli.parse_params("harmonic", ["patch_size=3"])
    with pytest.raises(cli.CommandError, match="key=value"):
        cli.parse_params("harmonic", ["tol"])


def _write_case(folder, stem, seed):
    rng = np.random.default_rng(seed)
    image = (rng.random((20, 24, 3)) * 255).astype(np.uint8)
    mask = np.zeros((20, 24), np.uint8)
    mask[5:12, 6:15] = 255
    io.write_image(folder / "images" / f"{stem}.png", image)
    io.write_image(folder / "masks" / f"{stem}.png", mask)
    return image, mask > 0


def test_run_file_and_folder(tmp_path, capsys):
    image, mask = _write_case(tmp_path, "a", 0)
    _write_case(tmp_path, "b", 1)
    out_file = tmp_path / "out" / "a.png"
    code = cli.main(
        ["run", str(tmp_path / "images" / "a.png"), "--mask", str(tmp_path / "masks" / "a.png"), "-m", "harmonic",
         "-o", str(out_file), "--param", "tol=1e-10"]
    )
    assert code == 0
    result = io.read_image(out_file)
    expected = ik.inpaint(image, mask, method="harmonic", tol=1e-10)
    assert np.array_equal(result, expected)
    code = cli.main(["run", str(tmp_path / "images"), "--mask", str(tmp_path / "masks"), "-m", "opencv-telea", "-o", str(tmp_path / "batch")])
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "batch").iterdir()) == ["a.png", "b.png"]


def test_errors_are_one_line(tmp_path, capsys):
    _write_case(tmp_path, "a", 0)
    code = cli.main(["run", str(tmp_path / "images" / "a.png"), "--mask", str(tmp_path / "nope.png"), "-m", "harmonic", "-o", str(tmp_path / "x.png")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("inpaintkit: error:") and err.count("\n") == 1 and "nope.png" in err
    code = cli.main(["run", str(tmp_path / "images" / "a.png"), "--mask", str(tmp_path / "masks" / "a.png"), "-m", "harmonik", "-o", str(tmp_path / "x.png")])
    err = capsys.readouterr().err
    assert code == 2 and "did you mean 'harmonic'" in err and err.count("\n") == 1
    blank = np.zeros((20, 24), np.uint8)
    io.write_image(tmp_path / "full.png", blank + 255)
    code = cli.main(["run", str(tmp_path / "images" / "a.png"), "--mask", str(tmp_path / "full.png"), "-m", "harmonic", "-o", str(tmp_path / "x.png")])
    assert code == 2 and "covers the whole image" in capsys.readouterr().err


def test_demo_writes_the_side_by_side(tmp_path, capsys):
    assert cli.main(["demo", "-m", "harmonic", "-o", str(tmp_path), "--size", "48"]) == 0
    written = {p.name for p in tmp_path.iterdir()}
    assert {"input.png", "mask.png", "damaged.png", "result-harmonic.png", "side_by_side.png"} <= written
    side = io.read_image(tmp_path / "side_by_side.png")
    assert side.shape == (48, 48 * 2 + 8, 3)
    mask = io.read_mask(tmp_path / "mask.png")
    original = io.read_image(tmp_path / "input.png")
    result = io.read_image(tmp_path / "result-harmonic.png")
    assert mask.any() and np.array_equal(result[~mask], original[~mask])
