"""A backend on ``array-api-strict``: the Python array API standard and nothing more.

Nobody trains on it: it exists to *prove* something. Every op in :mod:`tinygrad_edu.ops` calls
``ctx.xp``; if the whole op suite passes with ``xp = array_api_strict``, which has no NumPy
extras at all (no ``add.at``, no random numbers, no NumPy-style fancy indexing), then the op code
runs on any library that follows the standard, a GPU one included.

What the standard does not offer is done here with standard functions only, and each piece is a
small lesson in itself:

* ``getitem``: NumPy lets integer arrays be mixed with slices (``x[:, idx]``); the standard only
  defines integer arrays that index *every* axis. :func:`standard_key` rewrites the first into
  the second.
* ``scatter_add``: the standard has no ``add.at``. We sort the positions, take running sums, and
  read each position's total off as a difference of two running sums.
* random numbers: drawn on the host with NumPy, then converted.

Examples:
    >>> import tinygrad_edu as tg
    >>> with tg.use_backend("array_api_strict"):
    ...     x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    ...     x[tg.Tensor([0, 0, 2])].sum().backward()
    >>> x.grad.tolist()
    [2.0, 0.0, 1.0]
"""

from __future__ import annotations

from typing import Any

import array_api_strict
import numpy as np

from ..dtypes import DType
from .base import Array, Backend

xp = array_api_strict


def _is_index_array(entry: Any) -> bool:
    return hasattr(entry, "shape") and hasattr(entry, "dtype")


def _expand_ellipsis(key: tuple[Any, ...], ndim: int) -> list[Any]:
    """The key with ``...`` (or nothing) replaced by one ``slice(None)`` per remaining axis."""
    used = sum(1 for k in key if k is not None and k is not Ellipsis)
    if used > ndim:
        raise IndexError(
            f"too many indices: the array has {ndim} dimensions but {used} were indexed"
        )
    fill = [slice(None)] * (ndim - used)
    for i, k in enumerate(key):
        if k is Ellipsis:
            return [*key[:i], *fill, *key[i + 1 :]]
    return [*key, *fill]


def _checked_positions(index: Any, size: int, axis: int, namespace: Any) -> Any:
    """Integer positions with negatives counted from the end, after a bounds check (the
    standard leaves out-of-range indices undefined, NumPy raises: so do we)."""
    if namespace.any(index >= size) or namespace.any(index < -size):
        flat = namespace.reshape(index, (-1,))
        bad = flat[(flat >= size) | (flat < -size)]
        raise IndexError(
            f"index {int(bad[0])} is out of bounds for axis {axis} with size {size}"
        )
    return namespace.where(index < 0, index + size, index)


