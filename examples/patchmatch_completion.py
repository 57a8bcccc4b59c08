"""PatchMatch completion, level by level
======================================

Wexler, Shechtman and Irani (2007) fill a hole coarse to fine: on a small copy of the image
the hole is only a few pixels wide, so it is guessed from its surroundings first; then, at
each finer level, every patch that touches the hole looks for its nearest neighbour among the
known patches (PatchMatch) and the hole pixels become a weighted vote of what the patches
covering them matched, a few times over. This script removes a box from scikit-image's
astronaut photo and writes an animated GIF of every level and EM iteration, each frame
enlarged to full size so that the levels can be compared.

    python examples/patchmatch_completion.py completion.gif [--size 128] [--patch-size 7]
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np
from PIL import Image, ImageDraw
from skimage import data

from inpaintkit import masks
from inpaintkit.classical.patchmatch import PatchMatchInpainter


def record_fill(size: int, patch_size: int) -> tuple[np.ndarray, np.ndarray, list[dict]]:
    """Fill a centred box in an astronaut crop; return the image, the mask and every EM step's state."""
    image = cv2.resize(data.astronaut()[0:300, 100:400], (size, size), interpolation=cv2.INTER_AREA)
    mask = masks.box((size, size), ratio=0.12)
    states: list[dict] = []
    inpainter = PatchMatchInpainter(patch_size=patch_size, callback=lambda step, state: states.append(dict(state)))
    inpainter.inpaint(image, mask)
    return image, mask, states


def render(image: np.ndarray, mask: np.ndarray, states: list[dict]) -> list[Image.Image]:
    """The damaged image, then one frame per EM step, enlarged to full size with its caption."""
    size = image.shape[0]
    damaged = image.copy()
    damaged[mask] = 128
    pictures = [(damaged, "the hole")]
    for state in states:
        level_image = np.clip(state["image"] * 255, 0, 255).astype(np.uint8)
        enlarged = cv2.resize(level_image, (size, size), interpolation=cv2.INTER_NEAREST)
        caption = (
            f"level {state['level'] + 1}/{state['levels']} ({level_image.shape[0]} px), EM {state['em_iteration'] + 1}"
        )
        pictures.append((enlarged, caption))
    frames = []
    for picture, caption in pictures:
        frame = Image.fromarray(np.vstack([np.full((16, size, 3), 255, np.uint8), picture]))
        ImageDraw.Draw(frame).text((2, 2), caption, fill=(0, 0, 0))
        frames.append(frame)
    return frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", help="the animated GIF to write")
    parser.add_argument("--size", type=int, default=128, help="side of the square image (small values run fast)")
    parser.add_argument("--patch-size", type=int, default=7)
    args = parser.parse_args()
    image, mask, states = record_fill(args.size, args.patch_size)
    frames = render(image, mask, states)
    frames[0].save(args.output, save_all=True, append_images=frames[1:], duration=400, loop=0)
    print(f"{states[-1]['levels']} levels, {len(states)} EM steps, {len(frames)} frames -> {args.output}")


if __name__ == "__main__":
    main()
