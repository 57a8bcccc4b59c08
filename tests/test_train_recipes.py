"""Training recipes: one step of every method at reduced width on the CPU (finite losses,
the right networks learning in each phase), completion keeping known pixels, the round trip
through a checkpoint into the inference adapter, the papers' defaults, and checked overrides."""

from __future__ import annotations

import json

import numpy as np
import pytest

import torch  # noqa: E402  (the test extra installs it: a missing torch must fail, not skip)

import inpaintkit as ik  # noqa: E402
from inpaintkit.deep.checkpoints import save_checkpoint  # noqa: E402
from inpaintkit.deep.layers import SelfAttention  # noqa: E402
from inpaintkit.errors import InvalidImageError, InvalidMaskError, InvalidParameterError, ShapeMismatchError, WeightsError  # noqa: E402
from inpaintkit.train.progressive import ProgressiveSchedule  # noqa: E402
from inpaintkit.train.recipes import REDUCED, RECIPES, hole_centred_crop, recipe_for  # noqa: E402

#: Training side of each method's tests (the smallest its networks take at REDUCED widths,
#: except the Context Encoder, which works at 128 only).
SIZES = {"context-encoder": 128, "glcic": 64, "deepfill1": 32, "deepfill2": 32, "pconv": 32, "lama": 32}
#: Overrides that bring each recipe's first generator update within a few steps.
SHORT = {"glcic": {"completion_steps": 1, "discriminator_steps": 1}, "deepfill1": {"critic_steps": 2}}
#: The step at which each recipe updates both its generator and its discriminators.
JOINT_STEP = {"glcic": 2, "deepfill1": 1}
EXPECTED_LOSSES = {
    "context-encoder": {"generator", "discriminator", "reconstruction", "adversarial"},
    "glcic": {"generator", "discriminator", "reconstruction", "adversarial"},
    "deepfill1": {"generator", "discriminator", "gradient_penalty", "discounted_l1", "valid_l1", "adversarial"},
    "deepfill2": {"generator", "discriminator", "l1", "adversarial"},
    "pconv": {"generator", "reconstruction", "perceptual", "style", "tv"},
    "lama": {"generator", "discriminator", "l1", "adversarial", "feature_matching", "perceptual", "r1"},
}


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def make_recipe(method: str, **overrides):
    settings = {"image_size": SIZES[method], **REDUCED[method], **SHORT.get(method, {}), **overrides}
    return recipe_for(method, **settings)


