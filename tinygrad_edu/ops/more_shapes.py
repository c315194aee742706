"""Writing values at positions: the primitives behind ``scatter`` and ``scatter_reduce`` (the
rest of the shape and linear-algebra functions are composed, see the table in
:mod:`tinygrad_edu.ops`)."""

from __future__ import annotations

import math
from typing import Any

from ..autograd import Function
from ..grad_mode import is_grad_enabled
from .elementwise import Where
from .movement import GetItem


def _written(ctx: Any, shape: tuple[int, ...], key: Any) -> Any:
    """A bool array of ``shape``, True at the positions ``key`` writes to."""
    written = ctx.xp.zeros(shape, dtype=ctx.xp.bool)
    ctx.backend.setitem(written, key, True)
    return written


class Scatter(Function):
    """z = x with z[key] = y (where key repeats a position, the last write wins);
    dz/dx = the gradient with zeros at the positions written,  dz/dy = the gradient picked at
    key (PyTorch's rule: every element of y gets the gradient of the place it was written to,
    even one that a later write covered)

    ``y`` has the shape the key picks; it is the part of ``src`` the index covers."""

    @staticmethod
    def forward(ctx, x, y, key=()):
        ctx.key = key
        out = ctx.xp.asarray(x, copy=True)
        ctx.backend.setitem(out, key, y)
        if ctx.needs_input_grad[0]:
            ctx.written = _written(ctx, x.shape, key)
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            # where(), not grad * mask: an inf or nan at a written place must not leak through.
            grad_x = Where.apply(grad.constant(ctx.written), grad.constant(0.0), grad)
        if ctx.needs_input_grad[1]:
            grad_y = GetItem.apply(grad, key=ctx.key)
        return grad_x, grad_y


class ScatterReduce(Function):
    """z = x with the values y reduced into the positions key names (``reduce``: "sum",
    "prod", "mean", "amax" or "amin"; x's own value taking part where ``include_self``), as
    ``torch.scatter_reduce``. The gradients are PyTorch's:

    - sum: dz/dx = 1, dz/dy = 1 (at its place);  mean: both divided by the place's count;
    - amax / amin: 1 to every element equal to its place's result, shared evenly among them;
    - prod: the product of the other factors of the place (one zero factor gets the product
      of the rest; of two or more zeros, 0);

    and x gets nothing at a written place without ``include_self``. With ``derivative=False``
    (``scatter(..., reduce=)``, which PyTorch cannot differentiate) backward refuses."""

    @staticmethod
    def forward(ctx, x, y, key=(), reduce="sum", include_self=True, axis=0, derivative=True):
        out, counts = reduce_at(ctx.backend, x, y, key, reduce, include_self, axis)
        if any(ctx.needs_input_grad):
            ctx.save_for_backward(x, y)
            ctx.out, ctx.counts = out, counts
            ctx.options = (key, reduce, include_self, axis, derivative)
            ctx.written = _written(ctx, x.shape, key)
        return out

    @staticmethod
    def backward(ctx, grad):
        key, reduce, include_self, axis, derivative = ctx.options
        if not derivative:
            raise RuntimeError(
                "scatter(..., reduce=) has no derivative, in PyTorch neither; for a gradient "
                "use scatter_reduce(dim, index, src, 'sum' or 'prod') or scatter_add"
            )
        x, y = ctx.saved_tensors
        xp, backend, out = ctx.xp, ctx.backend, ctx.out
        if reduce in ("sum", "mean"):
            share = grad if reduce == "sum" else grad / grad.constant(ctx.counts)
            grad_x, grad_y = share, GetItem.apply(share, key=key)
        elif reduce in ("amax", "amin"):
            x_is = xp.astype(x._data == out, out.dtype)
            y_is = xp.astype(y._data == backend.getitem(out, key), out.dtype)
            ties = xp.asarray(x_is, copy=True)
            backend.scatter_add(ties, key, y_is)
            share = grad / grad.constant(ties)
            grad_x = share * grad.constant(x_is)
            grad_y = GetItem.apply(share, key=key) * grad.constant(y_is)
        else:
            grad_x, grad_y = _prod_grads(ctx, grad, x._data, y._data)
        if not include_self:
            grad_x = Where.apply(grad.constant(ctx.written), grad.constant(0.0), grad_x)
        return (grad_x if ctx.needs_input_grad[0] else None,
                grad_y if ctx.needs_input_grad[1] else None)


