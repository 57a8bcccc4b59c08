"""The two CPU targets that need an idle machine: the PatchMatch field and Criminisi at 512.

    OMP_WAIT_POLICY=PASSIVE NUMBA_NUM_THREADS=2 python benchmarks/idle_targets.py

Issue targets: the nearest-neighbour field of a 512x512 pair (5 iterations, 7x7 patches)
under 1 s, and Criminisi at 512x512 with a ~25% free-form hole under 10 s, on 2 cores.
Prints wall and CPU seconds; run it when nothing else loads the machine.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import inpaintkit as ik  # noqa: E402
from _timing import free_form_about  # noqa: E402
from inpaintkit import datasets  # noqa: E402
from inpaintkit.classical.patchmatch import nnf  # noqa: E402


def field(repeat: int = 5) -> None:
    source, target = datasets.load("astronaut", size=512), datasets.load("coffee", size=512)
    nnf(source[:64, :64], target[:64, :64], patch_size=7, iterations=5, seed=0, backend="numba")  # compile
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        nnf(source, target, patch_size=7, iterations=5, seed=0, backend="numba")
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    print(f"field 512x512, 7x7, 5 iterations: wall median {statistics.median(walls):.3f} s "
          f"(fastest {min(walls):.3f}), CPU median {statistics.median(cpus):.3f} s")


def criminisi() -> None:
    inpainter = ik.Inpainter.create("criminisi", backend="numba")
    for name in ("astronaut", "chelsea", "coffee"):
        image = datasets.load(name, size=512)
        mask = free_form_about(image.shape[:2], 0.25, seed=0)
        inpainter.inpaint(image[:96, :96], mask[:96, :96])  # compile (cached after the first)
        wall, cpu = time.perf_counter(), time.process_time()
        out = inpainter.inpaint(image, mask)
        print(f"criminisi 512 {name}, hole {mask.mean():.3f}: wall {time.perf_counter() - wall:.2f} s, "
              f"CPU {time.process_time() - cpu:.2f} s, hole-MAE {ik.metrics.mae(out, image, mask=mask):.4f}", flush=True)


if __name__ == "__main__":
    field()
    criminisi()
