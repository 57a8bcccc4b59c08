"""The comparison report's figures and HTML page, drawn from a small report built here."""

from __future__ import annotations

import html.parser
import math
import statistics
import time
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pytest
from PIL import Image

import inpaintkit as ik
from inpaintkit import datasets, metrics
from inpaintkit.comparison import METRICS, Report, _figures, _html
from inpaintkit.errors import InvalidParameterError

SCRIPT_ERROR = "ValueError: bad <script>alert('x')</script> & more"
FAILED_GREY = round(255 * 0.82)


class FakeReport:
    """The part of :class:`inpaintkit.comparison.Report` the rendering reads, over in-memory results."""

    def __init__(self, cases, outputs, records, labels, versions=None):
        self._cases = {case.name: case for case in cases}
        self._outputs = outputs
        self.labels = list(labels)
        self.case_names = [case.name for case in cases]
        self.records = [
            record
            for name in self.case_names
            for label in self.labels
            for record in records
            if record["case"] == name and record["label"] == label
        ]
        self.versions = versions or {"inpaintkit": ik.__version__, "platform": "test <machine>"}
        self._by_pair = {(record["case"], record["label"]): record for record in self.records}

    _check_labels = Report._check_labels
    common_cases = Report.common_cases

    def case(self, name):
        return self._cases[name]

    def output(self, case, label):
        return self._outputs.get((case, label))

    def record(self, case, label):
        return next((r for r in self.records if r["case"] == case and r["label"] == label), None)

    def table(self, by=None, metric="hole_mae"):
        raise NotImplementedError("the rendering must not need report.table")


def _record(case, label, method, status="ok", error=None, seconds=None, scores=None, ratio_bin="auto"):
    info = ik.inpainter_info(method)
    low_high = case.ratio_bin
    if ratio_bin == "auto":
        ratio_bin = None if low_high is None else f"{round(low_high[0] * 100)}-{round(low_high[1] * 100)}%"
    scores = scores or dict.fromkeys(("psnr", "ssim", "hole_mae", "mae", "gradient_ratio"))
    return {
        "case": case.name,
        "label": label,
        "method": method,
        "params": {},
        "year": info.year,
        "paper": info.paper,
        "method_family": info.family,
        "mask_family": case.family,
        "photo": case.photo,
        "size": case.size,
        "hole_ratio": case.hole_ratio,
        "ratio_bin": ratio_bin,
        "status": status,
        "error": error,
        "time": seconds,
        "times": [] if seconds is None else [seconds],
        **scores,
        "output": None,
    }


@pytest.fixture(scope="module")
def tiny():
    """Cases of the tiny suite, results of telea and harmonic (two labels each), and failures."""
    cases = list(datasets.suite("tiny"))
    outputs, records = {}, []
    methods = {"harmonic": "harmonic", "telea": "telea", "telea[radius=3]": "telea", "oracle": "opencv-ns"}
    for case in cases:
        for label, method in methods.items():
            start = time.perf_counter()
            if label == "oracle":  # a "method" returning the truth: PSNR is inf, as for identical images
                result = case.image.copy()
            else:
                params = {"radius": 3} if label.endswith("[radius=3]") else {}
                result = ik.Inpainter.create(method, **params).inpaint(case.image, case.mask)
            seconds = time.perf_counter() - start
            outputs[case.name, label] = result
            scores = metrics.evaluate(result, case.image, case.mask)
            records.append(_record(case, label, method, seconds=seconds, scores=scores))
        records.append(_record(case, "criminisi", "criminisi", status="error", error=SCRIPT_ERROR))
        records.append(_record(case, "patchmatch", "patchmatch", status="timeout", error="timeout: exceeded 0.1 s"))
    return cases, outputs, records


def report_of(tiny, labels, case_count=None, **changes):
    cases, outputs, records = tiny
    cases = cases[:case_count]
    records = [{**record, **changes} for record in records]
    order = {label: min(r["year"] for r in records if r["label"] == label) for label in labels}
    return FakeReport(cases, outputs, records, sorted(labels, key=lambda label: (order[label], label)))


