"""In-place operations (``add_``, ``-=``, ``t[i] = v``, ...) and the version counter behind them.

An in-place operation changes a tensor's memory instead of making a new tensor: the tensor stays
the same object, with the same array. That is how an optimizer updates a parameter, as in PyTorch::

    with tg.no_grad():
        w -= learning_rate * w.grad

Two rules keep gradients right, the same two as PyTorch's:

1. **Where it is allowed.** While operations are being recorded, a tensor that requires grad may
   not be changed in place: a leaf would lose the value its gradient belongs to, and a computed
   tensor's change would have to be recorded. PyTorch records that second case; tinygrad_edu
   refuses it and says how to write the same thing out of place (``y = y + 1``). Inside
   ``no_grad`` (an optimizer's step, an initialisation) both are allowed.
2. **Version counters.** Every storage counts its in-place changes; views of it (a slice, a
   ``reshape``, ``.T``, ``detach()``) share the count. An operation that saves a tensor for its
   backward remembers the count it saw, and ``backward()`` refuses to use a value that was
   changed since, instead of computing a wrong gradient from it.

``tensor.data`` stays the untracked escape hatch, as in PyTorch: it shares the memory but not the
count, so changes made through it are not seen.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from .context import bump_version
from .dtypes import bool_, to_dtype
from .generator import draw
from .grad_mode import _mode


class InPlaceMixin:
    """The in-place methods of :class:`~tinygrad_edu.Tensor` (a mixin, kept in its own file)."""

    __slots__ = ()

    @property
    def _version(self: Any) -> int:
        """How many times this tensor's storage was changed in place (as ``torch``'s)."""
        counter = self._versions
        return 0 if counter is None else counter[0]

    # -- the two rules ------------------------------------------------------------------------
    def _check_inplace(self: Any, name: str, *operands: Any) -> None:
        if not _mode.enabled:
            return
        if self.requires_grad:
            if self._ctx is None:
                raise RuntimeError(
                    f"{name}: a leaf Variable that requires grad is being used in an in-place "
                    "operation. Change a parameter in place only where nothing is recorded: "
                    f"`with tg.no_grad(): w.{name}(...)`, as optimizers do (or make a new "
                    f"tensor out of place: w = w {_SYMBOL.get(name, '+')} ...)."
                )
            raise RuntimeError(
                f"{name}: this tensor was computed by a recorded operation "
                f"({self._ctx.fn.__name__}), and tinygrad_edu does not record in-place "
                "operations (PyTorch does). Write it out of place, e.g. "
                f"y = y {_SYMBOL.get(name, '+')} other instead of y {_SYMBOL.get(name, '+')}= "
                "other, or y = y.clamp(...) instead of y.clamp_(...)."
            )
        for operand in operands:
            if getattr(operand, "requires_grad", False):
                raise RuntimeError(
                    f"{name}: the operand requires grad, so the result would have to be "
                    "recorded, and tinygrad_edu does not record in-place operations. Write it "
                    "out of place (x = x + other), or inside `with tg.no_grad():` if no "
                    "gradient should flow."
                )

    def _operand(self: Any, name: str, value: Any, check_shape: bool = True) -> Any:
        """``value`` as an array (or a Python number) of this tensor's dtype that broadcasts to
        this tensor's shape: in-place results keep the tensor's dtype and shape."""
        if isinstance(value, InPlaceMixin):  # a Tensor (every Tensor is an InPlaceMixin)
            tensor: Any = value
            array, mine = tensor._data, self._data  # the common case first: an optimizer's step
            if (tensor.backend is self.backend and array.dtype == mine.dtype
                    and array.shape == mine.shape):
                return array

        floating = self.dtype.is_floating
        if isinstance(value, bool | int | float):
            if isinstance(value, float) and not floating:
                raise TypeError(
                    f"{name}: result type float can't be cast to this tensor's dtype "
                    f"{self.dtype.name}; convert first: x = x.float()"
                )
            return value
        if not _is_tensor(value):  # a list, an array: made a Tensor here
            value = self._const(value)
        elif value.backend is not self.backend:
            raise RuntimeError(
                f"{name}: the operand lives on backend {value.backend.name!r} and this tensor "
                f"on {self.backend.name!r}; move it first: other.to({self.backend.name!r})"
            )
        if value.dtype.is_floating and not floating:
            raise TypeError(
                f"{name}: result type {value.dtype.name} can't be cast to this tensor's dtype "
                f"{self.dtype.name}; convert first: x = x.float()"
            )
        shape = self._data.shape
        if check_shape and value._data.shape != shape:
            other = value._data.shape
            if len(other) > len(shape) or any(
                n != 1 and n != m for n, m in zip(reversed(other), reversed(shape), strict=False)
            ):
                raise ValueError(
                    f"{name}: an operand of shape {tuple(other)} cannot be broadcast to this "
                    f"tensor's shape {tuple(shape)}; an in-place result keeps the tensor's shape."
                )
        array = value._data
        if array.dtype != self._data.dtype:
            array = self.backend.xp.astype(array, self._data.dtype)
        return array

    def _update(self: Any, name: str, change: Callable[[Any], Any]) -> Any:
        """Run ``change(array)``, which modifies the array in place and returns it, then count
        the change. A NumPy scalar (what a full reduction gives) cannot change in place: it is
        replaced by the result, which nothing else can share."""
        try:
            result = change(self._data)
        except ValueError as error:
            if "read-only" not in str(error):
                raise
            raise ValueError(
                f"{name}: this tensor's memory is read-only (expand and broadcast_to make "
                "many positions share one element); copy it first: x = x.clone()"
            ) from None
        if result is not self._data:
            self._data = self.backend.xp.asarray(result, dtype=self._data.dtype)
        bump_version(self)
        return self

    def _binary_(
        self: Any, name: str, op: Callable[[Any, Any], Any], other: Any, alpha: Any = 1
    ) -> Any:
        self._check_inplace(name, other)
        operand = self._operand(name, other)
        if alpha != 1:  # scaled as a raw array: an optimizer's step records nothing anyway
            if isinstance(alpha, float) and not self.dtype.is_floating:
                raise TypeError(
                    f"{name}: alpha={alpha} is a float, but this tensor is {self.dtype.name}; "
                    "an integer tensor takes an integer alpha"
                )
            operand = operand * alpha
        return self._update(name, lambda array: op(array, operand))

    def _assign_(self: Any, name: str, values: Any) -> Any:
        """Overwrite every element with ``values`` (an array or a number)."""
        return self._update(name, lambda array: _assign_all(self.backend, array, values))

    # -- arithmetic ---------------------------------------------------------------------------
    def add_(self: Any, other: Any, alpha: float = 1) -> Any:
        """``self += alpha * other``, in place. Returns ``self``."""
        return self._binary_("add_", operator.iadd, other, alpha)

    def sub_(self: Any, other: Any, alpha: float = 1) -> Any:
        """``self -= alpha * other``, in place. Returns ``self``."""
        return self._binary_("sub_", operator.isub, other, alpha)

    def mul_(self: Any, other: Any) -> Any:
        """``self *= other``, in place. Returns ``self``."""
        return self._binary_("mul_", operator.imul, other)

    def div_(self: Any, other: Any, *, rounding_mode: str | None = None) -> Any:
        """``self /= other``, in place (a floating-point tensor; with ``rounding_mode``,
        "trunc" or "floor" as in :meth:`div`, an integer one too). Returns ``self``."""
        if rounding_mode is not None:
            return self.copy_(self.div(other, rounding_mode=rounding_mode))
        if not self.dtype.is_floating:
            raise TypeError(
                f"div_: result type float can't be cast to this tensor's dtype "
                f"{self.dtype.name}; convert first: x = x.float()"
            )
        return self._binary_("div_", operator.itruediv, other)

    def pow_(self: Any, exponent: Any) -> Any:
        """``self **= exponent``, in place. Returns ``self``."""
        return self._binary_("pow_", operator.ipow, exponent)

    def __iadd__(self: Any, other: Any) -> Any:
        return self.add_(other)

    def __isub__(self: Any, other: Any) -> Any:
        return self.sub_(other)

    def __imul__(self: Any, other: Any) -> Any:
        return self.mul_(other)

    def __itruediv__(self: Any, other: Any) -> Any:
        return self.div_(other)

    def addcmul_(self: Any, tensor1: Any, tensor2: Any, value: float = 1) -> Any:
        """``self += value * tensor1 * tensor2``, in place (Adam's moment updates)."""
        self._check_inplace("addcmul_", tensor1, tensor2)
        return self._binary_("addcmul_", operator.iadd, tensor1 * tensor2 * value)

    def addcdiv_(self: Any, tensor1: Any, tensor2: Any, value: float = 1) -> Any:
        """``self += value * tensor1 / tensor2``, in place (Adam's step)."""
        self._check_inplace("addcdiv_", tensor1, tensor2)
        return self._binary_("addcdiv_", operator.iadd, tensor1 / tensor2 * value)

    def lerp_(self: Any, end: Any, weight: float) -> Any:
        """``self += weight * (end - self)``, in place: a step of ``weight`` towards ``end``."""
        self._check_inplace("lerp_", end)
        return self._binary_("lerp_", operator.iadd, (end - self.detach()) * weight)

    # -- elementwise functions ----------------------------------------------------------------
    def sqrt_(self: Any) -> Any:
        """Replace every element by its square root, in place."""
        self._check_inplace("sqrt_")
        return self._assign_("sqrt_", self.backend.xp.sqrt(self._data))

    def relu_(self: Any) -> Any:
        """max(x, 0) in place (nan stays nan, as in PyTorch)."""
        self._check_inplace("relu_")
        xp = self.backend.xp
        data = self._data
        return self._assign_("relu_", xp.where(data < 0, xp.zeros_like(data), data))

    def clamp_(self: Any, min: Any = None, max: Any = None) -> Any:
        """Limit every element to [min, max], in place (either bound may be None)."""
        self._check_inplace("clamp_", min, max)
        if min is None and max is None:
            raise ValueError("clamp_: give at least one of min= and max=")
        return self._assign_("clamp_", self.clamp(min, max)._data)

    clip_ = clamp_

    # -- filling ------------------------------------------------------------------------------
    def zero_(self: Any) -> Any:
        """Set every element to 0, in place. Returns ``self``."""
        self._check_inplace("zero_")
        return self._assign_("zero_", 0)

    def fill_(self: Any, value: Any) -> Any:
        """Set every element to ``value``, in place. Returns ``self``."""
        self._check_inplace("fill_", value)
        if hasattr(value, "item"):
            value = value.item()
        return self._assign_("fill_", self._operand("fill_", value))

    def scatter_(self: Any, dim: int, index: Any, src: Any = None, *, value: Any = None,
                 reduce: str | None = None) -> Any:
        """Write ``src`` (a tensor, or one number; or ``value=``) at the positions ``index``
        gives along ``dim``, in place, as ``torch.Tensor.scatter_``: for ``dim=0``,
        ``self[index[i][j]][j] = src[i][j]``; ``reduce="add"`` or ``"multiply"`` combines
        instead. The same checks as :meth:`scatter` (a tensor ``src`` of this dtype, positions
        in range). Returns ``self``.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.zeros(4).scatter_(0, tg.tensor(2), value=1).tolist()  # one-hot
            [0.0, 0.0, 1.0, 0.0]
        """
        self._check_inplace("scatter_", src)
        out = self.detach().scatter(dim, index, src, value=value, reduce=reduce)
        return self._assign_("scatter_", out._data)

    def scatter_add_(self: Any, dim: int, index: Any, src: Any) -> Any:
        """``scatter_add`` in place (repeated positions add up). Returns ``self``."""
        self._check_inplace("scatter_add_", src)
        return self._assign_("scatter_add_", self.detach().scatter_add(dim, index, src)._data)

    def scatter_reduce_(self: Any, dim: int, index: Any, src: Any, reduce: str, *,
                        include_self: bool = True) -> Any:
        """``scatter_reduce`` in place. Returns ``self``."""
        self._check_inplace("scatter_reduce_", src)
        out = self.detach().scatter_reduce(dim, index, src, reduce, include_self=include_self)
        return self._assign_("scatter_reduce_", out._data)

    def index_add_(self: Any, dim: int, index: Any, source: Any, *, alpha: Any = 1) -> Any:
        """``index_add`` in place. Returns ``self``."""
        self._check_inplace("index_add_", source)
        out = self.detach().index_add(dim, index, source, alpha=alpha)
        return self._assign_("index_add_", out._data)

    def index_copy_(self: Any, dim: int, index: Any, source: Any) -> Any:
        """``index_copy`` in place. Returns ``self``."""
        self._check_inplace("index_copy_", source)
        return self._assign_("index_copy_", self.detach().index_copy(dim, index, source)._data)

    def index_put_(self: Any, indices: Any, values: Any, accumulate: bool = False) -> Any:
        """``index_put`` in place (``accumulate=True`` adds). Returns ``self``."""
        self._check_inplace("index_put_", values)
        out = self.detach().index_put(indices, values, accumulate)
        return self._assign_("index_put_", out._data)

    def index_fill_(self: Any, dim: int, index: Any, value: Any) -> Any:
        """``index_fill`` in place. Returns ``self``."""
        self._check_inplace("index_fill_", value)
        return self._assign_("index_fill_", self.detach().index_fill(dim, index, value)._data)

    def copy_(self: Any, other: Any, non_blocking: bool = False) -> Any:
        """Copy ``other``'s values into this tensor (broadcast to its shape, cast to its dtype,
        moved from another backend if need be). Returns ``self``. ``non_blocking`` is
        PyTorch's, accepted for its place: every copy here is finished when it returns."""
        self._check_inplace("copy_", other)
        if _is_tensor(other):
            if other.backend is not self.backend:
                other = other.detach().to(self.backend)
            if other.dtype is not self.dtype:  # copy_ converts, even float to int
                other = other.detach().astype(self.dtype)
        return self._assign_("copy_", self._operand("copy_", other))

    def uniform_(self: Any, low: float = 0.0, high: float = 1.0, *, generator: Any = None) -> Any:
        """Fill with samples from U[low, high), in place (from ``generator``, a
        :class:`~tinygrad_edu.Generator`, or else the backend's generator)."""
        self._check_inplace("uniform_")
        samples = draw(generator, self.backend, "uniform", self.shape, to_dtype(self.dtype))
        return self._assign_("uniform_", samples * (high - low) + low)

    def normal_(self: Any, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Any:
        """Fill with samples from N(mean, std²), in place (from ``generator`` or else the
        backend's generator)."""
        self._check_inplace("normal_")
        samples = draw(generator, self.backend, "normal", self.shape, to_dtype(self.dtype))
        return self._assign_("normal_", samples * std + mean)

    # -- item assignment ----------------------------------------------------------------------
    def __setitem__(self: Any, key: Any, value: Any) -> None:
        """``t[key] = value`` in place, with the same keys as reading (ints, slices, ``None``,
        ``...``, boolean masks, integer arrays). Where an integer array repeats a position,
        which value lands there is not defined (as in NumPy and PyTorch). A number or, with
        ints and slices only, a tensor is converted to this tensor's dtype, as in PyTorch (1.7
        into an integer tensor is 1); a tensor of another dtype at integer-array positions is
        refused, as PyTorch's index_put does."""
        self._check_inplace("__setitem__ (t[index] = value)", value)
        if isinstance(value, bool | int | float):
            floating = self.dtype.is_floating
            value = bool(value) if self.dtype is bool_ else value if floating else int(value)
        elif _is_tensor(value) and value.dtype is not self.dtype:
            if _puts_at_positions(key, value):
                raise TypeError(
                    f"t[index] = value: the value has dtype {value.dtype.name} and the tensor "
                    f"{self.dtype.name}; at integer or mask positions they must match, as in "
                    f"PyTorch (index_put): convert first, value.to({self.dtype.name})"
                )
            value = value.astype(self.dtype)
        operand = self._operand("t[index] = value", value, check_shape=False)
        index = self._index_key(key)
        self._update(
            "t[index] = value",
            lambda array: _set(self.backend, array, index, operand),
        )


_SYMBOL = {"add_": "+", "sub_": "-", "mul_": "*", "div_": "/", "pow_": "**"}


def _assign_all(backend: Any, array: Any, values: Any) -> Any:
    if not hasattr(array, "__setitem__"):  # a NumPy scalar: replaced by _update
        return backend.xp.asarray(values, dtype=array.dtype)
    backend.setitem(array, (...,), values)
    return array


def _set(backend: Any, array: Any, index: tuple[Any, ...], values: Any) -> Any:
    if not hasattr(array, "__setitem__"):
        array = backend.xp.asarray(array)
    backend.setitem(array, index, values)
    return array


def _puts_at_positions(key: Any, value: Any) -> bool:
    """Whether PyTorch's ``t[key] = value`` is an index_put (integer or mask positions in the
    key), which wants the value's dtype; one mask with a 0-d value is a masked_fill, which
    converts it."""
    entries = key if isinstance(key, tuple) else (key,)
    advanced = [k for k in entries if isinstance(k, list) or hasattr(k, "dtype")]
    if not advanced:
        return False
    one_mask = len(entries) == 1 and "bool" in str(getattr(key, "dtype", ""))
    return not (one_mask and value.ndim == 0)


def _is_tensor(value: Any) -> bool:
    """Whether ``value`` is a Tensor (every Tensor is an InPlaceMixin; this module is below
    tensor.py and does not import it)."""
    return isinstance(value, InPlaceMixin)
