"""The operations a Tensor offers: operators, math, reductions and reshaping.

Each method checks its arguments (so errors name the op and the shapes), then calls a
differentiable primitive from :mod:`tinygrad_edu.ops` or composes several of them. A composed
operation needs no backward of its own: the engine differentiates its pieces.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from . import ops
from .dtypes import DType, bool_, float64, int64

if TYPE_CHECKING:
    from .autograd import Function
    from .tensor import Tensor

Axis = int | Sequence[int] | None


def normalize_axis(axis: Axis, ndim: int) -> tuple[int, ...] | None:
    """Axes as sorted non-negative ints (None stays None), with a clear error when out of range."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = set()
    for a in axes:
        out.add(axis_index(a, ndim))
    if len(out) != len(axes):
        raise ValueError(f"axis {axis} names the same axis twice")
    # A 0-d tensor accepts axis 0 or -1, as in PyTorch, and has no axis to reduce over.
    return tuple(sorted(out)) if ndim else ()


def axis_index(axis: int, ndim: int, what: str = "axis") -> int:
    """One axis as a non-negative int, or an IndexError when it is out of range. A 0-d tensor
    accepts 0 and -1, as in PyTorch."""
    size = max(ndim, 1)
    if not -size <= axis < size:
        raise IndexError(
            f"{what} {axis} is out of range for a tensor with {ndim} dimensions (valid: "
            f"{-size} to {size - 1})"
        )
    return axis % size


