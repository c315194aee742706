"""Making tensors: from data, filled with a constant, ranges, and random numbers.

Every function takes ``backend=`` (tinygrad_edu's word) or ``device=`` (PyTorch's: ``"cpu"`` is
the NumPy backend, ``"cuda"`` the CuPy one); without either, the current backend is used (see
:func:`tinygrad_edu.get_backend`).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

from .backends.base import Backend
from .backends.registry import get_backend
from .device import pick
from .dtypes import DType, bool_, float32, float64, int64, to_dtype
from .generator import draw
from .tensor import Tensor

BackendArg = str | Backend | None


def _shape(shape: tuple[Any, ...]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        shape = tuple(shape[0])
    sizes = []
    for n in shape:
        try:
            size = operator.index(n)  # ints, NumPy integers, 0-d integer arrays; not floats
        except TypeError:
            size = -1
        if isinstance(n, bool) or size < 0:
            raise ValueError(f"shape {shape} must be made of non-negative ints")
        sizes.append(size)
    return tuple(sizes)


def _backend(backend: BackendArg, device: Any) -> Backend:
    return get_backend(pick(backend, device))


def _make(array: Any, backend: Backend, requires_grad: bool) -> Tensor:
    out = Tensor._from_data(array, backend)
    return out.requires_grad_() if requires_grad else out


def tensor(
    data: Any, dtype: Any = None, requires_grad: bool = False, backend: BackendArg = None,
    device: Any = None,
) -> Tensor:
    """Same as ``Tensor(data, ...)``, spelled as in PyTorch."""
    return Tensor(data, dtype=dtype, requires_grad=requires_grad, backend=backend, device=device)


def from_numpy(array: Any) -> Tensor:
    """A CPU tensor that shares ``array``'s memory, as PyTorch's ``from_numpy``: a change to
    either shows in both. float32, float64, int64 and bool arrays are shared as they are;
    other integer types are copied to int64 and other float types to float32 (tinygrad_edu has
    no other dtypes), so those are not shared.

    Examples:
        >>> import numpy as np, tinygrad_edu as tg
        >>> a = np.array([1.0, 2.0])
        >>> x = tg.from_numpy(a)
        >>> a[0] = 5.0
        >>> x.tolist(), x.dtype
        ([5.0, 2.0], tinygrad_edu.float64)
    """
    import numpy as np

    if not isinstance(array, np.ndarray):
        raise TypeError(
            f"from_numpy expects a numpy.ndarray, got {type(array).__name__}; use "
            "tg.tensor(data) for other data"
        )
    kind, size = array.dtype.kind, array.dtype.itemsize
    if kind in "iu" and array.dtype != np.int64:
        array = array.astype(np.int64)
    elif kind == "f" and size not in (4, 8):
        array = array.astype(np.float32)
    elif kind not in "iufb":
        raise TypeError(
            f"from_numpy: arrays of dtype {array.dtype} have no tinygrad_edu dtype; tinygrad_edu "
            "has float32, float64, int64 and bool"
        )
    return Tensor._from_data(array, get_backend("numpy"))


def full(
    size: Any,
    fill_value: float,
    dtype: Any = None,
    requires_grad: bool = False,
    backend: BackendArg = None,
    device: Any = None,
) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (float32 unless that is an int or bool).

    Examples:
        >>> import tinygrad_edu as tg
        >>> tg.full((2,), 7.0).tolist()
        [7.0, 7.0]
    """
    b = _backend(backend, device)
    if dtype is None:
        is_int = isinstance(fill_value, int) and not isinstance(fill_value, bool)
        dtype = bool_ if isinstance(fill_value, bool) else int64 if is_int else float32
    native = b.native_dtype(to_dtype(dtype))
    size = _shape(size if isinstance(size, tuple) else (size,))
    return _make(b.xp.full(size, fill_value, dtype=native), b, requires_grad)


