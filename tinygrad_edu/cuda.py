"""``tg.cuda``: the few questions PyTorch code asks about the GPU, answered for the CuPy backend.

Beginner code often starts with ``device = "cuda" if torch.cuda.is_available() else "cpu"``;
with ``import tinygrad_edu as torch`` that line works unchanged. The GPU is the CuPy backend
(the ``tinygrad-edu-cupy`` plugin), and "available" means that backend loads and finds a GPU.

Examples:
    >>> import tinygrad_edu as tg
    >>> device = "cuda" if tg.cuda.is_available() else "cpu"
    >>> tg.zeros(2, device=device).device.type == device
    True
"""

from __future__ import annotations

from .backends.registry import BackendError, get_backend


def is_available() -> bool:
    """Whether tensors can go to ``"cuda"``: the CuPy plugin is installed and finds a GPU. It
    never raises; ``tg.zeros(1, device="cuda")`` says what is missing when it is not."""
    try:
        get_backend("cupy")
    except BackendError:
        return False
    return True


def device_count() -> int:
    """The number of GPUs tinygrad_edu can use: 1 when :func:`is_available`, else 0 (the CuPy
    backend uses one GPU, CuPy's current one)."""
    return 1 if is_available() else 0
