"""More elementwise maths: the hyperbolic and inverse trigonometric functions, log2 and log10,
atan2, hypot, logaddexp, xlogy, and the running product cumprod.

Each is a primitive because composing it from the others would lose digits or give the wrong
number at an edge: ``(exp(x) - exp(-x)) / 2`` is 0 for ``sinh(1e-10)``, ``log(1000) /
log(10)`` is 2.9999999999999996, and ``max + log(1 + exp(-|x - y|))`` is nan where both are
-inf. The backward formulas follow PyTorch's, edges included (they are in each docstring).

``forward`` computes on raw backend arrays; ``backward`` on Tensors (see :mod:`..autograd`),
so second derivatives come from the same formulas.
"""

from __future__ import annotations

import math
from typing import Any

from ..autograd import Function
from ..backends.base import ignore_float_errors
from ..dtypes import bool_
from ..grad_mode import _mode
from .elementwise import Where
from .scan import _to_last


class Sinh(Function):
    """z = sinh(x);  dz/dx = cosh(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.sinh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * Cosh.apply(x)


class Cosh(Function):
    """z = cosh(x);  dz/dx = sinh(x)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.cosh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * Sinh.apply(x)


class Asin(Function):
    """z = asin(x);  dz/dx = 1 / sqrt(1 - x**2)  (inf at x = +-1, nan outside [-1, 1])"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.asin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (1.0 - x * x).rsqrt()


class Acos(Function):
    """z = acos(x);  dz/dx = -1 / sqrt(1 - x**2)  (-inf at x = +-1, nan outside [-1, 1])"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.acos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -(grad * (1.0 - x * x).rsqrt())


class Atan(Function):
    """z = atan(x);  dz/dx = 1 / (1 + x**2)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.atan(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * x + 1.0)


class Asinh(Function):
    """z = asinh(x);  dz/dx = 1 / sqrt(x**2 + 1)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.asinh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x * x + 1.0).rsqrt()


class Acosh(Function):
    """z = acosh(x);  dz/dx = 1 / sqrt(x**2 - 1)  (inf at x = 1, nan below 1)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.acosh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x * x - 1.0).rsqrt()


class Atanh(Function):
    """z = atanh(x);  dz/dx = 1 / (1 - x**2)  (inf at x = +-1)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.atanh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (1.0 - x * x)


class Log2(Function):
    """z = log2(x);  dz/dx = 1 / (x log(2))"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.log2(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * math.log(2.0))


class Log10(Function):
    """z = log10(x);  dz/dx = 1 / (x log(10))"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.log10(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad / (x * math.log(10.0))


class Atan2(Function):
    """z = atan2(y, x), the angle of the point (x, y);  dz/dy = x / (x**2 + y**2),
    dz/dx = -y / (x**2 + y**2)

    At the origin both derivatives are 0, as in PyTorch (1 / (x**2 + y**2) is taken as 0
    where x**2 + y**2 = 0)."""

    @staticmethod
    def forward(ctx, y, x):
        ctx.save_for_backward(y, x)
        return ctx.xp.atan2(y, x)

    @staticmethod
    def backward(ctx, grad):
        y, x = ctx.saved_tensors
        squares = y * y + x * x
        zero = squares._data == 0
        safe = Where.apply(y.constant(zero), y.constant(1.0), squares)
        inverse = Where.apply(y.constant(zero), y.constant(0.0), 1.0 / safe)
        return (grad * x * inverse if ctx.needs_input_grad[0] else None,
                grad * -y * inverse if ctx.needs_input_grad[1] else None)


class Hypot(Function):
    """z = sqrt(x**2 + y**2), without overflow in the squares;  dz/dx = x / z,  dz/dy = y / z
    (nan at the origin, as in PyTorch)"""

    @staticmethod
    def forward(ctx, x, y):
        out = ctx.xp.hypot(x, y)
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, y, out = ctx.saved_tensors
        return (grad * x / out if ctx.needs_input_grad[0] else None,
                grad * y / out if ctx.needs_input_grad[1] else None)


