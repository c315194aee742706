"""``tg.accelerator``: PyTorch's newer, device-neutral way to ask for the GPU.

Recent PyTorch examples begin with ``device = torch.accelerator.current_accelerator().type if
torch.accelerator.is_available() else "cpu"``; here the only accelerator is the CUDA GPU of the
CuPy backend, so these two functions answer for it.

Examples:
    >>> import tinygrad_edu as tg
    >>> accelerator = tg.accelerator
    >>> device = accelerator.current_accelerator().type if accelerator.is_available() else "cpu"
    >>> device in ("cpu", "cuda")
    True
"""

from __future__ import annotations

from . import cuda
from .device import device


def is_available() -> bool:
    """Whether an accelerator (a CUDA GPU, through the CuPy backend) can be used."""
    return cuda.is_available()


def current_accelerator() -> device | None:
    """``device(type='cuda')`` when a GPU can be used, else None (as PyTorch)."""
    return device("cuda") if cuda.is_available() else None


def device_count() -> int:
    """The number of accelerators: 1 or 0."""
    return cuda.device_count()