def zeros(
    *shape: Any, dtype: Any = float32, requires_grad: bool = False, backend: BackendArg = None,
    device: Any = None,
) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)`` or ``zeros((2, 3))``."""
    b = _backend(backend, device)
    array = b.xp.zeros(_shape(shape), dtype=b.native_dtype(to_dtype(dtype)))
    return _make(array, b, requires_grad)


def ones(
    *shape: Any, dtype: Any = float32, requires_grad: bool = False, backend: BackendArg = None,
    device: Any = None,
) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    b = _backend(backend, device)
    array = b.xp.ones(_shape(shape), dtype=b.native_dtype(to_dtype(dtype)))
    return _make(array, b, requires_grad)


def empty(
    *shape: Any, dtype: Any = float32, requires_grad: bool = False, backend: BackendArg = None,
    device: Any = None,
) -> Tensor:
    """A tensor whose values are whatever the memory held: fill it before reading it
    (``empty(2, 3)`` or ``empty((2, 3))``). Faster than :func:`zeros` only for large tensors."""
    b = _backend(backend, device)
    array = b.xp.empty(_shape(shape), dtype=b.native_dtype(to_dtype(dtype)))
    return _make(array, b, requires_grad)


def linspace(
    start: float,
    end: float,
    steps: int,
    dtype: Any = None,
    requires_grad: bool = False,
    backend: BackendArg = None,
    device: Any = None,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included (float32 unless
    ``dtype`` says otherwise), as PyTorch's ``linspace``.

    Examples:
        >>> import tinygrad_edu as tg
        >>> tg.linspace(0, 1, 5).tolist()
        [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    try:
        count = operator.index(steps)
    except TypeError:
        count = -1
    if isinstance(steps, bool) or count < 0:
        raise ValueError(f"linspace: steps must be a non-negative int, not {steps!r}")
    b = _backend(backend, device)
    dtype = to_dtype(float32 if dtype is None else dtype)
    if dtype.is_floating:
        array = b.xp.linspace(start, end, count, dtype=b.native_dtype(dtype))
    else:  # as PyTorch: computed in floating point, then truncated toward zero
        array = b.xp.astype(b.xp.linspace(start, end, count, dtype=b.native_dtype(float32)),
                            b.native_dtype(dtype))
    return _make(array, b, requires_grad)


def arange(
    start: float, end: float | None = None, step: float = 1, dtype: Any = None,
    requires_grad: bool = False, backend: BackendArg = None, device: Any = None,
) -> Tensor:
    """Evenly spaced values in [start, stop): int64 for int arguments, float32 otherwise."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError(f"arange: step must be nonzero, got step={step!r}")
    if dtype is None:
        all_ints = all(isinstance(v, int) for v in (start, end, step))
        dtype = int64 if all_ints else float32
    b, dtype = _backend(backend, device), to_dtype(dtype)
    if dtype is float32:  # start + i * step in float64, rounded once, as PyTorch (NumPy adds up
        wide = b.xp.arange(start, end, step, dtype=b.native_dtype(float64))  # float32 steps)
        return _make(b.xp.astype(wide, b.native_dtype(float32)), b, requires_grad)
    array = b.xp.arange(start, end, step, dtype=b.native_dtype(dtype))
    return _make(array, b, requires_grad)


def eye(
    n: int,
    m: int | None = None,
    dtype: Any = float32,
    requires_grad: bool = False,
    backend: BackendArg = None,
    device: Any = None,
) -> Tensor:
    """The identity matrix (``n`` × ``m``, square by default)."""
    b = _backend(backend, device)
    array = b.xp.eye(n, m, dtype=b.native_dtype(to_dtype(dtype)))
    return _make(array, b, requires_grad)


def rand(
    *shape: Any, dtype: Any = float32, requires_grad: bool = False, backend: BackendArg = None,
    device: Any = None, generator: Any = None,
) -> Tensor:
    """Uniform random numbers in [0, 1). Reproducible after :func:`manual_seed`, or from a
    ``generator=tg.Generator().manual_seed(seed)`` (which leaves the global stream alone)."""
    b = _backend(backend, device)
    dtype = _float_dtype(dtype, "rand")
    return _make(draw(generator, b, "uniform", _shape(shape), dtype), b, requires_grad)


