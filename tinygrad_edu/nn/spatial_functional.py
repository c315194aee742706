"""Convolution and pooling as functions (``nn.functional`` re-exports them; batch normalisation
is in :mod:`tinygrad_edu.nn.norm_functional`).

Convolution is unfold, then a matrix product::

    columns = unfold(x)                        every kh x kw patch as a column (C*kh*kw values)
    out     = weight.reshape(O, -1) @ columns  a dot product of each kernel with each patch
    out     = out + bias, reshaped to (N, O, OH, OW)

and pooling is unfold, then a max or a mean over each window. Only the unfold/fold pair in
:mod:`tinygrad_edu.ops.spatial` is new; every derivative comes from the engine. (Max pooling
over windows side by side, without padding, as ``MaxPool2d(2)``, skips the unfolding: one
primitive of its own, :class:`~tinygrad_edu.ops.pool.TiledMaxPool`, for speed.) (The columns
keep the batch axis last in memory, see :mod:`tinygrad_edu.ops.spatial`; results are
(N, C, H, W) views of such memory, which is why ``.numpy()`` of them is not C-contiguous.)

Max pooling follows PyTorch at ties too: one element of each window gets the whole gradient,
the first largest in row-major order (in a window holding nans, the last nan; never the
padding), where ``Tensor.amax`` would split it among the ties. After a ReLU, windows of zeros
tie often, so the two rules give different gradients.
"""

from __future__ import annotations

from typing import Any

from ..ops.pool import TiledMaxPool
from ..ops.reduce import Max
from ..ops.spatial import Fold, Unfold, output_size_of
from ..tensor import Tensor
from . import pool_options

IntOrPair = int | tuple[int, int]


