"""Products, as PyTorch: ``addmm``, ``baddbmm``, ``mv``, ``vdot``, ``inner``, ``tensordot``,
``kron`` and ``cross``. (``einsum`` is in :mod:`.einsum`.)

All are composed: a permutation and a reshape bring the axes to be summed together, and one
matrix product (:class:`~tinygrad_edu.ops.linalg.MatMul`) does the sum, so the gradients come
from the pieces."""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any, cast

from ..dtypes import int64
from .base import TensorBase
from .shapes import axis_index, broadcast_shapes

if TYPE_CHECKING:
    from ..tensor import Tensor


def _same_dtype(name: str, *tensors: Any) -> None:
    dtypes = [t.dtype for t in tensors]
    if any(d is not dtypes[0] for d in dtypes):
        shown = ", ".join(d.name for d in dtypes)
        raise RuntimeError(
            f"{name}: the operands have dtypes {shown}; they must match, as in PyTorch: "
            f"convert first, e.g. x.to(tg.{dtypes[0].name})"
        )


def _scaled_sum(name: str, start: Any, product: Any, beta: Any, alpha: Any) -> Tensor:
    """``beta * start + alpha * product``, as PyTorch's addmm family: ``start`` broadcasts to
    the product's shape; with ``beta=0`` it is left out (a nan or inf in it does not leak), and
    with ``alpha=0`` the product is. Integer tensors take integer factors (PyTorch truncates
    ``beta=0.5`` to 0 there)."""
    _same_dtype(name, start, product)
    if not product.dtype.is_floating:
        beta, alpha = int(beta), int(alpha)
    try:
        start = start.expand(*product.shape)
    except ValueError:
        raise ValueError(
            f"{name}: input of shape {tuple(start.shape)} does not broadcast to the product's "
            f"shape {tuple(product.shape)}"
        ) from None
    # A factor 0 drops its term without multiplying (0 * inf would be nan), and still sends
    # that term's operands a gradient of zeros, as PyTorch does.
    dropped = product.constant(product.backend.xp.asarray(True))
    if beta == 0:
        left = start.masked_fill(dropped, 0) if start.requires_grad else None
    else:
        left = start if beta == 1 else start * beta
    right = product.masked_fill(dropped, 0) if alpha == 0 else (
        product if alpha == 1 else product * alpha)
    return cast("Tensor", right if left is None else left + right)


