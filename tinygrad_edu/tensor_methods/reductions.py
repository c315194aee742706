"""Reductions: sum, mean, var, std, max, min, amax, amin, logsumexp, softmax, argmax, any, all.

``max(dim)``/``min(dim)`` with indices, sort, topk and the like are in :mod:`.selection`.
sum, max, min and var are primitives (:mod:`tinygrad_edu.ops.reduce`); the others are composed
here from primitives, so their derivatives come from the pieces (see the table in
:mod:`tinygrad_edu.ops`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import ops
from ..backends.base import ignore_float_errors
from ..dtypes import bool_, int64
from ..ops.reduce import Std
from .base import TensorBase
from .comparison import ComparisonMethods
from .like import LikeMethods
from .maths import MathMethods
from .more_maths import MoreMathMethods
from .more_reductions import reduction_axes
from .more_shapes import MoreShapeMethods
from .pieces import PieceMethods
from .selection import SelectionMethods
from .shapes import Axis, axis_index, normalize_axis, torch_keywords

if TYPE_CHECKING:
    from ..tensor import Tensor


def _spread_options(
    name: str, unbiased: Any, keepdims: Any, correction: int | None
) -> tuple[bool, int]:
    """var's and std's ``(keepdims, correction)`` from PyTorch's ``(dim, unbiased, keepdim, *,
    correction)``."""
    if isinstance(keepdims, int) and not isinstance(keepdims, bool):  # refused, as in PyTorch
        raise TypeError(
            f"{name}: keepdim must be a bool, not {keepdims!r}; the positions are PyTorch's, "
            f"{name}(dim, unbiased, keepdim): pass correction= by keyword"
        )
    if unbiased is not None and correction is not None:
        raise TypeError(
            f"{name}: got both unbiased= and correction=; pass one (unbiased=False is "
            "correction=0)"
        )
    if correction is None:
        correction = 1 if unbiased is None else int(unbiased)
    return bool(keepdims), correction


def _floating_only(x: Any, name: str, error: type[Exception] = RuntimeError) -> None:
    """PyTorch's refusal of an integer or bool tensor where the result must be a float it
    cannot choose (var, std, softmax, ...): the same error, with the conversion to use."""
    if not x.dtype.is_floating:
        raise error(
            f"{name}: needs a floating-point tensor, not {x.dtype.name} (PyTorch refuses it "
            f"too); convert first: x.float().{name}(...)"
        )


class ReductionMethods(
    SelectionMethods, ComparisonMethods, LikeMethods, PieceMethods, MathMethods,
    MoreMathMethods, MoreShapeMethods,
):
    """Reductions of a Tensor over some axes (``axis=`` or PyTorch's ``dim=``); the other
    method families of PyTorch's beginner surface join here (comparisons, tensors made like
    this one, pieces, more math)."""

    __slots__ = ()

    @torch_keywords
    def sum(self, axis: Axis = None, keepdims: bool = False, *, dtype: Any = None) -> Tensor:
        """Sum over ``axis`` (an int, a tuple of ints, or None for all); ``dtype``: the
        elements are converted to it first, as in PyTorch."""
        if dtype is not None:
            return self.astype(dtype).sum(axis, keepdims)
        x = self.long() if self.dtype is bool_ else self  # counts Trues, as in PyTorch
        return ops.Sum.apply(x, axis=reduction_axes(axis, self.ndim), keepdims=keepdims)

    def _count(self, axis: tuple[int, ...] | None) -> int:
        shape = self.shape
        count = 1
        for i in range(len(shape)) if axis is None else axis:
            count *= shape[i]
        return count

    @torch_keywords
    def mean(self, axis: Axis = None, keepdims: bool = False, *, dtype: Any = None) -> Tensor:
        """Average over ``axis``. As in PyTorch, an integer or bool tensor is an error (which
        float would the mean be?): convert it first, ``x.float().mean()``, or pass ``dtype=``.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1, 2]).mean(dtype=tg.float32).item()
            1.5
        """
        x = self if dtype is None else self.astype(dtype)
        if not x.dtype.is_floating:
            raise RuntimeError(
                f"mean: needs a floating-point tensor, not {x.dtype.name} (PyTorch cannot "
                "infer the result's dtype either); convert first, x.float().mean(), or pass "
                "dtype=tg.float32"
            )
        axes = reduction_axes(axis, self.ndim)
        count = self._count(axes)
        if count == 0:  # the mean of nothing: nan, as in PyTorch (0 / 0 would make NumPy warn)
            return x.sum(axes, keepdims) * float("nan")
        return x.sum(axes, keepdims) / count

    @torch_keywords
    def var(
        self, axis: Axis = None, unbiased: bool | None = None, keepdims: bool = False, *,
        correction: int | None = None,
    ) -> Tensor:
        """Variance over ``axis``, divided by ``n - correction`` (1 by default, as in PyTorch;
        pass ``correction=0`` for NumPy's default). The positions are PyTorch's,
        ``x.var(dim, unbiased, keepdim)``: ``x.var(0, False)`` is ``correction=0``.

        Examples:
            >>> import tinygrad_edu as tg
            >>> t = tg.tensor([[1.0, 3.0], [2.0, 6.0]])
            >>> t.var(1, False).tolist(), t.var(1, True, True).tolist()
            ([1.0, 4.0], [[2.0], [8.0]])
        """
        keepdims, correction = _spread_options("var", unbiased, keepdims, correction)
        _floating_only(self, "var")
        axes = reduction_axes(axis, self.ndim)
        return ops.Var.apply(self, axis=axes, keepdims=keepdims, correction=correction)

    @torch_keywords
    def std(
        self, axis: Axis = None, unbiased: bool | None = None, keepdims: bool = False, *,
        correction: int | None = None,
    ) -> Tensor:
        """Standard deviation: the square root of :meth:`var`, with its arguments in PyTorch's
        positions (``x.std(dim, unbiased, keepdim)``). Where it is 0 (constant data) the
        gradient is 0, as in PyTorch, rather than the 0/0 that sqrt's rule would give. One
        operation (:class:`~tinygrad_edu.ops.reduce.Std`), so that its float32 rounding,
        overflow and gradient are PyTorch's."""
        keepdims, correction = _spread_options("std", unbiased, keepdims, correction)
        _floating_only(self, "std")
        axes = reduction_axes(axis, self.ndim)
        return Std.apply(self, axis=axes, keepdims=keepdims, correction=correction)

    def max(
        self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
        keepdims: bool | None = None, other: Any = None,
    ) -> Any:
        """As PyTorch's ``max``: ``x.max()`` is the largest element (the gradient split
        evenly among ties); ``x.max(dim)`` is the pair ``(values, indices)`` of the largest
        elements along ``dim`` and their positions (the first of equal ones; the gradient goes
        to that one); ``x.max(other)`` is :meth:`maximum`. ``axis=`` and ``keepdims=`` mean
        ``dim=`` and ``keepdim=``. For the values over several dims, see :meth:`amax`.

        Examples:
            >>> import tinygrad_edu as tg
            >>> x = tg.Tensor([[1.0, 5.0], [7.0, 2.0]])
            >>> x.max().item()
            7.0
            >>> values, indices = x.max(1)
            >>> values.tolist(), indices.tolist()
            ([5.0, 7.0], [1, 0])
        """
        return self._max_min("max", dim, keepdim, axis, keepdims, other)

    def min(
        self, dim: Any = None, keepdim: bool = False, *, axis: Any = None,
        keepdims: bool | None = None, other: Any = None,
    ) -> Any:
        """As PyTorch's ``min``: ``x.min()`` is the smallest element, ``x.min(dim)`` the pair
        ``(values, indices)``, ``x.min(other)`` is :meth:`minimum` (see :meth:`max`)."""
        return self._max_min("min", dim, keepdim, axis, keepdims, other)

    def _max_min(
        self, name: str, dim: Any, keepdim: bool, axis: Any, keepdims: bool | None,
        other: Any = None,
    ) -> Any:
        if other is not None:  # PyTorch's keyword for the elementwise form, x.max(other=y)
            if dim is not None or axis is not None or not isinstance(other, TensorBase):
                raise TypeError(f"{name}(other=...) takes a tensor, and no dim; pass one")
            dim = other
        if axis is not None:
            if dim is not None:
                raise TypeError(f"{name}() got both dim= and axis=; pass one")
            dim = axis
        if keepdims is not None:
            keepdim = keepdims
        if isinstance(dim, TensorBase):  # x.max(other): elementwise, as torch.max(x, other)
            return self.maximum(dim) if name == "max" else self.minimum(dim)
        if dim is None:
            return self._extreme(name, None, keepdim)
        return self._max_min_pair(name, dim, keepdim)

    def _extreme(self, name: str, axis: Axis, keepdims: bool, amax: bool = False) -> Tensor:
        """The largest (smallest) elements over ``axis``, the gradient split among ties (at
        a nan: among the nans for max(), nan for amax, as PyTorch; see ops.Max)."""
        axes = self._nonempty_axes(axis, name)
        op = ops.Max if name == "max" else ops.Min
        return op.apply(self, axis=axes, keepdims=keepdims, amax=amax)

    def _nonempty_axes(self, axis: Axis, op: str) -> tuple[int, ...] | None:
        """The axes of a max or min, which must not be empty (there is no largest of nothing)."""
        axes = reduction_axes(axis, self.ndim)
        for a in range(self.ndim) if axes is None else axes:
            if self.shape[a] == 0:
                raise ValueError(
                    f"{op}: axis {a} of shape {self.shape} is empty, and the {op} of no numbers "
                    "is not defined"
                )
        if axes is None and self.numel() == 0:
            raise ValueError(f"{op}() of an empty tensor has no value")
        return axes

    @torch_keywords
    def amax(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The largest elements over ``axis`` (``dim=``: one int, several, or None for all),
        as ``torch.amax``: values only, the gradient split evenly among ties."""
        return self._extreme("max", axis, keepdims, amax=True)

    @torch_keywords
    def amin(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The smallest elements over ``axis``, as ``torch.amin`` (see :meth:`amax`)."""
        return self._extreme("min", axis, keepdims, amax=True)

    @torch_keywords
    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """log(sum(exp(x))) over ``axis``, computed without overflow (-inf over an empty
        axis, the log of an empty sum)."""
        self = self._floating()
        axes = reduction_axes(axis, self.ndim)  # dim=(): all, as torch's keepdim=True takes it
        # An infinite peak (all -inf, or a +inf) is not subtracted: inf - inf would be nan.
        shift = self._peak(axes, finite_only=True)
        with ignore_float_errors(self.backend.xp):  # log(0) = -inf for an empty or -inf row
            out = (self - shift).exp().sum(axes, keepdims=True).log() + shift
        return out if keepdims else out.squeeze(axes if axes is not None else None)

    def _peak(self, axes: tuple[int, ...] | None, finite_only: bool = False) -> Tensor:
        """The largest element over ``axes`` (kept as size-1 axes), as a constant outside the
        graph: the shift that keeps exp() from overflowing. Subtracting a constant changes
        neither softmax nor log_softmax, so the gradient does not need to see it. 0 over an
        empty axis (there is no largest of nothing, and nothing to shift)."""
        xp = self.backend.xp
        if self.numel() == 0:
            shape = tuple(1 if axes is None or i in axes else n for i, n in enumerate(self.shape))
            return self.constant(xp.zeros(shape, dtype=self._data.dtype))
        peak = xp.max(self._data, axis=axes, keepdims=True)
        if finite_only:
            peak = xp.where(xp.isfinite(peak), peak, xp.zeros_like(peak))
        return self.constant(peak)

    @torch_keywords
    def softmax(self, axis: int = -1, dtype: Any = None) -> Tensor:
        """exp(x) / sum(exp(x)) along ``axis``: turns scores into probabilities.
        ``dtype``: the input is converted to it first, as in PyTorch."""
        if dtype is None:
            _floating_only(self, "softmax", NotImplementedError)  # PyTorch's type
        self = self if dtype is None else self.astype(dtype)
        axes = normalize_axis(axis, self.ndim)
        # exp(x - peak) / sum(exp(x - peak)): the same value, with no overflow; the shifted
        # scores are used directly (adding the peak back and subtracting it again would lose
        # all digits of a float32 score of 1e8).
        exps = (self - self._peak(axes)).exp()
        return exps / exps.sum(axes, keepdims=True)

    @torch_keywords
    def log_softmax(self, axis: int = -1, dtype: Any = None) -> Tensor:
        """x - logsumexp(x) along ``axis``: log-probabilities, stable for large scores.
        ``dtype``: the input is converted to it first, as in PyTorch."""
        if dtype is None:
            _floating_only(self, "log_softmax", NotImplementedError)
        self = self if dtype is None else self.astype(dtype)
        axes = normalize_axis(axis, self.ndim)
        shifted = self - self._peak(axes)  # the shift cancels; see softmax
        return shifted - shifted.exp().sum(axes, keepdims=True).log()

    @torch_keywords
    def argmax(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """Index of the largest element (over the flattened tensor when axis is None; the
        first one at a tie)."""
        return self._arg("argmax", axis, keepdims)

    @torch_keywords
    def argmin(self, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """Index of the smallest element (over the flattened tensor when axis is None; the
        first one at a tie)."""
        return self._arg("argmin", axis, keepdims)

    def _arg(self, name: str, axis: int | None, keepdims: bool) -> Tensor:
        if self.dtype is bool_:
            raise RuntimeError(
                f"{name}: does not take a bool tensor (nor in PyTorch); convert first: "
                f"x.long().{name}(...)"
            )
        xp = self.backend.xp
        if axis is None:
            out = getattr(xp, name)(xp.reshape(self._data, (-1,)))
            if keepdims:
                out = xp.reshape(out, (1,) * self.ndim)
        else:
            out = getattr(xp, name)(self._data, axis=axis_index(axis, self.ndim), keepdims=keepdims)
        out = xp.astype(out, self.backend.native_dtype(int64))
        return type(self)._from_data(out, self.backend)

    @torch_keywords
    def any(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Whether any element over ``axis`` is true (nonzero); bool, outside the graph."""
        out = self.backend.xp.any(
            self._data, axis=normalize_axis(axis, self.ndim), keepdims=keepdims
        )
        return type(self)._from_data(out, self.backend)

    @torch_keywords
    def all(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Whether every element over ``axis`` is true (nonzero); bool, outside the graph."""
        out = self.backend.xp.all(
            self._data, axis=normalize_axis(axis, self.ndim), keepdims=keepdims
        )
        return type(self)._from_data(out, self.backend)

