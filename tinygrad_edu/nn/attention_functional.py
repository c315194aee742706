"""Attention, with PyTorch's names: ``F.scaled_dot_product_attention`` and
``nn.MultiheadAttention``.

Each query asks every key how well it matches (a dot product, scaled by 1/sqrt(d) so that the
scores do not grow with the width d), the scores of a row become weights that sum to 1 (a
softmax), and the answer is the weighted mean of the values::

    attention(Q, K, V) = softmax(Q Kᵀ / sqrt(d) + mask) V

Masked pairs get a score of -inf, so a weight of 0. Everything is written with Tensor
operations (``@``, ``softmax``, ``masked_fill``), so the gradients come from theirs.

Examples:
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.nn.attention_functional import scaled_dot_product_attention
    >>> q = tg.tensor([[1.0, 0.0]])                   # one query
    >>> k = tg.tensor([[1.0, 0.0], [-1.0, 0.0]])      # two keys: one agrees, one does not
    >>> v = tg.tensor([[10.0], [20.0]])
    >>> round(scaled_dot_product_attention(q, k, v).item(), 3)   # mostly the first value
    11.956
"""

from __future__ import annotations

import math
from typing import Any

from ..creation import ones
from ..tensor import Tensor
from .dropout_functional import dropout


def _keep(scores: Tensor, allowed: Any) -> Tensor:
    """-inf where ``allowed`` (a bool Tensor, broadcast to the scores) is False."""
    return scores.masked_fill(allowed.logical_not(), float("-inf"))


def _attend(scores: Tensor, value: Tensor, dropout_p: float,
            dead_rows_zero: bool) -> tuple[Tensor, Tensor]:
    """The weights, softmax(scores) over the last axis (then dropout, when ``dropout_p`` > 0),
    and the answer, weights @ value. A row with every score -inf (all masked) gives 0 weights
    when ``dead_rows_zero`` (PyTorch's fused kernel), nan otherwise (its plain softmax)."""
    if dead_rows_zero:
        dead = scores.detach().amax(-1, keepdims=True) == float("-inf")
        weights = scores.masked_fill(dead, 0.0).softmax(-1)  # finite, so the gradient is too
        weights = weights.masked_fill(dead, 0.0)
    else:
        weights = scores.softmax(-1)
    if dropout_p > 0:
        weights = dropout(weights, dropout_p, training=True)
    return weights @ value, weights


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(query @ keyᵀ * scale + mask) @ value, as ``torch.nn.functional.
    scaled_dot_product_attention``.

    Args:
        query: (..., L, E); key: (..., S, E); value: (..., S, Ev); the leading axes broadcast.
        attn_mask: bool (True: may attend) or a float mask added to the scores, broadcast to
            (..., L, S).
        dropout_p: dropout on the weights, whenever > 0 (as in PyTorch, in eval mode too).
        is_causal: query i attends to keys 0..i only (not together with ``attn_mask``, as in
            PyTorch: put the causal pattern into the mask instead).
        scale: default 1/sqrt(E).
        enable_gqa: key and value may have fewer heads (axis -3) than the query, each shared
            by a group of query heads.

    Returns:
        (..., L, Ev). A query row whose keys are all masked gives 0, as in PyTorch.
    """
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise ValueError(f"scaled_dot_product_attention: query, key and value need at least "
                         f"2 dims (..., L, E), got {query.shape}, {key.shape}, {value.shape}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(f"scaled_dot_product_attention: query (..., L, E) {query.shape}, key "
                         f"(..., S, E) {key.shape} and value (..., S, Ev) {value.shape} do not "
                         "line up")
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        if query.shape[-3] % key.shape[-3]:
            raise ValueError(f"scaled_dot_product_attention: {query.shape[-3]} query heads do "
                             f"not split into groups for {key.shape[-3]} key heads")
        group = query.shape[-3] // key.shape[-3]
        key, value = key.repeat_interleave(group, -3), value.repeat_interleave(group, -3)
    if is_causal and attn_mask is not None:
        raise RuntimeError("scaled_dot_product_attention: give attn_mask or is_causal=True, not "
                           "both (as in PyTorch); for both, pass attn_mask & tg.ones(L, S, "
                           "dtype=tg.bool).tril()")
    factor = 1 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = (query @ key.transpose(-2, -1)) * factor
    length, source = query.shape[-2], key.shape[-2]
    if is_causal:
        causal = ones(length, source, dtype="bool", device=query.device).tril()
        scores = _keep(scores, causal)
    if attn_mask is not None:
        if attn_mask.dtype.name == "bool":
            scores = _keep(scores, attn_mask)
        else:
            scores = scores + attn_mask
    return _attend(scores, value, dropout_p, dead_rows_zero=True)[0]
