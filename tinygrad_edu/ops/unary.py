"""Elementwise operations of one input: neg, exp, log, reciprocal, sin, cos, sqrt, abs, relu,
sigmoid, tanh, clip, and the copies (clone, cast).

``forward`` computes on raw backend arrays; ``backward`` on Tensors (see :mod:`..autograd`).
"""

from __future__ import annotations

from ..autograd import Function
from ..grad_mode import _mode
from .elementwise import Where, _as_float, scaled


class Neg(Function):
    """z = -x;  dz/dx = -1"""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Exp(Function):
    """z = exp(x);  dz/dx = exp(x) = z"""

    @staticmethod
    def forward(ctx, x):
        out = ctx.xp.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


class Log(Function):
    """z = log(x);  dz/dx = 1 / x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / x


class Reciprocal(Function):
    """z = s / x, computed as PyTorch computes ``s / x``: (1 / x) * s, s = 1 unless ``scale``
    is given;  dz/dx = -s / x**2 = -s (1 / x)**2

    A primitive, not Div, so that the numbers are PyTorch's to the last bit: its backward is
    -(grad * s) * (1 / x)**2, so where (1 / x)**2 underflows to 0 an infinite grad * s gives
    nan, as there; and 0 / 1e-45 in float32 is inf * 0 = nan."""

    @staticmethod
    def forward(ctx, x, scale=None):
        inverse = 1.0 / x
        ctx.scale = scale
        if scale is None:
            ctx.save_for_backward(inverse)  # the output: with create_graph, a node of the graph
            return inverse
        ctx.save_for_backward(inverse, x)
        return inverse * scale

    @staticmethod
    def backward(ctx, grad):
        if ctx.scale is None:
            (inverse,) = ctx.saved_tensors
        else:
            inverse, x = ctx.saved_tensors
            if _mode.enabled:  # create_graph: 1 / x again, as an operation, to differentiate
                inverse = Reciprocal.apply(x)
            grad = grad * ctx.scale
        return -grad * (inverse * inverse)


class Sin(Function):
    """z = sin(x);  dz/dx = cos(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x.cos()


class Cos(Function):
    """z = cos(x);  dz/dx = -sin(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -(grad * x.sin())


class Sqrt(Function):
    """z = sqrt(x);  dz/dx = 1 / (2 sqrt(x)) = 1 / (2 z)"""

    @staticmethod
    def forward(ctx, x):
        out = ctx.xp.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (out * 2.0)


class StdFromVar(Sqrt):
    """z = sqrt(v) for a variance v;  dz/dv = 1 / (2 z), taken as 0 where z = 0

    Only :meth:`Tensor.std` uses it: data that is constant has the standard deviation 0 and,
    following PyTorch, the gradient 0 there (plain sqrt would give 0 / 0 = nan). The forward
    is Sqrt's; only the backward differs.
    """

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        zero = out == 0.0
        # where() twice: the first keeps 1 / (2 z) finite, so that not even the branch that is
        # thrown away (nor its own derivative, with create_graph) holds an inf or a nan.
        safe = Where.apply(zero, out.constant(0.5), out)
        return Where.apply(zero, out.constant(0.0), grad / (safe * 2.0))


class Abs(Function):
    """z = |x|;  dz/dx = sign(x)  (0 at x = 0, and at nan, as in PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        if any(ctx.needs_input_grad):
            ctx.save_for_backward(_as_float(ctx, x > 0, x) - _as_float(ctx, x < 0, x))
        return ctx.xp.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (sign,) = ctx.saved_tensors
        # A product, not scaled(): x = 0 does reach the output, so an inf gradient gives
        # inf * 0 = nan there, as in PyTorch.
        return grad * sign


class Relu(Function):
    """z = max(x, 0);  dz/dx = 0 where x <= 0, else 1  (relu'(0) = 0, as in PyTorch)"""

    @staticmethod
    def forward(ctx, x):
        # maximum, not where(x > 0, x, 0): a nan passes through (as in PyTorch), not hidden as 0.
        out = ctx.backend.relu(x)  # the backend's maximum(x, 0) (NumPy's: faster, threads)
        ctx.save_for_backward(out)  # z > 0 exactly where x > 0, so z is all backward needs
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        # where(), not grad * mask: an inf gradient must give 0, not inf * 0 = nan, where x <= 0.
        # "z <= 0" picks the zeros rather than "not z > 0": at a nan the gradient passes on.
        blocked = out._data <= 0
        if not grad.requires_grad:  # nothing to record: work on the arrays directly
            return grad.constant(ctx.backend.zero_where(grad._data, blocked))
        return Where.apply(grad.constant(blocked), grad.constant(0.0), grad)


class Sigmoid(Function):
    """z = 1 / (1 + exp(-x));  dz/dx = z (1 - z)"""

    @staticmethod
    def forward(ctx, x):
        # 1 / (1 + exp(-x)) for x >= 0 and exp(x) / (1 + exp(x)) for x < 0: the same function,
        # but exp only ever sees -|x|, so it never overflows, and for very negative x the tiny
        # result keeps its digits (no 1 - 1 cancellation: sigmoid(-40) = 4.2e-18, not 0).
        xp = ctx.xp
        small = xp.exp(-xp.abs(x))
        out = xp.where(x >= 0, 1.0 / (1.0 + small), small / (1.0 + small))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out * (1.0 - out)


class Tanh(Function):
    """z = tanh(x);  dz/dx = 1 - z**2"""

    @staticmethod
    def forward(ctx, x):
        out = ctx.xp.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (1.0 - out * out)


class Clip(Function):
    """z = min(max(x, low), high);  dz/dx = 1 where low <= x <= high, else 0 (as in PyTorch)"""

    @staticmethod
    def forward(ctx, x, low=None, high=None):
        if any(ctx.needs_input_grad):
            inside = ctx.xp.ones_like(x, dtype=ctx.xp.bool)
            if low is not None:
                inside = inside & (x >= low)
            if high is not None:
                inside = inside & (x <= high)
            ctx.save_for_backward(_as_float(ctx, inside, x))
        return ctx.xp.clip(x, low, high)

    @staticmethod
    def backward(ctx, grad):
        (inside,) = ctx.saved_tensors
        return scaled(grad, inside)


class Clone(Function):
    """z = a copy of x in memory of its own;  dz/dx = 1"""

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.asarray(x, copy=True)

    @staticmethod
    def backward(ctx, grad):
        return grad


class Cast(Function):
    """z = x converted to another dtype;  dz/dx = 1 (converted back)"""

    @staticmethod
    def forward(ctx, x, dtype=None):
        ctx.input_dtype = x.dtype
        # The array's own astype where it has one (NumPy's, CuPy's): a float64 beyond the
        # float32 range becomes inf, and NumPy's "overflow encountered in cast" is then raised
        # on this line, which the package's filter (ops.elementwise) keeps from the learner.
        astype = getattr(x, "astype", None)
        if astype is not None:
            return astype(dtype)
        return ctx.xp.astype(x, dtype)

    @staticmethod
    def backward(ctx, grad):
        return Cast.apply(grad, dtype=ctx.input_dtype)
