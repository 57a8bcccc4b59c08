"""LaMa (Suvorov et al., WACV 2022): fast Fourier convolution ResNet for large masks.

The networks are in :mod:`inpaintkit.deep.lama.network` (imports torch).
"""
