"""Neural-network functions without state, with PyTorch's names: ``import ... as F``.

Layers (:mod:`tinygrad_edu.nn`) hold the weights and call these. ``linear``, ``cross_entropy``
and ``nll_loss`` are each one differentiable operation (see :mod:`tinygrad_edu.ops.nn_ops`):
the derivatives are the docstrings of those classes.

Examples:
    >>> import tinygrad_edu as tg
    >>> import tinygrad_edu.nn.functional as F
    >>> logits = tg.Tensor([[2.0, 0.0], [0.0, 2.0]], requires_grad=True)
    >>> loss = F.cross_entropy(logits, tg.Tensor([0, 1]))
    >>> round(loss.item(), 4)
    0.1269
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..dtypes import bool_, int64
from ..ops.nn_ops import BinaryCrossEntropyWithLogits, CrossEntropy, Linear, MseLoss, NLLLoss
from ..tensor import Tensor

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

REDUCTIONS = ("mean", "sum", "none")


def relu(x: Tensor) -> Tensor:
    """max(x, 0), elementwise (relu'(0) = 0)."""
    return x.relu()


def sigmoid(x: Tensor) -> Tensor:
    """1 / (1 + exp(-x)), elementwise."""
    return x.sigmoid()


def tanh(x: Tensor) -> Tensor:
    """The hyperbolic tangent, elementwise."""
    return x.tanh()


def softmax(x: Tensor, dim: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``: scores to probabilities (stable for large scores).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> F.softmax(tg.Tensor([0.0, 0.0]), dim=0).tolist()
        [0.5, 0.5]
    """
    return x.softmax(dim)


def log_softmax(x: Tensor, dim: int = -1) -> Tensor:
    """x - logsumexp(x) along ``dim``: log-probabilities, stable for large scores."""
    return x.log_softmax(dim)


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x Wᵀ + b, as one operation: ``x`` (..., in), ``weight`` (out, in), ``bias`` (out,).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> x = tg.Tensor([[1.0, 2.0]])
        >>> F.linear(x, tg.Tensor([[1.0, 1.0], [0.0, 1.0]]), tg.Tensor([0.5, 0.0])).tolist()
        [[3.5, 2.0]]
    """
    x_data, w_data = x._data, weight._data
    if (
        x_data.ndim == 0
        or w_data.ndim != 2
        or x_data.shape[-1] != w_data.shape[1]
        or x_data.dtype != w_data.dtype
        or not weight.dtype.is_floating
        or (bias is not None and (
            tuple(bias._data.shape) != (w_data.shape[0],) or bias._data.dtype != w_data.dtype
        ))
    ):
        _explain_bad_linear(x, weight, bias)
    if bias is None:
        return Linear.apply(x, weight)
    return Linear.apply(x, weight, bias)


def _explain_bad_linear(x: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    """Raise the error that says which operand of ``linear`` does not fit, and how."""
    if x.ndim == 0 or weight.ndim != 2 or x.shape[-1] != weight.shape[1]:
        raise ValueError(
            f"linear: input of shape {x.shape} does not fit weight of shape {weight.shape}: "
            "the weight must be (out_features, in_features) and the input's last dimension "
            "in_features."
        )
    if bias is not None and bias.shape != (weight.shape[0],):
        raise ValueError(
            f"linear: bias of shape {bias.shape} does not fit weight of shape {weight.shape}; "
            f"it must be ({weight.shape[0]},), one number per output feature."
        )
    operands = (x, weight) if bias is None else (x, weight, bias)
    names = ", ".join(
        f"{what} {t.dtype.name}" for what, t in zip(("input", "weight", "bias"), operands,
                                                      strict=False)
    )
    raise TypeError(
        f"linear: the operands must share one floating dtype, got {names}; convert the "
        "input to the weight's dtype, e.g. x.float() for a float32 layer."
    )


def _class_targets(op: str, inputs: Tensor, targets: Any, reduction: str) -> Any:
    """Check scores (N, C, ...) against class indices (N, ...) and return the targets' array.

    The checks that pass on every training step are kept few and cheap; the detailed error
    messages are worked out only when one fails."""
    if not isinstance(targets, Tensor):
        targets = Tensor(targets, backend=inputs.backend)
    backend, array, shape = inputs.backend, targets._data, inputs._data.shape
    if (
        reduction not in REDUCTIONS
        or targets.backend is not backend
        or array.dtype != backend.native_dtype(int64)
        or not inputs.dtype.is_floating
        or len(shape) < 2
        or tuple(array.shape) != (shape[0], *shape[2:])
    ):
        _explain_bad_targets(op, inputs, targets, reduction)
    if array.size and _out_of_range(backend.xp, array, shape[1]):
        low, high = int(backend.xp.min(array)), int(backend.xp.max(array))
        raise IndexError(
            f"{op}: target {low if low < 0 else high} is out of bounds: the input has "
            f"{shape[1]} classes, so targets must lie in 0..{shape[1] - 1}."
        )
    return array


def _out_of_range(xp: Any, targets: Any, classes: int) -> bool:
    """Whether a target lies outside 0..classes-1: one pass over the targets (a maximum) where
    their int64 bits can be read as uint64, which puts every negative number above 2**63;
    else a minimum and a maximum (the array API standard has no such reinterpretation)."""
    if hasattr(targets, "view"):  # NumPy and CuPy arrays
        return bool(xp.max(targets.view(xp.uint64)) >= classes)
    return bool(xp.min(targets) < 0) or bool(xp.max(targets) >= classes)


def _explain_bad_targets(op: str, inputs: Tensor, targets: Tensor, reduction: str) -> None:
    """Raise the error that says what is wrong with the targets (or the input, or reduction)."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if targets.backend is not inputs.backend:
        raise RuntimeError(
            f"{op}: the input lives on backend {inputs.backend.name!r} and the targets on "
            f"{targets.backend.name!r}; move the targets: targets.to({inputs.backend.name!r})"
        )
    if targets.dtype is not int64:
        hint = "targets.long()" if targets.dtype is not bool_ else "targets.long() (0 and 1)"
        raise TypeError(
            f"{op}: targets must be class indices (int64), got {targets.dtype.name}; pass "
            f"class indices as int64: {hint}. (Class probabilities as targets are not "
            "supported.)"
        )
    if not inputs.dtype.is_floating:
        raise TypeError(f"{op}: the input is {inputs.dtype.name}; it must be float: x.float()")
    if inputs.ndim > 2:
        wanted = f"({inputs.shape[0]}, {', '.join(map(str, inputs.shape[2:]))})"
    else:
        wanted = f"({inputs.shape[0]},)" if inputs.ndim == 2 else "(N,)"
    raise ValueError(
        f"{op}: input of shape {inputs.shape} and targets of shape {targets.shape} do not "
        f"match: the input must be (N, C) or (N, C, d1, ...), with C classes on axis 1, "
        f"and the targets then {wanted}, one class index per row."
    )


def cross_entropy(logits: Tensor, targets: Tensor, reduction: str = "mean") -> Tensor:
    """The cross-entropy of softmax(logits) and the true classes: -log softmax(logits)[target].

    One fused, numerically stable operation (see :class:`~tinygrad_edu.ops.nn_ops.CrossEntropy`).

    Args:
        logits: raw scores, (N, C) or (N, C, d1, ...), C classes on axis 1.
        targets: int64 class indices in 0..C-1, (N,) or (N, d1, ...).
        reduction: "mean" (over every target; nan for an empty batch, as in PyTorch), "sum"
            or "none" (one loss per target).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> logits = tg.Tensor([[1e8, 0.0]])
        >>> F.cross_entropy(logits, tg.Tensor([1])).item()
        100000000.0
    """
    array = _class_targets("cross_entropy", logits, targets, reduction)
    return CrossEntropy.apply(logits, targets=array, reduction=reduction)


def nll_loss(log_probs: Tensor, targets: Tensor, reduction: str = "mean") -> Tensor:
    """The negative log-likelihood -log_probs[n, targets[n]], e.g. after ``log_softmax``.

    ``nll_loss(log_softmax(x, dim=1), t)`` equals ``cross_entropy(x, t)``; shapes and
    ``reduction`` as there.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> F.nll_loss(tg.Tensor([[-0.5, -1.0]]), tg.Tensor([1])).item()
        1.0
    """
    array = _class_targets("nll_loss", log_probs, targets, reduction)
    return NLLLoss.apply(log_probs, targets=array, reduction=reduction)


def mse_loss(x: Tensor, target: Tensor | ArrayLike, reduction: str = "mean") -> Tensor:
    """The squared error (x - target)², averaged ("mean"), summed ("sum") or not ("none").

    Unlike PyTorch (which warns and broadcasts) a shape mismatch is an error: predictions of
    shape (N, 1) against targets of shape (N,) would broadcast to (N, N), a classic silent bug.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> F.mse_loss(tg.Tensor([1.0, 3.0]), tg.Tensor([1.0, 1.0])).item()
        2.0
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"mse_loss: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if not isinstance(target, Tensor):
        target = Tensor(target, dtype=x.dtype, backend=x.backend)
    if x.shape != target.shape:
        raise ValueError(
            f"mse_loss: input of shape {tuple(x.shape)} and target of shape "
            f"{tuple(target.shape)} differ; they must be equal (reshape one, e.g. "
            "prediction.reshape(-1) or target.reshape(-1, 1))."
        )
    return MseLoss.apply(x, target, reduction=reduction)  # one node, as PyTorch's MseLoss


def _reduce(loss: Tensor, reduction: str, name: str) -> Tensor:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _same_shape(x: Tensor, target: Any, name: str) -> Tensor:
    if not isinstance(target, Tensor):
        target = Tensor(target, dtype=x.dtype, backend=x.backend)
    if x.shape != target.shape:
        raise ValueError(
            f"{name}: input of shape {tuple(x.shape)} and target of shape "
            f"{tuple(target.shape)} differ; they must be equal (as PyTorch requires)."
        )
    return target


def binary_cross_entropy_with_logits(x: Tensor, target: Tensor | ArrayLike,
                                     weight: Tensor | None = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """Binary cross-entropy of sigmoid(x) against targets in [0, 1], from the logits ``x``::

        loss = pos_weight * target * softplus(-x) + (1 - target) * softplus(x)

    (softplus(z) = log(1 + exp(z)) = -log sigmoid(-z)), stable for any x. Gradient with
    respect to x: ``sigmoid(x) - target`` (with pos_weight 1), times ``weight``.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> round(F.binary_cross_entropy_with_logits(tg.Tensor([0.0]), tg.Tensor([1.0])).item(), 4)
        0.6931
    """
    target = _same_shape(x, target, "binary_cross_entropy_with_logits")
    if reduction not in REDUCTIONS:
        raise ValueError(f"binary_cross_entropy_with_logits: reduction must be one of "
                         f"{REDUCTIONS}, got {reduction!r}")
    shape = tuple(x.shape)
    extras = {name: None if t is None else _broadcast_array(t, x, shape, name)
              for name, t in (("weight", weight), ("pos_weight", pos_weight))}
    return BinaryCrossEntropyWithLogits.apply(x, target, reduction=reduction, **extras)


def _broadcast_array(t: Any, x: Tensor, shape: tuple[int, ...], name: str) -> Any:
    """``weight`` or ``pos_weight`` as an array of ``x``'s backend and dtype, broadcast to
    ``shape`` (they are constants of the loss: no gradient flows to them here)."""
    if not isinstance(t, Tensor):
        t = Tensor(t, dtype=x.dtype, backend=x.backend)
    try:
        return t.detach().to(x.backend).astype(x.dtype).broadcast_to(shape)._data
    except ValueError:
        raise ValueError(
            f"binary_cross_entropy_with_logits: {name} of shape {tuple(t.shape)} does not "
            f"broadcast to the input's shape {shape}"
        ) from None


def binary_cross_entropy(probabilities: Tensor, target: Tensor | ArrayLike,
                         weight: Tensor | None = None, reduction: str = "mean") -> Tensor:
    """-(target * log(p) + (1 - target) * log(1 - p)), each log clamped at -100 as in PyTorch
    (so p = 0 or 1 gives a large finite loss, not inf). Prefer
    :func:`binary_cross_entropy_with_logits` on the logits: it is stable.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> round(F.binary_cross_entropy(tg.Tensor([0.5]), tg.Tensor([1.0])).item(), 4)
        0.6931
    """
    target = _same_shape(probabilities, target, "binary_cross_entropy")
    log_p = probabilities.log().clamp(min=-100.0)
    log_not_p = (1.0 - probabilities).log().clamp(min=-100.0)
    loss = -(target * log_p + (1.0 - target) * log_not_p)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction, "binary_cross_entropy")


def one_hot(classes: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices to rows of zeros with a 1 at each index, as ``torch.nn.functional.one_hot``:
    int64 of shape (*classes.shape, num_classes); ``num_classes=-1`` takes the largest index
    + 1. Not differentiable (indices have no gradient).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> F.one_hot(tg.tensor([2, 0]), 3).tolist()
        [[0, 0, 1], [1, 0, 0]]
    """
    if not isinstance(classes, Tensor) or classes.dtype != int64:  # type: ignore[redundant-expr]
        raise TypeError(
            "one_hot: expected an int64 Tensor of class indices, got "
            f"{getattr(classes, 'dtype', type(classes).__name__)}; convert with .long()"
        )
    xp = classes.backend.xp
    if num_classes == -1:
        if classes.numel() == 0:
            raise ValueError("one_hot: cannot infer num_classes of an empty tensor; pass it")
        num_classes = int(xp.max(classes._data)) + 1
    if classes.numel() and (int(xp.min(classes._data)) < 0
                            or int(xp.max(classes._data)) >= num_classes):
        raise ValueError(
            f"one_hot: class values must lie in [0, {num_classes}), got "
            f"{int(xp.min(classes._data))} .. {int(xp.max(classes._data))}"
        )
    positions = xp.arange(num_classes, dtype=classes._data.dtype)
    hits = xp.astype(classes._data[..., None] == positions, classes._data.dtype)
    return Tensor._from_data(hits, classes.backend)


def dropout(x: Tensor, p: float = 0.5, training: bool = True) -> Tensor:
    """Zero each element with probability ``p`` and scale the others by 1 / (1 - p), so the
    expected value stays ``x`` (inverted dropout). Identity when ``training`` is False.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> F.dropout(tg.ones(3), p=0.5, training=False).tolist()
        [1.0, 1.0, 1.0]
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p is a probability and must lie in [0, 1], got {p}")
    if not training or p == 0.0:
        return x
    xp = x.backend.xp
    if p == 1.0:
        return x * Tensor._from_data(xp.zeros((), dtype=x._data.dtype), x.backend)
    samples = x.backend.uniform(x.shape, x.dtype)
    keep = xp.astype(samples >= p, x._data.dtype) * (1.0 / (1.0 - p))
    return x * Tensor._from_data(keep, x.backend)


# Convolution, pooling and batch normalisation are written in their own file; they are part of
# this namespace, as in PyTorch's torch.nn.functional.
from .activation_functional import *  # noqa: E402, F403 (their __all__)
from .functional_extra import *  # noqa: E402, F403
from .pooling import (  # noqa: E402, F401
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
)
from .spatial_functional import avg_pool2d, batch_norm, conv2d, max_pool2d  # noqa: E402, F401
