"""LRScheduler: the base class of the learning-rate schedulers (see :mod:`.lr_scheduler`)."""

from __future__ import annotations

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
        self._initial_step()

    def _initial_step(self) -> None:
        """The first step, made by ``__init__``: it only records the starting rates."""
        self._step_count = 0
        self._initial = True
        try:
            self.step()
        finally:
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
        self._update_lr()

    def _update_lr(self, epoch: int | None = None) -> None:
        """Set each group's rate for the next epoch, or for ``epoch`` (from the closed form
        where the scheduler has one: how :class:`SequentialLR` restarts a scheduler)."""
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed = getattr(self, "_get_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values, strict=True):
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
