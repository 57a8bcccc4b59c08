"""The real-GPU check, in one call: probe, GPU tests, then GPU backends timed against the CPU.

CI has no GPU: the ``numba.cuda`` kernels run there under the CUDA simulator and the CuPy
orchestration through NumPy. This script is what a session that is lent a GPU runs, once::

    python benchmarks/gpu_check.py --probe                 # one minute: can we use the device?
    NUMBA_ENABLE_CUDASIM=0 PYTHONPATH=. python benchmarks/gpu_check.py --budget 420 --out "$OUT"

Sections run in order of importance and the script stops starting new ones when ``--budget``
seconds have passed, so a time-limited call still returns what it measured. Each section
prints a markdown table; with ``--out`` everything is also written to ``gpu_check.json``.

1. ``tests``: the GPU-relevant tests (contract suite on the ``cupy`` backend, the kernel
   tests of patchmatch, criminisi and efros-leung) with the simulator off, on the real device.
2. ``classical``: each method with a ``cupy`` backend against its ``numba`` backend at 512 and
   1024 (box 12%, median of ``--repeat``, first call excluded), with hole-MAE of both.
3. ``patchmatch``: the issue's targets: a 2048x2048 completion (under 1 s) and the field of a
   4096x4096 pair (5 iterations, 7x7).
4. ``deep``: each deep network's forward pass through its adapter on CUDA at 256 and 512 with
   random weights, against the CPU at 256.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _timing import markdown_table, median_time  # noqa: E402

GPU_TESTS = [
    "tests/test_contract.py",
    "tests/test_patchmatch.py",
    "tests/test_criminisi.py",
    "tests/test_efros_leung.py",
]


def probe() -> dict[str, Any]:
    """A numba.cuda kernel on a CuPy array, and a torch.cuda matrix product."""
    facts: dict[str, Any] = {"python": platform.python_version()}
    try:
        import cupy
        from numba import cuda

        @cuda.jit
        def add_one(values):
            index = cuda.grid(1)
            if index < values.size:
                values[index] += 1.0

        values = cupy.arange(1024, dtype=cupy.float32)
        add_one[8, 128](values)
        cupy.cuda.Device().synchronize()
        facts["numba_cuda_on_cupy"] = bool((values == cupy.arange(1024, dtype=cupy.float32) + 1).all())
        facts["cupy"] = cupy.__version__
        facts["device"] = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode()
    except Exception as exc:  # noqa: BLE001 - a probe reports every failure
        facts["cupy_error"] = f"{type(exc).__name__}: {exc}"
    try:
        import torch

        facts["torch"] = torch.__version__
        facts["torch_cuda"] = torch.cuda.is_available()
        if torch.cuda.is_available():
            a = torch.randn(2048, 2048, device="cuda")
            facts["torch_matmul_ok"] = bool(torch.isfinite(a @ a).all())
    except Exception as exc:  # noqa: BLE001
        facts["torch_error"] = f"{type(exc).__name__}: {exc}"
    return facts


def run_tests(timeout: float) -> dict[str, Any]:
    environment = dict(os.environ, NUMBA_ENABLE_CUDASIM="0", PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *GPU_TESTS, "-k", "cupy or cuda or gpu"]
    start = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=timeout)
        tail = (done.stdout + done.stderr)[-3000:]
        status = done.returncode
    except subprocess.TimeoutExpired as exc:
        tail, status = f"timed out after {timeout:.0f} s: {(exc.stdout or '')[-2000:]}", "timeout"
    print(tail)
    return {"command": " ".join(command), "status": status, "seconds": time.perf_counter() - start, "tail": tail}


def _case(size: int, ratio: float = 0.12):
    from inpaintkit import datasets, masks

    image = datasets.load("astronaut", size=size)
    return image, masks.box(image.shape[:2], ratio=ratio)


def _gpu_call(inpainter, image, mask):
    import cupy

    image_gpu, mask_gpu = cupy.asarray(image), cupy.asarray(mask)

    def call():
        out = inpainter.inpaint(image_gpu, mask_gpu)
        cupy.cuda.Device().synchronize()
        return out

    return call


def classical(sizes: list[int], repeat: int, deadline: float) -> list[list[Any]]:
    import inpaintkit as ik
    from inpaintkit import metrics

    rows = []
    for name in ik.list_inpainters():
        info = ik.inpainter_info(name)
        if "cupy" not in info.backends:
            continue
        for size in sizes:
            if time.perf_counter() > deadline:
                print(f"budget spent: {name} at {size} not timed")
                return rows
            image, mask = _case(size)
            params = {"seed": 0} if "seed" in ik.api._inpainter_class(name).__init__.__code__.co_varnames else {}
            try:
                gpu_time, gpu_out = median_time(_gpu_call(ik.Inpainter.create(name, backend="cupy", **params), image, mask), repeat=repeat)
                gpu_out = gpu_out.get()
                cpu = ik.Inpainter.create(name, backend="numba", **params)
                cpu_time, cpu_out = median_time(lambda: cpu.inpaint(image, mask), repeat=max(1, repeat // 2))
                rows.append([
                    name, size, f"{cpu_time:.3f}", f"{gpu_time:.3f}", f"{cpu_time / gpu_time:.1f}x",
                    f"{metrics.mae(cpu_out, image, mask=mask):.4f}", f"{metrics.mae(gpu_out, image, mask=mask):.4f}",
                ])
            except Exception as exc:  # noqa: BLE001 - one failure must not hide the other figures
                rows.append([name, size, "-", "-", f"{type(exc).__name__}: {exc}"[:120], "-", "-"])
            print(rows[-1], flush=True)
    return rows


def patchmatch_targets(repeat: int) -> list[list[Any]]:
    import cupy

    import inpaintkit as ik
    from inpaintkit.classical.patchmatch import nnf

    rows = []
    image, mask = _case(2048, ratio=0.12)
    seconds, _ = median_time(_gpu_call(ik.Inpainter.create("patchmatch", backend="cupy", seed=0), image, mask), repeat=repeat)
    rows.append(["completion 2048x2048, box 12%", f"{seconds:.3f}", "target < 1 s"])
    print(rows[-1], flush=True)
    from inpaintkit import datasets

    source = cupy.asarray(datasets.load("astronaut", size=4096))
    target = cupy.asarray(datasets.load("chelsea", size=4096))

    def field():
        result = nnf(source, target, patch_size=7, iterations=5, seed=0, backend="cupy")
        cupy.cuda.Device().synchronize()
        return result

    seconds, _ = median_time(field, repeat=repeat)
    rows.append(["field 4096x4096, 5 iterations, 7x7", f"{seconds:.3f}", "-"])
    print(rows[-1], flush=True)
    return rows


PAPER_NETWORKS = {
    "context-encoder": ("inpaintkit.deep.context_encoder.network:ContextEncoderGenerator", {}),
    "glcic": ("inpaintkit.deep.glcic.network:CompletionNetwork", {}),
    "deepfill1": ("inpaintkit.deep.deepfill1.network:DeepFillV1Generator", {}),
    "pconv": ("inpaintkit.deep.pconv.network:PConvUNet", {}),
    "deepfill2": ("inpaintkit.deep.deepfill2.network:DeepFillV2Generator", {}),
    "lama": ("inpaintkit.deep.lama.network:FFCResNetGenerator", {}),
}


def deep(repeat: int, deadline: float, scratch: Path) -> list[list[Any]]:
    """Each network at its released width, with seeded random weights."""
    import torch

    sys.path.insert(0, str(ROOT / "tests"))
    import inpaintkit as ik
    from contract_hooks import _random_weights

    rows = []
    for name in ik.list_inpainters(family="deep"):
        if time.perf_counter() > deadline:
            print(f"budget spent: {name} not timed")
            break
        try:
            if name in PAPER_NETWORKS:
                network, config = PAPER_NETWORKS[name]
                params = _random_weights(name, network, config)(scratch)
            else:  # Deep Image Prior optimises per image: time a few steps
                params = {"iterations": 5}
            timings = []
            for device, size in (("cpu", 256), ("cuda", 256), ("cuda", 512)):
                image, mask = _case(size)
                inpainter = ik.Inpainter.create(name, device=device, strategy="full", **params)

                def call():
                    out = inpainter.inpaint(image, mask)
                    if device == "cuda":
                        torch.cuda.synchronize()
                    return out

                timings.append(median_time(call, repeat=repeat)[0])
            rows.append([name, *(f"{t:.3f}" for t in timings), f"{timings[0] / timings[1]:.1f}x"])
        except Exception as exc:  # noqa: BLE001
            rows.append([name, "-", "-", "-", f"{type(exc).__name__}: {exc}"[:120]])
        print(rows[-1], flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probe", action="store_true", help="only the one-minute probe")
    parser.add_argument("--budget", type=float, default=420.0, help="seconds after which no new section starts")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", type=int, nargs="+", default=[512, 1024])
    parser.add_argument("--skip", nargs="*", default=[], choices=["tests", "classical", "patchmatch", "deep"])
    parser.add_argument("--out", default=os.environ.get("OUT"), help="folder for gpu_check.json")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    deadline = start + args.budget
    report: dict[str, Any] = {"probe": probe()}
    print(json.dumps(report["probe"], indent=1), flush=True)
    if not args.probe:
        if "tests" not in args.skip:
            report["tests"] = run_tests(timeout=max(30.0, 0.4 * args.budget))
        sections = [
            ("classical", lambda: classical(args.sizes, args.repeat, deadline),
             ["method", "size", "numba s", "cupy s", "numba / cupy", "numba hole-MAE", "cupy hole-MAE"]),
            ("patchmatch", lambda: patchmatch_targets(args.repeat), ["what", "cupy s", "target"]),
            ("deep", lambda: deep(args.repeat, deadline, Path(tempfile.mkdtemp())), ["network", "cpu 256 s", "cuda 256 s", "cuda 512 s", "cpu / cuda at 256"]),
        ]
        for name, section, header in sections:
            if name in args.skip:
                continue
            if time.perf_counter() > deadline:
                print(f"budget spent: section {name} not run")
                continue
            try:
                rows = section()
            except Exception as exc:  # noqa: BLE001
                rows = [[f"{type(exc).__name__}: {exc}"[:200]]]
            report[name] = rows
            print(f"\n## {name}\n\n{markdown_table(header, rows)}\n", flush=True)
    report["seconds"] = time.perf_counter() - start
    if args.out:
        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "gpu_check.json").write_text(json.dumps(report, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
