"""The engine of :func:`compare`: tasks, where they run, timeouts, and the resumable run folder.

A task is one (case, method) pair: a :class:`~inpaintkit.datasets.CaseSpec`, the method's
name and parameters, and the run's settings; the case is built where the task runs. Tasks
run in this process, in local worker processes (started with ``spawn``: numba's OpenMP and
TBB threading layers are not fork-safe), or on a Dask cluster. Each finished task becomes a
record, appended to ``out/results.jsonl`` (flushed and fsync'd) after its output PNG is
written, so the records on disk are the resume state. (An infinite metric, such as the
PSNR of a result identical to the truth, is written as JSON's ``Infinity``, which Python reads.)
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import pickle
import signal
import statistics
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import api, datasets
from .. import masks as _masks
from .. import metrics as _metrics
from ..errors import InvalidParameterError
from ..params import check_bool, check_float, check_int

if TYPE_CHECKING:
    from ._report import Report

__all__ = ["METRICS", "compare"]

#: The metrics of every record, in table order (see :func:`inpaintkit.metrics.evaluate`).
METRICS = ("psnr", "ssim", "hole_mae", "mae", "gradient_ratio")

RESULTS_FILE = "results.jsonl"
SETTINGS_FILE = "run.json"
OUTPUTS_DIR = "outputs"
_FORMAT = 1
_FINISHED_AGAIN = ("error", "timeout")  # statuses that retry_failed=True runs again
_WARM_UP_SIDE = 48
_THREAD_VARIABLES = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


# ----------------------------------------------------------------------------- methods and cases


@dataclasses.dataclass(frozen=True)
class _Method:
    """One method of a run: its unique label, registry name and the parameters it gets."""

    label: str
    name: str
    params: dict[str, Any]  # what the worker passes to Inpainter.create (seed=0 added)
    info: api.InpainterInfo
    order: int  # position in the caller's list, the last sort key
    skip: str | None = None  # why it is not run (a deep method without weights)
    origin: tuple[type, dict[str, Any]] | None = None  # class + info for workers that lack it

    def describe(self) -> dict[str, Any]:
        """The JSON description kept in run.json and in the report."""
        return {
            "label": self.label,
            "method": self.name,
            "params": _jsonable(self.params),
            "year": self.info.year,
            "paper": self.info.paper,
            "family": self.info.family,
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    return repr(value)


def _label(name: str, params: Mapping[str, Any]) -> str:
    """``name``, or ``name[k=v,...]`` (keys sorted; a weights file shows its file name)."""
    if not params:
        return name

    def shown(key: str, value: Any) -> str:
        if key == "weights" and value is not None:
            return Path(os.fspath(value)).name
        if isinstance(value, os.PathLike):
            return os.fspath(value)
        return value if isinstance(value, str) else repr(value)

    return f"{name}[{','.join(f'{key}={shown(key, params[key])}' for key in sorted(params))}]"


def _info_fields(info: api.InpainterInfo) -> dict[str, Any]:
    fields = {field.name: getattr(info, field.name) for field in dataclasses.fields(info)}
    fields["test_params"] = dict(fields["test_params"])  # a MappingProxyType does not pickle
    return fields


def _resolve_methods(methods: Any) -> list[_Method]:
    if isinstance(methods, (str, tuple)):
        methods = [methods]
    if not isinstance(methods, Sequence) or not methods:
        raise InvalidParameterError(
            f"methods: expected a non-empty list of names or (name, params) pairs, e.g. ['telea', "
            f"('patchmatch', {{'patch_size': 5}})], got {methods!r}"
        )
    resolved: list[_Method] = []
    for order, entry in enumerate(methods):
        if isinstance(entry, str):
            name, given = entry, {}
        elif (
            isinstance(entry, (tuple, list))
            and len(entry) == 2
            and isinstance(entry[0], str)
            and isinstance(entry[1], Mapping)
        ):
            name, given = entry[0], dict(entry[1])
        else:
            raise InvalidParameterError(
                f"methods: expected a name or a (name, params) pair, got {entry!r}; "
                "e.g. 'telea' or ('patchmatch', {'patch_size': 5})"
            )
        info = api.inpainter_info(name)  # unknown names raise, listing close matches
        bad_keys = [key for key in given if key in ("callback", "progress")]
        if bad_keys:
            raise InvalidParameterError(
                f"methods: {name}: {', '.join(bad_keys)} cannot be set in a comparison (the harness reports progress)"
            )
        label = _label(name, given)
        params = dict(given)
        if info.randomized and "seed" not in params:
            params["seed"] = 0
        skip = None
        if info.needs_weights and params.get("weights") is None:
            skip = f"skipped: {name} needs weights; pass ({name!r}, {{'weights': PATH}}) (CLI: --weights {name}=PATH)"
        registered = api._REGISTRY.get(name)
        if registered is not None and skip is None:
            api.Inpainter.create(name, **params)  # checks the parameters now, not once per case
        origin = None
        if registered is not None and not registered.__module__.startswith("inpaintkit."):
            origin = (registered, _info_fields(info))
        resolved.append(_Method(label, name, params, info, order, skip, origin))
    labels = [method.label for method in resolved]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise InvalidParameterError(
            f"methods: {', '.join(map(repr, repeated))} listed more than once; give each entry its own parameters"
        )
    return sorted(resolved, key=lambda method: (method.info.year, method.name, method.order))


def _resolve_cases(cases: Any) -> tuple[str, tuple[datasets.CaseSpec, ...]]:
    """The suite's name and its specs, with absolute file paths (the run folder outlives the cwd)."""
    name, specs = _suite_of(cases)
    return name, tuple(
        spec
        if spec.image_path is None
        else dataclasses.replace(
            spec, image_path=str(Path(spec.image_path).resolve()), mask_path=str(Path(spec.mask_path).resolve())
        )
        for spec in specs
    )


