"""The comparison harness: exact metrics, failures, timeouts, workers, resume, tables and the CLI."""

from __future__ import annotations

import argparse
import csv
import html.parser
import importlib.util
import io as stringio
import json
import multiprocessing
import statistics
from pathlib import Path

import numpy as np
import pytest

import inpaintkit as ik
from inpaintkit import datasets, metrics
from inpaintkit.comparison import METRICS, Report, compare, read_report
from inpaintkit.comparison import _cli
from inpaintkit.errors import InvalidParameterError, UnknownMethodError

from .compare_helpers import registered

METHODS = ["telea", "harmonic", "opencv-telea"]
CHRONOLOGICAL = ["harmonic", "opencv-telea", "telea"]  # 2001, 2004, 2004 (then by name)


def _without_times(rows):
    return [{key: value for key, value in row.items() if key not in ("time", "times", "output")} for row in rows]


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory):
    """The uninterrupted reference run: three cheap methods on the tiny suite, into a folder."""
    out = tmp_path_factory.mktemp("serial") / "run"
    return compare(METHODS, "tiny", out=out, repeat=2)


def test_metrics_are_exactly_those_of_evaluate_on_the_outputs(serial_run):
    assert serial_run.labels == CHRONOLOGICAL
    assert serial_run.case_names == datasets.suite("tiny").names
    assert [(r["case"], r["label"]) for r in serial_run.records] == [
        (case, label) for case in serial_run.case_names for label in CHRONOLOGICAL
    ]
    for case in datasets.suite("tiny"):
        for label in CHRONOLOGICAL:
            expected_output = ik.Inpainter.create(label).inpaint(case.image, case.mask)
            expected = metrics.evaluate(expected_output, case.image, case.mask)
            record = serial_run.record(case.name, label)
            assert record["status"] == "ok" and record["error"] is None
            assert {name: record[name] for name in METRICS} == expected
            assert np.array_equal(serial_run.output(case.name, label), expected_output)
            assert (serial_run.out / record["output"]).is_file()
            assert len(record["times"]) == 2 and record["time"] == statistics.median(record["times"])
            assert record["hole_ratio"] == case.hole_ratio and record["mask_family"] == case.family
            assert record["year"] == ik.inpainter_info(label).year
    coffee = serial_run.record("coffee-48-irregular-10-20", "telea")
    assert coffee["ratio_bin"] == "10-20%"


def test_the_run_folder_rebuilds_the_same_report(serial_run):
    again = read_report(serial_run.out)
    assert again.records == serial_run.records
    assert again.labels == serial_run.labels and again.case_names == serial_run.case_names
    assert again.versions["inpaintkit"] == ik.__version__ and "numpy" in again.versions and "cpu" in again.versions
    case = again.case("camera-40-free_form")
    assert np.array_equal(case.image, datasets.suite("tiny")[1].image)


def test_tables_markdown_and_csv(serial_run):
    rows = serial_run.table()
    assert [row["label"] for row in rows] == CHRONOLOGICAL
    for row in rows:
        mine = [r for r in serial_run.records if r["label"] == row["label"]]
        assert (row["cases"], row["ok"], row["error"], row["timeout"]) == (3, 3, 0, 0)
        for name in METRICS:
            assert row[name] == statistics.fmean(r[name] for r in mine)
        assert row["time"] == statistics.median(r["time"] for r in mine)

    lines = serial_run.to_markdown().splitlines()
    assert lines[0].startswith("| method | year | ok | failed | PSNR")
    harmonic = rows[0]
    assert lines[2] == (
        f"| harmonic | 2001 | 3/3 | - | {harmonic['psnr']:.2f} | {harmonic['ssim']:.4f} | {harmonic['hole_mae']:.4f} "
        f"| {harmonic['mae']:.4f} | {harmonic['gradient_ratio']:.3f} | {harmonic['time']:.3g} |"
    )
    assert [line.split(" | ")[0] for line in lines[2:]] == [f"| {label}" for label in CHRONOLOGICAL]

    by_family = serial_run.to_markdown(by="mask_family", metric="ssim").splitlines()
    assert by_family[0] == "| method | year | box | free_form | irregular |"
    telea_box = serial_run.record("astronaut-32-box", "telea")["ssim"]
    assert by_family[4].startswith(f"| telea | 2004 | {telea_box:.4f} |")

    parsed = list(csv.DictReader(stringio.StringIO(serial_run.to_csv(by="ratio_bin"))))
    assert [row["label"] for row in parsed] == CHRONOLOGICAL and {row["ratio_bin"] for row in parsed} == {"10-20%"}
    assert float(parsed[0]["hole_mae"]) == rows[0]["hole_mae"]  # full precision

    with pytest.raises(InvalidParameterError, match="by"):
        serial_run.table(by="colour")
    with pytest.raises(InvalidParameterError, match="metric"):
        serial_run.to_markdown(metric="lpips")


