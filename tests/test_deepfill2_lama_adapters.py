"""DeepFill v2 and LaMa behind the adapter: weights in and out, the network's own answer,
gray and RGBA, DeepFill v2's sketch input, LaMa's n_blocks, and a torch-free import."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import inpaintkit as ik
from inpaintkit.errors import InvalidParameterError, ShapeMismatchError, WeightsError

import torch  # noqa: E402  (the test extra installs it: a missing torch must fail, not skip)

from inpaintkit.deep import checkpoints  # noqa: E402
from inpaintkit.deep.deepfill2 import DeepFillV2, DeepFillV2Generator  # noqa: E402
from inpaintkit.deep.lama import FFCResNetGenerator, LaMa  # noqa: E402

TINY = {"deepfill2": {"cnum": 8}, "lama": {"n_blocks": 1, "ngf": 8}}
NETWORKS = {"deepfill2": DeepFillV2Generator, "lama": FFCResNetGenerator}


def _network(method, seed=0, **config):
    config = {**TINY[method], **config}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        network = NETWORKS[method](**config)
        with torch.no_grad():
            if method == "deepfill2":
                # PyTorch's default initialisation fades through the 30-odd gated layers to an output
                # of tanh(~0) everywhere; this gain keeps it varying with the input, not saturated.
                for module in network.modules():
                    if isinstance(module, torch.nn.Conv2d):
                        torch.nn.init.kaiming_normal_(module.weight)
                        module.weight.mul_(1.6)
            else:  # non-trivial batch-norm statistics, so eval mode is exercised
                for module in network.modules():
                    if isinstance(module, torch.nn.BatchNorm2d):
                        module.running_mean.uniform_(-0.1, 0.1)
                        module.running_var.uniform_(0.5, 1.5)
    return network.eval(), config


def _weights(tmp_path, method, seed=0, **config):
    network, config = _network(method, seed, **config)
    path = checkpoints.save_checkpoint(tmp_path / f"{method}-{seed}.safetensors", network, method=method, config=config)
    return path, network


def _case(shape=(21, 30), seed=0):
    image = np.random.default_rng(seed).random((*shape, 3))
    mask = np.zeros(shape, bool)
    mask[6:14, 9:20] = True
    return image, mask


def _direct(method, network, image, mask, edges=None):
    """The network run by hand on the mirror-padded image: the adapter's answer, composited."""
    height, width = mask.shape
    pad = ((0, -height % 8), (0, -width % 8))
    padded = np.pad(image, (*pad, (0, 0)), mode="symmetric")
    padded_mask = np.pad(mask, pad, mode="symmetric").astype(np.float32)
    x = torch.from_numpy(padded.transpose(2, 0, 1)[None].astype(np.float32))
    m = torch.from_numpy(padded_mask[None, None])
    with torch.no_grad():
        if method == "deepfill2":
            e = None
            if edges is not None:
                e = torch.from_numpy(np.pad(edges, pad, mode="symmetric")[None, None].astype(np.float32))
            out = (network(x * 2 - 1, m, e)[1] + 1) / 2
        else:
            out = network(x, m)
    filled = out[0].numpy().transpose(1, 2, 0)[:height, :width].astype(np.float64)
    return np.where(mask[:, :, None], filled, image)


# --------------------------------------------------------------------------- weights
@pytest.mark.parametrize("method", ["deepfill2", "lama"])
def test_checkpoint_round_trip_equals_the_network_on_the_padded_image(tmp_path, method):
    path, network = _weights(tmp_path, method)
    inpainter = ik.Inpainter.create(method, weights=path, n_threads=1)
    assert inpainter.weights == str(path) and not inpainter.network.training
    for key, value in network.state_dict().items():
        assert torch.equal(inpainter.network.state_dict()[key], value), key
    image, mask = _case()
    out = inpainter.inpaint(image, mask)
    expected = _direct(method, network, image, mask)
    assert np.abs(out - expected).max() < 1e-6
    assert np.array_equal(out[~mask], image[~mask]) and np.abs(out[mask] - image[mask]).max() > 0.05


