"""PatchMatch: kernels against the reference, golden fields, completion, errors."""

from __future__ import annotations

import numba
import numpy as np
import pytest
from skimage import data

import inpaintkit as ik
from inpaintkit import errors
from inpaintkit.api import Context
from inpaintkit.classical.patchmatch import PatchMatchInpainter, nnf
from inpaintkit.classical.patchmatch import _xp
from inpaintkit.classical.patchmatch._common import seed_key
from inpaintkit.classical.patchmatch._reference import brute_force_nnf, nnf_reference

KEY = seed_key(11)


def _random_problem(channels=3, patch=3, seed=0):
    """Source and target images, masks with holes, and an initial field with invalid entries."""
    rng = np.random.default_rng(seed)
    source = rng.random((20, 22, channels))
    target = rng.random((18, 19, channels))
    source_ok = rng.random((20 - patch + 1, 22 - patch + 1)) > 0.3
    update = rng.random((18 - patch + 1, 19 - patch + 1)) > 0.2
    initial = rng.integers(-2, 21, (18 - patch + 1, 19 - patch + 1, 2))
    return source, target, source_ok, update, initial


def _numba_nnf(source, target, source_ok, update, initial, patch, iterations, tile):
    from inpaintkit.classical.patchmatch._numba import nnf_numba

    return nnf_numba(source, target, source_ok, update, initial.astype(np.int64), patch, iterations, KEY, tile)


# ---------------------------------------------------------------------------- kernels vs reference


@pytest.mark.parametrize("channels,patch", [(3, 3), (1, 4), (4, 3)])
@pytest.mark.parametrize("schedule,tile", [("sequential", None), ("tiled", (4, 5))])
def test_numba_kernel_matches_reference(channels, patch, schedule, tile):
    source, target, source_ok, update, initial = _random_problem(channels, patch)
    tile = update.shape if tile is None else tile
    expected = nnf_reference(
        source, target, patch, 3, source_ok=source_ok, update=update, initial=initial, key=KEY,
        schedule=schedule, tile=tile,
    )
    field, distance = _numba_nnf(source, target, source_ok, update, initial, patch, 3, tile)
    np.testing.assert_array_equal(field, expected[0])
    np.testing.assert_array_equal(distance, expected[1])
    assert source_ok[field[update][:, 0], field[update][:, 1]].all()


def test_numba_kernel_matches_reference_with_many_tied_distances():
    """Two-level images make most distances tie: early termination and skipped candidates must
    leave every tie to the smallest (row, column), as in the reference."""
    source, target, source_ok, update, initial = _random_problem(3, 3, seed=9)
    source, target = np.round(source), np.round(target)
    for schedule, tile in (("sequential", update.shape), ("tiled", (5, 4))):
        expected = nnf_reference(
            source, target, 3, 3, source_ok=source_ok, update=update, initial=initial, key=KEY,
            schedule=schedule, tile=tile,
        )
        field, distance = _numba_nnf(source, target, source_ok, update, initial, 3, 3, tile)
        np.testing.assert_array_equal(field, expected[0])
        np.testing.assert_array_equal(distance, expected[1])


def test_numba_result_does_not_depend_on_thread_count():
    source, target, source_ok, update, initial = _random_problem()
    results = []
    for threads in (1, 2):
        previous = numba.get_num_threads()
        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
        try:
            results.append(_numba_nnf(source, target, source_ok, update, initial, 3, 2, (3, 4)))
        finally:
            numba.set_num_threads(previous)
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


