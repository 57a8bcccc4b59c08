"""What every recipe shares: the :class:`Recipe` interface, field checks, and the pieces
several papers use (the local patch around the hole, self-attention in a generator or a
discriminator, the MINE regulariser)."""

from __future__ import annotations

import contextlib
import dataclasses
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import torch
from torch import nn

from ...deep.layers import ATTENTION_CHILD, attach_self_attention
from ...errors import InvalidImageError, InvalidMaskError, InvalidParameterError, ShapeMismatchError
from ...params import check_bool, check_choice, check_float, check_int

__all__ = ["Recipe", "hole_centred_crop"]

Wrap = Callable[[nn.Module], nn.Module]

#: Side of the pooled maps between which the MINE regulariser estimates mutual information.
MINE_GRID = 8


def _identity(module: nn.Module) -> nn.Module:
    return module


def check_betas(name: str, value: Any) -> tuple[float, float]:
    """Adam's (beta1, beta2), each in [0, 1)."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise InvalidParameterError(f"{name}: expected a pair (beta1, beta2) of numbers in [0, 1), got {value!r}")
    return tuple(check_float(f"{name}[{i}]", v, low=0.0, high=1.0, high_open=True) for i, v in enumerate(value))


def check_fraction(name: str, value: Any) -> float:
    return check_float(name, value, low=0.0, high=1.0)


def check_optional_int(name: str, value: Any, *, low: int = 0) -> int | None:
    return None if value is None else check_int(name, value, low=low)


def hole_centred_crop(masks: torch.Tensor, size: int) -> Callable[[torch.Tensor], torch.Tensor]:
    """A cropper of the ``size`` x ``size`` square centred on each image's hole.

    The square is centred on the middle of the hole's bounding box and moved inside the
    image where it would cross the border (an image without a hole gets its centre
    square). GLCIC's local discriminator and DeepFill v1's local critic judge this patch of
    the completed image, and the same square of the real image.

    Parameters
    ----------
    masks : Tensor
        (N, 1, H, W), 1 = hole.
    size : int
        Side of the square, at most min(H, W).

    Returns
    -------
    callable
        ``crop(batch) -> (N, C, size, size)`` for any (N, C, H, W) batch; it indexes, so
        gradients flow through it, and it reads nothing back to the host.

    Examples
    --------
    >>> masks = torch.zeros(1, 1, 16, 16); masks[..., 6:10, 4:8] = 1
    >>> crop = hole_centred_crop(masks, 8)
    >>> image = torch.arange(256.0).view(1, 1, 16, 16)
    >>> bool((crop(image) == image[..., 4:12, 2:10]).all())
    True
    """
    n, _, height, width = masks.shape
    device = masks.device
    offsets = torch.arange(size, device=device)

    def first_row(profile: torch.Tensor, length: int) -> torch.Tensor:
        index = torch.arange(length, device=device)
        present = profile > 0
        first = torch.where(present, index, length).amin(dim=1)
        last = torch.where(present, index, -1).amax(dim=1)
        centre = torch.where(last >= 0, (first + last + 1) // 2, torch.full_like(last, length // 2))
        return (centre - size // 2).clamp(0, length - size)

    rows = (first_row(masks.amax(dim=(1, 3)), height)[:, None] + offsets)[:, :, None]  # (N, size, 1)
    cols = (first_row(masks.amax(dim=(1, 2)), width)[:, None] + offsets)[:, None, :]  # (N, 1, size)
    batch = torch.arange(n, device=device)[:, None, None]

    def crop(tensor: torch.Tensor) -> torch.Tensor:
        return tensor[batch, :, rows, cols].permute(0, 3, 1, 2)  # advanced indexing puts C last

    return crop


@dataclass(kw_only=True, eq=False)
class Recipe:
    """A method's training recipe: its networks, losses, optimisers and phases.

    Subclasses (one per method, in :data:`~inpaintkit.train.recipes.RECIPES`) hold the
    paper's settings as typed fields with the paper's values as defaults; any of them can be
    overridden by keyword (:func:`~inpaintkit.train.recipes.recipe_for`) and each is
    checked when the recipe is made.

    Parameters
    ----------
    image_size : int
        Side of the square training images (the discriminators of GLCIC, DeepFill v1 and
        the Context Encoder have fully connected or fixed-size inputs built for it).
    total_steps : int or None
        Length of the run, for phases given as fractions of it (GLCIC's three phases,
        the partial-convolution fine-tuning); None means the paper's run length.
    self_attention : bool
        Insert a SAGAN self-attention block (:class:`~inpaintkit.deep.layers.SelfAttention`,
        Zhang et al. 2019) into each discriminator; where is said by each recipe.
    generator_self_attention : bool
        Insert one into the generator too, after a layer at low resolution (each recipe
        says which; SAGAN put its blocks on mid-sized feature maps). The checkpoint's
        config records the layer and the width (``"self_attention": {"after": ...,
        "channels": ...}``) and the inference adapter rebuilds the block from it, so the
        weights load with ``Inpainter.create(method, weights=...)`` as any others.
    mine_weight : float
        Weight of the MINE regulariser (Belghazi et al. 2018; off at 0): the generator also
        maximises the Donsker-Varadhan lower bound of the mutual information between the
        completed hole and its known context (both average-pooled to 8x8: the completed
        image times the mask, and the masked input with the mask), estimated by a
        statistics network trained alongside with its own Adam optimiser ("mine"). It
        rewards fills that depend on their surroundings, against context-free,
        mode-collapsed fills.
    mine_lr : float
        Learning rate of the statistics network (1e-4, as in the MINE paper).
    lr_decay : {"constant", "cosine", "linear"}
        Multiplies every optimiser's learning rate at step t of a run of T steps
        (``total_steps``, else the paper's run length) by 1, by (1 + cos(pi t / T)) / 2, or
        by 1 - t / T: the papers train at constant rates ("constant"); a decay lets a short
        run end on a settled network instead of wherever the last steps left it. It
        multiplies whatever rate the recipe's phases set (PConv's fine-tuning rate too), and
        is a function of the step, so a resumed run follows the same course.
    progressive : ProgressiveSchedule or None
        Progressive growing (Karras et al. 2018): every batch goes through
        ``progressive.apply(images, masks, step)`` before the step.

    Attributes
    ----------
    generator : nn.Module
        The generator, as ``wrap`` returned it (set by :meth:`build`, as the others).
    discriminators : nn.ModuleDict
        The discriminators (wrapped), possibly empty.
    optimizers : dict of str to torch.optim.Optimizer
    losses : dict of str to nn.Module
    """

    method: ClassVar[str]
    mask_family: ClassVar[str]
    paper: ClassVar[str]
    value_range: ClassVar[tuple[float, float]]
    #: Steps of the paper's run (for phases given as fractions).
    paper_steps: ClassVar[int] = 0
    #: Image sides must be multiples of this (besides what the fields impose).
    size_multiple: ClassVar[int] = 8
    #: True when every network is fully convolutional, so a progressive schedule can vary the size.
    any_size: ClassVar[bool] = False
    #: False for a recipe without a discriminator (``self_attention`` is then refused).
    has_discriminator: ClassVar[bool] = True
    #: Names of the losses :meth:`train_step` may return (which appear depends on the phase).
    loss_names: ClassVar[tuple[str, ...]] = ()

    image_size: int = 256
    total_steps: int | None = None
    self_attention: bool = False
    generator_self_attention: bool = False
    mine_weight: float = 0.0
    mine_lr: float = 1e-4
    lr_decay: Literal["constant", "cosine", "linear"] = "constant"
    progressive: Any = None

    def __post_init__(self) -> None:
        self.image_size = check_int("image_size", self.image_size, low=16)
        self.total_steps = check_optional_int("total_steps", self.total_steps, low=1)
        self.self_attention = check_bool("self_attention", self.self_attention)
        self.generator_self_attention = check_bool("generator_self_attention", self.generator_self_attention)
        if self.self_attention and not self.has_discriminator:
            raise InvalidParameterError(
                f"self_attention: the {self.method} recipe trains without a discriminator, so there is none to put "
                "the block in; leave self_attention=False"
            )
        self.mine_weight = check_float("mine_weight", self.mine_weight, low=0.0)
        self.mine_lr = check_float("mine_lr", self.mine_lr, low=0.0, low_open=True)
        self.lr_decay = check_choice("lr_decay", self.lr_decay, ("constant", "cosine", "linear"))
        if self.lr_decay != "constant" and not (self.total_steps or self.paper_steps):
            raise InvalidParameterError(
                f"lr_decay: {self.lr_decay!r} decays over the run, so it needs total_steps (the run's length); "
                "pass total_steps=N, or leave lr_decay='constant'"
            )
        self._lr_factor = 1.0
        self._validate()
        sizes = [self.image_size]
        if self.progressive is not None:
            from ..progressive import ProgressiveSchedule

            if not isinstance(self.progressive, ProgressiveSchedule):
                raise InvalidParameterError(
                    f"progressive: expected a ProgressiveSchedule or None, got {type(self.progressive).__name__}"
                )
            if not self.any_size:
                raise InvalidParameterError(
                    f"progressive: {self.method}'s networks are built for one image size (fully connected or "
                    "fixed-size layers), so its training cannot grow; leave progressive=None"
                )
            if self.progressive.final_size != self.image_size:
                raise InvalidParameterError(
                    f"progressive: its final_size ({self.progressive.final_size}) must be image_size "
                    f"({self.image_size})"
                )
            sizes = self.progressive.sizes
        for size in sizes:
            self._check_size(size)
        self._built = False

    # ------------------------------------------------------------------ subclass hooks
    def _validate(self) -> None:
        """Check (and normalise) the subclass's own fields."""

    def _check_size(self, size: int) -> None:
        multiple = self.image_multiple
        if size % multiple:
            raise InvalidParameterError(
                f"image_size: {self.method} trains on sides that are multiples of {multiple}; got {size}"
                + (" (a size of the progressive schedule)" if size != self.image_size else "")
            )

    @property
    def image_multiple(self) -> int:
        """Training image sides must be multiples of this."""
        return self.size_multiple

    @property
    def mask_options(self) -> dict[str, Any]:
        """Options of :class:`~inpaintkit.train.data.MaskSampler` for this recipe's masks
        (beyond the family's defaults)."""
        return {}

    def _make_generator(self) -> nn.Module:
        raise NotImplementedError

    def _make_discriminators(self) -> dict[str, nn.Module]:
        return {}

    def _attention_sites(self, discriminators: Mapping[str, nn.Module]) -> list[tuple[nn.Module, nn.Module, int]]:
        """(network, layer, channels) where ``self_attention`` inserts a block."""
        return []

    def _generator_attention_site(self, generator: nn.Module) -> tuple[str, int]:
        """(submodule name, channels) after which ``generator_self_attention`` inserts a block."""
        raise NotImplementedError

    def _make_losses(self) -> dict[str, nn.Module]:
        return {}

    def _make_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        raise NotImplementedError

    def _step(self, images: torch.Tensor, masks: torch.Tensor, step: int) -> dict[str, torch.Tensor]:
        """One training step on network-range images; the losses as 0-dim tensors."""
        raise NotImplementedError

    def _predict(self, generator: nn.Module, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """The generator's full-frame prediction (network range) of network-range images."""
        raise NotImplementedError

    def network_config(self) -> dict[str, Any]:
        """The constructor arguments of the generator, as the method's adapter takes them
        (``build_network(config)``)."""
        raise NotImplementedError

    def checkpoint_config(self) -> dict[str, Any]:
        """The config saved with the generator's weights
        (:func:`~inpaintkit.deep.checkpoints.save_checkpoint`): :meth:`network_config`, and
        where the generator's self-attention block sits when it has one."""
        config = self.network_config()
        if self.generator_self_attention:
            after, channels = self._generator_attention_site(self._generator_for_site())
            config[ATTENTION_CHILD] = {"after": after, "channels": channels}
        return config

    def _generator_for_site(self) -> nn.Module:
        return self._networks["generator"] if self._built else self._make_generator()

    def _phases(self) -> list[dict[str, Any]]:
        """The run's phases, for :meth:`describe`."""
        return []

    def _deviations(self) -> list[str]:
        """How this recipe departs from the paper, for :meth:`describe`."""
        return []

    # ------------------------------------------------------------------ building
    def build(self, device: Any = "cpu", wrap: Wrap | None = None) -> Recipe:
        """Create the networks, losses and optimisers on ``device``.

        Parameters
        ----------
        device : str or torch.device
            Where to train.
        wrap : callable, optional
            Applied to each trainable module (the generator, each discriminator, the MINE
            statistics network), e.g. ``DistributedDataParallel``; the unwrapped modules
            are what :meth:`state_modules` returns.

        Returns
        -------
        Recipe
            ``self``.
        """
        wrap = _identity if wrap is None else wrap
        self.device = torch.device(device)
        generator = self._make_generator()
        if self.generator_self_attention:
            attach_self_attention(generator, *self._generator_attention_site(generator))
        generator = generator.to(self.device)
        discriminators = self._make_discriminators()
        if self.self_attention:
            for network, layer, channels in self._attention_sites(discriminators):
                attach_self_attention(network, _child_name(network, layer), channels)
        discriminators = {name: module.to(self.device) for name, module in discriminators.items()}
        self._networks = {"generator": generator, **discriminators}
        self.generator = wrap(generator)
        self.discriminators = nn.ModuleDict({name: wrap(module) for name, module in discriminators.items()})
        self.losses = {
            name: loss.to(self.device) if isinstance(loss, nn.Module) else loss
            for name, loss in self._make_losses().items()
        }
        self.mine = None
        if self.mine_weight > 0:
            from ..losses import MINE

            cells = MINE_GRID * MINE_GRID  # x: the hole's fill (3 channels); z: masked image and mask (4)
            statistics = MINE(3 * cells, 4 * cells).to(self.device)
            self._networks["mine"] = statistics
            self.mine = wrap(statistics)
        self.optimizers = self._make_optimizers()
        if self.mine is not None:
            self.optimizers["mine"] = torch.optim.Adam(self._networks["mine"].parameters(), lr=self.mine_lr)
        # Freezing a discriminator's weights during the generator's update saves their
        # gradients; a wrapper (DDP) expects every weight's gradient, so wrapped ones stay live.
        self._can_freeze = wrap is _identity
        self._built = True
        return self

    def state_modules(self) -> dict[str, nn.Module]:
        """Every module whose state a checkpoint must hold (unwrapped): ``generator``, each
        discriminator by name, and ``mine`` when the regulariser is on."""
        self._require_built()
        return dict(self._networks)

    def _require_built(self) -> None:
        if not self._built:
            raise InvalidParameterError(f"{type(self).__name__}: call build(device) before training or completing")

    # ------------------------------------------------------------------ value ranges
    def to_network(self, images: torch.Tensor) -> torch.Tensor:
        low, high = self.value_range
        return images * (high - low) + low

    def from_network(self, images: torch.Tensor) -> torch.Tensor:
        low, high = self.value_range
        return (images - low) / (high - low)

    # ------------------------------------------------------------------ training
    def train_step(self, images: torch.Tensor, masks: torch.Tensor, step: int) -> dict[str, float]:
        """One step of training: the discriminator and generator updates the phase of ``step`` asks for.

        Parameters
        ----------
        images : Tensor
            (N, 3, S, S) on [0, 1]; mapped to the network's range here.
        masks : Tensor
            (N, 1, S, S), 1 = hole.
        step : int
            Index of the step from 0 (phases and schedules are functions of it, so a
            resumed run follows the same course).

        Returns
        -------
        dict of str to float
            The losses of the step (names in :attr:`loss_names`; which appear depends on
            the phase), read back from the device once, at the end.
        """
        self._require_built()
        images, masks = self._checked(images, masks)
        step = check_int("step", step, low=0)
        if self.progressive is not None:
            images, masks = self.progressive.apply(images, masks, step)
        for module in self._networks.values():
            module.train()
        self._lr_factor = self.lr_factor(step)
        losses = self._step(self.to_network(images), masks, step)
        values = torch.stack([value.detach().float() for value in losses.values()]).tolist()
        return dict(zip(losses, values))

    def _checked(self, images: Any, masks: Any) -> tuple[torch.Tensor, torch.Tensor]:
        if not isinstance(images, torch.Tensor) or images.ndim != 4 or images.shape[1] != 3:
            shape = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
            raise ShapeMismatchError(f"images: expected a (N, 3, S, S) tensor on [0, 1], got {shape}")
        n, _, height, width = images.shape
        if not isinstance(masks, torch.Tensor) or tuple(masks.shape) != (n, 1, height, width):
            shape = tuple(masks.shape) if isinstance(masks, torch.Tensor) else type(masks).__name__
            raise ShapeMismatchError(f"masks: expected a ({n}, 1, {height}, {width}) tensor (1 = hole), got {shape}")
        images = images.to(self.device, torch.float32)
        low, high = torch.stack(torch.aminmax(images)).tolist()  # one read-back
        if not (0.0 <= low and high <= 1.0):  # also false for NaN
            raise InvalidImageError(
                f"images: expected values on [0, 1] (the recipe maps them to the network's range "
                f"{self.value_range} itself), got values from {low:.4g} to {high:.4g}"
            )
        return images, masks.to(self.device, torch.float32)

    def lr_factor(self, step: int) -> float:
        """What ``lr_decay`` multiplies the learning rates by at ``step``."""
        if self.lr_decay == "constant":
            return 1.0
        progress = min(step / (self.total_steps or self.paper_steps), 1.0)
        if self.lr_decay == "cosine":
            return 0.5 * (1.0 + math.cos(math.pi * progress))
        return 1.0 - progress

    def _update(self, name: str, loss: torch.Tensor) -> None:
        """Backpropagate ``loss`` and step optimiser ``name`` (at the decayed rate)."""
        optimizer = self.optimizers[name]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if self._lr_factor == 1.0:
            optimizer.step()
            return
        rates = [group["lr"] for group in optimizer.param_groups]
        for group, rate in zip(optimizer.param_groups, rates):
            group["lr"] = rate * self._lr_factor
        try:
            optimizer.step()
        finally:
            for group, rate in zip(optimizer.param_groups, rates):
                group["lr"] = rate

    @contextlib.contextmanager
    def _frozen(self, *modules: nn.Module) -> Iterator[None]:
        """Stop gradients into ``modules``' weights while the generator's loss goes through them
        (when they are not wrapped)."""
        if not self._can_freeze:
            yield
            return
        parameters = [p for module in modules for p in module.parameters() if p.requires_grad]
        for parameter in parameters:
            parameter.requires_grad_(False)
        try:
            yield
        finally:
            for parameter in parameters:
                parameter.requires_grad_(True)

    def _phase_step(self, fraction: float, steps: int | None) -> int:
        """A phase boundary: ``steps`` when given, else ``fraction`` of the run."""
        if steps is not None:
            return steps
        return round(fraction * (self.total_steps or self.paper_steps))

    def _mine_terms(
        self, completed: torch.Tensor, images: torch.Tensor, masks: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(generator's term, lower-bound estimate) of the MINE regulariser (``mine_weight`` > 0).

        ``completed`` is the network-range completion with gradients. The statistics network
        is first updated on a detached copy (it maximises the bound, with MINE's
        moving-average gradient correction); then the generator's term,
        ``-mine_weight`` x the bound, is formed with the statistics network frozen.
        """
        pool = nn.functional.adaptive_avg_pool2d
        fill = pool(completed * masks, MINE_GRID).flatten(1)
        context = pool(torch.cat((images * (1.0 - masks), masks), dim=1), MINE_GRID).flatten(1)
        bound = self.mine(fill.detach(), context)
        self._update("mine", -bound)
        with self._frozen(self.mine):
            term = -self.mine_weight * self.mine(fill, context)
        return term, bound

    # ------------------------------------------------------------------ inference
    def complete(self, images: torch.Tensor, masks: torch.Tensor) -> torch.Tensor:
        """Fill the holes with the generator in evaluation mode, without gradients.

        Parameters
        ----------
        images : Tensor
            (N, 3, S, S) on [0, 1] (what the holes hold is not used).
        masks : Tensor
            (N, 1, S, S), 1 = hole.

        Returns
        -------
        Tensor
            (N, 3, S, S) on [0, 1]: the prediction inside the holes, ``images`` (exactly)
            outside. The networks' training modes are restored afterwards.
        """
        self._require_built()
        images, masks = self._checked(images, masks)
        generator = self._networks["generator"]
        was_training = generator.training
        generator.eval()
        try:
            with torch.no_grad():
                prediction = self.from_network(self._predict(generator, self.to_network(images), masks))
        finally:
            generator.train(was_training)
        return torch.where(masks > 0, prediction, images)

    # ------------------------------------------------------------------ description
    def settings(self) -> dict[str, Any]:
        """Every field's value, JSON-able."""
        values = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, tuple):
                value = list(value)
            elif field.name == "progressive" and value is not None:
                value = repr(value)  # ProgressiveSchedule(final_size=..., start_size=..., ...)
            values[field.name] = value
        return values

    def _changed_settings(self) -> list[str]:
        """A line naming every setting that differs from the recipe's default (the paper's), if any.

        The defaults are those of a recipe made with this one's ``image_size`` and
        ``total_steps`` alone, so that fields derived from the size (GLCIC's ``local_size``)
        count only when they were set.
        """
        try:
            defaults = type(self)(image_size=self.image_size, total_steps=self.total_steps).settings()
        except InvalidParameterError:  # e.g. a size only a reduced network accepts
            defaults = {
                field.name: list(field.default) if isinstance(field.default, tuple) else field.default
                for field in dataclasses.fields(self)
                if field.default is not dataclasses.MISSING
            }
        changed = [
            f"{name} {value!r} (default {defaults[name]!r})"
            for name, value in self.settings().items()
            if name not in ("image_size", "total_steps") and name in defaults and value != defaults[name]
        ]
        return ["settings changed from the recipe's defaults: " + ", ".join(changed)] if changed else []

    def describe(self) -> dict[str, Any]:
        """Everything about the recipe a run's metadata should keep (JSON-able): the
        settings, the networks and their sizes, the optimisers, the phases and how the
        recipe departs from the paper."""
        self._require_built()
        networks = {
            name: {"class": type(module).__name__, "parameters": sum(p.numel() for p in module.parameters())}
            for name, module in self._networks.items()
        }
        optimizers = {
            name: {"class": type(optimizer).__name__, **_optimizer_settings(optimizer)}
            for name, optimizer in self.optimizers.items()
        }
        description = {
            "method": self.method,
            "paper": self.paper,
            "recipe": type(self).__name__,
            "mask_family": self.mask_family,
            "mask_options": self.mask_options,
            "settings": self.settings(),
            "network_config": self.checkpoint_config(),
            "networks": networks,
            "optimizers": optimizers,
            "phases": self._phases(),
            "deviations": self._deviations() + self._changed_settings(),
        }
        extras = {name: loss.description for name, loss in self.losses.items() if hasattr(loss, "description")}
        if extras:
            description["feature_networks"] = extras
        if self.self_attention:
            description["self_attention"] = "SAGAN block after " + ", ".join(
                f"{type(network).__name__}.{_child_name(network, layer)}"
                for network, layer, _ in self._attention_sites(self._networks)
            )
        if self.generator_self_attention:
            after, _ = self._generator_attention_site(self._networks["generator"])
            description["generator_self_attention"] = (
                f"SAGAN block after {type(self._networks['generator']).__name__}.{after}"
            )
        if self.mine is not None:
            description["mine"] = (
                f"weight {self.mine_weight}: I(completed hole; masked context) at {MINE_GRID}x{MINE_GRID}"
            )
        return description


def _child_name(network: nn.Module, layer: nn.Module) -> str:
    return next((name for name, module in network.named_modules() if module is layer), "?")


def _optimizer_settings(optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    group = optimizer.param_groups[0]
    kept = ("lr", "betas", "rho", "eps")
    return {key: list(value) if isinstance(value, tuple) else value for key, value in group.items() if key in kept}


def check_masks_inside(masks: torch.Tensor, region: torch.Tensor, what: str) -> None:
    """Raise when ``masks`` mark a pixel outside ``region`` (1 inside)."""
    if bool(((masks > 0) & (region <= 0)).any()):
        raise InvalidMaskError(f"masks: {what}")

