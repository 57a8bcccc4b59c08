"""PatchMatch: a reusable nearest-neighbour field and Wexler-style multi-scale completion.

* :func:`nnf` is Barnes et al.'s (2009) randomized nearest-neighbour field between any two
  images, on NumPy (the reference), numba (parallel CPU) or CuPy (GPU).
* :class:`PatchMatchInpainter`, registered as ``"patchmatch"``, fills a hole the way
  Wexler, Shechtman and Irani (2007) complete video, with that field as its search: coarse
  to fine, each level alternating the field (hole patches to known patches) and a vote.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...api import Context, Inpainter, register
from ...errors import InsufficientContextError
from ...params import check_int, check_odd, check_seed
from ._common import combine, seed_key
from ._field import BACKENDS, DEFAULT_SCHEDULE, NNFResult, nnf, run_nnf
from ._xp import complete, em_schedule, usable_levels, vote, window_count

__all__ = ["PatchMatchInpainter", "nnf", "NNFResult"]


@register(
    "patchmatch",
    family="patch",
    year=2007,
    paper="Y. Wexler, E. Shechtman, M. Irani, 'Space-time completion of video', IEEE TPAMI 29(3), 2007 "
    "(nearest-neighbour field: C. Barnes, E. Shechtman, A. Finkelstein, D. B. Goldman, 'PatchMatch: a "
    "randomized correspondence algorithm for structural image editing', SIGGRAPH 2009, "
    "doi:10.1145/1531326.1531330)",
    doi="10.1109/TPAMI.2007.60",
    backends=BACKENDS,
    test_params={"patch_size": 3, "em_iterations": 2, "nnf_iterations": 2},
    summary="multi-scale EM over a PatchMatch nearest-neighbour field (Content-Aware Fill style)",
    randomized=True,
)
class PatchMatchInpainter(Inpainter):
    """Multi-scale patch-based completion (Wexler et al. 2007) with PatchMatch as the search.

    The image and hole are reduced to a pyramid (2x2 averages of the known pixels; a coarse
    pixel is known when any of its four is). From the coarsest level up, the hole is first
    guessed (pull-push at the coarsest level, a vote with the upsampled field above it),
    then, ``em_iterations`` times at the finest level and ``k + 1`` times as often at the
    level ``k`` halvings coarser (coarse iterations are cheap and decide the fill's layout):

    1. *E-step*: the nearest-neighbour field (:func:`nnf`, ``nnf_iterations`` rounds) from
       every patch that touches the hole to the patches lying wholly in the known region,
       starting from the previous field;
    2. *M-step* (vote): each hole pixel becomes the weighted mean of the pixels that the
       patches covering it matched, with Wexler et al.'s weights
       ``exp(-d / (2 sigma^2)) * 1.3 ** -dist``: ``d`` the patch distance, ``sigma^2`` its
       75th percentile over the hole's patches, ``dist`` the distance of the patch centre to
       the known region (patches near the boundary are trusted more).

    Patches that overlap the boundary must agree with the known pixels they cover, so the
    fill blends into its surroundings with no seam. Holes touching the image border and
    several separate holes need nothing special. Wexler et al.'s mean-shift mode search in
    the vote is replaced by the weighted mean.

    Parameters
    ----------
    patch_size : int
        Odd side of the square patches (7 is a good default; larger keeps bigger structures).
    levels : int, optional
        Pyramid levels. Default: halve until the hole's farthest pixel is at most
        ``4 * patch_size`` from a known one (fewer, finer levels fill with less invention and
        measurably lower error than halving down to a patch-wide hole). Either way no level
        is made whose sides are shorter than ``2 * patch_size`` or that has no fully known
        patch.
    em_iterations : int
        Field-then-vote iterations at the finest level; the level ``k`` halvings coarser
        runs ``(k + 1) * em_iterations``.
    nnf_iterations : int
        PatchMatch rounds in each E-step.
    seed : int
        Seed of the random draws; the same seed, input and backend give the same output.
    backend, callback, progress, n_threads
        See :class:`~inpaintkit.Inpainter`. Backends: ``numba`` (parallel CPU, the default),
        ``numpy`` (the readable reference; small images only), ``cupy`` (GPU). The callback
        gets ``{"image", "level", "levels", "em_iteration"}`` after each vote; ``image`` is
        the whole picture at that level's resolution (level 0 is the coarsest), on the
        backend's array module.

    References
    ----------
    .. [1] Y. Wexler, E. Shechtman, M. Irani, "Space-time completion of video", IEEE Trans.
       Pattern Anal. Mach. Intell. 29(3):463-476, 2007, doi:10.1109/TPAMI.2007.60.
    .. [2] C. Barnes, E. Shechtman, A. Finkelstein, D. B. Goldman, "PatchMatch: a randomized
       correspondence algorithm for structural image editing", ACM Trans. Graph. 28(3)
       (SIGGRAPH), 2009, doi:10.1145/1531326.1531330.

    Examples
    --------
    >>> import numpy as np, inpaintkit
    >>> stripes = np.tile((np.arange(48) // 4 % 2).astype(float), (48, 1))
    >>> mask = np.zeros((48, 48), bool); mask[18:30, 18:30] = True
    >>> out = inpaintkit.Inpainter.create("patchmatch", patch_size=5).inpaint(stripes, mask)
    >>> float(abs(out - stripes)[mask].mean()) < 0.05
    True
    """

    def __init__(
        self,
        *,
        patch_size: int = 7,
        levels: int | None = None,
        em_iterations: int = 4,
        nnf_iterations: int = 2,
        seed: int = 0,
        backend: str = "auto",
        callback: Any = None,
        progress: bool = False,
        n_threads: int | None = None,
    ) -> None:
        super().__init__(backend=backend, callback=callback, progress=progress, n_threads=n_threads)
        self.patch_size = check_odd("patch_size", patch_size, low=3)
        self.levels = None if levels is None else check_int("levels", levels, low=1)
        self.em_iterations = check_int("em_iterations", em_iterations, low=1)
        self.nnf_iterations = check_int("nnf_iterations", nnf_iterations, low=0)
        self.seed = check_seed("seed", seed)

    def min_image_size(self) -> int:
        return self.patch_size

    def check_context(self, mask: np.ndarray) -> None:
        if not bool((window_count(np, mask, self.patch_size) == 0).any()):
            raise InsufficientContextError(
                f"mask: no {self.patch_size}x{self.patch_size} patch of the image is wholly outside the hole, so "
                "patchmatch has nothing to copy from; use a smaller patch_size or leave more of the image known"
            )

    def _inpaint(self, image: Any, mask: Any, ctx: Context) -> Any:
        xp = ctx.xp
        patch = self.patch_size
        host_mask = mask if xp is np else mask.get()
        levels = usable_levels(host_mask, patch, self.levels)
        key = np.uint64(seed_key(self.seed))
        schedule = DEFAULT_SCHEDULE[ctx.backend]

        def nnf_step(current: Any, source_ok: Any, update: Any, initial: Any, iterations: int, call: int) -> Any:
            call_key = int(combine(key, np.uint64(call)))
            return run_nnf(
                ctx.backend, current, current, patch, iterations, source_ok, update, initial, call_key, schedule
            )

        if ctx.backend == "numba":
            from ._numba import vote_kernel

            def vote_step(current: Any, field: Any, weights: Any, hole: Any) -> Any:
                out = np.zeros_like(current)
                vote_kernel(current, field, weights, hole, out)
                return out

        else:

            def vote_step(current: Any, field: Any, weights: Any, hole: Any) -> Any:
                return vote(xp, current, field, weights, hole)

        report = None
        if ctx.reporting:
            steps = sum(em_schedule(self.em_iterations, levels))
            ctx.start(steps, unit="EM step")
            counter = iter(range(steps))

            def report(level: int, em_iteration: int, current: Any) -> None:
                ctx.step(
                    next(counter),
                    lambda: {"image": current, "level": level, "levels": levels, "em_iteration": em_iteration},
                )

        return complete(
            xp, image, mask, patch=patch, levels=levels, em_iterations=self.em_iterations,
            nnf_iterations=self.nnf_iterations, nnf_step=nnf_step, vote_step=vote_step, report=report,
        )
