"""``nn.MultiheadAttention``: attention with several heads, as PyTorch's module; the attention
itself is :func:`~tinygrad_edu.nn.attention_functional.scaled_dot_product_attention`."""

from __future__ import annotations

import math
from typing import Any

from ..creation import zeros
from ..tensor import Tensor
from . import init
from .attention_functional import _attend, scaled_dot_product_attention
from .layers import Linear
from .module import Module
from .parameter import Parameter


class NonDynamicallyQuantizableLinear(Linear):
    """``MultiheadAttention.out_proj``: a Linear under PyTorch's name for it, so that a printed
    model reads the same in both libraries."""


class MultiheadAttention(Module):
    """Attention with ``num_heads`` heads, as ``torch.nn.MultiheadAttention``: the query, key
    and value are projected (``in_proj_weight``, (3 E, E)), split into heads of E / num_heads,
    attended in each head, joined and projected again (``out_proj``).

    ``forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False)`` returns ``(output, weights)``: output
    (L, N, E), or (N, L, E) with ``batch_first=True``, or (L, E) for one sequence; weights
    (N, L, S) averaged over the heads (or (N, num_heads, L, S)), None with
    ``need_weights=False``. In ``attn_mask`` (L, S) or (N * num_heads, L, S) and
    ``key_padding_mask`` (N, S), True means *do not attend* (the opposite of
    ``scaled_dot_product_attention``'s bool mask, as in PyTorch); float masks are added.
    ``add_bias_kv``, ``add_zero_attn`` and ``kdim``/``vdim`` other than ``embed_dim`` are not
    supported here.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu import nn
        >>> attention = nn.MultiheadAttention(8, 2, batch_first=True)
        >>> x = tg.randn(3, 5, 8)                      # 3 sequences of 5 tokens
        >>> out, weights = attention(x, x, x)          # self-attention
        >>> out.shape, weights.shape
        (Size([3, 5, 8]), Size([3, 5, 5]))
    """

    in_proj_bias: Parameter | None

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        for name, value in (("add_bias_kv", add_bias_kv), ("add_zero_attn", add_zero_attn)):
            if value:
                raise NotImplementedError(f"MultiheadAttention({name}=True) is not supported "
                                          "here; leave it False")
        if kdim not in (None, embed_dim) or vdim not in (None, embed_dim):
            raise NotImplementedError("MultiheadAttention: kdim and vdim other than embed_dim "
                                      "are not supported here; project key and value to "
                                      "embed_dim first (an nn.Linear)")
        if type(num_heads) is not int or num_heads < 1 or embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be divisible by "
                             f"num_heads ({num_heads})")
        self.embed_dim, self.num_heads, self.dropout = embed_dim, num_heads, dropout
        self.head_dim, self.batch_first = embed_dim // num_heads, batch_first
        self.kdim = self.vdim = embed_dim
        options = {"dtype": dtype or "float32", "device": device}
        self.in_proj_weight = Parameter(zeros(3 * embed_dim, embed_dim, **options))
        self.register_parameter(
            "in_proj_bias", Parameter(zeros(3 * embed_dim, **options)) if bias else None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        **options)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's start: Xavier-uniform input projections, zero biases; ``out_proj.weight``
        keeps Linear's own start."""
        init.xavier_uniform_(self.in_proj_weight)
        for bias in (self.in_proj_bias, self.out_proj.bias):
            if bias is not None:
                init.zeros_(bias)

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        if is_causal and attn_mask is None:
            raise RuntimeError("MultiheadAttention: is_causal=True is a hint that attn_mask is "
                               "the causal mask, and needs attn_mask; make one with "
                               "tg.ones(L, L, dtype=tg.bool).triu(1)")
        single = query.ndim == 2
        if single:  # one sequence (L, E): a batch of one
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)
        elif self.batch_first:  # (N, L, E) -> (L, N, E), PyTorch's own layout
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        if query.ndim != 3 or query.shape[-1] != self.embed_dim:
            raise ValueError(f"MultiheadAttention: expected a query of shape (L, N, "
                             f"{self.embed_dim}) ((N, L, {self.embed_dim}) with batch_first), "
                             f"got {query.shape}")
        length, batch, width = query.shape
        source = key.shape[0]
        w, b = self.in_proj_weight, self.in_proj_bias
        e = self.embed_dim
        projected = []
        for i, t in enumerate((query, key, value)):
            p = t @ w[i * e:(i + 1) * e].T
            if b is not None:
                p = p + b[i * e:(i + 1) * e]
            # (T, N, E) -> (N, heads, T, head_dim)
            projected.append(p.reshape(t.shape[0], batch, self.num_heads, self.head_dim)
                             .permute(1, 2, 0, 3))
        q, k, v = projected
        mask = self._mask(attn_mask, key_padding_mask, batch, length, source, q)
        dropout_p = self.dropout if self.training else 0.0
        if need_weights:  # PyTorch's plain path: the weights as computed (nan for dead rows)
            scores = (q @ k.transpose(-2, -1)) * (1 / math.sqrt(self.head_dim))
            out, weights = _attend(scores if mask is None else scores + mask, v, dropout_p,
                                   dead_rows_zero=False)
        else:
            out = scaled_dot_product_attention(q, k, v, mask, dropout_p)
        out = self.out_proj(out.permute(2, 0, 1, 3).reshape(length, batch, width))
        out = out.squeeze(1) if single else out.transpose(0, 1) if self.batch_first else out
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(1)
        return out, (weights.squeeze(0) if single else weights)

    def _mask(self, attn_mask: Tensor | None, key_padding_mask: Tensor | None, batch: int,
              length: int, source: int, like: Tensor) -> Tensor | None:
        """One float mask (N, heads, L, S) or broadcastable: -inf where not to attend."""
        mask = None
        for given, shape in ((attn_mask, None), (key_padding_mask, (batch, 1, 1, source))):
            if given is None:
                continue
            if given.dtype.name == "bool":
                given = zeros(*given.shape, dtype=like.dtype, device=like.device).masked_fill(
                    given, float("-inf"))
            if shape is not None:
                given = given.reshape(*shape)
            elif given.ndim == 3:  # (N * heads, L, S)
                given = given.reshape(batch, self.num_heads, length, source)
            mask = given if mask is None else mask + given
        return mask
