"""More of PyTorch's reductions and running reductions as Tensor methods: ``cumprod``,
``logcumsumexp``, ``nansum``, ``nanmean``, ``count_nonzero``, ``aminmax``.

``cumprod`` and ``logcumsumexp`` are primitives (:mod:`tinygrad_edu.ops.more_scans`;
cumprod's gradient is exact where there are zeros); ``aminmax`` is ``amin`` and ``amax``;
``nansum`` and ``nanmean`` are composed from NanToZero, Sum and Div (see the table in
:mod:`tinygrad_edu.ops`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple, cast

from ..backends.base import ignore_float_errors
from ..dtypes import int64
from ..ops.more_scans import Cumprod, Logcumsumexp, NanToZero
from .base import TensorBase
from .shapes import Axis, axis_index, normalize_axis

if TYPE_CHECKING:
    from ..tensor import Tensor


def reduction_axes(axis: Axis, ndim: int) -> tuple[int, ...] | None:
    """``normalize_axis`` for a reduction: ``dim=()`` (or ``[]``) means every axis, as in
    PyTorch's ``sum``, ``mean``, ``amax``, ``var`` and the like (not none of them)."""
    if isinstance(axis, (tuple, list)) and len(axis) == 0:
        return None
    return normalize_axis(axis, ndim)


class MoreReductionMethods(TensorBase):
    """Running products, sums and means that skip nan, and counts, as in PyTorch."""

    __slots__ = ()

    def cumprod(self, dim: int, *, dtype: Any = None) -> Tensor:
        """The running product along ``dim``: ``[x0, x0 * x1, x0 * x1 * x2, ...]``, as
        ``torch.cumprod`` (integers and bools multiply in int64). The gradient is exact where
        there are zeros, as PyTorch's.

        Examples:
            >>> import tinygrad_edu as tg
            >>> x = tg.tensor([2.0, 0.0, 3.0], requires_grad=True)
            >>> x.cumprod(0).tolist()
            [2.0, 0.0, 0.0]
            >>> x.cumprod(0).sum().backward()
            >>> x.grad.tolist()
            [1.0, 8.0, 0.0]
        """
        x = cast("Tensor", self)._sum_dtype(dtype)
        if x.ndim == 0:
            axis_index(dim, 0, "cumprod: dim")
            return x.clone()
        return cast("Tensor", Cumprod.apply(x, axis=axis_index(dim, x.ndim, "cumprod: dim")))

    def nansum(self, dim: Axis = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """The sum over ``dim`` (one int, several, or None for all) with nan counted as 0, as
        ``torch.nansum``; the gradient at a nan is 0. Integers and bools sum in int64.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1.0, float("nan"), 2.0]).nansum().item()
            3.0
        """
        x = cast("Tensor", self)._sum_dtype(dtype)
        return _without_nan(x).sum(reduction_axes(dim, x.ndim), keepdims=keepdim)

    def nanmean(self, dim: Axis = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """The mean over ``dim`` of the elements that are not nan, as ``torch.nanmean`` (nan
        where all are nan); floating-point tensors only, as there.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1.0, float("nan"), 2.0]).nanmean().item()
            1.5
        """
        x = cast("Tensor", self)
        if not x.dtype.is_floating:
            raise RuntimeError(
                f"nanmean: needs a floating-point tensor, not {x.dtype.name} (as in PyTorch); "
                "convert first: x.float().nanmean()"
            )
        if dtype is not None:
            x = x.astype(dtype)
        axes = reduction_axes(dim, x.ndim)
        xp = x.backend.xp
        counts = xp.sum(xp.astype(~xp.isnan(x._data), x._data.dtype), axis=axes, keepdims=keepdim)
        with ignore_float_errors(xp):  # 0 / 0 where all are nan (or none is there): nan, silently
            return _without_nan(x).sum(axes, keepdims=keepdim) / x.constant(counts)

    def count_nonzero(self, dim: Axis = None) -> Tensor:
        """How many elements over ``dim`` (one int, several, or None for all) are not 0, as
        ``torch.count_nonzero``: an int64 tensor, outside the graph (nan counts: it is not 0).

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([[0.0, 1.0], [2.0, 3.0]]).count_nonzero(1).tolist()
            [1, 2]
        """
        xp = self.backend.xp
        nonzero = xp.astype(self._data != 0, self.backend.native_dtype(int64))
        counts = xp.sum(nonzero, axis=reduction_axes(dim, self.ndim))
        return type(self)._from_data(counts, self.backend)

    def logcumsumexp(self, dim: int) -> Tensor:
        """The running log-sum-exp along ``dim``: ``log(exp(x0) + ... + exp(xi))``, without
        overflow or underflow (``[-1000, 0]`` gives ``[-1000, 0]``), as
        ``torch.logcumsumexp``. Floating-point tensors only, as there.

        Examples:
            >>> import tinygrad_edu as tg
            >>> [round(v, 4) for v in tg.tensor([0.0, 0.0, 1000.0]).logcumsumexp(0).tolist()]
            [0.0, 0.6931, 1000.0]
        """
        x = cast("Tensor", self)
        if not x.dtype.is_floating:
            raise NotImplementedError(
                f"logcumsumexp: not implemented for {x.dtype.name} tensors (nor in PyTorch); "
                "convert first: x.float().logcumsumexp(dim)"
            )
        if x.ndim == 0:
            axis_index(dim, 0, "logcumsumexp: dim")
            return x.clone()
        axis = axis_index(dim, x.ndim, "logcumsumexp: dim")
        return cast("Tensor", Logcumsumexp.apply(x, axis=axis))

    def aminmax(self, *, dim: int | None = None, keepdim: bool = False) -> Any:
        """The smallest and the largest elements (over ``dim``, or all), as the named pair
        ``aminmax(min, max)`` of ``torch.aminmax``; the gradient of each is split evenly
        among ties, as :meth:`amin` and :meth:`amax`.

        Examples:
            >>> import tinygrad_edu as tg
            >>> low, high = tg.tensor([[1, 5], [3, 2]]).aminmax(dim=1)
            >>> low.tolist(), high.tolist()
            ([1, 2], [5, 3])
        """
        x = cast("Tensor", self)
        axes = normalize_axis(dim, x.ndim)
        if x.numel() == 0:
            raise RuntimeError(
                f"aminmax: the tensor of shape {tuple(x.shape)} is empty, and the min and max "
                "of no numbers are not defined (PyTorch raises too)"
            )
        return return_aminmax(x.amin(axes, keepdim), x.amax(axes, keepdim))


class return_aminmax(NamedTuple):  # noqa: N801 - printed as torch.return_types.aminmax
    """What ``aminmax`` returns: ``(min, max)``, with those names."""

    min: Any
    max: Any

    def __repr__(self) -> str:
        return f"return_types.aminmax(\nmin={self.min!r},\nmax={self.max!r})"


def _without_nan(x: Tensor) -> Tensor:
    """``x`` with its nans replaced by 0 (their gradient is 0, as in PyTorch)."""
    return cast("Tensor", NanToZero.apply(x)) if x.dtype.is_floating else x
