"""Losses as modules: ``criterion = nn.CrossEntropyLoss(); loss = criterion(logits, targets)``.

Each holds only its ``reduction`` and calls the function of the same name in
:mod:`tinygrad_edu.nn.functional`, where the formulas are.

Examples:
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu import nn
    >>> criterion = nn.MSELoss(reduction="sum")
    >>> criterion(tg.Tensor([1.0, 2.0]), tg.Tensor([0.0, 0.0])).item()
    5.0
"""

from __future__ import annotations

from ..tensor import Tensor
from . import functional as F
from .module import Module


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in F.REDUCTIONS:
            raise ValueError(
                f"{type(self).__name__}: reduction must be one of {F.REDUCTIONS}, got "
                f"{reduction!r}"
            )
        self.reduction = reduction

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class CrossEntropyLoss(_Loss):
    """Cross-entropy of softmax(logits) against class indices: logits (N, C) or
    (N, C, d1, ...), int64 targets (N,) or (N, d1, ...). See
    :func:`~tinygrad_edu.nn.functional.cross_entropy`."""

    def forward(self, logits: Tensor, targets: Tensor) -> Tensor:
        return F.cross_entropy(logits, targets, reduction=self.reduction)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (after ``log_softmax``) against class
    indices. See :func:`~tinygrad_edu.nn.functional.nll_loss`."""

    def forward(self, log_probs: Tensor, targets: Tensor) -> Tensor:
        return F.nll_loss(log_probs, targets, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error (x - target)² ("mean", "sum" or "none"). See
    :func:`~tinygrad_edu.nn.functional.mse_loss`."""

    def forward(self, x: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(x, target, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy from logits (sigmoid included, stable); see
    :func:`~tinygrad_edu.nn.functional.binary_cross_entropy_with_logits`."""

    def __init__(self, weight: Tensor | None = None, reduction: str = "mean",
                 pos_weight: Tensor | None = None) -> None:
        super().__init__(reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, x: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(x, target, self.weight, self.reduction,
                                                  self.pos_weight)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities (after a sigmoid); see
    :func:`~tinygrad_edu.nn.functional.binary_cross_entropy`."""

    def __init__(self, weight: Tensor | None = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = weight

    def forward(self, probabilities: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy(probabilities, target, self.weight, self.reduction)
