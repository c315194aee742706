"""Operations that move elements around without doing arithmetic on them: reshaping,
permuting axes, broadcasting, indexing, joining and padding. Each backward puts the gradient
back where its element came from."""

from __future__ import annotations

from typing import Any

from ..autograd import Function


class Reshape(Function):
    """z = x with a new shape;  dz/dx: the gradient reshaped back"""

    makes_view = True  # when the memory layout allows; counted as one either way

    @staticmethod
    def forward(ctx, x, shape=()):
        ctx.input_shape = x.shape
        return ctx.xp.reshape(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.input_shape)


class Permute(Function):
    """z = x with its axes reordered;  dz/dx: the gradient with the inverse order"""

    makes_view = True

    @staticmethod
    def forward(ctx, x, axes=()):
        ctx.inverse = tuple(sorted(range(len(axes)), key=axes.__getitem__))
        return ctx.xp.permute_dims(x, axes)

    @staticmethod
    def backward(ctx, grad):
        return grad.permute(*ctx.inverse)


class Expand(Function):
    """z = x broadcast to a larger shape;  dz/dx: the gradient summed over the copies

    The summing is the engine's job (it sums every gradient back to its input's shape), so
    backward just passes the gradient on."""

    makes_view = True

    @staticmethod
    def forward(ctx, x, shape=()):
        return ctx.xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad


def is_basic_index(key: tuple[Any, ...]) -> bool:
    """Only ints, slices, None and ``...``: a view, where no element can be picked twice."""
    return all(k is None or k is Ellipsis or isinstance(k, (int, slice)) for k in key)


class GetItem(Function):
    """z = x[key];  dz/dx: the gradient added back at the picked positions (repeats accumulate)"""

    makes_view = True  # for ints, slices, None and ...; integer arrays and masks copy

    @classmethod
    def shares_memory(cls, **options: Any) -> bool:
        return is_basic_index(options["key"])

    @staticmethod
    def forward(ctx, x, key=()):
        ctx.input_shape = x.shape
        ctx.key = key
        return ctx.backend.getitem(x, key)

    @staticmethod
    def backward(ctx, grad):
        return IndexAdd.apply(grad, shape=ctx.input_shape, key=ctx.key)


class IndexAdd(Function):
    """z = zeros(shape) with z[key] += x;  dz/dx = the gradient picked at key (the adjoint of
    GetItem, so that indexing has second derivatives too)"""

    @staticmethod
    def forward(ctx, x, shape=(), key=()):
        ctx.key = key
        out = ctx.xp.zeros(shape, dtype=x.dtype)
        if is_basic_index(key):
            if any(k is None for k in key):
                # The standard allows no None (new axis) when assigning: drop those size-1 axes.
                key = tuple(k for k in key if k is not None)
                x = ctx.xp.reshape(x, out[key].shape)
            out[key] = x
        else:
            ctx.backend.scatter_add(out, key, x)
        return out

    @staticmethod
    def backward(ctx, grad):
        return GetItem.apply(grad, key=ctx.key)


class Concatenate(Function):
    """z = the inputs joined along axis;  dz/dx_i = the slice of the gradient x_i went to"""

    @staticmethod
    def forward(ctx, *xs, axis=0):
        ctx.axis = axis
        ctx.sizes = [x.shape[axis] for x in xs]
        return ctx.xp.concat(xs, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        grads = []
        start = 0
        before = (slice(None),) * (ctx.axis % grad.ndim)
        for size, needed in zip(ctx.sizes, ctx.needs_input_grad, strict=True):
            grads.append(grad[before + (slice(start, start + size),)] if needed else None)
            start += size
        return tuple(grads)


class Pad(Function):
    """z = x surrounded by a constant border;  dz/dx = the gradient with the border cut off"""

    @staticmethod
    def forward(ctx, x, widths=(), value=0.0):
        xp = ctx.xp
        shape = tuple(
            n + before + after for n, (before, after) in zip(x.shape, widths, strict=True)
        )
        ctx.inside = tuple(
            slice(before, before + n) for n, (before, _) in zip(x.shape, widths, strict=True)
        )
        out = xp.full(shape, value, dtype=x.dtype)
        out[ctx.inside] = x
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.inside]
