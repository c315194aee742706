"""Batch normalisation as a function (``nn.functional`` re-exports it; the layers, which keep
the running statistics, are in :mod:`tinygrad_edu.nn.norm`)."""

from __future__ import annotations

from typing import Any

from .. import autograd
from ..tensor import Tensor


def _move(running: Tensor, batch: Tensor, momentum: Any) -> None:
    """``running = (1 - momentum) * running + momentum * batch``, in place. ``momentum`` may be
    a float64 tensor (BatchNorm's ``momentum=None``: 1 / batches so far), rounded to the
    statistics' dtype as a Python float would be, with no read on the host."""
    if isinstance(momentum, Tensor):
        keep, take = (1 - momentum).to(running.dtype), momentum.to(running.dtype)
        running.mul_(keep).add_(batch * take)
    else:
        running.mul_(1 - momentum).add_(batch, alpha=momentum)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalisation over every axis but the channels (axis 1)::

        out = (x - mean) / sqrt(var + eps) * weight + bias

    In training mode ``mean`` and ``var`` are the batch's (``var`` the biased one, dividing by
    n), and the running statistics, when given, are updated in place:
    ``running = (1 - momentum) * running + momentum * batch``, with the *unbiased* batch
    variance (dividing by n - 1), as PyTorch does. In eval mode the running statistics are used.

    Args:
        input: shape (N, C) or (N, C, ...), e.g. (N, C, H, W).
        running_mean: shape (C,), or None (then only training mode works).
        running_var: shape (C,), or None.
        weight: the scale per channel, shape (C,), or None for 1.
        bias: the shift per channel, shape (C,), or None for 0.
        training: use the batch's statistics (and update the running ones).
        momentum: how much one batch moves the running statistics.
        eps: added to the variance, so that a constant channel does not divide by zero.

    Examples:
        >>> import tinygrad_edu as tg
        >>> import tinygrad_edu.nn.functional as F
        >>> x = tg.Tensor([[1.0], [3.0]], dtype=tg.float64)
        >>> mean, var = tg.zeros(1, dtype=tg.float64), tg.ones(1, dtype=tg.float64)
        >>> F.batch_norm(x, mean, var, training=True, eps=0.0).tolist()
        [[-1.0], [1.0]]
        >>> mean.tolist(), var.tolist()  # 0.9 * 0 + 0.1 * 2;  0.9 * 1 + 0.1 * 2 (unbiased)
        ([0.2], [1.1])
    """
    if not isinstance(input, Tensor) or input.ndim < 2:  # type: ignore[redundant-expr]
        raise ValueError(
            "batch_norm: expected an input of shape (N, C) or (N, C, ...), got "
            f"{getattr(input, 'shape', type(input).__name__)}"
        )
    if not input.dtype.is_floating:
        raise TypeError(f"batch_norm: the input is {input.dtype.name}; convert it first: "
                        "x.float()")
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (channels,):
            raise ValueError(
                f"batch_norm: {name} has shape {t.shape}, but the input of shape {input.shape} has "
                f"{channels} channels (axis 1): it needs shape ({channels},)"
            )
    shape = (1, channels) + (1,) * (input.ndim - 2)  # one value per channel, broadcast
    count = input.numel() // channels if channels else 0
    if training and count == 0:
        out = input  # an empty batch: nothing to normalise, statistics left alone (as PyTorch)
    elif training:
        axes = (0,) + tuple(range(2, input.ndim))
        if count == 1:
            raise ValueError(
                f"batch_norm: expected more than 1 value per channel when training, got input "
                f"of shape {input.shape}; use a batch of at least 2, or eval mode (model.eval())."
            )
        mean = input.mean(axes, keepdims=True)
        centered = input - mean
        var = (centered * centered).mean(axes, keepdims=True)  # biased: divides by n
        with autograd.no_grad():
            if running_mean is not None:
                _move(running_mean, mean.reshape(channels), momentum)
            if running_var is not None:
                _move(running_var, var.reshape(channels) * (count / (count - 1)), momentum)
        out = centered * (var + eps) ** -0.5
    else:
        if running_mean is None or running_var is None:
            raise ValueError(
                "batch_norm: eval mode (training=False) normalises with running_mean and "
                "running_var, but got None; pass both, or training=True to use the batch's "
                "statistics."
            )
        out = (input - running_mean.reshape(shape)) * (running_var.reshape(shape) + eps) ** -0.5
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = out + bias.reshape(shape)
    return out
