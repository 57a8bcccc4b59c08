"""The figures of a comparison report: one grid per case, quality against time, and quality by hole ratio.

Each function takes a :class:`~inpaintkit.comparison.Report` (it reads ``records``,
``labels``, ``case_names``, ``case()``, ``output()``, ``common_cases()`` and
``_check_labels()``), writes one small PNG and returns its path. Matplotlib is imported
inside the functions, with the Agg backend, so importing this module costs nothing.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..api import FAMILIES
from ..params import check_choice

__all__ = ["METRIC_TITLES", "case_grid", "quality_time_scatter", "ratio_curves"]

#: The metrics a figure can show, with the axis title that says which way is better.
METRIC_TITLES = {
    "hole_mae": "hole MAE (lower is better)",
    "mae": "MAE, whole image (lower is better)",
    "psnr": "PSNR in dB (higher is better)",
    "ssim": "SSIM (higher is better)",
    "gradient_ratio": "gradient energy ratio in the hole (1 is best)",
}

_DPI = 90
_TILE_INCHES = 1.9
_GRID_COLUMNS = 6
_FAMILY_MARKERS = {"baseline": "x", "diffusion": "o", "texture": "s", "exemplar": "D", "patch": "^", "deep": "*"}
_FAILED_TILE = 0.82  # grey level of a tile whose method gave no image


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _check_metric(metric: Any) -> str:
    return check_choice("metric", metric, tuple(METRIC_TITLES))


def _format_value(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value == 0:
        return "0"
    return f"{value:.3g}" if abs(value) >= 0.01 else f"{value:.2e}"


def _format_seconds(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "n/a"
    if seconds < 1.0:
        return f"{seconds * 1000:.3g} ms"
    if seconds < 120.0:
        return f"{seconds:.3g} s"
    return f"{seconds / 60:.3g} min"


def _display(image: np.ndarray) -> np.ndarray:
    """``image`` on the [0, 1] scale for imshow: integers by their dtype's maximum, floats clipped."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    if image.dtype.kind == "u":
        return image.astype(np.float64) / float(np.iinfo(image.dtype).max)
    return np.clip(image.astype(np.float64), 0.0, 1.0)


def _show(axis: Any, image: np.ndarray) -> None:
    axis.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0.0, vmax=1.0)


def _hole_overlay(mask: np.ndarray) -> np.ndarray:
    """An RGBA layer tinting the hole magenta, half transparent, elsewhere clear."""
    overlay = np.zeros((*mask.shape, 4))
    overlay[mask] = (1.0, 0.0, 1.0, 0.55)
    return overlay


def _ok(records: Iterable[dict]) -> list[dict]:
    return [record for record in records if record.get("status") == "ok"]


def _mean(values: Sequence[float | None]) -> float:
    """Mean of the finite values; ``+-inf`` when every value is infinite of one sign (PSNR of identical images)."""
    present = [value for value in values if value is not None and not math.isnan(value)]
    finite = [value for value in present if math.isfinite(value)]
    if finite:
        return float(np.mean(finite))
    if present and len(set(present)) == 1:
        return present[0]
    return math.nan


def _records_by_label(
    report: Any, *, paired: bool, labels: Sequence[str] | None
) -> tuple[dict[str, list[dict]], list[str] | None]:
    """The records of each label of ``labels`` (default: all), in report order, and the paired cases.

    With ``paired``, only the records of the cases every one of those labels finished
    (``report.common_cases``) are kept, and those cases are returned; otherwise None is.
    """
    kept = report._check_labels(labels)
    common = report.common_cases(kept) if paired else None
    counted = None if common is None else set(common)
    grouped: dict[str, list[dict]] = {label: [] for label in kept}
    for record in report.records:
        if record["label"] in grouped and (counted is None or record["case"] in counted):
            grouped[record["label"]].append(record)
    return grouped, common


def _paired_on(common: list[str] | None, report: Any) -> str:
    """``", paired on k of n cases"`` for a title, or nothing when not paired."""
    return "" if common is None else f", paired on {len(common)} of {len(report.case_names)} cases"


def _caption(label: str, year: Any) -> str:
    """``"name (year)"``, then the label's ``[k=v,...]`` (if any) broken after commas, on up to two lines."""
    name, bracket, params = label.partition("[")
    lines = [f"{name} ({year})"]
    if bracket:
        parts = (bracket + params).split(",")
        wrapped = [""]
        for piece in [part + "," for part in parts[:-1]] + parts[-1:]:
            if wrapped[-1] and len(wrapped[-1]) + len(piece) > 30:
                wrapped.append("")
            wrapped[-1] += piece
        lines += wrapped if len(wrapped) <= 2 else [wrapped[0], wrapped[1] + "…"]
    return "\n".join(lines)


