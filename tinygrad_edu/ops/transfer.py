"""Moving to another backend (CPU <-> GPU) as a differentiable operation: ``x.to("cupy")``.
Its backward moves the gradient back, so a loss computed on the GPU sends gradients to weights
that live on the CPU."""

from __future__ import annotations

from typing import Any

from ..autograd import Function
from ..backends.base import Backend, host_copy


class ToBackend(Function):
    """z = x copied to another backend;  dz/dx: the gradient copied back"""

    @staticmethod
    def forward(ctx, x, target=None):
        assert target is not None
        ctx.source = ctx.backend
        # Through the host, the one place every backend can reach.
        return target.asarray(host_copy(ctx.backend, x))

    @staticmethod
    def backward(ctx, grad):
        return grad.to(ctx.source)


def to_backend(x: Any, target: Backend) -> Any:
    """``x`` moved to ``target`` (recorded, so gradients flow back); ``x`` itself if it is
    there already."""
    if target is x.backend:
        return x
    out = ToBackend.apply(x, target=target)
    # apply() gave the result the input's backend; the data now lives on the target.
    out.backend = target
    return out
