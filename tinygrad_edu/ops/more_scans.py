"""Running products and sums along an axis: cumprod and logcumsumexp; and NanToZero, which
nansum and nanmean add up.

``forward`` computes on raw backend arrays; ``backward`` on Tensors (see :mod:`..autograd`),
so second derivatives come from the same formulas.
"""

from __future__ import annotations

from typing import Any

from ..autograd import Function
from ..backends.base import ignore_float_errors
from ..dtypes import bool_
from ..grad_mode import _mode
from .elementwise import Where
from .scan import _to_last


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


class Logcumsumexp(Function):
    """z_i = log(exp(x_0) + ... + exp(x_i)) along axis;  dz_i/dx_j = exp(x_j - z_i) for j <= i

    The forward adds in log space (logaddexp, so no exp overflows) by doubling strides: step
    s adds to each element the running total s places before it, log2(n) steps in all. The
    backward is PyTorch's: the gradient of x_j is exp(x_j) times the reverse running sum of
    grad_i exp(-z_i), itself taken in log space, positive and negative parts of the gradient
    apart (a masked part is the lowest finite number, as there, not -inf)."""

    @staticmethod
    def forward(ctx, x, axis=0):
        ctx.axis = axis
        xp = ctx.xp
        moved = xp.moveaxis(x, axis, -1)
        size, stride = moved.shape[-1], 1
        with ignore_float_errors(xp):
            while stride < size:
                shifted = xp.logaddexp(moved[..., stride:], moved[..., :-stride])
                moved = xp.concat([moved[..., :stride], shifted], axis=-1)
                stride *= 2
        out = xp.moveaxis(moved, -1, axis)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        axis = ctx.axis
        lowest = float(x.backend.xp.finfo(x._data.dtype).min)

        def reverse(t: Any) -> Any:
            return Logcumsumexp.apply(t.flip(axis), axis=axis).flip(axis)

        with ignore_float_errors(x.backend.xp):  # log(0) where the gradient is 0: masked
            size = grad.abs().log()
            low = grad.constant(lowest)
            positive = Where.apply(grad.constant(grad._data > 0), size, low)
            negative = Where.apply(grad.constant(grad._data < 0), size, low)
            return (reverse(positive - out) + x).exp() - (reverse(negative - out) + x).exp()


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