def case_grid(report: Any, case_name: str, path: str | Path, metric: str = "hole_mae") -> Path:
    """The input with its hole, then every method's result, oldest method first.

    Parameters
    ----------
    report : Report
    case_name : str
        One of ``report.case_names``.
    path : str or Path
        The PNG to write (parent folders are created).
    metric : str
        The metric printed under each result: ``"hole_mae"``, ``"mae"``, ``"psnr"``,
        ``"ssim"`` or ``"gradient_ratio"``.

    Returns
    -------
    Path
        ``path``. The grid has up to six tiles a row; each result is captioned
        ``"label (year)"`` with its metric and median time, and a method that failed,
        timed out or was skipped on this case is a grey tile naming its status.

    Raises
    ------
    InvalidParameterError
        An unknown ``metric``.
    """
    metric = _check_metric(metric)
    plt = _pyplot()
    case = report.case(case_name)
    labels = list(report.labels)
    n_tiles = 1 + len(labels)
    columns = min(n_tiles, _GRID_COLUMNS)
    rows = math.ceil(n_tiles / columns)
    figure, axes = plt.subplots(
        rows, columns, figsize=(_TILE_INCHES * columns, (_TILE_INCHES + 0.55) * rows), squeeze=False, dpi=_DPI
    )
    for axis in axes.flat:
        axis.axis("off")
    truth = _display(case.image)
    tiles = iter(axes.flat)

    axis = next(tiles)
    _show(axis, truth)
    axis.imshow(_hole_overlay(np.asarray(case.mask, bool)))
    axis.set_title(f"input, hole {100 * float(np.mean(case.mask)):.1f}%\n{case.family}", fontsize=7)

    for label, axis in zip(labels, tiles):
        record = report.record(case_name, label)
        output = report.output(case_name, label) if record is not None and record.get("status") == "ok" else None
        year = record.get("year", "?") if record is not None else "?"
        if output is None:
            status = "not run" if record is None else str(record.get("status", "missing"))
            axis.imshow(np.full(truth.shape[:2], _FAILED_TILE), cmap="gray", vmin=0.0, vmax=1.0)
            reason = "" if record is None or not record.get("error") else str(record["error"])
            axis.text(
                0.5,
                0.5,
                "\n".join(textwrap.wrap(reason, 22)[:4]) or status,
                ha="center",
                va="center",
                fontsize=6.5,
                transform=axis.transAxes,
                color="0.25",
            )
            detail = status
        else:
            _show(axis, _display(output))
            detail = f"{metric} {_format_value(record.get(metric))} · {_format_seconds(record.get('time'))}"
        axis.set_title(f"{_caption(label, year)}\n{detail}", fontsize=7)
    figure.suptitle(case_name, fontsize=9)
    figure.tight_layout()
    return _save(figure, path)


def _save(figure: Any, path: str | Path) -> Path:
    import matplotlib.pyplot as plt

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=_DPI)
    plt.close(figure)
    return path


def _family_style(family: str) -> dict[str, Any]:
    import matplotlib

    colours = matplotlib.colormaps["tab10"].colors
    index = FAMILIES.index(family) if family in FAMILIES else len(FAMILIES)
    return {"marker": _FAMILY_MARKERS.get(family, "o"), "color": colours[index % len(colours)]}


def _pyplot_colours(count: int) -> tuple:
    """Distinct line colours: tab10 for up to ten lines, tab20 beyond."""
    import matplotlib

    return matplotlib.colormaps["tab10" if count <= 10 else "tab20"].colors


def _notes(report: Any, chosen: Iterable[str], without_result: list[str], what: str) -> str:
    """The note under a figure: the chosen methods without a result, and the methods not chosen."""
    parts = [f"{what}: " + ", ".join(without_result)] if without_result else []
    chosen = set(chosen)
    left_out = [label for label in report.labels if label not in chosen]
    if left_out:
        parts.append("not drawn: " + ", ".join(left_out))
    return "; ".join(parts)


def _note(figure: Any, text: str) -> None:
    figure.text(0.01, 0.01, "\n".join(textwrap.wrap(text, 110)), fontsize=6.5, color="0.3", va="bottom")


