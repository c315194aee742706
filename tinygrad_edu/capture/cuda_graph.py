"""``tg.jit`` on CuPy: the step replayed as a CUDA graph. UNTESTED ON HARDWARE (written without
a GPU; ``scripts/gpu_check.sh`` runs its check where one is lent).

A GPU step is launch-bound: each of its ~60 small kernels costs a few microseconds to launch
from Python. CUDA can record the launches of a stream once (*stream capture*) and replay the
whole graph with one call. The recipe, as ``torch.cuda.graphs``:

1. the first call runs eagerly (the optimizer makes its state) and snapshots the optimizer's
   Python numbers; if the step changed any (Adam's ``step``), a graph would freeze it, so this
   signature stays eager (``reason`` says so);
2. the second call runs the step on *static* input tensors inside
   ``stream.begin_capture()`` / ``end_capture()`` (nothing executes during a capture), then
   launches the graph once;
3. later calls copy the new inputs into the static ones and launch the graph: the kernels
   read and write the same memory every time, and no Python runs.

A host synchronisation inside the step (``.item()``, ``bool()`` of a device array) cannot be
captured: CuPy raises, and the signature stays eager, with the reason. While the graph records,
``Backend.host_reads_forbidden`` is set: the cross-entropy then leaves its targets' range
unread, and a target out of range gives a nan loss (and nan gradients) in every replay, where
eager mode raises IndexError (PyTorch's CUDA kernels stop with a device-side assert).
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor


class CudaGraphStep:
    """One signature of a ``@tg.jit`` function on the CuPy backend."""

    def __init__(self, fn: Any, discovered: tuple[Any, ...]) -> None:
        self.fn, self.optimizers = fn, discovered[0]
        self.calls = 0
        self.reason = ""  # why this signature runs eagerly, when it does
        self.graph: Any = None
        self.source = "# CuPy: the replay is a CUDA graph of the step's kernels (no source)"

    def valid(self) -> bool:
        return True

    def _numbers(self) -> list[Any]:
        return [(k, v) for o in self.optimizers for g in o.param_groups
                for k, v in g.items() if k != "params"] + [
            (k, v) for o in self.optimizers for s in o.state.values()
            for k, v in s.items() if not isinstance(v, Tensor)]

    def run(self, args: Any, kwargs: Any) -> Any:
        self.calls += 1
        if self.reason or self.calls == 1:
            before = self._numbers()
            result = self.fn(*args, **kwargs)
            if self.calls == 1 and self._numbers() != before:
                self.reason = ("the step changes Python numbers (a step count); a CUDA graph "
                               "would freeze them, so this signature runs eagerly")
            self.snapshot = self._numbers()
            return result
        if self._numbers() != self.snapshot:  # a scheduler changed lr: capture again
            self.graph, self.calls = None, 1
            return self.run(args, kwargs)
        if self.graph is None:
            return self._capture(args, kwargs)
        return self._launch(args, kwargs)

    def _capture(self, args: Any, kwargs: Any) -> Any:
        first = next(a for a in (*args, *kwargs.values()) if isinstance(a, Tensor))
        cp = first.backend.xp
        self.backend = first.backend
        self.static_args = [a.clone() if isinstance(a, Tensor) else a for a in args]
        self.static_kwargs = {k: v.clone() if isinstance(v, Tensor) else v
                              for k, v in kwargs.items()}
        self.stream = cp.cuda.Stream(non_blocking=True)
        self.stream.wait_event(cp.cuda.get_current_stream().record())
        try:
            with self.stream:
                self.stream.begin_capture()
                self.backend.host_reads_forbidden = True  # see Backend: bad targets give nan
                try:
                    self.result = self.fn(*self.static_args, **self.static_kwargs)
                finally:
                    self.backend.host_reads_forbidden = False
                    self.graph = self.stream.end_capture()
        except Exception as error:  # a host synchronisation, an allocation CUDA refused
            self.graph = None
            self.reason = f"the step could not be captured as a CUDA graph ({error})"
            return self.fn(*args, **kwargs)
        return self._launch(args, kwargs)

    def _launch(self, args: Any, kwargs: Any) -> Any:
        for static, new in zip((*self.static_args, *self.static_kwargs.values()),
                               (*args, *kwargs.values()), strict=True):
            if isinstance(new, Tensor):
                static._data[...] = new._data
        cp = self.backend.xp
        current = cp.cuda.get_current_stream()
        self.stream.wait_event(current.record())
        self.graph.launch(self.stream)
        current.wait_event(self.stream.record())  # later work waits on the GPU, not the host
        return _fresh(self.result)


def _fresh(value: Any) -> Any:
    if isinstance(value, Tensor):
        return Tensor._from_data(value._data.copy(), value.backend)
    if isinstance(value, tuple | list):
        return type(value)(_fresh(v) for v in value)
    return value
