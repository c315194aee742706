"""Neural-network functions without state, with PyTorch's names: ``import ... as F``.

Layers (:mod:`tinygrad_edu.nn`) hold the weights and call these. ``linear``, ``cross_entropy``
and ``nll_loss`` are each one differentiable operation (see :mod:`tinygrad_edu.ops.nn_ops`):
the derivatives are the docstrings of those classes. The losses' options (``weight``,
``ignore_index``, ``label_smoothing``) compose them instead (:mod:`.loss_options`).

Examples:
    >>> import tinygrad_edu as tg
    >>> import tinygrad_edu.nn.functional as F
    >>> logits = tg.Tensor([[2.0, 0.0], [0.0, 2.0]], requires_grad=True)
    >>> loss = F.cross_entropy(logits, tg.Tensor([0, 1]))
    >>> round(loss.item(), 4)
    0.1269
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from ..dtypes import int64
from ..ops.nn_ops import CrossEntropy, Linear, MseLoss, NLLLoss
from ..tensor import Tensor
from .activation_functional import in_place
from .loss_options import (
    REDUCTIONS,
    _divide,
    _out_of_range,
    check_options,
    class_loss,
    class_targets,
)
from .loss_options import legacy_reduction as _legacy
from .loss_options import one_sample as _one_sample
from .loss_options import probability_loss as _probability_loss

if TYPE_CHECKING:
    from numpy.typing import ArrayLike


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0), elementwise (relu'(0) = 0). ``inplace=True`` writes the result into
    ``input``, as PyTorch, where ``input`` is not recorded (see
    :func:`~tinygrad_edu.nn.activation_functional.in_place`)."""
    out = input.relu()
    return in_place(input, out, True) if inplace else out


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x)), elementwise."""
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    """The hyperbolic tangent, elementwise."""
    return input.tanh()


def _implicit_dim(name: str, x: Tensor, dim: int | None) -> int:
    """``dim``, or, when it is left out, PyTorch's old rule (0 for 0-, 1- and 3-D inputs, else
    1), with a warning as PyTorch gives: ``F.log_softmax(x)`` of an (N, C, H, W) batch is over
    the channels there, so it must be here too."""
    if dim is not None:
        return dim
    implicit = 0 if x.ndim in (0, 1, 3) else 1
    warnings.warn(f"{name}(x) without dim= uses PyTorch's old implicit rule, dim={implicit} "
                  f"for a {x.ndim}-D input; write {name}(x, dim={implicit})", UserWarning,
                  stacklevel=3)
    return implicit


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``: scores to probabilities (stable for large scores).
    Without ``dim``, PyTorch's old implicit choice, with a warning (see ``log_softmax``).
    ``dtype``: the input is converted to it first, as in PyTorch (``_stacklevel`` is
    PyTorch's too, kept so that ``dtype`` has its place; it is not used).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> F.softmax(tg.Tensor([0.0, 0.0]), dim=0).tolist()
        [0.5, 0.5]
    """
    dim = _implicit_dim("softmax", input, dim)
    return (input if dtype is None else input.to(dtype)).softmax(dim)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
                dtype: Any = None) -> Tensor:
    """x - logsumexp(x) along ``dim``: log-probabilities, stable for large scores. Without
    ``dim`` (older tutorials' ``F.log_softmax(x)``), PyTorch's implicit choice, which PyTorch
    warns about: 0 for 0-, 1- and 3-D inputs, else 1 (the classes of an (N, C) batch).
    ``dtype``: the input is converted to it first, as in PyTorch."""
    dim = _implicit_dim("log_softmax", input, dim)
    return (input if dtype is None else input.to(dtype)).log_softmax(dim)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3,
            dtype: Any = None) -> Tensor:
    """softmax(-x) along ``dim``: the smallest scores get the largest probabilities. Without
    ``dim``, PyTorch's old implicit choice, with a warning (see ``log_softmax``).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> F.softmin(tg.Tensor([0.0, 0.0]), dim=0).tolist()
        [0.5, 0.5]
    """
    dim = _implicit_dim("softmin", input, dim)
    return (-(input if dtype is None else input.to(dtype))).softmax(dim)


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """x Wᵀ + b, as one operation: ``x`` (..., in), ``weight`` (out, in), ``bias`` (out,).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> x = tg.Tensor([[1.0, 2.0]])
        >>> F.linear(x, tg.Tensor([[1.0, 1.0], [0.0, 1.0]]), tg.Tensor([0.5, 0.0])).tolist()
        [[3.5, 2.0]]
    """
    x_data, w_data = input._data, weight._data
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
        _explain_bad_linear(input, weight, bias)
    if bias is None:
        return Linear.apply(input, weight)
    return Linear.apply(input, weight, bias)


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


