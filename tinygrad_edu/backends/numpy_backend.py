"""The NumPy backend: the reference implementation of the Backend protocol, for the CPU."""

from __future__ import annotations

import platform
from typing import Any

import numpy as np

from .. import threads
from ..dtypes import DType
from .base import Array, Backend

# The integer type of each float type's width: a float's bits, read as that integer.
_BITS = {np.dtype(np.float32): np.int32, np.dtype(np.float64): np.int64}


class NumpyBackend(Backend):
    """Arrays are ``numpy.ndarray``; NumPy 2's main namespace follows the array API standard."""

    name = "numpy"
    xp = np

    def __init__(self) -> None:
        super().__init__()
        self._rng = np.random.default_rng()

    def is_array(self, obj: Any) -> bool:
        return isinstance(obj, (np.ndarray, np.generic))

    def to_numpy(self, array: Array) -> np.ndarray:
        return np.asarray(array)

    def scatter_add(self, target: Array, index: Any, values: Array) -> None:
        np.add.at(target, index, values)

    def zero_where(self, grad: Array, mask: Array) -> Array:
        # No arithmetic on the gradient, so no inf * 0: its bits are and-ed with all ones
        # (kept) or all zeros (+0.0). np.where does the same work about ten times slower here,
        # branching on every element of a mask with no pattern (relu's).
        bits = _BITS.get(grad.dtype)
        if (bits is None or type(grad) is not np.ndarray or type(mask) is not np.ndarray
                or grad.shape != mask.shape or not grad.ndim):  # (a scalar: a full max's)
            return super().zero_where(grad, mask)
        view = grad.view(bits)
        if grad.size < threads.MIN_SPLIT_ELEMENTS or not threads.splittable(grad, mask):
            word = np.subtract(mask, 1, dtype=bits)  # True -> 0, False -> -1 (every bit set)
            np.bitwise_and(view, word, out=word)
            return word.view(grad.dtype)
        word = np.empty_like(grad, dtype=bits)
        lead = (slice(None),) * threads.outer_axis(grad)

        def piece(start: int, stop: int) -> None:  # the same, on a block (threads.split)
            key = (*lead, slice(start, stop))
            np.subtract(mask[key], 1, out=word[key], dtype=bits)
            np.bitwise_and(view[key], word[key], out=word[key])

        threads.split(grad.shape[len(lead)], piece, grad.size)
        return word.view(grad.dtype)

    def seed(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)

    def uniform(self, shape: tuple[int, ...], dtype: DType) -> Array:
        return self._rng.random(shape, dtype=self.native_dtype(dtype))

    def normal(self, shape: tuple[int, ...], dtype: DType) -> Array:
        return self._rng.standard_normal(shape, dtype=self.native_dtype(dtype))

    def device_name(self) -> str:
        return f"CPU ({platform.machine() or 'unknown'})"


def make_backend() -> NumpyBackend:
    """Entry-point style factory, the same shape a plugin provides."""
    return NumpyBackend()
