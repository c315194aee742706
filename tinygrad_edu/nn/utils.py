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
from ..backends.base import ignore_float_errors
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
    foreach: bool | None = None,
) -> Tensor:
    """Scale the gradients in place so that their joint ``norm_type``-norm is at most
    ``max_norm``; returns the norm they had before (a 0-d tensor), as PyTorch.

    PyTorch's formula, in the gradients' dtype: the norm of the per-tensor norms, then every
    gradient times ``min(max_norm / (norm + 1e-6), 1)``. The factor is applied always (1 changes
    nothing), so no value is read on the host: a GPU need not wait, ``tg.jit`` can replay it,
    and a nan norm makes every gradient nan, as in PyTorch.

    Args:
        parameters: tensors (usually ``model.parameters()``) whose ``.grad`` to clip.
        max_norm: the largest norm allowed.
        norm_type: 2 (the length), 1, any p > 0, 0 (the count of nonzeros), ``float("inf")``
            (the largest absolute value) or ``-inf`` (the smallest).
        error_if_nonfinite: raise if the norm is nan or inf instead of scaling by it (this one
            check reads the norm on the host).
        foreach: PyTorch's choice of kernel; accepted, with no effect here.
    """
    grads = _grads(parameters)
    if not grads:
        return tensor(0.0)
    backend, norm_type = grads[0].backend, float(norm_type)
    xp = backend.xp
    if math.isinf(norm_type) and any(g.numel() == 0 for g in grads):
        raise RuntimeError("clip_grad_norm_: the infinity norm of an empty gradient is not "
                           "defined (a maximum of nothing), as in PyTorch; leave that "
                           "parameter out, or use norm_type=2")
    with no_grad(), ignore_float_errors(xp):  # an inf or nan norm is an answer, as in PyTorch
        norms = [g.norm(norm_type)._data for g in grads]  # Tensor.norm: vector_norm's rules
        dtype = xp.result_type(*norms)
        stacked = Tensor._from_data(xp.stack([xp.astype(n, dtype) for n in norms]), backend)
        total = stacked.norm(norm_type)._data
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
            f"{float(total)}, so they cannot be scaled; find where the loss overflows, or pass "
            "error_if_nonfinite=False to scale anyway"
        )
    factor = xp.minimum(max_norm / (total + 1e-6), xp.ones((), dtype=dtype))  # PyTorch's 1e-6
    with no_grad(), ignore_float_errors(xp):
        for g in grads:
            g.mul_(Tensor._from_data(xp.astype(factor, g._data.dtype), backend))
    return Tensor._from_data(total, backend)


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]``, in place."""
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)


__all__ = ["clip_grad_norm_", "clip_grad_value_"]
