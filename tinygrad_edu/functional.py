"""Operations as functions: those on several tensors at once (``tg.where``, ``tg.stack``,
``tg.cat``, ...), and PyTorch's function forms of the Tensor methods (``tg.exp(x)`` is
``x.exp()``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import ops
from .tensor import Tensor
from .tensor_methods.shapes import normalize_axis, promote, torch_keywords


def where(condition: Any, input: Any, other: Any) -> Tensor:
    """``input`` where ``condition`` is True, else ``other`` (elementwise, with broadcasting).

    Examples:
        >>> import tinygrad_edu as tg
        >>> t = tg.Tensor([-1.0, 2.0])
        >>> tg.where(t > 0, t, 0.0).tolist()
        [0.0, 2.0]
    """
    anchor = next((v for v in (input, other, condition) if isinstance(v, Tensor)), None)
    if anchor is None:
        anchor = Tensor(input)
    return anchor._where(condition, input, other)


def maximum(input: Tensor, other: Any) -> Tensor:
    """Elementwise larger of ``x`` and ``y``."""
    return _tensor(input).maximum(other)


def minimum(input: Tensor, other: Any) -> Tensor:
    """Elementwise smaller of ``x`` and ``y``."""
    return _tensor(input).minimum(other)


def _into(out: Tensor | None, result: Tensor, name: str) -> Tensor:
    """PyTorch's ``out=``: the result's values written into ``out`` (no graph is recorded, as
    in PyTorch, where out= functions do not support autograd), and ``out`` returned."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"{name}: out= must be a Tensor, got {type(out).__name__}")
    if out.shape != result.shape:
        raise ValueError(
            f"{name}: out= has shape {tuple(out.shape)} but the result has shape "
            f"{tuple(result.shape)}; pass a tensor of the result's shape, or assign the result: "
            f"y = {name}(...)"
        )
    return out.copy_(result.detach())


def matmul(input: Tensor, other: Any, *, out: Tensor | None = None) -> Tensor:
    """Matrix product ``x @ y`` (``out=``: written into that tensor, as in PyTorch)."""
    return _into(out, input.matmul(other), "matmul")


def add(input: Any, other: Any, *, alpha: float = 1, out: Tensor | None = None) -> Tensor:
    """``x + alpha * y``, as ``torch.add`` (``out=``: written into that tensor).

    Examples:
        >>> import tinygrad_edu as tg
        >>> tg.add(tg.Tensor([1.0, 2.0]), 1, alpha=10).tolist()
        [11.0, 12.0]
    """
    return _into(out, _as_tensor(input, other) + (other if alpha == 1 else other * alpha), "add")


def sub(input: Any, other: Any, *, alpha: float = 1, out: Tensor | None = None) -> Tensor:
    """``x - alpha * y``, as ``torch.sub``."""
    return _into(out, _as_tensor(input, other) - (other if alpha == 1 else other * alpha), "sub")


def mul(input: Any, other: Any, *, out: Tensor | None = None) -> Tensor:
    """``x * y`` elementwise, as ``torch.mul`` (``out=``: written into that tensor).

    Examples:
        >>> import tinygrad_edu as tg
        >>> t = tg.ones(2, 2)
        >>> z = tg.zeros(2, 2)
        >>> _ = tg.mul(t, t * 3, out=z)
        >>> z.tolist()
        [[3.0, 3.0], [3.0, 3.0]]
    """
    return _into(out, _as_tensor(input, other) * other, "mul")


def div(
    input: Any, other: Any, *, rounding_mode: str | None = None, out: Tensor | None = None
) -> Tensor:
    """``x / y`` elementwise, as ``torch.div``: true division, or rounded toward 0
    (``rounding_mode="trunc"``) or down (``"floor"``)."""
    return _into(out, _as_tensor(input, other).div(other, rounding_mode=rounding_mode), "div")


def _tensor(x: Any) -> Tensor:
    """``x`` as a Tensor. A function form given an array (``tg.max(array, 1)``) must not fall
    through to the array's own method, whose meaning differs (NumPy's ``max(1)`` gives values
    only, PyTorch's the pair of values and indices)."""
    return x if isinstance(x, Tensor) else Tensor(x)


def _as_tensor(x: Any, like: Any) -> Tensor:
    """``x`` as a Tensor (on ``like``'s backend when ``like`` is one), so that ``tg.mul(2, t)``
    works as in PyTorch."""
    if isinstance(x, Tensor):
        return x
    backend = like.backend if isinstance(like, Tensor) else None
    return Tensor(x, backend=backend)


def mm(input: Tensor, mat2: Any) -> Tensor:
    """The product of two matrices (2 axes each): ``x.mm(y)``."""
    return _tensor(input).mm(mat2)


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
        Size([2, 2])
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
    return _tensor(x).pad(pad_width, value)


# -- PyTorch's function forms: tg.exp(x) is x.exp(), as torch.exp(x) is x.exp() ---------------
def exp(input: Tensor) -> Tensor:
    """e to the power of each element: ``x.exp()``."""
    return _tensor(input).exp()


def log(input: Tensor) -> Tensor:
    """Natural logarithm of each element: ``x.log()``."""
    return _tensor(input).log()


def sqrt(input: Tensor) -> Tensor:
    """Square root of each element: ``x.sqrt()``."""
    return _tensor(input).sqrt()


def abs(input: Tensor) -> Tensor:  # noqa: A001 - PyTorch's name
    """Absolute value of each element: ``x.abs()``."""
    return _tensor(input).abs()


