"""Reductions that pick elements and say where they were, as PyTorch: ``max(dim)``,
``min(dim)``, ``sort``, ``argsort``, ``topk``, ``kthvalue``, ``median``, ``mode``, ``cummax``,
``cummin`` and ``gather``.

Each finds the positions first (outside the graph: positions have no gradient), then picks
the values at them with one :class:`~tinygrad_edu.ops.movement.GetItem`. So the gradient goes
to exactly the elements picked, as in PyTorch (one of several equal ones: the one whose index
is returned), and it is added up where one element is picked several times (``cummax``).
The pairs come back as the named tuples of :mod:`tinygrad_edu.return_types`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from .. import ops, return_types
from ..dtypes import int64
from .base import TensorBase
from .elementwise import ElementwiseMethods
from .shapes import axis_index

if TYPE_CHECKING:
    from ..tensor import Tensor


class SelectionMethods(ElementwiseMethods):
    """Reductions with indices and sorting of a Tensor."""

    __slots__ = ()

    def gather(self, dim: int, index: Any) -> Tensor:
        """``out[i][j] = x[i][index[i][j]]`` for ``dim=1`` (and so on for other dims), as
        ``torch.gather``; the gradient is added back at the gathered positions.

        Examples:
            >>> import tinygrad_edu as tg
            >>> x = tg.Tensor([[1.0, 2.0], [3.0, 4.0]])
            >>> x.gather(1, tg.tensor([[1], [0]])).tolist()
            [[2.0], [3.0]]
        """
        if isinstance(index, TensorBase):
            array = index._data
        else:
            array = type(self)(index, dtype=int64, backend=self.backend)._data
        if array.dtype != int64_of(self):
            raise TypeError(f"gather: index must hold int64 positions, not {array.dtype}")
        if array.ndim != self.ndim:
            if array.ndim <= 1 and self.ndim <= 1:  # PyTorch takes 0-d and 1-d alike here
                flat = self._from_data(self.backend.xp.reshape(array, (-1,)), self.backend)
                out = cast("Tensor", self).reshape(-1).gather(dim, flat)
                return out.reshape(tuple(array.shape))
            raise ValueError(
                f"gather: index has {array.ndim} dimensions but the tensor {self.ndim}; they "
                "must have the same number (use unsqueeze on the index)."
            )
        axis = axis_index(dim, self.ndim, "gather: dim")
        shape = self._data.shape
        pairs = enumerate(zip(array.shape, shape, strict=True))
        if array.shape != shape and any(n > m for d, (n, m) in pairs if d != axis):
            raise ValueError(
                f"gather: index of shape {tuple(array.shape)} must be no larger than the tensor "
                f"{tuple(shape)} apart from dim {dim}, as in PyTorch"
            )
        check_positions("gather", self, array, axis)
        return self._take_along(array, axis)

    def _take_along(self, index: Any, axis: int) -> Tensor:
        """The elements at ``index`` (a backend int array of this tensor's ndim) along
        ``axis``, recorded as one GetItem, so the gradient is scattered back to them."""
        if self.ndim == 0:
            return cast("Tensor", self)  # one element: index 0
        xp = self.backend.xp
        int_type = self.backend.native_dtype(int64)
        key = []
        for d, n in enumerate(index.shape):
            if d == axis:
                key.append(index)
            else:
                shape = [1] * index.ndim
                shape[d] = n
                key.append(xp.reshape(xp.arange(n, dtype=int_type), tuple(shape)))
        return cast("Tensor", ops.GetItem.apply(self, key=tuple(key)))

    def _along(self, dim: Any, name: str) -> int:
        """``dim`` as a non-negative axis; an error for a dim that is not one int."""
        if not isinstance(dim, int) or isinstance(dim, bool):
            raise TypeError(
                f"{name}: dim must be one int, not {dim!r}"
                + (f"; for several dims use a{name}(dim=...)" if name in ("max", "min") else "")
            )
        axis = axis_index(dim, self.ndim, f"{name}: dim")
        if self.ndim and self.shape[axis] == 0:
            raise IndexError(
                f"{name}: dim {dim} of shape {self.shape} is empty, and the {name} of no "
                "numbers is not defined"
            )
        return axis

    def _pair(self, kind: Any, index: Any, axis: int, keepdim: bool) -> Any:
        """``kind(values, indices)`` for positions ``index`` (kept along ``axis``)."""
        values = self._take_along(index, axis)
        indices = type(self)._from_data(self._as_index(index), self.backend)
        if not self.ndim:  # a 0-d tensor is its own max, sort, ...: at index 0
            indices = indices.reshape(())
        elif not keepdim:
            values, indices = values.squeeze(axis), indices.squeeze(axis)
        return kind(values, indices)

    def _as_index(self, array: Any) -> Any:
        return self.backend.xp.astype(array, self.backend.native_dtype(int64))

    def _max_min_pair(self, name: str, dim: Any, keepdim: bool) -> Any:
        """``max(dim)`` / ``min(dim)``: the first largest (smallest) element along ``dim``, or
        the first nan, with its index, as PyTorch."""
        axis = self._along(dim, name)
        xp = self.backend.xp
        pick = xp.argmax if name == "max" else xp.argmin
        data = self._data if self.ndim else xp.reshape(self._data, (1,))
        index = pick(data, axis=axis, keepdims=True)
        if self.dtype.is_floating and self.ndim:
            nan = xp.isnan(data)
            if bool(xp.any(nan)):  # a nan is the answer wherever there is one, as in PyTorch
                first_nan = xp.argmax(xp.astype(nan, int64_of(self)), axis=axis, keepdims=True)
                index = xp.where(xp.any(nan, axis=axis, keepdims=True), first_nan, index)
        return self._pair(getattr(return_types, name), index, axis, keepdim)

    def _argsort_data(self, axis: int, descending: bool) -> Any:
        """Stable positions that sort the data along ``axis``; nans count as the largest."""
        xp = self.backend.xp
        data = self._data if self.ndim else xp.reshape(self._data, (1,))
        if not descending:
            return self._as_index(xp.argsort(data, axis=axis, stable=True))
        # Descending and stable: sort the reversed data ascending and reverse the answer, so
        # equal elements keep their order and nans (last when ascending) come first.
        backwards = xp.argsort(xp.flip(data, axis=axis), axis=axis, stable=True)
        return (data.shape[axis] - 1) - self._as_index(xp.flip(backwards, axis=axis))

    def sort(self, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Any:
        """The elements sorted along ``dim``, and where each came from: ``(values, indices)``.
        Equal elements keep their order (the sort is always stable); nans sort as the largest.

        Examples:
            >>> import tinygrad_edu as tg
            >>> values, indices = tg.Tensor([3.0, 1.0, 2.0]).sort()
            >>> values.tolist(), indices.tolist()
            ([1.0, 2.0, 3.0], [1, 2, 0])
        """
        axis = axis_index(dim, self.ndim, "sort: dim")
        index = self._argsort_data(axis, descending)
        return self._pair(return_types.sort, index, axis, keepdim=True)

    def argsort(
        self, dim: int = -1, descending: bool = False, *, stable: bool = False
    ) -> Tensor:
        """The positions that sort the elements along ``dim`` (``sort(...).indices``)."""
        axis = axis_index(dim, self.ndim, "argsort: dim")
        index = self._argsort_data(axis, descending)
        if not self.ndim:
            index = self.backend.xp.reshape(index, ())
        return type(self)._from_data(index, self.backend)

    def topk(self, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> Any:
        """The ``k`` largest elements along ``dim`` (the smallest with ``largest=False``),
        in order, with their positions: ``(values, indices)``."""
        axis = axis_index(dim, self.ndim, "topk: dim")
        size = self.shape[axis] if self.ndim else 1
        if not 0 <= k <= size:
            raise IndexError(f"topk: k={k} is out of range for a dim of size {size}")
        index = self._argsort_data(axis, descending=largest)
        index = index[(slice(None),) * axis + (slice(0, k),)]
        return self._pair(return_types.topk, index, axis, keepdim=True)

    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> Any:
        """The ``k``-th smallest element along ``dim`` (k = 1 is the smallest) and its
        position: ``(values, indices)``."""
        axis = self._along(dim, "kthvalue")
        size = self.shape[axis] if self.ndim else 1
        if not 1 <= k <= size:
            raise IndexError(f"kthvalue: k={k} is out of range for a dim of size {size}")
        index = self._argsort_data(axis, descending=False)
        index = index[(slice(None),) * axis + (slice(k - 1, k),)]
        return self._pair(return_types.kthvalue, index, axis, keepdim)

    def median(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """The median (the lower of the two middle elements for an even count; nan if there
        is a nan), as PyTorch. Without ``dim``, over all elements, a tensor whose gradient is
        shared evenly among the elements equal to it; with ``dim``, ``(values, indices)``, the
        gradient going to the element at the index.

        Examples:
            >>> import tinygrad_edu as tg
            >>> x = tg.Tensor([[3.0, 1.0, 2.0, 8.0]])
            >>> x.median().item(), x.median(1).values.tolist(), x.median(1).indices.tolist()
            (2.0, [2.0], [2])
        """
        if dim is None:
            if self.numel() == 0:  # the median of no numbers: nan, as in PyTorch (recorded:
                if self.dtype.is_floating:  # its gradient is the empty tensor's zeros)
                    return cast("Tensor", self).sum() * float("nan")
                return self.constant(self.backend.xp.full((), float("nan"), dtype=self._data.dtype))
            return ops.Median.apply(self)
        axis = self._along(dim, "median")
        xp = self.backend.xp
        order = self._argsort_data(axis, descending=False)
        size = order.shape[axis]
        index = order[(slice(None),) * axis + (slice((size - 1) // 2, (size + 1) // 2),)]
        if self.dtype.is_floating and self.ndim:
            nan = xp.isnan(self._data)
            if bool(xp.any(nan)):  # rows with a nan: the first nan, as in PyTorch
                first_nan = xp.argmax(xp.astype(nan, int64_of(self)), axis=axis, keepdims=True)
                index = xp.where(xp.any(nan, axis=axis, keepdims=True), first_nan, index)
        return self._pair(return_types.median, index, axis, keepdim)

    def mode(self, dim: int = -1, keepdim: bool = False) -> Any:
        """The most frequent element along ``dim`` (the smallest of those equally frequent)
        and the position of its last occurrence, as PyTorch: ``(values, indices)``."""
        axis = self._along(dim, "mode")
        xp = self.backend.xp
        data = self._data if self.ndim else xp.reshape(self._data, (1,))
        moved = xp.moveaxis(data, axis, -1)
        size, ints = moved.shape[-1], int64_of(self)
        counts = xp.sum(xp.astype(moved[..., :, None] == moved[..., None, :], ints), axis=-1)
        top = counts == xp.max(counts, axis=-1, keepdims=True)
        # The smallest value among the most frequent: the first of them in sorted order.
        rank = xp.argsort(xp.argsort(moved, axis=-1, stable=True), axis=-1, stable=True)
        first = xp.argmin(xp.where(top, rank, xp.asarray(size, dtype=rank.dtype)), axis=-1)
        chosen = xp.arange(size, dtype=first.dtype) == first[..., None]
        value = xp.sum(xp.where(chosen, moved, xp.zeros_like(moved)), axis=-1, keepdims=True)
        reverse = xp.flip(xp.astype(moved == value, ints), axis=-1)
        last = (size - 1) - xp.argmax(reverse, axis=-1, keepdims=True)
        index = xp.moveaxis(self._as_index(last), -1, axis)
        return self._pair(return_types.mode, index, axis, keepdim)

    def cummax(self, dim: int) -> Any:
        """The running largest element along ``dim`` and where it is (the latest of equal
        ones; a nan, once met, stays), as PyTorch: ``(values, indices)``."""
        return self._running("cummax", dim)

    def cummin(self, dim: int) -> Any:
        """The running smallest element along ``dim`` and where it is: ``(values, indices)``."""
        return self._running("cummin", dim)

    def _running(self, name: str, dim: int) -> Any:
        axis = axis_index(dim, self.ndim, f"{name}: dim")
        xp = self.backend.xp
        data = self._data if self.ndim else xp.reshape(self._data, (1,))
        size = data.shape[axis]
        if size == 0:
            index = self._as_index(xp.zeros(data.shape, dtype=int64_of(self)))
            return self._pair(getattr(return_types, name), index, axis, keepdim=True)
        before = (slice(None),) * axis
        best = data[before + (slice(0, 1),)]
        best_index = self._as_index(xp.zeros(best.shape, dtype=int64_of(self)))
        indices = [best_index]
        floating = self.dtype.is_floating
        for i in range(1, size):  # one step per position: the standard has no cumulative max
            current = data[before + (slice(i, i + 1),)]
            take = current >= best if name == "cummax" else current <= best
            if floating:
                take = take | xp.isnan(current)
            best = xp.where(take, current, best)
            best_index = xp.where(take, xp.asarray(i, dtype=best_index.dtype), best_index)
            indices.append(best_index)
        index = xp.concat(indices, axis=axis)
        return self._pair(getattr(return_types, name), index, axis, keepdim=True)


def check_positions(name: str, tensor: Any, positions: Any, axis: int) -> None:
    """Refuse a position outside ``0 .. size - 1`` of ``tensor``'s ``axis``, as PyTorch's
    gather, scatter and index_select do: unlike ``x[i]``, they do not count a negative position
    from the end. One pass reads the int64 positions as uint64 (a negative one then lies above
    2**63); none where the backend may not read values now (a GPU recording a CUDA graph)."""
    backend = tensor.backend
    if positions.size == 0 or backend.host_reads_forbidden:
        return
    shape = tensor._data.shape
    xp, size = backend.xp, shape[axis] if shape else 1
    if hasattr(positions, "view"):  # NumPy and CuPy arrays
        outside = bool(xp.max(positions.view(xp.uint64)) >= size)
    else:  # the array API standard has no reinterpretation: a minimum and a maximum
        outside = bool(xp.min(positions) < 0) or bool(xp.max(positions) >= size)
    if outside:
        low, high = int(xp.min(positions)), int(xp.max(positions))
        allowed = f"positions must lie in 0..{size - 1}" if size else "the dimension is empty"
        raise IndexError(
            f"{name}: index {low if low < 0 else high} is out of bounds for dimension {axis} "
            f"with size {size}: {allowed} (a negative one does not count from the end here, "
            "as in PyTorch; add the size to it first)"
        )


def wrap_positions(name: str, tensor: Any, positions: Any, axis: int) -> Any:
    """``positions`` with a negative one counted from the end (``take``, ``index_fill``: the
    functions where PyTorch does so), after refusing one outside ``-size .. size - 1``."""
    xp, size = tensor.backend.xp, tensor.shape[axis] if tensor.ndim else 1
    wrapped = xp.where(positions < 0, positions + size, positions)
    try:
        check_positions(name, tensor, wrapped, axis)
    except IndexError:
        low, high = int(xp.min(positions)), int(xp.max(positions))
        raise IndexError(
            f"{name}: index {low if low < -size else high} is out of bounds for dimension "
            f"{axis} with size {size}: positions must lie in {-size}..{size - 1}"
        ) from None
    return wrapped


def int64_of(tensor: Any) -> Any:
    """The backend's int64 dtype, for counting and positions."""
    return tensor.backend.native_dtype(int64)