def real_report(tiny, labels, failed=(), ratio_bins=None):
    """A :class:`Report` over the tiny results of ``labels``.

    ``failed`` holds (case index, label) pairs turned into errors; ``ratio_bins``, one hole-ratio
    bin per case, replaces the records' bins.
    """
    cases, outputs, records = tiny
    names = [case.name for case in cases]
    failing = {(names[index], label) for index, label in failed}
    kept = []
    for record in records:
        if record["label"] not in labels:
            continue
        record = dict(record)
        if ratio_bins is not None:
            record["ratio_bin"] = ratio_bins[names.index(record["case"])]
        if (record["case"], record["label"]) in failing:
            record.update(status="error", error="ValueError: made to fail", time=None, times=[])
            record.update(dict.fromkeys(METRICS))
        kept.append(record)
    first = {label: next(record for record in records if record["label"] == label) for label in labels}
    methods = [
        {key: first[label][key] for key in ("label", "method", "params", "year", "paper")}
        | {"family": first[label]["method_family"]}
        for label in labels
    ]
    settings = {"metrics": list(METRICS)}
    return Report(kept, methods=methods, specs=datasets.suite("tiny").specs, settings=settings, outputs=outputs)


def finished_by_all(report, labels):
    """The cases whose record is "ok" for every label of ``labels``, read from the records."""
    return [
        case for case in report.case_names
        if all(any(r["case"] == case and r["label"] == label and r["status"] == "ok" for r in report.records)
               for label in labels)
    ]


def labels_in_order(report, labels):
    """``labels`` in the report's order (oldest first), as the figures draw them."""
    return [label for label in report.labels if label in labels]


@pytest.fixture
def drawn(monkeypatch):
    """The title and the method names drawn (point names, line labels) of each figure saved in the test."""
    seen = []
    save = _figures._save

    def remembering_save(figure, path):
        axis = figure.axes[0]
        names = [text.get_text() for text in axis.texts] + [line.get_label() for line in axis.get_lines()]
        seen.append((axis.get_title(), names))
        return save(figure, path)

    monkeypatch.setattr(_figures, "_save", remembering_save)
    return seen


