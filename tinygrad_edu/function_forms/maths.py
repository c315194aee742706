"""More of PyTorch's maths as functions: each is the Tensor method of the same name (in
:mod:`tinygrad_edu.tensor_methods.more_maths`, ``more_elementwise`` and ``more_reductions``),
called on ``x`` made a Tensor first, as ``torch.atan2(y, x)`` is ``y.atan2(x)``.

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
def rsqrt(x: Any) -> Tensor:
    """1 / sqrt(x), elementwise: ``x.rsqrt()``."""
    return _tensor(x).rsqrt()


def log2(x: Any) -> Tensor:
    """The base-2 logarithm, elementwise: ``x.log2()``."""
    return _tensor(x).log2()


def log10(x: Any) -> Tensor:
    """The base-10 logarithm, elementwise: ``x.log10()``."""
    return _tensor(x).log10()


def exp2(x: Any) -> Tensor:
    """2 ** x, elementwise: ``x.exp2()``."""
    return _tensor(x).exp2()


def sinh(x: Any) -> Tensor:
    """The hyperbolic sine, elementwise: ``x.sinh()``."""
    return _tensor(x).sinh()


def cosh(x: Any) -> Tensor:
    """The hyperbolic cosine, elementwise: ``x.cosh()``."""
    return _tensor(x).cosh()


def asin(x: Any) -> Tensor:
    """The inverse sine, elementwise: ``x.asin()``."""
    return _tensor(x).asin()


def acos(x: Any) -> Tensor:
    """The inverse cosine, elementwise: ``x.acos()``."""
    return _tensor(x).acos()


def atan(x: Any) -> Tensor:
    """The inverse tangent, elementwise: ``x.atan()``."""
    return _tensor(x).atan()


def asinh(x: Any) -> Tensor:
    """The inverse hyperbolic sine, elementwise: ``x.asinh()``."""
    return _tensor(x).asinh()


def acosh(x: Any) -> Tensor:
    """The inverse hyperbolic cosine, elementwise: ``x.acosh()``."""
    return _tensor(x).acosh()


def atanh(x: Any) -> Tensor:
    """The inverse hyperbolic tangent, elementwise: ``x.atanh()``."""
    return _tensor(x).atanh()


def arcsinh(x: Any) -> Tensor:
    """The inverse hyperbolic sine, elementwise: ``x.arcsinh()``."""
    return _tensor(x).arcsinh()


def arccosh(x: Any) -> Tensor:
    """The inverse hyperbolic cosine, elementwise: ``x.arccosh()``."""
    return _tensor(x).arccosh()


def arctanh(x: Any) -> Tensor:
    """The inverse hyperbolic tangent, elementwise: ``x.arctanh()``."""
    return _tensor(x).arctanh()


def arcsin(x: Any) -> Tensor:
    """The inverse sine, elementwise: ``x.arcsin()``."""
    return _tensor(x).arcsin()


def arccos(x: Any) -> Tensor:
    """The inverse cosine, elementwise: ``x.arccos()``."""
    return _tensor(x).arccos()


def arctan(x: Any) -> Tensor:
    """The inverse tangent, elementwise: ``x.arctan()``."""
    return _tensor(x).arctan()


# -- elementwise, two inputs ----------------------------------------------------------------
def atan2(x: Any, other: Any) -> Tensor:
    """The angle of the point (other, x), elementwise: ``x.atan2(other)``."""
    return _tensor(x).atan2(other)


def arctan2(x: Any, other: Any) -> Tensor:
    """The angle of the point (other, x), elementwise: ``x.arctan2(other)``."""
    return _tensor(x).arctan2(other)


def hypot(x: Any, other: Any) -> Tensor:
    """sqrt(x**2 + other**2), elementwise: ``x.hypot(other)``."""
    return _tensor(x).hypot(other)


def logaddexp(x: Any, other: Any) -> Tensor:
    """log(exp(x) + exp(other)), elementwise: ``x.logaddexp(other)``."""
    return _tensor(x).logaddexp(other)


def xlogy(x: Any, other: Any) -> Tensor:
    """x * log(other), 0 where x is 0, elementwise: ``x.xlogy(other)``."""
    return _tensor(x).xlogy(other)


def frac(x: Any) -> Tensor:
    """The fractional part, ``x - trunc(x)``: ``x.frac()``."""
    return _tensor(x).frac()


def sinc(x: Any) -> Tensor:
    """``sin(pi x) / (pi x)``, 1 at 0: ``x.sinc()``."""
    return _tensor(x).sinc()


def deg2rad(x: Any) -> Tensor:
    """Degrees to radians: ``x.deg2rad()``."""
    return _tensor(x).deg2rad()


def rad2deg(x: Any) -> Tensor:
    """Radians to degrees: ``x.rad2deg()``."""
    return _tensor(x).rad2deg()


def erfinv(x: Any) -> Tensor:
    """The inverse error function: ``x.erfinv()``."""
    return _tensor(x).erfinv()


def lerp(start: Any, end: Any, weight: Any) -> Tensor:
    """``start + weight * (end - start)``, with PyTorch's rounding: ``start.lerp(end, weight)``."""
    return _tensor(start).lerp(end, weight)


