"""Fused operations for neural networks: a dense layer, the two classification losses, the
squared error and the binary cross-entropy.

Each could be composed from primitives (``x @ w.T + b`` is three recorded operations, a
cross-entropy five or more); as one Function each, a training step records fewer nodes, and the
loss can be computed in the one numerically stable way.

``backward`` has two paths. In the usual first-order case (``tg.is_grad_enabled()`` is False
while it runs) it works on raw arrays, reusing what ``forward`` saved. With
``create_graph=True`` it is written with Tensor operations, so that second derivatives work.

The inputs are checked by :mod:`tinygrad_edu.nn.functional`, the public entry point.
"""

from __future__ import annotations

import math
from typing import Any

from ..autograd import Function, is_grad_enabled
from ..backends.base import ignore_float_errors
from .elementwise import Where


def _fresh(like: Any, array: Any) -> Any:
    """``like.constant(array)`` for an array this backward has just made for one input alone:
    a leaf may keep it as its ``.grad`` without copying it (see ``Tensor._accumulate_grad``)."""
    out = like.constant(array)
    out._fresh = True
    return out


class Linear(Function):
    """y = x Wᵀ + b  (x: (..., in), W: (out, in), b: (out,));
    dy/dx: G W,  dy/dW: Gᵀ x,  dy/db: G summed over the leading axes

    Here G (..., out) is the gradient of y; for dW and db the leading axes of G and x are
    flattened into one batch axis, so dW = Σ_n G[n]ᵀ x[n]. The bias is optional."""

    @staticmethod
    def forward(ctx, x, weight, *bias):
        xp = ctx.xp
        ctx.save_for_backward(x, weight)
        out = xp.matmul(x, xp.permute_dims(weight, (1, 0)))
        if bias:
            out += bias[0]  # in place: the product is a new array nobody else holds
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        out_features, in_features = weight.shape
        if is_grad_enabled():  # create_graph: recorded Tensor operations
            flat_grad = grad.reshape(-1, out_features)
            grad_x = grad @ weight if needs[0] else None
            grad_w = flat_grad.T @ x.reshape(-1, in_features) if needs[1] else None
            if len(needs) == 2:
                return grad_x, grad_w
            return grad_x, grad_w, (flat_grad.sum(0) if needs[2] else None)
        xp = ctx.xp
        g = grad._data
        rows = math.prod(g.shape[:-1])  # not -1 in the reshapes: a layer may have 0 features
        flat_grad = xp.reshape(g, (rows, out_features))
        grad_x = grad.constant(xp.matmul(g, weight._data)) if needs[0] else None
        grad_w = None
        if needs[1]:
            flat_x = xp.reshape(x._data, (rows, in_features))
            grad_w = _fresh(grad, xp.matmul(xp.permute_dims(flat_grad, (1, 0)), flat_x))
        if len(needs) == 2:
            return grad_x, grad_w
        grad_b = _fresh(grad, xp.sum(flat_grad, axis=0)) if needs[2] else None
        return grad_x, grad_w, grad_b


def _class_axis(xp: Any, targets: Any) -> Any:
    """Targets (N, d...) as (N, 1, d...): a class axis of size 1 at axis 1, as in the logits."""
    return xp.reshape(targets, (targets.shape[0], 1, *targets.shape[1:]))


def _one_hot(xp: Any, targets: Any, classes: int, like: Any) -> Any:
    """1.0 where the class axis (axis 1) equals the target, else 0.0, in ``like``'s dtype."""
    shape = [1] * (targets.ndim + 1)
    shape[1] = classes
    labels = xp.reshape(xp.arange(classes, dtype=targets.dtype), tuple(shape))
    return xp.astype(_class_axis(xp, targets) == labels, like.dtype)


def _picked(xp: Any, values: Any, targets: Any) -> Any:
    """values[n, targets[n, ...], ...]: each target class's entry, in the targets' shape."""
    if values.ndim == 2:  # the common case: integer indexing, faster than take_along_axis
        return values[xp.arange(values.shape[0]), targets]
    picked = xp.take_along_axis(values, _class_axis(xp, targets), axis=1)
    return xp.reshape(picked, targets.shape)


