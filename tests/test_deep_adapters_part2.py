"""Adapters of Context Encoder, GLCIC, DeepFill v1 and PConv on small random-weight networks:
the wiring against direct network calls, GLCIC's post-processing (Poisson equation, known
pixels, seam), and the Context Encoder's windows for holes anywhere in an image."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

import torch  # noqa: E402  (the test extra installs it: a missing torch must fail, not skip)

from skimage import data  # noqa: E402

import inpaintkit as ik  # noqa: E402
from inpaintkit.deep.checkpoints import save_checkpoint  # noqa: E402
from inpaintkit.deep.context_encoder import Window, place_window  # noqa: E402
from inpaintkit.deep.context_encoder.network import (  # noqa: E402
    CENTER_SIZE,
    CENTER_START,
    INPUT_SIZE,
    MEAN_PIXEL,
    OVERLAP,
    ContextEncoderGenerator,
)
from inpaintkit.deep.deepfill1.network import DeepFillV1Generator  # noqa: E402
from inpaintkit.deep.glcic._postprocess import BLEND_BAND, poisson_blend, seam_energy  # noqa: E402
from inpaintkit.deep.glcic.network import CompletionNetwork  # noqa: E402
from inpaintkit.deep.pconv.network import PConvUNet  # noqa: E402
from inpaintkit.errors import InvalidParameterError, WeightsError  # noqa: E402

NETWORKS = {
    "context-encoder": (ContextEncoderGenerator, {"bottleneck_channels": 8, "nef": 8, "ngf": 8}),
    "glcic": (CompletionNetwork, {"pixel_mean": [0.4, 0.45, 0.5]}),
    "deepfill1": (DeepFillV1Generator, {"cnum": 8}),
    "pconv": (PConvUNet, {"layers": 4}),
}


@pytest.fixture(autouse=True)
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    """Seeded random weights for each method, with batch-norm statistics away from (0, 1) so
    that running them in evaluation mode is checked too."""
    paths = {}
    for method, (cls, config) in NETWORKS.items():
        torch.manual_seed(1)
        network = cls(**config)
        for module in network.modules():
            if isinstance(module, torch.nn.BatchNorm2d):
                module.running_mean.uniform_(-0.1, 0.1)
                module.running_var.uniform_(0.5, 2.0)
        path = tmp_path_factory.mktemp(method) / "weights.safetensors"
        paths[method] = save_checkpoint(path, network, method=method, config=config)
    return paths


def _network(method, path):
    """The network of ``path``, loaded independently of the adapter."""
    from inpaintkit.deep.checkpoints import load_checkpoint

    state, metadata = load_checkpoint(path)
    cls, _ = NETWORKS[method]
    network = cls(**metadata.config)
    network.load_state_dict(state)
    return network.eval()


def _photo(height, width):
    return cv2.resize(data.astronaut()[30:330, 100:400], (width, height), interpolation=cv2.INTER_AREA) / 255.0


def _box(shape, top, left, height, width):
    mask = np.zeros(shape, bool)
    mask[top : top + height, left : left + width] = True
    return mask


def _nchw(image):
    return torch.from_numpy(image.transpose(2, 0, 1)[None].astype(np.float32))


def _hwc(tensor):
    return tensor[0].numpy().transpose(1, 2, 0).astype(np.float64)


# --------------------------------------------------------------------------- common
@pytest.mark.parametrize("method", sorted(NETWORKS))
def test_registered_and_needs_weights(method):
    info = ik.inpainter_info(method)
    assert info.family == "deep" and info.needs_weights and info.backends == ("torch",)
    with pytest.raises(WeightsError, match="save_checkpoint"):
        ik.Inpainter.create(method)


@pytest.mark.parametrize("method", ["glcic", "deepfill1", "pconv"])
def test_hole_holds_the_networks_prediction(method, weights):
    """No padding needed (48x64 is a multiple of every network's): the fill is the network's
    output for the image mapped onto its range, with the hole zeroed."""
    image, mask = _photo(48, 64), _box((48, 64), 12, 20, 16, 22)
    params = {"postprocess": False} if method == "glcic" else {}
    out = ik.Inpainter.create(method, weights=weights[method], n_threads=1, **params).inpaint(image, mask)
    network = _network(method, weights[method])
    low, high = network.value_range
    scaled = np.where(mask[:, :, None], low, image * (high - low) + low)
    with torch.no_grad():
        prediction = network(_nchw(scaled), torch.from_numpy(mask[None, None].astype(np.float32)))
    if method == "deepfill1":
        prediction = prediction[1]
    expected = (_hwc(prediction).clip(low, high) - low) / (high - low)
    np.testing.assert_allclose(out[mask], expected[mask], atol=1e-6)
    assert np.array_equal(out[~mask], image[~mask])


def test_pconv_pads_to_its_levels(weights):
    pconv = ik.Inpainter.create("pconv", weights=weights["pconv"])
    assert pconv.multiple == 16  # 2 ** layers, from the weights
    with pytest.raises(InvalidParameterError, match="max_size"):
        ik.Inpainter.create("pconv", weights=weights["pconv"], max_size=8)


# --------------------------------------------------------------------------- GLCIC post-processing
def test_poisson_blend_solves_the_guided_equation():
    """Known answer: a source with the destination's gradients in the hole and an offset gives
    back the destination; and in general the correction (blend - source) is harmonic in the interior
    of the eroded hole, while the known pixels are left exactly as they were."""
    rng = np.random.default_rng(0)
    ramp = np.dstack(np.meshgrid(np.linspace(0, 1, 30), np.linspace(0, 2, 24)))
    mask = _box((24, 30), 5, 6, 12, 15)
    # the source is read inside the hole only: edges to known pixels take the destination's
    # differences, so an offset source with noise outside the hole still gives the ramp back
    source = np.where(mask[:, :, None], ramp + 0.3, rng.random(ramp.shape))
    np.testing.assert_allclose(poisson_blend(source, ramp, mask, band=0), ramp, atol=1e-12)

    source, destination = rng.random((24, 30, 2)), rng.random((24, 30, 2))
    blend = poisson_blend(source, destination, mask)
    assert np.array_equal(blend[~mask], destination[~mask])
    correction = blend - source
    inner = np.zeros_like(mask)
    inner[5 + BLEND_BAND + 1 : 17 - BLEND_BAND - 1, 6 + BLEND_BAND + 1 : 21 - BLEND_BAND - 1] = True
    laplacian = 4 * correction[1:-1, 1:-1] - (
        correction[:-2, 1:-1] + correction[2:, 1:-1] + correction[1:-1, :-2] + correction[1:-1, 2:]
    )
    assert np.abs(laplacian[inner[1:-1, 1:-1]]).max() < 1e-10
    # outside the eroded hole, the guidance is the destination's: a destination that is
    # itself the solution there (band covering the hole) is returned unchanged
    np.testing.assert_allclose(poisson_blend(source, destination, mask, band=20), destination, atol=1e-12)


def test_glcic_postprocessing_keeps_known_pixels_and_reduces_the_seam(weights):
    image, mask = _photo(64, 64), _box((64, 64), 20, 18, 24, 28)
    raw = ik.Inpainter.create("glcic", weights=weights["glcic"], postprocess=False, n_threads=1)
    blended = ik.Inpainter.create("glcic", weights=weights["glcic"], n_threads=1)
    before, after = raw.inpaint(image, mask), blended.inpaint(image, mask)
    assert np.array_equal(after[~mask], image[~mask])
    # the blend itself (before the spine composites) leaves the known pixels alone
    work = np.where(mask[:, :, None], 0.0, image)
    ctx = ik.api.Context(
        backend="torch", xp=np, source_dtype=np.dtype(np.float64), callback=None, progress=False, description="glcic"
    )
    assert np.array_equal(blended._inpaint(work, mask, ctx)[~mask], image[~mask])
    # a random network leaves a strong seam; the blend grades it away (measured: 40 -> 0.24)
    assert seam_energy(after, mask) < 0.05 * seam_energy(before, mask)
    assert not np.allclose(after[mask], before[mask])
    # batches with post-processing give what single calls give
    batch = blended.inpaint_batch([image, image[:, ::-1]], [mask, mask[:, ::-1]])
    assert np.array_equal(batch[0], after)
    assert np.array_equal(batch[1], blended.inpaint(image[:, ::-1], mask[:, ::-1]))


# --------------------------------------------------------------------------- Context Encoder windows
def _hole_span(window: Window, overlap: int = OVERLAP) -> tuple[float, float]:
    scale = window.side / INPUT_SIZE
    return (CENTER_START + overlap) * scale, (CENTER_START + CENTER_SIZE - overlap) * scale


@pytest.mark.parametrize(
    "box,shape",
    [
        ((slice(100, 140), slice(100, 120)), (300, 300)),  # centre, fits
        ((slice(0, 10), slice(0, 10)), (300, 300)),  # corner
        ((slice(290, 300), slice(120, 176)), (300, 300)),  # bottom edge, 56 wide: exactly fits
        ((slice(10, 200), slice(20, 90)), (300, 400)),  # larger than 56: scaled
        ((slice(9, 17), slice(12, 22)), (28, 36)),  # image smaller than the window
    ],
)
def test_window_holds_the_hole_in_the_trained_hole(box, shape):
    window = place_window(box, shape, OVERLAP)
    assert window.side % 4 == 0 and window.side >= INPUT_SIZE
    for axis, origin in ((0, window.top), (1, window.left)):
        first, stop = _hole_span(window)
        assert origin + first <= box[axis].start and box[axis].stop <= origin + stop
    extent = max(s.stop - s.start for s in box)
    if extent <= INPUT_SIZE - 2 * (CENTER_START + OVERLAP):
        assert window.side == INPUT_SIZE
    else:  # the smallest side that holds the box
        first, stop = _hole_span(Window(0, 0, window.side - 4))
        assert stop - first < extent


def test_window_moves_inwards_at_the_border_only_as_far_as_the_hole_allows():
    centred = place_window((slice(100, 140), slice(100, 120)), (300, 300), OVERLAP)
    assert (centred.top, centred.left) == (56, 46)  # (start + stop - 128) // 2
    near = place_window((slice(20, 30), slice(0, 10)), (300, 300), OVERLAP)
    # centred would start at -39 / -59; inside the image would be 0; the hole must stay in
    # rows 36..91 of the window, so the window starts at 30 - 92 = -62 .. 20 - 36 = -16
    assert (near.top, near.left) == (-16, -36)


class _Probe(torch.nn.Module):
    """Stands in for the generator: records its inputs and answers with a horizontal ramp,
    ``(column - 31.5) / 64`` over the 64x64 centre, so that where each fill value came from
    can be read back."""

    def __init__(self, real):
        super().__init__()
        self.fill_value, self.overlap = real.fill_value, real.overlap
        self.inputs = []

    def forward(self, windows):
        self.inputs.append(windows.clone())
        ramp = (torch.arange(CENTER_SIZE, dtype=windows.dtype) - 31.5) / 64
        return ramp.expand(windows.shape[0], 3, CENTER_SIZE, CENTER_SIZE).clone()


@pytest.mark.parametrize(
    "where,box",
    [
        ("corner", (slice(0, 12), slice(0, 15))),
        ("edge", (slice(60, 80), slice(150, 160))),
        ("centre", (slice(70, 95), slice(60, 100))),
        ("large", (slice(20, 110), slice(40, 120))),  # 90x80: a 208-pixel window, downscaled
    ],
)
def test_context_encoder_window_content_and_placement(weights, where, box):
    height, width = 150, 160
    image = _photo(height, width)
    mask = np.zeros((height, width), bool)
    mask[box] = True
    encoder = ik.Inpainter.create("context-encoder", weights=weights["context-encoder"], n_threads=1)
    probe = _Probe(encoder.network)
    encoder.network = probe
    out = encoder.inpaint(image, mask)

    window = place_window(box, (height, width), OVERLAP)
    # what the network saw: the image mirrored past its border, the hole in the mean colour
    pad = window.side
    backdrop = np.where(mask[:, :, None], np.array(MEAN_PIXEL), image)
    padded = np.pad(backdrop, ((pad, pad), (pad, pad), (0, 0)), "symmetric")
    top, left = window.top + pad, window.left + pad
    crop = padded[top : top + window.side, left : left + window.side]
    # downscaled by averaging (PyTorch's "area": adaptive average pooling)
    crop = _hwc(torch.nn.functional.adaptive_avg_pool2d(_nchw(crop).double(), INPUT_SIZE))
    (seen,) = probe.inputs
    np.testing.assert_allclose(_hwc(seen) * 0.5 + 0.5, crop, atol=1e-5)
    # where the answer went: column x of the image reads the ramp at its place in the centre
    left = window.left + window.side // 4  # the centre is the middle half of the window
    columns = np.nonzero(mask)[1]
    source = (columns - left + 0.5) * CENTER_SIZE / (window.side // 2) - 0.5
    np.testing.assert_allclose(out[mask][:, 0], ((source - 31.5) / 64) * 0.5 + 0.5, atol=1e-6)
    assert np.array_equal(out[~mask], image[~mask])


def test_context_encoder_fills_holes_anywhere_with_the_network(weights):
    """Three holes (corner, edge, centre) in one image, real random-weight network: each is
    filled with the network's prediction for its own window, known pixels untouched."""
    height, width = 150, 200
    image = _photo(height, width)
    boxes = [(slice(0, 12), slice(0, 15)), (slice(60, 80), slice(190, 200)), (slice(70, 95), slice(80, 110))]
    mask = np.zeros((height, width), bool)
    for box in boxes:
        mask[box] = True
    out = ik.Inpainter.create("context-encoder", weights=weights["context-encoder"], n_threads=1).inpaint(image, mask)
    network = _network("context-encoder", weights["context-encoder"])
    backdrop = np.where(mask[:, :, None], np.array(MEAN_PIXEL), image)
    backdrop = np.pad(backdrop, ((128, 128), (128, 128), (0, 0)), "symmetric")
    for box in boxes:
        window = place_window(box, (height, width), OVERLAP)
        crop = backdrop[window.top + 128 : window.top + 256, window.left + 128 : window.left + 256]
        with torch.no_grad():
            centre = _hwc(network(_nchw(crop * 2 - 1))) * 0.5 + 0.5
        assert window.side == INPUT_SIZE
        top, left = window.top + CENTER_START, window.left + CENTER_START
        ys, xs = np.mgrid[box][0].ravel(), np.mgrid[box][1].ravel()
        np.testing.assert_allclose(out[ys, xs], centre[ys - top, xs - left], atol=1e-5)
    assert np.array_equal(out[~mask], image[~mask])
