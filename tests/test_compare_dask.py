"""The comparison harness on Dask: an in-process LocalCluster gives the serial run's records."""

from __future__ import annotations

import sys

import distributed  # the 'dist' extra, installed in CI: a missing one fails here instead of skipping
import pytest

from inpaintkit import datasets
from inpaintkit.comparison import compare

from .compare_helpers import registered

METHODS = ["telea", "harmonic", "opencv-telea"]


def _without_times(rows):
    return [{key: value for key, value in row.items() if key not in ("time", "times")} for row in rows]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        yield client


def test_a_local_cluster_gives_the_serial_table(client, tmp_path):
    serial = compare(METHODS, "tiny", repeat=1)
    on_dask = compare(METHODS, "tiny", repeat=1, scheduler=client, out=tmp_path)
    assert [r["status"] for r in on_dask.records] == ["ok"] * 9
    assert _without_times([{**r, "output": None} for r in on_dask.records]) == _without_times(serial.records)
    for by in (None, "mask_family", "ratio_bin"):
        assert _without_times(on_dask.table(by=by)) == _without_times(serial.table(by=by))
    for record in on_dask.records:  # written by this process from the returned outputs
        assert (on_dask.out / record["output"]).is_file()
        assert (on_dask.output(record["case"], record["label"]) == serial.output(record["case"], record["label"])).all()
    assert client.status == "running"  # a client passed in is left open


def test_timeouts_on_dask_stop_the_task_process(client):
    with registered():
        report = compare(["test-hangs-on-gray"], datasets.suite("tiny")[:2], repeat=1, scheduler=client, timeout=4)
    assert [r["status"] for r in report.records] == ["ok", "timeout"]
    assert "4 s" in report.records[1]["error"]


def test_missing_dask_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ImportError, match=r"inpaintkit\[dist\]"):
        compare(["telea"], "tiny", scheduler="tcp://127.0.0.1:8786")