def png(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB")).astype(int)


def coloured_fraction(image: np.ndarray) -> float:
    """Fraction of pixels whose channels differ (0 for a figure drawn in grey levels only)."""
    return float(np.mean(image.max(axis=2) - image.min(axis=2) > 24))


def test_case_grid_grows_one_tile_per_method_then_wraps(tmp_path, tiny):
    name = tiny[0][0].name
    widths, heights = [], []
    for count, labels in enumerate((["harmonic"], ["harmonic", "telea"], ["harmonic", "telea", "criminisi"])):
        path = _figures.case_grid(report_of(tiny, labels), name, tmp_path / f"grid{count}.png")
        assert path == tmp_path / f"grid{count}.png"
        height, width, _ = png(path).shape
        widths.append(width)
        heights.append(height)
    assert widths[0] < widths[1] < widths[2] and heights[0] == heights[1] == heights[2]
    tile = widths[2] - widths[1]
    assert widths[1] - widths[0] == pytest.approx(tile, abs=2)

    many = ["harmonic", "telea", "telea[radius=3]", "oracle", "criminisi", "patchmatch"]
    wide = png(_figures.case_grid(report_of(tiny, many), name, tmp_path / "wide.png"))
    assert wide.shape[1] == pytest.approx(widths[0] + 4 * tile, abs=3), "six tiles a row"
    assert wide.shape[0] > heights[0] * 1.8, "seven tiles wrap onto a second row"


def test_case_grid_shows_failures_as_grey_tiles_and_gray_images_in_grey(tmp_path, tiny):
    gray_case = next(case for case in tiny[0] if case.image.ndim == 2)

    def grid(*labels):
        path = tmp_path / f"{len(labels)}{labels[-1]}.png"
        return png(_figures.case_grid(report_of(tiny, labels), gray_case.name, path))

    def grey_tile_pixels(image):
        return int(np.sum(np.all(image == FAILED_GREY, axis=2)))

    one, ok_two, one_failed, two_failed = (
        grid("harmonic"),
        grid("harmonic", "telea"),
        grid("harmonic", "criminisi"),
        grid("harmonic", "criminisi", "patchmatch"),
    )
    tile_area = (two_failed.shape[1] - one_failed.shape[1]) ** 2
    failed_tile = grey_tile_pixels(one_failed) - grey_tile_pixels(one)
    assert failed_tile > tile_area / 2, "the failed method's tile is grey"
    assert grey_tile_pixels(two_failed) - grey_tile_pixels(one_failed) == pytest.approx(failed_tile, rel=0.1)
    # Only the hole's magenta tint is coloured: the gray photo and the results are drawn in grey levels.
    coloured = [coloured_fraction(image) * image.shape[0] * image.shape[1] for image in (one, ok_two)]
    assert 0 < coloured[0] < tile_area / 4
    assert coloured[1] == pytest.approx(coloured[0], abs=tile_area / 50), "a gray result adds no colour"


def test_case_grid_draws_colour_results_in_colour(tmp_path, tiny):
    colour_case = next(case for case in tiny[0] if case.image.ndim == 3)
    one = png(_figures.case_grid(report_of(tiny, ["harmonic"]), colour_case.name, tmp_path / "one.png"))
    two = png(_figures.case_grid(report_of(tiny, ["harmonic", "telea"]), colour_case.name, tmp_path / "two.png"))
    assert coloured_fraction(two) * two.size > coloured_fraction(one) * one.size * 1.3


def test_unknown_metric_names_the_argument(tmp_path, tiny):
    report = report_of(tiny, ["harmonic"])
    for draw in (
        lambda: _figures.case_grid(report, report.case_names[0], tmp_path / "a.png", metric="lpips"),
        lambda: _figures.quality_time_scatter(report, tmp_path / "b.png", metric="lpips"),
        lambda: _figures.ratio_curves(report, tmp_path / "c.png", metric="lpips"),
    ):
        with pytest.raises(InvalidParameterError, match="metric"):
            draw()
    assert not list(tmp_path.iterdir())


def test_mean_skips_nan_and_keeps_inf_only_when_nothing_is_finite():
    assert _figures._mean([1.0, math.inf, 3.0, None, math.nan]) == 2.0
    assert _figures._mean([math.inf, math.inf]) == math.inf
    assert math.isnan(_figures._mean([]))
    assert math.isnan(_figures._mean([None, math.nan]))


@pytest.mark.parametrize("metric", ["hole_mae", "psnr"])
def test_scatter_and_curves_handle_failures_infinite_psnr_and_one_case(tmp_path, tiny, metric):
    labels = ["harmonic", "telea", "oracle", "criminisi", "patchmatch"]
    for case_count in (None, 1):
        report = report_of(tiny, labels, case_count)
        for draw in (_figures.quality_time_scatter, _figures.ratio_curves):
            path = draw(report, tmp_path / f"{draw.__name__}-{case_count}-{metric}.png", metric=metric)
            assert png(path).shape[0] > 300


def test_ratio_curves_say_so_when_no_case_has_a_bin(tmp_path, tiny):
    labels = ["harmonic", "telea"]
    curves = png(_figures.ratio_curves(report_of(tiny, labels), tmp_path / "curves.png"))
    empty = png(_figures.ratio_curves(report_of(tiny, labels, ratio_bin=None), tmp_path / "empty.png"))
    assert coloured_fraction(curves) > 0.001, "one coloured line per method"
    assert coloured_fraction(empty) == 0.0 and (empty < 128).any(), "a note in black, no axes, no lines"


@pytest.mark.parametrize("metric", ["hole_mae", "ssim"])
def test_paired_scatter_points_are_over_the_cases_every_method_finished(tmp_path, tiny, drawn, metric):
    labels = ["harmonic", "telea", "oracle"]
    report = real_report(tiny, labels, failed=[(1, "telea")])
    common = finished_by_all(report, labels)
    assert 0 < len(common) < len(report.case_names)

    points, without_result, paired_on = _figures._scatter_points(report, metric, paired=True, labels=None)
    assert paired_on == common and without_result == []
    assert [label for label, *_ in points] == report.labels
    for label, family, seconds, value in points:
        mine = [r for r in report.records if r["label"] == label and r["case"] in common]
        assert family == mine[0]["method_family"]
        assert value == pytest.approx(statistics.fmean(r[metric] for r in mine))
        assert seconds == pytest.approx(statistics.median(r["time"] for r in mine))

    unpaired, _, not_paired = _figures._scatter_points(report, metric, paired=False, labels=None)
    assert not_paired is None
    for label, _, seconds, value in unpaired:
        mine = [r for r in report.records if r["label"] == label and r["status"] == "ok"]
        assert value == pytest.approx(statistics.fmean(r[metric] for r in mine))
        assert seconds == pytest.approx(statistics.median(r["time"] for r in mine))
    paired_means = {label: value for label, *_, value in points}
    unpaired_means = {label: value for label, *_, value in unpaired}
    # harmonic also finished the case telea failed: unpaired, that case counts
    assert paired_means["harmonic"] != pytest.approx(unpaired_means["harmonic"])

    _figures.quality_time_scatter(report, tmp_path / "paired.png", metric, paired=True)
    _figures.quality_time_scatter(report, tmp_path / "unpaired.png", metric)
    assert [title for title, _ in drawn] == [
        f"quality against time, paired on {len(common)} of {len(report.case_names)} cases",
        f"quality against time, {len(report.case_names)} case(s)",
    ]


def test_paired_ratio_curves_average_each_bin_over_the_common_cases(tmp_path, tiny, drawn):
    labels = ["harmonic", "telea", "oracle"]
    ratio_bins = ["1-10%", "10-20%", "10-20%"]  # the failed case shares its bin with a common one
    report = real_report(tiny, labels, failed=[(1, "telea")], ratio_bins=ratio_bins)
    common = finished_by_all(report, labels)

    bins, means, paired_on = _figures._ratio_means(report, "hole_mae", paired=True, labels=None)
    assert paired_on == common and sorted(bins) == sorted(set(ratio_bins)) and list(means) == report.labels
    for label in labels:
        for name, mean in zip(bins, means[label], strict=True):
            values = [
                r["hole_mae"] for r in report.records
                if r["label"] == label and r["case"] in common and r["ratio_bin"] == name
            ]
            assert mean == pytest.approx(statistics.fmean(values))
    _, unpaired, _ = _figures._ratio_means(report, "hole_mae", paired=False, labels=None)
    shared = bins.index("10-20%")
    assert unpaired["harmonic"][shared] != pytest.approx(means["harmonic"][shared])

    _figures.ratio_curves(report, tmp_path / "paired.png", paired=True)
    title = f"quality by hole size, paired on {len(common)} of {len(report.case_names)} cases"
    assert drawn == [(title, report.labels)]


def test_labels_choose_the_methods_drawn_and_what_is_paired(tmp_path, tiny, drawn):
    report = real_report(tiny, ["harmonic", "telea", "oracle"], failed=[(1, "telea")], ratio_bins=["1-10%"] * 3)
    chosen = ["oracle", "harmonic"]  # both finished every case: pairing them keeps every case
    _figures.quality_time_scatter(report, tmp_path / "scatter.png", labels=chosen, paired=True)
    _figures.ratio_curves(report, tmp_path / "curves.png", labels=chosen, paired=True)
    in_order = labels_in_order(report, chosen)
    assert in_order != chosen
    count = len(report.case_names)
    assert drawn == [
        (f"quality against time, paired on {count} of {count} cases", in_order),
        (f"quality by hole size, paired on {count} of {count} cases", in_order),
    ]
    points, _, common = _figures._scatter_points(report, "hole_mae", paired=True, labels=chosen)
    assert [label for label, *_ in points] == in_order and common == report.case_names


def test_scatter_names_of_close_points_do_not_overlap(tmp_path, tiny, monkeypatch):
    # harmonic (listed first, 2001) sits just below telea (2004): were names placed in the report's
    # order, telea's, moved down to clear harmonic's, would land on it.
    report = report_of(tiny, ["harmonic", "telea", "oracle"])
    spots = {"harmonic": (0.020, 0.0700), "telea": (0.021, 0.0704), "oracle": (1.0, 0.0900)}
    for record in report.records:
        if record["label"] in spots:
            record["time"], record["hole_mae"] = spots[record["label"]]
    names = {}
    save = _figures._save

    def remembering_save(figure, path):
        figure.canvas.draw()
        for text in figure.axes[0].texts:
            names[text.get_text()] = text.get_window_extent()
        return save(figure, path)

    monkeypatch.setattr(_figures, "_save", remembering_save)
    _figures.quality_time_scatter(report, tmp_path / "scatter.png")
    assert names["telea"].y0 >= names["harmonic"].y1, "the higher point's name sits above the lower one's"


def test_figures_name_the_methods_labels_leave_out(tmp_path, tiny, monkeypatch):
    report = real_report(tiny, ["harmonic", "telea", "oracle"], ratio_bins=["1-10%"] * 3)
    notes = []
    save = _figures._save

    def remembering_save(figure, path):
        notes.append(" ".join(text.get_text() for text in figure.texts))
        return save(figure, path)

    monkeypatch.setattr(_figures, "_save", remembering_save)
    for draw in (_figures.quality_time_scatter, _figures.ratio_curves):
        draw(report, tmp_path / "chosen.png", labels=["oracle", "harmonic"], paired=True)
        draw(report, tmp_path / "all.png")
    assert notes == ["not drawn: telea", "", "not drawn: telea", ""]


@pytest.mark.parametrize("labels", [["nope"], "harmonic", [], 3, ["harmonic", 3]])
def test_figures_refuse_bad_labels(tmp_path, tiny, labels):
    report = real_report(tiny, ["harmonic", "telea"])
    for draw in (_figures.quality_time_scatter, _figures.ratio_curves):
        for paired in (False, True):
            with pytest.raises(InvalidParameterError, match="labels"):
                draw(report, tmp_path / "figure.png", labels=labels, paired=paired)
    assert not list(tmp_path.iterdir())


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.links += [unquote(value) for name, value in attrs if name in ("src", "href")]


def test_index_links_only_existing_files_escapes_text_and_shows_every_label(tmp_path, tiny):
    labels = ["harmonic", "telea", "telea[radius=3]", "criminisi", "patchmatch"]
    report = report_of(tiny, labels)
    figures = {
        name: _figures.case_grid(report, name, tmp_path / "figures" / "cases" / f"{name}.png")
        for name in report.case_names
    }
    figures["quality vs time"] = _figures.quality_time_scatter(report, tmp_path / "figures" / "quality_vs_time.png")
    figures["never drawn"] = tmp_path / "figures" / "missing.png"
    tables = {"by mask family": "| method | hole_mae |\n|---|---|\n| telea<b> | 0.1 |\n| harmonic | 0.2 |"}

    page = _html.write_index(report, tmp_path, figures, tables)

    assert page == tmp_path / "index.html"
    text = page.read_text(encoding="utf-8")
    parser = Links()
    parser.feed(text)
    assert sorted(set(parser.links)) == sorted(
        {f"figures/cases/{name}.png" for name in report.case_names} | {"figures/quality_vs_time.png"}
    )
    assert all((tmp_path / link).is_file() for link in parser.links)
    assert "<script>" not in text and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in text
    assert "telea&lt;b&gt;" in text and "<td>0.1</td>" in text
    assert all(f"<td>{label}</td>" in text for label in ["criminisi", "patchmatch"])
    assert all(label.replace("<", "&lt;") in text for label in labels)
    assert "test &lt;machine&gt;" in text and "<style>" in text and "http" not in text


def test_markdown_tables_become_escaped_html_tables():
    converted = _html.markdown_table_to_html("# Title\n\nsome <text>\n\n| a | b |\n|:--|--:|\n| 1 | x<y |\n")
    assert converted == (
        "<h3>Title</h3>\n<p>some &lt;text&gt;</p>\n"
        "<table>\n<tr><th>a</th><th>b</th></tr>\n<tr><td>1</td><td>x&lt;y</td></tr>\n</table>"
    )


def test_a_real_comparison_saves_figures_and_a_page_that_links_them(tmp_path):
    from inpaintkit.comparison import compare

    failing = ("criminisi", {"patch_size": 99})  # larger than every tiny image: an error on each case
    report = compare(["telea", "harmonic", failing], "tiny", out=tmp_path / "run", repeat=1)
    page = report.save()

    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    expected = {"figures/quality_vs_time.png", "figures/by_hole_ratio.png"}
    expected |= {"figures/quality_vs_time_paired.png", "figures/by_hole_ratio_paired.png"}
    expected |= {f"figures/cases/{name}.png" for name in report.case_names}
    expected |= {"results.jsonl", "run.json"}
    expected |= {f"tables/{name}.csv" for name in ("summary", "paired", "by_mask_family", "by_ratio_bin")}
    assert set(parser.links) == expected
    figures = {link: png(page.parent / link) for link in parser.links if link.endswith(".png")}
    grid_widths = {image.shape[1] for link, image in figures.items() if link.startswith("figures/cases/")}
    assert len(grid_widths) == 1, "every case grid holds the input and the same three methods"
    text = page.read_text(encoding="utf-8")
    assert all(html_label in text for html_label in ("telea", "harmonic", "criminisi[patch_size=99]"))
    assert text.count('<tr class="failed">') == len(report.case_names)
    # criminisi finished no case: the paired summary leaves it out and says so
    assert f"Summary on the {len(report.case_names)} cases every method finished (not criminisi[patch_size=99]" in text


PAIRED_FIGURES = {"figures/quality_vs_time_paired.png", "figures/by_hole_ratio_paired.png"}


def test_save_adds_the_paired_figures_when_a_method_failed_on_some_cases(tmp_path, tiny):
    labels = ["harmonic", "telea"]
    page = real_report(tiny, labels, failed=[(1, "telea")]).save(tmp_path / "failed")

    parser = Links()
    text = page.read_text(encoding="utf-8")
    parser.feed(text)
    assert PAIRED_FIGURES <= set(parser.links)
    assert all(png(page.parent / link).shape[0] > 300 for link in PAIRED_FIGURES)
    for caption in ("quality against time, paired", "quality by hole ratio, paired"):
        assert text.index("<h2>Figures</h2>") < text.index(f"<figcaption>{caption}</figcaption>")
        assert text.index(f"<figcaption>{caption}</figcaption>") < text.index("<h2>Cases</h2>")


@pytest.mark.parametrize(
    "failed", [(), [(1, "telea"), (0, "harmonic"), (2, "harmonic")]], ids=["none-failed", "no-common-case"]
)
def test_save_leaves_the_paired_figures_out_without_failures_or_common_cases(tmp_path, tiny, failed):
    page = real_report(tiny, ["harmonic", "telea"], failed=failed).save(tmp_path)

    parser = Links()
    parser.feed(page.read_text(encoding="utf-8"))
    assert "figures/quality_vs_time.png" in parser.links and not PAIRED_FIGURES & set(parser.links)
    assert sorted(path.name for path in (tmp_path / "figures").glob("*.png")) == [
        "by_hole_ratio.png",
        "quality_vs_time.png",
    ]