def test_to_pandas_or_a_clear_import_error(serial_run):
    if importlib.util.find_spec("pandas") is None:
        with pytest.raises(ImportError, match="pip install pandas"):
            serial_run.to_pandas()
    else:
        frame = serial_run.to_pandas()
        assert len(frame) == len(serial_run.records) and list(frame["label"])[:3] == CHRONOLOGICAL


def test_a_failing_method_is_recorded_and_the_others_complete():
    with registered():
        report = compare(["harmonic", "test-fails-on-gray", "lama"], "tiny", repeat=1, metrics=["hole_mae", "ssim"])
    failed = report.record("camera-40-free_form", "test-fails-on-gray")
    assert failed["status"] == "error"
    assert failed["error"] == "ValueError: gray images are not supported by this test method"
    assert failed["hole_mae"] is None and failed["time"] is None
    assert report.output(failed["case"], failed["label"]) is None
    others = [r for r in report.records if r["label"] != "lama" and r is not failed]
    assert len(others) == 5 and all(r["status"] == "ok" for r in others)
    assert all(r["psnr"] is None and r["hole_mae"] is not None for r in others)  # only the chosen metrics
    lama = [r for r in report.records if r["label"] == "lama"]
    assert [r["status"] for r in lama] == ["skipped"] * 3 and "weights" in lama[0]["error"]
    row = {row["label"]: row for row in report.table()}["test-fails-on-gray"]
    assert (row["ok"], row["error"], row["cases"]) == (2, 1, 3)
    summary = report.to_markdown()
    assert "| test-fails-on-gray | 2099 | 2/3 | 1 error |" in summary and "| lama | 2022 | 0/3 | 3 skipped |" in summary
    assert "- (0/1 ok)" in report.to_markdown(by="mask_family")


def test_paired_tables_compare_the_methods_on_the_same_cases(tmp_path):
    with registered():
        report = compare(["harmonic", "telea", "test-fails-on-gray"], "tiny", repeat=1, metrics=["hole_mae"])
    failed = {r["case"] for r in report.records if r["status"] != "ok"}
    common = report.common_cases()
    assert len(failed) == 1 and common == [case for case in report.case_names if case not in failed]
    rows = {row["label"]: row for row in report.table(paired=True)}
    for label in ("harmonic", "test-fails-on-gray"):
        scores = [report.record(case, label)["hole_mae"] for case in common]
        assert rows[label]["hole_mae"] == statistics.fmean(scores)
        assert (rows[label]["cases"], rows[label]["ok"]) == (2, 2)
    assert report.table()[0]["cases"] == 3  # unpaired: each method over its own cases
    only = report.table(paired=True, labels=["telea", "harmonic"])  # these two finished every case
    assert [row["label"] for row in only] == ["harmonic", "telea"] and only[0]["cases"] == 3
    assert "| harmonic | 2001 | 2/2 | - |" in report.to_markdown(paired=True, metric="hole_mae")
    by_family = report.to_markdown(by="mask_family", paired=True).splitlines()
    assert by_family[0] == "| method | year | box | irregular |"  # the failed case was the free-form one
    for labels in (["nope"], "harmonic", [], 3):
        with pytest.raises(InvalidParameterError, match="labels"):
            report.table(labels=labels)
    report.save(tmp_path / "report")
    paired = (tmp_path / "report" / "tables" / "paired.md").read_text()
    assert paired.startswith("## Summary on the 2 cases every method finished\n")
    assert "Summary on the 2 cases" in (tmp_path / "report" / "index.html").read_text()


def test_timeouts_are_recorded_and_workers_match_the_serial_run(serial_run, tmp_path):
    with registered():
        report = compare(["opencv-telea", "test-hangs-on-gray"], "tiny", out=tmp_path, repeat=2, timeout=5, workers=2)
    hung = report.record("camera-40-free_form", "test-hangs-on-gray")
    assert hung["status"] == "timeout" and "5 s" in hung["error"] and hung["output"] is None
    assert hung["hole_ratio"] == datasets.suite("tiny")[1].hole_ratio  # case facts even without a result
    assert all(r["status"] == "ok" for r in report.records if r is not hung)
    ours = [r for r in report.records if r["label"] == "opencv-telea"]
    reference = [r for r in serial_run.records if r["label"] == "opencv-telea"]
    assert _without_times(ours) == _without_times(reference)
    assert not multiprocessing.active_children()


