"""The training loop: one call trains a method on a folder of images and writes a run folder.

``train(method, data, steps=..., out=RUN_DIR)`` builds the data (:mod:`.data`), the method's
recipe (:mod:`.recipes`) and runs ``recipe.train_step`` for each step. The run folder holds::

    weights.safetensors   the generator, loadable by Inpainter.create(method, weights=...)
    state.pt              everything needed to resume: every module's state dict (the
                          discriminators and spectral-norm vectors too), every optimiser's
                          state, the random generators' states (as tensors) and the step;
                          torch.load(path, weights_only=True) reads it
    metrics.csv           one row per evaluation: step, mean training losses since the last
                          row (each over the steps that gave it), held-out PSNR / SSIM /
                          hole-MAE (step 0 = the untrained network)
    samples/step_NNNNNN.png  rows: input with the hole, mask, output, target
    run.json              the settings, versions and the recipe's description

Every file is written next to its place and renamed into it, so a run killed while writing
loses nothing; resume with ``resume=True`` (a killed run loses the steps since its last
checkpoint, and rows of ``metrics.csv`` written after it are dropped when it resumes). The
batch of a step is a pure function of (seed, step, rank) (:class:`~inpaintkit.train.data.Batches`),
so no data-loader state is needed: on the CPU a seeded run of N steps, resumed to 2N, equals
2N steps in one go, bit for bit (``deterministic=True``, the same number of threads).

Several processes (GPUs) train with PyTorch's DistributedDataParallel: launch the same
script or ``inpaintkit train`` with ``torchrun --nproc_per_node=K``; the process group is
initialised from torchrun's environment (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
``init_method="env://"``; NCCL on CUDA, gloo on the CPU), or taken as it is when the caller
initialised one. Each rank trains on its own shard of every step's images (the batch size
is per rank), rank 0 alone writes files, and every rank reads ``state.pt`` on resume (the
run folder must be shared).
"""

from __future__ import annotations

import csv
import io as _io
import json
import math
import os
import platform
import random
import re
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from .. import io as image_io
from .. import metrics
from ..deep.checkpoints import save_checkpoint
from ..errors import InvalidParameterError
from ..params import check_bool, check_int, check_seed

__all__ = ["train", "STATE_FORMAT", "EVAL_MASK_SEED"]

#: ``format`` entry of ``state.pt``.
STATE_FORMAT = "inpaintkit-train-state"
_STATE_VERSION = 1

#: Seed of the held-out masks: the same for every run, so that runs compare on the same holes.
EVAL_MASK_SEED = 20190901

_SAMPLE_COLUMNS = 8
_SETTINGS_THAT_MUST_MATCH = ("method", "size", "batch", "seed")


# --------------------------------------------------------------------------- files
def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """``write(temporary)`` next to ``path``, then rename it into place (all or nothing)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _write_text(path: Path, text: str) -> None:
    _atomic_write(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


# --------------------------------------------------------------------------- processes
@dataclass(frozen=True)
class _Processes:
    """Where this process stands in a (possibly single-process) run."""

    rank: int
    world_size: int
    device: torch.device
    owns_group: bool  # True when train() initialised the process group (and must destroy it)

    @property
    def is_writer(self) -> bool:
        return self.rank == 0


def _check_device(device: Any) -> torch.device:
    if not isinstance(device, str) or not re.fullmatch(r"cpu|cuda(:\d+)?", device):
        raise InvalidParameterError(f"device: expected 'cpu', 'cuda' or 'cuda:N', got {device!r}")
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise InvalidParameterError(f"device: {device!r} asked for, but PyTorch sees no CUDA device; use device='cpu'")
    return torch.device(device)


def _join_processes(device: torch.device) -> _Processes:
    """The process group: the caller's, torchrun's (``WORLD_SIZE`` > 1), or none."""
    import torch.distributed as dist

    owns_group = False
    if not (dist.is_available() and dist.is_initialized()):
        if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
            return _Processes(0, 1, device, False)
        if not dist.is_available():
            raise InvalidParameterError("WORLD_SIZE > 1 but this PyTorch has no torch.distributed; run one process")
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo", init_method="env://")
        owns_group = True
    rank, world_size = dist.get_rank(), dist.get_world_size()
    if device.type == "cuda":
        local_rank = int(os.environ.get("LOCAL_RANK", rank % torch.cuda.device_count()))
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    return _Processes(rank, world_size, device, owns_group)


def _ddp_wrapper(processes: _Processes) -> Callable[[nn.Module], nn.Module] | None:
    if processes.world_size == 1:
        return None
    from torch.nn.parallel import DistributedDataParallel

    device_ids = [processes.device.index] if processes.device.type == "cuda" else None
    return lambda module: DistributedDataParallel(module, device_ids=device_ids)


def _unwrap(module: nn.Module) -> nn.Module:
    """The module inside a DistributedDataParallel wrapper (so state dicts have no ``module.`` prefix)."""
    from torch.nn.parallel import DistributedDataParallel

    return module.module if isinstance(module, DistributedDataParallel) else module


def _rank_seed(seed: int, rank: int) -> int:
    """Seed of a rank's random draws during training (different ranks, different noise)."""
    return int(np.random.SeedSequence([seed, rank]).generate_state(1, dtype=np.uint64)[0] >> 1)


