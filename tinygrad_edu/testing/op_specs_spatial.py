"""Op-spec rows for convolution, pooling (adaptive pooling included) and batch normalisation.

The NumPy references loop over output positions (a patch at a time), a different route from
the library's unfold-then-matmul, so that the two can disagree when one of them is wrong.
Shapes stay tiny (finite differences cost two forward passes per input element).

Examples:
    >>> from tinygrad_edu.testing.op_specs_spatial import conv2d_reference
    >>> x, w = np.arange(16.0).reshape(1, 1, 4, 4), np.ones((1, 1, 2, 2))
    >>> conv2d_reference(x, w, stride=2).tolist()
    [[[[10.0, 18.0], [42.0, 50.0]]]]
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from ..nn import pooling
from ..nn import spatial_functional as F
from ..nn.norm_functional import batch_norm
from ..tensor import Tensor
from .op_spec_row import ANY, MARGIN, POSITIVE, OpSpec
from .strategies import Signature

Pair = tuple[int, int]


def _pair(value: Any) -> Pair:
    return (value, value) if isinstance(value, int) else tuple(value)


def _windows(x: np.ndarray, kernel: Any, stride: Any, padding: Any, fill: float,
             dilation: Any = 1) -> tuple[np.ndarray, Pair]:
    """The padded image and the number of kernel positions along each side."""
    (kh, kw), (sh, sw), (ph, pw) = _pair(kernel), _pair(stride), _pair(padding)
    (dh, dw) = _pair(dilation)
    padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    positions = ((padded.shape[2] - dh * (kh - 1) - 1) // sh + 1,
                 (padded.shape[3] - dw * (kw - 1) - 1) // sw + 1)
    return padded, positions


def _patch(padded: np.ndarray, i: int, j: int, kernel: Any, stride: Any,
           dilation: Any = 1) -> np.ndarray:
    (kh, kw), (sh, sw), (dh, dw) = _pair(kernel), _pair(stride), _pair(dilation)
    return padded[:, :, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]


def conv2d_reference(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
                     stride: Any = 1, padding: Any = 0) -> np.ndarray:
    """Convolution one output position at a time."""
    kernel = weight.shape[2:]
    padded, (oh, ow) = _windows(x, kernel, stride, padding, 0.0)
    out = np.zeros((x.shape[0], weight.shape[0], oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = _patch(padded, i, j, kernel, stride)
            out[:, :, i, j] = np.einsum("ncab,ocab->no", patch, weight)
    return out if bias is None else out + bias[None, :, None, None]


def pool_reference(x: np.ndarray, reduce: Any, kernel_size: Any, stride: Any = None,
                   padding: Any = 0, dilation: Any = 1) -> np.ndarray:
    """``reduce`` (np.max or np.mean) over each window; max pads with -inf, mean with 0."""
    stride = kernel_size if stride is None else stride
    fill = -np.inf if reduce is np.max else 0.0
    padded, (oh, ow) = _windows(x, kernel_size, stride, padding, fill, dilation)
    out = np.zeros((*x.shape[:2], oh, ow))
    for i in range(oh):
        for j in range(ow):
            patch = _patch(padded, i, j, kernel_size, stride, dilation)
            out[:, :, i, j] = reduce(patch, axis=(2, 3))
    return out


def grouped_conv2d_reference(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None,
                             stride: Any = 1, padding: Any = 0, dilation: Any = 1,
                             groups: int = 1) -> np.ndarray:
    """Each group of channels convolved on its own (:func:`conv2d_reference`), the kernel's
    taps ``dilation`` apart: a larger kernel with zeros between the taps."""
    (dh, dw), (o, per_group, kh, kw) = _pair(dilation), weight.shape
    spread = np.zeros((o, per_group, dh * (kh - 1) + 1, dw * (kw - 1) + 1))
    spread[:, :, ::dh, ::dw] = weight
    step = o // groups
    out = np.concatenate([
        conv2d_reference(x[:, g * per_group:(g + 1) * per_group],
                         spread[g * step:(g + 1) * step], None, stride, padding)
        for g in range(groups)], axis=1)
    return out if bias is None else out + bias[None, :, None, None]


def _adaptive_size(output_size: Any, shape: tuple[int, ...]) -> Pair:
    """The output size of an adaptive pooling of (N, C, H, W): None keeps that side."""
    wanted = (output_size, output_size) if isinstance(output_size, int) else output_size
    return tuple(shape[2 + k] if v is None else v for k, v in enumerate(wanted))  # type: ignore[return-value]


def adaptive_pool_reference(x: np.ndarray, reduce: Any, output_size: Any) -> np.ndarray:
    """``reduce`` over each adaptive window of (N, C, H, W), window by window."""
    oh, ow = _adaptive_size(output_size, x.shape)
    out = np.zeros((*x.shape[:2], oh, ow))
    for i, (top, bottom) in enumerate(pooling.window_bounds(x.shape[2], oh)):
        for j, (left, right) in enumerate(pooling.window_bounds(x.shape[3], ow)):
            out[:, :, i, j] = reduce(x[:, :, top:bottom, left:right], axis=(2, 3))
    return out


def batch_norm_reference(x: np.ndarray, weight: np.ndarray, bias: np.ndarray,
                         mean: np.ndarray | None = None, var: np.ndarray | None = None,
                         eps: float = 1e-5) -> np.ndarray:
    """Normalise per channel (axis 1) with the given statistics, or the batch's (biased)."""
    axes = (0, *range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if mean is None or var is None:
        mean, var = x.mean(axis=axes), x.var(axis=axes)
    normalised = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    return normalised * weight.reshape(shape) + bias.reshape(shape)


def _int_or_pair(draw: Any, low: int, high: int) -> Any:
    """An int, or a pair (drawn as PyTorch accepts both)."""
    first = draw(st.integers(low, high))
    if draw(st.booleans()):
        return first
    return (first, draw(st.integers(low, high)))


def _image_side(draw: Any, kernel: int, padding: int, largest: int) -> int:
    return draw(st.integers(max(1, kernel - 2 * padding), max(largest, kernel - 2 * padding)))


@st.composite
def conv_signatures(draw: Any, with_bias: bool) -> Signature:
    """x (N, C, H, W), weight (O, C, kh, kw)[, bias (O,)], stride and padding."""
    n, c, o = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride, padding = _int_or_pair(draw, 1, 2), _int_or_pair(draw, 0, 1)
    (ph, pw) = _pair(padding)
    h, w = _image_side(draw, kernel[0], ph, 4), _image_side(draw, kernel[1], pw, 4)
    shapes: tuple[tuple[int, ...], ...] = ((n, c, h, w), (o, c, *kernel))
    if with_bias:
        shapes += ((o,),)
    return shapes, {"stride": stride, "padding": padding}


@st.composite
def grouped_conv_signatures(draw: Any) -> Signature:
    """conv_signatures with groups (C and O multiples of it) and a dilation."""
    groups, n = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    c, o = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel, dilation = (draw(st.integers(1, 3)), draw(st.integers(1, 3))), _int_or_pair(draw, 1, 2)
    stride, padding = _int_or_pair(draw, 1, 2), _int_or_pair(draw, 0, 1)
    (ph, pw), (dh, dw) = _pair(padding), _pair(dilation)
    h = _image_side(draw, dh * (kernel[0] - 1) + 1, ph, 5)
    w = _image_side(draw, dw * (kernel[1] - 1) + 1, pw, 5)
    return ((n, c, h, w), (o, c // groups, *kernel), (o,)), {
        "stride": stride, "padding": padding, "dilation": dilation, "groups": groups}


@st.composite
def dilated_pool_signatures(draw: Any) -> Signature:
    """pool_signatures with a dilation (the windows' elements that far apart)."""
    (shape,), options = draw(pool_signatures())
    dilation = _int_or_pair(draw, 1, 2)
    (kh, kw), (ph, pw), (dh, dw) = (_pair(options["kernel_size"]), _pair(options["padding"]),
                                    _pair(dilation))
    sides = (_image_side(draw, dh * (kh - 1) + 1, ph, 5), _image_side(draw, dw * (kw - 1) + 1,
                                                                      pw, 5))
    return ((*shape[:2], *sides),), {**options, "dilation": dilation}


@st.composite
def pool_signatures(draw: Any) -> Signature:
    """x (N, C, H, W), kernel_size, stride (None: the kernel) and padding (at most half)."""
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = _int_or_pair(draw, 1, 3)
    kh, kw = _pair(kernel)
    padding = draw(st.one_of(st.just(0), st.tuples(st.integers(0, kh // 2),
                                                   st.integers(0, kw // 2))))
    stride = draw(st.one_of(st.none(), st.integers(1, 3)))
    ph, pw = _pair(padding)
    shape = (n, c, _image_side(draw, kh, ph, 5), _image_side(draw, kw, pw, 5))
    return (shape,), {"kernel_size": kernel, "stride": stride, "padding": padding}


@st.composite
def tiled_pool_signatures(draw: Any) -> Signature:
    """Windows side by side with no padding (max_pool2d's fast path): stride None or the
    kernel, sides that the kernel may not divide (the tail is in no window)."""
    kernel = draw(st.sampled_from([2, 3, (2, 3), (3, 1)]))
    kh, kw = _pair(kernel)
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)),
             draw(st.integers(kh, 2 * kh + 1)), draw(st.integers(kw, 2 * kw + 1)))
    stride = draw(st.sampled_from([None, kernel]))
    return (shape,), {"kernel_size": kernel, "stride": stride, "padding": 0}


@st.composite
def adaptive_pool_signatures(draw: Any) -> Signature:
    """x (N, C, H, W) and an output size: smaller, equal or larger than the input, dividing it
    or not, an int, a pair, or a pair with None."""
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    h, w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    oh, ow = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    output_size = draw(st.sampled_from([oh, (oh, ow), (None, ow), (oh, None)]))
    return ((n, c, h, w),), {"output_size": output_size}


@st.composite
def batch_norm_signatures(draw: Any, with_statistics: bool) -> Signature:
    """x (N, C) or (N, C, H, W) with at least two values per channel, and per-channel inputs:
    weight, bias, and with_statistics the running mean and variance."""
    c = draw(st.integers(1, 2))
    spatial = draw(st.sampled_from([(), (1, 2), (2, 2)]))
    n = draw(st.integers(1 if spatial else 2, 3))
    per_channel = ((c,),) * (4 if with_statistics else 2)
    return ((n, c, *spatial), *per_channel), {}


def _near_tie_in_window(x: np.ndarray, kernel_size: Any, stride: Any, padding: Any,
                        dilation: Any = 1) -> bool:
    """Whether the two largest values of some max-pooling window are too close."""
    stride = kernel_size if stride is None else stride
    padded, (oh, ow) = _windows(x, kernel_size, stride, padding, -np.inf, dilation)
    for i in range(oh):
        for j in range(ow):
            patch = _patch(padded, i, j, kernel_size, stride, dilation).reshape(*x.shape[:2], -1)
            ordered = np.sort(patch, axis=-1)
            if ordered.shape[-1] > 1 and (ordered[..., -1] - ordered[..., -2] < MARGIN).any():
                return True
    return False


def _tie_or_padding_only(x: np.ndarray, **params: Any) -> bool:
    """A near tie, or a dilated window that holds padding only (its max is -inf, as in
    PyTorch, where finite differences give inf - inf)."""
    return _near_tie_in_window(x, **params) or bool(np.isinf(pool_reference(x, np.max,
                                                                           **params)).any())


def _near_tie_in_adaptive_window(x: np.ndarray, output_size: Any) -> bool:
    """Whether the two largest values of some adaptive max-pooling window are too close."""
    oh, ow = _adaptive_size(output_size, x.shape)
    for top, bottom in pooling.window_bounds(x.shape[2], oh):
        for left, right in pooling.window_bounds(x.shape[3], ow):
            window = np.sort(x[:, :, top:bottom, left:right].reshape(*x.shape[:2], -1), axis=-1)
            if window.shape[-1] > 1 and (window[..., -1] - window[..., -2] < MARGIN).any():
                return True
    return False


def _nearly_constant_channel(x: np.ndarray, *per_channel: np.ndarray) -> bool:
    """A channel whose batch std is small: the gradient grows like 1/std there."""
    axes = (0, *range(2, x.ndim))
    return bool((x.std(axis=axes) < 0.1).any())


def _batch_norm_training(x: Tensor, weight: Tensor, bias: Tensor) -> Tensor:
    running_mean = Tensor(np.zeros(x.shape[1]), dtype=x.dtype, backend=x.backend)
    running_var = Tensor(np.ones(x.shape[1]), dtype=x.dtype, backend=x.backend)
    return batch_norm(x, running_mean, running_var, weight, bias, training=True)


def _batch_norm_eval(x: Tensor, weight: Tensor, bias: Tensor, mean: Tensor,
                     var: Tensor) -> Tensor:
    return batch_norm(x, mean, var, weight, bias, training=False)


SPATIAL_SPECS: tuple[OpSpec, ...] = (
    OpSpec("conv2d", F.conv2d, conv2d_reference, conv_signatures(with_bias=True)),
    OpSpec("conv2d_no_bias", F.conv2d, conv2d_reference, conv_signatures(with_bias=False)),
    OpSpec(
        "max_pool2d", F.max_pool2d,
        lambda x, **params: pool_reference(x, np.max, **params), pool_signatures(),
        avoid=_near_tie_in_window, distinct=True,
    ),
    OpSpec("conv2d_grouped_dilated", F.conv2d, grouped_conv2d_reference,
           grouped_conv_signatures()),
    OpSpec(
        "max_pool2d_dilated", F.max_pool2d,
        lambda x, **params: pool_reference(x, np.max, **params), dilated_pool_signatures(),
        avoid=_tie_or_padding_only, distinct=True,
    ),
    OpSpec(
        "max_pool2d_tiled", F.max_pool2d,
        lambda x, **params: pool_reference(x, np.max, **params), tiled_pool_signatures(),
        avoid=_near_tie_in_window, distinct=True,
    ),
    OpSpec(
        "avg_pool2d", F.avg_pool2d,
        lambda x, **params: pool_reference(x, np.mean, **params), pool_signatures(),
    ),
    OpSpec(
        "adaptive_avg_pool2d", pooling.adaptive_avg_pool2d,
        lambda x, **params: adaptive_pool_reference(x, np.mean, **params),
        adaptive_pool_signatures(),
    ),
    OpSpec(
        "adaptive_max_pool2d", pooling.adaptive_max_pool2d,
        lambda x, **params: adaptive_pool_reference(x, np.max, **params),
        adaptive_pool_signatures(), avoid=_near_tie_in_adaptive_window, distinct=True,
    ),
    OpSpec(
        "adaptive_avg_pool1d", pooling.adaptive_avg_pool1d,
        lambda x, output_size: adaptive_pool_reference(x[:, :, None], np.mean, (1, output_size))[
            :, :, 0
        ],
        st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 6), st.integers(1, 7)).map(
            lambda d: (((d[0], d[1], d[2]),), {"output_size": d[3]})
        ),
    ),
    OpSpec(
        "batch_norm_training", _batch_norm_training, batch_norm_reference,
        batch_norm_signatures(with_statistics=False), avoid=_nearly_constant_channel,
    ),
    OpSpec(
        "batch_norm_eval", _batch_norm_eval, batch_norm_reference,
        batch_norm_signatures(with_statistics=True), (ANY, ANY, ANY, ANY, POSITIVE),
    ),
)