def cross_entropy(input: Tensor, target: Tensor | ArrayLike, weight: Tensor | None = None,
                  size_average: Any = None, ignore_index: int = -100, reduce: Any = None,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """The cross-entropy of softmax(input) and the true classes: -log softmax(input)[target].

    The plain call is one fused, numerically stable operation (see
    :class:`~tinygrad_edu.ops.nn_ops.CrossEntropy`); ``weight``, an ``ignore_index`` that
    occurs, ``label_smoothing`` or probability targets compose it from differentiable
    operations, with PyTorch's formulas (:mod:`~tinygrad_edu.nn.loss_options`).

    Args:
        input: raw scores (logits), (N, C) or (N, C, d1, ...), C classes on axis 1.
        target: int64 class indices in 0..C-1, (N,) or (N, d1, ...); or class probabilities
            of the input's shape and dtype.
        weight: one number per class (C,): "mean" is then sum(w[t] loss) / sum(w[t]).
        size_average, reduce: PyTorch's deprecated arguments: refused (the error names the
            ``reduction=`` they stand for).
        ignore_index: targets equal to it add 0 and leave the mean's denominator.
        reduction: "mean" (nan when no target is left, as in PyTorch), "sum" or "none".
        label_smoothing: e in [0, 1]: the target becomes (1 - e) one-hot + e / C.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> logits = tg.Tensor([[1e8, 0.0]])
        >>> F.cross_entropy(logits, tg.Tensor([1])).item()
        100000000.0
    """
    if size_average is not None or reduce is not None:  # refused: the error names reduction=
        _legacy("cross_entropy", size_average, reduce, reduction)
    if (batch := _one_sample(input, target)) is not None:  # (C,): a batch of one, as PyTorch
        loss = cross_entropy(*batch, weight, None, ignore_index, None, reduction, label_smoothing)
        return loss.squeeze(0) if reduction == "none" else loss
    if isinstance(target, Tensor) and target.dtype.is_floating and target.shape == input.shape:
        check_options("cross_entropy", input, weight, label_smoothing, ignore_index)
        if target.dtype is not input.dtype or reduction not in REDUCTIONS:
            class_targets("cross_entropy", input, target, reduction)  # raises the error
        return _probability_loss(input.log_softmax(1), target, weight, reduction,
                                 label_smoothing)
    array, plain = class_targets("cross_entropy", input, target, reduction, ignore_index)
    if plain is not False and weight is None and not label_smoothing:  # None: range unread
        unread = None if plain else ignore_index
        return CrossEntropy.apply(input, targets=array, reduction=reduction, ignore_index=unread)
    check_options("cross_entropy", input, weight, label_smoothing)
    return class_loss(input.log_softmax(1), array, weight, ignore_index, reduction,
                      label_smoothing)


def nll_loss(input: Tensor, target: Tensor | ArrayLike, weight: Tensor | None = None,
             size_average: Any = None, ignore_index: int = -100, reduce: Any = None,
             reduction: str = "mean") -> Tensor:
    """The negative log-likelihood -input[n, target[n]], e.g. after ``log_softmax``.

    ``nll_loss(log_softmax(x, dim=1), t)`` equals ``cross_entropy(x, t)``; shapes,
    ``weight``, ``ignore_index`` and ``reduction`` as there.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> F.nll_loss(tg.Tensor([[-0.5, -1.0]]), tg.Tensor([1])).item()
        1.0
    """
    if size_average is not None or reduce is not None:  # refused: the error names reduction=
        _legacy("nll_loss", size_average, reduce, reduction)
    if (batch := _one_sample(input, target)) is not None:  # (C,): a batch of one, as PyTorch
        loss = nll_loss(*batch, weight, None, ignore_index, None, reduction)
        return loss.squeeze(0) if reduction == "none" else loss
    array, plain = class_targets("nll_loss", input, target, reduction, ignore_index)
    if plain and weight is None:
        return NLLLoss.apply(input, targets=array, reduction=reduction)
    check_options("nll_loss", input, weight, 0.0)
    return class_loss(input, array, weight, ignore_index, reduction)


def mse_loss(input: Tensor, target: Tensor | ArrayLike, size_average: Any = None,
             reduce: Any = None, reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """The squared error (x - target)², averaged ("mean"), summed ("sum") or not ("none").

    Unlike PyTorch (which warns and broadcasts) a shape mismatch is an error: predictions of
    shape (N, 1) against targets of shape (N,) would broadcast to (N, N), a classic silent bug.
    ``weight`` (the input's shape) scales each error; "mean" is then sum(w e²) / sum(w).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> F.mse_loss(tg.Tensor([1.0, 3.0]), tg.Tensor([1.0, 1.0])).item()
        2.0
    """
    x, reduction = input, _legacy("mse_loss", size_average, reduce, reduction)
    if reduction not in REDUCTIONS:
        raise ValueError(f"mse_loss: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if not isinstance(target, Tensor):
        target = Tensor(target, dtype=x.dtype, backend=x.backend)
    elif not target.dtype.is_floating and x.dtype.is_floating:
        target = target.to(x.dtype)  # PyTorch's promotion: float32 and int64 give float32
    if x.shape != target.shape:
        raise ValueError(
            f"mse_loss: input of shape {tuple(x.shape)} and target of shape "
            f"{tuple(target.shape)} differ; they must be equal (reshape one, e.g. "
            "prediction.reshape(-1) or target.reshape(-1, 1))."
        )
    if weight is not None and weight.shape != x.shape:
        raise ValueError(f"mse_loss: weight of shape {tuple(weight.shape)} must have the "
                         f"input's shape {tuple(x.shape)} (as in PyTorch)")
    if weight is not None:  # PyTorch's weighted mean: sum(w e²) / sum(w)
        weighted = (x - target).square() * weight
        return _divide(weighted.sum(), weight.sum()) if reduction == "mean" else _reduce(
            weighted, reduction, "mse_loss")
    return MseLoss.apply(x, target, reduction=reduction)  # one node, as PyTorch's MseLoss


def _reduce(loss: Tensor, reduction: str, name: str) -> Tensor:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def one_hot(input: Tensor, num_classes: int = -1) -> Tensor:
    """Class indices to rows of zeros with a 1 at each index, as ``torch.nn.functional.one_hot``:
    int64 of shape (*classes.shape, num_classes); ``num_classes=-1`` takes the largest index
    + 1. Not differentiable (indices have no gradient).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> F.one_hot(tg.tensor([2, 0]), 3).tolist()
        [[0, 0, 1], [1, 0, 0]]
    """
    if not isinstance(input, Tensor) or input.dtype != int64:  # type: ignore[redundant-expr]
        raise TypeError(
            "one_hot: expected an int64 Tensor of class indices, got "
            f"{getattr(input, 'dtype', type(input).__name__)}; convert with .long()"
        )
    xp = input.backend.xp
    if num_classes == -1:
        if input.numel() == 0:
            raise ValueError("one_hot: cannot infer num_classes of an empty tensor; pass it")
        num_classes = int(xp.max(input._data)) + 1
    # One boolean read (a replay checks the same question, not the values of min and max).
    if input.numel() and _out_of_range(xp, input._data, num_classes):
        raise ValueError(
            f"one_hot: class values must lie in [0, {num_classes}), got "
            f"{int(xp.min(input._data))} .. {int(xp.max(input._data))}"
        )
    positions = xp.arange(num_classes, dtype=input._data.dtype)
    hits = xp.astype(input._data[..., None] == positions, input._data.dtype)
    return Tensor._from_data(hits, input.backend)


# Convolution, pooling, batch normalisation, the activations and the binary losses are written
# in their own files; they are part of this namespace, as in PyTorch's torch.nn.functional.
from .activation_functional import *  # noqa: E402, F403 (their __all__)
from .attention_functional import scaled_dot_product_attention  # noqa: E402, F401
from .binary_functional import *  # noqa: E402, F403
from .dropout_functional import dropout as dropout  # noqa: E402
from .functional_extra import *  # noqa: E402, F403
from .norm_functional import batch_norm  # noqa: E402, F401
from .norm_more import group_norm, instance_norm, rms_norm  # noqa: E402, F401
from .one_d import avg_pool1d, conv1d, max_pool1d  # noqa: E402, F401
from .pooling import (  # noqa: E402, F401
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
)
from .spatial_functional import (  # noqa: E402, F401
    avg_pool2d,
    conv2d,
    fold,
    max_pool2d,
    unfold,
)
