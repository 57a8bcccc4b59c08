"""Partial convolutions (Liu et al., ECCV 2018): a U-Net whose convolutions see only valid
pixels and update the mask level by level.

The network is in :mod:`inpaintkit.deep.pconv.network` (imports torch).
"""
