"""inpaintkit.train.losses: each loss against its definition on small tensors."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from inpaintkit.errors import InvalidParameterError, ShapeMismatchError, WeightsError
from inpaintkit.train.losses import (
    MINE,
    AdversarialLoss,
    FeatureMatching,
    FeatureNetwork,
    MaskedReconstruction,
    PerceptualLoss,
    SpatiallyDiscountedL1,
    StyleLoss,
    TotalVariation,
    gradient_penalty,
    gram_matrix,
    r1_penalty,
)


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _random(*shape, seed=0):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed))


# ----------------------------------------------------------------------------- reconstruction


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_masked_reconstruction_matches_a_hand_computation(kind):
    output = torch.tensor([[[[0.0, 1.0], [2.0, 3.0]]]])
    target = torch.tensor([[[[1.0, 1.0], [0.0, 0.0]]]])
    mask = torch.tensor([[[[1.0, 0.0], [1.0, 0.0]]]])
    errors = [1.0, 0.0, 2.0, 3.0] if kind == "l1" else [1.0, 0.0, 4.0, 9.0]
    # hole pixels (0, 0) and (1, 0) weigh 6, valid ones 1; mean over the 4 elements
    expected = (6 * errors[0] + 1 * errors[1] + 6 * errors[2] + 1 * errors[3]) / 4
    loss = MaskedReconstruction(kind, hole_weight=6.0, valid_weight=1.0)(output, target, mask)
    assert loss.item() == pytest.approx(expected)


def test_masked_reconstruction_broadcasts_the_mask_over_channels():
    output, target = _random(2, 3, 4, 4, seed=1), _random(2, 3, 4, 4, seed=2)
    mask = (_random(2, 1, 4, 4, seed=3) > 0.5).float()
    loss = MaskedReconstruction("l1", hole_weight=0.0, valid_weight=10.0)(output, target, mask)
    assert loss.item() == pytest.approx((10 * (1 - mask) * (output - target).abs()).mean().item())
    with pytest.raises(ShapeMismatchError, match="mask"):
        MaskedReconstruction()(output, target, mask[:, :, :3])
    with pytest.raises(ShapeMismatchError, match="target"):
        MaskedReconstruction()(output, target[:1], mask)


def test_spatially_discounted_weights_are_gamma_powers_of_the_distance_to_known_pixels():
    gamma = 0.5
    mask = torch.zeros(1, 1, 7, 8)
    mask[..., 1:6, 1:7] = 1.0  # a 5x6 hole
    weights = SpatiallyDiscountedL1(gamma).weights(mask)[0, 0]
    expected = torch.zeros(7, 8)
    expected[1:6, 1:7] = 1.0  # the rim
    expected[2:5, 2:6] = gamma  # one pixel further in
    expected[3, 3:5] = gamma**2  # the centre
    assert torch.equal(weights, expected)
    # the official max-of-powers formula over the box agrees on its top-left quarter; towards the bottom
    # and right it counts from H and W instead of H - 1 and W - 1: one power of gamma more
    height, width = 5, 6
    official = torch.tensor(
        [[max(gamma ** min(i, height - i), gamma ** min(j, width - j)) for j in range(width)] for i in range(height)]
    )
    ours = weights[1:6, 1:7]
    assert torch.equal(ours[:3, :3], official[:3, :3])
    assert ours[3, 3].item() == gamma and official[3, 3].item() == gamma**2


def test_spatially_discounted_l1_is_the_weighted_mean_over_the_hole():
    gamma = 0.9
    mask = torch.zeros(1, 1, 5, 5)
    mask[..., 1:4, 1:4] = 1.0  # rim of 8 pixels weighs 1, the centre gamma
    output, target = torch.ones(1, 2, 5, 5), torch.zeros(1, 2, 5, 5)
    loss = SpatiallyDiscountedL1(gamma)(output, target, mask)
    assert loss.item() == pytest.approx(2 * (8 + gamma) / (2 * 9))


# ----------------------------------------------------------------------------- adversarial


def test_hinge_loss_of_perfectly_separated_scores_is_zero_and_known_otherwise():
    hinge = AdversarialLoss("hinge")
    assert hinge.discriminator(torch.tensor([1.0, 3.0]), torch.tensor([-1.0, -2.0])).item() == 0.0
    # relu(1 - 0.5) = 0.5 and relu(1 - 2) = 0 -> 0.25; relu(1 + 0) = 1 and relu(1 + (-3)) = 0 -> 0.5
    assert hinge.discriminator(torch.tensor([0.5, 2.0]), torch.tensor([0.0, -3.0])).item() == pytest.approx(0.75)
    assert hinge.generator(torch.tensor([0.5, -1.5])).item() == pytest.approx(0.5)


def test_bce_discriminator_loss_is_the_cross_entropy_formula():
    real, fake = torch.tensor([2.0, -0.5, 0.3]), torch.tensor([-1.0, 0.7, 0.0])
    sigmoid = torch.sigmoid
    expected = -torch.log(sigmoid(real)).mean() - torch.log(1 - sigmoid(fake)).mean()
    assert AdversarialLoss("bce").discriminator(real, fake).item() == pytest.approx(expected.item(), rel=1e-6)
    cross_entropy = F.binary_cross_entropy_with_logits
    expected = cross_entropy(real, torch.ones(3)) + cross_entropy(fake, torch.zeros(3))
    assert AdversarialLoss("bce").discriminator(real, fake).item() == pytest.approx(expected.item())


def test_non_saturating_generator_loss_is_softplus_of_minus_the_score():
    fake = torch.tensor([-3.0, 0.0, 4.0])
    expected = torch.log1p(torch.exp(-fake)).mean()
    for kind in ("nonsaturating", "bce"):
        assert AdversarialLoss(kind).generator(fake).item() == pytest.approx(expected.item(), rel=1e-6)


def test_wgan_losses_are_score_differences():
    wgan = AdversarialLoss("wgan")
    assert wgan.discriminator(torch.tensor([3.0, 1.0]), torch.tensor([0.5, -0.5])).item() == pytest.approx(0.0 - 2.0)
    assert wgan.generator(torch.tensor([0.5, 1.5])).item() == pytest.approx(-1.0)


def test_lama_mask_as_fake_target_treats_known_parts_of_fakes_as_real():
    real = torch.zeros(1, 1, 2, 2)
    fake = torch.tensor([[[[1.0, -2.0], [0.5, 3.0]]]])
    mask = torch.zeros(1, 1, 4, 4)
    mask[..., :2, :2] = 1.0  # the hole covers the score map's top-left cell only
    # top-left cell is hole (fake: softplus(f)); the other three are known (real: softplus(-f))
    expected_fake = F.softplus(torch.tensor([1.0, 2.0, -0.5, -3.0])).mean()
    loss = AdversarialLoss("nonsaturating").discriminator(real, fake, fake_mask=mask)
    assert loss.item() == pytest.approx(math.log(2) + expected_fake.item(), rel=1e-6)
    with pytest.raises(InvalidParameterError, match="fake_mask"):
        AdversarialLoss("hinge").discriminator(real, fake, fake_mask=mask)


def _linear_critic(weight):
    return lambda x: (x * weight).flatten(1).sum(dim=1)


def test_gradient_penalty_of_a_linear_critic():
    direction = _random(1, 2, 3, 3, seed=4) - 0.5
    unit = direction / direction.norm()
    real, fake = _random(4, 2, 3, 3, seed=5), _random(4, 2, 3, 3, seed=6)
    assert gradient_penalty(_linear_critic(unit), real, fake).item() == pytest.approx(0.0, abs=1e-10)
    penalty = gradient_penalty(_linear_critic(2.5 * unit), real, fake, weight=10.0)
    assert penalty.item() == pytest.approx(10.0 * (2.5 - 1.0) ** 2, rel=1e-5)
    # DeepFill v1 masks the gradient before its norm: only the masked part of w counts
    mask = torch.zeros(1, 2, 3, 3)
    mask[:, 0] = 1.0
    masked_norm = (2.5 * unit * mask).norm().item()
    penalty = gradient_penalty(_linear_critic(2.5 * unit), real, fake, weight=10.0, mask=mask)
    assert penalty.item() == pytest.approx(10.0 * (masked_norm - 1.0) ** 2, rel=1e-5)


def test_gradient_penalty_trains_the_critic_only():
    weight = torch.full((1, 1, 2, 2), 0.7, requires_grad=True)
    fake = _random(3, 1, 2, 2, seed=7).requires_grad_(True)
    gradient_penalty(_linear_critic(weight), _random(3, 1, 2, 2, seed=8), fake).backward()
    assert fake.grad is None and weight.grad is not None and weight.grad.abs().sum() > 0


def test_r1_of_a_linear_discriminator_is_half_the_weight_times_the_squared_norm():
    """Convention: R1 = weight / 2 * E||grad_x D(x)||^2 (Mescheder et al. 2018)."""
    w = torch.tensor([[1.0, -2.0], [0.5, 3.0]]).view(1, 1, 2, 2)
    real = _random(5, 1, 2, 2, seed=9).requires_grad_(True)
    penalty = r1_penalty(_linear_critic(w)(real), real, weight=10.0)
    assert penalty.item() == pytest.approx(10.0 / 2 * (w**2).sum().item())
    with pytest.raises(InvalidParameterError, match="requires_grad"):
        r1_penalty(_linear_critic(w)(real.detach()), real.detach(), weight=1.0)


# ----------------------------------------------------------------------------- other losses


def test_feature_matching():
    real = [_random(2, 4, 3, 3, seed=10), _random(2, 8, 2, 2, seed=11)]
    assert FeatureMatching()(real, [f.clone() for f in real]).item() == 0.0
    fake = [f + 0.5 for f in real]
    assert FeatureMatching("l2")(real, fake).item() == pytest.approx(0.25)
    assert FeatureMatching("l1")(real, fake).item() == pytest.approx(0.5)
    with pytest.raises(ShapeMismatchError):
        FeatureMatching()(real, fake[:1])


def test_total_variation_of_constant_and_ramp():
    assert TotalVariation()(torch.full((2, 3, 5, 6), 0.4)).item() == 0.0
    slope, height, width = 0.1, 5, 6
    ramp = (slope * torch.arange(width, dtype=torch.float32)).expand(1, 3, height, width)
    assert TotalVariation()(ramp).item() == pytest.approx(slope * (width - 1) / width)


def test_total_variation_over_the_dilated_hole_counts_only_pairs_inside_it():
    ramp = (0.1 * torch.arange(6, dtype=torch.float32)).expand(1, 1, 5, 6)
    mask = torch.zeros(1, 1, 5, 6)
    mask[..., 2, 2] = 1.0  # dilated: rows 1-3, columns 1-3 -> 3 rows of 2 horizontal pairs
    loss = TotalVariation("hole_dilated")(ramp, mask)
    assert loss.item() == pytest.approx(3 * 2 * 0.1 / 30)
    with pytest.raises(InvalidParameterError, match="mask"):
        TotalVariation("hole_dilated")(ramp)


# ----------------------------------------------------------------------------- feature network


@pytest.fixture(scope="module")
def substitute():
    return FeatureNetwork(seed=0)


def test_substitute_feature_network_is_vgg16_shaped_frozen_and_says_so(substitute):
    features = substitute(_random(1, 3, 16, 16))
    assert [tuple(f.shape) for f in features] == [(1, 64, 8, 8), (1, 128, 4, 4), (1, 256, 2, 2)]
    assert sum(p.numel() for p in substitute.parameters()) == 1_735_488  # VGG16 conv1_1 .. conv3_3
    assert not any(p.requires_grad for p in substitute.parameters())
    assert not substitute.pretrained and "substitute" in substitute.description and "seed 0" in substitute.description
    substitute.train()
    assert not substitute.training
    same = FeatureNetwork(seed=0)
    assert all(torch.equal(a, b) for a, b in zip(same.parameters(), substitute.parameters()))


def test_perceptual_loss_is_zero_for_identical_inputs_only(substitute):
    image = _random(2, 3, 16, 16, seed=12)
    loss = PerceptualLoss(substitute)
    assert loss(image, image.clone()).item() == 0.0
    other = image.clone()
    other[..., 4:8, 4:8] = 0.0
    assert loss(other, image).item() > 0.0
    output = other.clone().requires_grad_(True)
    loss(output, image).backward()
    assert output.grad.abs().sum() > 0  # the loss trains what produces the output


def test_style_loss_is_zero_for_identical_images_and_ignores_spatial_permutations(substitute):
    feature = _random(2, 4, 3, 5, seed=13)
    permutation = torch.randperm(15, generator=torch.Generator().manual_seed(0))
    shuffled = feature.flatten(2)[..., permutation].view(2, 4, 3, 5)
    assert torch.allclose(gram_matrix(feature), gram_matrix(shuffled), atol=1e-7)
    assert torch.allclose(gram_matrix(feature)[0], feature[0].reshape(4, 15) @ feature[0].reshape(4, 15).T / 60)
    image = _random(1, 3, 16, 16, seed=14)
    style = StyleLoss(substitute)
    assert style(image, image.clone()).item() == 0.0
    assert style(_random(1, 3, 16, 16, seed=15), image).item() > 0.0


def test_weights_file_round_trips(tmp_path, substitute):
    from safetensors.torch import save_file

    trained = FeatureNetwork(seed=7)  # stands in for VGG16 ImageNet weights
    ours = tmp_path / "vgg16_ours.safetensors"
    save_file({key: value.contiguous() for key, value in trained.layers.state_dict().items()}, str(ours))
    torchvision_style = tmp_path / "vgg16.pth"
    state = {f"features.{key}": value for key, value in trained.layers.state_dict().items()}
    state["features.17.weight"] = torch.zeros(512, 256, 3, 3)  # the rest of VGG16 is ignored
    state["classifier.0.weight"] = torch.zeros(2, 2)
    torch.save(state, torchvision_style)
    image = _random(1, 3, 16, 16, seed=16)
    expected = trained(image)
    for path in (ours, torchvision_style):
        loaded = FeatureNetwork(path)
        assert loaded.pretrained and str(path) in loaded.description
        assert all(torch.equal(a, b) for a, b in zip(loaded(image), expected))
    assert not torch.equal(substitute(image)[0], expected[0])


def test_weights_that_are_not_vgg16_are_refused(tmp_path):
    vgg19_like = {f"features.{key}": value for key, value in FeatureNetwork().layers.state_dict().items()}
    vgg19_like["features.16.weight"] = torch.zeros(256, 256, 3, 3)  # a conv where VGG16 has pool3
    path = tmp_path / "vgg19.pth"
    torch.save(vgg19_like, path)
    with pytest.raises(WeightsError, match="unexpected: 16.weight"):
        FeatureNetwork(path)
    with pytest.raises(WeightsError, match="does not exist"):
        FeatureNetwork(tmp_path / "missing.pth")
    (tmp_path / "junk.bin").write_bytes(b"not weights")
    with pytest.raises(WeightsError):
        FeatureNetwork(tmp_path / "junk.bin")


# ----------------------------------------------------------------------------- MINE


def _gaussian_pairs(generator, n, dim, dependent, noise=0.5):
    x = torch.randn(n, dim, generator=generator)
    z = x + noise * torch.randn(n, dim, generator=generator) if dependent else torch.randn(n, dim, generator=generator)
    return x, z


def _trained_mine_estimate(dependent, steps=120, dim=2):  # about 0.4 s of CPU each
    torch.manual_seed(0)
    generator = torch.Generator().manual_seed(1)
    mine = MINE(dim, dim, hidden=16)
    optimizer = torch.optim.Adam(mine.parameters(), lr=1e-2)
    for _ in range(steps):
        loss = -mine(*_gaussian_pairs(generator, 128, dim, dependent))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    mine.eval()
    with torch.no_grad():
        return mine.lower_bound(*_gaussian_pairs(generator, 8192, dim, dependent))


def test_mine_separates_dependent_from_independent_pairs():
    dim, noise = 2, 0.5
    true_information = dim / 2 * math.log(1 + 1 / noise**2)  # Gaussian channel z = x + noise: 1.61 nats
    dependent = _trained_mine_estimate(True).item()
    independent = _trained_mine_estimate(False).item()
    assert dependent > 1.0 > 0.1 > independent
    # a lower bound: on a large fresh sample it stays below the true value (up to sampling error)
    assert dependent < true_information + 0.05
    assert abs(independent) < 0.05


def test_mine_value_is_the_bound_and_its_gradient_uses_the_moving_average():
    torch.manual_seed(0)
    mine = MINE(3, 2, hidden=8)
    x, z = torch.randn(16, 3), torch.randn(16, 2)
    with torch.no_grad():
        mine.statistics_network[-1].weight.zero_()  # T is constant: the bound is exactly 0
    assert mine.lower_bound(x, z).item() == pytest.approx(0.0, abs=1e-6)
    torch.manual_seed(0)
    mine = MINE(3, 2, hidden=8).eval()
    assert torch.isnan(mine.log_moving_average)
    plain = mine.lower_bound(x, z)
    assert mine(x, z).item() == pytest.approx(plain.item(), rel=1e-6)
    # d/d(last bias) of E[T] - E[e^T] / A is 1 - mean(e^T) / A; of the plain bound it is 0
    log_average = 0.3
    mine.log_moving_average.fill_(log_average)
    mine(x, z).backward()
    marginal = mine.statistics(x, torch.roll(z, 1, dims=0)).detach()
    expected = 1 - torch.exp(marginal).mean() / math.exp(log_average)
    assert mine.statistics_network[-1].bias.grad.item() == pytest.approx(expected.item(), rel=1e-5)
    mine.train()
    before = mine.log_moving_average.clone()
    mine(x, z)
    log_mean = torch.logsumexp(marginal, 0) - math.log(16)
    blended = torch.log(0.99 * torch.exp(before) + 0.01 * torch.exp(log_mean))
    assert mine.log_moving_average.item() == pytest.approx(blended.item(), rel=1e-6)
    with pytest.raises(ShapeMismatchError):
        mine(x, torch.randn(16, 3))
