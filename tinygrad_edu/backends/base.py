"""The Backend protocol: what a device must do for deep learning.

Every op in :mod:`tinygrad_edu.ops` is written against ``backend.xp``, a namespace that follows
the Python array API standard (elementwise math, reductions, ``matmul``, reshapes, indexing).
That is most of the lesson: a device that can do those can train a neural network.

What the standard does not cover is a short list of *hooks*, one method each:

=====================  ===========================================================
hook                   why the standard is not enough
=====================  ===========================================================
``getitem``            ``x[idx]`` with NumPy's rules (the standard has only part of them)
``scatter_add``        the gradient of ``x[idx]`` when ``idx`` repeats an element
``setitem``            ``x[idx] = v`` in place (the standard cannot assign through index arrays)
``zero_where``         ``where(mask, 0, grad)``, relu's backward (a backend may do it faster)
``relu``               ``maximum(x, 0)``, relu's forward (likewise: a default, for speed)
``seed``, ``uniform``  random numbers (the standard has none)
``normal``
``to_numpy``           copying to the host (``numpy.asarray`` fails on GPU arrays)
``device_name``        a human-readable name for ``python -m tinygrad_edu.backends``
=====================  ===========================================================

A new backend subclasses :class:`Backend`, sets ``name`` and ``xp``, and implements the hooks.
:class:`tinygrad_edu.backends.numpy_backend.NumpyBackend` is the reference implementation.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..dtypes import ALL_DTYPES, DType

Array = Any  # an array of the backend's array library


class Backend:
    """Base class of every backend: an array namespace ``xp`` plus a few hooks.

    Attributes:
        name: the name users select it by (``TINYGRAD_EDU_BACKEND=name``).
        xp: the array-API namespace the generic op code calls.
        device_reads_wait: True for a device whose values the host must wait for (a GPU).
    """

    name: str = "abstract"
    xp: Any = None
    # Whether reading a value on the host (``bool(x)``, ``.item()``) makes the program wait
    # for the device (a GPU): hot paths then avoid branching on values.
    device_reads_wait: bool = False
    # True while a CUDA graph records a step (tg.jit on CuPy): no value may be read on the host
    # then, so checks that would read one make a bad value give nan instead (the cross-entropy
    # targets' range); a read that remains makes the recording fail, and the step runs eagerly.
    host_reads_forbidden: bool = False

    def __init__(self) -> None:
        self._native = {d: getattr(self.xp, d.name) for d in ALL_DTYPES}
        # Keyed by the dtype an array reports (for NumPy: numpy.dtype("float32"), not np.float32).
        self._from_native = {
            self.xp.zeros((), dtype=native).dtype: d for d, native in self._native.items()
        }

    # -- dtypes and conversion -------------------------------------------------------------
    def native_dtype(self, dtype: DType) -> Any:
        """The backend's own dtype object for a tinygrad_edu DType."""
        return self._native[dtype]

    def dtype_of(self, array: Array) -> DType:
        """The tinygrad_edu DType of one of this backend's arrays."""
        try:
            return self._from_native[array.dtype]
        except KeyError:
            raise TypeError(
                f"tinygrad_edu has no dtype for {array.dtype}; use float32, float64, int64 or bool"
            ) from None

    def asarray(self, data: Any, dtype: DType | None = None) -> Array:
        """Make a backend array from Python data, a NumPy array or a backend array."""
        native = None if dtype is None else self._native[dtype]
        return self.xp.asarray(data, dtype=native)

    def __deepcopy__(self, memo: dict[int, Any]) -> Backend:
        """A backend is one shared object (tensors are compared by ``is``): a deep copy of
        anything that holds one (a Tensor, a Module) keeps the same backend."""
        return self

    def is_array(self, obj: Any) -> bool:
        """Whether ``obj`` is an array of this backend (hook: override for speed)."""
        return hasattr(obj, "__array_namespace__") and obj.__array_namespace__() is self.xp

    # -- hooks -----------------------------------------------------------------------------
    def to_numpy(self, array: Array) -> Any:
        """Copy an array to the host as a ``numpy.ndarray``."""
        raise NotImplementedError(f"backend {self.name!r} does not implement to_numpy")

    def getitem(self, array: Array, index: Any) -> Array:
        """``array[index]`` with NumPy's indexing rules, integer arrays mixed with slices included.

        The standard defines integer-array indexing only when every axis gets an array; NumPy
        and CuPy do the rest natively, so this default suits them."""
        return array[index]

    def setitem(self, target: Array, index: Any, values: Any) -> None:
        """``target[index] = values`` in place, with NumPy's indexing rules (integer arrays
        included). NumPy and CuPy do this natively, so this default suits them."""
        target[index] = values

    def zero_where(self, grad: Array, mask: Array) -> Array:
        """``grad`` with exact zeros where ``mask`` is True, even where ``grad`` is inf or nan
        there (``grad * ~mask`` would give inf * 0 = nan). ``mask`` has ``grad``'s shape.

        ``where`` suits every backend; NumPy's is slow on a mask with no pattern, so the NumPy
        backend overrides it."""
        return self.xp.where(mask, self.xp.zeros((), dtype=grad.dtype), grad)

    def relu(self, x: Array) -> Array:
        """``maximum(x, 0)`` elementwise; a nan passes through (as in PyTorch). ``maximum``
        suits every backend; the NumPy backend overrides it for speed."""
        return self.xp.maximum(x, self.xp.zeros((), dtype=x.dtype))

    def scatter_add(self, target: Array, index: Any, values: Array) -> None:
        """``target[index] += values`` in place, where repeated indices *accumulate*."""
        raise NotImplementedError(f"backend {self.name!r} does not implement scatter_add")

    def seed(self, seed: int) -> None:
        """Reset this backend's random generator."""
        raise NotImplementedError(f"backend {self.name!r} does not implement seed")

    def uniform(self, shape: tuple[int, ...], dtype: DType) -> Array:
        """Samples from U[0, 1)."""
        raise NotImplementedError(f"backend {self.name!r} does not implement uniform")

    def normal(self, shape: tuple[int, ...], dtype: DType) -> Array:
        """Samples from N(0, 1)."""
        raise NotImplementedError(f"backend {self.name!r} does not implement normal")

    def device_name(self) -> str:
        """A short description of the device the arrays live on."""
        return "unknown"

    def check_usable(self) -> None:
        """Raise a clear error if this backend cannot run here (no GPU, say).

        The registry calls it when the backend is first activated."""

    def __repr__(self) -> str:
        return f"<backend {self.name!r} on {self.device_name()}>"


def host_copy(backend: Backend, array: Array) -> np.ndarray:
    """A NumPy copy of ``array`` in memory of its own (what moving to another backend sends),
    built on the backend's ``to_numpy`` hook: a GPU backend's has copied already; a CPU
    backend's may hand back its own memory, and that is copied here, so the two never share
    it."""
    host = backend.to_numpy(array)
    return host.copy() if _may_share_memory(host, array) else host


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


@contextlib.contextmanager
def ignore_float_errors(xp: Any, **kinds: str) -> Iterator[None]:
    """NumPy's floating-point warnings off (``invalid``, ``over``, ... by default all of them)
    where a nan or inf is expected and dealt with; backends without ``errstate`` warn never."""
    errstate = getattr(xp, "errstate", None)
    if errstate is None:
        yield
        return
    with errstate(**(kinds or {"all": "ignore"})):
        yield
