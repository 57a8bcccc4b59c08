"""inpaintkit.train.data and .progressive: folders, splits, flips, each paper's masks, resumable batches."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from inpaintkit import io as image_io
from inpaintkit import masks as mask_tools
from inpaintkit.errors import InvalidParameterError, ShapeMismatchError
from inpaintkit.train.data import DEFAULT_MASKS, MASK_FAMILIES, Batches, ImageFolder, MaskSampler, bundled_folder
from inpaintkit.train.progressive import ProgressiveSchedule


def _write(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    image_io.write_image(path, array)


def _as_tensor(array: np.ndarray) -> torch.Tensor:
    """uint8 (H, W, 3) -> float32 (3, H, W) on [0, 1], as ImageFolder returns."""
    return torch.from_numpy(array.astype(np.float32) / 255.0).permute(2, 0, 1)


@pytest.fixture
def random_rgb():
    return np.random.default_rng(0).integers(0, 256, size=(12, 10, 3), dtype=np.uint8)


@pytest.fixture
def folder_of_ten(tmp_path):
    rng = np.random.default_rng(1)
    for index in range(10):
        _write(tmp_path / f"sub{index % 3}" / f"img{index}.png", rng.integers(0, 256, size=(10, 9, 3), dtype=np.uint8))
    return tmp_path


# ----------------------------------------------------------------------------- ImageFolder


def test_getitem_is_the_centre_crop(tmp_path, random_rgb):
    _write(tmp_path / "a.png", random_rgb)
    folder = ImageFolder(tmp_path, size=8, heldout_fraction=0)
    expected = _as_tensor(random_rgb)[:, 2:10, 1:9]
    assert folder[0].dtype == torch.float32
    assert torch.equal(folder[0], expected)
    assert torch.equal(folder[-1], expected)
    with pytest.raises(IndexError):
        folder[1]


def test_samples_are_crops_and_flips_really_mirror(tmp_path, random_rgb):
    """Every sample is one of the image's 8x8 windows; with flip=True it is that window mirrored half the time."""
    _write(tmp_path / "a.png", random_rgb)
    full = _as_tensor(random_rgb)
    windows = [full[:, top : top + 8, left : left + 8] for top in range(5) for left in range(3)]
    flipping = ImageFolder(tmp_path, size=8, heldout_fraction=0, seed=3)
    plain = ImageFolder(tmp_path, size=8, heldout_fraction=0, seed=3, flip=False)
    flips, positions = 0, set()
    for draw in range(60):
        unflipped = plain.sample(0, draw)
        matches = [i for i, window in enumerate(windows) if torch.equal(unflipped, window)]
        assert len(matches) == 1
        positions.add(matches[0])
        sample = flipping.sample(0, draw)
        assert torch.equal(sample, flipping.sample(0, draw))  # a pure function of (seed, index, draw)
        if torch.equal(sample, unflipped):
            continue
        assert torch.equal(sample, torch.flip(unflipped, dims=[-1]))  # the mirrored crop, not a no-op
        flips += 1
    assert 15 <= flips <= 45
    assert len(positions) >= 10  # the crop position is random too


def test_gray_rgba_small_and_resize(tmp_path):
    gray = np.arange(48, dtype=np.uint8).reshape(6, 8) * 5
    rgba = np.dstack([np.full((9, 9, 3), 200, np.uint8), np.zeros((9, 9), np.uint8)])
    _write(tmp_path / "gray.png", gray)
    _write(tmp_path / "rgba.png", rgba)
    _write(tmp_path / "tiny.png", np.full((3, 5, 3), 77, np.uint8))
    folder = ImageFolder(tmp_path, size=8, heldout_fraction=0)
    assert folder.files == ["gray.png", "rgba.png", "tiny.png"]
    gray_crop = folder[0]  # 6x8 enlarged to 8x11 (shorter side 8), then centre-cropped
    assert gray_crop.shape == (3, 8, 8)
    assert torch.equal(gray_crop[0], gray_crop[1]) and torch.equal(gray_crop[0], gray_crop[2])
    assert torch.allclose(folder[1], torch.full((3, 8, 8), 200 / 255))  # alpha dropped, colour kept
    assert torch.allclose(folder.sample(2, 5), torch.full((3, 8, 8), 77 / 255))  # upscaled so a crop fits
    resized = ImageFolder(tmp_path, size=8, mode="resize", heldout_fraction=0)
    assert all(resized[i].shape == (3, 8, 8) for i in range(3))
    # resize mode keeps the whole image: the top-left of the gray ramp stays darker than its bottom-right
    assert resized[0][0, 0, 0] < resized[0][0, -1, -1]


