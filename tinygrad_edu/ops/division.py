"""The two remainders of a division, as PyTorch defines them: ``remainder`` (Python's ``%``,
with the sign of the divisor) and ``fmod`` (C's, with the sign of the dividend).

Both are one backend call, so the edges come out as in PyTorch without extra passes: a finite
``x`` by an infinite ``y`` is ``x`` for ``fmod``, and for ``remainder`` ``x`` where the signs
agree and ``y`` itself where they differ (``-5 % inf = inf``, as in Python); an infinite ``x``
or a zero ``y`` gives nan. Only floating-point inputs come here: integers need no gradient.
"""

from __future__ import annotations

from typing import Any

from ..autograd import Function
from ..backends.base import ignore_float_errors


def fmod_arrays(xp: Any, x: Any, y: Any) -> Any:
    """C's ``fmod`` on arrays (the sign of ``x``); from ``remainder`` of the sizes where the
    array namespace has no ``fmod`` (the array API standard has none)."""
    fmod = getattr(xp, "fmod", None)
    if fmod is not None:
        return fmod(x, y)
    size = xp.remainder(xp.abs(x), xp.abs(y))
    if xp.isdtype(size.dtype, "real floating"):
        return xp.copysign(size, x)
    return xp.where(x < 0, -size, size)


class Remainder(Function):
    """z = x % y = x - floor(x / y) * y;  dz/dx = 1,  dz/dy = -floor(x / y)

    As in PyTorch; floor(x / y) is PyTorch's floor division (``-5 // inf = -1``)."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        with ignore_float_errors(ctx.xp):
            return ctx.xp.remainder(x, y)

    @staticmethod
    def backward(ctx, grad):
        return _backward(ctx, grad, lambda xp, x, y: xp.floor_divide(x, y))


class Fmod(Function):
    """z = fmod(x, y) = x - trunc(x / y) * y;  dz/dx = 1,  dz/dy = -trunc(x / y)

    As in PyTorch: the remainder with the sign of x (``fmod(-5, 3) = -2``)."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        with ignore_float_errors(ctx.xp):
            return fmod_arrays(ctx.xp, x, y)

    @staticmethod
    def backward(ctx, grad):
        return _backward(ctx, grad, lambda xp, x, y: xp.trunc(x / y))


def _backward(ctx: Any, grad: Any, quotient: Any) -> Any:
    """The gradients of x - q(x, y) * y, with q the rounded quotient (flat almost everywhere):
    grad for x, -grad * q for y."""
    x, y = ctx.saved_tensors
    if not ctx.needs_input_grad[1]:
        return grad, None
    with ignore_float_errors(ctx.xp):
        rounded = quotient(ctx.xp, x._data, y._data)
    return grad, -grad * grad.constant(rounded)
