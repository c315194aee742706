"""Matrix multiplication: the operation GPUs were built to make fast."""

from __future__ import annotations

from ..autograd import Function


class MatMul(Function):
    """Z = X @ Y  (at least 2-D, batch axes broadcast);  dZ/dX: G @ Yᵀ,  dZ/dY: Xᵀ @ G

    Here G is the gradient of Z and ᵀ swaps the last two axes. A batch axis that was broadcast
    is summed back by the engine."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return ctx.xp.matmul(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return (grad @ y.mT if ctx.needs_input_grad[0] else None,
                x.mT @ grad if ctx.needs_input_grad[1] else None)