def _scatter_points(
    report: Any, metric: str, *, paired: bool, labels: Sequence[str] | None
) -> tuple[list[tuple[str, str, float, float]], list[str], list[str] | None]:
    """What :func:`quality_time_scatter` draws, before any drawing.

    Returns
    -------
    points : list of (str, str, float, float)
        ``(label, family, median seconds, mean metric)`` of each method with a finished case
        that has a time and a metric value, in report order.
    without_result : list of str
        The other labels.
    common : list of str or None
        The cases paired on, or None when not paired.
    """
    grouped, common = _records_by_label(report, paired=paired, labels=labels)
    points, without_result = [], []
    for label, records in grouped.items():
        finished = _ok(records)
        times = [record["time"] for record in finished if record.get("time") is not None]
        value = _mean([record.get(metric) for record in finished])
        if not finished or not times or math.isnan(value):
            without_result.append(label)
            continue
        points.append((label, finished[0].get("method_family", ""), float(np.median(times)), value))
    return points, without_result, common


def quality_time_scatter(
    report: Any,
    path: str | Path,
    metric: str = "hole_mae",
    *,
    paired: bool = False,
    labels: Sequence[str] | None = None,
) -> Path:
    """One point per method: median time over cases (log scale) against the mean metric.

    Only cases the method finished count. A method with no finished case is named in a note
    under the plot; one whose mean is infinite (PSNR of results identical to the truth) is
    drawn at the top edge with an upward arrow.

    Parameters
    ----------
    report : Report
    path : str or Path
        The PNG to write.
    metric : str
        See :func:`case_grid`.
    paired : bool
        Count only the cases that every method of ``labels`` finished
        (``report.common_cases``), for the means and the median times alike; the title
        then says on how many cases.
    labels : list of str, optional
        The methods (labels) to draw, and to pair (default: all); a note under the plot
        names the others.

    Returns
    -------
    Path

    Raises
    ------
    InvalidParameterError
        An unknown ``metric``, or ``labels`` that are not some of ``report.labels``.
    """
    metric = _check_metric(metric)
    points, without_result, common = _scatter_points(report, metric, paired=paired, labels=labels)
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(6.4, 4.4), dpi=_DPI)
    points = [(label, family, max(seconds, 1e-6), value) for label, family, seconds, value in points]  # log scale
    finite = [value for *_, value in points if math.isfinite(value)]
    top = max(finite) if finite else 1.0
    families_drawn = set()
    span = (max(finite) - min(finite) if finite else 0.0) or 1.0
    placed: list[tuple[float, float]] = []  # (log10 time, value) of named points, to stack names that would overlap
    logs = [math.log10(seconds) for _, _, seconds, _ in points]
    middle = (min(logs) + max(logs)) / 2 if logs else 0.0  # names of points right of it go on their left
    # Highest first, so that a name moved down to clear its neighbour's moves away from that point.
    for label, family, seconds, value in sorted(points, key=lambda point: -point[3]):
        style = _family_style(family)
        shown = value if math.isfinite(value) else top
        marker = style["marker"] if math.isfinite(value) else r"$\uparrow$"
        axis.scatter(
            [seconds],
            [shown],
            marker=marker,
            color=style["color"],
            s=55,
            label=family if family not in families_drawn else None,
        )
        families_drawn.add(family)
        near = sum(abs(x - math.log10(seconds)) < 0.5 and abs(y - shown) < 0.05 * span for x, y in placed)
        placed.append((math.log10(seconds), shown))
        on_the_right = math.log10(seconds) > middle
        axis.annotate(
            label if math.isfinite(value) else f"{label} (inf)",
            (seconds, shown),
            xytext=(-4 if on_the_right else 4, 3 - 9 * near),
            textcoords="offset points",
            ha="right" if on_the_right else "left",
            fontsize=7,
            in_layout=False,
        )
    axis.set_xscale("log")
    axis.set_xlabel("median time per case (s, log scale)")
    axis.set_ylabel(f"mean {METRIC_TITLES[metric]}", fontsize=8)
    if common is None:
        axis.set_title(f"quality against time, {len(report.case_names)} case(s)", fontsize=9)
    else:
        axis.set_title(f"quality against time{_paired_on(common, report)}", fontsize=9)
    axis.grid(True, which="both", alpha=0.3)
    if families_drawn:
        axis.legend(title="family", fontsize=7, title_fontsize=7, loc="best")
    note = _notes(report, [label for label, *_ in points] + without_result, without_result, "no finished case")
    if note:
        _note(figure, note)
    figure.tight_layout(rect=(0, 0.05 if note else 0, 1, 1))
    return _save(figure, path)


