"""Operations on several tensors at once, as functions: ``tg.where``, ``tg.stack``, ..."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import ops
from .tensor import Tensor
from .tensor_math import broadcast_shapes, normalize_axis, promote, torch_keywords


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """``x`` where ``condition`` is True, else ``y`` (elementwise, with broadcasting).

    Examples:
        >>> import tinygrad_edu as tg
        >>> t = tg.Tensor([-1.0, 2.0])
        >>> tg.where(t > 0, t, 0.0).tolist()
        [0.0, 2.0]
    """
    anchor = next((v for v in (x, y, condition) if isinstance(v, Tensor)), None)
    if anchor is None:
        anchor = Tensor(x)
    condition = anchor._const(condition) if not isinstance(condition, Tensor) else condition
    x, y = anchor._const(x), anchor._const(y)
    if condition.dtype.name != "bool":
        raise TypeError(f"where: condition must be a bool tensor, not {condition.dtype.name}")
    if x.data.dtype != y.data.dtype:
        x, y = promote(x, y)
    broadcast_shapes("where", condition.shape, x.shape, y.shape)
    return ops.Where.apply(condition, x, y)


def maximum(x: Tensor, y: Any) -> Tensor:
    """Elementwise larger of ``x`` and ``y``."""
    return x.maximum(y)


def minimum(x: Tensor, y: Any) -> Tensor:
    """Elementwise smaller of ``x`` and ``y``."""
    return x.minimum(y)


def matmul(x: Tensor, y: Any) -> Tensor:
    """Matrix product ``x @ y``."""
    return x.matmul(y)


@torch_keywords
def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis (all other sizes must match).

    Examples:
        >>> import tinygrad_edu as tg
        >>> tg.concatenate([tg.ones(2), tg.zeros(1)]).tolist()
        [1.0, 1.0, 0.0]
    """
    tensors = list(tensors)
    if not tensors:
        raise ValueError("concatenate: needs at least one tensor")
    first = tensors[0]
    if first.ndim == 0:
        raise ValueError("concatenate: 0-d tensors cannot be joined; use stack()")
    (axis,) = normalize_axis(axis, first.ndim)  # type: ignore[misc]
    for t in tensors[1:]:
        if t.ndim != first.ndim or any(
            a != b for i, (a, b) in enumerate(zip(t.shape, first.shape, strict=True)) if i != axis
        ):
            raise ValueError(
                f"concatenate: shapes {first.shape} and {t.shape} differ outside axis {axis}"
            )
    dtype = first.dtype
    for t in tensors[1:]:
        if t.dtype != dtype:
            dtype = promote(first.astype(dtype), t)[0].dtype
    return ops.Concatenate.apply(*[t.astype(dtype) for t in tensors], axis=axis)


cat = concatenate


@torch_keywords
def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new axis.

    Examples:
        >>> import tinygrad_edu as tg
        >>> tg.stack([tg.ones(2), tg.zeros(2)]).shape
        (2, 2)
    """
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    for t in tensors[1:]:
        if t.shape != tensors[0].shape:
            raise ValueError(
                f"stack: all shapes must be equal, got {tensors[0].shape} and {t.shape}"
            )
    return concatenate([t.unsqueeze(axis) for t in tensors], axis=axis)


def pad(x: Tensor, pad_width: Any, value: float = 0.0) -> Tensor:
    """Surround ``x`` with a constant border; ``pad_width`` as in ``numpy.pad``."""
    return x.pad(pad_width, value)
