"""The classification losses' options, as PyTorch has them: ``weight``, ``ignore_index``,
``label_smoothing`` and class-probability targets; the checks of class targets; PyTorch's
deprecated ``size_average``/``reduce``.

The plain call (no weight, no target equal to ``ignore_index``, no smoothing) takes the fused
operations of :mod:`tinygrad_edu.ops.nn_ops`; :func:`class_targets` says whether it may (the
bounds check it does anyway tells whether a target can be ``ignore_index``). With an option
the loss is composed here from differentiable operations (``log_softmax``, ``gather``,
indexing, ``where``), so its gradient is right by construction. PyTorch's formulas, for a
target t_i of the input's row i (log-probabilities l, class weights w, smoothing e, C classes)::

    loss_i = (1 - e) w[t_i] (-l[i, t_i]) + (e / C) sum_c w[c] (-l[i, c])   (0 where ignored)
    mean   = sum_i loss_i / sum_i w[t_i]   (over the targets not ignored: nan if none is left)

Examples:
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.nn import functional as F
    >>> logits = tg.Tensor([[2.0, 0.0], [0.0, 2.0]])
    >>> F.cross_entropy(logits, tg.tensor([0, -100])).item() == F.cross_entropy(
    ...     logits[:1], tg.tensor([0])).item()
    True
    >>> round(F.cross_entropy(logits, tg.tensor([0, 1]), label_smoothing=0.2).item(), 4)
    0.3269
"""

from __future__ import annotations

from typing import Any

from ..backends.base import ignore_float_errors
from ..dtypes import bool_, int64
from ..functional import where
from ..tensor import Tensor

REDUCTIONS = ("mean", "sum", "none")


def legacy_reduction(name: str, size_average: Any, reduce: Any, reduction: str) -> str:
    """``reduction``, or a TypeError naming the ``reduction=`` that PyTorch's deprecated
    ``size_average``/``reduce`` stand for (they are refused here, not mapped)."""
    if size_average is None and reduce is None:
        return reduction
    for value in (size_average, reduce):
        if isinstance(value, str):  # a reduction passed where PyTorch has size_average/reduce
            raise TypeError(f"{name}: got {value!r} for size_average or reduce; as in PyTorch, "
                            f"reduction comes after them: pass reduction={value!r} as a keyword")
    average = True if size_average is None else bool(size_average)
    meant = "none" if reduce is not None and not reduce else ("mean" if average else "sum")
    raise TypeError(
        f"{name}: size_average and reduce are PyTorch's deprecated arguments and are not "
        f"supported; pass reduction={meant!r} (what size_average={size_average!r}, "
        f"reduce={reduce!r} mean in PyTorch) as a keyword"
    )


