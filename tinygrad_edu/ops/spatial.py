"""Image patches: unfold (im2col) and fold (col2im), each the other's backward.

A convolution slides a small kernel over an image and takes a dot product at every position.
:class:`Unfold` copies the patch under each position into a column, so that the whole
convolution becomes one matrix product (weights @ columns) that the engine already knows how to
differentiate. :class:`Fold` goes back: it adds every column into the place its patch came from
(overlapping patches add up). Both are linear, and each is the other's adjoint, as GetItem and
IndexAdd are, so convolution and pooling get gradients and second derivatives for free.

Shapes, for images x of shape (N, C, H, W), a kernel (kh, kw), a stride (sh, sw), a border
(ph, pw) on each side and a dilation (dh, dw) (the spacing of the kernel's taps: 1, neighbours)::

    OH = (H + 2 ph - dh (kh - 1) - 1) // sh + 1,   OW alike
    columns: (C * kh * kw, OH, OW, N), where
    columns[c * kh * kw + a * kw + b, i, j, n] = x_padded[n, c, sh * i + dh * a, sw * j + dw * b]

so ``columns.reshape(C * kh * kw, -1)`` has one column per patch. The batch axis comes *last*
(PyTorch's ``unfold`` puts it first), in the columns and in the memory of what convolution and
pooling return ((N, C, H, W) views of memory laid out as (C, H, W, N); elementwise operations
keep that layout). Then each slice the loops below move is made of runs of neighbouring pixels
times N images, long enough for an array library to move quickly. (Only the images a network
starts from come in the usual layout, where the first unfold gathers element by element.)

Both loops run over the kh * kw kernel offsets and move whole strided slices, with array-API
calls only (no ``as_strided``), so the same code runs on NumPy, array-api-strict and CuPy.
"""

from __future__ import annotations

from typing import Any

from ..autograd import Function
from ..threads import split, splittable

Pair = tuple[int, int]
BATCH_LAST = (1, 2, 3, 0)  # (N, C, H, W) -> (C, H, W, N)
BATCH_FIRST = (3, 0, 1, 2)  # and back


def output_size_of(size: Pair, kernel_size: Pair, stride: Pair, padding: Pair,
                   dilation: Pair = (1, 1)) -> Pair:
    """(OH, OW): how many kernel positions fit along each side of the padded image."""
    return (
        (size[0] + 2 * padding[0] - dilation[0] * (kernel_size[0] - 1) - 1) // stride[0] + 1,
        (size[1] + 2 * padding[1] - dilation[1] * (kernel_size[1] - 1) - 1) // stride[1] + 1,
    )


def _offsets(kernel_size: Pair, stride: Pair, out_size: Pair,
             dilation: Pair) -> list[tuple[int, Any]]:
    """For each kernel offset (a, b): its row in the kernel, and the strided slices of a
    padded (C, H, W, N) image that the offset touches at the OH x OW kernel positions."""
    (kh, kw), (sh, sw), (oh, ow), (dh, dw) = kernel_size, stride, out_size, dilation
    return [
        (
            a * kw + b,
            (
                slice(None),
                slice(dh * a, dh * a + sh * (oh - 1) + 1, sh),
                slice(dw * b, dw * b + sw * (ow - 1) + 1, sw),
                slice(None),
            ),
        )
        for a in range(kh)
        for b in range(kw)
    ]


