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
def numel(input: Any) -> int:
    """The number of elements: ``x.numel()``.

    Examples:
        >>> import tinygrad_edu as tg
        >>> tg.numel(tg.zeros(2, 3))
        6
    """
    return _tensor(input).numel()


def clone(input: Any) -> Tensor:
    """A copy with memory of its own, still in the graph: ``x.clone()``."""
    return _tensor(input).clone()


# -- comparisons and logic -----------------------------------------------------------------
def eq(input: Any, other: Any) -> Tensor:
    """``x == y`` elementwise: ``x.eq(y)``."""
    return _tensor(input).eq(other)


def ne(input: Any, other: Any) -> Tensor:
    """``x != y`` elementwise: ``x.ne(y)``."""
    return _tensor(input).ne(other)


def lt(input: Any, other: Any) -> Tensor:
    """``x < y`` elementwise: ``x.lt(y)``."""
    return _tensor(input).lt(other)


def le(input: Any, other: Any) -> Tensor:
    """``x <= y`` elementwise: ``x.le(y)``."""
    return _tensor(input).le(other)


def gt(input: Any, other: Any) -> Tensor:
    """``x > y`` elementwise: ``x.gt(y)``."""
    return _tensor(input).gt(other)


def ge(input: Any, other: Any) -> Tensor:
    """``x >= y`` elementwise: ``x.ge(y)``."""
    return _tensor(input).ge(other)


def equal(input: Any, other: Any) -> builtins.bool:
    """Same shape and equal elements (a Python bool): ``x.equal(y)``."""
    return _tensor(input).equal(other)


def isclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """Where ``|x - y| <= atol + rtol * |y|``: ``x.isclose(y, ...)``."""
    return _tensor(input).isclose(other, rtol, atol, equal_nan)


