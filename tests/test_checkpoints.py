"""Weights files: our safetensors checkpoints, safe reading of PyTorch files, official layouts.

The official layouts come from ``tests/data/official_*.json``: the key names, shapes and
dtypes of the official definitions (listed from nipponjo/deepfillv2-pytorch and
advimman/lama; see each file's ``source``). Checkpoints are written in those layouts from
stand-in tensors and must load key for key into our networks.
"""

from __future__ import annotations

import json
import os
import pickle
import sys
import types
from pathlib import Path

import pytest

import torch  # noqa: E402  (the test extra installs it: a missing torch must fail, not skip)

from inpaintkit.deep import checkpoints  # noqa: E402
from inpaintkit.errors import WeightsError  # noqa: E402

DATA = Path(__file__).parent / "data"


def _small_net() -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Conv2d(4, 2, 1))


def _save(tmp_path, model=None, **overrides) -> Path:
    settings = dict(method="deepfill2", config={"cnum": 4, "padding": "tf"}, image_size=(64, 48))
    settings.update(overrides)
    return checkpoints.save_checkpoint(tmp_path / "weights.safetensors", model or _small_net(), **settings)


# --------------------------------------------------------------------------- our format
def test_round_trip_keeps_tensors_and_metadata(tmp_path):
    net = _small_net()
    net[1].running_mean.uniform_()  # buffers travel too
    path = _save(tmp_path, net, extra={"steps": 1200})
    state, metadata = checkpoints.load_checkpoint(path, method="deepfill2")
    assert set(state) == set(net.state_dict())
    for key, tensor in net.state_dict().items():
        assert state[key].dtype == tensor.dtype and torch.equal(state[key], tensor), key
    assert metadata.method == "deepfill2" and metadata.config == {"cnum": 4, "padding": "tf"}
    assert metadata.image_size == (64, 48) and metadata.extra == {"steps": 1200}
    assert metadata.inpaintkit_version == __import__("inpaintkit").__version__
    assert metadata.sha256 == checkpoints.tensor_digest(net.state_dict())
    assert checkpoints.read_metadata(path) == metadata

    fresh = _small_net()
    torch.nn.init.zeros_(fresh[0].weight)
    checkpoints.apply_state_dict(fresh, state, source="test")
    x = torch.rand(1, 3, 8, 8)
    assert torch.equal(fresh.eval()(x), net.eval()(x))


def test_square_size_shared_tensors_and_state_dict_input(tmp_path):
    linear = torch.nn.Linear(3, 3)
    tied = {"a.weight": linear.weight.detach(), "b.weight": linear.weight.detach()}  # one storage
    path = checkpoints.save_checkpoint(tmp_path / "tied.safetensors", tied, method="x", config={}, image_size=32)
    state, metadata = checkpoints.load_checkpoint(path)
    assert torch.equal(state["a.weight"], state["b.weight"]) and metadata.image_size == (32, 32)


def test_digest_covers_names_shapes_dtypes_and_values():
    base = {"b": torch.arange(6.0).reshape(2, 3), "a": torch.ones(2)}
    digest = checkpoints.tensor_digest(base)
    assert checkpoints.tensor_digest(dict(reversed(list(base.items())))) == digest  # sorted key order
    variants = [
        {"c": base["b"], "a": base["a"]},
        {"b": base["b"].reshape(3, 2), "a": base["a"]},
        {"b": base["b"].double(), "a": base["a"]},
        {"b": base["b"] + torch.tensor(1e-6), "a": base["a"]},
    ]
    assert len({checkpoints.tensor_digest(v) for v in variants} | {digest}) == 5


