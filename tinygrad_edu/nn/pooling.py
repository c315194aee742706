"""Adaptive pooling: pick the *output* size, and the windows follow from it.

Output position ``i`` of ``out`` positions along an axis of length ``size`` pools the window::

    start = floor(i * size / out)        end = ceil((i + 1) * size / out)

(PyTorch's rule). When ``out`` divides ``size`` the windows tile the axis, each ``size / out``
long; otherwise neighbouring windows overlap by one element and their lengths differ by one.
``AdaptiveAvgPool2d(1)`` is the mean over the whole image (the usual classifier head), and a
network with it accepts images of any size.

How each is computed, from operations the engine already differentiates:

* **average**: along one axis, pick each window's elements with one index operation (a
  shorter window is padded with repeats that are masked out), add them up and divide by the
  window's length; over an image, once along the height and once along the width. A matrix
  product with a pooling matrix would be shorter, but ``0 * nan`` is nan: one nan in the image
  would spread to every output, where PyTorch keeps it in its windows. When the windows tile the
  axis it is a reshape and a mean instead (exact, and cheaper).
* **max**: find the position of the largest element of each window (no gradient needed), then
  pick those elements out of ``x`` with one index operation. The gradient goes to the picked
  element only, so at a tie exactly one element gets it, the first in row-major order within
  the window, as in PyTorch (and as ``max_pool2d``).

Examples:
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.nn import pooling
    >>> x = tg.arange(5.0).reshape(1, 1, 5)
    >>> pooling.adaptive_avg_pool1d(x, 3).tolist()  # windows [0, 2), [1, 4), [3, 5)
    [[[0.5, 2.0, 3.5]]]
    >>> pooling.adaptive_max_pool1d(x, 2, return_indices=True)[1].tolist()  # [0, 3), [2, 5)
    [[[2, 4]]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .module import Module


def window_bounds(size: int, out: int) -> list[tuple[int, int]]:
    """The ``(start, end)`` of each of the ``out`` windows over an axis of length ``size``.

    Examples:
        >>> window_bounds(5, 3)
        [(0, 2), (1, 4), (3, 5)]
    """
    return [((i * size) // out, -((-(i + 1) * size) // out)) for i in range(out)]


def _sizes(output_size: Any, input_sizes: tuple[int, ...], op: str) -> tuple[int, ...]:
    """``output_size`` (an int, or one int or None per axis; None keeps the input's size)."""
    wanted = (output_size,) * len(input_sizes) if not isinstance(output_size, tuple | list) \
        else tuple(output_size)
    if len(wanted) != len(input_sizes) or not all(
        v is None or (isinstance(v, int) and not isinstance(v, bool) and v >= 1) for v in wanted
    ):
        raise ValueError(
            f"{op}: output_size must be a positive int or a tuple of {len(input_sizes)} positive "
            f"ints or None (None keeps that size), got {output_size!r}"
        )
    return tuple(size if v is None else v for v, size in zip(wanted, input_sizes, strict=True))


def _batched(x: Any, spatial: int, op: str) -> tuple[Tensor, bool]:
    """``x`` with a batch axis (added for an unbatched input: the bool says so)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    names = ("length",) if spatial == 1 else ("height", "width")
    if x.ndim not in (spatial + 1, spatial + 2):
        raise ValueError(
            f"{op}: expected (N, C, {', '.join(names)}) or (C, {', '.join(names)}), got shape "
            f"{x.shape}; reshape the input first."
        )
    if not x.dtype.is_floating:
        raise TypeError(f"{op}: the input is {x.dtype.name}; convert it first: x.float()")
    if 0 in x.shape[-spatial:]:
        raise ValueError(f"{op}: the input of shape {x.shape} has an empty {names[0]}/width")
    return (x, False) if x.ndim == spatial + 2 else (x.unsqueeze(0), True)


def _window_means(x: Tensor, axis: int, out: int) -> Tensor:
    """The mean of each of ``out`` windows along ``axis`` (2 or 3) of (N, C, H, W)."""
    size = x.shape[axis]
    table, longest = _window_table(size, out)
    lengths = np.array([end - start for start, end in window_bounds(size, out)])
    inside = np.arange(longest)[None, :] < lengths[:, None]  # (out, longest): not a repeat
    picked = x.index_select(axis, Tensor(table.reshape(-1), backend=x.backend))
    rest = (1,) * (3 - axis)
    picked = picked.reshape(*x.shape[:axis], out, longest, *x.shape[axis + 1:])
    mask = Tensor(inside.reshape(out, longest, *rest), backend=x.backend)
    # where, not a product with 0/1: a repeat of a nan or an inf must add nothing.
    total = picked.where(mask, 0.0).sum(axis + 1)
    return total / Tensor(lengths.reshape(out, *rest), dtype=x.dtype, backend=x.backend)


def _average_last_two(x: Tensor, out_h: int, out_w: int) -> Tensor:
    n, c, h, w = x.shape
    if h % out_h == 0 and w % out_w == 0:  # the windows tile the image
        return x.reshape(n, c, out_h, h // out_h, out_w, w // out_w).mean((3, 5))
    rows = x if h == out_h else _window_means(x, 2, out_h)  # (N, C, out_h, W)
    return rows if w == out_w else _window_means(rows, 3, out_w)  # (N, C, out_h, out_w)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """The mean of each of ``output_size`` windows (see the module docstring for the windows),
    as ``torch.nn.functional.adaptive_avg_pool2d``.

    Args:
        input: images (N, C, H, W), or one image (C, H, W).
        output_size: (OH, OW), or one int for both; None in the pair keeps that size.

    Returns:
        (N, C, OH, OW) (or (C, OH, OW)). Gradient: ``1 / window size`` to each element of
        each window (summed where windows overlap).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn.pooling import adaptive_avg_pool2d
        >>> x = tg.arange(16.0).reshape(1, 1, 4, 4)
        >>> adaptive_avg_pool2d(x, 1).tolist()
        [[[[7.5]]]]
        >>> list(adaptive_avg_pool2d(x, (2, None)).shape)
        [1, 1, 2, 4]
    """
    images, unbatched = _batched(input, 2, "adaptive_avg_pool2d")
    out_h, out_w = _sizes(output_size, images.shape[2:], "adaptive_avg_pool2d")
    out = _average_last_two(images, out_h, out_w)
    return out.squeeze(0) if unbatched else out


def adaptive_avg_pool1d(input: Tensor, output_size: Any) -> Tensor:
    """The mean of each of ``output_size`` windows along the last axis of (N, C, L) or (C, L),
    as ``torch.nn.functional.adaptive_avg_pool1d``.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn.pooling import adaptive_avg_pool1d
        >>> adaptive_avg_pool1d(tg.Tensor([[[1.0, 2.0, 3.0, 4.0]]]), 2).tolist()
        [[[1.5, 3.5]]]
    """
    signals, unbatched = _batched(input, 1, "adaptive_avg_pool1d")
    (out_l,) = _sizes(output_size, signals.shape[2:], "adaptive_avg_pool1d")
    out = _average_last_two(signals.unsqueeze(2), 1, out_l).squeeze(2)
    return out.squeeze(0) if unbatched else out


def _window_table(size: int, out: int) -> tuple[np.ndarray, int]:
    """(out, longest window) positions; a shorter window repeats its first position to fill its
    row (a repeat comes after the original, so the first largest element is still the one
    found)."""
    bounds = window_bounds(size, out)
    longest = max(end - start for start, end in bounds)
    table = np.array([[start + k if start + k < end else start for k in range(longest)]
                      for start, end in bounds], dtype=np.int64)
    return table, longest


def _inside(h: int, out_h: int, w: int, out_w: int) -> np.ndarray:
    """(OH, OW, kh * kw) booleans: which entries of each padded window are its own."""
    masks = []
    for size, out in ((h, out_h), (w, out_w)):
        lengths = np.array([end - start for start, end in window_bounds(size, out)])
        masks.append(np.arange(lengths.max())[None, :] < lengths[:, None])
    rows, cols = masks
    inside = rows[:, None, :, None] & cols[None, :, None, :]  # (OH, OW, kh, kw)
    return inside.reshape(out_h, out_w, -1)


def _argmax_positions(images: Tensor, out_h: int, out_w: int) -> Any:
    """Where each window's largest element is: its index in the flattened H * W image, an
    integer array (N, C, OH, OW) on the input's backend."""
    backend = images.backend
    xp = backend.xp
    n, c, h, w = images.shape
    rows, kh = _window_table(h, out_h)
    cols, kw = _window_table(w, out_w)
    data = xp.take(images._data, backend.asarray(rows.reshape(-1)), axis=2)
    data = xp.take(data, backend.asarray(cols.reshape(-1)), axis=3)
    data = xp.reshape(data, (n, c, out_h, kh, out_w, kw))
    data = xp.reshape(xp.permute_dims(data, (0, 1, 2, 4, 3, 5)), (n, c, out_h, out_w, kh * kw))
    picked = xp.argmax(data, axis=-1)  # the first largest, in row-major order in the window
    # PyTorch's kernel lets each nan replace the one before, so the last nan is the one picked
    # (a repeat that pads a short window is not a candidate).
    nans = xp.isnan(data) & backend.asarray(_inside(h, out_h, w, out_w))
    if xp.any(nans):
        last = kh * kw - 1 - xp.argmax(xp.flip(nans, axis=-1), axis=-1)
        picked = xp.where(xp.any(nans, axis=-1), last, picked)
    # The flat position (row * W + column) of each candidate, per output position.
    flat = rows[:, None, :, None] * w + cols[None, :, None, :]  # (OH, OW, kh, kw)
    flat = backend.asarray(flat.reshape(out_h, out_w, kh * kw))
    candidates = xp.arange(kh * kw, dtype=picked.dtype)
    chosen = xp.astype(picked[..., None] == candidates, flat.dtype) * flat
    return xp.sum(chosen, axis=-1)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """The largest element of each of ``output_size`` windows, as
    ``torch.nn.functional.adaptive_max_pool2d``.

    Args:
        input: images (N, C, H, W), or one image (C, H, W).
        output_size: (OH, OW), or one int for both; None keeps that size.
        return_indices: also return where each maximum is, as an int64 index into the
            flattened H * W image (what ``max_unpool2d`` in PyTorch takes).

    Returns:
        The pooled tensor, or the pair (pooled, indices). Gradient: all of it to the one
        element that was picked (the first largest in its window, as in PyTorch).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn.pooling import adaptive_max_pool2d
        >>> x = tg.Tensor([[[[1.0, 5.0, 2.0], [4.0, 0.0, 3.0]]]])
        >>> values, indices = adaptive_max_pool2d(x, (1, 2), return_indices=True)
        >>> values.tolist(), indices.tolist()  # windows: columns [0, 2) and [1, 3)
        ([[[[5.0, 5.0]]]], [[[[1, 1]]]])
    """
    images, unbatched = _batched(input, 2, "adaptive_max_pool2d")
    out_h, out_w = _sizes(output_size, images.shape[2:], "adaptive_max_pool2d")
    n, c, h, w = images.shape
    backend = images.backend
    xp = backend.xp
    positions = _argmax_positions(images, out_h, out_w)
    planes = xp.reshape(xp.arange(n * c, dtype=positions.dtype) * (h * w), (n, c, 1, 1))
    everywhere = xp.reshape(positions + planes, (-1,))  # into the flattened input
    out = images.reshape(-1)[Tensor._from_data(everywhere, backend)]
    out = out.reshape(n, c, out_h, out_w)
    indices = Tensor._from_data(positions, backend)
    if unbatched:
        out, indices = out.squeeze(0), indices.squeeze(0)
    return (out, indices) if return_indices else out


def adaptive_max_pool1d(input: Tensor, output_size: Any, return_indices: bool = False) -> Any:
    """The largest element of each of ``output_size`` windows along the last axis of (N, C, L)
    or (C, L), as ``torch.nn.functional.adaptive_max_pool1d``.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn.pooling import adaptive_max_pool1d
        >>> adaptive_max_pool1d(tg.Tensor([[3.0, 1.0, 2.0]]), 2).tolist()
        [[3.0, 2.0]]
    """
    signals, unbatched = _batched(input, 1, "adaptive_max_pool1d")
    (out_l,) = _sizes(output_size, signals.shape[2:], "adaptive_max_pool1d")
    out, indices = adaptive_max_pool2d(signals.unsqueeze(2), (1, out_l), return_indices=True)
    out, indices = out.squeeze(2), indices.squeeze(2)
    if unbatched:
        out, indices = out.squeeze(0), indices.squeeze(0)
    return (out, indices) if return_indices else out


class _AdaptivePool(Module):
    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_AdaptivePool):
    """Average each image down to ``output_size`` (see :func:`adaptive_avg_pool2d`).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import AdaptiveAvgPool2d
        >>> list(AdaptiveAvgPool2d((1, 1))(tg.ones(8, 16, 7, 5)).shape)
        [8, 16, 1, 1]
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__(output_size)

    def forward(self, input: Tensor) -> Tensor:
        return adaptive_avg_pool2d(input, self.output_size)


class AdaptiveAvgPool1d(_AdaptivePool):
    """Average each signal (N, C, L) down to ``output_size`` (see :func:`adaptive_avg_pool1d`).
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__(output_size)

    def forward(self, input: Tensor) -> Tensor:
        return adaptive_avg_pool1d(input, self.output_size)


class AdaptiveMaxPool2d(_AdaptivePool):
    """The largest element of each window, ``output_size`` windows per image
    (see :func:`adaptive_max_pool2d`); with ``return_indices=True`` it returns
    (values, indices)."""

    def forward(self, input: Tensor) -> Any:
        return adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptivePool):
    """The largest element of each of ``output_size`` windows of (N, C, L)
    (see :func:`adaptive_max_pool1d`)."""

    def forward(self, input: Tensor) -> Any:
        return adaptive_max_pool1d(input, self.output_size, self.return_indices)


__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
    "window_bounds",
]
