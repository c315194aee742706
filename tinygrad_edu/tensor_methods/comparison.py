"""Comparisons and logic by name, as PyTorch spells them: ``eq``, ``ne``, ``lt``, ``le``, ``gt``,
``ge`` (the operators ``==``, ``<``, ... of :mod:`.elementwise`), ``equal``, ``isclose``,
``allclose``, ``isnan``, ``isinf``, ``isfinite``, the ``logical_*`` family, and the two that
choose between values: ``where`` and ``masked_fill``.

Their results are bool tensors (or Python bools: ``equal``, ``allclose``) outside the graph,
except ``where`` and ``masked_fill``, which are :class:`~tinygrad_edu.ops.elementwise.Where`:
the gradient goes to the value that was chosen."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any, cast

from .. import ops
from ..dtypes import bool_
from .base import TensorBase
from .shapes import broadcast_shapes, ignore_float_errors, promote

if TYPE_CHECKING:
    from ..tensor import Tensor


class ComparisonMethods(TensorBase):
    """Comparisons, closeness tests and logic of a Tensor, by PyTorch's names."""

    __slots__ = ()

    def eq(self, other: Any) -> Tensor:
        """``self == other`` elementwise (a bool tensor), as ``torch.eq``."""
        return cast("Tensor", self == other)

    def ne(self, other: Any) -> Tensor:
        """``self != other`` elementwise, as ``torch.ne``."""
        return cast("Tensor", self != other)

    def lt(self, other: Any) -> Tensor:
        """``self < other`` elementwise, as ``torch.lt``."""
        return cast("Tensor", self) < other

    def le(self, other: Any) -> Tensor:
        """``self <= other`` elementwise, as ``torch.le``."""
        return cast("Tensor", self) <= other

    def gt(self, other: Any) -> Tensor:
        """``self > other`` elementwise, as ``torch.gt``."""
        return cast("Tensor", self) > other

    def ge(self, other: Any) -> Tensor:
        """``self >= other`` elementwise, as ``torch.ge``."""
        return cast("Tensor", self) >= other

    def equal(self, other: Any) -> builtins.bool:
        """True when ``other`` has the same shape and equal elements, as ``torch.equal`` (a
        Python bool; nan equals nothing, so a tensor holding a nan is not equal to itself).

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1, 2]).equal(tg.tensor([1.0, 2.0])), tg.ones(2).equal(tg.ones(3))
            (True, False)
        """
        other = self._const(other)
        if self.shape != other.shape:
            return False
        return builtins.bool(self.backend.xp.all((cast("Tensor", self) == other)._data))

    def isclose(
        self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
    ) -> Tensor:
        """Where ``|self - other| <= atol + rtol * |other|``, elementwise, as ``torch.isclose``
        (infinities are close to themselves only; a nan to nothing unless ``equal_nan``).
        Both tensors must have the same dtype, as in PyTorch.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1.0, 2.0]).isclose(tg.tensor([1.0 + 1e-7, 2.1])).tolist()
            [True, False]
        """
        other = self._const(other)
        if other.dtype is not self.dtype:
            raise RuntimeError(
                f"isclose: the tensors have dtypes {self.dtype.name} and {other.dtype.name}; "
                "they must match, as in PyTorch: convert one first, e.g. "
                f"other.to({self.dtype.name})"
            )
        x, y = promote(cast("Tensor", self), other)
        broadcast_shapes("isclose", x.shape, y.shape)
        xp = self.backend.xp
        a, b = x._data, y._data
        close = a == b  # equal elements, infinities of one sign included
        if x.dtype.is_floating:
            with ignore_float_errors(xp):
                near = xp.abs(a - b) <= atol + rtol * xp.abs(b)
            close = close | (near & xp.isfinite(a) & xp.isfinite(b))
            if equal_nan:
                close = close | (xp.isnan(a) & xp.isnan(b))
        elif x.dtype is not bool_:
            close = close | (xp.abs(a - b) <= atol + rtol * xp.abs(b))
        return type(self)._from_data(close, self.backend)

    def allclose(
        self, other: Any, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
    ) -> builtins.bool:
        """Whether every element is close to ``other``'s (see :meth:`isclose`), as
        ``torch.allclose``: a Python bool.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1.0, 2.0]).allclose(tg.tensor([1.0, 2.0 + 1e-6]))
            True
        """
        close = self.isclose(other, rtol, atol, equal_nan)
        return builtins.bool(self.backend.xp.all(close._data))

    def isnan(self) -> Tensor:
        """Where the elements are nan (a bool tensor; all False for integers)."""
        return self._test("isnan")

    def isinf(self) -> Tensor:
        """Where the elements are +inf or -inf (a bool tensor)."""
        return self._test("isinf")

    def isfinite(self) -> Tensor:
        """Where the elements are neither inf nor nan (a bool tensor)."""
        return self._test("isfinite")

    def _test(self, name: str) -> Tensor:
        xp = self.backend.xp
        if self.dtype.is_floating:
            out = getattr(xp, name)(self._data)
        else:  # integers and bools are always finite
            out = xp.full(self._data.shape, name == "isfinite",
                          dtype=self.backend.native_dtype(bool_))
        return type(self)._from_data(out, self.backend)

    def logical_and(self, other: Any) -> Tensor:
        """Where both are true (nonzero), elementwise; any dtypes, a bool result."""
        return self._logic(other, "logical_and")

    def logical_or(self, other: Any) -> Tensor:
        """Where either is true (nonzero), elementwise; any dtypes, a bool result."""
        return self._logic(other, "logical_or")

    def logical_xor(self, other: Any) -> Tensor:
        """Where exactly one is true (nonzero), elementwise; a bool result."""
        return self._logic(other, "logical_xor")

    def logical_not(self) -> Tensor:
        """Where the element is false (zero); a bool result."""
        out = self.backend.xp.logical_not(self._truth())
        return type(self)._from_data(out, self.backend)

    def _truth(self) -> Any:
        data = self._data
        return data if self.dtype is bool_ else data != 0

    def _logic(self, other: Any, name: str) -> Tensor:
        other = self._const(other)
        broadcast_shapes(name, self.shape, other.shape)
        out = getattr(self.backend.xp, name)(self._truth(), other._truth())
        return type(self)._from_data(out, self.backend)

    def where(self, condition: Any, other: Any) -> Tensor:
        """``self`` where ``condition`` is True, else ``other``, as ``x.where(condition, other)``
        in PyTorch (the same as ``tg.where(condition, x, other)``)."""
        return cast("Tensor", self)._where(condition, self, other)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        """A copy with ``value`` wherever ``mask`` is True (the mask broadcasts to this
        tensor's shape), as ``torch.masked_fill``. The result keeps this tensor's dtype; the
        gradient flows to the elements that were kept (and to ``value`` if it is a tensor).

        Examples:
            >>> import tinygrad_edu as tg
            >>> scores = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
            >>> scores.masked_fill(tg.tensor([False, True]), float("-inf")).tolist()
            [[1.0, -inf], [3.0, -inf]]
        """
        mask = self._mask_for("masked_fill", mask)
        if isinstance(value, TensorBase):
            if value.ndim:
                raise ValueError(
                    f"masked_fill: value must be a number or a 0-d tensor, not shape "
                    f"{value.shape}; for a tensor of values use tg.where(mask, values, x)"
                )
            fill = value.astype(self.dtype)
        else:
            fill = self.constant(self.backend.xp.asarray(value, dtype=self._data.dtype))
        return cast("Tensor", ops.Where.apply(mask, fill, self))

    def masked_fill_(self: Any, mask: Any, value: Any) -> Any:
        """``value`` written wherever ``mask`` is True, in place (see :meth:`masked_fill`).
        Returns ``self``."""
        mask = self._mask_for("masked_fill_", mask)
        self._check_inplace("masked_fill_", value)
        if isinstance(value, TensorBase):
            value = cast("Tensor", value).item()
        xp = self.backend.xp
        fill = xp.asarray(value, dtype=self._data.dtype)
        return self._assign_("masked_fill_", xp.where(mask._data, fill, self._data))

    def _mask_for(self, name: str, mask: Any) -> Tensor:
        mask = self._const(mask)
        if mask.dtype is not bool_:
            raise TypeError(
                f"{name}: the mask must be a bool tensor, not {mask.dtype.name}; make one "
                "with a comparison, e.g. x > 0, or convert: mask.bool()"
            )
        if broadcast_shapes(name, mask.shape, self.shape) != self.shape:
            raise ValueError(
                f"{name}: a mask of shape {mask.shape} does not broadcast to the tensor's "
                f"shape {self.shape}"
            )
        return mask

