"""Criminisi inpainting: ours (numba, numpy reference, GPU) against the PyPI package a user finds.

    python benchmarks/bench_exemplar.py [--sizes 256 512] [--repeat 3] [--peer-python PATH]
                                        [--threads 1] [--numpy-up-to 128] [--gpu-sizes 512 1024]
                                        [--no-lab]

For each size, image (astronaut, chelsea, coffee) and mask (a centred 12% box; a free-form
mask of about 25%), times ``criminisi`` (patch 9, whole-image search) on the numba backend
and prints the median time and hole-MAE beside those of the peer, ``exemplar-based-
inpainting`` (Criminisi et al. 2004 with OpenCV's masked template matching), run in the same
session through ``--peer-python``: the interpreter of a separate environment where it is
installed (it pulls the GUI build of OpenCV, which must not meet the headless build, and it
breaks on OpenCV 5, so pin ``opencv-python<5`` there)::

    python -m venv /tmp/peer && /tmp/peer/bin/pip install exemplar-based-inpainting "opencv-python<5"

The peer gets what its API asks for: BGR uint8 and an integer 0/255 mask. Its output is
read back and scored with ours. ``--numpy-up-to`` also times the numpy reference at sizes up
to that (it is the slow, readable oracle); ``--gpu-sizes`` times the ``cupy`` backend (the
exemplar search as a ``numba.cuda`` kernel) where a GPU is present. Mean-colour fill's
hole-MAE is printed as the floor to beat. ``--no-lab`` runs ours with ``lab=False`` (colours
compared on their RGB values instead of the paper's CIE Lab). Times are wall-clock medians; CPU times (one run
each) are printed too, because on a shared machine wall time is noisy: compare the CPU
times with ``--threads 1`` (the peer runs on one core), the wall times on an idle machine.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numba
import numpy as np
from skimage import data

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import markdown_table, median_time  # noqa: E402
from bench_spine import free_form_about  # noqa: E402

import inpaintkit as ik  # noqa: E402
from inpaintkit import masks, metrics  # noqa: E402

PEER_SCRIPT = """
import json, sys, time
import numpy as np
from exemplar_based_inpainting.inpainter import Inpainter
image = np.load(sys.argv[1]); mask = np.load(sys.argv[2])
start, cpu = time.perf_counter(), time.process_time()
out = Inpainter(patch_size=9, show_progress_bar=False).inpaint(image[..., ::-1].copy(), mask.astype(np.uint8) * 255)
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
np.save(sys.argv[3], np.ascontiguousarray(out[..., ::-1]))
print(json.dumps({"seconds": seconds, "cpu": cpu}))
"""


def images(size):
    crops = {
        "astronaut": data.astronaut(),
        "chelsea": data.chelsea()[:, 75:375],
        "coffee": data.coffee()[:, 100:500],
    }
    return {name: cv2.resize(crop, (size, size), interpolation=cv2.INTER_AREA) for name, crop in crops.items()}


def mean_fill_mae(image, mask):
    filled = image.astype(np.float64).copy()
    filled[mask] = image[~mask].astype(np.float64).mean(axis=0)
    return metrics.mae(np.clip(np.rint(filled), 0, 255).astype(np.uint8), image, mask=mask)


def run_peer(peer_python, image, mask, repeat):
    """Median wall and CPU seconds of the peer, each run a fresh process timing itself; its output."""
    with tempfile.TemporaryDirectory() as folder:
        paths = [str(Path(folder) / name) for name in ("image.npy", "mask.npy", "out.npy")]
        np.save(paths[0], image)
        np.save(paths[1], mask)
        runs = []
        for _ in range(repeat):
            done = subprocess.run([peer_python, "-c", PEER_SCRIPT, *paths], capture_output=True, text=True, check=True)
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        wall = float(np.median([run["seconds"] for run in runs]))
        return wall, float(np.median([run["cpu"] for run in runs])), np.load(paths[2])


def cpu_seconds(function):
    start = time.process_time()
    function()
    return time.process_time() - start


def compare(size, image_name, image, mask_name, mask, repeat, peer_python, numpy_up_to, lab):
    """One row: ours (numba; numpy reference if small enough) and the peer on one case."""
    ours = ik.Inpainter.create("criminisi", backend="numba", lab=lab)
    seconds, filled = median_time(lambda: ours.inpaint(image, mask), repeat=repeat)
    cpu = cpu_seconds(lambda: ours.inpaint(image, mask))
    row = [size, image_name, f"{mask_name} {masks.hole_ratio(mask):.0%}", f"{seconds:.2f}", f"{cpu:.2f}",
           f"{metrics.mae(filled, image, mask=mask):.4f}", f"{mean_fill_mae(image, mask):.4f}"]
    if size <= numpy_up_to:
        reference = ik.Inpainter.create("criminisi", backend="numpy", lab=lab)
        ref_seconds, ref_filled = median_time(lambda: reference.inpaint(image, mask), repeat=1, warmup=0)
        assert np.array_equal(ref_filled, filled), "numba and the numpy reference disagree"
        row.append(f"{ref_seconds:.1f} ({ref_seconds / seconds:.0f}x)")
    else:
        row.append("-")
    if peer_python:
        peer_seconds, peer_cpu, peer_filled = run_peer(peer_python, image, mask, repeat)
        row += [f"{peer_seconds:.1f}", f"{peer_cpu:.1f}", f"{peer_seconds / seconds:.1f}x", f"{peer_cpu / cpu:.1f}x",
                f"{metrics.mae(peer_filled, image, mask=mask):.4f}"]
    return row


def time_gpu(sizes):
    """The cupy backend (exemplar search as a numba.cuda kernel) against numba, same output."""
    if not ik.backends.is_available("cupy"):
        print("\nno GPU here: skipping --gpu-sizes")
        return
    ours = ik.Inpainter.create("criminisi", backend="numba")
    gpu = ik.Inpainter.create("criminisi", backend="cupy")
    rows = []
    for size in sizes:
        image = images(size)["astronaut"]
        mask = masks.box((size, size), ratio=0.12)
        numba_seconds, numba_filled = median_time(lambda: ours.inpaint(image, mask), repeat=1)
        gpu_seconds, gpu_filled = median_time(lambda: gpu.inpaint(image, mask), repeat=1)
        same = bool(np.array_equal(numba_filled, gpu_filled))
        rows.append([size, f"{numba_seconds:.2f}", f"{gpu_seconds:.2f}", f"{numba_seconds / gpu_seconds:.1f}x", same])
    print()
    print(markdown_table(["size", "numba s", "cupy s", "numba / cupy", "same output"], rows))


def run(sizes, repeat, peer_python, numpy_up_to, lab):
    rows = []
    for size in sizes:
        for image_name, image in images(size).items():
            holes = {"box": masks.box((size, size), ratio=0.12), "free-form": free_form_about((size, size))}
            for mask_name, mask in holes.items():
                rows.append(compare(size, image_name, image, mask_name, mask, repeat, peer_python, numpy_up_to, lab))
                print(" | ".join(map(str, rows[-1])), flush=True)
    header = ["size", "image", "mask", "ours s", "ours cpu s", "ours hole-MAE", "mean-fill hole-MAE",
              "numpy s (x numba)"]
    if peer_python:
        header += ["peer s", "peer cpu s", "peer/ours wall", "peer/ours cpu", "peer hole-MAE"]
    print()
    print(markdown_table(header, rows))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--peer-python", default=None, help="python of an environment with exemplar-based-inpainting")
    parser.add_argument("--numpy-up-to", type=int, default=0, help="also time the numpy reference up to this size")
    parser.add_argument("--gpu-sizes", type=int, nargs="*", default=[])
    parser.add_argument("--threads", type=int, default=None, help="numba threads (default: numba's)")
    parser.add_argument("--no-lab", action="store_true", help="ours compares RGB values (lab=False)")
    args = parser.parse_args()
    if args.threads is not None:
        numba.set_num_threads(args.threads)
    print(f"numba threads: {numba.get_num_threads()}, lab={not args.no_lab}")
    run(args.sizes, args.repeat, args.peer_python, args.numpy_up_to, not args.no_lab)
    if args.gpu_sizes:
        time_gpu(args.gpu_sizes)


if __name__ == "__main__":
    main()
