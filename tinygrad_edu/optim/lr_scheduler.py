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
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from .optimizer import Optimizer


class LRScheduler:
    """Base class of the schedulers: a subclass writes ``get_lr()``.

    Args:
        optimizer: the optimizer whose learning rates to change.
        last_epoch: the index of the last epoch done; -1 (the default) starts afresh and
            records each group's ``initial_lr``. Another value resumes a schedule and needs
            ``initial_lr`` in every group.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__} needs a tinygrad_edu optimizer, but got "
                f"{type(optimizer).__name__}; e.g. {type(self).__name__}(tg.optim.SGD(...), ...)."
            )
        self.optimizer = optimizer
        for number, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(
                    f"param 'initial_lr' is not specified in param_groups[{number}] when "
                    f"resuming a scheduler with last_epoch={last_epoch}; load the optimizer's "
                    "state_dict first, or start afresh with last_epoch=-1."
                )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._initial = True  # the first step, made here, only records the starting rates
        self.step()
        self._initial = False

    def get_lr(self) -> list[float]:
        """The learning rate of each group for epoch ``last_epoch`` (called by ``step()``)."""
        raise NotImplementedError(f"{type(self).__name__} must define get_lr()")

    def step(self) -> None:
        """Move to the next epoch and set each group's learning rate."""
        if self._step_count == 1 and self.optimizer._step_count == 0:
            warnings.warn(
                "Detected a call of lr_scheduler.step() before optimizer.step(): call them in "
                "the opposite order, optimizer.step() (every batch) and then scheduler.step() "
                "(every epoch), or the first learning rate of the schedule is skipped.",
                UserWarning,
                stacklevel=2,
            )
        self._step_count += 1
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates that the last ``step()`` set, one per parameter group."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state (everything but the optimizer), to resume a schedule."""
        return {key: value for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Resume from ``state_dict()``."""
        self.__dict__.update(state_dict)


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
