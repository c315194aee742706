"""Checks of a backend's hooks: the part of the Backend protocol the array API standard leaves out.

The op-spec table exercises ``xp`` through every operation; these short checks look at the
hooks themselves (see :mod:`tinygrad_edu.backends.base`), where a new backend most often
differs from NumPy without any op result showing it:

- ``index bounds``: an out-of-range integer index raises ``IndexError`` in ``getitem`` and in
  ``scatter_add`` (CuPy, for one, silently wraps it around unless the backend checks);
- ``scatter_add repeats``: an index repeated k times adds k times (``target[i] += v`` does not);
- ``seed``: the same seed gives the same numbers, another seed other numbers;
- ``uniform``: U[0, 1) in the dtype and shape asked for, never exactly 1;
- ``normal``: N(0, 1) in the dtype and shape asked for;
- ``to numpy``: ``t.to("numpy")`` and ``t.numpy()`` give back the values and dtype, and the way
  back gives the same tensor again.

:func:`~tinygrad_edu.testing.run_conformance` runs them after the table (not with ``ops=``).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..backends.base import Backend
from ..dtypes import DType, bool_, float32, float64, int64
from ..tensor import Tensor

SAMPLES = 4096  # random numbers per check: enough for a mean and a spread to mean something


@dataclass
class HookResult:
    """The outcome of one hook check: ``failure`` is None when it passed."""

    name: str
    failure: str | None = None

    @property
    def passed(self) -> bool:
        return self.failure is None


def _float_dtypes(has_float64: bool) -> list[DType]:
    return [float32, float64] if has_float64 else [float32]


def check_index_bounds(backend: Backend, has_float64: bool = True) -> None:
    """An integer index outside the axis raises IndexError, in getitem and in scatter_add."""
    x = Tensor([1.0, 2.0, 3.0], backend=backend)
    for bad in ([0, 3], [-4]):
        try:
            x[Tensor(bad, backend=backend)]
        except IndexError:
            continue
        raise AssertionError(
            f"x[{bad}] on a tensor of 3 elements returned a result instead of raising "
            "IndexError: check the index arrays in the backend's getitem, as NumPy does."
        )
    target = backend.xp.zeros((3,), dtype=backend.native_dtype(float32))
    index = (backend.asarray(np.array([0, 5]), int64),)
    try:
        backend.scatter_add(target, index, backend.asarray(np.ones(2), float32))
    except IndexError:
        return
    raise AssertionError(
        "scatter_add with index 5 into 3 elements did not raise IndexError: check the index "
        "arrays in the backend's scatter_add too."
    )


def check_scatter_add_repeats(backend: Backend, has_float64: bool = True) -> None:
    """Rows picked several times get every value added (the gradient of ``x[rows]``)."""
    target = backend.xp.zeros((4, 2), dtype=backend.native_dtype(float32))
    rows = backend.asarray(np.array([1, 1, 3, 1]), int64)
    values = np.array([[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [4.0, 40.0]])
    backend.scatter_add(target, (rows, slice(None)), backend.asarray(values, float32))
    expected = np.array([[0.0, 0.0], [7.0, 70.0], [0.0, 0.0], [3.0, 30.0]])
    got = np.asarray(backend.to_numpy(target))
    if not np.array_equal(got, expected):
        raise AssertionError(
            f"scatter_add of rows [1, 1, 3, 1] gave {got.tolist()}, expected "
            f"{expected.tolist()}: repeated indices must accumulate, as numpy.add.at does "
            "(target[index] += values counts a repeated row only once)."
        )


def _draw(backend: Backend, seed: int, dtype: DType) -> tuple[np.ndarray, np.ndarray]:
    backend.seed(seed)
    uniform = backend.to_numpy(backend.uniform((8,), dtype))
    normal = backend.to_numpy(backend.normal((8,), dtype))
    return np.asarray(uniform), np.asarray(normal)


def check_seed(backend: Backend, has_float64: bool = True) -> None:
    """Reseeding repeats the same uniform and normal numbers; another seed gives others."""
    for dtype in _float_dtypes(has_float64):
        first, again, other = (_draw(backend, seed, dtype) for seed in (1234, 1234, 4321))
        for kind, a, b, c in zip(("uniform", "normal"), first, again, other, strict=True):
            if not np.array_equal(a, b):
                raise AssertionError(
                    f"seed(1234) twice gave different {kind} {dtype.name} numbers: "
                    f"{a.tolist()} then {b.tolist()}; seed must reset the generator."
                )
            if np.array_equal(a, c):
                raise AssertionError(
                    f"seed(1234) and seed(4321) gave the same {kind} {dtype.name} numbers; "
                    "seed must use its argument."
                )


def _check_dtype_and_shape(
    what: str, backend: Backend, array: object, dtype: DType, shape: tuple[int, ...]
) -> np.ndarray:
    if not backend.is_array(array):
        raise AssertionError(
            f"{what} returned a {type(array).__name__}, not a {backend.name} array"
        )
    got_dtype = backend.dtype_of(array)
    if got_dtype != dtype:
        raise AssertionError(f"{what} returned {got_dtype.name} numbers, not {dtype.name}")
    host = np.asarray(backend.to_numpy(array))
    if host.shape != shape:
        raise AssertionError(f"{what} returned shape {host.shape}, not {shape}")
    return host


def check_uniform(backend: Backend, has_float64: bool = True) -> None:
    """uniform(shape, dtype): that dtype and shape, every value in [0, 1), mean near 1/2."""
    for dtype in _float_dtypes(has_float64):
        what = f"uniform((64, {SAMPLES // 64}), {dtype.name})"
        shape = (64, SAMPLES // 64)
        values = _check_dtype_and_shape(what, backend, backend.uniform(shape, dtype), dtype, shape)
        low, high, mean = float(values.min()), float(values.max()), float(values.mean())
        if not (low >= 0.0 and high < 1.0):
            raise AssertionError(
                f"{what} gave values from {low} to {high}: U[0, 1) never "
                "reaches 1 (clamp values rounded up to 1.0)."
            )
        if not 0.45 < mean < 0.55:
            raise AssertionError(f"{what} has mean {mean:.3f}; uniform on [0, 1) has mean 0.5")


def check_normal(backend: Backend, has_float64: bool = True) -> None:
    """normal(shape, dtype): that dtype and shape, finite values, mean near 0, spread near 1."""
    for dtype in _float_dtypes(has_float64):
        shape = (SAMPLES // 64, 64)
        what = f"normal({shape}, {dtype.name})"
        values = _check_dtype_and_shape(what, backend, backend.normal(shape, dtype), dtype, shape)
        if not np.all(np.isfinite(values)):
            raise AssertionError(f"{what} gave values that are not finite")
        mean, spread = float(values.mean()), float(values.std())
        if not (abs(mean) < 0.1 and 0.9 < spread < 1.1):
            raise AssertionError(
                f"{what} has mean {mean:.3f} and standard deviation "
                f"{spread:.3f}; N(0, 1) has 0 and 1"
            )


def check_to_numpy(backend: Backend, has_float64: bool = True) -> None:
    """``.to("numpy")`` and ``.numpy()`` keep values and dtype, and the way back too."""
    samples: list[tuple[DType, list[Any]]] = [
        (float32, [[0.5, -1.25], [3.0, 1e-3]]),
        (int64, [[3, -7], [2**40 + 1, 0]]),  # 2**40 + 1: more digits than float32
        (bool_, [[True, False], [False, True]]),
    ]
    if has_float64:
        samples.append((float64, [[0.1, -2.0 / 3.0], [1e300, -1e-300]]))
    for dtype, values in samples:
        expected = np.array(values, dtype=dtype.name)
        t = Tensor(values, dtype=dtype, backend=backend)
        moved = t.to("numpy")
        for what, host in (
            (f"{dtype.name} .to('numpy')", moved.numpy()),
            (f"{dtype.name} .numpy()", t.numpy()),
        ):
            if not isinstance(host, np.ndarray) or host.dtype != expected.dtype:
                raise AssertionError(
                    f"{what} gave {type(host).__name__} of "
                    f"{getattr(host, 'dtype', '?')}, not {expected.dtype}"
                )
            if not np.array_equal(host, expected):
                raise AssertionError(f"{what} gave {host.tolist()}, not {expected.tolist()}")
        back = moved.to(backend)
        if back.backend is not backend or back.dtype != dtype:
            raise AssertionError(
                f"{dtype.name} moved to numpy and back is a "
                f"{back.dtype.name} tensor on {back.backend.name}"
            )
        if not np.array_equal(back.numpy(), expected):
            raise AssertionError(
                f"{dtype.name} moved to numpy and back gave "
                f"{back.numpy().tolist()}, not {expected.tolist()}"
            )


HOOK_CHECKS: dict[str, Callable[[Backend, bool], None]] = {
    "index bounds": check_index_bounds,
    "scatter_add repeats": check_scatter_add_repeats,
    "seed": check_seed,
    "uniform": check_uniform,
    "normal": check_normal,
    "to numpy": check_to_numpy,
}


def run_hook_checks(backend: Backend, has_float64: bool = True) -> list[HookResult]:
    """Run every hook check on ``backend``; a failure or any error is reported, not raised.

    The checks reseed the backend's generator; afterwards it is reseeded from fresh entropy,
    so random numbers after the checks are not a fixed sequence.

    Examples:
        >>> from tinygrad_edu import get_backend
        >>> [r.passed for r in run_hook_checks(get_backend("numpy"))]
        [True, True, True, True, True, True]
    """
    results = []
    try:
        for name, check in HOOK_CHECKS.items():
            try:
                check(backend, has_float64)
            except Exception as error:  # any error is a failed check, with what it said
                results.append(HookResult(name, f"{type(error).__name__}: {error}"))
            else:
                results.append(HookResult(name))
    finally:
        with contextlib.suppress(Exception):  # a backend whose seed fails was reported above
            backend.seed(secrets.randbits(32))
    return results
