"""The training losses of the deep inpainting papers, as plain modules and functions.

Conventions: images and outputs are ``(N, C, H, W)`` tensors; masks are ``(N, 1, H, W)``
(or ``(N, C, H, W)``) with 1 = hole; discriminator scores are raw logits of any shape
``(N, ...)`` (a sigmoid, where a paper has one, belongs to the loss, not the network). Every
loss returns a scalar tensor.

>>> import torch
>>> from inpaintkit.train.losses import AdversarialLoss
>>> hinge = AdversarialLoss("hinge")
>>> float(hinge.discriminator(torch.tensor([1.5, 2.0]), torch.tensor([-1.0, -3.0])))
0.0
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..errors import InvalidParameterError, ShapeMismatchError, WeightsError
from ..params import check_choice, check_float, check_int, check_seed

__all__ = [
    "MaskedReconstruction",
    "SpatiallyDiscountedL1",
    "AdversarialLoss",
    "gradient_penalty",
    "r1_penalty",
    "FeatureMatching",
    "TotalVariation",
    "FeatureNetwork",
    "PerceptualLoss",
    "StyleLoss",
    "gram_matrix",
    "MINE",
]


def _check_pair(output: torch.Tensor, target: torch.Tensor) -> None:
    if output.shape != target.shape:
        raise ShapeMismatchError(
            f"target: expected the shape of output {tuple(output.shape)}, got {tuple(target.shape)}"
        )


def _check_mask(mask: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``mask`` (N, 1 or C, H, W) checked against ``like`` (N, C, H, W), in ``like``'s dtype."""
    if mask.dim() != 4 or mask.shape[0] != like.shape[0] or mask.shape[2:] != like.shape[2:] or mask.shape[1] not in (
        1,
        like.shape[1],
    ):
        raise ShapeMismatchError(
            f"mask: expected shape ({like.shape[0]}, 1, {like.shape[2]}, {like.shape[3]}) to go with images "
            f"{tuple(like.shape)}, got {tuple(mask.shape)}"
        )
    return mask.to(like.dtype)


# ----------------------------------------------------------------------------- reconstruction


