"""More of PyTorch's shape and linear-algebra functions: each is the Tensor method of the same
name (:mod:`tinygrad_edu.tensor_methods.more_shapes`, :mod:`~tinygrad_edu.tensor_methods.products`),
called on ``x`` made a Tensor first. ``einsum`` and ``meshgrid``, which take several tensors
alike, have no method."""

from __future__ import annotations

from typing import Any

from .. import ops
from ..dtypes import bool_, int64
from ..tensor import Tensor
from ..tensor_methods.einsum import einsum as _einsum
from ..tensor_methods.shapes import promote

__all__: list[str] = [
    "movedim", "moveaxis", "swapaxes", "swapdims", "unflatten", "tile", "repeat_interleave",
    "take_along_dim", "take", "index_add", "scatter", "scatter_add", "scatter_reduce", "diag",
    "diagonal", "trace", "diff", "addmm", "baddbmm", "mv", "vdot", "inner", "tensordot", "kron",
    "cross", "einsum", "meshgrid", "cdist", "block_diag", "cartesian_prod", "atleast_1d",
    "atleast_2d", "atleast_3d", "rot90", "tril_indices", "triu_indices", "histc",
]


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def movedim(input: Any, source: Any, destination: Any) -> Tensor:
    """Dims moved to new places, the others keeping their order: ``x.movedim(src, dst)``."""
    return _tensor(input).movedim(source, destination)


def moveaxis(input: Any, source: Any, destination: Any) -> Tensor:
    """The same as :func:`movedim` (NumPy's name, which PyTorch has too)."""
    return _tensor(input).movedim(source, destination)


def swapaxes(input: Any, axis0: int, axis1: int) -> Tensor:
    """Two dims swapped: ``x.swapaxes(axis0, axis1)`` (``transpose``)."""
    return _tensor(input).transpose(axis0, axis1)


def swapdims(input: Any, dim0: int, dim1: int) -> Tensor:
    """Two dims swapped: ``x.swapdims(dim0, dim1)`` (``transpose``)."""
    return _tensor(input).transpose(dim0, dim1)


def unflatten(input: Any, dim: int, sizes: Any) -> Tensor:
    """Dim ``dim`` split into dims of ``sizes``: ``x.unflatten(dim, sizes)``."""
    return _tensor(input).unflatten(dim, sizes)


def tile(input: Any, dims: Any) -> Tensor:
    """``x`` repeated along each dim (missing sizes count as 1, from the left): ``x.tile``."""
    return _tensor(input).tile(dims)


