"""DeepFill v1 (Yu et al., CVPR 2018): coarse-to-fine generation with contextual attention,
trained against local and global WGAN-GP critics.

The networks are in :mod:`inpaintkit.deep.deepfill1.network` (imports torch).
"""