class Logaddexp(Function):
    """z = log(exp(x) + exp(y)), without overflow;  dz/dx = 1 / (1 + exp(y - x)),
    dz/dy = 1 / (1 + exp(x - y))  (nan where x = y = +-inf, as in PyTorch)"""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return ctx.xp.logaddexp(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return (grad / ((y - x).exp() + 1.0) if ctx.needs_input_grad[0] else None,
                grad / ((x - y).exp() + 1.0) if ctx.needs_input_grad[1] else None)


class Xlogy(Function):
    """z = x * log(y), and 0 where x = 0 (unless y is nan);  dz/dx = log(y), taken as 0 where
    x = 0 and y <= 0;  dz/dy = x / y  (PyTorch's rules, so dz/dy is nan at x = y = 0)"""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        xp = ctx.xp
        with ignore_float_errors(xp):
            product = x * xp.log(y)
        zero = xp.zeros((), dtype=product.dtype)
        return xp.where((x == 0) & ~xp.isnan(y), zero, product)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            dropped = x.constant((x._data == 0) & (y._data <= 0))
            grad_x = Where.apply(dropped, grad.constant(0.0), Xlogy.apply(grad, y))
        if ctx.needs_input_grad[1]:
            grad_y = grad * x / y
        return grad_x, grad_y


class Cumprod(Function):
    """z_i = x_0 * x_1 * ... * x_i along axis;  dz_i/dx_j = the product of x_0 ... x_i but x_j,
    for j <= i (else 0)

    So the gradient of x_j is the sum over i >= j of grad_i times that product, computed as
    PyTorch does, to give its numbers at zeros (finite) and at inf and nan too. Before the
    first zero of a row: ``reverse_cumsum(grad * z)_j / x_j``, the sum stopped at the first
    zero. At the first zero: the product of the elements before it, times the sum over i from
    it to the next zero of grad_i times the product of the elements after it up to i. After
    it: 0, since every product holds the zero. No value is read on the host, and the formulas
    are Tensor operations, so second derivatives work too."""

    @staticmethod
    def forward(ctx, x, axis=0):
        ctx.axis = axis
        xp = ctx.xp
        cumulative_prod = getattr(xp, "cumulative_prod", None) or xp.cumprod
        if x.dtype == xp.float32:  # PyTorch multiplies float32 in float64, rounding once
            out = xp.astype(cumulative_prod(x, axis=axis, dtype=xp.float64), xp.float32)
        else:
            out = cumulative_prod(x, axis=axis)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        axis, xp = ctx.axis, x.backend.xp
        if x.shape[axis] == 1:  # z = x: PyTorch passes the gradient on (even where x is nan)
            return grad
        if _mode.enabled:  # create_graph: a formula whose own derivative is right at zeros
            return _cumprod_grad_recorded(x, grad, axis)
        cumulative_sum = getattr(xp, "cumulative_sum", None) or xp.cumsum
        zeros_so_far = cumulative_sum(xp.astype(x._data == 0, xp.int64), axis=axis)
        before = x.constant(zeros_so_far == 0)
        first = zeros_so_far == 1  # from the first zero to the one after it
        at_zero = x.constant(first & (x._data == 0))
        between = x.constant(first & (x._data != 0))
        one, zero = x.constant(1.0), x.constant(0.0)

        products = Where.apply(before, grad * out, zero)
        until_zero = products.flip(axis).cumsum(axis).flip(axis) / Where.apply(before, x, one)
        after = Cumprod.apply(Where.apply(between, x, one), axis=axis)
        to_next_zero = (after * Where.apply(x.constant(first), grad, zero)).sum(axis, keepdims=True)
        prefix = Cumprod.apply(Where.apply(before, x, one), axis=axis)  # x_0 ... x_(zero - 1)
        return Where.apply(before, until_zero,
                           Where.apply(at_zero, to_next_zero * prefix, zero))


def _cumprod_grad_recorded(x: Any, grad: Any, axis: int) -> Any:
    """The gradient of cumprod as sums of products that leave x_j out, one row of a size x size
    grid per j: with no mask and no division, so that differentiating it again is right where
    x has zeros (the masks of the fast formula hold only at the point). O(size**2), as
    PyTorch's formula for this case."""
    moved, back = _to_last(x, axis)
    grad_moved, _ = _to_last(grad, axis)
    size = moved.shape[-1]
    xp = x.backend.xp
    grid = moved.unsqueeze(-2).expand(*moved.shape[:-1], size, size)  # grid[..., j, k] = x_k
    no = x.backend.native_dtype(bool_)
    diagonal = x.constant(xp.eye(size, dtype=no))
    left_out = Cumprod.apply(Where.apply(diagonal, x.constant(1.0), grid), axis=grid.ndim - 1)
    later = x.constant(xp.astype(xp.triu(xp.ones((size, size), dtype=xp.int64)), no))  # k >= j
    terms = Where.apply(later, grad_moved.unsqueeze(-2) * left_out, x.constant(0.0))
    return back(terms.sum(-1))


class NanToZero(Function):
    """z = x, and 0 where x is nan;  dz/dx = 1 where x is not nan, else 0

    The gradient is multiplied by that 0/1 mask (not chosen by a where), as in PyTorch's
    nansum: an inf gradient (a nanmean over only nans divides by 0) gives nan at a nan."""

    @staticmethod
    def forward(ctx, x):
        xp = ctx.xp
        kept = ~xp.isnan(x)
        ctx.save_for_backward(xp.astype(kept, x.dtype))
        return xp.where(kept, x, xp.zeros((), dtype=x.dtype))

    @staticmethod
    def backward(ctx, grad):
        (kept,) = ctx.saved_tensors
        return grad * kept


class FloorDivide(Function):
    """z = floor(x / y), Python's ``//`` on floats;  no derivative: PyTorch defines none (its
    backward raises), so this one raises too, rather than leave ``x.grad`` silently None"""

    @staticmethod
    def forward(ctx, x, y):
        with ignore_float_errors(ctx.xp):
            return ctx.xp.floor_divide(x, y)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError(
            "floor_divide (x // y) has no derivative, as in PyTorch, whose backward raises "
            "too. For a rounded quotient with derivative 0 use x.div(y, rounding_mode='floor'); "
            "or take it outside the graph: x.detach() // y"
        )
