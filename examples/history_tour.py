"""A tour of inpainting history, one era per method
==================================================

Two decades of inpainting on the same photos and the same holes: texture synthesis
(Efros & Leung 1999), diffusion along isophotes (Bertalmio et al. 2000, the paper that named
the problem), exemplar-based filling (Criminisi et al. 2004), PatchMatch completion (Wexler et
al. 2007, with Barnes et al.'s 2009 search) and a deep network (Deep Image Prior 2018, which
needs no trained weights; pass ``--weights deepfill2=FILE`` to add a trained model). The
methods run through ``inpaintkit.compare``, the same harness as the benchmarks, so each result
is measured alike: the script writes one figure per photo (the hole, then each era's result
captioned with its year, paper, hole-MAE, PSNR and time), the matching table as markdown, and
the harness's own report (tables, grids and an HTML page) in ``OUT/report``.

    python examples/history_tour.py -o tour [--size 128] [--photos astronaut,chelsea,coffee] [--quick]
"""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import inpaintkit as ik  # noqa: E402
from inpaintkit import datasets  # noqa: E402
from inpaintkit.comparison import compare  # noqa: E402

#: One method per era, with settings that finish in seconds on a laptop CPU at 128x128
#: (Deep Image Prior: 300 steps of a 16-channel network, 71-76 s per photo on one busy thread; the paper's
#: thousands of steps at 128 channels recover much more).
ERAS = {
    "efros-leung": ("texture synthesis", {"window_size": 9}),
    "bertalmio": ("diffusion", {}),
    "criminisi": ("exemplar", {"patch_size": 9}),
    "patchmatch": ("PatchMatch", {}),
    "dip": ("deep", {"iterations": 300, "channels": 16, "input_depth": 16}),
}
#: Settings for --quick (the test's mode): tiny windows and a few network steps.
QUICK = {
    "efros-leung": {"window_size": 5},
    "bertalmio": {"iterations": 40},
    "criminisi": {"patch_size": 5},
    "patchmatch": {"patch_size": 5},
    "dip": {"iterations": 3, "channels": 4, "input_depth": 4},
}
MASKS = ("box", "free_form")  # alternated over the photos
COLUMNS = ("hole_mae", "psnr", "ssim")


def tour_cases(photos: list[str], size: int) -> list[datasets.CaseSpec]:
    """One case per photo, with a centred box or a seeded free-form hole, in turn."""
    specs = []
    for index, photo in enumerate(photos):
        family = MASKS[index % len(MASKS)]
        seed = None if family == "box" else index
        specs.append(datasets.CaseSpec(f"{photo}-{size}-{family}", family, photo, size, seed))
    return specs


def tour_methods(quick: bool, weights: dict[str, str]) -> list[tuple[str, dict]]:
    methods = [(name, QUICK[name] if quick else params) for name, (_, params) in ERAS.items()]
    return methods + [(name, {"weights": path}) for name, path in weights.items()]


def era(method: str) -> str:
    return ERAS[method][0] if method in ERAS else ik.inpainter_info(method).family


def figure_for_case(report, case_name: str, path: Path) -> Path:
    """The damaged photo, then every method's result, oldest first, captioned with its paper."""
    case = report.case(case_name)
    gray = case.image.ndim == 2
    shown = dict(cmap="gray", vmin=0, vmax=255) if gray else {}
    tiles = 1 + len(report.labels)
    figure, axes = plt.subplots(1, tiles, figsize=(2.5 * tiles, 3.9), dpi=90)
    damaged = case.image.copy()
    damaged[case.mask] = 255
    axes[0].imshow(damaged, **shown)
    axes[0].set_title(f"{case.photo}\nhole: {100 * case.hole_ratio:.0f}% ({case.family})", fontsize=8)
    for axis, label in zip(axes[1:], report.labels):
        record = report.record(case_name, label)
        output = report.output(case_name, label)
        axis.set_title(f"{era(record['method'])}\n{record['method']} ({record['year']})", fontsize=8)
        if output is None:
            axis.imshow(np.full(case.image.shape[:2], 200), cmap="gray", vmin=0, vmax=255)
            reason = f"{record['status']}: {record['error']}"
            caption = "\n".join(textwrap.wrap(reason, 40, max_lines=5, placeholder=" …"))
        else:
            axis.imshow(output, **shown)
            caption = (
                f"hole-MAE {record['hole_mae']:.3f} · PSNR {record['psnr']:.1f} dB · {record['time']:.2g} s\n"
                + "\n".join(textwrap.wrap(record["paper"], 40, max_lines=5, placeholder=" …"))
            )
        axis.text(0.5, -0.04, caption, transform=axis.transAxes, ha="center", va="top", fontsize=6.5)
    for axis in axes:
        axis.set_xticks([])
        axis.set_yticks([])
    figure.subplots_adjust(left=0.01, right=0.99, top=0.86, bottom=0.28, wspace=0.06)
    figure.savefig(path)
    plt.close(figure)
    return path


def markdown_table(report) -> str:
    """One row per photo and method: era, year, hole-MAE, PSNR, SSIM and time."""
    lines = [
        "| photo | era | method | year | hole-MAE ↓ | PSNR dB ↑ | SSIM ↑ | time (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for record in report.records:
        if record["status"] == "ok":
            values = [
                f"{record['hole_mae']:.4f}",
                f"{record['psnr']:.2f}",
                f"{record['ssim']:.4f}",
                f"{record['time']:.3g}",
            ]
        else:
            values = [record["status"], "", "", ""]
        cells = [record["photo"], era(record["method"]), record["label"], str(record["year"]), *values]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def parse_weights(items: list[str]) -> dict[str, str]:
    weights = {}
    for item in items:
        name, separator, path = item.partition("=")
        if not separator or not path:
            raise SystemExit(
                f"--weights: expected METHOD=FILE, e.g. deepfill2=runs/df2/run/weights.safetensors, got {item!r}"
            )
        weights[name] = path
    return weights


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, required=True, help="folder for the figures, table and report")
    parser.add_argument("--size", type=int, default=128, help="side of the square photos (pixels)")
    parser.add_argument(
        "--photos", default="astronaut,chelsea,coffee", help=f"comma-separated, from {', '.join(datasets.names())}"
    )
    parser.add_argument(
        "--weights", action="append", default=[], metavar="METHOD=FILE", help="add a trained deep method (repeatable)"
    )
    parser.add_argument("--quick", action="store_true", help="tiny settings that finish in seconds (for tests)")
    args = parser.parse_args(argv)

    args.output.mkdir(parents=True, exist_ok=True)
    photos = [photo.strip() for photo in args.photos.split(",") if photo.strip()]
    report = compare(
        tour_methods(args.quick, parse_weights(args.weights)),
        tour_cases(photos, args.size),
        out=args.output / "report",
        repeat=1,
        progress=True,
    )
    for case_name in report.case_names:
        print("wrote", figure_for_case(report, case_name, args.output / f"{case_name}.png"))
    table = markdown_table(report)
    (args.output / "history_tour.md").write_text(table, encoding="utf-8")
    print(table)
    print("wrote", report.save())


if __name__ == "__main__":
    main()
