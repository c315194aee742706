"""Reductions: sum, mean, var, std, max, min, logsumexp, softmax, argmax, any, all.

sum, max, min and var are primitives (:mod:`tinygrad_edu.ops.reduce`); the others are composed
here from primitives, so their derivatives come from the pieces (see the table in
:mod:`tinygrad_edu.ops`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .. import ops
from ..dtypes import bool_, int64
from .elementwise import ElementwiseMethods
from .shapes import Axis, axis_index, normalize_axis, torch_keywords

if TYPE_CHECKING:
    from ..tensor import Tensor

class ReductionMethods(ElementwiseMethods):
    """Reductions of a Tensor over some axes (``axis=`` or PyTorch's ``dim=``)."""

    __slots__ = ()

    @torch_keywords
    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (an int, a tuple of ints, or None for all)."""
        x = self.long() if self.dtype is bool_ else self  # counts Trues, as in PyTorch
        return ops.Sum.apply(x, axis=normalize_axis(axis, self.ndim), keepdims=keepdims)

    def _count(self, axis: tuple[int, ...] | None) -> int:
        shape = self.shape
        count = 1
        for i in range(len(shape)) if axis is None else axis:
            count *= shape[i]
        return count

    @torch_keywords
    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Average over ``axis``."""
        x = self._floating()
        axes = normalize_axis(axis, self.ndim)
        return x.sum(axes, keepdims) / self._count(axes)

    @torch_keywords
    def var(self, axis: Axis = None, keepdims: bool = False, correction: int = 1) -> Tensor:
        """Variance over ``axis``, divided by ``n - correction`` (1 by default, as in PyTorch;
        pass ``correction=0`` for NumPy's default)."""
        axes = normalize_axis(axis, self.ndim)
        return ops.Var.apply(self._floating(), axis=axes, keepdims=keepdims, correction=correction)

    @torch_keywords
    def std(self, axis: Axis = None, keepdims: bool = False, correction: int = 1) -> Tensor:
        """Standard deviation: the square root of :meth:`var`. Where it is 0 (constant data)
        the gradient is 0, as in PyTorch, rather than the 0/0 that sqrt's rule would give."""
        x = self._floating()
        axes = normalize_axis(axis, self.ndim)
        # std(x) = s * std(x / s) for a constant s > 0: with s the largest |x| the squares
        # cannot overflow (float32 std([-1e20, 1e20]) is 1.41e20, not inf).
        scale = x.detach().abs()._peak(axes, finite_only=True)  # a constant: not recorded
        xp = x.backend.xp
        scale = x.constant(xp.where(scale.data == 0, xp.ones_like(scale.data), scale.data))
        out = ops.StdFromVar.apply((x / scale).var(axes, True, correction)) * scale
        return out if keepdims else out.squeeze(axes)

    def max(self, axis: Axis = None, keepdims: bool = False, **torch_style: Any) -> Tensor:
        """Largest element over ``axis`` (the gradient is split evenly among ties), like
        ``torch.amax``. For the positions of the largest elements use :meth:`argmax`."""
        if torch_style:
            _max_min_keywords("max", torch_style)
        axes = self._nonempty_axes(axis, "max")
        return ops.Max.apply(self, axis=axes, keepdims=keepdims)

    def min(self, axis: Axis = None, keepdims: bool = False, **torch_style: Any) -> Tensor:
        """Smallest element over ``axis`` (the gradient is split evenly among ties), like
        ``torch.amin``. For the positions of the smallest elements use :meth:`argmin`."""
        if torch_style:
            _max_min_keywords("min", torch_style)
        axes = self._nonempty_axes(axis, "min")
        return ops.Min.apply(self, axis=axes, keepdims=keepdims)

    def _nonempty_axes(self, axis: Axis, op: str) -> tuple[int, ...] | None:
        """The axes of a max or min, which must not be empty (there is no largest of nothing)."""
        axes = normalize_axis(axis, self.ndim)
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
        """The same as :meth:`max` (PyTorch's name for it, which also takes ``dim=``)."""
        return self.max(axis, keepdims)

    @torch_keywords
    def amin(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The same as :meth:`min` (PyTorch's name for it, which also takes ``dim=``)."""
        return self.min(axis, keepdims)

    @torch_keywords
    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """log(sum(exp(x))) over ``axis``, computed without overflow (-inf over an empty
        axis, the log of an empty sum)."""
        self = self._floating()
        axes = normalize_axis(axis, self.ndim)
        # An infinite peak (all -inf, or a +inf) is not subtracted: inf - inf would be nan.
        shift = self._peak(axes, finite_only=True)
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
            return self.constant(xp.zeros(shape, dtype=self.data.dtype))
        peak = xp.max(self.data, axis=axes, keepdims=True)
        if finite_only:
            peak = xp.where(xp.isfinite(peak), peak, xp.zeros_like(peak))
        return self.constant(peak)

    @torch_keywords
    def softmax(self, axis: int = -1) -> Tensor:
        """exp(x) / sum(exp(x)) along ``axis``: turns scores into probabilities."""
        self = self._floating()
        axes = normalize_axis(axis, self.ndim)
        # exp(x - peak) / sum(exp(x - peak)): the same value, with no overflow; the shifted
        # scores are used directly (adding the peak back and subtracting it again would lose
        # all digits of a float32 score of 1e8).
        exps = (self - self._peak(axes)).exp()
        return exps / exps.sum(axes, keepdims=True)

    @torch_keywords
    def log_softmax(self, axis: int = -1) -> Tensor:
        """x - logsumexp(x) along ``axis``: log-probabilities, stable for large scores."""
        self = self._floating()
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
        xp = self.backend.xp
        if axis is None:
            out = getattr(xp, name)(xp.reshape(self.data, (-1,)))
            if keepdims:
                out = xp.reshape(out, (1,) * self.ndim)
        else:
            out = getattr(xp, name)(self.data, axis=axis_index(axis, self.ndim), keepdims=keepdims)
        out = xp.astype(out, self.backend.native_dtype(int64))
        return type(self)._from_data(out, self.backend)

    @torch_keywords
    def any(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Whether any element over ``axis`` is true (nonzero); bool, outside the graph."""
        out = self.backend.xp.any(
            self.data, axis=normalize_axis(axis, self.ndim), keepdims=keepdims
        )
        return type(self)._from_data(out, self.backend)

    @torch_keywords
    def all(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Whether every element over ``axis`` is true (nonzero); bool, outside the graph."""
        out = self.backend.xp.all(
            self.data, axis=normalize_axis(axis, self.ndim), keepdims=keepdims
        )
        return type(self)._from_data(out, self.backend)


def _max_min_keywords(name: str, keywords: dict[str, Any]) -> None:
    if "dim" in keywords or "keepdim" in keywords:
        raise TypeError(
            f"{name}(dim=...) in PyTorch returns (values, indices); here {name}(axis=...) returns "
            f"the values, like torch.a{name}(dim=...). Use a{name}(dim=...) or "
            f"{name}(axis=..., keepdims=...) for the values and arg{name}(axis=...) for the "
            "indices."
        )
    raise TypeError(f"{name}() got unexpected keyword arguments: {', '.join(keywords)}")