def relu(input: Tensor) -> Tensor:
    """max(x, 0) for each element: ``x.relu()``."""
    return _tensor(input).relu()


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + e^-x) for each element: ``x.sigmoid()``."""
    return _tensor(input).sigmoid()


def sin(input: Tensor) -> Tensor:
    """Sine of each element, in radians: ``x.sin()``."""
    return _tensor(input).sin()


def cos(input: Tensor) -> Tensor:
    """Cosine of each element, in radians: ``x.cos()``."""
    return _tensor(input).cos()


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent of each element: ``x.tanh()``."""
    return _tensor(input).tanh()


def clip(input: Tensor, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
    """Every element limited to [min, max]: ``x.clip(min, max)``."""
    return _tensor(input).clip(min, max)


clamp = clip


def sum(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:  # noqa: A001
    """Sum over axes: ``x.sum(...)``, with the same arguments (``axis``/``dim``, ``keepdims``)."""
    return _tensor(input).sum(*args, **kwargs)


def mean(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Average over axes: ``x.mean(...)``, with the same arguments."""
    return _tensor(input).mean(*args, **kwargs)


def softmax(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Probabilities along an axis: ``x.softmax(...)``, with the same arguments."""
    return _tensor(input).softmax(*args, **kwargs)


def log_softmax(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Log-probabilities along an axis: ``x.log_softmax(...)``, with the same arguments."""
    return _tensor(input).log_softmax(*args, **kwargs)


def logsumexp(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """log(sum(exp(x))) over axes: ``x.logsumexp(...)``, with the same arguments."""
    return _tensor(input).logsumexp(*args, **kwargs)


def argmax(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Position of the largest element: ``x.argmax(...)``, with the same arguments."""
    return _tensor(input).argmax(*args, **kwargs)


def argmin(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Position of the smallest element: ``x.argmin(...)``, with the same arguments."""
    return _tensor(input).argmin(*args, **kwargs)


# -- reductions with indices, as torch.max(x, 1): see tensor_methods/selection.py --------------
def max(input: Tensor, *args: Any, **kwargs: Any) -> Any:  # noqa: A001 - PyTorch's name
    """As ``torch.max``: ``tg.max(x)`` the largest element, ``tg.max(x, dim, keepdim=False)``
    the pair ``(values, indices)``, ``tg.max(x, other)`` the elementwise larger.

    Examples:
        >>> import tinygrad_edu as tg
        >>> outputs = tg.Tensor([[0.1, 2.0, 0.3], [1.5, 0.2, 0.1]])
        >>> _, predicted = tg.max(outputs, 1)
        >>> predicted.tolist()
        [1, 0]
    """
    return _tensor(input).max(*args, **kwargs)


def min(input: Tensor, *args: Any, **kwargs: Any) -> Any:  # noqa: A001
    """As ``torch.min``: the smallest element, ``(values, indices)`` along a dim, or the
    elementwise smaller of two tensors (see :func:`max`)."""
    return _tensor(input).min(*args, **kwargs)


def amax(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """The largest elements over some dims (values only): ``x.amax(...)``."""
    return _tensor(input).amax(*args, **kwargs)


def amin(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """The smallest elements over some dims (values only): ``x.amin(...)``."""
    return _tensor(input).amin(*args, **kwargs)


def sort(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    """``(values, indices)`` sorted along a dim: ``x.sort(...)``."""
    return _tensor(input).sort(*args, **kwargs)


def argsort(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """The positions that sort a dim: ``x.argsort(...)``."""
    return _tensor(input).argsort(*args, **kwargs)


def topk(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    """``(values, indices)`` of the k largest (or smallest) along a dim: ``x.topk(...)``."""
    return _tensor(input).topk(*args, **kwargs)


def kthvalue(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    """``(values, indices)`` of the k-th smallest along a dim: ``x.kthvalue(...)``."""
    return _tensor(input).kthvalue(*args, **kwargs)


def median(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    """The median, or ``(values, indices)`` along a dim: ``x.median(...)``."""
    return _tensor(input).median(*args, **kwargs)


def mode(input: Tensor, *args: Any, **kwargs: Any) -> Any:
    """``(values, indices)`` of the most frequent element along a dim: ``x.mode(...)``."""
    return _tensor(input).mode(*args, **kwargs)


def cummax(input: Tensor, dim: int) -> Any:
    """``(values, indices)`` of the running largest along ``dim``: ``x.cummax(dim)``."""
    return _tensor(input).cummax(dim)


def cummin(input: Tensor, dim: int) -> Any:
    """``(values, indices)`` of the running smallest along ``dim``: ``x.cummin(dim)``."""
    return _tensor(input).cummin(dim)


def gather(input: Tensor, dim: int, index: Any) -> Tensor:
    """The elements of ``x`` at ``index`` along ``dim``: ``x.gather(dim, index)``."""
    return _tensor(input).gather(dim, index)


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """The same elements in another shape: ``x.reshape(...)``."""
    return _tensor(input).reshape(*shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Axes ``start_dim`` to ``end_dim`` merged into one: ``x.flatten(...)``."""
    return _tensor(input).flatten(start_dim, end_dim)


def transpose(input: Tensor, dim0: int = -2, dim1: int = -1) -> Tensor:
    """Two axes swapped: ``x.transpose(axis0, axis1)``."""
    return _tensor(input).transpose(dim0, dim1)


def permute(input: Tensor, *dims: Any) -> Tensor:
    """Axes reordered: ``x.permute(...)``."""
    return _tensor(input).permute(*dims)


def squeeze(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Axes of size 1 removed: ``x.squeeze(...)``."""
    return _tensor(input).squeeze(*args, **kwargs)


def unsqueeze(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """An axis of size 1 inserted: ``x.unsqueeze(...)``."""
    return _tensor(input).unsqueeze(*args, **kwargs)