def test_wrong_method_is_refused(tmp_path):
    path = _save(tmp_path)
    with pytest.raises(WeightsError, match="'deepfill2', not 'lama'"):
        checkpoints.load_checkpoint(path, method="lama")
    with pytest.raises(WeightsError, match="'deepfill2', not 'lama'"):
        checkpoints.read_weights(path, method="lama")


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(WeightsError, match="does not exist"):
        checkpoints.load_checkpoint(tmp_path / "nope.safetensors")
    with pytest.raises(WeightsError, match="is a folder"):
        checkpoints.read_weights(tmp_path, method="lama")
    with pytest.raises(WeightsError, match="expected a path"):
        checkpoints.load_checkpoint(3)


def test_altered_tensor_bytes_fail_the_digest(tmp_path):
    path = _save(tmp_path)
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x55  # inside the last tensor
    path.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match="SHA-256"):
        checkpoints.load_checkpoint(path)


def test_truncated_and_damaged_files(tmp_path):
    path = _save(tmp_path)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) - 40])
    with pytest.raises(WeightsError, match="corrupt|not an inpaintkit"):
        checkpoints.load_checkpoint(path)
    path.write_bytes(whole[:8] + b"[" + whole[9:])  # header no longer JSON
    with pytest.raises(WeightsError, match="not an inpaintkit checkpoint"):
        checkpoints.load_checkpoint(path)
    path.write_bytes(b"hello, I am not weights")
    with pytest.raises(WeightsError, match="neither an inpaintkit checkpoint"):
        checkpoints.read_weights(path, method="lama")


def test_other_safetensors_and_other_versions_are_refused(tmp_path):
    from safetensors.torch import save_file

    plain = tmp_path / "plain.safetensors"
    save_file({"w": torch.zeros(2)}, plain, metadata={"author": "someone"})
    with pytest.raises(WeightsError, match="not an inpaintkit checkpoint"):
        checkpoints.load_checkpoint(plain)
    state = {"w": torch.zeros(2)}
    future = tmp_path / "future.safetensors"
    metadata = {"format": checkpoints.FORMAT, "format_version": "99", "method": "x", "config": "{}",
                "image_size": "null", "inpaintkit_version": "9", "sha256": checkpoints.tensor_digest(state)}
    save_file(state, future, metadata=metadata)
    with pytest.raises(WeightsError, match="version '99'"):
        checkpoints.load_checkpoint(future)
    del metadata["config"]
    metadata["format_version"] = "1"
    save_file(state, future, metadata=metadata)
    with pytest.raises(WeightsError, match="damaged checkpoint metadata"):
        checkpoints.load_checkpoint(future)


def test_apply_state_dict_names_missing_unexpected_and_wrong_shapes():
    net = _small_net()
    state = dict(net.state_dict())
    state.pop("0.bias")
    state["extra.weight"] = torch.zeros(1)
    state["2.weight"] = torch.zeros(2, 4, 3, 3)
    with pytest.raises(WeightsError) as caught:
        checkpoints.apply_state_dict(_small_net(), state, source="my file")
    message = str(caught.value)
    assert "my file" in message and "1 missing: 0.bias" in message and "1 unexpected: extra.weight" in message
    assert "2.weight (2, 4, 3, 3) (expected (2, 4, 1, 1))" in message


# --------------------------------------------------------------------------- PyTorch files
class _WritesMarker:
    """A pickle payload that would create ``path`` when unpickled by plain pickle."""

    def __init__(self, path: Path, via: str) -> None:
        self.path, self.via = path, via

    def __reduce__(self):
        if self.via == "os.system":
            return (os.system, (f"touch {self.path}",))
        return (exec, (f"open({str(self.path)!r}, 'w').close()",))


def test_plain_pickle_payload_would_run(tmp_path):
    """The payload is live: plain pickle runs it (so the refusals below mean something)."""
    marker = tmp_path / "ran"
    pickle.loads(pickle.dumps(_WritesMarker(marker, "exec")))
    assert marker.exists()


