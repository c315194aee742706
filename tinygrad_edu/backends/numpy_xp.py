"""The NumPy backend's ``xp``: NumPy's own namespace, with six calls made thinner.

``np.sum``, ``np.max``, ``np.min``, ``np.reshape``, ``np.permute_dims`` and ``np.take`` are
Python functions that look at their arguments, then call a ufunc's ``reduce`` or an array
method, which does the work in C. On small arrays the looking costs more than the work:
2 to 3 µs for ``np.sum`` of a 128 x 10 array, against 1 µs for ``np.add.reduce``. An engine
that makes a dozen such calls per training step pays tens of µs that hand-written NumPy,
calling the methods, does not. Here each of the six goes straight to C for an ``ndarray``
with the arguments the array API names, and to NumPy's function for anything else, so the
numbers are NumPy's own: the same ufunc does the work either way.

Everything else (``exp``, ``matmul``, ``where``, the dtypes, ...) is NumPy's object itself.

Examples:
    >>> import numpy as np
    >>> from tinygrad_edu.backends.numpy_xp import xp
    >>> x = np.arange(6.0).reshape(2, 3)
    >>> xp.sum(x, axis=1).tolist(), xp.max(x).item(), xp.exp is np.exp
    ([3.0, 12.0], 5.0, True)
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np

_add: Any = np.add.reduce  # (typed Any: the stubs overload reduce by its keywords)
_maximum: Any = np.maximum.reduce
_minimum: Any = np.minimum.reduce


def sum(x: Any, /, *, axis: Any = None, dtype: Any = None, keepdims: bool = False,
        **more: Any) -> Any:
    """``np.sum``; for an ndarray, ``np.add.reduce`` itself (what ``np.sum`` calls)."""
    if more or type(x) is not np.ndarray:
        return np.sum(x, axis=axis, dtype=dtype, keepdims=keepdims, **more)
    return _add(x, axis=axis, dtype=dtype, keepdims=keepdims)


def max(x: Any, /, *, axis: Any = None, keepdims: bool = False, **more: Any) -> Any:
    """``np.max``; for an ndarray, ``np.maximum.reduce`` (a nan wins, as in ``np.max``)."""
    if more or type(x) is not np.ndarray:
        return np.max(x, axis=axis, keepdims=keepdims, **more)
    return _maximum(x, axis=axis, keepdims=keepdims)


def min(x: Any, /, *, axis: Any = None, keepdims: bool = False, **more: Any) -> Any:
    """``np.min``; for an ndarray, ``np.minimum.reduce``."""
    if more or type(x) is not np.ndarray:
        return np.min(x, axis=axis, keepdims=keepdims, **more)
    return _minimum(x, axis=axis, keepdims=keepdims)


def reshape(x: Any, /, shape: Any, **more: Any) -> Any:
    """``np.reshape``; for an ndarray, its ``reshape`` method (a view where possible)."""
    if more or type(x) is not np.ndarray:
        return np.reshape(x, shape, **more)
    return x.reshape(shape)


def permute_dims(x: Any, /, axes: Any) -> Any:
    """``np.permute_dims``; for an ndarray, its ``transpose`` method (always a view)."""
    if type(x) is not np.ndarray:
        return np.permute_dims(x, axes)
    return x.transpose(axes)


def take(x: Any, indices: Any, /, *, axis: Any = None, **more: Any) -> Any:
    """``np.take``; for an ndarray, its ``take`` method (a DataLoader's batch gathering)."""
    if more or type(x) is not np.ndarray:
        return np.take(x, indices, axis=axis, **more)
    return x.take(indices, axis=axis)


def _namespace() -> types.ModuleType:
    space = types.ModuleType(__name__ + ".xp", "NumPy, with sum, max, min, reshape, permute_dims "
                             "and take sent straight to C for ndarrays (see the module)")
    space.__dict__.update({k: v for k, v in vars(np).items() if not k.startswith("__")})
    space.__dict__.update(sum=sum, max=max, min=min, reshape=reshape, permute_dims=permute_dims,
                          take=take)
    space.__dict__["__numpy__"] = np  # what tg.jit traces through (see capture)
    return space


xp = _namespace()