# --------------------------------------------------------------------------- random states
def _rng_state() -> dict[str, Any]:
    """The random generators' states as tensors and plain numbers (``weights_only``-safe)."""
    _, keys, position, has_gauss, cached_gauss = np.random.get_state()
    version, python_state, python_gauss = random.getstate()
    state: dict[str, Any] = {
        "torch": torch.get_rng_state(),
        "numpy_keys": torch.from_numpy(np.asarray(keys, dtype=np.int64)),
        "numpy_position": int(position),
        "numpy_has_gauss": int(has_gauss),
        "numpy_cached_gauss": float(cached_gauss),
        "python_version": int(version),
        "python_state": torch.tensor(python_state, dtype=torch.int64),
        "python_gauss": python_gauss,
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: Mapping[str, Any]) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(
        (
            "MT19937",
            state["numpy_keys"].numpy().astype(np.uint32),
            state["numpy_position"],
            state["numpy_has_gauss"],
            state["numpy_cached_gauss"],
        )
    )
    random.setstate((state["python_version"], tuple(state["python_state"].tolist()), state["python_gauss"]))
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


# --------------------------------------------------------------------------- evaluation
@dataclass
class _Heldout:
    """The fixed evaluation set: held-out images (centre crops) and masks from EVAL_MASK_SEED."""

    images: torch.Tensor  # (N, 3, S, S) on [0, 1], CPU
    masks: torch.Tensor  # (N, 1, S, S), 1 = hole, CPU

    def complete(self, recipe: Any, device: torch.device, batch: int) -> torch.Tensor:
        outputs = []
        for start in range(0, len(self.images), batch):
            images = self.images[start : start + batch].to(device)
            masks = self.masks[start : start + batch].to(device)
            outputs.append(recipe.complete(images, masks).detach().float().cpu())
        return torch.cat(outputs)

    def scores(self, outputs: torch.Tensor) -> dict[str, float]:
        """Mean PSNR, SSIM (whole image) and hole-MAE of the composited outputs."""
        totals = {"psnr": 0.0, "ssim": 0.0, "hole_mae": 0.0}
        truths = self.images.permute(0, 2, 3, 1).double().numpy()
        results = outputs.clamp(0, 1).permute(0, 2, 3, 1).double().numpy()
        holes = self.masks[:, 0].numpy() > 0.5
        for result, truth, hole in zip(results, truths, holes):
            result = np.where(hole[:, :, None], result, truth)  # composited, whatever complete() returned
            scores = metrics.evaluate(result, truth, hole)
            for key in totals:
                totals[key] += scores[key]
        return {f"heldout_{key}": value / len(truths) for key, value in totals.items()}


