"""tinygrad_edu.gradcheck and gradgradcheck: they pass for correct gradients, and fail, with a
message that helps, for wrong ones."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.gradcheck import analytic_jacobian, numerical_jacobian


def double(*shape: int, seed: int = 0) -> tg.Tensor:
    rng = np.random.default_rng(seed)
    return tg.Tensor(rng.uniform(0.5, 2.0, size=shape), dtype=tg.float64, requires_grad=True)


class WrongSquare(tg.Function):
    """y = x**2 with a deliberately wrong derivative: x instead of 2x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x


class Square(tg.Function):
    """y = x**2;  dy/dx = 2x"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2.0 * x


class SwappedDiv(tg.Function):
    """z = x / y whose backward returns the two gradients in the wrong order."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x / y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return -grad * x / (y * y), grad / y


class MutatingSquare(tg.Function):
    """y = x**2 whose backward scribbles over its input."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        x._data[...] = 0.0
        return grad * 2.0 * x


class FirstOrderOnlySquare(tg.Function):
    """y = x**2 whose backward uses a raw array, so its gradient cannot be differentiated:
    right first derivatives, wrong (zero) second derivatives."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        constant = tg.Tensor(2.0 * x.numpy(), dtype=tg.float64)  # cut out of the graph
        return grad * constant


def test_passes_for_correct_ops() -> None:
    x, y = double(2, 3), double(3, seed=1)
    assert tg.gradcheck(lambda a, b: (a * b).tanh() + a.exp() / b, (x, y))
    assert tg.gradcheck(lambda a: a.softmax(axis=0), x)
    assert tg.gradcheck(Square.apply, x)


def test_passes_for_multiple_outputs_and_inputs() -> None:
    x, y = double(2, 2), double(2, 2, seed=1)
    assert tg.gradcheck(lambda a, b: (a @ b, (a - b).sum(axis=0), b.log()), [x, y])


def test_jacobians_have_one_row_per_output_element() -> None:
    x = tg.Tensor([1.0, 2.0, 3.0], dtype=tg.float64, requires_grad=True)
    (jacobian,) = analytic_jacobian(lambda t: t[:2] * 3.0, x)[0]
    assert jacobian.shape == (2, 3)
    np.testing.assert_array_equal(jacobian, [[3.0, 0.0, 0.0], [0.0, 3.0, 0.0]])
    numerical = numerical_jacobian(lambda t: t[:2] * 3.0, x)[0][0]
    np.testing.assert_allclose(numerical, jacobian, atol=1e-8)


def test_fails_for_a_wrong_backward_with_an_informative_message() -> None:
    x = tg.Tensor([[1.0, -2.0], [0.5, 3.0]], dtype=tg.float64, requires_grad=True)
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(WrongSquare.apply, x)
    message = str(info.value)
    assert "output 0 with respect to input 0" in message
    # The worst element: x = 3.0 at [1, 1], where backward says 3 and the truth is 6.
    assert "d output0[1, 1] / d input0[1, 1]" in message
    assert "backward gave 3" in message and "finite differences gave 6" in message
    assert "Analytical Jacobian" in message and "Numerical Jacobian" in message
    assert isinstance(info.value, AssertionError)


def test_names_the_input_whose_gradient_is_wrong() -> None:
    x, y = double(3), double(3, seed=1)
    with pytest.raises(tg.GradcheckError, match="output 0 with respect to input 0"):
        tg.gradcheck(SwappedDiv.apply, (x, y))


def test_wrong_gradient_in_second_output_is_found() -> None:
    x = double(2)
    with pytest.raises(tg.GradcheckError, match="output 1 with respect to input 0"):
        tg.gradcheck(lambda a: (a.exp(), WrongSquare.apply(a)), x)


def test_raise_exception_false_returns_false() -> None:
    assert tg.gradcheck(WrongSquare.apply, double(3), raise_exception=False) is False
    assert tg.gradcheck(Square.apply, double(3), raise_exception=False) is True


def test_refuses_float32_inputs() -> None:
    x = tg.Tensor([1.0, 2.0], requires_grad=True)  # float32
    with pytest.raises(TypeError, match=r"input 0 is float32.*\.double\(\)"):
        tg.gradcheck(lambda t: t * t, x)


def test_needs_an_input_that_requires_grad() -> None:
    with pytest.raises(ValueError, match="requires_grad=True"):
        tg.gradcheck(lambda t: t * t, tg.Tensor([1.0], dtype=tg.float64))


def test_only_inputs_that_require_grad_are_checked() -> None:
    x = double(3)
    constant = tg.Tensor([1.0, 2.0, 3.0], dtype=tg.float64)
    assert tg.gradcheck(lambda a, c: a * c, (x, constant))


def test_detects_backward_that_mutates_its_input() -> None:
    with pytest.raises(tg.GradcheckError, match="changed input 0 in place"):
        tg.gradcheck(MutatingSquare.apply, double(3))


def test_inputs_are_restored_after_the_check() -> None:
    x = double(2, 3)
    before = x.numpy().copy()
    tg.gradcheck(lambda t: t.sqrt().sum(axis=1), x)
    np.testing.assert_array_equal(x.numpy(), before)


def test_unused_input_has_a_zero_jacobian() -> None:
    x, y = double(2), double(2, seed=1)
    assert tg.gradcheck(lambda a, b: a * 2.0, (x, y))


def test_gradgradcheck_passes_for_correct_ops() -> None:
    x, y = double(2, 3), double(3, seed=1)
    assert tg.gradgradcheck(lambda a, b: (a * b).tanh() + a.log() * b, (x, y))
    assert tg.gradgradcheck(Square.apply, x)
    assert tg.gradgradcheck(lambda a: (a.sigmoid(), a @ a.T), x)


def test_gradgradcheck_with_explicit_grad_outputs() -> None:
    x = double(3)
    v = tg.Tensor([1.0, -2.0, 0.5], dtype=tg.float64)
    assert tg.gradgradcheck(lambda a: a.exp() * a, x, grad_outputs=v)
    with pytest.raises(ValueError, match="shape"):
        tg.gradgradcheck(lambda a: a.exp(), x, grad_outputs=tg.Tensor([1.0], dtype=tg.float64))


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable() -> None:
    x = double(3)
    assert tg.gradcheck(FirstOrderOnlySquare.apply, x)  # first derivatives are right
    with pytest.raises(tg.GradcheckError, match="gradgradcheck"):
        tg.gradgradcheck(FirstOrderOnlySquare.apply, x)


def test_large_jacobians_are_truncated_in_the_message() -> None:
    x = tg.Tensor(np.linspace(0.5, 2.0, 40), dtype=tg.float64, requires_grad=True)
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(WrongSquare.apply, x)
    assert "..." in str(info.value)
    assert len(str(info.value)) < 4000