def randn(
    *shape: Any, dtype: Any = float32, requires_grad: bool = False, backend: BackendArg = None,
    device: Any = None, generator: Any = None,
) -> Tensor:
    """Standard normal random numbers. Reproducible after :func:`manual_seed` (or from a
    ``generator=``, as :func:`rand`)."""
    b = _backend(backend, device)
    dtype = _float_dtype(dtype, "randn")
    return _make(draw(generator, b, "normal", _shape(shape), dtype), b, requires_grad)


def randint(
    low: int, high: Any = None, size: Any = None,  # high: or the size, in randint(high, size)
    dtype: Any = int64, requires_grad: bool = False, backend: BackendArg = None,
    device: Any = None, generator: Any = None,
) -> Tensor:
    """Random integers from ``low`` (inclusive) to ``high`` (exclusive), as PyTorch's
    ``randint(low, high, size)`` or ``randint(high, size)``. Reproducible after
    :func:`manual_seed` (or from a ``generator=``, as :func:`rand`).

    Examples:
        >>> import tinygrad_edu as tg
        >>> x = tg.randint(0, 10, (100,))
        >>> x.dtype, 0 <= x.min().item() and x.max().item() < 10
        (tinygrad_edu.int64, True)
    """
    if size is None:
        if high is None or not isinstance(high, tuple | list):
            raise TypeError("randint needs a size: randint(low, high, size) or randint(high, size)")
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    if not high > low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    b = _backend(backend, device)
    shape = _shape(tuple(size) if isinstance(size, tuple | list) else (size,))
    draws = draw(generator, b, "uniform", shape, to_dtype("float64"))  # every int < 2**53
    span = high - low
    array = b.xp.floor(draws * span) + low
    array = b.xp.clip(array, low, high - 1)  # guards the rounding of draws * span up to span
    return _make(b.xp.astype(array, b.native_dtype(to_dtype(dtype))), b, requires_grad)


def _float_dtype(dtype: Any, name: str) -> DType:
    dtype = to_dtype(dtype)
    if not dtype.is_floating:
        raise TypeError(f"{name}: random numbers are float32 or float64, not {dtype.name}")
    return dtype


def _like(t: Tensor, dtype: Any, backend: BackendArg, device: Any) -> dict[str, Any]:
    """The dtype and backend of ``t``, unless the call names others."""
    where = pick(backend, device)
    return {"dtype": t.dtype if dtype is None else dtype,
            "backend": t.backend if where is None else where}


def zeros_like(
    input: Tensor, dtype: Any = None, requires_grad: bool = False, backend: BackendArg = None,
    device: Any = None,
) -> Tensor:
    """Zeros with the shape, dtype and backend of ``input`` (each can be overridden)."""
    return zeros(input.shape, requires_grad=requires_grad, **_like(input, dtype, backend, device))


def ones_like(
    input: Tensor, dtype: Any = None, requires_grad: bool = False, backend: BackendArg = None,
    device: Any = None,
) -> Tensor:
    """Ones with the shape, dtype and backend of ``input``."""
    return ones(input.shape, requires_grad=requires_grad, **_like(input, dtype, backend, device))


def empty_like(
    input: Tensor, dtype: Any = None, requires_grad: bool = False, backend: BackendArg = None,
    device: Any = None,
) -> Tensor:
    """An unfilled tensor with the shape, dtype and backend of ``input`` (see :func:`empty`)."""
    return empty(input.shape, requires_grad=requires_grad, **_like(input, dtype, backend, device))


def full_like(
    input: Tensor, fill_value: float, dtype: Any = None, requires_grad: bool = False,
    backend: BackendArg = None, device: Any = None,
) -> Tensor:
    """``fill_value`` everywhere, with the shape, dtype and backend of ``input``."""
    return full(
        input.shape, fill_value, requires_grad=requires_grad, **_like(input, dtype, backend, device)
    )


