"""GLCIC's post-processing: a fast-marching fill, then Poisson blending of the network's output.

The official ``inpaint.lua --postproc`` composites the network's prediction into the hole
(``source``), fills the hole a second time with OpenCV's Telea method, radius 1
(``destination``), and calls ``cv.seamlessClone(source, destination, mask, NORMAL_CLONE)``.
OpenCV's normal clone takes the *source's* gradients where the mask, eroded three times by
a 3x3 square, is set, and the *destination's* gradients elsewhere, and solves the Poisson
equation with that guidance. So the hole keeps the network's texture in its interior, while
in a 3-pixel band along its edge the gradients are Telea's, which continue the surroundings
smoothly: the seam is graded away.

Here the same guidance is solved exactly on the hole, with the known pixels as Dirichlet
data (OpenCV re-solves the whole bounding rectangle of the mask, known pixels included, with
its border as data; inpaintkit never changes known pixels). The guidance is taken edge by
edge: an edge between two pixels of the eroded hole carries the source's difference, every
other edge touching the hole the destination's. Written with scipy: the hole's 5-point
system is :func:`inpaintkit.classical.harmonic._reference.hole_system`, plus the divergence
of the guidance on the right-hand side.
"""

from __future__ import annotations

import numpy as np
import scipy.ndimage
import scipy.sparse.linalg

from ...classical.harmonic._reference import hole_system

__all__ = ["poisson_blend", "seam_energy", "BLEND_BAND"]

#: Width in pixels of the band along the hole's edge guided by the fast-marching fill
#: (OpenCV's ``seamlessClone`` erodes the mask three times with a 3x3 square).
BLEND_BAND = 3

_OFFSETS = ((-1, 0), (1, 0), (0, -1), (0, 1))


def poisson_blend(source: np.ndarray, destination: np.ndarray, mask: np.ndarray, band: int = BLEND_BAND) -> np.ndarray:
    """Blend ``source`` into the hole of ``destination`` (Pérez et al. 2003, normal cloning).

    Solves, for every hole pixel p and its in-image 4-neighbours q,
    ``sum_q (u_p - u_q) = sum_q v_pq`` with ``u_q = destination_q`` for known q, where
    ``v_pq = source_p - source_q`` if p and q both lie in the hole eroded by ``band``
    pixels, and ``destination_p - destination_q`` otherwise.

    Parameters
    ----------
    source : (H, W, C) float64
        The image whose gradients fill the hole's interior (the network's output).
    destination : (H, W, C) float64
        Known pixels outside the hole; inside, the fill whose gradients guide the band along
        the hole's edge (the fast-marching fill).
    mask : (H, W) bool
        True in the hole; at least one pixel must be known.
    band : int
        Width of the edge band guided by ``destination`` (0: the source's gradients
        everywhere inside the hole, the plain "Laplace(u) = Laplace(source)").

    Returns
    -------
    (H, W, C) float64
        ``destination`` outside the hole, the blend inside.

    Examples
    --------
    >>> import numpy as np
    >>> ramp = np.tile(np.linspace(0.0, 1.0, 9), (9, 1))[:, :, None]
    >>> mask = np.zeros((9, 9), bool); mask[2:7, 2:7] = True
    >>> out = poisson_blend(ramp + 0.5, ramp, mask, band=0)  # same gradients, offset removed
    >>> bool(np.allclose(out, ramp))
    True
    """
    height, width, _ = destination.shape
    inner = scipy.ndimage.binary_erosion(mask, np.ones((3, 3), bool), iterations=band, border_value=1) if band else mask
    matrix, rhs, hole = hole_system(destination, mask)
    ys, xs = np.divmod(hole, width)
    for dy, dx in _OFFSETS:
        ny, nx = ys + dy, xs + dx
        inside = (ny >= 0) & (ny < height) & (nx >= 0) & (nx < width)
        py, px, qy, qx = ys[inside], xs[inside], ny[inside], nx[inside]
        from_source = (inner[py, px] & inner[qy, qx])[:, None]
        guidance = np.where(
            from_source, source[py, px] - source[qy, qx], destination[py, px] - destination[qy, qx]
        )
        rhs[inside] += guidance
    out = destination.copy()
    out.reshape(-1, out.shape[2])[hole] = scipy.sparse.linalg.splu(matrix).solve(rhs)
    return out


def seam_energy(image: np.ndarray, mask: np.ndarray) -> float:
    """Sum of squared differences across the hole's edge: over every pair of 4-neighbours
    with one pixel in the hole and one known, and over the channels.

    Parameters
    ----------
    image : (H, W, C) float
    mask : (H, W) bool, True in the hole

    Returns
    -------
    float
    """
    energy = 0.0
    for axis in (0, 1):
        crossing = np.diff(mask, axis=axis)
        step = np.diff(image, axis=axis)
        energy += float(np.sum(step[crossing] ** 2))
    return energy
