"""Classical methods. Importing this package registers them; their kernels compile on first use."""

from . import bertalmio, biharmonic, criminisi, efros_leung, harmonic, opencv_inpaint, patchmatch, telea, tv  # noqa: F401
