"""More of PyTorch's function forms: ``tg.cumsum(x, 0)`` is ``x.cumsum(0)``, as
``torch.cumsum(x, 0)`` is. Each turns an array or a list into a Tensor first (so that
``tg.isnan(array)`` does not fall through to NumPy's meaning) and calls the method of the same
name, whose docstring tells the rest. The first set of function forms is in
:mod:`tinygrad_edu.functional`."""

from __future__ import annotations

import builtins
from typing import Any

from ..tensor import Tensor


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


# -- facts and copies ----------------------------------------------------------------------
def numel(x: Any) -> int:
    """The number of elements: ``x.numel()``.

    Examples:
        >>> import tinygrad_edu as tg
        >>> tg.numel(tg.zeros(2, 3))
        6
    """
    return _tensor(x).numel()


def clone(x: Any) -> Tensor:
    """A copy with memory of its own, still in the graph: ``x.clone()``."""
    return _tensor(x).clone()


# -- comparisons and logic -----------------------------------------------------------------
def eq(x: Any, y: Any) -> Tensor:
    """``x == y`` elementwise: ``x.eq(y)``."""
    return _tensor(x).eq(y)


def ne(x: Any, y: Any) -> Tensor:
    """``x != y`` elementwise: ``x.ne(y)``."""
    return _tensor(x).ne(y)


def lt(x: Any, y: Any) -> Tensor:
    """``x < y`` elementwise: ``x.lt(y)``."""
    return _tensor(x).lt(y)


def le(x: Any, y: Any) -> Tensor:
    """``x <= y`` elementwise: ``x.le(y)``."""
    return _tensor(x).le(y)


def gt(x: Any, y: Any) -> Tensor:
    """``x > y`` elementwise: ``x.gt(y)``."""
    return _tensor(x).gt(y)


def ge(x: Any, y: Any) -> Tensor:
    """``x >= y`` elementwise: ``x.ge(y)``."""
    return _tensor(x).ge(y)


def equal(x: Any, y: Any) -> builtins.bool:
    """Same shape and equal elements (a Python bool): ``x.equal(y)``."""
    return _tensor(x).equal(y)


