"""Each deep method's training recipe, with its paper's settings as defaults.

A recipe knows how to build a method's generator and discriminators, which losses and
optimisers its paper used and in which phases, and how one training step goes; the
trainer (:func:`inpaintkit.train.train`) supplies the data, the loop and the files.

>>> from inpaintkit.train.recipes import recipe_for
>>> recipe = recipe_for("deepfill2", cnum=8, discriminator_cnum=8, image_size=32).build("cpu")
>>> import torch
>>> images, masks = torch.rand(2, 3, 32, 32), torch.zeros(2, 1, 32, 32)
>>> masks[..., 8:20, 8:20] = 1
>>> sorted(recipe.train_step(images, masks, step=0))
['adversarial', 'discriminator', 'generator', 'l1']

=================  ===========================  =======================================
method             recipe                       paper
=================  ===========================  =======================================
context-encoder    :class:`ContextEncoderRecipe`  Pathak et al., CVPR 2016
glcic              :class:`GLCICRecipe`         Iizuka et al., SIGGRAPH 2017
deepfill1          :class:`DeepFillV1Recipe`    Yu et al., CVPR 2018
deepfill2          :class:`DeepFillV2Recipe`    Yu et al., ICCV 2019
pconv              :class:`PConvRecipe`         Liu et al., ECCV 2018
lama               :class:`LaMaRecipe`          Suvorov et al., WACV 2022
=================  ===========================  =======================================
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ...errors import InvalidParameterError
from ._base import Recipe, hole_centred_crop
from .context_encoder import ContextEncoderRecipe
from .deepfill1 import DeepFillV1Recipe
from .deepfill2 import DeepFillV2Recipe
from .glcic import GLCICRecipe
from .lama import LaMaRecipe
from .pconv import PConvRecipe

__all__ = [
    "RECIPES",
    "REDUCED",
    "Recipe",
    "recipe_for",
    "hole_centred_crop",
    "ContextEncoderRecipe",
    "GLCICRecipe",
    "DeepFillV1Recipe",
    "DeepFillV2Recipe",
    "PConvRecipe",
    "LaMaRecipe",
]

#: method -> its recipe class.
RECIPES: dict[str, type[Recipe]] = {
    recipe.method: recipe
    for recipe in (ContextEncoderRecipe, GLCICRecipe, DeepFillV1Recipe, DeepFillV2Recipe, PConvRecipe, LaMaRecipe)
}

#: method -> overrides that shrink its networks for quick CPU runs and tests (the defaults
#: are the papers' widths). The partial-convolution U-Net's channels have no width
#: setting: it trains at the paper's widths with fewer levels. Smallest image sides with
#: these: context-encoder 128 (its only size), glcic 64, deepfill1 32, deepfill2 32 (16
#: works), pconv 16, lama 8.
REDUCED: dict[str, dict[str, Any]] = {
    "context-encoder": {"bottleneck_channels": 32, "nef": 8, "ngf": 8, "ndf": 8},
    "glcic": {"cnum": 16, "discriminator_cnum": 8},
    "deepfill1": {"cnum": 8, "critic_width": 8},
    "deepfill2": {"cnum": 8, "discriminator_cnum": 8},
    "pconv": {"layers": 4},
    "lama": {"n_blocks": 1, "ngf": 8, "ndf": 8},
}


def recipe_for(method: str, **overrides: Any) -> Recipe:
    """The recipe of ``method`` with its paper's settings, changed by ``overrides``.

    Parameters
    ----------
    method : str
        One of :data:`RECIPES`.
    **overrides
        Fields of the method's recipe class (see its docstring), e.g. ``cnum=8``,
        ``image_size=64``, ``total_steps=10_000``.

    Returns
    -------
    Recipe
        Not built yet: call :meth:`Recipe.build` with a device.

    Raises
    ------
    InvalidParameterError
        An unknown method, an unknown field, or a field with a bad value.
    """
    recipe = RECIPES.get(method) if isinstance(method, str) else None
    if recipe is None:
        raise InvalidParameterError(f"method: expected one of {', '.join(map(repr, RECIPES))}, got {method!r}")
    fields = {field.name for field in dataclasses.fields(recipe)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise InvalidParameterError(
            f"{', '.join(unknown)}: not a setting of the {method} recipe; its settings are {', '.join(sorted(fields))}"
        )
    return recipe(**overrides)