@pytest.mark.parametrize("method", ["deepfill2", "lama"])
def test_weights_are_required_and_must_be_the_methods(tmp_path, method):
    with pytest.raises(WeightsError, match=f"'{method}' needs weights=<path>; pass .*save_checkpoint"):
        ik.Inpainter.create(method)
    other = "lama" if method == "deepfill2" else "deepfill2"
    wrong, _ = _weights(tmp_path, other)
    with pytest.raises(WeightsError, match=f"holds weights for '{other}', not '{method}'"):
        ik.Inpainter.create(method, weights=wrong)
    # right method, but a config the network does not take
    network, _ = _network(method)
    bad = checkpoints.save_checkpoint(tmp_path / "bad.safetensors", network, method=method, config={"width": 3})
    with pytest.raises(WeightsError, match="config"):
        ik.Inpainter.create(method, weights=bad)


def test_lama_n_blocks_checks_the_weights(tmp_path):
    path, _ = _weights(tmp_path, "lama", n_blocks=2)
    assert ik.Inpainter.create("lama", weights=path, n_blocks=2).network is not None
    with pytest.raises(WeightsError, match="n_blocks: expected weights with 18 residual blocks, got 2"):
        ik.Inpainter.create("lama", weights=path, n_blocks=18)
    with pytest.raises(InvalidParameterError, match="n_blocks"):
        ik.Inpainter.create("lama", weights=path, n_blocks=-1)


def test_lama_official_checkpoint_layout_runs_through_the_adapter(tmp_path):
    """A Lightning-style file (``state_dict`` with the ``generator.`` prefix) of a one-block
    generator at the official width: n_blocks comes from its keys, the output from its weights."""
    network, _ = _network("lama", n_blocks=1, ngf=64)
    state = {f"generator.{key}": value for key, value in network.state_dict().items()}
    state["discriminator.model0.0.weight"] = torch.zeros(64, 3, 4, 4)
    path = tmp_path / "best.ckpt"
    torch.save({"state_dict": state, "epoch": 3}, path)
    inpainter = ik.Inpainter.create("lama", weights=path, n_blocks=1, n_threads=1)
    image, mask = _case((16, 24))
    assert np.abs(inpainter.inpaint(image, mask) - _direct("lama", network, image, mask)).max() < 1e-6


# --------------------------------------------------------------------------- channels
@pytest.mark.parametrize("method", ["deepfill2", "lama"])
def test_gray_and_rgba_go_through_the_rgb_network(tmp_path, method):
    path, network = _weights(tmp_path, method)
    inpainter = ik.Inpainter.create(method, weights=path, n_threads=1)
    image, mask = _case((16, 24))
    gray = image[:, :, 1]
    # gray: the network on (g, g, g), its three outputs averaged
    as_rgb = _direct(method, network, np.dstack([gray] * 3), mask)
    out_gray = inpainter.inpaint(gray, mask)
    assert out_gray.shape == gray.shape
    assert np.abs(out_gray - as_rgb.mean(axis=2)).max() < 1e-6
    # RGBA: colour as an RGB image, alpha as a gray image, in one batch
    alpha = image[:, :, 2] ** 2
    out_rgba = inpainter.inpaint(np.dstack([image, alpha]), mask)
    assert out_rgba.shape == (16, 24, 4)
    assert np.abs(out_rgba[:, :, :3] - _direct(method, network, image, mask)).max() < 1e-5
    assert np.abs(out_rgba[:, :, 3] - _direct(method, network, np.dstack([alpha] * 3), mask).mean(axis=2)).max() < 1e-5


