"""From a recording to a replay: dead-code removal, buffers, and the generated Python source.

The replay is three small generated functions, printed by ``step.replay_source()``:

- ``numbers()`` reads the optimizer's Python numbers now (``n0 = D0['lr']``) and turns the
  formulas the capture saw (``lr / (1 - 0.9 ** step)``) into 0-d arrays, the replay's scalar
  inputs;
- ``step(...)`` is the recorded array calls in order, straight-line, one per line;
- ``commit()`` writes back the numbers the step changes (``state['step'] = step + 1``).
"""

from __future__ import annotations

import operator
import threading
import warnings
from typing import Any

import numpy as np
from numpy.lib.array_utils import byte_bounds

from ..tensor import Tensor
from .trace import Recorder, Ref, Traced, _same, _shape_is, refuse, view

# NumPy functions whose array method does the same without NumPy's Python-level dispatch.
METHODS = {np.reshape: "reshape", np.transpose: "transpose", np.mean: "mean",
           np.astype: "astype", np.copy: "copy", view: "view"}
# and reductions that are one ufunc's reduce (what sum's method calls, through Python):
# called with the same arguments, positionally, they skip a Python frame each
REDUCES = {np.sum: (np.add.reduce, ("axis", "dtype")), np.max: (np.maximum.reduce, ("axis",)),
           np.min: (np.minimum.reduce, ("axis",))}


FALLBACKS_WARNED = 3  # a warning when a check has sent this many calls back to eager mode


class GuardFailed(Exception):
    """A host check the capture saw (a target in range) fails on a replay's new values."""

    def __init__(self, late: bool, test: str = "") -> None:
        self.late = late  # after the step had begun writing into the model's memory
        self.test = test  # the check, as the replay's source has it


def _out_spec(rec: Recorder, value: Any) -> Any:
    """What the function returned, with traced tensors as slots to fill at each replay."""
    if isinstance(value, Tensor) and isinstance(value._data, Traced):
        slot = rec.template(value._data).slot
        value._data = value._data.view(np.ndarray)
        return ("T", slot, value.backend)
    if isinstance(value, tuple | list):
        return ("S", type(value), [_out_spec(rec, v) for v in value])
    if isinstance(value, Traced):
        raise refuse("it returns a raw array; return Tensors")
    return ("C", value)


def _rebuild(spec: Any, values: dict[int, Any]) -> Any:
    if spec[0] == "T":
        return Tensor._from_data(values[spec[1]], spec[2])
    if spec[0] == "S":
        return spec[1](_rebuild(s, values) for s in spec[2])
    return spec[1]


def _slots_of(spec: Any) -> list[int]:
    if spec[0] == "T":
        return [spec[1]]
    return [s for part in spec[2] for s in _slots_of(part)] if spec[0] == "S" else []


def _refs(value: Any, into: set[int]) -> None:
    if isinstance(value, Ref):
        into.add(value.slot)
    elif isinstance(value, tuple | list):
        for v in value:
            _refs(v, into)
    elif isinstance(value, dict):
        for v in value.values():
            _refs(v, into)


