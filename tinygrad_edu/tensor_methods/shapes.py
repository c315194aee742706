"""Checks and conventions shared by the Tensor methods: axes, broadcasting, dtype promotion,
PyTorch's keyword spellings, pad widths. Plain functions, no autograd."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar, cast

from ..backends.base import ignore_float_errors as ignore_float_errors  # (used from here)
from ..dtypes import DType, bool_, float64, int64

if TYPE_CHECKING:
    from .base import TensorBase

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


def promote(x: T, y: T) -> tuple[T, T]:
    """Give two tensors one dtype, as PyTorch does: float beats int beats bool, and float64
    beats float32. A 0-d tensor, like a Python number, does not widen a tensor with dimensions
    within the same kind: float32 [n] + float64 0-d stays float32, but int64 [n] + float64 0-d
    becomes float64."""
    if x._data.dtype == y._data.dtype:
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
T = TypeVar("T", bound="TensorBase")


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


def _shape_args(shape: tuple[Any, ...]) -> tuple[int, ...]:
    """Accept both ``reshape(2, 3)`` and ``reshape((2, 3))``."""
    if len(shape) == 1 and isinstance(shape[0], Sequence):
        return tuple(shape[0])
    return tuple(shape)


def pad_widths(pad_width: Any, ndim: int) -> tuple[tuple[int, int], ...]:
    """NumPy's ``pad_width`` forms, spelled out as one (before, after) pair per axis."""
    widths: tuple[tuple[int, ...], ...]
    if isinstance(pad_width, int):
        widths = ((pad_width, pad_width),) * ndim
    else:
        pairs = [tuple(p) if isinstance(p, Sequence) else (p, p) for p in pad_width]
        if len(pairs) == 2 and all(isinstance(p, int) for p in pad_width):
            pairs = [tuple(pad_width)]
        widths = tuple(pairs) * ndim if len(pairs) == 1 else tuple(pairs)
    if len(widths) != ndim or any(len(p) != 2 or min(p) < 0 for p in widths):
        raise ValueError(
            f"pad: pad_width {pad_width!r} must give a non-negative (before, after) pair for "
            f"each of the {ndim} axes"
        )
    return cast("tuple[tuple[int, int], ...]", widths)  # pairs, as just checked