def test_deepfill2_batch_equals_single_calls(tmp_path):
    path, _ = _weights(tmp_path, "deepfill2")
    inpainter = ik.Inpainter.create("deepfill2", weights=path, n_threads=1)
    cases = [_case((16, 24), seed) for seed in range(3)]
    cases[1][1][2:5, 3:7] = True  # masks differ per sample: contextual attention uses each one's own
    batched = inpainter.inpaint_batch([image for image, _ in cases], [mask for _, mask in cases], batch_size=3)
    for (image, mask), out in zip(cases, batched):
        assert np.abs(out - inpainter.inpaint(image, mask)).max() < 1e-5


# --------------------------------------------------------------------------- sketch
def test_deepfill2_sketch_reaches_the_guided_network_inside_the_hole_only(tmp_path):
    path, network = _weights(tmp_path, "deepfill2", user_guided=True)
    inpainter = ik.Inpainter.create("deepfill2", weights=path, n_threads=1)
    assert inpainter.user_guided
    image, mask = _case()
    sketch = np.zeros(mask.shape, bool)
    sketch[10, :] = True  # a horizontal stroke across the hole
    guided = inpainter.inpaint(image, mask, edges=sketch)
    assert np.abs(guided - _direct("deepfill2", network, image, mask, sketch)).max() < 1e-6
    plain = inpainter.inpaint(image, mask)
    assert np.abs(plain - _direct("deepfill2", network, image, mask, np.zeros(mask.shape))).max() < 1e-6
    assert np.abs(guided[mask] - plain[mask]).max() > 1e-4
    outside = np.zeros(mask.shape, np.uint8)
    outside[0, :] = 255  # strokes outside the hole are not seen
    assert np.array_equal(inpainter.inpaint(image, mask, edges=outside), plain)
    with pytest.raises(ShapeMismatchError, match="edges"):
        inpainter.inpaint(image, mask, edges=sketch[:-1])
    with pytest.raises(InvalidParameterError, match="edges"):
        inpainter.inpaint(image, mask, edges=sketch * 0.7)


def test_deepfill2_without_sketch_channel_refuses_edges(tmp_path):
    path, _ = _weights(tmp_path, "deepfill2")
    image, mask = _case()
    inpainter = ik.Inpainter.create("deepfill2", weights=path)
    for hole in (mask, np.zeros(mask.shape, bool)):  # refused even when there is nothing to fill
        with pytest.raises(InvalidParameterError, match="edges: these weights were trained without the sketch"):
            inpainter.inpaint(image, hole, edges=np.zeros(mask.shape, bool))


def test_deepfill2_callback_gets_coarse_refined_and_flow(tmp_path):
    path, network = _weights(tmp_path, "deepfill2")
    frames = []
    inpainter = DeepFillV2(weights=path, n_threads=1, callback=lambda step, state: frames.append((step, dict(state))))
    image, mask = _case((16, 24))
    out = inpainter.inpaint(image, mask)
    assert [step for step, _ in frames] == [1]
    state = frames[0][1]
    assert np.abs(state["image"][mask] - out[mask]).max() < 1e-12
    assert state["coarse"].shape == image.shape and not np.allclose(state["coarse"][mask], out[mask])
    assert state["flow"].shape == (2, 3, 3) and state["flow"].dtype == np.uint8


# --------------------------------------------------------------------------- registry
def test_registered_lazily_with_papers_and_import_stays_torch_free():
    for method, cls, year, doi in (
        ("deepfill2", DeepFillV2, 2019, "10.1109/ICCV.2019.00457"),
        ("lama", LaMa, 2022, "10.1109/WACV51458.2022.00323"),
    ):
        info = ik.inpainter_info(method)
        assert cls.info == info and info.needs_weights and info.backends == ("torch",)
        assert (info.year, info.doi, info.family) == (year, doi, "deep")
    code = (
        "import sys, inpaintkit; names = inpaintkit.list_inpainters(family='deep'); "
        "inpaintkit.inpainter_info('lama'); assert {'deepfill2', 'lama'} <= set(names), names; "
        "print('torch' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