def _pair(value: Any, name: str, op: str, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints, as the pair (height, width), each at least ``minimum``."""
    pair = (value, value) if isinstance(value, int) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair):
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if min(pair) < minimum:
        raise ValueError(f"{op}: {name} must be at least {minimum}, got {value!r}")
    return pair


def _check_images(x: Any, op: str) -> None:
    """``x`` must be a floating (N, C, H, W) Tensor."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if x.ndim != 4:
        hint = " for one image add a batch axis: x.unsqueeze(0);" if x.ndim == 3 else ""
        raise ValueError(
            f"{op}: expected a 4-D input (batch, channels, height, width), got shape "
            f"{x.shape};{hint} reshape the input first."
        )
    if not x.dtype.is_floating:
        raise TypeError(f"{op}: the input is {x.dtype.name}; convert it first: x.float()")


def _positions(x: Tensor, kernel: tuple[int, int], stride: tuple[int, int],
               padding: tuple[int, int], op: str,
               dilation: tuple[int, int] = (1, 1)) -> tuple[int, int]:
    """(OH, OW), or an error when the kernel does not fit in the padded image."""
    oh, ow = output_size_of(x.shape[2:], kernel, stride, padding, dilation)  # type: ignore[arg-type]
    if oh < 1 or ow < 1:
        h, w = x.shape[2:]
        spaced = "" if dilation == (1, 1) else f" (taps {dilation} apart)"
        raise ValueError(
            f"{op}: a {kernel[0]}x{kernel[1]} kernel{spaced} does not fit in the {h}x{w} input "
            f"padded by {padding} (input shape {x.shape}); use a smaller kernel, more padding "
            "or a larger image."
        )
    return oh, ow


def unfold(input: Tensor, kernel_size: IntOrPair, dilation: IntOrPair = 1,
           padding: IntOrPair = 0, stride: IntOrPair = 1) -> Tensor:
    """Every kernel-sized patch of ``x`` as a column (im2col), as ``torch.nn.functional.unfold``.

    Args:
        input: images of shape (N, C, H, W).
        kernel_size: the patch size, an int or (kh, kw).
        dilation: the spacing of a patch's pixels, an int or (dh, dw) (1: neighbours).
        padding: zeros added on each side, an int or (ph, pw).
        stride: the step between patches, an int or (sh, sw).

    Returns:
        A tensor of shape (N, C * kh * kw, OH * OW).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn.spatial_functional import unfold
        >>> x = tg.arange(9.0).reshape(1, 1, 3, 3)
        >>> unfold(x, 2)[0, 0].tolist()  # the top-left pixel of each 2x2 patch
        [0.0, 1.0, 3.0, 4.0]
    """
    _check_images(input, "unfold")
    kernel = _pair(kernel_size, "kernel_size", "unfold", 1)
    spacing = _pair(dilation, "dilation", "unfold", 1)
    step = _pair(stride, "stride", "unfold", 1)
    pad = _pair(padding, "padding", "unfold", 0)
    oh, ow = _positions(input, kernel, step, pad, "unfold", spacing)
    columns = Unfold.apply(input, kernel_size=kernel, stride=step, padding=pad,
                           dilation=spacing)
    return columns.reshape(-1, oh * ow, input.shape[0]).permute(2, 0, 1)


def fold(input: Tensor, output_size: IntOrPair, kernel_size: IntOrPair,
         dilation: IntOrPair = 1, padding: IntOrPair = 0, stride: IntOrPair = 1) -> Tensor:
    """Add columns back into images (col2im), overlaps summed: the adjoint of :func:`unfold`,
    as ``torch.nn.functional.fold``.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn.spatial_functional import fold, unfold
        >>> ones = tg.ones(1, 1, 3, 3)
        >>> fold(unfold(ones, 2), 3, 2).tolist()  # how many 2x2 patches cover each pixel
        [[[[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]]]
    """
    columns = input
    size = _pair(output_size, "output_size", "fold", 1)
    kernel = _pair(kernel_size, "kernel_size", "fold", 1)
    spacing = _pair(dilation, "dilation", "fold", 1)
    step = _pair(stride, "stride", "fold", 1)
    pad = _pair(padding, "padding", "fold", 0)
    oh, ow = output_size_of(size, kernel, step, pad, spacing)
    if (
        not isinstance(columns, Tensor)  # type: ignore[redundant-expr]
        or columns.ndim != 3
        or columns.shape[2] != oh * ow
    ):
        raise ValueError(
            f"fold: expected columns of shape (N, C * {kernel[0] * kernel[1]}, {oh * ow}) for "
            f"{kernel[0]}x{kernel[1]} patches of a {size[0]}x{size[1]} image, got "
            f"{getattr(columns, 'shape', type(columns).__name__)}"
        )
    batch_last = columns.permute(1, 2, 0).reshape(-1, oh, ow, columns.shape[0])
    return Fold.apply(batch_last, output_size=size, kernel_size=kernel, stride=step,
                      padding=pad, dilation=spacing)


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrPair = 1,
           padding: IntOrPair = 0, dilation: IntOrPair = 1, groups: int = 1) -> Tensor:
    """2-D convolution (strictly: cross-correlation, as in PyTorch)::

        out[n, o, i, j] = bias[o] + sum_{c,a,b} weight[o,c,a,b] * x_pad[n, c, sh*i+dh*a, sw*j+dw*b]

    Computed as unfold, then matrix products: (O, C*kh*kw) @ (C*kh*kw, OW*N) for each of the
    OH output rows (with ``groups`` g, one such product per group of C/g input channels, which
    make O/g of the output channels).

    Args:
        input: images of shape (N, C, H, W).
        weight: kernels of shape (O, C / groups, kh, kw).
        bias: shape (O,), or None.
        stride: the step between kernel positions, an int or (sh, sw).
        padding: zeros added on each side, an int or (ph, pw).
        dilation: the spacing of the kernel's taps, an int or (dh, dw) (1: neighbours).
        groups: the channels split into this many groups, each convolved on its own (C and O
            both divisible by it; ``groups=C`` is a depthwise convolution).

    Returns:
        A tensor of shape (N, O, OH, OW), OH = (H + 2 ph - dh (kh - 1) - 1) // sh + 1 (OW alike).

    Examples:
        >>> import tinygrad_edu as tg
        >>> import tinygrad_edu.nn.spatial_functional as F
        >>> x = tg.arange(16.0).reshape(1, 1, 4, 4)
        >>> F.conv2d(x, tg.ones(1, 1, 2, 2), stride=2).tolist()  # sums of 2x2 blocks
        [[[[10.0, 18.0], [42.0, 50.0]]]]
        >>> F.conv2d(x, tg.ones(1, 1, 2, 2), dilation=3).tolist()  # the four corners
        [[[[30.0]]]]
    """
    if getattr(input, "ndim", 0) == 3:  # one image (C, H, W), as in PyTorch
        return conv2d(input.unsqueeze(0), weight, bias, stride, padding, dilation,
                      groups).squeeze(0)
    _check_images(input, "conv2d")
    if not isinstance(weight, Tensor) or weight.ndim != 4:  # type: ignore[redundant-expr]
        raise ValueError(
            "conv2d: the weight must have shape (out_channels, in_channels / groups, kh, kw), "
            f"got {getattr(weight, 'shape', type(weight).__name__)}"
        )
    if type(groups) is not int or groups < 1:  # (a bool is refused too)
        raise ValueError(f"conv2d: groups must be a positive int, got {groups!r}")
    out_channels, group_channels, kh, kw = weight.shape
    in_channels = group_channels * groups
    if input.shape[1] != in_channels:
        per_group = f" ({group_channels} per group, {groups} groups)" if groups > 1 else ""
        raise ValueError(
            f"conv2d: the input has {input.shape[1]} channels (shape {input.shape}) but the "
            f"weight of shape {weight.shape} expects {in_channels}{per_group}; give images "
            f"with {in_channels} channels, or make the layer with in_channels="
            f"{input.shape[1]}."
        )
    if out_channels % groups:
        raise ValueError(f"conv2d: out_channels ({out_channels}) must be divisible by groups "
                         f"({groups})")
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise ValueError(
            f"conv2d: the bias must have shape ({out_channels},), one value per output "
            f"channel, got {bias.shape}"
        )
    step = _pair(stride, "stride", "conv2d", 1)
    pad = _pair(padding, "padding", "conv2d", 0)
    spacing = _pair(dilation, "dilation", "conv2d", 1)
    oh, ow = _positions(input, (kh, kw), step, pad, "conv2d", spacing)
    n, rows = input.shape[0], in_channels * kh * kw
    columns = Unfold.apply(input, kernel_size=(kh, kw), stride=step, padding=pad,
                           dilation=spacing)
    # One product per output row i: (O, rows) @ (rows, OW * N). The same sums as one product
    # with OH * OW * N columns, but BLAS runs medium-sized products faster than one very wide
    # one (above all for the weight's gradient, a sum over those columns).
    per_row = columns.reshape(rows, oh, ow * n).permute(1, 0, 2)
    if groups == 1:
        out = weight.reshape(out_channels, rows) @ per_row  # (OH, O, OW * N)
    else:  # a group's rows are a block of the columns: (g, O/g, rows/g) @ (OH, g, rows/g, ...)
        kernels = weight.reshape(groups, out_channels // groups, rows // groups)
        out = (kernels @ per_row.reshape(oh, groups, rows // groups, ow * n)).reshape(
            oh, out_channels, ow * n)
    if bias is not None:
        # The bias as a whole (O, OW * N) block first (small: one row of the output), so that
        # the large sum broadcasts over OH only: NumPy then adds whole rows, twice as fast as
        # one number stretched along each row, and backward sums the gradient over OH, then
        # the (small) block, instead of over two axes at once (also twice as fast).
        out = out + bias.reshape(out_channels, 1).expand(out_channels, ow * n).clone()
    return out.reshape(oh, out_channels, ow, n).permute(3, 1, 0, 2)


def _pool(x: Tensor, kernel_size: IntOrPair, stride: IntOrPair | None, padding: IntOrPair,
          op: str, pad_value: float, dilation: tuple[int, int] = (1, 1)) -> Tensor:
    """The windows of a pooling, shape (C, kh * kw, OH, OW, N): reduce over axis 1."""
    _check_images(x, op)
    kernel = _pair(kernel_size, "kernel_size", op, 1)
    step = kernel if stride is None else _pair(stride, "stride", op, 1)
    pad = _pair(padding, "padding", op, 0)
    if pad[0] > kernel[0] // 2 or pad[1] > kernel[1] // 2:  # (PyTorch's rule, dilated or not)
        raise ValueError(
            f"{op}: padding {padding!r} is more than half the kernel size {kernel_size!r}, so "
            "some windows would hold only padding; use padding <= kernel_size // 2."
        )
    n, c = x.shape[:2]
    oh, ow = _positions(x, kernel, step, pad, op, dilation)
    columns = Unfold.apply(x, kernel_size=kernel, stride=step, padding=pad, value=pad_value,
                           dilation=dilation)
    return columns.reshape(c, kernel[0] * kernel[1], oh, ow, n)


def max_pool2d(input: Tensor, kernel_size: IntOrPair, stride: IntOrPair | None = None,
               padding: IntOrPair = 0, dilation: IntOrPair = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor:
    """The largest value of each window (padding counts as -inf, so it is never picked).

    Args:
        input: images of shape (N, C, H, W), or one image (C, H, W).
        kernel_size: the window, an int or (kh, kw).
        stride: the step between windows; default: ``kernel_size``.
        padding: added on each side, at most half the kernel.
        dilation: the spacing of a window's elements, an int or (dh, dw) (1: neighbours).
        return_indices: only PyTorch's default, False; True is refused.
        ceil_mode: round the number of windows up (see :mod:`~tinygrad_edu.nn.pool_options`).

    Returns:
        A tensor of shape (N, C, OH, OW). Gradient: 1 at the largest element of each window,
        the first one in row-major order at a tie (as PyTorch), 0 elsewhere.

    Windows side by side (stride = kernel, the default) with no padding take a faster path
    that copies no window (:class:`~tinygrad_edu.ops.pool.TiledMaxPool`); the results are
    the same. Rows and columns that fill no whole window are left out, as in PyTorch.

    Examples:
        >>> import tinygrad_edu as tg
        >>> import tinygrad_edu.nn.spatial_functional as F
        >>> x = tg.arange(16.0).reshape(1, 1, 4, 4)
        >>> F.max_pool2d(x, 2).tolist()
        [[[[5.0, 7.0], [13.0, 15.0]]]]
        >>> x = tg.zeros(1, 1, 3, 3, requires_grad=True)  # one tie of four zeros, and a tail
        >>> F.max_pool2d(x, 2).sum().backward()
        >>> x.grad.tolist()  # the first element of the window; the last row and column: 0
        [[[[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]]]
    """
    if return_indices:
        raise NotImplementedError("max_pool2d: return_indices is not supported here; leave it "
                                  "at its default (False)")
    if getattr(input, "ndim", 0) == 3:  # one image (C, H, W), as in PyTorch
        return max_pool2d(input.unsqueeze(0), kernel_size, stride, padding, dilation,
                          ceil_mode=ceil_mode).squeeze(0)
    _check_images(input, "max_pool2d")
    kernel = _pair(kernel_size, "kernel_size", "max_pool2d", 1)
    step = kernel if stride is None else _pair(stride, "stride", "max_pool2d", 1)
    spacing = _pair(dilation, "dilation", "max_pool2d", 1)
    if ceil_mode and spacing != (1, 1):
        raise NotImplementedError("max_pool2d: ceil_mode with a dilation is not supported "
                                  "here; use one or the other")
    if ceil_mode:
        pad = _pair(padding, "padding", "max_pool2d", 0)
        return pool_options.max_pool2d_ceil(input, kernel, step, pad)
    if (step == kernel != (1, 1) and spacing == (1, 1)
            and _pair(padding, "padding", "max_pool2d", 0) == (0, 0)):
        # Windows side by side, no padding (MaxPool2d(2)): strided views, nothing unfolded.
        _positions(input, kernel, kernel, (0, 0), "max_pool2d")
        return TiledMaxPool.apply(input, kernel_size=kernel)
    windows = _pool(input, kernel_size, stride, padding, "max_pool2d", float("-inf"), spacing)
    inside = None
    if _pair(padding, "padding", "max_pool2d", 0) != (0, 0):  # which window positions are input
        xp = input.backend.xp
        ones = Tensor._from_data(xp.ones((1, 1, *input.shape[2:]), dtype=input._data.dtype),
                                 input.backend)
        inside = _pool(ones, kernel_size, stride, padding, "max_pool2d", 0.0, spacing)._data != 0
    # PyTorch's rule: the first largest element of a window (row-major; a nan counts as the
    # largest) gets all of its gradient, the others exactly 0, even for an inf gradient.
    return Max.apply(windows, axis=(1,), first=True, within=inside).permute(3, 0, 1, 2)


def avg_pool2d(input: Tensor, kernel_size: IntOrPair, stride: IntOrPair | None = None,
               padding: IntOrPair = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """The mean of each window; zero padding counts in the mean (PyTorch's default,
    ``count_include_pad=True``). Arguments as for :func:`max_pool2d`; ``count_include_pad``
    and ``divisor_override`` choose the divisor (see :mod:`~tinygrad_edu.nn.pool_options`).

    Examples:
        >>> import tinygrad_edu as tg
        >>> import tinygrad_edu.nn.spatial_functional as F
        >>> x = tg.arange(16.0).reshape(1, 1, 4, 4)
        >>> F.avg_pool2d(x, 2).tolist()
        [[[[2.5, 4.5], [10.5, 12.5]]]]
    """
    options = (ceil_mode, count_include_pad, divisor_override)
    if getattr(input, "ndim", 0) == 3:  # one image (C, H, W), as in PyTorch
        return avg_pool2d(input.unsqueeze(0), kernel_size, stride, padding, *options).squeeze(0)
    if options != (False, True, None):
        _check_images(input, "avg_pool2d")
        kernel = _pair(kernel_size, "kernel_size", "avg_pool2d", 1)
        step = kernel if stride is None else _pair(stride, "stride", "avg_pool2d", 1)
        pad = _pair(padding, "padding", "avg_pool2d", 0)
        return pool_options.avg_pool2d_options(input, kernel, step, pad, *options)
    windows = _pool(input, kernel_size, stride, padding, "avg_pool2d", 0.0)
    return windows.mean(axis=1).permute(3, 0, 1, 2)