def _suite_of(cases: Any) -> tuple[str, tuple[datasets.CaseSpec, ...]]:
    if isinstance(cases, str):
        built = datasets.suite(cases)
        return built.name, built.specs
    if isinstance(cases, datasets.Suite):
        return cases.name, cases.specs
    if isinstance(cases, tuple) and len(cases) == 2 and all(isinstance(part, (str, os.PathLike)) for part in cases):
        built = datasets.from_folder(*cases)
        return built.name, built.specs
    if isinstance(cases, Sequence) and cases and all(isinstance(spec, datasets.CaseSpec) for spec in cases):
        built = datasets.Suite("custom", cases)  # checks that names are unique
        return built.name, built.specs
    raise InvalidParameterError(
        "cases: expected a suite name ('tiny', 'small', 'standard'), an inpaintkit.datasets.Suite, a list of "
        f"CaseSpec, or an (images_dir, masks_dir) pair, got {cases!r}"
    )


def _check_metrics(metrics: Any) -> tuple[str, ...]:
    if metrics is None:
        return METRICS
    if isinstance(metrics, str):
        metrics = [metrics]
    unknown = [name for name in metrics if name not in METRICS]
    if unknown or not metrics:
        raise InvalidParameterError(
            f"metrics: expected a non-empty subset of {', '.join(METRICS)}, got {list(metrics)!r}"
        )
    return tuple(name for name in METRICS if name in metrics)


# ----------------------------------------------------------------------------- one task


@dataclasses.dataclass(frozen=True)
class _Task:
    """What a worker needs for one (case, method) pair; small and picklable."""

    spec: datasets.CaseSpec
    method: str
    params: dict[str, Any]
    metrics: tuple[str, ...]
    repeat: int
    origin: tuple[type, dict[str, Any]] | None


def _ratio_bin_label(ratio_bin: tuple[float, float] | None) -> str | None:
    if ratio_bin is None:
        return None
    low, high = ratio_bin
    return f"{round(low * 100)}-{round(high * 100)}%"


def _case_meta(case: datasets.Case) -> dict[str, Any]:
    return {
        "mask_family": case.family,
        "photo": case.photo,
        "size": case.size,
        "hole_ratio": case.hole_ratio,
        "ratio_bin": _ratio_bin_label(case.ratio_bin),
    }


def _unbuilt_meta(spec: datasets.CaseSpec) -> dict[str, Any]:
    return {"mask_family": spec.family, "photo": spec.photo, "size": spec.size, "hole_ratio": None, "ratio_bin": None}


def _failed(status: str, error: str) -> dict[str, Any]:
    return {"status": status, "error": error, "times": [], "values": {}, "case": None, "output": None}


