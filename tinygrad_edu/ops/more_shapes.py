"""Writing values at positions: the primitive behind ``scatter`` (the rest of the shape and
linear-algebra functions are composed, see the table in :mod:`tinygrad_edu.ops`)."""

from __future__ import annotations

from ..autograd import Function
from .elementwise import Where
from .movement import GetItem


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
            written = ctx.xp.zeros(x.shape, dtype=ctx.xp.bool)
            ctx.backend.setitem(written, key, True)
            ctx.written = written
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
