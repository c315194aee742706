"""Recording a step: traced arrays and symbolic Python numbers (the helper of :mod:`.capture`).

While :func:`~tinygrad_edu.jit` captures, the arrays of the step's inputs and of the model's and
optimizer's tensors are :class:`Traced` views of their memory. A ``Traced`` array is a NumPy
array that, through NumPy's two override hooks (``__array_ufunc__`` for ``x + y``, ``x.sum()``,
``np.exp(x)``; ``__array_function__`` for ``np.where``, ``np.reshape``, ...), computes as usual
*and* appends the call to the :class:`Recorder`. Whatever is computed from traced arrays is
traced too, so the recording follows the data, wherever in the engine the call is made:
inside an op, in the backward walk, in an optimizer's in-place update. An array computed from
no traced array (a shape's ``ones``, a mask of constants) is computed once now and becomes a
constant of the replay: that is constant folding, for free.

The optimizer's Python numbers (``lr``, Adam's ``step``) are swapped for :class:`Sym` floats,
which remember how they were computed (``lr / (1 - 0.9 ** step)``), so the replay recomputes
them from the current values instead of freezing the value they had once.

Eager mode pays nothing: no engine code checks for a capture; the hooks live on the
``Traced`` class, which only a capture creates.
"""

from __future__ import annotations

import operator
import sys
import threading
from collections.abc import Callable
from typing import Any

import numpy as np


class CaptureError(RuntimeError):
    """The function cannot be captured; the message says why and what to do instead."""


def refuse(why: str) -> CaptureError:
    return CaptureError(
        f"tg.jit cannot capture this function: {why}. A replay runs the recorded array "
        "operations only, not your Python code, so nothing it reads on the host could change "
        "what happens. Read values after the call (loss = step(x, y); loss.item()), pass "
        "changing numbers as Tensors, or run this function without tg.jit (--no-jit)."
    )


class Sym(float):
    """A Python number that remembers the expression it came from (``code``, Python source)."""

    code: str

    def __new__(cls, value: float, code: str) -> Sym:
        number = float.__new__(cls, value)
        number.code = code
        return number

    def _op(self, other: Any, symbol: str, fn: Callable[[Any, Any], Any], swap: bool) -> Any:
        if not isinstance(other, int | float) or isinstance(other, bool):
            return NotImplemented
        a, b = float(self), float(other)
        mine, theirs = self.code, getattr(other, "code", repr(other))
        if swap:
            a, b, mine, theirs = b, a, theirs, mine
        return Sym(fn(a, b), f"({mine} {symbol} {theirs})")

    def __add__(self, o: Any) -> Any: return self._op(o, "+", operator.add, False)  # noqa: E704
    def __radd__(self, o: Any) -> Any: return self._op(o, "+", operator.add, True)  # noqa: E704
    def __sub__(self, o: Any) -> Any: return self._op(o, "-", operator.sub, False)  # noqa: E704
    def __rsub__(self, o: Any) -> Any: return self._op(o, "-", operator.sub, True)  # noqa: E704
    def __mul__(self, o: Any) -> Any: return self._op(o, "*", operator.mul, False)  # noqa: E704
    def __rmul__(self, o: Any) -> Any: return self._op(o, "*", operator.mul, True)  # noqa: E704
    def __truediv__(self, o: Any) -> Any: return self._op(o, "/", operator.truediv, False)  # noqa: E704,E501
    def __rtruediv__(self, o: Any) -> Any: return self._op(o, "/", operator.truediv, True)  # noqa: E704,E501
    def __pow__(self, o: Any) -> Any: return self._op(o, "**", operator.pow, False)  # type: ignore[override]  # noqa: E704,E501
    def __rpow__(self, o: Any) -> Any: return self._op(o, "**", operator.pow, True)  # type: ignore[override]  # noqa: E704,E501

    def __neg__(self) -> Sym:
        return Sym(-float(self), f"(-{self.code})")


class Ref:
    """A value of the replay: ``v{slot}``."""

    __slots__ = ("slot",)

    def __init__(self, slot: int) -> None:
        self.slot = slot


class Node:
    """One recorded call: ``outs = fn(*args, **kwargs)``; ``effect``: it writes into memory (an
    ``out=``, a ``x[i] = v``), draws random numbers, or checks a value, so it is never dropped."""

    __slots__ = ("fn", "args", "kwargs", "outs", "effect", "guard", "unpack")

    def __init__(self, fn: Any, args: Any, kwargs: Any, outs: list[int], effect: bool) -> None:
        self.fn, self.args, self.kwargs, self.outs, self.effect = fn, args, kwargs, outs, effect
        self.guard: Any = None  # for a host check: the value the capture saw
        self.unpack = False  # fn returns a tuple (of ``outs``, perhaps of one)


