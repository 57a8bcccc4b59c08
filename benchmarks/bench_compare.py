"""Wall time of the comparison harness: every classical method on a suite, serially and with workers.

    python benchmarks/bench_compare.py [--suite standard] [-o bench-compare] [--timeout 600] [--repeat 1]
                                       [--workers 2] [--methods telea,criminisi,...] [--resume]

Runs ``inpaintkit.compare`` for every registered method outside the ``deep`` family (or
``--methods``) on the suite twice: once in one worker process (serial; a worker process is
needed to stop a task at ``--timeout``) into ``OUT/serial``, and once with ``--workers``
local processes into ``OUT/workers-N``. Prints both wall times and their ratio, checks
that both runs give the same table (times aside), prints the summary table and the
tables by mask family and hole ratio, and writes both reports (tables, figures,
index.html). The ``standard`` suite takes hours on a laptop; an interrupted run resumes
with ``--resume`` (the wall time printed then covers only the remainder).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import inpaintkit as ik
from inpaintkit.comparison import compare


def _without_times(rows):
    return [{key: value for key, value in row.items() if key != "time"} for row in rows]


def run(args):
    methods = args.methods.split(",") if args.methods else [
        name for name in ik.list_inpainters() if ik.inpainter_info(name).family != "deep"
    ]
    out = Path(args.out)
    runs = {
        "serial (1 worker process)": (out / "serial", 1),
        f"{args.workers} workers": (out / f"workers-{args.workers}", args.workers),
    }
    if not args.resume:
        busy = [str(folder) for folder, _ in runs.values() if (folder / "results.jsonl").exists()]
        if busy:
            raise SystemExit(f"{', '.join(busy)} already hold results: pass --resume, or choose another -o")
    suite = ik.datasets.suite(args.suite)
    print(f"{len(methods)} methods x {len(suite)} cases of the {args.suite!r} suite, repeat={args.repeat}, "
          f"timeout={args.timeout} s: {', '.join(methods)}")
    reports, walls = {}, {}
    for name, (folder, workers) in runs.items():
        start, cpu = time.perf_counter(), time.process_time()
        reports[name] = compare(
            methods, suite, out=folder, repeat=args.repeat, timeout=args.timeout, workers=workers, progress=True
        )
        walls[name] = time.perf_counter() - start
        print(f"{name}: wall {walls[name]:.1f} s (this process's CPU {time.process_time() - cpu:.1f} s)")
    serial, parallel = reports.values()
    first, second = walls.values()
    print(f"\nwall time serial / {args.workers} workers: {first / second:.2f}")
    for by in (None, "mask_family", "ratio_bin"):
        same = _without_times(serial.table(by=by)) == _without_times(parallel.table(by=by))
        print(f"tables by {by}: {'identical' if same else 'DIFFERENT'} between the two runs (times aside)")
    print("\n" + serial.to_markdown())
    print(serial.to_markdown(by="mask_family", metric="hole_mae"))
    print(serial.to_markdown(by="ratio_bin", metric="hole_mae"))
    for report in reports.values():
        print(f"wrote {report.save()}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="standard", choices=ik.datasets.SUITES)
    parser.add_argument("-o", "--out", default="bench-compare")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per case and method")
    parser.add_argument("--repeat", type=int, default=1, help="timed calls per case (median kept)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--methods", default=None, help="comma-separated (default: every non-deep method)")
    parser.add_argument("--resume", action="store_true", help="continue runs already in the output folders")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