@pytest.mark.parametrize("via", ["os.system", "exec"])
@pytest.mark.parametrize("layout", ["zip", "legacy", "pickle", "lightning"])
def test_pickles_carrying_code_are_refused_and_never_run(tmp_path, fake_lightning, via, layout):
    marker = tmp_path / "ran"
    payload = _WritesMarker(marker, via)
    path = tmp_path / "evil.ckpt"
    if layout == "zip":
        torch.save({"state_dict": {"w": torch.zeros(2)}, "hook": payload}, path)
    elif layout == "legacy":
        torch.save({"w": torch.zeros(2), "hook": payload}, path, _use_new_zipfile_serialization=False)
    elif layout == "pickle":
        path.write_bytes(pickle.dumps({"hook": payload}, protocol=2))
    else:  # a Lightning checkpoint whose inert extras would send it to the restricted unpickler
        torch.save(fake_lightning.checkpoint({"generator.w": torch.zeros(2)}, hook=payload), path)
    with pytest.raises(WeightsError, match="refused|not read"):
        checkpoints.load_torch_file(path)
    with pytest.raises(WeightsError):
        checkpoints.read_weights(path, method="lama")
    assert not marker.exists()


def test_plain_state_dict_files_load(tmp_path):
    path = tmp_path / "plain.pth"
    net = _small_net()
    torch.save(net.state_dict(), path)
    loaded = checkpoints.load_torch_file(path)
    assert all(torch.equal(loaded[key], value) for key, value in net.state_dict().items())


class FakeLightning:
    """Stand-ins for omegaconf / pytorch_lightning classes, importable only while saving."""

    def __init__(self, monkeypatch, marker: Path) -> None:
        self.monkeypatch, self.marker = monkeypatch, marker
        marker_path = str(marker)

        class DictConfig:
            def __init__(self, content):
                self._content = content

            def __setstate__(self, state):  # would run if the unpickler built a real DictConfig
                open(marker_path, "w").close()
                self.__dict__.update(state)

        class ModelCheckpoint:
            pass

        self.classes = {"omegaconf.dictconfig": DictConfig, "pytorch_lightning.callbacks.model_checkpoint": ModelCheckpoint}

    def checkpoint(self, state_dict, **extra):
        """A Lightning-shaped checkpoint: its classes are importable while it is pickled."""
        dict_config, model_checkpoint = (self._install(name, cls) for name, cls in self.classes.items())
        return {
            "epoch": 3,
            "global_step": 1000,
            "pytorch-lightning_version": "1.2.9",
            "state_dict": state_dict,
            "callbacks": {model_checkpoint: {"best_model_score": torch.tensor(0.25), "best_model_path": "x.ckpt"}},
            "optimizer_states": [{"state": {0: {"step": 3}}, "param_groups": [{"lr": 1e-3, "params": [0]}]}],
            "lr_schedulers": [],
            "hparams_name": "kwargs",
            "hyper_parameters": dict_config({"generator": {"n_blocks": 18}}),
            **extra,
        }

    def _install(self, module_name: str, cls: type) -> type:
        cls.__module__ = module_name
        cls.__qualname__ = cls.__name__
        parts = module_name.split(".")
        for depth in range(1, len(parts) + 1):
            name = ".".join(parts[:depth])
            self.monkeypatch.setitem(sys.modules, name, sys.modules.get(name) or types.ModuleType(name))
        setattr(sys.modules[module_name], cls.__name__, cls)
        return cls

    def uninstall(self) -> None:
        self.monkeypatch.undo()


@pytest.fixture
def fake_lightning(monkeypatch, tmp_path):
    fake = FakeLightning(monkeypatch, tmp_path / "setstate-ran")
    yield fake
    assert not fake.marker.exists(), "a class from the checkpoint was built"


def _save_then_forget(fake: FakeLightning, obj, path: Path) -> Path:
    torch.save(obj, path)
    fake.uninstall()  # loading must not need (or import) the classes
    assert "omegaconf.dictconfig" not in sys.modules
    return path


