"""The build-it exercises' checkers (tinygrad_edu.exercises): each passes a right solution, and
catches the typical wrong ones, naming the wrong number and the mistake."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import exercises as ex
from tinygrad_edu.exercises import ExerciseError


def relu(t: np.ndarray) -> np.ndarray:
    return np.maximum(t, 0.0)


def softmax(S: np.ndarray) -> np.ndarray:
    e = np.exp(S - S.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def forward(layers: list[Any], X: np.ndarray) -> np.ndarray:
    h = X
    for k, (A, b) in enumerate(layers, start=1):
        h = h @ A.T + b
        if k < len(layers):
            h = relu(h)
    return h


RIGHT: list[tuple[Callable[..., Any], Callable[..., Any]]] = [
    (ex.check_pixel_index, lambda r, c: 28 * r + c),
    (ex.check_linear_forward, lambda A, b, x: A @ x + b),
    (ex.check_network_forward, forward),
    (ex.check_softmax, softmax),
    (ex.check_relu_backward, lambda z, grad: grad * (z > 0)),
    (ex.check_delta_recursion, lambda A, delta, z: A.T @ delta * (z > 0)),
    (ex.check_sgd_step, lambda w, grad, lr: w - lr * grad),
]


@pytest.mark.parametrize(("checker", "solution"), RIGHT, ids=lambda f: getattr(f, "__name__", ""))
def test_a_right_solution_passes(checker: Callable[..., Any], solution: Any) -> None:
    result = checker(solution)
    assert isinstance(result, ex.Passed)
    assert str(result) == f"{checker.__name__}: all {result.cases} cases right"
    assert result.cases >= 3


def test_every_checker_is_exported_and_tested() -> None:
    checkers = {name for name in ex.__all__ if name.startswith("check_")}
    assert checkers == {checker.__name__ for checker, _ in RIGHT}


def sgd_in_place(w: np.ndarray, grad: np.ndarray, lr: float) -> None:
    w -= lr * grad  # forgets to return


def relu_net(layers: list[Any], X: np.ndarray) -> np.ndarray:
    h = X
    for A, b in layers:
        h = relu(h @ A.T + b)  # also after the last layer
    return h


def linear_net(layers: list[Any], X: np.ndarray) -> np.ndarray:
    h = X
    for A, b in layers:
        h = h @ A.T + b  # no ReLU at all
    return h


# (checker, a typical wrong solution, words the hint must contain)
WRONG: list[tuple[Callable[..., Any], Callable[..., Any], str]] = [
    (ex.check_pixel_index, lambda r, c: 28 * c + r, "rows and columns swapped"),
    (ex.check_pixel_index, lambda r, c: 28 * r + c + 1, "counted from 1"),
    (ex.check_pixel_index, lambda r, c: 27 * r + c, "28 pixels, not 27"),
    (ex.check_linear_forward, lambda A, b, x: A @ x, "forget the bias"),
    (ex.check_linear_forward, lambda A, b, x: relu(A @ x + b), "no ReLU"),
    (ex.check_linear_forward, lambda A, b, x: x @ A + b, "A @ x fits"),
    (ex.check_network_forward, relu_net, "no ReLU after the last layer"),
    (ex.check_network_forward, linear_net, "ReLU between the layers is missing"),
    (ex.check_network_forward, lambda layers, X: X @ layers[0][0], "X @ A.T"),
    (ex.check_softmax, lambda S: np.exp(S) / np.exp(S).sum(axis=1, keepdims=True), "overflows"),
    (ex.check_softmax, lambda S: np.exp(S), "divide by the sum"),
    (ex.check_softmax, lambda S: softmax(S.T).T, "along each row"),
    (ex.check_relu_backward, lambda z, grad: grad * (z >= 0), "relu'(0) should be 0"),
    (ex.check_relu_backward, lambda z, grad: (z > 0) * 1.0, "multiply by the gradient"),
    (ex.check_relu_backward, lambda z, grad: grad * relu(z), "not relu(z)"),
    (ex.check_relu_backward, lambda z, grad: None, "forget `return`"),
    (ex.check_delta_recursion, lambda A, delta, z: A.T @ delta, "forgot relu'"),
    (ex.check_delta_recursion, lambda A, delta, z: A.T @ delta * (z >= 0), "relu'(0) should"),
    (ex.check_delta_recursion, lambda A, delta, z: A @ delta * (z > 0), "A.T @ delta"),
    (ex.check_sgd_step, lambda w, grad, lr: w + lr * grad, "against the gradient"),
    (ex.check_sgd_step, lambda w, grad, lr: w - grad, "by the learning rate"),
    (ex.check_sgd_step, sgd_in_place, "forget `return`"),
]


@pytest.mark.parametrize(("checker", "wrong", "hint"), WRONG, ids=[w[2] for w in WRONG])
def test_a_typical_mistake_is_caught_and_named(
    checker: Callable[..., Any], wrong: Any, hint: str
) -> None:
    with np.errstate(all="ignore"), pytest.raises(ExerciseError) as caught:
        checker(wrong)
    error = caught.value
    message = str(error)
    assert message.startswith(f"{checker.__name__}: case {error.case} of ")
    assert "  input: " in message
    assert hint in error.hint and f"hint: {error.hint}" in message
    assert isinstance(error, AssertionError)  # a failed check, as pytest and notebooks show it


def test_the_message_names_the_wrong_number_its_index_and_both_values() -> None:
    with pytest.raises(ExerciseError) as caught:
        ex.check_relu_backward(lambda z, grad: grad * (z >= 0))
    error = caught.value
    # Case 2 is z = [-1, 0, 2]: only the entry at z = 0 is wrong.
    assert (error.case, error.index, error.expected, error.got) == (2, (1,), 0.0, -2.0)
    assert "at index [1]: expected 0, got -2 (1 of 3 are wrong)" in str(error)
    assert "z = [-1, 0, 2], grad = [0.5, -2, 3]" in str(error)


def test_a_wrong_shape_is_reported_with_both_shapes() -> None:
    with pytest.raises(ExerciseError, match=r"expected shape \(2,\), got shape \(1, 2\)"):
        ex.check_linear_forward(lambda A, b, x: (A @ x + b)[None, :])


def test_an_error_in_the_learners_code_is_a_wrong_case_with_a_hint() -> None:
    with pytest.raises(ExerciseError, match="your function raised ZeroDivisionError") as caught:
        ex.check_sgd_step(lambda w, grad, lr: w - lr * grad / 0.0 if lr > 1 else 1 / 0)
    assert caught.value.index is None and caught.value.hint


def test_a_tensor_or_a_list_may_be_returned() -> None:
    ex.check_sgd_step(lambda w, grad, lr: tg.tensor(w) - lr * tg.tensor(grad))
    ex.check_relu_backward(lambda z, grad: (grad * (z > 0)).tolist())


def test_inputs_changed_in_place_do_not_spoil_the_next_case() -> None:
    def sgd(w: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
        w -= lr * grad  # changes the checker's copy only
        return w

    assert str(ex.check_sgd_step(sgd)) == "check_sgd_step: all 3 cases right"


def test_passing_the_result_instead_of_the_function_is_refused_clearly() -> None:
    with pytest.raises(TypeError, match=r"takes your function itself"):
        ex.check_softmax(softmax(np.zeros((1, 3))))  # type: ignore[arg-type]
