"""log1p and expm1: log(1 + x) and exp(x) - 1, accurate where x is tiny (``log(1 + 1e-10)``
rounds 1 + 1e-10 to 1 and gives 0; ``log1p(1e-10)`` gives 1e-10).

``forward`` computes on raw backend arrays; ``backward`` on Tensors (see :mod:`..autograd`).
"""

from __future__ import annotations

from ..autograd import Function


class Log1p(Function):
    """z = log(1 + x);  dz/dx = 1 / (1 + x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.log1p(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x + 1.0)


class Expm1(Function):
    """z = exp(x) - 1;  dz/dx = exp(x) = z + 1"""

    @staticmethod
    def forward(ctx, x):
        out = ctx.xp.expm1(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out + 1.0)
