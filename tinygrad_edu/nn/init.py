"""Weight initialisation, with PyTorch's names and formulas. Every function fills its tensor in
place (without recording: a weight's starting value has no gradient) and returns it.

The scale of the random starting weights matters: too small and the signal fades layer after
layer, too large and it explodes. Kaiming (He et al., 2015) and Xavier (Glorot and Bengio, 2010)
choose the spread from the number of inputs (``fan_in``) and outputs (``fan_out``) of a unit:

- ``kaiming_uniform_``: U(-b, b) with b = gain · √(3 / fan),
  ``kaiming_normal_``: N(0, (gain / √fan)²);
- ``xavier_uniform_``: U(-b, b) with b = gain · √(6 / (fan_in + fan_out)),
  ``xavier_normal_``: N(0, gain² · 2 / (fan_in + fan_out)).

For a Linear weight (out, in), fan_in = in and fan_out = out; for a convolution weight
(out_channels, in_channels, kh, kw) both are multiplied by kh · kw.

Examples:
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.nn import init
    >>> w = init.kaiming_uniform_(tg.zeros(128, 784), a=5 ** 0.5)  # nn.Linear's default
    >>> bool(w.abs().max().item() <= 1 / 784 ** 0.5)
    True
"""

from __future__ import annotations

import math
from typing import Any

from ..autograd import no_grad
from ..tensor import Tensor

_LINEAR_LIKE = (
    "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
    "conv_transpose3d", "sigmoid",
)


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor by which an activation function shrinks the spread of its input, which
    initialisation makes up for: 1 for linear layers and sigmoid, 5/3 for tanh, √2 for relu,
    √(2 / (1 + slope²)) for leaky_relu (slope ``param``, default 0.01), 3/4 for selu.

    Examples:
        >>> from tinygrad_edu.nn import init
        >>> round(init.calculate_gain("relu"), 4), init.calculate_gain("conv2d")
        (1.4142, 1)
    """
    if nonlinearity in _LINEAR_LIKE:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif (
            isinstance(param, int | float)  # type: ignore[redundant-expr]
            and not isinstance(param, bool)
        ):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; use one of "
        f"{', '.join(_LINEAR_LIKE)}, tanh, relu, leaky_relu, selu"
    )


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight (out, in, *kernel): in · prod(kernel), out · prod(kernel)."""
    if tensor.ndim < 2:
        raise ValueError(
            f"Fan in and fan out can not be computed for a tensor with fewer than 2 dimensions "
            f"(shape {tensor.shape}); these initialisations are for weight matrices and "
            "convolution kernels. Use uniform_ or normal_ for biases."
        )
    receptive_field = 1
    for n in tensor.shape[2:]:
        receptive_field *= n
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator: Any = None) -> Tensor:
    """Fill with samples from U(a, b) (from ``generator``, a ``tg.Generator``, if given)."""
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0,
            generator: Any = None) -> Tensor:
    """Fill with samples from N(mean, std²) (from ``generator``, if given)."""
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with the value ``val``."""
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with zeros."""
    with no_grad():
        return tensor.zero_()


def ones_(tensor: Tensor) -> Tensor:
    """Fill with ones."""
    with no_grad():
        return tensor.fill_(1.0)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator: Any = None) -> Tensor:
    """He initialisation, uniform: U(-b, b), b = gain · √(3 / fan).

    Args:
        tensor: a weight of at least 2 dimensions.
        a: the negative slope of the leaky_relu that follows (only for "leaky_relu").
        mode: "fan_in" keeps the spread of the forward signal, "fan_out" of the gradients.
        nonlinearity: the activation after the layer (see :func:`calculate_gain`).
        generator: a ``tg.Generator`` to draw from (else the backend's generator).
    """
    if tensor.numel() == 0:
        return tensor  # nothing to fill (PyTorch warns, then does the same)
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator: Any = None) -> Tensor:
    """He initialisation, normal: N(0, std²), std = gain / √fan (arguments as
    :func:`kaiming_uniform_`)."""
    if tensor.numel() == 0:
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot initialisation, uniform: U(-b, b), b = gain · √(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out)) if fan_in + fan_out else 0.0
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator: Any = None) -> Tensor:
    """Glorot initialisation, normal: N(0, std²), std = gain · √(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out)) if fan_in + fan_out else 0.0
    return normal_(tensor, 0.0, std, generator)