def test_finds_images_recursively_and_ignores_the_rest(tmp_path):
    pixel = np.zeros((8, 8, 3), np.uint8)
    for name in ("b/x.png", "a/deep/y.jpg", "c.webp", "d.JPEG"):
        _write(tmp_path / name, pixel)
    _write(tmp_path / ".hidden" / "z.png", pixel)
    _write(tmp_path / "e.bmp", pixel)  # not a training suffix
    (tmp_path / "notes.txt").write_text("not an image")
    folder = ImageFolder(tmp_path, size=8, heldout_fraction=0)
    assert folder.files == ["a/deep/y.jpg", "b/x.png", "c.webp", "d.JPEG"]


def test_split_is_disjoint_complete_and_stable_when_files_are_added(folder_of_ten):
    def split(name):
        return set(ImageFolder(folder_of_ten, size=8, split=name, heldout_fraction=0.5).files)

    train, heldout = split("train"), split("heldout")
    assert train and heldout and not train & heldout and len(train | heldout) == 10
    for index in range(10, 30):
        _write(folder_of_ten / "new" / f"more{index}.png", np.zeros((8, 8, 3), np.uint8))
    train_after, heldout_after = split("train"), split("heldout")
    assert train <= train_after and heldout <= heldout_after
    assert len(train_after | heldout_after) == 30
    assert len(ImageFolder(folder_of_ten, size=8, split="heldout", heldout_fraction=0)) == 0
    assert len(ImageFolder(folder_of_ten, size=8, split="heldout", heldout_fraction=1)) == 30


