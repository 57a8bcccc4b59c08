"""Deep networks: parameter counts and time, on the CPU (and on a GPU where PyTorch sees one).

    python benchmarks/bench_deep.py [--methods deepfill2 lama dip ...] [--sizes 256 512] [--steps 5] [--repeat 5]
                                    [--threads 2] [--devices cpu cuda]

Deep Image Prior (the notebook's network, 3,002,627 parameters): the time of one optimisation
step (forward, loss, backward, Adam), measured inside ``Inpainter.create("dip").inpaint`` on
scikit-image's astronaut at each size with a centred 12% box; the steps are timed from the
method's callback, the first one (warm-up) is dropped and the median of the others is shown,
with the time the default ``iterations`` and the notebook's 6001 would take at that rate.
On a shared machine the wall time swings with the load; the process CPU time per step
divided by the threads estimates the wall time of an idle machine.

The feed-forward networks (Context Encoder, GLCIC with and without its post-processing,
DeepFill v1, PConv at 7 and 8 levels, DeepFill v2, LaMa-Fourier and Big LaMa, all at their
released widths) are timed through their adapters, ``Inpainter.create(name, weights=...).inpaint``, on the same
image and mask with ``strategy="full"``: the whole call (conversion, padding, the network,
compositing), median wall and process-CPU time of ``--repeat`` calls after one warm-up. Their weights are random (a
checkpoint written into a temporary folder; the time does not depend on the values).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import torch
from skimage import data

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import markdown_table  # noqa: E402

import inpaintkit as ik  # noqa: E402
from inpaintkit import masks  # noqa: E402
from inpaintkit.deep.checkpoints import save_checkpoint  # noqa: E402
from inpaintkit.deep.context_encoder.network import ContextEncoderGenerator  # noqa: E402
from inpaintkit.deep.deepfill1.network import DeepFillV1Generator  # noqa: E402
from inpaintkit.deep.deepfill2 import DeepFillV2Generator  # noqa: E402
from inpaintkit.deep.dip import DeepImagePrior, SkipNetwork  # noqa: E402
from inpaintkit.deep.glcic.network import CompletionNetwork  # noqa: E402
from inpaintkit.deep.lama import FFCResNetGenerator  # noqa: E402
from inpaintkit.deep.pconv.network import PConvUNet  # noqa: E402

NOTEBOOK_ITERATIONS = 6001

# (label, method, network class, config, adapter parameters): the released configurations
FEED_FORWARD = [
    ("context-encoder (4000-channel code)", "context-encoder", ContextEncoderGenerator, {}, {}),
    ("glcic (no post-processing)", "glcic", CompletionNetwork, {}, {"postprocess": False}),
    ("glcic + telea + Poisson blend", "glcic", CompletionNetwork, {}, {"postprocess": True}),
    ("deepfill1 (cnum 32)", "deepfill1", DeepFillV1Generator, {}, {}),
    ("pconv (7 levels)", "pconv", PConvUNet, {"layers": 7}, {}),
    ("pconv (8 levels)", "pconv", PConvUNet, {"layers": 8}, {}),
    ("deepfill2 (cnum 48)", "deepfill2", DeepFillV2Generator, {}, {}),
    ("lama-fourier (9 blocks)", "lama", FFCResNetGenerator, {"n_blocks": 9}, {}),
    ("big-lama (18 blocks)", "lama", FFCResNetGenerator, {"n_blocks": 18}, {}),
]
FEED_FORWARD_METHODS = list(dict.fromkeys(entry[1] for entry in FEED_FORWARD))


def dip_seconds_per_step(size: int, steps: int, device: str, threads: int) -> tuple[float, float]:
    """Median wall and process-CPU seconds of one DIP optimisation step at ``size`` x ``size``
    (the first step, a warm-up, dropped)."""
    image = cv2.resize(data.astronaut(), (size, size), interpolation=cv2.INTER_AREA)
    stamps: list[tuple[float, float]] = []

    def callback(step: int, state: object) -> None:
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        stamps.append((time.perf_counter(), time.process_time()))

    dip = DeepImagePrior(iterations=steps + 1, device=device, n_threads=threads, callback=callback)
    dip.inpaint(image, masks.box((size, size), ratio=0.12))
    wall = statistics.median(b[0] - a[0] for a, b in zip(stamps, stamps[1:]))
    cpu = statistics.median(b[1] - a[1] for a, b in zip(stamps, stamps[1:]))
    return wall, cpu


def feed_forward_rows(
    methods: list[str], sizes: list[int], repeat: int, threads: int, devices: list[str]
) -> list[list[str]]:
    """One row per (network, device, size): median seconds per ``inpaint`` call."""
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for label, method, network_class, config, params in FEED_FORWARD:
            if method not in methods:
                continue
            network = network_class(**config)
            parameters = sum(p.numel() for p in network.parameters())
            weights = save_checkpoint(Path(folder) / f"{method}.safetensors", network, method=method, config=config)
            del network
            for device in devices:
                inpainter = ik.Inpainter.create(
                    method, weights=weights, device=device, strategy="full", n_threads=threads, **params
                )
                for size in sizes:
                    image = cv2.resize(data.astronaut(), (size, size), interpolation=cv2.INTER_AREA)
                    mask = masks.box((size, size), ratio=0.12)

                    inpainter.inpaint(image, mask)  # warm-up
                    walls, cpus = [], []
                    for _ in range(repeat):
                        wall, cpu = time.perf_counter(), time.process_time()
                        inpainter.inpaint(image, mask)
                        if device.startswith("cuda"):
                            torch.cuda.synchronize()
                        walls.append(time.perf_counter() - wall)
                        cpus.append(time.process_time() - cpu)
                    rows.append([
                        label,
                        f"{parameters:,}",
                        device + (f", {threads} threads" if device == "cpu" else ""),
                        f"{size}x{size}",
                        f"{statistics.median(walls):.3f}",
                        f"{statistics.median(cpus):.2f}" if device == "cpu" else "-",
                    ])
                    print(f"# {rows[-1]}", flush=True)
    return rows


def run(methods: list[str], sizes: list[int], steps: int, threads: int, devices: list[str], repeat: int) -> None:
    if set(FEED_FORWARD_METHODS) & set(methods):
        rows = feed_forward_rows(methods, sizes, repeat, threads, devices)
        print(markdown_table(
            ["network", "parameters", "device", "size", "s / inpaint (median)", "CPU s / inpaint"], rows
        ))
    if "dip" not in methods:
        return
    default_iterations = DeepImagePrior().iterations
    parameters = sum(p.numel() for p in SkipNetwork().parameters())
    rows = []
    for device in devices:
        for size in sizes:
            wall, cpu = dip_seconds_per_step(size, steps, device, threads)
            rows.append([
                "dip (skip, notebook)",
                f"{parameters:,}",
                device + (f", {threads} threads" if device == "cpu" else ""),
                f"{size}x{size}",
                f"{wall:.3f}",
                f"{cpu:.2f}" if device == "cpu" else "-",
                f"{default_iterations * wall / 60:.1f} min",
                f"{NOTEBOOK_ITERATIONS * wall / 60:.0f} min",
            ])
            print(f"# {rows[-1]}", flush=True)
    print(markdown_table(
        ["network", "parameters", "device", "size", "s / step (median)", "CPU s / step",
         f"default ({default_iterations} it.)", f"notebook ({NOTEBOOK_ITERATIONS} it.)"],
        rows,
    ))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--methods", nargs="+", choices=[*FEED_FORWARD_METHODS, "dip"], default=[*FEED_FORWARD_METHODS, "dip"]
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--steps", type=int, default=5, help="timed optimisation steps per size (after one warm-up)")
    parser.add_argument("--repeat", type=int, default=5, help="timed inpaint calls per feed-forward network and size")
    parser.add_argument("--threads", type=int, default=2, help="PyTorch CPU threads")
    parser.add_argument("--devices", nargs="+", default=["cpu"] + (["cuda"] if torch.cuda.is_available() else []))
    args = parser.parse_args()
    print(f"inpaintkit {ik.__version__}, torch {torch.__version__}", flush=True)
    run(args.methods, args.sizes, args.steps, args.threads, args.devices, args.repeat)


if __name__ == "__main__":
    main()
