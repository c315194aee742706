"""Build-it exercises: checkers for the code a learner writes while reading the lecture.

Each chapter asks for a small function written by hand (a pixel's index, a layer's forward,
softmax, relu's backward, the delta recursion, an SGD step). A checker calls that function on a
few cases, with NumPy ``float64`` arrays as inputs, and compares every number it returns with
the right one:

* all right: it returns a :class:`Passed`, which prints as
  ``check_softmax: all 4 cases right``;
* a number wrong: it **raises** :class:`ExerciseError` (an ``AssertionError``) at the first
  wrong case. The message says which case, its inputs, which number is wrong (its index), the
  expected and the returned value, and a hint why. Where the returned numbers are those of a
  known mistake (a transposed matrix, a forgotten bias, ``z >= 0`` for ``z > 0``), the hint
  names that mistake. The same facts are attributes of the error (``case``, ``index``,
  ``expected``, ``got``, ``hint``).

Raising rather than returning False makes a wrong answer impossible to miss: a notebook cell
turns red, a script stops. The function may return anything ``numpy.asarray`` accepts, or a
tensor of this library (its ``.numpy()`` is compared). The inputs are copies: changing them in
place does no harm.

Examples:
    >>> import numpy as np
    >>> from tinygrad_edu.exercises import check_relu_backward
    >>> def relu_backward(z, grad):
    ...     return grad * (z > 0)
    >>> print(check_relu_backward(relu_backward))
    check_relu_backward: all 4 cases right
    >>> check_relu_backward(lambda z, grad: grad * (z >= 0))
    Traceback (most recent call last):
    ...
    tinygrad_edu.exercises.ExerciseError: check_relu_backward: case 2 of 4 is wrong
      input: z = [-1, 0, 2], grad = [0.5, -2, 3]
      at index [1]: expected 0, got -2 (1 of 3 are wrong)
      hint: relu'(0) should be 0, as in PyTorch: pass the gradient where z > 0, not z >= 0
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "ExerciseError", "Passed", "check_pixel_index", "check_linear_forward",
    "check_network_forward", "check_softmax", "check_relu_backward", "check_delta_recursion",
    "check_sgd_step",
]


class ExerciseError(AssertionError):
    """A checker found a wrong number. ``str(error)`` is the whole explanation.

    Attributes:
        checker: the checker's name, e.g. ``"check_softmax"``.
        case: the number of the wrong case, from 1.
        index: the position of the first wrong number (a tuple), or None when the whole answer
            is wrong (wrong shape, an error raised, nothing returned).
        expected: the right number (or array, when ``index`` is None).
        got: what the function returned there.
        hint: why it is probably wrong.
    """

    def __init__(self, checker: str, case: int, cases: int, inputs: str, problem: str,
                 hint: str, index: tuple[int, ...] | None = None, expected: Any = None,
                 got: Any = None) -> None:
        super().__init__(f"{checker}: case {case} of {cases} is wrong\n  input: {inputs}\n"
                         f"  {problem}\n  hint: {hint}")
        self.checker, self.case, self.index = checker, case, index
        self.expected, self.got, self.hint = expected, got, hint


@dataclass(frozen=True)
class Passed:
    """What a checker returns when every number was right."""

    checker: str
    cases: int

    def __str__(self) -> str:
        return f"{self.checker}: all {self.cases} cases right"

    __repr__ = __str__


@dataclass
class _Case:
    """One call of the learner's function and its right answer."""

    args: tuple[Any, ...]
    expected: Any
    # Known wrong answers and what each says about the mistake, tried in order.
    mistakes: list[tuple[Any, str]] = field(default_factory=list)
    hint: str = ""  # when the answer is wrong in no known way
    error_hint: str = ""  # when the function raises (a shape mismatch, most often)


def _show(x: Any) -> str:
    """Numbers as a reader writes them: 0.5, -2, [1, 2]."""
    array = np.asarray(x)
    if array.ndim == 0:
        value = float(array) + 0.0  # + 0.0: -0.0 shows as 0
        return f"{value:.6g}"
    return "[" + ", ".join(_show(item) for item in array) + "]"


