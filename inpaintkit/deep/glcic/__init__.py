"""Globally and Locally Consistent Image Completion (Iizuka et al., SIGGRAPH 2017):
a dilated-convolution completion network judged by a global and a local discriminator.

The networks are in :mod:`inpaintkit.deep.glcic.network` (imports torch).
"""
