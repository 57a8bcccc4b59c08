"""PatchMatch: the nearest-neighbour field and the completion against the C++ PyPI peer.

    python benchmarks/bench_patchmatch.py [--sizes 256 512] [--photos astronaut coffee chelsea]
                                          [--repeat 1] [--peer-site DIR] [--threads N] [--gpu]

1. The field (``inpaintkit.classical.patchmatch.nnf``, numba backend) of a 512x512 pair of
   photos, 5 iterations, 7x7 patches: median time on 1 thread and on all threads, and its
   speed in candidate patches per second of wall time and per CPU second (every candidate
   counted, also those cut short by early termination) beside the arithmetic limit of the
   machine's cores. On a shared machine the CPU figures are the ones to compare.
2. The completion (``patchmatch`` inpainter, default settings) on bundled photos at each size
   with a centred 12% box and a ~25% free-form mask (DeepFill v2 strokes), against the PyPI
   package ``pypatchmatch`` (C++; import name ``patchmatch``) at its default ``patch_size=15``
   (31x31 patches) and at ``patch_size=3`` (7x7 patches, like ours), with ``cv2.inpaint``
   (Telea) as the quality floor: median wall time, time ratios and hole-MAE.

pypatchmatch is never a dependency of inpaintkit. Install it in a scratch environment and
point ``--peer-site`` at that environment's site-packages; only its ``patchmatch`` package is
loaded from there (it needs NumPy and Pillow, which this environment has)::

    python -m venv /tmp/peer-venv && /tmp/peer-venv/bin/pip install pypatchmatch
    python benchmarks/bench_patchmatch.py --peer-site /tmp/peer-venv/lib/python3.11/site-packages

``--gpu`` adds the ``cupy`` backend where a GPU is present: a 2048x2048 completion and the
field of a 4096x4096 pair. Wall times on a shared machine are noisy; CPU times are printed
beside them.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import sys
import time
from pathlib import Path

import cv2
import numba
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import markdown_table, median_time  # noqa: E402

import inpaintkit as ik  # noqa: E402
from inpaintkit import datasets, masks, metrics  # noqa: E402
from inpaintkit.classical.patchmatch import nnf  # noqa: E402


def load_peer(site: str | None):
    """The ``patchmatch`` module of pypatchmatch, from ``site`` or this environment; None if absent."""
    if site is not None:
        init = Path(site) / "patchmatch" / "__init__.py"
        spec = importlib.util.spec_from_file_location("patchmatch", init, submodule_search_locations=[str(init.parent)])
        module = importlib.util.module_from_spec(spec)
        sys.modules["patchmatch"] = module
        spec.loader.exec_module(module)
        return module
    try:
        import patchmatch
    except ImportError:
        return None
    return patchmatch


def free_form_quarter(shape):
    """The first DeepFill v2 free-form mask (seed 0, 1, ...) covering 22-28% of the image."""
    for seed in range(100):
        mask = masks.free_form(shape, seed=seed)
        if 0.22 <= masks.hole_ratio(mask) <= 0.28:
            return mask
    raise RuntimeError("no free-form mask of about 25% in 100 seeds")


def cpu_peak_flops(cores):
    """(FLOP/s, description): cores x clock x double-precision FLOP per cycle from /proc/cpuinfo."""
    try:
        info = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None, "unknown CPU"
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), "?")
    mhz = max(float(line.split(":", 1)[1]) for line in info.splitlines() if line.startswith("cpu MHz"))
    flags = next((line for line in info.splitlines() if line.startswith("flags")), "")
    per_cycle = 32 if " avx512f" in flags else 16 if " fma" in flags else 4
    return cores * mhz * 1e6 * per_cycle, f"{model}, {cores} cores x {mhz:.0f} MHz x {per_cycle} FLOP/cycle (FMA = 2)"


def bench_field(repeat):
    size, patch, iterations = 512, 7, 5
    source = datasets.load("astronaut", size=size).astype(np.float64) / 255
    target = datasets.load("coffee", size=size).astype(np.float64) / 255
    nnf(source[:32, :32], target[:32, :32], patch, 1)  # compile
    grid = size - patch + 1
    draws = math.floor(math.log2(grid)) + 1
    candidates = grid * grid * (1 + iterations * (2 + draws))
    cores = numba.config.NUMBA_NUM_THREADS
    rows = []
    for threads in sorted({1, cores}):
        numba.set_num_threads(threads)
        cpu = time.process_time()
        seconds, result = median_time(lambda: nnf(source, target, patch, iterations), repeat=repeat)
        cpu = (time.process_time() - cpu) / (repeat + 1)
        rows.append([
            threads, f"{seconds:.3f}", f"{cpu:.3f}", f"{candidates / seconds / 1e6:.1f}",
            f"{candidates / cpu / 1e6:.1f}", f"{result.distance.mean():.4f}",
        ])
    numba.set_num_threads(cores)
    print(f"## Field: {size}x{size} pair (astronaut -> coffee), {iterations} iterations, {patch}x{patch} patches\n")
    header = ["threads", "median s", "CPU s per run", "M candidates/s (wall)", "M candidates per CPU s", "mean SSD"]
    print(markdown_table(header, rows))
    peak, described = cpu_peak_flops(cores)
    flops = 3 * patch * patch * 3  # subtract, multiply, add per element
    if peak:
        print(f"\n{candidates / 1e6:.1f} M candidates per field (every candidate counted: those cut short by "
              f"early termination and those skipped as equal to the current match too). Arithmetic limit "
              f"({described}): {peak / flops / 1e6:.0f} M full {patch}x{patch}x3 comparisons/s ({flops} FLOP "
              f"each), {peak / cores / flops / 1e6:.0f} M per core.\n")


def bench_completion(sizes, photos, repeat, peer):
    rows = []
    inpainter = ik.Inpainter.create("patchmatch")
    inpainter.inpaint(datasets.load("astronaut", size=64), masks.box((64, 64), ratio=0.12))  # compile
    for size in sizes:
        for photo in photos:
            image = datasets.load(photo, size=size)
            holes = (("box 12%", masks.box((size, size), ratio=0.12)), ("free-form", free_form_quarter((size, size))))
            for mask_name, mask in holes:
                cpu = time.process_time()
                ours_s, ours = median_time(lambda: inpainter.inpaint(image, mask), repeat=repeat, warmup=0)
                ours_cpu = (time.process_time() - cpu) / repeat
                telea = cv2.inpaint(image, mask.astype(np.uint8), 3, cv2.INPAINT_TELEA)
                row = [size, photo, f"{mask_name} ({masks.hole_ratio(mask):.0%})", f"{ours_s:.2f} ({ours_cpu:.2f})",
                       f"{metrics.mae(ours, image, mask=mask):.4f}"]
                for patch_size in (15, 3):
                    if peer is None:
                        row += ["-", "-", "-"]
                        continue

                    def run_peer(patch_size=patch_size):
                        peer.set_random_seed(0)
                        return peer.inpaint(image, mask, patch_size=patch_size)

                    cpu = time.process_time()
                    peer_s, peer_out = median_time(run_peer, repeat=repeat, warmup=0)
                    peer_cpu = (time.process_time() - cpu) / repeat
                    peer_mae = metrics.mae(peer_out, image, mask=mask)
                    row += [f"{peer_s:.2f} ({peer_cpu:.2f})", f"{ours_s / peer_s:.2f}", f"{peer_mae:.4f}"]
                row.append(f"{metrics.mae(telea, image, mask=mask):.4f}")
                rows.append(row)
                print("  ", " | ".join(map(str, row)), flush=True)
    print("\n## Completion: patchmatch (numba, defaults) vs pypatchmatch vs cv2 Telea\n")
    header = ["size", "photo", "mask", "ours s (CPU s)", "ours MAE",
              "pm15 s (CPU s)", "ours/pm15", "pm15 MAE", "pm3 s (CPU s)", "ours/pm3", "pm3 MAE", "Telea MAE"]
    print(markdown_table(header, rows))
    columns = {"ours": 4, "pm15": 7, "pm3": 10, "Telea": 11}
    for size in sizes:
        chosen = [r for r in rows if r[0] == size]
        means = {name: np.mean([float(r[i]) for r in chosen]) for name, i in columns.items() if chosen[0][i] != "-"}
        ratios = {
            name: np.median([float(r[i]) for r in chosen])
            for name, i in (("ours/pm15", 6), ("ours/pm3", 9))
            if chosen[0][i] != "-"
        }
        print(f"\n{size}: mean hole-MAE " + ", ".join(f"{k} {v:.4f}" for k, v in means.items())
              + ("; median time ratio " + ", ".join(f"{k} {v:.2f}" for k, v in ratios.items()) if ratios else ""))


def bench_gpu(repeat):
    if not ik.backends.is_available("cupy"):
        print("\n(no GPU: --gpu skipped)")
        return
    import cupy

    image = cv2.resize(datasets.load("astronaut", size=512), (2048, 2048), interpolation=cv2.INTER_CUBIC)
    mask = masks.box((2048, 2048), ratio=0.12)
    inpainter = ik.Inpainter.create("patchmatch", backend="cupy")
    gpu_image, gpu_mask = cupy.asarray(image), cupy.asarray(mask)
    inpainter.inpaint(gpu_image[:256, :256], cupy.asarray(masks.box((256, 256), ratio=0.12)))  # compile

    def complete():
        out = inpainter.inpaint(gpu_image, gpu_mask)
        cupy.cuda.Device().synchronize()
        return out

    seconds, out = median_time(complete, repeat=repeat)
    error = metrics.mae(out.get(), image, mask=mask)
    print(f"\nGPU completion 2048x2048 (box 12%): {seconds:.3f} s, hole-MAE {error:.4f}")
    big = cupy.asarray(cv2.resize(datasets.load("coffee", size=512), (4096, 4096)).astype(np.float64) / 255)

    def field():
        result = nnf(big, big[::-1], 7, 5)
        cupy.cuda.Device().synchronize()
        return result

    seconds, _ = median_time(field, repeat=repeat)
    print(f"GPU field 4096x4096, 5 iterations, 7x7: {seconds:.3f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--photos", nargs="+", default=["astronaut", "coffee", "chelsea"])
    parser.add_argument("--repeat", type=int, default=1, help="timed runs per case (median)")
    parser.add_argument("--field-repeat", type=int, default=3)
    parser.add_argument("--peer-site", help="site-packages holding pypatchmatch's 'patchmatch' package")
    parser.add_argument("--threads", type=int, help="numba threads for our completion (default: all)")
    parser.add_argument("--gpu", action="store_true")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, numba {numba.__version__}, {numba.config.NUMBA_NUM_THREADS} threads\n")
    bench_field(args.field_repeat)
    if args.threads:
        numba.set_num_threads(args.threads)
    peer = load_peer(args.peer_site)
    if peer is None:
        print("pypatchmatch not found: pass --peer-site (see the module docstring); peer columns stay empty\n")
    bench_completion(args.sizes, args.photos, args.repeat, peer)
    if args.gpu:
        bench_gpu(args.repeat)


if __name__ == "__main__":
    main()