def _as_array(value: Any) -> np.ndarray:
    if hasattr(value, "numpy") and callable(value.numpy):  # a Tensor (or a torch tensor)
        value = value.detach().numpy() if hasattr(value, "detach") else value.numpy()
    return np.asarray(value, dtype=np.float64)


def _same(a: Any, b: Any) -> bool:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-5, atol=1e-7, equal_nan=True))


def _copy(arg: Any) -> Any:
    if isinstance(arg, np.ndarray):
        return arg.copy()
    if isinstance(arg, list):
        return [_copy(item) for item in arg]
    if isinstance(arg, tuple):
        return tuple(_copy(item) for item in arg)
    return arg


def _run(checker: str, function: Callable[..., Any], cases: Sequence[_Case],
         names: Sequence[str], compare: Callable[[Any], Any] = _as_array) -> Passed:
    """Call ``function`` on every case; raise ExerciseError at the first wrong one."""
    if not callable(function):
        raise TypeError(f"{checker} takes your function itself, e.g. {checker}(my_function), "
                        f"not the result of calling it (got a {type(function).__name__})")
    for number, case in enumerate(cases, start=1):
        names_and_args = zip(names, case.args, strict=True)
        inputs = ", ".join(f"{name} = {_describe(arg)}" for name, arg in names_and_args)
        head = (checker, number, len(cases), inputs)
        try:
            returned = function(*(_copy(arg) for arg in case.args))
        except Exception as error:  # the learner's code: report any failure as a wrong case
            raise ExerciseError(*head, f"your function raised {type(error).__name__}: {error}",
                                case.error_hint or case.hint) from error
        if returned is None:
            raise ExerciseError(*head, "your function returned None", "did you forget `return`?"
                                " (Changing an input in place is not enough: return the result.)")
        got = compare(returned)
        expected = np.asarray(case.expected, dtype=np.float64)
        mistake = next((hint for wrong, hint in case.mistakes if _same(got, wrong)), None)
        if got.shape != expected.shape:
            raise ExerciseError(*head, f"expected shape {expected.shape}, got shape {got.shape}",
                                mistake or case.error_hint or case.hint, expected=expected, got=got)
        wrong = ~np.isclose(got, expected, rtol=1e-5, atol=1e-7)
        if wrong.any():
            index = tuple(int(i) for i in np.argwhere(wrong)[0])
            count = f" ({int(wrong.sum())} of {wrong.size} are wrong)" if wrong.size > 1 else ""
            where = f"at index {list(index)}: " if index else ""
            problem = f"{where}expected {_show(expected[index])}, got {_show(got[index])}{count}"
            raise ExerciseError(*head, problem, mistake or case.hint, index=index,
                                expected=expected[index], got=got[index])
    return Passed(checker, len(cases))


def _describe(arg: Any) -> str:
    if isinstance(arg, list):  # a network: a list of (A, b) layers
        return "[" + ", ".join(f"(A of shape {a.shape}, b)" for a, _ in arg) + "]"
    return _show(arg) if np.ndim(arg) <= 1 else f"[{', '.join(_show(row) for row in arg)}]"


def _relu(t: np.ndarray) -> np.ndarray:
    return np.maximum(t, 0.0)


def _float(x: Any) -> np.ndarray:
    return np.array(x, dtype=np.float64)


# -- chapter 1 --------------------------------------------------------------------------------
def check_pixel_index(function: Callable[[int, int], Any]) -> Passed:
    """Check ``function(row, column)``: the position of pixel (row, column) of a 28 x 28 image
    in the flattened vector of 784 numbers, counting from 0 as Python does (row 0 is the top,
    column 0 the left).

    Raises:
        ExerciseError: a wrong index; the message says which pixel and why.
    """
    cases = []
    for row, column in ((0, 0), (0, 5), (10, 14), (27, 0), (3, 27), (27, 27)):
        cases.append(_Case(
            (row, column), 28 * row + column,
            mistakes=[(28 * column + row, "rows and columns swapped: the image is read row by "
                       "row, so row r starts after r full rows of 28 pixels: 28 r"),
                      (28 * row + column + 1, "counted from 1, as the lecture's x_1 ... x_784; "
                       "Python's index counts from 0, so pixel (0, 0) is at index 0"),
                      (27 * row + column, "a row has 28 pixels, not 27")],
            hint="row r starts after r full rows of 28 pixels; add the column"))
    return _run("check_pixel_index", function, cases, ("row", "column"))


