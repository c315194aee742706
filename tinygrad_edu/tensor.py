"""Tensor: an array that remembers how it was computed, so it can send gradients back.

A Tensor holds ``_data`` (an array of its backend), and, when it ``requires_grad``, the
operation that made it (``_ctx``). This file is the constructor and the autograd interface
(``backward``, ``requires_grad_``, ``detach``, and what :mod:`tinygrad_edu.autograd` calls).
The rest comes from the mixins of :mod:`tinygrad_edu.tensor_methods`: properties (shape, dtype,
device) in ``base.py``, operators and methods in ``elementwise.py``, ``reductions.py``,
``movement.py`` and ``indexing.py``, dtype and device changes, the printed form and PyTorch's
``x.data`` (a Tensor sharing ``_data``, cut out of the graph) in ``conversion.py``; in-place updates
come from :mod:`tinygrad_edu.inplace`. Methods call the differentiable primitives in
:mod:`tinygrad_edu.ops` or compose them (the table in :mod:`tinygrad_edu.ops` says where each
derivative is).
"""

from __future__ import annotations

import builtins
import operator
from typing import Any

from . import autograd, ops
from .backends.base import Backend
from .backends.registry import get_backend
from .context import Context, shared_counter
from .device import pick as pick_backend
from .dtypes import bool_, float32, int64, to_dtype
from .gradients import backward_into
from .inplace import InPlaceMixin
from .tensor_methods.construction import array_of
from .tensor_methods.conversion import ConversionMethods
from .tensor_methods.indexing import IndexingMethods
from .tensor_methods.reductions import ReductionMethods