def repeat_interleave(input: Any, repeats: Any = None, dim: int | None = None, *,
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
        counts = _tensor(input)
        positions = counts.new_tensor(list(range(counts.numel())), dtype="int64")
        return positions.repeat_interleave(counts, 0, output_size=output_size)
    return _tensor(input).repeat_interleave(repeats, dim, output_size=output_size)


def take_along_dim(input: Any, indices: Any, dim: int | None = None) -> Tensor:
    """The elements at ``indices`` along ``dim``: ``x.take_along_dim(indices, dim)``."""
    return _tensor(input).take_along_dim(indices, dim)


def take(input: Any, index: Any) -> Tensor:
    """The elements at ``index`` of the flattened ``x``: ``x.take(index)``."""
    return _tensor(input).take(index)


def index_add(input: Any, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Tensor:
    """A copy of ``x`` with ``source`` added at ``index``: ``x.index_add(dim, index, source)``."""
    return _tensor(input).index_add(dim, index, source, alpha=alpha)


def scatter(input: Any, dim: int, index: Any, src: Any = None, *, value: Any = None,
            reduce: str | None = None) -> Tensor:
    """A copy of ``x`` with ``src`` written at ``index``: ``x.scatter(dim, index, src)``."""
    return _tensor(input).scatter(dim, index, src, value=value, reduce=reduce)


def scatter_add(input: Any, dim: int, index: Any, src: Any) -> Tensor:
    """A copy of ``x`` with ``src`` added at ``index``: ``x.scatter_add(dim, index, src)``."""
    return _tensor(input).scatter_add(dim, index, src)


def scatter_reduce(input: Any, dim: int, index: Any, src: Any, reduce: str, *,
                   include_self: bool = True) -> Tensor:
    """A copy of ``x`` with ``src`` reduced into ``index``:
    ``x.scatter_reduce(dim, index, src, reduce, include_self=include_self)``."""
    return _tensor(input).scatter_reduce(dim, index, src, reduce, include_self=include_self)


def diag(input: Any, diagonal: int = 0) -> Tensor:
    """A vector to a diagonal matrix, or a matrix's diagonal: ``x.diag(diagonal)``."""
    return _tensor(input).diag(diagonal)


def diagonal(input: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of dims ``dim1`` and ``dim2``: ``x.diagonal(offset, dim1, dim2)``."""
    return _tensor(input).diagonal(offset, dim1, dim2)


def trace(input: Any) -> Tensor:
    """The sum of a matrix's main diagonal: ``x.trace()``."""
    return _tensor(input).trace()


def diff(input: Any, n: int = 1, dim: int = -1, prepend: Any = None,
         append: Any = None) -> Tensor:
    """The ``n``-th forward difference along ``dim``: ``x.diff(n, dim, prepend, append)``."""
    return _tensor(input).diff(n, dim, prepend, append)


def addmm(input: Any, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * x + alpha * (mat1 @ mat2)``: ``x.addmm(mat1, mat2, beta=..., alpha=...)``."""
    return _tensor(input).addmm(mat1, mat2, beta=beta, alpha=alpha)


def baddbmm(input: Any, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
    """``beta * x + alpha * (batch1 @ batch2)`` for batches: ``x.baddbmm(...)``."""
    return _tensor(input).baddbmm(batch1, batch2, beta=beta, alpha=alpha)


def mv(input: Any, vec: Any) -> Tensor:
    """A matrix times a vector: ``x.mv(vec)``."""
    return _tensor(input).mv(vec)


def vdot(input: Any, other: Any) -> Tensor:
    """The dot product of two 1-D tensors: ``x.vdot(y)``."""
    return _tensor(input).vdot(other)


def inner(input: Any, other: Any) -> Tensor:
    """Sums over the last dims of both: ``x.inner(y)``."""
    return _tensor(input).inner(other)


def tensordot(a: Any, b: Any, dims: Any = 2) -> Tensor:
    """Sums over pairs of dims of ``a`` and ``b``: ``a.tensordot(b, dims)``."""
    return _tensor(a).tensordot(b, dims)


def kron(input: Any, other: Any) -> Tensor:
    """The Kronecker product: ``x.kron(y)``."""
    return _tensor(input).kron(other)


def cross(input: Any, other: Any, dim: int | None = None) -> Tensor:
    """The cross product of 3-vectors along ``dim``: ``x.cross(y, dim)``."""
    return _tensor(input).cross(other, dim)


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


def cdist(x1: Any, x2: Any, p: float = 2.0, compute_mode: Any = None) -> Tensor:
    """The p-norm distance between each row of ``x1`` (..., P, M) and each row of ``x2``
    (..., R, M): shape (..., P, R), batch dims broadcast, as ``torch.cdist``. At distance 0 the
    gradient is 0, as PyTorch's; with ``p=inf`` every coordinate tied for the largest gets the
    whole gradient, as PyTorch's. (``compute_mode`` is accepted for PyTorch's sake: the
    differences are always taken directly, which rounds no worse than PyTorch's matrix way.)

    Examples:
        >>> import tinygrad_edu as tg
        >>> tg.cdist(tg.tensor([[0.0, 0.0]]), tg.tensor([[3.0, 4.0], [1.0, 0.0]])).tolist()
        [[5.0, 1.0]]
    """
    x1, x2 = _tensor(x1), _tensor(x2)
    if x1.ndim < 2 or x2.ndim < 2:
        raise ValueError(f"cdist: needs tensors of at least 2 dims (..., rows, features), got "
                         f"shapes {tuple(x1.shape)} and {tuple(x2.shape)}")
    if x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"cdist: x1 and x2 must have the same number of columns, got "
                         f"{x1.shape[-1]} and {x2.shape[-1]}")
    if not (x1.dtype.is_floating and x2.dtype.is_floating):
        raise TypeError(f"cdist: needs floating-point tensors, got {x1.dtype.name} and "
                        f"{x2.dtype.name}; convert first: x.float()")
    if not p >= 0:
        raise ValueError(f"cdist: p must be >= 0, not {p}")
    difference = x1.unsqueeze(-2) - x2.unsqueeze(-3)
    if p == 0:  # how many coordinates differ: a count, whose gradient is 0 (as PyTorch's)
        every = difference.constant(difference.backend.xp.asarray(True))
        zero = difference.masked_fill(every, 0.0).sum(-1)
        return difference.ne(0).sum(-1).astype(difference.dtype) + zero
    if p == float("inf"):
        size = difference.abs()
        largest = size.amax(-1, keepdim=True).detach()
        moving = size.eq(largest).logical_and(size.isfinite())
        # The value is the largest |difference| itself (the second term is 0); the gradient
        # reaches every coordinate tied for the largest in full, as PyTorch's does.
        change = (size - size.detach()).masked_fill(moving.logical_not(), 0.0)
        return (largest + change.sum(-1, keepdim=True)).squeeze(-1)
    return difference.norm(p, dim=-1)


def block_diag(*tensors: Any) -> Tensor:
    """The tensors (0-, 1- or 2-D) laid along the diagonal of one matrix of zeros, as
    ``torch.block_diag``; a 1-D tensor is one row.

    Examples:
        >>> import tinygrad_edu as tg
        >>> tg.block_diag(tg.tensor([[1, 2]]), tg.tensor(3)).tolist()
        [[1, 2, 0], [0, 0, 3]]
    """
    blocks = [_tensor(t) for t in tensors]
    if not blocks:
        return Tensor([[]])  # (1, 0) in the default dtype, as PyTorch
    for t in blocks:
        if t.ndim > 2:
            raise ValueError(f"block_diag: expects tensors of at most 2 dims, got shape "
                             f"{tuple(t.shape)}")
    blocks = [t.reshape(1, 1) if t.ndim == 0 else t.reshape(1, -1) if t.ndim == 1 else t
              for t in blocks]
    for i in range(1, len(blocks)):
        if blocks[i].dtype is not blocks[0].dtype:
            first, blocks[i] = promote(blocks[0], blocks[i])
            if first.dtype is not blocks[0].dtype:
                blocks = [b.astype(first.dtype) for b in blocks]
    width = sum(b.shape[1] for b in blocks)
    zero: Any = False if blocks[0].dtype is bool_ else 0
    rows, start = [], 0
    for b in blocks:
        rows.append(b.pad(((0, 0), (start, width - start - b.shape[1])), zero))
        start += b.shape[1]
    return ops.Concatenate.apply(*rows, axis=0)


def cartesian_prod(*tensors: Any) -> Tensor:
    """Every combination of one element from each 1-D tensor, one per row (the last varying
    fastest), as ``torch.cartesian_prod``; one tensor comes back as it is.

    Examples:
        >>> import tinygrad_edu as tg
        >>> tg.cartesian_prod(tg.tensor([1, 2]), tg.tensor([3, 4])).tolist()
        [[1, 3], [1, 4], [2, 3], [2, 4]]
    """
    grid = [_tensor(t) for t in tensors]
    for t in grid:
        if t.ndim != 1:
            raise ValueError(f"cartesian_prod: expects 1-D tensors, got shape {tuple(t.shape)}")
    if len(grid) == 1:
        return grid[0]
    columns = [g.reshape(-1, 1) for g in meshgrid(*grid, indexing="ij")]
    return ops.Concatenate.apply(*columns, axis=1)


def _at_least(ndim: int, tensors: tuple[Any, ...]) -> Any:
    one = len(tensors) == 1 and not isinstance(tensors[0], list | tuple)
    many = tensors[0] if len(tensors) == 1 and not one else tensors
    out = []
    for t in many:
        t = _tensor(t)
        if t.ndim < ndim:
            shape = tuple(t.shape)
            if ndim == 3 and t.ndim == 2:
                shape = (*shape, 1)
            elif ndim == 3 and t.ndim == 1:
                shape = (1, *shape, 1)
            else:
                shape = (1,) * (ndim - t.ndim) + shape
            t = t.reshape(*shape)
        out.append(t)
    return out[0] if one else tuple(out)


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least 1 dim (a 0-d one becomes (1,)), as ``torch.atleast_1d``: one
    tensor for one, a tuple for several or for a list."""
    return _at_least(1, tensors)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least 2 dims: (n,) becomes (1, n), as ``torch.atleast_2d``."""
    return _at_least(2, tensors)


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least 3 dims: (n,) becomes (1, n, 1) and (m, n) becomes (m, n, 1),
    as ``torch.atleast_3d``.

    Examples:
        >>> import tinygrad_edu as tg
        >>> tg.atleast_3d(tg.ones(2)).shape, tg.atleast_3d(tg.ones(2, 3)).shape
        (Size([1, 2, 1]), Size([2, 3, 1]))
    """
    return _at_least(3, tensors)


def rot90(input: Any, k: int = 1, dims: Any = (0, 1)) -> Tensor:
    """Turned by ``k`` quarter turns in the plane of ``dims``: ``x.rot90(k, dims)``."""
    return _tensor(input).rot90(k, dims)


def histc(input: Any, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:  # noqa: A002
    """Counts of the elements in ``bins`` equal bins: ``x.histc(bins, min, max)``."""
    return _tensor(input).histc(bins, min, max)


def _triangle_indices(name: str, row: int, col: int, offset: int, dtype: Any,
                      device: Any) -> Tensor:
    if dtype not in (None, int64, "int64"):
        raise TypeError(f"{name}: dtype must be int64 (tinygrad_edu has no int32), not {dtype}")
    if row < 0 or col < 0:
        raise ValueError(f"{name}: row and col must be non-negative, got {row} and {col}")
    anchor = Tensor(0, device=device)
    ones = Tensor._from_data(anchor.backend.xp.ones((row, col), dtype=anchor.backend.xp.bool),
                             anchor.backend)
    kept = ones.tril(offset) if name == "tril_indices" else ones.triu(offset)
    return kept.nonzero().T.contiguous()


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None) -> Tensor:
    """The positions of a (row, col) matrix's lower triangle (up to the ``offset``-th
    diagonal), as a (2, N) int64 tensor of rows and columns in row-major order, as
    ``torch.tril_indices``.

    Examples:
        >>> import tinygrad_edu as tg
        >>> tg.tril_indices(3, 3).tolist()
        [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]
    """
    return _triangle_indices("tril_indices", row, col, offset, dtype, device)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None) -> Tensor:
    """The positions of a (row, col) matrix's upper triangle (from the ``offset``-th
    diagonal), as a (2, N) int64 tensor, as ``torch.triu_indices``."""
    return _triangle_indices("triu_indices", row, col, offset, dtype, device)
