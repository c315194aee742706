"""Elementwise methods: arithmetic operators (with broadcasting and PyTorch's dtype promotion),
comparisons and logic (bool results, outside the graph), and one-input math (exp, relu, ...).

Each calls one primitive of :mod:`tinygrad_edu.ops.elementwise` or :mod:`tinygrad_edu.ops.unary`,
whose docstring is its derivative."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from .. import ops
from ..ops.unary import Reciprocal
from .base import TensorBase
from .movement import MovementMethods
from .shapes import broadcast_shapes, promote

if TYPE_CHECKING:
    from ..autograd import Function
    from ..tensor import Tensor

class ElementwiseMethods(MovementMethods):
    """Operators and elementwise math of a Tensor."""

    __slots__ = ()

    def _binary(self, fn: type[Function], other: Any, reverse: bool = False) -> Tensor:
        if other.__class__ is not self.__class__:
            other = self._const(other)
        x, y = (other, self) if reverse else (self, other)
        if x._data.dtype is not y._data.dtype or x._data.shape != y._data.shape:
            if x.backend is not y.backend:
                return fn.apply(x, y)  # raises the error that says how to move one of them
            x, y = promote(x, y)
            if x._data.shape != y._data.shape:
                broadcast_shapes(fn.__name__.lower(), x.shape, y.shape)
        return fn.apply(x, y)

    def __add__(self, other: Any) -> Tensor:
        return self._binary(ops.Add, other)

    def __radd__(self, other: Any) -> Tensor:
        return self._binary(ops.Add, other, reverse=True)

    def __sub__(self, other: Any) -> Tensor:
        return self._binary(ops.Sub, other)

    def __rsub__(self, other: Any) -> Tensor:
        return self._binary(ops.Sub, other, reverse=True)

    def __mul__(self, other: Any) -> Tensor:
        return self._binary(ops.Mul, other)

    def __rmul__(self, other: Any) -> Tensor:
        return self._binary(ops.Mul, other, reverse=True)

    def __truediv__(self, other: Any) -> Tensor:
        if not (self.dtype.is_floating or _is_floating(other)):
            return self.float() / other  # int / int is a float32 division, as in PyTorch
        return self._binary(ops.Div, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        # As PyTorch computes it: reciprocal(x) * other, which is not other / x at the edges
        # (0 / 1e-45 in float32 is inf * 0 = nan) nor, by an ulp at times, in between.
        x = self if self.dtype.is_floating else cast("Tensor", self).float()
        if other.__class__ is float or other.__class__ is int:
            return Reciprocal.apply(x) if other == 1 else Reciprocal.apply(x, scale=other)
        return Reciprocal.apply(x) * other

    def __pow__(self, exponent: Any) -> Tensor:
        if exponent.__class__ is float and (exponent == 0.5 or exponent == -0.5):
            # PyTorch's sqrt and 1 / sqrt, whose edges differ from pow's (see ops.Pow)
            x = self if self.dtype.is_floating else self.float()
            return ops.Pow.apply(x, x._const(exponent), exponent=exponent)
        if exponent.__class__ is int and exponent < 0 and not self.dtype.is_floating:
            raise RuntimeError(
                f"Integers to negative integer powers are not allowed (x ** {exponent} with x of "
                f"dtype {self.dtype.name}, as in PyTorch); use floats: x.float() ** {exponent}"
            )
        return self._binary(ops.Pow, exponent)

    def __rpow__(self, base: Any) -> Tensor:
        if (base.__class__ is float or base.__class__ is int) and self.dtype.is_floating:
            number = self._const(base)  # in this tensor's dtype, as PyTorch's pow(number, x)
            return ops.Pow.apply(number, self, base=base)  # base: see ops.Pow's dz/dy
        return self._binary(ops.Pow, base, reverse=True)

    def __neg__(self) -> Tensor:
        return ops.Neg.apply(self)

    def __pos__(self) -> Tensor:
        return cast("Tensor", self)

    def __matmul__(self, other: Any) -> Tensor:
        return self.matmul(other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return self._const(other).matmul(self)

    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """x + alpha * other, elementwise with broadcasting (``torch.add``)."""
        return self + (other if alpha == 1 else other * alpha)

    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """x - alpha * other, elementwise with broadcasting (``torch.sub``)."""
        return self - (other if alpha == 1 else other * alpha)

    def mul(self, other: Any) -> Tensor:
        """x * other, elementwise with broadcasting (``torch.mul``)."""
        return self * other

    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """x / other, elementwise with broadcasting; integers divide to float32, as in PyTorch.
        ``rounding_mode="trunc"`` rounds the quotient toward 0, ``"floor"`` down (both keep
        integers integers, and have derivative 0, as in PyTorch)."""
        if rounding_mode is None:
            return self / other
        if rounding_mode == "trunc":
            return cast("Tensor", self)._divide("trunc_divide", other, reverse=False)
        if rounding_mode == "floor":
            other = self._const(other)
            out = cast("Tensor", self).floor_divide(other)
            floating = out.dtype.is_floating
            return cast("Tensor", self)._constant_piece(out._data, other) if floating else out
        raise ValueError(
            f"div: rounding_mode must be None, 'trunc' or 'floor', not {rounding_mode!r}"
        )

    def pow(self, exponent: Any) -> Tensor:
        """x ** exponent, elementwise (the exponent may be a tensor)."""
        return self**exponent

    def neg(self) -> Tensor:
        """-x, elementwise."""
        return -self

    def maximum(self, other: Any) -> Tensor:
        """Elementwise larger of two tensors (the gradient is split evenly at ties)."""
        return self._binary(ops.Maximum, other)

    def minimum(self, other: Any) -> Tensor:
        """Elementwise smaller of two tensors (the gradient is split evenly at ties)."""
        return self._binary(ops.Minimum, other)

    # -- comparisons and logic: results are bool tensors, outside the graph ---------------
    def _compare(self, other: Any, name: str) -> Tensor:
        x, y = promote(self, self._const(other))
        data = getattr(x._data, name)(y._data)
        return type(self)._from_data(data, self.backend)

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, "__lt__")

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, "__le__")

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, "__gt__")

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, "__ge__")

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, "__eq__")

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, "__ne__")

    def _logical(self, other: Any, name: str) -> Tensor:
        if self.dtype.is_floating:
            raise TypeError(
                f"{name.strip('_')} needs bool or integer tensors, not {self.dtype.name}"
            )
        x, y = promote(self, self._const(other))
        return type(self)._from_data(getattr(x._data, name)(y._data), self.backend)

    def __and__(self, other: Any) -> Tensor:
        return self._logical(other, "__and__")

    def __or__(self, other: Any) -> Tensor:
        return self._logical(other, "__or__")

    def __xor__(self, other: Any) -> Tensor:
        return self._logical(other, "__xor__")

    def __invert__(self) -> Tensor:
        if self.dtype.is_floating:
            raise TypeError(f"~ needs a bool or integer tensor, not {self.dtype.name}")
        return type(self)._from_data(~self._data, self.backend)

    # -- elementwise unary -------------------------------------------------------------------
    def _floating(self) -> Tensor:
        """This tensor, as float32 if it holds integers or bools (so int.exp() is float32, as in
        PyTorch)."""
        return cast("Tensor", self) if self.dtype.is_floating else self.float()

    def exp(self) -> Tensor:
        """e ** x, elementwise (the derivative is exp(x) itself)."""
        return ops.Exp.apply(self._floating())

    def log(self) -> Tensor:
        """The natural logarithm, elementwise (-inf at 0, nan below 0)."""
        return ops.Log.apply(self._floating())

    def sqrt(self) -> Tensor:
        """The square root, elementwise (nan below 0)."""
        return ops.Sqrt.apply(self._floating())

    def sin(self) -> Tensor:
        """Sine of each element (radians)."""
        return ops.Sin.apply(self._floating())

    def cos(self) -> Tensor:
        """Cosine of each element (radians)."""
        return ops.Cos.apply(self._floating())

    def abs(self) -> Tensor:
        """|x|, elementwise (its derivative is sign(x), 0 at 0)."""
        return ops.Abs.apply(self)

    def relu(self) -> Tensor:
        """max(x, 0): the piecewise-linear map between a network's matrices."""
        return ops.Relu.apply(self)

    def sigmoid(self) -> Tensor:
        """1 / (1 + e ** -x), elementwise: squashes scores into (0, 1)."""
        return ops.Sigmoid.apply(self._floating())

    def tanh(self) -> Tensor:
        """The hyperbolic tangent, elementwise: squashes into (-1, 1)."""
        return ops.Tanh.apply(self._floating())

    def square(self) -> Tensor:
        """x * x, elementwise (a bool tensor gives int64, as in PyTorch)."""
        if self.dtype.name == "bool":
            return self.long() * self.long()
        return self * self

    def clip(self, min: float | Tensor | None = None, max: float | Tensor | None = None) -> Tensor:
        """Limit every element to [min, max] (either bound may be None)."""
        if min is None and max is None:
            raise ValueError("clip: give at least one of min= and max=")
        x = cast("Tensor", self)
        if isinstance(min, TensorBase) or isinstance(max, TensorBase):
            return x._clip_by_tensors(min, max)
        if not x.dtype.is_floating and (isinstance(min, float) or isinstance(max, float)):
            x = x.float()  # float bounds on an integer tensor give a float32 result
        return ops.Clip.apply(x, low=min, high=max)

    def _clip_by_tensors(self, low: Any, high: Any) -> Tensor:
        """clip with tensor bounds, as two where()s: the gradient goes to ``x`` where it is
        within the bounds (ties included, as in PyTorch) and to the bound that was taken."""
        out = cast("Tensor", self)
        if low is not None:
            low = out._const(low)
            out = out._where(_or_nan(out < low, low), low, out)
        if high is not None:
            high = out._const(high)
            out = out._where(_or_nan(out > high, high), high, out)
        data = out._data
        if out.requires_grad and bool(out.backend.xp.any(data != data)):
            # Where the result is nan (x or a bound is nan) PyTorch gives nobody a gradient:
            # none of x >= low, x < low, ... holds there. Only a result holding a nan pays.
            out = out._where(out.isnan(), out.detach(), out)
        return out

    def _where(self, condition: Any, x: Any, y: Any) -> Tensor:
        """``tg.where(condition, x, y)``, with numbers made tensors like this one (the anchor)."""
        condition, x, y = self._const(condition), self._const(x), self._const(y)
        if condition.dtype.name != "bool":
            raise TypeError(f"where: condition must be a bool tensor, not {condition.dtype.name}")
        if x._data.dtype != y._data.dtype:
            x, y = promote(x, y)
        broadcast_shapes("where", condition.shape, x.shape, y.shape)
        return ops.Where.apply(condition, x, y)

    clamp = clip


def _is_floating(x: Any) -> bool:
    return isinstance(x, float) or (isinstance(x, ElementwiseMethods) and x.dtype.is_floating)


def _or_nan(beyond: Any, bound: Any) -> Any:
    """Where clip takes ``bound``: where x is beyond it, and where the bound is nan (PyTorch's
    clamp gives nan there; x < nan alone would keep x). Only a bound holding a nan pays."""
    data = bound._data
    if bound.dtype.is_floating and bool(bound.backend.xp.any(data != data)):
        return beyond | bound.isnan()
    return beyond
