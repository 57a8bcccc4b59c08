"""The ``inpaintkit`` command: list methods, inpaint files or folders, run a demo.

    inpaintkit list
    inpaintkit info METHOD
    inpaintkit run IMAGE --mask MASK -m METHOD -o OUT [--backend B] [--param key=value ...]
    inpaintkit demo [-m METHOD] [-o DIR]
    inpaintkit compare -m METHODS [--suite S | --images DIR --masks DIR] -o OUT [--timeout S] [--workers N] [--scheduler ADDR]
    inpaintkit train METHOD --data DIR --size S --batch N --steps N --out RUN_DIR [--device cuda] [--resume]

IMAGE and MASK may be folders: images are paired with masks of the same file stem. Errors
print one line (``inpaintkit: error: ...``) and exit with status 2.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import sys
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import api
from .io import IMAGE_SUFFIXES
from .errors import InpaintkitError, InvalidParameterError

DEMO_PREFERENCE = ("patchmatch", "criminisi", "telea", "harmonic")


class CommandError(Exception):
    """A problem with the command line itself (a missing file, a bad option)."""


def _parameter_types(name: str) -> dict[str, Any]:
    cls = api._inpainter_class(name)
    try:
        hints = typing.get_type_hints(cls.__init__)
    except Exception:  # an annotation that cannot be evaluated: fall back to literal parsing
        hints = {}
    names = [p for p in inspect.signature(cls.__init__).parameters if p not in ("self", "callback")]
    return {p: hints.get(p, Any) for p in names}


def _convert(key: str, text: str, annotation: Any) -> Any:
    options = typing.get_args(annotation) if isinstance(annotation, types.UnionType) or typing.get_origin(
        annotation
    ) is typing.Union else (annotation,)
    if text.lower() == "none" and type(None) in options:
        return None
    for option in options:
        if option is bool:
            if text.lower() in ("true", "1", "yes"):
                return True
            if text.lower() in ("false", "0", "no"):
                return False
        elif option is int:
            try:
                return int(text)
            except ValueError:
                pass
        elif option is float:
            try:
                return float(text)
            except ValueError:
                pass
        elif option is str:
            return text
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        if Any in options or annotation is Any:
            return text
    raise InvalidParameterError(f"--param {key}={text}: cannot read {text!r} as {annotation}")


def parse_params(method: str, pairs: Sequence[str]) -> dict[str, Any]:
    """Turn ``["key=value", ...]`` into typed keyword arguments of ``method``'s class."""
    types_by_name = _parameter_types(method)
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep:
            raise CommandError(f"--param {pair!r}: expected key=value, e.g. --param patch_size=9")
        if key not in types_by_name:
            raise InvalidParameterError(
                f"--param {key}: {method} has no such parameter; it takes {', '.join(types_by_name)}"
            )
        params[key] = _convert(key, text.strip(), types_by_name[key])
    return params


