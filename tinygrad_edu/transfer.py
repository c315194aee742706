"""Moving tensors between backends (CPU <-> GPU), differentiably, and in and out through DLPack.

``x.to("cupy")`` is an operation like any other: its backward moves the gradient back, so a
loss computed on the GPU sends gradients to weights that live on the CPU. ``from_dlpack``
borrows the memory of another library's array (NumPy, PyTorch, CuPy, ...) without copying.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .autograd import Function
from .backends.base import Backend
from .backends.registry import get_backend
from .tensor import Tensor


class ToBackend(Function):
    """z = x copied to another backend;  dz/dx: the gradient copied back"""

    @staticmethod
    def forward(ctx: Any, x: Any, target: Backend | None = None) -> Any:
        assert target is not None
        ctx.source = ctx.backend
        # Through the host, the one place every backend can reach. A GPU backend's to_numpy
        # has already copied; a CPU backend's may hand back its own memory, and that is copied
        # here, so the two tensors never share memory.
        host = ctx.backend.to_numpy(x)
        if _may_share_memory(host, x):
            host = host.copy()
        return target.asarray(host)

    @staticmethod
    def backward(ctx: Any, grad: Tensor) -> Tensor:
        return to_backend(grad, ctx.source)


def _may_share_memory(host: np.ndarray, array: Any) -> bool:
    """Whether ``host``, what ``to_numpy(array)`` returned, may still be ``array``'s memory.

    NumPy answers for its own arrays. Any other array in CPU memory (DLPack device 1, or 3 for
    pinned memory) may have been handed over without a copy; one on a GPU cannot have been.
    When in doubt the answer is yes, which costs a copy and nothing else."""
    if isinstance(array, np.ndarray):
        return bool(np.may_share_memory(host, array))
    try:
        device_type, _ = array.__dlpack_device__()
    except Exception:  # no DLPack: the device is unknown
        return True
    return int(device_type) in (1, 3)


def to_backend(x: Tensor, backend: str | Backend) -> Tensor:
    """``x`` on ``backend``; the same tensor if it is already there.

    Gradients flow back across the move. Same as ``x.to(backend)``.

    Examples:
        >>> import tinygrad_edu as tg
        >>> x = tg.Tensor([1.0, 2.0], requires_grad=True)
        >>> y = tg.to_backend(x, "numpy")
        >>> y is x
        True
    """
    target = get_backend(backend)
    if target is x.backend:
        return x
    out = ToBackend.apply(x, target=target)
    # apply() gave the result the input's backend; the data now lives on the target.
    out.backend = target
    return out


def from_dlpack(array: Any, backend: str | Backend | None = None) -> Tensor:
    """A Tensor that shares memory with ``array`` from another library, through DLPack.

    Args:
        array: any object with ``__dlpack__`` (a NumPy or CuPy array, a PyTorch tensor, ...).
        backend: the backend whose array library imports it; default: the current backend.
            It must live on the same device (a CPU array for ``numpy``, a GPU one for ``cupy``).

    Returns:
        A leaf Tensor (``requires_grad=False``) viewing the same memory: writing into one is
        seen by the other. Use ``Tensor(...)`` instead for an independent copy.

    Examples:
        >>> import numpy as np, tinygrad_edu as tg
        >>> a = np.arange(3.0)
        >>> t = tg.from_dlpack(a, backend="numpy")
        >>> t.tolist()
        [0.0, 1.0, 2.0]
    """
    target = get_backend(backend)
    if not hasattr(array, "__dlpack__"):
        raise TypeError(
            f"from_dlpack needs an object with a __dlpack__ method (a NumPy, CuPy or PyTorch "
            f"array), not {type(array).__name__}; for lists or numbers use tinygrad_edu.tensor()."
        )
    try:
        data = target.xp.from_dlpack(array)
    except (BufferError, RuntimeError, TypeError, ValueError) as error:
        where = _device_of(array)
        raise BufferError(
            f"from_dlpack: backend {target.name!r} ({target.device_name()}) cannot import a "
            f"{type(array).__module__}.{type(array).__name__} from {where} ({error}). Import it "
            "with the backend of its own device, then move it: "
            f"from_dlpack(x, backend=...).to({target.name!r})."
        ) from error
    target.dtype_of(data)  # a clear error now for dtypes tinygrad_edu lacks (int32, float16)
    return Tensor._from_data(data, target)


def _device_of(array: Any) -> str:
    """The DLPack device of ``array`` in words (1 is the CPU, 2 is CUDA)."""
    try:
        kind, index = array.__dlpack_device__()
    except Exception:
        return "an unknown device"
    names = {1: "the CPU", 2: "CUDA GPU", 3: "pinned CPU memory", 10: "a ROCm GPU"}
    name = names.get(int(kind), f"DLPack device type {int(kind)}")
    return f"{name} {index}" if int(kind) in (2, 10) else name