class Replay:
    """A capture made runnable: the generated functions plus what to do around them."""

    def __init__(self, fn: Any, rec: Recorder, returned: Any, copies: Any, binds: Any,
                 writes: Any, slots: Any, checks: Any) -> None:
        self.fn, self.returned, self.checks = fn, returned, checks
        self.fallbacks = 0  # calls a failed host check sent back to eager mode
        self.grad_owners = rec.grad_owners
        self.lock = threading.Lock()
        self.binds = [(t, grad) for t, grad, slot in binds if slot is not None]
        self.unbinds = [t for t, grad, slot in binds if slot is None]
        self.out_slots = _slots_of(returned)
        escaping = set(self.out_slots) | {s for _, _, s in binds if s is not None}
        escaping |= {src for _, src in copies}
        self.names: dict[int, str] = {}
        self.kept: list[Any] = []
        self.counts: dict[str, int] = {}  # names given per hint, so that naming stays linear
        self.namespace: dict[str, Any] = {"GuardFailed": GuardFailed, "same": _same}
        for slot, memory in rec.state.items():
            self.namespace[f"v{slot}"] = memory
        nodes = self._checks_first(rec, self._fold(rec, self._live(rec, escaping)))
        self.source = self._generate(rec, nodes, copies, binds, writes, slots)
        exec(compile(self.source, "<tg.jit replay>", "exec"), self.namespace)  # noqa: S102
        self.numbers = self.namespace["numbers"]
        self.step = self.namespace["step"]
        self.commit = self.namespace["commit"]

    @staticmethod
    def _live(rec: Recorder, needed: set[int]) -> list[Any]:
        """Dead-code removal: keep the calls that write memory or feed what is kept."""
        kept = []
        for node in reversed(rec.nodes):
            if node.effect or any(out in needed for out in node.outs):
                kept.append(node)
                _refs((node.args, node.kwargs), needed)
        return kept[::-1]

    def _fold(self, rec: Recorder, nodes: list[Any]) -> list[Any]:
        """Constant folding of what a capture recorded only so that writes into it would be
        seen: a new array (zeros, ones, full) that nothing writes into or views is the same at
        every replay, so the one the capture made is kept as a constant."""
        touched: set[int] = set()
        for node in nodes:
            if node.effect and node.guard is None:
                _refs(node.kwargs.get("out", node.args[:1]), touched)
            if any(getattr(rec.arrays[o], "base", None) is not None for o in node.outs):
                _refs(node.args, touched)  # a view: it may be written through
        kept = []
        for node in nodes:
            if (getattr(node.fn, "__name__", "") in ("zeros", "ones", "full") and node.outs
                    and node.outs[0] not in touched):
                self.namespace[f"v{node.outs[0]}"] = rec.arrays[node.outs[0]]
            else:
                kept.append(node)
        return kept

    @staticmethod
    def _checks_first(rec: Recorder, nodes: list[Any]) -> list[Any]:
        """Move each host check that reads the step's inputs only (a target's range) to the
        start, with the calls it needs: a failing check then finds the model untouched, and
        the step runs eagerly instead, raising the engine's own error."""
        written: set[int] = set()  # memory the step writes into, directly or through a view
        for node in nodes:
            if node.effect and node.guard is None:
                _refs(node.kwargs.get("out", node.args[:1]), written)
        for node in reversed(nodes):
            if any(o in written and rec.arrays[o].base is not None for o in node.outs):
                _refs(node.args, written)
        pure = set(rec.inputs) - written  # computed from the inputs and constants only
        for node in nodes:
            used: set[int] = set()
            _refs((node.args, node.kwargs), used)
            if not node.effect and used <= pure:
                pure.update(set(node.outs) - written)
        needed: set[int] = set()
        early = set()
        for node in reversed(nodes):
            if node.guard is not None or any(o in needed for o in node.outs):
                used = set()
                _refs((node.args, node.kwargs), used)
                if used <= pure and (node.guard is not None or not node.effect):
                    early.add(id(node))
                    needed |= used
        return ([n for n in nodes if id(n) in early]
                + [n for n in nodes if id(n) not in early])

    def _name(self, obj: Any, hint: str = "") -> str:
        if id(obj) in self.names:
            return self.names[id(obj)]
        hint = hint or self._hint(obj)
        name, n = hint, self.counts.get(hint, 0)
        while name in self.namespace:
            name, n = f"{hint}{n + 1}", n + 1
        self.counts[hint] = n
        self.namespace[name] = obj
        self.names[id(obj)] = name
        self.kept.append(obj)  # ids stay unique while the objects live
        return name

    @staticmethod
    def _hint(obj: Any) -> str:
        """A readable stem for a name in the replay's source: the function's own name."""
        if isinstance(obj, dict):
            return "D"
        if isinstance(obj, np.ufunc) or callable(obj) and hasattr(obj, "__name__"):
            owner = getattr(obj, "__self__", None)  # np.add.reduce: owner np.add
            if isinstance(owner, np.ufunc):
                return f"{owner.__name__}_{obj.__name__}"
            return str(obj.__name__)
        if isinstance(obj, np.dtype):
            return str(obj)
        return "c"

    def _r(self, v: Any) -> str:
        if isinstance(v, Ref):
            return f"v{v.slot}"
        if v is None or type(v) in (bool, int, str) or type(v) is float and np.isfinite(v):
            return repr(v)
        if isinstance(v, tuple):
            return "(" + ", ".join(self._r(x) for x in v) + ("," if len(v) == 1 else "") + ")"
        if isinstance(v, list):
            return "[" + ", ".join(self._r(x) for x in v) + "]"
        if isinstance(v, slice):
            return f"slice({self._r(v.start)}, {self._r(v.stop)}, {self._r(v.step)})"
        if v is Ellipsis:
            return "..."
        return self._name(v)

    def _generate(self, rec: Recorder, nodes: Any, copies: Any, binds: Any, writes: Any,
                  slots: Any) -> str:
        read = [f"    n{n} = {self._name(d)}[{k!r}]" for n, (d, k) in enumerate(slots)]
        scalars = sorted(rec.scalar_code)
        lines = ["def numbers():", *read, "    return (" + "".join(
            f"asarray({code}, dtype={self._name(dtype)}), "
            for code, dtype in (rec.scalar_code[s] for s in scalars)) + ")", ""]
        self.namespace["asarray"] = np.asarray
        params = [f"v{s}" for s in (*rec.inputs, *scalars)]
        lines.append(f"def step({', '.join(params)}):")
        # Buffer reuse: an elementwise call whose result stays inside the step writes into
        # an array made once (out=), instead of allocating a new one at every replay.
        escaping = {s for _, _, s in binds if s is not None} | set(self.out_slots)
        escaping |= {src for _, src in copies}
        for node in reversed(nodes):  # a view of an escaping array escapes with it
            if any(o in escaping and getattr(rec.arrays[o], "base", None) is not None
                   for o in node.outs):
                _refs(node.args, escaping)
        wrote = False
        owners, last = _lifetimes(rec, nodes, escaping)
        free: dict[Any, list[str]] = {}  # buffers whose value is dead, by shape and layout
        for i, node in enumerate(nodes):
            args = ", ".join([self._r(a) for a in node.args]
                             + [f"{k}={self._r(v)}" for k, v in node.kwargs.items()])
            lhs = ", ".join(f"v{o}" for o in node.outs) + (
                "," if node.unpack and len(node.outs) == 1 else "") + (" = " if node.outs else "")
            if node.guard is not None:
                test = (f"{args}.shape != {node.guard!r}" if node.fn is _shape_is
                        else f"{args} != {node.guard!r}" if type(node.guard) in (bool, int)
                        else f"not same({args}, {self._r(node.guard)})")
                lines.append(f"    if {test}: raise GuardFailed({wrote}, {test!r})")
                continue
            if node.fn is operator.getitem:
                line = f"{lhs}{self._r(node.args[0])}[{self._r(node.args[1])}]"
            elif node.fn is operator.setitem:
                a = [self._r(x) for x in node.args]
                line = f"{a[0]}[{a[1]}] = {a[2]}"
            else:
                if node.outs and node.outs[0] in owners:  # a buffer: a dead one if one fits
                    array = rec.arrays[node.outs[0]]
                    pool = free.setdefault(owners[node.outs[0]], [])
                    buffer = pool.pop() if pool else self._name(np.empty_like(array), "buf")
                    owners[node.outs[0]] = buffer
                    args += f", out={buffer}"
                method = METHODS.get(node.fn)
                reduce = _reduce_call(self, node)
                if reduce:
                    line = lhs + reduce
                elif method and node.args and isinstance(node.args[0], Ref):  # C, not Python
                    rest = args.split(", ", 1)[1] if len(node.args) + len(node.kwargs) > 1 else ""
                    line = f"{lhs}{self._r(node.args[0])}.{method}({rest})"
                else:
                    line = f"{lhs}{self._name(node.fn)}({args})"
            lines.append("    " + line)
            for slot in last.pop(i, ()):  # values read for the last time: buffers free again
                free[_layout(rec.arrays[slot])].append(owners[slot])
            target = node.kwargs.get("out", node.args[:1])
            wrote = wrote or node.effect and any(
                isinstance(t, Ref) and t.slot in rec.state for t in target)
        lines += [f"    copyto(v{dst}, v{src})" for dst, src in copies]
        self.namespace["copyto"] = np.copyto
        grads = [f"v{s}" for _, _, s in binds if s is not None]
        lines.append(f"    return ({''.join(f'v{s}, ' for s in self.out_slots)}), "
                     f"({''.join(g + ', ' for g in grads)})")
        lines += ["", "def commit():", *read, *(
            f"    {self._name(d)}[{k!r}] = {code}" for d, k, code in writes), "    pass"]
        return "\n".join(lines) + "\n"

    def valid(self) -> bool:
        """Whether the model still owns the memory the capture reads (no load_state_dict)."""
        return all(t._data is memory for t, memory in self.checks)

    def run(self, args: Any, kwargs: Any) -> Any:
        with self.lock:  # the replay's buffers are its own: one call at a time
            arrays = [a._data for a in (*args, *kwargs.values()) if isinstance(a, Tensor)]
            arrays += [t.grad._data for t in self.grad_owners]
            try:
                outs, grads = self.step(*arrays, *self.numbers())
            except GuardFailed as error:
                failed = error
            else:
                self.commit()
                for (t, grad), array in zip(self.binds, grads, strict=True):
                    grad._data = array
                    t.grad = grad
                for t in self.unbinds:
                    t.grad = None
                return _rebuild(self.returned, dict(zip(self.out_slots, outs, strict=True)))
        if failed.late:
            raise RuntimeError(
                "tg.jit: a check the capture recorded failed on this call's values after "
                "the replay had begun updating the model; run the step without tg.jit to "
                "see the engine's own error."
            ) from None
        self.fallbacks += 1
        if self.fallbacks == FALLBACKS_WARNED:
            warnings.warn(
                f"tg.jit: a host check of the capture ({failed.test}) failed on "
                f"{FALLBACKS_WARNED} calls, which then ran eagerly, at eager speed. The step "
                "reads a value on the host that changes between calls; see the check in "
                "step.replay_source().", RuntimeWarning, stacklevel=3)
        return self.fn(*args, **kwargs)  # eagerly: the engine's own error, or its branch


