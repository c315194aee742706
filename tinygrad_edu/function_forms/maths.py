"""More of PyTorch's maths as functions: each is the Tensor method of the same name (in
:mod:`tinygrad_edu.tensor_methods.more_maths`, ``more_elementwise`` and ``more_reductions``),
called on ``input`` made a Tensor first, as ``torch.atan2(y, x)`` is ``y.atan2(x)``. The
parameters have PyTorch's names (``input``, ``other``, ``dim``, ...), so keyword calls copied
from PyTorch code work too.

Examples:
    >>> import tinygrad_edu as tg
    >>> tg.log2([1.0, 8.0]).tolist(), tg.cumprod(tg.tensor([1, 2, 3]), 0).tolist()
    ([0.0, 3.0], [1, 2, 6])
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


# -- elementwise, one input -----------------------------------------------------------------
def rsqrt(input: Any) -> Tensor:
    """1 / sqrt(x), elementwise: ``input.rsqrt()``."""
    return _tensor(input).rsqrt()


def log2(input: Any) -> Tensor:
    """The base-2 logarithm, elementwise: ``input.log2()``."""
    return _tensor(input).log2()


def log10(input: Any) -> Tensor:
    """The base-10 logarithm, elementwise: ``input.log10()``."""
    return _tensor(input).log10()


def exp2(input: Any) -> Tensor:
    """2 ** x, elementwise: ``input.exp2()``."""
    return _tensor(input).exp2()


def sinh(input: Any) -> Tensor:
    """The hyperbolic sine, elementwise: ``input.sinh()``."""
    return _tensor(input).sinh()


def cosh(input: Any) -> Tensor:
    """The hyperbolic cosine, elementwise: ``input.cosh()``."""
    return _tensor(input).cosh()


def asin(input: Any) -> Tensor:
    """The inverse sine, elementwise: ``input.asin()``."""
    return _tensor(input).asin()


def acos(input: Any) -> Tensor:
    """The inverse cosine, elementwise: ``input.acos()``."""
    return _tensor(input).acos()


def atan(input: Any) -> Tensor:
    """The inverse tangent, elementwise: ``input.atan()``."""
    return _tensor(input).atan()


def asinh(input: Any) -> Tensor:
    """The inverse hyperbolic sine, elementwise: ``input.asinh()``."""
    return _tensor(input).asinh()


def acosh(input: Any) -> Tensor:
    """The inverse hyperbolic cosine, elementwise: ``input.acosh()``."""
    return _tensor(input).acosh()


def atanh(input: Any) -> Tensor:
    """The inverse hyperbolic tangent, elementwise: ``input.atanh()``."""
    return _tensor(input).atanh()


def arcsinh(input: Any) -> Tensor:
    """The inverse hyperbolic sine, elementwise: ``input.arcsinh()``."""
    return _tensor(input).arcsinh()


def arccosh(input: Any) -> Tensor:
    """The inverse hyperbolic cosine, elementwise: ``input.arccosh()``."""
    return _tensor(input).arccosh()


def arctanh(input: Any) -> Tensor:
    """The inverse hyperbolic tangent, elementwise: ``input.arctanh()``."""
    return _tensor(input).arctanh()


def arcsin(input: Any) -> Tensor:
    """The inverse sine, elementwise: ``input.arcsin()``."""
    return _tensor(input).arcsin()


def arccos(input: Any) -> Tensor:
    """The inverse cosine, elementwise: ``input.arccos()``."""
    return _tensor(input).arccos()


def arctan(input: Any) -> Tensor:
    """The inverse tangent, elementwise: ``input.arctan()``."""
    return _tensor(input).arctan()


# -- elementwise, two inputs ----------------------------------------------------------------
def atan2(input: Any, other: Any) -> Tensor:
    """The angle of the point (other, input), elementwise: ``input.atan2(other)``."""
    return _tensor(input).atan2(other)


def arctan2(input: Any, other: Any) -> Tensor:
    """The angle of the point (other, input), elementwise: ``input.arctan2(other)``."""
    return _tensor(input).arctan2(other)


def hypot(input: Any, other: Any) -> Tensor:
    """sqrt(x**2 + other**2), elementwise: ``input.hypot(other)``."""
    return _tensor(input).hypot(other)


def logaddexp(input: Any, other: Any) -> Tensor:
    """log(exp(x) + exp(other)), elementwise: ``input.logaddexp(other)``."""
    return _tensor(input).logaddexp(other)


def xlogy(input: Any, other: Any) -> Tensor:
    """x * log(other), 0 where x is 0, elementwise: ``input.xlogy(other)``."""
    return _tensor(input).xlogy(other)


def frac(input: Any) -> Tensor:
    """The fractional part, ``x - trunc(x)``: ``input.frac()``."""
    return _tensor(input).frac()


def sinc(input: Any) -> Tensor:
    """``sin(pi x) / (pi x)``, 1 at 0: ``input.sinc()``."""
    return _tensor(input).sinc()


def deg2rad(input: Any) -> Tensor:
    """Degrees to radians: ``input.deg2rad()``."""
    return _tensor(input).deg2rad()


def rad2deg(input: Any) -> Tensor:
    """Radians to degrees: ``input.rad2deg()``."""
    return _tensor(input).rad2deg()


def erfinv(input: Any) -> Tensor:
    """The inverse error function: ``input.erfinv()``."""
    return _tensor(input).erfinv()


def lerp(input: Any, end: Any, weight: Any) -> Tensor:
    """``start + weight * (end - start)``, with PyTorch's rounding: ``start.lerp(end, weight)``."""
    return _tensor(input).lerp(end, weight)


