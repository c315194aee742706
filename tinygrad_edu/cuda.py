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


def synchronize() -> None:
    """Wait for the GPU to finish its queued work, as ``torch.cuda.synchronize`` (for timing
    code). Nothing to wait for without a GPU."""
    if is_available():
        get_backend("cupy").xp.cuda.Device().synchronize()


# PyTorch names for controlling CUDA itself, which this library leaves to CuPy.
_LEFT_TO_CUPY = {
    "Stream": "streams", "stream": "streams", "current_stream": "streams",
    "default_stream": "streams", "Event": "events", "set_device": "the current device",
    "current_device": "the current device", "get_device_name": "the device's name",
    "memory_allocated": "GPU memory", "max_memory_allocated": "GPU memory",
    "empty_cache": "GPU memory", "amp": "mixed precision", "graphs": "CUDA graphs",
    "manual_seed": "seeding", "manual_seed_all": "seeding",
}


def __getattr__(name: str) -> object:
    """A clear error for PyTorch's CUDA names this library does not offer."""
    if name in _LEFT_TO_CUPY:
        if name.startswith("manual_seed"):
            hint = "tinygrad_edu.manual_seed(seed) seeds every backend, the GPU one included"
        else:
            hint = (f"{_LEFT_TO_CUPY[name]} are CuPy's here: import cupy and use "
                    f"cupy.cuda (e.g. cupy.cuda.Stream, cupy.cuda.Device().use()); tensors on "
                    "the CuPy backend run on CuPy's current stream and device")
        raise AttributeError(f"tinygrad_edu.cuda.{name} is not provided: {hint}.")
    raise AttributeError(f"module 'tinygrad_edu.cuda' has no attribute {name!r}")