# -- chapters 2 and 3 -------------------------------------------------------------------------
def check_linear_forward(function: Callable[[np.ndarray, np.ndarray, np.ndarray], Any]) -> Passed:
    """Check ``function(A, b, x)``: one layer, ``A x + b``, for a matrix ``A`` of shape
    (outputs, inputs), a bias ``b`` of shape (outputs,) and an input vector ``x`` of shape
    (inputs,). No ReLU: in the library that is a layer of its own.

    Raises:
        ExerciseError: a wrong entry; the message says which and why.
    """
    cases = []
    for raw in (
        ([[1, 2, 0], [-1, 0, 3]], [1, 1], [2, 1, -1]),  # chapter 3's example
        ([[1, 2, 0], [0, -1, 1], [2, 0, 1]], [0.5, -1, 2], [1, 2, 3]),
        ([[0.5, -1], [2, 0.25], [-1, -1], [0, 3]], [0, 0.5, -0.5, 1], [2, -1]),
    ):
        A, b, x = (_float(part) for part in raw)
        mistakes = [(A @ x, "did you forget the bias? A layer is A x + b"),
                    (_relu(A @ x + b), "a Linear layer has no ReLU: relu comes after it"),
                    (A @ x - b, "add the bias, do not subtract it")]
        if A.shape[0] == A.shape[1]:
            mistakes.append((A.T @ x + b, "transposed weight? Entry i is row i of A times x: "
                             "sum_j a_ij x_j, which is A @ x, not A.T @ x or x @ A"))
        cases.append(_Case((A, b, x), A @ x + b, mistakes, hint="entry i is "
                           "sum_j a_ij x_j + b_i: row i of A times x, plus b_i",
                           error_hint=f"A has shape (outputs, inputs) = {A.shape} and x has "
                           f"{x.size} entries: A @ x fits, A.T @ x and x @ A do not"))
    return _run("check_linear_forward", function, cases, ("A", "b", "x"))


def check_network_forward(function: Callable[[list[Any], np.ndarray], Any]) -> Passed:
    """Check ``function(layers, X)``: a batch through a network. ``layers`` is a list of
    ``(A, b)`` pairs, ``A`` of shape (outputs, inputs); ``X`` holds one input per row, shape
    (N, inputs). Each layer computes ``X A^T + b`` for the whole batch, with a ReLU after every
    layer but the last (scores may be negative). Returns shape (N, outputs of the last layer).

    Raises:
        ExerciseError: a wrong score; the message says which and why.
    """
    rng = np.random.default_rng(5)
    cases = []
    for sizes, rows in (((3, 2), 1), ((3, 4, 2), 3), ((3, 4, 3, 3, 2), 4), ((2, 2, 2), 2)):
        layers = [(np.round(rng.normal(size=(n, m)), 2), np.round(rng.normal(size=n), 2))
                  for m, n in zip(sizes[:-1], sizes[1:], strict=True)]
        X = np.round(rng.uniform(-1, 1, size=(rows, sizes[0])), 2)

        def forward(relu_last: bool = False, relu: bool = True, bias: bool = True,
                    transpose: bool = True, X: np.ndarray = X, layers: list[Any] = layers) -> Any:
            h = X
            for k, (A, b) in enumerate(layers, start=1):
                h = h @ (A.T if transpose else A) + (b if bias else 0.0)
                if relu and (k < len(layers) or relu_last):
                    h = _relu(h)
            return h

        mistakes = [(forward(relu_last=True), "no ReLU after the last layer: the scores may be "
                     "negative"),
                    (forward(relu=False), "the ReLU between the layers is missing"),
                    (forward(bias=False), "did you forget the biases?")]
        if all(A.shape[0] == A.shape[1] for A, _ in layers):
            mistakes.append((forward(transpose=False), "transposed weight? Each row of X is one "
                             "input: the batch product is X @ A.T (A is outputs x inputs)"))
        cases.append(_Case((layers, X), forward(), mistakes,
                           hint="h = relu(h @ A.T + b) for every layer but the last, "
                           "h @ A.T + b for the last",
                           error_hint="A has shape (outputs, inputs) and X (N, inputs): the "
                           "batch product is X @ A.T"))
    return _run("check_network_forward", function, cases, ("layers", "X"))


