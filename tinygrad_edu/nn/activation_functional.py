"""Activation functions beyond relu, sigmoid and tanh, with PyTorch's names and defaults; part
of :mod:`tinygrad_edu.nn.functional` (``F.gelu``, ``F.leaky_relu``, ...).

Each is one operation whose backward is one product, grad * f'(x), as in PyTorch: written as a
chain of operations instead, an infinite incoming gradient would meet terms of opposite signs
(x σ(x) has two) and give inf - inf = nan where PyTorch gives ±inf. The derivatives are the
docstrings of the classes; f'(x) is built from Tensor operations, so second derivatives work,
and the discarded side of every where() sees finite numbers only. They use the primitives
:class:`~tinygrad_edu.ops.erf.Erf` (NumPy has no erf) and
:class:`~tinygrad_edu.ops.accurate.Log1p` (log1p keeps the digits that ``log(1 + x)`` loses
near 0). softsign is a composition, as in PyTorch.

Examples:
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.nn import functional as F
    >>> F.leaky_relu(tg.Tensor([-2.0, 3.0]), 0.5).tolist()
    [-1.0, 3.0]
    >>> round(F.gelu(tg.Tensor([1.0])).item(), 6)
    0.841345
"""

from __future__ import annotations

import math
from typing import Any

from ..autograd import Function, is_grad_enabled
from ..functional import where
from ..ops.accurate import Log1p
from ..ops.erf import Erf, erf_array
from ..tensor import Tensor

__all__ = [
    "elu", "gelu", "hardtanh", "leaky_relu", "logsigmoid", "mish", "relu6", "silu", "softplus",
    "softsign",
]

def in_place(input: Tensor, result: Tensor, inplace: bool) -> Tensor:
    """PyTorch's ``inplace=True``: ``result`` written into ``input``, which is returned (a
    view writes through to its base, as there). Where ``input`` is recorded (it requires grad,
    outside ``no_grad``) the result stays a new tensor and ``input`` keeps its values:
    tinygrad_edu records no in-place operation, and refusing would break every
    ``nn.ReLU(inplace=True)`` in a network that trains. Use the returned tensor, as a
    Sequential does, and the numbers are PyTorch's in both cases."""
    if not inplace or (input.requires_grad and is_grad_enabled()):
        return result
    return input.copy_(result)


