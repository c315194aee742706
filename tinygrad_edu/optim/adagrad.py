"""Adagrad: each coordinate's step divided by the root of its summed squared gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..creation import full_like
from ..tensor import Tensor
from .optimizer import Optimizer


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan and Singer, 2011), PyTorch's rule.

    For each parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

        g = -g                                     if maximize
        g = g + weight_decay * p                   if weight_decay != 0
        lr_t = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g                              every squared gradient so far, summed
        p = p - lr_t * g / (sqrt(s) + eps)

    A coordinate with large gradients gets small steps, a rarely-moved one large steps; since
    ``s`` only grows, the steps shrink over training. The state is ``step`` (t) and ``sum``
    (s, starting at ``initial_accumulator_value``); as in PyTorch it is made when the
    optimizer is, so ``state_dict()`` lists every parameter before the first step.

    Args:
        params: the tensors to optimize, or parameter groups (see :class:`Optimizer`).
        lr: the learning rate, >= 0 (default 0.01).
        lr_decay: how fast ``lr`` decays with the step count, >= 0.
        weight_decay: L2 penalty, >= 0.
        initial_accumulator_value: the starting value of ``s``, >= 0.
        eps: added to the denominator for numerical stability, >= 0 (default 1e-10).
        maximize: climb the objective instead of descending it.

    Examples:
        >>> import tinygrad_edu as tg
        >>> w = tg.Tensor([1.0, -2.0], requires_grad=True)
        >>> optimizer = tg.optim.Adagrad([w], lr=0.5)
        >>> (w * w).sum().backward()
        >>> optimizer.step()  # the first step moves each coordinate by lr: g / sqrt(g * g)
        >>> [round(x, 4) for x in w.tolist()]
        [0.5, -1.5]
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "eps": eps,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for param in group["params"]:
                self._start(param, group, self.state[param])

    def _check_group(self, group: dict[str, Any]) -> None:
        for key in ("lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"):
            if not group[key] >= 0.0:
                raise ValueError(f"Adagrad: invalid {key}={group[key]}; use {key} >= 0.")

    @staticmethod
    def _start(param: Tensor, group: dict[str, Any], state: dict[str, Any]) -> None:
        state["step"] = 0
        state["sum"] = full_like(param, group["initial_accumulator_value"])

    def _update(
        self, param: Tensor, grad: Tensor, group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        if not state:  # a group added after the optimizer was made
            self._start(param, group, state)
        state["step"] += 1
        # lr_t is a Python float (a formula of the step that a tg.jit capture recomputes).
        lr_t = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        p, g = self._arrays(param, grad)
        if group["maximize"]:
            g = -g
        if group["weight_decay"] != 0:
            g = g + p * group["weight_decay"]
        total = self._writable(state["sum"])
        total += g * g
        denominator = param.backend.xp.sqrt(total)
        denominator += group["eps"]
        p += g / denominator * -lr_t
