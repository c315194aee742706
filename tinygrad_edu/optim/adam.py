"""Adam and AdamW: steps scaled by running estimates of the gradient's mean and square."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..creation import zeros_like
from ..tensor import Tensor
from .optimizer import Optimizer


class Adam(Optimizer):
    r"""Adam (Kingma and Ba, 2014), PyTorch's rule.

    For each parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

        g = -g                                   if maximize
        g = g + weight_decay * p                 if weight_decay != 0   (Adam: L2 penalty)
        m = beta1 * m + (1 - beta1) * g          first moment, the gradient's running mean
        v = beta2 * v + (1 - beta2) * g * g      second moment, its running mean square
        v_max = max(v_max, v)                    if amsgrad (then v_max replaces v below)
        m_hat = m / (1 - beta1 ** t)             bias corrections: m, v start at 0
        v_hat = v / (1 - beta2 ** t)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    Every coordinate takes a step of about ``lr``, whatever the gradient's scale. The state
    is ``step`` (t), ``exp_avg`` (m), ``exp_avg_sq`` (v) and, with amsgrad, ``max_exp_avg_sq``.

    Args:
        params: the tensors to optimize, or parameter groups (see :class:`Optimizer`).
        lr: the learning rate, >= 0.
        betas: ``(beta1, beta2)``, each in [0, 1): how slowly m and v forget.
        eps: added to the denominator for numerical stability, >= 0.
        weight_decay: L2 penalty, >= 0, added to the gradient (see :class:`AdamW` for the
            decoupled kind).
        amsgrad: use the running maximum of v (Reddi et al., 2018).
        maximize: climb the objective instead of descending it.
        decoupled_weight_decay: take the decay off ``p`` itself, as :class:`AdamW` (PyTorch's
            flag of the same name).

    Examples:
        >>> import tinygrad_edu as tg
        >>> w = tg.Tensor([1.0, -3.0], requires_grad=True)
        >>> optimizer = tg.optim.Adam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> optimizer.step()  # the first step moves each coordinate by lr
        >>> [round(x, 4) for x in w.tolist()]
        [0.9, -2.9]
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay or isinstance(self, AdamW),
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        if not group["lr"] >= 0.0:
            raise ValueError(f"{name}: invalid learning rate lr={group['lr']}; use lr >= 0.")
        if not group["eps"] >= 0.0:
            raise ValueError(f"{name}: invalid eps={group['eps']}; use eps >= 0 (1e-8 is usual).")
        betas = group["betas"]
        if not (isinstance(betas, tuple | list) and len(betas) == 2):
            raise ValueError(f"{name}: betas must be a pair (beta1, beta2), but got {betas!r}.")
        for index, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(
                    f"{name}: invalid beta parameter at index {index}: {beta}; each beta must "
                    "be in [0, 1) (the usual betas=(0.9, 0.999))."
                )
        if not group["weight_decay"] >= 0.0:
            raise ValueError(
                f"{name}: invalid weight_decay={group['weight_decay']}; use weight_decay >= 0."
            )

    def _update(
        self, param: Tensor, grad: Tensor, group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        beta1, beta2 = group["betas"]
        lr = group["lr"]
        if not state:
            state["step"] = 0
            state["exp_avg"] = zeros_like(param)
            state["exp_avg_sq"] = zeros_like(param)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = zeros_like(param)
        state["step"] += 1
        step = state["step"]
        # The rule above on the backend's arrays (nothing is recorded): p, m, v (and v_max)
        # change in place; g is a new array wherever it is changed.
        p, g = self._arrays(param, grad)
        xp = param.backend.xp
        g = decayed_gradient(p, g, group)
        m, v = self._writable(state["exp_avg"]), self._writable(state["exp_avg_sq"])
        update_moments(m, v, g, beta1, beta2)
        # The bias corrections are Python floats, computed in double precision as PyTorch does.
        step_size = lr / (1 - beta1**step)
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        if group["amsgrad"]:
            v_max = self._writable(state["max_exp_avg_sq"])
            v_max[...] = xp.maximum(v_max, v)
            v = v_max
        denominator = xp.sqrt(v) / bias_correction2_sqrt
        denominator += group["eps"]
        p += m / denominator * -step_size


def decayed_gradient(p: Any, g: Any, group: dict[str, Any]) -> Any:
    """The gradient array after ``maximize`` and the weight decay of Adam's family: added to
    the gradient (L2), or, with ``decoupled_weight_decay``, taken off ``p`` itself, in place
    (AdamW's rule). ``g`` is a new array wherever it changes."""
    if group["maximize"]:
        g = -g
    weight_decay = group["weight_decay"]
    if weight_decay != 0:
        if group["decoupled_weight_decay"]:
            p *= 1 - group["lr"] * weight_decay
        else:
            g = g + p * weight_decay
    return g


def update_moments(m: Any, v: Any, g: Any, beta1: float, beta2: float) -> None:
    """Adam's running moments, in place: m steps towards g, v towards g * g."""
    m += (g - m) * (1 - beta1)  # m = m + (1 - beta1) (g - m), a step towards g
    v *= beta2
    v += g * g * (1 - beta2)


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov and Hutter, 2019), PyTorch's rule.

    The same steps as :class:`Adam`, except the weight decay: instead of adding
    ``weight_decay * p`` to the gradient (where Adam's scaling would shrink it), each step
    first shrinks the parameter itself::

        p = p * (1 - lr * weight_decay)
        ... then Adam's update, with no weight_decay term in g

    Args:
        params: the tensors to optimize, or parameter groups (see :class:`Optimizer`).
        lr: the learning rate, >= 0.
        betas: ``(beta1, beta2)``, each in [0, 1).
        eps: added to the denominator for numerical stability, >= 0.
        weight_decay: the decoupled decay rate, >= 0 (default 0.01, as in PyTorch).
        amsgrad: use the running maximum of the second moment.
        maximize: climb the objective instead of descending it.

    Examples:
        >>> import tinygrad_edu as tg
        >>> w = tg.Tensor([2.0], requires_grad=True)
        >>> optimizer = tg.optim.AdamW([w], lr=0.1, weight_decay=0.5)
        >>> w.sum().backward()
        >>> optimizer.step()  # 2 * (1 - 0.1 * 0.5) - 0.1
        >>> round(w.item(), 4)
        1.8
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