def addcmul(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """``x + value * tensor1 * tensor2``: ``input.addcmul(tensor1, tensor2, value=value)``."""
    return _tensor(input).addcmul(tensor1, tensor2, value=value)


def addcdiv(input: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """``x + value * tensor1 / tensor2``: ``input.addcdiv(tensor1, tensor2, value=value)``."""
    return _tensor(input).addcdiv(tensor1, tensor2, value=value)


def nan_to_num(input: Any, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """nan, inf and -inf replaced by finite numbers: ``input.nan_to_num(nan, posinf, neginf)``."""
    return _tensor(input).nan_to_num(nan, posinf, neginf)


def bernoulli(input: Any, p: Any = None, *, generator: Any = None) -> Tensor:
    """1 with probability ``p`` (by default each element of ``x``), else 0:
    ``input.bernoulli(p, generator=generator)``."""
    return _tensor(input).bernoulli(p, generator=generator)


# -- reductions ------------------------------------------------------------------------------
def cumprod(input: Any, dim: int, *, dtype: Any = None) -> Tensor:
    """The running product along ``dim``: ``input.cumprod(dim, dtype=dtype)``."""
    return _tensor(input).cumprod(dim, dtype=dtype)


def nansum(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The sum with nan counted as 0: ``input.nansum(dim, keepdim, dtype=dtype)``."""
    return _tensor(input).nansum(dim, keepdim, dtype=dtype)


def nanmean(input: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The mean of the elements that are not nan: ``input.nanmean(dim, keepdim, dtype=dtype)``."""
    return _tensor(input).nanmean(dim, keepdim, dtype=dtype)


def count_nonzero(input: Any, dim: Any = None) -> Tensor:
    """How many elements are not 0 (int64): ``input.count_nonzero(dim)``."""
    return _tensor(input).count_nonzero(dim)

def logcumsumexp(input: Any, dim: int) -> Tensor:
    """The running log-sum-exp along ``dim``: ``input.logcumsumexp(dim)``."""
    return _tensor(input).logcumsumexp(dim)


def aminmax(input: Any, *, dim: int | None = None, keepdim: bool = False) -> Any:
    """The pair ``(min, max)``: ``input.aminmax(dim=dim, keepdim=keepdim)``."""
    return _tensor(input).aminmax(dim=dim, keepdim=keepdim)


def var_mean(input: Any, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: int | None = None) -> tuple[Tensor, Tensor]:
    """The variance and the mean, as ``torch.var_mean`` (a plain tuple): the variance divides
    by ``n - correction`` (1 by default; ``unbiased=False`` is 0). Floating-point tensors only.

    Examples:
        >>> import tinygrad_edu as tg
        >>> variance, mean = tg.var_mean(tg.tensor([1.0, 2.0, 6.0]))
        >>> variance.item(), mean.item()
        (7.0, 3.0)
    """
    x, dim, correction = _spread_options("var_mean", input, dim, unbiased, correction)
    return x.var(dim, keepdims=keepdim, correction=correction), x.mean(dim, keepdim)


def std_mean(input: Any, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: int | None = None) -> tuple[Tensor, Tensor]:
    """The standard deviation and the mean, as ``torch.std_mean`` (see :func:`var_mean`).

    Examples:
        >>> import tinygrad_edu as tg
        >>> spread, mean = tg.std_mean(tg.tensor([[0.0, 2.0], [2.0, 2.0]]), dim=1, correction=0)
        >>> spread.tolist(), mean.tolist()
        ([1.0, 0.0], [1.0, 2.0])
    """
    x, dim, correction = _spread_options("std_mean", input, dim, unbiased, correction)
    return x.std(dim, keepdims=keepdim, correction=correction), x.mean(dim, keepdim)


def _spread_options(name: str, x: Any, dim: Any, unbiased: bool | None,
                    correction: int | None) -> tuple[Tensor, Any, int]:
    """var_mean's and std_mean's arguments as PyTorch reads them: ``var_mean(x, True)`` is
    the old ``unbiased``; ``unbiased`` and ``correction`` together are an error."""
    x = _tensor(x)
    if isinstance(dim, bool):  # the old signature var_mean(x, unbiased)
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}: pass unbiased= or correction=, not both")
    if not x.dtype.is_floating:
        raise RuntimeError(
            f"{name}: needs a floating-point tensor, not {x.dtype.name} (as in PyTorch); "
            f"convert first: tg.{name}(x.float())"
        )
    if correction is None:
        correction = 1 if unbiased is None else int(unbiased)
    return x, dim, correction


__all__: list[str] = [
    "rsqrt",
    "log2",
    "log10",
    "exp2",
    "sinh",
    "cosh",
    "asin",
    "acos",
    "atan",
    "arcsin",
    "arccos",
    "arctan",
    "asinh",
    "acosh",
    "atanh",
    "arcsinh",
    "arccosh",
    "arctanh",
    "atan2",
    "arctan2",
    "hypot",
    "logaddexp",
    "xlogy",
    "lerp",
    "addcmul",
    "addcdiv",
    "nan_to_num",
    "bernoulli",
    "cumprod",
    "nansum",
    "nanmean",
    "count_nonzero",
    "logcumsumexp",
    "aminmax",
    "var_mean",
    "std_mean",
    "frac",
    "sinc",
    "deg2rad",
    "rad2deg",
    "erfinv",
]
