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

from typing import Any

from ..tensor import Tensor
from . import functional as F
from .loss_options import REDUCTIONS, legacy_reduction
from .module import Module


class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in REDUCTIONS:
            raise ValueError(
                f"{type(self).__name__}: reduction must be one of {REDUCTIONS}, got "
                f"{reduction!r}"
            )
        self.reduction = reduction

    def extra_repr(self) -> str:
        parts = [] if self.reduction == "mean" else [f"reduction={self.reduction!r}"]
        if getattr(self, "ignore_index", -100) != -100:
            parts.append(f"ignore_index={self.ignore_index}")
        if getattr(self, "label_smoothing", 0.0):
            parts.append(f"label_smoothing={self.label_smoothing}")
        return ", ".join(parts)


class CrossEntropyLoss(_Loss):
    """Cross-entropy of softmax(logits) against class indices: logits (N, C) or
    (N, C, d1, ...), int64 targets (N,) or (N, d1, ...), or class probabilities of the logits'
    shape; ``weight`` (a buffer, as in PyTorch), ``ignore_index`` and ``label_smoothing`` as
    in :func:`~tinygrad_edu.nn.functional.cross_entropy`. ``size_average``/``reduce`` are
    refused (pass ``reduction=``)."""

    def __init__(self, weight: Tensor | None = None, size_average: Any = None,
                 ignore_index: int = -100, reduce: Any = None, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(legacy_reduction(type(self).__name__, size_average, reduce, reduction))
        self.register_buffer("weight", weight)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                               reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (after ``log_softmax``) against class
    indices; ``weight`` and ``ignore_index`` as in
    :func:`~tinygrad_edu.nn.functional.nll_loss`."""

    def __init__(self, weight: Tensor | None = None, size_average: Any = None,
                 ignore_index: int = -100, reduce: Any = None, reduction: str = "mean") -> None:
        super().__init__(legacy_reduction(type(self).__name__, size_average, reduce, reduction))
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(input, target, self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error (x - target)² ("mean", "sum" or "none"). See
    :func:`~tinygrad_edu.nn.functional.mse_loss`."""

    def __init__(self, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        super().__init__(legacy_reduction(type(self).__name__, size_average, reduce, reduction))

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy from logits (sigmoid included, stable); see
    :func:`~tinygrad_edu.nn.functional.binary_cross_entropy_with_logits`."""

    def __init__(self, weight: Tensor | None = None, size_average: Any = None,
                 reduce: Any = None, reduction: str = "mean",
                 pos_weight: Tensor | None = None) -> None:
        super().__init__(legacy_reduction(type(self).__name__, size_average, reduce, reduction))
        self.register_buffer("weight", weight)  # buffers, as in PyTorch: they are in
        self.register_buffer("pos_weight", pos_weight)  # the state_dict and follow .to()

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities (after a sigmoid); see
    :func:`~tinygrad_edu.nn.functional.binary_cross_entropy`."""

    def __init__(self, weight: Tensor | None = None, size_average: Any = None,
                 reduce: Any = None, reduction: str = "mean") -> None:
        super().__init__(legacy_reduction(type(self).__name__, size_average, reduce, reduction))
        self.register_buffer("weight", weight)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class _LegacyLoss(_Loss):
    """A loss whose PyTorch signature starts with the deprecated size_average and reduce."""

    def __init__(self, size_average: Any = None, reduce: Any = None,
                 reduction: str = "mean") -> None:
        if size_average is not None or reduce is not None:
            raise TypeError(f"{type(self).__name__}: size_average and reduce are PyTorch's "
                            "deprecated arguments and not supported; pass reduction=")
        super().__init__(reduction)


class L1Loss(_LegacyLoss):
    """Mean absolute error |x - target| ("mean", "sum" or "none"). See
    :func:`~tinygrad_edu.nn.functional_extra.l1_loss`."""

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.l1_loss(input, target, reduction=self.reduction)


class SmoothL1Loss(_LegacyLoss):
    """Quadratic for errors below ``beta``, linear above. See
    :func:`~tinygrad_edu.nn.functional_extra.smooth_l1_loss`."""

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Quadratic for errors below ``delta``, then linear with slope delta. See
    :func:`~tinygrad_edu.nn.functional_extra.huber_loss`."""

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.huber_loss(input, target, reduction=self.reduction, delta=self.delta)


class KLDivLoss(Module):
    """The Kullback-Leibler divergence of the target from log-probabilities; ``reduction``
    "batchmean" gives the true KL divergence (PyTorch's default "mean" averages over every
    element). See :func:`~tinygrad_edu.nn.functional_extra.kl_div`.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu import nn
        >>> p = tg.Tensor([[0.25, 0.75]])
        >>> nn.KLDivLoss(reduction="batchmean")(p.log(), p).item()
        0.0
    """

    def __init__(self, size_average: Any = None, reduce: Any = None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            raise TypeError("KLDivLoss: size_average and reduce are PyTorch's deprecated "
                            "arguments and not supported; pass reduction=")
        if reduction not in ("mean", "batchmean", "sum", "none"):
            raise ValueError("KLDivLoss: reduction must be one of 'mean', 'batchmean', 'sum', "
                             f"'none', got {reduction!r}")
        self.reduction, self.log_target = reduction, log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.kl_div(input, target, reduction=self.reduction, log_target=self.log_target)
