"""Diffusion inpainting, step by step
====================================

The PDE methods fill a hole by letting the known image flow into it. This script records
their iterations through the ``callback`` teaching view and writes two animated GIFs:
harmonic (Laplace), total variation (Chan & Shen) and Bertalmio's transport along isophotes
filling the same free-form hole side by side (TV and Bertalmio start from the harmonic fill,
as their solvers do), so that the blur of harmonic, the sharp level lines of TV and the
continued edges of Bertalmio can be watched as they form; and Telea's fast marching through
a box, with the image on the left and the arrival time T of the front on the right, so that
the onion-peel order of the fill is visible.

    python examples/diffusion_steps.py OUT_DIR [--size 128] [--frames 24] [--image astronaut]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import inpaintkit as ik  # noqa: E402
from inpaintkit import datasets, masks  # noqa: E402

SIDE_BY_SIDE = ("harmonic", "tv", "bertalmio")


def record(method: str, image: np.ndarray, mask: np.ndarray, **params) -> list[dict]:
    """Every callback state of ``method`` filling ``mask``, then the final result."""
    damaged = image / 255.0
    damaged[mask] = 0.5
    states: list[dict] = [{"image": damaged, "iteration": 0}]
    inpainter = ik.Inpainter.create(method, callback=lambda step, state: states.append(dict(state)), **params)
    result = inpainter.inpaint(image, mask)
    states.append({"image": result / 255.0, "final": True})
    return states


def pick(states: list[dict], n_frames: int) -> list[dict]:
    """``n_frames`` states evenly spread over the run (repeating the last for short runs)."""
    positions = np.linspace(0, len(states) - 1, n_frames).round().astype(int)
    return [states[i] for i in positions]


def to_gif(frames: list[Image.Image], path: Path, milliseconds: int) -> None:
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=milliseconds, loop=0)


def figure_to_image(figure) -> Image.Image:
    figure.canvas.draw()
    return Image.fromarray(np.asarray(figure.canvas.buffer_rgba())[:, :, :3].copy())


def side_by_side(image: np.ndarray, mask: np.ndarray, n_frames: int, path: Path) -> None:
    params = {"harmonic": {"solver": "cg"}}  # the iterative solver, so that there are steps to show
    runs = {method: pick(record(method, image, mask, **params.get(method, {})), n_frames) for method in SIDE_BY_SIDE}
    figure, axes = plt.subplots(1, len(SIDE_BY_SIDE), figsize=(3.2 * len(SIDE_BY_SIDE), 3.6), dpi=80)
    frames = []
    for frame in range(n_frames):
        for axis, method in zip(axes, SIDE_BY_SIDE):
            state = runs[method][frame]
            axis.clear()
            axis.imshow(np.clip(state["image"], 0, 1), cmap="gray", vmin=0, vmax=1)
            label = "result" if state.get("final") else f"iteration {state['iteration']}"
            axis.set_title(f"{method}\n{label}", fontsize=10)
            axis.axis("off")
        frames.append(figure_to_image(figure))
    plt.close(figure)
    to_gif(frames, path, milliseconds=150)


def telea_front(image: np.ndarray, mask: np.ndarray, n_frames: int, path: Path) -> None:
    filled = int(mask.sum())
    states = record("telea", image, mask, report_every=max(1, filled // (2 * n_frames)))
    steps = [s for s in states[1:] if not s.get("final")]
    figure, (left, right) = plt.subplots(1, 2, figsize=(7, 3.6), dpi=80)
    frames = []
    times = [s["arrival_time"] for s in steps]
    top = max(float(np.max(t[np.isfinite(t)])) for t in times) if times else 1.0
    for state in pick(steps, n_frames):
        left.clear()
        right.clear()
        shown = np.clip(state["image"], 0, 1).copy()
        shown[mask & np.isnan(state["arrival_time"])] = 0.5
        left.imshow(shown, cmap="gray", vmin=0, vmax=1)
        left.set_title(f"Telea: {state['filled']} of {state['total']} pixels", fontsize=10)
        arrival = np.where(np.isfinite(state["arrival_time"]) & (state["arrival_time"] > 0), state["arrival_time"], np.nan)
        right.imshow(arrival, cmap="viridis", vmin=0, vmax=top)
        right.contour(state["band"], levels=[0.5], colors="red", linewidths=0.8)
        right.set_title("arrival time T, front in red", fontsize=10)
        for axis in (left, right):
            axis.axis("off")
        frames.append(figure_to_image(figure))
    plt.close(figure)
    to_gif(frames, path, milliseconds=120)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path, help="folder for diffusion_side_by_side.gif and telea_front.gif")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--image", default="astronaut", help=f"bundled image ({', '.join(datasets.names())})")
    args = parser.parse_args(argv)
    image = datasets.load(args.image, size=args.size)
    args.output.mkdir(parents=True, exist_ok=True)
    side_by_side(image, masks.free_form(image.shape[:2], seed=1), args.frames, args.output / "diffusion_side_by_side.gif")
    telea_front(image, masks.box(image.shape[:2], ratio=0.12), args.frames, args.output / "telea_front.gif")
    print(f"wrote {args.output / 'diffusion_side_by_side.gif'} and {args.output / 'telea_front.gif'}")


if __name__ == "__main__":
    main()
