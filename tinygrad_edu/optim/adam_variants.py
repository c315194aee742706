"""Adamax, NAdam and RAdam: Adam with another norm, with Nesterov momentum, and rectified.

Each is Adam's two running moments (see :class:`~tinygrad_edu.optim.Adam`) with one change
to the step; the arguments, defaults and rules are PyTorch's. The Python numbers of a step
(bias corrections, NAdam's momentum schedule, RAdam's rectification) are formulas of ``lr``
and ``step``, so a ``tg.jit`` capture recomputes them at every replay; RAdam's switch from
plain momentum to the rectified step is an array ``where``, not a Python ``if``, for the same
reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..creation import zeros_like
from ..tensor import Tensor
from .adam import Adam, decayed_gradient, update_moments
from .optimizer import Optimizer


def _start(param: Tensor, state: dict[str, Any], *names: str) -> None:
    if "step" not in state:
        state["step"] = 0
        for name in names:
            state[name] = zeros_like(param)
    state["step"] += 1


class Adamax(Optimizer):
    r"""Adamax (Kingma and Ba, 2014, section 7), PyTorch's rule: Adam with the infinity norm.

    For each parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

        g = -g                                   if maximize
        g = g + weight_decay * p                 if weight_decay != 0
        m = beta1 * m + (1 - beta1) * g          the gradient's running mean
        u = max(beta2 * u, |g| + eps)            a running maximum of |g| (elementwise)
        p = p - lr / (1 - beta1 ** t) * m / u

    The state is ``step``, ``exp_avg`` (m) and ``exp_inf`` (u).

    Args:
        params: the tensors to optimize, or parameter groups (see :class:`Optimizer`).
        lr: the learning rate, >= 0 (default 0.002).
        betas: ``(beta1, beta2)``, each in [0, 1).
        eps: added to ``|g|`` for numerical stability, >= 0.
        weight_decay: L2 penalty, >= 0.
        maximize: climb the objective instead of descending it.

    Examples:
        >>> import tinygrad_edu as tg
        >>> w = tg.Tensor([1.0, -3.0], requires_grad=True)
        >>> optimizer = tg.optim.Adamax([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> optimizer.step()  # the first step moves each coordinate by lr
        >>> [round(x, 4) for x in w.tolist()]
        [0.9, -2.9]
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, *, maximize: bool = False) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize}
        super().__init__(params, defaults)

    _check_group = Adam._check_group

    def _update(self, param: Tensor, grad: Tensor, group: dict[str, Any],
                state: dict[str, Any]) -> None:
        beta1, beta2 = group["betas"]
        _start(param, state, "exp_avg", "exp_inf")
        p, g = self._arrays(param, grad)
        xp = param.backend.xp
        if group["maximize"]:
            g = -g
        if group["weight_decay"] != 0:
            g = g + p * group["weight_decay"]
        m, u = self._writable(state["exp_avg"]), self._writable(state["exp_inf"])
        m += (g - m) * (1 - beta1)
        u *= beta2
        u[...] = xp.maximum(u, xp.abs(g) + group["eps"])
        step_size = group["lr"] / (1 - beta1 ** state["step"])
        p += m / u * -step_size


class NAdam(Optimizer):
    r"""NAdam (Dozat, 2016), PyTorch's rule: Adam with Nesterov momentum.

    For each parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

        g = g + weight_decay * p                 if weight_decay != 0 (L2 penalty)
        p = p * (1 - lr * weight_decay)          instead, if decoupled_weight_decay
        mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))   the momentum schedule
        P_t = mu_1 * mu_2 * ... * mu_t
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        d = sqrt(v / (1 - beta2 ** t)) + eps
        p = p - lr * (1 - mu_t) / (1 - P_t) * g / d
              - lr * mu_{t+1} / (1 - P_t * mu_{t+1}) * m / d

    The last line looks one step ahead along the momentum, as Nesterov's method does. The
    state is ``step``, ``mu_product`` (P_t), ``exp_avg`` (m) and ``exp_avg_sq`` (v).

    Args:
        params: the tensors to optimize, or parameter groups (see :class:`Optimizer`).
        lr: the learning rate, >= 0 (default 0.002).
        betas: ``(beta1, beta2)``, each in [0, 1).
        eps: added to the denominator, >= 0.
        weight_decay: >= 0.
        momentum_decay: how fast ``mu_t`` grows towards ``beta1``, >= 0 (default 0.004).
        decoupled_weight_decay: shrink ``p`` itself as AdamW does (PyTorch's NAdamW).
        maximize: climb the objective instead of descending it.

    Examples:
        >>> import tinygrad_edu as tg
        >>> w = tg.Tensor([1.0], requires_grad=True)
        >>> optimizer = tg.optim.NAdam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> optimizer.step()
        >>> round(w.item(), 4)
        0.8944
    """

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def _check_group(self, group: dict[str, Any]) -> None:
        Adam._check_group(self, group)  # type: ignore[arg-type]
        if not group["momentum_decay"] >= 0.0:
            raise ValueError(f"NAdam: invalid momentum_decay={group['momentum_decay']}; use "
                             "momentum_decay >= 0.")

    def _update(self, param: Tensor, grad: Tensor, group: dict[str, Any],
                state: dict[str, Any]) -> None:
        beta1, beta2 = group["betas"]
        lr, decay = group["lr"], group["momentum_decay"]
        first = "mu_product" not in state
        if first:
            state["mu_product"] = 1.0
        _start(param, state, "exp_avg", "exp_avg_sq")
        step = state["step"]
        p, g = self._arrays(param, grad)
        xp = param.backend.xp
        g = decayed_gradient(p, g, group)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * decay))
        product = state["mu_product"] * mu
        # Stored as computed (a tg.jit capture follows its formula), except at the step that
        # makes the state: no capture keeps that step, so a plain float is stored.
        state["mu_product"] = float(product) if first else product
        m, v = self._writable(state["exp_avg"]), self._writable(state["exp_avg_sq"])
        update_moments(m, v, g, beta1, beta2)
        denominator = xp.sqrt(v / (1 - beta2**step))
        denominator += group["eps"]
        p += g / denominator * (-lr * (1.0 - mu) / (1.0 - product))
        p += m / denominator * (-lr * mu_next / (1.0 - product * mu_next))