def _lines(out: Path) -> list[str]:
    return (out / "results.jsonl").read_text().splitlines()


def _stop_after(count):
    seen = []

    def callback(record):
        seen.append(record)
        if len(seen) == count:
            raise KeyboardInterrupt

    return callback, seen


def test_an_interrupted_run_resumes_to_the_same_table(serial_run, tmp_path):
    callback, seen = _stop_after(4)
    with pytest.raises(KeyboardInterrupt):
        compare(METHODS, "tiny", out=tmp_path, repeat=2, callback=callback)
    finished = _lines(tmp_path)
    assert len(finished) == 4
    with open(tmp_path / "results.jsonl", "a") as handle:  # a record cut short by a killed process
        handle.write('{"case": "coffee-48-irr')

    seen_again = []
    resumed = compare(METHODS, "tiny", out=tmp_path, repeat=2, callback=seen_again.append)
    assert len(seen_again) == 5  # only the unfinished pairs ran
    assert {(r["case"], r["label"]) for r in seen_again}.isdisjoint({(r["case"], r["label"]) for r in seen})
    assert _lines(tmp_path)[:4] == finished and len(_lines(tmp_path)) == 9
    for by in (None, "mask_family", "ratio_bin"):
        assert _without_times(resumed.table(by=by)) == _without_times(serial_run.table(by=by))
    assert _without_times(read_report(tmp_path).records) == _without_times(serial_run.records)

    nothing_left = []
    compare(METHODS, "tiny", out=tmp_path, repeat=2, callback=nothing_left.append)
    assert nothing_left == []


def test_ctrl_c_stops_the_workers_and_a_serial_run_resumes_it(serial_run, tmp_path):
    callback, _ = _stop_after(1)
    with pytest.raises(KeyboardInterrupt):
        compare(["opencv-telea"], "tiny", out=tmp_path, repeat=2, workers=1, callback=callback)
    assert not multiprocessing.active_children()
    assert len(_lines(tmp_path)) == 1
    seen = []
    resumed = compare(["opencv-telea"], "tiny", out=tmp_path, repeat=2, callback=seen.append)
    assert len(seen) == 2
    reference = [r for r in serial_run.records if r["label"] == "opencv-telea"]
    assert _without_times(resumed.records) == _without_times(reference)


def test_resume_keeps_failures_unless_asked_and_refuses_other_settings(tmp_path):
    with registered():
        compare(["test-fails-on-gray"], "tiny", out=tmp_path, repeat=1)
        again = []
        compare(["test-fails-on-gray"], "tiny", out=tmp_path, repeat=1, callback=again.append)
        assert again == []
        compare(["test-fails-on-gray"], "tiny", out=tmp_path, repeat=1, retry_failed=True, callback=again.append)
        assert [(r["case"], r["status"]) for r in again] == [("camera-40-free_form", "error")]
        with pytest.raises(InvalidParameterError, match="repeat=1"):
            compare(["test-fails-on-gray"], "tiny", out=tmp_path, repeat=2)
        with pytest.raises(InvalidParameterError, match="metrics"):
            compare(["test-fails-on-gray"], "tiny", out=tmp_path, repeat=1, metrics=["psnr"])
    # a new method joins the folder; its report lists both
    compare(["opencv-telea"], "tiny", out=tmp_path, repeat=1)
    assert read_report(tmp_path).labels == ["opencv-telea", "test-fails-on-gray"]
    assert len(_lines(tmp_path)) == 7


