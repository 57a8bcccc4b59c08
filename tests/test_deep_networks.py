"""DeepFill v2 and LaMa networks: exact parameter counts, official module names, forward and
backward on small inputs, and the invariants of their inputs."""

from __future__ import annotations

import pytest
import torch

from inpaintkit.deep.deepfill2.network import DeepFillV2Generator, SNPatchGANDiscriminator
from inpaintkit.deep.lama.network import FFCResNetGenerator, NLayerDiscriminator
from inpaintkit.errors import InvalidImageError, ShapeMismatchError

from .deep_helpers import assert_every_parameter_learns, image_and_mask, n_params, one_thread_and_seed  # noqa: F401

pytestmark = pytest.mark.usefixtures("one_thread_and_seed")


# --------------------------------------------------------------------------- DeepFill v2


def test_deepfill2_parameter_counts_are_the_official_ones():
    generator = DeepFillV2Generator()
    assert n_params(generator) == 4_052_478
    assert (n_params(generator.stage1), n_params(generator.stage2)) == (1_631_151, 2_421_327)
    assert n_params(SNPatchGANDiscriminator()) == 5_946_816
    # The sketch channel adds one input channel to the first layer of each network.
    assert n_params(DeepFillV2Generator(user_guided=True)) == 4_052_478 + 48 * 5 * 5
    assert n_params(SNPatchGANDiscriminator(user_guided=True)) == 5_946_816 + 64 * 5 * 5


def test_deepfill2_state_dict_uses_the_pytorch_port_names():
    shapes = {k: tuple(v.shape) for k, v in DeepFillV2Generator().state_dict().items()}
    assert len(shapes) == 84
    assert shapes["stage1.conv1.conv.weight"] == (48, 5, 5, 5)
    assert shapes["stage1.up_block1.conv1_upsample.conv.conv.weight"] == (96, 96, 3, 3)
    assert shapes["stage2.ca_conv_bn1.conv.weight"] == (192, 96, 3, 3)
    assert shapes["stage2.conv_bn6.conv.weight"] == (192, 192, 3, 3)
    assert shapes["stage2.conv_to_rgb.conv.weight"] == (3, 12, 3, 3)
    d_keys = SNPatchGANDiscriminator().state_dict()
    assert tuple(d_keys["conv6.conv_sn.parametrizations.weight.original"].shape) == (256, 256, 5, 5)


@pytest.mark.parametrize("padding", ["symmetric", "tf"])
def test_deepfill2_generator_forward_and_backward(padding):
    generator = DeepFillV2Generator(padding=padding)
    image, mask = image_and_mask(40, 56)
    coarse, refined, flow = generator(image * 2 - 1, mask)
    assert coarse.shape == refined.shape == (1, 3, 40, 56)
    assert flow.shape == (1, 2, 5, 7) and flow.dtype == torch.int64
    assert coarse.abs().max() <= 1 and refined.abs().max() <= 1
    (coarse.abs().mean() + refined.abs().mean()).backward()
    assert_every_parameter_learns(generator)


def test_deepfill2_generator_ignores_what_the_hole_holds():
    generator = DeepFillV2Generator().eval()
    image, mask = image_and_mask()
    scribbled = image.clone()
    scribbled[mask.expand_as(image) > 0] = torch.rand(int(mask.sum()) * 3)
    with torch.no_grad():
        first, second = generator(image, mask), generator(scribbled, mask)
    for a, b in zip(first, second):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


def test_deepfill2_user_guided_mode_uses_the_sketch_inside_the_hole_only():
    generator = DeepFillV2Generator(user_guided=True).eval()
    image, mask = image_and_mask()
    edge = torch.zeros_like(mask)
    edge[..., 20:22, :] = 1.0  # a horizontal stroke crossing the hole and the known area
    outside_only = edge * (1 - mask)
    with torch.no_grad():
        with_stroke = generator(image, mask, edge)[1]
        stroke_outside_hole = generator(image, mask, outside_only)[1]
        no_stroke = generator(image, mask, torch.zeros_like(mask))[1]
    torch.testing.assert_close(stroke_outside_hole, no_stroke, rtol=0, atol=0)
    assert not torch.equal(with_stroke, no_stroke)
    with pytest.raises(ShapeMismatchError, match="edge"):
        generator(image, mask)
    with pytest.raises(ShapeMismatchError, match="user_guided=False"):
        DeepFillV2Generator()(image, mask, edge)