class MaskedReconstruction(nn.Module):
    r"""L1 or L2 reconstruction with separate weights for hole and valid pixels.

    .. math:: L = \frac{1}{NCHW}\sum \big(w_h M + w_v (1 - M)\big)\,|O - T|^p,\quad p \in \{1, 2\}

    i.e. ``hole_weight * L_hole + valid_weight * L_valid`` with each term averaged over all
    the image's elements, as Liu et al. [1]_ define :math:`L_{hole}` and :math:`L_{valid}`
    (weights 6 and 1 there) and as LaMa [2]_ weights its L1 (known 10, missing 0). Context
    Encoder and GLCIC use ``kind="l2"`` on the hole.

    Parameters
    ----------
    kind : {"l1", "l2"}
    hole_weight, valid_weight : float
        Non-negative weights of hole (mask 1) and valid (mask 0) pixels.

    References
    ----------
    .. [1] G. Liu et al., "Image Inpainting for Irregular Holes Using Partial Convolutions",
       ECCV 2018, eq. 1-2.
    .. [2] R. Suvorov et al., "Resolution-robust Large Mask Inpainting with Fourier
       Convolutions", WACV 2022.
    """

    def __init__(self, kind: str = "l1", hole_weight: float = 1.0, valid_weight: float = 1.0) -> None:
        super().__init__()
        self.kind = check_choice("kind", kind, ("l1", "l2"))
        self.hole_weight = check_float("hole_weight", hole_weight, low=0.0)
        self.valid_weight = check_float("valid_weight", valid_weight, low=0.0)

    def forward(self, output: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        _check_pair(output, target)
        mask = _check_mask(mask, output)
        error = (output - target).abs() if self.kind == "l1" else (output - target).square()
        weights = self.hole_weight * mask + self.valid_weight * (1.0 - mask)
        return (weights * error).mean()

    def extra_repr(self) -> str:
        return f"kind={self.kind!r}, hole_weight={self.hole_weight}, valid_weight={self.valid_weight}"


class SpatiallyDiscountedL1(nn.Module):
    r"""DeepFill v1's spatially discounted L1 over the hole [1]_.

    A hole pixel's weight is :math:`\gamma^{\,d - 1}`, where :math:`d` is its chessboard
    (8-neighbour) distance to the nearest known pixel: 1 on the hole's rim, :math:`\gamma` one
    pixel further in, and so on; known pixels weigh 0. The loss is
    :math:`\sum w\,|O - T| / (C \sum M)`, the mean over the hole's elements.

    For a box this is the official code's ``spatial_discounting_mask``
    (``max(gamma**min(i, H - i), gamma**min(j, W - j))`` over the box) on the box's top-left
    quarter; towards its bottom and right the official formula counts from ``H`` and ``W``
    instead of ``H - 1`` and ``W - 1``, one power of :math:`\gamma` more. We keep the
    symmetric form, which also applies to holes of any shape. The official loss averages
    over the 128x128 local patch, which is the hole up to its random shrink.

    Parameters
    ----------
    gamma : float
        Discount per pixel, in (0, 1]: 0.9 in the official configuration (0.99 in the paper).

    References
    ----------
    .. [1] J. Yu, Z. Lin, J. Yang, X. Shen, X. Lu, T. S. Huang, "Generative Image Inpainting
       with Contextual Attention", CVPR 2018, sec. 3.1.
    """

    def __init__(self, gamma: float = 0.9) -> None:
        super().__init__()
        self.gamma = check_float("gamma", gamma, low=0.0, high=1.0, low_open=True)

    @torch.no_grad()
    def weights(self, mask: torch.Tensor) -> torch.Tensor:
        """The per-pixel weights of a (N, 1, H, W) hole mask, same shape (0 on known pixels)."""
        hole = mask > 0.5
        reached = (~hole).to(torch.float32)
        weights = torch.zeros(mask.shape, dtype=torch.float32, device=mask.device)
        level = 0
        while True:  # grow the known region by one chessboard step per level
            grown = F.max_pool2d(reached, 3, stride=1, padding=1)
            newly = grown - reached
            if not bool(newly.any()):
                return weights.to(mask.dtype)
            weights += newly * self.gamma**level
            reached, level = grown, level + 1

    def forward(self, output: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        _check_pair(output, target)
        mask = _check_mask(mask, output)[:, :1]
        weights = self.weights(mask)
        total = (weights * (output - target).abs()).sum()
        return total / (output.shape[1] * mask.sum()).clamp(min=1.0)

    def extra_repr(self) -> str:
        return f"gamma={self.gamma}"


# ----------------------------------------------------------------------------- adversarial

_ADVERSARIAL_KINDS = ("bce", "hinge", "nonsaturating", "wgan")


class AdversarialLoss:
    r"""The discriminator and generator losses of a GAN, on raw scores (logits).

    With :math:`r` the scores of real images, :math:`f` those of completed ones, and means
    over every score:

    ============== ======================================================= ==========================
    kind           discriminator                                           generator
    ============== ======================================================= ==========================
    bce            :math:`E\,\mathrm{sp}(-r) + E\,\mathrm{sp}(f)`           :math:`E\,\mathrm{sp}(-f)`
    nonsaturating  same as bce; with ``fake_mask``, LaMa's variant          :math:`E\,\mathrm{sp}(-f)`
    hinge          :math:`E\,\mathrm{relu}(1 - r) + E\,\mathrm{relu}(1 + f)` :math:`-E f`
    wgan           :math:`E f - E r`                                        :math:`-E f`
    ============== ======================================================= ==========================

    (:math:`\mathrm{sp}` is softplus.) ``bce`` is binary cross-entropy with the sigmoid
    folded in: real labelled 1, fake 0, and the generator trained to have its fakes labelled
    1 [1]_ (Context Encoder and GLCIC, whose networks end in a sigmoid: feed the logits).
    ``nonsaturating`` is the same pair of formulas under LaMa's name [2]_, with its
    ``mask_as_fake_target`` option: given ``fake_mask`` (1 = hole), only the hole of a fake
    counts as fake and its known part as real,
    :math:`E[m\,\mathrm{sp}(f) + (1 - m)\,\mathrm{sp}(-f)]`, the mask resized (nearest) to the
    score map. ``hinge`` is DeepFill v2's SN-PatchGAN loss (neuralgym ``gan_hinge_loss``) [3]_;
    ``wgan`` is DeepFill v1's WGAN-GP critic loss [4]_ (add :func:`gradient_penalty`).

    Parameters
    ----------
    kind : {"bce", "hinge", "nonsaturating", "wgan"}

    References
    ----------
    .. [1] I. Goodfellow et al., "Generative Adversarial Nets", NeurIPS 2014.
    .. [2] R. Suvorov et al., "Resolution-robust Large Mask Inpainting with Fourier
       Convolutions", WACV 2022 (``NonSaturatingWithR1``).
    .. [3] J. Yu et al., "Free-Form Image Inpainting with Gated Convolution", ICCV 2019.
    .. [4] I. Gulrajani et al., "Improved Training of Wasserstein GANs", NeurIPS 2017.
    """

    def __init__(self, kind: str = "hinge") -> None:
        self.kind = check_choice("kind", kind, _ADVERSARIAL_KINDS)

    def __repr__(self) -> str:
        return f"AdversarialLoss({self.kind!r})"

    def discriminator(
        self, real_scores: torch.Tensor, fake_scores: torch.Tensor, fake_mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """The discriminator's loss (to minimise); ``fake_mask`` only with ``kind="nonsaturating"``."""
        if fake_mask is not None and self.kind != "nonsaturating":
            raise InvalidParameterError(
                f"fake_mask: only the 'nonsaturating' loss (LaMa's mask_as_fake_target) uses it, not {self.kind!r}; "
                "drop fake_mask"
            )
        if self.kind in ("bce", "nonsaturating"):
            if fake_mask is None:
                fake_loss = F.softplus(fake_scores).mean()
            else:
                if fake_scores.dim() != 4:
                    raise ShapeMismatchError(
                        f"fake_scores: fake_mask needs a (N, C, H, W) score map, got shape {tuple(fake_scores.shape)}"
                    )
                hole = F.interpolate(fake_mask.to(fake_scores.dtype), size=fake_scores.shape[-2:], mode="nearest")
                fake_loss = (hole * F.softplus(fake_scores) + (1.0 - hole) * F.softplus(-fake_scores)).mean()
            return F.softplus(-real_scores).mean() + fake_loss
        if self.kind == "hinge":
            return F.relu(1.0 - real_scores).mean() + F.relu(1.0 + fake_scores).mean()
        return fake_scores.mean() - real_scores.mean()

    def generator(self, fake_scores: torch.Tensor) -> torch.Tensor:
        """The generator's adversarial loss (to minimise)."""
        if self.kind in ("bce", "nonsaturating"):
            return F.softplus(-fake_scores).mean()
        return -fake_scores.mean()


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    weight: float = 10.0,
    *,
    mask: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    r"""WGAN-GP's gradient penalty [1]_: ``weight * E[(||grad critic(x_hat)||_2 - 1)^2]``.

    :math:`\hat x = \epsilon x_{real} + (1 - \epsilon) x_{fake}` with one
    :math:`\epsilon \sim U[0, 1]` per sample; a critic with a score map is differentiated
    through the sum of its scores. With ``mask``, the gradient is multiplied by it before
    its norm is taken, as DeepFill v1's official ``gradients_penalty(..., mask=mask)`` does [2]_.
    The fakes are detached: the penalty trains the critic only.

    Parameters
    ----------
    critic : callable
        ``x -> scores`` (wrap a critic that takes more inputs in a lambda).
    real, fake : Tensor, shape (N, C, H, W)
    weight : float
        :math:`\lambda` (10 in both papers).
    mask : Tensor, optional
        Broadcastable to ``real``.
    generator : torch.Generator, optional
        Source of :math:`\epsilon` (default: torch's global generator).

    References
    ----------
    .. [1] I. Gulrajani, F. Ahmed, M. Arjovsky, V. Dumoulin, A. Courville, "Improved Training
       of Wasserstein GANs", NeurIPS 2017, arXiv:1704.00028.
    .. [2] J. Yu et al., "Generative Image Inpainting with Contextual Attention", CVPR 2018.
    """
    _check_pair(real, fake)
    weight = check_float("weight", weight, low=0.0)
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    epsilon = torch.rand(shape, generator=generator, device=real.device, dtype=real.dtype)
    mixed = (epsilon * real.detach() + (1.0 - epsilon) * fake.detach()).requires_grad_(True)
    scores = critic(mixed)
    (gradient,) = torch.autograd.grad(scores.sum(), mixed, create_graph=True)
    if mask is not None:
        gradient = gradient * mask
    norms = torch.linalg.vector_norm(gradient.flatten(1), dim=1)
    return weight * (norms - 1.0).square().mean()


def r1_penalty(real_scores: torch.Tensor, real_inputs: torch.Tensor, weight: float) -> torch.Tensor:
    r"""The R1 penalty [1]_: ``weight / 2 * E[||grad_x D(x)||^2]`` on real images.

    Mescheder et al.'s convention :math:`\frac{\gamma}{2} E\|\nabla D\|^2`; for a score map
    the gradient is that of the sum of the scores. LaMa [2]_ writes its penalty as
    ``gp_coef * E||grad||^2`` (``gp_coef`` 0.001): pass ``weight = 2 * gp_coef``.

    Parameters
    ----------
    real_scores : Tensor
        ``D(real_inputs)``, computed with ``real_inputs.requires_grad_(True)``.
    real_inputs : Tensor, shape (N, ...)
    weight : float
        :math:`\gamma`.

    References
    ----------
    .. [1] L. Mescheder, A. Geiger, S. Nowozin, "Which Training Methods for GANs do actually
       Converge?", ICML 2018, arXiv:1801.04406, eq. 9.
    .. [2] R. Suvorov et al., "Resolution-robust Large Mask Inpainting with Fourier
       Convolutions", WACV 2022.
    """
    weight = check_float("weight", weight, low=0.0)
    if not real_inputs.requires_grad:
        raise InvalidParameterError(
            "real_inputs: the penalty needs the gradient of the scores with respect to the inputs; call "
            "real_inputs.requires_grad_(True) before computing real_scores"
        )
    (gradient,) = torch.autograd.grad(real_scores.sum(), real_inputs, create_graph=True)
    return 0.5 * weight * gradient.flatten(1).square().sum(dim=1).mean()


class FeatureMatching(nn.Module):
    r"""Feature matching between the discriminator's features of real and completed images.

    ``kind="l2"``: the mean over layers of the mean squared difference, as LaMa's
    ``feature_matching_loss`` [1]_ (after pix2pixHD [2]_, which uses L1: ``kind="l1"``). The
    real features are detached.

    References
    ----------
    .. [1] R. Suvorov et al., "Resolution-robust Large Mask Inpainting with Fourier
       Convolutions", WACV 2022.
    .. [2] T.-C. Wang et al., "High-Resolution Image Synthesis and Semantic Manipulation with
       Conditional GANs", CVPR 2018.
    """

    def __init__(self, kind: str = "l2") -> None:
        super().__init__()
        self.kind = check_choice("kind", kind, ("l1", "l2"))

    def forward(self, real_features: Sequence[torch.Tensor], fake_features: Sequence[torch.Tensor]) -> torch.Tensor:
        if len(real_features) != len(fake_features) or not real_features:
            raise ShapeMismatchError(
                f"fake_features: expected as many layers as real_features ({len(real_features)}, at least 1), "
                f"got {len(fake_features)}"
            )
        losses = []
        for real, fake in zip(real_features, fake_features):
            _check_pair(fake, real)
            difference = fake - real.detach()
            losses.append(difference.abs().mean() if self.kind == "l1" else difference.square().mean())
        return torch.stack(losses).mean()


class TotalVariation(nn.Module):
    r"""Anisotropic total variation, over the whole image or the hole dilated by one pixel.

    .. math:: L_{tv} = \frac{1}{NCHW}\Big(\sum_{(i,j),(i,j+1)\in P}|I_{i,j+1} - I_{i,j}|
              + \sum_{(i,j),(i+1,j)\in P}|I_{i+1,j} - I_{i,j}|\Big)

    With ``region="hole_dilated"``, :math:`P` is the hole dilated by one pixel (3x3), as in
    Liu et al.'s :math:`L_{tv}` [1]_ (on the composited image); with ``"all"`` it is the
    whole image. Normalised by the number of the image's elements as in the paper.

    References
    ----------
    .. [1] G. Liu et al., "Image Inpainting for Irregular Holes Using Partial Convolutions",
       ECCV 2018, eq. 6.
    """

    def __init__(self, region: str = "all") -> None:
        super().__init__()
        self.region = check_choice("region", region, ("all", "hole_dilated"))

    def forward(self, image: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        horizontal = (image[..., :, 1:] - image[..., :, :-1]).abs()
        vertical = (image[..., 1:, :] - image[..., :-1, :]).abs()
        if self.region == "hole_dilated":
            if mask is None:
                raise InvalidParameterError(
                    "mask: region='hole_dilated' needs the hole mask; pass mask or use region='all'"
                )
            region = F.max_pool2d(_check_mask(mask, image)[:, :1], 3, stride=1, padding=1)
            horizontal = horizontal * (region[..., :, 1:] * region[..., :, :-1])
            vertical = vertical * (region[..., 1:, :] * region[..., :-1, :])
        return (horizontal.sum() + vertical.sum()) / image.numel()


# ----------------------------------------------------------------------------- feature network

# VGG16's convolutional part up to pool3, with torchvision's ``features`` indices.
_VGG16_UP_TO_POOL3 = (64, 64, "pool", 128, 128, "pool", 256, 256, 256, "pool")
_IMAGENET_MEAN = (0.485, 0.456, 0.406)
_IMAGENET_STD = (0.229, 0.224, 0.225)


def _vgg16_layers() -> tuple[nn.Sequential, list[int]]:
    layers: list[nn.Module] = []
    taps, channels = [], 3
    for item in _VGG16_UP_TO_POOL3:
        if item == "pool":
            layers.append(nn.MaxPool2d(2, 2))
            taps.append(len(layers) - 1)
        else:
            layers += [nn.Conv2d(channels, int(item), 3, padding=1), nn.ReLU(inplace=False)]
            channels = int(item)
    return nn.Sequential(*layers), taps


def _read_vgg16_state(path: str | os.PathLike, last_index: int) -> tuple[dict[str, torch.Tensor], str]:
    """VGG16's entries up to layer ``last_index`` in a weights file, keyed ``N.weight``; and the file's name."""
    from ..deep import checkpoints

    path, data = checkpoints._read_bytes(path)
    header = checkpoints._safetensors_header(data)
    if header is not None:
        if (header.get("__metadata__") or {}).get("format") == checkpoints.FORMAT:
            state, _ = checkpoints._load_checkpoint(path, data, None)
        else:
            from safetensors.torch import load as load_safetensors

            try:
                state = load_safetensors(data)
            except Exception as exc:  # SafetensorError on a damaged file
                raise WeightsError(f"weights: {str(path)!r} is a damaged safetensors file ({exc})") from None
    else:
        loaded = checkpoints._load_torch_file(path, data)
        if isinstance(loaded, Mapping) and isinstance(loaded.get("state_dict"), Mapping):
            loaded = loaded["state_dict"]
        state = checkpoints._as_state_dict(loaded, repr(str(path)))
    kept: dict[str, torch.Tensor] = {}
    for key, tensor in state.items():
        name = key.removeprefix("features.")
        index = name.split(".", 1)[0]
        if key.startswith("classifier.") or (index.isdigit() and int(index) > last_index):
            continue  # the rest of VGG16: layers after pool3 and the classifier
        kept[name] = tensor
    return kept, str(path)


class FeatureNetwork(nn.Module):
    """VGG16's layers up to pool3, frozen, returning the pool1, pool2 and pool3 features.

    The perceptual and style losses of Liu et al. [1]_ use an ImageNet-trained VGG16 [2]_,
    which cannot be downloaded here. With ``weights`` (a file holding VGG16's weights: a
    state dict of torchvision's ``vgg16().features`` keys ``features.N.weight`` / ``.bias``,
    a whole ``vgg16()`` state dict, or our keys ``N.weight``; as safetensors or a
    ``torch.save`` file, read without unpickling anything but tensors) it is that network.
    Without, it is a documented **substitute**: the same layers with fixed random weights
    (Kaiming-normal, zero biases, from ``seed``), whose features are random projections of
    image structure rather than ImageNet semantics. :attr:`description` says which, for the
    run's metadata.

    Inputs are RGB on [0, 1], normalised inside with ImageNet's mean and std.

    Parameters
    ----------
    weights : str or Path, optional
        A VGG16 weights file.
    seed : int
        Seed of the substitute's weights.

    Attributes
    ----------
    pretrained : bool
        True when weights were loaded.
    description : str

    Raises
    ------
    WeightsError
        An unreadable file, or weights that are not VGG16's (names the missing, unexpected
        and misshaped entries).

    References
    ----------
    .. [1] G. Liu et al., "Image Inpainting for Irregular Holes Using Partial Convolutions",
       ECCV 2018.
    .. [2] K. Simonyan, A. Zisserman, "Very Deep Convolutional Networks for Large-Scale Image
       Recognition", ICLR 2015, arXiv:1409.1556.
    """

    def __init__(self, weights: str | os.PathLike | None = None, *, seed: int = 0) -> None:
        super().__init__()
        from ..deep.checkpoints import apply_state_dict, tensor_digest

        seed = check_seed("seed", seed)
        self.layers, self._taps = _vgg16_layers()
        self.register_buffer("mean", torch.tensor(_IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(_IMAGENET_STD).view(1, 3, 1, 1), persistent=False)
        if weights is None:
            generator = torch.Generator().manual_seed(seed)
            for layer in self.layers:
                if isinstance(layer, nn.Conv2d):
                    nn.init.kaiming_normal_(layer.weight, nonlinearity="relu", generator=generator)
                    nn.init.zeros_(layer.bias)
            self.pretrained = False
            self.description = (
                f"substitute for VGG16 (no weights file given): VGG16's layers up to pool3 with fixed random "
                f"Kaiming-normal weights (seed {seed}), not ImageNet-trained, so the perceptual and style terms "
                "differ from the paper's"
            )
        else:
            if not isinstance(weights, (str, os.PathLike)):
                raise WeightsError(f"weights: expected the path of a VGG16 weights file, got {type(weights).__name__}")
            state, name = _read_vgg16_state(weights, len(self.layers) - 1)
            apply_state_dict(self.layers, state, source=f"the VGG16 weights in {name!r}")
            self.pretrained = True
            self.description = (
                f"VGG16 up to pool3 with the weights of {name!r} (sha256 of the tensors "
                f"{tensor_digest(self.layers.state_dict())[:16]})"
            )
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> FeatureNetwork:
        """Stays in evaluation mode: the network is frozen."""
        return super().train(False)

    def forward(self, images: torch.Tensor) -> list[torch.Tensor]:
        """``[pool1, pool2, pool3]`` features of RGB images on [0, 1], shape (N, 3, H, W)."""
        if images.dim() != 4 or images.shape[1] != 3:
            raise ShapeMismatchError(f"images: expected RGB images of shape (N, 3, H, W), got {tuple(images.shape)}")
        x = (images - self.mean) / self.std
        features = []
        for index, layer in enumerate(self.layers):
            x = layer(x)
            if index in self._taps:
                features.append(x)
        return features


class PerceptualLoss(nn.Module):
    r"""Perceptual loss [1]_: :math:`\sum_p \frac{1}{N_p}\|\psi_p(O) - \psi_p(T)\|_1` over the feature layers.

    As Liu et al.'s :math:`L_{perceptual}` [2]_ (VGG16 pool1-pool3, per-layer mean absolute
    difference); apply it to the raw output and to the composited image for their two terms.

    Parameters
    ----------
    features : nn.Module
        Returns a list of feature maps, e.g. :class:`FeatureNetwork`.

    References
    ----------
    .. [1] J. Johnson, A. Alahi, L. Fei-Fei, "Perceptual Losses for Real-Time Style Transfer
       and Super-Resolution", ECCV 2016.
    .. [2] G. Liu et al., "Image Inpainting for Irregular Holes Using Partial Convolutions",
       ECCV 2018, eq. 3.
    """

    def __init__(self, features: nn.Module) -> None:
        super().__init__()
        self.features = features

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        _check_pair(output, target)
        with torch.no_grad():
            target_features = self.features(target)
        return sum((a - b).abs().mean() for a, b in zip(self.features(output), target_features))


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    r"""Gram matrices :math:`\psi\psi^T / (C H W)` of (N, C, H, W) features, shape (N, C, C)."""
    n, c, h, w = features.shape
    flat = features.reshape(n, c, h * w)
    return flat @ flat.transpose(1, 2) / (c * h * w)


class StyleLoss(nn.Module):
    r"""Style loss [1]_: the mean absolute difference of Gram matrices, summed over feature layers.

    :math:`\sum_p \frac{1}{C_p^2}\|K_p(\psi_p(O)\psi_p(O)^T - \psi_p(T)\psi_p(T)^T)\|_1`
    with :math:`K_p = 1/(C_p H_p W_p)`, Liu et al.'s :math:`L_{style}` [2]_ (see
    :func:`gram_matrix`). Gram matrices ignore where features are, so the loss compares
    textures, not layouts.

    References
    ----------
    .. [1] L. A. Gatys, A. S. Ecker, M. Bethge, "Image Style Transfer Using Convolutional
       Neural Networks", CVPR 2016.
    .. [2] G. Liu et al., "Image Inpainting for Irregular Holes Using Partial Convolutions",
       ECCV 2018, eq. 4-5.
    """

    def __init__(self, features: nn.Module) -> None:
        super().__init__()
        self.features = features

    def forward(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        _check_pair(output, target)
        with torch.no_grad():
            target_grams = [gram_matrix(f) for f in self.features(target)]
        return sum((gram_matrix(f) - g).abs().mean() for f, g in zip(self.features(output), target_grams))


# ----------------------------------------------------------------------------- MINE


class MINE(nn.Module):
    r"""Mutual Information Neural Estimation (Belghazi et al. 2018) [1]_.

    A statistics network :math:`T(x, z)` (an MLP on the flattened, concatenated pair) and the
    Donsker-Varadhan lower bound

    .. math:: I(X; Z) \ge \hat I = E_{P_{XZ}}[T] - \log E_{P_X \otimes P_Z}[e^T],

    with the product of marginals sampled by pairing each ``x`` with the next sample's ``z``
    (a fixed derangement of an i.i.d. batch, which needs no random numbers).

    The plain gradient of :math:`\hat I` on a batch is biased, because its second term's
    gradient :math:`E[\nabla T\, e^T] / E[e^T]` has a batch estimate in the denominator.
    Calling the module returns a tensor whose *value* is :math:`\hat I` and whose *gradient*
    uses an exponential moving average of :math:`E[e^T]` in that denominator instead (the
    paper's bias correction, sec. 3.2), updating the average in training mode. Maximise it to
    train :math:`T` (minimise ``-mine(x, z)``); as a regulariser, add ``± weight * mine(x, z)``
    to the loss of the network producing ``x`` or ``z``. :meth:`lower_bound` is the plain
    estimate, for logging and evaluation.

    Parameters
    ----------
    x_dim, z_dim : int
        Number of elements of one sample of ``x`` and of ``z``.
    hidden : int
        Width of the statistics network's two hidden layers.
    ema_rate : float
        Weight of the newest batch in the moving average, in (0, 1] (1: no correction).

    References
    ----------
    .. [1] M. I. Belghazi, A. Baratin, S. Rajeswar, S. Ozair, Y. Bengio, A. Courville,
       R. D. Hjelm, "Mutual Information Neural Estimation", ICML 2018, arXiv:1801.04062.
    """

    def __init__(self, x_dim: int, z_dim: int, *, hidden: int = 64, ema_rate: float = 0.01) -> None:
        super().__init__()
        self.x_dim = check_int("x_dim", x_dim, low=1)
        self.z_dim = check_int("z_dim", z_dim, low=1)
        hidden = check_int("hidden", hidden, low=1)
        self.ema_rate = check_float("ema_rate", ema_rate, low=0.0, high=1.0, low_open=True)
        self.statistics_network = nn.Sequential(
            nn.Linear(self.x_dim + self.z_dim, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, 1),
        )
        # log of the moving average of E[e^T] over the product of marginals; NaN until the first batch.
        self.register_buffer("log_moving_average", torch.tensor(float("nan")))

    def statistics(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """:math:`T(x_i, z_i)` for each pair of the batch, shape (N,)."""
        x, z = x.flatten(1), z.flatten(1)
        if x.shape[0] != z.shape[0] or x.shape[1] != self.x_dim or z.shape[1] != self.z_dim:
            raise ShapeMismatchError(
                f"z: expected N samples of {self.x_dim} (x) and {self.z_dim} (z) elements, got x {tuple(x.shape)} "
                f"and z {tuple(z.shape)} after flattening"
            )
        return self.statistics_network(torch.cat([x, z], dim=1)).squeeze(1)

    def _joint_and_marginal(self, x: torch.Tensor, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if x.shape[0] < 2:
            raise ShapeMismatchError(
                f"x: MINE needs at least 2 samples to pair them across the batch, got {x.shape[0]}"
            )
        both = self.statistics(torch.cat([x, x]), torch.cat([z, torch.roll(z, 1, dims=0)]))  # one pass for both
        return both[: x.shape[0]], both[x.shape[0] :]

    @staticmethod
    def _log_mean_exp(values: torch.Tensor) -> torch.Tensor:
        return torch.logsumexp(values, dim=0) - math.log(values.shape[0])

    def lower_bound(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """The Donsker-Varadhan estimate on this batch (plain gradient), in nats."""
        joint, marginal = self._joint_and_marginal(x, z)
        return joint.mean() - self._log_mean_exp(marginal)

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        """The estimate, carrying the moving-average-corrected gradient."""
        joint, marginal = self._joint_and_marginal(x, z)
        log_mean = self._log_mean_exp(marginal)
        if self.training:
            with torch.no_grad():
                if torch.isnan(self.log_moving_average) or self.ema_rate == 1.0:
                    self.log_moving_average.copy_(log_mean)
                else:
                    kept = self.log_moving_average + math.log1p(-self.ema_rate)
                    self.log_moving_average.copy_(torch.logaddexp(kept, log_mean + math.log(self.ema_rate)))
        denominator = self.log_moving_average if not torch.isnan(self.log_moving_average) else log_mean.detach()
        # d/dθ of exp(log_mean - denominator) is E[∇T e^T] / moving average: the corrected gradient.
        corrected = joint.mean() - torch.exp(log_mean - denominator)
        estimate = joint.mean() - log_mean
        return estimate.detach() + (corrected - corrected.detach())

    def extra_repr(self) -> str:
        return f"x_dim={self.x_dim}, z_dim={self.z_dim}, ema_rate={self.ema_rate}"