class ProductMethods(TensorBase):
    """Products of a Tensor with others."""

    __slots__ = ()

    def addmm(self, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """``beta * self + alpha * (mat1 @ mat2)`` for matrices, as ``torch.addmm``; ``self``
        broadcasts to the product's shape (a bias row, say). With ``beta=0`` ``self`` is
        ignored, nan and inf included.

        Examples:
            >>> import tinygrad_edu as tg
            >>> bias, x, w = tg.tensor([1.0, 2.0]), tg.ones(3, 4), tg.ones(4, 2)
            >>> bias.addmm(x, w, alpha=0.5).tolist()
            [[3.0, 4.0], [3.0, 4.0], [3.0, 4.0]]
        """
        mat1, mat2 = self._const(mat1), self._const(mat2)
        if mat1.ndim != 2 or mat2.ndim != 2:
            raise ValueError(
                f"addmm: mat1 and mat2 must be matrices (2-D), got shapes {tuple(mat1.shape)} "
                f"and {tuple(mat2.shape)}; use baddbmm for batches"
            )
        _same_dtype("addmm", self, mat1, mat2)
        return _scaled_sum("addmm", self, mat1.mm(mat2), beta, alpha)

    def baddbmm(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """``beta * self + alpha * (batch1 @ batch2)`` for batches of matrices (b, n, m) and
        (b, m, p), as ``torch.baddbmm``; ``self`` broadcasts to (b, n, p).

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.zeros(2, 1, 1).baddbmm(tg.ones(2, 1, 3), tg.ones(2, 3, 1), beta=0).tolist()
            [[[3.0]], [[3.0]]]
        """
        batch1, batch2 = self._const(batch1), self._const(batch2)
        if batch1.ndim != 3 or batch2.ndim != 3:
            raise ValueError(
                f"baddbmm: batch1 and batch2 must be 3-D, got shapes {tuple(batch1.shape)} and "
                f"{tuple(batch2.shape)}"
            )
        _same_dtype("baddbmm", self, batch1, batch2)
        return _scaled_sum("baddbmm", self, batch1.bmm(batch2), beta, alpha)

    def mv(self, vec: Any) -> Tensor:
        """The product of a matrix (n, m) and a vector (m,), as ``torch.mv``: shape (n,)."""
        vec = self._const(vec)
        if self.ndim != 2 or vec.ndim != 1 or self.shape[1] != vec.shape[0]:
            raise ValueError(
                f"mv: needs a matrix (n, m) and a vector (m,), got shapes {tuple(self.shape)} "
                f"and {tuple(vec.shape)}"
            )
        _same_dtype("mv", self, vec)
        return cast("Tensor", self).matmul(vec)

    def vdot(self, other: Any) -> Tensor:
        """The dot product of two 1-D tensors, as ``torch.vdot`` (which conjugates the first;
        tinygrad_edu has no complex numbers, so it is :meth:`dot`)."""
        return cast("Tensor", self).dot(other)

    def inner(self, other: Any) -> Tensor:
        """Sums over the last axes of both, as ``torch.inner``: shape
        ``self.shape[:-1] + other.shape[:-1]``; a 0-d operand multiplies.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([[1.0, 2.0], [3.0, 4.0]]).inner(tg.tensor([1.0, 1.0])).tolist()
            [3.0, 7.0]
        """
        other = self._const(other)
        if self.ndim == 0 or other.ndim == 0:
            return cast("Tensor", cast("Tensor", self) * other)
        if self.shape[-1] != other.shape[-1]:
            raise ValueError(
                f"inner: the last dims must match, got shapes {tuple(self.shape)} and "
                f"{tuple(other.shape)}"
            )
        return self.tensordot(other, ([-1], [-1]))

    def tensordot(self, other: Any, dims: Any = 2) -> Tensor:
        """Sums over pairs of axes, as ``torch.tensordot``: ``dims=k`` pairs the last k axes of
        ``self`` with the first k of ``other``; ``dims=([1, 0], [0, 1])`` names the pairs.
        The result has ``self``'s other axes, then ``other``'s.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.ones(2, 3, 4).tensordot(tg.ones(3, 4, 5)).shape
            Size([2, 5])
        """
        x, y = cast("Tensor", self), self._const(other)
        _same_dtype("tensordot", x, y)
        if hasattr(dims, "tolist"):
            dims = dims.tolist()
        if isinstance(dims, int):
            if dims < 0 or dims > x.ndim or dims > y.ndim:
                raise ValueError(
                    f"tensordot: dims={dims} must be in [0, {min(x.ndim, y.ndim)}] for shapes "
                    f"{tuple(x.shape)} and {tuple(y.shape)}"
                )
            mine, theirs = list(range(x.ndim - dims, x.ndim)), list(range(dims))
        else:
            try:
                mine, theirs = ([d] if isinstance(d, int) else list(d) for d in dims)
            except (TypeError, ValueError):
                raise TypeError(
                    f"tensordot: dims must be an int or a pair of lists of dims, not {dims!r}"
                ) from None
            if len(mine) != len(theirs):
                raise ValueError(f"tensordot: dims {dims!r} pair {len(mine)} dims with "
                                 f"{len(theirs)}; give as many of each")
        mine = [axis_index(operator.index(d), x.ndim, "tensordot: dim") for d in mine]
        theirs = [axis_index(operator.index(d), y.ndim, "tensordot: dim") for d in theirs]
        if len(set(mine)) != len(mine) or len(set(theirs)) != len(theirs):
            raise ValueError(f"tensordot: dims {dims!r} name a dim twice")
        for a, b in zip(mine, theirs, strict=True):
            if x.shape[a] != y.shape[b] and 1 not in (x.shape[a], y.shape[b]):
                raise ValueError(
                    f"tensordot: contracted dimensions need to match, but dim {a} of shape "
                    f"{tuple(x.shape)} has size {x.shape[a]} and dim {b} of {tuple(y.shape)} "
                    f"has size {y.shape[b]}"
                )
        depth = [max(x.shape[a], y.shape[b]) for a, b in zip(mine, theirs, strict=True)]
        free_x = [d for d in range(x.ndim) if d not in mine]
        free_y = [d for d in range(y.ndim) if d not in theirs]
        x = x.permute(*free_x, *mine)
        y = y.permute(*theirs, *free_y)
        rows = [x.shape[i] for i in range(len(free_x))]
        cols = [y.shape[len(theirs) + i] for i in range(len(free_y))]
        x = x.expand(*rows, *depth)  # a size-1 contracted dim broadcasts, as in PyTorch
        y = y.expand(*depth, *cols)
        inner = _count(depth)
        out = x.reshape(_count(rows), inner).matmul(y.reshape(inner, _count(cols)))
        return out.reshape(*rows, *cols)

    def kron(self, other: Any) -> Tensor:
        """The Kronecker product, as ``torch.kron``: every element of ``self`` times the whole
        of ``other``, laid out block by block.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1, 2]).kron(tg.tensor([1, 10])).tolist()
            [1, 10, 2, 20]
        """
        x, y = cast("Tensor", self), self._const(other)
        ndim = max(x.ndim, y.ndim)
        xs = (1,) * (ndim - x.ndim) + tuple(x.shape)
        ys = (1,) * (ndim - y.ndim) + tuple(y.shape)
        x = x.reshape(*[n for size in xs for n in (size, 1)])
        y = y.reshape(*[n for size in ys for n in (1, size)])
        return (x * y).reshape(*[a * b for a, b in zip(xs, ys, strict=True)])

    def cross(self, other: Any, dim: int | None = None) -> Tensor:
        """The cross product of 3-vectors along ``dim``, as ``torch.cross``; the other dims
        broadcast. Without ``dim``, PyTorch's choice: the first dim of size 3 (give ``dim=-1``
        for ``torch.linalg.cross``'s meaning).

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1.0, 0.0, 0.0]).cross(tg.tensor([0.0, 1.0, 0.0])).tolist()
            [0.0, 0.0, 1.0]
        """
        x, y = cast("Tensor", self), self._const(other)
        _same_dtype("cross", x, y)
        if x.ndim != y.ndim:
            raise ValueError(
                f"cross: inputs must have the same number of dimensions, got shapes "
                f"{tuple(x.shape)} and {tuple(y.shape)}"
            )
        shape = broadcast_shapes("cross", tuple(x.shape), tuple(y.shape))
        if dim is None:
            found = [d for d, n in enumerate(shape) if n == 3]
            if not found:
                raise ValueError(f"cross: no dimension of size 3 in shape {shape}; give dim=")
            axis = found[0]
        else:
            axis = axis_index(dim, x.ndim, "cross: dim")
        if x.ndim == 0 or x.shape[axis] != 3 or y.shape[axis] != 3:
            raise ValueError(
                f"cross: dim {dim if dim is not None else axis} must have size 3 in both, got "
                f"shapes {tuple(x.shape)} and {tuple(y.shape)}"
            )
        x, y = x.expand(*shape), y.expand(*shape)
        ahead = x.constant(self.backend.asarray([1, 2, 0], int64))
        behind = x.constant(self.backend.asarray([2, 0, 1], int64))
        return (x.index_select(axis, ahead) * y.index_select(axis, behind)
                - x.index_select(axis, behind) * y.index_select(axis, ahead))


def _count(sizes: list[int]) -> int:
    out = 1
    for n in sizes:
        out *= n
    return out