def test_lightning_checkpoint_keeps_tensors_and_drops_extras(tmp_path, fake_lightning):
    state = {"generator.w": torch.arange(4.0), "discriminator.w": torch.ones(1)}
    path = _save_then_forget(fake_lightning, fake_lightning.checkpoint(state), tmp_path / "best.ckpt")
    loaded = checkpoints.load_torch_file(path)
    assert torch.equal(loaded["state_dict"]["generator.w"], torch.arange(4.0))
    assert loaded["global_step"] == 1000 and loaded["callbacks"]
    assert "dropped omegaconf.dictconfig.DictConfig" in repr(loaded["hyper_parameters"])
    assert not isinstance(loaded["hyper_parameters"], fake_lightning.classes["omegaconf.dictconfig"])


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch.jit.script, used only to make the archive
def test_torchscript_archives_are_refused(tmp_path):
    path = tmp_path / "big-lama.pt"
    torch.jit.script(torch.nn.Linear(2, 2)).save(str(path))
    with pytest.raises(WeightsError, match="TorchScript"):
        checkpoints.load_torch_file(path)


def test_damaged_zip_is_refused(tmp_path):
    path = tmp_path / "cut.pth"
    torch.save({"w": torch.zeros(1000)}, path)
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(WeightsError, match="damaged|could not be read"):
        checkpoints.load_torch_file(path)


# --------------------------------------------------------------------------- official layouts
def _official(name: str) -> dict:
    return json.loads((DATA / f"official_{name}.json").read_text())


def _stand_in_state(layout: dict, prefix: str = "") -> dict:
    """One tensor per official key, of its shape and dtype, filled with the key's index.

    Each is a broadcast view of a single element, so even Big LaMa's 51M parameters take a
    few kilobytes on disk.
    """
    state = {}
    for index, (key, shape, dtype) in enumerate(layout["keys"]):
        state[prefix + key] = torch.full((), index, dtype=getattr(torch, dtype)).expand(shape)
    return state


def _assert_loaded_key_for_key(network, state_in_our_names, layout, rename):
    checkpoints.apply_state_dict(network, state_in_our_names, source="test")
    loaded = network.state_dict()
    for index, (key, shape, _) in enumerate(layout["keys"]):
        ours = rename(key)
        if ours is None:
            continue
        assert list(loaded[ours].shape) == shape and bool((loaded[ours] == index).all()), (key, ours)


def test_deepfill2_port_layout_loads_key_for_key(tmp_path):
    from inpaintkit.deep.deepfill2.network import DeepFillV2Generator

    layout = _official("deepfill2_port")
    assert layout["parameters"] == 4_052_478
    path = tmp_path / "states_pt_places2.pth"
    optimiser_state = {"state": {}, "param_groups": [{"lr": 1e-4, "betas": (0.5, 0.999), "params": [0, 1]}]}
    torch.save({"G": _stand_in_state(layout), "D": {"conv1.conv_sn.bias": torch.zeros(64)},
                "G_optim": optimiser_state, "D_optim": optimiser_state, "n_iter": 10}, path)
    state, config, source = checkpoints.read_weights(path, method="deepfill2")
    assert config == {"padding": "symmetric"} and "PyTorch port" in source
    fuse = "stage2.contextual_attention.fuse_weight"  # a constant of the port's layer, not a weight
    _assert_loaded_key_for_key(DeepFillV2Generator(**config), state, layout, lambda key: None if key == fuse else key)


def test_deepfill2_port_earlier_branch_names_load(tmp_path):
    from inpaintkit.deep.deepfill2.network import DeepFillV2Generator

    layout = _official("deepfill2_port")
    earlier = {"stage2.conv_": "stage2.b1_", "stage2.ca_": "stage2.b2_"}

    def old_name(key):
        for new, old in earlier.items():
            if key.startswith(new):
                return old + key[len(new) :]
        return key

    state = {old_name(key): value for key, value in _stand_in_state(layout).items() if "fuse_weight" not in key}
    assert any(key.startswith("stage2.b2_") for key in state)
    path = tmp_path / "old.pth"
    torch.save({"G": state}, path)
    ours, config, _ = checkpoints.read_weights(path, method="deepfill2")
    _assert_loaded_key_for_key(
        DeepFillV2Generator(**config), ours, layout, lambda key: None if "fuse_weight" in key else key
    )


