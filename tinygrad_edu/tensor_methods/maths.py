"""More math, as PyTorch's beginners use it: rounding (``sign``, ``round``, ``floor``, ``ceil``,
``trunc``), ``reciprocal``, ``log1p``, ``expm1``, ``cumsum``, ``prod``, ``norm`` and the
products ``dot``, ``outer``, ``bmm``.

Rounding is piecewise constant, so its derivative is 0 (PyTorch's too): the result is a
:class:`~tinygrad_edu.ops.elementwise.Where` that never takes the input, which sends a 0 back
(never a nan, even where the input is inf). ``log1p``, ``expm1``, ``cumsum`` and ``prod`` are
primitives (:mod:`tinygrad_edu.ops.accurate`, :mod:`tinygrad_edu.ops.scan`); ``reciprocal``,
``norm`` and the products are composed (see the table in :mod:`tinygrad_edu.ops`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from .. import ops
from ..dtypes import bool_, int64, to_dtype
from ..ops.accurate import Expm1, Log1p
from ..ops.division import fmod_arrays
from ..ops.erf import Erf
from ..ops.norm import PNorm
from ..ops.scan import Cumsum, Prod
from ..ops.unary import Reciprocal
from .base import TensorBase
from .more_reductions import reduction_axes
from .shapes import (
    Axis,
    axis_index,
    broadcast_shapes,
    ignore_float_errors,
    promote,
)

if TYPE_CHECKING:
    from ..tensor import Tensor


def _count(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> int:
    """How many elements a reduction over ``axes`` (None: all) of ``shape`` takes together."""
    count = 1
    for axis in range(len(shape)) if axes is None else axes:
        count *= shape[axis]
    return count


class MathMethods(TensorBase):
    """Rounding, accurate log and exp near 0, running sums, products and norms of a Tensor."""

    __slots__ = ()

    # -- piecewise constant: derivative 0 ------------------------------------------------------
    def _constant_piece(self, values: Any, other: Any = None) -> Tensor:
        """``values`` (an array of this shape) as the result of a differentiable op whose
        derivative is 0: a Where that always takes ``values`` (PyTorch's rounding ops are
        recorded too, with a zero gradient). A second input ``other`` (a divisor) that needs
        a gradient is recorded too, so that it gets its zeros, as in PyTorch."""
        out = self.constant(values)
        extra = other is not None and getattr(other, "requires_grad", False)
        if not (self.requires_grad or extra):
            return out
        xp, no = self.backend.xp, self.backend.native_dtype(bool_)
        never = self.constant(xp.zeros(values.shape, dtype=no))
        if self.requires_grad:
            out = ops.Where.apply(never, self, out)
        if extra:
            out = ops.Where.apply(never, other, out)
        return out

    def sign(self) -> Tensor:
        """-1, 0 or 1 by the sign of each element (0 for nan, as PyTorch); derivative 0."""
        xp = self.backend.xp
        if self.dtype is bool_:
            return cast("Tensor", self).clone()
        data = self._data
        signs = xp.sign(data)
        if self.dtype.is_floating:  # sign(nan) is 0 in PyTorch
            signs = xp.where(xp.isnan(data), xp.zeros_like(signs), signs)
        return self._constant_piece(signs)

    def round(self, decimals: int = 0) -> Tensor:
        """Each element rounded to ``decimals`` places, halves to the even neighbour
        (``round(2.5) = 2``), as ``torch.round``; derivative 0."""
        if not self.dtype.is_floating:
            return cast("Tensor", self).clone()
        xp = self.backend.xp
        if decimals == 0:
            return self._constant_piece(xp.round(self._data))
        scale = 10.0**decimals  # as PyTorch: round(x * 10^d) / 10^d
        return self._constant_piece(xp.round(self._data * scale) / scale)

    def floor(self) -> Tensor:
        """The largest whole number <= each element; derivative 0."""
        return self._rounded("floor")

    def ceil(self) -> Tensor:
        """The smallest whole number >= each element; derivative 0."""
        return self._rounded("ceil")

    def trunc(self) -> Tensor:
        """Each element with its fraction dropped (toward 0); derivative 0."""
        return self._rounded("trunc")

    def _rounded(self, name: str) -> Tensor:
        if not self.dtype.is_floating:  # whole numbers already, as in PyTorch
            return cast("Tensor", self).clone()
        return self._constant_piece(getattr(self.backend.xp, name)(self._data))

    # -- elementwise -----------------------------------------------------------------------
    def reciprocal(self) -> Tensor:
        """1 / x, elementwise (integers give float32, as in PyTorch; 1 / 0 = inf)."""
        return cast("Tensor", Reciprocal.apply(cast("Tensor", self)._floating()))

    def log1p(self) -> Tensor:
        """log(1 + x), accurate for tiny x (see :class:`~tinygrad_edu.ops.accurate.Log1p`)."""
        return cast("Tensor", Log1p.apply(cast("Tensor", self)._floating()))

    def erf(self) -> Tensor:
        """The error function, 2/sqrt(pi) times the integral of exp(-t**2) from 0 to x (see
        :class:`~tinygrad_edu.ops.erf.Erf`)."""
        return cast("Tensor", Erf.apply(cast("Tensor", self)._floating()))

    def expm1(self) -> Tensor:
        """exp(x) - 1, accurate for tiny x (see :class:`~tinygrad_edu.ops.accurate.Expm1`)."""
        return cast("Tensor", Expm1.apply(cast("Tensor", self)._floating()))

    # -- integer division and remainder, as Python's // and % ---------------------------------
    def remainder(self, other: Any) -> Tensor:
        """``x % other``: the remainder with the sign of ``other`` (Python's rule, and
        PyTorch's), ``x - floor(x / other) * other``; its derivative is 1 for ``x`` and
        ``-floor(x / other)`` for ``other``. Integers by 0 raise, floats give nan; a finite
        ``x`` by ``inf`` is ``x`` where the signs agree and ``inf`` where they differ, as in
        PyTorch (:class:`~tinygrad_edu.ops.division.Remainder`).

        Examples:
            >>> import tinygrad_edu as tg
            >>> (tg.arange(6) % 3).tolist(), (tg.tensor([5.5, -5.5]) % 2).tolist()
            ([0, 1, 2, 0, 1, 2], [1.5, 0.5])
            >>> (tg.tensor([5.0, -5.0]) % float("inf")).tolist()
            [5.0, inf]
        """
        return self._divide("remainder", other, reverse=False)

    def fmod(self, other: Any) -> Tensor:
        """C's remainder, with the sign of ``x``, as ``torch.fmod``: ``x - trunc(x / other) *
        other``; derivative 1 for ``x`` and ``-trunc(x / other)`` for ``other``. Integers by
        0 raise, floats give nan.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([5.0, -5.0]).fmod(3).tolist(), tg.tensor([5, -5]).fmod(-3).tolist()
            ([2.0, -2.0], [2, -2])
        """
        return self._divide("fmod", other, reverse=False)

    def floor_divide(self, other: Any) -> Tensor:
        """``x // other``: the quotient rounded down (``-7 // 2 = -4``), as PyTorch. It has no
        derivative there either: a backward through it raises, as PyTorch's does (use
        ``div(other, rounding_mode="floor")`` for derivative 0)."""
        return self._divide("floor_divide", other, reverse=False)

    def __mod__(self, other: Any) -> Tensor:
        return self._divide("remainder", other, reverse=False)

    def __rmod__(self, other: Any) -> Tensor:
        return self._divide("remainder", other, reverse=True)

    def __floordiv__(self, other: Any) -> Tensor:
        return self._divide("floor_divide", other, reverse=False)

    def __rfloordiv__(self, other: Any) -> Tensor:
        return self._divide("floor_divide", other, reverse=True)

    def _divide(self, name: str, other: Any, reverse: bool) -> Tensor:
        """``remainder``, ``fmod``, ``floor_divide`` or ``trunc_divide`` of ``x`` and
        ``other`` (swapped if ``reverse``), promoted and broadcast as PyTorch does."""
        x, y = cast("Tensor", self), self._const(other)
        if reverse:
            x, y = y, x
        x, y = promote(x, y)
        broadcast_shapes(name, x.shape, y.shape)
        xp = self.backend.xp
        a, b = x._data, y._data
        if not x.dtype.is_floating:
            if bool(xp.any(b == 0)):
                raise ZeroDivisionError(
                    f"{name}: integer division by zero (PyTorch raises too); divide floats "
                    "instead, e.g. x.float(), to get inf or nan"
                )
            if name == "fmod":
                return type(self)._from_data(fmod_arrays(xp, a, b), self.backend)
            if name == "trunc_divide":  # exact, where a float division could round
                return type(self)._from_data((a - fmod_arrays(xp, a, b)) // b, self.backend)
            return type(self)._from_data(getattr(xp, name)(a, b), self.backend)
        if name == "remainder":
            return cast("Tensor", ops.Remainder.apply(x, y))
        if name == "fmod":
            return cast("Tensor", ops.Fmod.apply(x, y))
        if name == "trunc_divide":
            with ignore_float_errors(xp):
                return x._constant_piece(xp.trunc(a / b), y)  # recorded, derivative 0 (PyTorch)
        return cast("Tensor", ops.FloorDivide.apply(x, y))  # its backward raises, as PyTorch's

    # -- running sums and products ---------------------------------------------------------
    def cumsum(self, dim: int, *, dtype: Any = None) -> Tensor:
        """The running sum along ``dim``: ``[x0, x0 + x1, x0 + x1 + x2, ...]``, as
        ``torch.cumsum`` (integers and bools sum in int64).

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1.0, 2.0, 3.0]).cumsum(0).tolist()
            [1.0, 3.0, 6.0]
        """
        x = self._sum_dtype(dtype)
        if x.ndim == 0:
            axis_index(dim, 0, "cumsum: dim")
            return x.clone()
        return cast("Tensor", Cumsum.apply(x, axis=axis_index(dim, x.ndim, "cumsum: dim")))

    def _sum_dtype(self, dtype: Any) -> Tensor:
        """This tensor in the dtype a sum or product gives: ``dtype`` if given, else int64
        for integers and bools (as PyTorch), else its own."""
        x = cast("Tensor", self)
        if dtype is not None:
            return x.astype(to_dtype(dtype))
        return x if x.dtype.is_floating else x.astype(int64)

    def prod(self, dim: int | None = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """The product of the elements (over one ``dim``, or all), as ``torch.prod``: 1 for
        no elements; integers and bools multiply in int64. The gradient of each element is
        the product of the others, exact where there are zeros.

        Examples:
            >>> import tinygrad_edu as tg
            >>> x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
            >>> x.prod(1).tolist()
            [2.0, 12.0]
            >>> x.prod().backward()
            >>> x.grad.tolist()
            [[24.0, 12.0], [8.0, 6.0]]
        """
        x = self._sum_dtype(dtype)
        if dim is None:
            out = cast("Tensor", Prod.apply(x, axis=None))
            return out.reshape((1,) * x.ndim) if keepdim else out
        axis = axis_index(dim, x.ndim, "prod: dim")
        if x.ndim == 0:
            return x.clone()
        return cast("Tensor", Prod.apply(x, axis=axis, keepdims=keepdim))

    # -- norms -----------------------------------------------------------------------------
    def norm(
        self, p: Any = "fro", dim: Axis = None, keepdim: bool = False, *, dtype: Any = None
    ) -> Tensor:
        """The p-norm over ``dim`` (all elements by default), as ``torch.norm``: ``p=2``
        (or ``"fro"``) the square root of the sum of squares, ``p=1`` the sum of absolute
        values, ``p=inf`` the largest absolute value, ``p=0`` the count of nonzeros, any
        other p ``(sum |x|^p)^(1/p)``. At a zero vector the 2-norm's gradient is 0, as in
        PyTorch. Floating-point tensors only, as in PyTorch.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([3.0, 4.0]).norm().item()
            5.0
        """
        x = cast("Tensor", self) if dtype is None else cast("Tensor", self).astype(dtype)
        if not x.dtype.is_floating:
            raise TypeError(
                f"norm: needs a floating-point tensor, not {x.dtype.name} (as in PyTorch); "
                "convert first: x.float().norm()"
            )
        if p == "nuc" or (isinstance(p, str) and p != "fro"):
            raise ValueError(f"norm: p={p!r} is not supported; use a number, inf or 'fro'")
        axes = reduction_axes(dim, x.ndim)  # dim=(): all, as in PyTorch
        size = x.abs()
        if p not in (0, 0.0) and _count(x.shape, axes) == 1:
            return size.sum(axes, keepdims=keepdim)  # |x| exactly, as PyTorch: no x * x overflow
        if p in ("fro", 2, 2.0):
            squares = (x * x).sum(axes, keepdims=keepdim)
            return cast("Tensor", ops.StdFromVar.apply(squares))  # gradient 0 where it is 0
        if p in (1, 1.0):
            return size.sum(axes, keepdims=keepdim)
        if p == float("inf"):
            return size._extreme("max", axes, keepdim)  # max()'s rule: 0 at a nan, as torch
        if p == float("-inf"):
            return size._extreme("min", axes, keepdim)
        if p in (0, 0.0):
            counts = x.backend.xp.astype(x._data != 0, x._data.dtype)
            nonzero = x._constant_piece(counts)  # recorded, with derivative 0
            return nonzero.sum(axes, keepdims=keepdim)
        return cast("Tensor", PNorm.apply(x, p=float(p), axis=axes, keepdims=keepdim))

    # -- products --------------------------------------------------------------------------
    def dot(self, tensor: Any) -> Tensor:
        """The dot product of two 1-D tensors of one size and dtype, as ``torch.dot``."""
        tensor = self._const(tensor)
        if self.ndim != 1 or tensor.ndim != 1 or self.shape != tensor.shape:
            raise ValueError(
                f"dot: needs two 1-D tensors of the same size, got shapes {self.shape} and "
                f"{tensor.shape}; use matmul (or @) for matrices"
            )
        if self.dtype is not tensor.dtype:
            raise RuntimeError(
                f"dot: the vectors have dtypes {self.dtype.name} and {tensor.dtype.name}; they "
                f"must match, as in PyTorch: convert one first, e.g. other.to({self.dtype.name})"
            )
        return cast("Tensor", self).matmul(tensor)

    def outer(self, vec2: Any) -> Tensor:
        """The outer product of two 1-D tensors: ``out[i, j] = x[i] * y[j]``."""
        vec2 = self._const(vec2)
        if self.ndim != 1 or vec2.ndim != 1:
            raise ValueError(
                f"outer: needs two 1-D tensors, got shapes {self.shape} and {vec2.shape}"
            )
        return cast("Tensor", self).reshape(-1, 1) * vec2.reshape(1, -1)

    def bmm(self, mat2: Any) -> Tensor:
        """A batch of matrix products, as ``torch.bmm``: shapes (b, n, m) and (b, m, p) give
        (b, n, p); no broadcasting (see :meth:`matmul` for that)."""
        mat2 = self._const(mat2)
        if self.ndim != 3 or mat2.ndim != 3 or self.shape[0] != mat2.shape[0]:
            raise ValueError(
                f"bmm: needs two 3-D tensors with the same batch size, got shapes {self.shape} "
                f"and {mat2.shape}; use matmul (or @) to broadcast"
            )
        return cast("Tensor", self).matmul(mat2)
