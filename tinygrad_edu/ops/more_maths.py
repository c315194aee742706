"""More elementwise maths: the hyperbolic and inverse trigonometric functions, log2 and log10,
atan2, hypot, logaddexp, xlogy, sinc, erfinv, and floor division (which has no derivative). The
running products and sums (cumprod, logcumsumexp, nansum's NanToZero) are in
:mod:`.more_scans`.

Each is a primitive because composing it from the others would lose digits or give the wrong
number at an edge: ``(exp(x) - exp(-x)) / 2`` is 0 for ``sinh(1e-10)``, ``log(1000) /
log(10)`` is 2.9999999999999996, and ``max + log(1 + exp(-|x - y|))`` is nan where both are
-inf. The backward formulas follow PyTorch's, edges included (they are in each docstring).

``forward`` computes on raw backend arrays; ``backward`` on Tensors (see :mod:`..autograd`),
so second derivatives come from the same formulas.
"""

from __future__ import annotations

import math

from ..autograd import Function
from ..backends.base import ignore_float_errors
from .elementwise import Where
from .erf import erf_array


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
    x = 0 and y <= 0;  dz/dy = x / y  (PyTorch's rules, so dz/dy is nan at x = y = 0)

    ``number`` is y as the Python number of ``x.xlogy(number)``: then, as in PyTorch, dz/dx is
    0 where x = 0 unless the number is > 0 (a nan number included)."""

    @staticmethod
    def forward(ctx, x, y, number=None):
        ctx.save_for_backward(x, y)
        ctx.number = number
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
            if ctx.number is None:
                dropped = x.constant((x._data == 0) & (y._data <= 0))
            else:
                dropped = x.constant((x._data == 0) & (not ctx.number > 0))
            grad_x = Where.apply(dropped, grad.constant(0.0), Xlogy.apply(grad, y))
        if ctx.needs_input_grad[1]:
            grad_y = grad * x / y
        return grad_x, grad_y


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


class Sinc(Function):
    """z = sin(pi x) / (pi x), and 1 at x = 0;  dz/dx = (pi x cos(pi x) - sin(pi x)) / (pi x**2),
    taken as 0 where pi x**2 is 0 (x = 0, or so tiny that x**2 underflows), as in PyTorch

    PyTorch's formula, as one primitive: composed from Sin and Div, the derivative at a tiny x
    (1e-200) is the difference of two huge numbers, 1 / (pi x) - sin(pi x) / (pi x**2), which
    does not cancel to 0 in floating point, while the numerator above does."""

    @staticmethod
    def forward(ctx, x):
        xp = ctx.xp
        zero = x == 0
        angle = xp.where(zero, xp.ones((), dtype=x.dtype), x) * math.pi
        ctx.save_for_backward(x)
        with ignore_float_errors(xp):
            return xp.where(zero, xp.ones((), dtype=x.dtype), xp.sin(angle) / angle)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        zero = x.constant(x._data * x._data * math.pi == 0)
        safe = Where.apply(zero, x.constant(1.0), x)  # no 0 / 0, even in the branch not taken
        angle = safe * math.pi
        slope = (angle * angle.cos() - angle.sin()) / (safe * safe * math.pi)
        return grad * Where.apply(zero, x.constant(0.0), slope)


class Erfinv(Function):
    """z = erfinv(x), the y with erf(y) = x for -1 < x < 1 (+-inf at +-1, nan outside);
    dz/dx = sqrt(pi) / 2 * exp(z**2)

    NumPy has no erfinv: a first guess from Winitzki's closed form (good to 2e-3), then Newton
    steps on erf(y) = x in float64 (each squares the error), with erf from :mod:`.erf`. Near
    +-1 the steps see erf(y) - x, a difference of numbers near 1: in float64 the result keeps
    about -log10(1 - |x|) digits fewer there; float32 results are exact to rounding."""

    @staticmethod
    def forward(ctx, x):
        xp = ctx.xp
        wide = xp.astype(x, xp.float64)
        with ignore_float_errors(xp):
            log_term = xp.log((1.0 - wide) * (1.0 + wide))  # log(1 - x**2), -inf at +-1
            a = 0.147
            first = 2.0 / (math.pi * a) + log_term / 2.0
            guess = xp.sqrt(xp.sqrt(first * first - log_term / a) - first)
            y = xp.where(wide < 0, -guess, guess)
            inside = xp.abs(wide) < 1.0
            y = xp.where(inside, y, xp.zeros_like(y))
            for _ in range(4):  # Newton: y -= (erf(y) - x) / erf'(y)
                slope = 2.0 / math.sqrt(math.pi) * xp.exp(-y * y)
                y = y - (erf_array(xp, y) - wide) / slope
            edge = xp.where(wide == 1.0, xp.asarray(math.inf), xp.asarray(math.nan))
            edge = xp.where(wide == -1.0, xp.asarray(-math.inf), edge)
            out = xp.astype(xp.where(inside, y, edge), x.dtype)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * (out * out).exp() * (math.sqrt(math.pi) / 2.0)

