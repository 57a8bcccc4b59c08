"""Helpers shared by the deep-network tests."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture
def one_thread_and_seed():
    """One CPU thread and a fixed seed for the test, restored afterwards."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(threads)


def n_params(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def image_and_mask(h: int = 64, w: int = 64, batch: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """A random image batch and a box hole (1 = hole) in its upper-left quarter."""
    image = torch.rand(batch, 3, h, w)
    mask = torch.zeros(batch, 1, h, w)
    mask[..., h // 4 : h // 2 + 4, w // 4 : w // 2 + 8] = 1.0
    return image, mask


def assert_every_parameter_learns(module: torch.nn.Module) -> None:
    # Biases right before a batch norm get a zero gradient by design: check the weights.
    dead = [
        name for name, p in module.named_parameters()
        if p.grad is None or not torch.isfinite(p.grad).all() or (name.endswith("weight") and not p.grad.any())
    ]
    assert not dead, f"parameters without a (finite) gradient: {dead[:5]}"