def allclose(input: Any, other: Any, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> builtins.bool:
    """Whether every element is close (a Python bool): ``x.allclose(y, ...)``.

    Examples:
        >>> import tinygrad_edu as tg
        >>> tg.allclose(tg.tensor([1.0, 2.0]), tg.tensor([1.0, 2.000001]))
        True
    """
    return _tensor(input).allclose(other, rtol, atol, equal_nan)


def isnan(input: Any) -> Tensor:
    """Where the elements are nan: ``x.isnan()``."""
    return _tensor(input).isnan()


def isinf(input: Any) -> Tensor:
    """Where the elements are infinite: ``x.isinf()``."""
    return _tensor(input).isinf()


def isfinite(input: Any) -> Tensor:
    """Where the elements are finite: ``x.isfinite()``."""
    return _tensor(input).isfinite()


def logical_and(input: Any, other: Any) -> Tensor:
    """Where both are nonzero: ``x.logical_and(y)``."""
    return _tensor(input).logical_and(other)


def logical_or(input: Any, other: Any) -> Tensor:
    """Where either is nonzero: ``x.logical_or(y)``."""
    return _tensor(input).logical_or(other)


def logical_xor(input: Any, other: Any) -> Tensor:
    """Where exactly one is nonzero: ``x.logical_xor(y)``."""
    return _tensor(input).logical_xor(other)


def logical_not(input: Any) -> Tensor:
    """Where the element is zero: ``x.logical_not()``."""
    return _tensor(input).logical_not()


def any(input: Any, *args: Any, **kwargs: Any) -> Tensor:  # noqa: A001 - PyTorch's name
    """Whether any element (over some dims) is nonzero: ``x.any(...)``."""
    return _tensor(input).any(*args, **kwargs)


def all(input: Any, *args: Any, **kwargs: Any) -> Tensor:  # noqa: A001 - PyTorch's name
    """Whether every element (over some dims) is nonzero: ``x.all(...)``."""
    return _tensor(input).all(*args, **kwargs)


def masked_fill(input: Any, mask: Any, value: Any) -> Tensor:
    """``value`` where ``mask`` is True, else ``x``: ``x.masked_fill(mask, value)``."""
    return _tensor(input).masked_fill(mask, value)


# -- pieces --------------------------------------------------------------------------------
def split(tensor: Any, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """Pieces of the given size(s) along ``dim``: ``x.split(...)``."""
    return _tensor(tensor).split(split_size_or_sections, dim)


def chunk(input: Any, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """``chunks`` pieces of nearly equal size along ``dim``: ``x.chunk(chunks, dim)``."""
    return _tensor(input).chunk(chunks, dim)


def unbind(input: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices along ``dim``: ``x.unbind(dim)``."""
    return _tensor(input).unbind(dim)


def t(input: Any) -> Tensor:
    """The transpose of a matrix (at most 2 dims): ``x.t()``."""
    return _tensor(input).t()


def narrow(input: Any, dim: int, start: int, length: int) -> Tensor:
    """``length`` elements along ``dim`` from ``start``: ``x.narrow(dim, start, length)``."""
    return _tensor(input).narrow(dim, start, length)


def select(input: Any, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``: ``x.select(dim, index)``."""
    return _tensor(input).select(dim, index)


def index_select(input: Any, dim: int, index: Any) -> Tensor:
    """The slices at positions ``index`` along ``dim``: ``x.index_select(dim, index)``."""
    return _tensor(input).index_select(dim, index)


def nonzero(input: Any, *, as_tuple: bool = False) -> Any:
    """The positions of the nonzero elements: ``x.nonzero(as_tuple=...)``."""
    return _tensor(input).nonzero(as_tuple=as_tuple)


def flip(input: Any, dims: Any) -> Tensor:
    """The elements reversed along ``dims``: ``x.flip(dims)``."""
    return _tensor(input).flip(dims)


def roll(input: Any, shifts: Any, dims: Any = None) -> Tensor:
    """The elements moved cyclically: ``x.roll(shifts, dims)``."""
    return _tensor(input).roll(shifts, dims)


def tril(input: Any, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims: ``x.tril(diagonal)``."""
    return _tensor(input).tril(diagonal)


def triu(input: Any, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims: ``x.triu(diagonal)``."""
    return _tensor(input).triu(diagonal)


# -- math ----------------------------------------------------------------------------------
def neg(input: Any) -> Tensor:
    """-x: ``x.neg()``."""
    return _tensor(input).neg()


def square(input: Any) -> Tensor:
    """x * x: ``x.square()``."""
    return _tensor(input).square()


def pow(input: Any, exponent: Any) -> Tensor:  # noqa: A001 - PyTorch's name
    """``x ** exponent``, elementwise; either may be a number, as ``torch.pow``."""
    if not isinstance(input, Tensor) and isinstance(exponent, Tensor):
        return exponent.__rpow__(input)
    return _tensor(input).pow(exponent)


def reciprocal(input: Any) -> Tensor:
    """1 / x: ``x.reciprocal()``."""
    return _tensor(input).reciprocal()


def sign(input: Any) -> Tensor:
    """-1, 0 or 1 by the sign: ``x.sign()``."""
    return _tensor(input).sign()


def round(input: Any, *, decimals: int = 0) -> Tensor:  # noqa: A001 - PyTorch's name
    """Rounded to ``decimals`` places, halves to even: ``x.round(decimals=...)``."""
    return _tensor(input).round(decimals)


def floor(input: Any) -> Tensor:
    """Rounded down: ``x.floor()``."""
    return _tensor(input).floor()


def ceil(input: Any) -> Tensor:
    """Rounded up: ``x.ceil()``."""
    return _tensor(input).ceil()


def trunc(input: Any) -> Tensor:
    """Rounded toward 0: ``x.trunc()``."""
    return _tensor(input).trunc()


def erf(input: Any) -> Tensor:
    """The error function: ``x.erf()``."""
    return _tensor(input).erf()


def log1p(input: Any) -> Tensor:
    """log(1 + x), accurate for tiny x: ``x.log1p()``."""
    return _tensor(input).log1p()


def expm1(input: Any) -> Tensor:
    """exp(x) - 1, accurate for tiny x: ``x.expm1()``."""
    return _tensor(input).expm1()


def remainder(input: Any, other: Any) -> Tensor:
    """``x % y``, with the sign of ``y`` (either may be a number): ``x.remainder(y)``."""
    if not isinstance(input, Tensor) and isinstance(other, Tensor):
        return other.__rmod__(input)
    return _tensor(input).remainder(other)


def fmod(input: Any, other: Any) -> Tensor:
    """C's remainder, with the sign of ``x`` (``y`` may be a number): ``x.fmod(y)``."""
    return _tensor(input).fmod(other)


def floor_divide(input: Any, other: Any) -> Tensor:
    """``x // y``, rounded down (either may be a number): ``x.floor_divide(y)``."""
    if not isinstance(input, Tensor) and isinstance(other, Tensor):
        return other.__rfloordiv__(input)
    return _tensor(input).floor_divide(other)


def cumsum(input: Any, dim: int, *, dtype: Any = None) -> Tensor:
    """The running sum along ``dim``: ``x.cumsum(dim)``."""
    return _tensor(input).cumsum(dim, dtype=dtype)


def prod(input: Any, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The product of the elements (over one dim or all): ``x.prod(...)``."""
    return _tensor(input).prod(dim, keepdim, dtype=dtype)


def var(input: Any, *args: Any, **kwargs: Any) -> Tensor:
    """The variance (``correction=1`` by default, as PyTorch): ``x.var(...)``."""
    return _tensor(input).var(*args, **kwargs)


def std(input: Any, *args: Any, **kwargs: Any) -> Tensor:
    """The standard deviation (``correction=1`` by default): ``x.std(...)``."""
    return _tensor(input).std(*args, **kwargs)


def norm(input: Any, p: Any = "fro", dim: Any = None, keepdim: bool = False, *,
         dtype: Any = None) -> Tensor:
    """The p-norm (2 by default) over some dims or all: ``x.norm(p, dim, keepdim)``."""
    return _tensor(input).norm(p, dim, keepdim, dtype=dtype)


def dot(input: Any, tensor: Any) -> Tensor:
    """The dot product of two 1-D tensors: ``x.dot(y)``."""
    return _tensor(input).dot(tensor)


def outer(input: Any, vec2: Any) -> Tensor:
    """The outer product of two 1-D tensors: ``x.outer(y)``."""
    return _tensor(input).outer(vec2)


def bmm(input: Any, mat2: Any) -> Tensor:
    """A batch of matrix products (3-D tensors): ``x.bmm(y)``."""
    return _tensor(input).bmm(mat2)
