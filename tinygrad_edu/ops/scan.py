"""Sums along an axis and products over one: cumsum and prod.

``forward`` computes on raw backend arrays; ``backward`` on Tensors (see :mod:`..autograd`).
"""

from __future__ import annotations

from typing import Any

from ..autograd import Function
from ..dtypes import bool_
from ..grad_mode import _mode
from .elementwise import Where
from .reduce import _kept_shape


class Cumsum(Function):
    """z_i = x_0 + ... + x_i along axis;  dz_i/dx_j = 1 for j <= i, else 0

    So the gradient of x_j is the sum of the gradients of z_j, z_j+1, ...: the cumulative sum
    of the gradient taken from the other end (flip, cumsum, flip). It is written with Tensor
    operations, so second derivatives work."""

    @staticmethod
    def forward(ctx, x, axis=0):
        ctx.axis = axis
        xp = ctx.xp
        cumulative_sum = getattr(xp, "cumulative_sum", None) or xp.cumsum
        if x.dtype == xp.float32:  # PyTorch adds float32 up in float64, rounding each sum once
            return xp.astype(cumulative_sum(x, axis=axis, dtype=xp.float64), xp.float32)
        return cumulative_sum(x, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return grad.flip(ctx.axis).cumsum(ctx.axis).flip(ctx.axis)


class Prod(Function):
    """z = x_0 * x_1 * ... over axis (one axis, or all);  dz/dx_i = the product of the others

    With no zero in the tensor that is z / x_i (PyTorch's formula, so an inf gives inf / inf =
    nan as there); with a zero anywhere in it (PyTorch decides for the whole tensor too) it is
    computed exactly: the product of the elements before x_i times that of those after (so one
    zero gives its place the product of the rest, and the others 0). With ``create_graph``
    the product of the others is itself a Prod of the group with x_i replaced by 1, which can
    be differentiated again."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.axis, ctx.kept_shape = axis, _kept_shape(x.shape, None if axis is None else (axis,))
        out = ctx.xp.prod(x, axis=axis, keepdims=True)
        ctx.save_for_backward(x, out)
        return out if keepdims else ctx.xp.reshape(out, () if axis is None else
                                                    x.shape[:axis] + x.shape[axis + 1:])

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        grad = grad.reshape(ctx.kept_shape)
        if _mode.enabled:  # create_graph: the product of the others, differentiably
            return grad * _others_recorded(x, ctx.axis)
        return grad * x.constant(_others(x.backend.xp, x._data, out._data, ctx.axis))


def _to_last(x: Any, axis: int | None) -> tuple[Any, Any]:
    """``x`` with ``axis`` moved last (flattened when axis is None), and the way back."""
    if axis is None:
        shape = x.shape
        return x.reshape(-1), lambda y: y.reshape(shape)
    order = [a for a in range(x.ndim) if a != axis] + [axis]
    back = [order.index(a) for a in range(x.ndim)]
    return x.permute(*order), lambda y: y.permute(*back)


def _others(xp: Any, data: Any, out: Any, axis: int | None) -> Any:
    """The product of the other elements of each element's group, as a raw array."""
    moved = xp.reshape(data, (-1,)) if axis is None else xp.moveaxis(data, axis, -1)
    size = moved.shape[-1]
    if size == 0:
        return xp.zeros_like(data)
    zero = moved == 0
    if not bool(xp.any(zero)):  # PyTorch's choice, made for the whole tensor at once
        total = xp.reshape(out, (1,)) if axis is None else xp.moveaxis(out, axis, -1)
        others = total / moved
    elif axis is None and bool(xp.sum(xp.astype(zero, xp.int64)) > 1):  # one boolean read
        return xp.zeros_like(data)  # two zeros: 0 for every element, even beside a nan (PyTorch)
    else:
        cumulative_prod = getattr(xp, "cumulative_prod", None) or xp.cumprod
        ones = xp.ones(moved.shape[:-1] + (1,), dtype=moved.dtype)
        before = xp.concat([ones, cumulative_prod(moved, axis=-1)[..., :-1]], axis=-1)
        after = xp.flip(cumulative_prod(xp.flip(moved, axis=-1), axis=-1), axis=-1)
        others = before * xp.concat([after[..., 1:], ones], axis=-1)
    return xp.reshape(others, data.shape) if axis is None else xp.moveaxis(others, -1, axis)


def _others_recorded(x: Any, axis: int | None) -> Any:
    """The product of the other elements, as a recorded Prod of each group with the element
    itself replaced by 1 (a size x size grid per group: for second derivatives only)."""
    moved, back = _to_last(x, axis)
    size = moved.shape[-1]
    xp = x.backend.xp
    grid = moved.unsqueeze(-2).expand(*moved.shape[:-1], size, size)
    diagonal = x.constant(xp.eye(size, dtype=x.backend.native_dtype(bool_)))
    others = Prod.apply(Where.apply(diagonal, x.constant(1.0), grid), axis=grid.ndim - 1)
    return back(others)
