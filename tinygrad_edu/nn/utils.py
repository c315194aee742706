"""``nn.utils``: gradient clipping, as PyTorch's ``clip_grad_norm_`` and ``clip_grad_value_``.

A training step that meets one steep spot of the loss can get a huge gradient and jump far
away. Clipping bounds the step: ``clip_grad_norm_`` shrinks all the gradients together (their
direction is kept) so that their joint length is at most ``max_norm``.

Examples:
    >>> import tinygrad_edu as tg
    >>> w = tg.Tensor([3.0, 4.0], requires_grad=True)
    >>> (w * w).sum().backward()          # gradient 2w = [6, 8], length 10
    >>> round(tg.nn.utils.clip_grad_norm_([w], max_norm=5.0).item(), 4)
    10.0
    >>> [round(g, 3) for g in w.grad.tolist()]   # halved: length 5
    [3.0, 4.0]
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from ..autograd import no_grad
from ..creation import tensor
from ..tensor import Tensor


def _grads(parameters: Iterable[Tensor] | Tensor) -> list[Tensor]:
    params = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    return [p.grad for p in params if p.grad is not None]


def clip_grad_norm_(
    parameters: Iterable[Tensor] | Tensor,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale the gradients in place so that their joint ``norm_type``-norm is at most
    ``max_norm``; returns the norm they had before (a 0-d tensor), as PyTorch.

    Args:
        parameters: tensors (usually ``model.parameters()``) whose ``.grad`` to clip.
        max_norm: the largest norm allowed.
        norm_type: 2 (the length), 1, or ``float("inf")`` (the largest absolute value).
        error_if_nonfinite: raise if the norm is nan or inf instead of scaling by it.
    """
    grads = _grads(parameters)
    if not grads:
        return tensor(0.0)
    xp = grads[0].backend.xp
    if norm_type == math.inf:
        total = max((float(xp.max(xp.abs(g._data))) for g in grads if g.numel()), default=0.0)
    else:
        powers = [float(xp.sum(xp.abs(g._data) ** norm_type)) for g in grads]
        total = sum(powers) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
            f"{total}, so they cannot be scaled; find where the loss overflows, or pass "
            "error_if_nonfinite=False to scale anyway"
        )
    scale = max_norm / (total + 1e-6)  # PyTorch's small constant
    if scale < 1.0:
        with no_grad():
            for g in grads:
                g.mul_(scale)
    return Tensor(total, dtype=grads[0].dtype, backend=grads[0].backend)


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]``, in place."""
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)


__all__ = ["clip_grad_norm_", "clip_grad_value_"]