def test_deepfill2_tf_layout_loads_key_for_key_with_tf_padding(tmp_path):
    from inpaintkit.deep.deepfill2.network import DeepFillV2Generator

    layout = _official("deepfill2_tf")
    assert layout["parameters"] == 4_052_478
    path = tmp_path / "states_tf_places2.pth"
    torch.save({"G": _stand_in_state(layout)}, path)
    state, config, source = checkpoints.read_weights(path, method="deepfill2")
    assert config == {"padding": "tf"} and "TensorFlow" in source
    # the official TensorFlow scope of each layer -> our module path (the network's own table)
    expected = {"conv1": "stage1.conv1", "conv7_atrous": "stage1.conv_bn2", "conv13_upsample": "stage1.up_block1.conv1_upsample",
                "xconv3": "stage2.conv_down_block1.conv2", "pmconv6": "stage2.ca_conv_bn1",
                "pmconv9": "stage2.ca_conv_bn4", "allconv17": "stage2.conv_to_rgb"}
    for scope, ours in expected.items():
        assert checkpoints._DEEPFILL2_TF_NAMES[scope] == ours

    def rename(key):
        scope, _, rest = key.partition(".")
        return f"{checkpoints._DEEPFILL2_TF_NAMES[scope]}.{rest}"

    _assert_loaded_key_for_key(DeepFillV2Generator(**config), state, layout, rename)


def test_deepfill2_unknown_layout_is_refused(tmp_path):
    path = tmp_path / "other.pth"
    torch.save({"G": {"encoder.weight": torch.zeros(2)}}, path)
    with pytest.raises(WeightsError, match="not a DeepFill v2 generator"):
        checkpoints.read_weights(path, method="deepfill2")


@pytest.mark.parametrize("name,blocks,parameters", [("lama_fourier", 9, 27_048_835), ("big_lama", 18, 50_975_875)])
def test_lama_lightning_checkpoint_loads_key_for_key(tmp_path, fake_lightning, name, blocks, parameters):
    from inpaintkit.deep.lama.network import FFCResNetGenerator

    layout = _official(name)
    assert layout["parameters"] == parameters
    state = _stand_in_state(layout, prefix="generator.")
    state["discriminator.model0.0.weight"] = torch.zeros(64, 3, 4, 4)
    state["loss_resnet_pl.impl.conv1.weight"] = torch.zeros(1)
    path = _save_then_forget(fake_lightning, fake_lightning.checkpoint(state), tmp_path / "best.ckpt")
    ours, config, source = checkpoints.read_weights(path, method="lama")
    assert config == {"n_blocks": blocks} and "Lightning" in source
    _assert_loaded_key_for_key(FFCResNetGenerator(**config), ours, layout, lambda key: key)


def test_lama_without_generator_is_refused(tmp_path):
    path = tmp_path / "best.ckpt"
    torch.save({"state_dict": {"discriminator.model0.0.weight": torch.zeros(1)}}, path)
    with pytest.raises(WeightsError, match="not LaMa's FFC ResNet generator"):
        checkpoints.read_weights(path, method="lama")


def test_methods_without_official_reader_need_our_format(tmp_path):
    path = tmp_path / "w.pth"
    torch.save({"w": torch.zeros(1)}, path)
    with pytest.raises(WeightsError, match="no reader for official"):
        checkpoints.read_weights(path, method="dip")


def test_read_weights_takes_config_from_our_checkpoint(tmp_path):
    path = _save(tmp_path, method="lama", config={"n_blocks": 2})
    state, config, source = checkpoints.read_weights(path, method="lama")
    assert config == {"n_blocks": 2} and "inpaintkit checkpoint" in source and state
