"""Deep methods (PyTorch). Nothing here imports torch: each method is listed in
:mod:`inpaintkit.deep._table` and its module loads when it is created."""

from . import _table  # noqa: F401  (lazy registration)