def test_parameters_labels_and_seeds(tmp_path):
    specs = list(datasets.suite("tiny").specs[:1])
    report = compare(
        [("telea", {"radius": 2}), "telea", ("patchmatch", {"patch_size": 3, "em_iterations": 1})], specs, repeat=1
    )
    assert report.labels == ["telea[radius=2]", "telea", "patchmatch[em_iterations=1,patch_size=3]"]
    patchmatch = report.records[-1]
    assert patchmatch["params"] == {"patch_size": 3, "em_iterations": 1, "seed": 0}
    case = report.case(specs[0].name)
    expected = ik.Inpainter.create("patchmatch", patch_size=3, em_iterations=1, seed=0).inpaint(case.image, case.mask)
    assert np.array_equal(report.output(case.name, patchmatch["label"]), expected)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"methods": ["telia"]}, UnknownMethodError, "telea"),
        ({"methods": ["telea", "telea"]}, InvalidParameterError, "more than once"),
        ({"methods": [("harmonic", {"patch_size": 3})]}, InvalidParameterError, "patch_size"),
        ({"methods": [42]}, InvalidParameterError, "name or a"),
        ({"cases": "huge"}, InvalidParameterError, "suite"),
        ({"cases": 3}, InvalidParameterError, "cases"),
        ({"metrics": ["lpips"]}, InvalidParameterError, "metrics"),
        ({"repeat": 0}, InvalidParameterError, "repeat"),
        ({"timeout": -1}, InvalidParameterError, "timeout"),
        ({"workers": 2, "scheduler": "tcp://localhost:1"}, InvalidParameterError, "workers"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    arguments = {"methods": ["telea"], "cases": "tiny", **kwargs}
    with pytest.raises(error, match=match):
        compare(arguments.pop("methods"), arguments.pop("cases"), **arguments)


def test_cases_from_folders(tmp_path):
    case = datasets.suite("tiny")[0]
    ik.io.write_image(tmp_path / "images" / "a.png", case.image)
    ik.io.write_image(tmp_path / "masks" / "a.png", case.mask)
    report = compare(["harmonic"], (tmp_path / "images", tmp_path / "masks"), repeat=1)
    record = report.records[0]
    assert (record["case"], record["mask_family"]) == ("a", "folder")
    expected = metrics.evaluate(ik.Inpainter.create("harmonic").inpaint(case.image, case.mask), case.image, case.mask)
    assert {name: record[name] for name in METRICS} == expected


class _Images(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.sources = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.sources.append(dict(attrs)["src"])


def _cli_main(argv):
    parser = argparse.ArgumentParser(prog="inpaintkit")
    _cli.add_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.run(args)


def test_cli_writes_the_report(tmp_path, capsys):
    out = tmp_path / "report"
    argv = ["compare", "-m", "opencv-telea", "--suite", "tiny", "-o", str(out), "--repeat", "1"]
    assert _cli_main([*argv, "--param", "opencv-telea:radius=2"]) == 0
    printed = capsys.readouterr().out
    assert "| opencv-telea[radius=2.0] | 2004 | 3/3 |" in printed and f"wrote {out / 'index.html'}" in printed
    for name in ("summary", "by_mask_family", "by_ratio_bin"):
        assert (out / "tables" / f"{name}.md").is_file() and (out / "tables" / f"{name}.csv").is_file()
    assert (out / "tables" / "summary.md").read_text() == read_report(out).to_markdown()
    parser = _Images()
    parser.feed((out / "index.html").read_text())
    assert len(parser.sources) == 2 + 3  # two overview figures, one grid per case
    assert all((out / source).is_file() for source in parser.sources)
    assert sorted(p.name for p in (out / "figures" / "cases").iterdir()) == sorted(
        f"{name}.png" for name in datasets.suite("tiny").names
    )


def test_cli_method_lists(capsys):
    chosen = _cli._method_list("all", {})
    note = capsys.readouterr().err
    deep_with_weights = [n for n in ik.list_inpainters() if ik.inpainter_info(n).needs_weights]
    assert not set(chosen) & set(deep_with_weights)
    assert all(name in note for name in deep_with_weights)
    assert {"telea", "harmonic", "patchmatch"} <= set(chosen)
    with pytest.raises(InvalidParameterError, match="--weights lama=PATH"):
        _cli._method_list("telea,lama", {})
    with pytest.raises(InvalidParameterError, match="METHOD:KEY=VALUE"):
        _cli._params(["tol=3"], ["harmonic"])
    with pytest.raises(InvalidParameterError, match="--images and --masks"):
        _cli_main(["compare", "-m", "telea", "--images", "x", "-o", "y"])


def test_report_json_lines_are_plain_records(serial_run):
    lines = _lines(serial_run.out)
    assert [json.loads(line) for line in lines] == serial_run.records
    assert isinstance(serial_run, Report)


def test_labels_and_output_paths_are_safe_file_names():
    from inpaintkit.comparison._run import _label, output_path

    assert _label("lama", {"weights": "/models/v2/big-lama.safetensors"}) == "lama[weights=big-lama.safetensors]"
    assert _label("tv", {"weight": 10.0, "coupled_channels": False}) == "tv[coupled_channels=False,weight=10.0]"
    path = output_path("a/b case", "x[dir=../up]")
    parts = path.split("/")
    assert len(parts) == 3 and parts[0] == "outputs" and path.endswith(".png")
    assert "/" not in parts[1] + parts[2] and not {".", ".."} & set(parts)
    assert output_path("a/b case", "x") != output_path("a_b case", "x")  # sanitized names do not collide