def test_cuda_kernel_matches_reference_jump_flood():
    from numba import config, cuda

    if not config.ENABLE_CUDASIM and not cuda.is_available():
        pytest.skip("no CUDA device, and the CUDA simulator is off (tests/conftest.py turns it on)")
    from inpaintkit.classical.patchmatch._cuda import nnf_cuda

    rng = np.random.default_rng(3)
    source, target = rng.random((14, 15, 3)), rng.random((12, 13, 3))
    source_ok = rng.random((12, 13)) > 0.3
    update = rng.random((10, 11)) > 0.2
    initial = rng.integers(-2, 14, (10, 11, 2))
    field, distance = nnf_cuda(np, source, target, source_ok, update, initial.copy(), 3, 2, KEY, (2, 1))
    expected = nnf_reference(
        source, target, 3, 2, source_ok=source_ok, update=update, initial=initial, key=KEY,
        schedule="jump_flood", jumps=(2, 1),
    )
    np.testing.assert_array_equal(field, expected[0])
    if config.ENABLE_CUDASIM:
        np.testing.assert_array_equal(distance, expected[1])
    else:  # a real GPU may fuse multiply-adds: same matches, distances to rounding
        np.testing.assert_allclose(distance, expected[1], rtol=1e-12)


def test_numba_vote_matches_array_module_vote():
    from inpaintkit.classical.patchmatch._numba import vote_kernel

    rng = np.random.default_rng(5)
    image = rng.random((16, 18, 3))
    hole = np.zeros((16, 18), bool)
    hole[4:11, 6:14] = True
    patch = 5
    update = _xp.window_count(np, hole, patch) > 0
    field = rng.integers(0, 12, (12, 14, 2))
    weights = np.where(update, rng.random((12, 14)) + 0.1, 0.0)
    expected = _xp.vote(np, image, field, weights, hole)
    out = np.zeros_like(image)
    vote_kernel(image, field, weights, hole, out)
    np.testing.assert_array_equal(out[hole], expected[hole])
    # one voter with weight 1 and the others 0: the pixel copies that voter's match
    lone = np.zeros_like(weights)
    lone[4, 6] = 1.0
    single = np.zeros((16, 18), bool)
    single[4, 6] = True
    copied = _xp.vote(np, image, field, lone, single)
    np.testing.assert_array_equal(copied[4, 6], image[field[4, 6, 0], field[4, 6, 1]])


# ---------------------------------------------------------------------------- golden fields


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_shifted_copy_gives_the_exact_offset(backend):
    photo = data.astronaut()[180:230, 200:250] / 255.0
    source = photo
    target = photo[3:43, 5:45]  # target (y, x) is source (y + 3, x + 5)
    field, distance = nnf(source, target, patch_size=5, iterations=5, backend=backend)
    grid = np.indices(field.shape[:2]).transpose(1, 2, 0)
    np.testing.assert_array_equal(field - grid, np.broadcast_to([3, 5], field.shape))
    np.testing.assert_array_equal(distance, 0.0)


CROPS = [  # (photo, source top-left, target top-left): 48x48 source, 32x32 target
    ("astronaut", (150, 150), (10, 300)),
    ("chelsea", (50, 50), (150, 250)),
    ("coffee", (100, 100), (200, 300)),
]


@pytest.mark.parametrize("photo,source_at,target_at", CROPS)
def test_five_iterations_come_within_five_percent_of_exact(photo, source_at, target_at):
    image = getattr(data, photo)() / 255.0
    source = image[source_at[0] : source_at[0] + 48, source_at[1] : source_at[1] + 48]
    target = image[target_at[0] : target_at[0] + 32, target_at[1] : target_at[1] + 32]
    _, exact = brute_force_nnf(source, target, 7)
    for schedule in ("tiled", "sequential"):
        _, distance = nnf(source, target, 7, 5, backend="numba", schedule=schedule)
        assert distance.mean() <= 1.05 * exact.mean(), schedule
        assert (distance >= exact - 1e-9).all()  # never better than exact: the brute force is right
    if photo == "astronaut":  # the GPU's schedule, through the reference
        ok, update = np.ones((42, 42), bool), np.ones((26, 26), bool)
        _, distance = nnf_reference(
            source, target, 7, 5, source_ok=ok, update=update, initial=None, key=seed_key(0), schedule="jump_flood"
        )
        assert distance.mean() <= 1.05 * exact.mean()


