"""Elementwise operations of two (or three) inputs: arithmetic, maximum/minimum, where. Inputs may
have different shapes that broadcast (NumPy's rules); the engine sums each gradient back to its
input's shape, so no op here mentions broadcasting. One-input math is in :mod:`.unary`.

``forward`` computes on raw backend arrays; ``backward`` on Tensors (see :mod:`..autograd`).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from ..autograd import Function
from ..context import Context
from ..grad_mode import _mode

# NumPy warns ("divide by zero encountered in divide", "invalid value encountered in
# subtract", ...) where an op meets 0, inf, nan or a huge number; PyTorch gives the same inf or
# nan in silence. An np.errstate around every op would cost about 1.4 us each, more than a
# small op's own arithmetic; this filter costs nothing until NumPy warns, and it matches only
# NumPy's floating-point warnings raised on this package's own lines: a learner's NumPy code
# still warns. (warnings.simplefilter("error") set later by the user takes precedence.)
warnings.filterwarnings(
    "ignore", message=".*encountered in ", category=RuntimeWarning, module=r"tinygrad_edu\."
)


def _as_float(ctx: Context, mask: Any, like: Any) -> Any:
    """A boolean mask as 0.0/1.0 in the dtype of ``like`` (the array API never mixes kinds)."""
    return ctx.xp.astype(mask, like.dtype)


def scaled(grad: Any, share: Any) -> Any:
    """``grad * share``, but exactly 0 where ``share`` is 0.

    Used by every op that routes a gradient by a mask (relu, clip, maximum, max, ...): where an
    input did not reach the output its gradient is 0, as in PyTorch, even when the incoming
    gradient is inf (inf * 0 would be nan). ``share`` is a Tensor of weights (0, 1, or 1/2 at
    ties)."""
    backend = grad.backend
    if not grad.requires_grad:  # nothing to record: work on the arrays directly (the hot path)
        return grad.constant(masked_product(backend.xp, grad._data, share._data,
                                            backend.device_reads_wait))
    # Zeroed before the product, so that no inf * 0 is ever computed.
    lost = share._data == 0
    return Where.apply(grad.constant(lost), grad.constant(0.0), grad) * share


def masked_product(xp: Any, grad: Any, share: Any, device: bool = False) -> Any:
    """``grad * share`` on arrays, exactly 0 where ``share`` is 0 even if ``grad`` is inf or
    nan there. The product alone is right whenever ``grad`` is finite, the usual case; only
    otherwise is ``where`` used, which NumPy runs about fifteen times slower. On a ``device``
    (a GPU) asking whether ``grad`` is finite would make the host wait, so ``where`` always."""
    if not device and bool(xp.all(xp.isfinite(grad))):
        return grad * share
    return xp.where(share == 0, xp.zeros((), dtype=grad.dtype), grad) * share  # 0 * 0 there


def times(grad: Any, other: Any) -> Any:
    """``grad * other`` in a backward: the arrays multiplied directly when nothing is recorded
    (no ``create_graph``) and the dtypes agree, the usual case; otherwise the recorded product.
    The same result either way, but the direct product skips the operator's dispatch, about
    half of a scalar Mul's backward (benchmarks/op_overhead.py)."""
    a, b = grad._data, other._data
    if _mode.enabled or a.dtype is not b.dtype:
        return grad * other
    return grad._from_data(a * b, grad.backend)


class Add(Function):
    """z = x + y;  dz/dx = 1,  dz/dy = 1"""

    @staticmethod
    def forward(ctx, x, y):
        return x + y

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """z = x - y;  dz/dx = 1,  dz/dy = -1"""

    @staticmethod
    def forward(ctx, x, y):
        return x - y

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """z = x * y;  dz/dx = y,  dz/dy = x"""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        needs = ctx.needs_input_grad
        return (times(grad, y) if needs[0] else None, times(grad, x) if needs[1] else None)


class Div(Function):
    """z = x / y;  dz/dx = 1 / y,  dz/dy = -x / y**2"""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x / y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        # -grad * x / y / y, divided one step at a time: y * y under- or overflows long before
        # the result does (x = 1e-30, y = 1e-23 in float32 gives -1e16, not -inf).
        return (grad / y if ctx.needs_input_grad[0] else None,
                -(grad * x / y) / y if ctx.needs_input_grad[1] else None)


