"""Learning-rate schedulers: change ``group["lr"]`` of an optimizer as training goes on.

Call ``scheduler.step()`` once per epoch, after the epoch's ``optimizer.step()`` calls, as in
PyTorch::

    optimizer = tg.optim.SGD(model.parameters(), lr=0.1)
    scheduler = tg.optim.lr_scheduler.StepLR(optimizer, step_size=5, gamma=0.5)
    for epoch in range(15):
        train_one_epoch(model, optimizer)
        scheduler.step()

The learning rates are the same floats as PyTorch's, step for step: each scheduler updates the
current rate from the previous one with PyTorch's (recursive) formula.

| scheduler                     | the rate at epoch ``t``                                     |
|-------------------------------|-------------------------------------------------------------|
| ``StepLR``                    | times ``gamma`` every ``step_size`` epochs                  |
| ``MultiStepLR``               | times ``gamma`` at each milestone                           |
| ``ExponentialLR``             | times ``gamma`` every epoch                                 |
| ``LambdaLR``                  | ``initial_lr * lr_lambda(t)``                               |
| ``MultiplicativeLR``          | times ``lr_lambda(t)`` every epoch                          |
| ``LinearLR``, ``ConstantLR``  | a warm-up factor for the first ``total_iters`` epochs       |
| ``CosineAnnealingLR``         | half a cosine down to ``eta_min``                           |
| ``CosineAnnealingWarmRestarts`` | cosines that restart, each ``T_mult`` times longer        |
| ``OneCycleLR``                | up to ``max_lr`` and down again, per batch (and momentum)   |
| ``SequentialLR``              | one scheduler after another, switched at milestones         |
| ``ReduceLROnPlateau``         | times ``factor`` when a metric stops improving              |
"""

from __future__ import annotations

import math

from .optimizer import Optimizer
from .scheduler import LRScheduler


class StepLR(LRScheduler):
    r"""Multiply the learning rate by ``gamma`` every ``step_size`` epochs.

    At epoch ``t``: ``lr = initial_lr * gamma ** (t // step_size)``.

    Args:
        optimizer: the optimizer whose learning rates to change.
        step_size: the number of epochs between two decays, >= 1.
        gamma: the factor of each decay (default 0.1).
        last_epoch: see :class:`LRScheduler`.

    Examples:
        >>> import tinygrad_edu as tg
        >>> optimizer = tg.optim.SGD([tg.zeros(2, requires_grad=True)], lr=1.0)
        >>> scheduler = tg.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
        >>> rates = []
        >>> for epoch in range(5):
        ...     optimizer.step()
        ...     rates.append(scheduler.get_last_lr()[0])
        ...     scheduler.step()
        >>> rates
        [1.0, 1.0, 0.5, 0.5, 0.25]
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        if not isinstance(step_size, int) or step_size < 1:  # type: ignore[redundant-expr]
            raise ValueError(
                f"StepLR: step_size must be a whole number of epochs >= 1, but got {step_size!r}."
            )
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size)
                for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    r"""Lower the learning rate along half a cosine, from ``initial_lr`` to ``eta_min``.

    At epoch ``t``::

        lr = eta_min + (initial_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2

    so it reaches ``eta_min`` at ``t = T_max``; past that it rises again (a period of
    ``2 * T_max``), as PyTorch's does. The rate is updated from the previous one, as PyTorch
    does, so the numbers agree with PyTorch's to the last bit and another scheduler may change
    the rate in between.

    Args:
        optimizer: the optimizer whose learning rates to change.
        T_max: the number of epochs to reach ``eta_min``, >= 1.
        eta_min: the lowest learning rate (default 0).
        last_epoch: see :class:`LRScheduler`.

    Examples:
        >>> import tinygrad_edu as tg
        >>> optimizer = tg.optim.SGD([tg.zeros(2, requires_grad=True)], lr=1.0)
        >>> scheduler = tg.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=4)
        >>> rates = []
        >>> for epoch in range(5):
        ...     optimizer.step()
        ...     rates.append(round(scheduler.get_last_lr()[0], 4))
        ...     scheduler.step()
        >>> rates
        [1.0, 0.8536, 0.5, 0.1464, 0.0]
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        if not isinstance(T_max, int) or T_max < 1:  # type: ignore[redundant-expr]
            raise ValueError(
                f"CosineAnnealingLR: T_max must be a whole number of epochs >= 1, but got "
                f"{T_max!r}; it is usually the number of epochs of the training run."
            )
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        t, period, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._initial:
            return [group["lr"] for group in groups]
        if self._step_count == 1 and t > 0:  # resuming at epoch t: the closed form
            return [
                eta_min + (base_lr - eta_min) * (1 + math.cos(t * math.pi / period)) / 2
                for base_lr in self.base_lrs
            ]
        if (t - 1 - period) % (2 * period) == 0:
            # Just past the minimum, where the ratio below would divide by 1 + cos(pi) = 0.
            return [
                group["lr"] + (base_lr - eta_min) * (1 - math.cos(math.pi / period)) / 2
                for base_lr, group in zip(self.base_lrs, groups, strict=True)
            ]
        # lr_t - eta_min = (lr_{t-1} - eta_min) * (1 + cos(pi t / T)) / (1 + cos(pi (t-1) / T))
        ratio = (1 + math.cos(math.pi * t / period)) / (1 + math.cos(math.pi * (t - 1) / period))
        return [ratio * (group["lr"] - eta_min) + eta_min for group in groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [self.eta_min + (base_lr - self.eta_min)
                * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base_lr in self.base_lrs]


# The other schedulers live in two modules of their own; this module is where PyTorch code
# finds them (torch.optim.lr_scheduler.X).
from .cycles import (  # noqa: E402
    CosineAnnealingWarmRestarts,
    OneCycleLR,
    ReduceLROnPlateau,
    SequentialLR,
)
from .schedules import (  # noqa: E402
    ConstantLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiplicativeLR,
    MultiStepLR,
)

__all__ = [
    "ConstantLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts", "ExponentialLR",
    "LRScheduler", "LambdaLR", "LinearLR", "MultiStepLR", "MultiplicativeLR", "OneCycleLR",
    "ReduceLROnPlateau", "SequentialLR", "StepLR",
]
