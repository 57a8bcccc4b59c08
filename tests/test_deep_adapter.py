"""The deep-method adapter with tiny stand-in networks: values, channels, padding, strategies,
devices, weights and batches."""

from __future__ import annotations

import numpy as np
import pytest

import torch  # noqa: E402  (the test extra installs it: a missing torch must fail, not skip)

from inpaintkit.api import InpainterInfo  # noqa: E402
from inpaintkit.deep import checkpoints  # noqa: E402
from inpaintkit.deep.adapter import DeepInpainter  # noqa: E402
from inpaintkit.errors import BackendUnavailableError, InvalidParameterError, WeightsError  # noqa: E402


class MeanFill(DeepInpainter):
    """Fills the hole with each tile's mean known value per channel (in the network's range),
    and records what the network was given."""

    info = InpainterInfo(name="test-mean-fill", family="deep", year=2024, paper="-", doi=None, backends=("torch",))
    value_range = (-1.0, 1.0)
    multiple = 8

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls: list[tuple[int, ...]] = []
        self.seen: list[tuple[torch.Tensor, torch.Tensor]] = []

    def _fill(self, images, masks, ctx, render):
        self.calls.append(tuple(images.shape))
        self.seen.append((images.clone(), masks.clone()))
        known = 1.0 - masks
        mean = (images * known).sum(dim=(2, 3), keepdim=True) / known.sum(dim=(2, 3), keepdim=True)
        return images * known + mean * masks


class ZeroToOne(MeanFill):
    value_range = (0.0, 1.0)
    multiple = 16


class Scaled(DeepInpainter):
    """A network with weights: a 1x1 convolution, saved and loaded through a checkpoint."""

    info = InpainterInfo(
        name="test-scaled", family="deep", year=2024, paper="-", doi=None, backends=("torch",), needs_weights=True
    )
    weights_hint = "train one with `make-scaled`"

    def build_network(self, config):
        return torch.nn.Conv2d(3, 3, 1, bias=config["bias"])

    def _fill(self, images, masks, ctx, render):
        with torch.no_grad():
            return self.network(images)


