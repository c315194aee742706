"""Reductions: sum and max over some axes. Mean, var, min, logsumexp and softmax are built from
these in :mod:`..tensor`, so their gradients (and second derivatives) come for free."""

from __future__ import annotations

from ..autograd import Function


def _kept_shape(shape: tuple[int, ...], axis: tuple[int, ...] | None) -> tuple[int, ...]:
    """The shape a reduction over ``axis`` has with keepdims=True."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


class Sum(Function):
    """z = sum of x over axis;  dz/dx = 1 for every element (the gradient is copied back out)"""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.input_shape = x.shape
        ctx.kept_shape = _kept_shape(x.shape, axis)
        return ctx.xp.sum(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.kept_shape).expand(ctx.input_shape)


class Max(Function):
    """z = max of x over axis;  dz/dx = 1 at the maximum, 0 elsewhere (split evenly among ties)"""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        xp = ctx.xp
        ctx.kept_shape = _kept_shape(x.shape, axis)
        out = xp.max(x, axis=axis, keepdims=True)
        if ctx.backend.dtype_of(x).is_floating:  # integers have no gradient to share out
            is_max = x == out
            if xp.any(xp.isnan(out)):  # a nan is the maximum: the nans share the gradient
                is_max = is_max | (xp.isnan(x) & xp.isnan(out))
            is_max = xp.astype(is_max, x.dtype)
            ctx.save_for_backward(is_max / xp.sum(is_max, axis=axis, keepdims=True))
        return out if keepdims else xp.reshape(out, _drop(ctx.kept_shape, x.shape, axis))

    @staticmethod
    def backward(ctx, grad):
        (share,) = ctx.saved_tensors
        return grad.reshape(ctx.kept_shape) * share


def _drop(kept: tuple[int, ...], shape: tuple[int, ...], axis: tuple[int, ...] | None) -> tuple:
    if axis is None:
        return ()
    return tuple(n for i, n in enumerate(shape) if i not in axis)
