"""Harmonic inpainting against OpenCV and scikit-image, and the cost of the boundary contract.

    python benchmarks/bench_spine.py [--sizes 256 512] [--repeat 5]

For each size and mask (a centred 12% box; a free-form mask of about 25%), times
``harmonic`` (numpy reference and numba) and the peers ``cv2.inpaint`` (Telea, NS) and
``skimage.restoration.inpaint_biharmonic`` in the same run, on scikit-image's astronaut, and
prints median times, the ratio to harmonic-numba, PSNR and hole-MAE against the original.
Then times the contract's overhead (inpaint minus the method's own work) on 2048x2048.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from skimage import data
from skimage.restoration import inpaint_biharmonic

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import free_form_about, markdown_table, median_time  # noqa: E402

import inpaintkit as ik  # noqa: E402
from inpaintkit import masks, metrics  # noqa: E402


def run(sizes, repeat):
    rows = []
    for size in sizes:
        image = cv2.resize(data.astronaut(), (size, size), interpolation=cv2.INTER_AREA)
        for mask_name, mask in (("box 12%", masks.box((size, size), ratio=0.12)), ("free-form", free_form_about((size, size)))):
            mask_u8 = mask.astype(np.uint8)
            contenders = {
                "harmonic numba": lambda: ik.inpaint(image, mask, method="harmonic", backend="numba"),
                "harmonic numpy": lambda: ik.inpaint(image, mask, method="harmonic", backend="numpy"),
                "cv2 telea r=3": lambda: cv2.inpaint(image, mask_u8, 3, cv2.INPAINT_TELEA),
                "cv2 ns r=3": lambda: cv2.inpaint(image, mask_u8, 3, cv2.INPAINT_NS),
                "skimage biharmonic": lambda: inpaint_biharmonic(image, mask, channel_axis=-1),
            }
            timings = {}
            for name, call in contenders.items():
                reps = 1 if name == "skimage biharmonic" and size > 256 else repeat
                seconds, out = median_time(call, repeat=reps)
                if out.dtype != np.uint8:
                    out = np.clip(np.rint(out * 255), 0, 255).astype(np.uint8)
                out = np.where(mask[:, :, None], out, image)
                timings[name] = seconds
                rows.append(
                    [size, f"{mask_name} ({100 * mask.mean():.0f}%)", name, f"{seconds * 1000:.1f}", None,
                     f"{metrics.psnr(out, image, mask=mask):.2f}", f"{metrics.mae(out, image, mask=mask):.4f}"]
                )
            for row in rows[-len(contenders):]:
                row[4] = f"{timings[row[2]] / timings['harmonic numba']:.2f}"
    print(markdown_table(["size", "mask", "method", "median ms", "time / harmonic numba", "hole PSNR dB", "hole MAE"], rows))


def contract_overhead(repeat):
    """inpaint() time minus the time spent inside the method's _inpaint, at 2048x2048 RGB uint8."""
    image = cv2.resize(data.astronaut(), (2048, 2048), interpolation=cv2.INTER_LINEAR)
    mask = masks.box((2048, 2048), ratio=0.01)
    inpainter = ik.Inpainter.create("harmonic", backend="numba")
    method_seconds = []
    original = type(inpainter)._inpaint

    def timed(self, work, work_mask, ctx):
        start = time.perf_counter()
        try:
            return original(self, work, work_mask, ctx)
        finally:
            method_seconds.append(time.perf_counter() - start)

    type(inpainter)._inpaint = timed
    try:
        total, _ = median_time(lambda: inpainter.inpaint(image, mask), repeat=repeat)
    finally:
        type(inpainter)._inpaint = original
    inner = float(np.median(method_seconds[1:]))
    print(
        f"\ncontract overhead at 2048x2048x3 uint8, 1% hole: inpaint {total * 1000:.1f} ms, "
        f"method {inner * 1000:.1f} ms, contract {1000 * (total - inner):.1f} ms "
        f"({100 * (total - inner) / total:.0f}% of the call)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    run(args.sizes, args.repeat)
    contract_overhead(args.repeat)
