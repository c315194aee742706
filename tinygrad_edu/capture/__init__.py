"""``tg.jit``: capture a training step once, then replay it as straight-line array code.

Eager execution pays for Python at every operation: a Tensor, a Context, the backward walk's
sort, the optimizer's loops. The arrays it computes are the same at every step, only their
values change. So the first call of a ``@tg.jit`` function runs eagerly and records every
backend call (forward, backward, the optimizer's in-place updates; see :mod:`.trace`); later
calls with inputs of the same shapes and dtypes replay the recording on the new arrays, as one
generated Python function (``step.replay_source()`` shows it), with no graph objects at all.

What the capture does to the recording: constant folding (whatever does not depend on the
inputs or the model's memory was computed once), dead-code removal (calls whose results nothing
uses are dropped), buffer reuse (each elementwise call writes into its own array, made once,
with ``out=``). Python numbers of the optimizer (``lr``, Adam's ``step``) are recomputed at
every replay from their formulas. On CuPy the replay is a CUDA graph instead (see
:class:`CudaGraphStep`).

Examples:
    >>> import tinygrad_edu as tg
    >>> w = tg.Tensor([1.0, -2.0], requires_grad=True)
    >>> optimizer = tg.optim.SGD([w], lr=0.1)
    >>> @tg.jit
    ... def step(x):
    ...     optimizer.zero_grad()
    ...     loss = ((w * x) ** 2).sum()
    ...     loss.backward()
    ...     optimizer.step()
    ...     return loss
    >>> [round(step(tg.Tensor([1.0, 1.0])).item(), 4) for _ in range(3)]  # capture, replay x 2
    [5.0, 3.2, 2.048]
"""

from __future__ import annotations

import functools
import threading
import types
from collections import OrderedDict
from typing import Any

import numpy as np

from ..generator import HOST_DRAWS, host_draw
from ..grad_mode import is_grad_enabled
from ..tensor import Tensor
from .cuda_graph import CudaGraphStep
from .hooks import RecordingXp, recording_getitem
from .replay import Replay, _out_spec
from .trace import RECORDING, CaptureError, Recorder, Sym, Traced, refuse

__all__ = ["jit", "CaptureError"]


def jit(fn: Any) -> Any:
    """Capture ``fn`` (a step taking Tensors) at its first call; replay it at later calls.

    Each new signature (shapes, dtypes and backends of the Tensor arguments, values of the
    others) is captured again; the last eight are kept. The replay returns what ``fn``
    returned, with fresh values (tensors outside the graph: no ``grad_fn``). A function that
    reads tensor values on the host in the middle (``.item()``, ``if loss > 1:``) raises
    :class:`CaptureError` at its capture, saying why.
    """
    return Jit(fn)


CAPTURING = threading.RLock()  # held while a capture runs (a capture may call another jit)


class Jit:
    """The callable that ``@tg.jit`` makes: a small cache of captures, by signature."""

    def __init__(self, fn: Any, cache_size: int = 8) -> None:
        functools.update_wrapper(self, fn)
        self.fn, self.cache_size = fn, cache_size
        self.captures: OrderedDict[Any, Any] = OrderedDict()
        self.refused: CaptureError | None = None
        self.last: Any = None
        self.context: Context | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.refused is not None:
            raise self.refused
        if self.context is None or not self.context.same_objects():
            self.context = Context(self.fn)  # the model or optimizer it names is another now
            self.captures.clear()
        key = (_signature(args, kwargs), self.context.state())
        capture = self.captures.get(key)
        if capture is not None and capture.valid():
            self.captures.move_to_end(key)
            return capture.run(args, kwargs)
        tensors = _tensors(args, kwargs) or _discover(self.fn)[1]  # no inputs: the model's
        backends = {t.backend for t in tensors}
        backend = backends.pop() if len(backends) == 1 else None
        if backend is not None and backend.name == "cupy":
            capture = self.captures[key] = CudaGraphStep(self.fn, _discover(self.fn))
            return capture.run(args, kwargs)
        if backend is None or getattr(backend.xp, "__numpy__", backend.xp) is not np:
            return self.fn(*args, **kwargs)  # only NumPy arrays can be traced: run eagerly
        with CAPTURING:  # one capture at a time: the hooks it sets are the backend's
            try:
                result, capture = _capture(self.fn, args, kwargs, backend)
            except CaptureError as error:
                self.refused = error
                raise
            if capture is not None:
                self.captures[key] = self.last = capture
                while len(self.captures) > self.cache_size:
                    self.captures.popitem(last=False)
        return result

    def replay_source(self) -> str:
        """The generated Python source of the latest capture (what a replay runs)."""
        if self.last is None:
            return "# not captured yet: call the function once"
        return str(self.last.source)


