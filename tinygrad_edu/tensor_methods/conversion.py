"""Conversions: out to NumPy and Python (numpy, ``numpy.asarray(x)``, item, tolist, float(x),
int(x), bool(x), DLPack), out of the graph (PyTorch's ``x.data``), to other dtypes and to other
backends or devices (to, cpu, cuda), and the printed form. None of them is recorded, except
``to``, whose move (:class:`~tinygrad_edu.ops.transfer.ToBackend`) and dtype change
(:class:`~tinygrad_edu.ops.unary.Cast`) are differentiable."""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any, cast

from .. import ops
from ..backends.base import Backend
from ..backends.registry import get_backend
from ..context import shared_counter
from ..device import device as Device
from ..dtypes import bool_, float32, float64, int64, to_dtype
from ..ops.transfer import to_backend as move_to
from .base import TensorBase

if TYPE_CHECKING:
    from typing_extensions import Self

    from ..tensor import Tensor


class ConversionMethods(TensorBase):
    """A Tensor's ways out (to NumPy, Python numbers, DLPack) and to other dtypes and devices."""

    __slots__ = ()

    def numpy(self) -> Any:
        """The data as a ``numpy.ndarray`` (copied to the host if the backend is a GPU)."""
        return self.backend.to_numpy(self._data)

    @property
    def data(self) -> Self:
        """PyTorch's ``x.data``: a Tensor that shares ``x``'s memory but is cut out of the graph,
        whose changes autograd does not see (no version count: prefer ``detach()``, which
        keeps one, or an update inside ``with tg.no_grad():``). Assigning a Tensor to
        ``x.data`` swaps in its memory, shape and dtype.

        Examples:
            >>> from tinygrad_edu import Tensor
            >>> w = Tensor([1.0, 2.0], requires_grad=True)
            >>> w.data.mul_(10)          # untracked, in place: w itself changes
            tensor([10., 20.])
            >>> w
            tensor([10., 20.], requires_grad=True)
        """
        return type(self)._from_data(self._data[...], self.backend)  # type: ignore[return-value]

    @data.setter
    def data(self, value: Any) -> None:
        if not isinstance(value, ConversionMethods):
            raise TypeError(
                f"x.data = ... needs a Tensor (got {type(value).__name__}), as in PyTorch; "
                "wrap it first: x.data = tg.tensor(value)"
            )
        if value.backend is not self.backend:
            raise RuntimeError(
                f"x.data = ...: the new data lives on backend {value.backend.name!r} and the "
                f"tensor on {self.backend.name!r}; move it first: value.to({self.backend.name!r})"
            )
        array, mine = value._data, self._data
        if array.shape == mine.shape and getattr(array, "base", None) is mine:
            return  # `x.data *= 2` writes through x.data's view, then assigns the view back
        self._data = array

    def __array__(self, dtype: Any = None, copy: builtins.bool | None = None) -> Any:
        """``numpy.asarray(x)``: the data as a NumPy array (shared with the tensor on the CPU
        backend, as PyTorch shares it)."""
        array = self.numpy()
        if dtype is not None and array.dtype != dtype:
            if copy is False:
                raise ValueError("numpy.asarray(x, dtype, copy=False): a dtype change copies")
            return array.astype(dtype)
        return array.copy() if copy else array

    def item(self) -> Any:
        """The single element as a Python number."""
        if self.numel() != 1:
            raise ValueError(
                f"item() needs a tensor with one element, but this has shape {self.shape}"
            )
        return self.numpy().reshape(()).item()

    def tolist(self) -> Any:
        """The data as (nested) Python lists."""
        return self.numpy().tolist()

    def type(self, dtype: Any = None) -> Any:
        """PyTorch's older spelling: ``x.type(tg.float)`` is ``x.to(tg.float)``; with no
        argument, the dtype's name (``"float32"``)."""
        return self.dtype.name if dtype is None else self.astype(dtype)

    def is_floating_point(self) -> builtins.bool:
        """Whether the dtype is float32 or float64."""
        return self.dtype.is_floating

    def contiguous(self) -> Tensor:
        """PyTorch needs this before ``view`` on some tensors; here it changes nothing and
        returns the tensor itself (the backend lays out its arrays as it needs)."""
        return cast("Tensor", self)

    def astype(self, dtype: Any) -> Self:
        """Convert to another dtype (differentiable between float32 and float64)."""
        target = to_dtype(dtype)
        if target is self.dtype:
            return self
        native = self.backend.native_dtype(target)
        if self.requires_grad and not target.is_floating:
            out = type(self)._from_data(self.backend.xp.astype(self._data, native), self.backend)
            return cast("Self", out)
        return cast("Self", ops.Cast.apply(self, dtype=native))

    def float(self) -> Tensor:
        """This tensor as float32 (differentiable)."""
        return cast("Tensor", self.astype(float32))

    def long(self) -> Tensor:
        """This tensor as int64 (outside the graph: integers have no gradient)."""
        return cast("Tensor", self.astype(int64))

    def double(self) -> Tensor:
        """This tensor as float64 (differentiable)."""
        return cast("Tensor", self.astype(float64))

    def bool(self) -> Tensor:
        """This tensor as bool (nonzero is True; outside the graph)."""
        return cast("Tensor", self.astype(bool_))

    def to(self, *args: Any, dtype: Any = None, device: Any = None,
           non_blocking: builtins.bool = False, copy: builtins.bool = False) -> Tensor:
        """This tensor on another backend or device, and/or in another dtype, as PyTorch's
        ``to``: ``x.to("cupy")``, ``x.to("cuda")``, ``x.to(tg.float64)``,
        ``x.to("cpu", tg.float64)``, or ``x.to(other)``: ``other``'s dtype and backend.
        Gradients flow back across the move and the conversion. As in PyTorch, the tensor
        itself comes back when nothing changes, unless ``copy=True``; ``non_blocking`` is
        accepted for its place (every move here is finished when it returns).

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1, 2]).to(tg.tensor([0.5], dtype=tg.float64)).dtype
            tinygrad_edu.float64
        """
        if args and isinstance(args[0], TensorBase):  # to(other): other's dtype and device
            other, *rest = args
            if not all(isinstance(flag, builtins.bool) for flag in rest):
                raise TypeError("to(other, ...): after a tensor only non_blocking and copy "
                                "may follow, as in PyTorch")
            return self.to(other.backend, other.dtype, *rest, copy=copy)
        where = device
        flags = [arg for arg in args if isinstance(arg, builtins.bool)]  # non_blocking, copy
        for arg in args:
            if isinstance(arg, builtins.bool):
                continue
            if isinstance(arg, Backend | Device) or (
                isinstance(arg, str) and not _names_a_dtype(arg)
            ):
                where = arg
            else:
                dtype = arg
        out = cast("Tensor", self) if where is None else move_to(self, get_backend(where))
        out = out if dtype is None else out.astype(dtype)
        copy = copy or (len(flags) > 1 and flags[1])
        return cast("Tensor", out).clone() if copy and out is self else cast("Tensor", out)

    def _view_bits(self, dtype: Any) -> Tensor:
        """``x.view(dtype)``: the same memory read as another dtype (no gradient, as in
        PyTorch). A dtype of another element size changes the last dim's size by the ratio.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1.0], dtype=tg.float64).view(tg.int64).tolist()
            [4607182418800017408]
            >>> tg.tensor([1.0]).view(tg.bool).tolist()  # 4 bytes: 4 bools
            [False, False, True, True]
        """
        target, data, size = to_dtype(dtype), self._data, self.dtype.itemsize
        if target.itemsize != size:
            last = self.shape[-1] if self.ndim else None
            ratio = max(target.itemsize, size) // min(target.itemsize, size)
            if last is None or (target.itemsize > size and last % ratio):
                where = "self.dim() cannot be 0" if last is None else (
                    f"the last dim's size, {last}, must be divisible by {ratio}")
                hint = "x.reshape(1)" if last is None else f"x.reshape(-1, {ratio})"
                raise RuntimeError(
                    f"view: {where} to view {self.dtype.name} as {target.name} (different "
                    f"element sizes), as in PyTorch; reshape first, e.g. {hint}"
                )
        if not hasattr(data, "view"):
            raise TypeError(f"view(dtype): backend {self.backend.name!r} cannot reinterpret "
                            "memory (the array API standard has no such operation)")
        if not data.flags.c_contiguous:  # PyTorch asks for .contiguous() first
            data = data.copy()
        out = type(self)._from_data(data.view(self.backend.native_dtype(target)), self.backend)
        out._versions = shared_counter(self)  # the same memory: in-place changes show in both
        return out

    def cpu(self) -> Tensor:
        """This tensor on the CPU (the NumPy backend)."""
        return self.to("cpu")

    def cuda(self) -> Tensor:
        """This tensor on the GPU (the CuPy backend)."""
        return self.to("cuda")

    def __repr__(self) -> str:
        """PyTorch's layout: ``tensor([1., 2.], requires_grad=True)``,
        ``tensor(2.3266, grad_fn=<NegBackward0>)``; the dtype when it is not float32, int64
        or bool, and the backend when it is not the default one (as PyTorch shows
        ``device='cuda:0'``)."""
        return tensor_repr(self)

    def __bool__(self) -> builtins.bool:
        if self.numel() != 1:
            raise ValueError(
                f"The truth value of a tensor with shape {self.shape} is ambiguous; use "
                ".any() or .all()."
            )
        return bool(self.item())

    def __float__(self) -> builtins.float:
        return float(self.item())

    def __index__(self) -> int:
        """Lets a one-element integer tensor be used where Python needs an int (a slice bound,
        ``range``)."""
        if self.dtype is not int64:
            raise TypeError(
                f"Only integer tensors can be used as an index, not {self.dtype.name}; "
                "use .long() first."
            )
        return int(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __dlpack__(self, **kwargs: Any) -> Any:
        return self._data.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> Any:
        return self._data.__dlpack_device__()


def _names_a_dtype(name: str) -> builtins.bool:
    try:
        to_dtype(name)
    except TypeError:
        return False
    return True


def tensor_repr(tensor: Any) -> str:
    """The printed form of a tensor, in PyTorch's layout (see ``ConversionMethods.__repr__``)."""
    import numpy as np

    array = tensor.numpy()
    # 81: NumPy counts the closing bracket that PyTorch's 80 columns leave out.
    options: dict[str, Any] = {"separator": ", ", "prefix": "tensor(", "max_line_width": 81}
    if array.dtype.kind == "f":
        options["formatter"] = {"float_kind": _float_format(np, array)}
    body = np.array2string(array, **options) if array.size else "[]"
    extra = []
    if array.size == 0 and array.ndim != 1:
        extra.append(f"size={tuple(array.shape)}")
    if tensor.backend is not get_backend():
        extra.append(f"backend='{tensor.backend.name}'")
    if tensor.dtype not in (float32, int64, bool_):
        extra.append(f"dtype={tensor.dtype!r}")
    if tensor._ctx is not None:
        extra.append(f"grad_fn=<{tensor._ctx.name()}>")
    elif tensor.requires_grad:
        extra.append("requires_grad=True")
    return f"tensor({', '.join([body, *extra])})"


def _float_format(np: Any, array: Any) -> Any:
    """How PyTorch writes each float of ``array``: ``1.`` when every finite element is a whole
    number, else four decimals (``0.1235``), or ``1.0000e-05`` when they span more than a
    factor 1000 or are tiny or huge; all padded to the widest finite one (nan and inf too)."""
    finite = array[np.isfinite(array)]
    sizes = np.abs(finite[finite != 0])
    scientific = sizes.size > 0 and bool(
        sizes.max() >= 1e8 or sizes.min() < 1e-4 or sizes.max() / sizes.min() > 1e3
    )
    whole = bool(np.all(finite == np.round(finite)))
    spec = ".4e" if scientific else ".0f" if whole else ".4f"
    suffix = "." if whole and not scientific else ""
    width = max((len(f"{v:{spec}}{suffix}") for v in finite.flat), default=0)
    return lambda v: (f"{v:{spec}}{suffix}" if np.isfinite(v) else str(v)).rjust(width)
