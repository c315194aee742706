"""Activation layers beyond ReLU, Sigmoid and Tanh, with PyTorch's names, defaults and printed
form. Each holds its options and calls the function of the same name in
:mod:`tinygrad_edu.nn.functional` (where the formulas and derivatives are). ``inplace=True`` is
PyTorch's: the result is written into the input, except where the input is recorded (see
:func:`~tinygrad_edu.nn.activation_functional.in_place`).

Examples:
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu import nn
    >>> nn.LeakyReLU(0.2)
    LeakyReLU(negative_slope=0.2)
    >>> nn.Sequential(nn.Linear(2, 3), nn.GELU())(tg.zeros(4, 2)).shape
    Size([4, 3])
"""

from __future__ import annotations

from ..tensor import Tensor
from . import activation_functional as A
from .module import Module


def _inplace(inplace: bool) -> str:
    return ", inplace=True" if inplace else ""


class LeakyReLU(Module):
    """x where x > 0, else ``negative_slope * x``. See
    :func:`~tinygrad_edu.nn.activation_functional.leaky_relu`."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, input: Tensor) -> Tensor:
        return A.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}{_inplace(self.inplace)}"


class GELU(Module):
    """x Φ(x) (``approximate="tanh"``: its tanh form). See
    :func:`~tinygrad_edu.nn.activation_functional.gelu`."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return A.gelu(input, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """x · sigmoid(x). See :func:`~tinygrad_edu.nn.activation_functional.silu`."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return A.silu(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Mish(SiLU):
    """x · tanh(softplus(x)). See :func:`~tinygrad_edu.nn.activation_functional.mish`."""

    def forward(self, input: Tensor) -> Tensor:
        return A.mish(input, self.inplace)


class ELU(Module):
    """x where x > 0, else alpha (exp(x) - 1). See
    :func:`~tinygrad_edu.nn.activation_functional.elu`."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha, self.inplace = alpha, inplace

    def forward(self, input: Tensor) -> Tensor:
        return A.elu(input, self.alpha, self.inplace)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}{_inplace(self.inplace)}"


class Softplus(Module):
    """log(1 + exp(beta x)) / beta (x where beta x > threshold). See
    :func:`~tinygrad_edu.nn.activation_functional.softplus`."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta, self.threshold = beta, threshold

    def forward(self, input: Tensor) -> Tensor:
        return A.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Hardtanh(Module):
    """x clamped to [min_val, max_val]. See
    :func:`~tinygrad_edu.nn.activation_functional.hardtanh`."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0,
                 inplace: bool = False) -> None:
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"{type(self).__name__}: min_val ({min_val}) must not exceed "
                             f"max_val ({max_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace

    def forward(self, input: Tensor) -> Tensor:
        return A.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}{_inplace(self.inplace)}"


class ReLU6(Hardtanh):
    """min(max(x, 0), 6): Hardtanh(0, 6)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class LogSigmoid(Module):
    """log(sigmoid(x)), stable. See :func:`~tinygrad_edu.nn.activation_functional.logsigmoid`."""

    def forward(self, input: Tensor) -> Tensor:
        return A.logsigmoid(input)


class Softsign(Module):
    """x / (1 + |x|). See :func:`~tinygrad_edu.nn.activation_functional.softsign`."""

    def forward(self, input: Tensor) -> Tensor:
        return A.softsign(input)