def standard_key(key: Any, shape: tuple[int, ...], namespace: Any = xp) -> tuple[Any, ...]:
    """Rewrite a NumPy-style index so it uses only indexing the array API standard defines.

    The standard defines basic indexing (ints, slices, ``None``, ``...``) and integer arrays
    that index *every* axis at once, broadcast together. NumPy also allows arrays mixed with
    slices. Here each sliced axis becomes an ``arange`` array shaped to broadcast into its own
    output axis, so the result has exactly NumPy's shape and order, including NumPy's rule that
    the array axes move to the front when they are not next to each other in the key.

    Args:
        key: ints, slices, ``None``, ``...`` and integer or bool index arrays, as for NumPy.
        shape: the shape of the array being indexed.
        namespace: the array library the index arrays belong to.

    Returns:
        An equivalent key: basic indices covering every axis, or only integer arrays.

    Examples:
        >>> import array_api_strict as xp
        >>> x = xp.reshape(xp.arange(6), (2, 3))
        >>> x[standard_key((slice(None), xp.asarray([2, 0])), x.shape)]
        Array([[2, 0],
               [5, 3]], dtype=array_api_strict.int64)
    """
    raw = key if isinstance(key, tuple) else (key,)
    entries: list[Any] = []
    for k in raw:
        if _is_index_array(k) and namespace.isdtype(k.dtype, "bool"):
            entries.extend(namespace.nonzero(k))  # a mask picks the positions where it is True
        else:
            entries.append(k)
    if not any(_is_index_array(k) for k in entries):
        return tuple(_expand_ellipsis(tuple(entries), len(shape)))
    # The array axes stay in place only if nothing separates them in the key as written: NumPy
    # counts a ``...`` between them even when it stands for no axis at all.
    written = [i for i, k in enumerate(entries) if isinstance(k, int) or _is_index_array(k)]
    adjacent = written == list(range(written[0], written[-1] + 1))
    entries = _expand_ellipsis(tuple(entries), len(shape))

    # With an array present NumPy treats ints as 0-d index arrays: one "advanced" block.
    advanced: list[int] = []
    axis = 0
    for i, k in enumerate(entries):
        if k is None:
            continue
        if isinstance(k, int) or _is_index_array(k):
            positions = namespace.asarray(k, dtype=namespace.int64)
            entries[i] = _checked_positions(positions, shape[axis], axis, namespace)
            advanced.append(i)
        axis += 1
    block = namespace.broadcast_arrays(*[entries[i] for i in advanced])
    block_shape = tuple(block[0].shape)

    # Which output axis each slice (or None) lands on, and where the array block starts.
    out_axis: dict[int, int] = {}
    position = 0 if adjacent else len(block_shape)
    block_start = 0
    for i in range(len(entries)):
        if i in advanced:
            if adjacent and i == advanced[0]:
                block_start = position
                position += len(block_shape)
            continue
        out_axis[i] = position
        position += 1
    out_ndim = position

    standard: list[Any] = []
    axis = 0
    for i, k in enumerate(entries):
        if k is None:
            continue  # a new axis of size 1: no index array spans it
        if i in advanced:
            array = block[advanced.index(i)]
            before = (1,) * block_start
            after = (1,) * (out_ndim - block_start - len(block_shape))
            standard.append(namespace.reshape(array, before + block_shape + after))
        else:
            start, stop, step = k.indices(shape[axis])
            steps = namespace.arange(start, stop, step, dtype=namespace.int64)
            target = [1] * out_ndim
            target[out_axis[i]] = steps.shape[0]
            standard.append(namespace.reshape(steps, tuple(target)))
        axis += 1
    return tuple(standard)


def _segment_totals(positions: Any, values: Any, size: int) -> Any:
    """For each p in range(size): the sum of ``values`` whose position is p (1-D inputs).

    After sorting by position, the values of one position sit next to each other, so their sum
    is a difference of two running sums. ``searchsorted`` finds where each position's run
    begins and ends."""
    order = xp.argsort(positions, stable=True)
    sorted_positions = xp.take(positions, order)
    sorted_values = xp.take(values, order)
    floating = xp.isdtype(values.dtype, "real floating")
    # Running sums in float64: the difference of two large sums would lose float32 digits.
    wide = xp.astype(sorted_values, xp.float64) if floating else sorted_values
    running = xp.cumulative_sum(wide, include_initial=True)
    every = xp.arange(size, dtype=positions.dtype)
    begin = xp.searchsorted(sorted_positions, every, side="left")
    end = xp.searchsorted(sorted_positions, every, side="right")
    return xp.take(running, end) - xp.take(running, begin)


def scatter_add_standard(target: Any, key: Any, values: Any, getitem: Any) -> None:
    """``target[key] += values`` where repeated positions accumulate, with standard calls only.

    ``getitem(array, key)`` applies the key (NumPy's rules). Indexing a grid of flat element
    numbers with the same key tells which element of ``target`` every value belongs to."""
    size = 1
    for n in target.shape:
        size *= n
    element_numbers = xp.reshape(xp.arange(size, dtype=xp.int64), target.shape)
    picked = getitem(element_numbers, key)
    positions = xp.reshape(picked, (-1,))
    flat_values = xp.reshape(xp.broadcast_to(values, picked.shape), (-1,))

    finite = xp.isfinite(flat_values)
    if xp.all(finite):
        totals = _segment_totals(positions, flat_values, size)
    else:
        # inf - inf is nan: running sums would spread one inf to every later position. Sum the
        # finite values that way, then redo the few positions that got a non-finite value.
        zeros = xp.zeros_like(flat_values)
        totals = _segment_totals(positions, xp.where(finite, flat_values, zeros), size)
        bad = xp.unique_values(positions[~finite])
        for i in range(bad.shape[0]):
            p = int(bad[i])
            totals[p] = xp.astype(xp.sum(xp.where(positions == p, flat_values, zeros)),
                                  totals.dtype)
    delta = xp.reshape(xp.astype(totals, target.dtype), target.shape)
    target[...] = target + delta


