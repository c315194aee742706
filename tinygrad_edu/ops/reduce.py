"""Reductions: sum, max, min and var over some axes. Mean, std, logsumexp and softmax are built
from these (see the table in :mod:`tinygrad_edu.ops`), so their gradients (and second
derivatives) come for free."""

from __future__ import annotations

from typing import Any

from ..autograd import Function
from ..backends.base import ignore_float_errors
from ..grad_mode import _mode
from .elementwise import Where, scaled


def _kept_shape(shape: tuple[int, ...], axis: tuple[int, ...] | None) -> tuple[int, ...]:
    """The shape a reduction over ``axis`` has with keepdims=True."""
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else n for i, n in enumerate(shape))


class Sum(Function):
    """z = sum of x over axis;  dz/dx = 1 for every element (the gradient is copied back out)"""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False):
        ctx.input_shape = x.shape
        ctx.kept_shape = _kept_shape(x.shape, axis)
        return ctx.xp.sum(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.kept_shape).expand(ctx.input_shape)


class Max(Function):
    """z = max of x over axis;  dz/dx = 1 at the maximum, 0 elsewhere (split evenly among ties)

    Two flavours, as in PyTorch. ``x.max()`` (``amax=False``): the gradient divided by the
    number of ties goes to them and exactly 0 elsewhere, even for an inf gradient; a nan
    maximum shares it among the nans. ``amax`` (``amax=True``): ``torch.amax``'s formula
    (grad / count) * mask, so an inf gradient gives inf * 0 = nan off the maximum, and a nan
    maximum (count 0) nan for its whole slice, exactly as PyTorch computes them. Max pooling
    (``first=True``, see :func:`_extreme`) gives one element of each window all of it."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False, amax=False, first=False, within=None):
        return _extreme(ctx, ctx.xp.max, x, axis, keepdims, amax, first, within)

    @staticmethod
    def backward(ctx, grad):
        mask, count = ctx.saved_tensors
        share = grad.reshape(ctx.kept_shape) / count
        return share * mask if ctx.amax else scaled(share, mask)


class Min(Function):
    """z = min of x over axis;  dz/dx = 1 at the minimum, 0 elsewhere (split evenly among ties)"""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False, amax=False):
        return _extreme(ctx, ctx.xp.min, x, axis, keepdims, amax)

    backward = Max.backward  # the same rule: the gradient goes to the elements picked


class Median(Function):
    """z = the median of all elements of x (the lower middle one for an even count, nan if
    any is nan);  dz/dx = 1 at the elements equal to z, split evenly among them, 0 elsewhere
    (as PyTorch's ``median()`` without a dim)"""

    @staticmethod
    def forward(ctx, x):
        return _extreme(ctx, lambda x, axis, keepdims: _lower_median(ctx, x), x, None, False)

    backward = Max.backward  # as max(): the elements equal to the median share the gradient


class Var(Function):
    """z = Σ (x - x̄)² / (n - c)  over axis (x̄ the mean, n the count, c the correction);
    dz/dx = 2 (x - x̄) / (n - c)

    The mean's own share of the derivative is 0 (Σ (x - x̄) = 0), so one primitive gives the
    exact rule even where n - c <= 0: the value is then Σ (x - x̄)² / 0 (inf, or nan for
    constant data) and the gradient follows PyTorch's (see the comment in backward).
    The backward is written with Tensor operations, so second derivatives work.

    The squares are added in float64 and rounded once, as PyTorch's CPU kernels do for
    float32 (so [-1e20, 1e20] has no overflow); where the whole result is one number, the mean
    is first taken in the input's dtype, as there too (see :func:`_spread`)."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False, correction=1):
        count = _note_count(ctx, x, axis, correction)
        ctx.save_for_backward(x)
        return _spread(ctx, x, axis, keepdims, count, root=False)

    @staticmethod
    def backward(ctx, grad):
        with ignore_float_errors(ctx.xp):  # inf - inf, 0 * inf: nan as in PyTorch, silently
            return _var_grad(ctx, ctx.saved_tensors[0], grad)


def _note_count(ctx: Any, x: Any, axis: Any, correction: Any) -> int:
    """How many elements each result sums (n); keeps what backward needs on ``ctx``: the
    axes, the result's shape with them kept, and the degrees of freedom n - c."""
    count = 1
    for i in range(x.ndim) if axis is None else axis:
        count *= x.shape[i]
    ctx.axis, ctx.kept_shape, ctx.dof = axis, _kept_shape(x.shape, axis), count - correction
    return count


def _var_grad(ctx: Any, x: Any, grad: Any) -> Any:
    """Var's backward (Std's after its own first step), with Tensor operations."""
    grad = grad.reshape(ctx.kept_shape)
    centered = x - x.mean(ctx.axis, keepdims=True)
    dof = ctx.dof
    if dof <= 0 and (ctx.axis is None or x.ndim == 0):
        # PyTorch's rule over all elements: inf wherever x is not the mean, nan where it is.
        xp = ctx.xp
        nan, inf = xp.full_like(x._data, float("nan")), xp.full_like(x._data, float("inf"))
        return grad * grad.constant(xp.where(centered._data == 0, nan, inf))
    # Over given axes PyTorch keeps the formula: n - c = 0 gives ±inf (nan at the mean),
    # n - c < 0 a finite gradient, although the value is inf. Its order of products too.
    return grad * (2.0 / dof if dof else float("inf")) * centered


class Std(Var):
    """z = sqrt(var(x)) over axis;  dz/dx = dvar/dx / (2 z), taken as 0 where z = 0

    PyTorch's formula, step by step: its square root is taken in float64 before the one
    rounding, and its gradient divides by 2 z in the input's dtype, so a float32 z below
    1e-38 gives ±inf there and an infinite z gives nan, as in PyTorch."""

    @staticmethod
    def forward(ctx, x, axis=None, keepdims=False, correction=1):
        count = _note_count(ctx, x, axis, correction)
        ctx.correction = correction
        out = _spread(ctx, x, axis, True, count, root=True)
        ctx.save_for_backward(x, out)
        return out if keepdims else ctx.xp.reshape(out, _drop(x.shape, axis))

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if _mode.enabled:  # create_graph: z recorded, so that it is differentiated too
            out = Std.apply(x, axis=ctx.axis, keepdims=True, correction=ctx.correction)
        zero = out == 0.0
        safe = Where.apply(zero, out.constant(0.5), out)  # no 1 / 0, even in the branch unused
        with ignore_float_errors(ctx.xp):  # 1 / (2 z) overflows for a tiny z: inf, as PyTorch
            grad = Where.apply(zero, out.constant(0.0),
                               grad.reshape(ctx.kept_shape) / (safe * 2.0))
            return _var_grad(ctx, x, grad)


def _spread(ctx: Any, x: Any, axis: Any, keepdims: bool, count: int, root: bool) -> Any:
    """The variance (or, with ``root``, its square root) of Var and Std: the squares added in
    float64, then rounded to x's dtype once. As PyTorch's CPU kernels: a one-number result
    centres on the mean taken in x's dtype (so a float32 mean that overflows gives inf), any
    other on the float64 mean (PyTorch's Welford sums, to the last bit after rounding)."""
    xp = ctx.xp
    wide = x
    if x.dtype == xp.float32:
        wide = xp.astype(x, xp.float64)
    with ignore_float_errors(xp):  # 0 / 0 over nothing, inf - inf: nan as PyTorch, silently
        if x.size == count and x.dtype != wide.dtype:  # one number: PyTorch's full reduction
            mean = xp.astype(xp.sum(x, axis=axis, keepdims=True) / count, xp.float64)
        else:
            mean = xp.sum(wide, axis=axis, keepdims=True) / count
        centered = wide - mean
        out = xp.sum(centered * centered, axis=axis, keepdims=keepdims) / max(ctx.dof, 0)
        if root:
            out = xp.sqrt(out)
    return xp.astype(out, x.dtype) if out.dtype != x.dtype else out


def _extreme(ctx: Any, pick: Any, x: Any, axis: Any, keepdims: bool, amax: bool = False,
             first: bool = False, within: Any = None) -> Any:
    """The forward of Max and Min: ``pick`` (xp.max or xp.min) over ``axis``, and, when a
    gradient will be needed, which elements were picked and how many (see Max). ``first``
    (max pooling, one axis): one element per window gets the whole gradient, as in PyTorch's
    pooling: the first largest, or, in a window holding nans, the last nan; ``within`` (a
    boolean array that broadcasts to ``x``) marks the elements that may be picked (a padded
    window's inputs: its padding never gets a gradient, even when its inputs are all -inf)."""
    xp = ctx.xp
    ctx.kept_shape = _kept_shape(x.shape, axis)
    out = pick(x, axis=axis, keepdims=True)
    # Integers have no gradient to share out; and nothing is needed when nothing is recorded.
    if any(ctx.needs_input_grad) and ctx.backend.dtype_of(x).is_floating:
        ctx.amax = amax
        picked = x == out
        if within is not None:
            picked = picked & within
        if first:
            _keep_one(xp, picked, axis[0], range(x.shape[axis[0]]))
        # A nan is the answer: the nans share it. A device backend (a GPU) would wait for
        # the host to read whether one occurs, so there pooling skips the question: where a
        # window holds no nan, ``nans`` is all False. On the host the read is free and spares
        # the passes below in the usual case, where no nan occurs.
        if not amax and (first and ctx.backend.device_reads_wait or xp.any(xp.isnan(out))):
            nans = xp.isnan(x) & xp.isnan(out)
            if first:  # PyTorch's pooling loop keeps the last nan it meets
                _keep_one(xp, nans, axis[0], reversed(range(x.shape[axis[0]])))
            picked = picked | nans  # where out is nan, picked (x == out) is all False
        picked = xp.astype(picked, x.dtype)
        count = xp.sum(picked, axis=axis, keepdims=True)
        if amax:  # a nan maximum: no element picked, and grad / 0 would warn; nan is the answer
            count = xp.where(count == 0, xp.full_like(count, float("nan")), count)
        ctx.save_for_backward(picked, count)
    return out if keepdims else xp.reshape(out, _drop(x.shape, axis))


def _keep_one(xp: Any, mask: Any, along: int, order: Any) -> None:
    """Clear ``mask`` (in place) along one axis but for its first True in ``order``: a pooling
    window's few positions, so a loop over them beats a cumulative sum."""
    taken = None
    for k in order:
        key = (*(slice(None),) * along, k, ...)  # the trailing ... as the array API asks
        if taken is None:
            taken = xp.asarray(mask[key], copy=True)
            continue
        here = mask[key] & ~taken
        mask[key] = here
        taken = taken | here


def _drop(shape: tuple[int, ...], axis: tuple[int, ...] | None) -> tuple[int, ...]:
    if axis is None:
        return ()
    return tuple(n for i, n in enumerate(shape) if i not in axis)


def _lower_median(ctx: Any, x: Any) -> Any:
    """The lower median of all of ``x`` (nan if it holds a nan), with every axis kept."""
    xp = ctx.xp
    flat = xp.sort(xp.reshape(x, (-1,)))
    value = flat[(flat.shape[0] - 1) // 2]
    if ctx.backend.dtype_of(x).is_floating and bool(xp.isnan(flat[-1])):
        value = flat[-1]  # sorting puts nans last
    return xp.reshape(value, (1,) * x.ndim)