def _reduce(xp: Any, losses: Any, reduction: str) -> Any:
    """'none': the per-element losses; 'sum'; 'mean' (nan for an empty batch, as in PyTorch)."""
    if reduction == "none":
        return losses
    total = xp.sum(losses)
    if reduction == "sum":
        return total
    count = losses.size if losses.size is not None else 0
    if count == 0:
        return xp.full((), float("nan"), dtype=losses.dtype)
    return total / count


def _spread(xp: Any, grad: Any, shape: tuple[int, ...], reduction: str) -> Any:
    """The gradient of each per-element loss (``grad`` is that of the reduced loss), with a
    class axis of size 1 inserted at axis 1 so that it broadcasts against the logits.

    ``grad`` may be a Tensor (recorded operations) or a raw array (``xp`` is then used)."""
    if reduction == "none":
        return grad.unsqueeze(1) if xp is None else _class_axis(xp, grad)
    count = 1
    for n in shape:
        count *= n
    scale = grad / max(count, 1) if reduction == "mean" else grad  # empty: nothing to scale
    ones = (1,) * (len(shape) + 1)
    return scale.reshape(ones) if xp is None else xp.reshape(scale, ones)


class CrossEntropy(Function):
    """loss_n = logsumexp_c(x[n, c]) - x[n, t_n]   (x: logits (N, C, ...), t: class indices);
    d loss_n / d x[n, c] = softmax(x[n])_c - [c == t_n]

    Computed as log Σ_c exp(x_c - m) - (x_t - m) with m = max_c x_c: the shift m is kept
    apart and never added back, so logits of any size (1e8) give exact losses, no overflow and
    no cancellation. ``reduction`` is 'mean' (over N and the extra axes), 'sum' or 'none'."""

    @staticmethod
    def forward(ctx, logits, targets=None, reduction="mean", ignore_index=None):
        xp = ctx.xp
        masks = None
        if ignore_index is not None:  # targets never read on the host: see _unread_targets
            masks, targets = _unread_targets(xp, targets, logits.shape[1], ignore_index,
                                             logits.dtype)
        peak = xp.max(logits, axis=1, keepdims=True)
        shifted = logits - peak  # an infinite logit gives nan, as in PyTorch
        exps = xp.exp(shifted)
        totals = xp.sum(exps, axis=1, keepdims=True)
        losses = xp.reshape(xp.log(totals), targets.shape) - _picked(xp, shifted, targets)
        count = None
        if masks is not None:
            # 0 where ignored (selected, not multiplied: an ignored nan stays out), nan where
            # out of range
            losses = xp.where(masks != 0, losses * masks, xp.zeros_like(losses))
            count = xp.sum(xp.astype(masks != 0, losses.dtype))  # the targets not ignored
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(logits)
            ctx.targets, ctx.reduction = targets, reduction
            ctx.probabilities = exps / totals
            ctx.masks, ctx.count = masks, count
        if count is not None and reduction == "mean":
            with ignore_float_errors(xp):  # none kept: 0 / 0 = nan, as PyTorch
                return xp.sum(losses) / count  # over the targets kept
        return _reduce(xp, losses, reduction)

    @staticmethod
    def backward(ctx, grad):
        (logits,) = ctx.saved_tensors
        xp, targets = ctx.xp, ctx.targets
        shape = tuple(targets.shape)
        factor = None  # unread targets: each loss's weight (1, 0 or nan), the mean's count
        if ctx.masks is not None:
            factor = _class_axis(xp, ctx.masks)
            if ctx.reduction == "mean":  # _spread divides by every target; only kept count
                with ignore_float_errors(xp):  # (none kept: a nan factor, nothing to scale)
                    factor = factor * (max(math.prod(shape), 1) / ctx.count)
        if is_grad_enabled():  # create_graph: recorded, so it can be differentiated again
            one_hot = _one_hot(xp, targets, logits.shape[1], logits._data)
            softmax = logits.log_softmax(1).exp()
            per_loss = _spread(None, grad, shape, ctx.reduction)
            if factor is not None:
                per_loss = per_loss * logits.constant(factor)
            return (softmax - logits.constant(one_hot)) * per_loss
        per_loss = _spread(xp, grad._data, shape, ctx.reduction)
        probabilities = ctx.probabilities
        if factor is not None:
            per_loss = per_loss * factor
        if probabilities.ndim != 2 or ctx.backend.device_reads_wait or factor is not None:
            # (a device: no indexing, whose bounds checks would wait for the device)
            one_hot = _one_hot(xp, targets, logits.shape[1], logits._data)
            # (an ignored row of nan logits: nan * 0 = nan, as PyTorch's gradient there)
            return grad.constant((probabilities - one_hot) * per_loss)
        # (softmax - one_hot) * per_loss without making the one-hot: the product everywhere,
        # then the N target entries redone as (p - 1) * per_loss (the same numbers, bit for bit).
        backend = ctx.backend
        at_targets = (xp.arange(shape[0], dtype=targets.dtype), targets)
        picked = backend.getitem(probabilities, at_targets)
        out = probabilities * per_loss
        backend.setitem(out, at_targets, (picked - 1.0) * xp.reshape(per_loss, (-1,)))
        return grad.constant(out)


