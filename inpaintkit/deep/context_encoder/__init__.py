"""Context Encoder (Pathak et al., CVPR 2016): the first learned inpainting, an
encoder-decoder trained with a reconstruction and an adversarial loss.

The networks are in :mod:`inpaintkit.deep.context_encoder.network` (imports torch).
"""
