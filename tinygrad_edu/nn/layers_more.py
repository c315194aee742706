"""More layers with PyTorch's names, defaults, initialisation and state_dict keys:
:class:`Embedding`, :class:`LayerNorm`, :class:`Unflatten`, :class:`Dropout2d` and
:class:`CosineSimilarity`. The formulas are in :mod:`tinygrad_edu.nn.functional_extra`.

Examples:
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu import nn
    >>> emb = nn.Embedding(10, 4)
    >>> emb(tg.tensor([[1, 2, 3]])).shape
    Size([1, 3, 4])
    >>> list(nn.LayerNorm(4).state_dict())
    ['weight', 'bias']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..autograd import no_grad
from ..creation import empty, ones, zeros
from ..tensor import Tensor
from . import functional_extra as F
from . import init
from .module import Module
from .parameter import Parameter


def _positive_int(value: Any, what: str, owner: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{owner}: {what} must be a positive int, got {value!r}")
    return value


class Embedding(Module):
    """A lookup table: row i of ``weight`` (num_embeddings, embedding_dim) for each index i.

    Input: int64 indices of any shape; output (*input.shape, embedding_dim). The weight starts
    N(0, 1), as PyTorch's; the row ``padding_idx`` (if given) starts at zero and gets no
    gradient. ``max_norm`` and ``scale_grad_by_freq`` as in
    :func:`~tinygrad_edu.nn.functional_extra.embedding`; ``sparse=True`` is not supported.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu import nn
        >>> emb = nn.Embedding(5, 2, padding_idx=0)
        >>> emb(tg.tensor([0, 0])).tolist()
        [[0.0, 0.0], [0.0, 0.0]]
        >>> emb
        Embedding(5, 2, padding_idx=0)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Tensor | None = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.num_embeddings = _positive_int(num_embeddings, "num_embeddings", "Embedding")
        self.embedding_dim = _positive_int(embedding_dim, "embedding_dim", "Embedding")
        if sparse:
            raise NotImplementedError("Embedding: sparse=True is not supported (no sparse "
                                      "gradients here); leave it out")
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx must lie in [-{num_embeddings}, "
                                 f"{num_embeddings}), got {padding_idx}")
            padding_idx = padding_idx % num_embeddings
        self.padding_idx = padding_idx
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            options = {"dtype": dtype or "float32", "device": device}
            self.weight = Parameter(empty(num_embeddings, embedding_dim, **options))
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: _weight of shape {_weight.shape} must be "
                                 f"({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight, requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """Draw new weights from N(0, 1); zero the padding row."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding whose weight is ``embeddings`` (2-D, shared, not copied); frozen
        (``requires_grad=False``) unless ``freeze=False``."""
        if embeddings.ndim != 2:
            raise ValueError(f"Embedding.from_pretrained: embeddings must be 2-D (rows, dim), "
                             f"got shape {embeddings.shape}")
        rows, dim = embeddings.shape
        return cls(rows, dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)

    def forward(self, input: Tensor) -> Tensor:
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                           self.scale_grad_by_freq)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        for key, default in (("padding_idx", None), ("max_norm", None), ("norm_type", 2.0),
                             ("scale_grad_by_freq", False)):
            if getattr(self, key) != default:
                text += f", {key}={getattr(self, key)}"
        return text


class LayerNorm(Module):
    """Normalise each sample over its last dimensions (``normalized_shape``)::

        out = (x - mean) / sqrt(var + eps) * weight + bias

    with the mean and (biased) variance of each sample, in training and in eval alike. weight
    starts at ones and bias at zeros (``elementwise_affine=False``: neither; ``bias=False``:
    no bias). See :func:`~tinygrad_edu.nn.functional_extra.layer_norm`.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu import nn
        >>> ln = nn.LayerNorm(3)
        >>> ln
        LayerNorm((3,), eps=1e-05, elementwise_affine=True, bias=True)
        >>> [round(v, 3) for v in ln(tg.Tensor([[1.0, 2.0, 3.0]]))[0].tolist()]
        [-1.225, 0.0, 1.225]
    """

    weight: Parameter | None
    bias: Parameter | None

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
        self.normalized_shape = tuple(int(n) for n in shape)
        self.eps, self.elementwise_affine = eps, elementwise_affine
        options = {"dtype": dtype or "float32", "device": device}
        if elementwise_affine:
            self.weight = Parameter(ones(*self.normalized_shape, **options))
            if bias:
                self.bias = Parameter(zeros(*self.normalized_shape, **options))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        """weight ones, bias zeros."""
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size``: the inverse of Flatten.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu import nn
        >>> nn.Unflatten(1, (1, 28, 28))(tg.zeros(5, 784)).shape
        Size([5, 1, 28, 28])
    """

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim, self.unflattened_size = dim, tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:
        if not -input.ndim <= self.dim < input.ndim:
            raise IndexError(f"Unflatten: dim {self.dim} is out of range for an input of shape "
                             f"{input.shape}")
        d = self.dim % input.ndim
        try:
            return input.reshape(*input.shape[:d], *self.unflattened_size, *input.shape[d + 1:])
        except ValueError:
            raise ValueError(
                f"Unflatten: dimension {d} of size {input.shape[d]} cannot be split into "
                f"{self.unflattened_size}; their product must be {input.shape[d]}"
            ) from None

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class Dropout2d(Module):
    """While training, zero whole channels of (N, C, H, W) inputs with probability ``p`` (and
    scale the rest by 1 / (1 - p)); in eval mode, the identity. See
    :func:`~tinygrad_edu.nn.functional_extra.dropout2d`."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout2d: p is a probability and must lie in [0, 1], got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class CosineSimilarity(Module):
    """The cosine similarity of two inputs along ``dim``. See
    :func:`~tinygrad_edu.nn.functional_extra.cosine_similarity`."""

    def __init__(self, dim: int = 1, eps: float = 1e-8) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