def _unread_targets(xp: Any, targets: Any, classes: int, ignore_index: int,
                    dtype: Any) -> tuple[Any, Any]:
    """Targets that were not checked on the host (a GPU recording a CUDA graph, where a read
    cannot happen): each loss's mask, 1.0 for a target in 0..classes-1, 0.0 for ignore_index
    and nan for any other (the loss is nan then: never a wrong number), and the targets with
    each masked one replaced by class 0, so the step reads no memory outside the logits."""
    inside = xp.logical_and(targets >= 0, targets < classes)
    masks = xp.where(inside, xp.ones(targets.shape, dtype=dtype),
                     xp.full(targets.shape, float("nan"), dtype=dtype))
    masks = xp.where(targets == ignore_index, xp.zeros(targets.shape, dtype=dtype), masks)
    return masks, xp.where(inside, targets, xp.zeros_like(targets))


class NLLLoss(Function):
    """loss_n = -x[n, t_n]   (x: log-probabilities (N, C, ...), t: class indices);
    d loss_n / d x[n, c] = -[c == t_n]"""

    @staticmethod
    def forward(ctx, log_probs, targets=None, reduction="mean"):
        xp = ctx.xp
        picked = _picked(xp, log_probs, targets)
        if ctx.needs_input_grad[0]:
            ctx.targets, ctx.reduction, ctx.classes = targets, reduction, log_probs.shape[1]
        return _reduce(xp, -picked, reduction)

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        one_hot = _one_hot(xp, ctx.targets, ctx.classes, grad._data)
        # Linear in the log-probabilities: the gradient depends on grad only, so this one
        # path (Tensor operations) serves both first and second order.
        per_loss = _spread(None, grad, tuple(ctx.targets.shape), ctx.reduction)
        return grad.constant(-one_hot) * per_loss


class MseLoss(Function):
    """loss = (x - t)², summed, averaged over all n elements ("mean") or kept ("none");
    d loss / dx = 2 (x - t) G  (G / n for "mean"),  d loss / dt = -d loss / dx"""

    @staticmethod
    def forward(ctx, x, target, reduction="mean"):
        ctx.reduction = reduction
        difference = x - target
        if any(ctx.needs_input_grad):
            ctx.save_for_backward(x, target)
            ctx.difference = difference  # kept, not recomputed: one array of x's size
        return _reduce(ctx.xp, difference * difference, reduction)

    @staticmethod
    def backward(ctx, grad):
        x, target = ctx.saved_tensors
        needs = ctx.needs_input_grad
        if is_grad_enabled():  # create_graph: Tensor operations, differentiable again
            if ctx.reduction == "mean":
                grad = grad / max(x.numel(), 1)
            scaled = (x - target) * (grad * 2.0)
            return scaled if needs[0] else None, -scaled if needs[1] else None
        g = grad._data
        if ctx.reduction == "mean":
            g = g / max(x.numel(), 1)
        scaled = ctx.difference * (g * 2.0)
        return (_fresh(grad, scaled) if needs[0] else None,
                _fresh(grad, -scaled) if needs[1] else None)


_FLOOR = 9.999999960041972e-13  # PyTorch's 1e-12 of p (1 - p), a float32 even for float64


