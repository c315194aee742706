"""Moving tensors between backends (CPU <-> GPU), differentiably."""

from __future__ import annotations

from typing import Any

from .autograd import Context, Function
from .backends.base import Backend
from .backends.registry import get_backend
from .tensor import Tensor


class ToBackend(Function):
    """z = x copied to another backend;  dz/dx: the gradient copied back"""

    @staticmethod
    def forward(ctx: Context, x: Any, target: Backend | None = None) -> Any:
        assert target is not None
        ctx.source = ctx.backend
        return target.asarray(ctx.backend.to_numpy(x))

    @staticmethod
    def backward(ctx: Context, grad: Tensor) -> Tensor:
        return to_backend(grad, ctx.source)


def to_backend(x: Tensor, backend: str | Backend) -> Tensor:
    """``x`` on ``backend``; the same tensor if it is already there."""
    target = get_backend(backend)
    if target is x.backend:
        return x
    out = ToBackend.apply(x, target=target)
    # apply() gave the result the input's backend; the data now lives on the target.
    out.backend = target
    return out