def _heldout_set(data: Path, size: int, seed: int, recipe: Any, num_eval: int) -> _Heldout:
    from .data import ImageFolder, MaskSampler

    folder = ImageFolder(data, size=size, split="heldout", seed=seed)
    if len(folder) == 0:
        raise InvalidParameterError(
            f"data: no image of {str(data)!r} falls in the held-out split; add images (about one in ten is held out)"
        )
    count = min(num_eval, len(folder))
    sampler = MaskSampler(recipe.mask_family, size, seed=EVAL_MASK_SEED, **recipe.mask_options)
    images = torch.stack([torch.as_tensor(folder[index]) for index in range(count)])
    masks = torch.stack([torch.from_numpy(sampler(index).astype(np.float32))[None] for index in range(count)])
    return _Heldout(images.float(), masks)


def _sample_grid(heldout: _Heldout, outputs: torch.Tensor) -> np.ndarray:
    """Rows: input with the hole (white), mask, output, target; one column per image."""
    count = min(_SAMPLE_COLUMNS, len(outputs))
    images = heldout.images[:count]
    masks = heldout.masks[:count].expand(-1, 3, -1, -1)
    shown = images * (1 - masks) + masks
    rows = [shown, masks, outputs[:count].clamp(0, 1), images]
    gap = 2
    size = images.shape[-1]
    grid = np.full((len(rows) * (size + gap) - gap, count * (size + gap) - gap, 3), 0.5)
    for row, tiles in enumerate(rows):
        for column, tile in enumerate(tiles.permute(0, 2, 3, 1).numpy()):
            top, left = row * (size + gap), column * (size + gap)
            grid[top : top + size, left : left + size] = tile
    return (np.clip(grid, 0, 1) * 255 + 0.5).astype(np.uint8)


# --------------------------------------------------------------------------- metrics.csv
class _MetricsLog:
    """metrics.csv: the columns grow when a new loss appears (e.g. GLCIC's later phases)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: list[dict[str, str]] = []

    def load(self, up_to_step: int) -> None:
        """Rows written up to the resumed step (later ones came after the last checkpoint)."""
        if self.path.is_file():
            with open(self.path, newline="", encoding="utf-8") as handle:
                self.rows = [row for row in csv.DictReader(handle) if int(row["step"]) <= up_to_step]

    def append(self, row: Mapping[str, Any]) -> None:
        self.rows.append({key: _format_cell(value) for key, value in row.items()})
        keys = list(dict.fromkeys(key for row in self.rows for key in row))
        scores = [key for key in keys if key.startswith("heldout_")]
        columns = [key for key in keys if key not in scores] + scores  # step, seconds, losses, scores
        buffer = _io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, restval="", lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        _write_text(self.path, buffer.getvalue())


def _format_cell(value: Any) -> str:
    if isinstance(value, float):
        return "inf" if math.isinf(value) else f"{value:.6g}"
    return str(value)


# --------------------------------------------------------------------------- state.pt
def _training_state(
    recipe: Any, step: int, loss_sums: Mapping[str, float], loss_counts: Mapping[str, int]
) -> dict[str, Any]:
    return {
        "format": STATE_FORMAT,
        "version": _STATE_VERSION,
        "method": recipe.method,
        "step": step,
        # The losses since the last metrics.csv row, so that a resumed row equals a straight one.
        "loss_sums": dict(loss_sums),
        "loss_counts": dict(loss_counts),
        "modules": {name: _unwrap(module).state_dict() for name, module in recipe.state_modules().items()},
        "optimizers": {name: optimizer.state_dict() for name, optimizer in recipe.optimizers.items()},
        "rng": _rng_state(),
    }


def _load_training_state(path: Path, recipe: Any) -> dict[str, Any]:
    """Load ``path`` into the recipe's modules, optimisers and the random generators; return it."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # an unpickling error, a truncated zip
        raise InvalidParameterError(f"resume: {str(path)!r} cannot be read ({type(exc).__name__}: {exc})") from None
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT or state.get("version") != _STATE_VERSION:
        raise InvalidParameterError(
            f"resume: {str(path)!r} is not an inpaintkit training state (version {_STATE_VERSION})"
        )
    modules = recipe.state_modules()
    if set(state["modules"]) != set(modules) or set(state["optimizers"]) != set(recipe.optimizers):
        raise InvalidParameterError(
            f"resume: {str(path)!r} holds modules {sorted(state['modules'])} and optimisers "
            f"{sorted(state['optimizers'])}; the recipe has {sorted(modules)} and {sorted(recipe.optimizers)}"
        )
    for name, module in modules.items():
        _unwrap(module).load_state_dict(state["modules"][name])
    for name, optimizer in recipe.optimizers.items():
        optimizer.load_state_dict(state["optimizers"][name])
    _set_rng_state(state["rng"])
    return state


