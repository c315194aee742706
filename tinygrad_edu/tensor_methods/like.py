"""Tensors made like this one and shapes taken from another, as PyTorch's beginners meet them:
``new_ones``, ``new_zeros``, ``new_full``, ``new_empty``, ``new_tensor`` (this tensor's dtype
and backend unless told otherwise), ``expand_as``, ``view_as``, ``reshape_as``, ``type_as``;
the facts ``nelement``, ``element_size``, ``is_cuda``; ``f"{loss:.4f}"`` (a 0-d tensor formats
as its number, as in PyTorch); and the in-place forms ``squeeze_``, ``unsqueeze_``, ``abs_``,
``neg_``, ``exp_``, ``log_``, ``sigmoid_``, ``tanh_`` (the rules of :mod:`tinygrad_edu.inplace`:
allowed where nothing is recorded).

``*_as`` are the shape methods of :mod:`.movement`, so their gradients are those methods'."""

from __future__ import annotations

import builtins
import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from ..backends.registry import get_backend
from ..device import pick
from ..dtypes import to_dtype
from .base import TensorBase
from .construction import array_of
from .shapes import _shape_args

if TYPE_CHECKING:
    from ..tensor import Tensor


class LikeMethods(TensorBase):
    """New tensors like this one, shapes like another's, and small in-place changes."""

    __slots__ = ()

    # -- new tensors with this one's dtype and backend ------------------------------------------
    def _new(
        self, fill: str, size: tuple[Any, ...], dtype: Any, device: Any, backend: Any,
        requires_grad: bool, value: Any = None,
    ) -> Tensor:
        where = pick(backend, device)
        target = self.backend if where is None else get_backend(where)
        native = target.native_dtype(to_dtype(dtype)) if dtype is not None else None
        if native is None:
            native = self._data.dtype if target is self.backend else target.native_dtype(self.dtype)
        shape = tuple(operator.index(n) for n in _shape_args(size))
        xp = target.xp
        if fill == "full":
            array = xp.full(shape, value, dtype=native)
        else:
            array = getattr(xp, fill)(shape, dtype=native)
        out = type(self)._from_data(array, target)
        return out.requires_grad_() if requires_grad else out

    def new_zeros(
        self, *size: Any, dtype: Any = None, device: Any = None, backend: Any = None,
        requires_grad: bool = False,
    ) -> Tensor:
        """Zeros of ``size``, with this tensor's dtype and backend unless ``dtype=`` or
        ``device=`` say otherwise, as ``torch.Tensor.new_zeros``.

        Examples:
            >>> import tinygrad_edu as tg
            >>> x = tg.tensor([1.0], dtype=tg.float64)
            >>> x.new_zeros(2, 3).dtype, x.new_zeros((2,)).tolist()
            (tinygrad_edu.float64, [0.0, 0.0])
        """
        return self._new("zeros", size, dtype, device, backend, requires_grad)

    def new_ones(
        self, *size: Any, dtype: Any = None, device: Any = None, backend: Any = None,
        requires_grad: bool = False,
    ) -> Tensor:
        """Ones of ``size``, with this tensor's dtype and backend (see :meth:`new_zeros`)."""
        return self._new("ones", size, dtype, device, backend, requires_grad)

    def new_empty(
        self, *size: Any, dtype: Any = None, device: Any = None, backend: Any = None,
        requires_grad: bool = False,
    ) -> Tensor:
        """An unfilled tensor of ``size`` (fill it before reading it), like this one."""
        return self._new("empty", size, dtype, device, backend, requires_grad)

    def new_full(
        self, size: Sequence[int], fill_value: Any, *, dtype: Any = None, device: Any = None,
        backend: Any = None, requires_grad: bool = False,
    ) -> Tensor:
        """``fill_value`` everywhere in ``size``, in this tensor's dtype (not the value's), as
        ``torch.Tensor.new_full``."""
        return self._new("full", (size,), dtype, device, backend, requires_grad, fill_value)

    def new_tensor(
        self, data: Any, *, dtype: Any = None, device: Any = None, backend: Any = None,
        requires_grad: bool = False,
    ) -> Tensor:
        """A copy of ``data`` in this tensor's dtype and backend (unless told otherwise), as
        ``torch.Tensor.new_tensor``: ``x.new_tensor([1.5])`` of an int64 ``x`` is ``[1]``.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1, 2]).new_tensor([1.5, 2.5]).tolist()
            [1, 2]
        """
        where = pick(backend, device)
        target = self.backend if where is None else get_backend(where)
        if isinstance(data, TensorBase):
            data = cast("Tensor", data).numpy()
        array = array_of(target, data, to_dtype(dtype) if dtype is not None else self.dtype)
        out = type(self)._from_data(array, target)
        return out.requires_grad_() if requires_grad else out

    # -- shapes and dtypes taken from another tensor -------------------------------------------
    def expand_as(self, other: Any) -> Tensor:
        """Broadcast to ``other``'s shape: ``self.expand(other.shape)``."""
        return cast("Tensor", self).expand(other.shape)

    def view_as(self, other: Any) -> Tensor:
        """The same elements in ``other``'s shape: ``self.view(other.shape)``."""
        return cast("Tensor", self).reshape(other.shape)

    def reshape_as(self, other: Any) -> Tensor:
        """The same elements in ``other``'s shape: ``self.reshape(other.shape)``."""
        return cast("Tensor", self).reshape(other.shape)

    def type_as(self, other: Any) -> Tensor:
        """This tensor in ``other``'s dtype: ``self.to(other.dtype)``."""
        return cast("Tensor", self.astype(other.dtype))

    def int(self) -> Tensor:
        """This tensor as integers (int64: tinygrad_edu has no int32, so ``x.int()`` is
        ``x.long()`` here, where PyTorch gives int32), outside the graph."""
        return cast("Tensor", self).long()

    # PyTorch's other conversions name dtypes tinygrad_edu lacks: an error, never a silent
    # stand-in whose values (x.byte() wraps 300 to 44 in PyTorch) would differ.
    def half(self) -> Tensor:
        """PyTorch's float16: not a dtype here, so a TypeError naming what to use."""
        raise _missing_dtype("half", "float16", "x.float()")

    def short(self) -> Tensor:
        """PyTorch's int16: not a dtype here, so a TypeError naming what to use."""
        raise _missing_dtype("short", "int16", "x.long()")

    def char(self) -> Tensor:
        """PyTorch's int8: not a dtype here, so a TypeError naming what to use."""
        raise _missing_dtype("char", "int8", "x.long()")

    def byte(self) -> Tensor:
        """PyTorch's uint8: not a dtype here, so a TypeError naming what to use."""
        raise _missing_dtype("byte", "uint8", "x.long() (and x.clamp(0, 255) first if need be)")

    def is_contiguous(self) -> builtins.bool:
        """True, as the layout is the backend's business here (see :meth:`contiguous`)."""
        return True

    # -- facts ---------------------------------------------------------------------------------
    def nelement(self) -> builtins.int:
        """The number of elements (PyTorch's older name for :meth:`numel`)."""
        return self.numel()

    def element_size(self) -> builtins.int:
        """Bytes per element: 4 for float32, 8 for float64 and int64, 1 for bool."""
        return _BYTES[self.dtype.name]

    @property
    def is_cuda(self) -> builtins.bool:
        """Whether the tensor lives on a CUDA GPU (the CuPy backend)."""
        return self.device.type == "cuda"

    def __format__(self, spec: str) -> str:
        """``f"{loss:.4f}"``: a 0-d tensor formats as its number (``item()``), as in PyTorch;
        with no spec (``f"{x}"``) any tensor prints as :func:`repr`. A tensor with dimensions
        and a spec raises TypeError, as PyTorch's does (use ``x.item()`` or ``x.tolist()``)."""
        if self.ndim == 0:
            return format(cast("Tensor", self).item(), spec)
        if spec:
            raise TypeError(
                f"unsupported format string {spec!r} for a tensor of shape {self.shape}: only "
                "a 0-d tensor formats as a number; use x.item() (one element) or x.tolist()"
            )
        return str(self)

    # -- in place: shapes ----------------------------------------------------------------------
    def squeeze_(self: Any, dim: Any = None) -> Any:
        """:meth:`squeeze` in place: this tensor takes the new shape. Returns ``self``."""
        return self._reshape_("squeeze_", self.squeeze(dim))

    def unsqueeze_(self: Any, dim: builtins.int) -> Any:
        """:meth:`unsqueeze` in place. Returns ``self``."""
        return self._reshape_("unsqueeze_", self.unsqueeze(dim))

    def t_(self: Any) -> Any:
        """:meth:`t` in place: a matrix becomes its transpose. Returns ``self``."""
        self._check_inplace("t_")
        if self.ndim == 2:
            self._data = self.backend.xp.permute_dims(self._data, (1, 0))
        else:
            self.t()  # the same check as t(): at most 2 axes
        return self

    def _reshape_(self: Any, name: str, shaped: Any) -> Any:
        self._check_inplace(name)
        self._data = self.backend.xp.reshape(self._data, shaped.shape)
        return self

    # -- in place: elementwise math ------------------------------------------------------------
    def abs_(self: Any) -> Any:
        """|x| in place. Returns ``self``."""
        return self._unary_("abs_", "abs", floating=False)

    def neg_(self: Any) -> Any:
        """-x in place. Returns ``self``."""
        return self._unary_("neg_", "neg", floating=False)

    def exp_(self: Any) -> Any:
        """e ** x in place (a floating-point tensor). Returns ``self``."""
        return self._unary_("exp_", "exp")

    def log_(self: Any) -> Any:
        """The natural logarithm in place (a floating-point tensor). Returns ``self``."""
        return self._unary_("log_", "log")

    def sigmoid_(self: Any) -> Any:
        """1 / (1 + e ** -x) in place (a floating-point tensor). Returns ``self``."""
        return self._unary_("sigmoid_", "sigmoid")

    def tanh_(self: Any) -> Any:
        """The hyperbolic tangent in place (a floating-point tensor). Returns ``self``."""
        return self._unary_("tanh_", "tanh")

    def _unary_(self: Any, name: str, fn: str, floating: bool = True) -> Any:
        self._check_inplace(name)
        if floating and not self.dtype.is_floating:
            raise TypeError(
                f"{name}: the result is a float, which can't be stored in this tensor's dtype "
                f"{self.dtype.name}; convert first: x = x.float()"
            )
        if self.dtype.name == "bool":
            raise TypeError(f"{name} needs a number tensor, not bool")
        # the out-of-place method on a detached view: the same numbers as x.exp() and co.
        values = getattr(self.detach(), fn)()._data
        return self._assign_(name, values)


_BYTES = {"float32": 4, "float64": 8, "int64": 8, "bool": 1}  # per element, as in PyTorch


def _missing_dtype(method: str, dtype: str, instead: str) -> TypeError:
    return TypeError(
        f"x.{method}() converts to {dtype} in PyTorch; tinygrad_edu has only float32, float64, "
        f"int64 and bool, so use {instead}"
    )