def test_folder_errors(tmp_path):
    with pytest.raises(InvalidParameterError, match="root: .* does not exist"):
        ImageFolder(tmp_path / "missing", size=8)
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InvalidParameterError, match="root: .* is a file"):
        ImageFolder(tmp_path / "notes.txt", size=8)
    with pytest.raises(InvalidParameterError, match="no image files"):
        ImageFolder(tmp_path, size=8)
    _write(tmp_path / "a.png", np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(InvalidParameterError, match="size"):
        ImageFolder(tmp_path, size=4)
    with pytest.raises(InvalidParameterError, match="mode"):
        ImageFolder(tmp_path, size=8, mode="stretch")
    with pytest.raises(InvalidParameterError, match="split"):
        ImageFolder(tmp_path, size=8, split="test")
    with pytest.raises(InvalidParameterError, match="heldout_fraction"):
        ImageFolder(tmp_path, size=8, heldout_fraction=1.5)


# ----------------------------------------------------------------------------- masks


def _bounding_box(hole):
    rows, columns = np.flatnonzero(hole.any(axis=1)), np.flatnonzero(hole.any(axis=0))
    return rows[0], rows[-1] + 1, columns[0], columns[-1] + 1


def test_default_masks_cover_the_six_methods():
    assert set(DEFAULT_MASKS) == {"context-encoder", "glcic", "deepfill1", "deepfill2", "pconv", "lama"}
    assert set(DEFAULT_MASKS.values()) == set(MASK_FAMILIES)


def test_center_is_exactly_the_central_half():
    expected = np.zeros((16, 16), bool)
    expected[4:12, 4:12] = True
    sampler = MaskSampler.for_method("context-encoder", 16)
    assert all(np.array_equal(sampler(draw), expected) for draw in range(3))


def test_glcic_boxes_are_single_boxes_of_3_8_to_1_2_of_the_side():
    size, sides = 64, set()
    sampler = MaskSampler.for_method("glcic", size, seed=2)
    for draw in range(40):
        hole = sampler(draw)
        top, bottom, left, right = _bounding_box(hole)
        assert hole[top:bottom, left:right].all() and hole.sum() == (bottom - top) * (right - left)
        assert 24 <= bottom - top <= 32 and 24 <= right - left <= 32  # 96..128 at 256, scaled
        sides.update((bottom - top, right - left))
    assert min(sides) <= 26 and max(sides) >= 30


def test_deepfill1_box_is_a_half_size_box_shrunk_by_at_most_max_delta():
    size = 64
    sampler = MaskSampler.for_method("deepfill1", size, seed=1)
    assert sampler.options["max_delta"] == size // 8
    heights = set()
    for draw in range(40):
        hole = sampler(draw)
        top, bottom, left, right = _bounding_box(hole)
        assert hole.sum() == (bottom - top) * (right - left)
        for side in (bottom - top, right - left):
            assert 32 - 8 <= side <= 32 and (32 - side) % 2 == 0  # the same shrink at both ends
        heights.add(bottom - top)
    assert len(heights) >= 3


def test_free_form_box_contains_a_box_and_strokes():
    size = 64
    smallest_box = size // 2 - 2 * (size // 2 // 8)  # half-size box, shrunk by up to 1/16 of the side per edge
    sampler = MaskSampler.for_method("deepfill2", size, seed=0)
    for draw in range(15):
        hole = sampler(draw)
        windows = np.lib.stride_tricks.sliding_window_view(hole, (smallest_box, smallest_box))
        assert windows.all(axis=(2, 3)).any()  # some smallest_box-square is entirely hole
        assert hole.sum() > smallest_box**2  # plus strokes outside it
    unflipped = MaskSampler("free_form_box", size, seed=0, flip=False)
    assert any(not np.array_equal(sampler(draw), unflipped(draw)) for draw in range(5))  # the option reaches free_form


def test_irregular_hole_ratios_fall_in_the_bins():
    sampler = MaskSampler.for_method("pconv", 32, seed=0)
    seen = {mask_tools.hole_ratio_bin(mask_tools.hole_ratio(sampler(draw))) for draw in range(24)}
    assert None not in seen and len(seen) >= 4
    narrow = MaskSampler("irregular", 32, bins=[(0.2, 0.3)], no_border=True)
    for draw in range(5):
        hole = narrow(draw)
        assert 0.2 <= mask_tools.hole_ratio(hole) < 0.3
        assert not (hole[0].any() or hole[-1].any() or hole[:, 0].any() or hole[:, -1].any())


def test_lama_masks_cover_at_most_half():
    sampler = MaskSampler.for_method("lama", 32, seed=0)
    ratios = [mask_tools.hole_ratio(sampler(draw)) for draw in range(12)]
    assert all(0 < ratio <= 0.5 for ratio in ratios) and len(set(ratios)) > 6


@pytest.mark.parametrize("family", MASK_FAMILIES)
def test_masks_are_pure_functions_of_seed_and_draw(family):
    first, again = MaskSampler(family, 32, seed=5), MaskSampler(family, 32, seed=5)
    other = MaskSampler(family, 32, seed=6)
    hole = first(7)
    assert hole.dtype == bool and hole.shape == (32, 32)
    assert np.array_equal(hole, again(7))
    if family != "center":
        assert not np.array_equal(hole, first(8)) or not np.array_equal(hole, other(7))


def test_mask_errors():
    with pytest.raises(InvalidParameterError, match="family"):
        MaskSampler("blobs", 32)
    with pytest.raises(InvalidParameterError, match="ratio_bin: not an option of the 'irregular'"):
        MaskSampler("irregular", 32, ratio_bin=(0.1, 0.2))
    with pytest.raises(InvalidParameterError, match=r"bins\[0\]\[1\]"):
        MaskSampler("irregular", 32, bins=[(0.3, 0.2)])
    with pytest.raises(InvalidParameterError, match="kinds"):
        MaskSampler("lama", 32, kinds=("huge",))
    with pytest.raises(InvalidParameterError, match="min_size: not used with max_delta"):
        MaskSampler("random_box", 32, max_delta=4, min_size=8)
    with pytest.raises(InvalidParameterError, match="method"):
        MaskSampler.for_method("aot-gan", 32)
    with pytest.raises(InvalidParameterError, match="size"):
        MaskSampler("center", 4)
    with pytest.raises(InvalidParameterError, match="draw"):
        MaskSampler("center", 8)(-1)


# ----------------------------------------------------------------------------- Batches


def test_batches_are_pure_functions_of_seed_step_rank(folder_of_ten):
    folder = ImageFolder(folder_of_ten, size=8, heldout_fraction=0)
    masks = MaskSampler("random_box", 8)
    images, holes = Batches(folder, masks, 3, seed=4).get(5)
    resumed_images, resumed_holes = Batches(folder, masks, 3, seed=4).get(5)  # a fresh object: a resumed run
    assert images.shape == (3, 3, 8, 8) and holes.shape == (3, 1, 8, 8) and holes.dtype == torch.float32
    assert torch.equal(images, resumed_images) and torch.equal(holes, resumed_holes)
    assert set(holes.unique().tolist()) == {0.0, 1.0}
    later_images, later_holes = Batches(folder, masks, 3, seed=4).get(6)
    assert not torch.equal(images, later_images) and not torch.equal(holes, later_holes)
    seed_4, seed_5 = Batches(folder, masks, 3, seed=4), Batches(folder, masks, 3, seed=5)
    assert [seed_4.indices(step) for step in range(3)] != [seed_5.indices(step) for step in range(3)]


def test_batch_content_is_the_documented_sample_and_mask(folder_of_ten):
    folder = ImageFolder(folder_of_ten, size=8, heldout_fraction=0)
    masks = MaskSampler("free_form_box", 8)
    batches = Batches(folder, masks, 2, rank=1, world_size=2)
    images, holes = batches.get(3)
    for offset, index in enumerate(batches.indices(3)):
        draw = (3 * 2 + offset) * 2 + 1
        assert torch.equal(images[offset], folder.sample(index, draw))
        assert np.array_equal(holes[offset, 0].numpy() > 0.5, masks(draw))


def test_every_epoch_is_a_permutation_and_ranks_are_disjoint(folder_of_ten):
    folder = ImageFolder(folder_of_ten, size=8, heldout_fraction=0)
    masks = MaskSampler("center", 8)
    single = Batches(folder, masks, 2)
    epoch = [index for step in range(5) for index in single.indices(step)]
    assert sorted(epoch) == list(range(10))
    next_epoch = [index for step in range(5, 10) for index in single.indices(step)]
    assert sorted(next_epoch) == list(range(10)) and next_epoch != epoch
    ranks = [Batches(folder, masks, 1, rank=rank, world_size=3) for rank in range(3)]
    shares = [[index for step in range(3) for index in batches.indices(step)] for batches in ranks]  # 10 // 3 = 3 each
    seen = [index for share in shares for index in share]
    assert len(seen) == len(set(seen)) == 9
    for step in range(12):
        at_step = [index for batches in ranks for index in batches.indices(step)]
        assert len(set(at_step)) == 3


def test_batches_errors(folder_of_ten):
    folder = ImageFolder(folder_of_ten, size=8, heldout_fraction=0)
    masks = MaskSampler("center", 8)
    with pytest.raises(InvalidParameterError, match="dataset: 10 images"):
        Batches(folder, masks, 1, world_size=11)
    with pytest.raises(InvalidParameterError, match="rank"):
        Batches(folder, masks, 1, rank=2, world_size=2)
    with pytest.raises(InvalidParameterError, match="batch_size"):
        Batches(folder, masks, 0)
    with pytest.raises(InvalidParameterError, match="step"):
        Batches(folder, masks, 1).get(-1)


# ----------------------------------------------------------------------------- bundled_folder


def test_bundled_folder_writes_distinct_seeded_crops(tmp_path):
    first = bundled_folder(tmp_path / "a", size=16, count=20, seed=3)
    files = sorted(path.relative_to(first).as_posix() for path in first.rglob("*.png"))
    assert len(files) == 20 and len({name.split("/")[0] for name in files}) > 3
    shapes = {image_io.read_image(first / name).shape[:2] for name in files}
    assert shapes == {(16, 16)}
    again = bundled_folder(tmp_path / "b", size=16, count=20, seed=3)
    assert sorted(path.relative_to(again).as_posix() for path in again.rglob("*.png")) == files
    assert all((first / name).read_bytes() == (again / name).read_bytes() for name in files)
    folder = ImageFolder(first, size=16, heldout_fraction=0)
    assert len(folder) == 20 and folder[0].shape == (3, 16, 16)
    with pytest.raises(InvalidParameterError, match="count: the bundled photos hold"):
        bundled_folder(tmp_path / "c", size=16, count=10**6)


# ----------------------------------------------------------------------------- progressive growing


def test_progressive_schedule_stages_and_fades():
    schedule = ProgressiveSchedule(32, 8, steps_per_stage=10, fade_steps=4)
    assert schedule.sizes == [8, 16, 32]
    assert [schedule.resolution(step) for step in (0, 9, 10, 19, 20, 500)] == [8, 8, 16, 16, 32, 32]
    assert [schedule.alpha(step) for step in (0, 9, 10, 11, 13, 14, 19, 20, 22)] == [1, 1, 0, 0.25, 0.75, 1, 1, 0, 0.5]


def test_progressive_apply_blends_the_lower_resolution():
    schedule = ProgressiveSchedule(16, 4, steps_per_stage=10, fade_steps=4)
    images = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    holes = torch.zeros(2, 1, 16, 16)
    holes[:, :, 3, 3] = 1.0
    at_8, holes_8 = schedule.apply(images, holes, step=10 + 4)  # stage 8x8, fully faded in
    expected = images.reshape(2, 3, 8, 2, 8, 2).mean(dim=(3, 5))
    assert torch.allclose(at_8, expected, atol=1e-6)
    assert holes_8.shape == (2, 1, 8, 8) and holes_8.sum() == 2 and bool(holes_8[:, :, 1, 1].all())
    fading, _ = schedule.apply(images, holes, step=10 + 1)  # alpha 1/4
    coarse = expected.reshape(2, 3, 4, 2, 4, 2).mean(dim=(3, 5)).repeat_interleave(2, 2).repeat_interleave(2, 3)
    assert torch.allclose(fading, 0.25 * expected + 0.75 * coarse, atol=1e-6)
    final, final_holes = schedule.apply(images, holes, step=1000)
    assert torch.equal(final, images) and torch.equal(final_holes, holes)


def test_progressive_errors():
    with pytest.raises(InvalidParameterError, match="start_size"):
        ProgressiveSchedule(48, 16, 10, 5)
    with pytest.raises(InvalidParameterError, match="fade_steps"):
        ProgressiveSchedule(32, 8, 10, 11)
    with pytest.raises(ShapeMismatchError, match="images"):
        ProgressiveSchedule(32, 8, 10, 5).apply(torch.zeros(1, 3, 16, 16), torch.zeros(1, 1, 16, 16), 0)