def addcmul(x: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """``x + value * tensor1 * tensor2``: ``x.addcmul(tensor1, tensor2, value=value)``."""
    return _tensor(x).addcmul(tensor1, tensor2, value=value)


def addcdiv(x: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """``x + value * tensor1 / tensor2``: ``x.addcdiv(tensor1, tensor2, value=value)``."""
    return _tensor(x).addcdiv(tensor1, tensor2, value=value)


def nan_to_num(x: Any, nan: float = 0.0, posinf: float | None = None,
               neginf: float | None = None) -> Tensor:
    """nan, inf and -inf replaced by finite numbers: ``x.nan_to_num(nan, posinf, neginf)``."""
    return _tensor(x).nan_to_num(nan, posinf, neginf)


def bernoulli(x: Any, p: Any = None, *, generator: Any = None) -> Tensor:
    """1 with probability ``p`` (by default each element of ``x``), else 0:
    ``x.bernoulli(p, generator=generator)``."""
    return _tensor(x).bernoulli(p, generator=generator)


# -- reductions ------------------------------------------------------------------------------
def cumprod(x: Any, dim: int, *, dtype: Any = None) -> Tensor:
    """The running product along ``dim``: ``x.cumprod(dim, dtype=dtype)``."""
    return _tensor(x).cumprod(dim, dtype=dtype)


def nansum(x: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The sum with nan counted as 0: ``x.nansum(dim, keepdim, dtype=dtype)``."""
    return _tensor(x).nansum(dim, keepdim, dtype=dtype)


def nanmean(x: Any, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The mean of the elements that are not nan: ``x.nanmean(dim, keepdim, dtype=dtype)``."""
    return _tensor(x).nanmean(dim, keepdim, dtype=dtype)


def count_nonzero(x: Any, dim: Any = None) -> Tensor:
    """How many elements are not 0 (int64): ``x.count_nonzero(dim)``."""
    return _tensor(x).count_nonzero(dim)

def logcumsumexp(x: Any, dim: int) -> Tensor:
    """The running log-sum-exp along ``dim``: ``x.logcumsumexp(dim)``."""
    return _tensor(x).logcumsumexp(dim)


def aminmax(x: Any, *, dim: int | None = None, keepdim: bool = False) -> Any:
    """The pair ``(min, max)``: ``x.aminmax(dim=dim, keepdim=keepdim)``."""
    return _tensor(x).aminmax(dim=dim, keepdim=keepdim)


def var_mean(x: Any, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: int | None = None) -> tuple[Tensor, Tensor]:
    """The variance and the mean, as ``torch.var_mean`` (a plain tuple): the variance divides
    by ``n - correction`` (1 by default; ``unbiased=False`` is 0). Floating-point tensors only.

    Examples:
        >>> import tinygrad_edu as tg
        >>> variance, mean = tg.var_mean(tg.tensor([1.0, 2.0, 6.0]))
        >>> variance.item(), mean.item()
        (7.0, 3.0)
    """
    x, dim, correction = _spread_options("var_mean", x, dim, unbiased, correction)
    return x.var(dim, keepdim, correction), x.mean(dim, keepdim)


def std_mean(x: Any, dim: Any = None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: int | None = None) -> tuple[Tensor, Tensor]:
    """The standard deviation and the mean, as ``torch.std_mean`` (see :func:`var_mean`).

    Examples:
        >>> import tinygrad_edu as tg
        >>> spread, mean = tg.std_mean(tg.tensor([[0.0, 2.0], [2.0, 2.0]]), dim=1, correction=0)
        >>> spread.tolist(), mean.tolist()
        ([1.0, 0.0], [1.0, 2.0])
    """
    x, dim, correction = _spread_options("std_mean", x, dim, unbiased, correction)
    return x.std(dim, keepdim, correction), x.mean(dim, keepdim)


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