class RAdam(Optimizer):
    r"""RAdam (Liu et al., 2019), PyTorch's rule: Adam whose adaptive step is switched on only
    once the variance estimate can be trusted, and then scaled by a rectification ``r_t``.

    For each parameter ``p`` with gradient ``g``, at step ``t = 1, 2, ...``::

        g = g + weight_decay * p                 if weight_decay != 0 (L2 penalty)
        p = p * (1 - lr * weight_decay)          instead, if decoupled_weight_decay
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 t beta2 ** t / (1 - beta2 ** t)
        if rho_t > 5:                             (from the 6th step with the usual betas)
            r_t = sqrt((rho_t - 4) (rho_t - 2) rho_inf / ((rho_inf - 4) (rho_inf - 2) rho_t))
            p = p - lr * m / (1 - beta1 ** t) * sqrt(1 - beta2 ** t) / (sqrt(v) + eps) * r_t
        else:                                     (SGD with momentum, bias-corrected)
            p = p - lr * m / (1 - beta1 ** t)

    The state is ``step``, ``exp_avg`` (m) and ``exp_avg_sq`` (v).

    Args:
        params: the tensors to optimize, or parameter groups (see :class:`Optimizer`).
        lr: the learning rate, >= 0 (default 0.001).
        betas: ``(beta1, beta2)``, each in [0, 1).
        eps: added to the denominator, >= 0.
        weight_decay: >= 0.
        decoupled_weight_decay: shrink ``p`` itself as AdamW does.
        maximize: climb the objective instead of descending it.

    Examples:
        >>> import tinygrad_edu as tg
        >>> w = tg.Tensor([1.0], requires_grad=True)
        >>> optimizer = tg.optim.RAdam([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> optimizer.step()  # rho_1 = 1: a plain momentum step, lr * g
        >>> round(w.item(), 4)
        0.8
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled_weight_decay: bool = False, *,
                 maximize: bool = False) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    _check_group = Adam._check_group

    def _update(self, param: Tensor, grad: Tensor, group: dict[str, Any],
                state: dict[str, Any]) -> None:
        beta1, beta2 = group["betas"]
        lr = group["lr"]
        _start(param, state, "exp_avg", "exp_avg_sq")
        step = state["step"]
        p, g = self._arrays(param, grad)
        xp = param.backend.xp
        g = decayed_gradient(p, g, group)
        m, v = self._writable(state["exp_avg"]), self._writable(state["exp_avg_sq"])
        update_moments(m, v, g, beta1, beta2)
        correction2 = 1 - beta2**step
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * beta2**step / correction2
        rect2 = (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
        # The switch and r_t as 0-d arrays (where rho_t <= 5 r_t is unused: clamped at 0).
        rectified = xp.asarray(rho_t, dtype=xp.float64) > 5.0
        rect = xp.sqrt(xp.maximum(xp.asarray(rect2, dtype=xp.float64), 0.0)).astype(p.dtype)
        momentum = m / (1 - beta1**step) * lr
        adaptive = xp.sqrt(v)
        adaptive += group["eps"]
        adaptive = correction2**0.5 / adaptive
        p -= xp.where(rectified, momentum * adaptive * rect, momentum)