# -- the activations: forward on arrays, backward grad * f'(x) on Tensors -----------------------
class _Pointwise(Function):
    @classmethod
    def forward(cls, ctx: Any, x: Any, **options: Any) -> Any:
        ctx.save_for_backward(x)
        ctx.options = options
        return cls.value(ctx.xp, x, **options)

    @classmethod
    def backward(cls, ctx: Any, grad: Tensor) -> Tensor:
        (x,) = ctx.saved_tensors
        return cls.gradient(x, grad, **ctx.options)

    @staticmethod
    def value(*args: Any, **options: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def gradient(*args: Any, **options: Any) -> Tensor:
        raise NotImplementedError


class LeakyRelu(_Pointwise):
    """z = x where x > 0 else s x;  dz/dx = 1 where x > 0, else s (s at 0, as PyTorch)"""

    @staticmethod
    def value(xp: Any, x: Any, slope: float) -> Any:
        return xp.where(x > 0, x, x * slope)

    @staticmethod
    def gradient(x: Tensor, grad: Tensor, slope: float) -> Tensor:
        return where(x > 0, grad, grad * slope)


class Gelu(_Pointwise):
    """z = x Φ(x), Φ(x) = (1 + erf(x / √2)) / 2;  dz/dx = Φ(x) + x exp(-x² / 2) / √(2π)"""

    @classmethod
    def forward(cls, ctx: Any, x: Any, **options: Any) -> Any:
        cdf = (erf_array(ctx.xp, x * (1.0 / math.sqrt(2.0))) + 1.0) * 0.5
        ctx.save_for_backward(x, cdf)  # Φ(x) kept: backward need not compute erf again
        return x * cdf

    @classmethod
    def backward(cls, ctx: Any, grad: Tensor) -> Tensor:
        x, cdf = ctx.saved_tensors
        if is_grad_enabled():  # create_graph: Φ recomputed as an operation, to differentiate
            cdf = (Erf.apply(x * (1.0 / math.sqrt(2.0))) + 1.0) * 0.5
        pdf = (x * x * -0.5).exp() * (1.0 / math.sqrt(2.0 * math.pi))
        return grad * (cdf + x * pdf)


_KAPPA, _BETA = 0.044715, math.sqrt(2.0 / math.pi)


class GeluTanh(_Pointwise):
    """z = x (1 + tanh(u)) / 2, u = √(2/π) (x + 0.044715 x³);
    dz/dx = (1 + tanh(u)) / 2 + x (1 - tanh(u)²) √(2/π) (1 + 3 · 0.044715 x²) / 2"""

    @staticmethod
    def value(xp: Any, x: Any) -> Any:
        return x * 0.5 * (xp.tanh((x + x * x * x * _KAPPA) * _BETA) + 1.0)

    @staticmethod
    def gradient(x: Tensor, grad: Tensor) -> Tensor:
        t = ((x + x * x * x * _KAPPA) * _BETA).tanh()
        inner = (x * x * (3.0 * _KAPPA) + 1.0) * _BETA
        return grad * ((t + 1.0) * 0.5 + x * 0.5 * (1.0 - t * t) * inner)


class Silu(_Pointwise):
    """z = x σ(x);  dz/dx = σ(x) (1 + x (1 - σ(x)))"""

    @staticmethod
    def value(xp: Any, x: Any) -> Any:
        return x / (xp.exp(-x) + 1.0)

    @staticmethod
    def gradient(x: Tensor, grad: Tensor) -> Tensor:
        s = x.sigmoid()
        return grad * s * ((1.0 - s) * x + 1.0)


class Elu(_Pointwise):
    """z = x where x > 0 else α (exp(x) - 1);  dz/dx = 1 where x > 0, else α exp(x)"""

    @staticmethod
    def value(xp: Any, x: Any, alpha: float) -> Any:
        negative = x <= 0
        return xp.where(negative, xp.expm1(xp.where(negative, x, 0.0)) * alpha, x)

    @staticmethod
    def gradient(x: Tensor, grad: Tensor, alpha: float) -> Tensor:
        return where(x <= 0, grad * x.clamp(max=0.0).exp() * alpha, grad)


class Softplus(_Pointwise):
    """z = log(1 + exp(βx)) / β (x where βx > threshold);  dz/dx = σ(βx) (1 there)"""

    @staticmethod
    def value(xp: Any, x: Any, beta: float, threshold: float) -> Any:
        scaled = x * beta
        small = xp.log1p(xp.exp(xp.minimum(scaled, threshold))) / beta
        return xp.where(scaled > threshold, x, small)

    @staticmethod
    def gradient(x: Tensor, grad: Tensor, beta: float, threshold: float) -> Tensor:
        scaled = x * beta
        z = scaled.clamp(max=threshold).exp()
        return where(scaled > threshold, grad, grad * z / (z + 1.0))


class Hardtanh(_Pointwise):
    """z = min(max(x, low), high);  dz/dx = 1 where low < x < high (and at nan), else 0"""

    @staticmethod
    def value(xp: Any, x: Any, low: float, high: float) -> Any:
        return xp.clip(x, low, high)

    @staticmethod
    def gradient(x: Tensor, grad: Tensor, low: float, high: float) -> Tensor:
        return where((x <= low) | (x >= high), 0.0, grad)


class LogSigmoid(_Pointwise):
    """z = log σ(x) = min(x, 0) - log(1 + exp(-|x|));  dz/dx = 1 - σ(x) = σ(-x)"""

    @staticmethod
    def value(xp: Any, x: Any) -> Any:
        return xp.minimum(x, 0.0) - xp.log1p(xp.exp(-xp.abs(x)))

    @staticmethod
    def gradient(x: Tensor, grad: Tensor) -> Tensor:
        negative = x < 0
        z = where(negative, x, -x).exp()  # exp(-|x|); not abs(), whose derivative at 0 is 0
        return grad * where(negative, 1.0 / (z + 1.0), z / (z + 1.0))


class Mish(_Pointwise):
    """z = x tanh(softplus(x));  dz/dx = tanh(softplus(x)) + x σ(x) (1 - tanh(softplus(x))²)"""

    @staticmethod
    def value(xp: Any, x: Any) -> Any:
        return x * xp.tanh(Softplus.value(xp, x, 1.0, 20.0))

    @staticmethod
    def gradient(x: Tensor, grad: Tensor) -> Tensor:
        t = Log1p.apply(x.clamp(max=20.0).exp()).tanh()  # tanh(20) is 1 in float64 already
        return grad * (t + x * x.sigmoid() * (1.0 - t * t))


def _floating(x: Any, name: str) -> Tensor:
    if not isinstance(x, Tensor) or not x.dtype.is_floating:
        raise TypeError(f"{name}: expected a floating-point Tensor, got "
                        f"{getattr(x, 'dtype', type(x).__name__)}; convert it with .float()")
    return x


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x where x > 0, else ``negative_slope * x`` (the slope is taken at 0, as in PyTorch).
    ``inplace=True`` writes the result into ``input``, as PyTorch (see :func:`in_place`).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> [round(v, 4) for v in F.leaky_relu(tg.Tensor([-1.0, 0.0, 2.0])).tolist()]
        [-0.01, 0.0, 2.0]
    """
    return in_place(input, LeakyRelu.apply(_floating(input, "leaky_relu"), slope=negative_slope),
                    inplace)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """The Gaussian error linear unit x Φ(x) = x (1 + erf(x / √2)) / 2; ``approximate="tanh"``:
    x (1 + tanh(√(2/π) (x + 0.044715 x³))) / 2, as PyTorch.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> [round(v, 4) for v in F.gelu(tg.Tensor([-1.0, 0.0, 2.0])).tolist()]
        [-0.1587, 0.0, 1.9545]
    """
    input = _floating(input, "gelu")
    if approximate == "none":
        return Gelu.apply(input)
    if approximate == "tanh":
        return GeluTanh.apply(input)
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x · sigmoid(x) (also called swish).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> F.silu(tg.Tensor([0.0])).tolist()
        [0.0]
    """
    return in_place(input, Silu.apply(_floating(input, "silu")), inplace)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x where x > 0, else alpha (exp(x) - 1).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> [round(v, 4) for v in F.elu(tg.Tensor([-1.0, 2.0])).tolist()]
        [-0.6321, 2.0]
    """
    return in_place(input, Elu.apply(_floating(input, "elu"), alpha=alpha), inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, a smooth relu; where ``beta * x > threshold``, x itself
    (as PyTorch, which avoids the overflow of exp there).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> [round(v, 4) for v in F.softplus(tg.Tensor([0.0, 30.0])).tolist()]
        [0.6931, 30.0]
    """
    return Softplus.apply(_floating(input, "softplus"), beta=beta, threshold=threshold)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """x clamped to [min_val, max_val]; the gradient is 1 strictly inside, 0 elsewhere.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> F.hardtanh(tg.Tensor([-3.0, 0.5, 3.0])).tolist()
        [-1.0, 0.5, 1.0]
    """
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) must not exceed max_val ({max_val})")
    out = Hardtanh.apply(_floating(input, "hardtanh"), low=min_val, high=max_val)
    return in_place(input, out, inplace)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6): ``hardtanh(x, 0, 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = min(x, 0) - log(1 + exp(-|x|)), stable for any x.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> F.logsigmoid(tg.Tensor([-1000.0])).tolist()
        [-1000.0]
    """
    return LogSigmoid.apply(_floating(input, "logsigmoid"))


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x · tanh(softplus(x)).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> round(F.mish(tg.Tensor([1.0])).item(), 4)
        0.8651
    """
    return in_place(input, Mish.apply(_floating(input, "mish")), inplace)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|) (a composition, as in PyTorch).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> F.softsign(tg.Tensor([1.0, -3.0])).tolist()
        [0.5, -0.75]
    """
    input = _floating(input, "softsign")
    return input / (input.abs() + 1.0)