def setitem_standard(target: Any, key: Any, values: Any, getitem: Any) -> None:
    """``target[key] = values`` in place with standard calls only.

    Basic keys (ints, slices, ``...``) the standard assigns natively. For index arrays, as in
    :func:`scatter_add_standard`, a grid of flat element numbers tells which element each value
    goes to; every element then looks itself up among those positions (sorted, so a binary
    search finds it) and takes its value, or keeps its own where it is not there. Where a
    position repeats, the last value wins, as in NumPy."""
    if all(k is Ellipsis or isinstance(k, int | slice) for k in key if k is not None):
        plain = tuple(k for k in key if k is not None)
        shape = getitem(target, key).shape
        if hasattr(values, "shape"):
            values = xp.reshape(xp.broadcast_to(values, shape), target[plain].shape)
        target[plain] = values
        return
    size = 1
    for n in target.shape:
        size *= n
    element_numbers = xp.reshape(xp.arange(size, dtype=xp.int64), target.shape)
    picked = getitem(element_numbers, key)
    positions = xp.reshape(picked, (-1,))
    values = xp.asarray(values, dtype=target.dtype)
    flat_values = xp.reshape(xp.broadcast_to(values, picked.shape), (-1,))
    if positions.shape[0] == 0:
        return
    order = xp.argsort(positions, stable=True)
    sorted_positions = xp.take(positions, order)
    every = xp.arange(size, dtype=xp.int64)
    last = xp.searchsorted(sorted_positions, every, side="right") - 1  # the last value wins
    found = last >= 0
    last = xp.where(found, last, xp.zeros_like(last))
    found = found & (xp.take(sorted_positions, last) == every)
    new = xp.take(xp.take(flat_values, order), last)
    flat = xp.reshape(target, (-1,))
    target[...] = xp.reshape(xp.where(found, new, flat), target.shape)


class ArrayApiStrictBackend(Backend):
    """Arrays are ``array_api_strict`` arrays on the CPU; see the module docstring."""

    name = "array_api_strict"
    xp = array_api_strict

    def __init__(self) -> None:
        super().__init__()
        self._array_type = type(xp.asarray(0))
        self._rng = np.random.default_rng()

    def is_array(self, obj: Any) -> bool:
        return isinstance(obj, self._array_type)

    def getitem(self, array: Array, key: Any) -> Array:
        return array[standard_key(key, tuple(array.shape))]

    def scatter_add(self, target: Array, index: Any, values: Array) -> None:
        scatter_add_standard(target, index, values, self.getitem)

    def setitem(self, target: Array, index: Any, values: Any) -> None:
        setitem_standard(target, index, values, self.getitem)

    def to_numpy(self, array: Array) -> np.ndarray:
        # DLPack is the standard's way to hand memory to another library.
        return np.from_dlpack(array)

    def seed(self, seed: int) -> None:
        self._rng = np.random.default_rng(seed)

    def uniform(self, shape: tuple[int, ...], dtype: DType) -> Array:
        # The standard has no random numbers: draw on the host, then convert.
        host = self._rng.random(shape, dtype=np.dtype(dtype.name))
        return xp.asarray(host, dtype=self.native_dtype(dtype))

    def normal(self, shape: tuple[int, ...], dtype: DType) -> Array:
        host = self._rng.standard_normal(shape, dtype=np.dtype(dtype.name))
        return xp.asarray(host, dtype=self.native_dtype(dtype))

    def device_name(self) -> str:
        return f"CPU (array-api-strict {array_api_strict.__version__}, standard functions only)"


def make_backend() -> ArrayApiStrictBackend:
    """Factory for the registry (imports array-api-strict only when the backend is used)."""
    return ArrayApiStrictBackend()
