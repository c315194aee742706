"""Moving tensors between backends (CPU <-> GPU), and in and out through DLPack.

``to_backend(x, "cupy")`` is ``x.to("cupy")``, an operation like any other (its Function,
:class:`~tinygrad_edu.ops.transfer.ToBackend`, is in ``ops/``). ``from_dlpack`` borrows the
memory of another library's array (NumPy, PyTorch, CuPy, ...) without copying.
"""

from __future__ import annotations

from typing import Any

from .backends.base import Backend
from .backends.registry import get_backend
from .ops.transfer import ToBackend as ToBackend  # its home is ops/; importable here too
from .ops.transfer import to_backend as move_to
from .tensor import Tensor


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
    return move_to(x, get_backend(backend))


def from_dlpack(ext_tensor: Any, backend: str | Backend | None = None) -> Tensor:
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
    if not hasattr(ext_tensor, "__dlpack__"):
        raise TypeError(
            f"from_dlpack needs an object with a __dlpack__ method (a NumPy, CuPy or PyTorch "
            f"array), not {type(ext_tensor).__name__}; for lists or numbers use "
            "tinygrad_edu.tensor()."
        )
    try:
        data = target.xp.from_dlpack(ext_tensor)
    except (BufferError, RuntimeError, TypeError, ValueError) as error:
        where = _device_of(ext_tensor)
        raise BufferError(
            f"from_dlpack: backend {target.name!r} ({target.device_name()}) cannot import a "
            f"{type(ext_tensor).__module__}.{type(ext_tensor).__name__} from {where} ({error}). "
            "Import it with the backend of its own device, then move it: "
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
