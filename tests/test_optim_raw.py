"""The optimizers update the backend's arrays in place (issue 18): the same numbers, to the last
bit, as the rules written with Tensor in-place operations (the code they replaced, kept here as
the reference), and the same version counting."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.optim import SGD, Adam, AdamW


class TensorSGD(SGD):
    """SGD's rule as it was written with Tensor operations."""

    def _update(self, param: Any, grad: Any, group: dict, state: dict) -> None:
        momentum = group["momentum"]
        if group["maximize"]:
            grad = -grad
        if group["weight_decay"] != 0:
            grad = grad + param * group["weight_decay"]
        if momentum != 0:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = grad.clone()
            else:
                buffer.mul_(momentum).add_(grad, alpha=1 - group["dampening"])
            grad = grad + buffer * momentum if group["nesterov"] else buffer
        param.add_(grad, alpha=-group["lr"])


def _tensor_adam_update(self: Any, param: Any, grad: Any, group: dict, state: dict) -> None:
    """Adam's rule as it was written with Tensor operations."""
    beta1, beta2 = group["betas"]
    lr, weight_decay = group["lr"], group["weight_decay"]
    if not state:
        state["step"] = 0
        state["exp_avg"] = tg.zeros_like(param)
        state["exp_avg_sq"] = tg.zeros_like(param)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = tg.zeros_like(param)
    state["step"] += 1
    step = state["step"]
    if group["maximize"]:
        grad = -grad
    if weight_decay != 0:
        if group["decoupled_weight_decay"]:
            param.mul_(1 - lr * weight_decay)
        else:
            grad = grad + param * weight_decay
    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    exp_avg.lerp_(grad, 1 - beta1)
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    step_size = lr / (1 - beta1**step)
    bias_correction2_sqrt = (1 - beta2**step) ** 0.5
    if group["amsgrad"]:
        max_exp_avg_sq = state["max_exp_avg_sq"]
        max_exp_avg_sq.copy_(tg.maximum(max_exp_avg_sq, exp_avg_sq))
        denominator = max_exp_avg_sq.sqrt() / bias_correction2_sqrt
    else:
        denominator = exp_avg_sq.sqrt() / bias_correction2_sqrt
    denominator.add_(group["eps"])
    param.addcdiv_(exp_avg, denominator, value=-step_size)


class TensorAdam(Adam):
    _update = _tensor_adam_update


class TensorAdamW(AdamW):
    _update = _tensor_adam_update


def _run(optimizer_class: type, kwargs: dict, dtype: Any, steps: int = 6) -> list[np.ndarray]:
    rng = np.random.default_rng(1)
    params = [tg.Tensor(rng.standard_normal(shape).astype(dtype), requires_grad=True)
              for shape in ((5, 3), (3,))]
    optimizer = optimizer_class(params, **kwargs)
    for _ in range(steps):
        for p in params:
            # gradients of every size, zeros and exact ties included
            scale = 10.0 ** int(rng.integers(-8, 3))
            p.grad = tg.Tensor((rng.standard_normal(p.shape) * scale).astype(dtype))
        optimizer.step()
    state = [t.numpy() for s in optimizer.state.values() for t in s.values()
             if isinstance(t, tg.Tensor)]
    return [p.numpy() for p in params] + state


SGD_CASES = [
    {"lr": 0.1}, {"lr": 0.1, "momentum": 0.9}, {"lr": 0.05, "momentum": 0.9, "dampening": 0.3},
    {"lr": 0.1, "momentum": 0.8, "nesterov": True, "weight_decay": 1e-2},
    {"lr": 0.3, "maximize": True, "weight_decay": 0.1, "momentum": 0.5},
]
ADAM_CASES = [
    {}, {"lr": 1e-2, "weight_decay": 0.1}, {"lr": 3e-3, "amsgrad": True},
    {"lr": 1e-2, "betas": (0.8, 0.99), "eps": 1e-6, "maximize": True, "amsgrad": True},
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kwargs", SGD_CASES)
def test_sgd_on_arrays_is_bit_identical_to_the_tensor_rule(kwargs: dict, dtype: Any) -> None:
    got, expected = _run(SGD, kwargs, dtype), _run(TensorSGD, kwargs, dtype)
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g.dtype == e.dtype and np.array_equal(g, e)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("fast", "reference", "kwargs"),
                         [(Adam, TensorAdam, k) for k in ADAM_CASES]
                         + [(AdamW, TensorAdamW, {"lr": 1e-2, "weight_decay": 0.5})])
def test_adam_on_arrays_is_bit_identical_to_the_tensor_rule(fast: type, reference: type,
                                                            kwargs: dict, dtype: Any) -> None:
    got, expected = _run(fast, kwargs, dtype), _run(reference, kwargs, dtype)
    assert len(got) == len(expected) >= 4
    for g, e in zip(got, expected, strict=True):
        assert g.dtype == e.dtype and np.array_equal(g, e)


def test_a_step_counts_as_an_in_place_change() -> None:
    """A parameter saved by an operation and then stepped: backward says it was changed."""
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    w.grad = tg.Tensor([1.0, 1.0])
    tg.optim.SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_a_read_only_parameter_is_refused_clearly() -> None:
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    w._data.flags.writeable = False
    w.grad = tg.Tensor([1.0, 1.0])
    with pytest.raises(ValueError, match="read-only.*clone"):
        tg.optim.Adam([w]).step()
