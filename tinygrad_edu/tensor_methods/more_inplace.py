"""The in-place forms of the further maths, with PyTorch's names: ``x.rsqrt_()``,
``x.atan2_(other)``, ``x.nan_to_num_()``, ``x.cumprod_(dim)``, ... Each computes the method of
the same name out of place and writes the result into ``x``, as the other in-place methods
(``sqrt_``, ``add_``; see :mod:`tinygrad_edu.inplace`): nothing is recorded, so a tensor that
requires grad is refused while gradients are recorded (change it under ``tg.no_grad()``).

As in PyTorch, the result keeps ``x``'s dtype and shape: a float result cannot go into an
integer tensor (``tg.tensor([1, 4]).rsqrt_()`` is an error), and ``other`` may not broadcast
``x`` to a larger shape.

Examples:
    >>> import tinygrad_edu as tg
    >>> x = tg.tensor([1.0, 4.0])
    >>> x.rsqrt_() is x, x.tolist()
    (True, [1.0, 0.5])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from ..grad_mode import no_grad
from .base import TensorBase

if TYPE_CHECKING:
    from ..tensor import Tensor


def _in_place(name: str) -> Callable[..., Any]:
    """The method ``name_``: ``x.name(*args, **kwargs)`` written into ``x``."""

    def method(self: Any, *args: Any, **kwargs: Any) -> Tensor:
        operands = [a for a in (*args, *kwargs.values()) if isinstance(a, TensorBase)]
        self._check_inplace(f"{name}_", *operands)
        with no_grad():
            result = getattr(self.detach(), name)(*args, **kwargs)
        if result.dtype.is_floating and not self.dtype.is_floating:
            raise RuntimeError(
                f"{name}_: the result is {result.dtype.name}, which cannot be written into "
                f"this {self.dtype.name} tensor (PyTorch refuses too); use the out-of-place "
                f"x.{name}(...), or convert first: x = x.float()"
            )
        if tuple(result.shape) != tuple(self.shape):
            raise RuntimeError(
                f"{name}_: the result has shape {tuple(result.shape)}, but this tensor has "
                f"{tuple(self.shape)}; an in-place result must keep the tensor's shape (as in "
                f"PyTorch): use the out-of-place x.{name}(...)"
            )
        return cast("Tensor", self._assign_(f"{name}_", result._data))

    method.__name__ = method.__qualname__ = f"{name}_"
    method.__doc__ = (
        f"``x.{name}(...)`` written into ``x`` in place (not recorded); returns ``x``. "
        f"See :meth:`{name}`."
    )
    return method


class MoreInPlaceMethods(TensorBase):
    """``name_`` for each function of the further maths that PyTorch changes in place."""

    __slots__ = ()

    rsqrt_ = _in_place("rsqrt")
    log2_ = _in_place("log2")
    log10_ = _in_place("log10")
    exp2_ = _in_place("exp2")
    sinh_ = _in_place("sinh")
    cosh_ = _in_place("cosh")
    asin_ = _in_place("asin")
    acos_ = _in_place("acos")
    atan_ = _in_place("atan")
    asinh_ = _in_place("asinh")
    acosh_ = _in_place("acosh")
    atanh_ = _in_place("atanh")
    arcsin_ = _in_place("arcsin")
    arccos_ = _in_place("arccos")
    arctan_ = _in_place("arctan")
    arcsinh_ = _in_place("arcsinh")
    arccosh_ = _in_place("arccosh")
    arctanh_ = _in_place("arctanh")
    atan2_ = _in_place("atan2")
    arctan2_ = _in_place("arctan2")
    hypot_ = _in_place("hypot")
    xlogy_ = _in_place("xlogy")
    nan_to_num_ = _in_place("nan_to_num")
    cumprod_ = _in_place("cumprod")
    frac_ = _in_place("frac")
    sinc_ = _in_place("sinc")
    deg2rad_ = _in_place("deg2rad")
    rad2deg_ = _in_place("rad2deg")
    erfinv_ = _in_place("erfinv")
