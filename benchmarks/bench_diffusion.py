"""Every diffusion method, on every backend this machine has, against OpenCV and scikit-image.

    python benchmarks/bench_diffusion.py [--sizes 256 512] [--repeat 3] [--images astronaut camera]

For each bundled image, size and mask (a centred 12% box; a free-form mask of about 25%),
times each registered method of the ``diffusion`` family on each available backend, and
the peers ``cv2.inpaint`` (Telea and Navier-Stokes, radius 3) and
``skimage.restoration.inpaint_biharmonic`` in the same run, and prints median times, the
ratio to OpenCV's Telea, and hole PSNR and hole-MAE against the original image. A call
that takes over 2 s is timed once (after its warm-up call), not ``--repeat`` times.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from skimage.restoration import inpaint_biharmonic

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import free_form_about, markdown_table, median_time  # noqa: E402

import inpaintkit as ik  # noqa: E402
from inpaintkit import datasets, masks, metrics  # noqa: E402


def contenders(image: np.ndarray, mask: np.ndarray) -> dict:
    mask_u8 = mask.astype(np.uint8)
    calls = {
        "cv2 telea": lambda: cv2.inpaint(image, mask_u8, 3, cv2.INPAINT_TELEA),
        "cv2 ns": lambda: cv2.inpaint(image, mask_u8, 3, cv2.INPAINT_NS),
        "skimage biharmonic": lambda: inpaint_biharmonic(image, mask, channel_axis=-1 if image.ndim == 3 else None),
    }
    for method in ik.list_inpainters(family="diffusion"):
        for backend in ik.inpainter_info(method).backends:
            if ik.backends.is_available(backend):
                inpainter = ik.Inpainter.create(method, backend=backend)
                calls[f"{method} {backend}"] = lambda inpainter=inpainter: inpainter.inpaint(image, mask)
    return calls


def time_call(call, repeat: int) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    call()  # warm-up (compiles numba kernels)
    single, out = median_time(call, repeat=1, warmup=0)
    if single > 2.0 or repeat == 1:
        return single, out
    return median_time(call, repeat=repeat - 1, warmup=0) if time.perf_counter() - start < 60 else (single, out)


def run(images: list[str], sizes: list[int], repeat: int) -> None:
    rows = []
    for name in images:
        for size in sizes:
            image = datasets.load(name, size=size)
            shape = image.shape[:2]
            for mask_name, mask in (("box", masks.box(shape, ratio=0.12)), ("free-form", free_form_about(shape))):
                results = {}
                for label, call in contenders(image, mask).items():
                    seconds, out = time_call(call, repeat)
                    if out.dtype != np.uint8:
                        out = np.clip(np.rint(out * 255), 0, 255).astype(np.uint8)
                    out = np.where(mask[..., None] if image.ndim == 3 else mask, out, image)
                    results[label] = (seconds, out)
                reference = results["cv2 telea"][0]
                for label, (seconds, out) in results.items():
                    rows.append([
                        name, size, f"{mask_name} {100 * mask.mean():.0f}%", label, f"{1000 * seconds:.1f}",
                        f"{seconds / reference:.2f}", f"{metrics.psnr(out, image, mask=mask):.2f}",
                        f"{metrics.mae(out, image, mask=mask):.4f}",
                    ])
                print(f"done: {name} {size} {mask_name}", file=sys.stderr)
    print(markdown_table(["image", "size", "mask", "method", "median ms", "x cv2 telea", "hole PSNR dB", "hole MAE"], rows))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--images", nargs="+", default=["astronaut", "camera"])
    args = parser.parse_args()
    run(args.images, args.sizes, args.repeat)
