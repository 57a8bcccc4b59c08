"""The two CPU targets that need an idle machine: the PatchMatch field and Criminisi at 512.

    OMP_WAIT_POLICY=PASSIVE NUMBA_NUM_THREADS=2 python benchmarks/idle_targets.py

Issue targets: the nearest-neighbour field of a 512x512 pair (5 iterations, 7x7 patches)
under 1 s, and Criminisi at 512x512 with a ~25% free-form hole under 10 s, on 2 cores.
Prints wall and CPU seconds; run it when nothing else loads the machine.
"""

import time, statistics, sys
sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent))
import numpy as np
import inpaintkit as ik
from inpaintkit import datasets
from inpaintkit.classical.patchmatch import nnf
from _timing import free_form_about

src = datasets.load("astronaut", size=512); tgt = datasets.load("coffee", size=512)
nnf(src[:64, :64], tgt[:64, :64], patch_size=7, iterations=5, seed=0, backend="numba")
walls, cpus = [], []
for _ in range(5):
    w, c = time.perf_counter(), time.process_time()
    nnf(src, tgt, patch_size=7, iterations=5, seed=0, backend="numba")
    walls.append(time.perf_counter() - w); cpus.append(time.process_time() - c)
print(f"field 512 7x7 5 it: wall median {statistics.median(walls):.3f} s (min {min(walls):.3f}), cpu median {statistics.median(cpus):.3f} s")

for name in ("astronaut", "chelsea", "coffee"):
    image = datasets.load(name, size=512)
    mask = free_form_about(image.shape[:2], 0.25, seed=0)
    inp = ik.Inpainter.create("criminisi", backend="numba")
    if name == "astronaut":
        inp.inpaint(image[:96, :96], mask[:96, :96])
    w, c = time.perf_counter(), time.process_time()
    out = inp.inpaint(image, mask)
    print(f"criminisi 512 {name} hole {mask.mean():.3f}: wall {time.perf_counter() - w:.2f} s, cpu {time.process_time() - c:.2f} s, hole-MAE {ik.metrics.mae(out, image, mask=mask):.4f}", flush=True)