def class_targets(op: str, inputs: Tensor, targets: Any, reduction: str,
                  ignore_index: int = -100) -> tuple[Any, bool | None]:
    """Check scores (N, C, ...) against class indices (N, ...): the targets' array, and
    whether no target can equal ``ignore_index`` (the fused path may then be taken); None
    where the backend forbids host reads now, so that their range is left unread (the fused
    loss then gives nan for a target out of range, see ``ops.nn_ops._unread_targets``).

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
    if backend.host_reads_forbidden:
        return array, None
    if array.size and _out_of_range(backend.xp, array, shape[1]):
        xp = backend.xp
        bad = xp.logical_and(xp.logical_or(array < 0, array >= shape[1]), array != ignore_index)
        if bool(xp.any(bad)):
            value = int(xp.max(xp.where(bad, array, xp.full_like(array, -(2**62)))))
            value = value if value >= shape[1] else int(xp.min(xp.where(bad, array, 0)))
            raise IndexError(
                f"{op}: target {value} is out of bounds: the input has {shape[1]} classes, so "
                f"targets must lie in 0..{shape[1] - 1} (or equal ignore_index={ignore_index})."
            )
        return array, False  # some targets are ignore_index
    return array, not 0 <= ignore_index < shape[1]


def one_sample(inputs: Any, targets: Any) -> tuple[Tensor, Tensor] | None:
    """Scores (C,) of one unbatched sample, with a class () or probabilities (C,), as a batch
    of one (PyTorch takes them so); None for anything else, which the usual checks judge."""
    if not isinstance(inputs, Tensor) or inputs.ndim != 1:
        return None
    if not isinstance(targets, Tensor):
        targets = Tensor(targets, backend=inputs.backend)
    if targets.ndim == 0 or (targets.dtype.is_floating and targets.shape == inputs.shape):
        return inputs.unsqueeze(0), targets.unsqueeze(0)
    return None


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
        probabilities = (" Class probabilities as targets must have the input's shape "
                         f"{tuple(inputs.shape)} and dtype {inputs.dtype.name}."
                         if op == "cross_entropy" else "")
        raise TypeError(
            f"{op}: targets must be class indices (int64), got {targets.dtype.name}; pass "
            f"class indices as int64: {hint}.{probabilities}"
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


def check_options(op: str, inputs: Tensor, weight: Any, label_smoothing: float,
                  probability_ignore_index: int = -100) -> None:
    """A clear error for a ``weight`` that is not one number per class of the input's dtype
    and backend, a ``label_smoothing`` outside [0, 1], or an ``ignore_index`` given with
    class-probability targets (``probability_ignore_index``; PyTorch refuses it too)."""
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must lie in [0, 1], got {label_smoothing}")
    if probability_ignore_index != -100:
        raise ValueError(f"{op}: ignore_index applies to class-index targets only; these "
                         "targets are class probabilities (give an ignored row zeros instead)")
    if weight is None:
        return
    if not isinstance(weight, Tensor):
        raise TypeError(f"{op}: weight must be a Tensor of one number per class, got "
                        f"{type(weight).__name__}; e.g. torch.tensor([1.0, 2.0, 0.5])")
    classes = inputs.shape[1] if inputs.ndim >= 2 else None
    if weight.ndim != 1 or (classes is not None and weight.shape[0] != classes):
        raise ValueError(f"{op}: weight must be 1-D with one number per class ({classes}), "
                         f"got shape {tuple(weight.shape)}")
    if weight.dtype is not inputs.dtype:
        raise TypeError(f"{op}: weight is {weight.dtype.name} and the input "
                        f"{inputs.dtype.name}; they must match (as in PyTorch): "
                        f"weight.to({inputs.dtype.name!r}) or the input's conversion")
    if weight.backend is not inputs.backend:
        raise RuntimeError(f"{op}: weight lives on backend {weight.backend.name!r} and the "
                           f"input on {inputs.backend.name!r}; move it: "
                           f"weight.to({inputs.backend.name!r})")


def class_loss(log_probs: Tensor, array: Any, weight: Tensor | None, ignore_index: int,
               reduction: str, label_smoothing: float = 0.0) -> Tensor:
    """The loss of log-probabilities (N, C, ...) against class indices ``array`` (N, ...),
    with PyTorch's weight, ignore_index and label smoothing (formulas: the module's doc)."""
    backend, xp = log_probs.backend, log_probs.backend.xp
    classes = log_probs.shape[1]
    kept = array != ignore_index
    safe = Tensor._from_data(xp.where(kept, array, xp.zeros_like(array)), backend)
    keep = Tensor._from_data(kept, backend)
    loss = -log_probs.gather(1, safe.unsqueeze(1)).squeeze(1)  # gather: no 0 * inf
    picked_weight = None if weight is None else weight[safe]
    if picked_weight is not None:
        loss = loss * picked_weight
    if label_smoothing:
        per_class = log_probs
        if weight is not None:
            per_class = per_class * weight.reshape(1, classes, *[1] * (log_probs.ndim - 2))
        smooth = -per_class.sum(1)
        loss = loss * (1.0 - label_smoothing) + smooth * (label_smoothing / classes)
    loss = where(keep, loss, 0.0)  # selection, not a product: an ignored nan stays out
    if reduction == "none":
        return loss
    total = loss.sum()
    if reduction == "sum":
        return total
    if picked_weight is None:
        count = Tensor._from_data(xp.sum(xp.astype(kept, log_probs._data.dtype)), backend)
        return _divide(total, count)
    return _divide(total, where(keep, picked_weight, 0.0).sum())


def probability_loss(log_probs: Tensor, target: Tensor, weight: Tensor | None,
                     reduction: str, label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy against class probabilities of the input's shape (PyTorch >= 1.10):
    loss_i = -sum_c w[c] q[i, c] l[i, c], q smoothed to q (1 - e) + e / C; "mean" divides
    by the number of rows (N times d1...), not by the weights."""
    classes = log_probs.shape[1]
    if label_smoothing:
        target = target * (1.0 - label_smoothing) + label_smoothing / classes
    product = log_probs * target
    if weight is not None:
        product = product * weight.reshape(1, classes, *[1] * (log_probs.ndim - 2))
    if reduction == "none":
        return -product.sum(1)
    total = -product.sum()
    if reduction == "sum":
        return total
    rows = log_probs.numel() // classes if classes else 0
    count = Tensor._from_data(
        log_probs.backend.xp.full((), float(rows), dtype=log_probs._data.dtype),
        log_probs.backend)
    return _divide(total, count)


def _divide(total: Tensor, count: Tensor) -> Tensor:
    """total / count, with 0 / 0 = nan (PyTorch's mean of nothing) and no NumPy warning, also
    in the backward: a constant count is inverted here, so the backward only multiplies."""
    with ignore_float_errors(total.backend.xp, divide="ignore", invalid="ignore"):
        if count.requires_grad:  # a weight that learns: its gradient goes through count
            return total / count
        return total * Tensor._from_data(1.0 / count._data, total.backend)


def float_target(x: Tensor, target: Tensor, name: str, same: bool) -> None:
    """PyTorch refuses an integer or bool target (and, for ``binary_cross_entropy``, any dtype
    but the input's): say so here too, rather than give a loss of another dtype."""
    if target.dtype == x.dtype or (target.dtype.is_floating and not same):
        return
    raise TypeError(
        f"{name}: the target is {target.dtype.name} but the input is {x.dtype.name}; PyTorch "
        f"refuses this too: convert the target first, target.float() (or "
        f"target.to(input.dtype))"
    )