class Unfold(Function):
    """columns = unfold(x): every kh x kw patch of x (padded with ``value``) as one column;
    d columns / dx: fold (each column added back where its patch came from)

    A padding value other than 0 (max pooling pads with -inf) is a constant: it does not change
    the derivative, which is why Fold's backward unfolds with zeros."""

    @staticmethod
    def forward(ctx, x, kernel_size=(1, 1), stride=(1, 1), padding=(0, 0), value=0.0,
                dilation=(1, 1)):
        xp = ctx.xp
        n, c, h, w = x.shape
        (kh, kw), (ph, pw) = kernel_size, padding
        ctx.options = {"output_size": (h, w), "kernel_size": kernel_size, "stride": stride,
                       "padding": padding, "dilation": dilation}
        padded = xp.permute_dims(x, BATCH_LAST)  # a view: no copy
        strides = getattr(x, "strides", None)
        if not (ph or pw) and n > 1 and strides is not None and strides[0] != x.itemsize:
            # Images in the usual layout (a network's input): one copy into batch-last order
            # first, so that each window below moves runs of N neighbours, instead of
            # gathering every element from another image (3 times faster for 64 MNIST digits).
            padded = xp.reshape(xp.reshape(padded, (-1,)), (c, h, w, n))
        if ph or pw:
            border = xp.full((c, h + 2 * ph, w + 2 * pw, n), value, dtype=x.dtype)
            border[:, ph:ph + h, pw:pw + w, :] = padded
            padded = border
        oh, ow = output_size_of((h, w), kernel_size, stride, padding, dilation)
        columns = xp.empty((c, kh * kw, oh, ow, n), dtype=x.dtype)
        offsets = _offsets(kernel_size, stride, (oh, ow), dilation)

        by_channel = c > 1  # pieces of whole channels (blocks of memory), else of the batch

        def copy(start: int, stop: int) -> None:  # channels, or images, start..stop-1
            part = slice(start, stop)
            for row, window in offsets:
                if by_channel:
                    columns[part, row, ...] = padded[(part,) + window[1:]]
                else:
                    columns[:, row, ..., part] = padded[window[:3] + (part,)]

        if splittable(padded, columns):  # NumPy: several threads, each a part
            split(c if by_channel else n, copy, columns.size)
        else:
            copy(0, c if by_channel else n)
        return xp.reshape(columns, (c * kh * kw, oh, ow, n))

    @staticmethod
    def backward(ctx, grad):
        return Fold.apply(grad, **ctx.options)


class Fold(Function):
    """x = fold(columns): each column added into the place of its patch in an image of
    ``output_size`` (overlaps add up; the padding border is cut off at the end);
    dx / d columns: unfold with zero padding"""

    @staticmethod
    def forward(ctx, columns, output_size=(1, 1), kernel_size=(1, 1), stride=(1, 1),
                padding=(0, 0), dilation=(1, 1)):
        xp = ctx.xp
        rows, oh, ow, n = columns.shape
        (h, w), (kh, kw), (ph, pw) = output_size, kernel_size, padding
        ctx.options = {"kernel_size": kernel_size, "stride": stride, "padding": padding,
                       "dilation": dilation}
        c = rows // (kh * kw)
        if rows != c * kh * kw or (oh, ow) != output_size_of((h, w), kernel_size, stride,
                                                              padding, dilation):
            raise ValueError(
                f"fold: columns of shape {tuple(columns.shape)} do not come from unfolding "
                f"{kh}x{kw} patches of a {h}x{w} image with stride {stride} and padding "
                f"{padding}; pass the output_size, kernel_size, stride and padding that "
                "unfold used."
            )
        patches = xp.reshape(columns, (c, kh * kw, oh, ow, n))
        shape = (c, h + 2 * ph, w + 2 * pw, n)
        # Patches that cannot overlap (a stride of at least the kernel, as in most pooling)
        # are simply copied into place, which is faster than adding; and when they tile the
        # whole image, every element is written once, so the zeros are not needed either.
        plain = dilation == (1, 1)  # (spaced taps: added, into zeros, the general way)
        overlap = stride[0] < kh or stride[1] < kw or not plain
        tiled = plain and stride == kernel_size and (oh * kh, ow * kw) == shape[1:3]
        # With stride 1 the first patch (offset 0, 0) fills the block [0, OH) x [0, OW) whole:
        # it is copied there, and only the strips beyond it start as zeros (not the whole
        # image, a full pass more), before the other patches are added.
        dense = overlap and stride == (1, 1)
        if tiled or dense:
            out = xp.empty(shape, dtype=columns.dtype)
            if dense:
                out[:, oh:, ...] = 0.0
                out[:, :oh, ow:, :] = 0.0
        else:
            out = xp.zeros(shape, dtype=columns.dtype)
        offsets = _offsets(kernel_size, stride, (oh, ow), dilation)

        by_channel = c > 1  # pieces of whole channels (blocks of memory), else of the batch

        def add(start: int, stop: int) -> None:  # channels or images start..stop-1, same order
            part = slice(start, stop)
            for row, window in offsets:
                if by_channel:
                    where, patch = (part,) + window[1:], patches[part, row, ...]
                else:
                    where, patch = window[:3] + (part,), patches[:, row, ..., part]
                if overlap and not (dense and row == 0):
                    out[where] += patch
                else:
                    out[where] = patch

        if splittable(patches, out):
            split(c if by_channel else n, add, columns.size)
        else:
            add(0, c if by_channel else n)
        if ph or pw:
            out = out[:, ph:ph + h, pw:pw + w, :]
        return xp.permute_dims(out, BATCH_FIRST)

    @staticmethod
    def backward(ctx, grad):
        return Unfold.apply(grad, **ctx.options)
