"""What an operation leaves for its backward: :class:`Context` (saved values, which inputs need
a gradient, version checks against in-place changes), and the version counters themselves.

A Context is made by :meth:`Function.apply <tinygrad_edu.autograd.Function.apply>` for every
recorded operation; :class:`UnrecordedContext` stands in for it when nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .grad_fn import next_functions, node_name

if TYPE_CHECKING:
    from .autograd import Function


def bump_version(tensor: Any) -> None:
    """Count one in-place change of ``tensor``'s storage (shared with all of its views)."""
    counter = tensor._versions
    if counter is None:
        tensor._versions = [1]
    else:
        counter[0] += 1


def shared_counter(tensor: Any) -> list[int]:
    """The version counter of ``tensor``'s storage, made now if it has none yet: a new view of
    the storage must share it, so that a change through either one shows in both."""
    counter = tensor._versions
    if counter is None:
        counter = tensor._versions = [0]
    return counter


class Context(list[Any]):
    """What ``forward`` leaves for ``backward``: saved values and which inputs need a gradient.

    Attributes:
        needs_input_grad: one bool per input; ``backward`` may skip work for the False ones.
        inputs: the input tensors of the operation.

    A Context *is* the list of its inputs (``ctx.inputs`` is the context itself), rather than
    an object that holds a tuple of them. That makes one object per recorded operation instead
    of two, and Python's cycle collector walks every such object, again and again while a graph
    grows: on the 65,000 scalar operations of ``benchmarks/op_overhead.py`` the second object
    cost a full collection per step. Two contexts are equal only if they are the same object.
    """

    __slots__ = (
        "fn", "backend", "_saved", "_saved_inputs", "_versions", "_output", "_needs", "__dict__"
    )
    _needs: tuple[bool, ...] | None

    def __init__(self, fn: type[Function], inputs: tuple[Any, ...], backend: Any) -> None:
        self.extend(inputs)  # the context is the list of its inputs
        self.fn = fn
        self.backend = backend
        self._saved: tuple[Any, ...] | None = ()
        # Which inputs were saved (bit i: input i), and the versions of those whose storage had
        # been changed in place before (None when none had: all were at version 0). An int and
        # usually None, not a list per operation: most graphs never see an in-place change.
        self._saved_inputs = 0
        self._versions: dict[int, int] | None = None
        self._output: Any = None  # the output tensor, set only while its backward runs

    @property
    def inputs(self) -> list[Any]:
        """The input tensors of the operation, in order."""
        return self

    # Compared and hashed as an object, not as a list: two operations are never "equal".
    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other

    __hash__ = object.__hash__  # type: ignore[assignment]  # list sets it to None

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """One bool per input: does it need a gradient? ``backward`` may skip the others."""
        if self._output is None:  # not inside backward()
            return tuple([t.requires_grad for t in self])
        needs = self._needs
        if needs is None:  # once per backward(), however often the op asks
            needs = self._needs = tuple([t.requires_grad for t in self])
        return needs

    @property
    def xp(self) -> Any:
        """The backend's array namespace, for ``forward``: ``ctx.xp.exp(x)``."""
        return self.backend.xp

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep values (inputs, the output, or anything computed) for ``backward``.

        For each saved input the version of its storage is noted too, so that ``backward``
        can refuse a value that an in-place operation changed since (see :mod:`.inplace`)."""
        self._versions = None
        mask = 0
        bit, i = 1, 0  # no enumerate(): this runs once per recorded operation
        # The inputs themselves, in order (x * y saves x and y): nothing need be kept but a
        # marker, one object fewer per operation for Python's cycle collector to walk.
        in_order = len(arrays) == len(self)
        for tensor in self:
            data = tensor._data
            if in_order and arrays[i] is not data:
                in_order = False
            for array in arrays:
                if data is array:
                    mask |= bit
                    counter = tensor._versions
                    if counter is not None and counter[0]:
                        if self._versions is None:
                            self._versions = {}
                        self._versions[i] = counter[0]
                    break
            bit <<= 1
            i += 1
        self._saved_inputs = mask
        self._saved = _INPUTS if in_order else arrays

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """The saved values as Tensors. A saved input or output comes back as that very tensor,
        so that with ``create_graph=True`` the backward pass stays connected to the graph."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(
                f"Trying to backward through the graph a second time: the values "
                f"{self.fn.__name__} saved were freed after the first backward(). Pass "
                "retain_graph=True to the first backward() if you need to call it twice."
            )
        inputs = self  # the context is the list of its inputs
        self._check_versions()
        if saved is _INPUTS:  # the inputs, in order: as PyTorch, their current data
            return tuple(inputs)
        output = self._output
        out: list[Any] = []
        for array in saved:
            for tensor in inputs:
                if tensor._data is array:
                    out.append(tensor)
                    break
            else:
                if output is not None and output._data is array:
                    out.append(output)
                else:
                    out.append(type(inputs[0])._from_data(array, self.backend))
        return tuple(out)

    def _check_versions(self) -> None:
        """Refuse saved values that an in-place operation changed after they were saved: the
        gradient computed from them would be silently wrong."""
        mask, versions = self._saved_inputs, self._versions
        bit, i = 1, 0
        for tensor in self:
            counter = tensor._versions  # None: never changed in place, so still at version 0
            if counter is not None and mask & bit:
                seen = 0 if versions is None else versions.get(i, 0)
                if counter[0] != seen:
                    self._refuse(tensor, seen)
            bit <<= 1
            i += 1
        output = self._output
        if output is not None and output._versions is not None and output._version != 0 and any(
            output._data is array for array in self._saved or ()
        ):
            self._refuse(output, 0)  # the output did not exist yet when it was saved

    def _refuse(self, tensor: Any, seen: int) -> None:
        made_by = f"made by {tensor._ctx.fn.__name__}" if tensor._ctx is not None else "a leaf"
        raise RuntimeError(
            "one of the variables needed for gradient computation has been modified by an "
            f"inplace operation: a tensor of shape {tensor.shape} ({made_by}), saved by "
            f"{self.fn.__name__} for its backward, is at version {tensor._version}; "
            f"expected version {seen} instead. Change it out of place (x = x + 1, not "
            "x += 1), or make the in-place change after backward(); x.clone() gives a "
            "copy that can be changed freely."
        )

    def backward(self, grad: Any, output: Any = None) -> Sequence[Any]:
        """Run the Function's backward for ``output`` (the tensor this context made), check it
        gave one gradient per input, and sum each gradient back to its input's shape.

        That summing undoes broadcasting, and this is the only place that does it: an op's
        backward may return a gradient in the broadcast shape and leave the rest to the engine.
        """
        self._output = output
        self._needs = None  # worked out if the backward asks (see needs_input_grad)
        try:
            grads = self.fn.backward(self, grad)
        finally:
            self._output = None
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) != len(self):
            raise RuntimeError(
                f"{self.fn.__name__}.backward returned {len(grads)} gradients for "
                f"{len(self)} inputs; return one per input (None where not needed)."
            )
        i = 0  # an index, not zip(): this runs once per node of every backward pass
        for input_grad in grads:
            if input_grad is not None and input_grad._data.shape != self[i]._data.shape:
                return [
                    g if g is None or g._data.shape == t._data.shape else self._fit(g, t)
                    for g, t in zip(grads, self, strict=True)
                ]
            i += 1
        return grads

    def _fit(self, grad: Any, input: Any) -> Any:
        """Sum a gradient in a broadcast shape back to its input's shape, after checking that
        it is one: a backward that returns some other shape is a bug in that backward."""
        shape, got = input._data.shape, grad._data.shape
        if len(got) < len(shape) or any(
            n != 1 and n != m for n, m in zip(reversed(shape), reversed(got), strict=False)
        ):
            raise RuntimeError(
                f"{self.fn.__name__}.backward returned a gradient of shape {tuple(got)} for an "
                f"input of shape {tuple(shape)}; it must have the input's shape (or a shape "
                "the input broadcasts to)."
            )
        return input._sum_to_shape(grad)

    def free(self) -> None:
        """Drop the saved values once backward is done with them."""
        self._saved = None

    # -- PyTorch's view of the node (tensor.grad_fn), see grad_fn.py ------------------------
    def name(self) -> str:
        """PyTorch's name for this node: ``MulBackward0``, ``MmBackward0``, ..."""
        return node_name(self)

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """``(node, 0)`` per input, as PyTorch: the node that made it, an ``AccumulateGrad``
        for a leaf that requires grad, or None."""
        return next_functions(self)

    def __repr__(self) -> str:
        return f"<{node_name(self)} object at {id(self):#x}>"


class _SavedInputs(tuple):  # type: ignore[type-arg]
    """The marker of a context that saved exactly its inputs, in order (empty, so that code
    looking through the saved arrays finds none of the output among them)."""


_INPUTS = _SavedInputs()


class UnrecordedContext:
    """Stands in for a Context when nothing will be differentiated: saving is a no-op."""

    __slots__ = ("backend", "__dict__")

    def __init__(self, backend: Any) -> None:
        self.backend = backend

    @property
    def xp(self) -> Any:
        return self.backend.xp

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """Nothing needs a gradient here: ``any(ctx.needs_input_grad)`` is False, and so is
        ``ctx.needs_input_grad[i]`` for every input."""
        return _NOTHING_NEEDED

    def save_for_backward(self, *arrays: Any) -> None:
        pass


class _NothingNeeded(tuple):  # type: ignore[type-arg]
    """An empty tuple that answers False for any position: how many inputs an unrecorded
    operation has does not matter, none of them needs a gradient."""

    def __getitem__(self, index: Any) -> Any:
        return False


_NOTHING_NEEDED = _NothingNeeded()
