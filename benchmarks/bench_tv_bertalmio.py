"""TV and Bertalmio inpainting against OpenCV's Navier-Stokes inpainting, per backend.

    python benchmarks/bench_tv_bertalmio.py [--sizes 256 512] [--repeat 3] [--numpy-repeat 1]

On scikit-image's astronaut (RGB) and camera (gray), resized to each size, with a centred box
covering 12% of the image, times ``tv`` and ``bertalmio`` with their default parameters on
each backend available here (numba, the numpy reference, cupy where a GPU is present), with
``harmonic`` (their starting fill) and the peer ``cv2.inpaint(..., INPAINT_NS)`` (radius 3)
in the same run. Prints median times (after one warm-up call; the numpy reference runs
``--numpy-repeat`` times without warm-up), the ratio to OpenCV's time, and PSNR and hole-MAE
against the original image.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
from skimage import data

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import markdown_table, median_time  # noqa: E402

import inpaintkit as ik  # noqa: E402
import inpaintkit.classical.tv  # noqa: E402,F401  (registers "tv" while it is not yet listed by default)
from inpaintkit import backends, masks, metrics  # noqa: E402


def contenders(image: np.ndarray, mask: np.ndarray) -> dict:
    mask_u8 = mask.astype(np.uint8)
    calls = {"cv2 NS r=3": (lambda: cv2.inpaint(image, mask_u8, 3, cv2.INPAINT_NS), "peer")}
    for method in ("harmonic", "tv", "bertalmio"):
        for backend in ik.inpainter_info(method).backends:
            if backend == "numpy" and method == "harmonic":
                continue
            if backends.is_available(backend):
                inpainter = ik.Inpainter.create(method, backend=backend)
                calls[f"{method} {backend}"] = (lambda inpainter=inpainter: inpainter.inpaint(image, mask), backend)
    return calls


def run(sizes: list[int], repeat: int, numpy_repeat: int) -> None:
    rows = []
    for size in sizes:
        for image_name, full in (("astronaut", data.astronaut()), ("camera", data.camera())):
            image = cv2.resize(full, (size, size), interpolation=cv2.INTER_AREA)
            mask = masks.box((size, size), ratio=0.12)
            timings = {}
            first_row = len(rows)
            for name, (call, kind) in contenders(image, mask).items():
                if kind == "numpy":
                    seconds, out = median_time(call, repeat=numpy_repeat, warmup=0)
                else:
                    seconds, out = median_time(call, repeat=repeat)
                timings[name] = seconds
                rows.append(
                    [size, image_name, name, f"{seconds * 1000:.0f}", None,
                     f"{metrics.psnr(out, image, mask=mask):.2f}", f"{metrics.mae(out, image, mask=mask):.4f}"]
                )
            for row in rows[first_row:]:
                row[4] = f"{timings[row[2]] / timings['cv2 NS r=3']:.1f}"
    header = ["size", "image", "method", "median ms", "time / cv2 NS", "hole PSNR dB", "hole MAE"]
    print(markdown_table(header, rows))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--numpy-repeat", type=int, default=1)
    args = parser.parse_args()
    run(args.sizes, args.repeat, args.numpy_repeat)
