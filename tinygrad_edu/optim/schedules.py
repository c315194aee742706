"""Schedulers that multiply the learning rate by a factor: LambdaLR, MultiplicativeLR,
MultiStepLR, ExponentialLR, LinearLR and ConstantLR (PyTorch's, rate for rate).

Use them as ``tg.optim.lr_scheduler.X``, the name PyTorch code uses.
"""

from __future__ import annotations

import bisect
import types
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from .optimizer import Optimizer
from .scheduler import LRScheduler


def _lambdas(name: str, optimizer: Optimizer, lr_lambda: Any) -> list[Callable[[int], float]]:
    count = len(optimizer.param_groups)
    lambdas = list(lr_lambda) if isinstance(lr_lambda, list | tuple) else [lr_lambda] * count
    if len(lambdas) != count:
        raise ValueError(f"{name}: expected {count} lr_lambdas (one per parameter group), but "
                         f"got {len(lambdas)}")
    for function in lambdas:
        if not callable(function):
            raise TypeError(f"{name}: lr_lambda should be a function of the epoch, but got "
                            f"{type(function).__name__}")
    return lambdas


class _Lambdas(LRScheduler):
    """What LambdaLR and MultiplicativeLR share: one function per group, and a state_dict that
    keeps the functions' own attributes (a plain function is not saved, as in PyTorch)."""

    lr_lambdas: list[Callable[[int], float]]

    def state_dict(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [None if isinstance(f, types.FunctionType) else dict(vars(f))
                               for f in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", [])
        self.__dict__.update(state)
        for function, attributes in zip(self.lr_lambdas, saved, strict=False):
            if attributes is not None:
                vars(function).update(attributes)


class LambdaLR(_Lambdas):
    """The rate of epoch ``t`` is ``initial_lr * lr_lambda(t)``.

    Args:
        optimizer: the optimizer whose learning rates to change.
        lr_lambda: a function of the epoch, or a list of them (one per parameter group).
        last_epoch: see :class:`LRScheduler`.

    Examples:
        >>> import tinygrad_edu as tg
        >>> optimizer = tg.optim.SGD([tg.zeros(2, requires_grad=True)], lr=1.0)
        >>> scheduler = tg.optim.lr_scheduler.LambdaLR(optimizer, lambda t: 1 / (t + 1))
        >>> rates = []
        >>> for epoch in range(4):
        ...     optimizer.step()
        ...     rates.append(round(scheduler.get_last_lr()[0], 4))
        ...     scheduler.step()
        >>> rates
        [1.0, 0.5, 0.3333, 0.25]
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Any, last_epoch: int = -1) -> None:
        self.lr_lambdas = _lambdas("LambdaLR", optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base_lr * function(self.last_epoch)
                for function, base_lr in zip(self.lr_lambdas, self.base_lrs, strict=True)]


class MultiplicativeLR(_Lambdas):
    """Each epoch multiplies the rate by ``lr_lambda(t)``.

    Examples:
        >>> import tinygrad_edu as tg
        >>> optimizer = tg.optim.SGD([tg.zeros(2, requires_grad=True)], lr=1.0)
        >>> scheduler = tg.optim.lr_scheduler.MultiplicativeLR(optimizer, lambda t: 0.5)
        >>> for epoch in range(3):
        ...     optimizer.step()
        ...     scheduler.step()
        >>> scheduler.get_last_lr()
        [0.125]
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Any, last_epoch: int = -1) -> None:
        self.lr_lambdas = _lambdas("MultiplicativeLR", optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self._initial:
            return [group["lr"] for group in groups]
        return [group["lr"] * function(self.last_epoch)
                for function, group in zip(self.lr_lambdas, groups, strict=True)]


class MultiStepLR(LRScheduler):
    """Multiply the rate by ``gamma`` at each milestone epoch (a milestone listed twice
    multiplies by ``gamma ** 2``).

    Examples:
        >>> import tinygrad_edu as tg
        >>> optimizer = tg.optim.SGD([tg.zeros(2, requires_grad=True)], lr=1.0)
        >>> scheduler = tg.optim.lr_scheduler.MultiStepLR(optimizer, [2, 4], gamma=0.5)
        >>> rates = []
        >>> for epoch in range(6):
        ...     optimizer.step()
        ...     rates.append(scheduler.get_last_lr()[0])
        ...     scheduler.step()
        >>> rates
        [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self.last_epoch not in self.milestones:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma ** self.milestones[self.last_epoch] for group in groups]

    def _get_closed_form_lr(self) -> list[float]:
        milestones = sorted(self.milestones.elements())
        return [base_lr * self.gamma ** bisect.bisect_right(milestones, self.last_epoch)
                for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every epoch: ``lr = initial_lr * gamma ** t``.

    Examples:
        >>> import tinygrad_edu as tg
        >>> optimizer = tg.optim.SGD([tg.zeros(2, requires_grad=True)], lr=1.0)
        >>> scheduler = tg.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
        >>> for epoch in range(2):
        ...     optimizer.step()
        ...     scheduler.step()
        >>> round(scheduler.get_last_lr()[0], 4)
        0.81
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self._initial:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base_lr * self.gamma**self.last_epoch for base_lr in self.base_lrs]


class LinearLR(LRScheduler):
    """A linear warm-up: the factor of ``initial_lr`` goes from ``start_factor`` to
    ``end_factor`` in ``total_iters`` epochs, then stays.

    Examples:
        >>> import tinygrad_edu as tg
        >>> optimizer = tg.optim.SGD([tg.zeros(2, requires_grad=True)], lr=1.0)
        >>> scheduler = tg.optim.lr_scheduler.LinearLR(optimizer, 0.25, total_iters=3)
        >>> rates = []
        >>> for epoch in range(5):
        ...     optimizer.step()
        ...     rates.append(scheduler.get_last_lr()[0])
        ...     scheduler.step()
        >>> rates
        [0.25, 0.5, 0.75, 1.0, 1.0]
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5, last_epoch: int = -1) -> None:
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError("LinearLR: starting multiplicative factor expected to be greater "
                             f"than 0 and less or equal to 1, got start_factor={start_factor}")
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError("LinearLR: ending multiplicative factor expected to be between 0 "
                             f"and 1, got end_factor={end_factor}")
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [group["lr"] * self.start_factor for group in groups]
        if self._initial or self.last_epoch > self.total_iters:
            return [group["lr"] for group in groups]
        change = self.end_factor - self.start_factor
        factor = 1.0 + change / (self.total_iters * self.start_factor
                                 + (self.last_epoch - 1) * change)
        return [group["lr"] * factor for group in groups]

    def _get_closed_form_lr(self) -> list[float]:
        change = self.end_factor - self.start_factor
        done = min(self.total_iters, self.last_epoch)
        return [base_lr * (self.start_factor + change * done / self.total_iters)
                for base_lr in self.base_lrs]


class ConstantLR(LRScheduler):
    """``initial_lr * factor`` for the first ``total_iters`` epochs, then ``initial_lr``.

    Examples:
        >>> import tinygrad_edu as tg
        >>> optimizer = tg.optim.SGD([tg.zeros(2, requires_grad=True)], lr=1.0)
        >>> scheduler = tg.optim.lr_scheduler.ConstantLR(optimizer, 0.5, total_iters=2)
        >>> rates = []
        >>> for epoch in range(4):
        ...     optimizer.step()
        ...     rates.append(scheduler.get_last_lr()[0])
        ...     scheduler.step()
        >>> rates
        [0.5, 0.5, 1.0, 1.0]
    """

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1) -> None:
        if factor > 1.0 or factor < 0:
            raise ValueError("ConstantLR: constant multiplicative factor expected to be between "
                             f"0 and 1, got factor={factor}")
        self.factor, self.total_iters = factor, total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [group["lr"] * self.factor for group in groups]
        if self.last_epoch != self.total_iters:
            return [group["lr"] for group in groups]
        return [group["lr"] * (1.0 / self.factor) for group in groups]

    def _get_closed_form_lr(self) -> list[float]:
        after = self.last_epoch >= self.total_iters
        return [base_lr * (self.factor + after * (1 - self.factor)) for base_lr in self.base_lrs]
