"""A backend is an array namespace ``xp`` plus a few hooks (see tinygrad_edu.backends.base).

This template runs as is: it is NumPy under another name. Replace ``numpy`` with your library
and rewrite each hook; then check it with ``python -m tinygrad_edu.backends mybackend`` and the
conformance suite, ``python -m tinygrad_edu.testing mybackend``.
"""

from __future__ import annotations

from typing import Any

import numpy

from tinygrad_edu.backends import Backend
from tinygrad_edu.dtypes import DType


class MyBackend(Backend):
    name = "mybackend"
    # The generic op code calls only functions of the Python array API standard on xp. If your
    # library lacks some, give xp a small namespace object that adds them.
    xp = numpy

    def __init__(self) -> None:
        super().__init__()  # builds the dtype table (float32, float64, int64, bool)
        self._rng = numpy.random.default_rng()

    def check_usable(self) -> None:
        # Raise BackendError with what to do instead if the device cannot run here (no GPU,
        # say). Called when the backend is first activated; nothing falls back silently.
        pass

    def is_array(self, obj: Any) -> bool:
        return isinstance(obj, numpy.ndarray)

    def scatter_add(self, target: Any, index: Any, values: Any) -> None:
        # target[index] += values, where an index repeated k times adds k times (the gradient
        # of indexing). Raise IndexError for out-of-range indices, as NumPy does.
        numpy.add.at(target, index, values)

    def seed(self, seed: int) -> None:
        self._rng = numpy.random.default_rng(seed)

    def uniform(self, shape: tuple[int, ...], dtype: DType) -> Any:
        return self._rng.random(shape, dtype=self.native_dtype(dtype))

    def normal(self, shape: tuple[int, ...], dtype: DType) -> Any:
        return self._rng.standard_normal(shape, dtype=self.native_dtype(dtype))

    def to_numpy(self, array: Any) -> numpy.ndarray:
        return numpy.asarray(array)  # a GPU library copies to the host here

    def device_name(self) -> str:
        return "CPU (template backend)"
