"""The torch-free table of deep methods: name, info and ``"module:Class"``.

Each entry is registered with :func:`inpaintkit.api.register_lazy`; the module is imported
(and torch with it) only by ``Inpainter.create``. A method is listed here only once it passes
the contract suite.
"""

from __future__ import annotations

from ..api import InpainterInfo, register_lazy

DEEP_METHODS: tuple[tuple[InpainterInfo, str], ...] = ()

for _info, _target in DEEP_METHODS:
    register_lazy(_info, _target)
