"""More normalisations, with PyTorch's names: ``GroupNorm``, ``InstanceNorm1d``/``2d`` and
``RMSNorm``, and their functions ``group_norm``, ``instance_norm``, ``rms_norm``.

Each is a mean and a variance over some axes, then a scale and a shift, like ``layer_norm``;
what differs is the axes. For x of shape (N, C, *spatial):

- ``group_norm``: the channels in ``num_groups`` groups; each sample's group is normalised
  over its channels and positions: (N, G, C/G * spatial), statistics over the last axis;
- ``instance_norm``: each sample's channel over its positions (a group per channel);
- ``rms_norm``: no mean taken away, x / sqrt(mean(x²) + eps) over the last dimensions.

They are written with Tensor operations, so the gradients come from those of ``mean``, ``*``
and ``sqrt``. The variance is the biased one (divided by the count), as in PyTorch.

Examples:
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.nn.norm_more import group_norm, rms_norm
    >>> x = tg.tensor([[[1.0], [3.0], [10.0], [10.0]]])            # (N=1, C=4, L=1)
    >>> [round(v, 3) for v in group_norm(x, 2).flatten().tolist()]  # groups (1, 3), (10, 10)
    [-1.0, 1.0, 0.0, 0.0]
    >>> [round(v, 3) for v in rms_norm(tg.tensor([3.0, 4.0]), (2,)).tolist()]
    [0.849, 1.131]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..creation import ones, zeros
from ..dtypes import float64
from ..tensor import Tensor
from . import init
from .module import Module
from .parameter import Parameter


def _normalise(x: Tensor, axes: tuple[int, ...], eps: float) -> Tensor:
    """(x - mean) / sqrt(var + eps) over ``axes`` (the biased variance): every normalisation
    here, and ``layer_norm``, is this over its own axes."""
    centred = x - x.mean(axes, keepdims=True)
    return centred / ((centred * centred).mean(axes, keepdims=True) + eps).sqrt()


def _channels(name: str, t: Tensor | None, channels: int) -> None:
    if t is not None and tuple(t.shape) != (channels,):
        raise ValueError(f"{name} of shape {t.shape} must have one value per channel, shape "
                         f"({channels},)")


def _affine(out: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    """out * weight + bias, with one weight and bias per channel (axis 1)."""
    per_channel = (1, -1) + (1,) * (out.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(*per_channel)
    if bias is not None:
        out = out + bias.reshape(*per_channel)
    return out


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Normalise each sample's groups of channels (see the module), then ``* weight + bias``
    per channel. ``input``: (N, C, *), C divisible by ``num_groups``."""
    if not isinstance(input, Tensor) or input.ndim < 2:  # type: ignore[redundant-expr]
        raise ValueError(f"group_norm: expected an input of shape (N, C, *), got "
                         f"{getattr(input, 'shape', type(input).__name__)}")
    n, channels = input.shape[0], input.shape[1]
    if type(num_groups) is not int or num_groups < 1 or channels % num_groups:
        raise ValueError(f"group_norm: the {channels} channels must split into num_groups="
                         f"{num_groups!r} groups of equal size")
    _channels("group_norm: weight", weight, channels)
    _channels("group_norm: bias", bias, channels)
    grouped = input.reshape(n, num_groups, -1)  # (N, G, C/G * spatial)
    out = _normalise(grouped, (2,), eps).reshape(*input.shape)
    return _affine(out, weight, bias)


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each sample's channel over its positions, then ``* weight + bias`` per
    channel. ``input``: (N, C, *spatial). Running statistics are not kept here: give none and
    leave ``use_input_stats`` True."""
    if running_mean is not None or running_var is not None or not use_input_stats:
        raise NotImplementedError("instance_norm: running statistics are not supported here; "
                                  "leave running_mean, running_var and use_input_stats out")
    if not isinstance(input, Tensor) or input.ndim < 3:  # type: ignore[redundant-expr]
        raise ValueError(f"instance_norm: expected an input of shape (N, C, L) or (N, C, H, W), "
                         f"got {getattr(input, 'shape', type(input).__name__)}")
    _channels("instance_norm: weight", weight, input.shape[1])
    _channels("instance_norm: bias", bias, input.shape[1])
    out = _normalise(input, tuple(range(2, input.ndim)), eps)
    return _affine(out, weight, bias)


def rms_norm(input: Tensor, normalized_shape: int | Sequence[int],
             weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """x / sqrt(mean(x²) + eps) over the last dimensions (``normalized_shape``), times
    ``weight``. ``eps`` None: the dtype's machine epsilon, as in PyTorch."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    count = len(shape)
    if count == 0 or input.ndim < count or tuple(input.shape[input.ndim - count:]) != shape:
        raise ValueError(f"rms_norm: input of shape {input.shape} does not end in "
                         f"normalized_shape {list(shape)}; it must be the input's last "
                         "dimensions")
    if weight is not None and tuple(weight.shape) != shape:
        raise ValueError(f"rms_norm: weight of shape {weight.shape} must have the shape "
                         f"normalized_shape {list(shape)}")
    if eps is None:
        eps = 2.220446049250313e-16 if input.dtype is float64 else 1.1920928955078125e-07
    axes = tuple(range(input.ndim - count, input.ndim))
    out = input / ((input * input).mean(axes, keepdims=True) + eps).sqrt()
    return out if weight is None else out * weight


