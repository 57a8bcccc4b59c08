"""
Train DeepFill v2 on a folder of images, then compare it with Telea and PatchMatch
==================================================================================

No pretrained weights ship with inpaintkit, so this trains DeepFill v2 (Yu et al., ICCV 2019)
at 64x64 on a folder of images (by default, crops of the photos bundled with scikit-image,
written into the output folder), fills the held-out crops with the trained network, with
Telea's fast marching and with PatchMatch, compares the three with the same metrics
(``inpaintkit.comparison.compare``), and plots the learning curve that the run logged in
``metrics.csv``. On a laptop CPU use a reduced width (``--cnum 16``, the default; the paper's
is 48) or a GPU (``--device cuda``). Running it again resumes the run.

Two recipes. ``--recipe short`` (the default) is for runs of thousands of steps rather than
the paper's hundreds of thousands: the L1 loss alone for the first half of the steps, then
the SN-PatchGAN loss at weight 0.1 (mmagic's), Adam at ``--lr`` (2e-3) decaying to 0 along a
cosine. ``--recipe paper`` is the paper's (adversarial from the first step at weight 1, Adam
1e-4, constant): over 3000 steps at 64x64 it fills the holes with coloured blotches and ends
worse than Telea (benchmarks/README.md, "The example's learning curve"). Either way,
``run/run.json`` lists how the run departs from the paper.

    python examples/train_on_folder.py -o train-demo [--data DIR] [--steps 3000] [--size 64]
                                       [--batch 8] [--cnum 16] [--recipe short|paper]
                                       [--lr 2e-3] [--device cpu] [--quick]

Writes ``OUT/run/`` (weights.safetensors, state.pt, metrics.csv, samples/, run.json),
``OUT/heldout/`` (the held-out crops and their masks), ``OUT/comparison/`` (the comparison's
records, tables and figures) and ``OUT/learning_curve.png``.
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np

from inpaintkit import io
from inpaintkit.comparison import compare
from inpaintkit.train import DEFAULT_MASKS, ImageFolder, MaskSampler, bundled_folder, train
from inpaintkit.train.trainer import EVAL_MASK_SEED

METHOD = "deepfill2"


def heldout_cases(data: Path, size: int, count: int, dest: Path) -> tuple[Path, Path]:
    """Write the run's held-out crops and evaluation masks (the ones metrics.csv scores) as PNGs."""
    folder = ImageFolder(data, size=size, split="heldout")
    sampler = MaskSampler(DEFAULT_MASKS[METHOD], size, seed=EVAL_MASK_SEED)
    images, masks = dest / "images", dest / "masks"
    for index in range(min(count, len(folder))):
        crop = np.rint(folder[index].permute(1, 2, 0).numpy() * 255).astype(np.uint8)
        io.write_image(images / f"heldout_{index:03d}.png", crop)
        io.write_image(masks / f"heldout_{index:03d}.png", sampler(index))
    return images, masks


def learning_curve(metrics_csv: Path, levels: dict[str, float], path: Path) -> Path:
    """Held-out hole-MAE and PSNR against the step, with the classical methods' hole-MAE as lines."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open(metrics_csv, newline="") as handle:
        rows = list(csv.DictReader(handle))
    steps = [int(row["step"]) for row in rows]
    figure, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4), dpi=90)
    left.plot(steps, [float(row["heldout_hole_mae"]) for row in rows], "o-", label=f"{METHOD} (held out)")
    for (label, value), style in zip(levels.items(), ("--", ":", "-.")):
        left.axhline(value, linestyle=style, color="grey", label=label)
    left.set(xlabel="step", ylabel="hole MAE (lower is better)", title="hole MAE on the held-out crops")
    left.legend(fontsize=8)
    right.plot(steps, [float(row["heldout_psnr"]) for row in rows], "o-")
    right.set(xlabel="step", ylabel="PSNR (dB)", title="PSNR of the composited result")
    right.ticklabel_format(axis="y", useOffset=False)
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
    return path


def recipe_overrides(args: argparse.Namespace) -> dict:
    """The recipe's settings for ``--recipe``, ``--cnum`` and ``--lr``."""
    # The discriminator's width scales with the generator's (64 for the paper's 48).
    overrides = {"cnum": args.cnum, "discriminator_cnum": 64 * args.cnum // 48}
    if args.recipe == "short":
        overrides.update(lr=2e-3, lr_decay="cosine", gan_weight=0.1, reconstruction_steps=args.steps // 2)
    if args.lr is not None:
        overrides["lr"] = args.lr
    return overrides


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("-o", "--output", default="train-on-folder", help="output folder")
    parser.add_argument("--data", default=None, help="folder of images (default: crops of the bundled photos)")
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--cnum", type=int, default=16, help="generator width (the paper's: 48)")
    parser.add_argument(
        "--recipe",
        choices=("short", "paper"),
        default="short",
        help="short: L1 alone for the first half, GAN weight 0.1, cosine decay (default); paper: the paper's",
    )
    parser.add_argument("--lr", type=float, default=None, help="learning rate (short: 2e-3; paper: 1e-4)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="a few steps at 32x32 (to check that it runs)")
    args = parser.parse_args()
    if args.quick:
        args.steps, args.size, args.batch, args.cnum = 4, 32, 2, 4
    out = Path(args.output)
    count = 64 if args.quick else 256
    data = Path(args.data) if args.data else bundled_folder(out / "data", size=args.size, count=count)
    num_eval = 4 if args.quick else 32
    run = out / "run"
    weights = train(
        METHOD,
        data,
        size=args.size,
        batch=args.batch,
        steps=args.steps,
        out=run,
        device=args.device,
        resume=(run / "state.pt").is_file(),
        recipe_overrides=recipe_overrides(args),
        eval_every=max(args.steps // 30, 1),
        sample_every=max(args.steps // 6, 1),
        checkpoint_every=max(args.steps // 6, 1),
        num_eval=num_eval,
    )

    images, masks = heldout_cases(data, args.size, num_eval, out / "heldout")
    report = compare(
        [(METHOD, {"weights": str(weights)}), "telea", "patchmatch"],
        (images, masks),
        out=out / "comparison",
        repeat=1,
    )
    print(report.to_markdown())
    report.save()
    levels = {row["label"]: row["hole_mae"] for row in report.table(metric="hole_mae") if row["method"] != METHOD}
    print(f"wrote {learning_curve(run / 'metrics.csv', levels, out / 'learning_curve.png')}")


if __name__ == "__main__":
    main()