def _prod_grads(ctx: Any, grad: Any, x: Any, y: Any) -> tuple[Any, Any]:
    """The product's gradients (PyTorch's formulas, which give a lone zero factor the product
    of the others); computed from the values, so they cannot be differentiated again."""
    if is_grad_enabled():
        raise NotImplementedError(
            "scatter_reduce(..., 'prod'): a second derivative is not implemented here; "
            "differentiate once (create_graph=False)"
        )
    xp, backend, out = ctx.xp, ctx.backend, ctx.out
    key, reduce, include_self, axis, _ = ctx.options
    one = xp.ones((), dtype=x.dtype)
    masked_x = xp.where(x == 0, one, x)
    masked_x_result, _ = reduce_at(backend, masked_x, y, key, reduce, include_self, axis)
    grad_x = grad * grad.constant(masked_x_result / masked_x)
    y_zero = y == 0
    zeros_there = xp.zeros(x.shape, dtype=x.dtype)
    backend.scatter_add(zeros_there, key, xp.astype(y_zero, x.dtype))
    lone_zero = y_zero & (backend.getitem(zeros_there, key) == 1)
    masked_y_result, _ = reduce_at(backend, x, xp.where(lone_zero, one, y), key, reduce,
                                   include_self, axis)
    g = grad._data
    others = xp.where(lone_zero, backend.getitem(g * masked_y_result, key),
                      backend.getitem(g * out, key) / xp.where(y_zero, one, y))
    return grad_x, grad.constant(others)


def reduce_at(backend: Any, x: Any, y: Any, key: Any, reduce: str, include_self: bool,
              axis: int) -> tuple[Any, Any]:
    """``x`` with ``y`` reduced into the positions ``key`` names (a new array), and for "mean"
    each position's count (else None). Sums go through the backend's ``scatter_add``; the
    others one slice of ``y`` along ``axis`` at a time: the positions within one slice all
    differ, so each step is a plain read, combine and write."""
    xp = backend.xp
    out = xp.asarray(x, copy=True)
    if not include_self:
        backend.setitem(out, key, _identity(xp, out.dtype, reduce))
    counts = None
    if reduce in ("sum", "mean"):
        backend.scatter_add(out, key, y)
    else:
        combine = {"prod": xp.multiply, "amax": xp.maximum, "amin": xp.minimum}[reduce]
        for j in range(y.shape[axis]):
            cut = (slice(None),) * axis + (slice(j, j + 1),)
            step = tuple(k[cut] if d == axis else k for d, k in enumerate(key))
            backend.setitem(out, step, combine(backend.getitem(out, step), y[cut]))
    if reduce == "mean":
        counts = xp.full(x.shape, 1 if include_self else 0, dtype=x.dtype)
        backend.scatter_add(counts, key, xp.ones(y.shape, dtype=x.dtype))
        counts = xp.where(counts == 0, xp.ones((), dtype=x.dtype), counts)
        floating = xp.isdtype(out.dtype, "real floating")
        out = out / counts if floating else xp.floor_divide(out, counts)
    return out, counts


def _identity(xp: Any, dtype: Any, reduce: str) -> Any:
    """The value a written place starts from without include_self: 0, 1, or the lowest
    (highest) number of the dtype for amax (amin)."""
    if reduce in ("sum", "mean", "prod"):
        return 0 if reduce != "prod" else 1
    if xp.isdtype(dtype, "real floating"):
        return -math.inf if reduce == "amax" else math.inf
    if xp.isdtype(dtype, "bool"):
        return reduce != "amax"
    info = xp.iinfo(dtype)
    return info.min if reduce == "amax" else info.max
