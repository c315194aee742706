"""The NumPy backend: the reference implementation of the Backend protocol, for the CPU."""

from __future__ import annotations

import platform
from typing import Any

import numpy as np

from .. import threads
from ..dtypes import DType
from .base import Array, Backend
from .memory import keep_freed_memory
from .numpy_xp import xp as thin_numpy

# The integer type of each float type's width: a float's bits, read as that integer.
_BITS = {np.dtype(np.float32): np.int32, np.dtype(np.float64): np.int64}
_ONE = np.int8(1)


class NumpyBackend(Backend):
    """Arrays are ``numpy.ndarray``; NumPy 2's main namespace follows the array API standard."""

    name = "numpy"
    xp = thin_numpy  # numpy itself, with six of its most-called functions thinner (numpy_xp)

    def __init__(self) -> None:
        super().__init__()
        keep_freed_memory()  # glibc keeps a step's freed arrays for the next (see .memory)
        self._rng = np.random.default_rng()
        self._zeros: dict[Any, np.ndarray] = {}  # relu's zero operands, by shape and layout

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
        if (bits is None or not isinstance(grad, np.ndarray) or not isinstance(mask, np.ndarray)
                or grad.shape != mask.shape or not grad.ndim):  # (a scalar: a full max's)
            return super().zero_where(grad, mask)
        view = grad.view(bits)
        if mask.dtype != bool:
            word = np.subtract(mask, 1, dtype=bits)  # True -> 0, False -> -1 (every bit set)
            np.bitwise_and(view, word, out=word)
            return word.view(grad.dtype)
        # The same from the mask's bytes read as int8, widened into a word made first: about
        # twice as fast as from bools, or with dtype= instead of out=. (self.xp: tg.jit's
        # recording namespace while it captures, so the word is recorded with the rest.)
        flags, word = mask.view(np.int8), self.xp.empty_like(grad, dtype=bits)
        if (grad.size < threads.MIN_SPLIT_ELEMENTS or type(grad) is not np.ndarray
                or not threads.splittable(grad, mask)):  # (recording: on this thread, in order)
            np.subtract(flags, _ONE, out=word)
            np.bitwise_and(view, word, out=word)
            return word.view(grad.dtype)
        lead = (slice(None),) * threads.outer_axis(grad)

        def piece(start: int, stop: int) -> None:  # the same, on a block (threads.split)
            key = (*lead, slice(start, stop))
            np.subtract(flags[key], _ONE, out=word[key])
            np.bitwise_and(view[key], word[key], out=word[key])

        threads.split(grad.shape[len(lead)], piece, grad.size)
        return word.view(grad.dtype)

    def relu(self, x: Array) -> Array:
        # np.maximum runs its SIMD loop only when both operands are whole arrays: against a
        # 0-d zero it is 4 to 5 times slower (NumPy 2.4 on x86). So the zero is an array of
        # x's shape and memory order, made once and kept read-only. (A large np.zeros is the
        # kernel's shared zero page, never written: it costs no memory.)
        if not isinstance(x, np.ndarray) or not x.ndim or x.dtype.kind != "f":
            return super().relu(x)
        key = (x.shape, x.strides, x.dtype)
        zeros = self._zeros.get(key)
        if zeros is None:
            kept = list(self._zeros.values())  # (a copy: another thread may add one now)
            if len(kept) >= 32 or sum(z.nbytes for z in kept) > 2**26:
                self._zeros.clear()  # many shapes (changing sizes): start afresh (<= 64 MiB)
            # of x's layout; x.view(np.ndarray): tg.jit's recording array read as a plain one,
            # so that the zeros are a constant, not a recorded call
            zeros = np.zeros_like(x.view(np.ndarray))
            zeros.flags.writeable = False
            self._zeros[key] = zeros
        if type(x) is not np.ndarray:  # tg.jit's recording array: on this thread, in order
            return np.maximum(x, zeros)
        return threads.elementwise(np.maximum, x, zeros)

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
