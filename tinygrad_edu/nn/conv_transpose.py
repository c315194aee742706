"""Transposed convolution (``F.conv_transpose2d``, :class:`ConvTranspose2d`), as PyTorch's: the
layer that upsamples in generators and decoders (DCGAN, autoencoders).

It is the gradient of a convolution with respect to its input, and computed as one: spread the
input out with ``stride - 1`` zeros between neighbours, pad it by ``kernel - 1 - padding`` on
each side (``output_padding`` more at the bottom and right), and convolve with stride 1 with the
kernels flipped and their two channel axes swapped. Every step is a differentiable operation,
so the gradients follow from the chain rule.

Examples:
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu import nn
    >>> up = nn.ConvTranspose2d(8, 4, kernel_size=4, stride=2, padding=1)
    >>> up(tg.zeros(1, 8, 7, 7)).shape
    Size([1, 4, 14, 14])
"""

from __future__ import annotations

import math
from typing import Any

from ..tensor import Tensor
from .conv import conv_parameters, uniform_start
from .module import Module
from .parameter import Parameter
from .spatial_functional import IntOrPair, _pair, conv2d


def _spread(x: Tensor, axis: int, stride: int) -> Tensor:
    """Insert ``stride - 1`` zeros between neighbours along ``axis`` (the last or the one
    before): (..., n, ...) -> (..., (n - 1) * stride + 1, ...)."""
    if stride == 1 or x.shape[axis] == 0:
        return x
    x = x.unsqueeze(axis + 1)
    widths = [(0, 0)] * x.ndim
    widths[axis + 1] = (0, stride - 1)
    x = x.pad(widths)
    shape = list(x.shape)
    shape[axis:axis + 2] = [shape[axis] * stride]
    x = x.reshape(*shape)
    keep = [slice(None)] * x.ndim
    keep[axis] = slice(0, x.shape[axis] - (stride - 1))
    return x[tuple(keep)]


def _border(x: Tensor, rows: tuple[int, int], cols: tuple[int, int]) -> Tensor:
    """Zeros around the images, (before, after) per axis; a negative width crops instead."""
    crop = (slice(None), slice(None),
            slice(max(-rows[0], 0), x.shape[2] - max(-rows[1], 0)),
            slice(max(-cols[0], 0), x.shape[3] - max(-cols[1], 0)))
    if min(*rows, *cols) < 0:
        x = x[crop]
    grow = ((0, 0), (0, 0), (max(rows[0], 0), max(rows[1], 0)), (max(cols[0], 0), max(cols[1], 0)))
    return x.pad(grow) if any(map(any, grow)) else x


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: IntOrPair = 1, padding: IntOrPair = 0,
                     output_padding: IntOrPair = 0, groups: int = 1,
                     dilation: IntOrPair = 1) -> Tensor:
    """The transposed 2-D convolution of ``input`` (N, C_in, H, W) with ``weight``
    (C_in, C_out, kh, kw): output (N, C_out, H_out, W_out) with
    ``H_out = (H - 1) * stride - 2 * padding + kh + output_padding`` (W_out alike).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn.conv_transpose import conv_transpose2d
        >>> conv_transpose2d(tg.ones(1, 1, 2, 2), tg.ones(1, 1, 2, 2), stride=2).tolist()
        [[[[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]]]]
    """
    if groups != 1 or _pair(dilation, "dilation", "conv_transpose2d", 1) != (1, 1):
        raise NotImplementedError("conv_transpose2d: only groups=1 and dilation=1 are "
                                  "supported here; leave them out")
    if input.ndim == 3:  # one image (C, H, W), as PyTorch takes it
        return conv_transpose2d(input.unsqueeze(0), weight, bias, stride, padding,
                                output_padding).squeeze(0)
    if input.ndim != 4 or weight.ndim != 4 or input.shape[1] != weight.shape[0]:
        raise ValueError(
            f"conv_transpose2d: input {input.shape} and weight {weight.shape} do not fit: the "
            "input must be (N, C_in, H, W) and the weight (C_in, C_out, kh, kw)"
        )
    sh, sw = _pair(stride, "stride", "conv_transpose2d", 1)
    ph, pw = _pair(padding, "padding", "conv_transpose2d", 0)
    oh, ow = _pair(output_padding, "output_padding", "conv_transpose2d", 0)
    if oh >= max(sh, 1) or ow >= max(sw, 1):
        raise ValueError(f"conv_transpose2d: output_padding {(oh, ow)} must be smaller than "
                         f"the stride {(sh, sw)}")
    kh, kw = weight.shape[2], weight.shape[3]
    x = _spread(_spread(input, 2, sh), 3, sw)
    x = _border(x, (kh - 1 - ph, kh - 1 - ph + oh), (kw - 1 - pw, kw - 1 - pw + ow))
    kernels = weight[:, :, ::-1, ::-1].transpose(0, 1)
    return conv2d(x, kernels, bias)


class ConvTranspose2d(Module):
    """A transposed convolution layer: weight (in_channels, out_channels, kh, kw), bias
    (out_channels,), both starting uniform in (-1/√fan_in, 1/√fan_in) with
    fan_in = out_channels · kh · kw, as PyTorch's. See :func:`conv_transpose2d`. ``groups``,
    ``dilation`` and ``padding_mode`` other than PyTorch's defaults are refused by name."""

    bias: Parameter | None

    def __init__(self, in_channels: int, out_channels: int, kernel_size: IntOrPair,
                 stride: IntOrPair = 1, padding: IntOrPair = 0, output_padding: IntOrPair = 0,
                 groups: int = 1, bias: bool = True, dilation: IntOrPair = 1,
                 padding_mode: str = "zeros", device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        for name, value, plain in (("dilation", dilation, (1, (1, 1))), ("groups", groups, (1,)),
                                   ("padding_mode", padding_mode, ("zeros",))):
            if isinstance(value, bool) or value not in plain:
                raise NotImplementedError(f"ConvTranspose2d({name}={value!r}) is not supported "
                                          f"here: only {name}={plain[0]!r}; leave it out")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _pair(kernel_size, "kernel_size", "ConvTranspose2d", 1)
        self.stride = _pair(stride, "stride", "ConvTranspose2d", 1)
        self.padding = _pair(padding, "padding", "ConvTranspose2d", 0)
        self.output_padding = _pair(output_padding, "output_padding", "ConvTranspose2d", 0)
        conv_parameters(self, (in_channels, out_channels, *self.kernel_size), out_channels,
                        bias, device, dtype)

    def reset_parameters(self) -> None:
        """Draw weight and bias again from U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        uniform_start(self, self.out_channels * math.prod(self.kernel_size))

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        if output_size is not None:
            raise NotImplementedError("ConvTranspose2d: output_size is not supported; give "
                                      "output_padding when the layer is made")
        if input.ndim not in (3, 4) or input.shape[-3] != self.in_channels:
            raise ValueError(f"{self!r}: expected an input of shape (N, {self.in_channels}, H, "
                             f"W) or ({self.in_channels}, H, W), got {input.shape}")
        return conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                self.output_padding)

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.output_padding != (0, 0):
            text += f", output_padding={self.output_padding}"
        return text + ("" if self.bias is not None else ", bias=False")
