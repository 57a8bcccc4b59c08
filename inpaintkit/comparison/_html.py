"""The HTML page of a comparison report: one self-contained file linking the report's figures.

The page needs no network and no script: its style is inline, its images are relative
links to the PNGs next to it, and every piece of text that came from a run (labels, case
names, error messages, versions) is escaped.
"""

from __future__ import annotations

import html
import os
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

__all__ = ["write_index", "markdown_table_to_html"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1200px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; border-bottom: 1px solid #ccc; } h3 { font-size: 1em; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { background: #f0f0f0; }
figure { display: inline-block; margin: 0.5em; vertical-align: top; }
figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.85em; color: #555; }
.failed td { background: #fff4f4; }
code, pre { font-size: 0.85em; }
"""


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _is_separator(line: str) -> bool:
    return all(set(cell) <= set(":-") and cell for cell in _cells(line))


def markdown_table_to_html(markdown: str) -> str:
    """Markdown (pipe tables, ``#`` headings and paragraphs) as escaped HTML.

    Parameters
    ----------
    markdown : str
        Text such as :meth:`Report.to_markdown` writes: pipe tables whose second line is
        the ``|---|`` separator, headings, and plain lines.

    Returns
    -------
    str
        ``<table>`` elements (the row above the separator as ``<th>``), ``<h3>`` headings and
        ``<p>`` paragraphs; every cell and line escaped.

    Examples
    --------
    >>> print(markdown_table_to_html("| a | b |\\n|---|---|\\n| 1 | <2> |"))
    <table>
    <tr><th>a</th><th>b</th></tr>
    <tr><td>1</td><td>&lt;2&gt;</td></tr>
    </table>
    """
    lines = markdown.splitlines()
    parts: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index].strip()
        if line.startswith("|"):
            rows = []
            while index < len(lines) and lines[index].strip().startswith("|"):
                rows.append(lines[index])
                index += 1
            has_header = len(rows) > 1 and _is_separator(rows[1])
            body = rows[2:] if has_header else rows
            table = ["<table>"]
            if has_header:
                table.append("<tr>" + "".join(f"<th>{html.escape(cell)}</th>" for cell in _cells(rows[0])) + "</tr>")
            table += [
                "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in _cells(row)) + "</tr>" for row in body
            ]
            parts.append("\n".join(table + ["</table>"]))
            continue
        if line.startswith("#"):
            parts.append(f"<h3>{html.escape(line.lstrip('#').strip())}</h3>")
        elif line:
            parts.append(f"<p>{html.escape(line)}</p>")
        index += 1
    return "\n".join(parts)


def _relative_url(path: Path, out_dir: Path) -> str:
    """``path`` relative to ``out_dir``, percent-encoded (labels put ``[``, ``=`` and ``,`` in file names)."""
    return quote(Path(os.path.relpath(Path(path).resolve(), out_dir.resolve())).as_posix(), safe="/")


def _figure(name: str, path: Path, out_dir: Path) -> str:
    link = html.escape(_relative_url(path, out_dir), quote=True)
    caption = html.escape(name)
    return f'<figure><a href="{link}"><img src="{link}" alt="{caption}"></a><figcaption>{caption}</figcaption></figure>'


def _downloads(out_dir: Path) -> str:
    """Links to the machine-readable files of the run folder that exist: CSV tables, records, settings."""
    files = sorted((out_dir / "tables").glob("*.csv")) + [
        path for path in (out_dir / "results.jsonl", out_dir / "run.json") if path.is_file()
    ]
    links = [
        f'<a href="{html.escape(_relative_url(path, out_dir), quote=True)}">{html.escape(path.name)}</a>'
        for path in files
    ]
    return f"<p>Data: {', '.join(links)}.</p>" if links else ""


def _versions(versions: Mapping[str, Any]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(str(key))}</td><td>{html.escape(str(value))}</td></tr>"
        for key, value in versions.items()
    )
    return f"<table>{rows}</table>"


def _problems(records: list[dict]) -> str:
    failed = [record for record in records if record.get("status") != "ok"]
    if not failed:
        return "<p>Every method finished every case.</p>"
    rows = "".join(
        '<tr class="failed">'
        + "".join(
            f"<td>{html.escape(str(record.get(key) or ''))}</td>" for key in ("case", "label", "status", "error")
        )
        + "</tr>"
        for record in failed
    )
    return f"<table><tr><th>case</th><th>method</th><th>status</th><th>reason</th></tr>{rows}</table>"


def write_index(
    report: Any, out_dir: str | Path, figures: Mapping[str, Path], tables: Mapping[str, str]
) -> Path:
    """Write ``out_dir/index.html``: the tables, the figures, the failures and the versions.

    The page also links the run folder's ``tables/*.csv``, ``results.jsonl`` and ``run.json``
    where they exist.

    Parameters
    ----------
    report : Report
        Gives ``records``, ``labels``, ``case_names`` and ``versions``.
    out_dir : str or Path
        The report folder; the page is written there and links to figures relative to it.
    figures : mapping of str to Path
        Title -> PNG. Figures whose title is a case name go under "Cases", in the report's
        case order; the others (the scatter and the curves, paired or not) come first, in
        the mapping's order, under "Figures". Paths that do not exist are left out, so the
        page never shows a broken image.
    tables : mapping of str to str
        Title -> markdown (pipe tables), shown as HTML tables.

    Returns
    -------
    Path
        The page.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    existing = {name: Path(path) for name, path in figures.items() if Path(path).is_file()}
    case_names = set(report.case_names)
    overview = [_figure(name, path, out_dir) for name, path in existing.items() if name not in case_names]
    cases = [_figure(name, existing[name], out_dir) for name in report.case_names if name in existing]
    counts = Counter(record.get("status") for record in report.records)
    summary = ", ".join(f"{count} {status}" for status, count in sorted(counts.items()))
    labels = ", ".join(html.escape(label) for label in report.labels)
    sections = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>inpaintkit comparison</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>inpaintkit comparison</h1>",
        f"<p>{len(report.case_names)} case(s) x {len(report.labels)} method(s), oldest first: {labels}.</p>",
        f"<p>Tasks: {html.escape(summary) or 'none'}.</p>",
    ]
    for title, markdown in tables.items():
        sections += [f"<h2>{html.escape(title)}</h2>", markdown_table_to_html(markdown)]
    sections.append(_downloads(out_dir))
    if overview:
        sections += ["<h2>Figures</h2>", *overview]
    if cases:
        sections += ["<h2>Cases</h2>", *cases]
    sections += [
        "<h2>Errors, timeouts and skips</h2>",
        _problems(list(report.records)),
        "<h2>Versions</h2>",
        _versions(report.versions),
        "</body></html>",
    ]
    path = out_dir / "index.html"
    path.write_text("\n".join(sections) + "\n", encoding="utf-8")
    return path