class Context:
    """What a replay cannot see but eager mode would: the objects the function names (a global
    ``model`` assigned anew), the modules' modes and numbers (``model.eval()``, a dropout's
    ``p``), which tensors require gradients (a frozen layer) and which have one already
    (``backward()`` then adds to it: gradient accumulation), and the grad mode. Each such state
    is captured on its own; a new object behind a name starts the cache afresh."""

    def __init__(self, fn: Any) -> None:
        code = getattr(fn, "__code__", None)
        cells = getattr(fn, "__closure__", None) or ()
        self.roots = [(cell, "cell_contents") for cell in cells]
        if code is not None:
            self.roots += [(fn.__globals__, name) for name in code.co_names
                           if name in fn.__globals__]
        self.objects = self._objects()
        _, self.tensors, watched = _discover(fn)
        self.modes = [(vars(o), k) for o in watched if hasattr(o, "_modules")
                      for k, v in vars(o).items() if type(v) in (bool, int, float)]

    def _objects(self) -> list[int]:
        return [id(root.get(k) if isinstance(root, dict) else getattr(root, k, None))
                for root, k in self.roots]

    def same_objects(self) -> bool:
        return self._objects() == self.objects

    def state(self) -> Any:
        return (is_grad_enabled(), *[d.get(k) for d, k in self.modes],
                *[(t.requires_grad, t.grad is None) for t in self.tensors])


def _tensors(args: Any, kwargs: Any) -> list[Tensor]:
    return [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor)]


def _signature(args: Any, kwargs: Any) -> Any:
    def one(a: Any) -> Any:
        if isinstance(a, Tensor):
            data = a._data  # (its shape: a tuple, where a.shape makes a Size per call)
            return ("T", data.shape, data.dtype, a.backend.name)
        return ("V", type(a), a) if a.__hash__ is not None else ("O", id(a))
    return tuple(one(a) for a in args), tuple((k, one(v)) for k, v in sorted(kwargs.items()))


def _discover(fn: Any) -> tuple[list[Any], list[Tensor], list[Any]]:
    """The optimizers and the tensors (parameters, buffers, optimizer state) the function can
    reach: its closure, the globals it names, and their attributes, a few levels deep."""
    found: dict[int, Any] = {}

    def visit(obj: Any, depth: int) -> None:
        if id(obj) in found or depth > 4 or isinstance(obj, type | types.ModuleType):
            return
        found[id(obj)] = obj
        if isinstance(obj, types.MethodType):
            visit(obj.__func__, depth)
            visit(obj.__self__, depth + 1)
        elif isinstance(obj, types.FunctionType):
            for cell in obj.__closure__ or ():
                visit(cell.cell_contents, depth + 1)
            for default in (*(obj.__defaults__ or ()), *(obj.__kwdefaults__ or {}).values()):
                visit(default, depth + 1)  # def step(x, y, model=model, opt=opt)
            codes = [obj.__code__]
            while codes:
                code = codes.pop()
                codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
                for name in code.co_names:
                    if name in obj.__globals__:
                        visit(obj.__globals__[name], depth + 1)
        elif isinstance(obj, list | tuple | dict) and len(obj) < 10_000:
            for item in obj.values() if isinstance(obj, dict) else obj:
                visit(item, depth + 1)
        elif hasattr(obj, "__dict__") and not callable(getattr(obj, "__get__", None)):
            for value in vars(obj).values():
                visit(value, depth + 1)

    visit(fn, 0)
    optimizers = [o for o in found.values() if hasattr(o, "param_groups") and hasattr(o, "state")]
    tensors = {id(t): t for t in found.values() if isinstance(t, Tensor)}
    for obj in found.values():
        if hasattr(obj, "named_parameters") and hasattr(obj, "buffers"):
            tensors.update((id(t), t) for t in (*obj.parameters(), *obj.buffers()))
    for opt in optimizers:
        for group in opt.param_groups:
            tensors.update((id(t), t) for t in group["params"])
        for state in opt.state.values():
            tensors.update((id(t), t) for t in state.values() if isinstance(t, Tensor))
    watched = [o for o in found.values() if hasattr(o, "__dict__") and not isinstance(
        o, Tensor | types.FunctionType | types.MethodType) and all(o is not p for p in optimizers)]
    return optimizers, list(tensors.values()), watched


def _number_slots(optimizers: list[Any]) -> list[tuple[dict[str, Any], str]]:
    """Where the optimizers keep Python numbers: group hyperparameters, state, counters."""
    dicts = [vars(o) for o in optimizers] + [g for o in optimizers for g in o.param_groups]
    dicts += [s for o in optimizers for s in o.state.values()]
    return [(d, k) for d in dicts for k, v in d.items()
            if isinstance(v, int | float | tuple) and not isinstance(v, bool)
            and all(isinstance(x, int | float) for x in (v if isinstance(v, tuple) else (v,)))]


def _numbers(objects: list[Any]) -> list[tuple[Any, str, Any]]:
    return [(o, k, v) for o in objects for k, v in vars(o).items()
            if isinstance(v, int | float) and not isinstance(v, bool)]


def _layout(optimizers: list[Any]) -> Any:
    return [(id(o.state), [(id(p), sorted(s)) for p, s in o.state.items()]) for o in optimizers]


