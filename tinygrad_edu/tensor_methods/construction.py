"""How ``Tensor(data)`` makes its array: Python numbers and lists through NumPy with
tinygrad_edu's dtype rules, arrays of the backend copied, and any other dtype mapped onto the
four of tinygrad_edu. ``Tensor.backward(grad)`` makes its starting gradient the same way."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dtypes import DType, bool_, float32, float64, int64
from .base import TensorBase


def host_array(data: Any, dtype: DType | None = None) -> Any:
    """Python data as a NumPy array with tinygrad_edu's dtype rules (floats become float32,
    unless float64 is asked for: rounding through float32 first would lose its precision)."""
    if isinstance(data, list | tuple) and any(isinstance(item, TensorBase) for item in data):
        raise TypeError(
            "Cannot make a Tensor from a list of Tensors; join them with tinygrad_edu.stack(...) "
            "(a new axis) or tinygrad_edu.cat(...) (an existing axis), which keep the gradient."
        )
    try:
        array = np.asarray(data)
    except ValueError as error:
        if "inhomogeneous" not in str(error):
            raise
        raise ValueError(
            "Cannot make a Tensor from nested lists of different lengths (a ragged list): every "
            "row must have the same length, like the rows of a table."
        ) from None
    kind = array.dtype.kind
    if kind == "f":
        if dtype is float64 or (
            isinstance(data, np.ndarray | np.generic) and array.dtype == np.float64
        ):
            return array
        return array.astype(np.float32)
    if kind in "iu":
        return array.astype(np.int64)
    if kind == "b":
        return array
    raise TypeError(
        f"Cannot make a Tensor from {type(data).__name__} with dtype {array.dtype}; "
        "pass numbers, nested lists of numbers, or a NumPy array."
    )


def array_of(backend: Any, data: Any, dtype: DType | None) -> Any:
    """``data`` as a new array of ``backend``, of ``dtype`` (None: chosen from the data)."""
    if backend.is_array(data):
        array = backend.xp.asarray(data, copy=True)
        if dtype is None and array.dtype not in (float64, float32, int64, bool_):
            # uint8 pixels or int32 labels become int64, float16 becomes float32: only the
            # four dtypes of tinygrad_edu exist, as for Python data.
            if backend.xp.isdtype(array.dtype, "real floating"):
                dtype = float32
            elif backend.xp.isdtype(array.dtype, "integral"):
                dtype = int64
        if dtype is not None:
            array = backend.xp.astype(array, backend.native_dtype(dtype))
    else:
        if hasattr(data, "__array_namespace__") and not hasattr(data, "__array__"):
            raise TypeError(
                f"Cannot make a {backend.name} Tensor from a {type(data).__module__} "
                "array directly; use tinygrad_edu.from_dlpack or Tensor(x).to(...)."
            )
        host = host_array(data, dtype)
        array = backend.asarray(host, dtype)
    return array