class Tensor(IndexingMethods, ReductionMethods, ConversionMethods, InPlaceMixin):
    """An n-dimensional array with automatic differentiation.

    Args:
        data: a number, a nested list, a NumPy array or another Tensor (copied).
        dtype: ``float32`` (the default for floating data), ``float64``, ``int64`` or ``bool``.
        requires_grad: record operations on this tensor so ``backward()`` can reach it.
        backend: the backend's name; default: see :func:`tinygrad_edu.get_backend`.
        device: PyTorch's spelling of the same choice: ``"cpu"`` (NumPy), ``"cuda"`` (CuPy).

    Examples:
        >>> from tinygrad_edu import Tensor
        >>> w = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        >>> loss = (w * w).sum()
        >>> loss.backward()
        >>> w.grad.tolist()
        [[2.0, 4.0], [6.0, 8.0]]
    """

    __slots__ = (
        "_data", "grad", "requires_grad", "backend", "_ctx", "_retains_grad", "_versions", "_fresh",
        "_hooks",
    )
    _data: Any  # the backend's array; the engine reads and writes it directly
    grad: Tensor | None
    requires_grad: builtins.bool
    backend: Backend
    _ctx: Any
    _retains_grad: builtins.bool
    _versions: list[int] | None  # the storage's in-place change count, shared by its views
    # Set (by a backward that made a new array for exactly one input, see ops/nn_ops.py) when no
    # other tensor holds this array: a leaf can then keep it as its .grad without a copy.
    _fresh: builtins.bool
    _hooks: list[Any]  # set by register_hook only (read with getattr: most tensors have none)
    __array_priority__ = 1000  # numpy_array * tensor must call Tensor.__rmul__

    def __init__(
        self,
        data: Any,
        dtype: Any = None,
        requires_grad: bool = False,
        backend: str | Backend | None = None,
        device: Any = None,
    ) -> None:
        if device is not None:
            backend = pick_backend(backend, device)
        if isinstance(data, Tensor):
            backend = backend or data.backend
            data = data.to(backend)._data if data.backend is not backend else data._data
        self.backend = get_backend(backend)
        dtype = None if dtype is None else to_dtype(dtype)
        self._data = array_of(self.backend, data, dtype)
        self.grad: Tensor | None = None
        self.requires_grad = False
        self._ctx: Context | None = None
        self._retains_grad = False
        self._versions = None
        if requires_grad:
            self.requires_grad_(True)

    # -- construction used by the engine (no checks, no copies: the hot path) ---------------
    @classmethod
    def _from_data(cls, data: Any, backend: Backend) -> Tensor:
        t = object.__new__(cls)
        t._data = data
        t.backend = backend
        t.grad = None
        t.requires_grad = False
        t._ctx = None
        t._retains_grad = False
        t._versions = None
        return t

    @classmethod
    def _from_op(cls, data: Any, backend: Backend, ctx: Context) -> Tensor:
        t = object.__new__(cls)
        t._data = data
        t.backend = backend
        t.grad = None
        t.requires_grad = True
        t._ctx = ctx
        t._retains_grad = False
        t._versions = None
        return t

    def _const(self, value: Any) -> Tensor:
        """A Python number or array as a Tensor on this backend, following PyTorch's promotion:
        a Python scalar takes the tensor's dtype (float32 * 0.1 stays float32)."""
        if isinstance(value, Tensor):
            return value
        xp = self.backend.xp
        if isinstance(value, int | float) and not isinstance(value, bool):
            dtype = self._data.dtype
            if isinstance(value, float) and not self.dtype.is_floating:
                dtype = self.backend.native_dtype(float32)
            elif self.dtype is bool_:
                dtype = self.backend.native_dtype(int64)
            return Tensor._from_data(xp.asarray(value, dtype=dtype), self.backend)
        if isinstance(value, bool):
            return Tensor._from_data(xp.asarray(value, dtype=self._data.dtype), self.backend)
        return Tensor(value, backend=self.backend)

    def constant(self, value: Any) -> Tensor:
        """A constant on this tensor's backend, outside the graph: how ops make the numbers
        their backward needs (``grad.constant(0.0)``, ``out.constant(mask_array)``).

        A Python number takes this tensor's dtype; a backend array (a mask, say) is wrapped as
        it is, without a copy.

        Examples:
            >>> import tinygrad_edu as tg
            >>> x = tg.Tensor([1.0, 2.0], dtype=tg.float64)
            >>> c = x.constant(0.5)
            >>> c.dtype, c.requires_grad
            (tinygrad_edu.float64, False)
        """
        if isinstance(value, int | float):
            data = self.backend.xp.asarray(value, dtype=self._data.dtype)
            return Tensor._from_data(data, self.backend)
        if isinstance(value, Tensor):
            return value.detach()
        return Tensor._from_data(value, self.backend)

    # -- the engine's interface (see autograd.run_backward) --------------------------------
    def _accumulate_grad(self, grad: Tensor, create_graph: bool) -> None:
        if create_graph:
            if self.grad is None:
                # A recorded copy: the same gradient tensor may reach other leaves too (a + b
                # hands one to each), and each leaf's .grad must be its own, writable array.
                self.grad = ops.Clone.apply(grad)
            else:
                self.grad = self.grad + grad  # recorded
        elif self.grad is None:
            if getattr(grad, "_fresh", False) and self._ctx is None:
                grad._fresh = False  # from now on it is this leaf's own
                self.grad = grad
                return
            copy = self.backend.xp.asarray(grad._data, copy=True)  # (it may reach others too)
            self.grad = Tensor._from_data(copy, self.backend)
        else:
            try:  # in place, as PyTorch: a reference to .grad taken earlier sees the sum too
                self.grad.add_(grad)
            except ValueError:  # read-only memory (a .grad assigned from expand())
                self.grad = Tensor._from_data(self.grad._data + grad._data, self.backend)

    @staticmethod
    def _grad_adder(create_graph: builtins.bool) -> Any:
        """How backward sums two gradients of one tensor: with ``create_graph`` a recorded
        addition; otherwise the arrays are added directly, since nothing needs recording and a
        tensor used many times sums many gradients."""
        if create_graph:
            return operator.add

        def add(a: Tensor, b: Tensor) -> Tensor:
            return a._from_data(a._data + b._data, a.backend)

        return add

    def _sum_to_shape(self, grad: Tensor) -> Tensor:
        """Undo broadcasting: sum ``grad`` over the axes that broadcasting added or stretched."""
        shape = self._data.shape
        extra = grad.ndim - len(shape)
        axes = tuple(range(extra)) + tuple(
            i + extra for i, n in enumerate(shape) if n == 1 and grad.shape[i + extra] != 1
        )
        summed = ops.Sum.apply(grad, axis=axes, keepdims=True) if axes else grad
        return summed.reshape(shape) if summed.shape != shape else summed

    def _seed_grad(self, grad: Any, fresh: bool = False) -> Tensor:
        # fresh: for tg.grad, whose results the caller owns (they may be the seed or views of it)
        if grad is None and fresh:
            grad = self.backend.xp.ones_like(self._data)
        if grad is None:
            if self._data.shape != () and self.numel() != 1:
                raise RuntimeError(
                    f"backward() needs a scalar output, or pass grad= with shape {self.shape} "
                    "(the gradient of the final result with respect to this tensor)."
                )
            return Tensor._from_data(_one_like(self.backend, self._data), self.backend)
        # Straight to an array of this backend in this dtype: no registry look-up, at most one
        # dtype conversion (as in PyTorch, .grad keeps the tensor's dtype).
        if not isinstance(grad, Tensor):
            grad = Tensor._from_data(array_of(self.backend, grad, self.dtype), self.backend)
        elif grad.backend is not self.backend:
            raise RuntimeError(
                f"backward(): grad lives on backend {grad.backend.name!r} but the tensor on "
                f"{self.backend.name!r}; move it first with grad.to({self.backend.name!r})."
            )
        elif grad._data.dtype != self._data.dtype:
            grad = grad.astype(self.dtype)
        if grad._data.shape != self._data.shape:
            raise ValueError(
                f"backward(): grad has shape {grad.shape} but the tensor has shape {self.shape}; "
                "they must be equal."
            )
        return grad

    # -- autograd API ----------------------------------------------------------------------
    def backward(
        self, gradient: Any = None, retain_graph: bool | None = None,
        create_graph: bool = False, inputs: Any = None, *, grad: Any = None
    ) -> None:
        """Compute the gradient of this tensor with respect to every leaf that requires one
        (or to ``inputs`` only), adding it into each one's ``.grad``.

        Args:
            gradient: the gradient of the final result with respect to this tensor; may be
                left out when this tensor holds a single element (it is then 1). PyTorch's
                name; ``grad=`` is accepted too.
            retain_graph: keep the saved values so ``backward`` can run through the graph
                again (default: the value of ``create_graph``).
            create_graph: record the backward pass too, for second derivatives.
            inputs: a tensor or a list of them (leaves or not): only their ``.grad`` changes.
        """
        grad = gradient if grad is None else grad
        if not self.requires_grad:
            raise RuntimeError(
                "backward(): this tensor does not require grad, so there is nothing to "
                "differentiate. Create the inputs with requires_grad=True."
            )
        seed = self._seed_grad(grad)
        if retain_graph is None:
            retain_graph = create_graph
        if inputs is not None:
            return backward_into(self, seed, inputs, retain_graph, create_graph)
        autograd.run_backward(self, seed, retain_graph=retain_graph, create_graph=create_graph)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Start (or stop) recording operations on this leaf tensor. Returns ``self``."""
        if requires_grad and not self.dtype.is_floating:
            raise TypeError(
                f"Only floating-point tensors can require gradients, and this one is "
                f"{self.dtype.name}: a gradient is a rate of change, which integers and booleans "
                "do not have. Convert first: tensor.float().requires_grad_()."
            )
        if not requires_grad and self._ctx is not None:
            raise RuntimeError(
                "requires_grad_(False) only works on leaf tensors; use .detach() to cut a "
                "computed tensor out of the graph."
            )
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` on this non-leaf tensor after ``backward()`` (leaves always keep it)."""
        self._retains_grad = True
        return self

    def detach(self) -> Tensor:
        """The same data, cut out of the graph (shares memory, no gradient flows back)."""
        # A new view of the memory, not the same array object: the engine recognises a saved
        # input by its array object, and a detached copy must not pass for the original.
        out = Tensor._from_data(self._data[...], self.backend)
        out._versions = shared_counter(self)  # the same memory: in-place changes show in both
        return out

    def register_hook(self, hook: Any) -> autograd.HookHandle:
        """Call ``hook(grad)`` when backward has this tensor's whole gradient; a tensor it returns
        replaces the gradient (for ``.grad`` and for what flows on), as in PyTorch. Returns a
        handle whose ``remove()`` takes the hook off.

        Examples:
            >>> import tinygrad_edu as tg
            >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
            >>> handle = x.register_hook(lambda g: g * 10)
            >>> (x * x).sum().backward()
            >>> x.grad.tolist()
            [20.0, 40.0]
        """
        if not self.requires_grad:
            raise RuntimeError(
                "register_hook: this tensor does not require grad, so no gradient reaches it; "
                "call x.requires_grad_() first"
            )
        hooks = getattr(self, "_hooks", None)
        if hooks is None:
            hooks = self._hooks = []
        hooks.append(hook)
        return autograd.HookHandle(hooks, hook)

    def clone(self) -> Tensor:
        """A copy with memory of its own (gradients flow back to this tensor, as in PyTorch)."""
        return ops.Clone.apply(self)

    @property
    def is_leaf(self) -> bool:
        """True for tensors not made by a recorded operation (their ``.grad`` is kept)."""
        return self._ctx is None

    @property
    def grad_fn(self) -> Context | None:
        """The record of the operation that made this tensor (None for leaves)."""
        return self._ctx

    __hash__ = object.__hash__  # by identity: the engine keys its dicts and sets by tensor


_SEEDS: dict[tuple[Any, Any], Any] = {}  # (backend, dtype) -> a read-only 1 of shape ()


def _one_like(backend: Backend, array: Any) -> Any:
    """1 in ``array``'s shape and dtype: the seed of ``backward()``. A scalar loss's seed is made
    once per backend and dtype and then shared, made read-only so that nothing can change it
    (where an array cannot be made read-only, as on CuPy, a new one is made each time)."""
    if array.shape != ():
        return backend.xp.ones_like(array)
    key = (backend, array.dtype)
    one = _SEEDS.get(key)
    if one is None:
        one = backend.xp.ones_like(array)
        try:
            one.flags.writeable = False
        except AttributeError:  # no NumPy-style flags: cannot be shared safely
            return one
        _SEEDS[key] = one
    return one