def _reduce_call(replay: Any, node: Any) -> str:
    """``np.sum(v, axis=a, keepdims=k)`` as ``add_reduce(v, a, None, None, k)`` (the arguments
    np.sum hands to it), or "" for a call with any other argument."""
    fn, named = REDUCES.get(node.fn, (None, ()))
    options = dict(node.kwargs)
    if fn is None or len(node.args) != 1 or not isinstance(node.args[0], Ref) or (
            set(options) - {*named, "keepdims"}):
        return ""
    args = [replay._r(node.args[0]), replay._r(options.get("axis")),
            replay._r(options.get("dtype")), "None", replay._r(options.get("keepdims", False))]
    return f"{replay._name(fn)}({', '.join(args)})"


def _layout(array: Any) -> Any:
    return array.shape, array.dtype, np.empty_like(array).strides


def _lifetimes(rec: Recorder, nodes: list[Any],
               escaping: set[int]) -> tuple[dict[int, Any], dict[int, list[int]]]:
    """Buffer reuse: the elementwise results that stay inside the step (``out=`` candidates,
    by slot, with their layout) and, for each node, those read there for the last time, views
    of them included. A buffer whose value is dead is written again by a later call of the
    same layout, so a step touches a few arrays, not one per call (the cache stays warm)."""
    owners: dict[int, Any] = {}
    bounds: dict[int, tuple[int, int]] = {}
    for node in nodes:
        array = rec.arrays[node.outs[0]] if len(node.outs) == 1 and node.guard is None else None
        if (isinstance(node.fn, np.ufunc) and isinstance(array, np.ndarray) and array.ndim
                and array.base is None and node.outs[0] not in escaping):
            owners[node.outs[0]] = _layout(array)
            bounds[node.outs[0]] = byte_bounds(array)
    end: dict[int, int] = {}
    for i, node in enumerate(nodes):
        used: set[int] = set(node.outs)
        _refs((node.args, node.kwargs), used)
        for slot in used:  # a view (or the array itself) read here keeps its buffer alive
            array = rec.arrays[slot]
            if not isinstance(array, np.ndarray) or not array.size:
                continue
            low, high = byte_bounds(array)
            for owner, (start, stop) in bounds.items():
                if start < high and low < stop:
                    end[owner] = i
    last: dict[int, list[int]] = {}
    for owner, i in end.items():
        last.setdefault(i, []).append(owner)
    return owners, last
