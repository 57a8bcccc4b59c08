"""Training throughput of each method's recipe: images per second, on the CPU (and on CUDA).

    python benchmarks/bench_train.py [--methods deepfill2 glcic ...] [--size 128] [--batch 4]
                                     [--steps 3] [--warmup 1] [--threads 2] [--widths paper reduced]
                                     [--devices cpu cuda]

For each method, at each width (``paper``: the recipe's defaults, the papers' networks;
``reduced``: :data:`inpaintkit.train.recipes.REDUCED`, the settings the tests train with),
the recipe is built on the device and ``recipe.train_step`` runs on a fixed batch of random
crops of scikit-image's photos with the method's own training masks: ``--warmup`` steps,
then ``--steps`` timed steps. The table gives the median step's images per second (batch /
wall seconds), and the process CPU seconds per image (on the CPU; on a shared machine the
wall time swings with the load, the CPU time much less). One step is a whole update: the
discriminator's and the generator's, in the phase the recipe is in at step 0 (GLCIC starts
with its completion network alone: ``glcic (joint)`` times its third phase, with both
discriminators). Context Encoder trains at 128x128 only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import markdown_table  # noqa: E402

from inpaintkit import datasets  # noqa: E402
from inpaintkit.train.data import MaskSampler  # noqa: E402
from inpaintkit.train.recipes import REDUCED, recipe_for  # noqa: E402

# label -> (method, overrides at both widths, step at which to time)
CASES = {
    "context-encoder": ("context-encoder", {}, 0),
    "glcic (completion only)": ("glcic", {"completion_steps": 10, "discriminator_steps": 0}, 0),
    "glcic (joint)": ("glcic", {"completion_steps": 0, "discriminator_steps": 0}, 0),
    "deepfill1": ("deepfill1", {}, 0),
    "deepfill2": ("deepfill2", {}, 0),
    "pconv": ("pconv", {}, 0),
    "lama": ("lama", {}, 0),
}


def photo_batch(size: int, batch: int, seed: int = 0) -> torch.Tensor:
    """``batch`` random ``size`` x ``size`` crops of the bundled photos, (N, 3, S, S) on [0, 1]."""
    rng = np.random.default_rng(seed)
    names = datasets.names()
    crops = []
    for index in range(batch):
        photo = datasets.load(names[index % len(names)], size=2 * size)
        if photo.ndim == 2:
            photo = np.repeat(photo[:, :, None], 3, axis=2)
        top, left = rng.integers(0, photo.shape[0] - size + 1), rng.integers(0, photo.shape[1] - size + 1)
        crops.append(photo[top : top + size, left : left + size, :3])
    return torch.from_numpy(np.stack(crops)).permute(0, 3, 1, 2).float() / 255


def throughput(label: str, width: str, size: int, batch: int, steps: int, warmup: int, device: str) -> list[object]:
    method, overrides, first_step = CASES[label]
    settings = {**(REDUCED[method] if width == "reduced" else {}), **overrides, "image_size": size}
    torch.manual_seed(0)
    recipe = recipe_for(method, **settings).build(device)
    sampler = MaskSampler(recipe.mask_family, size, seed=0, **recipe.mask_options)
    images = photo_batch(size, batch).to(device)
    masks = torch.stack([torch.from_numpy(sampler(i).astype(np.float32))[None] for i in range(batch)]).to(device)
    parameters = sum(p.numel() for p in recipe.state_modules()["generator"].parameters())
    walls, cpus = [], []
    for step in range(first_step, first_step + warmup + steps):
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        wall, cpu = time.perf_counter(), time.process_time()
        recipe.train_step(images, masks, step)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        if step >= first_step + warmup:
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    wall = statistics.median(walls)
    cpu_per_image = f"{statistics.median(cpus) / batch:.3f}" if device == "cpu" else "-"
    return [label, width, f"{parameters:,}", device, size, batch, f"{wall:.3f}", f"{batch / wall:.2f}", cpu_per_image]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=list(CASES), choices=list(CASES), metavar="LABEL")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--steps", type=int, default=3, help="timed steps (the median is shown)")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(), help="PyTorch CPU threads")
    parser.add_argument("--widths", nargs="+", default=["paper", "reduced"], choices=["paper", "reduced"])
    parser.add_argument("--devices", nargs="+", default=["cpu", "cuda"], choices=["cpu", "cuda"])
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    devices = [device for device in args.devices if device == "cpu" or torch.cuda.is_available()]
    print(f"torch {torch.__version__}, {args.threads} CPU thread(s), {args.size}x{args.size}, batch {args.batch}, "
          f"median of {args.steps} steps after {args.warmup} warm-up", flush=True)
    rows = []
    for device in devices:
        for label in args.methods:
            for width in args.widths:
                row = throughput(label, width, args.size, args.batch, args.steps, args.warmup, device)
                print("  ".join(str(cell) for cell in row), flush=True)
                rows.append(row)
    header = ["method", "width", "generator parameters", "device", "size", "batch", "median s/step", "images/s"]
    header.append("CPU s/image")
    print(markdown_table(header, rows))


if __name__ == "__main__":
    main()
