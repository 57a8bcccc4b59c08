"""PatchMatch's nearest-neighbour field, iteration by iteration
=============================================================

Barnes et al. (2009) find, for every patch of one image, a similar patch in another without
comparing all pairs: random guesses, then good matches spread to neighbours (propagation) and
each patch tries a few random patches near its best (random search). This script matches two
crops of scikit-image's astronaut photo and draws the field as colours, the offset's direction
as hue and its length as saturation (white: no shift), after each iteration beside the exact
field found by brute force, with the mean patch distance converging towards the exact one.

    python examples/patchmatch_nnf.py nnf.png [--size 64] [--patch-size 7] [--iterations 5]
"""

from __future__ import annotations

import argparse

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.colors import hsv_to_rgb  # noqa: E402
from skimage import data  # noqa: E402
from skimage.transform import resize  # noqa: E402

from inpaintkit.classical.patchmatch import nnf  # noqa: E402
from inpaintkit.classical.patchmatch._reference import brute_force_nnf  # noqa: E402


def offset_colours(field: np.ndarray, scale: float) -> np.ndarray:
    """RGB image of a field's offsets: hue = direction, saturation = length / scale."""
    grid = np.indices(field.shape[:2]).transpose(1, 2, 0)
    dy, dx = np.moveaxis(field - grid, -1, 0).astype(float)
    hue = (np.arctan2(dy, dx) / (2 * np.pi)) % 1.0
    saturation = np.clip(np.hypot(dy, dx) / scale, 0.0, 1.0)
    return hsv_to_rgb(np.dstack([hue, saturation, np.ones_like(hue)]))


def crops(size: int) -> tuple[np.ndarray, np.ndarray]:
    """Two overlapping crops of the astronaut, resized to size x size (float in [0, 1])."""
    photo = data.astronaut() / 255.0
    source = resize(photo[100:356, 100:356], (size, size), anti_aliasing=True)
    target = resize(photo[160:416, 60:316], (size, size), anti_aliasing=True)
    return source, target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", help="the PNG figure to write")
    parser.add_argument("--size", type=int, default=64, help="side of both crops (the brute force grows as size**4)")
    parser.add_argument("--patch-size", type=int, default=7)
    parser.add_argument("--iterations", type=int, default=5)
    args = parser.parse_args()
    source, target = crops(args.size)
    exact_field, exact_distance = brute_force_nnf(source, target, args.patch_size)
    # The same seed draws the same numbers, so iterations=k is the state after k iterations.
    fields = [nnf(source, target, args.patch_size, k) for k in range(args.iterations + 1)]
    scale = float(np.abs(exact_field - np.indices(exact_field.shape[:2]).transpose(1, 2, 0)).max()) or 1.0

    figure = plt.figure(figsize=(2.2 * (args.iterations + 4), 5.2), dpi=80)
    columns = args.iterations + 4
    panels = [("source", source), ("target", target)]
    for k, result in enumerate(fields):
        panels.append((f"iteration {k}" if k else "random start", offset_colours(result.field, scale)))
    panels.append(("exact (brute force)", offset_colours(exact_field, scale)))
    for index, (title, picture) in enumerate(panels):
        axis = figure.add_subplot(2, columns, index + 1)
        axis.imshow(picture)
        axis.set_title(title, fontsize=9)
        axis.set_axis_off()
    curve = figure.add_subplot(2, 1, 2)
    ratios = [f.distance.mean() / exact_distance.mean() for f in fields]
    curve.plot(range(len(ratios)), ratios, "o-", label="PatchMatch")
    curve.axhline(1.0, color="gray", linestyle="--", label="exact nearest neighbours")
    curve.set_yscale("log")
    curve.set_xlabel("iteration")
    curve.set_ylabel("mean patch distance / exact")
    curve.legend()
    figure.tight_layout()
    figure.savefig(args.output)
    print(f"mean distance / exact after each iteration: {', '.join(f'{r:.3f}' for r in ratios)} -> {args.output}")


if __name__ == "__main__":
    main()
