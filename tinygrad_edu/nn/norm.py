"""Batch normalisation layers, with PyTorch's names, defaults and state_dict keys
(``weight``, ``bias``, ``running_mean``, ``running_var``, ``num_batches_tracked``)."""

from __future__ import annotations

from typing import Any

from ..autograd import no_grad
from ..creation import ones, tensor, zeros
from ..dtypes import int64
from ..tensor import Tensor
from . import norm_functional as F
from .module import Module
from .parameter import Parameter


class _BatchNorm(Module):
    """What BatchNorm1d and BatchNorm2d share; they differ only in the input shapes."""

    weight: Parameter | None  # both None when made with affine=False
    bias: Parameter | None
    dims: tuple[int, ...] = ()  # the number of axes an input may have
    shape_text = ""  # the expected shape, for error messages ({C}: the number of channels)

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True,
                 device: Any = None, dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        if (
            not isinstance(num_features, int)  # type: ignore[redundant-expr]
            or isinstance(num_features, bool)
            or num_features < 1
        ):
            raise ValueError(
                f"{type(self).__name__}: num_features must be a positive int (the number of "
                f"channels), got {num_features!r}"
            )
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        options = {"dtype": dtype or "float32", "device": device}
        self.has_bias = affine and bias  # PyTorch 2.x: a scale without a shift if bias=False
        if affine:
            self.weight = Parameter(ones(num_features, **options))
        else:
            self.register_parameter("weight", None)
        if self.has_bias:
            self.bias = Parameter(zeros(num_features, **options))
        else:
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, **options))
            self.register_buffer("running_var", ones(num_features, **options))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=int64, device=device))
        else:
            for name in ("running_mean", "running_var", "num_batches_tracked"):
                self.register_buffer(name, None)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches seen."""
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1.0)
                self.num_batches_tracked.zero_()

    def forward(self, input: Tensor) -> Tensor:
        if (
            not isinstance(input, Tensor)  # type: ignore[redundant-expr]
            or input.ndim not in self.dims
            or input.shape[1] != self.num_features
        ):
            raise ValueError(
                f"{self!r}: expected an input of shape "
                f"{self.shape_text.format(C=self.num_features)}, got "
                f"{getattr(input, 'shape', type(input).__name__)}"
            )
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:  # a cumulative average over every batch so far: 1 / n,
                factor = 1.0 / self.num_batches_tracked.double()  # kept a tensor (no host read)
        # Batch statistics while training, or always when no running ones are kept.
        use_batch = self.training or self.running_mean is None
        keep = not self.training or self.track_running_stats
        return F.batch_norm(
            input, self.running_mean if keep else None, self.running_var if keep else None,
            self.weight, self.bias, use_batch, factor, self.eps,
        )

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.has_bias}, "  # PyTorch 2.x prints bias too
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs, per channel C::

        out = (x - mean) / sqrt(var + eps) * weight + bias

    While training, mean and var are the batch's (var biased), and the running statistics
    move towards them: ``running = (1 - momentum) * running + momentum * batch`` (the unbiased
    batch variance; ``momentum=None``: the plain average of every batch so far). In eval mode
    (``model.eval()``) the running statistics are used. See
    :func:`~tinygrad_edu.nn.norm_functional.batch_norm`.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn.norm import BatchNorm1d
        >>> bn = BatchNorm1d(2)
        >>> bn(tg.Tensor([[1.0, 10.0], [3.0, 30.0]])).shape
        Size([2, 2])
        >>> list(bn.state_dict())
        ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']
    """

    dims = (2, 3)
    shape_text = "(N, {C}) or (N, {C}, L)"


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of images (N, C, H, W), per channel: the statistics are taken over
    the batch and every pixel. Otherwise as :class:`BatchNorm1d`.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn.norm import BatchNorm2d
        >>> bn = BatchNorm2d(8)
        >>> bn(tg.randn(4, 8, 5, 5)).shape
        Size([4, 8, 5, 5])
        >>> bn.num_batches_tracked.item()
        1
    """

    dims = (4,)
    shape_text = "(N, {C}, H, W)"