class BinaryCrossEntropy(Function):
    """loss = -w (y max(log p, -100) + (1 - y) max(log(1 - p), -100))   (p: probabilities,
    y: targets in [0, 1], weight w);
    d loss / dp = w (p - y) / max(p (1 - p), 1e-12),
    d loss / dy = w (log(1 - p) - log p)   (not clamped: +-inf at p = 0 or 1, as PyTorch's)

    PyTorch's formulas, its edges included: at p = 0 or 1 the loss is 100 and the gradient
    +-1e12, finite, so a sigmoid that saturated to exactly 1.0 in float32 before it still
    trains (the chain rule multiplies 1e12 by the sigmoid's 0; a composed log would give
    0 / 0 = nan there)."""

    @staticmethod
    def forward(ctx, p, target, weight=None, reduction="mean"):
        xp = ctx.xp
        ctx.save_for_backward(p, target)
        ctx.weight, ctx.reduction = weight, reduction
        with ignore_float_errors(xp, divide="ignore"):  # log(0): the clamp below is meant
            log_p, log_q = xp.log(p), xp.log(1 - p)
        loss = -(target * xp.maximum(log_p, -100) + (1 - target) * xp.maximum(log_q, -100))
        return _reduce(xp, loss if weight is None else loss * weight, reduction)

    @staticmethod
    def backward(ctx, grad):
        p, target = ctx.saved_tensors
        if ctx.reduction == "mean":
            grad = grad / max(p.numel(), 1)
        if ctx.weight is not None:
            grad = grad * p.constant(ctx.weight)
        needs = ctx.needs_input_grad  # Tensor operations: first and second order alike
        grad_p = grad * (p - target) / (p * (1 - p)).clamp(min=_FLOOR) if needs[0] else None
        grad_target = None
        if needs[1]:
            with ignore_float_errors(ctx.xp, divide="ignore"):  # +-inf at p = 0 or 1 is meant
                grad_target = grad * ((1 - p).log() - p.log())
        return grad_p, grad_target


class BinaryCrossEntropyWithLogits(Function):
    """loss = p y softplus(-x) + (1 - y) softplus(x)   (x: logits, y: targets in [0, 1],
    p: pos_weight, times weight w; softplus(z) = log(1 + exp(z)));
    d loss / dx = w ((1 - y) sigmoid(x) - p y sigmoid(-x)),
    d loss / dy = w (p softplus(-x) - softplus(x))

    softplus(-x) = log(1 + exp(-|x|)) + max(-x, 0): no overflow for any x."""

    @staticmethod
    def forward(ctx, x, target, weight=None, pos_weight=None, reduction="mean"):
        xp = ctx.xp
        ctx.save_for_backward(x, target)
        ctx.weight, ctx.pos_weight, ctx.reduction = weight, pos_weight, reduction
        negative_part = xp.where(x < 0, -x, xp.zeros_like(x))
        softplus_neg = xp.log1p(xp.exp(-xp.abs(x))) + negative_part
        positive = target * softplus_neg if pos_weight is None else target * pos_weight * \
            softplus_neg
        loss = positive + (1 - target) * (softplus_neg + x)
        return _reduce(xp, loss if weight is None else loss * weight, reduction)

    @staticmethod
    def backward(ctx, grad):
        x, target = ctx.saved_tensors
        if ctx.reduction == "mean":
            grad = grad / max(x.numel(), 1)
        if ctx.weight is not None:
            grad = grad * x.constant(ctx.weight)
        pos_weight = 1.0 if ctx.pos_weight is None else x.constant(ctx.pos_weight)
        # Tensor operations: the same code serves first and second order.
        needs = ctx.needs_input_grad
        grad_x = grad_target = None
        if needs[0]:
            grad_x = grad * ((1 - target) * x.sigmoid() - pos_weight * target * (-x).sigmoid())
        if needs[1] and ctx.pos_weight is None:  # softplus(-x) - softplus(x) = -x exactly
            grad_target = grad * -x  # (as PyTorch: finite for any finite x, -inf at x = inf)
        elif needs[1]:  # PyTorch's log σ(-x) - p log σ(x)
            grad_target = grad * (_log_sigmoid(-x) - pos_weight * _log_sigmoid(x))
        return grad_x, grad_target


def _log_sigmoid(x: Any) -> Any:
    """log σ(x), finite for any finite x (log σ(-1e4) is not log 0): x - log(1 + e^x) below 0,
    -log(1 + e^-x) above, each branch fed only its own side (nothing overflows unused)."""
    negative = x < 0
    zero = x.constant(0.0)
    below = Where.apply(negative, x, zero)
    above = Where.apply(negative, zero, x)
    return Where.apply(negative, below - below.exp().log1p(), -(-above).exp().log1p())
