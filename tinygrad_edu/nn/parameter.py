"""Parameter: a Tensor that a Module learns.

A Parameter is an ordinary Tensor with one difference: assigning it as an attribute of a
:class:`~tinygrad_edu.nn.Module` registers it, so ``model.parameters()`` finds it and an
optimizer can update it. Whatever is computed *from* a parameter (``w * 2``, ``x @ w.T``) is a
plain Tensor again, as in PyTorch: only the weights themselves are parameters.
"""

from __future__ import annotations

from typing import Any

from ..backends.base import Backend
from ..context import Context, shared_counter
from ..tensor import Tensor


class Parameter(Tensor):
    """A Tensor that is a learnable weight of a Module (``requires_grad=True`` by default).

    Args:
        data: a Tensor, whose memory the parameter shares (no copy, as in PyTorch), or anything
            :class:`~tinygrad_edu.Tensor` accepts (a number, a nested list, a NumPy array).
            None gives an empty float32 parameter.
        requires_grad: whether gradients are computed for it (False freezes it).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu import nn
        >>> w = nn.Parameter(tg.Tensor([1.0, 2.0]))
        >>> w.requires_grad, type(w * 2).__name__
        (True, 'Tensor')
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = Tensor([])
        if not isinstance(data, Tensor):
            data = Tensor(data)
        # Share the tensor's memory and its version counter: it is the same storage.
        self._data = data._data
        self.backend = data.backend
        self.grad = None
        self.requires_grad = False
        self._ctx = None
        self._retains_grad = False
        self._versions = shared_counter(data)
        self.requires_grad_(requires_grad)

    # Function.apply builds results from the first input's class: results are plain Tensors.
    @classmethod
    def _from_data(cls, data: Any, backend: Backend) -> Tensor:
        return Tensor._from_data(data, backend)

    @classmethod
    def _from_op(cls, data: Any, backend: Backend, ctx: Context) -> Tensor:
        return Tensor._from_op(data, backend, ctx)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
