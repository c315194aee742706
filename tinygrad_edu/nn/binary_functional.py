"""The binary cross-entropy losses, part of :mod:`tinygrad_edu.nn.functional` (``F``): of
probabilities (``binary_cross_entropy``) and, stable for any input, of logits
(``binary_cross_entropy_with_logits``). Their derivatives are the docstrings of
:class:`~tinygrad_edu.ops.nn_ops.BinaryCrossEntropy` and ``BinaryCrossEntropyWithLogits``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..ops.nn_ops import BinaryCrossEntropy, BinaryCrossEntropyWithLogits
from ..tensor import Tensor
from .loss_options import REDUCTIONS
from .loss_options import float_target as _float_target
from .loss_options import legacy_reduction as _legacy

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits"]


def _same_shape(x: Tensor, target: Any, name: str) -> Tensor:
    if not isinstance(target, Tensor):
        target = Tensor(target, dtype=x.dtype, backend=x.backend)
    if x.shape != target.shape:
        raise ValueError(
            f"{name}: input of shape {tuple(x.shape)} and target of shape "
            f"{tuple(target.shape)} differ; they must be equal (as PyTorch requires)."
        )
    return target


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor | ArrayLike,
                                     weight: Tensor | None = None, size_average: Any = None,
                                     reduce: Any = None, reduction: str = "mean",
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
    x, name = input, "binary_cross_entropy_with_logits"
    reduction = _legacy(name, size_average, reduce, reduction)
    target = _same_shape(x, target, name)
    _float_target(x, target, name, same=False)
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
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


def binary_cross_entropy(input: Tensor, target: Tensor | ArrayLike,
                         weight: Tensor | None = None, size_average: Any = None,
                         reduce: Any = None, reduction: str = "mean") -> Tensor:
    """-(target * log(p) + (1 - target) * log(1 - p)), each log clamped at -100 as in PyTorch
    (so p = 0 or 1 gives a large finite loss, not inf), with PyTorch's gradient (finite there
    too: see :class:`~tinygrad_edu.ops.nn_ops.BinaryCrossEntropy`). Prefer
    :func:`binary_cross_entropy_with_logits` on the logits: it is stable.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> round(F.binary_cross_entropy(tg.Tensor([0.5]), tg.Tensor([1.0])).item(), 4)
        0.6931
    """
    name = "binary_cross_entropy"
    reduction = _legacy(name, size_average, reduce, reduction)
    target = _same_shape(input, target, name)
    _float_target(input, target, name, same=True)
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {REDUCTIONS}, got {reduction!r}")
    weights = None if weight is None else _broadcast_array(weight, input, tuple(input.shape),
                                                           name)
    return BinaryCrossEntropy.apply(input, target, weight=weights, reduction=reduction)
