"""RMSprop: steps divided by a running root mean square of the gradient."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..creation import zeros_like
from ..tensor import Tensor
from .optimizer import Optimizer


class RMSprop(Optimizer):
    r"""RMSprop (Hinton's lecture notes, 2012), PyTorch's rule.

    For each parameter ``p`` with gradient ``g``::

        g = -g                                     if maximize
        g = g + weight_decay * p                   if weight_decay != 0
        v = alpha * v + (1 - alpha) * g * g        running mean square
        if centered:
            a = alpha * a + (1 - alpha) * g        running mean
            d = sqrt(v - a * a) + eps              (an estimate of the standard deviation)
        else:
            d = sqrt(v) + eps
        if momentum > 0:
            b = momentum * b + g / d
            p = p - lr * b
        else:
            p = p - lr * g / d

    The state is ``step``, ``square_avg`` (v), ``grad_avg`` (a, when centered) and
    ``momentum_buffer`` (b, when momentum > 0), all starting at zero.

    Args:
        params: the tensors to optimize, or parameter groups (see :class:`Optimizer`).
        lr: the learning rate, >= 0.
        alpha: the smoothing constant, >= 0: how slowly v forgets.
        eps: added to the denominator for numerical stability, >= 0.
        weight_decay: L2 penalty, >= 0.
        momentum: >= 0.
        centered: divide by an estimate of the gradient's standard deviation instead of its
            root mean square.
        maximize: climb the objective instead of descending it.

    Examples:
        >>> import tinygrad_edu as tg
        >>> w = tg.Tensor([1.0], requires_grad=True)
        >>> optimizer = tg.optim.RMSprop([w], lr=0.01)
        >>> (w * w).sum().backward()
        >>> optimizer.step()  # 1 - 0.01 * 2 / sqrt(0.01 * 4) = 1 - 0.1
        >>> round(w.item(), 4)
        0.9
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        for key in ("lr", "alpha", "eps", "weight_decay", "momentum"):
            if not group[key] >= 0.0:
                raise ValueError(f"RMSprop: invalid {key}={group[key]}; use {key} >= 0.")

    def _update(
        self, param: Tensor, grad: Tensor, group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        alpha, momentum = group["alpha"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = zeros_like(param)
            if momentum > 0:
                state["momentum_buffer"] = zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = zeros_like(param)
        state["step"] += 1
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = grad + param * group["weight_decay"]
        square_avg = state["square_avg"]
        square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg.lerp_(grad, 1 - alpha)
            average = (square_avg - grad_avg * grad_avg).sqrt()
        else:
            average = square_avg.sqrt()
        average.add_(group["eps"])
        if momentum > 0:
            buffer = state["momentum_buffer"]
            buffer.mul_(momentum).addcdiv_(grad, average)
            param.add_(buffer, alpha=-group["lr"])
        else:
            param.addcdiv_(grad, average, value=-group["lr"])
