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

    def __init__(self, data: Number, label: str = "") -> None:
        if isinstance(data, Value):
            data = data.data
        elif not isinstance(data, numbers.Real):
            raise TypeError(
                f"Value holds one Python number, not a {type(data).__name__}; for arrays of "
                "numbers use tinygrad_edu.Tensor."
            )
        self.data: float = float(data)  # type: ignore[arg-type]
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
        out = self.data / other.data
        return Value._make(out, (self, other), (1.0 / other.data, -out / other.data), "/")

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
        out = math.exp(self.data)
        return Value._make(out, (self,), (out,), "exp")

    def log(self) -> Value:
        if self.data <= 0:
            raise ValueError(f"log of {self.data}: log is only defined for positive numbers")
        return Value._make(math.log(self.data), (self,), (1.0 / self.data,), "log")

    def tanh(self) -> Value:
        out = math.tanh(self.data)
        return Value._make(out, (self,), (1.0 - out * out,), "tanh")

    def sigmoid(self) -> Value:
        out = 0.5 * (math.tanh(0.5 * self.data) + 1.0)  # = 1 / (1 + e^-x), without overflow
        return Value._make(out, (self,), (out * (1.0 - out),), "sigmoid")

    def relu(self) -> Value:
        # relu'(0) = 0, as in PyTorch.
        positive = self.data > 0
        return Value._make(self.data if positive else 0.0, (self,), (float(positive),), "relu")

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"


def _real_power(base: float, exponent: float) -> float:
    """``base ** exponent`` as a real number: inf for 0 to a negative power (where Python raises
    ZeroDivisionError), and a clear error where the answer would be complex."""
    try:
        result = base**exponent
    except ZeroDivisionError:
        return math.inf
    if isinstance(result, complex):
        raise ValueError(
            f"{base} ** {exponent} is not a real number: a negative base needs a whole-number "
            "exponent"
        )
    return float(result)


def _value(x: Value | Number) -> Value:
    return x if isinstance(x, Value) else Value(x)