def _ratio_means(
    report: Any, metric: str, *, paired: bool, labels: Sequence[str] | None
) -> tuple[list[str], dict[str, list[float]], list[str] | None]:
    """What :func:`ratio_curves` draws, before any drawing.

    Returns
    -------
    bins : list of str
        The hole-ratio bins of the counted records, ordered by their lowest hole ratio.
    means : dict of str to list of float
        Per label of ``labels`` (report order), the mean metric of its finished cases in
        each bin (NaN where it finished none).
    common : list of str or None
        The cases paired on, or None when not paired.
    """
    grouped, common = _records_by_label(report, paired=paired, labels=labels)
    binned = [record for records in grouped.values() for record in records if record.get("ratio_bin")]
    lowest_ratio: dict[str, float] = {}
    for record in binned:
        ratio = 1.0 if record.get("hole_ratio") is None else record["hole_ratio"]
        lowest_ratio[record["ratio_bin"]] = min(lowest_ratio.get(record["ratio_bin"], 1.0), ratio)
    bins = sorted(lowest_ratio, key=lowest_ratio.get)
    means = {}
    for label, records in grouped.items():
        finished = [record for record in _ok(records) if record.get("ratio_bin")]
        means[label] = [_mean([r.get(metric) for r in finished if r["ratio_bin"] == name]) for name in bins]
    return bins, means, common


def ratio_curves(
    report: Any,
    path: str | Path,
    metric: str = "hole_mae",
    *,
    paired: bool = False,
    labels: Sequence[str] | None = None,
) -> Path:
    """The mean metric in each hole-ratio bin, one line per method.

    Only cases whose record has a ``ratio_bin`` count (the irregular masks of the
    ``standard`` suite); bins are ordered by their hole ratio. When no case has a bin, the
    figure says so instead of drawing empty axes.

    Parameters
    ----------
    report : Report
    path : str or Path
        The PNG to write.
    metric : str
        See :func:`case_grid`.
    paired : bool
        Count only the cases that every method of ``labels`` finished
        (``report.common_cases``); the title then says on how many cases.
    labels : list of str, optional
        The methods (labels) to draw, and to pair (default: all); a note under the plot
        names the others. A method keeps its colour whichever others are drawn.

    Returns
    -------
    Path

    Raises
    ------
    InvalidParameterError
        An unknown ``metric``, or ``labels`` that are not some of ``report.labels``.
    """
    metric = _check_metric(metric)
    bins, means_by_label, common = _ratio_means(report, metric, paired=paired, labels=labels)
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(6.4, 4.2), dpi=_DPI)
    if not bins:
        axis.axis("off")
        which = "No case" if common is None else "No case that every method finished"
        axis.text(
            0.5,
            0.5,
            f"{which} has a hole-ratio bin:\nthis curve needs irregular masks binned by hole ratio\n"
            "(the 'standard' suite, or masks.irregular(..., ratio_bin=...)).",
            ha="center",
            va="center",
            fontsize=9,
            transform=axis.transAxes,
        )
        return _save(figure, path)
    without_result = []
    colours = _pyplot_colours(len(report.labels))
    for label, means in means_by_label.items():
        if all(math.isnan(value) for value in means):
            without_result.append(label)
            continue
        family = next((r.get("method_family", "") for r in report.records if r["label"] == label), "")
        clipped = [value if math.isfinite(value) else math.nan for value in means]
        colour = colours[list(report.labels).index(label) % len(colours)]
        axis.plot(
            range(len(bins)), clipped, marker=_family_style(family)["marker"], color=colour, label=label, linewidth=1.2
        )
    axis.set_xticks(range(len(bins)), bins)
    axis.set_xlabel("hole ratio")
    axis.set_ylabel(f"mean {METRIC_TITLES[metric]}", fontsize=8)
    axis.set_title(f"quality by hole size{_paired_on(common, report)}", fontsize=9)
    axis.grid(True, alpha=0.3)
    if len(without_result) < len(means_by_label):
        axis.legend(fontsize=7, loc="best")
    note = _notes(report, means_by_label, without_result, "no finished binned case")
    if note:
        _note(figure, note)
    figure.tight_layout(rect=(0, 0.05 if note else 0, 1, 1))
    return _save(figure, path)
