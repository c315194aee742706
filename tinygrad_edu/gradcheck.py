"""Checking gradients: does ``backward`` agree with finite differences?

A gradient is a claim about how an output changes when an input is nudged. :func:`gradcheck`
tests that claim directly: it nudges every input element by ``±eps``, measures the change of
every output element (central differences, in float64), and compares the resulting Jacobian
with the one ``backward`` produces, one backward per output element. Use it to check your own
:class:`~tinygrad_edu.Function` before you trust it.

The Jacobians have one row per output element and one column per input element:
``J[i, j] = d output.flat[i] / d input.flat[j]``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .autograd import enable_grad, no_grad
from .gradients import grad
from .tensor import Tensor

TensorOrTensors = Tensor | Sequence[Tensor]


class GradcheckError(AssertionError):
    """Raised when ``backward`` disagrees with finite differences (or misbehaves otherwise)."""


def _as_tuple(value: Any, what: str) -> tuple[Tensor, ...]:
    values = tuple(value) if isinstance(value, (list, tuple)) else (value,)
    for i, v in enumerate(values):
        if not isinstance(v, Tensor):
            raise TypeError(f"gradcheck: {what} {i} is a {type(v).__name__}, not a Tensor")
    return values


def _to_float64(t: Tensor) -> np.ndarray:
    """A private float64 NumPy copy (never a view: ops such as reshape return views of their
    input, and the input is about to be perturbed in place)."""
    return np.array(t.numpy(), dtype=np.float64)


def _check_float64(tensors: Sequence[Tensor], what: str) -> None:
    for i, t in enumerate(tensors):
        if t.dtype.is_floating and t.dtype.name != "float64":
            raise TypeError(
                f"gradcheck: {what} {i} is {t.dtype.name}, but finite differences need float64: "
                f"in {t.dtype.name} the rounding error of f(x + eps) - f(x - eps) with eps=1e-6 "
                "is as large as the gradient itself, so the check would be meaningless. "
                "Convert with .double() (and build the inputs with dtype=tg.float64)."
            )


def _call(fn: Callable[..., Any], inputs: Sequence[Tensor]) -> tuple[Tensor, ...]:
    return _as_tuple(fn(*inputs), "output")


def numerical_jacobian(
    fn: Callable[..., Any], inputs: TensorOrTensors, eps: float = 1e-6
) -> list[list[np.ndarray]]:
    """Jacobians of ``fn`` by central differences: ``result[o][k]`` is the Jacobian of output
    ``o`` with respect to input ``k`` (shape ``(output.size, input.size)``).

    Each input element is perturbed in place on the tensor's raw data (so the function sees
    exactly the tensors it was given) and restored from a copy afterwards.

    Examples:
        >>> import tinygrad_edu as tg
        >>> x = tg.Tensor([1.0, 2.0], dtype=tg.float64)
        >>> numerical_jacobian(lambda t: t * t, x)[0][0].round(6).tolist()
        [[2.0, 0.0], [0.0, 4.0]]
    """
    inputs = _as_tuple(inputs, "input")
    with no_grad():
        outputs = [_to_float64(o) for o in _call(fn, inputs)]
    result = [[np.zeros((o.size, t.numel())) for t in inputs] for o in outputs]
    for k, t in enumerate(inputs):
        if not t.dtype.is_floating:
            continue
        original = _to_float64(t)
        for j in range(t.numel()):
            index = tuple(int(i) for i in np.unravel_index(j, t.shape))
            value = float(original[index])
            try:
                t._data[index] = value  # can it be changed in place at all?
            except (ValueError, TypeError) as error:
                raise TypeError(
                    f"gradcheck: input {k} cannot be changed in place ({error}); pass a "
                    "fresh tensor, e.g. tg.Tensor(x.numpy(), dtype=tg.float64)."
                ) from error
            try:
                t._data[index] = value + eps
                with no_grad():
                    plus = [_to_float64(o) for o in _call(fn, inputs)]
                t._data[index] = value - eps
                with no_grad():
                    minus = [_to_float64(o) for o in _call(fn, inputs)]
            finally:
                t._data[index] = value
            for o, (p, m) in enumerate(zip(plus, minus, strict=True)):
                result[o][k][:, j] = ((p - m) / (2 * eps)).reshape(-1)
    return result


def analytic_jacobian(fn: Callable[..., Any], inputs: TensorOrTensors) -> list[list[np.ndarray]]:
    """Jacobians of ``fn`` from ``backward``, one backward per output element (the cotangent is
    a one-hot tensor). Same layout as :func:`numerical_jacobian`; inputs that do not require a
    gradient get a zero Jacobian.

    Examples:
        >>> import tinygrad_edu as tg
        >>> x = tg.Tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
        >>> analytic_jacobian(lambda t: t * t, x)[0][0].tolist()
        [[2.0, 0.0], [0.0, 4.0]]
    """
    inputs = _as_tuple(inputs, "input")
    wanted = [k for k, t in enumerate(inputs) if t.requires_grad]
    with enable_grad():
        outputs = _call(fn, inputs)
    result = [[np.zeros((o.numel(), t.numel())) for t in inputs] for o in outputs]
    for o, out in enumerate(outputs):
        if not out.requires_grad or not wanted:
            continue  # the output does not depend on any input: its Jacobian is zero
        for i in range(out.numel()):
            one_hot = np.zeros(out.numel())
            one_hot[i] = 1.0
            cotangent = Tensor(one_hot.reshape(out.shape), dtype=out.dtype, backend=out.backend)
            grads = grad(
                out, [inputs[k] for k in wanted], grad_outputs=cotangent,
                retain_graph=True, allow_unused=True,
            )
            if not np.array_equal(_to_float64(cotangent), one_hot.reshape(out.shape)):
                raise GradcheckError(
                    f"backward changed the gradient it was given (output {o}, element {i}) in "
                    "place; a backward must never modify its grad argument."
                )
            for k, g in zip(wanted, grads, strict=True):
                if g is None:
                    continue
                if g.shape != inputs[k].shape:
                    raise GradcheckError(
                        f"backward gave input {k} a gradient of shape {g.shape}, but the input "
                        f"has shape {inputs[k].shape}; they must be equal."
                    )
                result[o][k][i, :] = _to_float64(g).reshape(-1)
    return result


def _show(matrix: np.ndarray) -> str:
    return np.array2string(matrix, precision=5, threshold=120, edgeitems=4, max_line_width=100)


def _compare(
    analytic: list[list[np.ndarray]],
    numerical: list[list[np.ndarray]],
    inputs: Sequence[Tensor],
    output_shapes: Sequence[tuple[int, ...]],
    eps: float,
    atol: float,
    rtol: float,
    title: str,
) -> str | None:
    """The failure message for the first (output, input) pair that disagrees, or None."""
    for o, row in enumerate(analytic):
        for k, a in enumerate(row):
            if not inputs[k].requires_grad:
                continue
            n = numerical[o][k]
            allowed = atol + rtol * np.abs(n)
            excess = np.abs(a - n) - allowed
            if not (excess > 0).any() and not np.isnan(a - n).any():
                continue
            excess = np.where(np.isnan(excess), np.inf, excess)
            i, j = np.unravel_index(int(np.argmax(excess)), excess.shape)
            out_index = tuple(int(v) for v in np.unravel_index(i, output_shapes[o]))
            in_index = tuple(int(v) for v in np.unravel_index(j, inputs[k].shape))
            return (
                f"{title}: Jacobian mismatch for output {o} with respect to input {k}.\n"
                f"Worst element: d output{o}{list(out_index)} / d input{k}{list(in_index)}: "
                f"backward gave {a[i, j]:.8g}, finite differences gave {n[i, j]:.8g} "
                f"(difference {abs(a[i, j] - n[i, j]):.3g} > allowed {allowed[i, j]:.3g} "
                f"= atol {atol:g} + rtol {rtol:g} * |numerical|).\n"
                f"Rows are the elements of output {o} (shape {output_shapes[o]}), columns the "
                f"elements of input {k} (shape {inputs[k].shape}), both flattened.\n"
                f"Analytical Jacobian (from backward):\n{_show(a)}\n"
                f"Numerical Jacobian (central differences, eps={eps:g}):\n{_show(n)}"
            )
    return None


def _gradcheck(
    fn: Callable[..., Any],
    inputs: TensorOrTensors,
    eps: float,
    atol: float,
    rtol: float,
    raise_exception: bool,
    title: str,
) -> bool:
    inputs = _as_tuple(inputs, "input")
    differentiable = [t for t in inputs if t.requires_grad]
    if not differentiable:
        raise ValueError(
            "gradcheck: none of the inputs requires grad, so there is nothing to check; create "
            "them with requires_grad=True."
        )
    _check_float64(differentiable, "input")
    with no_grad():
        outputs = _call(fn, inputs)
    _check_float64(outputs, "output")
    before = [_to_float64(t) for t in inputs]
    analytic = analytic_jacobian(fn, inputs)
    for k, (t, old) in enumerate(zip(inputs, before, strict=True)):
        if not np.array_equal(_to_float64(t), old, equal_nan=True):
            changed = (
                f"{title}: running backward changed input {k} in place (shape {t.shape}); "
                "forward and backward must never modify their inputs."
            )
            if raise_exception:
                raise GradcheckError(changed)
            return False
    numerical = numerical_jacobian(fn, inputs, eps)
    message = _compare(
        analytic, numerical, inputs, [o.shape for o in outputs], eps, atol, rtol, title
    )
    if message is not None:
        if raise_exception:
            raise GradcheckError(message)
        return False
    return True


def gradcheck(
    fn: Callable[..., Any],
    inputs: TensorOrTensors,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check the gradients of ``fn`` against central finite differences, element by element.

    Builds the full Jacobian twice: from ``backward`` (one backward per output element, with a
    one-hot gradient), and by nudging each input element by ``±eps`` in float64. An entry passes
    when ``|analytical - numerical| <= atol + rtol * |numerical|``. It also checks that backward
    left the inputs (and the gradient it was given) unchanged.

    Args:
        fn: takes the input tensors, returns a Tensor or a tuple of Tensors.
        inputs: a Tensor or a sequence of Tensors. Those with ``requires_grad=True`` are
            checked; they must be float64 (float32 is refused: its rounding errors would swamp
            the finite differences).
        eps: the nudge for the finite differences.
        atol: absolute tolerance.
        rtol: relative tolerance (relative to the numerical value).
        raise_exception: raise :class:`GradcheckError` on a mismatch (default) instead of
            returning False.

    Returns:
        True when every gradient agrees.

    Raises:
        GradcheckError: naming the output and input, the worst element and both Jacobians.

    Examples:
        >>> import tinygrad_edu as tg
        >>> x = tg.randn(3, dtype=tg.float64, requires_grad=True)
        >>> y = tg.randn(3, dtype=tg.float64, requires_grad=True)
        >>> tg.gradcheck(lambda a, b: (a * b).tanh(), (x, y))
        True
    """
    return _gradcheck(fn, inputs, eps, atol, rtol, raise_exception, "gradcheck")


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: TensorOrTensors,
    grad_outputs: TensorOrTensors | None = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """Check second derivatives: runs :func:`gradcheck` on the function
    ``inputs -> vjp(fn, inputs, v)``, the gradient of ``fn`` for a fixed cotangent ``v``,
    computed with ``create_graph=True`` so that it can itself be differentiated.

    It checks that the *backward* can be differentiated correctly; whether the backward is
    right in the first place is :func:`gradcheck`'s job, so run both.

    Output ``k`` of that function is the gradient for input ``k`` (the inputs that require a
    gradient, in order), so a failure for "output 0 with respect to input 1" is about
    ``d/d input1 (v · d fn / d input0)``.

    Args:
        fn: takes the input tensors, returns a Tensor or a tuple of Tensors.
        inputs: as for :func:`gradcheck` (float64).
        grad_outputs: the cotangent ``v`` (one per output); by default random normal numbers
            drawn with ``seed`` (a fixed random ``v`` avoids the blind spots of all-ones).
        eps, atol, rtol, raise_exception: as for :func:`gradcheck`.
        seed: seed of the default random cotangent.

    Returns:
        True when every second derivative agrees.

    Examples:
        >>> import tinygrad_edu as tg
        >>> x = tg.randn(2, 3, dtype=tg.float64, requires_grad=True)
        >>> tg.gradgradcheck(lambda t: t.softmax(axis=-1), x)
        True
    """
    inputs = _as_tuple(inputs, "input")
    _check_float64([t for t in inputs if t.requires_grad], "input")
    with no_grad():
        outputs = _call(fn, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        cotangents = tuple(
            Tensor(rng.standard_normal(o.shape), dtype=o.dtype, backend=o.backend)
            for o in outputs
        )
    else:
        cotangents = _as_tuple(grad_outputs, "grad_output")
        if len(cotangents) != len(outputs):
            raise ValueError(
                f"gradgradcheck: fn returns {len(outputs)} outputs but {len(cotangents)} "
                "grad_outputs were given; pass one per output."
            )
    for i, (v, o) in enumerate(zip(cotangents, outputs, strict=True)):
        if v.shape != o.shape:
            raise ValueError(
                f"gradgradcheck: grad_outputs[{i}] has shape {v.shape} but output {i} has shape "
                f"{o.shape}; they must be equal."
            )

    def vector_jacobian_product(*xs: Tensor) -> tuple[Tensor, ...]:
        wanted = [x for x in xs if x.requires_grad]
        totals: list[Tensor | None] = [None] * len(wanted)
        with enable_grad():
            for out, v in zip(_call(fn, xs), cotangents, strict=True):
                if not out.requires_grad:
                    continue
                grads = grad(out, wanted, grad_outputs=v, create_graph=True, allow_unused=True)
                for k, g in enumerate(grads):
                    if g is not None:
                        totals[k] = g if totals[k] is None else totals[k] + g
        # An input the gradient does not reach gets an explicit zero gradient.
        return tuple(
            g if g is not None else Tensor(np.zeros(x.shape), dtype=x.dtype, backend=x.backend)
            for g, x in zip(totals, wanted, strict=True)
        )

    return _gradcheck(
        vector_jacobian_product, inputs, eps, atol, rtol, raise_exception,
        "gradgradcheck (outputs are the gradients of v · fn for each input)",
    )
