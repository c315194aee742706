"""Picking and writing elements at positions, as PyTorch: ``repeat_interleave``, ``take``,
``take_along_dim``, ``scatter``, ``scatter_add`` and ``scatter_reduce``.

``repeat_interleave`` by an int is Reshape and Expand; by a tensor of counts, and
``take_along_dim``, pick elements with one GetItem (its backward adds the gradient back where
each element came from). ``scatter_add`` is :class:`~tinygrad_edu.ops.movement.IndexAdd`, the
adjoint of GetItem; ``scatter`` is its own primitive,
:class:`~tinygrad_edu.ops.more_shapes.Scatter`, because an overwritten element takes no
gradient from the output while each written one does; ``scatter_reduce`` (and scatter's
``reduce=``) is :class:`~tinygrad_edu.ops.more_shapes.ScatterReduce`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from .. import ops
from ..dtypes import int64
from .base import TensorBase
from .products import ProductMethods
from .selection import check_positions, wrap_positions
from .shapes import axis_index, broadcast_shapes

if TYPE_CHECKING:
    from ..tensor import Tensor


class PositionMethods(ProductMethods):
    """Picking and writing the elements of a Tensor at positions."""

    __slots__ = ()

    def _index_tensor(self, name: str, index: Any) -> Any:
        if not isinstance(index, TensorBase):
            index = type(self)(index, dtype=int64, backend=self.backend)
        if index.dtype is not int64:
            raise TypeError(f"{name}: the index must be an int64 tensor, not {index.dtype.name}")
        return index

    def repeat_interleave(self, repeats: Any, dim: int | None = None, *,
                          output_size: int | None = None) -> Tensor:
        """Each element (each slice along ``dim``) repeated ``repeats`` times in place, as
        ``torch.repeat_interleave``; ``repeats`` is an int or an int64 tensor of one count per
        slice (or of one count for all). Without ``dim``, over the flattened tensor.

        With a tensor of counts the result's size depends on their values, so they are read
        once on the host (give ``output_size``, their sum, to save the wait for the device).

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1, 2]).repeat_interleave(2).tolist()
            [1, 1, 2, 2]
            >>> tg.tensor([[1, 2], [3, 4]]).repeat_interleave(tg.tensor([1, 2]), dim=0).tolist()
            [[1, 2], [3, 4], [3, 4]]
        """
        x = cast("Tensor", self)
        if dim is None:
            x, axis = x.reshape(-1), 0
        elif x.ndim == 0:
            raise IndexError(
                f"repeat_interleave: a 0-d tensor has no dim {dim}; leave dim out (dim=None)"
            )
        else:
            axis = axis_index(dim, x.ndim, "repeat_interleave: dim")
        shape = tuple(x.shape)
        if isinstance(repeats, int):
            if repeats < 0:
                raise ValueError(f"repeat_interleave: repeats must be non-negative, not {repeats}")
            out = x.unsqueeze(axis + 1).expand(*shape[:axis + 1], repeats, *shape[axis + 1:])
            out = out.flatten(axis, axis + 1)
            _check_output_size(output_size, out.shape[axis])
            return out
        counts = self._index_tensor("repeat_interleave (repeats)", repeats)
        if counts.ndim > 1:
            raise ValueError(f"repeat_interleave: repeats must be 0-d or 1-d, not of shape "
                             f"{tuple(counts.shape)}")
        if counts.numel() == 1:
            counts = counts.reshape(1).expand(shape[axis])
        if counts.shape[0] != shape[axis]:
            raise ValueError(
                f"repeat_interleave: repeats must have the same size as input along dim, got "
                f"{counts.shape[0]} counts for size {shape[axis]}"
            )
        return x.index_select(axis, repeat_positions(counts, output_size))

    def take_along_dim(self, indices: Any, dim: int | None = None) -> Tensor:
        """The elements at ``indices`` along ``dim``, as ``torch.take_along_dim``: ``gather``
        after broadcasting the other dims of both; without ``dim``, over the flattened tensor.

        Examples:
            >>> import tinygrad_edu as tg
            >>> x = tg.tensor([[10, 30, 20], [60, 40, 50]])
            >>> x.take_along_dim(x.argmax(1, keepdim=True), 1).tolist()
            [[30], [60]]
        """
        index = self._index_tensor("take_along_dim", indices)
        x = cast("Tensor", self)
        if dim is None:
            return x.reshape(-1).gather(0, index.reshape(-1))
        if x.ndim == 0:
            raise IndexError(f"take_along_dim: dim {dim} given, but a 0-d tensor has no dims "
                             "(as in PyTorch); leave dim out (dim=None)")
        if x.ndim != index.ndim:
            raise ValueError(
                f"take_along_dim: input and indices should have the same number of dimensions, "
                f"got {x.ndim} and {index.ndim}; unsqueeze the indices"
            )
        axis = axis_index(dim, x.ndim, "take_along_dim: dim")
        if x.shape[axis]:  # PyTorch 2.13 wraps every position along dim (7 is 7 % size)
            index = index % x.shape[axis]
        others = [list(x.shape), list(index.shape)]
        for shape in others:
            shape[axis] = 1
        common = list(broadcast_shapes("take_along_dim", *(tuple(s) for s in others)))
        x = x.expand(*common[:axis], x.shape[axis], *common[axis + 1:])
        index = index.expand(*common[:axis], index.shape[axis], *common[axis + 1:])
        return x.gather(axis, index)

    def take(self, index: Any) -> Tensor:
        """The elements at ``index`` in the flattened tensor, in ``index``'s shape, as
        ``torch.take`` (a negative position counts from the end).

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([[1, 2], [3, 4]]).take(tg.tensor([[0, -1]])).tolist()
            [[1, 4]]
        """
        if not isinstance(index, TensorBase):
            index = type(self)(index, dtype=int64, backend=self.backend)
        if index.dtype is not int64:
            raise TypeError(f"take: index must be an int64 tensor, not {index.dtype.name}")
        flat = cast("Tensor", self).reshape(-1)
        positions = wrap_positions("take", flat, index._data, 0)
        return cast("Tensor", ops.GetItem.apply(flat, key=(positions,)))

    # -- writing at positions -----------------------------------------------------------------
    def _scatter_key(self, name: str, dim: int, index: Any, src: Any) -> tuple[Any, Any]:
        """The positions ``index`` names along ``dim`` as a key, and the part of ``src`` (a
        tensor) it covers, after PyTorch's checks."""
        index = self._index_tensor(name, index)
        if index.ndim == 0 and self.ndim <= 1:
            index = index.reshape(1)
        if index.ndim != max(self.ndim, 1):
            raise ValueError(
                f"{name}: index must have as many dimensions as self ({self.ndim}), got shape "
                f"{tuple(index.shape)}"
            )
        axis = axis_index(dim, self.ndim, f"{name}: dim")
        check_positions(name, self, index._data, axis)
        shape = tuple(self.shape) or (1,)
        too_big = any(n > m for d, (n, m) in enumerate(zip(index.shape, shape, strict=True))
                      if d != axis)
        if src is not None and src.ndim == 0 and self.ndim == 0:  # one element: as 1-d
            src = src.reshape(1)
        if too_big or (src is not None and (src.ndim != index.ndim or any(
                n > m for n, m in zip(index.shape, src.shape, strict=True)))):
            raise ValueError(
                f"{name}: index {tuple(index.shape)} must be no larger than self "
                f"{tuple(self.shape)} apart from dim {dim}, and no larger than src "
                f"{None if src is None else tuple(src.shape)}"
            )
        xp, native = self.backend.xp, self.backend.native_dtype(int64)
        key = []
        for d, n in enumerate(index.shape):
            if d == axis:
                key.append(index._data)
            else:
                at = [1] * index.ndim
                at[d] = n
                key.append(xp.reshape(xp.arange(n, dtype=native), tuple(at)))
        if src is not None and tuple(src.shape) != tuple(index.shape):
            src = src[tuple(slice(0, n) for n in index.shape)]
        return tuple(key), src

    def scatter(self, dim: int, index: Any, src: Any = None, *, value: Any = None,
                reduce: str | None = None) -> Tensor:
        """A copy with ``src`` (a tensor, or one number; or ``value=``) written at the
        positions ``index`` gives along ``dim``, as ``torch.scatter``: for ``dim=0``,
        ``out[index[i][j]][j] = src[i][j]``. Gradients: to ``self`` where nothing was written,
        to each element of ``src`` from the place it was written to.

        ``reduce="add"`` or ``"multiply"`` (PyTorch's older form of :meth:`scatter_reduce`)
        adds or multiplies instead of writing; as in PyTorch, that result has no gradient.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.zeros(2, 3).scatter(1, tg.tensor([[2], [0]]), 1.0).tolist()
            [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]
            >>> tg.ones(3).scatter(0, tg.tensor([0, 0]), 2.0, reduce="multiply").tolist()
            [4.0, 1.0, 1.0]
        """
        if reduce not in (None, "add", "multiply"):
            raise ValueError(
                f"scatter: reduce must be 'add' or 'multiply', not {reduce!r}; for 'sum', "
                "'prod', 'mean', 'amax' and 'amin' use scatter_reduce(dim, index, src, reduce)"
            )
        if (src is None) == (value is None):
            raise TypeError("scatter: give the values as src (a tensor or a number) or value=")
        x = cast("Tensor", self)
        given = src if value is None else value
        if isinstance(given, TensorBase) or not isinstance(given, int | float | bool):
            src = self._same_dtype("scatter", self._const(given))
            key, src = self._scatter_key("scatter", dim, index, src)
        else:
            key, _ = self._scatter_key("scatter", dim, index, None)
            src = self.constant(self.backend.xp.asarray(given, dtype=self._data.dtype))
        if reduce is not None:
            if src.ndim == 0:  # one number: the same for every position
                src = src.expand(*self.backend.xp.broadcast_arrays(*key)[0].shape)
            kind = "sum" if reduce == "add" else "prod"
            return self._reduce_into(dim, key, src, kind, True, derivative=False)
        if self.ndim == 0:
            return cast("Tensor", ops.Scatter.apply(x.reshape(1), src, key=key)).reshape(())
        return cast("Tensor", ops.Scatter.apply(x, src, key=key))

    def index_put(self, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
        """A copy with ``values`` (broadcast) written at ``self[indices]``, or added there with
        ``accumulate=True`` (repeated positions then add up), as ``torch.index_put``:
        ``indices`` is a tuple of int64 or bool tensors, one per leading dim.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.zeros(2, 2).index_put((tg.tensor([0, 1]), tg.tensor([1, 1])), tg.tensor(5.0),
            ...                          accumulate=True).tolist()
            [[0.0, 5.0], [0.0, 5.0]]
        """
        if not isinstance(indices, tuple | list) or not all(
                isinstance(k, TensorBase) for k in indices):
            raise TypeError("index_put: indices must be a tuple of tensors (int64 positions or "
                            "bool masks), as in PyTorch: x.index_put((rows, cols), values)")
        values = self._same_dtype("index_put", self._src_tensor("index_put", values, "values"),
                                  "values")
        x = cast("Tensor", self)
        key = x._index_key(tuple(indices))
        picked = tuple(self.backend.getitem(self._data, key).shape)
        part = values.expand(*picked) if tuple(values.shape) != picked else values
        if accumulate:
            return x + ops.IndexAdd.apply(part, shape=tuple(x.shape), key=key)
        return cast("Tensor", ops.Scatter.apply(x, part, key=key))

    def scatter_add(self, dim: int, index: Any, src: Any) -> Tensor:
        """A copy with ``src`` added at the positions ``index`` gives along ``dim`` (repeated
        positions add up), as ``torch.scatter_add``.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.zeros(3).scatter_add(0, tg.tensor([0, 2, 0]), tg.ones(3)).tolist()
            [2.0, 0.0, 1.0]
        """
        src = self._same_dtype("scatter_add", self._src_tensor("scatter_add", src))
        key, part = self._scatter_key("scatter_add", dim, index, src)
        x = cast("Tensor", self)
        added = ops.IndexAdd.apply(part, shape=tuple(x.shape) or (1,), key=key)
        return x + (added.reshape(()) if x.ndim == 0 else added)

    def scatter_reduce(self, dim: int, index: Any, src: Any, reduce: str, *,
                       include_self: bool = True) -> Tensor:
        """A copy with the elements of ``src`` reduced into the positions ``index`` gives along
        ``dim``, as ``torch.scatter_reduce``: ``reduce`` is "sum", "prod", "mean", "amax" or
        "amin", and ``self``'s own element takes part where ``include_self`` (else a place
        written to holds the reduction of what was written there only). An integer "mean"
        rounds down. Gradients as PyTorch's (amax/amin: shared evenly among equal elements).

        Examples:
            >>> import tinygrad_edu as tg
            >>> x = tg.tensor([1.0, 2.0, 3.0])
            >>> x.scatter_reduce(0, tg.tensor([0, 0]), tg.tensor([5.0, 4.0]), "amax").tolist()
            [5.0, 2.0, 3.0]
            >>> x.scatter_reduce(0, tg.tensor([0, 0]), tg.tensor([5.0, 4.0]), "mean",
            ...                  include_self=False).tolist()
            [4.5, 2.0, 3.0]
        """
        if reduce not in ("sum", "prod", "mean", "amax", "amin"):
            raise ValueError(
                f"scatter_reduce: reduce must be 'sum', 'prod', 'mean', 'amax' or 'amin', not "
                f"{reduce!r}" + (" (scatter's reduce='add' is 'sum' here)" if reduce == "add"
                                 else "")
            )
        src = self._same_dtype("scatter_reduce", self._src_tensor("scatter_reduce", src))
        key, part = self._scatter_key("scatter_reduce", dim, index, src)
        return self._reduce_into(dim, key, part, reduce, bool(include_self))

    def _reduce_into(self, dim: int, key: Any, part: Any, reduce: str, include_self: bool,
                     derivative: bool = True) -> Tensor:
        x = cast("Tensor", self)
        axis = axis_index(dim, self.ndim, "scatter_reduce: dim")
        out = ops.ScatterReduce.apply(x.reshape(1) if x.ndim == 0 else x, part, key=key,
                                      reduce=reduce, include_self=include_self, axis=axis,
                                      derivative=derivative)
        return cast("Tensor", out.reshape(()) if x.ndim == 0 else out)

    def _src_tensor(self, name: str, src: Any, what: str = "src") -> Any:
        if not isinstance(src, TensorBase):
            raise TypeError(
                f"{name}: {what} must be a Tensor, not {type(src).__name__}, as in PyTorch; make "
                "one number a tensor, tg.tensor(2.0) (scatter takes a number as value= too)"
            )
        return src

    def _same_dtype(self, name: str, src: Any, what: str = "src") -> Any:
        if src.dtype is not self.dtype:
            raise TypeError(
                f"{name}: {what} has dtype {src.dtype.name} and self {self.dtype.name}; they must "
                f"match, as in PyTorch: convert first, e.g. src.to({self.dtype.name})"
            )
        return src


def _check_output_size(output_size: int | None, size: int) -> None:
    if output_size is not None and output_size != size:
        raise ValueError(
            f"repeat_interleave: output_size={output_size} but the repeats add up to {size}"
        )


def repeat_positions(counts: Any, output_size: int | None = None) -> Any:
    """``[0] * counts[0] + [1] * counts[1] + ...`` as an int64 tensor: where each output slice
    of ``repeat_interleave`` comes from. The total is read on the host once (one check that the
    counts are non-negative too), unless ``output_size`` gives it."""
    xp, data = counts.backend.xp, counts._data
    if output_size is None:
        total = xp.where(xp.any(data < 0), xp.asarray(-1, dtype=data.dtype), xp.sum(data))
        output_size = int(total)
        if output_size < 0:
            raise ValueError("repeat_interleave: repeats must be non-negative")
    elif bool(xp.any(data < 0) | (xp.sum(data) != output_size)):
        raise ValueError(
            f"repeat_interleave: the repeats must be non-negative and add up to "
            f"output_size={output_size}"
        )
    ends = (getattr(xp, "cumulative_sum", None) or xp.cumsum)(data)
    every = xp.arange(output_size, dtype=data.dtype)
    return type(counts)._from_data(xp.searchsorted(ends, every, side="right"), counts.backend)