def broadcast_shapes(op: str, *shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape NumPy's broadcasting rules give, or a ValueError naming the op and the shapes."""
    ndim = max(len(s) for s in shapes)
    out = []
    for i in range(-ndim, 0):
        sizes = {s[i] for s in shapes if len(s) >= -i} - {1}
        if len(sizes) > 1:
            shown = " and ".join(str(s) for s in shapes)
            raise ValueError(
                f"{op}: shapes {shown} cannot be broadcast together (axis {i} has sizes "
                f"{' and '.join(str(n) for n in sorted(sizes))}); sizes must match or be 1."
            )
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


def _category(dtype: DType) -> int:
    return 2 if dtype.is_floating else 0 if dtype is bool_ else 1


def promote(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """Give two tensors one dtype, as PyTorch does: float beats int beats bool, and float64
    beats float32. A 0-d tensor, like a Python number, does not widen a tensor with dimensions
    within the same kind: float32 [n] + float64 0-d stays float32, but int64 [n] + float64 0-d
    becomes float64."""
    if x.data.dtype == y.data.dtype:
        return x, y
    dx, dy = x.dtype, y.dtype
    if (x.ndim == 0) != (y.ndim == 0):
        dims, zero = (dy, dx) if x.ndim == 0 else (dx, dy)
        target = dims if _category(dims) >= _category(zero) else zero
    elif dx.is_floating and dy.is_floating:
        target = float64
    elif dx.is_floating or dy.is_floating:
        target = dx if dx.is_floating else dy
    else:
        target = int64
    return x.astype(target), y.astype(target)


Method = TypeVar("Method", bound=Callable[..., Any])


def torch_keywords(method: Method) -> Method:
    """Let ``method`` also take PyTorch's spelling of its keywords: ``dim=`` for ``axis=`` and
    ``keepdim=`` for ``keepdims=`` (so ``x.sum(dim=1, keepdim=True)`` works as in PyTorch)."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for torch_name, name in (("dim", "axis"), ("keepdim", "keepdims")):
            if torch_name in kwargs:
                if name in kwargs:
                    raise TypeError(
                        f"{method.__name__}() got both {name}= and {torch_name}=; pass one"
                    )
                kwargs[name] = kwargs.pop(torch_name)
        return method(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _is_floating(x: Any) -> bool:
    return isinstance(x, float) or (isinstance(x, TensorMath) and x.dtype.is_floating)  # type: ignore[attr-defined]


def _max_min_keywords(name: str, keywords: dict[str, Any]) -> None:
    if "dim" in keywords or "keepdim" in keywords:
        raise TypeError(
            f"{name}(dim=...) in PyTorch returns (values, indices); here {name}(axis=...) returns "
            f"the values, like torch.a{name}(dim=...). Use a{name}(dim=...) or "
            f"{name}(axis=..., keepdims=...) for the values and arg{name}(axis=...) for the "
            "indices."
        )
    raise TypeError(f"{name}() got unexpected keyword arguments: {', '.join(keywords)}")


def _shape_args(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """Accept both ``reshape(2, 3)`` and ``reshape((2, 3))``."""
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        return tuple(shape[0])
    return tuple(shape)


class TensorMath:
    """Operations shared by every Tensor (a mixin, kept apart so tensor.py stays short)."""

    __slots__ = ()

    # -- elementwise binary ----------------------------------------------------------------
    def _binary(self: Any, fn: type[Function], other: Any, reverse: bool = False) -> Tensor:
        if other.__class__ is not self.__class__:
            other = self._const(other)
        x, y = (other, self) if reverse else (self, other)
        if x.data.dtype is not y.data.dtype or x.data.shape != y.data.shape:
            if x.backend is not y.backend:
                return fn.apply(x, y)  # raises the error that says how to move one of them
            x, y = promote(x, y)
            if x.data.shape != y.data.shape:
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

    def __truediv__(self: Any, other: Any) -> Tensor:
        if not (self.dtype.is_floating or _is_floating(other)):
            return self.float() / other  # int / int is a float32 division, as in PyTorch
        return self._binary(ops.Div, other)

    def __rtruediv__(self: Any, other: Any) -> Tensor:
        if not (self.dtype.is_floating or _is_floating(other)):
            return other / self.float()
        return self._binary(ops.Div, other, reverse=True)

    def __pow__(self, exponent: Any) -> Tensor:
        return self._binary(ops.Pow, exponent)

    def __rpow__(self, base: Any) -> Tensor:
        return self._binary(ops.Pow, base, reverse=True)

    def __neg__(self) -> Tensor:
        return ops.Neg.apply(self)

    def __pos__(self: Any) -> Tensor:
        return self

    def __matmul__(self, other: Any) -> Tensor:
        return self.matmul(other)

    def __rmatmul__(self: Any, other: Any) -> Tensor:
        return self._const(other).matmul(self)

    def add(self, other: Any) -> Tensor:
        return self + other

    def sub(self, other: Any) -> Tensor:
        return self - other

    def mul(self, other: Any) -> Tensor:
        return self * other

    def div(self, other: Any) -> Tensor:
        return self / other

    def pow(self, exponent: Any) -> Tensor:
        return self**exponent

    def neg(self) -> Tensor:
        return -self

    def maximum(self, other: Any) -> Tensor:
        """Elementwise larger of two tensors (the gradient is split evenly at ties)."""
        return self._binary(ops.Maximum, other)

    def minimum(self, other: Any) -> Tensor:
        """Elementwise smaller of two tensors (the gradient is split evenly at ties)."""
        return self._binary(ops.Minimum, other)

    # -- comparisons and logic: results are bool tensors, outside the graph ---------------
    def _compare(self: Any, other: Any, name: str) -> Tensor:
        x, y = promote(self, self._const(other))
        data = getattr(x.data, name)(y.data)
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

    def _logical(self: Any, other: Any, name: str) -> Tensor:
        if self.dtype.is_floating:
            raise TypeError(
                f"{name.strip('_')} needs bool or integer tensors, not {self.dtype.name}"
            )
        x, y = promote(self, self._const(other))
        return type(self)._from_data(getattr(x.data, name)(y.data), self.backend)

    def __and__(self, other: Any) -> Tensor:
        return self._logical(other, "__and__")

    def __or__(self, other: Any) -> Tensor:
        return self._logical(other, "__or__")

    def __xor__(self, other: Any) -> Tensor:
        return self._logical(other, "__xor__")

    def __invert__(self: Any) -> Tensor:
        if self.dtype.is_floating:
            raise TypeError(f"~ needs a bool or integer tensor, not {self.dtype.name}")
        return type(self)._from_data(~self.data, self.backend)

    # -- elementwise unary -------------------------------------------------------------------
    def _floating(self: Any) -> Tensor:
        """This tensor, as float32 if it holds integers or bools (so int.exp() is float32, as in
        PyTorch)."""
        return self if self.dtype.is_floating else self.float()

    def exp(self: Any) -> Tensor:
        return ops.Exp.apply(self._floating())

    def log(self: Any) -> Tensor:
        return ops.Log.apply(self._floating())

    def sqrt(self: Any) -> Tensor:
        return ops.Sqrt.apply(self._floating())

    def sin(self: Any) -> Tensor:
        """Sine of each element (radians)."""
        return ops.Sin.apply(self._floating())

    def cos(self: Any) -> Tensor:
        """Cosine of each element (radians)."""
        return ops.Cos.apply(self._floating())

    def abs(self) -> Tensor:
        return ops.Abs.apply(self)

    def relu(self) -> Tensor:
        """max(x, 0): the piecewise-linear map between a network's matrices."""
        return ops.Relu.apply(self)

    def sigmoid(self: Any) -> Tensor:
        return ops.Sigmoid.apply(self._floating())

    def tanh(self: Any) -> Tensor:
        return ops.Tanh.apply(self._floating())

    def square(self: Any) -> Tensor:
        return self * self

    def clip(self: Any, min: float | None = None, max: float | None = None) -> Tensor:
        """Limit every element to [min, max] (either bound may be None)."""
        if min is None and max is None:
            raise ValueError("clip: give at least one of min= and max=")
        x = self
        if isinstance(min, TensorMath) or isinstance(max, TensorMath):
            return x._clip_by_tensors(min, max)
        if not x.dtype.is_floating and (isinstance(min, float) or isinstance(max, float)):
            x = x.float()  # float bounds on an integer tensor give a float32 result
        return ops.Clip.apply(x, low=min, high=max)

    def _clip_by_tensors(self: Any, low: Any, high: Any) -> Tensor:
        """clip with tensor bounds, as two where()s: the gradient goes to ``x`` where it is
        within the bounds (ties included, as in PyTorch) and to the bound that was taken."""
        from .functional import where

        out = self
        if low is not None:
            out = where(out < low, low, out)
        if high is not None:
            out = where(out > high, high, out)
        return out

    clamp = clip

    # -- reductions ----------------------------------------------------------------------------
    @torch_keywords
    def sum(self: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (an int, a tuple of ints, or None for all)."""
        x = self.long() if self.dtype is bool_ else self  # counts Trues, as in PyTorch
        return ops.Sum.apply(x, axis=normalize_axis(axis, self.ndim), keepdims=keepdims)

    def _count(self: Any, axis: tuple[int, ...] | None) -> int:
        shape = self.shape
        count = 1
        for i in range(len(shape)) if axis is None else axis:
            count *= shape[i]
        return count

    @torch_keywords
    def mean(self: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """Average over ``axis``."""
        x = self._floating()
        axes = normalize_axis(axis, self.ndim)
        return x.sum(axes, keepdims) / self._count(axes)

    @torch_keywords
    def var(self: Any, axis: Axis = None, keepdims: bool = False, correction: int = 1) -> Tensor:
        """Variance over ``axis``, divided by ``n - correction`` (1 by default, as in PyTorch;
        pass ``correction=0`` for NumPy's default)."""
        axes = normalize_axis(axis, self.ndim)
        centered = self - self.mean(axes, keepdims=True)
        # n - correction <= 0 gives inf (or nan), as in PyTorch, never a negative variance.
        divisor = max(self._count(axes) - correction, 0)
        return (centered * centered).sum(axes, keepdims) / divisor

    @torch_keywords
    def std(self: Any, axis: Axis = None, keepdims: bool = False, correction: int = 1) -> Tensor:
        """Standard deviation: the square root of :meth:`var`. Where it is 0 (constant data)
        the gradient is 0, as in PyTorch, rather than the 0/0 that sqrt's rule would give."""
        x = self._floating()
        axes = normalize_axis(axis, self.ndim)
        # std(x) = s * std(x / s) for a constant s > 0: with s the largest |x| the squares
        # cannot overflow (float32 std([-1e20, 1e20]) is 1.41e20, not inf).
        scale = x.abs()._peak(axes, finite_only=True)
        xp = x.backend.xp
        scale = x.constant(xp.where(scale.data == 0, xp.ones_like(scale.data), scale.data))
        out = ops.StdFromVar.apply((x / scale).var(axes, True, correction)) * scale
        return out if keepdims else out.squeeze(axes)

    def max(self: Any, axis: Axis = None, keepdims: bool = False, **torch_style: Any) -> Tensor:
        """Largest element over ``axis`` (the gradient is split evenly among ties), like
        ``torch.amax``. For the positions of the largest elements use :meth:`argmax`."""
        if torch_style:
            _max_min_keywords("max", torch_style)
        axes = self._nonempty_axes(axis, "max")
        return ops.Max.apply(self, axis=axes, keepdims=keepdims)

    def min(self: Any, axis: Axis = None, keepdims: bool = False, **torch_style: Any) -> Tensor:
        """Smallest element over ``axis`` (the gradient is split evenly among ties), like
        ``torch.amin``. For the positions of the smallest elements use :meth:`argmin`."""
        if torch_style:
            _max_min_keywords("min", torch_style)
        axes = self._nonempty_axes(axis, "min")
        return ops.Min.apply(self, axis=axes, keepdims=keepdims)

    def _nonempty_axes(self: Any, axis: Axis, op: str) -> tuple[int, ...] | None:
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
    def amax(self: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The same as :meth:`max` (PyTorch's name for it, which also takes ``dim=``)."""
        return self.max(axis, keepdims)

    @torch_keywords
    def amin(self: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The same as :meth:`min` (PyTorch's name for it, which also takes ``dim=``)."""
        return self.min(axis, keepdims)

    @torch_keywords
    def logsumexp(self: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """log(sum(exp(x))) over ``axis``, computed without overflow (-inf over an empty
        axis, the log of an empty sum)."""
        self = self._floating()
        axes = normalize_axis(axis, self.ndim)
        # An infinite peak (all -inf, or a +inf) is not subtracted: inf - inf would be nan.
        shift = self._peak(axes, finite_only=True)
        out = (self - shift).exp().sum(axes, keepdims=True).log() + shift
        return out if keepdims else out.squeeze(axes if axes is not None else None)

    def _peak(self: Any, axes: tuple[int, ...] | None, finite_only: bool = False) -> Tensor:
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
    def softmax(self: Any, axis: int = -1) -> Tensor:
        """exp(x) / sum(exp(x)) along ``axis``: turns scores into probabilities."""
        self = self._floating()
        axes = normalize_axis(axis, self.ndim)
        # exp(x - peak) / sum(exp(x - peak)): the same value, with no overflow; the shifted
        # scores are used directly (adding the peak back and subtracting it again would lose
        # all digits of a float32 score of 1e8).
        exps = (self - self._peak(axes)).exp()
        return exps / exps.sum(axes, keepdims=True)

    @torch_keywords
    def log_softmax(self: Any, axis: int = -1) -> Tensor:
        """x - logsumexp(x) along ``axis``: log-probabilities, stable for large scores."""
        self = self._floating()
        axes = normalize_axis(axis, self.ndim)
        shifted = self - self._peak(axes)  # the shift cancels; see softmax
        return shifted - shifted.exp().sum(axes, keepdims=True).log()

    @torch_keywords
    def argmax(self: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """Index of the largest element (over the flattened tensor when axis is None; the
        first one at a tie)."""
        return self._arg("argmax", axis, keepdims)

    @torch_keywords
    def argmin(self: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
        """Index of the smallest element (over the flattened tensor when axis is None; the
        first one at a tie)."""
        return self._arg("argmin", axis, keepdims)

    def _arg(self: Any, name: str, axis: int | None, keepdims: bool) -> Tensor:
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
    def any(self: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
        out = self.backend.xp.any(
            self.data, axis=normalize_axis(axis, self.ndim), keepdims=keepdims
        )
        return type(self)._from_data(out, self.backend)

    @torch_keywords
    def all(self: Any, axis: Axis = None, keepdims: bool = False) -> Tensor:
        out = self.backend.xp.all(
            self.data, axis=normalize_axis(axis, self.ndim), keepdims=keepdims
        )
        return type(self)._from_data(out, self.backend)

    # -- matrix multiplication -----------------------------------------------------------------
    def matmul(self: Any, other: Any) -> Tensor:
        """Matrix product ``self @ other`` with NumPy's rules for 1-D and batched operands."""
        x, y = self, self._const(other)
        if x.ndim == 0 or y.ndim == 0:
            raise ValueError(
                f"matmul: both operands need at least one dimension, got shapes {x.shape} and "
                f"{y.shape}; use * to multiply by a scalar."
            )
        inner_y = y.shape[-2] if y.ndim > 1 else y.shape[0]
        if x.shape[-1] != inner_y:
            raise ValueError(
                f"matmul: shapes {x.shape} and {y.shape} do not line up "
                f"({x.shape[-1]} != {inner_y})"
            )
        if x.data.dtype != y.data.dtype:
            x, y = promote(x, y)
        vector_x, vector_y = x.ndim == 1, y.ndim == 1
        if vector_x:
            x = x.reshape(1, -1)
        if vector_y:
            y = y.reshape(-1, 1)
        if x.ndim > 2 or y.ndim > 2:
            broadcast_shapes("matmul (batch axes)", x.shape[:-2], y.shape[:-2])
        out = ops.MatMul.apply(x, y)
        if vector_x and vector_y:
            return out.reshape(())
        if vector_x:
            return out.squeeze(-2)
        if vector_y:
            return out.squeeze(-1)
        return out

    # -- movement ------------------------------------------------------------------------------
    def reshape(self: Any, *shape: Any) -> Tensor:
        """The same elements in a new shape; one size may be -1 (inferred)."""
        shape = _shape_args(shape)
        if shape == self.shape:
            return self
        known = 1
        for n in shape:
            known *= n if n != -1 else 1
        size = self.numel()
        if shape.count(-1) > 1 or (
            size != known if -1 not in shape else (known == 0 or size % known)
        ):
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {self.shape} ({size} elements) "
                f"into shape {shape}"
            )
        if -1 in shape:
            shape = tuple(size // known if n == -1 else n for n in shape)
        return ops.Reshape.apply(self, shape=shape)

    view = reshape

    def permute(self: Any, *axes: Any) -> Tensor:
        """Reorder the axes: ``x.permute(2, 0, 1)``."""
        axes = _shape_args(axes)
        if len(axes) != self.ndim:
            raise ValueError(f"permute: {axes} is not an ordering of the {self.ndim} axes")
        axes = tuple(axis_index(a, self.ndim, "permute: axis") for a in axes)
        if sorted(axes) != list(range(self.ndim)):
            raise ValueError(f"permute: {axes} is not an ordering of the {self.ndim} axes")
        if axes == tuple(range(self.ndim)):
            return self
        return ops.Permute.apply(self, axes=axes)

    def transpose(self: Any, axis0: int = -2, axis1: int = -1) -> Tensor:
        """Swap two axes (as in PyTorch); the last two by default."""
        a = axis_index(axis0, self.ndim, "transpose: axis")
        b = axis_index(axis1, self.ndim, "transpose: axis")
        if self.ndim == 0:
            return self  # a 0-d tensor has nothing to swap (PyTorch allows axes 0 and -1)
        order = list(range(self.ndim))
        order[a], order[b] = order[b], order[a]
        return self.permute(*order)

    def mm(self: Any, other: Any) -> Tensor:
        """The product of two matrices, as ``torch.mm``: both operands must have exactly two
        axes (use :meth:`matmul` or ``@`` for vectors and batches)."""
        other = self._const(other)
        if self.ndim != 2 or other.ndim != 2:
            raise ValueError(
                f"mm: both operands must be matrices (2 axes), got shapes {self.shape} and "
                f"{other.shape}; use matmul (or @) for vectors and batches of matrices."
            )
        return self.matmul(other)

    def t(self: Any) -> Tensor:
        """The transpose of a matrix (a tensor of at most 2 axes), as ``torch.Tensor.t``."""
        if self.ndim > 2:
            raise ValueError(
                f"t() expects at most 2 axes, got shape {self.shape}; use transpose(a, b) or "
                "permute(...) to choose the axes"
            )
        return self.T if self.ndim == 2 else self

    @property
    def T(self: Any) -> Tensor:
        """All axes reversed (for a matrix: the transpose)."""
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self: Any) -> Tensor:
        """The last two axes swapped (a batch of transposed matrices)."""
        if self.ndim < 2:
            raise ValueError(f"mT needs at least 2 axes, got shape {self.shape}")
        return self.transpose(-2, -1)

    def expand(self: Any, *shape: Any) -> Tensor:
        """Broadcast to a larger shape without copying; -1 keeps a size."""
        shape = _shape_args(shape)
        extra = len(shape) - self.ndim
        if extra < 0:
            raise ValueError(f"expand: cannot expand shape {self.shape} to fewer axes {shape}")
        shape = tuple(
            self.shape[i - extra] if n == -1 and i >= extra else n for i, n in enumerate(shape)
        )
        if shape == self.shape:
            return self
        if broadcast_shapes("expand", self.shape, shape) != shape:
            raise ValueError(f"expand: cannot expand shape {self.shape} to {shape}")
        return ops.Expand.apply(self, shape=shape)

    def broadcast_to(self: Any, shape: Sequence[int]) -> Tensor:
        return self.expand(tuple(shape))

    @torch_keywords
    def squeeze(self: Any, axis: Axis = None) -> Tensor:
        """Remove axes of size 1: all of them, or those in ``axis``. As in PyTorch, an axis
        in ``axis`` whose size is not 1 is left alone (NumPy would raise instead)."""
        axes = normalize_axis(axis, self.ndim)
        if axes is None:
            axes = tuple(range(self.ndim))
        axes = tuple(a for a in axes if self.shape[a] == 1)
        if not axes:
            return self
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if i not in axes))

    @torch_keywords
    def unsqueeze(self: Any, axis: int) -> Tensor:
        """Insert an axis of size 1 at position ``axis``."""
        if not -self.ndim - 1 <= axis <= self.ndim:
            raise IndexError(f"unsqueeze: axis {axis} is out of range for {self.ndim} dimensions")
        axis = axis % (self.ndim + 1)
        return self.reshape((*self.shape[:axis], 1, *self.shape[axis:]))

    def flatten(self: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge the axes from ``start_dim`` to ``end_dim`` into one."""
        start = axis_index(start_dim, self.ndim, "flatten: start_dim")
        end = axis_index(end_dim, self.ndim, "flatten: end_dim")
        if self.ndim == 0:
            return self.reshape(1)
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        merged = 1
        for n in self.shape[start : end + 1]:
            merged *= n
        return self.reshape((*self.shape[:start], merged, *self.shape[end + 1 :]))

    def __getitem__(self: Any, key: Any) -> Tensor:
        """Indexing as in NumPy: ints, slices, None, ``...``, boolean masks, integer arrays.

        Picking one element several times adds up its gradients."""
        x, key = self._scalar_bools(key)
        return ops.GetItem.apply(x, key=x._index_key(key))

    def _scalar_bools(self: Any, key: Any) -> tuple[Tensor, Any]:
        """A ``True``/``False`` in the key is, as in NumPy, a 0-d mask: it adds an axis of size
        1 (True) or 0 (False). Done here as a new axis of size 1 picked by ``[0]`` or ``[]``."""
        entries = key if isinstance(key, tuple) else (key,)
        if not any(isinstance(k, bool) for k in entries):
            return self, key
        x, out, axis = self, [], 0
        index_type = self.backend.native_dtype(int64)
        for k in entries:
            if isinstance(k, bool):
                x = x.unsqueeze(axis)
                out.append(x.backend.xp.zeros((1 if k else 0,), dtype=index_type))
                axis += 1
                continue
            if k is Ellipsis:
                if any(isinstance(later, bool) for later in entries[len(out) + 1 :]):
                    raise IndexError("a True/False index after ... is not supported here")
                out.extend(entries[len(out) :])
                break
            out.append(k)
            if k is not None:
                axis += getattr(k, "ndim", 1) if _is_mask(k) else 1
        return x, tuple(out)

    def _index_key(self: Any, key: Any) -> tuple[Any, ...]:
        key = key if isinstance(key, tuple) else (key,)
        out: list[Any] = []
        xp = self.backend.xp
        axis: int | None = 0  # the axis the next key entry indexes (None after a ...)
        for k in key:
            if k is None or k is Ellipsis or isinstance(k, slice):
                out.append(k)
                if k is Ellipsis:
                    axis = None
                elif k is not None and axis is not None:
                    axis += 1
                continue
            if isinstance(k, int) and not isinstance(k, bool):
                out.append(k)
                axis = None if axis is None else axis + 1
                continue
            if isinstance(k, list | tuple) and len(k) == 0:
                k = xp.zeros((0,), dtype=self.backend.native_dtype(int64))  # picks nothing
            if isinstance(k, TensorMath):
                if k.backend is not self.backend:  # type: ignore[attr-defined]
                    raise RuntimeError(
                        f"index tensor lives on backend {k.backend.name!r} but the indexed "  # type: ignore[attr-defined]
                        f"tensor on {self.backend.name!r}; move it with .to({self.backend.name!r})"
                    )
                array = k.data  # type: ignore[attr-defined]
            else:
                array = self.backend.asarray(type(self)(k, backend=self.backend).data)
            if array.dtype == self.backend.native_dtype(bool_):
                covered = self.shape[axis : axis + array.ndim] if axis is not None else None
                if covered is not None and tuple(array.shape) != covered:
                    raise IndexError(
                        f"boolean mask of shape {tuple(array.shape)} does not match the axes it "
                        f"indexes, of sizes {covered}, in a tensor of shape {self.shape}"
                    )
                # A boolean mask is the same as the integer positions where it is True.
                out.extend(xp.nonzero(array))
                axis = None if axis is None else axis + array.ndim
            elif array.dtype == self.backend.native_dtype(int64):
                out.append(array)
                axis = None if axis is None else axis + 1
            else:
                raise IndexError(
                    f"indices must be ints, slices, None, ..., or int64/bool tensors, "
                    f"not {array.dtype}"
                )
        if not any(k is Ellipsis for k in out):
            out.append(Ellipsis)  # the standard asks for every axis, or a ... for the rest
        return tuple(out)

    def pad(self: Any, pad_width: Any, value: float = 0.0) -> Tensor:
        """Surround with a constant border. ``pad_width`` is NumPy's: an int, one
        ``(before, after)`` pair for every axis, or a list of such pairs."""
        return ops.Pad.apply(self, widths=pad_widths(pad_width, self.ndim), value=value)


def _is_mask(k: Any) -> bool:
    """Whether an index entry is a boolean mask (it then covers as many axes as it has)."""
    dtype = getattr(k, "dtype", None)
    return dtype is not None and "bool" in str(dtype)


def pad_widths(pad_width: Any, ndim: int) -> tuple[tuple[int, int], ...]:
    """NumPy's ``pad_width`` forms, spelled out as one (before, after) pair per axis."""
    if isinstance(pad_width, int):
        widths = ((pad_width, pad_width),) * ndim
    else:
        pairs = [tuple(p) if isinstance(p, Sequence) else (p, p) for p in pad_width]
        if len(pairs) == 2 and all(isinstance(p, int) for p in pad_width):
            pairs = [tuple(pad_width)]  # type: ignore[list-item]
        widths = tuple(pairs) * ndim if len(pairs) == 1 else tuple(pairs)  # type: ignore[assignment]
    if len(widths) != ndim or any(len(p) != 2 or min(p) < 0 for p in widths):
        raise ValueError(
            f"pad: pad_width {pad_width!r} must give a non-negative (before, after) pair for "
            f"each of the {ndim} axes"
        )
    return widths  # type: ignore[return-value]
