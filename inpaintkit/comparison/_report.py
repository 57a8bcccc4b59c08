"""The result of :func:`~inpaintkit.comparison.compare`: records, tables, and the saved report."""

from __future__ import annotations

import csv
import io as _stringio
import math
import os
import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import datasets
from ..errors import InvalidParameterError
from ._run import read_records, read_settings, spec_from_json

__all__ = ["Report", "read_report"]

_GROUPINGS = ("mask_family", "ratio_bin", "photo", "size", "method_family")
_STATUSES = ("ok", "error", "timeout", "skipped")
_HEADERS = {
    "psnr": "PSNR dB ↑",
    "ssim": "SSIM ↑",
    "hole_mae": "hole MAE ↓",
    "mae": "MAE ↓",
    "gradient_ratio": "gradient ratio (1 = truth)",
}
_DIGITS = {"psnr": 2, "ssim": 4, "hole_mae": 4, "mae": 4, "gradient_ratio": 3}
_OUTSIDE_BINS = "outside bins"


def _mean(values: Sequence[float]) -> float | None:
    """Mean of the finite values; inf when every value is inf (e.g. PSNR of identical images)."""
    finite = [value for value in values if math.isfinite(value)]
    if finite:
        return statistics.fmean(finite)
    infinite = {value for value in values if math.isinf(value)}
    return infinite.pop() if len(infinite) == 1 else None


def _format(metric: str, value: float | None) -> str:
    if value is None:
        return "-"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.{_DIGITS[metric]}f}"


def _format_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds:.3g}" if seconds < 1000 else f"{seconds:.0f}"


def _markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


