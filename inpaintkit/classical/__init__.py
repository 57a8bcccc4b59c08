"""Classical methods. Importing this package registers them; their kernels compile on first use."""

from . import harmonic, opencv_inpaint, telea  # noqa: F401  (registration)
