"""Biharmonic inpainting against scikit-image's ``inpaint_biharmonic``, same answer, timed.

    python benchmarks/bench_biharmonic.py [--sizes 256 512] [--repeat 5]

For each size and mask (a centred 12% box; a free-form mask of about 25%), runs scikit-image
and ``biharmonic`` on each CPU backend (``numba``: nested-dissection sparse Cholesky;
``numpy``: the reference, scikit-image's construction with a sparse LU per hole region) on
scikit-image's astronaut as float64, through the public API. The calls are interleaved
(one of each per round, after a warm-up) so that load from other processes falls on all of
them alike. Prints the median wall and CPU time, scikit-image's time over ours (wall and
CPU), and the largest absolute difference from scikit-image's result.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np
from skimage import data
from skimage.restoration import inpaint_biharmonic

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import free_form_about, markdown_table  # noqa: E402

import inpaintkit as ik  # noqa: E402
from inpaintkit import masks  # noqa: E402


def _interleaved(contenders, repeat):
    """Median (wall, CPU) seconds of each contender and its last result, one call of each per round."""
    results = {name: call() for name, call in contenders.items()}  # warm-up (numba compiles here)
    wall = {name: [] for name in contenders}
    cpu = {name: [] for name in contenders}
    for _ in range(repeat):
        for name, call in contenders.items():
            wall_start, cpu_start = time.perf_counter(), time.process_time()
            results[name] = call()
            cpu[name].append(time.process_time() - cpu_start)
            wall[name].append(time.perf_counter() - wall_start)
    return {name: (statistics.median(wall[name]), statistics.median(cpu[name]), results[name]) for name in contenders}


def run(sizes, repeat):
    rows = []
    for size in sizes:
        image = cv2.resize(data.astronaut(), (size, size), interpolation=cv2.INTER_AREA).astype(np.float64) / 255
        for mask_name, mask in (
            ("box", masks.box((size, size), ratio=0.12)),
            ("free-form", free_form_about((size, size))),
        ):
            contenders = {
                "skimage": lambda: inpaint_biharmonic(image, mask, channel_axis=-1),
                "biharmonic numba": lambda: ik.inpaint(image, mask, method="biharmonic", backend="numba"),
                "biharmonic numpy": lambda: ik.inpaint(image, mask, method="biharmonic", backend="numpy"),
            }
            timed = _interleaved(contenders, repeat)
            peer_wall, peer_cpu, expected = timed["skimage"]
            for name, (wall, cpu, out) in timed.items():
                rows.append(
                    [
                        size,
                        f"{mask_name} {100 * mask.mean():.0f}% ({int(mask.sum())} px)",
                        name,
                        f"{wall * 1000:.0f}",
                        f"{cpu * 1000:.0f}",
                        "" if name == "skimage" else f"{peer_wall / wall:.2f}",
                        "" if name == "skimage" else f"{peer_cpu / cpu:.2f}",
                        "" if name == "skimage" else f"{np.abs(out - expected).max():.1e}",
                    ]
                )
    header = [
        "size",
        "mask",
        "method",
        "median wall ms",
        "median CPU ms",
        "skimage / ours (wall)",
        "skimage / ours (CPU)",
        "max |ours - skimage|",
    ]
    print(markdown_table(header, rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    run(args.sizes, args.repeat)


if __name__ == "__main__":
    main()
