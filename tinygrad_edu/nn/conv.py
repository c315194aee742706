"""Convolution and pooling layers: a shape, a formula, and one call into the functions of
:mod:`tinygrad_edu.nn.spatial_functional`. Names, shapes, defaults and state_dict keys are
PyTorch's, so a model's weights move between the two libraries unchanged."""

from __future__ import annotations

import math
from typing import Any

from ..autograd import no_grad
from ..creation import zeros
from ..tensor import Tensor
from . import spatial_functional as F
from .module import Module
from .parameter import Parameter
from .spatial_functional import IntOrPair, _pair


def _images(layer: Module, x: Any, channels: int | None = None) -> None:
    """Name the layer, what it expects and what it got, when ``x`` is not (N, C, H, W) or one
    image (C, H, W)."""
    wanted = "C" if channels is None else str(channels)
    shape = getattr(x, "shape", type(x).__name__)
    if not isinstance(x, Tensor) or x.ndim not in (3, 4) or (
            channels is not None and x.shape[-3] != channels):
        raise ValueError(
            f"{layer!r}: expected an input of shape (N, {wanted}, H, W), got {shape} (or one "
            f"image, ({wanted}, H, W))"
        )


def conv_parameters(layer: Module, weight_shape: tuple[int, ...], out_channels: int,
                    bias: bool, device: Any, dtype: Any) -> None:
    """A convolution layer's ``weight`` and ``bias`` (``out_channels`` of them, or None), then
    their starting values from ``layer.reset_parameters()``."""
    options = {"dtype": dtype or "float32", "device": device}
    layer.weight = Parameter(zeros(*weight_shape, **options))
    layer.register_parameter("bias", Parameter(zeros(out_channels, **options)) if bias else None)
    layer.reset_parameters()


def uniform_start(layer: Any, fan_in: int) -> None:
    """PyTorch's start for a convolution's weight and bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    (``kaiming_uniform_(a=sqrt(5))`` for the weight comes to the same bound)."""
    bound = 1.0 / math.sqrt(fan_in)
    with no_grad():
        layer.weight.uniform_(-bound, bound)
        if layer.bias is not None:
            layer.bias.uniform_(-bound, bound)