# --------------------------------------------------------------------------- run.json
def _versions() -> dict[str, str]:
    from .. import __version__

    return {
        "inpaintkit": __version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def _read_run(run_json: Path) -> dict[str, Any]:
    try:
        return json.loads(run_json.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidParameterError(f"resume: {str(run_json)!r} cannot be read ({exc})") from None


def _check_same_run(
    previous: Mapping[str, Any], settings: Mapping[str, Any], recipe_settings: Mapping[str, Any], out: Path
) -> None:
    """Refuse to resume a run with settings that change its course."""
    before_recipe = previous.get("recipe", {}).get("settings", {})
    now_recipe = json.loads(json.dumps(recipe_settings, default=str))
    mismatches = [(key, previous["settings"].get(key), settings[key]) for key in _SETTINGS_THAT_MUST_MATCH]
    for key in sorted(set(before_recipe) | set(now_recipe)):
        mismatches.append((key, before_recipe.get(key), now_recipe.get(key)))
    for key, before, now in mismatches:
        if before != now:
            hint = f" (pass --set total_steps={before})" if key == "total_steps" else ""
            raise InvalidParameterError(
                f"resume: the run in {str(out)!r} was started with {key}={before!r}, not {now!r}; resume with "
                f"the same setting{hint} or start a new run in another folder"
            )


# --------------------------------------------------------------------------- train
def train(
    method: str,
    data: str | os.PathLike,
    *,
    size: int = 256,
    batch: int = 8,
    steps: int,
    out: str | os.PathLike,
    device: str = "cpu",
    seed: int = 0,
    resume: bool = False,
    recipe_overrides: Mapping[str, Any] | None = None,
    sample_every: int = 1000,
    eval_every: int = 500,
    checkpoint_every: int = 1000,
    num_eval: int = 32,
    progress: bool = True,
    deterministic: bool = True,
) -> Path:
    """Train ``method``'s network on the images of ``data`` with the method's paper recipe.

    Parameters
    ----------
    method : str
        ``"context-encoder"``, ``"glcic"``, ``"deepfill1"``, ``"deepfill2"``, ``"pconv"`` or
        ``"lama"`` (see :data:`inpaintkit.train.recipes.RECIPES`).
    data : path-like
        A folder of images (searched recursively). About one image in ten is held out for
        evaluation (:class:`~inpaintkit.train.data.ImageFolder`).
    size : int
        Side of the square training crops.
    batch : int
        Images per step and per process.
    steps : int
        Total number of training steps (when resuming: the number to reach).
    out : path-like
        The run folder (see the module docstring for what it holds).
    device : str
        ``"cpu"``, ``"cuda"`` or ``"cuda:N"``; in a distributed run each rank takes the GPU
        of its ``LOCAL_RANK``.
    seed : int
        Seeds the network's initialisation, the images and masks of every step, and every
        random draw of the recipe.
    resume : bool
        Continue the run in ``out`` from its ``state.pt``, with the same settings.
    recipe_overrides : mapping, optional
        Fields of the method's :class:`~inpaintkit.train.recipes.Recipe` to change (loss
        weights, learning rates, phases, network width ``cnum``, ...). The recipe's
        ``image_size`` is ``size``, and its ``total_steps`` (the length that phases given as
        fractions of the run refer to, e.g. GLCIC's) is ``steps`` unless given here: to
        resume a run towards a new ``steps`` and keep its phases, pass the first run's
        ``total_steps``.
    sample_every, eval_every, checkpoint_every : int
        Steps between sample grids, held-out evaluations (a row of ``metrics.csv``) and
        checkpoints (``weights.safetensors`` and ``state.pt``); 0 means only at the end. The
        untrained network is evaluated too (row ``step`` 0).
    num_eval : int
        Held-out images evaluated (fewer when the split holds fewer); the masks come from
        :data:`EVAL_MASK_SEED`, the same in every run.
    progress : bool
        Show a tqdm bar with the losses.
    deterministic : bool
        ``torch.use_deterministic_algorithms(True)`` for the run (on CUDA only warnings for
        operations without a deterministic kernel), restored afterwards.

    Returns
    -------
    pathlib.Path
        ``out/weights.safetensors``, for ``Inpainter.create(method, weights=...)``.

    Raises
    ------
    InvalidParameterError
        A bad argument, a folder without images or held-out images, an ``out`` that holds a
        run when ``resume`` is False, or a run started with other settings when it is True.
    """
    from .data import Batches, ImageFolder, MaskSampler
    from .recipes import RECIPES, recipe_for

    if method not in RECIPES:
        raise InvalidParameterError(f"method: expected one of {', '.join(map(repr, RECIPES))}, got {method!r}")
    if not isinstance(data, (str, os.PathLike)):
        raise InvalidParameterError(f"data: expected the path of a folder of images, got {type(data).__name__}")
    if not isinstance(out, (str, os.PathLike)):
        raise InvalidParameterError(f"out: expected the path of a run folder, got {type(out).__name__}")
    data, out = Path(data).expanduser().resolve(), Path(out).expanduser()
    size = check_int("size", size, low=16)
    batch = check_int("batch", batch, low=1)
    steps = check_int("steps", steps, low=1)
    seed = check_seed("seed", seed)
    resume = check_bool("resume", resume)
    every = {
        name: check_int(name, value, low=0) or steps
        for name, value in (
            ("sample_every", sample_every), ("eval_every", eval_every), ("checkpoint_every", checkpoint_every)
        )
    }
    num_eval = check_int("num_eval", num_eval, low=1)
    progress = check_bool("progress", progress)
    deterministic = check_bool("deterministic", deterministic)
    if recipe_overrides is not None and not isinstance(recipe_overrides, Mapping):
        raise InvalidParameterError(
            f"recipe_overrides: expected a mapping of field names to values, got {recipe_overrides!r}"
        )
    overrides = dict(recipe_overrides or {})
    torch_device = _check_device(device)

    state_path, run_json = out / "state.pt", out / "run.json"
    if resume and not state_path.is_file():
        raise InvalidParameterError(f"resume: {str(out)!r} holds no state.pt to resume from; start without resume")
    if not resume and state_path.is_file():
        raise InvalidParameterError(
            f"out: {str(out)!r} already holds a run (state.pt); pass resume=True to continue it or choose "
            "another folder"
        )

    was_deterministic = torch.are_deterministic_algorithms_enabled()
    was_warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    processes = _join_processes(torch_device)
    try:
        if deterministic:
            if processes.device.type == "cuda":
                os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
            torch.use_deterministic_algorithms(True, warn_only=processes.device.type == "cuda")
        settings = {
            "method": method,
            "data": str(data),
            "size": size,
            "batch": batch,
            "steps": steps,
            "seed": seed,
            "device": str(processes.device.type),
            "world_size": processes.world_size,
            "recipe_overrides": overrides,
            **every,
            "num_eval": num_eval,
            "deterministic": deterministic,
        }
        if overrides.get("image_size", size) != size:
            raise InvalidParameterError(
                f"recipe_overrides: image_size={overrides['image_size']!r} contradicts size={size}; set only size"
            )
        # Phases given as fractions of the run (GLCIC's, PConv's fine-tuning) scale with `steps`.
        recipe = recipe_for(method, **{"image_size": size, "total_steps": steps, **overrides})
        if resume:
            previous_run = _read_run(run_json)
            _check_same_run(previous_run, settings, recipe.settings(), out)

        random.seed(seed)
        np.random.seed(seed % 2**32)
        torch.manual_seed(seed)
        recipe.build(processes.device, wrap=_ddp_wrapper(processes))
        torch.manual_seed(_rank_seed(seed, processes.rank))

        dataset = ImageFolder(data, size=size, split="train", seed=seed)
        batches = Batches(
            dataset,
            MaskSampler(recipe.mask_family, size, seed=seed, **recipe.mask_options),
            batch,
            seed=seed,
            rank=processes.rank,
            world_size=processes.world_size,
        )
        heldout = _heldout_set(data, size, seed, recipe, num_eval)
        log = _MetricsLog(out / "metrics.csv")

        # Each loss is averaged over the steps that gave it: a phase or a schedule may leave it out.
        start, sums, counted, elapsed_before = 0, {}, {}, 0.0
        if resume:
            state = _load_training_state(state_path, recipe)
            start, sums = int(state["step"]), dict(state["loss_sums"])
            if "loss_counts" in state:
                counted = {key: int(count) for key, count in state["loss_counts"].items()}
            else:  # written before the counts were kept per loss
                counted = {key: int(state["loss_count"]) for key in sums}
            log.load(start)
            elapsed_before = float(log.rows[-1]["seconds"]) if log.rows else 0.0
        description = recipe.describe()
        if processes.is_writer:
            history = previous_run.get("history", []) if resume else []
            history.append(
                {
                    "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                    "from_step": start,
                    "steps": steps,
                    "world_size": processes.world_size,
                }
            )
            record = {
                "settings": settings,
                "versions": _versions(),
                "recipe": description,
                "images": {"train": len(dataset), "heldout": len(heldout.images)},
                "history": history,
            }
            _write_text(run_json, json.dumps(record, indent=2, sort_keys=True, default=str) + "\n")

        def evaluate(completed: int, losses: Mapping[str, float], elapsed: float) -> None:
            want_eval = completed % every["eval_every"] == 0 or completed in (0, steps)
            want_sample = completed % every["sample_every"] == 0 or completed in (0, steps)
            if not (want_eval or want_sample):
                return
            outputs = heldout.complete(recipe, processes.device, batch)  # every rank: DDP forwards stay in step
            if not processes.is_writer:
                return
            if want_eval:
                log.append({"step": completed, "seconds": round(elapsed, 3), **losses, **heldout.scores(outputs)})
            if want_sample:
                grid = _sample_grid(heldout, outputs)
                target = out / "samples" / f"step_{completed:06d}.png"
                _atomic_write(target, lambda temporary: image_io.write_image(temporary, grid))

        def checkpoint(completed: int) -> None:
            if not processes.is_writer:
                return
            save_checkpoint(
                out / "weights.safetensors",
                _unwrap(recipe.generator),
                method=recipe.method,
                config=recipe.checkpoint_config(),
                image_size=size,
                extra={
                    "steps": completed,
                    "seed": seed,
                    "batch": batch,
                    "world_size": processes.world_size,
                    "data": str(data),
                    "recipe": description,
                },
            )
            state = _training_state(recipe, completed, sums, counted)
            _atomic_write(state_path, lambda temporary: torch.save(state, temporary))

        from tqdm.auto import tqdm

        began = time.perf_counter() - elapsed_before
        if start == 0:
            evaluate(0, {}, 0.0)
        silent = not progress or not processes.is_writer
        bar = tqdm(total=steps, initial=start, desc=method, unit="step", disable=silent)
        try:
            for step in range(start, steps):
                images, masks = batches.get(step)
                losses = recipe.train_step(images.to(processes.device), masks.to(processes.device), step)
                losses = {key: float(value) for key, value in losses.items()}
                for key, value in losses.items():
                    sums[key] = sums.get(key, 0.0) + value
                    counted[key] = counted.get(key, 0) + 1
                bar.set_postfix({key: f"{value:.4g}" for key, value in losses.items()}, refresh=False)
                bar.update(1)
                completed = step + 1
                means = {key: value / counted[key] for key, value in sums.items()}
                if completed % every["eval_every"] == 0:
                    sums, counted = {}, {}
                evaluate(completed, means, time.perf_counter() - began)
                if completed % every["checkpoint_every"] == 0 or completed == steps:
                    checkpoint(completed)
        finally:
            bar.close()
        if start >= steps:  # nothing left to train: make sure the weights reflect the state
            checkpoint(start)
        return out / "weights.safetensors"
    finally:
        torch.use_deterministic_algorithms(was_deterministic, warn_only=was_warn_only)
        if processes.owns_group:
            import torch.distributed as dist

            dist.destroy_process_group()