class GroupNorm(Module):
    """Normalise each sample's groups of channels over the channels and positions of the
    group (see :func:`group_norm`), in training and eval alike; weight (ones) and bias (zeros)
    per channel when ``affine``.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu import nn
        >>> nn.GroupNorm(2, 4)
        GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)
        >>> nn.GroupNorm(2, 4)(tg.randn(3, 4, 5, 5)).shape
        Size([3, 4, 5, 5])
    """

    weight: Parameter | None
    bias: Parameter | None

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"GroupNorm: num_channels ({num_channels}) must be divisible by "
                             f"num_groups ({num_groups})")
        self.num_groups, self.num_channels, self.eps, self.affine = (num_groups, num_channels,
                                                                      eps, affine)
        _affine_parameters(self, num_channels, affine, bias, device, dtype)

    def reset_parameters(self) -> None:
        """weight ones, bias zeros."""
        _reset(self)

    def forward(self, input: Tensor) -> Tensor:
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


def _affine_parameters(layer: Module, channels: int, affine: bool, bias: bool, device: Any,
                       dtype: Any) -> None:
    """weight (ones) and bias (zeros), one per channel, when ``affine`` (bias only if asked)."""
    options = {"dtype": dtype or "float32", "device": device}
    layer.register_parameter("weight", Parameter(ones(channels, **options)) if affine else None)
    layer.register_parameter("bias", Parameter(zeros(channels, **options))
                             if affine and bias else None)


def _reset(layer: Any) -> None:
    if layer.weight is not None:
        init.ones_(layer.weight)
    if layer.bias is not None:
        init.zeros_(layer.bias)


class _InstanceNorm(Module):
    spatial = 1

    weight: Parameter | None
    bias: Parameter | None

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        name = type(self).__name__
        if track_running_stats:
            raise NotImplementedError(f"{name}(track_running_stats=True) is not supported "
                                      "here; leave it False (PyTorch's default)")
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        _affine_parameters(self, num_features, affine, bias, device, dtype)

    def reset_parameters(self) -> None:
        """weight ones, bias zeros."""
        _reset(self)

    def forward(self, input: Tensor) -> Tensor:
        batched = 2 + self.spatial
        if not isinstance(input, Tensor) or input.ndim not in (batched - 1, batched):  # type: ignore[redundant-expr]
            raise ValueError(f"{self!r}: expected an input with {batched} dimensions (N, C, "
                             f"...), or {batched - 1} for one sample, got "
                             f"{getattr(input, 'shape', type(input).__name__)}")
        single = input.ndim == batched - 1
        x = input.unsqueeze(0) if single else input
        out = instance_norm(x, weight=self.weight, bias=self.bias, eps=self.eps)
        return out.squeeze(0) if single else out

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class InstanceNorm1d(_InstanceNorm):
    """Normalise each sample's channel over its length: input (N, C, L) or (C, L); see
    :func:`instance_norm`. ``affine=True``: weight (ones) and bias (zeros) per channel."""

    spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Normalise each sample's channel over its height and width: input (N, C, H, W) or
    (C, H, W); see :func:`instance_norm`. ``affine=True``: weight and bias per channel.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu import nn
        >>> out = nn.InstanceNorm2d(3)(tg.randn(2, 3, 4, 4))
        >>> round(out[1, 2].mean().item(), 5) + 0.0, round(out[1, 2].var(unbiased=False).item(), 2)
        (0.0, 1.0)
    """

    spatial = 2


class RMSNorm(Module):
    """x / sqrt(mean(x²) + eps) over the last dimensions, times weight (ones) when
    ``elementwise_affine``; see :func:`rms_norm`. ``eps`` None: the dtype's machine epsilon.

    Examples:
        >>> from tinygrad_edu import nn
        >>> nn.RMSNorm(8)
        RMSNorm((8,), eps=None, elementwise_affine=True)
    """

    weight: Parameter | None

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
        self.normalized_shape = tuple(int(n) for n in shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(ones(*self.normalized_shape, dtype=dtype or "float32",
                                         device=device))
        else:
            self.register_parameter("weight", None)

    def reset_parameters(self) -> None:
        """weight ones."""
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, input: Tensor) -> Tensor:
        return rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