def rand_like(
    input: Tensor, dtype: Any = None, requires_grad: bool = False, backend: BackendArg = None,
    device: Any = None, generator: Any = None,
) -> Tensor:
    """Uniform random numbers in [0, 1) with the shape, dtype and backend of ``input``."""
    return rand(input.shape, requires_grad=requires_grad, generator=generator,
                **_like(input, dtype, backend, device))


def randn_like(
    input: Tensor, dtype: Any = None, requires_grad: bool = False, backend: BackendArg = None,
    device: Any = None, generator: Any = None,
) -> Tensor:
    """Standard normal random numbers with the shape, dtype and backend of ``input``."""
    return randn(input.shape, requires_grad=requires_grad, generator=generator,
                 **_like(input, dtype, backend, device))


def randperm(
    n: int, dtype: Any = int64, requires_grad: bool = False, backend: BackendArg = None,
    device: Any = None, generator: Any = None,
) -> Tensor:
    """The numbers 0 to n - 1 in a random order, as PyTorch's ``randperm`` (how a training
    loop shuffles its examples). Reproducible after :func:`manual_seed` (with other numbers
    than PyTorch's).

    Examples:
        >>> import tinygrad_edu as tg
        >>> sorted(tg.randperm(5).tolist())
        [0, 1, 2, 3, 4]
    """
    count = _shape((n,))[0]
    b = _backend(backend, device)
    keys = draw(generator, b, "uniform", (count,), to_dtype("float64"))
    order = b.xp.argsort(keys, stable=True)
    return _make(b.xp.astype(order, b.native_dtype(to_dtype(dtype))), b, requires_grad)


def as_tensor(data: Any, dtype: Any = None, device: Any = None, *,
              backend: BackendArg = None) -> Tensor:
    """``data`` as a Tensor, sharing memory where it can, as PyTorch's ``as_tensor``: a Tensor
    already of that dtype and backend is returned itself, a NumPy array of a tinygrad_edu
    dtype becomes a CPU tensor sharing its memory (as :func:`from_numpy`); anything else is
    copied, as :func:`tensor` does.

    Examples:
        >>> import numpy as np, tinygrad_edu as tg
        >>> a = np.array([1.0, 2.0], dtype=np.float32)
        >>> x = tg.as_tensor(a)
        >>> a[0] = 9.0
        >>> x.tolist()
        [9.0, 2.0]
    """
    where = pick(backend, device)
    target = None if where is None else get_backend(where)
    if isinstance(data, Tensor):
        out = data if target is None or data.backend is target else data.to(target)
        return out if dtype is None else out.astype(dtype)
    import numpy as np

    cpu = get_backend("numpy")
    if (isinstance(data, np.ndarray) and data.dtype in (np.float32, np.float64, np.int64, bool)
            and (target or get_backend()) is cpu
            and (dtype is None or cpu.native_dtype(to_dtype(dtype)) == data.dtype)):
        return Tensor._from_data(data, cpu)
    return Tensor(data, dtype=dtype, backend=target)


def get_default_dtype() -> DType:
    """The dtype that floating-point data gets when no ``dtype=`` is given: ``tg.float32``
    (as PyTorch's ``get_default_dtype``)."""
    return float32


def set_default_dtype(dtype: Any) -> None:
    """Accepts ``tg.float32``, the default already; tinygrad_edu cannot change the default.
    For float64 everywhere, pass ``dtype=tg.float64`` where tensors are made, or convert a
    model with ``model.double()``."""
    if to_dtype(dtype) is not float32:
        raise NotImplementedError(
            f"set_default_dtype({dtype!r}): tinygrad_edu's default floating dtype is always "
            "float32; pass dtype=tg.float64 where you make tensors (tg.tensor(data, "
            "dtype=tg.float64), tg.zeros(..., dtype=tg.float64)) or use model.double()."
        )
