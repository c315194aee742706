"""Value, the scalar engine: each op against hand-derived derivatives and finite differences,
the reflected operators' signs, and Value against Tensor on the same expressions."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.autograd as autograd
import tinygrad_edu.value as value_module
from tinygrad_edu import Tensor, Value


def grads_of(fn: Callable[..., Value], *xs: float) -> tuple[float, list[float]]:
    """Forward value and the gradients of ``fn`` at ``xs``, through Value.backward()."""
    inputs = [Value(x) for x in xs]
    out = fn(*inputs)
    out.backward()
    return out.data, [v.grad for v in inputs]


def finite_differences(fn: Callable[..., Value], *xs: float, eps: float = 1e-6) -> list[float]:
    """Central differences of ``fn`` in each argument, computed on plain floats."""
    out = []
    for i in range(len(xs)):
        up = list(xs)
        down = list(xs)
        up[i] += eps
        down[i] -= eps
        out.append((fn(*map(Value, up)).data - fn(*map(Value, down)).data) / (2 * eps))
    return out


# Each row: name, function, a point, forward value there, gradients there (derived by hand).
CASES = [
    ("add", lambda a, b: a + b, (1.5, -2.0), -0.5, [1.0, 1.0]),
    ("sub", lambda a, b: a - b, (1.5, -2.0), 3.5, [1.0, -1.0]),
    ("mul", lambda a, b: a * b, (1.5, -2.0), -3.0, [-2.0, 1.5]),
    ("div", lambda a, b: a / b, (1.5, -2.0), -0.75, [-0.5, -1.5 / 4.0]),
    ("pow const", lambda a: a**3, (1.5,), 3.375, [3 * 1.5**2]),
    ("pow negative const", lambda a: a**-2, (2.0,), 0.25, [-2 * 2.0**-3]),
    ("pow zero", lambda a: a**0, (2.0,), 1.0, [0.0]),
    ("pow value", lambda a, b: a**b, (2.0, 3.0), 8.0, [3 * 4.0, 8.0 * math.log(2.0)]),
    ("neg", lambda a: -a, (1.5,), -1.5, [-1.0]),
    ("exp", lambda a: a.exp(), (0.5,), math.exp(0.5), [math.exp(0.5)]),
    ("log", lambda a: a.log(), (2.0,), math.log(2.0), [0.5]),
    ("tanh", lambda a: a.tanh(), (0.5,), math.tanh(0.5), [1 - math.tanh(0.5) ** 2]),
    (
        "sigmoid",
        lambda a: a.sigmoid(),
        (0.5,),
        1 / (1 + math.exp(-0.5)),
        [math.exp(-0.5) / (1 + math.exp(-0.5)) ** 2],
    ),
    ("relu positive", lambda a: a.relu(), (0.5,), 0.5, [1.0]),
    ("relu negative", lambda a: a.relu(), (-0.5,), 0.0, [0.0]),
    ("relu at 0 (PyTorch: 0)", lambda a: a.relu(), (0.0,), 0.0, [0.0]),
    # Reflected operators: the number is on the left. Sign mistakes here are a classic bug.
    ("radd", lambda a: 2 + a, (1.5,), 3.5, [1.0]),
    ("rsub", lambda a: 2 - a, (1.5,), 0.5, [-1.0]),
    ("rmul", lambda a: 2 * a, (1.5,), 3.0, [2.0]),
    ("rtruediv", lambda a: 2 / a, (4.0,), 0.5, [-2 / 16.0]),
    ("rpow", lambda a: 2**a, (3.0,), 8.0, [8.0 * math.log(2.0)]),
    ("same value twice", lambda a: a * a + a, (3.0,), 12.0, [7.0]),
]


@pytest.mark.parametrize(("name", "fn", "point", "expected", "expected_grads"), CASES)
def test_value_op_against_hand_derivative(name, fn, point, expected, expected_grads) -> None:
    out, grads = grads_of(fn, *point)
    assert out == pytest.approx(expected, rel=1e-14, abs=1e-15)
    assert grads == pytest.approx(expected_grads, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    ("name", "fn", "point"),
    [(name, fn, point) for name, fn, point, *_ in CASES if "relu at 0" not in name],
)
def test_value_op_against_finite_differences(name, fn, point) -> None:
    _, grads = grads_of(fn, *point)
    assert grads == pytest.approx(finite_differences(fn, *point), rel=1e-6, abs=1e-8)


def test_sigmoid_does_not_overflow() -> None:
    assert Value(-1000.0).sigmoid().data == 0.0
    assert Value(1000.0).sigmoid().data == 1.0


def test_log_of_non_positive_is_ieee_like_tensor() -> None:
    assert Value(0.0).log().data == -math.inf
    assert math.isnan(Value(-1.0).log().data)


@pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")  # NumPy's, for the Tensor
def test_power_at_zero_is_infinite_slope_like_tensor() -> None:
    x = Value(0.0)
    y = x**0.5
    y.backward()
    t = Tensor(0.0, dtype=tg.float64, requires_grad=True)
    (t**0.5).backward()
    assert y.data == 0.0 and x.grad == math.inf == t.grad.item()


def test_complex_power_is_nan_like_tensor() -> None:
    assert math.isnan((Value(-1.0) ** 0.5).data)
    assert (Value(-2.0) ** 3).data == -8.0


def test_backward_twice_accumulates_like_micrograd() -> None:
    a = Value(3.0)
    out = a * a
    out.backward()
    out.backward()
    assert a.grad == 12.0


def test_micrograd_neuron() -> None:
    x1, x2, w1, w2 = Value(2.0), Value(0.0), Value(-3.0), Value(1.0)
    b = Value(6.8813735870195432)
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.backward()
    assert o.data == pytest.approx(math.sqrt(0.5), rel=1e-12)
    # do/dn = 1 - o^2 = 0.5, so do/dx1 = w1 * 0.5 and so on.
    assert (x1.grad, x2.grad, w1.grad, w2.grad, b.grad) == pytest.approx(
        (-1.5, 0.5, 1.0, 0.0, 0.5), rel=1e-12
    )


# -- one traversal, two front ends ---------------------------------------------------------


def test_value_and_tensor_use_the_same_traversal(monkeypatch: pytest.MonkeyPatch) -> None:
    assert value_module.run_backward is autograd.run_backward
    seen: list[str] = []
    original = autograd.topological_order

    def spy(root):
        seen.append(type(root).__name__)
        return original(root)

    monkeypatch.setattr(autograd, "topological_order", spy)
    (Value(2.0) * 3.0).backward()
    (Tensor(2.0, requires_grad=True) * 3.0).backward()
    assert seen == ["Value", "Tensor"]


def mlp_with_values(x, layers):
    """A tanh MLP on Python lists of Values; ``layers`` is [(weights, biases), ...]."""
    activations = x
    for index, (weights, biases) in enumerate(layers):
        out = []
        for row, bias in zip(weights, biases, strict=True):
            total = bias
            for w, a in zip(row, activations, strict=True):
                total = total + w * a
            out.append(total.tanh() if index < len(layers) - 1 else total)
        activations = out
    return activations


def test_mlp_value_against_tensor() -> None:
    # The lecture's network R^3 -> R^4 -> R^3 -> R^2, the same numbers in both front ends.
    rng = np.random.default_rng(7)
    sizes = [3, 4, 3, 2]
    weights = [rng.normal(size=(m, n)) for n, m in itertools.pairwise(sizes)]
    biases = [rng.normal(size=m) for m in sizes[1:]]
    x_data = rng.normal(size=3)
    target = np.array([0.5, -1.0])

    value_layers = [
        ([[Value(w) for w in row] for row in wm], [Value(b) for b in bv])
        for wm, bv in zip(weights, biases, strict=True)
    ]
    x_values = [Value(v) for v in x_data]
    prediction = mlp_with_values(x_values, value_layers)
    value_loss = sum(((p - t) ** 2 for p, t in zip(prediction, target, strict=True)), Value(0.0))
    value_loss.backward()

    tensor_layers = [
        (Tensor(wm, requires_grad=True), Tensor(bv, requires_grad=True))
        for wm, bv in zip(weights, biases, strict=True)
    ]
    x_tensor = Tensor(x_data, requires_grad=True)
    h = x_tensor
    for index, (w, b) in enumerate(tensor_layers):
        h = w @ h + b
        if index < len(tensor_layers) - 1:
            h = h.tanh()
    tensor_loss = ((h - Tensor(target)) ** 2).sum()
    tensor_loss.backward()

    assert tensor_loss.dtype == tg.float64
    assert value_loss.data == pytest.approx(tensor_loss.item(), rel=1e-13)
    np.testing.assert_allclose([v.grad for v in x_values], x_tensor.grad.numpy(), rtol=1e-12)
    for (value_w, value_b), (w, b) in zip(value_layers, tensor_layers, strict=True):
        value_w_grad = [[v.grad for v in row] for row in value_w]
        np.testing.assert_allclose(value_w_grad, w.grad.numpy(), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose([v.grad for v in value_b], b.grad.numpy(), rtol=1e-12)


def test_each_value_op_matches_the_tensor_op() -> None:
    point = (0.7, -1.3)
    ops = [
        lambda a, b: a + b,
        lambda a, b: a - b,
        lambda a, b: a * b,
        lambda a, b: a / b,
        lambda a, b: 2.0 - a * b,
        lambda a, b: 2.0 / b,
        lambda a, b: (a * b).exp(),
        lambda a, b: (a * a + b * b).log(),
        lambda a, b: (a * b).tanh(),
        lambda a, b: (a - b).sigmoid(),
        lambda a, b: (a + b).relu() + (a - b).relu(),
        lambda a, b: (a * a) ** 1.5,
        lambda a, b: 2.0 ** (a * b),
        lambda a, b: -(a / b),
    ]
    for fn in ops:
        value_out, value_grads = grads_of(fn, *point)
        a, b = (Tensor(np.float64(p), requires_grad=True) for p in point)
        tensor_out = fn(a, b)
        tensor_out.backward()
        assert value_out == pytest.approx(tensor_out.item(), rel=1e-14)
        # An input the expression does not reach keeps grad None in the Tensor world.
        tensor_grads = [0.0 if t.grad is None else t.grad.item() for t in (a, b)]
        assert value_grads == pytest.approx(tensor_grads, rel=1e-12, abs=1e-15)