# -- chapter 4 --------------------------------------------------------------------------------
def _softmax(S: np.ndarray, axis: int = 1) -> np.ndarray:
    e = np.exp(S - S.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def check_softmax(function: Callable[[np.ndarray], Any]) -> Passed:
    """Check ``function(S)``: the softmax of each row of the scores ``S`` (shape (N, K), one
    input per row): ``exp(s_k) / sum_j exp(s_j)`` along each row. It must work for any scores,
    also ``[1000, 0, -1000]``.

    Raises:
        ExerciseError: a wrong probability; the message says which and why.
    """
    cases = []
    for raw_scores in ([[1, 2, 3]], [[0, 0, 0, 0], [1, -1, 0, 2]], [[0.5, 2, -1], [3, 3, 0]],
              [[1000, 0, -1000], [-1000, -1000, -999]]):
        S = _float(raw_scores)
        with np.errstate(all="ignore"):
            plain = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)
            mistakes = [(_softmax(S, axis=0), "softmax runs along each row (axis=1): each row "
                         "is one input's scores, and its probabilities add up to 1"),
                        (np.exp(S), "divide by the sum of the exponentials of the row"),
                        (S / S.sum(axis=1, keepdims=True), "take the exponential of each "
                         "score first: p_k = e^(s_k) / sum_j e^(s_j)"),
                        (np.exp(S) / np.exp(S).sum(), "divide each row by its own sum, not "
                         "the sum of the whole batch (axis=1, keepdims=True)")]
        if not np.isfinite(plain).all():
            mistakes.insert(0, (plain, "e^1000 overflows to inf (and inf / inf is nan): "
                                "subtract each row's largest score first. softmax(s - m) = "
                                "softmax(s), and then no exponent is above 0"))
        cases.append(_Case((S,), _softmax(S), mistakes, hint="p_k = e^(s_k) / sum_j e^(s_j), "
                           "for each row of S; subtract the row's largest score first"))
    return _run("check_softmax", function, cases, ("S",))


# -- chapter 5 --------------------------------------------------------------------------------
def check_relu_backward(function: Callable[[np.ndarray, np.ndarray], Any]) -> Passed:
    """Check ``function(z, grad)``: the ReLU's backward. ``grad`` is dL/dh arriving at
    ``h = relu(z)``; return dL/dz = ``grad * relu'(z)``, with relu'(z) = 1 for z > 0 and 0 for
    z <= 0 (relu'(0) = 0, as in PyTorch).

    Raises:
        ExerciseError: a wrong gradient; the message says which and why.
    """
    cases = []
    for raw in (([-2, 0.5, 3], [1, 1, 1]), ([-1, 0, 2], [0.5, -2, 3]),
                    ([[1, -1], [0, 4]], [[2, 2], [-1, 0.5]]), ([0.25, -0.25], [-3, 4])):
        z, grad = (_float(part) for part in raw)
        cases.append(_Case((z, grad), grad * (z > 0), [
            (grad * (z >= 0), "relu'(0) should be 0, as in PyTorch: pass the gradient where "
             "z > 0, not z >= 0"),
            (_float(z > 0), "multiply by the gradient that arrives (grad): the chain rule "
             "multiplies the local derivative by it"),
            (grad * _relu(z), "relu'(z) is 0 or 1 (the slope), not relu(z) (the value)"),
            (grad, "the ReLU blocks the gradient where z < 0: relu'(z) = 0 there"),
            (grad * (z < 0), "reversed: the gradient passes where z > 0 and stops where z < 0"),
        ], hint="dL/dz = grad where z > 0, and 0 where z <= 0"))
    return _run("check_relu_backward", function, cases, ("z", "grad"))


