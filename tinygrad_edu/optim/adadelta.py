"""Adadelta: steps whose size is learned from the sizes of the previous steps."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..creation import zeros_like
from ..tensor import Tensor
from .optimizer import Optimizer


class Adadelta(Optimizer):
    r"""Adadelta (Zeiler, 2012), PyTorch's rule; the optimizer of PyTorch's MNIST example.

    For each parameter ``p`` with gradient ``g``::

        g = -g                                          if maximize
        g = g + weight_decay * p                        if weight_decay != 0
        v = rho * v + (1 - rho) * g * g                 running mean square of the gradient
        d = sqrt(u + eps) / sqrt(v + eps) * g           the step, in the units of p
        u = rho * u + (1 - rho) * d * d                 running mean square of the steps
        p = p - lr * d

    The ratio ``sqrt(u + eps) / sqrt(v + eps)`` gives each step the size of the recent steps,
    so ``lr`` (1.0 by default) is only a scale. The state is ``step``, ``square_avg`` (v) and
    ``acc_delta`` (u), both starting at zero.

    Args:
        params: the tensors to optimize, or parameter groups (see :class:`Optimizer`).
        lr: scales the step, >= 0.
        rho: the smoothing constant of both running means, in [0, 1].
        eps: added inside both square roots, >= 0.
        weight_decay: L2 penalty, >= 0.
        maximize: climb the objective instead of descending it.

    Examples:
        >>> import tinygrad_edu as tg
        >>> w = tg.Tensor([1.0], requires_grad=True)
        >>> optimizer = tg.optim.Adadelta([w])
        >>> (w * w).sum().backward()
        >>> optimizer.step()  # g = 2, v = 0.4, d = sqrt(1e-6) / sqrt(0.4 + 1e-6) * 2
        >>> round(1 - w.item(), 7)
        0.0031623
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay, "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        for key in ("lr", "eps", "weight_decay"):
            if not group[key] >= 0.0:
                raise ValueError(f"Adadelta: invalid {key}={group[key]}; use {key} >= 0.")
        if not 0.0 <= group["rho"] <= 1.0:
            raise ValueError(f"Adadelta: invalid rho={group['rho']}; use 0 <= rho <= 1.")

    def _update(
        self, param: Tensor, grad: Tensor, group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        rho, eps = group["rho"], group["eps"]
        if not state:
            state["step"] = 0
            state["square_avg"] = zeros_like(param)
            state["acc_delta"] = zeros_like(param)
        state["step"] += 1
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = grad + param * group["weight_decay"]
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        square_avg.mul_(rho).addcmul_(grad, grad, value=1 - rho)
        delta = (acc_delta + eps).sqrt() / (square_avg + eps).sqrt() * grad
        acc_delta.mul_(rho).addcmul_(delta, delta, value=1 - rho)
        param.add_(delta, alpha=-group["lr"])
