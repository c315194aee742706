"""What every Tensor is: its attributes (``_data``, ``backend``, ...), the properties read
from them (shape, ndim, dtype, device, numel, size), and how it is copied (``copy.deepcopy``)
and pickled, as PyTorch's tensors are. The few methods that
:class:`~tinygrad_edu.Tensor` defines in tensor.py or in another method module, and that the
method modules call, are declared here for the type checker only."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from ..backends.registry import get_backend
from ..device import device as Device
from ..device import device_of_backend
from ..dtypes import DType, to_dtype
from .shapes import axis_index

if TYPE_CHECKING:
    from typing_extensions import Self

    from ..backends.base import Backend
    from ..tensor import Tensor


class Size(tuple[int, ...]):
    """A tensor's shape, as PyTorch's ``torch.Size``: a tuple of ints (equal to the plain
    tuple, indexable, unpackable) that prints as ``Size([2, 3])``.

    Examples:
        >>> import tinygrad_edu as tg
        >>> s = tg.Size([2, 3])
        >>> s, s == (2, 3), s.numel(), list(s)
        (Size([2, 3]), True, 6, [2, 3])
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Size({list(self)})"

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds (the product of the sizes)."""
        count = 1
        for n in self:
            count *= n
        return count


_SIZES: dict[Any, Size] = {}  # shape tuple -> its Size, so that .shape makes no new object


def _size(shape: Any) -> Size:
    """The Size of a backend's shape, kept for next time (a few thousand at most)."""
    out = Size(shape)
    if isinstance(shape, tuple):
        if len(_SIZES) >= 4096:
            _SIZES.clear()
        _SIZES[shape] = out
    return out


class TensorBase:
    """The part of Tensor that the method mixins (elementwise, reductions, movement, indexing,
    conversion) build on."""

    __slots__ = ()

    if TYPE_CHECKING:
        _data: Any
        backend: Backend
        requires_grad: bool
        _ctx: Any
        grad: Tensor | None

        def __init__(
            self, data: Any, dtype: Any = None, requires_grad: bool = False,
            backend: Any = None, device: Any = None,
        ) -> None: ...

        @classmethod
        def _from_data(cls, data: Any, backend: Backend) -> Tensor: ...

        def _const(self, value: Any) -> Tensor: ...

        def constant(self, value: Any) -> Tensor: ...

        def astype(self, dtype: Any) -> Self: ...  # these three: tensor_methods/conversion.py

        def float(self) -> Tensor: ...

        def long(self) -> Tensor: ...

    @property
    def shape(self) -> Size:
        """The size of each axis: a :class:`Size`, the tuple of ints that prints as PyTorch's.

        Examples:
            >>> import tinygrad_edu as tg
            >>> x = tg.zeros(2, 3)
            >>> x.shape, x.shape == (2, 3), x.shape[0]
            (Size([2, 3]), True, 2)
        """
        shape = self._data.shape
        try:  # one Size per distinct shape, made once: shape is read on hot paths
            return _SIZES[shape]
        except (KeyError, TypeError):
            return _size(shape)

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return len(self._data.shape)

    def dim(self) -> int:
        """The number of axes, as PyTorch names it (the same as :attr:`ndim`)."""
        return len(self._data.shape)

    def size(self, dim: int | None = None) -> Any:
        """The shape, or the size of axis ``dim``, as in PyTorch (NumPy's ``size``, the number
        of elements, is :meth:`numel` here).

        Examples:
            >>> import tinygrad_edu as tg
            >>> x = tg.zeros(2, 3)
            >>> x.size(), x.size(1), x.size(-1), x.numel()
            (Size([2, 3]), 3, 3, 6)
        """
        shape = self.shape
        if dim is None:
            return shape
        return shape[axis_index(dim, len(shape), "size: dim")]

    def numel(self) -> int:
        """The number of elements (PyTorch's name; NumPy calls it ``size``)."""
        count = 1
        for n in self._data.shape:
            count *= n
        return count

    @property
    def dtype(self) -> DType:
        """The element type: ``tg.float32``, ``tg.float64``, ``tg.int64`` or ``tg.bool``."""
        return self.backend.dtype_of(self._data)

    @property
    def device(self) -> Device:
        """Where the tensor lives, as PyTorch says it: ``cpu`` (the NumPy backend), ``cuda:0``
        (CuPy), or the backend's own name. The backend's description of its hardware is in
        ``python -m tinygrad_edu.backends``."""
        return device_of_backend(self.backend.name)

    # -- copies and pickles, as PyTorch's ---------------------------------------------------
    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        """``copy.deepcopy(x)``: new memory with the same values, on the same backend, of the
        same class (a Parameter stays one), with ``requires_grad`` and a deep copy of
        ``.grad``. Only a leaf can be copied, as in PyTorch (a copy of a computed tensor would
        copy its whole graph): ``copy.deepcopy(x.detach())`` copies the values of any tensor.
        ``copy.deepcopy(model)`` copies every parameter this way."""
        if self._ctx is not None:
            raise RuntimeError(
                "copy.deepcopy: only tensors created explicitly by the user (graph leaves) can "
                "be deep-copied, as in PyTorch; copy the values with copy.deepcopy(x.detach()) "
                "or x.detach().clone()"
            )
        out = _same_class(self, self.backend.xp.asarray(self._data, copy=True), self.backend)
        memo[id(self)] = out
        out.requires_grad = self.requires_grad
        if self.grad is not None:
            out.grad = copy.deepcopy(self.grad, memo)
        return out

    def __reduce__(self) -> tuple[Any, ...]:
        """``pickle``: the values (as NumPy), the dtype, ``requires_grad`` and the backend's
        name, so the tensor comes back on the registered backend of that name; the graph and
        ``.grad`` are left behind, as PyTorch's pickles do."""
        return (_unpickle, (type(self), self.backend.to_numpy(self._data), self.dtype.name,
                            self.requires_grad, self.backend.name))


def _same_class(like: Any, data: Any, backend: Any) -> Any:
    """A new leaf of ``like``'s class (``Parameter._from_data`` makes a plain Tensor, as
    results of parameters are; a copy of a parameter must stay one: the layouts are equal)."""
    out = like._from_data(data, backend)
    if type(out) is not type(like):
        out.__class__ = type(like)
    return out


def _unpickle(cls: Any, values: Any, dtype: str, requires_grad: bool, backend: str) -> Any:
    where = get_backend(backend)
    out = _same_class(object.__new__(cls),
                      where.xp.asarray(values, dtype=where.native_dtype(to_dtype(dtype))), where)
    out.requires_grad = requires_grad
    return out
