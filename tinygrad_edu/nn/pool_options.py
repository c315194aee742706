"""PyTorch's pooling options beyond the plain window: ``ceil_mode`` (max and average pooling),
``count_include_pad=False`` and ``divisor_override`` (average pooling).

**ceil_mode** rounds the number of windows along an axis up instead of down::

    out = ceil((size + 2 padding - kernel) / stride) + 1

except that a last window starting in the right padding is dropped (PyTorch's rule). The last
window may then reach past the padded input: those positions are added on the bottom and the
right (-inf for max pooling, never picked; 0 for the average, never counted).

**The average's divisor** is, per window, the number of positions it covers inside the input
and its zero padding (``count_include_pad=True``, the default), or inside the input only
(``False``), or ``divisor_override`` for every window.

Examples:
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.nn import functional as F
    >>> x = tg.arange(9.0).reshape(1, 1, 3, 3)
    >>> F.max_pool2d(x, 2, ceil_mode=True).tolist()  # 2x2 windows, the last ones cut short
    [[[[4.0, 5.0], [7.0, 8.0]]]]
    >>> F.avg_pool2d(x, 2, ceil_mode=True).tolist()  # each divided by the positions it covers
    [[[[2.0, 3.5], [6.5, 8.0]]]]
    >>> F.avg_pool2d(x, 3, 1, 1, count_include_pad=False)[0, 0, 0, 0].item()  # (0+1+3+4) / 4
    2.0
"""

from __future__ import annotations

import numpy as np

from ..ops.reduce import Max
from ..ops.spatial import Unfold
from ..tensor import Tensor


def windows_along(size: int, kernel: int, stride: int, padding: int, ceil_mode: bool) -> int:
    """How many windows fit along an axis of length ``size`` (PyTorch's formula).

    Examples:
        >>> windows_along(7, 2, 2, 0, False), windows_along(7, 2, 2, 0, True)
        (3, 4)
    """
    span = size + 2 * padding - kernel
    if not ceil_mode:
        return span // stride + 1
    out = -(-span // stride) + 1
    return out - 1 if (out - 1) * stride >= size + padding else out


def _extra(size: int, out: int, kernel: int, stride: int, padding: int) -> int:
    """Positions to add after the padded axis so that ``out`` windows fit in it."""
    return max((out - 1) * stride + kernel - (size + 2 * padding), 0)


def _extended(x: Tensor, kernel: tuple[int, int], step: tuple[int, int],
              pad: tuple[int, int], value: float) -> tuple[Tensor, int, int]:
    """``x`` with the ceil_mode positions added (``value``), and the window counts."""
    h, w = x.shape[2:]
    oh = windows_along(h, kernel[0], step[0], pad[0], True)
    ow = windows_along(w, kernel[1], step[1], pad[1], True)
    extra_h, extra_w = _extra(h, oh, kernel[0], step[0], pad[0]), _extra(
        w, ow, kernel[1], step[1], pad[1])
    if extra_h or extra_w:
        x = x.pad(((0, 0), (0, 0), (0, extra_h), (0, extra_w)), value)
    return x, oh, ow


def _windows(x: Tensor, kernel: tuple[int, int], step: tuple[int, int], pad: tuple[int, int],
             value: float, op: str) -> Tensor:
    """The windows, shape (C, kh * kw, OH, OW, N), of an input the windows fit exactly."""
    if pad[0] > kernel[0] // 2 or pad[1] > kernel[1] // 2:
        raise ValueError(f"{op}: padding {pad} is more than half the kernel size {kernel}, so "
                         "some windows would hold only padding; use padding <= kernel_size // 2.")
    (n, c, h, w), (kh, kw) = x.shape, kernel
    oh = windows_along(h, kh, step[0], pad[0], False)
    ow = windows_along(w, kw, step[1], pad[1], False)
    if oh < 1 or ow < 1:
        raise ValueError(f"{op}: a {kh}x{kw} kernel does not fit in the {h}x{w} input padded by "
                         f"{pad}; use a smaller kernel, more padding or a larger image.")
    columns = Unfold.apply(x, kernel_size=kernel, stride=step, padding=pad, value=value)
    return columns.reshape(c, kh * kw, oh, ow, n)


def max_pool2d_ceil(x: Tensor, kernel: tuple[int, int], step: tuple[int, int],
                    pad: tuple[int, int]) -> Tensor:
    """``max_pool2d`` with ``ceil_mode=True``; (N, C, H, W) in, (N, C, OH, OW) out."""
    extended, _, _ = _extended(x, kernel, step, pad, float("-inf"))
    windows = _windows(extended, kernel, step, pad, float("-inf"), "max_pool2d")
    # Which window positions hold the input (not padding, not the added positions).
    ones = Tensor._from_data(x.backend.xp.ones((1, 1, *x.shape[2:]), dtype=x._data.dtype),
                             x.backend)
    ones, _, _ = _extended(ones, kernel, step, pad, 0.0)
    inside = _windows(ones, kernel, step, pad, 0.0, "max_pool2d")._data != 0
    return Max.apply(windows, axis=(1,), first=True, within=inside).permute(3, 0, 1, 2)


def _counts(size: int, out: int, kernel: int, stride: int, padding: int,
            count_include_pad: bool) -> np.ndarray:
    """Per window along one axis: how many of its positions the divisor counts."""
    starts = np.arange(out) * stride - padding
    ends = np.minimum(starts + kernel, size + padding)
    if not count_include_pad:
        starts, ends = np.maximum(starts, 0), np.minimum(ends, size)
    return np.maximum(ends - starts, 1)


def avg_pool2d_options(x: Tensor, kernel: tuple[int, int], step: tuple[int, int],
                       pad: tuple[int, int], ceil_mode: bool, count_include_pad: bool,
                       divisor_override: int | None) -> Tensor:
    """``avg_pool2d`` with any of PyTorch's options; (N, C, H, W) in, (N, C, OH, OW) out."""
    h, w = x.shape[2:]
    if ceil_mode:
        x, oh, ow = _extended(x, kernel, step, pad, 0.0)
    else:
        oh = windows_along(h, kernel[0], step[0], pad[0], False)
        ow = windows_along(w, kernel[1], step[1], pad[1], False)
    total = _windows(x, kernel, step, pad, 0.0, "avg_pool2d").sum(axis=1)  # (C, OH, OW, N)
    if divisor_override is not None:
        divisor = np.full((oh, ow), divisor_override)
    else:
        rows = _counts(h, oh, kernel[0], step[0], pad[0], count_include_pad)
        divisor = np.outer(rows, _counts(w, ow, kernel[1], step[1], pad[1], count_include_pad))
    divisor_tensor = Tensor(divisor.reshape(1, oh, ow, 1), dtype=x.dtype, backend=x.backend)
    return (total / divisor_tensor).permute(3, 0, 1, 2)
