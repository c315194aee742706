"""Layers over sequences of shape (N, C, L): ``conv1d``, ``max_pool1d``, ``avg_pool1d`` and
their modules ``Conv1d``, ``MaxPool1d``, ``AvgPool1d``, with PyTorch's names, shapes and
``state_dict`` keys.

A sequence is an image one pixel high. Each function here adds that height
(``x.unsqueeze(2)``, a kernel of height 1, no stride or padding along it), calls its 2-D form in
:mod:`.spatial_functional`, and takes the height away again, so the sums and their gradients
are those of the 2-D functions, and nothing new needs a backward. What is checked here is what
a 1-D user gives: the shapes and sizes are named in one dimension.

Examples:
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.nn.one_d import avg_pool1d, conv1d
    >>> x = tg.tensor([[[1.0, 2.0, 3.0, 4.0]]])               # (N=1, C=1, L=4)
    >>> conv1d(x, tg.tensor([[[1.0, -1.0]]])).tolist()         # x[i] - x[i + 1]
    [[[-1.0, -1.0, -1.0]]]
    >>> avg_pool1d(x, 2).tolist()
    [[[1.5, 3.5]]]
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from .conv import conv_parameters, uniform_start
from .module import Module
from .parameter import Parameter
from .spatial_functional import avg_pool2d, conv2d, max_pool2d

IntOrOne = int | tuple[int]


def _single(value: Any, name: str, op: str, minimum: int) -> int:
    """An int, or a tuple of one int (PyTorch's ``_single``), at least ``minimum``."""
    one = value[0] if isinstance(value, tuple | list) and len(value) == 1 else value
    if not isinstance(one, int) or isinstance(one, bool):
        raise TypeError(f"{op}: {name} must be an int (or a tuple of one int), got {value!r}")
    if one < minimum:
        raise ValueError(f"{op}: {name} must be at least {minimum}, got {value!r}")
    return one


def _sequences(x: Any, op: str) -> tuple[Tensor, bool]:
    """A batch (N, C, L) as it is; one sequence (C, L) with a batch axis of 1 added (True)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    if x.ndim not in (2, 3):
        raise ValueError(f"{op}: expected an input of shape (N, C, L), or one sequence (C, L), "
                         f"got shape {x.shape}; reshape it first.")
    if not x.dtype.is_floating:
        raise TypeError(f"{op}: the input is {x.dtype.name}; convert it first: x.float()")
    return (x.unsqueeze(0), True) if x.ndim == 2 else (x, False)


def _same_padding(kernel: int, dilation: int) -> tuple[int, int]:
    """``padding='same'``: d (k - 1) positions in all, an odd one after (as PyTorch)."""
    total = dilation * (kernel - 1)
    return total // 2, total - total // 2


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrOne = 1,
           padding: IntOrOne | str = 0, dilation: IntOrOne = 1, groups: int = 1) -> Tensor:
    """1-D convolution (cross-correlation, as in PyTorch)::

        out[n, o, i] = bias[o] + sum_{c, a} weight[o, c, a] * x_pad[n, c, stride * i + dilation * a]

    Args:
        input: sequences (N, C, L), or one sequence (C, L).
        weight: kernels (O, C / groups, k).
        bias: (O,), or None.
        stride, dilation: ints (or tuples of one int).
        padding: zeros on each side, an int; or ``"valid"`` (none) or ``"same"`` (the output
            as long as the input, stride 1).
        groups: the channels split into this many groups, each convolved on its own.

    Returns:
        (N, O, OL), OL = (L + 2 padding - dilation (k - 1) - 1) // stride + 1.
    """
    x, single = _sequences(input, "conv1d")
    if not isinstance(weight, Tensor) or weight.ndim != 3:  # type: ignore[redundant-expr]
        raise ValueError("conv1d: the weight must have shape (out_channels, in_channels / "
                         f"groups, k), got {getattr(weight, 'shape', type(weight).__name__)}")
    step = _single(stride, "stride", "conv1d", 1)
    spacing = _single(dilation, "dilation", "conv1d", 1)
    kernel = weight.shape[2]
    if padding == "valid":
        left = right = 0
    elif padding == "same":
        if step != 1:
            raise ValueError("conv1d: padding='same' needs stride=1 (as in PyTorch); give the "
                             "padding as a number instead")
        left, right = _same_padding(kernel, spacing)
    elif isinstance(padding, str):
        raise ValueError(f"conv1d: padding must be an int, 'valid' or 'same', got {padding!r}")
    else:
        left = right = _single(padding, "padding", "conv1d", 0)
    if type(groups) is int and groups >= 1 and x.shape[1] != weight.shape[1] * groups:
        raise ValueError(
            f"conv1d: the input has {x.shape[1]} channels (shape {input.shape}) but the weight "
            f"of shape {weight.shape} expects {weight.shape[1] * groups} (groups={groups})"
        )
    if x.shape[2] + left + right < spacing * (kernel - 1) + 1:
        raise ValueError(
            f"conv1d: the input (length {x.shape[2]}, padded to {x.shape[2] + left + right}) is "
            f"shorter than the kernel ({spacing * (kernel - 1) + 1} with dilation {spacing})"
        )
    if right != left:  # "same" with an even span: the odd position goes after
        x = x.pad(((0, 0), (0, 0), (0, right - left)))
    out = conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, (1, step), (0, left), (1, spacing),
                 groups).squeeze(2)
    return out.squeeze(0) if single else out


def _pool_args(op: str, kernel_size: Any, stride: Any, padding: Any,
               x: Tensor) -> tuple[int, int, int]:
    kernel = _single(kernel_size, "kernel_size", op, 1)
    step = kernel if stride is None or stride == () else _single(stride, "stride", op, 1)
    pad = _single(padding, "padding", op, 0)
    if pad > kernel // 2:
        raise ValueError(f"{op}: padding {padding!r} is more than half the kernel size "
                         f"{kernel_size!r}; use padding <= kernel_size // 2.")
    if x.shape[2] + 2 * pad < kernel:
        raise ValueError(f"{op}: the input (length {x.shape[2]}, padded to "
                         f"{x.shape[2] + 2 * pad}) is shorter than the kernel ({kernel})")
    return kernel, step, pad


def max_pool1d(input: Tensor, kernel_size: IntOrOne, stride: IntOrOne | None = None,
               padding: IntOrOne = 0, dilation: IntOrOne = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor:
    """The largest value of each window of ``kernel_size`` (padding counts as -inf); windows
    ``stride`` apart (default: the kernel). At a tie the first largest gets the gradient."""
    x, single = _sequences(input, "max_pool1d")
    kernel, step, pad = _pool_args("max_pool1d", kernel_size, stride, padding, x)
    spacing = _single(dilation, "dilation", "max_pool1d", 1)
    out = max_pool2d(x.unsqueeze(2), (1, kernel), (1, step), (0, pad), (1, spacing), ceil_mode,
                     return_indices).squeeze(2)
    return out.squeeze(0) if single else out


def avg_pool1d(input: Tensor, kernel_size: IntOrOne, stride: IntOrOne | None = None,
               padding: IntOrOne = 0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """The mean of each window of ``kernel_size`` (zero padding counts in the mean unless
    ``count_include_pad=False``), windows ``stride`` apart (default: the kernel)."""
    x, single = _sequences(input, "avg_pool1d")
    kernel, step, pad = _pool_args("avg_pool1d", kernel_size, stride, padding, x)
    out = avg_pool2d(x.unsqueeze(2), (1, kernel), (1, step), (0, pad), ceil_mode,
                     count_include_pad).squeeze(2)
    return out.squeeze(0) if single else out


class Conv1d(Module):
    """1-D convolution over sequences (N, in_channels, L) → (N, out_channels, OL); see
    :func:`conv1d`. Weight (out_channels, in_channels / groups, kernel_size), bias
    (out_channels,), both from U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in_channels /
    groups * kernel_size (PyTorch's default). A ``padding_mode`` other than "zeros" is refused.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn.one_d import Conv1d
        >>> Conv1d(4, 8, 3, padding="same")(tg.zeros(2, 4, 50)).shape
        Size([2, 8, 50])
    """

    bias: Parameter | None

    def __init__(self, in_channels: int, out_channels: int, kernel_size: IntOrOne,
                 stride: IntOrOne = 1, padding: IntOrOne | str = 0, dilation: IntOrOne = 1,
                 groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        if padding_mode != "zeros":
            raise NotImplementedError(f"Conv1d(padding_mode={padding_mode!r}) is not supported "
                                      "here: only padding_mode='zeros'; leave it out")
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels),
                            ("groups", groups)):
            if type(value) is not int or value < 1:  # (a bool is refused too)
                raise ValueError(f"Conv1d: {name} must be a positive int, got {value!r}")
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"Conv1d: in_channels ({in_channels}) and out_channels "
                             f"({out_channels}) must both be divisible by groups ({groups})")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size = (_single(kernel_size, "kernel_size", "Conv1d", 1),)
        self.stride = (_single(stride, "stride", "Conv1d", 1),)
        self.dilation = (_single(dilation, "dilation", "Conv1d", 1),)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"Conv1d: padding must be an int, 'valid' or 'same', got "
                                 f"{padding!r}")
            if padding == "same" and self.stride != (1,):
                raise ValueError("Conv1d(padding='same') needs stride=1 (as in PyTorch); give "
                                 "the padding as a number instead")
            self.padding: Any = padding
        else:
            self.padding = (_single(padding, "padding", "Conv1d", 0),)
        conv_parameters(self, (out_channels, in_channels // groups, self.kernel_size[0]),
                        out_channels, bias, device, dtype)

    def reset_parameters(self) -> None:
        """Draw weight and bias again from U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        uniform_start(self, self.in_channels // self.groups * self.kernel_size[0])

    def forward(self, input: Tensor) -> Tensor:
        return conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                      self.groups)

    def extra_repr(self) -> str:
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,):
            text += f", padding={self.padding}"
        if self.dilation != (1,):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        return text + ("" if self.bias is not None else ", bias=False")


class MaxPool1d(Module):
    """The largest value of each window over sequences (N, C, L); see :func:`max_pool1d`.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn.one_d import MaxPool1d
        >>> MaxPool1d(2)(tg.tensor([[[1.0, 5.0, 2.0, 0.0]]])).tolist()
        [[[5.0, 2.0]]]
    """

    def __init__(self, kernel_size: IntOrOne, stride: IntOrOne | None = None,
                 padding: IntOrOne = 0, dilation: IntOrOne = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        _single(kernel_size, "kernel_size", "MaxPool1d", 1)  # checked now, not at first call
        _single(padding, "padding", "MaxPool1d", 0)
        _single(dilation, "dilation", "MaxPool1d", 1)
        if return_indices:
            raise NotImplementedError("MaxPool1d: return_indices is not supported here; leave "
                                      "it at its default (False)")
        self.kernel_size, self.padding, self.dilation = kernel_size, padding, dilation
        self.stride = kernel_size if stride is None else stride  # PyTorch's default
        self.return_indices, self.ceil_mode = return_indices, ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        return max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                          self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool1d(Module):
    """The mean of each window over sequences (N, C, L); see :func:`avg_pool1d`.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn.one_d import AvgPool1d
        >>> AvgPool1d(2)(tg.tensor([[[1.0, 5.0, 2.0, 0.0]]])).tolist()
        [[[3.0, 1.0]]]
    """

    def __init__(self, kernel_size: IntOrOne, stride: IntOrOne | None = None,
                 padding: IntOrOne = 0, ceil_mode: bool = False,
                 count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = (_single(kernel_size, "kernel_size", "AvgPool1d", 1),)
        self.stride = self.kernel_size if stride is None else (
            _single(stride, "stride", "AvgPool1d", 1),)
        self.padding = (_single(padding, "padding", "AvgPool1d", 0),)
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                          self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