class Pow(Function):
    """z = x ** y;  dz/dx = y * x**(y - 1),  dz/dy = z * log(x)

    As in PyTorch, dz/dx = 0 where y = 0 (x**0 is the constant 1) and dz/dy = 0 where x = 0
    and y >= 0, where the formulas would give 0 * inf = nan.

    ``exponent`` is y as the Python number the learner wrote (``x ** 0.5``), else None. PyTorch
    computes ``x ** 0.5`` as sqrt(x) and ``x ** -0.5`` as 1 / sqrt(x), which differ from C's
    pow at the edges: (-inf) ** -0.5 is nan, not 0, and (-0.0) ** -0.5 is -inf, not inf. So
    does this op, in the forward and in the x**(y - 1) of the backward. ``base`` is x as the
    Python number of ``number ** y``, whose log PyTorch's dz/dy takes in float64."""

    @staticmethod
    def forward(ctx, x, y, exponent=None, base=None):
        if exponent == -0.5:
            out = 1.0 / ctx.xp.sqrt(x)
        else:
            try:
                out = x**y
            except ValueError:  # NumPy refuses integers to negative integer powers
                out = _integer_power(ctx.xp, x, y)
        ctx.exponent, ctx.base = exponent, base
        ctx.save_for_backward(x, y, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, y, out = ctx.saved_tensors
        grad_x = grad_y = None
        # Where the derivative is 0 by the rule above, x is replaced by 1 before it enters the
        # formula, so no inf appears there, not even in a second derivative.
        if ctx.needs_input_grad[0]:
            # Only at x = 0 too: for x > 0 the true x**(y - 1) must stay, or the second
            # derivative d/dy (y * x**(y - 1)) = x**(-1) at y = 0 comes out as 1.
            # At a nan x too: nan**0 is the constant 1, whose derivative is 0. And at a
            # subnormal x, whose x**-1 overflows to inf (0 * inf would be nan; PyTorch gives 0).
            tiny = float(x.backend.xp.finfo(x._data.dtype).smallest_normal)
            base = _one_where((y == 0.0) & ((x.abs() < tiny) | (x != x)), x)
            if ctx.exponent is None:
                grad_x = grad * y * base ** (y - 1)
            else:
                power = Pow.apply(base, y - 1.0, exponent=ctx.exponent - 1)
                grad_x = grad * y * power
        if ctx.needs_input_grad[1]:
            # Only computed when the exponent needs a gradient: log(x) is undefined for x < 0.
            if ctx.base is None:
                grad_y = grad * out * _one_where((x == 0.0) & (y >= 0.0), x).log()
            else:  # a Python number: PyTorch takes its log in float64, not of the rounded x
                grad_y = grad * (out * _log_of_number(ctx.base))
                if ctx.base == 0:
                    grad_y = Where.apply(y >= 0.0, y.constant(0.0), grad_y)
        return grad_x, grad_y


def _log_of_number(number: float) -> float:
    """log of a Python number in float64: -inf at 0, nan below (math.log raises there)."""
    if number > 0:
        return math.log(number)
    return -math.inf if number == 0 else math.nan


def _integer_power(xp: Any, x: Any, y: Any) -> Any:
    """x ** y for integer arrays with some y < 0, as PyTorch computes it: 1 ** y = 1,
    (-1) ** y = -1 or 1 by the parity of y, and 0 for every other x (0 included)."""
    negative = y < 0
    power = x ** xp.where(negative, xp.zeros_like(y), y)
    one, zero = xp.ones_like(power), xp.zeros_like(power)
    small = xp.where(x == 1, one, zero)
    small = xp.where(x == -1, xp.where(y % 2 != 0, -one, one), small)
    return xp.where(negative, small, power)


def _one_where(condition: Any, x: Any) -> Any:
    """``x`` with ones where ``condition`` holds."""
    return Where.apply(condition, x.constant(1.0), x)


class Maximum(Function):
    """z = max(x, y);  dz/dx = 1 where x > y, 0 where x < y, 1/2 at ties (as in PyTorch)"""

    @staticmethod
    def forward(ctx, x, y):
        if any(ctx.needs_input_grad):  # (skip the masks when nothing is recorded)
            ctx.save_for_backward(*_shares(ctx, x, y, x < y, x > y))
        # y first: at a tie NumPy returns its second argument and PyTorch x, which only the
        # sign of a zero shows (maximum(-0.0, 0.0) is -0.0 there, and so 1 / it is -inf).
        return ctx.xp.maximum(y, x)

    @staticmethod
    def backward(ctx, grad):
        x_share, y_share = ctx.saved_tensors
        return scaled(grad, x_share), scaled(grad, y_share)


def _shares(ctx: Context, x: Any, y: Any, x_loses: Any, y_loses: Any) -> tuple[Any, Any]:
    """How maximum and minimum share the gradient: all of it to the winner, half each at a tie.

    Written as "1 unless it lost", like PyTorch, so that where a nan is involved (no comparison
    holds) both inputs get the whole gradient.
    """
    half_at_tie = _as_float(ctx, x == y, x) * 0.5
    x_share = 1.0 - _as_float(ctx, x_loses, x) - half_at_tie
    y_share = 1.0 - _as_float(ctx, y_loses, y) - half_at_tie
    return x_share, y_share


class Minimum(Function):
    """z = min(x, y);  dz/dx = 1 where x < y, 0 where x > y, 1/2 at ties (as in PyTorch)"""

    @staticmethod
    def forward(ctx, x, y):
        if any(ctx.needs_input_grad):
            ctx.save_for_backward(*_shares(ctx, x, y, x > y, x < y))
        return ctx.xp.minimum(y, x)  # y first, as in Maximum: x at a tie, as in PyTorch

    @staticmethod
    def backward(ctx, grad):
        x_share, y_share = ctx.saved_tensors
        return scaled(grad, x_share), scaled(grad, y_share)


class Where(Function):
    """z = x where condition else y;  dz/dx = condition,  dz/dy = not condition"""

    @staticmethod
    def forward(ctx, condition, x, y):
        ctx.save_for_backward(condition)
        return ctx.xp.where(condition, x, y)

    @staticmethod
    def backward(ctx, grad):
        (condition,) = ctx.saved_tensors
        zero = grad.constant(0.0)
        # where(), not grad * mask: an inf or nan in the other branch must not leak through.
        return (None,
                Where.apply(condition, grad, zero) if ctx.needs_input_grad[1] else None,
                Where.apply(condition, zero, grad) if ctx.needs_input_grad[2] else None)