def test_masks_restrict_sources_and_updated_targets():
    rng = np.random.default_rng(2)
    source, target = rng.random((24, 24, 3)), rng.random((20, 20, 3))
    allowed = np.ones((24, 24), bool)
    allowed[:, 8:16] = False  # no matched patch may touch these columns
    update = np.zeros((16, 16), bool)
    update[3:9, 4:12] = True
    field, distance = nnf(source, target, 5, 3, source_valid=allowed, target_update=update)
    columns = field[update][:, 1]
    assert ((columns + 5 <= 8) | (columns >= 16)).all()
    assert (field[~update] == -1).all() and np.isinf(distance[~update]).all()
    # a pixel-shaped target mask marks every patch that touches a marked pixel
    pixel_update = np.zeros((20, 20), bool)
    pixel_update[10, 10] = True
    field, _ = nnf(source, target, 5, 1, target_update=pixel_update)
    assert ((field[:, :, 0] >= 0) == (_xp.window_count(np, pixel_update, 5) > 0)).all()


def test_initial_field_is_kept_with_zero_iterations_and_invalid_entries_are_redrawn():
    rng = np.random.default_rng(4)
    source, target = rng.random((16, 16, 3)), rng.random((12, 12, 3))
    initial = rng.integers(0, 12, (8, 8, 2))
    initial[0, 0] = (-1, -1)
    initial[0, 1] = (40, 3)
    field, distance = nnf(source, target, 5, 0, initial=initial)
    np.testing.assert_array_equal(field[1:], initial[1:])
    assert (field[0, :2] >= 0).all() and (field[0, :2] <= 11).all()
    y, x = field[4, 5]
    assert distance[4, 5] == pytest.approx(((source[y : y + 5, x : x + 5] - target[4:9, 5:10]) ** 2).sum(), rel=1e-12)


def test_same_seed_same_field_and_other_seed_other_start():
    rng = np.random.default_rng(6)
    source, target = rng.random((20, 20)), rng.random((20, 20))
    first = nnf(source, target, 3, 0, seed=1)
    np.testing.assert_array_equal(first.field, nnf(source, target, 3, 0, seed=1).field)
    assert (first.field != nnf(source, target, 3, 0, seed=2).field).any()


def test_nnf_errors():
    image = np.random.default_rng(0).random((10, 10, 3))
    with pytest.raises(errors.ImageTooSmallError, match="patch_size"):
        nnf(image, image, patch_size=11)
    with pytest.raises(errors.ShapeMismatchError, match="channels"):
        nnf(image, image[:, :, :1], patch_size=3)
    with pytest.raises(errors.InsufficientContextError, match="source_valid"):
        nnf(image, image, 3, source_valid=np.zeros((10, 10), bool))
    with pytest.raises(errors.ShapeMismatchError, match="target_update"):
        nnf(image, image, 3, target_update=np.ones((5, 5), bool))
    with pytest.raises(errors.InvalidParameterError, match="schedule"):
        nnf(image, image, 3, backend="numba", schedule="jump_flood")
    with pytest.raises(errors.InvalidParameterError, match="initial"):
        nnf(image, image, 3, initial=np.zeros((8, 8, 2), np.float64))
    with pytest.raises(errors.NonFiniteError):
        nnf(np.full((10, 10), np.nan), image[:, :, 0], 3)
    with pytest.raises(errors.InvalidParameterError, match="iterations"):
        nnf(image, image, 3, iterations=-1)


# ---------------------------------------------------------------------------- completion


def _periodic(height=48, width=52):
    """A colour texture with periods 6 (rows) and 8 (columns)."""
    y, x = np.mgrid[0:height, 0:width]
    return np.dstack([(y % 6) / 5.0, (x % 8) / 7.0, ((x + 2 * y) % 8) / 7.0])


