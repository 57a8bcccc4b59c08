"""The ``inpaintkit compare`` command.

    inpaintkit compare -m telea,criminisi,patchmatch --suite small -o report/
    inpaintkit compare -m all --images photos/ --masks masks/ -o report/ --timeout 600 --workers 2
    inpaintkit compare -m lama,patchmatch --weights lama=big-lama.safetensors --param patchmatch:patch_size=9 -o report/

It shows a progress bar over the tasks, prints the summary table, and writes the report
(tables, figures, index.html) into the output folder, next to the run's records. Running
the same command again resumes an interrupted run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .. import api, backends, datasets
from ..errors import InpaintkitError, InvalidParameterError
from ._run import METRICS

__all__ = ["add_command", "run"]


def add_command(commands: Any) -> argparse.ArgumentParser:
    """Add the ``compare`` command to an argparse subparsers object and return its parser."""
    parser = commands.add_parser(
        "compare",
        help="compare methods on a benchmark suite; write tables, figures and an HTML page",
        description="Run methods on the same images and masks, measure time and quality, and write a report. "
        "Running again into the same folder resumes, skipping finished (case, method) pairs.",
    )
    parser.add_argument(
        "-m",
        "--methods",
        required=True,
        help="comma-separated method names, or 'all': every method that can run here "
        "(methods that need weights are skipped unless given --weights)",
    )
    parser.add_argument(
        "--suite", choices=datasets.SUITES, default=None, help="a bundled suite (default: small, unless --images)"
    )
    parser.add_argument("--images", default=None, metavar="DIR", help="a folder of images (with --masks)")
    parser.add_argument("--masks", default=None, metavar="DIR", help="masks named like the images (white = fill)")
    parser.add_argument("-o", "--out", required=True, help="the run and report folder")
    parser.add_argument("--repeat", type=int, default=3, help="timed calls per case (default 3; median kept)")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per case and method (default: none)")
    parser.add_argument("--workers", type=int, default=None, help="local worker processes (default: this process)")
    parser.add_argument("--scheduler", default=None, help="a Dask scheduler address, e.g. tcp://host:8786")
    parser.add_argument(
        "--metrics", default=None, help=f"comma-separated subset of {','.join(METRICS)} (default: all)"
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="METHOD:KEY=VALUE",
        help="a method parameter, e.g. patchmatch:patch_size=9 (repeatable)",
    )
    parser.add_argument(
        "--weights",
        action="append",
        default=[],
        metavar="METHOD=PATH",
        help="weights file of a deep method (repeatable)",
    )
    parser.add_argument("--retry-failed", action="store_true", help="when resuming, rerun errors and timeouts")
    parser.add_argument(
        "--figure-metric", default="hole_mae", choices=METRICS, help="the metric the figures show (default hole_mae)"
    )
    parser.set_defaults(run=run)
    return parser


def _can_run(name: str) -> bool:
    return any(backends.is_available(backend) for backend in api.inpainter_info(name).backends)


def _method_list(text: str, weights: dict[str, str]) -> list[str]:
    if text.strip() == "all":
        chosen, skipped = [], []
        for name in api.list_inpainters():
            if not _can_run(name):
                continue
            if api.inpainter_info(name).needs_weights and name not in weights:
                skipped.append(name)
            else:
                chosen.append(name)
        if skipped:
            print(
                f"note: skipping {', '.join(skipped)}: they need weights (--weights NAME=PATH)", file=sys.stderr
            )
        return chosen
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise InvalidParameterError(f"-m {text!r}: expected comma-separated method names, or 'all'")
    for name in names:
        if api.inpainter_info(name).needs_weights and name not in weights:
            raise InvalidParameterError(
                f"-m {name}: {name} needs a weights file; pass --weights {name}=PATH, or leave it out"
            )
    return names


def _weights(pairs: list[str]) -> dict[str, str]:
    weights = {}
    for pair in pairs:
        name, sep, path = pair.partition("=")
        if not sep or not name or not path:
            raise InvalidParameterError(f"--weights {pair!r}: expected METHOD=PATH, e.g. lama=big-lama.safetensors")
        api.inpainter_info(name)
        if not Path(path).is_file():
            raise InvalidParameterError(f"--weights {pair}: no such file {path}")
        weights[name] = path
    return weights


def _params(pairs: list[str], names: list[str]) -> dict[str, dict[str, Any]]:
    from ..cli import parse_params

    raw: dict[str, list[str]] = {}
    for pair in pairs:
        name, sep, assignment = pair.partition(":")
        if not sep:
            raise InvalidParameterError(f"--param {pair!r}: expected METHOD:KEY=VALUE, e.g. patchmatch:patch_size=9")
        if name not in names:
            raise InvalidParameterError(f"--param {pair}: {name!r} is not among the methods ({', '.join(names)})")
        raw.setdefault(name, []).append(assignment)
    return {name: parse_params(name, assignments) for name, assignments in raw.items()}


def run(args: argparse.Namespace) -> int:
    """Run ``inpaintkit compare``; errors are raised as InpaintkitError for one-line messages."""
    from ._run import compare

    if (args.images is None) != (args.masks is None):
        raise InvalidParameterError("--images and --masks go together: pass both folders")
    if args.images is not None and args.suite is not None:
        raise InvalidParameterError("--suite and --images: choose one source of cases")
    cases: Any = (args.images, args.masks) if args.images is not None else (args.suite or "small")
    weights = _weights(args.weights)
    names = _method_list(args.methods, weights)
    params = _params(args.param, names)
    for name, path in weights.items():
        if name in names:
            params.setdefault(name, {})["weights"] = path
    methods = [(name, params[name]) if name in params else name for name in names]
    metrics = None if args.metrics is None else [name.strip() for name in args.metrics.split(",") if name.strip()]
    try:
        report = compare(
            methods,
            cases,
            out=args.out,
            metrics=metrics,
            repeat=args.repeat,
            timeout=args.timeout,
            scheduler=args.scheduler,
            workers=args.workers,
            retry_failed=args.retry_failed,
            progress=True,
        )
    except ImportError as exc:
        raise InpaintkitError(str(exc)) from exc
    except KeyboardInterrupt:
        print(f"inpaintkit: finished tasks are kept in {args.out}; run the same command to resume", file=sys.stderr)
        raise
    print(report.to_markdown(), end="")
    figure_metric = args.figure_metric if args.figure_metric in report.metrics else report.metrics[0]
    index = report.save(args.out, metric=figure_metric)
    print(f"wrote {index}")
    return 0
