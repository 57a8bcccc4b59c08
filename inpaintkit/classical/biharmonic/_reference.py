"""Biharmonic inpainting, the readable version: scikit-image's construction, step by step.

Every hole pixel ``p`` satisfies the discrete biharmonic equation: the 13-point stencil
``laplace(laplace(impulse))`` centred on ``p``,

    .  .  1  .  .
    .  2 -8  2  .
    1 -8 20 -8  1
    .  2 -8  2  .
    .  .  1  .  .

summed against the image is zero. Unknown (hole) pixels under the stencil form the matrix;
known pixels move to the right-hand side. This is how ``skimage.restoration.inpaint_biharmonic``
builds its system, and we follow it:

* **Border truncation.** Within two pixels of the image border the stencil is computed on
  the part of the 5x5 window that lies inside the image, with the Laplacian *reflecting* at
  the window's edge (``scipy.ndimage.laplace``'s default ``mode="reflect"``): in a corner the
  centre weight is 6, not 20.
* **Regions.** The hole is split into regions that the stencil does not couple: the mask
  grown by one pixel (4-neighbourhood), labelled with 8-connectivity. Each region is solved on
  its bounding box grown by the stencil radius (2 pixels, clipped to the image), which holds
  every pixel its equations touch. Regions never share an unknown, so solving them apart or
  together gives the same answer (scikit-image's default solves them together).
* **Clipping.** The result is clipped, channel by channel, to the range of that channel's
  known pixels.

The reflecting truncation means the matrix is ``A = P_H L_N^2 P_H``, where ``L_N`` is the
5-point Laplacian with reflecting (zero-flux) image borders and ``P_H`` selects the hole:
``A`` is symmetric positive definite (``u^T A u = |L_N u|^2``, zero only for a constant, which
the known pixels rule out), and the fill minimises the summed squared Laplacian over the
image. The fast backends build ``A`` in that form (``_numba.py``, ``_xp.py``); the tests check
both forms against each other and against scikit-image.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import numpy as np
import scipy.ndimage as ndi
import scipy.sparse
import scipy.sparse.linalg

RADIUS = 2  # reach of the biharmonic stencil


@functools.lru_cache(maxsize=None)
def truncated_stencil(window_shape: tuple[int, int], centre: tuple[int, int]) -> np.ndarray:
    """The biharmonic stencil of a pixel at ``centre`` of a window clipped by the image border.

    ``window_shape`` is the part of the 5x5 window inside the image; the Laplacian reflects
    at its edges. Far from the border this is the full 13-point stencil.
    """
    impulse = np.zeros(window_shape)
    impulse[centre] = 1.0
    stencil = ndi.laplace(ndi.laplace(impulse, mode="reflect"), mode="reflect")
    stencil.setflags(write=False)
    return stencil


def hole_regions(mask: np.ndarray) -> Iterator[tuple[tuple[slice, slice], np.ndarray]]:
    """Yield ``(window, region)`` for each group of hole pixels the stencil couples.

    ``window`` is the region's bounding box grown by :data:`RADIUS` (clipped to the image);
    ``region`` is the boolean mask of the region's pixels inside that window.
    """
    grown = ndi.binary_dilation(mask, structure=ndi.generate_binary_structure(2, 1))
    labels, _ = ndi.label(grown, structure=np.ones((3, 3), bool))
    labels[~mask] = 0
    for label, box in enumerate(ndi.find_objects(labels), start=1):
        if box is None:
            continue
        window = tuple(
            slice(max(part.start - RADIUS, 0), min(part.stop + RADIUS, size)) for part, size in zip(box, mask.shape)
        )
        yield window, labels[window] == label


def region_system(image: np.ndarray, region: np.ndarray) -> tuple[scipy.sparse.csr_matrix, np.ndarray]:
    """The biharmonic system ``A u = b`` of one region.

    Parameters
    ----------
    image : ndarray, shape (h, w, C)
        The region's window of the image (known values; hole values are never read).
    region : ndarray, shape (h, w), bool
        The region's hole pixels. The window's edges are either the image border or at
        least two pixels from every region pixel, so clipping the stencil at the window is
        clipping it at the image border.

    Returns
    -------
    A : csr_matrix, (n, n)
        One row per region pixel, in row-major order.
    b : ndarray, (n, C)
    """
    height, width, channels = image.shape
    ys, xs = np.nonzero(region)
    n = ys.size
    index = np.full(region.shape, -1, dtype=np.int64)
    index[ys, xs] = np.arange(n)
    # How far the stencil reaches up, down, left and right before the window edge: pixels
    # with the same reach share one truncated stencil.
    reach = np.stack(
        [
            np.minimum(ys, RADIUS),
            np.minimum(height - 1 - ys, RADIUS),
            np.minimum(xs, RADIUS),
            np.minimum(width - 1 - xs, RADIUS),
        ],
        axis=1,
    )
    rows, cols, values = [], [], []
    rhs = np.zeros((n, channels))
    for up, down, left, right in np.unique(reach, axis=0):
        members = np.flatnonzero((reach == (up, down, left, right)).all(axis=1))
        stencil = truncated_stencil((int(up + down + 1), int(left + right + 1)), (int(up), int(left)))
        for sy, sx in zip(*np.nonzero(stencil)):
            coefficient = stencil[sy, sx]
            qy = ys[members] + sy - up
            qx = xs[members] + sx - left
            q = index[qy, qx]
            unknown = q >= 0
            rows.append(members[unknown])
            cols.append(q[unknown])
            values.append(np.full(int(unknown.sum()), coefficient))
            known = ~unknown
            rhs[members[known]] -= coefficient * image[qy[known], qx[known]]
    matrix = scipy.sparse.csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    )
    return matrix, rhs


def biharmonic_reference(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Fill the hole with the discrete biharmonic function of scikit-image's construction.

    Parameters
    ----------
    image : ndarray, shape (H, W, C), float64
        Known pixels (hole values are never read).
    mask : ndarray, shape (H, W), bool
        True where pixels are to be filled; at least one pixel must be known.

    Returns
    -------
    ndarray, shape (H, W, C)
        A copy of ``image`` with the hole filled, clipped per channel to the known range.
    """
    out = image.copy()
    for window, region in hole_regions(mask):
        matrix, rhs = region_system(image[window], region)
        solution = scipy.sparse.linalg.splu(matrix.tocsc()).solve(rhs)
        out[window][region] = solution
    known = image[~mask]
    return np.clip(out, known.min(axis=0), known.max(axis=0))
