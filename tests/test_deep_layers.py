"""The deep inpainting building blocks, each against the rule that defines it in its paper."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import ndimage

from inpaintkit.deep.layers import (
    attach_self_attention,
    FFC,
    ConcatTupleLayer,
    ContextualAttention,
    FourierUnit,
    GatedConv2d,
    GatedDeconv2d,
    PartialConv2d,
    SelfAttention,
    SpectralTransform,
    flow_to_color,
    tf_same_padding,
)
from inpaintkit.errors import InvalidImageError, InvalidParameterError, ShapeMismatchError


@pytest.fixture(autouse=True)
def _one_thread_and_seed():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(threads)


def _correlate(x: np.ndarray, w: np.ndarray, stride: int, dilation: int, pad: tuple[int, int, int, int]) -> np.ndarray:
    """Plain-loop cross-correlation: x (C, H, W), w (O, C, k, k), pad (top, bottom, left, right)."""
    top, bottom, left, right = pad
    xp = np.pad(x, ((0, 0), (top, bottom), (left, right)))
    k = w.shape[-1]
    span = (k - 1) * dilation + 1
    out_h = (xp.shape[1] - span) // stride + 1
    out_w = (xp.shape[2] - span) // stride + 1
    out = np.zeros((w.shape[0], out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            window = xp[:, i * stride : i * stride + span : dilation, j * stride : j * stride + span : dilation]
            out[:, i, j] = np.tensordot(w, window, axes=([1, 2, 3], [0, 1, 2]))
    return out


# --------------------------------------------------------------------------- TF padding


def test_tf_same_padding_known_values():
    # (size, kernel, stride, dilation) -> (before, after), from TensorFlow's SAME definition.
    cases = {
        (8, 3, 2, 1): (0, 1), (7, 3, 2, 1): (1, 1), (8, 5, 2, 1): (1, 2), (8, 4, 2, 1): (1, 1),
        (7, 4, 1, 1): (1, 2), (8, 3, 1, 2): (2, 2), (5, 1, 1, 1): (0, 0), (9, 5, 3, 1): (1, 1), (10, 4, 3, 1): (1, 2),
    }
    for args, expected in cases.items():
        assert tf_same_padding(*args) == expected, args


@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("dilation", [1, 2])
def test_tf_same_padding_matches_the_documented_formula(stride, dilation):
    # tf.nn docs: pad = max(k_eff - s, 0) if size % s == 0 else max(k_eff - size % s, 0).
    for size in range(1, 14):
        for kernel in range(1, 6):
            k_eff = (kernel - 1) * dilation + 1
            total = max(k_eff - stride, 0) if size % stride == 0 else max(k_eff - size % stride, 0)
            before, after = tf_same_padding(size, kernel, stride, dilation)
            assert (before, after) == (total // 2, total - total // 2)
            assert (size + before + after - k_eff) // stride + 1 == -(-size // stride)


@pytest.mark.parametrize("size", [7, 8])
def test_gated_conv_tf_padding_matches_tensorflow_windows(size):
    layer = GatedConv2d(2, 3, 3, stride=2, padding="tf", activation=None).double()
    x = torch.randn(1, 2, size, size, dtype=torch.float64)
    before, after = tf_same_padding(size, 3, 2)
    expected = _correlate(x[0].numpy(), layer.conv.weight.detach().numpy(), 2, 1, (before, after, before, after))
    expected += layer.conv.bias.detach().numpy()[:, None, None]
    np.testing.assert_allclose(layer(x)[0].detach().numpy(), expected, atol=1e-12)
    assert layer(x).shape[-1] == -(-size // 2)


def test_tf_and_symmetric_padding_agree_on_odd_and_differ_on_even_sizes():
    sym = GatedConv2d(2, 3, 3, stride=2, padding="symmetric").double()
    tf = GatedConv2d(2, 3, 3, stride=2, padding="tf").double()
    tf.load_state_dict(sym.state_dict())
    odd, even = torch.randn(1, 2, 9, 9, dtype=torch.float64), torch.randn(1, 2, 10, 10, dtype=torch.float64)
    torch.testing.assert_close(sym(odd), tf(odd))
    assert sym(even).shape == tf(even).shape
    assert not torch.allclose(sym(even), tf(even))


def test_bad_padding_is_refused():
    with pytest.raises(InvalidParameterError, match="padding"):
        GatedConv2d(2, 3, 3, padding="same")


# --------------------------------------------------------------------------- gated conv


@pytest.mark.parametrize("activation", ["elu", "relu"])
def test_gated_conv_equals_its_formula(activation):
    layer = GatedConv2d(2, 3, 3, dilation=2, activation=activation).double()
    with torch.no_grad():
        layer.conv.bias.normal_()
    x = torch.randn(1, 2, 7, 6, dtype=torch.float64)
    w, b = layer.conv.weight.detach().numpy(), layer.conv.bias.detach().numpy()
    raw = _correlate(x[0].numpy(), w, 1, 2, (2, 2, 2, 2)) + b[:, None, None]
    features, gate = raw[:3], raw[3:]
    phi = np.where(features > 0, features, np.expm1(features)) if activation == "elu" else np.maximum(features, 0)
    expected = phi / (1.0 + np.exp(-gate))
    out = layer(x)
    assert out.shape == (1, 3, 7, 6)
    np.testing.assert_allclose(out[0].detach().numpy(), expected, atol=1e-12)


def test_gated_conv_without_activation_is_a_plain_convolution():
    layer = GatedConv2d(4, 3, 3, activation=None).double()
    x = torch.randn(2, 4, 8, 8, dtype=torch.float64)
    assert layer.conv.out_channels == 3
    torch.testing.assert_close(layer(x), F.conv2d(x, layer.conv.weight, layer.conv.bias, padding=1))


def test_gated_deconv_is_nearest_upsampling_then_gated_conv():
    layer = GatedDeconv2d(2, 4).double()
    x = torch.randn(1, 2, 5, 6, dtype=torch.float64)
    upsampled = x.repeat_interleave(2, dim=-2).repeat_interleave(2, dim=-1)
    out = layer(x)
    assert out.shape == (1, 4, 10, 12)
    torch.testing.assert_close(out, layer.conv(upsampled))


# --------------------------------------------------------------------------- partial conv


def _partial_conv_reference(x, mask, weight, bias, padding, multi_channel):
    """x' = W.(X*M) * sum(1)/sum(M) + b where sum(M) > 0, else 0; m' = [sum(M) > 0]."""
    c_out, c_in, k, _ = weight.shape
    xp = np.pad(x * mask, ((0, 0), (padding, padding), (padding, padding)))
    mp = np.pad(np.broadcast_to(mask, x.shape) if multi_channel else mask[:1], ((0, 0), (padding, padding),
                (padding, padding)))
    out_h, out_w = xp.shape[1] - k + 1, xp.shape[2] - k + 1
    out = np.zeros((c_out, out_h, out_w))
    valid = np.zeros((out_h, out_w))
    window_size = (c_in if multi_channel else 1) * k * k
    for i in range(out_h):
        for j in range(out_w):
            count = mp[:, i : i + k, j : j + k].sum()
            if count > 0:
                raw = np.tensordot(weight, xp[:, i : i + k, j : j + k], axes=3)
                out[:, i, j] = raw * window_size / count + bias
                valid[i, j] = 1.0
    return out, valid


@pytest.mark.parametrize("multi_channel", [False, True])
def test_partial_conv_follows_the_re_scaling_rule(multi_channel):
    rng = np.random.default_rng(1)
    layer = PartialConv2d(3, 2, 3, padding=1, multi_channel=multi_channel).double()
    with torch.no_grad():
        layer.bias.copy_(torch.tensor([0.5, -1.5]))
    x = rng.normal(size=(3, 9, 10))
    if multi_channel:
        mask = (rng.random((3, 9, 10)) > 0.4).astype(np.float64)
        mask[:, 2:7, 3:8] = 0.0
    else:
        mask = (rng.random((1, 9, 10)) > 0.3).astype(np.float64)
        mask[:, 2:7, 3:8] = 0.0
    out, new_mask = layer(torch.from_numpy(x)[None], torch.from_numpy(mask)[None])
    expected, valid = _partial_conv_reference(
        x, mask, layer.weight.detach().numpy(), layer.bias.detach().numpy(), 1, multi_channel
    )
    # The layer divides by sum(M) + 1e-8 (NVIDIA's guard), hence the tolerance.
    np.testing.assert_allclose(out[0].detach().numpy(), expected, rtol=1e-7, atol=1e-7)
    assert new_mask.shape == ((1, 2, 9, 10) if multi_channel else (1, 1, 9, 10))
    np.testing.assert_array_equal(new_mask[0].numpy(), np.broadcast_to(valid, new_mask.shape[1:]))


def test_partial_conv_window_without_valid_pixel_outputs_zero_and_is_invalid():
    layer = PartialConv2d(2, 4, 3, padding=1)
    with torch.no_grad():
        layer.bias.fill_(3.0)  # a bias that would show if it were added
    x = torch.randn(1, 2, 12, 12)
    mask = torch.ones(1, 1, 12, 12)
    mask[..., 3:9, 3:9] = 0.0
    out, new_mask = layer(x, mask)
    assert torch.all(out[..., 4:8, 4:8] == 0.0)
    assert torch.all(new_mask[..., 4:8, 4:8] == 0.0)
    # The valid region grows by the kernel's reach: the updated mask is the 3x3 dilation.
    grown = ndimage.binary_dilation(mask[0, 0].numpy() > 0, np.ones((3, 3)))
    np.testing.assert_array_equal(new_mask[0, 0].numpy() > 0, grown)
    # A hole pixel's content never reaches the output.
    x2 = x.clone()
    x2[..., 3:9, 3:9] = 100.0
    torch.testing.assert_close(layer(x2, mask)[0], out)


def test_partial_conv_without_mask_only_rescales_the_zero_padded_border():
    layer = PartialConv2d(1, 1, 3, padding=1, bias=False).double()
    x = torch.randn(1, 1, 6, 6, dtype=torch.float64)
    out, new_mask = layer(x)
    plain = F.conv2d(x, layer.weight, padding=1)
    torch.testing.assert_close(out[..., 1:-1, 1:-1], plain[..., 1:-1, 1:-1])
    torch.testing.assert_close(out[..., 0, 1:-1], plain[..., 0, 1:-1] * 9 / 6)
    torch.testing.assert_close(out[..., 0, 0], plain[..., 0, 0] * 9 / 4)
    assert torch.all(new_mask == 1.0)


def test_partial_conv_rejects_a_mask_of_the_wrong_shape():
    with pytest.raises(ShapeMismatchError, match="mask"):
        PartialConv2d(3, 2, 3, padding=1)(torch.zeros(1, 3, 8, 8), torch.ones(1, 1, 8, 7))


# --------------------------------------------------------------------------- contextual attention


def test_contextual_attention_copies_a_shifted_unmasked_region():
    rate, (dy, dx) = 2, (2, 24)
    x = torch.randn(1, 4, 32, 48, dtype=torch.float64)
    mask = torch.zeros(1, 1, 32, 48, dtype=torch.float64)
    mask[..., 8:24, 4:20] = 1.0
    x[..., 8:24, 4:20] = x[..., 8 + dy : 24 + dy, 4 + dx : 20 + dx].clone()  # a copy of a known region

    out, flow = ContextualAttention(rate=rate, softmax_scale=100.0)(x, x, mask)

    assert out.shape == x.shape and flow.shape == (1, 2, 16, 24) and flow.dtype == torch.int64
    # Subsampled hole positions (rows 4-11, cols 2-9) whose fused 3x3 neighbourhood of
    # 3x3 patches lies inside the copy: rows 6-9, cols 4-7.
    inner = flow[0, :, 6:10, 4:8]
    assert torch.all(inner[0] == dy) and torch.all(inner[1] == dx)
    # Pixels pasted only from those positions (rows 13-18, cols 9-14) equal the source.
    np.testing.assert_allclose(
        out[..., 13:19, 9:15].numpy(), x[..., 13 + dy : 19 + dy, 9 + dx : 15 + dx].numpy(), atol=1e-3
    )


def test_contextual_attention_never_attends_a_masked_patch():
    x = torch.randn(2, 3, 24, 24)
    mask = torch.zeros(2, 1, 24, 24)
    mask[0, :, 4:12, 4:20] = 1.0
    mask[1, :, 10:22, 2:9] = 1.0  # each sample has its own hole
    _, flow = ContextualAttention(rate=2)(x, x, mask)
    grid = np.mgrid[0:12, 0:12]
    for i in range(2):
        target = (grid + flow[i].numpy() // 2).reshape(2, -1)
        small_hole = mask[i, 0, ::2, ::2].numpy() > 0
        touches_hole = ndimage.binary_dilation(small_hole, np.ones((3, 3)))
        assert not touches_hole[target[0], target[1]].any()


def test_contextual_attention_without_mask_reconstructs_its_input():
    x = torch.randn(1, 5, 20, 28, dtype=torch.float64)
    out, flow = ContextualAttention(rate=2, softmax_scale=100.0, fuse=False)(x, x)
    assert torch.all(flow == 0)
    # Border rows and columns are covered by fewer pasted patches (as in the official layer).
    torch.testing.assert_close(out[..., 1:-1, 1:-1], x[..., 1:-1, 1:-1], atol=1e-6, rtol=0)


def test_contextual_attention_score_fusion_sums_diagonal_neighbours():
    layer = ContextualAttention(fuse_size=3)
    hb, wb, hf, wf = 3, 4, 2, 5
    scores = torch.randn(1, hb * wb, hf, wf, dtype=torch.float64)
    fused = layer._fuse_scores(scores, (hb, wb), (hf, wf)).numpy().reshape(hb, wb, hf, wf)

    def diagonal_sum(s2d):
        out = np.zeros_like(s2d)
        for a in range(s2d.shape[0]):
            for b in range(s2d.shape[1]):
                out[a, b] = sum(s2d[a + t, b + t] for t in (-1, 0, 1)
                                if 0 <= a + t < s2d.shape[0] and 0 <= b + t < s2d.shape[1])
        return out

    s = scores.numpy().reshape(hb, wb, hf, wf)
    # Pass 1: neighbours in row-major (y, x) order; pass 2: in column-major (x, y) order.
    s = diagonal_sum(s.reshape(hb * wb, hf * wf)).reshape(hb, wb, hf, wf)
    s = s.transpose(1, 0, 3, 2).reshape(wb * hb, wf * hf)
    s = diagonal_sum(s).reshape(wb, hb, wf, hf).transpose(1, 0, 3, 2)
    np.testing.assert_allclose(fused, s, atol=1e-12)


def test_contextual_attention_checks_sizes():
    with pytest.raises(InvalidImageError, match="divisible by 2"):
        ContextualAttention(rate=2)(torch.zeros(1, 2, 9, 8), torch.zeros(1, 2, 9, 8))
    with pytest.raises(InvalidParameterError, match="patch_size"):
        ContextualAttention(patch_size=4)


def test_flow_to_color_follows_the_middlebury_wheel():
    flow = np.zeros((2, 1, 4))
    flow[1, 0, 1], flow[1, 0, 2], flow[1, 0, 3] = 2.0, -2.0, 1.0  # dx: right, left, half right
    rgb = flow_to_color(flow)
    assert rgb.shape == (1, 4, 3) and rgb.dtype == np.uint8
    assert tuple(rgb[0, 0]) == (255, 255, 255)  # no motion: white
    assert tuple(rgb[0, 1]) == (255, 0, 0)  # right at full length: red
    assert rgb[0, 2, 0] == 0 and rgb[0, 2, 1] > 150 and rgb[0, 2, 2] == 255  # left: cyan
    assert rgb[0, 3, 0] == 255 and 100 < rgb[0, 3, 1] < 150  # half length: half saturated red
    batched = flow_to_color(torch.from_numpy(np.stack([flow, flow])))
    assert batched.shape == (2, 1, 4, 3)


# --------------------------------------------------------------------------- self-attention


def test_self_attention_with_gamma_zero_is_the_identity():
    layer = SelfAttention(16)
    x = torch.randn(2, 16, 5, 6)
    assert layer.gamma.item() == 0.0
    torch.testing.assert_close(layer(x), x, rtol=0, atol=0)


def test_self_attention_equals_its_formula():
    layer = SelfAttention(16).double()
    with torch.no_grad():
        layer.gamma.fill_(0.7)
    x = torch.randn(1, 16, 3, 4, dtype=torch.float64)
    out, beta = layer(x, return_attention=True)

    flat = x[0].flatten(1).numpy()  # (C, HW)

    def project(conv):
        return conv.weight.detach().numpy()[:, :, 0, 0] @ flat + conv.bias.detach().numpy()[:, None]

    q, k, v = project(layer.query_conv), project(layer.key_conv), project(layer.value_conv)
    assert q.shape[0] == 2 and v.shape[0] == 16
    energy = q.T @ k
    expected_beta = np.exp(energy - energy.max(1, keepdims=True))
    expected_beta /= expected_beta.sum(1, keepdims=True)
    expected = flat + 0.7 * v @ expected_beta.T
    np.testing.assert_allclose(beta[0].detach().numpy(), expected_beta, atol=1e-12)
    np.testing.assert_allclose(out[0].flatten(1).detach().numpy(), expected, atol=1e-12)


class Holder(torch.nn.Module):
    def __init__(self, *layers):
        super().__init__()
        self.layers = torch.nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


def test_attached_self_attention_transforms_the_layers_output():
    torch.manual_seed(0)
    net = Holder(torch.nn.Conv2d(3, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(16, 3, 1))
    x = torch.randn(2, 3, 6, 5)
    before = net(x)
    block = attach_self_attention(net, "layers.1", 16)
    torch.testing.assert_close(net(x), before, rtol=0, atol=0)  # gamma = 0: the identity
    with torch.no_grad():
        block.gamma.fill_(0.5)
    expected = net.layers[2](block(torch.relu(net.layers[0](x))))
    torch.testing.assert_close(net(x), expected, rtol=0, atol=0)
    assert {key for key in net.state_dict() if key.startswith("self_attention.")} == {
        f"self_attention.{name}" for name in block.state_dict()
    }


def test_attach_self_attention_refuses_what_it_cannot_place():
    class Pair(torch.nn.Module):
        def forward(self, x):
            return x, x

    with pytest.raises(InvalidParameterError, match="Sequential"):
        attach_self_attention(torch.nn.Sequential(torch.nn.Conv2d(3, 16, 1)), "0", 16)
    net = Holder(torch.nn.Conv2d(3, 16, 1), Pair())
    with pytest.raises(InvalidParameterError, match="no submodule"):
        attach_self_attention(net, "layers.7", 16)
    attach_self_attention(net, "layers.1", 16)
    with pytest.raises(InvalidParameterError, match="already has"):
        attach_self_attention(net, "layers.0", 16)
    with pytest.raises(ShapeMismatchError, match="single feature-map output"):
        net(torch.zeros(1, 3, 4, 4))


# --------------------------------------------------------------------------- Fourier convolution


def _identity_fourier_unit(channels: int) -> FourierUnit:
    """Identity 1x1 convolution and a batch norm that is the identity in eval mode."""
    unit = FourierUnit(channels, channels).double().eval()
    with torch.no_grad():
        unit.conv_layer.weight.copy_(torch.eye(2 * channels, dtype=torch.float64)[:, :, None, None])
    unit.bn.eps = 0.0  # running mean 0, variance 1, weight 1, bias 0: y = x
    return unit


def test_fourier_unit_passes_a_cosine_and_removes_a_sine():
    h, w = 8, 12
    xs = torch.arange(w, dtype=torch.float64)
    cosine = torch.cos(2 * torch.pi * 3 * xs / w).expand(1, 1, h, w)
    sine = torch.sin(2 * torch.pi * 3 * xs / w).expand(1, 1, h, w)
    unit = _identity_fourier_unit(1)
    # A cosine has a positive real spectrum: the ReLU keeps it and the unit is the identity.
    torch.testing.assert_close(unit(cosine), cosine, atol=1e-12, rtol=0)
    torch.testing.assert_close(unit(2.0 + cosine), 2.0 + cosine, atol=1e-12, rtol=0)
    # A sine has a negative imaginary spectrum: the ReLU removes it; its negative passes.
    torch.testing.assert_close(unit(sine), torch.zeros_like(sine), atol=1e-12, rtol=0)
    torch.testing.assert_close(unit(-sine), -sine, atol=1e-12, rtol=0)


def test_fourier_unit_swapping_real_and_imaginary_turns_a_negative_sine_into_a_cosine():
    h, w = 6, 10
    xs = torch.arange(w, dtype=torch.float64)
    unit = _identity_fourier_unit(1)
    with torch.no_grad():  # (re, im) -> (im, re): -sin (spectrum +i a) becomes cos (spectrum a)
        unit.conv_layer.weight.copy_(torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=torch.float64)[:, :, None, None])
    neg_sine = -torch.sin(2 * torch.pi * 2 * xs / w).expand(1, 1, h, w)
    cosine = torch.cos(2 * torch.pi * 2 * xs / w).expand(1, 1, h, w)
    torch.testing.assert_close(unit(neg_sine), cosine, atol=1e-12, rtol=0)


def test_fourier_unit_equals_its_definition():
    rng = np.random.default_rng(3)
    unit = FourierUnit(3, 2).double().eval()
    with torch.no_grad():
        unit.bn.running_mean.normal_()
        unit.bn.running_var.uniform_(0.5, 2.0)
        unit.bn.weight.normal_()
        unit.bn.bias.normal_()
    x = rng.normal(size=(2, 3, 6, 7))
    spectrum = np.fft.rfftn(x, axes=(-2, -1), norm="ortho")
    stacked = np.stack([spectrum.real, spectrum.imag], axis=2).reshape(2, 6, 6, 4)  # c0.re, c0.im, ...
    z = np.einsum("oc,nchw->nohw", unit.conv_layer.weight.detach().numpy()[:, :, 0, 0], stacked)
    bn = unit.bn
    z = (z - bn.running_mean.numpy()[:, None, None]) / np.sqrt(bn.running_var.numpy()[:, None, None] + bn.eps)
    z = np.maximum(z * bn.weight.detach().numpy()[:, None, None] + bn.bias.detach().numpy()[:, None, None], 0)
    expected = np.fft.irfftn(z[:, 0::2] + 1j * z[:, 1::2], s=(6, 7), axes=(-2, -1), norm="ortho")
    np.testing.assert_allclose(unit(torch.from_numpy(x)).detach().numpy(), expected, atol=1e-12)


def test_ffc_global_path_sees_the_whole_image_and_the_local_path_does_not():
    ffc = FFC(8, 8, 3, ratio_gin=0.75, ratio_gout=0.75, padding=1).double().eval()
    assert (ffc.convl2l.in_channels, ffc.convl2g.out_channels, ffc.convg2l.in_channels) == (2, 6, 6)
    x_l, x_g = torch.randn(1, 2, 16, 16, dtype=torch.float64), torch.randn(1, 6, 16, 16, dtype=torch.float64)
    out_l, out_g = ffc((x_l, x_g))
    assert out_l.shape == (1, 2, 16, 16) and out_g.shape == (1, 6, 16, 16)
    bumped = x_g.clone()
    # Along the first reducing filter, so the change passes the spectral transform's ReLU.
    bumped[0, :, 2, 2] += 10.0 * ffc.convg2g.conv1[0].weight[0, :, 0, 0].sign()
    changed_l, changed_g = (a != b for a, b in zip(ffc((x_l, bumped)), (out_l, out_g)))
    # global -> local is a 3x3 conv: only the 3x3 neighbourhood of the bumped pixel changes;
    # global -> global goes through the Fourier unit: pixels far away change too.
    assert changed_l.any(dim=1)[0].nonzero().tolist() == [[i, j] for i in (1, 2, 3) for j in (1, 2, 3)]
    assert changed_g.any(dim=1)[0, 12:, 12:].all()


def test_ffc_groups_that_are_empty_are_none():
    out_l, out_g = FFC(4, 8, 3, ratio_gin=0, ratio_gout=0, padding=1)(torch.randn(1, 4, 8, 8))
    assert out_l.shape == (1, 8, 8, 8) and out_g is None
    out_l, out_g = FFC(4, 8, 3, ratio_gin=0, ratio_gout=0.75, padding=1)(torch.randn(1, 4, 8, 8))
    assert out_l.shape == (1, 2, 8, 8) and out_g.shape == (1, 6, 8, 8)
    assert ConcatTupleLayer()((out_l, out_g)).shape == (1, 8, 8, 8)


def test_spectral_transform_with_local_fourier_unit_on_a_non_square_input():
    transform = SpectralTransform(8, 8, enable_lfu=True)
    x = torch.randn(2, 8, 6, 10)
    assert transform(x).shape == (2, 8, 6, 10)
    assert SpectralTransform(8, 8, stride=2)(x).shape == (2, 8, 3, 5)
