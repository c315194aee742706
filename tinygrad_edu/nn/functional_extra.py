"""More of :mod:`tinygrad_edu.nn.functional`, with PyTorch's names and defaults: ``embedding``,
``layer_norm``, the losses ``l1_loss``, ``smooth_l1_loss``, ``huber_loss`` and ``kl_div``,
``pad``, ``normalize``, ``cosine_similarity`` and ``dropout2d`` (and ``conv_transpose2d``, from
:mod:`.conv_transpose`).

Each is a composition of differentiable operations, so its gradient follows from the chain
rule. Where a ``where`` throws one side away, that side is computed from finite numbers only,
so an infinite incoming gradient gives 0 there, never inf * 0 = nan (as in PyTorch).

Examples:
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.nn import functional as F
    >>> F.l1_loss(tg.Tensor([1.0, -1.0]), tg.Tensor([0.0, 0.0])).item()
    1.0
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..backends.base import ignore_float_errors
from ..dtypes import int64
from ..functional import where
from ..tensor import Tensor
from .conv_transpose import conv_transpose2d as conv_transpose2d
from .loss_options import _divide, _out_of_range
from .norm_more import _normalise

__all__ = [
    "conv_transpose2d", "cosine_similarity", "dropout2d", "embedding", "huber_loss", "kl_div",
    "l1_loss", "layer_norm", "normalize", "pad", "smooth_l1_loss",
]

_REDUCTIONS = ("mean", "sum", "none")


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """The rows of ``weight`` (num_embeddings, dim) picked by the int64 indices ``input``:
    shape (*input.shape, dim). The gradient adds up at each picked row (an index that repeats
    adds several times; with ``scale_grad_by_freq`` divided by how often it repeats in
    ``input``); the row ``padding_idx`` gets no gradient. With ``max_norm``, each picked row
    whose ``norm_type``-norm exceeds it is first scaled *in place* (``weight`` changes, as in
    PyTorch) by ``max_norm / (norm + 1e-7)``.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> F.embedding(tg.tensor([2, 0]), tg.Tensor([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])).tolist()
        [[4.0, 5.0], [0.0, 1.0]]
    """
    if sparse:
        raise NotImplementedError("embedding: sparse=True is not supported (no sparse "
                                  "gradients here); leave it out")
    if not isinstance(input, Tensor) or input.dtype is not int64:  # type: ignore[redundant-expr]
        raise TypeError(
            "embedding: the indices must be an int64 Tensor, got "
            f"{getattr(input, 'dtype', type(input).__name__)}; convert them with .long()"
        )
    if not isinstance(weight, Tensor) or weight.ndim != 2:  # type: ignore[redundant-expr]
        raise ValueError(
            "embedding: weight must be a 2-D Tensor (num_embeddings, embedding_dim), got shape "
            f"{getattr(weight, 'shape', type(weight).__name__)}"
        )
    rows = weight.shape[0]
    xp = input.backend.xp
    # One boolean read, not the values of min and max (which tg.jit would check exactly).
    if input.numel() and _out_of_range(xp, input._data, rows):
        raise IndexError(
            f"embedding: index out of range: the indices lie in {int(xp.min(input._data))}.."
            f"{int(xp.max(input._data))}, the table has {rows} rows (0..{rows - 1})"
        )
    if max_norm is not None:
        _renormalise_rows(input, weight, max_norm, norm_type)
    out = weight[input]
    if scale_grad_by_freq:  # the same values; the gradient divided by each index's count
        flat = xp.reshape(input._data, (-1,))  # each index's count, in a (rows,) array:
        counts = xp.zeros((rows,), dtype=weight._data.dtype)  # a shape the values don't set
        input.backend.scatter_add(counts, flat, xp.ones(flat.shape, dtype=counts.dtype))
        share = xp.reshape(1.0 / xp.take(counts, flat), input.shape)
        out = out.detach() + (out - out.detach()) * Tensor._from_data(share[..., None],
                                                                      weight.backend)
    if padding_idx is not None:
        padding_idx = padding_idx + rows if padding_idx < 0 else padding_idx
        pad_rows = (input == padding_idx).unsqueeze(-1)
        out = where(pad_rows, out.detach(), out)
    return out


def _renormalise_rows(input: Tensor, weight: Tensor, max_norm: float, norm_type: float) -> None:
    """Scale, in place and outside the graph, each row of ``weight`` picked by ``input`` whose
    norm exceeds ``max_norm`` down to it (PyTorch's ``embedding_renorm_``)."""
    xp = weight.backend.xp
    picked = xp.reshape(input._data, (-1,))  # a repeated row is scaled alike, so no unique()
    rows = xp.take(weight._data, picked, axis=0)
    norms = Tensor._from_data(rows, weight.backend).norm(norm_type, dim=1)._data  # no graph
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
    weight._data[picked] = rows * xp.astype(scale, rows.dtype)[:, None]


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int],
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise over the last dimensions (``normalized_shape``), per sample::

        out = (x - mean) / sqrt(var + eps) * weight + bias

    mean and var (biased) are taken over those dimensions of each sample.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> [round(v, 3) for v in F.layer_norm(tg.Tensor([1.0, 3.0]), (2,)).tolist()]
        [-1.0, 1.0]
    """
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    n = len(shape)
    if n == 0 or tuple(input.shape[input.ndim - n:]) != shape or input.ndim < n:
        raise ValueError(
            f"layer_norm: input of shape {input.shape} does not end in normalized_shape "
            f"{list(shape)}; normalized_shape must be the input's last dimensions, e.g. "
            f"{list(input.shape[-1:])} for the last one"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise ValueError(f"layer_norm: {name} of shape {t.shape} must have the shape "
                             f"normalized_shape {list(shape)}")
    out = _normalise(input, tuple(range(input.ndim - n, input.ndim)), eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def _legacy(size_average: Any, reduce: Any, name: str) -> None:
    if size_average is not None or reduce is not None:
        raise TypeError(f"{name}: size_average and reduce are PyTorch's deprecated arguments "
                        "and not supported; pass reduction='mean', 'sum' or 'none'")


def _reduce(loss: Tensor, reduction: str, name: str) -> Tensor:
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    if reduction == "mean":
        return loss.mean()
    raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _pair(x: Tensor, target: Any, name: str) -> Tensor:
    if not isinstance(target, Tensor):
        target = Tensor(target, dtype=x.dtype, backend=x.backend)
    if x.shape != target.shape:
        raise ValueError(
            f"{name}: input of shape {x.shape} and target of shape {target.shape} differ; they "
            "must be equal (PyTorch would broadcast them with a warning, a classic silent bug: "
            "reshape one, e.g. prediction.reshape(-1) or target.reshape(-1, 1))"
        )
    return target


def _weighted(loss: Tensor, weight: Tensor | None, reduction: str, name: str,
              by_weights: bool) -> Tensor:
    """``loss * weight`` reduced as PyTorch 2.13 does: "mean" is sum(w loss) / sum(w) for
    ``l1_loss`` and ``mse_loss`` (``by_weights``), the plain mean for ``huber_loss``."""
    if weight is None:
        return _reduce(loss, reduction, name)
    shape = getattr(weight, "shape", type(weight).__name__)  # a list has no shape
    if shape != loss.shape:
        raise ValueError(f"{name}: weight ({shape}) must be a tensor of the input's shape "
                         f"{tuple(loss.shape)}, one weight per element (as in PyTorch)")
    loss = loss * weight
    if reduction == "mean" and by_weights:
        return _divide(loss.sum(), weight.sum())  # 0 / 0 = nan, silently, for no elements
    return _reduce(loss, reduction, name)


def l1_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
            reduction: str = "mean", weight: Tensor | None = None) -> Tensor:
    """The absolute error |input - target|, averaged ("mean"), summed ("sum") or not ("none");
    the gradient at a zero error is 0. ``weight`` (the input's shape) scales each error, and
    "mean" is then sum(w |e|) / sum(w), as in PyTorch.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> F.l1_loss(tg.Tensor([1.0, 3.0]), tg.Tensor([2.0, 1.0]), reduction="sum").item()
        3.0
    """
    _legacy(size_average, reduce, "l1_loss")
    target = _pair(input, target, "l1_loss")
    return _weighted((input - target).abs(), weight, reduction, "l1_loss", by_weights=True)


def _huber(input: Tensor, target: Tensor, limit: float, quad: float, lin: float) -> Tensor:
    """quad * d² where |d| < limit, else lin * (|d| - limit / 2); d = input - target."""
    d = input - target
    size = d.abs()
    large = size >= limit  # False at nan, which takes the quadratic side, as in PyTorch
    inside = where(large, 0.0, d)  # the quadratic side sees 0 where it is thrown away
    return where(large, (size - limit * 0.5) * lin, inside * inside * quad)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
                   reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """0.5 d² / beta where |d| < beta, else |d| - beta / 2 (d = input - target); beta = 0 is
    the L1 loss.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> x, zero = tg.Tensor([0.5, 3.0]), tg.Tensor([0.0, 0.0])
        >>> F.smooth_l1_loss(x, zero, reduction="none").tolist()
        [0.125, 2.5]
    """
    _legacy(size_average, reduce, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    target = _pair(input, target, "smooth_l1_loss")
    if beta == 0:
        return _reduce((input - target).abs(), reduction, "smooth_l1_loss")
    return _reduce(_huber(input, target, beta, 0.5 / beta, 1.0), reduction, "smooth_l1_loss")


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean",
               delta: float = 1.0, weight: Tensor | None = None) -> Tensor:
    """0.5 d² where |d| < delta, else delta (|d| - delta / 2): ``delta`` times
    ``smooth_l1_loss`` with beta = delta. ``weight`` (the input's shape) scales each loss;
    "mean" then averages the products over all elements (PyTorch's rule for this loss).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> F.huber_loss(tg.Tensor([0.5, 3.0]), tg.Tensor([0.0, 0.0]), reduction="none").tolist()
        [0.125, 2.5]
    """
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    target = _pair(input, target, "huber_loss")
    loss = _huber(input, target, delta, 0.5, delta)
    return _weighted(loss, weight, reduction, "huber_loss", by_weights=False)


def kl_div(input: Tensor, target: Tensor, size_average: Any = None, reduce: Any = None,
           reduction: str = "mean", log_target: bool = False) -> Tensor:
    """The Kullback-Leibler divergence of ``target`` from the log-probabilities ``input``,
    pointwise ``target * (log(target) - input)`` (0 where target = 0); with
    ``log_target=True`` the target is given as log-probabilities too. ``reduction``:
    "batchmean" (the sum over a batch divided by its size: the true KL divergence; PyTorch
    advises it), "sum", "mean" (over every element) or "none".

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> p = tg.Tensor([[0.5, 0.5]])
        >>> F.kl_div(p.log(), p, reduction="batchmean").item()
        0.0
    """
    _legacy(size_average, reduce, "kl_div")
    target = _pair(input, target, "kl_div")
    with ignore_float_errors(input.backend.xp):  # 0 * -inf and the like: nan, as PyTorch
        if log_target:
            loss = target.exp() * (target - input)
        else:
            zero = target == 0
            # A target that learns gets PyTorch's nan gradient at 0 (t log t has slope -inf)
            safe = target if target.requires_grad else where(zero, 1.0, target)
            xlogx = where(zero, 0.0, target * safe.log())
            loss = xlogx - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return _reduce(loss, reduction, "kl_div")


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """Pad (or, with negative numbers, crop) the last dimensions. ``pad`` is PyTorch's:
    ``(left, right)`` for the last dimension, then ``(top, bottom)`` for the one before, and
    so on. ``mode``: "constant" (``value``, default 0), "reflect" (mirror without repeating
    the edge), "replicate" (repeat the edge) or "circular" (wrap around).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> F.pad(tg.Tensor([[1.0, 2.0]]), (1, 0), value=9.0).tolist()
        [[9.0, 1.0, 2.0]]
        >>> F.pad(tg.Tensor([[1.0, 2.0, 3.0]]), (2, 1), mode="reflect").tolist()
        [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]
    """
    widths = [int(p) for p in pad]
    if len(widths) % 2 or len(widths) // 2 > input.ndim:
        raise ValueError(
            f"pad: the padding {tuple(widths)} must hold a (before, after) pair for each of the "
            f"last dimensions, at most {input.ndim} pairs for an input of shape {input.shape}"
        )
    if mode not in ("constant", "reflect", "replicate", "circular"):
        raise ValueError(f"pad: mode must be 'constant', 'reflect', 'replicate' or 'circular', "
                         f"got {mode!r}")
    if mode != "constant" and value:
        raise ValueError(f"pad: value applies to mode='constant' only, not {mode!r}")
    pairs = {input.ndim - 1 - i: (widths[2 * i], widths[2 * i + 1])
             for i in range(len(widths) // 2)}
    if mode == "constant":
        crop = tuple(slice(max(-pairs[d][0], 0), input.shape[d] - max(-pairs[d][1], 0))
                     if d in pairs else slice(None) for d in range(input.ndim))
        out = input[crop] if any(min(p) < 0 for p in pairs.values()) else input
        grow = [(max(pairs[d][0], 0), max(pairs[d][1], 0)) if d in pairs else (0, 0)
                for d in range(input.ndim)]
        return out.pad(grow, 0.0 if value is None else value) if any(map(any, grow)) else out
    out = input
    for d, (before, after) in pairs.items():
        size = input.shape[d]
        positions = np.arange(-before, size + after)
        if mode == "replicate":
            positions = np.clip(positions, 0, size - 1)
        elif mode == "circular":
            if max(before, after) > size:
                raise ValueError(f"pad: circular padding {max(before, after)} is larger than "
                                 f"dimension {d} of size {size}")
            positions = positions % size
        else:
            if max(before, after) >= size:
                raise ValueError(f"pad: reflect padding {max(before, after)} must be smaller "
                                 f"than dimension {d} of size {size}")
            positions = np.abs(positions)
            positions = np.where(positions > size - 1, 2 * (size - 1) - positions, positions)
        index = Tensor(positions.astype(np.int64), backend=input.backend)
        out = out[(slice(None),) * d + (index,)]
    return out


def _norm(x: Tensor, p: float, dim: int | tuple[int, ...]) -> Tensor:
    """The p-norm over ``dim`` (kept), with the gradient 0 at a zero vector, as PyTorch: a nan
    stays nan (it is not clamped to eps) and a lone huge element is its own norm."""
    return x.norm(p, dim, keepdim=True)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """``input / max(‖input‖_p, eps)`` along ``dim``: vectors scaled to length 1.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> [round(v, 6) for v in F.normalize(tg.Tensor([[3.0, 4.0]]), dim=1)[0].tolist()]
        [0.6, 0.8]
    """
    return input / _norm(input, p, dim).clamp(min=eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim`` (they broadcast):
    ``sum(x1 / max(‖x1‖, eps) * x2 / max(‖x2‖, eps))``, as PyTorch computes it.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> F.cosine_similarity(tg.Tensor([[1.0, 0.0]]), tg.Tensor([[1.0, 1.0]])).tolist()
        [0.7071067690849304]
    """
    def unit(x: Tensor) -> Tensor:
        norm = _norm(x, 2, dim)
        # clamped without a gradient of its own, as PyTorch's in-place clamp under no_grad
        # (eps - norm, not clamp(norm) - norm: an inf norm must give 0, not inf - inf = nan)
        return x / (norm + (eps - norm).clamp(min=0.0).detach())

    return (unit(x1) * unit(x2)).sum(dim)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels: each (sample, channel) map of an (N, C, H, W) input (or each
    channel of a (C, H, W) one) with probability ``p``; the rest scaled by 1 / (1 - p).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> F.dropout2d(tg.ones(1, 2, 2, 2), training=False).shape
        Size([1, 2, 2, 2])
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout2d: p is a probability and must lie in [0, 1], got {p}")
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected an input of shape (N, C, H, W) or (C, H, W), "
                         f"got {input.shape}")
    if not training or p == 0.0:
        return input
    shape = (*input.shape[:-2], 1, 1)
    if p == 1.0:
        return input * 0.0
    samples = input.backend.uniform(shape, input.dtype)
    keep = input.backend.xp.astype(samples >= p, input._data.dtype) * (1.0 / (1.0 - p))
    return input * Tensor._from_data(keep, input.backend)