def _pairs(image_arg: Path, mask_arg: Path) -> list[tuple[Path, Path]]:
    if image_arg.is_dir() != mask_arg.is_dir():
        raise CommandError("IMAGE and --mask must both be files or both be folders")
    if not image_arg.is_dir():
        for path in (image_arg, mask_arg):
            if not path.is_file():
                raise CommandError(f"{path}: no such file")
        return [(image_arg, mask_arg)]
    masks = {p.stem: p for p in mask_arg.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES}
    images = sorted(p for p in image_arg.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        raise CommandError(f"{image_arg}: no images ({', '.join(IMAGE_SUFFIXES)}) in this folder")
    missing = [p.name for p in images if p.stem not in masks]
    if missing:
        raise CommandError(f"{mask_arg}: no mask with the same name as {', '.join(missing[:5])}")
    return [(p, masks[p.stem]) for p in images]


def method_table_markdown() -> str:
    """The method table of README.md, generated from the registry."""
    lines = ["| method | family | year | paper | backends | weights |", "|---|---|---|---|---|---|"]
    for name in api.list_inpainters():
        info = api.inpainter_info(name)
        paper = info.paper.replace("|", "/")
        if info.doi:
            paper += f" [doi:{info.doi}](https://doi.org/{info.doi})"
        weights = "needed" if info.needs_weights else "-"
        lines.append(f"| `{name}` | {info.family} | {info.year} | {paper} | {', '.join(info.backends)} | {weights} |")
    return "\n".join(lines) + "\n"


def _command_list(args: argparse.Namespace) -> int:
    if args.markdown:
        print(method_table_markdown(), end="")
        return 0
    rows = [("method", "family", "year", "backends", "weights")]
    for name in api.list_inpainters(family=args.family):
        info = api.inpainter_info(name)
        rows.append((name, info.family, str(info.year), ",".join(info.backends), "needed" if info.needs_weights else "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0


def _command_info(args: argparse.Namespace) -> int:
    info = api.inpainter_info(args.method)
    print(f"{info.name} ({info.family}, {info.year}): {info.summary}")
    print(f"paper: {info.paper}")
    if info.doi:
        print(f"doi:   https://doi.org/{info.doi}")
    print(f"backends (preferred first): {', '.join(info.backends)}")
    print("parameters:")
    cls = api._inpainter_class(args.method)
    for parameter in list(inspect.signature(cls.__init__).parameters.values())[1:]:
        if parameter.name != "callback":
            print(f"  {parameter.name} = {parameter.default!r}")
    return 0


def _command_run(args: argparse.Namespace) -> int:
    params = parse_params(args.method, args.param)
    inpainter = api.Inpainter.create(args.method, backend=args.backend, **params)
    from tqdm.auto import tqdm

    from . import io

    pairs = _pairs(Path(args.image), Path(args.mask))
    output = Path(args.output)
    batch = Path(args.image).is_dir()
    if batch and output.suffix:
        raise CommandError(f"-o {output}: IMAGE is a folder, so -o must be a folder too")
    for image_path, mask_path in tqdm(pairs, desc=args.method, unit="image", disable=len(pairs) < 2):
        image = io.read_image(image_path)
        mask = io.read_mask(mask_path, threshold=args.threshold)
        result = inpainter.inpaint(image, mask)
        target = output / f"{image_path.stem}.png" if batch else output
        io.write_image(target, result)
    if not batch:
        print(f"wrote {output}")
    else:
        print(f"wrote {len(pairs)} images to {output}/")
    return 0


def _command_demo(args: argparse.Namespace) -> int:
    import numpy as np

    from . import datasets, io, masks

    method = args.method or next(m for m in DEMO_PREFERENCE if m in api.list_inpainters())
    image = datasets.load(args.image, size=args.size)
    mask = masks.free_form(image.shape[:2], seed=args.seed)
    result = api.Inpainter.create(method).inpaint(image, mask)
    out = Path(args.output)
    shown = image.copy()
    shown[mask] = 255
    io.write_image(out / "input.png", image)
    io.write_image(out / "mask.png", mask.astype(np.uint8) * 255)
    io.write_image(out / "damaged.png", shown)
    io.write_image(out / f"result-{method}.png", result)
    gap = np.full((image.shape[0], 8) + image.shape[2:], 255, np.uint8)
    io.write_image(out / "side_by_side.png", np.concatenate([shown, gap, result], axis=1))
    print(f"{method} filled {int(mask.sum())} pixels of {args.image}; wrote {out}/side_by_side.png")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="inpaintkit", description="Image inpainting, from diffusion PDEs to deep models.")
    commands = parser.add_subparsers(dest="command", required=True)

    listing = commands.add_parser("list", help="list the registered methods")
    listing.add_argument("--family", default=None, help=f"only one family ({', '.join(api.FAMILIES)})")
    listing.add_argument("--markdown", action="store_true", help="print README.md's method table")
    listing.set_defaults(run=_command_list)

    info = commands.add_parser("info", help="show a method's paper, backends and parameters")
    info.add_argument("method")
    info.set_defaults(run=_command_info)

    run = commands.add_parser("run", help="inpaint an image (or a folder of images)")
    run.add_argument("image", help="image file, or a folder of images")
    run.add_argument("--mask", required=True, help="mask file (white = fill), or a folder of masks with matching names")
    run.add_argument("-m", "--method", required=True, help="method name (see `inpaintkit list`)")
    run.add_argument("-o", "--output", required=True, help="output file, or a folder for a batch")
    run.add_argument("--backend", default="auto", help="auto (default), numpy, numba, cupy, torch or opencv")
    run.add_argument("--param", action="append", default=[], metavar="KEY=VALUE", help="a method parameter (repeatable)")
    run.add_argument("--threshold", type=int, default=127, help="mask pixels above this value are filled (default 127)")
    run.set_defaults(run=_command_run)

    demo = commands.add_parser("demo", help="inpaint a bundled sample image and write a side-by-side PNG")
    demo.add_argument("-m", "--method", default=None, help=f"method (default: the first of {', '.join(DEMO_PREFERENCE)} available)")
    demo.add_argument("-o", "--output", default="inpaintkit-demo", help="output folder (default: inpaintkit-demo)")
    demo.add_argument("--image", default="astronaut", help="bundled image name (default: astronaut)")
    demo.add_argument("--size", type=int, default=256, help="side of the square image (default 256)")
    demo.add_argument("--seed", type=int, default=0, help="seed of the free-form mask (default 0)")
    demo.set_defaults(run=_command_demo)

    from .comparison import _cli as compare_cli
    from .train import _cli as train_cli

    compare_cli.add_command(commands)
    train_cli.add_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except (InpaintkitError, CommandError, OSError) as exc:
        print(f"inpaintkit: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("inpaintkit: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
