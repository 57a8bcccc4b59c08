"""The ``inpaintkit train`` command (added to the CLI by :func:`add_command`).

    inpaintkit train METHOD --data DIR --steps N --out RUN_DIR [--size 256] [--batch 8]
                     [--device cuda] [--resume] [--seed 0] [--set key=value ...]
                     [--eval-every 500] [--sample-every 1000] [--checkpoint-every 1000]
                     [--num-eval 32] [--no-progress] [--nondeterministic]

Several GPUs: ``torchrun --nproc_per_node=K -m inpaintkit.cli train METHOD ... --device cuda``.
This module imports neither torch nor the training code until the command runs, so the rest
of the CLI stays light.
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Sequence
from typing import Any

from ..errors import InvalidParameterError

__all__ = ["add_command", "parse_overrides"]

# The keys of inpaintkit.train.recipes.RECIPES, written out so that the CLI needs no torch to list them.
METHODS = ("context-encoder", "glcic", "deepfill1", "deepfill2", "pconv", "lama")


def parse_overrides(pairs: Sequence[str]) -> dict[str, Any]:
    """Turn ``["key=value", ...]`` into recipe overrides.

    A value is read as a Python literal (``16``, ``1e-4``, ``(0.5, 0.999)``, ``None``),
    ``true``/``false`` as booleans, and anything else as a string (``hinge``); the recipe
    checks each value's type and range.
    """
    overrides: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key, text = key.strip().replace("-", "_"), text.strip()
        if not sep or not key.isidentifier():
            raise InvalidParameterError(f"--set {pair!r}: expected key=value, e.g. --set cnum=16")
        if text.lower() in ("true", "false"):
            overrides[key] = text.lower() == "true"
            continue
        try:
            overrides[key] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            overrides[key] = text
    return overrides


def _run(args: argparse.Namespace) -> int:
    from . import train

    weights = train(
        args.method,
        args.data,
        size=args.size,
        batch=args.batch,
        steps=args.steps,
        out=args.out,
        device=args.device,
        seed=args.seed,
        resume=args.resume,
        recipe_overrides=parse_overrides(args.set),
        sample_every=args.sample_every,
        eval_every=args.eval_every,
        checkpoint_every=args.checkpoint_every,
        num_eval=args.num_eval,
        progress=not args.no_progress,
        deterministic=not args.nondeterministic,
    )
    print(f"wrote {weights}; use it with Inpainter.create({args.method!r}, weights={str(weights)!r})")
    return 0


def add_command(commands: Any) -> argparse.ArgumentParser:
    """Add the ``train`` command to ``commands`` (the result of ``parser.add_subparsers()``).

    The command's function is stored as ``run`` in the parsed namespace.
    """
    train = commands.add_parser(
        "train",
        help="train a deep method on a folder of images with its paper's recipe",
        description="Train a deep method on a folder of images; RUN_DIR gets weights.safetensors "
        "(for Inpainter.create(METHOD, weights=...)), state.pt, metrics.csv, samples/ and run.json.",
    )
    train.add_argument("method", choices=METHODS, help="the method to train")
    train.add_argument("--data", required=True, help="folder of images (searched recursively; about 1 in 10 held out)")
    train.add_argument("--steps", type=int, required=True, help="training steps to reach")
    train.add_argument("--out", required=True, help="run folder")
    train.add_argument("--size", type=int, default=256, help="side of the square training crops (default 256)")
    train.add_argument("--batch", type=int, default=8, help="images per step and per process (default 8)")
    train.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    train.add_argument("--resume", action="store_true", help="continue the run in --out from its state.pt")
    train.add_argument("--seed", type=int, default=0, help="seed of the initialisation, images and masks (default 0)")
    train.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="a recipe setting, e.g. cnum=16 (repeatable)"
    )
    train.add_argument("--eval-every", type=int, default=500, help="steps between held-out evaluations (default 500)")
    train.add_argument("--sample-every", type=int, default=1000, help="steps between sample grids (default 1000)")
    train.add_argument("--checkpoint-every", type=int, default=1000, help="steps between checkpoints (default 1000)")
    train.add_argument("--num-eval", type=int, default=32, help="held-out images evaluated (default 32)")
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    train.add_argument("--nondeterministic", action="store_true", help="allow non-deterministic (faster) kernels")
    train.set_defaults(run=_run)
    return train