def test_deepfill2_generator_checks_its_input_size():
    image, mask = image_and_mask(36, 64)
    with pytest.raises(InvalidImageError, match="multiples of 8"):
        DeepFillV2Generator()(image, mask)


@pytest.mark.parametrize("padding", ["symmetric", "tf"])
def test_sn_patchgan_forward_and_backward(padding):
    discriminator = SNPatchGANDiscriminator(padding=padding)
    image, mask = image_and_mask(64, 128)
    scores = discriminator(image * 2 - 1, mask)
    assert scores.shape == (1, 256 * 1 * 2)  # 256 channels at 1/64 resolution, flattened
    torch.relu(1 - scores).mean().backward()  # the hinge loss on real samples
    assert_every_parameter_learns(discriminator)


def test_sn_patchgan_weights_have_unit_spectral_norm():
    discriminator = SNPatchGANDiscriminator()
    raw = discriminator.conv3.conv_sn.parametrizations.weight.original.detach()
    raw_sigma = torch.linalg.matrix_norm(raw.flatten(1), ord=2)
    for _ in range(10):  # each training-mode call runs one power iteration
        discriminator(*image_and_mask(32, 32))
    weight = discriminator.conv3.conv_sn.weight  # the normalised weight the convolution uses
    sigma = torch.linalg.matrix_norm(weight.detach().flatten(1), ord=2)
    assert abs(raw_sigma.item() - 1.0) > 0.1 and abs(sigma.item() - 1.0) < 2e-2


# --------------------------------------------------------------------------- LaMa


@pytest.fixture(scope="module")
def big_lama() -> FFCResNetGenerator:
    torch.manual_seed(0)
    return FFCResNetGenerator(n_blocks=18)


def test_lama_parameter_counts_are_the_official_ones(big_lama):
    assert n_params(big_lama) == 50_975_875
    assert n_params(FFCResNetGenerator(n_blocks=9)) == 27_048_835
    assert n_params(NLayerDiscriminator()) == 6_962_369


def test_lama_state_dict_has_the_official_keys(big_lama):
    state = big_lama.state_dict()
    assert len(state) == 989
    assert tuple(state["model.1.ffc.convl2l.weight"].shape) == (64, 4, 7, 7)
    assert tuple(state["model.4.ffc.convl2g.weight"].shape) == (384, 256, 3, 3)
    assert tuple(state["model.5.conv1.ffc.convg2g.fu.conv_layer.weight"].shape) == (384, 384, 1, 1)
    assert tuple(state["model.22.conv2.ffc.convg2l.weight"].shape) == (128, 384, 3, 3)
    assert tuple(state["model.24.weight"].shape) == (512, 256, 3, 3)  # first ConvTranspose2d
    assert tuple(state["model.34.weight"].shape) == (3, 64, 7, 7)
    keys = set(NLayerDiscriminator().state_dict())
    assert {"model0.0.weight", "model4.1.running_var", "model5.0.bias"} <= keys


def test_big_lama_forward_and_backward(big_lama):
    image, mask = image_and_mask(32, 40)
    prediction = big_lama(image, mask)
    assert prediction.shape == (1, 3, 32, 40)
    assert prediction.min() >= 0 and prediction.max() <= 1
    prediction.mean().backward()
    assert_every_parameter_learns(big_lama)
    big_lama.zero_grad(set_to_none=True)


def test_lama_ignores_what_the_hole_holds():
    generator = FFCResNetGenerator(n_blocks=9).eval()
    image, mask = image_and_mask()
    scribbled = torch.where(mask > 0, torch.rand_like(image), image)
    with torch.no_grad():
        torch.testing.assert_close(generator(image, mask), generator(scribbled, mask), rtol=0, atol=0)
    with pytest.raises(InvalidImageError, match="multiples of 8"):
        generator(image[..., :60], mask[..., :60])


def test_lama_discriminator_forward_and_backward():
    discriminator = NLayerDiscriminator()
    image, _ = image_and_mask()
    logits, features = discriminator(image)
    assert logits.shape == (1, 1, 7, 7)
    assert [f.shape[1] for f in features] == [64, 128, 256, 512, 512]
    (logits.mean() + sum(f.mean() for f in features)).backward()
    assert_every_parameter_learns(discriminator)