class Report:
    """The records of a comparison and what is made from them.

    Built by :func:`~inpaintkit.comparison.compare` or :func:`read_report`; not meant to
    be constructed by hand.

    Attributes
    ----------
    records : list of dict
        One per (case, label), in case order then label order. Keys: ``case``, ``label``,
        ``method``, ``params``, ``year``, ``paper``, ``method_family``, ``mask_family``,
        ``photo``, ``size``, ``hole_ratio``, ``ratio_bin`` (e.g. ``"10-20%"``, None outside
        :data:`~inpaintkit.masks.HOLE_RATIO_BINS`), ``status`` (``"ok"``, ``"error"``,
        ``"timeout"``, ``"skipped"``), ``error`` (``"Type: message"`` or the reason),
        ``time`` (median seconds of the timed calls), ``times``, the metrics of
        :data:`~inpaintkit.comparison.METRICS` (None when not ok or not chosen), and
        ``output`` (the PNG's path relative to :attr:`out`, or None).
    labels : list of str
        Method labels, oldest paper first (year, then name).
    methods : list of dict
        ``label``, ``method``, ``params``, ``year``, ``paper``, ``family`` of each label, in
        :attr:`labels` order.
    case_names : list of str
        In suite order.
    metrics : tuple of str
        The metrics this run measured.
    settings : dict
        The run's settings (``repeat``, ``metrics``, ``suite``, ``methods``, ``cases`` and
        ``runs``: mode, workers, threads, timeout and versions of each run into the folder).
    versions : dict
        Versions of inpaintkit, its dependencies and Python, the platform and CPU, from the
        latest run.
    out : Path or None
        The run folder, when there is one.
    """

    def __init__(
        self,
        records: Sequence[dict[str, Any]],
        *,
        methods: Sequence[dict[str, Any]],
        specs: Sequence[datasets.CaseSpec],
        settings: dict[str, Any],
        out: Path | None = None,
        outputs: dict[tuple[str, str], np.ndarray] | None = None,
    ) -> None:
        self.methods = sorted(methods, key=lambda method: (method["year"], method["method"]))
        self.labels = [method["label"] for method in self.methods]
        self._specs = {spec.name: spec for spec in specs}
        self.case_names = [spec.name for spec in specs]
        order = {(case, label): index for index, (case, label) in enumerate(
            (case, label) for case in self.case_names for label in self.labels
        )}
        self.records = sorted(records, key=lambda record: order.get((record["case"], record["label"]), len(order)))
        self._by_pair = {(record["case"], record["label"]): record for record in self.records}
        self.settings = settings
        self.metrics = tuple(settings["metrics"])
        runs = settings.get("runs") or [{}]
        self.versions = dict(runs[-1].get("versions", {}))
        self.out = out
        self._outputs = outputs if outputs is not None else {}

    def __repr__(self) -> str:
        counts = {status: sum(r["status"] == status for r in self.records) for status in _STATUSES}
        shown = ", ".join(f"{count} {status}" for status, count in counts.items() if count)
        return (
            f"<Report: {len(self.case_names)} cases x {len(self.labels)} methods ({shown or 'no records'})"
            f"{f', in {self.out}' if self.out is not None else ''}>"
        )

    # ------------------------------------------------------------------ access
    def case(self, name: str) -> datasets.Case:
        """The case ``name``, built again from its recipe (image, mask and ground truth)."""
        if name not in self._specs:
            raise InvalidParameterError(f"name: no case {name!r} in this report; it has {', '.join(self.case_names)}")
        return self._specs[name].build()

    def record(self, case: str, label: str) -> dict[str, Any] | None:
        """The record of (case, label), or None when that pair was not run."""
        return self._by_pair.get((case, label))

    def output(self, case: str, label: str) -> np.ndarray | None:
        """The composited result of (case, label), or None when it did not finish.

        Read from :attr:`out` when the run had a folder (a float image comes back as its
        uint8 display PNG), otherwise kept from the run.
        """
        if (case, label) in self._outputs:
            return self._outputs[case, label]
        record = self.record(case, label)
        if self.out is None or record is None or not record.get("output"):
            return None
        from ..io import read_image

        path = self.out / record["output"]
        return read_image(path) if path.is_file() else None

    # ------------------------------------------------------------------ tables
    def _check_by(self, by: Any) -> None:
        if by is not None and by not in _GROUPINGS:
            raise InvalidParameterError(f"by: expected None or one of {', '.join(_GROUPINGS)}, got {by!r}")

    def _check_metric(self, metric: Any) -> None:
        if metric is not None and metric not in self.metrics:
            raise InvalidParameterError(f"metric: expected one of {', '.join(self.metrics)}, got {metric!r}")

    def _groups(self, by: str) -> list[Any]:
        seen = list(dict.fromkeys(_group_key(record, by) for record in self.records))
        if by == "ratio_bin":
            return sorted(seen, key=_bin_order)
        if by == "size":
            return sorted(seen, key=lambda key: (key is None, key or 0))
        return seen

    def _check_labels(self, labels: Any) -> list[str]:
        if labels is None:
            return list(self.labels)
        if (
            isinstance(labels, str)
            or not isinstance(labels, (list, tuple))
            or not all(isinstance(label, str) for label in labels)
        ):
            raise InvalidParameterError(f"labels: expected a list of method labels, got {labels!r}")
        unknown = [label for label in labels if label not in self.labels]
        if unknown or not labels:
            raise InvalidParameterError(
                f"labels: expected some of {', '.join(self.labels)}, got {', '.join(unknown) or 'none'}"
            )
        wanted = set(labels)
        return [label for label in self.labels if label in wanted]  # oldest first, as the rows

    def common_cases(self, labels: Sequence[str] | None = None) -> list[str]:
        """The cases that every method of ``labels`` (default: all) finished ("ok")."""
        chosen = self._check_labels(labels)
        return [
            case for case in self.case_names
            if all((self._by_pair.get((case, label)) or {}).get("status") == "ok" for label in chosen)
        ]

    def table(
        self,
        by: str | None = None,
        metric: str | None = None,
        *,
        paired: bool = False,
        labels: Sequence[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Per method (and per group): counts, mean metrics over the ok cases, median time.

        Each method's means are over the cases *it* finished. A method that fails or times
        out on the hard cases is then averaged over easier ones; ``paired=True`` compares
        the methods on the same cases instead.

        Parameters
        ----------
        by : {None, "mask_family", "ratio_bin", "photo", "size", "method_family"}
            Group the cases by this record key too (None: one row per method). With
            ``"ratio_bin"``, cases whose hole ratio lies outside the bins are grouped as
            ``"outside bins"``.
        metric : str, optional
            Keep only this metric's column (default: every metric of the run).
        paired : bool
            Keep only the cases that every method of the table finished
            (:meth:`common_cases`); the counts are then over those cases.
        labels : list of str, optional
            The methods (labels) to tabulate, and to pair (default: all).

        Returns
        -------
        list of dict
            One row per label (and group), labels oldest first: ``label``, ``method``,
            ``year``, ``by``'s key when given, ``cases``, ``ok``, ``error``, ``timeout``,
            ``skipped``, the mean of each metric over the ok cases (the mean of the finite
            values; inf when all are inf; None when no case is ok), and ``time``, the median
            over the ok cases of each case's median time.
        """
        self._check_by(by)
        self._check_metric(metric)
        kept = self._check_labels(labels)
        common = set(self.common_cases(kept)) if paired else None
        chosen = self.metrics if metric is None else (metric,)
        groups = [None] if by is None else self._groups(by)
        rows = []
        for method in self.methods:
            if method["label"] not in kept:
                continue
            mine = [
                record for record in self.records
                if record["label"] == method["label"] and (common is None or record["case"] in common)
            ]
            for group in groups:
                members = mine if by is None else [r for r in mine if _group_key(r, by) == group]
                if not members:
                    continue
                ok = [record for record in members if record["status"] == "ok"]
                row: dict[str, Any] = {"label": method["label"], "method": method["method"], "year": method["year"]}
                if by is not None:
                    row[by] = group
                row["cases"] = len(members)
                row.update({status: sum(r["status"] == status for r in members) for status in _STATUSES})
                for name in chosen:
                    values = [record[name] for record in ok if record.get(name) is not None]
                    row[name] = _mean(values) if values else None
                times = [record["time"] for record in ok if record.get("time") is not None]
                row["time"] = statistics.median(times) if times else None
                rows.append(row)
        return rows

    def to_markdown(
        self,
        by: str | None = None,
        metric: str | None = None,
        *,
        paired: bool = False,
        labels: Sequence[str] | None = None,
    ) -> str:
        """A GitHub markdown table.

        Without ``by``: one row per method with its year, ok count, failures, every metric
        (or only ``metric``) and median time in seconds. With ``by``: one row per method and
        one column per group, holding ``metric``'s mean (default ``hole_mae``, or the run's
        first metric), ``"value (k/n ok)"`` where some cases failed and ``-`` where none
        finished. ``paired`` and ``labels``: see :meth:`table`.
        """
        self._check_by(by)
        self._check_metric(metric)
        kept = self._check_labels(labels)
        options = {"paired": paired, "labels": kept}
        if by is None:
            chosen = self.metrics if metric is None else (metric,)
            header = ["method", "year", "ok", "failed", *(_HEADERS[name] for name in chosen), "time (s)"]
            rows = []
            for row in self.table(metric=metric, **options):
                failed = ", ".join(f"{row[status]} {status}" for status in _STATUSES[1:] if row[status]) or "-"
                rows.append(
                    [row["label"], str(row["year"]), f"{row['ok']}/{row['cases']}", failed]
                    + [_format(name, row[name]) for name in chosen]
                    + [_format_seconds(row["time"])]
                )
            return _markdown(header, rows)
        if metric is None:
            metric = "hole_mae" if "hole_mae" in self.metrics else self.metrics[0]
        cells = {(row["label"], row[by]): row for row in self.table(by=by, metric=metric, **options)}
        groups = [group for group in self._groups(by) if any(key[1] == group for key in cells)]
        rows = []
        for method in self.methods:
            if method["label"] not in kept:
                continue
            line = [method["label"], str(method["year"])]
            for group in groups:
                row = cells.get((method["label"], group))
                if row is None:
                    line.append("")
                    continue
                text = _format(metric, row[metric])
                if row["ok"] < row["cases"]:
                    text += f" ({row['ok']}/{row['cases']} ok)"
                line.append(text)
            rows.append(line)
        return _markdown(["method", "year", *map(str, groups)], rows)

    def to_csv(
        self,
        path: str | os.PathLike | None = None,
        *,
        by: str | None = None,
        paired: bool = False,
        labels: Sequence[str] | None = None,
    ) -> str:
        """The rows of :meth:`table` as CSV (full precision; empty cells for None).

        Parameters
        ----------
        path : str or path-like, optional
            Also write the text there (parent folders are created).
        by, paired, labels
            See :meth:`table`.

        Returns
        -------
        str
        """
        rows = self.table(by=by, paired=paired, labels=labels)
        buffer = _stringio.StringIO()
        if rows:
            writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
            writer.writeheader()
            writer.writerows({key: ("" if value is None else value) for key, value in row.items()} for row in rows)
        text = buffer.getvalue()
        if path is not None:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(text, encoding="utf-8")
        return text

    def to_pandas(self) -> Any:
        """The records as a pandas DataFrame, one row per (case, label).

        Raises
        ------
        ImportError
            pandas is not installed.
        """
        try:
            import pandas
        except ImportError as exc:
            raise ImportError(
                "Report.to_pandas needs pandas, which is not installed; pip install pandas, "
                "or use report.records, report.table() or report.to_csv()"
            ) from exc
        return pandas.DataFrame.from_records(self.records)

    # ------------------------------------------------------------------ saving
    def save(self, dir: str | os.PathLike | None = None, *, metric: str = "hole_mae") -> Path:
        """Write the tables, the figures and ``index.html`` into ``dir`` (default :attr:`out`).

        Writes ``tables/summary.md|csv``, ``tables/paired.md|csv`` (the summary on the
        cases that every method with a finished case finished, when there are such cases
        and some method failed somewhere), ``tables/by_mask_family.md|csv`` and
        ``tables/by_ratio_bin.md|csv`` (the markdown files hold one table per metric),
        ``figures/cases/<case>.png`` (every method's result on each case, oldest first),
        ``figures/quality_vs_time.png``, ``figures/by_hole_ratio.png``, with the paired
        table also ``figures/quality_vs_time_paired.png`` and
        ``figures/by_hole_ratio_paired.png`` (the same figures on that table's cases and
        methods), and ``index.html``, which shows them all.

        Parameters
        ----------
        dir : str or path-like, optional
            The report folder; needed when the run had no ``out``.
        metric : str
            The metric the figures show.

        Returns
        -------
        Path
            The ``index.html`` written.
        """
        from . import _figures, _html
        from ._run import safe_name

        if dir is None:
            if self.out is None:
                raise InvalidParameterError("dir: this report has no run folder; pass the folder to write to")
            dir = self.out
        folder = Path(dir)
        self._check_metric(metric)
        markdown: dict[str, str] = {"Summary": self.to_markdown()}
        self.to_csv(folder / "tables" / "summary.csv")
        (folder / "tables").mkdir(parents=True, exist_ok=True)
        (folder / "tables" / "summary.md").write_text(markdown["Summary"], encoding="utf-8")
        finishing = [
            label for label in self.labels
            if any(record["label"] == label and record["status"] == "ok" for record in self.records)
        ]
        common = self.common_cases(finishing) if finishing else []
        some_failed = any(record["status"] != "ok" for record in self.records)
        write_paired = bool(common) and some_failed
        if write_paired:
            left_out = [label for label in self.labels if label not in finishing]
            title = f"Summary on the {len(common)} cases every method finished" + (
                f" (not {', '.join(left_out)}: no case finished)" if left_out else ""
            )
            markdown[title] = self.to_markdown(paired=True, labels=finishing)
            (folder / "tables" / "paired.md").write_text(f"## {title}\n\n{markdown[title]}", encoding="utf-8")
            self.to_csv(folder / "tables" / "paired.csv", paired=True, labels=finishing)
        for by, title in (("mask_family", "by mask family"), ("ratio_bin", "by hole ratio")):
            parts = [f"## {_HEADERS[name]} {title}\n\n{self.to_markdown(by=by, metric=name)}" for name in self.metrics]
            text = "\n".join(parts)
            (folder / "tables" / f"by_{by}.md").write_text(text, encoding="utf-8")
            self.to_csv(folder / "tables" / f"by_{by}.csv", by=by)
            markdown[f"{_HEADERS[metric]} {title}"] = self.to_markdown(by=by, metric=metric)
        figures: dict[str, Path] = {}
        for title, draw, stem in (
            ("quality against time", _figures.quality_time_scatter, "quality_vs_time"),
            ("quality by hole ratio", _figures.ratio_curves, "by_hole_ratio"),
        ):
            figures[title] = draw(self, folder / "figures" / f"{stem}.png", metric=metric)
            if write_paired:  # right after its unpaired twin, so the page shows them side by side
                figures[f"{title}, paired"] = draw(
                    self, folder / "figures" / f"{stem}_paired.png", metric=metric, paired=True, labels=finishing
                )
        for name in self.case_names:
            path = folder / "figures" / "cases" / f"{safe_name(name)}.png"
            figures[name] = _figures.case_grid(self, name, path, metric=metric)
        return _html.write_index(self, folder, figures, markdown)


def _bin_order(key: str) -> tuple[bool, int]:
    """Bins by their lower percentage ("1-10%" before "10-20%"), "outside bins" last."""
    return (True, 0) if key == _OUTSIDE_BINS else (False, int(key.split("-")[0]))


def _group_key(record: dict[str, Any], by: str) -> Any:
    value = record.get(by)
    return _OUTSIDE_BINS if by == "ratio_bin" and value is None else value


def read_report(out: str | os.PathLike) -> Report:
    """The report of a run folder written by :func:`~inpaintkit.comparison.compare`.

    Every method and case ever run into the folder is included; pairs without a record
    (an interrupted run) are simply missing from :attr:`Report.records`.

    Raises
    ------
    FileNotFoundError
        ``out`` holds no ``run.json``.
    """
    out = Path(out)
    settings = read_settings(out)
    if settings is None:
        raise FileNotFoundError(f"out: {out} holds no run.json; is it the folder a comparison wrote?")
    specs = [spec_from_json(case) for case in settings["cases"]]
    records = list(read_records(out).values())
    known = {(spec.name, method["label"]) for spec in specs for method in settings["methods"]}
    return Report(
        [record for record in records if (record["case"], record["label"]) in known],
        methods=settings["methods"],
        specs=specs,
        settings=settings,
        out=out,
    )

