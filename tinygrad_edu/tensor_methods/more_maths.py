"""More of PyTorch's elementwise maths as Tensor methods: ``rsqrt``, ``log2``, ``log10``,
``exp2``, the hyperbolic and inverse trigonometric functions, ``atan2``, ``hypot``,
``logaddexp``, ``xlogy``.

Integers and bools become float32 first, as in PyTorch (``tg.tensor([1, 4]).rsqrt()`` is
float32); two inputs are promoted together first (float64 beats float32). The primitives are
in :mod:`tinygrad_edu.ops.more_maths`; the rest are composed (see the table in
:mod:`tinygrad_edu.ops`). The reductions of this family (``cumprod``, ``nansum``, ...) are in
:mod:`.more_reductions`; ``lerp``, ``addcmul``, ``nan_to_num``, ``bernoulli``... in
:mod:`.more_elementwise`; the in-place forms (``rsqrt_``, ...) in :mod:`.more_inplace`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from ..ops.more_maths import (
    Acos,
    Acosh,
    Asin,
    Asinh,
    Atan,
    Atan2,
    Atanh,
    Cosh,
    Hypot,
    Log2,
    Log10,
    Logaddexp,
    Sinh,
    Xlogy,
)
from .more_elementwise import MoreElementwiseMethods
from .more_inplace import MoreInPlaceMethods
from .more_reductions import MoreReductionMethods
from .shapes import broadcast_shapes, promote

if TYPE_CHECKING:
    from ..tensor import Tensor


def _floats(name: str, x: Any, other: Any, reverse: bool = False,
            integers: bool = True) -> tuple[Tensor, Tensor]:
    """``x`` and ``other`` (a Tensor or a number; swapped if ``reverse``) promoted to one
    floating dtype and checked to broadcast. Integers and bools become float32 unless
    ``integers`` is False: then, as PyTorch, two of them are an error."""
    x, y = promote(x, x._const(other))
    if reverse:
        x, y = y, x
    if not x.dtype.is_floating:
        if not integers:
            raise NotImplementedError(
                f"{name}: not implemented for two {x.dtype.name} tensors (nor in PyTorch); "
                f"convert one first, e.g. x.float()"
            )
        x, y = x.float(), y.float()
    broadcast_shapes(name, x.shape, y.shape)
    return x, y


class MoreMathMethods(MoreElementwiseMethods, MoreReductionMethods, MoreInPlaceMethods):
    """More elementwise maths, with PyTorch's names and meanings."""

    __slots__ = ()

    # -- powers and logarithms ---------------------------------------------------------------
    def rsqrt(self) -> Tensor:
        """1 / sqrt(x), elementwise (inf at 0, -inf at -0.0, nan below 0), as ``torch.rsqrt``.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([4, 16]).rsqrt().tolist()
            [0.5, 0.25]
        """
        return cast("Tensor", self)._floating().sqrt().reciprocal()

    def log2(self) -> Tensor:
        """The base-2 logarithm (exact at powers of 2: ``log2(8) = 3``).

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1.0, 8.0, 0.5]).log2().tolist()
            [0.0, 3.0, -1.0]
        """
        return cast("Tensor", Log2.apply(cast("Tensor", self)._floating()))

    def log10(self) -> Tensor:
        """The base-10 logarithm (exact at powers of 10: ``log10(1000) = 3``).

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1000.0, 0.01]).log10().tolist()
            [3.0, -2.0]
        """
        return cast("Tensor", Log10.apply(cast("Tensor", self)._floating()))

    def exp2(self) -> Tensor:
        """2 ** x, elementwise (a :class:`~tinygrad_edu.ops.Pow` with base 2).

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([3, -1]).exp2().tolist()
            [8.0, 0.5]
        """
        return 2.0 ** cast("Tensor", self)._floating()

    # -- hyperbolic and inverse trigonometric functions --------------------------------------
    def sinh(self) -> Tensor:
        """The hyperbolic sine, (e**x - e**-x) / 2, accurate near 0 too.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([0.0, 1e-10], dtype=tg.float64).sinh().tolist()
            [0.0, 1e-10]
        """
        return cast("Tensor", Sinh.apply(cast("Tensor", self)._floating()))

    def cosh(self) -> Tensor:
        """The hyperbolic cosine, (e**x + e**-x) / 2.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([0.0]).cosh().tolist()
            [1.0]
        """
        return cast("Tensor", Cosh.apply(cast("Tensor", self)._floating()))

    def asin(self) -> Tensor:
        """The angle in [-pi/2, pi/2] whose sine is x (nan outside [-1, 1]); the gradient is
        inf at x = +-1, as in PyTorch. ``arcsin`` is the same.

        Examples:
            >>> import tinygrad_edu as tg
            >>> round(tg.tensor([1.0]).asin().item(), 5)
            1.5708
        """
        return cast("Tensor", Asin.apply(cast("Tensor", self)._floating()))

    def acos(self) -> Tensor:
        """The angle in [0, pi] whose cosine is x (nan outside [-1, 1]). ``arccos`` is the same.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1.0]).acos().tolist()
            [0.0]
        """
        return cast("Tensor", Acos.apply(cast("Tensor", self)._floating()))

    def atan(self) -> Tensor:
        """The angle in (-pi/2, pi/2) whose tangent is x. ``arctan`` is the same.

        Examples:
            >>> import tinygrad_edu as tg
            >>> round(tg.tensor([1.0]).atan().item(), 5)
            0.7854
        """
        return cast("Tensor", Atan.apply(cast("Tensor", self)._floating()))

    def atan2(self, other: Any) -> Tensor:
        """The angle of the point (``other``, ``self``) in (-pi, pi]: ``atan2(y, x)`` with
        ``y = self``, as ``torch.atan2``; it knows the quadrant, where ``atan(y / x)`` does
        not. At the origin it is 0 (or pi at x = -0.0), with gradient 0, as in PyTorch.
        ``arctan2`` is the same.

        Examples:
            >>> import tinygrad_edu as tg
            >>> y, x = tg.tensor([1.0, 1.0]), tg.tensor([1.0, -1.0])
            >>> [round(v, 4) for v in y.atan2(x).tolist()]
            [0.7854, 2.3562]
        """
        y, x = _floats("atan2", cast("Tensor", self), other)
        return cast("Tensor", Atan2.apply(y, x))

    def asinh(self) -> Tensor:
        """The inverse hyperbolic sine, log(x + sqrt(x**2 + 1)). ``arcsinh`` is the same.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([0.0]).asinh().tolist()
            [0.0]
        """
        return cast("Tensor", Asinh.apply(cast("Tensor", self)._floating()))

    def acosh(self) -> Tensor:
        """The inverse hyperbolic cosine, for x >= 1 (nan below). ``arccosh`` is the same.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1.0]).acosh().tolist()
            [0.0]
        """
        return cast("Tensor", Acosh.apply(cast("Tensor", self)._floating()))

    def atanh(self) -> Tensor:
        """The inverse hyperbolic tangent, for -1 < x < 1 (+-inf at +-1, nan outside).
        ``arctanh`` is the same.

        Examples:
            >>> import tinygrad_edu as tg
            >>> [round(v, 4) for v in tg.tensor([0.0, 0.5]).atanh().tolist()]
            [0.0, 0.5493]
        """
        return cast("Tensor", Atanh.apply(cast("Tensor", self)._floating()))

    def arcsin(self) -> Tensor:
        """The same as :meth:`asin` (NumPy's name, which PyTorch accepts too)."""
        return self.asin()

    def arccos(self) -> Tensor:
        """The same as :meth:`acos`."""
        return self.acos()

    def arctan(self) -> Tensor:
        """The same as :meth:`atan`."""
        return self.atan()

    def arcsinh(self) -> Tensor:
        """The same as :meth:`asinh`."""
        return self.asinh()

    def arccosh(self) -> Tensor:
        """The same as :meth:`acosh`."""
        return self.acosh()

    def arctanh(self) -> Tensor:
        """The same as :meth:`atanh`."""
        return self.atanh()

    def arctan2(self, other: Any) -> Tensor:
        """The same as :meth:`atan2`."""
        return self.atan2(other)

    # -- of two inputs -------------------------------------------------------------------------
    def hypot(self, other: Any) -> Tensor:
        """sqrt(x**2 + other**2), with no overflow in the squares, as ``torch.hypot`` (not for
        two integer tensors, as there).

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([3.0, 5.0]).hypot(tg.tensor([4.0, 12.0])).tolist()
            [5.0, 13.0]
            >>> round(tg.tensor([3e30]).hypot(tg.tensor([4e30])).item() / 1e30, 5)  # no inf
            5.0
        """
        x, y = _floats("hypot", cast("Tensor", self), other, integers=False)
        return cast("Tensor", Hypot.apply(x, y))

    def logaddexp(self, other: Any) -> Tensor:
        """log(exp(x) + exp(other)) without overflow, as ``torch.logaddexp`` (not for two
        integer tensors, as there): adding probabilities kept as logarithms.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1000.0]).logaddexp(tg.tensor([1000.0])).tolist()
            [1000.6931762695312]
        """
        x, y = _floats("logaddexp", cast("Tensor", self), other, integers=False)
        return cast("Tensor", Logaddexp.apply(x, y))

    def xlogy(self, other: Any) -> Tensor:
        """x * log(other), and 0 where x is 0 (even where other is 0 or inf; nan where other
        is nan), as ``torch.xlogy``: the entropy term p log p with p = 0 counted as 0.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([0.0, 2.0]).xlogy(tg.tensor([0.0, 1.0])).tolist()
            [0.0, 0.0]
        """
        x, y = _floats("xlogy", cast("Tensor", self), other)
        number = other if other.__class__ is float or other.__class__ is int else None
        return cast("Tensor", Xlogy.apply(x, y, number=number))