class Conv2d(Module):
    """2-D convolution: ``out = conv2d(x, weight, bias, stride, padding)``, see
    :func:`~tinygrad_edu.nn.spatial_functional.conv2d`.

    Shapes: input (N, in_channels, H, W), output (N, out_channels, OH, OW) with
    OH = (H + 2 padding - kernel_height) // stride + 1 (OW alike); weight
    (out_channels, in_channels, kh, kw), bias (out_channels,). Both start uniform in
    [-1/sqrt(fan_in), 1/sqrt(fan_in)], fan_in = in_channels * kh * kw (PyTorch's default,
    ``kaiming_uniform_(a=sqrt(5))``). The arguments come in PyTorch's order; ``padding`` may
    also be ``"valid"`` (0) or ``"same"`` (stride 1). ``dilation`` spaces the kernel's taps;
    ``groups`` splits the channels into groups convolved apart (weight
    (out_channels, in_channels / groups, kh, kw), fan_in = in_channels / groups * kh * kw).
    A ``padding_mode`` other than ``"zeros"`` is refused by name.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn.conv import Conv2d
        >>> conv = Conv2d(1, 8, 3, padding=1)
        >>> conv(tg.zeros(64, 1, 28, 28)).shape
        Size([64, 8, 28, 28])
        >>> [name for name, _ in conv.named_parameters()]
        ['weight', 'bias']
    """

    bias: Parameter | None  # None when made with bias=False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: IntOrPair,
                 stride: IntOrPair = 1, padding: IntOrPair | str = 0, dilation: IntOrPair = 1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        # PyTorch's positional order; what this library does not compute is refused by name
        if padding_mode != "zeros":
            raise NotImplementedError(
                f"Conv2d(padding_mode={padding_mode!r}) is not supported here: only "
                "padding_mode='zeros'; leave it out"
            )
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if (
                not isinstance(value, int)  # type: ignore[redundant-expr]
                or isinstance(value, bool)
                or value < 1
            ):
                raise ValueError(f"Conv2d: {name} must be a positive int, got {value!r}")
        if type(groups) is not int or groups < 1:  # (a bool is refused too)
            raise ValueError(f"Conv2d: groups must be a positive int, got {groups!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"Conv2d: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must both be divisible by groups ({groups})")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.dilation = _pair(dilation, "dilation", "Conv2d", 1)
        self.kernel_size = _pair(kernel_size, "kernel_size", "Conv2d", 1)
        self.stride = _pair(stride, "stride", "Conv2d", 1)
        self._padding_name = padding if isinstance(padding, str) else None  # for print(model)
        self._same_extra: tuple[int, int] | None = None
        if padding == "valid":
            padding = 0
        elif padding == "same":  # PyTorch's: the output as large as the input, stride 1
            if self.stride != (1, 1):
                raise ValueError("Conv2d(padding='same') needs stride=1 (as in PyTorch); give "
                                 "the padding as a number instead")
            # d (k - 1) positions in all (an odd one goes after, as PyTorch)
            total = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size, strict=True)]
            padding = (total[0] // 2, total[1] // 2)
            extra = (total[0] % 2, total[1] % 2)
            self._same_extra = extra if any(extra) else None
        self.padding = _pair(padding, "padding", "Conv2d", 0)
        conv_parameters(self, (out_channels, in_channels // groups, *self.kernel_size),
                        out_channels, bias, device, dtype)

    def reset_parameters(self) -> None:
        """Draw weight and bias again from U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        uniform_start(self, self.in_channels // self.groups * math.prod(self.kernel_size))

    def forward(self, input: Tensor) -> Tensor:
        _images(self, input, self.in_channels)
        if self._same_extra is not None:  # padding="same" with an even kernel
            input = input.pad(((0, 0),) * (input.ndim - 2) + ((0, self._same_extra[0]),
                                                  (0, self._same_extra[1])))
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                        self.groups)

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self._padding_name is not None:
            text += f", padding={self._padding_name}"
        elif self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")


class _Pool2d(Module):
    def __init__(self, kernel_size: IntOrPair, stride: IntOrPair | None = None,
                 padding: IntOrPair = 0) -> None:
        super().__init__()
        name = type(self).__name__
        _pair(kernel_size, "kernel_size", name, 1)  # checked now, not at the first call
        _pair(padding, "padding", name, 0)
        if stride is not None:
            _pair(stride, "stride", name, 1)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride  # PyTorch's default
        self.padding = padding

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """The largest value of each ``kernel_size`` window, windows ``stride`` apart (default:
    the kernel, so they tile the image); see
    :func:`~tinygrad_edu.nn.spatial_functional.max_pool2d`.

    Shapes: input (N, C, H, W), output (N, C, OH, OW), OH = (H + 2 padding - kh) // stride + 1
    (rounded up with ``ceil_mode=True``). At a tie the first largest element (row-major) gets
    the whole gradient, as in PyTorch.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn.conv import MaxPool2d
        >>> MaxPool2d(2)(tg.zeros(64, 8, 26, 26)).shape
        Size([64, 8, 13, 13])
    """

    def __init__(self, kernel_size: IntOrPair, stride: IntOrPair | None = None,
                 padding: IntOrPair = 0, dilation: IntOrPair = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__(kernel_size, stride, padding)
        if return_indices:
            raise NotImplementedError("MaxPool2d: return_indices is not supported here; leave "
                                      "it at its default (False)")
        spacing = _pair(dilation, "dilation", "MaxPool2d", 1)
        if ceil_mode and spacing != (1, 1):
            raise NotImplementedError("MaxPool2d: ceil_mode with a dilation is not supported "
                                      "here; use one or the other")
        self.dilation, self.return_indices, self.ceil_mode = dilation, return_indices, ceil_mode

    def extra_repr(self) -> str:
        return super().extra_repr() + f", dilation={self.dilation}, ceil_mode={self.ceil_mode}"

    def forward(self, input: Tensor) -> Tensor:
        _images(self, input)
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode)


class AvgPool2d(_Pool2d):
    """The mean of each ``kernel_size`` window (zero padding counts, as PyTorch's default;
    ``ceil_mode``, ``count_include_pad`` and ``divisor_override`` as there); see
    :func:`~tinygrad_edu.nn.spatial_functional.avg_pool2d`.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn.conv import AvgPool2d
        >>> AvgPool2d(2)(tg.ones(1, 1, 4, 4)).tolist()
        [[[[1.0, 1.0], [1.0, 1.0]]]]
    """

    def __init__(self, kernel_size: IntOrPair, stride: IntOrPair | None = None,
                 padding: IntOrPair = 0, ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__(kernel_size, stride, padding)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        _images(self, input)
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)
