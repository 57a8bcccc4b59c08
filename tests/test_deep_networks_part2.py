"""Context Encoder, GLCIC, DeepFill v1 and PConv networks: parameter counts against
deep-methods.md, forward and backward on small inputs, and one wiring property each."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from inpaintkit.deep.context_encoder.network import (
    CENTER_SIZE,
    CENTER_START,
    INPUT_SIZE,
    MEAN_PIXEL,
    OVERLAP,
    ChannelwiseFullyConnected,
    ContextEncoderDiscriminator,
    ContextEncoderGenerator,
    hole_mask,
    reconstruction_weights,
)
from inpaintkit.deep.deepfill1.network import DeepFillV1Critics, DeepFillV1Generator, GlobalCritic, LocalCritic
from inpaintkit.deep.glcic.network import (
    DILATIONS,
    CompletionNetwork,
    GLCICDiscriminator,
    GlobalDiscriminator,
    LocalDiscriminator,
)
from inpaintkit.deep.pconv.network import PConvUNet
from inpaintkit.errors import InvalidImageError, InvalidParameterError, ShapeMismatchError

from .deep_helpers import assert_every_parameter_learns, image_and_mask, n_params, one_thread_and_seed  # noqa: F401

pytestmark = pytest.mark.usefixtures("one_thread_and_seed")


def _close_to(count: int, millions: float) -> bool:
    """Within 0.5 % of a figure deep-methods.md gives rounded to millions."""
    return abs(count - millions * 1e6) <= 0.005 * millions * 1e6


def _scribble_in_hole(image: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return torch.where(mask > 0, torch.rand_like(image) * 4 - 2, image)


# --------------------------------------------------------------------------- Context Encoder


@pytest.fixture(scope="module")
def context_encoder() -> ContextEncoderGenerator:
    torch.manual_seed(0)
    return ContextEncoderGenerator()


def test_context_encoder_parameter_counts(context_encoder):
    # deep-methods.md 2.1: G 71.1M with nBottleneck=4000 (7.2M with the default 100), D 2.77M.
    assert n_params(context_encoder) == 71_130_531 and _close_to(71_130_531, 71.1)
    assert _close_to(n_params(ContextEncoderGenerator(bottleneck_channels=100)), 7.2)
    assert n_params(ContextEncoderDiscriminator()) == 2_766_529 and _close_to(2_766_529, 2.77)
    # The paper's channel-wise FC layer: m * n^4 weights (+ m * n^2 biases), not m^2 * n^4.
    assert n_params(ChannelwiseFullyConnected(512, 4)) == 512 * 4**4 + 512 * 4**2


def test_context_encoder_geometry_constants():
    assert (INPUT_SIZE, CENTER_SIZE, OVERLAP, CENTER_START) == (128, 64, 4, 32)
    hole = hole_mask()[0, 0]
    rows, cols = torch.nonzero(hole, as_tuple=True)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (36, 91, 36, 91)
    assert hole.sum() == 56 * 56
    weights = reconstruction_weights()[0, 0]
    assert weights.shape == (64, 64)
    assert torch.all(weights[4:60, 4:60] == 1) and weights.sum() == 56 * 56 + 10 * (64 * 64 - 56 * 56)
    assert torch.all(reconstruction_weights(overlap=0) == 1)
    with pytest.raises(InvalidParameterError, match="overlap"):
        hole_mask(overlap=32)


@pytest.mark.parametrize("bottleneck", ["conv", "channel_fc"])
def test_context_encoder_generator_forward_and_backward(bottleneck, context_encoder):
    generator = context_encoder if bottleneck == "conv" else ContextEncoderGenerator(bottleneck=bottleneck)
    image = torch.rand(2, 3, 128, 128) * 2 - 1
    centre = generator(image)
    assert centre.shape == (2, 3, 64, 64) and centre.abs().max() <= 1
    centre.square().mean().backward()
    assert_every_parameter_learns(generator)
    generator.zero_grad(set_to_none=True)


def test_context_encoder_discriminator_forward_and_backward():
    discriminator = ContextEncoderDiscriminator()
    logits = discriminator(torch.rand(2, 3, 64, 64) * 2 - 1)
    assert logits.shape == (2,)
    F.binary_cross_entropy_with_logits(logits, torch.ones(2)).backward()
    assert_every_parameter_learns(discriminator)


def test_context_encoder_sees_the_overlap_band_but_not_the_hole(context_encoder):
    generator = context_encoder.eval()
    image = torch.rand(1, 3, 128, 128) * 2 - 1
    hole = hole_mask()
    net_input = generator.fill_hole(image)
    mean = torch.tensor(MEAN_PIXEL).view(1, 3, 1, 1) * 2 - 1
    assert torch.equal(net_input, torch.where(hole > 0, mean, image))
    band_changed = image.clone()
    band_changed[..., 33, 40:60] = -image[..., 33, 40:60]  # inside the 64x64 centre, outside the hole
    with torch.no_grad():
        reference = generator(image)
        torch.testing.assert_close(generator(_scribble_in_hole(image, hole)), reference, rtol=0, atol=0)
        assert not torch.equal(generator(band_changed), reference)
    context_encoder.train()


def test_context_encoder_checks_its_fixed_size(context_encoder):
    with pytest.raises(InvalidImageError, match="128, 128"):
        context_encoder(torch.zeros(1, 3, 96, 128))
    with pytest.raises(InvalidImageError, match="64, 64"):
        ContextEncoderDiscriminator()(torch.zeros(1, 3, 128, 128))
    with pytest.raises(InvalidParameterError, match="bottleneck"):
        ContextEncoderGenerator(bottleneck="fc")


# --------------------------------------------------------------------------- GLCIC


def test_glcic_parameter_counts():
    # deep-methods.md 2.2: completion network about 6.07M, global D 25.8M, local D 19.3M.
    completion = n_params(CompletionNetwork())
    global_d, local_d = n_params(GlobalDiscriminator()), n_params(LocalDiscriminator())
    assert completion == 6_072_131 and _close_to(completion, 6.07)
    assert global_d == 25_808_384 and _close_to(global_d, 25.8)
    assert local_d == 19_253_248 and _close_to(local_d, 19.3)
    assert n_params(GLCICDiscriminator()) == global_d + local_d + 2048 + 1  # concat -> FC 1


def test_glcic_width_scales_every_layer_and_is_checked():
    # Each conv's weights scale with in x out channels: at width 8 (1/8) the table's layers
    # hold 1/64 of the weights, but for the first (4 inputs) and last (3 outputs) layers.
    small = CompletionNetwork(cnum=8)
    widths = [block.bn.num_features for block in small.layers]
    assert widths == [8, 16, 16, 32, 32, 32, 32, 32, 32, 32, 32, 32, 16, 16, 8, 4]
    assert small.output.in_channels == 4
    assert small(torch.rand(1, 3, 16, 16), torch.zeros(1, 1, 16, 16)).shape == (1, 3, 16, 16)
    discriminator = GLCICDiscriminator(global_size=64, local_size=32, cnum=4)
    assert [block.bn.num_features for block in discriminator.global_discriminator.convs] == [4, 8, 16, 32, 32, 32]
    assert discriminator(torch.rand(2, 3, 64, 64), torch.rand(2, 3, 32, 32)).shape == (2,)
    for bad in (0, 7, 2.0, True):
        with pytest.raises(InvalidParameterError, match="cnum"):
            CompletionNetwork(cnum=bad)
    with pytest.raises(InvalidParameterError, match="cnum"):
        GlobalDiscriminator(cnum=1)


def test_glcic_middle_layers_are_dilated_2_4_8_16():
    layers = CompletionNetwork().layers
    assert DILATIONS == (2, 4, 8, 16)
    assert [block.conv.dilation[0] for block in layers] == [1] * 6 + [2, 4, 8, 16] + [1] * 6
    assert [block.conv.stride[0] for block in layers[:4]] == [1, 2, 1, 2]
    assert [type(layers[i].conv).__name__ for i in (12, 14)] == ["ConvTranspose2d"] * 2


def test_glcic_receptive_field_spans_about_300_pixels():
    # One output pixel's gradient on a wide strip: the dilations carry it ~150 px each way;
    # without them (all rates 1) it would stop after ~50 px.
    net = CompletionNetwork().eval()
    image = torch.rand(1, 3, 4, 320, requires_grad=True)
    net(image, torch.zeros(1, 1, 4, 320))[0, :, 2, 160].sum().backward()
    reached = torch.nonzero(image.grad[0].abs().sum(dim=(0, 1))).flatten() - 160
    assert reached.min() <= -140 and reached.max() >= 140
    assert reached.min() >= -160 and reached.max() <= 160


def test_glcic_completion_forward_and_backward():
    net = CompletionNetwork()
    image, mask = image_and_mask(32, 48)
    prediction = net(image, mask)
    assert prediction.shape == (1, 3, 32, 48) and 0 <= prediction.min() and prediction.max() <= 1
    prediction.mean().backward()
    assert_every_parameter_learns(net)
    assert "pixel_mean" in net.state_dict()


def test_glcic_completion_ignores_what_the_hole_holds():
    net = CompletionNetwork(pixel_mean=(0.4, 0.45, 0.5)).eval()
    image, mask = image_and_mask(32, 48)
    with torch.no_grad():
        torch.testing.assert_close(net(_scribble_in_hole(image, mask), mask), net(image, mask), rtol=0, atol=0)
    with pytest.raises(InvalidImageError, match="multiples of 4"):
        net(image[..., :30], mask[..., :30])
    with pytest.raises(ShapeMismatchError, match="mask"):
        net(image, mask[..., :16])


def test_glcic_discriminators_forward_and_backward():
    # Small inputs: the fully-connected layers follow input_size (paper: 256 and 128).
    discriminator = GLCICDiscriminator(global_size=64, local_size=32)
    logits = discriminator(torch.rand(2, 3, 64, 64), torch.rand(2, 3, 32, 32))
    assert logits.shape == (2,)
    F.binary_cross_entropy_with_logits(logits, torch.zeros(2)).backward()
    assert_every_parameter_learns(discriminator)
    assert discriminator.global_discriminator.fc.in_features == 512  # 512 channels x 1 x 1
    with pytest.raises(InvalidImageError, match="32, 32"):
        discriminator(torch.rand(2, 3, 64, 64), torch.rand(2, 3, 64, 64))
    with pytest.raises(InvalidParameterError, match="multiple of 64"):
        GlobalDiscriminator(input_size=96)


# --------------------------------------------------------------------------- DeepFill v1


def test_deepfill1_parameter_counts_and_names():
    # deep-methods.md 2.3: about 3.60M, stage 1 1.45M.
    generator = DeepFillV1Generator()
    total, coarse = n_params(generator), n_params(generator.coarse_generator)
    assert total == 3_601_542 and _close_to(total, 3.60)
    assert coarse == 1_448_227 and _close_to(coarse, 1.45)
    # Critics from the official layer list: 5x5 convs (+bias), then a dense layer to 1.
    local_convs = (3 * 64 + 64 * 128 + 128 * 256 + 256 * 512) * 25 + (64 + 128 + 256 + 512)
    global_convs = (3 * 64 + 64 * 128 + 128 * 256 + 256 * 256) * 25 + (64 + 128 + 256 + 256)
    assert n_params(LocalCritic()) == local_convs + 512 * 8 * 8 + 1 == 4_339_329
    assert n_params(GlobalCritic()) == global_convs + 256 * 16 * 16 + 1 == 2_733_441
    shapes = {k: tuple(v.shape) for k, v in generator.state_dict().items()}
    assert len(shapes) == 84  # 42 convolutions, the PyTorch port's keys
    assert shapes["coarse_generator.conv1.conv.weight"] == (32, 5, 5, 5)
    assert shapes["coarse_generator.conv10_atrous.conv.weight"] == (128, 128, 3, 3)
    assert shapes["fine_generator.conv1.conv.weight"] == (32, 5, 5, 5)  # v1 keeps ones + mask
    assert shapes["fine_generator.pmconv4_downsample.conv.weight"] == (128, 64, 3, 3)
    assert shapes["fine_generator.allconv11.conv.weight"] == (128, 256, 3, 3)
    assert shapes["fine_generator.allconv17.conv.weight"] == (3, 16, 3, 3)
    assert {"dis_conv_module.conv4.conv.weight", "linear.weight"} <= set(LocalCritic().state_dict())


@pytest.mark.parametrize("padding", ["symmetric", "tf"])
def test_deepfill1_generator_forward_and_backward(padding):
    generator = DeepFillV1Generator(padding=padding)
    image, mask = image_and_mask(40, 56)
    coarse, refined, flow = generator(image * 2 - 1, mask)
    assert coarse.shape == refined.shape == (1, 3, 40, 56)
    assert flow.shape == (1, 2, 5, 7) and flow.dtype == torch.int64
    assert coarse.abs().max() <= 1 and refined.abs().max() <= 1
    (coarse.abs().mean() + refined.abs().mean()).backward()
    assert_every_parameter_learns(generator)


def test_deepfill1_ignores_the_hole_and_attends_to_the_background_only():
    generator = DeepFillV1Generator().eval()
    image, mask = image_and_mask(64, 64)
    image = image * 2 - 1
    with torch.no_grad():
        first = generator(image, mask)
        second = generator(_scribble_in_hole(image, mask), mask)
    for a, b in zip(first, second):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    # Every attention position copies from a 3x3 patch (at 1/8 scale) free of hole pixels:
    # it fails if the hole mask does not reach the attention at the right scale.
    flow = first[2][0] // 2  # (dy, dx) in attention-grid cells
    hole_small = F.interpolate(mask, size=(16, 16), mode="nearest")[..., ::2, ::2]
    touches_hole = F.max_pool2d(hole_small, 3, stride=1, padding=1)[0, 0]
    ys, xs = torch.meshgrid(torch.arange(8), torch.arange(8), indexing="ij")
    targets = touches_hole[ys + flow[0], xs + flow[1]]
    assert touches_hole.any() and not targets.any()
    with pytest.raises(InvalidImageError, match="multiples of 8"):
        generator(image[..., :60], mask[..., :60])


def test_deepfill1_critics_forward_backward_and_gradient_penalty():
    critics = DeepFillV1Critics(local_size=32, global_size=64)
    patch = (torch.rand(2, 3, 32, 32) * 2 - 1).requires_grad_()
    image = torch.rand(2, 3, 64, 64) * 2 - 1
    local_scores, global_scores = critics(patch, image)
    assert local_scores.shape == global_scores.shape == (2,)
    # WGAN-GP needs the gradient of the critic with respect to its input, differentiated again.
    (grad,) = torch.autograd.grad(local_scores.sum(), patch, create_graph=True)
    penalty = (grad.flatten(1).norm(dim=1) - 1).square().mean()
    (global_scores.mean() - local_scores.mean() + 10 * penalty).backward()
    assert_every_parameter_learns(critics)
    with pytest.raises(InvalidImageError, match="32, 32"):
        critics(image, image)
    assert GlobalCritic(in_channels=4).dis_conv_module.conv1.conv.in_channels == 4  # GAN_WITH_MASK


# --------------------------------------------------------------------------- PConv


def test_pconv_parameter_counts_with_bias_free_hidden_convolutions():
    # deep-methods.md 2.5: 25.78M (7 levels) and 32.86M (8 levels), hidden convs bias-free.
    for layers, millions, exact in ((7, 25.78, 25_779_796), (8, 32.86, 32_859_732)):
        net = PConvUNet(layers)
        count = n_params(net)
        assert count == exact and round(count / 1e6, 2) == millions and _close_to(count, millions)
        assert [name for name, _ in net.named_parameters() if name.endswith("bias") and ".conv." in name] == [
            "dec_1.conv.bias"
        ]
        assert net.size_multiple == 2**layers


@pytest.fixture(scope="module")
def pconv7() -> PConvUNet:
    torch.manual_seed(0)
    return PConvUNet(7)


def test_pconv7_forward_and_backward(pconv7):
    image, mask = image_and_mask(128, 128, batch=2)  # the 1x1 deepest level needs batch > 1 for BN
    output = pconv7(image * 2 - 1, mask)
    assert output.shape == (2, 3, 128, 128) and torch.isfinite(output).all()
    output.abs().mean().backward()
    assert_every_parameter_learns(pconv7)
    pconv7.zero_grad(set_to_none=True)


@pytest.mark.slow
def test_pconv8_forward_and_backward_at_256():
    net = PConvUNet(8).eval()  # batch 1 at the 1x1 deepest level: running statistics
    image, mask = image_and_mask(256, 256)
    output = net(image * 2 - 1, mask)
    assert output.shape == (1, 3, 256, 256)
    output.abs().mean().backward()
    assert_every_parameter_learns(net)


def test_pconv_hole_shrinks_level_by_level_and_is_gone_at_the_end(pconv7):
    net = pconv7.eval()
    image, mask = image_and_mask(128, 128)
    image = image * 2 - 1
    with torch.no_grad():
        output, masks = net(image, mask, return_masks=True)
        torch.testing.assert_close(net(_scribble_in_hole(image, mask), mask), output, rtol=0, atol=0)
    assert [tuple(m.shape[-2:]) for m in masks] == [(64 >> i, 64 >> i) for i in range(7)] + [(128, 128)]
    # Level 1: valid wherever the 7x7 stride-2 window saw a valid pixel.
    torch.testing.assert_close(masks[0], F.max_pool2d(1 - mask, 7, stride=2, padding=3))
    holes = [int((m == 0).sum()) for m in masks[:-1]]
    assert holes[0] > 0 and all(a > b or b == 0 for a, b in zip(holes, holes[1:])) and holes[-1] == 0
    # The decoder's upsampled masks are all valid, so the output mask covers everything.
    assert torch.all(masks[-1] == 1)
    pconv7.train()


def test_pconv_freezes_encoder_batch_norm_for_fine_tuning():
    net = PConvUNet(4, freeze_encoder_bn=True).train()
    assert not net.enc_2.bn.training and net.dec_2.bn.training
    before = net.enc_2.bn.running_mean.clone()
    net(*image_and_mask(32, 32, batch=2))
    assert torch.equal(net.enc_2.bn.running_mean, before)
    assert not torch.equal(net.dec_2.bn.running_mean, torch.zeros(128))


def test_pconv_checks_its_input():
    image, mask = image_and_mask(64, 64)
    with pytest.raises(InvalidImageError, match="multiples of 128"):
        PConvUNet(7)(image, mask)
    with pytest.raises(ShapeMismatchError, match="mask"):
        PConvUNet(4)(image, mask[..., :32])
    with pytest.raises(InvalidParameterError, match="layers"):
        PConvUNet(3)