def _image(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def _hole(shape, top=5, left=7, height=6, width=9):
    mask = np.zeros(shape, bool)
    mask[top : top + height, left : left + width] = True
    return mask


# --------------------------------------------------------------------------- values and channels
@pytest.mark.parametrize("cls", [MeanFill, ZeroToOne])
def test_hole_gets_the_known_mean_in_every_dtype_and_layout(cls):
    rgb = _image((16, 32, 3))  # no padding, whose mirrored pixels would join the mean
    mask = _hole((16, 32))
    cases = {
        "uint8 rgb": rgb,
        "uint16 gray": rgb[:, :, 0].astype(np.uint16) * 257,
        "float32 rgba": np.dstack([rgb, rgb[:, :, 1]]).astype(np.float32) / 255,
        "float64 odd range": rgb.astype(np.float64) * 0.03 - 2.5,  # mapped from its known range and back
        "float64 hw1": rgb[:, :, 2:] / 255.0,
    }
    for label, image in cases.items():
        out = cls().inpaint(image, mask)
        assert out.shape == image.shape and out.dtype == image.dtype, label
        values = image.reshape(*mask.shape, -1).astype(np.float64)
        filled = out.reshape(*mask.shape, -1).astype(np.float64)
        expected = values[~mask].mean(axis=0)
        # integers: rounding to the grid; floats: float32 inside the network
        tolerance = 1.0 if image.dtype.kind == "u" else 1e-5 * max(1.0, np.abs(expected).max())
        assert np.abs(filled[mask] - expected).max() <= tolerance, label


def test_gray_is_replicated_and_rgba_alpha_is_a_second_gray_tile():
    mask = _hole((16, 16))
    gray = MeanFill()
    gray.inpaint(_image((16, 16)), mask)
    images, _ = gray.seen[0]
    assert images.shape == (1, 3, 16, 16) and torch.equal(images[0, 0], images[0, 1]) and torch.equal(images[0, 0], images[0, 2])
    rgba = MeanFill()
    image = _image((16, 16, 4))
    rgba.inpaint(image, mask)
    images, _ = rgba.seen[0]
    assert images.shape == (2, 3, 16, 16)
    alpha = torch.from_numpy(image[:, :, 3] / 255.0 * 2 - 1).float()
    assert torch.allclose(images[1, 0][torch.from_numpy(~mask)], alpha[torch.from_numpy(~mask)], atol=1e-6)


def test_network_gets_its_range_with_the_hole_at_the_low_end():
    image, mask = _image((16, 24, 3)), _hole((16, 24))
    net = MeanFill()
    net.inpaint(image, mask)
    images, masks = net.seen[0]
    assert torch.equal(masks[0, 0].bool(), torch.from_numpy(mask))
    assert float(images.min()) >= -1.0 and float(images.max()) <= 1.0
    assert bool((images[0][:, torch.from_numpy(mask)] == -1.0).all())
    expected = torch.from_numpy(image.transpose(2, 0, 1) / 255.0 * 2 - 1).float()
    assert torch.allclose(images[0][:, torch.from_numpy(~mask)], expected[:, torch.from_numpy(~mask)], atol=1e-6)


# --------------------------------------------------------------------------- padding
@pytest.mark.parametrize("shape", [(21, 30), (8, 16), (1, 5), (33, 9)])
def test_padding_mirrors_image_and_mask_and_is_cropped_back(shape):
    image = _image((*shape, 3), seed=1)
    mask = np.zeros(shape, bool)
    mask[0, shape[1] // 2] = True
    net = ZeroToOne()
    job = net._plan(image / 255.0, mask, np.dtype(np.uint8))
    height, width = job.images.shape[-2:]
    assert height % 16 == 0 and width % 16 == 0 and height >= shape[0] and width >= shape[1]
    pad = ((0, height - shape[0]), (0, width - shape[1]))
    assert np.array_equal(job.masks[0, 0] > 0, np.pad(mask, pad, mode="symmetric"))
    expected = np.pad(np.where(mask[:, :, None], 0.0, image / 255.0), (*pad, (0, 0)), mode="symmetric")
    assert np.allclose(job.images[0], expected.transpose(2, 0, 1), atol=1e-6)
    # an output equal to the input renders back to the known pixels exactly where they are
    back = net._render(job, torch.from_numpy(job.images))
    assert back.shape == (*shape, 3)
    assert np.allclose(back[~mask], image[~mask] / 255.0, atol=1e-6)


# --------------------------------------------------------------------------- strategies
def _large_case():
    image = _image((150, 260, 3), seed=2)
    mask = _hole((150, 260), top=60, left=200, height=16, width=24)
    return image, mask


def test_crop_sends_the_hole_with_its_margin():
    image, mask = _large_case()
    net = MeanFill(strategy="crop", max_size=64, crop_margin=8)
    out = net.inpaint(image, mask)
    assert net.calls == [(1, 3, 32, 40)]  # (16 + 2 * 8) x (24 + 2 * 8): no padding needed
    images, _ = net.seen[0]
    region = image[52:84, 192:232] / 255.0 * 2 - 1
    known = ~mask[52:84, 192:232]
    assert np.allclose(images[0].numpy().transpose(1, 2, 0)[known], region[known], atol=1e-6)
    expected = region[known].mean(axis=0) * 127.5 + 127.5  # the mean over the crop, not the image
    assert np.abs(out[mask].astype(float) - expected).max() <= 1.0


def test_crop_larger_than_max_size_is_downscaled():
    image, mask = _large_case()
    mask[10:140, 10:20] = True
    net = MeanFill(strategy="crop", max_size=64, crop_margin=8)
    out = net.inpaint(image, mask)
    (call,) = net.calls
    assert max(call[2:]) == 64 and out.shape == image.shape


def test_resize_downscales_the_whole_image_and_full_keeps_it():
    image, mask = _large_case()
    resized = MeanFill(strategy="resize", max_size=64)
    out = resized.inpaint(image, mask)
    assert resized.calls == [(1, 3, 40, 64)]  # 150x260 -> 37x64, padded to 40x64
    interior = out[66:70, 206:218].reshape(-1, 3).astype(float)  # bilinear upscaling blends the edges
    assert np.abs(interior - image[~mask].mean(axis=0)).max() <= 3.0
    full = MeanFill(strategy="full", max_size=64)
    full.inpaint(image, mask)
    assert full.calls == [(1, 3, 152, 264)]
    small = MeanFill(strategy="crop", max_size=512)
    small.inpaint(image, mask)
    assert small.calls == [(1, 3, 152, 264)]  # below max_size every strategy sends the whole image


# --------------------------------------------------------------------------- parameters and devices
def test_parameters_are_checked():
    for bad in ("gpu", "cuda:", "cuda:x", "CPU", 0):
        with pytest.raises(InvalidParameterError, match="device"):
            MeanFill(device=bad)
    with pytest.raises(InvalidParameterError, match="strategy"):
        MeanFill(strategy="tile")
    with pytest.raises(InvalidParameterError, match="max_size"):
        MeanFill(max_size=4)
    with pytest.raises(InvalidParameterError, match="crop_margin"):
        MeanFill(crop_margin=-1)


def test_devices_resolve_against_the_machine():
    assert MeanFill(device="cpu").torch_device() == torch.device("cpu")
    expected_auto = "cuda" if torch.cuda.is_available() else "cpu"
    assert MeanFill(device="auto").torch_device().type == expected_auto
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    with pytest.raises(BackendUnavailableError, match=f"cuda:{count}"):
        MeanFill(device=f"cuda:{count}").inpaint(_image((8, 8, 3)), _hole((8, 8), 1, 1, 2, 2))


def test_n_threads_applies_to_the_call_only():
    before = torch.get_num_threads()
    seen = []

    class Threads(MeanFill):
        def _fill(self, images, masks, ctx, render):
            seen.append(torch.get_num_threads())
            return images

    Threads(n_threads=1).inpaint(_image((8, 8, 3)), _hole((8, 8), 1, 1, 2, 2))
    assert seen == [1] and torch.get_num_threads() == before


# --------------------------------------------------------------------------- weights
def test_weights_are_required_and_explained():
    with pytest.raises(WeightsError, match="'test-scaled' needs weights=<path>; train one with `make-scaled`"):
        Scaled()


def test_weights_build_and_load_the_network(tmp_path):
    network = torch.nn.Conv2d(3, 3, 1, bias=True)
    with torch.no_grad():
        network.weight.zero_()
        network.bias.copy_(torch.tensor([0.1, 0.4, 0.7]))
    path = checkpoints.save_checkpoint(tmp_path / "w.safetensors", network, method="test-scaled", config={"bias": True})
    inpainter = Scaled(weights=path)
    assert inpainter.weights == str(path) and not inpainter.network.training
    mask = _hole((8, 8), 2, 2, 3, 3)
    assert np.allclose(inpainter.inpaint(np.full((8, 8, 3), 0.9), mask)[mask], [0.1, 0.4, 0.7], atol=1e-6)
    other = checkpoints.save_checkpoint(tmp_path / "o.safetensors", network, method="lama", config={"bias": True})
    with pytest.raises(WeightsError, match="'lama', not 'test-scaled'"):
        Scaled(weights=other)
    unbiased = checkpoints.save_checkpoint(tmp_path / "b.safetensors", network, method="test-scaled", config={"bias": False})
    with pytest.raises(WeightsError, match="1 unexpected: bias"):
        Scaled(weights=unbiased)


# --------------------------------------------------------------------------- batches
def test_batch_equals_single_calls_and_groups_same_sizes():
    images = [_image((16, 24, 3), 1), _image((16, 24, 4), 2), _image((16, 24), 3), _image((20, 20, 3), 4), _image((16, 24, 3), 5)]
    masks = [_hole(image.shape[:2], 2, 3, 4, 5) for image in images]
    masks[4][:] = False  # nothing to fill: returned as a copy
    singles = [MeanFill().inpaint(image, mask) for image, mask in zip(images, masks)]
    batched_net = MeanFill()
    batched = batched_net.inpaint_batch(images, masks, batch_size=3)
    for single, batch in zip(singles, batched):
        assert single.dtype == batch.dtype and np.array_equal(single, batch)
    # 16x24 tiles: rgb (1) + rgba (2) + gray (1) -> chunks of <= 3 tiles; 20x20 (pads to 24x24) alone
    assert sorted(batched_net.calls) == sorted([(3, 3, 16, 24), (1, 3, 16, 24), (1, 3, 24, 24)])
    with pytest.raises(InvalidParameterError, match="one mask per image"):
        batched_net.inpaint_batch(images, masks[:2])
