"""What the Tensor methods may rely on: the attributes and the few methods that
:class:`~tinygrad_edu.Tensor` itself defines (in tensor.py), declared here so that a type checker
can check the method modules. At run time the class is empty."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typing_extensions import Self

    from ..backends.base import Backend
    from ..dtypes import DType
    from ..tensor import Tensor


class TensorBase:
    """The part of Tensor that the method mixins (elementwise, reductions, movement, indexing)
    build on."""

    __slots__ = ()

    if TYPE_CHECKING:
        data: Any
        backend: Backend
        requires_grad: bool
        _ctx: Any

        def __init__(
            self, data: Any, dtype: Any = None, requires_grad: bool = False,
            backend: Any = None, device: Any = None,
        ) -> None: ...

        @classmethod
        def _from_data(cls, data: Any, backend: Backend) -> Tensor: ...

        @property
        def shape(self) -> tuple[int, ...]: ...

        @property
        def ndim(self) -> int: ...

        @property
        def dtype(self) -> DType: ...

        def numel(self) -> int: ...

        def _const(self, value: Any) -> Tensor: ...

        def constant(self, value: Any) -> Tensor: ...

        def astype(self, dtype: Any) -> Self: ...

        def float(self) -> Tensor: ...

        def long(self) -> Tensor: ...
