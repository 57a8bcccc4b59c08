"""Criminisi's fill order, step by step
=====================================

Criminisi, Perez & Toyama (2004) fill a hole patch by patch, and the order matters: each
step fills the patch centred on the fill-front pixel of highest priority, confidence x data
term, so edges that run into the hole (strong isophotes hitting the front) are continued
first and flat areas are filled last. This script removes a box from scikit-image's
astronaut photo, records every step through the ``callback`` teaching view, and writes an
animated GIF: on the left the image being filled (the remaining hole in grey, the target
patch in red, the exemplar copied into it in green), on the right the priority of every
front pixel at that step (brightest: next to be filled; the map is scaled per frame).

    python examples/criminisi_fill_order.py fill_order.gif [--size 128] [--frames 60]
"""

from __future__ import annotations

import argparse

import cv2
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from PIL import Image  # noqa: E402
from scipy import ndimage  # noqa: E402
from skimage import data  # noqa: E402

from inpaintkit import masks  # noqa: E402
from inpaintkit.classical.criminisi import Criminisi  # noqa: E402


def record_fill(size: int, patch_size: int) -> tuple[np.ndarray, list[dict]]:
    """Fill a centred box in an astronaut crop; return the image and every step's state."""
    image = cv2.resize(data.astronaut()[0:300, 100:400], (size, size), interpolation=cv2.INTER_AREA)
    mask = masks.box((size, size), ratio=0.12)
    states: list[dict] = []
    Criminisi(patch_size=patch_size, callback=lambda step, state: states.append(dict(state))).inpaint(image, mask)
    return image, states


def render(states: list[dict], patch_size: int, n_frames: int) -> list[Image.Image]:
    """One frame per chosen step: the filling image beside the front's priority map."""
    chosen = np.unique(np.linspace(0, len(states) - 1, min(n_frames, len(states))).round().astype(int))
    half = patch_size // 2
    frames = []
    figure, (left, right) = plt.subplots(1, 2, figsize=(8, 4.2), dpi=80)
    for index in chosen:
        state = states[index]
        shown = np.clip(state["image"], 0, 1).copy()
        shown[state["remaining"]] = 0.5
        left.clear()
        right.clear()
        left.imshow(shown)
        for (y, x), colour in ((state["target"], "red"), (state["source"], "lime")):
            corner = (x - half - 0.5, y - half - 0.5)
            left.add_patch(Rectangle(corner, patch_size, patch_size, fill=False, color=colour))
        left.set_title(f"step {state['step'] + 1} of {len(states)}")
        right.imshow(shown.mean(axis=2), cmap="gray", vmin=0, vmax=1, alpha=0.35)
        # Widen the one-pixel front so that it shows at GIF resolution.
        front = ndimage.binary_dilation(state["front"])
        priority = ndimage.grey_dilation(state["priority"], size=3)
        top = float(state["priority"].max()) or 1.0
        right.imshow(np.where(front, priority, np.nan), cmap="inferno", vmin=0, vmax=top)
        right.plot(state["target"][1], state["target"][0], "c+", markersize=12)
        right.set_title("priority C x D on the front (+: chosen)")
        for axis in (left, right):
            axis.set_axis_off()
        figure.canvas.draw()
        frames.append(Image.fromarray(np.asarray(figure.canvas.buffer_rgba())[..., :3]))
    plt.close(figure)
    return frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", help="the animated GIF to write")
    parser.add_argument("--size", type=int, default=128, help="side of the square image (small values run fast)")
    parser.add_argument("--patch-size", type=int, default=9)
    parser.add_argument("--frames", type=int, default=60, help="most frames in the animation")
    args = parser.parse_args()
    image, states = record_fill(args.size, args.patch_size)
    frames = render(states, args.patch_size, args.frames)
    frames[0].save(args.output, save_all=True, append_images=frames[1:], duration=120, loop=0)
    print(f"{len(states)} steps, {len(frames)} frames -> {args.output}")


if __name__ == "__main__":
    main()