class Recorder:
    """The list of calls of one capture, and the arrays it knows."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.arrays: list[Any] = []  # slot -> the array the capture computed (plain)
        self.ids: set[int] = set()  # of those arrays
        self.inputs: list[int] = []  # the slots of the step's input arrays, in order
        self.grad_owners: list[Any] = []  # tensors whose .grad is an input too (after those)
        self.state: dict[int, Any] = {}  # slot -> the tensor memory it reads and writes
        self.scalars: dict[tuple[str, str], int] = {}  # (Sym code, dtype) -> slot
        self.scalar_code: dict[int, tuple[str, Any]] = {}

    def new(self, array: Any) -> Traced:
        plain = np.asarray(array)
        traced = plain.view(Traced)
        traced._slot, traced._owner = len(self.arrays), self
        self.arrays.append(plain)
        self.ids.add(id(plain))
        return traced

    def template(self, value: Any, dtype: Any = None) -> Any:
        """``value`` with traced arrays as :class:`Ref` (Sym numbers as scalar inputs)."""
        if isinstance(value, Traced):
            if value._slot < 0:
                raise refuse("an array left the recording through a NumPy path it cannot follow")
            if value._owner is not self:  # kept from an earlier capture (a cache): a constant
                return value.view(np.ndarray)
            return Ref(value._slot)
        if isinstance(value, Sym):
            key = (value.code, str(np.dtype(dtype or np.float64)))
            if key not in self.scalars:
                slot = self.new(np.asarray(float(value), dtype=key[1]))._slot
                self.scalars[key] = slot
                self.scalar_code[slot] = (value.code, np.dtype(key[1]))
            return Ref(self.scalars[key])
        if isinstance(value, np.ndarray) and self._leaked(value):
            raise refuse("an array of the step was read through a NumPy path the recording "
                         "cannot follow (np.asarray, a view made in C)")
        if isinstance(value, tuple | list):
            return type(value)(self.template(v, dtype) for v in value)
        if isinstance(value, dict):
            return {k: self.template(v, dtype) for k, v in value.items()}
        return value

    def _leaked(self, array: np.ndarray) -> bool:
        """Whether ``array``, not traced, is a view of memory the step computed."""
        base = array.base
        while isinstance(base, np.ndarray):
            if isinstance(base, Traced) or id(base) in self.ids:
                return not self.state_memory(base)
            base = base.base
        return False

    def state_memory(self, array: Any) -> bool:
        return any(array is m for m in self.state.values())

    def record(self, fn: Any, args: Any, kwargs: Any, result: Any, dtype: Any = None) -> Any:
        args_t, kwargs_t = self.template(args, dtype), self.template(kwargs, dtype)
        if result is None or "out" in kwargs:  # written in place
            _check_target(kwargs.get("out", args[:1]))
            self.nodes.append(Node(fn, args_t, kwargs_t, [], True))
            out = kwargs.get("out")
            return out[0] if isinstance(out, tuple) and len(out) == 1 else out
        if isinstance(result, tuple | list):
            traced = [self.new(r) for r in result]
            self.nodes.append(Node(fn, args_t, kwargs_t, [t._slot for t in traced], False))
            self.nodes[-1].unpack = True
            self._shapes_from_values(fn, args, traced)
            if hasattr(result, "_fields"):  # a named tuple (unique_all's)
                return type(result)(*traced)
            return type(result)(traced)
        if not isinstance(result, np.ndarray | np.generic):
            return result  # a shape, a dtype: fixed for this signature
        traced_one = self.new(result)
        self.nodes.append(Node(fn, args_t, kwargs_t, [traced_one._slot], False))
        self._shapes_from_values(fn, args, [traced_one])
        return traced_one

    def _shapes_from_values(self, fn: Any, args: Any, outs: list[Traced]) -> None:
        """A result whose shape depends on the values (``unique``, ``nonzero``, ``x[mask]``):
        the replay checks that shape, and a call with another one runs eagerly."""
        keys = args[1] if fn is operator.getitem else ()
        keys = keys if isinstance(keys, tuple) else (keys,)
        if getattr(fn, "__name__", "") in SHAPED_BY_VALUES or any(
                isinstance(k, np.ndarray) and k.dtype == bool and k.ndim for k in keys):
            for out in outs:
                node = Node(_shape_is, (Ref(out._slot),), {}, [], True)
                node.guard = tuple(out.shape)
                self.nodes.append(node)

    def check(self, array: Traced, value: Any) -> Any:
        """A host read inside the engine (a bounds check): the replay checks it again."""
        node = Node(_same, (self.template(array),), {}, [], True)
        node.guard = value
        self.nodes.append(node)
        return value


def _check_target(target: Any) -> None:
    """Refuse a write into a plain array: memory the capture was not given, which a replay
    would treat as a constant (and fold what was computed from it)."""
    if any(type(t) is np.ndarray for t in (target if isinstance(target, tuple) else (target,))):
        raise refuse("it changes memory the capture was not given (a model or an optimizer "
                     "the function reaches where tg.jit does not look, such as a class "
                     "attribute: pass them as globals, in a closure or as default arguments)")


# NumPy functions whose results have as many elements as the values say.
SHAPED_BY_VALUES = {"unique", "unique_all", "unique_counts", "unique_inverse", "unique_values",
                    "nonzero", "flatnonzero", "argwhere", "extract", "compress"}


def _shape_is(array: Any) -> Any:
    """(In a replay's source a check reads ``array.shape`` directly.)"""
    return array.shape


def _same(array: Any, expected: Any) -> bool:
    return bool(np.array_equal(array, expected))


class _Recording(list):  # type: ignore[type-arg]
    """The capture in progress (at most one at a time), seen only by the thread running it:
    another thread's eager work meanwhile is neither recorded nor refused."""

    owner = 0  # the thread's ident

    def __bool__(self) -> bool:
        return len(self) > 0 and threading.get_ident() == self.owner


RECORDING = _Recording()


def plain(value: Any) -> Any:
    """``value`` with traced arrays as ordinary NumPy arrays (the same memory) and Sym numbers
    as floats."""
    if isinstance(value, Traced):
        return value.view(np.ndarray)
    if isinstance(value, Sym):
        return float(value)
    if isinstance(value, tuple | list):
        return type(value)(plain(v) for v in value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def _scalar_dtype(inputs: Any) -> Any:
    """The dtype NumPy gives a Python float beside these arrays (NEP 50: the arrays' own)."""
    arrays = [x for x in inputs if isinstance(x, np.ndarray | np.generic)]
    dtype = np.result_type(*arrays) if arrays else np.dtype(np.float64)
    return dtype if dtype.kind in "fc" else np.dtype(np.float64)


class Traced(np.ndarray):
    """A NumPy array whose every use during a capture is recorded (see the module docstring)."""

    _slot: int = -1
    _owner: Any = None  # the Recorder that made it

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        fn = ufunc if method == "__call__" else getattr(ufunc, method)
        if RECORDING and "out" in kwargs:
            _check_target(kwargs["out"])  # before the write, so nothing is half done
        result = fn(*plain(inputs), **plain(kwargs))
        if not RECORDING:
            return result
        dtype = _scalar_dtype(plain(inputs))
        return RECORDING[0].record(fn, inputs, kwargs, result, dtype)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        result = func(*plain(args), **plain(kwargs))
        if not RECORDING:
            return result
        return RECORDING[0].record(func, args, kwargs, result)

    def __getitem__(self, index: Any) -> Any:
        result = self.view(np.ndarray)[plain(index)]
        if not RECORDING:
            return result
        return RECORDING[0].record(operator.getitem, (self, index), {}, result)

    def __setitem__(self, index: Any, value: Any) -> None:
        self.view(np.ndarray)[plain(index)] = plain(value)
        if RECORDING:
            RECORDING[0].record(operator.setitem, (self, index, value), {}, None)

    def _host(self, value: Any) -> Any:
        if not RECORDING:
            return value
        caller = sys._getframe(2).f_globals.get("__name__", "")
        if not caller.startswith("tinygrad_edu"):
            raise refuse("it reads an array's value on the host (bool(), float(), int())")
        return RECORDING[0].check(self, value)

    def __bool__(self) -> bool:
        return bool(self._host(bool(self.view(np.ndarray))))

    def __float__(self) -> float:
        return float(self._host(float(self.view(np.ndarray))))

    def __int__(self) -> int:
        return int(self._host(int(self.view(np.ndarray))))

    def __index__(self) -> int:
        return int(self._host(operator.index(self.view(np.ndarray))))

    def item(self, *args: Any) -> Any:
        return self._host(self.view(np.ndarray).item(*args))

    def tolist(self) -> Any:
        return self._host(self.view(np.ndarray).tolist())

    def reshape(self, *shape: Any, **kwargs: Any) -> Any:
        return np.reshape(self, shape[0] if len(shape) == 1 else shape, **kwargs)

    def transpose(self, *axes: Any) -> Any:
        return np.transpose(self, (axes[0] if len(axes) == 1 else axes) or None)

    def view(self, *args: Any) -> Any:  # type: ignore[override]
        if not args or not RECORDING or isinstance(args[0], type) and issubclass(
                args[0], np.ndarray):
            return super().view(*args)
        result = super().view(np.ndarray).view(*args)
        return RECORDING[0].record(view, (self, *args), {}, result)

    @property
    def T(self) -> Any:  # noqa: N802 (NumPy's name)
        return np.transpose(self)

    @property
    def mT(self) -> Any:  # noqa: N802
        return np.matrix_transpose(self)


def view(array: Any, dtype: Any) -> Any:
    """``array.view(dtype)``: the same memory read as another dtype."""
    return array.view(dtype)


def _via_numpy(name: str) -> Callable[..., Any]:
    function = getattr(np, name)

    def method(self: Traced, *args: Any, **kwargs: Any) -> Any:
        return function(self, *args, **kwargs)

    method.__name__ = name
    return method


# ndarray methods that NumPy runs in C without asking the overrides: sent through np.<name>.
for _name in ("astype", "copy", "ravel", "squeeze", "swapaxes", "argmax", "argmin", "clip",
              "repeat", "take", "cumsum", "nonzero", "round"):
    setattr(Traced, _name, _via_numpy(_name))
setattr(Traced, "fill", lambda self, value: np.copyto(self, value))  # noqa: B010 (mypy)
