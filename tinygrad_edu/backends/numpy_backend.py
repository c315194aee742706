"""The NumPy backend: the reference implementation of the Backend protocol, for the CPU."""

from __future__ import annotations

import platform
from typing import Any

import numpy as np

from ..dtypes import DType
from .base import Array, Backend


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
