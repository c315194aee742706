"""More of PyTorch's shape methods: ``movedim``, ``swapaxes``, ``unflatten``, ``tile``,
``diag``, ``diagonal``, ``trace``, ``diff``, ``rot90`` and ``histc``. (Picking and writing at
positions is in :mod:`.positions`, the products in :mod:`.products`.)

All are composed: axes move by Permute, sizes change by Reshape and Expand, and picking elements
is one GetItem (its backward adds the gradient back where each element came from;
:class:`~tinygrad_edu.ops.movement.IndexAdd` is its adjoint, which ``diag`` uses to lay a
vector on a diagonal). ``histc`` counts, outside the graph (no gradient, as in PyTorch)."""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any, cast

from .. import ops
from ..dtypes import bool_, int64
from .positions import PositionMethods
from .shapes import _shape_args, axis_index, promote

if TYPE_CHECKING:
    from ..tensor import Tensor


class MoreShapeMethods(PositionMethods):
    """More shape and linear-algebra methods, with PyTorch's names and meanings."""

    __slots__ = ()

    def _positions(self, *starts: int, length: int) -> list[Any]:
        """int64 aranges ``start, start + 1, ...`` of ``length`` elements, as backend arrays."""
        xp, native = self.backend.xp, self.backend.native_dtype(int64)
        return [xp.arange(start, start + length, dtype=native) for start in starts]

    # -- axes ---------------------------------------------------------------------------------
    def movedim(self, source: Any, destination: Any) -> Tensor:
        """The dims ``source`` moved to the places ``destination``, the others keeping their
        order, as ``torch.movedim``.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.zeros(2, 3, 4).movedim(0, -1).shape
            Size([3, 4, 2])
        """
        src = [source] if isinstance(source, int) else list(source)
        dst = [destination] if isinstance(destination, int) else list(destination)
        if len(src) != len(dst):
            raise ValueError(
                f"movedim: source {src} and destination {dst} must name as many dims"
            )
        ndim = self.ndim
        src = [axis_index(d, ndim, "movedim: source dim") for d in src]
        dst = [axis_index(d, ndim, "movedim: destination dim") for d in dst]
        for name, dims in (("source", src), ("destination", dst)):
            if len(set(dims)) != len(dims):
                raise ValueError(f"movedim: repeated dim in {name} ({dims})")
        if ndim == 0:
            return cast("Tensor", self)
        order = [-1] * ndim
        for s, d in zip(src, dst, strict=True):
            order[d] = s
        rest = iter(d for d in range(ndim) if d not in src)
        return cast("Tensor", self).permute(*[o if o >= 0 else next(rest) for o in order])

    moveaxis = movedim

    def swapaxes(self, axis0: int, axis1: int) -> Tensor:
        """Two dims swapped: ``transpose(axis0, axis1)``, as ``torch.swapaxes``."""
        return cast("Tensor", self).transpose(axis0, axis1)

    def swapdims(self, dim0: int, dim1: int) -> Tensor:
        """Two dims swapped: ``transpose(dim0, dim1)``, as ``torch.swapdims``."""
        return cast("Tensor", self).transpose(dim0, dim1)

    def unflatten(self, dim: int, sizes: Any) -> Tensor:
        """Dim ``dim`` split into several of ``sizes`` (one may be -1), as ``torch.unflatten``.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.zeros(2, 12).unflatten(1, (3, -1)).shape
            Size([2, 3, 4])
        """
        if self.ndim == 0:
            raise IndexError("unflatten: a 0-d tensor has no dim to split; reshape it instead")
        axis = axis_index(dim, self.ndim, "unflatten: dim")
        sizes = tuple(operator.index(n) for n in sizes)
        size = self.shape[axis]
        known = 1
        for n in sizes:
            known *= n if n != -1 else 1
        if not sizes or sizes.count(-1) > 1 or any(n < -1 for n in sizes) or (
            size != known if -1 not in sizes else (known == 0 or size % known)
        ):
            raise ValueError(
                f"unflatten: sizes {list(sizes)} must be non-empty, hold at most one -1 and "
                f"multiply up to the size of dim {dim} ({size})"
            )
        if -1 in sizes:
            sizes = tuple(size // known if n == -1 else n for n in sizes)
        shape = tuple(self.shape)
        return cast("Tensor", self).reshape(*shape[:axis], *sizes, *shape[axis + 1:])

    # -- repeating ----------------------------------------------------------------------------
    def tile(self, *dims: Any) -> Tensor:
        """The tensor repeated ``dims`` times along each dim, as ``torch.tile``: fewer sizes
        than dims count from the last dim (``repeat`` would refuse them).

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([[1, 2]]).tile(2).tolist()
            [[1, 2, 1, 2]]
        """
        reps = tuple(operator.index(n) for n in _shape_args(dims))
        reps = (1,) * (self.ndim - len(reps)) + reps
        return cast("Tensor", self).repeat(*reps) if reps else cast("Tensor", self)

    # -- diagonals ----------------------------------------------------------------------------
    def diagonal(self, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
        """The elements ``x[i, i + offset]`` of dims ``dim1`` and ``dim2``, as
        ``torch.diagonal``: those two dims go, and the diagonal becomes the last dim.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.arange(9).reshape(3, 3).diagonal(1).tolist()
            [1, 5]
        """
        if self.ndim < 2:
            raise ValueError(f"diagonal: needs at least 2 dims, got shape {tuple(self.shape)}")
        a = axis_index(dim1, self.ndim, "diagonal: dim1")
        b = axis_index(dim2, self.ndim, "diagonal: dim2")
        if a == b:
            raise ValueError(f"diagonal: dim1 and dim2 must differ, both are {a}")
        rest = [d for d in range(self.ndim) if d not in (a, b)]
        x = cast("Tensor", self).permute(*rest, a, b)
        rows, cols = x.shape[-2:]
        row, col = max(-offset, 0), max(offset, 0)
        length = max(0, min(rows - row, cols - col))
        return cast("Tensor", ops.GetItem.apply(
            x, key=(Ellipsis, *self._positions(row, col, length=length))))

    def diag(self, diagonal: int = 0) -> Tensor:
        """A vector laid on the ``diagonal``-th diagonal of a square matrix of zeros, or a
        matrix's ``diagonal``-th diagonal as a vector, as ``torch.diag``.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1, 2]).diag().tolist()
            [[1, 0], [0, 2]]
            >>> tg.tensor([[1, 2], [3, 4]]).diag(-1).tolist()
            [3]
        """
        if self.ndim == 2:
            return self.diagonal(diagonal)
        if self.ndim != 1:
            raise ValueError(f"diag: supports 1-D or 2-D tensors, got shape {tuple(self.shape)}")
        size = self.shape[0] + abs(diagonal)
        key = tuple(self._positions(max(-diagonal, 0), max(diagonal, 0), length=self.shape[0]))
        return cast("Tensor", ops.IndexAdd.apply(self, shape=(size, size), key=key))

    def trace(self) -> Tensor:
        """The sum of a matrix's main diagonal, as ``torch.trace``."""
        if self.ndim != 2:
            raise ValueError(f"trace: expected a matrix (2-D), got shape {tuple(self.shape)}")
        return self.diagonal().sum()

    # -- differences --------------------------------------------------------------------------
    def diff(self, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
        """The ``n``-th forward difference ``x[i + 1] - x[i]`` along ``dim``, as
        ``torch.diff`` (for bool tensors: ``x[i + 1] != x[i]``); ``prepend`` and ``append``
        are joined to the ends first.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1, 4, 9, 16]).diff().tolist()
            [3, 5, 7]
            >>> tg.tensor([1, 4, 9, 16]).diff(n=2, prepend=tg.tensor([0])).tolist()
            [2, 2, 2]
        """
        if self.ndim == 0:
            raise ValueError("diff: expects a tensor of at least one dimension")
        if n < 0:
            raise ValueError(f"diff: order n must be non-negative, not {n}")
        axis = axis_index(dim, self.ndim, "diff: dim")
        if n == 0:  # as PyTorch: the input itself, prepend and append left out
            return cast("Tensor", self)
        parts = [cast("Tensor", self)]
        for where, extra in ((0, prepend), (1, append)):
            if extra is not None:
                extra = self._const(extra)
                if extra.ndim != self.ndim:
                    raise ValueError(
                        f"diff: prepend and append must have as many dimensions as the input "
                        f"({self.ndim}), got shape {tuple(extra.shape)}"
                    )
                parts.insert(len(parts) if where else 0, extra)
        x = parts[0]
        if len(parts) > 1:
            if not _joinable(parts, axis):
                raise ValueError(
                    f"diff: prepend and append must match the input's shape "
                    f"{tuple(self.shape)} except along dim {dim}, got "
                    f"{[tuple(p.shape) for p in parts]}"
                )
            x = ops.Concatenate.apply(*_one_dtype(parts), axis=axis)
        before = (slice(None),) * axis
        for _ in range(min(n, x.shape[axis])):
            high, low = x[before + (slice(1, None),)], x[before + (slice(None, -1),)]
            x = high.ne(low) if x.dtype is bool_ else high - low
        return x

    # -- turning and counting -----------------------------------------------------------------
    def rot90(self, k: int = 1, dims: Any = (0, 1)) -> Tensor:
        """Turned by ``k`` quarter turns in the plane of ``dims``, from the first dim towards
        the second, as ``torch.rot90``.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([[1, 2], [3, 4]]).rot90().tolist()
            [[2, 4], [1, 3]]
        """
        dims = list(dims)
        if len(dims) != 2 or self.ndim < 2:
            raise ValueError(f"rot90: needs two dims of a tensor of at least 2 dims, got dims "
                             f"{dims} for shape {tuple(self.shape)}")
        a, b = (axis_index(d, self.ndim, "rot90: dim") for d in dims)
        if a == b:
            raise ValueError(f"rot90: the two dims must differ, got {dims}")
        x, turns = cast("Tensor", self), k % 4
        if turns == 1:
            return x.flip(b).transpose(a, b)
        if turns == 2:
            return x.flip(a, b)
        if turns == 3:
            return x.flip(a).transpose(a, b)
        return x[...]

    def histc(self, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
        """How many elements fall into each of ``bins`` equal bins between ``min`` and ``max``,
        as ``torch.histc`` (elements outside, and nans, are not counted; the last bin includes
        ``max``). ``min == max`` (the default) takes the data's own range, read on the host.
        A count has no gradient.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1.0, 2.0, 1.0]).histc(bins=4, min=0, max=3).tolist()
            [0.0, 2.0, 1.0, 0.0]
        """
        if not self.dtype.is_floating:
            raise TypeError(f"histc: needs a floating-point tensor, not {self.dtype.name}; "
                            "convert first: x.float()")
        if bins <= 0:
            raise ValueError(f"histc: bins must be > 0, not {bins}")
        xp = self.backend.xp
        data = xp.reshape(self._data, (-1,))
        low, high = float(min), float(max)
        if low == high and data.shape[0]:
            low, high = float(xp.min(data)), float(xp.max(data))
        if not (abs(low) < float("inf") and abs(high) < float("inf")):
            raise ValueError(f"histc: range of [{low}, {high}] is not finite")
        if low == high:
            low, high = low - 1, high + 1
        if low > high:
            raise ValueError(f"histc: max ({high}) must be larger than min ({low})")
        # Bin i holds [edge i, edge i + 1), the edges spaced as linspace spaces them.
        edges = xp.astype(xp.linspace(low, high, bins + 1, dtype=xp.float64), data.dtype)
        inside = (data >= low) & (data <= high)
        position = xp.searchsorted(edges, data, side="right") - 1
        position = xp.clip(position, 0, bins - 1)
        native = self.backend.native_dtype(int64)
        position = xp.astype(xp.where(inside, position, xp.zeros_like(position)), native)
        counts = xp.zeros((bins,), dtype=data.dtype)
        self.backend.scatter_add(counts, (position,), xp.astype(inside, data.dtype))
        return type(self)._from_data(counts, self.backend)


def _one_dtype(parts: list[Any]) -> list[Any]:
    for i in range(1, len(parts)):
        if parts[i].dtype is not parts[0].dtype:
            first, other = promote(parts[0], parts[i])
            if first.dtype is not parts[0].dtype:
                parts = [p.astype(first.dtype) for p in parts]
            parts[i] = other
    return parts


def _joinable(parts: list[Any], axis: int) -> bool:
    shape = tuple(parts[0].shape)
    return all(tuple(p.shape)[:axis] + tuple(p.shape)[axis + 1:] == shape[:axis] + shape[axis + 1:]
               for p in parts)
