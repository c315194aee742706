"""The Transformer's encoder, with PyTorch's names: ``nn.TransformerEncoderLayer`` and
``nn.TransformerEncoder``.

One encoder layer is self-attention and a small two-layer network applied to every position,
each wrapped in a residual connection and a LayerNorm::

    x = norm1(x + dropout1(self_attn(x, x, x)))          # post-norm, PyTorch's default
    x = norm2(x + dropout2(linear2(dropout(activation(linear1(x))))))

(with ``norm_first=True`` the norms come first: ``x = x + block(norm(x))``). The encoder is a
stack of copies of one layer, then an optional final norm. Parameter names, ``state_dict`` keys,
starting weights and the printed model are PyTorch's.

One PyTorch behaviour is copied on purpose, because it changes numbers: an encoder that
PyTorch runs on its fast path (eval mode, nothing to differentiate, ``batch_first=True``, an
even number of heads, a ``src_key_padding_mask`` with the padding at the end of each sequence
and no ``mask``, see :meth:`TransformerEncoder._zeroes_padding`) returns 0 at the padded
positions (before the final norm), where the slow path computes them like the others. (With
``mask_check=False`` and padding elsewhere, PyTorch keeps each sequence's first
length - padding positions as if the padding were at the end; so does this encoder.)

Examples:
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu import nn
    >>> layer = nn.TransformerEncoderLayer(d_model=8, nhead=2, dim_feedforward=16,
    ...                                    batch_first=True)
    >>> encoder = nn.TransformerEncoder(layer, num_layers=2)
    >>> encoder(tg.randn(3, 5, 8)).shape                 # 3 sequences of 5 tokens
    Size([3, 5, 8])
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ..creation import arange as tg_arange
from ..grad_mode import is_grad_enabled
from ..tensor import Tensor
from . import functional as F
from .attention import MultiheadAttention
from .layers import Dropout, Linear, ModuleList
from .layers_more import LayerNorm
from .module import Module

_ACTIVATIONS: dict[str, Callable[..., Tensor]] = {"relu": F.relu, "gelu": F.gelu}


class TransformerEncoderLayer(Module):
    """Self-attention then a feed-forward block, each with a residual connection and a
    LayerNorm (see the module). ``activation``: "relu", "gelu" or a function."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable[[Tensor], Tensor] = F.relu,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        options = {"device": device, "dtype": dtype}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **options)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **options)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **options)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **options)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **options)
        self.dropout1, self.dropout2 = Dropout(dropout), Dropout(dropout)
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise RuntimeError(f"TransformerEncoderLayer: activation should be relu or gelu,"
                                   f" not {activation!r}")
            activation = _ACTIVATIONS[activation]
        self.activation = activation
        self.activation_relu_or_gelu = activation in _ACTIVATIONS.values()

    def forward(self, src: Tensor, src_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None, is_causal: bool = False) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))

    def _sa_block(self, x: Tensor, mask: Tensor | None, padding: Tensor | None,
                  is_causal: bool) -> Tensor:
        out = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=padding,
                             need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(out)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoder(Module):
    """``num_layers`` copies of ``encoder_layer`` (each with parameters of its own, copied from
    it), then ``norm`` if given. ``forward(src, mask=None, src_key_padding_mask=None)``: the
    masks as in :class:`~tinygrad_edu.nn.MultiheadAttention` (True: do not attend)."""

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int,
                 norm: Module | None = None, enable_nested_tensor: bool = True,
                 mask_check: bool = True) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers, self.norm = num_layers, norm
        self.enable_nested_tensor, self.mask_check = enable_nested_tensor, mask_check
        attention = encoder_layer.self_attn
        # PyTorch's conditions for its fast path (TransformerEncoder.__init__)
        self.use_nested_tensor = enable_nested_tensor and (
            isinstance(encoder_layer, TransformerEncoderLayer)  # type: ignore[redundant-expr]
            and not encoder_layer.norm_first and attention.batch_first
            and attention.in_proj_bias is not None and encoder_layer.activation_relu_or_gelu
            and encoder_layer.norm1.eps == encoder_layer.norm2.eps
            and attention.num_heads % 2 == 0)

    def forward(self, src: Tensor, mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None,
                is_causal: bool | None = None) -> Tensor:
        padded = None if src_key_padding_mask is None else (
            src_key_padding_mask if src_key_padding_mask.dtype.name == "bool"
            else src_key_padding_mask != 0)  # a float mask: -inf (not 0) where padded
        zero_padding = self._zeroes_padding(src, mask, padded)
        if zero_padding and padded is not None:
            # PyTorch's fast path keeps each sequence's first (length - padding) positions (a
            # nested tensor) and pads the result with 0: as a mask, padding at the end
            kept = padded.logical_not().long().sum(-1, keepdims=True)
            padded = tg_arange(src.shape[1], device=src.device) >= kept
            src_key_padding_mask = padded
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                           is_causal=bool(is_causal))
        if zero_padding and padded is not None:
            output = output.masked_fill(padded.unsqueeze(-1), 0.0)
        return output if self.norm is None else self.norm(output)

    def _zeroes_padding(self, src: Tensor, mask: Tensor | None,
                        padding: Tensor | None) -> bool:  # padding: bool, True where padded
        """Whether PyTorch would run this call on its fast path, which returns 0 at the padded
        positions: a padding mask and no ``mask``, eval mode, a 3-D input, nothing that needs
        a gradient, and (with ``mask_check``) each sequence's padding at its end."""
        first = self.layers[0] if self.num_layers else None
        if (not self.use_nested_tensor or first is None or first.training or src.ndim != 3
                or padding is None or mask is not None):
            return False
        tensors = [src, *(p for p in first.parameters())]
        if is_grad_enabled() and any(t.requires_grad for t in tensors):
            return False
        if self.mask_check:  # left aligned: after a padded position, only padding
            keep = padding.logical_not().long()
            return bool((keep[:, 1:] <= keep[:, :-1]).all())
        return True
