"""Edge cases where the engine once gave other numbers than PyTorch, or crashed (issue 9).

Each test compares with PyTorch where it is installed (and is skipped, saying so, where it is
not); where the right answer is simple it is written out exactly instead.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, Value

HAS_TORCH = importlib.util.find_spec("torch") is not None
needs_torch = pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed")

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # inf/nan on purpose


def _same(ours: Any, theirs: Any) -> None:
    """Equal as IEEE values (nan where nan, inf where inf), to float32 rounding."""
    np.testing.assert_allclose(
        np.asarray(ours, dtype=np.float64), np.asarray(theirs, dtype=np.float64),
        rtol=2e-6, atol=0, equal_nan=True,
    )


def _value_and_grads(
    fn: Callable[..., Any], *values: Any, dtype: str = "float32", library: str = "tg"
) -> tuple[Any, list[Any]]:
    """fn(*inputs) and the gradients of its sum, in tinygrad_edu or in PyTorch."""
    if library == "torch":
        import torch

        inputs = [
            torch.tensor(np.asarray(v, dtype=dtype), requires_grad=True) for v in values
        ]
        out = fn(*inputs)
        out.sum().backward()
        return out.detach().numpy(), [_grad_of(t.grad, t.shape) for t in inputs]
    tensors = [Tensor(np.asarray(v, dtype=dtype), requires_grad=True) for v in values]
    out = fn(*tensors)
    out.sum().backward()
    return out.numpy(), [_grad_of(t.grad, t.shape) for t in tensors]


def _grad_of(grad: Any, shape: Any) -> Any:
    """A gradient as an array (zeros for an input the output does not use)."""
    return np.zeros(tuple(shape)) if grad is None else grad.numpy()


def _check(fn: Callable[..., Any], *values: Any, dtype: str = "float32") -> None:
    out, grads = _value_and_grads(fn, *values, dtype=dtype)
    want_out, want_grads = _value_and_grads(fn, *values, dtype=dtype, library="torch")
    _same(out, want_out)
    for got, want in zip(grads, want_grads, strict=True):
        _same(got, want)


# -- masked gradients: where an input did not reach the output its gradient is exactly 0 -------
def test_relu_then_sqrt_gives_zero_not_nan_where_blocked() -> None:
    x = Tensor([-1.0, 0.0, 4.0], requires_grad=True)
    x.relu().sqrt().sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.25]


@needs_torch
@pytest.mark.parametrize(
    "fn",
    [
        lambda x: x.relu().sqrt(),
        lambda x: x.clamp(0.0, 3.0).sqrt(),
        lambda x: x.clamp(min=0.0).sqrt(),
        lambda x: (x.clamp(max=0.0) * -1).sqrt(),
        lambda x: x.abs().sqrt(),  # nan at 0 in both: x = 0 reaches the output
        lambda x: (x.amax() - 4.0 + x * 0).sqrt(),
        lambda x: (x.amin() + 1.0 + x * 0).sqrt(),
        lambda x: x.reshape(1, 3).amax(1).sqrt(),
    ],
    ids=["relu", "clamp", "clamp_min", "clamp_max", "abs", "amax", "amin", "amax_axis"],
)
def test_masked_gradients_match_torch(fn: Callable[[Any], Any]) -> None:
    _check(fn, [-1.0, 0.0, 4.0])


@needs_torch
def test_maximum_and_minimum_with_an_inf_gradient_match_torch() -> None:
    import torch

    zeros = np.zeros(3, dtype=np.float32)
    _check(lambda x, y: x.maximum(y).sqrt(), [-1.0, 0.0, 4.0], zeros)
    _check(
        lambda x, y: (x.minimum(y) if isinstance(x, Tensor) else torch.minimum(x, y)).neg().sqrt(),
        [-4.0, 0.0, 1.0], zeros,
    )


def test_masked_gradients_also_hold_with_create_graph() -> None:
    x = Tensor([-1.0, 0.0, 4.0], requires_grad=True)
    (g,) = tg.grad(x.relu().sqrt().sum(), x, create_graph=True)
    assert g.tolist() == [0.0, 0.0, 0.25]


# -- division, softmax, sigmoid -----------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize(
    ("x", "y", "dtype"),
    [(1e-30, 1e-23, "float32"), (1e-200, 1e-170, "float64"), (3.0, 7.0, "float32")],
)
def test_division_gradient_does_not_underflow(x: float, y: float, dtype: str) -> None:
    _check(lambda a, b: a / b, [x], [y], dtype=dtype)


def test_division_gradient_exact_values() -> None:
    x = Tensor(np.float32(1e-30), requires_grad=True)
    y = Tensor(np.float32(1e-23), requires_grad=True)
    (x / y).backward()
    assert y.grad.item() == pytest.approx(-1e16, rel=1e-6)


@needs_torch
@pytest.mark.parametrize(
    "logits", [[1e8, 1e8], [1e5, 1e5 + 1], [3e4, 3e4], [-1e8, 0.0, 1e8], [1.0, 2.0, 3.0]]
)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_keeps_precision_for_large_logits(name: str, logits: list[float]) -> None:
    import torch

    if name == "softmax":
        _check(lambda x: x.softmax(-1) if isinstance(x, Tensor) else torch.softmax(x, -1), logits)
    else:
        _check(
            lambda x: x.log_softmax(-1) if isinstance(x, Tensor) else torch.log_softmax(x, -1),
            logits,
        )


def test_softmax_exact_values() -> None:
    assert Tensor(np.array([1e8, 1e8], dtype=np.float32)).softmax().tolist() == [0.5, 0.5]
    out = Tensor(np.array([1e5, 1e5 + 1], dtype=np.float32)).log_softmax().numpy()
    np.testing.assert_allclose(out, [-1.3132617, -0.31326169], rtol=1e-6)


@needs_torch
def test_softmax_of_inf_is_nan_as_in_torch() -> None:
    import torch

    ours = Tensor([math.inf, 1.0]).softmax().numpy()
    _same(ours, torch.softmax(torch.tensor([math.inf, 1.0]), -1).numpy())
    assert np.isnan(ours).all()


@needs_torch
@pytest.mark.parametrize(("x", "dtype"), [(-20.0, "float32"), (-30.0, "float32"),
                                          (-40.0, "float64"), (-800.0, "float64"),
                                          (20.0, "float32"), (0.0, "float32")])
def test_sigmoid_for_large_negative_inputs(x: float, dtype: str) -> None:
    _check(lambda t: t.sigmoid(), [x], dtype=dtype)
    _check(lambda t: t.sigmoid().log(), [x], dtype=dtype)


def test_sigmoid_exact_values() -> None:
    assert Tensor(np.float64(-40.0)).sigmoid().item() == pytest.approx(4.248354255291589e-18)
    assert Tensor(np.float32(-30.0)).sigmoid().log().item() == pytest.approx(-30.0)
    assert math.isnan(Tensor(math.nan).sigmoid().item())


# -- edge cases --------------------------------------------------------------------------------
def test_nan_to_the_zeroth_power_has_gradient_zero() -> None:
    x = Tensor(math.nan, requires_grad=True)
    y = x**0
    y.backward()
    assert y.item() == 1.0 and x.grad.item() == 0.0


@needs_torch
def test_std_does_not_overflow_in_float32() -> None:
    _check(lambda x: x.std(), [-1e20, 1e20])
    _check(lambda x: x.std(), [1.0, 2.0, 4.0])
    _check(lambda x: x.std(0, keepdim=True), [[1.0, 2.0], [3.0, 5.0]])


# var and std with correction >= n (n - correction <= 0): PyTorch's value is inf (nan for
# constant data); its gradient over all elements is inf (nan where x is the mean), and over
# given axes follows 2 (x - mean) / (n - correction): +-inf for n = correction, finite beyond.
VAR_DATA = [[1.0, 2.0, 4.0], [1.0, 2.0, 3.0], [3.0], [2.0, 2.0]]
torch_warns_about_dof = pytest.mark.filterwarnings("ignore:.*degrees of freedom")


@needs_torch
@torch_warns_about_dof
@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("values", VAR_DATA)
@pytest.mark.parametrize("extra", [0, 1, 3])  # correction = n + extra
@pytest.mark.parametrize("axis", [None, 0])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_var_and_std_with_correction_at_least_n_match_torch(
    name: str, values: list[float], extra: int, axis: int | None, dtype: str
) -> None:
    correction = len(values) + extra
    _check(lambda x: getattr(x, name)(axis, correction=correction), values, dtype=dtype)


@needs_torch
@torch_warns_about_dof
@pytest.mark.parametrize("correction", [0, 1, 3, 4])
@pytest.mark.parametrize("axis", [1, (0, 1)])
def test_var_over_some_axes_with_large_corrections_matches_torch(
    correction: int, axis: Any
) -> None:
    rows = [[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]]  # the second row is constant: at its mean
    _check(lambda x: x.var(axis, correction=correction), rows, dtype="float64")
    _check(lambda x: x.std(axis, keepdim=True, correction=correction), rows, dtype="float64")


def test_var_gradient_with_correction_n_is_inf_not_nan() -> None:
    x = Tensor([1.0, 2.0, 4.0], requires_grad=True)
    y = x.var(correction=3)
    y.backward()
    assert y.item() == math.inf and x.grad.tolist() == [math.inf] * 3
    x = Tensor([1.0, 2.0, 4.0], requires_grad=True)
    x.var(0, correction=4).backward()  # 2 (x - 7/3) / (3 - 4)
    np.testing.assert_allclose(x.grad.numpy(), [8 / 3, 2 / 3, -10 / 3], rtol=1e-6)


@needs_torch
def test_var_second_derivative_matches_torch() -> None:
    import torch

    values = np.array([[1.0, 2.0, 4.0], [0.5, -1.0, 3.0]])
    cotangent = np.array([0.3, -0.7])
    x = Tensor(values, dtype=tg.float64, requires_grad=True)
    (dx,) = tg.grad((x.var(1) * Tensor(cotangent)).sum(), x, create_graph=True)
    (dx * dx).sum().backward()
    xt = torch.tensor(values, requires_grad=True)
    (dxt,) = torch.autograd.grad(
        (xt.var(1) * torch.tensor(cotangent)).sum(), xt, create_graph=True
    )
    (dxt * dxt).sum().backward()
    _same(dx.numpy(), dxt.detach().numpy())
    _same(x.grad.numpy(), xt.grad.numpy())


def test_std_of_constant_data_has_gradient_zero() -> None:
    x = Tensor([3.0, 3.0, 3.0], requires_grad=True)
    x.std().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_value_relu_keeps_nan_like_tensor() -> None:
    assert math.isnan(Value(math.nan).relu().data)
    assert math.isnan(Tensor(math.nan).relu().item())


def test_value_follows_ieee_like_tensor() -> None:
    assert (Value(1.0) / Value(0.0)).data == math.inf
    assert (Value(-1.0) / Value(0.0)).data == -math.inf
    assert math.isnan((Value(0.0) / Value(0.0)).data)
    assert Value(1000.0).exp().data == math.inf
    assert (Value(0.0) ** -1).data == math.inf
    assert (Value(10.0) ** 400).data == math.inf
    assert Value(-40.0).sigmoid().data == pytest.approx(4.248354255291589e-18)
    x = Value(0.0)
    (Value(1.0) / x).backward()
    assert x.grad == -math.inf


def test_leaf_gradients_with_create_graph_are_separate_and_writable() -> None:
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward(create_graph=True)
    assert a.grad is not b.grad
    a.grad.data *= 0
    assert a.grad.tolist() == [0.0, 0.0] and b.grad.tolist() == [1.0, 1.0]


def test_create_graph_gradient_is_still_differentiable() -> None:
    x = Tensor(3.0, requires_grad=True)
    (x**3).backward(create_graph=True)
    g = x.grad
    x.grad = None
    g.backward()
    assert x.grad.item() == 18.0


# -- crashes and errors ------------------------------------------------------------------------
@needs_torch
@pytest.mark.parametrize("name", ["logsumexp", "softmax", "log_softmax"])
def test_reductions_over_an_empty_axis(name: str) -> None:
    import torch

    ours = getattr(tg.zeros(3, 0), name)(axis=1)
    theirs = getattr(torch.zeros(3, 0), name)(1)
    assert ours.shape == tuple(theirs.shape)
    _same(ours.numpy(), theirs.numpy())


def test_logsumexp_of_empty_axis_is_minus_inf() -> None:
    assert tg.zeros(3, 0).logsumexp(axis=1).tolist() == [-math.inf] * 3


def test_numpy_integers_are_sizes() -> None:
    assert tg.zeros(np.int64(3)).shape == (3,)
    assert tg.ones((np.int32(2), np.int64(1))).shape == (2, 1)


def test_arange_with_step_zero_says_so() -> None:
    with pytest.raises(ValueError, match="step must be nonzero"):
        tg.arange(0, 1, 0)


@pytest.mark.parametrize(
    "key", [True, False, (True, 0), (0, True), (slice(None), True, [0, 1]), (True, True)]
)
def test_python_bools_index_as_in_numpy(key: Any) -> None:
    data = np.arange(6.0).reshape(2, 3)
    x = Tensor(data, requires_grad=True)
    out = x[key]
    np.testing.assert_array_equal(out.numpy(), data[key])
    out.sum().backward()
    want = np.zeros_like(data)
    np.add.at(want, key, 1.0)
    np.testing.assert_array_equal(x.grad.numpy(), want)


@needs_torch
def test_clamp_with_tensor_bounds_matches_torch() -> None:
    import torch

    values = [[1.0, 2.0, 3.0], [0.5, 1.0, 1.0], [2.5, 2.0, 2.5]]
    for fn in (lambda x, lo, hi: x.clamp(lo, hi), lambda x, lo, hi: x.clamp(min=lo),
               lambda x, lo, hi: x.clamp(max=hi)):
        _check(fn, *values)
    assert torch  # the reference is torch.Tensor.clamp, called through the same lambdas


def test_iterating_a_0d_tensor_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        list(Tensor(3.0))
    assert [t.item() for t in Tensor([1.0, 2.0])] == [1.0, 2.0]


def test_forward_returning_a_list_names_the_function() -> None:
    class ReturnsList(tg.Function):
        @staticmethod
        def forward(ctx: Any, x: Any) -> Any:
            return [x]

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            return grad

    for requires_grad in (True, False):
        with pytest.raises(TypeError, match="ReturnsList.forward returned a list"):
            ReturnsList.apply(Tensor([1.0], requires_grad=requires_grad))


def test_backward_with_a_grad_on_another_backend_says_so() -> None:
    pytest.importorskip("array_api_strict", reason="array-api-strict is not installed")
    x = Tensor([1.0, 2.0], requires_grad=True)
    grad = Tensor([1.0, 1.0], backend="array_api_strict")
    with pytest.raises(RuntimeError, match="backward\\(\\): grad lives on backend"):
        (x * 2).backward(grad)


def test_use_backend_names_what_was_typed_not_itself() -> None:
    with pytest.raises(ValueError, match=r"^Unknown backend 'bogus'\. "), tg.use_backend("bogus"):
        pass
