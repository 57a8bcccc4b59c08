"""Telea's fast marching (ours, numba, both variants) against OpenCV's ``cv2.inpaint`` TELEA.

    python benchmarks/bench_telea.py [--sizes 256 512] [--repeat 5] [--radius 3]

For scikit-image's astronaut, camera, chelsea and coffee at each size, with a centred 12% box
and a free-form mask of about 25%, times ``telea`` (variant ``opencv`` and ``paper``, numba
backend, the whole ``inpaint`` call) and ``cv2.inpaint(image, mask, radius, INPAINT_TELEA)``
in the same run on the uint8 image, and prints median times, the time ratio to OpenCV, the
hole-PSNR of each result against OpenCV's (``inf`` = identical) and the hole-PSNR and
hole-MAE against the original image. OpenCV gets the image as it is (its hole not zeroed),
as a user would call it. The contenders are timed in turn, round after round, and the
medians are taken per contender.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import cv2
import numpy as np
from skimage import data

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import free_form_about, markdown_table, median_time  # noqa: E402

import inpaintkit as ik  # noqa: E402
from inpaintkit import masks, metrics  # noqa: E402

IMAGES = ("astronaut", "camera", "chelsea", "coffee")


def _image(name: str, size: int) -> np.ndarray:
    return cv2.resize(getattr(data, name)(), (size, size), interpolation=cv2.INTER_AREA)


def interleaved_medians(calls: dict, repeat: int) -> tuple[dict, dict]:
    """Median wall time of each call, timed in turn (one of each per round, after a warm-up
    round) so that a shared machine's load swings hit every contender alike; and the outputs."""
    outputs = {name: call() for name, call in calls.items()}
    times: dict = {name: [] for name in calls}
    for _ in range(repeat):
        for name, call in calls.items():
            seconds, outputs[name] = median_time(call, repeat=1, warmup=0)
            times[name].append(seconds)
    return {name: float(np.median(t)) for name, t in times.items()}, outputs


def run(sizes: list[int], repeat: int, radius: int) -> None:
    rows = []
    worst = {"psnr": np.inf, "ratio": 0.0}
    opencv_ours = ik.Inpainter.create("telea", variant="opencv", radius=radius, backend="numba")
    paper_ours = ik.Inpainter.create("telea", variant="paper", radius=radius, backend="numba")
    for size in sizes:
        for mask_name, mask in (
            ("box 12%", masks.box((size, size), ratio=0.12)),
            ("free-form", free_form_about((size, size))),
        ):
            mask_u8 = mask.astype(np.uint8)
            for image_name in IMAGES:
                image = _image(image_name, size)
                seconds, outputs = interleaved_medians(
                    {
                        "cv2.inpaint TELEA": lambda: cv2.inpaint(image, mask_u8, radius, cv2.INPAINT_TELEA),
                        "telea opencv (numba)": lambda: opencv_ours.inpaint(image, mask),
                        "telea paper (numba)": lambda: paper_ours.inpaint(image, mask),
                    },
                    repeat,
                )
                reference = outputs["cv2.inpaint TELEA"]
                for label, out in outputs.items():
                    ratio = seconds[label] / seconds["cv2.inpaint TELEA"]
                    against_opencv = metrics.psnr(out, reference, mask=mask)
                    if label.startswith("telea opencv"):
                        worst["psnr"] = min(worst["psnr"], against_opencv)
                        worst["ratio"] = max(worst["ratio"], ratio)
                    rows.append(
                        [size, f"{mask_name} ({100 * mask.mean():.0f}%)", image_name, label,
                         f"{seconds[label] * 1000:.1f}", f"{ratio:.2f}", f"{against_opencv:.2f}",
                         f"{metrics.psnr(out, image, mask=mask):.2f}", f"{metrics.mae(out, image, mask=mask):.4f}"]
                    )  # fmt: skip
    header = ["size", "mask", "image", "method", "median ms", "time / cv2", "hole PSNR vs cv2 dB",
              "hole PSNR vs original dB", "hole MAE vs original"]  # fmt: skip
    print(markdown_table(header, rows))
    print(
        f"\nradius {radius}: telea variant='opencv' against cv2.inpaint TELEA: worst hole-PSNR "
        f"{worst['psnr']:.2f} dB, worst time ratio {worst['ratio']:.2f}x"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--radius", type=int, default=3)
    args = parser.parse_args()
    run(args.sizes, args.repeat, args.radius)
