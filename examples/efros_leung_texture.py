"""Growing a texture with Efros-Leung synthesis
=============================================

Efros & Leung (1999) synthesise a texture one pixel at a time: each new pixel on the edge of
what exists takes the centre of a window of the sample whose known neighbourhood looks like
its own (a Gaussian-weighted sum of squared differences, a random pick among the near-best
matches). This script cuts a small sample from one of scikit-image's bundled textures
(brick, grass or gravel), places it in the middle of a larger empty canvas, and lets
``efros-leung`` grow it outwards layer by layer. The figure shows the sample, two moments of
the growth (taken from the ``callback`` teaching view) and the finished canvas.

    python examples/efros_leung_texture.py texture.png [--texture brick] [--sample 40] [--canvas 80]
"""

from __future__ import annotations

import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from skimage import data, transform  # noqa: E402

from inpaintkit.classical.efros_leung import EfrosLeung  # noqa: E402

TEXTURES = {"brick": data.brick, "grass": data.grass, "gravel": data.gravel}


def synthesise(texture: str, sample_size: int, canvas_size: int, window_size: int, seed: int):
    """Grow a ``sample_size`` crop (downscaled by 4) into a ``canvas_size`` square.

    Returns the sample, the finished canvas and the canvas at about a third and two thirds
    of the growth.
    """
    full = TEXTURES[texture]().astype(np.float64) / 255.0
    sample = transform.downscale_local_mean(full, (4, 4))[:sample_size, :sample_size]
    canvas = np.zeros((canvas_size, canvas_size))
    offset = (canvas_size - sample_size) // 2
    canvas[offset : offset + sample_size, offset : offset + sample_size] = sample
    mask = np.ones(canvas.shape, bool)
    mask[offset : offset + sample_size, offset : offset + sample_size] = False
    snapshots: list[np.ndarray] = []

    def keep(step, state):
        shown = state["image"][:, :, 0].copy()
        shown[state["remaining"]] = np.nan
        snapshots.append(shown)

    result = EfrosLeung(window_size=window_size, seed=seed, callback=keep).inpaint(canvas, mask)
    middle = [snapshots[len(snapshots) // 3], snapshots[2 * len(snapshots) // 3]]
    return sample, middle, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", help="the figure to write (PNG)")
    parser.add_argument("--texture", choices=sorted(TEXTURES), default="brick")
    parser.add_argument("--sample", type=int, default=40, help="side of the sample (pixels, after 4x downscaling)")
    parser.add_argument("--canvas", type=int, default=80, help="side of the canvas to fill")
    parser.add_argument("--window-size", type=int, default=11)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sample, middle, result = synthesise(args.texture, args.sample, args.canvas, args.window_size, args.seed)
    figure, axes = plt.subplots(1, 4, figsize=(12, 3.4))
    panels = [(sample, "sample"), (middle[0], "growing"), (middle[1], "growing"), (result, "synthesised")]
    for axis, (picture, title) in zip(axes, panels):
        axis.imshow(picture, cmap="gray", vmin=0, vmax=1)
        axis.set_title(title)
        axis.set_axis_off()
    figure.suptitle(f"Efros-Leung on {args.texture} (window {args.window_size}, seed {args.seed})")
    figure.savefig(args.output, dpi=80, bbox_inches="tight")
    print(f"{args.output}: {args.sample}x{args.sample} sample grown to {args.canvas}x{args.canvas}")


if __name__ == "__main__":
    main()