@pytest.mark.parametrize("backend", ["numba", "numpy"])
def test_periodic_texture_is_continued(backend):
    texture = _periodic()
    mask = np.zeros(texture.shape[:2], bool)
    mask[17:31, 20:34] = True
    out = ik.Inpainter.create("patchmatch", backend=backend, patch_size=5).inpaint(texture, mask)
    assert np.abs(out - texture)[mask].mean() < 1e-3


def test_border_holes_and_several_holes():
    texture = _periodic()
    mask = np.zeros(texture.shape[:2], bool)
    mask[:9, :10] = True  # a corner
    mask[30:40, 44:] = True  # the right border
    mask[20:27, 18:25] = True  # an inner hole
    out = ik.Inpainter.create("patchmatch").inpaint(texture, mask)
    assert np.abs(out - texture)[mask].mean() < 1e-3


def test_fills_a_photo_better_than_the_mean_colour():
    photo = data.chelsea()[60:124, 150:214]
    mask = np.zeros(photo.shape[:2], bool)
    mask[24:40, 22:42] = True
    out = ik.Inpainter.create("patchmatch").inpaint(photo, mask)
    error = np.abs(out.astype(float) - photo)[mask].mean()
    mean_fill = np.abs(photo[~mask].mean(axis=0) - photo.astype(float))[mask].mean()
    assert error < 0.6 * mean_fill


def test_callback_reports_every_level_and_em_iteration():
    texture = _periodic(64, 64)
    mask = np.zeros((64, 64), bool)
    mask[16:44, 20:48] = True
    seen = []
    inpainter = ik.Inpainter.create(
        "patchmatch",
        patch_size=5,
        levels=3,
        em_iterations=2,
        callback=lambda step, state: seen.append((step, dict(state))),
    )
    out = inpainter.inpaint(texture, mask)
    levels = seen[0][1]["levels"]
    assert levels == 3
    # 2 EM iterations at the finest level, 4 one halving coarser, 6 at the coarsest
    expected = [(lv, em) for lv, count in enumerate((6, 4, 2)) for em in range(count)]
    assert [step for step, _ in seen] == list(range(len(expected)))
    assert [(s["level"], s["em_iteration"]) for _, s in seen] == expected
    sides = [s["image"].shape[0] for _, s in seen]
    assert sides == sorted(sides) and sides[-1] == 64 and sides[0] == 16
    np.testing.assert_array_equal(seen[-1][1]["image"][mask], out[mask])


def test_pyramid_levels():
    hole = np.zeros((128, 128), bool)
    hole[40:100, 30:90] = True
    line = np.zeros((128, 128), bool)
    line[:, 64] = True
    assert _xp.usable_levels(hole, 7, None) == 2  # 30 pixels from the known region: one halving, under 4 patches
    assert _xp.usable_levels(line, 7, None) == 1
    assert _xp.usable_levels(hole, 7, 2) == 2
    assert _xp.usable_levels(hole, 7, 50) == 3  # at 16x16 no 7x7 patch is wholly known
    corner = np.zeros((128, 128), bool)
    corner[:30, :30] = True
    assert _xp.usable_levels(corner, 7, 50) == 4  # 128 -> 64 -> 32 -> 16; 8 < 2 * patch
    pyramid = _xp.build_pyramid(np, np.zeros((128, 128, 1)), hole, 3)
    assert [p[0].shape[:2] for p in pyramid] == [(128, 128), (64, 64), (32, 32)]
    # a coarse pixel stays known when any of its four pixels is (columns 15:45 -> 8:22)
    assert pyramid[1][1].sum() == 30 * 30 and pyramid[2][1].sum() == 15 * 14


def test_upsampled_field_doubles_offsets():
    coarse = np.zeros((6, 6, 2), np.int64)
    coarse[:, :, 0] = np.arange(6)[:, None] + 2  # offset (+2, -1) everywhere
    coarse[:, :, 1] = np.arange(6)[None, :] - 1
    coarse[0, 0] = -1
    fine = _xp.upsample_field(np, coarse, 14, 14, 3, (20, 20))
    grid = np.indices((14, 14)).transpose(1, 2, 0)
    offsets = fine - grid
    inside = (fine[:, :, 0] >= 0) & (fine[:, :, 1] > 0) & (fine[:, :, 0] < 19)
    assert (offsets[inside] == (4, -2)).all()
    assert (fine[0, 0] == -1).all()


