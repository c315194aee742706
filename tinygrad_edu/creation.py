"""Making tensors: from data, filled with a constant, ranges, and random numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .backends.base import Backend
from .backends.registry import get_backend
from .dtypes import DType, bool_, float32, int64, to_dtype
from .tensor import Tensor

BackendArg = str | Backend | None


def _shape(shape: tuple[Any, ...]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        shape = tuple(shape[0])
    for n in shape:
        if not isinstance(n, int) or n < 0:
            raise ValueError(f"shape {shape} must be made of non-negative ints")
    return tuple(shape)


def _make(array: Any, backend: Backend, requires_grad: bool) -> Tensor:
    out = Tensor._from_data(array, backend)
    return out.requires_grad_() if requires_grad else out


def tensor(
    data: Any, dtype: Any = None, requires_grad: bool = False, backend: BackendArg = None
) -> Tensor:
    """Same as ``Tensor(data, ...)``, spelled as in PyTorch."""
    return Tensor(data, dtype=dtype, requires_grad=requires_grad, backend=backend)


def full(
    shape: Any,
    fill_value: float,
    dtype: Any = None,
    requires_grad: bool = False,
    backend: BackendArg = None,
) -> Tensor:
    """A tensor of ``shape`` filled with ``fill_value`` (float32 unless that is an int or bool).

    Examples:
        >>> import tinygrad_edu as tg
        >>> tg.full((2,), 7.0).tolist()
        [7.0, 7.0]
    """
    b = get_backend(backend)
    if dtype is None:
        is_int = isinstance(fill_value, int) and not isinstance(fill_value, bool)
        dtype = bool_ if isinstance(fill_value, bool) else int64 if is_int else float32
    native = b.native_dtype(to_dtype(dtype))
    shape = _shape(shape if isinstance(shape, tuple) else (shape,))
    return _make(b.xp.full(shape, fill_value, dtype=native), b, requires_grad)


def zeros(
    *shape: Any, dtype: Any = float32, requires_grad: bool = False, backend: BackendArg = None
) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    b = get_backend(backend)
    array = b.xp.zeros(_shape(shape), dtype=b.native_dtype(to_dtype(dtype)))
    return _make(array, b, requires_grad)


def ones(
    *shape: Any, dtype: Any = float32, requires_grad: bool = False, backend: BackendArg = None
) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    b = get_backend(backend)
    array = b.xp.ones(_shape(shape), dtype=b.native_dtype(to_dtype(dtype)))
    return _make(array, b, requires_grad)


def arange(
    start: float,
    stop: float | None = None,
    step: float = 1,
    dtype: Any = None,
    requires_grad: bool = False,
    backend: BackendArg = None,
) -> Tensor:
    """Evenly spaced values in [start, stop): int64 for int arguments, float32 otherwise."""
    if stop is None:
        start, stop = 0, start
    if dtype is None:
        all_ints = all(isinstance(v, int) for v in (start, stop, step))
        dtype = int64 if all_ints else float32
    b = get_backend(backend)
    array = b.xp.arange(start, stop, step, dtype=b.native_dtype(to_dtype(dtype)))
    return _make(array, b, requires_grad)


def eye(
    n: int,
    m: int | None = None,
    dtype: Any = float32,
    requires_grad: bool = False,
    backend: BackendArg = None,
) -> Tensor:
    """The identity matrix (``n`` × ``m``, square by default)."""
    b = get_backend(backend)
    array = b.xp.eye(n, m, dtype=b.native_dtype(to_dtype(dtype)))
    return _make(array, b, requires_grad)


def rand(
    *shape: Any, dtype: Any = float32, requires_grad: bool = False, backend: BackendArg = None
) -> Tensor:
    """Uniform random numbers in [0, 1). Reproducible after :func:`manual_seed`."""
    b = get_backend(backend)
    dtype = _float_dtype(dtype, "rand")
    return _make(b.uniform(_shape(shape), dtype), b, requires_grad)


def randn(
    *shape: Any, dtype: Any = float32, requires_grad: bool = False, backend: BackendArg = None
) -> Tensor:
    """Standard normal random numbers. Reproducible after :func:`manual_seed`."""
    b = get_backend(backend)
    dtype = _float_dtype(dtype, "randn")
    return _make(b.normal(_shape(shape), dtype), b, requires_grad)


def _float_dtype(dtype: Any, name: str) -> DType:
    dtype = to_dtype(dtype)
    if not dtype.is_floating:
        raise TypeError(f"{name}: random numbers are float32 or float64, not {dtype.name}")
    return dtype


def _like(t: Tensor, dtype: Any) -> dict[str, Any]:
    return {"dtype": t.dtype if dtype is None else dtype, "backend": t.backend}


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return zeros(t.shape, requires_grad=requires_grad, **_like(t, dtype))


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return ones(t.shape, requires_grad=requires_grad, **_like(t, dtype))


def full_like(
    t: Tensor, fill_value: float, dtype: Any = None, requires_grad: bool = False
) -> Tensor:
    return full(t.shape, fill_value, requires_grad=requires_grad, **_like(t, dtype))


def rand_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return rand(t.shape, requires_grad=requires_grad, **_like(t, dtype))


def randn_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    return randn(t.shape, requires_grad=requires_grad, **_like(t, dtype))