def batch(method: str, n: int = 2, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Smooth random images and box holes (one at the image's edge); the Context Encoder's
    hole is its 56x56 centre."""
    size = SIZES[method]
    generator = torch.Generator().manual_seed(seed)
    coarse = torch.rand(n, 3, 4, 4, generator=generator)
    images = torch.nn.functional.interpolate(coarse, size=(size, size), mode="bilinear", align_corners=False)
    images = (images + 0.05 * torch.rand(n, 3, size, size, generator=generator)).clamp(0, 1)
    masks = torch.zeros(n, 1, size, size)
    if method == "context-encoder":
        masks[..., 36:92, 36:92] = 1
    else:
        quarter = size // 4
        masks[0, :, quarter : 2 * quarter + 2, quarter + 1 : 3 * quarter] = 1
        masks[1:, :, size - quarter :, :quarter] = 1
    return images, masks


def snapshot(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {name: value.detach().clone() for name, value in module.state_dict().items()}


def changed(before: dict[str, torch.Tensor], module: torch.nn.Module, *, parameters_only: bool = False) -> bool:
    names = {name for name, _ in module.named_parameters()} if parameters_only else before.keys()
    after = module.state_dict()
    return any(not torch.equal(before[name], after[name]) for name in names)


@pytest.fixture(scope="module", params=list(RECIPES))
def trained(request):
    """A recipe of each method after its steps up to the first joint step: the losses of
    each step, and for each step which modules' parameters and which modules' states changed."""
    method = request.param
    torch.manual_seed(0)
    recipe = make_recipe(method).build("cpu")
    modules = recipe.state_modules()
    images, masks = batch(method)
    losses, parameters_moved, state_moved = [], [], []
    for step in range(JOINT_STEP.get(method, 0) + 1):
        before = {name: snapshot(module) for name, module in modules.items()}
        losses.append(recipe.train_step(images, masks, step))
        parameters_moved.append({n for n, m in modules.items() if changed(before[n], m, parameters_only=True)})
        state_moved.append({n for n, m in modules.items() if changed(before[n], m)})
    return method, recipe, losses, parameters_moved, state_moved


# --------------------------------------------------------------------------- one step of every method
def test_a_step_returns_finite_losses(trained):
    method, recipe, losses, _, _ = trained
    assert set(losses[-1]) == EXPECTED_LOSSES[method]
    assert set(losses[-1]) <= set(recipe.loss_names)
    assert all(isinstance(value, float) and np.isfinite(value) for step in losses for value in step.values())


def test_each_step_trains_the_networks_of_its_phase(trained):
    """GLCIC: MSE only (the discriminator untouched), then the discriminator only (the
    generator frozen, batch-norm statistics included), then both; DeepFill v1 (critic_steps=2):
    the critics every step, the generator every second; the others: everything every step."""
    method, recipe, _, parameters_moved, state_moved = trained
    everything = set(recipe.state_modules())
    expected = {
        "glcic": [{"generator"}, {"discriminator"}, everything],
        "deepfill1": [{"local_critic", "global_critic"}, everything],
    }.get(method, [everything])
    assert parameters_moved == expected
    assert state_moved == expected


def test_complete_keeps_known_pixels_and_fills_the_hole(trained):
    method, recipe, *_ = trained
    images, masks = batch(method, seed=1)
    generator = recipe.state_modules()["generator"]
    filled = recipe.complete(images, masks)
    assert filled.shape == images.shape
    known = (masks == 0).expand_as(images)
    assert torch.equal(filled[known], images[known])
    assert not torch.equal(filled[~known], images[~known])
    assert float(filled.min()) >= 0.0 and float(filled.max()) <= 1.0
    assert generator.training  # the training mode is restored


def test_checkpoint_round_trip_through_the_adapter(trained, tmp_path):
    method, recipe, *_ = trained
    path = save_checkpoint(
        tmp_path / "weights.safetensors",
        recipe.state_modules()["generator"],
        method=method,
        config=recipe.checkpoint_config(),
        image_size=recipe.image_size,
    )
    extra = {"postprocess": False} if method == "glcic" else {}
    inpainter = ik.Inpainter.create(method, weights=path, device="cpu", **extra)
    images, masks = batch(method, seed=2)
    expected = recipe.complete(images, masks).permute(0, 2, 3, 1).double().numpy()
    for image, mask, want in zip(images, masks, expected):
        got = inpainter.inpaint(image.permute(1, 2, 0).double().numpy(), mask[0].numpy() > 0)
        np.testing.assert_allclose(got, want, atol=2e-5, rtol=0)


def test_describe_is_json_and_names_the_settings(trained):
    method, recipe, *_ = trained
    description = json.loads(json.dumps(recipe.describe()))
    assert description["method"] == method
    assert description["network_config"] == json.loads(json.dumps(recipe.checkpoint_config()))
    assert set(description["settings"]) >= {"image_size", "self_attention", "mine_weight", "progressive"}
    assert description["networks"]["generator"]["parameters"] == sum(
        p.numel() for p in recipe.state_modules()["generator"].parameters()
    )
    if method in ("pconv", "lama"):  # no VGG16 weights here: the substitute must be declared
        assert "substitute" in description["feature_networks"]["features"]
        assert any("random" in deviation for deviation in description["deviations"])


@pytest.mark.parametrize("method", ["glcic", "deepfill2"])
def test_describe_names_every_setting_changed_from_the_defaults(method):
    size = 64

    def changed(**overrides):
        recipe = recipe_for(method, image_size=size, total_steps=100, **overrides).build()
        lines = [line for line in recipe.describe()["deviations"] if line.startswith("settings changed")]
        return lines[0] if lines else None

    # A field derived from the size (GLCIC's local_size) and the run's own size and length are not changes.
    assert changed() is None
    line = changed(lr_decay="cosine", betas=(0.7, 0.99))
    paper_betas = list(recipe_for(method).betas)
    assert "lr_decay 'cosine' (default 'constant')" in line and f"betas [0.7, 0.99] (default {paper_betas})" in line
    assert "image_size" not in line and "total_steps" not in line and "local_size" not in line


# --------------------------------------------------------------------------- phases
def test_glcic_phases_default_to_the_papers_fractions():
    assert recipe_for("glcic").phase_boundaries == (90_000, 100_000)
    assert recipe_for("glcic", total_steps=1000).phase_boundaries == (180, 200)
    assert recipe_for("glcic", total_steps=1000, completion_steps=5).phase_boundaries == (5, 25)


def test_pconv_finetuning_freezes_the_encoder_batch_norms():
    torch.manual_seed(0)
    recipe = make_recipe("pconv", finetune_step=1).build("cpu")
    generator = recipe.state_modules()["generator"]
    images, masks = batch("pconv")
    recipe.train_step(images, masks, 0)
    encoder_bn = {k: v.clone() for k, v in generator.enc_2.bn.state_dict().items()}
    decoder_bn = {k: v.clone() for k, v in generator.dec_2.bn.state_dict().items()}
    recipe.train_step(images, masks, 1)
    assert all(torch.equal(value, generator.enc_2.bn.state_dict()[key]) for key, value in encoder_bn.items())
    assert not torch.equal(decoder_bn["running_mean"], generator.dec_2.bn.running_mean)
    assert [group["lr"] for group in recipe.optimizers["generator"].param_groups] == [5e-5, 0.0]


def test_deepfill2_spectral_norm_vectors_are_in_the_state_and_move():
    torch.manual_seed(0)
    recipe = make_recipe("deepfill2").build("cpu")
    discriminator = recipe.state_modules()["discriminator"]
    vectors = {k: v.clone() for k, v in discriminator.state_dict().items() if k.endswith("._u")}
    assert len(vectors) == 6
    recipe.train_step(*batch("deepfill2"), 0)
    assert all(not torch.equal(value, discriminator.state_dict()[key]) for key, value in vectors.items())


# --------------------------------------------------------------------------- options
@pytest.mark.parametrize("method", ["deepfill2", "lama"])
def test_self_attention_sits_in_the_discriminator_and_learns(method):
    torch.manual_seed(0)
    recipe = make_recipe(method, self_attention=True).build("cpu")
    blocks = [m for m in recipe.state_modules()["discriminator"].modules() if isinstance(m, SelfAttention)]
    assert len(blocks) == 1 and blocks[0].gamma.item() == 0.0
    assert not any(isinstance(m, SelfAttention) for m in recipe.state_modules()["generator"].modules())
    recipe.train_step(*batch(method), 0)
    assert blocks[0].gamma.item() != 0.0  # the block is on the forward path


@pytest.mark.parametrize("method", sorted(SIZES))
def test_generator_self_attention_learns_and_loads_through_the_adapter(method, tmp_path):
    torch.manual_seed(0)
    recipe = make_recipe(method, generator_self_attention=True).build("cpu")
    generator = recipe.state_modules()["generator"]
    blocks = [m for m in generator.modules() if isinstance(m, SelfAttention)]
    assert len(blocks) == 1 and blocks[0].gamma.item() == 0.0
    images, masks = batch(method)
    for step in range(JOINT_STEP.get(method, 0) + 1):
        recipe.train_step(images, masks, step)
    assert blocks[0].gamma.item() != 0.0  # on the generator's forward path, and trained

    config = recipe.checkpoint_config()
    after, channels = config["self_attention"]["after"], config["self_attention"]["channels"]
    assert channels == blocks[0].value_conv.in_channels and isinstance(generator.get_submodule(after), torch.nn.Module)
    assert recipe.describe()["generator_self_attention"].endswith(after)
    path = save_checkpoint(
        tmp_path / "weights.safetensors", generator, method=method, config=config, image_size=recipe.image_size
    )
    extra = {"postprocess": False} if method == "glcic" else {}
    inpainter = ik.Inpainter.create(method, weights=path, device="cpu", **extra)
    assert sum(isinstance(m, SelfAttention) for m in inpainter.network.modules()) == 1
    images, masks = batch(method, seed=2)
    expected = recipe.complete(images, masks).permute(0, 2, 3, 1).double().numpy()
    got = inpainter.inpaint(images[0].permute(1, 2, 0).double().numpy(), masks[0, 0].numpy() > 0)
    np.testing.assert_allclose(got, expected[0], atol=2e-5, rtol=0)


@pytest.mark.parametrize(
    "entry", [{"after": "no.such.layer", "channels": 16}, {"after": "stage1.conv_bn7"}, "stage1.conv_bn7"]
)
def test_a_checkpoint_with_a_bad_self_attention_entry_is_refused(entry, tmp_path):
    recipe = make_recipe("deepfill2").build("cpu")
    config = {**recipe.network_config(), "self_attention": entry}
    path = save_checkpoint(
        tmp_path / "weights.safetensors", recipe.state_modules()["generator"], method="deepfill2", config=config,
        image_size=32,
    )
    with pytest.raises(WeightsError, match="self_attention|self-attention"):
        ik.Inpainter.create("deepfill2", weights=path, device="cpu")


def test_lr_decay_scales_each_update_and_leaves_the_rate_in_place():
    assert [recipe_for("deepfill2", lr_decay="cosine", total_steps=4).lr_factor(t) for t in (0, 2, 4, 9)] == [
        1.0, pytest.approx(0.5), pytest.approx(0.0), pytest.approx(0.0)
    ]
    assert [recipe_for("glcic", lr_decay="linear").lr_factor(t) for t in (0, 250_000)] == [1.0, 0.5]  # paper's run
    assert recipe_for("deepfill2").lr_factor(10**6) == 1.0

    def one_step(step, **overrides):
        torch.manual_seed(0)
        recipe = make_recipe("deepfill2", gan_weight=0.0, **overrides).build("cpu")
        recipe.train_step(*batch("deepfill2"), step)
        return recipe

    decayed = one_step(2, lr=1e-3, lr_decay="cosine", total_steps=4)  # factor 0.5 at step 2 of 4
    halved = one_step(2, lr=5e-4)
    for key, value in snapshot(decayed.state_modules()["generator"]).items():
        assert torch.equal(value, halved.state_modules()["generator"].state_dict()[key]), key
    assert decayed.optimizers["generator"].param_groups[0]["lr"] == 1e-3  # restored after the step


def test_mine_regulariser_adds_its_network_and_terms():
    torch.manual_seed(0)
    recipe = make_recipe("deepfill2", mine_weight=0.1).build("cpu")
    assert set(recipe.state_modules()) == {"generator", "discriminator", "mine"}
    mine = snapshot(recipe.state_modules()["mine"])
    losses = recipe.train_step(*batch("deepfill2", n=4), 0)
    assert {"mine", "mine_bound"} <= set(losses) and np.isfinite(losses["mine"])
    assert losses["mine"] == pytest.approx(-0.1 * losses["mine_bound"], rel=0.5, abs=1e-3)
    assert changed(mine, recipe.state_modules()["mine"], parameters_only=True)


def test_progressive_schedule_trains_at_its_resolution():
    torch.manual_seed(0)
    schedule = ProgressiveSchedule(32, 16, steps_per_stage=1, fade_steps=0)
    recipe = make_recipe("deepfill2", progressive=schedule).build("cpu")
    seen = []
    recipe.state_modules()["generator"].register_forward_hook(lambda m, inputs, out: seen.append(inputs[0].shape[-1]))
    images, masks = batch("deepfill2")
    recipe.train_step(images, masks, 0)
    recipe.train_step(images, masks, 1)
    assert seen == [16, 32]
    assert recipe.describe()["settings"]["progressive"].startswith("ProgressiveSchedule(")


def test_steps_are_deterministic_under_a_seed():
    results = []
    for _ in range(2):
        torch.manual_seed(3)
        recipe = make_recipe("deepfill1", critic_steps=1).build("cpu")
        images, masks = batch("deepfill1")
        losses = [recipe.train_step(images, masks, step) for step in range(2)]
        results.append((losses, snapshot(recipe.state_modules()["generator"])))
    assert results[0][0] == results[1][0]
    assert all(torch.equal(value, results[1][1][key]) for key, value in results[0][1].items())


# --------------------------------------------------------------------------- defaults and checks
PAPER_DEFAULTS = {  # deep-methods.md sections 1.1, 1.3, 2 and 3.3
    "context-encoder": {
        "reconstruction_weight": 0.999, "adversarial_weight": 0.001, "generator_lr": 2e-3,
        "discriminator_lr": 2e-4, "betas": (0.5, 0.999), "overlap": 4, "bottleneck_channels": 4000, "image_size": 128,
    },
    "glcic": {
        "adversarial_weight": 4e-4, "optimizer": "adadelta", "image_size": 256, "local_size": 128, "cnum": 64,
        "discriminator_cnum": 64,
    },
    "deepfill1": {
        "discount_gamma": 0.9, "l1_loss_alpha": 1.2, "ae_loss_alpha": 1.2, "coarse_l1_alpha": 1.2, "gan_weight": 1e-3,
        "gradient_penalty_weight": 10.0, "lr": 1e-4, "betas": (0.5, 0.9), "cnum": 32, "critic_steps": 5,
        "local_size": 128,
    },
    "deepfill2": {"l1_weight": 1.0, "gan_weight": 1.0, "lr": 1e-4, "betas": (0.5, 0.999), "cnum": 48},
    "pconv": {
        "valid_weight": 1.0, "hole_weight": 6.0, "perceptual_weight": 0.05, "style_weight": 120.0, "tv_weight": 0.1,
        "lr": 2e-4, "finetune_lr": 5e-5, "layers": 7,
    },
    "lama": {
        "known_weight": 10.0, "missing_weight": 0.0, "adversarial_weight": 10.0, "r1_weight": 0.001,
        "feature_matching_weight": 100.0, "perceptual_weight": 30.0, "lr": 1e-3, "discriminator_lr": 1e-4,
        "n_blocks": 9,
    },
}


@pytest.mark.parametrize("method", list(RECIPES))
def test_defaults_are_the_papers(method):
    recipe = recipe_for(method)
    for name, value in PAPER_DEFAULTS[method].items():
        assert getattr(recipe, name) == value, name
    assert recipe.mask_family == {
        "context-encoder": "center", "glcic": "random_box", "deepfill1": "random_box",
        "deepfill2": "free_form_box", "pconv": "irregular", "lama": "lama",
    }[method]


def test_optimisers_follow_the_fields():
    torch.manual_seed(0)
    recipe = make_recipe("context-encoder", generator_lr=1e-3).build("cpu")
    generator, discriminator = recipe.optimizers["generator"], recipe.optimizers["discriminator"]
    assert generator.param_groups[0]["lr"] == 1e-3 and generator.param_groups[0]["betas"] == (0.5, 0.999)
    assert discriminator.param_groups[0]["lr"] == 2e-4
    glcic = recipe_for("glcic", image_size=64)
    assert glcic.optimizer == "adadelta"
    lama = make_recipe("lama").build("cpu")
    assert [lama.optimizers[n].param_groups[0]["lr"] for n in ("generator", "discriminator")] == [1e-3, 1e-4]


def test_context_encoder_masks_are_its_56_pixel_hole():
    assert recipe_for("context-encoder").mask_options == {"ratio": (56 / 128) ** 2}


@pytest.mark.parametrize(
    ("method", "overrides"),
    [
        ("deepfill2", {"gan_weight": -1.0}),
        ("deepfill2", {"cnum": 10}),
        ("deepfill2", {"betas": (0.5, 1.0)}),
        ("deepfill2", {"betas": 0.5}),
        ("deepfill2", {"image_size": 36}),
        ("deepfill2", {"no_such_setting": 1}),
        ("deepfill2", {"progressive": "grow"}),
        ("deepfill2", {"progressive": ProgressiveSchedule(64, 16, 10, 5)}),  # final size is not image_size
        ("context-encoder", {"image_size": 64}),
        ("context-encoder", {"bottleneck": "fc"}),
        ("glcic", {"image_size": 96}),
        ("glcic", {"optimizer": "sgd"}),
        ("glcic", {"cnum": 15}),
        ("deepfill2", {"lr_decay": "exponential", "total_steps": 10}),
        ("deepfill2", {"lr_decay": "cosine"}),  # no run length to decay over
        ("glcic", {"discriminator_cnum": 1}),
        ("glcic", {"completion_fraction": 0.9, "discriminator_fraction": 0.2}),
        ("glcic", {"progressive": ProgressiveSchedule(256, 128, 10, 5)}),
        ("deepfill1", {"critic_steps": 0}),
        ("deepfill1", {"local_size": 40}),
        ("pconv", {"self_attention": True}),
        ("pconv", {"image_size": 64, "layers": 7}),
        ("pconv", {"finetune_fraction": 1.5}),
        ("lama", {"self_attention": 1}),
        ("lama", {"r1_weight": float("nan")}),
        ("lama", {"feature_weights": 3}),
    ],
)
def test_bad_overrides_are_refused(method, overrides):
    with pytest.raises(InvalidParameterError) as error:
        recipe_for(method, **overrides)
    assert any(name in str(error.value) for name in overrides)


def test_unknown_method_and_unbuilt_recipe():
    with pytest.raises(InvalidParameterError, match="method"):
        recipe_for("deepfill3")
    with pytest.raises(InvalidParameterError, match="build"):
        recipe_for("deepfill2").complete(torch.zeros(1, 3, 32, 32), torch.zeros(1, 1, 32, 32))


def test_bad_batches_are_refused():
    recipe = make_recipe("context-encoder").build("cpu")
    images, masks = batch("context-encoder")
    with pytest.raises(ShapeMismatchError, match="masks"):
        recipe.train_step(images, masks[:, :, :64], 0)
    for wrong in (images * 2 - 1, images * 255, images.masked_fill(masks.bool().expand_as(images), float("nan"))):
        with pytest.raises(InvalidImageError, match=r"\[0, 1\]"):  # e.g. already in the network's range
            recipe.train_step(wrong, masks, 0)
    outside = torch.zeros_like(masks)
    outside[..., :8, :8] = 1
    with pytest.raises(InvalidMaskError, match="centr"):
        recipe.complete(images, outside)


def test_hole_centred_crop():
    images = torch.arange(2 * 16 * 16, dtype=torch.float32).view(2, 1, 16, 16)
    masks = torch.zeros(2, 1, 16, 16)
    masks[0, :, 6:10, 4:8] = 1  # centred at row 8, column 6
    masks[1, :, 14:, 0:2] = 1  # at the corner: the square moves inside
    patches = hole_centred_crop(masks, 8)(images)
    assert torch.equal(patches[0], images[0, :, 4:12, 2:10])
    assert torch.equal(patches[1], images[1, :, 8:16, 0:8])


def test_context_encoder_reconstruction_is_the_official_weighted_l2():
    """train.lua: wtl2 x mean(W * (fake - real)^2) over the 64x64 centre, W = 10 on the 4-pixel
    overlap band and 1 in the hole (the network module's ``reconstruction_weights``)."""
    from inpaintkit.deep.context_encoder.network import hole_mask, reconstruction_weights

    loss = make_recipe("context-encoder").build("cpu").losses["reconstruction"]
    fake, real = torch.rand(2, 3, 64, 64), torch.rand(2, 3, 64, 64)
    hole = hole_mask()[..., 32:96, 32:96].expand(2, -1, -1, -1)
    expected = (reconstruction_weights() * (fake - real).square()).mean()
    assert torch.allclose(loss(fake, real, hole), expected)


def test_deepfill2_reconstruction_steps_train_the_generator_alone_then_both():
    torch.manual_seed(0)
    recipe = make_recipe("deepfill2", reconstruction_steps=2).build("cpu")
    generator, discriminator = recipe.state_modules()["generator"], recipe.state_modules()["discriminator"]
    assert [phase["steps"] for phase in recipe.describe()["phases"]] == [[0, 2], [2, None]]
    for step in (0, 1):
        generator_before, discriminator_before = snapshot(generator), snapshot(discriminator)
        losses = recipe.train_step(*batch("deepfill2", seed=step), step)
        assert set(losses) == {"generator", "l1"} and losses["generator"] == losses["l1"]
        assert changed(generator_before, generator)
        # Not even run: the spectral norm's power-iteration vectors stay where they were.
        assert not changed(discriminator_before, discriminator)
        assert recipe.optimizers["discriminator"].state == {}
    discriminator_before = snapshot(discriminator)
    assert set(recipe.train_step(*batch("deepfill2", seed=2), 2)) == EXPECTED_LOSSES["deepfill2"]
    assert changed(discriminator_before, discriminator, parameters_only=True)

    untouched = make_recipe("deepfill2", gan_weight=0.0).build("cpu")
    discriminator_before = snapshot(untouched.state_modules()["discriminator"])
    assert set(untouched.train_step(*batch("deepfill2"), 5)) == {"generator", "l1"}
    assert not changed(discriminator_before, untouched.state_modules()["discriminator"])
    with pytest.raises(InvalidParameterError, match="reconstruction_steps"):
        make_recipe("deepfill2", reconstruction_steps=-1)
