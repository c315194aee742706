"""Dropout as a function: ``F.dropout`` (part of :mod:`tinygrad_edu.nn.functional`). It lives
apart so that the functions written with it (attention's dropout on the weights) can import it
without importing the rest of ``nn.functional``."""

from __future__ import annotations

from ..tensor import Tensor
from .activation_functional import in_place


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the others by 1 / (1 - p), so the
    expected value stays ``x`` (inverted dropout). Identity when ``training`` is False.
    ``inplace=True`` writes the result into ``input``, as PyTorch, where ``input`` is not
    recorded (see :func:`~tinygrad_edu.nn.activation_functional.in_place`).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.nn import functional as F
        >>> F.dropout(tg.ones(3), p=0.5, training=False).tolist()
        [1.0, 1.0, 1.0]
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: p is a probability and must lie in [0, 1], got {p}")
    if not training or p == 0.0:
        return input
    xp = input.backend.xp
    if p == 1.0:
        keep = xp.zeros((), dtype=input._data.dtype)
    else:
        samples = input.backend.uniform(input.shape, input.dtype)
        keep = xp.astype(samples >= p, input._data.dtype) * (1.0 / (1.0 - p))
    return in_place(input, input * Tensor._from_data(keep, input.backend), inplace)
