"""More of PyTorch's shape and linear-algebra functions: each is the Tensor method of the same
name (:mod:`tinygrad_edu.tensor_methods.more_shapes`, :mod:`~tinygrad_edu.tensor_methods.products`),
called on ``x`` made a Tensor first. ``einsum`` and ``meshgrid``, which take several tensors
alike, have no method."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from ..tensor_methods.einsum import einsum as _einsum

__all__: list[str] = [
    "movedim", "moveaxis", "swapaxes", "swapdims", "unflatten", "tile", "repeat_interleave",
    "take_along_dim", "scatter", "scatter_add", "diag", "diagonal", "trace", "diff", "addmm",
    "baddbmm", "mv", "vdot", "inner", "tensordot", "kron", "cross", "einsum", "meshgrid",
]


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def movedim(x: Any, source: Any, destination: Any) -> Tensor:
    """Dims moved to new places, the others keeping their order: ``x.movedim(src, dst)``."""
    return _tensor(x).movedim(source, destination)


def moveaxis(x: Any, source: Any, destination: Any) -> Tensor:
    """The same as :func:`movedim` (NumPy's name, which PyTorch has too)."""
    return _tensor(x).movedim(source, destination)


def swapaxes(x: Any, axis0: int, axis1: int) -> Tensor:
    """Two dims swapped: ``x.swapaxes(axis0, axis1)`` (``transpose``)."""
    return _tensor(x).transpose(axis0, axis1)


def swapdims(x: Any, dim0: int, dim1: int) -> Tensor:
    """Two dims swapped: ``x.swapdims(dim0, dim1)`` (``transpose``)."""
    return _tensor(x).transpose(dim0, dim1)


def unflatten(x: Any, dim: int, sizes: Any) -> Tensor:
    """Dim ``dim`` split into dims of ``sizes``: ``x.unflatten(dim, sizes)``."""
    return _tensor(x).unflatten(dim, sizes)


def tile(x: Any, dims: Any) -> Tensor:
    """``x`` repeated along each dim (missing sizes count as 1, from the left): ``x.tile``."""
    return _tensor(x).tile(dims)


def repeat_interleave(x: Any, repeats: Any = None, dim: int | None = None, *,
                      output_size: int | None = None) -> Tensor:
    """Each element (slice along ``dim``) repeated in place: ``x.repeat_interleave(...)``.
    With one argument, an int64 tensor of counts ``r``: ``arange(len(r))`` repeated ``r``
    times, as ``torch.repeat_interleave(r)``.

    Examples:
        >>> import tinygrad_edu as tg
        >>> tg.repeat_interleave(tg.tensor([2, 0, 1])).tolist()
        [0, 0, 2]
    """
    if repeats is None:
        counts = _tensor(x)
        positions = counts.new_tensor(list(range(counts.numel())), dtype="int64")
        return positions.repeat_interleave(counts, 0, output_size=output_size)
    return _tensor(x).repeat_interleave(repeats, dim, output_size=output_size)


def take_along_dim(x: Any, indices: Any, dim: int | None = None) -> Tensor:
    """The elements at ``indices`` along ``dim``: ``x.take_along_dim(indices, dim)``."""
    return _tensor(x).take_along_dim(indices, dim)


def scatter(x: Any, dim: int, index: Any, src: Any = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:
    """A copy of ``x`` with ``src`` written at ``index``: ``x.scatter(dim, index, src)``."""
    return _tensor(x).scatter(dim, index, src, value=value, reduce=reduce)


def scatter_add(x: Any, dim: int, index: Any, src: Any) -> Tensor:
    """A copy of ``x`` with ``src`` added at ``index``: ``x.scatter_add(dim, index, src)``."""
    return _tensor(x).scatter_add(dim, index, src)


def diag(x: Any, diagonal: int = 0) -> Tensor:
    """A vector to a diagonal matrix, or a matrix's diagonal: ``x.diag(diagonal)``."""
    return _tensor(x).diag(diagonal)


def diagonal(x: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of dims ``dim1`` and ``dim2``: ``x.diagonal(offset, dim1, dim2)``."""
    return _tensor(x).diagonal(offset, dim1, dim2)


def trace(x: Any) -> Tensor:
    """The sum of a matrix's main diagonal: ``x.trace()``."""
    return _tensor(x).trace()


def diff(x: Any, n: int = 1, dim: int = -1, prepend: Any = None, append: Any = None) -> Tensor:
    """The ``n``-th forward difference along ``dim``: ``x.diff(n, dim, prepend, append)``."""
    return _tensor(x).diff(n, dim, prepend, append)


def addmm(x: Any, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * x + alpha * (mat1 @ mat2)``: ``x.addmm(mat1, mat2, beta=..., alpha=...)``."""
    return _tensor(x).addmm(mat1, mat2, beta=beta, alpha=alpha)


def baddbmm(x: Any, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * x + alpha * (batch1 @ batch2)`` for batches: ``x.baddbmm(...)``."""
    return _tensor(x).baddbmm(batch1, batch2, beta=beta, alpha=alpha)


def mv(x: Any, vec: Any) -> Tensor:
    """A matrix times a vector: ``x.mv(vec)``."""
    return _tensor(x).mv(vec)


def vdot(x: Any, y: Any) -> Tensor:
    """The dot product of two 1-D tensors: ``x.vdot(y)``."""
    return _tensor(x).vdot(y)


def inner(x: Any, y: Any) -> Tensor:
    """Sums over the last dims of both: ``x.inner(y)``."""
    return _tensor(x).inner(y)


def tensordot(x: Any, y: Any, dims: Any = 2) -> Tensor:
    """Sums over pairs of dims: ``x.tensordot(y, dims)``."""
    return _tensor(x).tensordot(y, dims)


def kron(x: Any, y: Any) -> Tensor:
    """The Kronecker product: ``x.kron(y)``."""
    return _tensor(x).kron(y)


def cross(x: Any, y: Any, dim: int | None = None) -> Tensor:
    """The cross product of 3-vectors along ``dim``: ``x.cross(y, dim)``."""
    return _tensor(x).cross(y, dim)


def einsum(equation: Any, *operands: Any) -> Tensor:
    """Sums of products over named axes, as ``torch.einsum``
    (:func:`tinygrad_edu.tensor_methods.einsum.einsum`).

    Examples:
        >>> import tinygrad_edu as tg
        >>> tg.einsum("i,i->", tg.tensor([1.0, 2.0]), tg.tensor([3.0, 4.0])).item()
        11.0
    """
    if isinstance(equation, str) and operands:
        operands = tuple(o if isinstance(o, Tensor | list | tuple) else Tensor(o)
                         for o in operands)
    return _einsum(equation, *operands)


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D (or 0-d) tensors, as ``torch.meshgrid``: with
    ``indexing="ij"`` (PyTorch's default) output k varies along dim k; with ``"xy"`` the first
    two dims are swapped (x along columns). The grids are broadcast views.

    Examples:
        >>> import tinygrad_edu as tg
        >>> rows, cols = tg.meshgrid(tg.tensor([0, 1]), tg.tensor([5, 6, 7]))
        >>> rows.tolist(), cols.tolist()
        ([[0, 0, 0], [1, 1, 1]], [[5, 6, 7], [5, 6, 7]])
    """
    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        tensors = tuple(tensors[0])
    if not tensors:
        raise ValueError("meshgrid: give at least one tensor")
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', not {indexing!r}")
    grid = [_tensor(t) for t in tensors]
    for t in grid:
        if t.ndim > 1:
            raise ValueError(f"meshgrid: expects 0-d or 1-d tensors, got shape {tuple(t.shape)}")
        if t.dtype is not grid[0].dtype:
            raise TypeError(
                f"meshgrid: all tensors must have the same dtype, got {grid[0].dtype.name} and "
                f"{t.dtype.name}"
            )
    swap = indexing == "xy" and len(grid) >= 2
    order = [1, 0, *range(2, len(grid))] if swap else list(range(len(grid)))
    shape = [grid[k].numel() for k in order]
    out = []
    for k, t in enumerate(grid):
        place = order.index(k)
        along = [1] * len(grid)
        along[place] = shape[place]
        out.append(t.reshape(*along).expand(*shape))
    return tuple(out)
