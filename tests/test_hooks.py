"""``Tensor.register_hook``, as PyTorch's autograd tutorials use it: a hook sees a tensor's whole
gradient when backward has it, and a tensor it returns replaces the gradient, for ``.grad``
and for everything upstream. Each program runs with both libraries where PyTorch is
installed, and the gradients must agree."""

from __future__ import annotations

import types
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg


def _libraries() -> list[types.ModuleType]:
    try:
        import torch
    except ImportError:
        return [tg]
    return [tg, torch]


def _program(lib: types.ModuleType) -> dict[str, Any]:
    seen: list[list[float]] = []
    x = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
    h = x * x  # used twice below: its hook must see the sum of both gradients, once
    h.register_hook(lambda g: seen.append(g.tolist()))  # observes, returns None
    doubled = h.register_hook(lambda g: g * 2)  # replaces the gradient flowing on
    x.register_hook(lambda g: g + 1)  # a leaf: changes what lands in .grad
    (h.sum() + (h * 3).sum()).backward(retain_graph=True)  # h's graph is used again below
    first = x.grad.tolist()
    doubled.remove()
    x.grad = None
    (h.sum() + (h * 3).sum()).backward()
    return {"seen": seen, "first": first, "second": x.grad.tolist()}


def test_hooks_change_and_observe_gradients_as_in_pytorch() -> None:
    results = [_program(lib) for lib in _libraries()]
    ours = results[0]
    assert ours["seen"] == [[4.0, 4.0, 4.0], [4.0, 4.0, 4.0]]
    assert ours["first"] == [17.0, -31.0, 49.0]  # 2 * 4 * 2x + 1
    assert ours["second"] == [9.0, -15.0, 25.0]  # the doubling hook removed
    for other in results[1:]:
        assert other == ours


def test_a_hook_on_a_tensor_without_grad_is_refused() -> None:
    with pytest.raises(RuntimeError, match=r"does not require grad.*requires_grad_\(\)"):
        tg.tensor([1.0]).register_hook(lambda g: g)


def test_hooks_apply_in_tg_grad_and_run_in_order() -> None:
    order: list[str] = []
    x = tg.tensor([2.0], requires_grad=True)
    y = x * 5
    y.register_hook(lambda g: order.append("a"))
    y.register_hook(lambda g: order.append("b") or g * 0.5)
    (grad,) = tg.grad(y.sum(), [x])
    assert order == ["a", "b"] and grad.tolist() == [2.5]
    with x.register_hook(lambda g: g * 0):  # a handle is a context manager too
        (grad,) = tg.grad((x * 3).sum(), [x])
    assert grad.tolist() == [0.0]
    assert tg.grad((x * 3).sum(), [x])[0].tolist() == [3.0]


def test_hooks_in_a_training_step_match_pytorch() -> None:
    """Gradient clipping by hook, as some tutorials do it, on a small network."""
    weights = np.random.default_rng(0).normal(size=(3, 2)).astype(np.float32)
    grads = []
    for lib in _libraries():
        w = lib.tensor(weights, requires_grad=True)
        w.register_hook(lambda g: g.clamp(-0.5, 0.5))
        x = lib.tensor([[1.0, -1.0, 2.0]])
        (x @ w).relu().sum().backward()
        grads.append(w.grad.numpy())
    assert np.abs(grads[0]).max() <= 0.5
    for other in grads[1:]:
        np.testing.assert_array_equal(grads[0], other)
