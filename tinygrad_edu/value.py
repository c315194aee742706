"""Value: a single number that remembers how it was computed (chapter one).

Each operation makes a new Value and records, for every input, the *local derivative* of the
result with respect to that input. ``backward()`` multiplies local derivatives along every path
from the output back to each input and adds the paths up: the chain rule. It runs through the
same traversal as Tensor (:func:`tinygrad_edu.autograd.run_backward`).
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable

from .autograd import run_backward

Number = int | float


class ScalarStep:
    """How a Value was made: its inputs, the local derivative for each, and the op's name."""

    __slots__ = ("inputs", "local_grads", "op")

    def __init__(self, inputs: tuple[Value, ...], local_grads: tuple[float, ...], op: str) -> None:
        self.inputs = inputs
        self.local_grads = local_grads
        self.op = op

    def backward(self, grad: float, output: Value | None = None) -> tuple[float, ...]:
        """Chain rule, one step: d(out)/d(input) = grad * local derivative."""
        return tuple(grad * local for local in self.local_grads)

    def free(self) -> None:
        """Nothing to free: a scalar step keeps only numbers."""

    def __repr__(self) -> str:
        return f"<{self.op}>"


class Value:
    """A scalar with a gradient.

    Examples:
        >>> from tinygrad_edu import Value
        >>> a, b = Value(2.0), Value(-3.0)
        >>> c = a * b + a          # c = a*b + a
        >>> c.backward()
        >>> a.grad, b.grad         # dc/da = b + 1, dc/db = a
        (-2.0, 2.0)
    """

    __slots__ = ("data", "grad", "_ctx", "label")
    requires_grad = True  # every Value takes part in backward, as in micrograd
    _retains_grad = True  # ... and keeps its gradient, so a graph picture can show all of them

    def __init__(self, data: Value | Number, label: str = "") -> None:
        if isinstance(data, Value):
            data = data.data
        # int and float are numbers.Real already; they are named for the type checker, which
        # does not know that (it would call the line after this check unreachable).
        elif not isinstance(data, int | float | numbers.Real):
            raise TypeError(
                f"Value holds one Python number, not a {type(data).__name__}; for arrays of "
                "numbers use tinygrad_edu.Tensor."
            )
        self.data: float = float(data)
        self.grad: float = 0.0
        self._ctx: ScalarStep | None = None
        self.label = label

    @staticmethod
    def _make(
        data: float, inputs: tuple[Value, ...], local_grads: tuple[float, ...], op: str
    ) -> Value:
        out = Value(data)
        out._ctx = ScalarStep(inputs, local_grads, op)
        return out

    # -- the engine's interface ----------------------------------------------------------
    def _accumulate_grad(self, grad: float, create_graph: bool) -> None:
        self.grad += grad

    @staticmethod
    def _grad_adder(create_graph: bool) -> Callable[[float, float], float]:
        return operator.add  # gradients are plain floats

    def backward(self) -> None:
        """Add d(self)/d(v) into ``v.grad`` for every Value ``v`` this one depends on."""
        run_backward(self, 1.0, retain_graph=True)

    # -- arithmetic ----------------------------------------------------------------------
    def __add__(self, other: Value | Number) -> Value:
        other = _value(other)
        return Value._make(self.data + other.data, (self, other), (1.0, 1.0), "+")

    def __mul__(self, other: Value | Number) -> Value:
        other = _value(other)
        return Value._make(self.data * other.data, (self, other), (other.data, self.data), "*")

    def __pow__(self, exponent: Value | Number) -> Value:
        power = exponent.data if isinstance(exponent, Value) else exponent
        out = _real_power(self.data, power)
        d_base = power * _real_power(self.data, power - 1) if power != 0 else 0.0
        if not isinstance(exponent, Value):
            return Value._make(out, (self,), (d_base,), f"**{exponent}")
        if self.data > 0:
            d_exponent = out * math.log(self.data)
        else:  # 0 ** y is 0 for every y > 0: no slope along y (PyTorch's rule, also at y = 0)
            d_exponent = 0.0 if self.data == 0 and power >= 0 else math.nan
        return Value._make(out, (self, exponent), (d_base, d_exponent), "**")

    def __neg__(self) -> Value:
        return Value._make(-self.data, (self,), (-1.0,), "neg")

    def __sub__(self, other: Value | Number) -> Value:
        other = _value(other)
        return Value._make(self.data - other.data, (self, other), (1.0, -1.0), "-")

    def __truediv__(self, other: Value | Number) -> Value:
        other = _value(other)
        out = _divide(self.data, other.data)
        return Value._make(
            out, (self, other), (_divide(1.0, other.data), -_divide(out, other.data)), "/"
        )

    def __radd__(self, other: Number) -> Value:
        return _value(other) + self

    def __rmul__(self, other: Number) -> Value:
        return _value(other) * self

    def __rsub__(self, other: Number) -> Value:
        return _value(other) - self

    def __rtruediv__(self, other: Number) -> Value:
        return _value(other) / self

    def __rpow__(self, base: Number) -> Value:
        return _value(base) ** self

    # -- functions -----------------------------------------------------------------------
    def exp(self) -> Value:
        try:
            out = math.exp(self.data)
        except OverflowError:  # Python raises; IEEE arithmetic (and Tensor) gives inf
            out = math.inf
        return Value._make(out, (self,), (out,), "exp")

    def log(self) -> Value:
        x = self.data
        out = -math.inf if x == 0 else math.nan if x < 0 else math.log(x)  # IEEE, as Tensor
        return Value._make(out, (self,), (_divide(1.0, x),), "log")

    def tanh(self) -> Value:
        out = math.tanh(self.data)
        return Value._make(out, (self,), (1.0 - out * out,), "tanh")

    def sigmoid(self) -> Value:
        # 1 / (1 + e^-x), written so that exp only sees -|x|: no overflow, and no cancellation
        # for very negative x (sigmoid(-40) = 4.2e-18, not 0).
        small = math.exp(-abs(self.data)) if not math.isnan(self.data) else math.nan
        out = 1.0 / (1.0 + small) if self.data >= 0 else small / (1.0 + small)
        return Value._make(out, (self,), (out * (1.0 - out),), "sigmoid")

    def relu(self) -> Value:
        # relu'(0) = 0, as in PyTorch; a nan stays nan (and passes its gradient on), as there.
        x = self.data
        if math.isnan(x):
            return Value._make(x, (self,), (1.0,), "relu")
        return Value._make(x if x > 0 else 0.0, (self,), (float(x > 0),), "relu")

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"


def _real_power(base: float, exponent: float) -> float:
    """``base ** exponent`` with IEEE results where Python would raise or go complex, as Tensor
    and PyTorch give: inf for 0 to a negative power, inf on overflow, nan for a negative base
    to a fractional power."""
    try:
        result = base**exponent
    except ZeroDivisionError:
        return math.inf
    except OverflowError:
        odd = float(exponent).is_integer() and exponent % 2 == 1
        return -math.inf if base < 0 and odd else math.inf
    if isinstance(result, complex):
        return math.nan
    return float(result)


def _divide(x: float, y: float) -> float:
    """x / y with IEEE results for y = 0 (Python raises ZeroDivisionError): ±inf, or nan for
    0 / 0, the signs following those of x and y (-0.0 included)."""
    if y != 0:
        return x / y
    if x == 0 or math.isnan(x):
        return math.nan
    return math.copysign(math.inf, x) * math.copysign(1.0, y)


def _value(x: Value | Number) -> Value:
    return x if isinstance(x, Value) else Value(x)
