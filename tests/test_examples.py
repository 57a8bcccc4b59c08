"""Every example runs at a tiny size and writes the figures it promises."""

from __future__ import annotations

import ast
import runpy
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_example(script: str, *args: str) -> None:
    argv = sys.argv
    sys.argv = [script, *args]
    try:
        runpy.run_path(str(EXAMPLES / script), run_name="__main__")
    finally:
        sys.argv = argv


def gif_frames(path: Path) -> list[np.ndarray]:
    with Image.open(path) as gif:
        assert gif.format == "GIF"
        frames = []
        for index in range(gif.n_frames):
            gif.seek(index)
            frames.append(np.asarray(gif.convert("RGB")))
    return frames


@pytest.mark.parametrize("script", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_example_opens_with_a_title_and_a_paragraph(script):
    docstring = ast.get_docstring(ast.parse((EXAMPLES / script).read_text()))
    title, underline, blank, paragraph = docstring.splitlines()[:4]
    assert title and set(underline) == {"="} and len(underline) >= len(title) and not blank and len(paragraph) > 40


def test_diffusion_steps_writes_both_animations(tmp_path):
    run_example("diffusion_steps.py", str(tmp_path), "--size", "40", "--frames", "4")
    for name in ("diffusion_side_by_side.gif", "telea_front.gif"):
        frames = gif_frames(tmp_path / name)
        assert len(frames) >= 3, name
        assert not np.array_equal(frames[0], frames[-1]), f"{name}: the frames must show progress"


def test_criminisi_fill_order_writes_an_animation(tmp_path):
    output = tmp_path / "fill_order.gif"
    run_example("criminisi_fill_order.py", str(output), "--size", "32", "--patch-size", "5", "--frames", "4")
    frames = gif_frames(output)
    assert len(frames) >= 2 and not np.array_equal(frames[0], frames[-1]), "the frames must show progress"


def test_efros_leung_texture_writes_a_figure(tmp_path):
    output = tmp_path / "texture.png"
    run_example(
        "efros_leung_texture.py", str(output), "--texture", "gravel", "--sample", "12", "--canvas", "18", "--window-size", "5"
    )
    with Image.open(output) as figure:
        assert figure.format == "PNG" and min(figure.size) > 100


def test_history_tour_writes_a_figure_per_photo_and_the_table(tmp_path):
    run_example("history_tour.py", "-o", str(tmp_path), "--quick", "--size", "40", "--photos", "astronaut,camera")
    rows = [line.split(" | ") for line in (tmp_path / "history_tour.md").read_text().splitlines()[2:]]
    assert [row[0].strip("| ") for row in rows] == ["astronaut"] * 5 + ["camera"] * 5
    assert all(float(row[4]) >= 0 for row in rows), "every era finished (a number, not a status)"
    years = [int(row[3]) for row in rows[:5]]
    assert years == sorted(years), "oldest method first"
    for case in ("astronaut-40-box", "camera-40-free_form"):
        with Image.open(tmp_path / f"{case}.png") as figure:
            assert figure.format == "PNG" and figure.size[0] > 3 * figure.size[1], "the hole and five eras in a row"
    assert (tmp_path / "report" / "index.html").is_file()


def test_every_example_is_listed_in_the_examples_readme():
    listed = (EXAMPLES / "README.md").read_text()
    missing = [p.name for p in EXAMPLES.glob("*.py") if p.name not in listed]
    assert not missing, f"examples/README.md does not list {missing}"
