"""The CuPy backend: the NumPy backend's twin, with arrays in GPU memory.

CuPy copies NumPy's API, so the generic op code runs unchanged; this file only fills in the
Backend protocol's hooks, plus two things a GPU needs that a CPU does not:

* a usability check at activation, because ``import cupy`` succeeds on a machine without a GPU
  and the failure would otherwise surface deep inside the first operation;
* a bounds check on index arrays, because CuPy *wraps* an out-of-range index around
  (``x[5]`` of three elements reads ``x[2]``) where NumPy raises ``IndexError``.
"""

from __future__ import annotations

from typing import Any

import cupy
import numpy as np

from tinygrad_edu.backends import Backend, BackendError
from tinygrad_edu.dtypes import DType

NO_GPU = (
    "Backend 'cupy' is installed but no CUDA GPU is usable here; use TINYGRAD_EDU_BACKEND=numpy."
)


# The largest float below 1 in each precision: uniform samples are clamped to it (see uniform).
BELOW_ONE = {
    np.dtype(np.float32): np.nextafter(np.float32(1), np.float32(0)),
    np.dtype(np.float64): np.nextafter(1.0, 0.0),
}
# The array API's dtype kinds, as NumPy dtype kind letters.
DTYPE_KINDS = {
    "bool": "b",
    "signed integer": "i",
    "unsigned integer": "u",
    "integral": "iu",
    "real floating": "f",
    "complex floating": "c",
    "numeric": "iufc",
}


def _astype(x: Any, dtype: Any, /, *, copy: bool = True) -> Any:
    return x.astype(dtype, copy=copy)


def _asarray(
    obj: Any, /, *, dtype: Any = None, device: Any = None, copy: bool | None = None
) -> Any:
    """``asarray`` with the standard's ``copy=``: True always copies; None and False copy only
    when they must (CuPy before 14 cannot refuse a copy, and nothing here asks it to)."""
    if copy:
        return cupy.array(obj, dtype=dtype, copy=True)
    return cupy.asarray(obj, dtype=dtype)


def _isdtype(dtype: Any, kind: Any) -> bool:
    """The standard's ``isdtype`` for NumPy dtypes (CuPy's dtypes are NumPy's); NumPy before 2
    lacks it too."""
    if isinstance(kind, tuple):
        return any(_isdtype(dtype, k) for k in kind)
    if isinstance(kind, str):
        return np.dtype(dtype).kind in DTYPE_KINDS[kind]
    return np.dtype(dtype) == np.dtype(kind)


class StandardCupy:
    """``cupy`` itself, plus the array API names that CuPy releases before 14 lack.

    Every attribute not defined here is looked up on ``cupy``. Where CuPy already has a name,
    CuPy's own function wins."""

    def __init__(self) -> None:
        fallbacks = {
            "bool": cupy.bool_,
            "concat": cupy.concatenate,
            "permute_dims": cupy.transpose,
            "astype": _astype,
            "isdtype": getattr(np, "isdtype", _isdtype),
        }
        for name, function in fallbacks.items():
            if not hasattr(cupy, name):
                setattr(self, name, function)
        # asarray(copy=...) is in the standard, but older CuPy's asarray has no copy argument.
        # The wrapper works with every CuPy release, so it is used with all of them.
        self.asarray = _asarray

    def __getattr__(self, name: str) -> Any:
        # Called only for names not found on self; keep the answer so the next look-up is fast.
        value = getattr(cupy, name)
        setattr(self, name, value)
        return value

    def __repr__(self) -> str:
        return f"<array namespace: cupy {cupy.__version__}>"


def check_index_bounds(key: Any, shape: tuple[int, ...]) -> None:
    """Raise IndexError, as NumPy does, for an index array that points outside ``shape``."""
    key = key if isinstance(key, tuple) else (key,)
    used = sum(1 for k in key if k is not None and k is not Ellipsis)
    axis = 0
    for k in key:
        if k is Ellipsis:
            axis += len(shape) - used
            continue
        if k is None:
            continue
        if isinstance(k, cupy.ndarray) and k.dtype.kind == "b":
            axis += k.ndim  # a mask cannot point outside: it has the shape it indexes
            continue
        if isinstance(k, cupy.ndarray) and k.size:
            size = shape[axis]
            # One copy to the host for both ends: each device-to-host read is a synchronisation.
            low, high = (int(v) for v in cupy.asnumpy(cupy.stack([k.min(), k.max()])))
            if low < -size or high >= size:
                bad = high if high >= size else low
                raise IndexError(
                    f"index {bad} is out of bounds for axis {axis} with size {size}"
                )
        axis += 1


class CupyBackend(Backend):
    """Arrays are ``cupy.ndarray`` on the current CUDA device."""

    name = "cupy"
    device_reads_wait = True  # a host read waits for the GPU's queue to drain

    def __init__(self) -> None:
        self._usable = False
        # First of all: everything after this runs kernels on the GPU.
        self.check_usable()
        self.xp = StandardCupy()
        super().__init__()
        self._rng = cupy.random.default_rng()

    def check_usable(self) -> None:
        if self._usable:
            return
        try:
            available = bool(cupy.cuda.is_available())
        except Exception:  # a broken driver can fail even this question
            available = False
        if not available:
            raise BackendError(NO_GPU)
        try:
            # The first tiny kernel: it proves the driver, the runtime and the GPU really work.
            probe = cupy.arange(4, dtype=cupy.float32)
            total = float((probe * 2).sum())
        except Exception as error:
            raise BackendError(f"{NO_GPU} (A first test kernel failed: {error!r})") from error
        if total != 12.0:
            raise BackendError(f"{NO_GPU} (A first test kernel computed {total}, not 12.0.)")
        self._usable = True

    def is_array(self, obj: Any) -> bool:
        return isinstance(obj, cupy.ndarray)

    def getitem(self, array: Any, index: Any) -> Any:
        check_index_bounds(index, array.shape)
        return array[index]

    def setitem(self, target: Any, index: Any, values: Any) -> None:
        check_index_bounds(index, target.shape)  # CuPy wraps out-of-range indices instead
        target[index] = values

    def scatter_add(self, target: Any, index: Any, values: Any) -> None:
        check_index_bounds(index, target.shape)
        # Like numpy.add.at, repeated indices accumulate (CuPy >= 12; cupyx.scatter_add, the
        # older name, is deprecated).
        cupy.add.at(target, index, values)

    def to_numpy(self, array: Any) -> np.ndarray:
        # np.asarray(cupy_array) raises TypeError on purpose: copies to the host are explicit.
        return cupy.asnumpy(array)

    def seed(self, seed: int) -> None:
        self._rng = cupy.random.default_rng(seed)

    def uniform(self, shape: tuple[int, ...], dtype: DType) -> Any:
        native = np.dtype(self.native_dtype(dtype))
        values = self._rng.random(shape, dtype=native)
        # Samples from U[0, 1) as the Backend protocol promises: CuPy can return exactly 1.0
        # (a sample near 1 rounded to float32, say), so those become the largest float below 1.
        return cupy.minimum(values, BELOW_ONE[native])

    def normal(self, shape: tuple[int, ...], dtype: DType) -> Any:
        return self._rng.standard_normal(shape, dtype=self.native_dtype(dtype))

    def device_name(self) -> str:
        device = cupy.cuda.Device()
        properties = cupy.cuda.runtime.getDeviceProperties(device.id)
        name = properties["name"]
        name = name.decode() if isinstance(name, bytes) else str(name)
        memory_gib = properties["totalGlobalMem"] / 2**30
        return f"CUDA GPU {device.id}: {name} ({memory_gib:.0f} GiB)"