def test_cupy_path_matches_the_reference_path_with_the_gpu_schedule(monkeypatch):
    """The cupy backend's orchestration, run with NumPy arrays and the CUDA simulator, gives
    exactly what the numpy backend gives when its reference runs the GPU's schedule."""
    from numba import config

    from inpaintkit.classical.patchmatch import _field

    if not config.ENABLE_CUDASIM:
        pytest.skip("needs the CUDA simulator (tests/conftest.py turns it on)")
    rng = np.random.default_rng(8)
    image = rng.random((14, 14, 3))
    mask = np.zeros((14, 14), bool)
    mask[5:9, 4:8] = True
    work = np.where(mask[:, :, None], 0.0, image)
    inpainter = PatchMatchInpainter(patch_size=3, levels=1, em_iterations=2, nnf_iterations=1)

    def run(backend):
        ctx = Context(
            backend=backend, xp=np, source_dtype=np.dtype(np.float64), callback=None, progress=False, description=""
        )
        return inpainter._inpaint(work, mask, ctx)

    on_gpu_path = run("cupy")
    monkeypatch.setitem(_field.DEFAULT_SCHEDULE, "numpy", "jump_flood")
    np.testing.assert_array_equal(on_gpu_path, run("numpy"))
    assert np.isfinite(on_gpu_path).all()


def test_parameters_and_context_errors():
    with pytest.raises(errors.InvalidParameterError, match="patch_size"):
        PatchMatchInpainter(patch_size=4)
    with pytest.raises(errors.InvalidParameterError, match="em_iterations"):
        PatchMatchInpainter(em_iterations=0)
    with pytest.raises(errors.InvalidParameterError, match="levels"):
        PatchMatchInpainter(levels=0)
    image = np.random.default_rng(0).random((20, 20))
    stripes = np.zeros((20, 20), bool)
    stripes[:, ::6] = True  # no 7x7 window is wholly known
    with pytest.raises(errors.InsufficientContextError, match="patch_size"):
        PatchMatchInpainter(patch_size=7).inpaint(image, stripes)
    with pytest.raises(errors.ImageTooSmallError):
        PatchMatchInpainter(patch_size=9).inpaint(image[:8], np.eye(8, 20, dtype=bool))


# ---------------------------------------------------------------------------- teaching views


def _run_example(script, *args):
    import runpy
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "examples" / script
    argv = sys.argv
    sys.argv = [script, *args]
    try:
        runpy.run_path(str(path), run_name="__main__")
    finally:
        sys.argv = argv


def test_examples_write_their_figures(tmp_path, capsys):
    from PIL import Image

    nnf_png = str(tmp_path / "nnf.png")
    _run_example("patchmatch_nnf.py", nnf_png, "--size", "24", "--patch-size", "5", "--iterations", "2")
    ratios = [float(r) for r in capsys.readouterr().out.split(": ")[1].split(" -> ")[0].split(", ")]
    assert len(ratios) == 3 and ratios[0] > ratios[-1] >= 1.0  # the field improves, never beats exact
    with Image.open(tmp_path / "nnf.png") as figure:
        assert figure.size[0] > figure.size[1] > 100
    _run_example("patchmatch_completion.py", str(tmp_path / "fill.gif"), "--size", "48", "--patch-size", "5")
    with Image.open(tmp_path / "fill.gif") as gif:
        frames = []
        for index in range(gif.n_frames):
            gif.seek(index)
            frames.append(np.asarray(gif.convert("RGB")))
    assert len(frames) >= 5 and not np.array_equal(frames[0], frames[-1])
