"""DeepFill v2 (Yu et al., ICCV 2019): gated convolutions, contextual attention, SN-PatchGAN.

The networks are in :mod:`inpaintkit.deep.deepfill2.network` (imports torch).
"""