def _capture(fn: Any, args: Any, kwargs: Any, backend: Any) -> tuple[Any, Any]:
    """Run ``fn`` once, eagerly, recording; return its result and the capture (None when the
    optimizer was still making its state: the next call tries again)."""
    rec = Recorder()
    optimizers, tensors, watched = _discover(fn)
    layout, numbers = _layout(optimizers), _numbers(watched)
    inputs = _tensors(args, kwargs)
    wrapped: list[tuple[Any, Any, Traced]] = []  # (tensor, its memory, the traced view)
    for t in inputs:
        traced = rec.new(t._data)
        rec.inputs.append(traced._slot)
        wrapped.append((t, t._data, traced))
    for t in tensors:
        if not any(t is w[0] for w in wrapped):
            traced = rec.new(t._data)
            rec.state[traced._slot] = t._data
            wrapped.append((t, t._data, traced))
    for owner in tensors:  # a gradient there already: backward adds to it (accumulation)
        grad = owner.grad
        if grad is not None and not any(grad is w[0] for w in wrapped):
            traced = rec.new(grad._data)  # an input: each replay gets the .grad of its call
            rec.inputs.append(traced._slot)
            rec.grad_owners.append(owner)
            wrapped.append((grad, grad._data, traced))
    slots = _number_slots(optimizers)
    starts = [d[k] for d, k in slots]
    hooks = {"xp": RecordingXp(np), "to_numpy": _refusing(backend.to_numpy),
             "getitem": recording_getitem(backend.getitem)}
    for name in ("uniform", "normal"):
        hooks[name] = _random(rec, getattr(backend, name))
    RECORDING.append(rec)
    RECORDING.owner = threading.get_ident()
    HOST_DRAWS.append((RECORDING.owner, _random(rec, host_draw)))  # a generator= draw
    vars(backend).update(hooks)
    try:
        for t, _, traced in wrapped:
            t._data = traced
        for n, (d, k) in enumerate(slots):
            v = d[k]
            d[k] = (tuple(Sym(x, f"n{n}[{i}]") for i, x in enumerate(v))
                    if isinstance(v, tuple) else Sym(v, f"n{n}"))
        result = fn(*args, **kwargs)
        for (obj, name, start), (_, _, end) in zip(numbers, _numbers(watched), strict=True):
            if start != end:
                raise refuse(f"{type(obj).__name__}.{name} changed from {start} to {end} during "
                             "the step, a Python number a replay would freeze (an lr "
                             "scheduler's step() inside it? call it after the step)")
        return result, _finish(rec, fn, result, wrapped, tensors, slots, starts, layout, optimizers)
    finally:
        RECORDING.pop()
        HOST_DRAWS.pop()
        for name in hooks:
            delattr(backend, name)
        for t, memory, traced in wrapped:
            if t._data is traced:
                t._data = memory
        for (d, k), start in zip(slots, starts, strict=True):
            if isinstance(d[k], Sym | tuple):  # an error left it symbolic
                d[k] = start if not isinstance(d[k], Sym) else type(start)(float(d[k]))


def _refusing(to_numpy: Any) -> Any:
    def checked(array: Any) -> Any:
        if isinstance(array, Traced):
            raise refuse("it reads a tensor's value on the host in the middle "
                         "(.item(), .tolist(), .numpy(), float(), bool() or an `if` on it)")
        return to_numpy(array)
    return checked


def _random(rec: Recorder, draw: Any) -> Any:
    def recorded(*args: Any) -> Any:
        if not RECORDING:  # another thread's draw, during this capture
            return draw(*args)
        out = rec.record(draw, args, {}, draw(*args))
        rec.nodes[-1].effect = True  # fresh numbers at every replay, in eager order
        return out
    return recorded


def _finish(rec: Recorder, fn: Any, result: Any, wrapped: Any, tensors: Any, slots: Any,
            starts: Any, layout: Any, optimizers: Any) -> Any:
    """Turn what the call left behind into the replay's outputs, then build the replay."""
    if _layout(optimizers) != layout:
        return None  # the optimizer made new state (a first step): capture the next call
    copies, binds, writes = [], [], []
    for t, memory, traced in wrapped:
        if t._data is not traced and isinstance(t._data, Traced):  # a new array: copied back
            np.copyto(memory, t._data.view(np.ndarray))
            copies.append((traced._slot, rec.template(t._data).slot))
            t._data = traced
    for t in tensors:
        grad = t.grad
        if grad is None or isinstance(grad._data, Traced):
            slot = None if grad is None else rec.template(grad._data).slot
            binds.append((t, grad, slot))
            if grad is not None:
                grad._data = grad._data.view(np.ndarray)
    for n, ((d, k), start) in enumerate(zip(slots, starts, strict=True)):
        end = d[k]
        if isinstance(end, Sym) and end.code != f"n{n}":
            writes.append((d, k, end.code))
            d[k] = type(start)(eval(end.code, {f"n{i}": v for i, v in enumerate(starts)}))
        elif not isinstance(end, Sym | tuple) and end != start:
            raise refuse(f"the number {k}={start} changed to {end} during the step without a "
                         "formula the capture can follow (an lr scheduler's step() inside it?)")
    checks = [(t, memory) for t, memory, traced in wrapped
              if traced._slot in rec.state and any(t is x for x in tensors)]
    return Replay(fn, rec, _out_spec(rec, result), copies, binds, writes, slots, checks)