def _warm_up_pair(image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A small smooth image with the case's dtype and channels, and a centred box hole."""
    rows, columns = np.mgrid[0:_WARM_UP_SIDE, 0:_WARM_UP_SIDE]
    pattern = 0.5 + 0.25 * np.sin(rows / 3.0) * np.cos(columns / 5.0)
    if image.ndim == 3:
        pattern = np.repeat(pattern[:, :, None], image.shape[2], axis=2)
    if image.dtype.kind == "u":
        pattern = np.rint(pattern * np.iinfo(image.dtype).max)
    return pattern.astype(image.dtype), _masks.box(pattern.shape[:2])


def _register_origin(task: _Task) -> None:
    """Register a method that the calling process registered outside inpaintkit."""
    if task.origin is None or task.method in api._all_infos():
        return
    cls, fields = task.origin
    fields = dict(fields)
    api.register(fields.pop("name"), **fields)(cls)


class _Instances:
    """The inpainters a process has created and warmed up, reused across its tasks."""

    def __init__(self) -> None:
        self._items: dict[tuple[str, str], tuple[api.Inpainter, bool]] = {}

    def get(self, task: _Task, case: datasets.Case) -> tuple[api.Inpainter, bool]:
        """The inpainter of ``task`` and whether its warm-up call succeeded."""
        _register_origin(task)
        key = (task.method, repr(sorted(task.params.items())))
        cls = api._inpainter_class(task.method)
        entry = self._items.get(key)
        if entry is not None and type(entry[0]) is cls:
            return entry
        inpainter = api.Inpainter.create(task.method, **task.params)
        try:  # untimed: compiles numba kernels, imports torch, fills caches
            inpainter.inpaint(*_warm_up_pair(case.image))
            warmed = True
        except Exception:  # e.g. a patch larger than the small image: warm up on the case instead
            warmed = False
        self._items[key] = (inpainter, warmed)
        return inpainter, warmed


_PROCESS_INSTANCES = _Instances()  # for tasks run on Dask workers (one per worker process)


def _execute(task: _Task, instances: _Instances) -> dict[str, Any]:
    """Run one task: build the case, warm up, ``repeat`` timed calls, metrics. Never raises."""
    result = _failed("error", "")
    try:
        case = task.spec.build()
        result["case"] = _case_meta(case)
        inpainter, warmed = instances.get(task, case)
        if not warmed:
            inpainter.inpaint(case.image, case.mask)
        times = []
        for _ in range(task.repeat):
            start = time.perf_counter()
            output = inpainter.inpaint(case.image, case.mask)
            times.append(time.perf_counter() - start)
        values = _metrics.evaluate(output, case.truth, case.mask)
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
        return result
    result.update(status="ok", error=None, times=times, values={name: values[name] for name in task.metrics})
    result["output"] = np.asarray(output)
    return result


def _execute_pickled(data: bytes, instances: _Instances) -> dict[str, Any]:
    try:
        task = pickle.loads(data)
    except Exception as exc:  # e.g. a method class that this process cannot import
        return _failed("error", f"{type(exc).__name__}: {exc} (while unpickling the task in the worker)")
    return _execute(task, instances)


# ----------------------------------------------------------------------------- where tasks run


def _run_serial(tasks: Sequence[_Task]) -> Iterator[tuple[int, dict[str, Any]]]:
    instances = _Instances()
    for index, task in enumerate(tasks):
        yield index, _execute(task, instances)


def _limit_threads(threads: int) -> None:
    for variable in _THREAD_VARIABLES:
        os.environ[variable] = str(threads)
    if "numba" in sys.modules:
        import numba

        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    import cv2

    cv2.setNumThreads(threads)


def _exit_with_parent(parent: int) -> None:
    """Leave as soon as the parent process is gone (killed, say), even in the middle of a task."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _prepare_process() -> None:
    """Import what every task needs (Pillow, scikit-image's SSIM), so that a task's timeout
    counts the task, not the process's first imports."""
    import PIL.Image  # noqa: F401  (datasets.load)

    image = np.zeros((_WARM_UP_SIDE, _WARM_UP_SIDE))
    _metrics.evaluate(image, image, _masks.box(image.shape))


def _worker_main(connection: Any, threads: int | None) -> None:
    """A local worker process: run tasks until told to stop (or until the parent is gone)."""
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    if threads is not None:
        _limit_threads(threads)
    _prepare_process()
    instances = _Instances()
    connection.send("ready")
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, data = message
        result = _execute_pickled(data, instances)
        try:
            connection.send((index, result))
        except (BrokenPipeError, OSError):
            return


@dataclasses.dataclass
class _Worker:
    process: Any
    connection: Any
    ready: bool = False
    index: int | None = None
    deadline: float | None = None


def _timed_out(timeout: float) -> dict[str, Any]:
    return _failed("timeout", f"timeout: still running after {timeout:g} s; the task was stopped")


def _crashed(exitcode: Any) -> dict[str, Any]:
    return _failed("error", f"WorkerCrashed: the worker process died (exit code {exitcode}) while running this task")


def _stop(worker: _Worker) -> None:
    if worker.process.is_alive():
        worker.process.terminate()
        worker.process.join(5)
        if worker.process.is_alive():
            worker.process.kill()
    worker.process.join()
    worker.connection.close()


def _run_local(
    tasks: Sequence[bytes], workers: int, threads: int | None, timeout: float | None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Run pickled tasks on ``workers`` spawned processes; a task past ``timeout`` has its
    worker killed and replaced (a numba kernel cannot be interrupted from its own thread)."""
    import multiprocessing
    import multiprocessing.connection

    context = multiprocessing.get_context("spawn")
    pool: list[_Worker] = []
    pending = deque(range(len(tasks)))

    def start() -> None:
        parent_end, child_end = context.Pipe()
        process = context.Process(
            target=_worker_main, args=(child_end, threads), name="inpaintkit-compare", daemon=True
        )
        process.start()
        child_end.close()
        pool.append(_Worker(process, parent_end))

    finished = False
    try:
        for _ in range(min(workers, len(tasks))):
            start()
        while pending or any(worker.index is not None for worker in pool):
            for worker in pool:
                if worker.ready and worker.index is None and pending:
                    worker.index = pending.popleft()
                    worker.deadline = None if timeout is None else time.monotonic() + timeout
                    try:
                        worker.connection.send((worker.index, tasks[worker.index]))
                    except OSError:  # it just died: its sentinel reports the crash below
                        pass
            deadlines = [worker.deadline for worker in pool if worker.deadline is not None]
            wait_for = None if not deadlines else max(0.0, min(deadlines) - time.monotonic())
            handles = [worker.connection for worker in pool] + [worker.process.sentinel for worker in pool]
            ready = multiprocessing.connection.wait(handles, wait_for)
            for worker in list(pool):
                if worker.connection not in ready and worker.process.sentinel not in ready:
                    continue
                try:
                    if not worker.connection.poll():
                        raise EOFError
                    message = worker.connection.recv()
                except (EOFError, OSError):
                    worker.process.join(5)
                    exitcode = worker.process.exitcode
                    _stop(worker)
                    pool.remove(worker)
                    if not worker.ready:
                        raise RuntimeError(
                            f"a comparison worker process failed to start (exit code {exitcode}); "
                            "run with workers=None to see the error in this process"
                        ) from None
                    if pending or worker.index is not None:
                        start()
                    if worker.index is not None:
                        yield worker.index, _crashed(exitcode)
                    continue
                if message == "ready":
                    worker.ready = True
                    continue
                index, result = message
                worker.index = worker.deadline = None
                yield index, result
            now = time.monotonic()
            for worker in list(pool):
                if worker.deadline is not None and now >= worker.deadline:
                    index = worker.index
                    _stop(worker)
                    pool.remove(worker)
                    if pending:
                        start()
                    yield index, _timed_out(timeout)
        finished = True
    finally:
        for worker in pool:
            if finished and worker.process.is_alive():
                try:
                    worker.connection.send(None)
                    worker.process.join(5)
                except OSError:
                    pass
            _stop(worker)


def _subprocess_main() -> None:
    """Entry of the one-task child process used on Dask with a timeout."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    task_path, result_path = sys.argv[1], sys.argv[2]
    path_list, data = pickle.loads(Path(task_path).read_bytes())
    sys.path[:] = path_list + [entry for entry in sys.path if entry not in path_list]
    _prepare_process()
    sys.stdout.write("ready\n")  # imports are done: the parent starts the clock now
    sys.stdout.flush()
    os.dup2(2, 1)  # anything the method prints goes to stderr, not into the parent's pipe
    result = _execute_pickled(data, _Instances())
    Path(result_path).write_bytes(pickle.dumps(result))


def _execute_in_subprocess(data: bytes, timeout: float) -> dict[str, Any]:
    """Run one pickled task in a fresh Python process, killed ``timeout`` seconds after its
    imports are done. A subprocess (not multiprocessing) works inside daemonic Dask workers."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="inpaintkit-compare-") as folder:
        task_path, result_path = Path(folder, "task.pickle"), Path(folder, "result.pickle")
        task_path.write_bytes(pickle.dumps((list(sys.path), data)))
        command = [
            sys.executable,
            "-c",
            "from inpaintkit.comparison._run import _subprocess_main; _subprocess_main()",
            str(task_path),
            str(result_path),
        ]
        with open(Path(folder, "stderr.txt"), "w+b") as stderr:
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr)
            try:
                process.stdout.readline()
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                return _timed_out(timeout)
            finally:
                if process.poll() is None:
                    process.kill()
                process.wait()
                process.stdout.close()
            stderr.seek(0)
            tail = stderr.read().decode(errors="replace").strip().splitlines()[-1:] or [""]
        if process.returncode != 0 or not result_path.is_file():
            return _failed(
                "error", f"WorkerCrashed: the task's process exited with code {process.returncode}: {tail[0]}"
            )
        return pickle.loads(result_path.read_bytes())


def _dask_task(data: bytes, timeout: float | None) -> dict[str, Any]:
    if timeout is None:
        return _execute_pickled(data, _PROCESS_INSTANCES)
    return _execute_in_subprocess(data, timeout)


def _dask_client(scheduler: Any) -> tuple[Any, bool]:
    try:
        import distributed
    except ImportError as exc:
        raise ImportError(
            "scheduler: running a comparison on Dask needs dask.distributed, which is not installed; "
            "install it with pip install 'inpaintkit[dist]'"
        ) from exc
    if isinstance(scheduler, str):
        return distributed.Client(scheduler), True
    if isinstance(scheduler, distributed.Client):
        return scheduler, False
    raise InvalidParameterError(
        f"scheduler: expected None, a scheduler address such as 'tcp://host:8786', or a dask.distributed.Client, "
        f"got {scheduler!r}"
    )


def _run_dask(tasks: Sequence[bytes], client: Any, timeout: float | None) -> Iterator[tuple[int, dict[str, Any]]]:
    import uuid

    import distributed

    token = uuid.uuid4().hex[:12]
    futures: dict[Any, int] = {}
    try:
        for index, data in enumerate(tasks):
            future = client.submit(_dask_task, data, timeout, pure=False, key=f"inpaintkit-compare-{token}-{index}")
            futures[future] = index
        for future in distributed.as_completed(futures):
            try:
                result = future.result()
            except Exception as exc:  # the cluster lost the task (e.g. KilledWorker)
                result = _failed("error", f"{type(exc).__name__}: {exc}")
            yield futures[future], result
    finally:
        unfinished = [future for future in futures if not future.done()]
        if unfinished:
            client.cancel(unfinished)


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


# ----------------------------------------------------------------------------- the run folder


def _restore_tuples(value: Any) -> Any:
    return tuple(_restore_tuples(item) for item in value) if isinstance(value, list) else value


def spec_to_json(spec: datasets.CaseSpec) -> dict[str, Any]:
    """A CaseSpec as a JSON object (run.json)."""
    return _jsonable(dataclasses.asdict(spec))


def spec_from_json(data: Mapping[str, Any]) -> datasets.CaseSpec:
    """The CaseSpec written by :func:`spec_to_json`."""
    return datasets.CaseSpec(**{key: _restore_tuples(value) for key, value in data.items()})


def read_settings(out: Path) -> dict[str, Any] | None:
    """The run.json of a run folder, or None when there is none."""
    path = out / SETTINGS_FILE
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def read_records(out: Path, *, repair: bool = False) -> dict[tuple[str, str], dict[str, Any]]:
    """The records of ``out/results.jsonl`` by (case, label); a later record of a pair wins.

    A last line cut short by a killed process is ignored (and cut off when ``repair``).
    """
    path = out / RESULTS_FILE
    if not path.is_file():
        return {}
    text = path.read_bytes()
    complete = text[: text.rfind(b"\n") + 1]
    if repair and len(complete) != len(text):
        with open(path, "r+b") as handle:
            handle.truncate(len(complete))
    records: dict[tuple[str, str], dict[str, Any]] = {}
    for number, line in enumerate(complete.decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InvalidParameterError(
                f"out: line {number} of {path} is not a JSON record ({exc}); delete that line to resume"
            ) from None
        records[record["case"], record["label"]] = record
    return records


def safe_name(text: str) -> str:
    """``text`` as a file name: odd characters replaced, plus a checksum when any was."""
    safe = "".join(char if char.isalnum() or char in "-_.=,[]+" else "_" for char in text)
    if safe != text:
        import zlib

        safe += f"-{zlib.crc32(text.encode()):08x}"
    return safe


def output_path(case: str, label: str) -> str:
    """Where the output PNG of (case, label) lies, relative to the run folder."""
    return f"{OUTPUTS_DIR}/{safe_name(case)}/{safe_name(label)}.png"


class _RunFolder:
    """``out/``: run.json (settings), results.jsonl (records) and outputs/ (PNGs)."""

    def __init__(self, out: Path, settings: dict[str, Any], run_info: dict[str, Any]) -> None:
        self.out = out
        out.mkdir(parents=True, exist_ok=True)
        previous = read_settings(out)
        merged = self._merge(previous, settings) if previous is not None else dict(settings, runs=[])
        merged["runs"] = [*merged["runs"], run_info]
        self.records = read_records(out, repair=True)
        temporary = out / (SETTINGS_FILE + ".tmp")
        temporary.write_text(json.dumps(merged, indent=1) + "\n", encoding="utf-8")
        os.replace(temporary, out / SETTINGS_FILE)
        self._file = open(out / RESULTS_FILE, "a", encoding="utf-8")

    def _merge(self, previous: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
        where = f"out: {self.out} holds a run with"
        fix = "write to another folder, or rerun with the folder's settings"
        for key in ("repeat", "metrics"):
            if previous.get(key) != settings[key]:
                raise InvalidParameterError(
                    f"{where} {key}={previous.get(key)!r}, this call has {settings[key]!r}; {fix}"
                )
        methods = {method["label"]: method for method in previous["methods"]}
        for method in settings["methods"]:
            old = methods.setdefault(method["label"], method)
            if (old["method"], old["params"]) != (method["method"], method["params"]):
                raise InvalidParameterError(
                    f"{where} {method['label']!r} = {old['method']} {old['params']}, this call has "
                    f"{method['method']} {method['params']}; {fix}"
                )
        cases = {case["name"]: case for case in previous["cases"]}
        for case in settings["cases"]:
            if cases.setdefault(case["name"], case) != case:
                raise InvalidParameterError(f"{where} another recipe for case {case['name']!r}; {fix}")
        merged = dict(previous)
        merged["methods"] = list(methods.values())
        merged["cases"] = list(cases.values())
        if previous.get("suite") != settings["suite"]:
            merged["suite"] = f"{previous.get('suite')}+{settings['suite']}"
        return merged

    def append(self, record: dict[str, Any], output: np.ndarray | None) -> None:
        """Write the output PNG, then the record (so a record never points to a missing file)."""
        if output is not None:
            from ..io import write_image

            if output.dtype.kind == "f":  # shown, not measured: clipped to [0, 1] by write_image
                output = np.nan_to_num(output)
            write_image(self.out / record["output"], output)
        self._file.write(json.dumps(record) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


# ----------------------------------------------------------------------------- compare


def _versions(extra: Sequence[str] = ()) -> dict[str, Any]:
    import platform
    from importlib import metadata

    from .. import __version__

    versions: dict[str, Any] = {"inpaintkit": __version__, "python": platform.python_version()}
    packages = ["numpy", "scipy", "numba", "scikit-image", "opencv-python-headless", "opencv-python", "pillow"]
    for package in [*packages, "torch", "safetensors", *extra]:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    versions["platform"] = platform.platform()
    versions["machine"] = platform.machine()
    versions["cpu"] = _cpu_model()
    versions["cpu_count"] = os.cpu_count()
    return versions


def _cpu_model() -> str:
    import platform

    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def compare(
    methods: Any,
    cases: Any,
    *,
    out: str | os.PathLike | None = None,
    metrics: Sequence[str] | None = None,
    repeat: int = 3,
    timeout: float | None = None,
    scheduler: Any = None,
    workers: int | None = None,
    retry_failed: bool = False,
    progress: bool = False,
    callback: Callable[[dict[str, Any]], Any] | None = None,
) -> Report:
    """Run every method on every case and measure time and quality on the composited results.

    Parameters
    ----------
    methods : list of str or (str, dict)
        Registry names, or ``(name, params)`` pairs of keyword arguments for
        :meth:`inpaintkit.Inpainter.create` (``weights=`` for deep methods). Each gets a
        unique label: its name, or ``name[k=v,...]`` when params are given (a weights file
        shows its file name). Randomized methods get ``seed=0`` unless params set it. A
        method that needs weights and has none is not run: its records say ``"skipped"``.
    cases : str, Suite, list of CaseSpec, or (images_dir, masks_dir)
        A suite name (``"tiny"``, ``"small"``, ``"standard"``, see
        :func:`inpaintkit.datasets.suite`), a :class:`~inpaintkit.datasets.Suite`, its
        specs, or two folders paired by :func:`inpaintkit.datasets.from_folder`.
    out : str or path-like, optional
        Run folder. Each finished task appends a record to ``out/results.jsonl`` (flushed and
        fsync'd) after writing its output to ``out/outputs/<case>/<label>.png``; ``run.json``
        holds the settings and versions. Running again into the same folder resumes: pairs
        with a record are not run again. A folder whose run used another ``repeat`` or
        ``metrics``, another recipe under a case name, or other parameters under a label is
        refused (InvalidParameterError); new methods and cases may be added. Without
        ``out``, outputs are kept in memory.
    metrics : list of str, optional
        A subset of :data:`METRICS` (default all): ``psnr``, ``ssim``, ``mae`` over the whole
        image, ``hole_mae`` over the hole, and ``gradient_ratio`` (gradient energy in the
        hole over the truth's; it does not reward blur), all from
        :func:`inpaintkit.metrics.evaluate` on the composited result. Others are None.
    repeat : int
        Timed calls per task; the record keeps every time and their median. Before them each
        worker process makes one untimed call per method on a small 48x48 image (numba
        compilation, imports), or on the case itself when the method refuses that image.
    timeout : float, optional
        Seconds a task (its case, warm-up, timed calls and metrics) may take. A task past it
        is stopped and recorded as ``"timeout"``; the run goes on. It needs a process per
        task that can be killed: locally the worker process is killed and replaced; on Dask
        each task then runs in its own child process of the Dask worker (a fresh import and
        warm-up per task).
    scheduler : str or dask.distributed.Client, optional
        Run the tasks on a Dask cluster: a scheduler address (``"tcp://host:8786"``; the
        client is closed at the end) or a client (left open). Needs the ``dist`` extra. The
        records are those of a local run, times aside; outputs are returned to this process,
        which writes every file. Several threads per Dask worker run several numba kernels
        at once: keep numba's threading layer on ``omp`` or ``tbb`` (not ``workqueue``).
    workers : int, optional
        Local worker processes (spawned, each limited to ``cpu_count // workers`` numba,
        OpenMP and OpenCV threads when there are several). Default: tasks run in this
        process, one after the other, or in one worker process when ``timeout`` is set.
        Scripts that use workers need the ``if __name__ == "__main__":`` guard of
        multiprocessing's spawn start method, and methods registered outside inpaintkit
        must be defined in an importable module.
    retry_failed : bool
        When resuming, run the pairs recorded as ``"error"`` or ``"timeout"`` again.
    progress : bool
        Show a tqdm progress bar over the tasks.
    callback : callable, optional
        ``callback(record)`` after each record is written.

    Returns
    -------
    Report
        One record per (case, label) of this call (earlier records of a resumed run
        included), tables, and ``save()`` for figures and an HTML page.

    Raises
    ------
    InvalidParameterError, UnknownMethodError
        Bad arguments, or an ``out`` folder holding a run with other settings.
    ImportError
        ``scheduler`` given without dask.distributed installed.
    KeyboardInterrupt
        After Ctrl-C, once the workers are stopped; what finished stays in ``out``.

    Examples
    --------
    >>> import inpaintkit as ik
    >>> report = ik.compare(["telea", ("patchmatch", {"patch_size": 5})], "small",
    ...                     out="report", timeout=600, workers=2)       # doctest: +SKIP
    >>> print(report.to_markdown(by="mask_family", metric="hole_mae"))  # doctest: +SKIP
    """
    from ._report import Report

    chosen = _resolve_methods(methods)
    suite_name, specs = _resolve_cases(cases)
    chosen_metrics = _check_metrics(metrics)
    repeat = check_int("repeat", repeat, low=1)
    if timeout is not None:
        timeout = check_float("timeout", timeout, low=0.0, low_open=True)
    if workers is not None:
        workers = check_int("workers", workers, low=1)
    if scheduler is not None and workers is not None:
        raise InvalidParameterError(
            "workers: applies to local processes; with a Dask scheduler, size the cluster instead (drop workers=)"
        )
    retry_failed = check_bool("retry_failed", retry_failed)
    progress = check_bool("progress", progress)
    if callback is not None and not callable(callback):
        raise InvalidParameterError(f"callback: expected a callable callback(record), got {callback!r}")

    threads = None
    if scheduler is not None:
        mode = f"dask {scheduler if isinstance(scheduler, str) else 'client'}"
    elif workers is not None or timeout is not None:
        workers = workers or 1
        threads = max(1, _cpu_count() // workers) if workers > 1 else None
        mode = "local processes"
    else:
        mode = "this process"
    settings = {
        "format": _FORMAT,
        "repeat": repeat,
        "metrics": list(chosen_metrics),
        "suite": suite_name,
        "methods": [method.describe() for method in chosen],
        "cases": [spec_to_json(spec) for spec in specs],
    }
    run_info = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "mode": mode,
        "workers": workers,
        "threads_per_worker": threads,
        "timeout": timeout,
        "versions": _versions(("dask", "distributed") if scheduler is not None else ()),
    }
    with contextlib.ExitStack() as stack:  # on leaving: stop the workers, close the records, close the client
        client = None
        if scheduler is not None:
            client, own_client = _dask_client(scheduler)
            if own_client:
                stack.callback(client.close)
        folder = None if out is None else _RunFolder(Path(out), settings, run_info)
        recorder = stack.enter_context(contextlib.closing(_Recorder(folder, callback)))
        todo = []
        for spec in specs:
            for method in chosen:
                previous = recorder.done.get((spec.name, method.label))
                if previous is not None and not (retry_failed and previous["status"] in _FINISHED_AGAIN):
                    recorder.records[spec.name, method.label] = previous
                elif method.skip is not None:
                    recorder.finish(spec, method, _failed("skipped", method.skip))
                else:
                    todo.append((spec, method))
        tasks = [
            _Task(spec, method.name, method.params, chosen_metrics, repeat, method.origin) for spec, method in todo
        ]
        if client is not None:
            results = _run_dask([_pickle_task(task) for task in tasks], client, timeout)
        elif workers is not None:
            results = _run_local([_pickle_task(task) for task in tasks], workers, threads, timeout)
        else:
            results = _run_serial(tasks)
        stack.enter_context(contextlib.closing(results))
        if progress:
            from tqdm.auto import tqdm

            bar = stack.enter_context(tqdm(total=len(tasks), desc="compare", unit="task"))
        for index, result in results:
            spec, method = todo[index]
            record = recorder.finish(spec, method, result)
            if progress:
                bar.set_postfix_str(f"{spec.name} {method.label}: {record['status']}", refresh=False)
                bar.update(1)
    return Report(
        [recorder.records[spec.name, method.label] for spec in specs for method in chosen],
        methods=[method.describe() for method in chosen],
        specs=specs,
        settings={**settings, "runs": [run_info]},
        out=None if out is None else Path(out),
        outputs=recorder.outputs if out is None else None,
    )


class _Recorder:
    """Turns task results into records: writes them to the run folder (or keeps outputs in
    memory), remembers them, and calls the callback."""

    def __init__(self, folder: _RunFolder | None, callback: Callable[[dict[str, Any]], Any] | None) -> None:
        self.folder = folder
        self.callback = callback
        self.done = folder.records if folder is not None else {}
        self.records: dict[tuple[str, str], dict[str, Any]] = {}
        self.outputs: dict[tuple[str, str], np.ndarray] = {}
        self._metas: dict[str, dict[str, Any]] = {}

    def _meta(self, spec: datasets.CaseSpec, result: dict[str, Any]) -> dict[str, Any]:
        if result["case"] is not None:
            self._metas.setdefault(spec.name, result["case"])
        if spec.name not in self._metas:  # the task gave none (timeout, crash, skip): build the case here
            try:
                self._metas[spec.name] = _case_meta(spec.build())
            except Exception:
                self._metas[spec.name] = _unbuilt_meta(spec)
        return self._metas[spec.name]

    def finish(self, spec: datasets.CaseSpec, method: _Method, result: dict[str, Any]) -> dict[str, Any]:
        times = [float(value) for value in result["times"]]
        output = result["output"]
        record = {
            "case": spec.name,
            "label": method.label,
            "method": method.name,
            "params": _jsonable(method.params),
            "year": method.info.year,
            "paper": method.info.paper,
            "method_family": method.info.family,
            **self._meta(spec, result),
            "status": result["status"],
            "error": result["error"],
            "time": statistics.median(times) if times else None,
            "times": times,
            **{name: _float_or_none(result["values"].get(name)) for name in METRICS},
            "output": output_path(spec.name, method.label) if output is not None and self.folder else None,
        }
        if self.folder is not None:
            self.folder.append(record, output)
        elif output is not None:
            self.outputs[spec.name, method.label] = output
        self.records[spec.name, method.label] = record
        if self.callback is not None:
            self.callback(record)
        return record

    def close(self) -> None:
        if self.folder is not None:
            self.folder.close()


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def _pickle_task(task: _Task) -> bytes:
    try:
        return pickle.dumps(task)
    except Exception as exc:
        raise InvalidParameterError(
            f"methods: {task.method} with params {task.params!r} cannot be sent to worker processes ({exc}); "
            "define the method's class in an importable module, or run with workers=None and timeout=None"
        ) from exc