def isclose(x: Any, y: Any, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """Where ``|x - y| <= atol + rtol * |y|``: ``x.isclose(y, ...)``."""
    return _tensor(x).isclose(y, rtol, atol, equal_nan)


def allclose(x: Any, y: Any, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> builtins.bool:
    """Whether every element is close (a Python bool): ``x.allclose(y, ...)``.

    Examples:
        >>> import tinygrad_edu as tg
        >>> tg.allclose(tg.tensor([1.0, 2.0]), tg.tensor([1.0, 2.000001]))
        True
    """
    return _tensor(x).allclose(y, rtol, atol, equal_nan)


def isnan(x: Any) -> Tensor:
    """Where the elements are nan: ``x.isnan()``."""
    return _tensor(x).isnan()


def isinf(x: Any) -> Tensor:
    """Where the elements are infinite: ``x.isinf()``."""
    return _tensor(x).isinf()


def isfinite(x: Any) -> Tensor:
    """Where the elements are finite: ``x.isfinite()``."""
    return _tensor(x).isfinite()


def logical_and(x: Any, y: Any) -> Tensor:
    """Where both are nonzero: ``x.logical_and(y)``."""
    return _tensor(x).logical_and(y)


def logical_or(x: Any, y: Any) -> Tensor:
    """Where either is nonzero: ``x.logical_or(y)``."""
    return _tensor(x).logical_or(y)


def logical_xor(x: Any, y: Any) -> Tensor:
    """Where exactly one is nonzero: ``x.logical_xor(y)``."""
    return _tensor(x).logical_xor(y)


def logical_not(x: Any) -> Tensor:
    """Where the element is zero: ``x.logical_not()``."""
    return _tensor(x).logical_not()


def any(x: Any, *args: Any, **kwargs: Any) -> Tensor:  # noqa: A001 - PyTorch's name
    """Whether any element (over some dims) is nonzero: ``x.any(...)``."""
    return _tensor(x).any(*args, **kwargs)


def all(x: Any, *args: Any, **kwargs: Any) -> Tensor:  # noqa: A001 - PyTorch's name
    """Whether every element (over some dims) is nonzero: ``x.all(...)``."""
    return _tensor(x).all(*args, **kwargs)


def masked_fill(x: Any, mask: Any, value: Any) -> Tensor:
    """``value`` where ``mask`` is True, else ``x``: ``x.masked_fill(mask, value)``."""
    return _tensor(x).masked_fill(mask, value)


# -- pieces --------------------------------------------------------------------------------
def split(x: Any, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of the given size(s) along ``dim``: ``x.split(...)``."""
    return _tensor(x).split(split_size_or_sections, dim)


def chunk(x: Any, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """``chunks`` pieces of nearly equal size along ``dim``: ``x.chunk(chunks, dim)``."""
    return _tensor(x).chunk(chunks, dim)


def unbind(x: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along ``dim``: ``x.unbind(dim)``."""
    return _tensor(x).unbind(dim)


def t(x: Any) -> Tensor:
    """The transpose of a matrix (at most 2 dims): ``x.t()``."""
    return _tensor(x).t()


def narrow(x: Any, dim: int, start: int, length: int) -> Tensor:
    """``length`` elements along ``dim`` from ``start``: ``x.narrow(dim, start, length)``."""
    return _tensor(x).narrow(dim, start, length)


def select(x: Any, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``: ``x.select(dim, index)``."""
    return _tensor(x).select(dim, index)


def index_select(x: Any, dim: int, index: Any) -> Tensor:
    """The slices at positions ``index`` along ``dim``: ``x.index_select(dim, index)``."""
    return _tensor(x).index_select(dim, index)


def nonzero(x: Any, *, as_tuple: bool = False) -> Any:
    """The positions of the nonzero elements: ``x.nonzero(as_tuple=...)``."""
    return _tensor(x).nonzero(as_tuple=as_tuple)


def flip(x: Any, dims: Any) -> Tensor:
    """The elements reversed along ``dims``: ``x.flip(dims)``."""
    return _tensor(x).flip(dims)


def roll(x: Any, shifts: Any, dims: Any = None) -> Tensor:
    """The elements moved cyclically: ``x.roll(shifts, dims)``."""
    return _tensor(x).roll(shifts, dims)


def tril(x: Any, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims: ``x.tril(diagonal)``."""
    return _tensor(x).tril(diagonal)


def triu(x: Any, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims: ``x.triu(diagonal)``."""
    return _tensor(x).triu(diagonal)


# -- math ----------------------------------------------------------------------------------
def neg(x: Any) -> Tensor:
    """-x: ``x.neg()``."""
    return _tensor(x).neg()


def square(x: Any) -> Tensor:
    """x * x: ``x.square()``."""
    return _tensor(x).square()


def pow(x: Any, exponent: Any) -> Tensor:  # noqa: A001 - PyTorch's name
    """``x ** exponent``, elementwise; either may be a number, as ``torch.pow``."""
    if not isinstance(x, Tensor) and isinstance(exponent, Tensor):
        return exponent.__rpow__(x)
    return _tensor(x).pow(exponent)


def reciprocal(x: Any) -> Tensor:
    """1 / x: ``x.reciprocal()``."""
    return _tensor(x).reciprocal()


def sign(x: Any) -> Tensor:
    """-1, 0 or 1 by the sign: ``x.sign()``."""
    return _tensor(x).sign()


def round(x: Any, *, decimals: int = 0) -> Tensor:  # noqa: A001 - PyTorch's name
    """Rounded to ``decimals`` places, halves to even: ``x.round(decimals=...)``."""
    return _tensor(x).round(decimals)


def floor(x: Any) -> Tensor:
    """Rounded down: ``x.floor()``."""
    return _tensor(x).floor()


def ceil(x: Any) -> Tensor:
    """Rounded up: ``x.ceil()``."""
    return _tensor(x).ceil()


def trunc(x: Any) -> Tensor:
    """Rounded toward 0: ``x.trunc()``."""
    return _tensor(x).trunc()


def erf(x: Any) -> Tensor:
    """The error function: ``x.erf()``."""
    return _tensor(x).erf()


def log1p(x: Any) -> Tensor:
    """log(1 + x), accurate for tiny x: ``x.log1p()``."""
    return _tensor(x).log1p()


def expm1(x: Any) -> Tensor:
    """exp(x) - 1, accurate for tiny x: ``x.expm1()``."""
    return _tensor(x).expm1()


def remainder(x: Any, y: Any) -> Tensor:
    """``x % y``, with the sign of ``y`` (either may be a number): ``x.remainder(y)``."""
    if not isinstance(x, Tensor) and isinstance(y, Tensor):
        return y.__rmod__(x)
    return _tensor(x).remainder(y)


def fmod(x: Any, y: Any) -> Tensor:
    """C's remainder, with the sign of ``x`` (``y`` may be a number): ``x.fmod(y)``."""
    return _tensor(x).fmod(y)


def floor_divide(x: Any, y: Any) -> Tensor:
    """``x // y``, rounded down (either may be a number): ``x.floor_divide(y)``."""
    if not isinstance(x, Tensor) and isinstance(y, Tensor):
        return y.__rfloordiv__(x)
    return _tensor(x).floor_divide(y)


def cumsum(x: Any, dim: int, *, dtype: Any = None) -> Tensor:
    """The running sum along ``dim``: ``x.cumsum(dim)``."""
    return _tensor(x).cumsum(dim, dtype=dtype)


def prod(x: Any, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The product of the elements (over one dim or all): ``x.prod(...)``."""
    return _tensor(x).prod(dim, keepdim, dtype=dtype)


def var(x: Any, *args: Any, **kwargs: Any) -> Tensor:
    """The variance (``correction=1`` by default, as PyTorch): ``x.var(...)``."""
    return _tensor(x).var(*args, **kwargs)


def std(x: Any, *args: Any, **kwargs: Any) -> Tensor:
    """The standard deviation (``correction=1`` by default): ``x.std(...)``."""
    return _tensor(x).std(*args, **kwargs)


def norm(x: Any, p: Any = "fro", dim: Any = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """The p-norm (2 by default) over some dims or all: ``x.norm(p, dim, keepdim)``."""
    return _tensor(x).norm(p, dim, keepdim, dtype=dtype)


def dot(x: Any, y: Any) -> Tensor:
    """The dot product of two 1-D tensors: ``x.dot(y)``."""
    return _tensor(x).dot(y)


def outer(x: Any, y: Any) -> Tensor:
    """The outer product of two 1-D tensors: ``x.outer(y)``."""
    return _tensor(x).outer(y)


def bmm(x: Any, y: Any) -> Tensor:
    """A batch of matrix products (3-D tensors): ``x.bmm(y)``."""
    return _tensor(x).bmm(y)
