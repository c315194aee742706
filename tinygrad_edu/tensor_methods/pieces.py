"""Cutting a tensor into pieces and rearranging it, as PyTorch: ``split``, ``chunk``, ``unbind``,
``narrow``, ``select``, ``index_select``, ``flip``, ``roll``, ``repeat``, ``tril``, ``triu``
and ``nonzero``; and writing slices at positions along a dim, ``index_select``'s partners:
``index_add`` (IndexAdd, its adjoint), ``index_copy`` and ``index_fill`` (Scatter).

All are composed, so their gradients come from the pieces: the cuts and rearrangements are
indexing (:class:`~tinygrad_edu.ops.movement.GetItem`, whose backward puts the gradient back
where each element came from, adding up repeats), ``repeat`` is Reshape and Expand, and
``tril``/``triu`` are a Where that keeps one triangle (the gradient is 0 in the other).
``nonzero`` gives positions, outside the graph."""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any, cast

from .. import ops
from ..dtypes import bool_, int64
from .base import TensorBase
from .selection import check_positions, wrap_positions
from .shapes import _shape_args, axis_index, broadcast_shapes

if TYPE_CHECKING:
    from ..tensor import Tensor


class PieceMethods(TensorBase):
    """Pieces and rearrangements of a Tensor."""

    __slots__ = ()

    def _cut(self, axis: int, key: Any) -> Tensor:
        """``self[:, ..., key]`` with ``key`` at position ``axis``."""
        return cast("Tensor", self)[(slice(None),) * axis + (key,)]

    def _dim_of(self, dim: int, name: str) -> int:
        if self.ndim == 0:
            raise IndexError(f"{name}: a 0-d tensor has no dimension to cut; reshape it first")
        return axis_index(dim, self.ndim, f"{name}: dim")

    def split(self, split_size: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces along ``dim``, as ``torch.split``: an int gives pieces of that size (the last
        one smaller if the size does not divide), a list gives pieces of those sizes (which
        must add up to the dim's size). Views: gradients flow back to the pieces' places.

        Examples:
            >>> import tinygrad_edu as tg
            >>> [p.tolist() for p in tg.arange(5).split(2)]
            [[0, 1], [2, 3], [4]]
            >>> [p.tolist() for p in tg.arange(5).split([1, 4])]
            [[0], [1, 2, 3, 4]]
        """
        axis = self._dim_of(dim, "split")
        size = self.shape[axis]
        if isinstance(split_size, int):
            step = split_size
            if step <= 0 and not (step == 0 and size == 0):
                raise ValueError(f"split: split_size must be a positive int, not {step}")
            starts = list(range(0, size, step)) if size else [0]
            sizes = [min(step, size - start) for start in starts]
        else:
            sizes = [operator.index(n) for n in split_size]
            if any(n < 0 for n in sizes) or sum(sizes) != size:
                raise ValueError(
                    f"split: sizes {sizes} must be non-negative and add up to {size}, the size "
                    f"of dim {dim} (shape {self.shape})"
                )
        pieces, start = [], 0
        for n in sizes:
            pieces.append(self._cut(axis, slice(start, start + n)))
            start += n
        return tuple(pieces)

    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """``chunks`` pieces of (nearly) equal size along ``dim``, as ``torch.chunk``: each of
        ``ceil(size / chunks)`` elements, so there may be fewer pieces than asked for.

        Examples:
            >>> import tinygrad_edu as tg
            >>> [p.tolist() for p in tg.arange(6).chunk(4)]
            [[0, 1], [2, 3], [4, 5]]
        """
        if chunks <= 0:
            raise ValueError(f"chunk: chunks must be a positive int, not {chunks}")
        axis = self._dim_of(dim, "chunk")
        size = self.shape[axis]
        if size == 0:  # PyTorch gives `chunks` empty pieces
            return tuple(self._cut(axis, slice(0, 0)) for _ in range(chunks))
        return self.split(-(-size // chunks), axis)

    def unbind(self, dim: int = 0) -> tuple[Tensor, ...]:
        """The slices along ``dim``, that dim removed: ``(x[0], x[1], ...)`` for ``dim=0``."""
        axis = self._dim_of(dim, "unbind")
        return tuple(self._cut(axis, i) for i in range(self.shape[axis]))

    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        """``length`` elements along ``dim`` from ``start`` (which may be negative), as
        ``torch.narrow``: ``x.narrow(1, 2, 3)`` is ``x[:, 2:5]``."""
        axis = self._dim_of(dim, "narrow")
        size = self.shape[axis]
        if not -size <= start <= size:
            raise IndexError(f"narrow: start {start} is out of range for a dim of size {size}")
        start %= size if size else 1
        if length < 0 or start + length > size:
            raise IndexError(
                f"narrow: start ({start}) + length ({length}) exceeds the dim's size ({size})"
            )
        return self._cut(axis, slice(start, start + length))

    def select(self, dim: int, index: int) -> Tensor:
        """The slice at ``index`` along ``dim``, that dim removed, as ``torch.select``:
        ``x.select(1, 0)`` is ``x[:, 0]``."""
        axis = self._dim_of(dim, "select")
        size = self.shape[axis]
        if not -size <= index < size:
            raise IndexError(f"select: index {index} is out of range for a dim of size {size}")
        return self._cut(axis, index % size)

    def index_select(self, dim: int, index: Any) -> Tensor:
        """The slices at the positions ``index`` (a 1-D int64 tensor) along ``dim``, as
        ``torch.index_select``; a position picked twice adds up its gradients.

        Examples:
            >>> import tinygrad_edu as tg
            >>> x = tg.tensor([[1, 2, 3], [4, 5, 6]])
            >>> x.index_select(1, tg.tensor([2, 0])).tolist()
            [[3, 1], [6, 4]]
        """
        if not isinstance(index, TensorBase):
            index = type(self)(index, dtype=int64, backend=self.backend)
        if index.dtype is not int64 or index.ndim > 1:
            raise TypeError(
                f"index_select: index must be a 1-D int64 tensor, got {index.dtype.name} of "
                f"shape {index.shape}"
            )
        if self.ndim == 0:  # a 0-d tensor is its one element, at position 0
            return cast("Tensor", self).reshape(1).index_select(dim, index).reshape(())
        axis = axis_index(dim, self.ndim, "index_select: dim")
        index = index.reshape(-1)
        check_positions("index_select", self, index._data, axis)
        return self._cut(axis, index)

    # -- writing along a dim at positions (index_select's partners) ---------------------------
    def _along_key(self, name: str, dim: int, index: Any, wrap: bool = False) -> Any:
        """``(:, ..., positions)`` with the 1-D int64 ``index`` at ``dim``, after PyTorch's
        checks (``wrap``: a negative position counts from the end, as index_fill's)."""
        if not isinstance(index, TensorBase):
            index = type(self)(index, dtype=int64, backend=self.backend)
        if index.dtype is not int64 or index.ndim > 1:
            raise IndexError(f"{name}: index must be a 0-d or 1-D int64 tensor (a vector), got "
                             f"{index.dtype.name} of shape {tuple(index.shape)}")
        axis = axis_index(dim, self.ndim, f"{name}: dim")
        positions = self.backend.xp.reshape(index._data, (-1,))
        if wrap:
            positions = wrap_positions(name, self, positions, axis)
        else:
            check_positions(name, self, positions, axis)
        return (slice(None),) * axis + (positions,)

    def _source_for(self, name: str, key: Any, source: Any) -> Any:
        """``source`` checked: a tensor of this dtype whose shape is this tensor's with the
        indexed dim's size replaced by the number of positions."""
        if not isinstance(source, TensorBase) or source.dtype is not self.dtype:
            got = source.dtype.name if isinstance(source, TensorBase) else type(source).__name__
            raise TypeError(f"{name}: source must be a tensor of this tensor's dtype "
                            f"{self.dtype.name}, got {got}; convert first: "
                            f"source.to({self.dtype.name})")
        expected = list(self.shape)
        if expected:
            expected[len(key) - 1] = int(key[-1].shape[0])
        if tuple(source.shape) != tuple(expected) or (not expected and key[-1].shape[0] != 1):
            raise ValueError(f"{name}: source must have shape {tuple(expected)} (this tensor's "
                             f"shape with dim {len(key) - 1} the number of positions), got "
                             f"{tuple(source.shape)}")
        return cast("Tensor", source).reshape(tuple(expected) or (1,))

    def index_add(self, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
        """A copy with ``alpha * source`` added at the positions ``index`` (1-D) along ``dim``,
        as ``torch.index_add``: for ``dim=1``, ``out[:, index[i]] += alpha * source[:, i]``;
        repeated positions add up. Positions must lie in 0..size-1, as in PyTorch.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.zeros(2, 3).index_add(1, tg.tensor([0, 0]), tg.ones(2, 2)).tolist()
            [[2.0, 0.0, 0.0], [2.0, 0.0, 0.0]]
        """
        key = self._along_key("index_add", dim, index)
        source = self._source_for("index_add", key, source)
        if alpha != 1:
            if isinstance(alpha, float) and not self.dtype.is_floating:
                raise TypeError(f"index_add: alpha={alpha} is a float, but this tensor is "
                                f"{self.dtype.name}; give an integer alpha")
            source = source * alpha
        x = cast("Tensor", self)
        added = ops.IndexAdd.apply(source, shape=tuple(x.shape) or (1,), key=key)
        return x + (added.reshape(()) if x.ndim == 0 else added)

    def index_copy(self, dim: int, index: Any, source: Any) -> Tensor:
        """A copy with the slices of ``source`` written at the positions ``index`` along
        ``dim``, as ``torch.index_copy`` (gradients as :meth:`scatter`'s).

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.zeros(3).index_copy(0, tg.tensor([2, 0]), tg.tensor([5.0, 6.0])).tolist()
            [6.0, 0.0, 5.0]
        """
        key = self._along_key("index_copy", dim, index)
        source = self._source_for("index_copy", key, source)
        x = cast("Tensor", self)
        out = ops.Scatter.apply(x.reshape(1) if x.ndim == 0 else x, source, key=key)
        return cast("Tensor", out.reshape(()) if x.ndim == 0 else out)

    def index_fill(self, dim: int, index: Any, value: Any) -> Tensor:
        """A copy with ``value`` (a number or a 0-d tensor, converted to this dtype) at the
        positions ``index`` along ``dim``, as ``torch.index_fill`` (a negative position counts
        from the end here, as in PyTorch).

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.zeros(2, 3).index_fill(1, tg.tensor([-1]), 7.0).tolist()
            [[0.0, 0.0, 7.0], [0.0, 0.0, 7.0]]
        """
        key = self._along_key("index_fill", dim, index, wrap=True)
        if isinstance(value, TensorBase):
            if value.ndim:
                raise ValueError(f"index_fill: value must be a number or a 0-d tensor, got shape "
                                 f"{tuple(value.shape)}")
            value = value.astype(self.dtype)
        else:
            value = self.constant(self.backend.xp.asarray(value, dtype=self._data.dtype))
        x = cast("Tensor", self)
        out = ops.Scatter.apply(x.reshape(1) if x.ndim == 0 else x, value, key=key)
        return cast("Tensor", out.reshape(()) if x.ndim == 0 else out)

    def masked_select(self, mask: Any) -> Tensor:
        """The elements where ``mask`` (bool, broadcast with this tensor) is True, in a 1-D
        tensor, as ``torch.masked_select``: ``x.masked_select(x > 0)`` is ``x[x > 0]``."""
        if not isinstance(mask, TensorBase) or mask.dtype is not bool_:
            raise TypeError("masked_select: the mask must be a bool tensor; make one with a "
                            "comparison, e.g. x > 0")
        shape = broadcast_shapes("masked_select", tuple(self.shape), tuple(mask.shape)) or (1,)
        return cast("Tensor", self).expand(*shape)[cast("Tensor", mask).expand(*shape)]

    def flip(self, *dims: Any) -> Tensor:
        """The elements in reverse order along ``dims``, as ``torch.flip``:
        ``x.flip(0)``, ``x.flip(0, 1)`` or ``x.flip([0, 1])``."""
        if not dims:
            raise TypeError("flip() needs the dims to reverse, as in PyTorch: x.flip(0)")
        axes = {axis_index(d, self.ndim, "flip: dim") for d in _shape_args(dims)}
        if self.ndim == 0:
            return cast("Tensor", self)[...]
        reverse = slice(None, None, -1)
        return cast("Tensor", self)[tuple(reverse if a in axes else slice(None)
                                          for a in range(self.ndim))]

    def roll(self, shifts: Any, dims: Any = None) -> Tensor:
        """The elements moved ``shifts`` places along ``dims``, those pushed off the end coming
        back at the start, as ``torch.roll``; without ``dims``, over the flattened tensor
        (the shape is kept).

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.arange(5).roll(2).tolist()
            [3, 4, 0, 1, 2]
        """
        x = cast("Tensor", self)
        if dims is None:
            if not isinstance(shifts, int):
                raise ValueError("roll: without dims, shifts must be one int")
            return x.reshape(-1).roll(shifts, 0).reshape(self.shape)
        shift_list = [shifts] if isinstance(shifts, int) else list(shifts)
        dim_list = [dims] if isinstance(dims, int) else list(dims)
        if len(shift_list) != len(dim_list):
            raise ValueError(f"roll: {len(shift_list)} shifts for {len(dim_list)} dims")
        xp = self.backend.xp
        for shift, dim in zip(shift_list, dim_list, strict=True):
            axis = x._dim_of(dim, "roll")
            size = x.shape[axis]
            if size:
                where = (xp.arange(size) - shift) % size
                where = xp.astype(where, self.backend.native_dtype(int64))
                x = x._cut(axis, type(self)._from_data(where, self.backend))
        return x

    def repeat(self, *sizes: Any) -> Tensor:
        """The tensor tiled ``sizes`` times along each dim, as ``torch.repeat`` (NumPy's
        ``tile``); more sizes than dims add leading dims.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1, 2]).repeat(2, 2).tolist()
            [[1, 2, 1, 2], [1, 2, 1, 2]]
        """
        reps = tuple(operator.index(n) for n in _shape_args(sizes))
        if len(reps) < self.ndim:
            raise ValueError(
                f"repeat: give at least one size per dim ({self.ndim}), got {len(reps)}"
            )
        shape = (1,) * (len(reps) - self.ndim) + tuple(self.shape)
        x = cast("Tensor", self).reshape(tuple(n for size in shape for n in (1, size)))
        x = x.expand(tuple(n for r, size in zip(reps, shape, strict=True) for n in (r, size)))
        return x.reshape(tuple(r * size for r, size in zip(reps, shape, strict=True)))

    def tril(self, diagonal: int = 0) -> Tensor:
        """The lower triangle of the last two dims (zeros above the ``diagonal``-th
        diagonal), as ``torch.tril``."""
        return self._triangle("tril", diagonal)

    def triu(self, diagonal: int = 0) -> Tensor:
        """The upper triangle of the last two dims (zeros below the ``diagonal``-th
        diagonal), as ``torch.triu``."""
        return self._triangle("triu", diagonal)

    def _triangle(self, name: str, diagonal: int) -> Tensor:
        if self.ndim < 2:
            raise ValueError(f"{name}: needs at least 2 dims, got shape {self.shape}")
        xp = self.backend.xp
        rows, cols = self.shape[-2:]
        above = xp.arange(cols)[None, :] - xp.arange(rows)[:, None]  # the diagonal of (i, j)
        keep = above <= diagonal if name == "tril" else above >= diagonal
        zero = self.constant(xp.zeros((), dtype=self._data.dtype))
        return cast("Tensor", ops.Where.apply(self.constant(keep), self, zero))

    def nonzero(self, *, as_tuple: bool = False) -> Any:
        """The positions of the nonzero elements, as ``torch.nonzero``: an int64 tensor with
        one row per element and one column per dim, or with ``as_tuple=True`` one tensor of
        positions per dim (what ``x[...]`` takes).

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([[0, 3], [5, 0]]).nonzero().tolist()
            [[0, 1], [1, 0]]
        """
        xp = self.backend.xp
        data = self._data if self.ndim else xp.reshape(self._data, (1,))
        index_type = self.backend.native_dtype(int64)
        found = [xp.astype(p, index_type) for p in xp.nonzero(data)]
        if as_tuple:
            return tuple(type(self)._from_data(p, self.backend) for p in found)
        if not self.ndim:
            out = xp.zeros((int(bool(data[0])), 0), dtype=index_type)
        else:
            out = xp.stack(found, axis=-1)
        return type(self)._from_data(out, self.backend)
