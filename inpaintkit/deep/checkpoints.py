"""Weights files: inpaintkit's own checkpoint format, and safe readers for official PyTorch files.

**Our format** is a safetensors file (no pickle anywhere) whose header metadata says what the
weights are::

    format            "inpaintkit-checkpoint"
    format_version    "1"
    method            registry name, e.g. "deepfill2"
    config            JSON: the network's constructor arguments
    image_size        JSON: [height, width] of the training images, or null
    inpaintkit_version
    sha256            hex digest over the tensors in sorted key order (see :func:`tensor_digest`)
    extra             JSON: anything else worth keeping (training steps, data, ...)

:func:`load_checkpoint` recomputes the digest before anything is loaded into a network, so a
truncated or altered file is refused with :class:`~inpaintkit.errors.WeightsError`.

**PyTorch files** (``.pth``, ``.pt``, ``.ckpt``) are untrusted input: a pickle can run any
code while it is read. :func:`load_torch_file` reads them with ``torch.load(...,
weights_only=True)``; when that refuses because a training checkpoint (PyTorch Lightning)
carries extra entries such as an OmegaConf config, the file is read again through a
restricted unpickler that builds only tensors and plain containers: the extra entries'
classes are replaced by inert placeholders (never imported, never called), and any other
global (``os.system``, ``builtins.eval``, ``subprocess.Popen``, ...) stops the load before it
can run. TorchScript archives (which hold code) and old non-zip pickles are refused.

**Official weights** that users already hold are read by :func:`read_official`, which maps
their keys onto our networks one for one:

* ``deepfill2``: the PyTorch port of DeepFill v2 (nipponjo/deepfillv2-pytorch), a ``torch.save``
  dict whose ``"G"`` entry is the generator, in either of its two key schemes:
  ``model/networks.py`` (``stage1.conv1.conv.weight``, ...) or ``model/networks_tf.py``
  (``conv1.conv.weight``, ..., the converted official TensorFlow weights, which need
  ``padding="tf"``);
* ``lama``: LaMa's official Lightning checkpoint (``big-lama/models/best.ckpt``), whose
  ``state_dict`` holds the generator under the ``generator.`` prefix.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import pickle
import struct
import tempfile
import types
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..errors import WeightsError

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "CheckpointMetadata",
    "tensor_digest",
    "save_checkpoint",
    "read_metadata",
    "load_checkpoint",
    "load_torch_file",
    "apply_state_dict",
    "read_official",
    "read_weights",
    "OFFICIAL_LOADERS",
]

FORMAT = "inpaintkit-checkpoint"
FORMAT_VERSION = 1

_SAFETENSORS_MAX_HEADER = 100 * 1024 * 1024


@dataclass(frozen=True)
class CheckpointMetadata:
    """What an inpaintkit checkpoint says about its weights.

    Attributes
    ----------
    method : str
        Registry name of the method the weights belong to.
    config : dict
        Constructor arguments of the network.
    image_size : tuple of int or None
        (height, width) of the training images.
    inpaintkit_version : str
        Version that wrote the file.
    sha256 : str
        Digest of the tensors (:func:`tensor_digest`).
    extra : dict
        Free-form JSON-able details (training steps, data, source of converted weights).
    """

    method: str
    config: dict[str, Any]
    image_size: tuple[int, int] | None
    inpaintkit_version: str
    sha256: str
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- our format
def tensor_digest(state_dict: Mapping[str, torch.Tensor]) -> str:
    """SHA-256 over the tensors in sorted key order.

    Each entry contributes its key, dtype and shape, then its raw little-endian bytes, so a
    renamed, reshaped, retyped or altered tensor changes the digest.
    """
    digest = hashlib.sha256()
    for key in sorted(state_dict):
        tensor = state_dict[key].detach().cpu().contiguous()
        header = json.dumps([key, str(tensor.dtype), list(tensor.shape)])
        digest.update(header.encode("utf-8") + b"\0")
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def _state_dict_of(model: nn.Module | Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    items = model.state_dict() if isinstance(model, nn.Module) else model
    state: dict[str, torch.Tensor] = {}
    for key, value in items.items():
        if not isinstance(key, str) or not isinstance(value, torch.Tensor):
            raise TypeError(f"model: expected an nn.Module or a mapping of str to tensors, got an entry {key!r}")
        # A copy of each tensor: safetensors refuses tensors that share memory (tied weights).
        state[key] = value.detach().cpu().contiguous().clone()
    return state


def save_checkpoint(
    path: str | os.PathLike,
    model: nn.Module | Mapping[str, torch.Tensor],
    *,
    method: str,
    config: Mapping[str, Any],
    image_size: int | tuple[int, int] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``model``'s weights as an inpaintkit checkpoint (safetensors with metadata).

    Parameters
    ----------
    path : path-like
        Where to write (the file is written next to it, then renamed into place).
    model : nn.Module or mapping of str to Tensor
        The network, or its state dict.
    method : str
        Registry name of the method, e.g. ``"deepfill2"``.
    config : mapping
        The network's constructor arguments (JSON-able), so that the loader can rebuild it.
    image_size : int or (int, int), optional
        Size of the training images.
    extra : mapping, optional
        Other JSON-able details worth keeping.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    from safetensors.torch import save_file

    from .. import __version__

    state = _state_dict_of(model)
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    metadata = {
        "format": FORMAT,
        "format_version": str(FORMAT_VERSION),
        "method": str(method),
        "config": json.dumps(dict(config), sort_keys=True),
        "image_size": json.dumps(list(image_size) if image_size is not None else None),
        "inpaintkit_version": __version__,
        "sha256": tensor_digest(state),
        "extra": json.dumps(dict(extra or {}), sort_keys=True),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=path.name, suffix=".part", dir=path.parent)
    os.close(handle)
    try:
        save_file(state, temporary, metadata=metadata)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return path


def _read_bytes(path: str | os.PathLike) -> tuple[Path, bytes]:
    if not isinstance(path, (str, os.PathLike)):
        raise WeightsError(f"weights: expected a path to a weights file, got {type(path).__name__}")
    path = Path(path).expanduser()
    if not path.is_file():
        where = "is a folder" if path.is_dir() else "does not exist"
        raise WeightsError(f"weights: {str(path)!r} {where}; pass the path of a weights file")
    return path, path.read_bytes()


def _safetensors_header(data: bytes) -> dict[str, Any] | None:
    """The JSON header of a safetensors file, or None when ``data`` is not one."""
    if len(data) < 10:
        return None
    (size,) = struct.unpack("<Q", data[:8])
    if size > min(_SAFETENSORS_MAX_HEADER, len(data) - 8) or data[8:9] != b"{":
        return None
    try:
        header = json.loads(data[8 : 8 + size])
    except ValueError:
        return None
    return header if isinstance(header, dict) else None


def _metadata_from_header(header: Mapping[str, Any], path: Path) -> CheckpointMetadata:
    raw = header.get("__metadata__") or {}
    if raw.get("format") != FORMAT:
        raise WeightsError(
            f"weights: {str(path)!r} is a safetensors file but not an inpaintkit checkpoint (no "
            f"'format': {FORMAT!r} in its metadata); write checkpoints with "
            "inpaintkit.deep.checkpoints.save_checkpoint"
        )
    if raw.get("format_version") != str(FORMAT_VERSION):
        raise WeightsError(
            f"weights: {str(path)!r} has checkpoint format version {raw.get('format_version')!r}; this "
            f"inpaintkit reads version {FORMAT_VERSION}; upgrade inpaintkit or re-save the weights"
        )
    try:
        image_size = json.loads(raw["image_size"])
        return CheckpointMetadata(
            method=raw["method"],
            config=json.loads(raw["config"]),
            image_size=tuple(image_size) if image_size is not None else None,
            inpaintkit_version=raw["inpaintkit_version"],
            sha256=raw["sha256"],
            extra=json.loads(raw.get("extra", "{}")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise WeightsError(
            f"weights: {str(path)!r} has damaged checkpoint metadata ({type(exc).__name__}: {exc}); "
            "the file is corrupt: write it again"
        ) from None


def read_metadata(path: str | os.PathLike) -> CheckpointMetadata:
    """The metadata of an inpaintkit checkpoint (the tensors are not checked)."""
    path, data = _read_bytes(path)
    header = _safetensors_header(data)
    if header is None:
        raise WeightsError(f"weights: {str(path)!r} is not an inpaintkit checkpoint (not a safetensors file)")
    return _metadata_from_header(header, path)


def load_checkpoint(
    path: str | os.PathLike, *, method: str | None = None
) -> tuple[dict[str, torch.Tensor], CheckpointMetadata]:
    """Read an inpaintkit checkpoint and check it.

    Parameters
    ----------
    path : path-like
        A file written by :func:`save_checkpoint`.
    method : str, optional
        The method the weights must belong to.

    Returns
    -------
    state_dict : dict of str to Tensor
        The weights, on the CPU, checked against the recorded SHA-256.
    metadata : CheckpointMetadata

    Raises
    ------
    WeightsError
        Missing file, not a checkpoint, damaged header or tensors (digest mismatch), or
        weights of another method.
    """
    return _load_checkpoint(*_read_bytes(path), method)


def _load_checkpoint(
    path: Path, data: bytes, method: str | None
) -> tuple[dict[str, torch.Tensor], CheckpointMetadata]:
    from safetensors.torch import load as load_safetensors

    header = _safetensors_header(data)
    if header is None:
        raise WeightsError(
            f"weights: {str(path)!r} is not an inpaintkit checkpoint (not a safetensors file); "
            "official PyTorch weights are read by inpaintkit.deep.checkpoints.read_weights"
        )
    metadata = _metadata_from_header(header, path)
    if method is not None and metadata.method != method:
        raise WeightsError(
            f"weights: {str(path)!r} holds weights for {metadata.method!r}, not {method!r}; "
            f"use them with Inpainter.create({metadata.method!r}, weights=...)"
        )
    try:
        state = load_safetensors(data)
    except Exception as exc:  # SafetensorError or a torch error on a damaged layout
        raise WeightsError(f"weights: {str(path)!r} is corrupt ({exc}); write it again") from None
    if tensor_digest(state) != metadata.sha256:
        raise WeightsError(
            f"weights: the tensors in {str(path)!r} do not match the SHA-256 recorded in its metadata; "
            "the file is corrupt or was altered: copy or write it again"
        )
    return state, metadata


# --------------------------------------------------------------------------- PyTorch files
class _Inert:
    """Stands in for an object of a class the restricted unpickler does not build.

    Whatever the pickle asks of it (construct, set state, add items) is accepted and dropped,
    so no code of the original class, which is never imported, can run.
    """

    global_name = "?"

    def __new__(cls, *args: Any, **kwargs: Any) -> _Inert:
        return object.__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        pass

    def __setitem__(self, key: Any, value: Any) -> None:
        pass

    def append(self, item: Any) -> None:
        pass

    def extend(self, items: Any) -> None:
        pass

    def __repr__(self) -> str:
        return f"<dropped {self.global_name}>"


# Packages whose objects appear in the extra entries of training checkpoints (configs, callback
# state, paths); they are replaced by _Inert, never imported.
_INERT_PACKAGES = frozenset(
    {"omegaconf", "pytorch_lightning", "lightning", "lightning_fabric", "typing", "pathlib", "argparse", "numpy"}
)
_PLAIN_TYPES = ("dict", "list", "tuple", "set", "frozenset", "int", "float", "complex", "str", "bytes", "bool")
_INERT_NAMES = frozenset(
    [f"builtins.{name}" for name in _PLAIN_TYPES]
    + ["collections.defaultdict", "collections.deque", "collections.Counter", "copyreg._reconstructor"]
    + ["enum.Enum", "datetime.datetime", "datetime.timedelta"]
)


@functools.lru_cache(maxsize=1)
def _real_globals() -> dict[str, Any]:
    """The only globals the restricted unpickler hands to a pickle: tensor rebuilders and data types."""
    allowed: dict[str, Any] = {
        "collections.OrderedDict": OrderedDict,
        "torch.Size": torch.Size,
        "torch.device": torch.device,
    }
    for name in ("_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_tensor_v3", "_rebuild_parameter"):
        if hasattr(torch._utils, name):
            allowed[f"torch._utils.{name}"] = getattr(torch._utils, name)
    for name in dir(torch):
        if isinstance(getattr(torch, name, None), torch.dtype):
            allowed[f"torch.{name}"] = getattr(torch, name)
    return allowed


@functools.lru_cache(maxsize=None)
def _inert_class(full_name: str) -> type[_Inert]:
    return type(f"Inert_{full_name.rpartition('.')[2]}", (_Inert,), {"global_name": full_name})


class _RestrictedUnpickler(pickle.Unpickler):
    """Builds tensors and plain containers only; see the module docstring."""

    def find_class(self, module: str, name: str) -> Any:
        full = f"{module}.{name}"
        real = _real_globals().get(full)
        if real is not None:
            return real
        if module.split(".")[0] in _INERT_PACKAGES or full in _INERT_NAMES:
            return _inert_class(full)
        raise WeightsError(
            f"weights: the file asks to load the Python object {full!r}, which a weights file never needs; "
            "it was refused before anything ran. Only tensors and plain containers are read from "
            "PyTorch files: if the file is yours, re-save it as a plain state dict "
            "(torch.save(model.state_dict(), path)) or as an inpaintkit checkpoint"
        )


_RESTRICTED_PICKLE = types.ModuleType("inpaintkit_restricted_pickle")
_RESTRICTED_PICKLE.Unpickler = _RestrictedUnpickler  # type: ignore[attr-defined]


def _is_torchscript(archive: zipfile.ZipFile) -> bool:
    return any(name.endswith("/constants.pkl") or "/code/" in name for name in archive.namelist())


def load_torch_file(path: str | os.PathLike) -> Any:
    """Read a PyTorch file (``torch.save`` output, a Lightning ``.ckpt``) without running its code.

    Returns the stored object with tensors on the CPU; in the restricted path the entries
    that are not tensors or plain containers are inert placeholders.

    Raises
    ------
    WeightsError
        A missing or damaged file, a TorchScript archive, or a pickle asking for a global
        that is neither a tensor rebuilder nor a known inert data class.
    """
    return _load_torch_file(*_read_bytes(path))


def _load_torch_file(path: Path, data: bytes) -> Any:
    is_zip = data[:4] == b"PK\x03\x04"
    if is_zip:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                torchscript = _is_torchscript(archive)
        except zipfile.BadZipFile as exc:
            raise WeightsError(f"weights: {str(path)!r} is a damaged zip archive ({exc}); download it again") from None
        if torchscript:
            raise WeightsError(
                f"weights: {str(path)!r} is a TorchScript archive, which holds code and is not read; "
                "use the original checkpoint of the network (for LaMa: big-lama/models/best.ckpt)"
            )
    elif data[:1] != b"\x80":
        raise WeightsError(
            f"weights: {str(path)!r} is neither an inpaintkit checkpoint (safetensors) nor a PyTorch file "
            "(torch.save output)"
        )
    try:
        return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        refusal = str(exc).strip().splitlines()[0]
    except Exception as exc:  # a damaged archive: RuntimeError from the zip reader, EOFError, ...
        raise WeightsError(f"weights: {str(path)!r} could not be read as a PyTorch file ({exc})") from None
    if not is_zip:
        raise WeightsError(
            f"weights: {str(path)!r} is an old-style (non-zip) pickle that holds more than tensors, and "
            f"is not read ({refusal}); re-save it with a current torch.save"
        )
    try:
        # weights_only=False hands the pickle to _RestrictedUnpickler (never to pickle's own).
        return torch.load(io.BytesIO(data), map_location="cpu", weights_only=False, pickle_module=_RESTRICTED_PICKLE)
    except WeightsError:
        raise
    except Exception as exc:
        raise WeightsError(f"weights: {str(path)!r} could not be read as a PyTorch file ({exc})") from None


def _as_state_dict(value: Any, where: str) -> dict[str, torch.Tensor]:
    if not isinstance(value, Mapping) or not value:
        raise WeightsError(f"weights: {where} is not a state dict (a mapping of names to tensors)")
    bad = [key for key, tensor in value.items() if not (isinstance(key, str) and isinstance(tensor, torch.Tensor))]
    if bad:
        raise WeightsError(f"weights: {where} holds entries that are not tensors: {', '.join(map(repr, bad[:5]))}")
    return dict(value)


# --------------------------------------------------------------------------- into a network
def apply_state_dict(model: nn.Module, state_dict: Mapping[str, torch.Tensor], *, source: str) -> None:
    """Load ``state_dict`` into ``model`` after checking every key and shape.

    Raises
    ------
    WeightsError
        Naming the missing keys, the unexpected keys and the shape mismatches (a few of
        each, with their counts), so that weights of another network or configuration are
        recognised as such.
    """
    expected = model.state_dict()
    missing = [key for key in expected if key not in state_dict]
    unexpected = [key for key in state_dict if key not in expected]
    wrong = [
        f"{key} {tuple(state_dict[key].shape)} (expected {tuple(expected[key].shape)})"
        for key in expected
        if key in state_dict and tuple(state_dict[key].shape) != tuple(expected[key].shape)
    ]
    problems = []
    for label, items in (("missing", missing), ("unexpected", unexpected), ("wrong shape", wrong)):
        if items:
            problems.append(f"{len(items)} {label}: {', '.join(items[:4])}{', ...' if len(items) > 4 else ''}")
    if problems:
        raise WeightsError(
            f"weights: {source} do not fit the network ({'; '.join(problems)}); the weights belong to "
            "another network or configuration"
        )
    model.load_state_dict({key: state_dict[key] for key in expected}, strict=True)


# --------------------------------------------------------------------------- official weights
# The converted TensorFlow weights name each layer by its TensorFlow scope; ours follow the
# port's model/networks.py (see inpaintkit.deep.deepfill2.network, "State-dict naming").
_DEEPFILL2_TF_NAMES = {
    "conv1": "stage1.conv1",
    "conv2_downsample": "stage1.down_block1.conv1_downsample",
    "conv3": "stage1.down_block1.conv2",
    "conv4_downsample": "stage1.down_block2.conv1_downsample",
    "conv5": "stage1.down_block2.conv2",
    **{f"conv{6 + i}{'_atrous' if 1 <= i <= 4 else ''}": f"stage1.conv_bn{1 + i}" for i in range(7)},
    "conv13_upsample": "stage1.up_block1.conv1_upsample",
    "conv14": "stage1.up_block1.conv2",
    "conv15_upsample": "stage1.up_block2.conv1_upsample",
    "conv16": "stage1.up_block2.conv2",
    "conv17": "stage1.conv_to_rgb",
    "xconv1": "stage2.conv_conv1",
    "xconv2_downsample": "stage2.conv_down_block1.conv1_downsample",
    "xconv3": "stage2.conv_down_block1.conv2",
    "xconv4_downsample": "stage2.conv_down_block2.conv1_downsample",
    "xconv5": "stage2.conv_down_block2.conv2",
    **{f"xconv{6 + i}{'_atrous' if i else ''}": f"stage2.conv_conv_bn{1 + i}" for i in range(5)},
    "pmconv1": "stage2.ca_conv1",
    "pmconv2_downsample": "stage2.ca_down_block1.conv1_downsample",
    "pmconv3": "stage2.ca_down_block1.conv2",
    "pmconv4_downsample": "stage2.ca_down_block2.conv1_downsample",
    "pmconv5": "stage2.ca_down_block2.conv2",
    "pmconv6": "stage2.ca_conv_bn1",
    "pmconv9": "stage2.ca_conv_bn4",
    "pmconv10": "stage2.ca_conv_bn5",
    "allconv11": "stage2.conv_bn6",
    "allconv12": "stage2.conv_bn7",
    "allconv13_upsample": "stage2.up_block1.conv1_upsample",
    "allconv14": "stage2.up_block1.conv2",
    "allconv15_upsample": "stage2.up_block2.conv1_upsample",
    "allconv16": "stage2.up_block2.conv2",
    "allconv17": "stage2.conv_to_rgb",
}


def _deepfill2_official(obj: Any, where: str) -> tuple[dict[str, torch.Tensor], dict[str, Any], str]:
    state = _as_state_dict(obj["G"] if isinstance(obj, Mapping) and "G" in obj else obj, where)
    if "stage1.conv1.conv.weight" in state:
        # Earlier versions of the port named the refinement branches b1_ and b2_; the current
        # one stores the attention's constant 3x3 identity fusion kernel, which is no weight.
        renamed = {
            key.replace("stage2.b1_", "stage2.conv_").replace("stage2.b2_", "stage2.ca_"): value
            for key, value in state.items()
            if key != "stage2.contextual_attention.fuse_weight"
        }
        return renamed, {"padding": "symmetric"}, "DeepFill v2 PyTorch port (model/networks.py keys)"
    if "conv1.conv.weight" in state:
        renamed = {}
        for key, value in state.items():
            scope, _, rest = key.partition(".")
            renamed[f"{_DEEPFILL2_TF_NAMES[scope]}.{rest}" if scope in _DEEPFILL2_TF_NAMES else key] = value
        return renamed, {"padding": "tf"}, "DeepFill v2 converted TensorFlow weights (model/networks_tf.py keys)"
    raise WeightsError(
        f"weights: {where} is not a DeepFill v2 generator of nipponjo/deepfillv2-pytorch (expected keys such as "
        f"'stage1.conv1.conv.weight' or 'conv1.conv.weight', found {', '.join(list(state)[:3])}, ...)"
    )


def _lama_official(obj: Any, where: str) -> tuple[dict[str, torch.Tensor], dict[str, Any], str]:
    if isinstance(obj, Mapping) and "state_dict" in obj:
        obj = obj["state_dict"]
    if not isinstance(obj, Mapping):
        raise WeightsError(f"weights: {where} is not a LaMa checkpoint (no state dict)")
    prefix = "generator."
    if any(isinstance(key, str) and key.startswith(prefix) for key in obj):
        obj = {key[len(prefix) :]: item for key, item in obj.items() if isinstance(key, str) and key.startswith(prefix)}
    state = _as_state_dict(obj, where)
    blocks = {key.split(".")[1] for key in state if key.startswith("model.") and ".conv1.ffc." in key}
    if not blocks:
        raise WeightsError(
            f"weights: {where} is not LaMa's FFC ResNet generator (expected keys such as "
            f"'generator.model.5.conv1.ffc.convl2l.weight', found {', '.join(list(state)[:3])}, ...)"
        )
    return state, {"n_blocks": len(blocks)}, "LaMa official generator (Lightning checkpoint)"


OFFICIAL_LOADERS: dict[str, Callable[[Any, str], tuple[dict[str, torch.Tensor], dict[str, Any], str]]] = {
    "deepfill2": _deepfill2_official,
    "lama": _lama_official,
}
"""method -> reader of its official PyTorch weights: ``(loaded object, description) ->
(state dict in our network's key names, network config, description of the source)``."""


def read_official(path: str | os.PathLike, method: str) -> tuple[dict[str, torch.Tensor], dict[str, Any], str]:
    """Read official PyTorch weights of ``method`` (see the module docstring).

    Returns
    -------
    state_dict : dict of str to Tensor
        Renamed to our network's keys (LaMa's are the official ones).
    config : dict
        Constructor arguments the network needs for these weights (e.g. ``{"padding": "tf"}``,
        ``{"n_blocks": 18}``).
    description : str
        What the file was recognised as.
    """
    return _read_official(*_read_bytes(path), method)


def _read_official(path: Path, data: bytes, method: str) -> tuple[dict[str, torch.Tensor], dict[str, Any], str]:
    loader = OFFICIAL_LOADERS.get(method)
    if loader is None:
        raise WeightsError(
            f"weights: {str(path)!r} is not an inpaintkit checkpoint, and {method!r} has no reader for "
            "official PyTorch weights; pass an inpaintkit checkpoint (safetensors, written by save_checkpoint)"
        )
    return loader(_load_torch_file(path, data), repr(str(path)))


def read_weights(path: str | os.PathLike, *, method: str) -> tuple[dict[str, torch.Tensor], dict[str, Any], str]:
    """Read weights for ``method`` from an inpaintkit checkpoint or an official PyTorch file.

    Returns ``(state_dict, config, description)``: the tensors, the network's constructor
    arguments, and a description of the source for error messages.
    """
    path, data = _read_bytes(path)
    if _safetensors_header(data) is not None:
        state, metadata = _load_checkpoint(path, data, method)
        return state, metadata.config, f"inpaintkit checkpoint {str(path)!r}"
    state, config, description = _read_official(path, data, method)
    return state, config, f"{description} {str(path)!r}"
