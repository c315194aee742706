"""SGD: stochastic gradient descent, with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..tensor import Tensor
from .optimizer import Optimizer


class SGD(Optimizer):
    r"""Stochastic gradient descent, PyTorch's rule.

    For each parameter ``p`` with gradient ``g``, at step ``t``::

        g = -g                                      if maximize
        g = g + weight_decay * p                    if weight_decay != 0
        if momentum != 0:
            b = g                                   at t = 1
            b = momentum * b + (1 - dampening) * g  at t > 1
            g = g + momentum * b                    if nesterov
            g = b                                   otherwise
        p = p - lr * g

    ``b`` (``state["momentum_buffer"]``) is a running sum of past gradients: a ball rolling
    downhill keeps some of its speed. Nesterov's variant looks one step ahead along it.

    Args:
        params: the tensors to optimize, or parameter groups (see :class:`Optimizer`).
        lr: the learning rate (step size), >= 0.
        momentum: how much of the previous step to keep, >= 0 (0: plain gradient descent).
        dampening: how much to shrink each new gradient in the momentum sum.
        weight_decay: L2 penalty, >= 0 (adds ``weight_decay * p`` to the gradient).
        nesterov: use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
        maximize: climb the objective instead of descending it.

    Examples:
        >>> import tinygrad_edu as tg
        >>> w = tg.Tensor([1.0], requires_grad=True)
        >>> optimizer = tg.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     optimizer.zero_grad()
        ...     (w * w).sum().backward()  # gradient 2w
        ...     optimizer.step()
        >>> round(w.item(), 4)  # 1 - 0.2 = 0.8, then 0.8 - 0.1 * (0.9 * 2 + 1.6) = 0.46
        0.46
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        if not group["lr"] >= 0.0:
            raise ValueError(f"SGD: invalid learning rate lr={group['lr']}; use lr >= 0.")
        if not group["momentum"] >= 0.0:
            raise ValueError(
                f"SGD: invalid momentum={group['momentum']}; use momentum >= 0 (0.9 is usual)."
            )
        if not group["weight_decay"] >= 0.0:
            raise ValueError(
                f"SGD: invalid weight_decay={group['weight_decay']}; use weight_decay >= 0."
            )
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                "SGD: Nesterov momentum requires a momentum and zero dampening, but got "
                f"momentum={group['momentum']}, dampening={group['dampening']}; e.g. "
                "SGD(params, lr=0.1, momentum=0.9, nesterov=True)."
            )

    def _update(
        self, param: Tensor, grad: Tensor, group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        # The rule above on the backend's arrays (nothing is recorded): p and the momentum
        # buffer change in place; g is a new array wherever it is changed.
        p, g = self._arrays(param, grad)
        momentum = group["momentum"]
        if momentum == 0 and not group["maximize"] and group["weight_decay"] == 0:
            p += g * -group["lr"]  # plain gradient descent, the usual case: no more to decide
            return
        if group["maximize"]:
            g = -g
        if group["weight_decay"] != 0:
            g = g + p * group["weight_decay"]
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = param.constant(g).clone()  # b = g
            else:
                b = self._writable(buffer)
                b *= momentum
                keep = 1 - group["dampening"]
                b += g * keep if keep != 1 else g
            if group["nesterov"]:
                g = g + buffer._data * momentum
            else:
                g = buffer._data
        p += g * -group["lr"]
