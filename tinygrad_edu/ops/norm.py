"""The p-norm for a p other than 0, 1, 2 and inf (those are sums, a square root or a maximum,
composed in :meth:`Tensor.norm <tinygrad_edu.Tensor.norm>`)."""

from __future__ import annotations

from ..autograd import Function
from ..backends.base import ignore_float_errors
from .elementwise import Where
from .reduce import _kept_shape


class PNorm(Function):
    """z = (Σ |x|^p)^(1/p) over axis;  dz/dx = sign(x) (|x| / z)^(p - 1)

    As in PyTorch, the gradient is 0 where x = 0 and wherever z = 0 (the formula would give
    0 / 0 there); |x| / z is formed before the power, so that neither |x|^(p - 1) nor
    z^(p - 1) overflows on its own."""

    @staticmethod
    def forward(ctx, x, p, axis=None, keepdims=False):
        xp = ctx.xp
        with ignore_float_errors(xp):
            out = xp.sum(xp.abs(x) ** p, axis=axis, keepdims=True) ** (1.0 / p)
        ctx.p, ctx.kept_shape = p, _kept_shape(x.shape, axis)
        if not keepdims:
            out = xp.reshape(out, tuple(
                n for i, n in enumerate(x.shape) if axis is not None and i not in axis
            ))
        ctx.save_for_backward(x, out)  # the output itself: create_graph differentiates it
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        out, grad = out.reshape(ctx.kept_shape), grad.reshape(ctx.kept_shape)
        xp = ctx.xp
        x_zero, out_zero = x == 0.0, out == 0.0
        size = Where.apply(x_zero, x.constant(1.0), x.abs())
        ratio = size / Where.apply(out_zero, out.constant(1.0), out)
        sign = xp.sign(x._data) * xp.astype(out._data != 0, x._data.dtype)
        return grad * ratio ** (ctx.p - 1) * grad.constant(sign)