def check_delta_recursion(function: Callable[[np.ndarray, np.ndarray, np.ndarray], Any]) -> Passed:
    """Check ``function(A, delta, z)``: one step of the recursion
    ``delta^(k-1) = (A^k)^T delta^k * relu'(z^(k-1))``. ``A`` is layer k's matrix, shape
    (outputs, inputs); ``delta`` its error dL/dz^k, shape (outputs,); ``z`` the values before
    the ReLU of layer k-1, shape (inputs,). relu'(0) = 0.

    Raises:
        ExerciseError: a wrong entry of delta^(k-1); the message says which and why.
    """
    cases = []
    for raw in (
        ([[1, -1, 2, 0], [0.5, 1, -1, 3], [2, 0, 1, -1]], [1, -2, 0.5], [0.3, -0.2, 1.5, 2]),
        ([[1, 2, 0], [-1, 0.5, 1], [3, -2, 2]], [0.5, 1, -1], [1, 0, -2]),
        ([[2, -1], [1, 1]], [1, 3], [0.5, 0.25]),
    ):
        A, delta, z = (_float(part) for part in raw)
        back = A.T @ delta
        mistakes = [(back, "forgot relu'(z^(k-1)): multiply entry by entry by 1 where z > 0 "
                     "and 0 where z <= 0"),
                    (back * (z >= 0), "relu'(0) should be 0, as in PyTorch: use z > 0"),
                    (back * _relu(z), "multiply by relu'(z) (0 or 1), not relu(z)")]
        if A.shape[0] == A.shape[1]:
            mistakes.insert(0, (A @ delta * (z > 0), "transposed weight? Backward runs the "
                                "layer the other way: (A^k)^T delta^k, that is A.T @ delta"))
        cases.append(_Case((A, delta, z), back * (z > 0), mistakes,
                           hint="(A^k)^T delta^k, then times relu'(z^(k-1)) entry by entry",
                           error_hint=f"A is (outputs, inputs) = {A.shape}, delta has "
                           f"{delta.size} entries (one per output), z has {z.size} (one per "
                           "input): A.T @ delta has the inputs' size"))
    return _run("check_delta_recursion", function, cases, ("A", "delta", "z"))


# -- chapter 6 --------------------------------------------------------------------------------
def check_sgd_step(function: Callable[[np.ndarray, np.ndarray, float], Any]) -> Passed:
    """Check ``function(w, grad, lr)``: one step of gradient descent, the new weights
    ``w - lr * grad``.

    Raises:
        ExerciseError: a wrong weight; the message says which and why.
    """
    cases = []
    steps: list[tuple[Any, Any, float]] = [
        ([1, -2, 3], [0.5, 0.5, -1], 0.1), ([[0.5, 1], [2, -1]], [[1, -1], [0, 2]], 0.5),
        ([3], [4], 0.25),
    ]
    for w_in, grad_in, lr in steps:
        w, grad = _float(w_in), _float(grad_in)
        cases.append(_Case((w, grad, lr), w - lr * grad, [
            (w + lr * grad, "step against the gradient: w - lr * grad goes downhill, "
             "w + lr * grad climbs the loss"),
            (w - grad, "multiply the gradient by the learning rate lr"),
            (-lr * grad, "return the new weights, w - lr * grad, not only the change"),
            (w - lr * lr * grad, "the learning rate once: w - lr * grad"),
        ], hint="w_new = w - lr * grad, for every weight"))
    return _run("check_sgd_step", function, cases, ("w", "grad", "lr"))
