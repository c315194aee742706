"""The autograd core shared by :class:`~tinygrad_edu.Value` and :class:`~tinygrad_edu.Tensor`.

Every result of a differentiable operation remembers how it was made in ``node._ctx``: the
inputs, and a ``backward(grad)`` that turns the gradient of the result into the gradients of the
inputs (the chain rule, one step). :func:`run_backward` orders the graph so that each node is
handled after everything that uses it, then walks it once from the output back to the leaves,
*adding up* the gradients that reach a node along different paths.

For tensors an operation is a :class:`Function`: ``forward`` computes on raw backend arrays,
``backward`` computes on Tensors, so that with ``create_graph=True`` the backward pass is itself
recorded and can be differentiated again.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Sequence
from typing import Any

from .grad_mode import _mode, set_grad_enabled

# Grad mode lives in its own module; these names stay importable from here, as in PyTorch.
from .grad_mode import enable_grad as enable_grad
from .grad_mode import is_grad_enabled as is_grad_enabled
from .grad_mode import no_grad as no_grad


def __getattr__(name: str) -> Any:
    """``tg.autograd.gradcheck`` and ``gradgradcheck``, where PyTorch keeps them (they live in
    :mod:`tinygrad_edu.gradcheck`, which imports this module, so they are looked up lazily)."""
    if name in ("gradcheck", "gradgradcheck"):
        import importlib

        return getattr(importlib.import_module("tinygrad_edu.gradcheck"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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


class Context:
    """What ``forward`` leaves for ``backward``: saved values and which inputs need a gradient.

    Attributes:
        needs_input_grad: one bool per input; ``backward`` may skip work for the False ones.
        inputs: the input tensors of the operation.
    """

    __slots__ = (
        "fn", "inputs", "backend", "_saved", "_saved_inputs", "_versions", "_output", "_needs",
        "__dict__",
    )
    _needs: tuple[bool, ...] | None

    def __init__(self, fn: type[Function], inputs: tuple[Any, ...], backend: Any) -> None:
        self.fn = fn
        self.inputs = inputs
        self.backend = backend
        self._saved: tuple[Any, ...] | None = ()
        # Which inputs were saved (bit i: input i), and the versions of those whose storage had
        # been changed in place before (None when none had: all were at version 0). An int and
        # usually None, not a list per operation: most graphs never see an in-place change.
        self._saved_inputs = 0
        self._versions: dict[int, int] | None = None
        self._output: Any = None  # the output tensor, set only while its backward runs

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """One bool per input: does it need a gradient? ``backward`` may skip the others."""
        if self._output is None:  # not inside backward()
            return tuple([t.requires_grad for t in self.inputs])
        needs = self._needs
        if needs is None:  # once per backward(), however often the op asks
            needs = self._needs = tuple([t.requires_grad for t in self.inputs])
        return needs

    @property
    def xp(self) -> Any:
        """The backend's array namespace, for ``forward``: ``ctx.xp.exp(x)``."""
        return self.backend.xp

    def save_for_backward(self, *arrays: Any) -> None:
        """Keep values (inputs, the output, or anything computed) for ``backward``.

        For each saved input the version of its storage is noted too, so that ``backward``
        can refuse a value that an in-place operation changed since (see :mod:`.inplace`)."""
        self._saved = arrays
        self._versions = None
        mask = 0
        bit = 1  # no enumerate(): this runs once per recorded operation, and allocates nothing
        for tensor in self.inputs:
            data = tensor.data
            for array in arrays:
                if data is array:
                    mask |= bit
                    counter = tensor._versions
                    if counter is not None and counter[0]:
                        if self._versions is None:
                            self._versions = {}
                        self._versions[bit.bit_length() - 1] = counter[0]
                    break
            bit <<= 1
        self._saved_inputs = mask

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
        inputs = self.inputs
        output = self._output
        self._check_versions()
        out: list[Any] = []
        for array in saved:
            for tensor in inputs:
                if tensor.data is array:
                    out.append(tensor)
                    break
            else:
                if output is not None and output.data is array:
                    out.append(output)
                else:
                    out.append(type(inputs[0])._from_data(array, self.backend))
        return tuple(out)

    def _check_versions(self) -> None:
        """Refuse saved values that an in-place operation changed after they were saved: the
        gradient computed from them would be silently wrong."""
        changed = None
        mask, versions = self._saved_inputs, self._versions
        i = 0
        while mask:
            if mask & 1:
                seen = 0 if versions is None else versions.get(i, 0)
                counter = self.inputs[i]._versions
                if (0 if counter is None else counter[0]) != seen:
                    changed = (self.inputs[i], seen)
                    break
            mask >>= 1
            i += 1
        output = self._output
        if changed is None and output is not None and output._versions is not None and any(
            output.data is array for array in self._saved or ()
        ) and output._version != 0:
            changed = (output, 0)
        if changed is not None:
            tensor, seen = changed
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
        inputs = self.inputs
        self._output = output
        self._needs = None  # worked out if the backward asks (see needs_input_grad)
        try:
            grads = self.fn.backward(self, grad)
        finally:
            self._output = None
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) != len(inputs):
            raise RuntimeError(
                f"{self.fn.__name__}.backward returned {len(grads)} gradients for "
                f"{len(inputs)} inputs; return one per input (None where not needed)."
            )
        for input_grad, t in zip(grads, inputs, strict=False):  # lengths checked above
            if input_grad is not None and input_grad.data.shape != t.data.shape:
                return [
                    g if g is None or g.data.shape == t.data.shape else self._fit(g, t)
                    for g, t in zip(grads, inputs, strict=False)
                ]
        return grads

    def _fit(self, grad: Any, input: Any) -> Any:
        """Sum a gradient in a broadcast shape back to its input's shape, after checking that
        it is one: a backward that returns some other shape is a bug in that backward."""
        shape, got = input.data.shape, grad.data.shape
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

    def __repr__(self) -> str:
        return f"<{self.fn.__name__}Backward>"


class Function:
    """A differentiable operation: ``forward`` and ``backward`` side by side.

    Subclass it and call ``MyOp.apply(*tensors, **options)``, as with ``torch.autograd.Function``.
    ``forward(ctx, *arrays, **options)`` receives the raw arrays of the input tensors and returns
    a raw array; ``backward(ctx, grad)`` receives the gradient of the output as a Tensor and
    returns one Tensor (or None) per input.

    Examples:
        >>> import tinygrad_edu as tg
        >>> class Cube(tg.Function):
        ...     '''y = x**3;  dy/dx = 3 x**2'''
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x * x * x
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         (x,) = ctx.saved_tensors
        ...         return grad * 3 * x * x
        >>> x = tg.Tensor(2.0, requires_grad=True)
        >>> Cube.apply(x).backward()
        >>> x.grad.item()
        12.0
    """

    #: True where the result may share memory with the first input (reshape, a slice): it then
    #: shares the input's version counter, so an in-place change through either shows in both.
    makes_view: bool = False

    @staticmethod
    def forward(ctx: Context, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define forward(ctx, *arrays)")

    @classmethod
    def shares_memory(cls, **options: Any) -> bool:
        """For an op that ``makes_view``: whether the result of a call with these options is a
        view of the first input (an op may make views for some options only)."""
        return True

    @staticmethod
    def backward(ctx: Context, grad: Any) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *inputs: Any, **options: Any) -> Any:
        """Run ``forward`` on the inputs' arrays and, if any input needs a gradient, record it."""
        try:
            first = inputs[0]
            backend = first.backend
            needs_grad = False
            for t in inputs:
                if t.backend is not backend:
                    raise _mixed_backends(cls, inputs)
                if t.requires_grad:
                    needs_grad = _mode.enabled
        except (IndexError, AttributeError):
            raise TypeError(
                f"{cls.__name__}.apply takes one or more Tensors (options by keyword), got "
                f"({', '.join(type(t).__name__ for t in inputs)}); make numbers Tensors first."
            ) from None
        if not needs_grad:
            # Nothing to record: the forward runs with a throw-away context (the hot path of
            # every backward pass, whose own operations are not recorded).
            data = cls.forward(backend.unrecorded, *map(_data, inputs), **options)
            if not hasattr(data, "dtype"):
                raise _not_an_array(cls, data)
            out = first._from_data(data, backend)
        else:
            ctx = Context(cls, inputs, backend)
            data = cls.forward(ctx, *map(_data, inputs), **options)
            if not hasattr(data, "dtype"):
                raise _not_an_array(cls, data)
            out = first._from_op(data, backend, ctx)
        if cls.makes_view and cls.shares_memory(**options):
            out._versions = shared_counter(first)
        return out


_data = operator.attrgetter("data")  # tensor -> its array


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


def _not_an_array(fn: type[Function], result: Any) -> TypeError:
    return TypeError(
        f"{fn.__name__}.forward returned a {type(result).__name__}, not an array; forward must "
        "return one array of the backend (compute with ctx.xp, e.g. ctx.xp.stack(values))."
    )


def _mixed_backends(fn: type[Function], inputs: Sequence[Any]) -> RuntimeError:
    names = [t.backend.name for t in inputs]
    return RuntimeError(
        f"{fn.__name__}: inputs live on different backends ({', '.join(names)}). Move one "
        f"first, e.g. tensor.to({names[0]!r})."
    )


def topological_order(root: Any) -> list[Any]:
    """Nodes that ``root`` depends on and that need gradients, each after all of its inputs.

    Iterative (an explicit stack, no recursion), so a chain of 100,000 operations is fine.
    """
    order: list[Any] = []
    visited = {id(root)}
    # Depth first: each stack entry is a node and an iterator over its inputs still to visit.
    stack = [(root, _inputs_of(root))]
    while stack:
        node, inputs = stack[-1]
        for parent in inputs:
            if parent.requires_grad and id(parent) not in visited:
                visited.add(id(parent))
                stack.append((parent, _inputs_of(parent)))
                break  # visit this input's inputs first; come back to ours afterwards
        else:  # every input is in the order already, so the node can follow them
            stack.pop()
            order.append(node)
    return order


def _inputs_of(node: Any) -> Iterator[Any]:
    ctx = node._ctx
    return iter(ctx.inputs if ctx is not None else ())


def run_backward(
    root: Any,
    grad: Any,
    *,
    retain_graph: bool = False,
    create_graph: bool = False,
    targets: Sequence[Any] | None = None,
) -> list[Any] | None:
    """Propagate ``grad`` (the gradient of ``root``) back through the graph.

    With ``targets=None`` gradients are added into ``.grad`` of the nodes that keep one (leaves,
    or every Value). Otherwise ``.grad`` is left alone and the gradients of ``targets`` are
    returned, in order (None for a target the output does not depend on).
    """
    # Where a node's finished gradient goes is decided once, before the loop.
    found: dict[int, Any] = {}
    if targets is None:

        def deliver(node: Any, node_grad: Any) -> None:
            if node._ctx is None or node._retains_grad:  # a leaf, or asked to keep its grad
                node._accumulate_grad(node_grad, create_graph)

    else:
        wanted = {id(t) for t in targets}

        def deliver(node: Any, node_grad: Any) -> None:
            if id(node) in wanted:
                if getattr(node_grad, "_fresh", False):
                    node_grad._fresh = False  # handed to the caller: not a leaf's to keep
                found[id(node)] = node_grad

    add = root._grad_adder(create_graph)  # how two gradients of one node are summed
    pending: dict[int, Any] = {id(root): grad}  # gradients still being summed, by node
    with set_grad_enabled(create_graph):
        # The chain rule: each node comes after every node that uses it, so its gradient is
        # complete when it is reached; it is delivered, then passed on to the node's inputs.
        for node in reversed(topological_order(root)):
            node_grad = pending.pop(id(node), None)
            if node_grad is None:
                continue
            deliver(node, node_grad)
            ctx = node._ctx
            if ctx is None:
                continue
            input_grads = ctx.backward(node_grad, node)  # one per input, checked there
            for parent, parent_grad in zip(ctx.inputs, input_grads, strict=False):
                if parent_grad is None or not parent.requires_grad:
                    continue
                key = id(parent)
                previous = pending.get(key)
                pending[key] = parent_grad if previous is None else add(previous, parent_grad)
            if not retain_graph:
                ctx.free()
    if targets is None:
        return None
    return [found.get(id(t)) for t in targets]


def _one_output(outputs: Sequence[Any], grad_outputs: Any) -> tuple[Any, Any]:
    """Several outputs as one: the gradient of sum_i <output_i, grad_output_i> is the sum of
    the gradients that each output's grad_output asks for."""
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif not isinstance(grad_outputs, list | tuple) or len(grad_outputs) != len(outputs):
        raise ValueError("grad(): give one grad_output per output (None for a scalar output)")
    if len(outputs) == 1:
        return outputs[0], grad_outputs[0]
    total = None
    for output, grad_output in zip(outputs, grad_outputs, strict=True):
        term = (output * output._seed_grad(grad_output)).sum()
        total = term if total is None else total + term
    return total, None


def grad(
    outputs: Any,
    inputs: Sequence[Any] | Any,
    grad_outputs: Any = None,
    *,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Any, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, without touching any ``.grad``.

    Like ``torch.autograd.grad``. With ``create_graph=True`` the results can be differentiated
    again (Hessian-vector products, gradient penalties).

    Examples:
        >>> import tinygrad_edu as tg
        >>> x = tg.Tensor(3.0, requires_grad=True)
        >>> (dx,) = tg.grad(x ** 3, x, create_graph=True)
        >>> dx.item(), tg.grad(dx, x)[0].item()
        (27.0, 18.0)
    """
    single = not isinstance(inputs, (list, tuple))
    inputs_list: list[Any] = [inputs] if single else list(inputs)
    for t in inputs_list:
        if not t.requires_grad:
            raise RuntimeError(
                "grad(): one of the inputs does not require grad; create it with "
                "requires_grad=True or call .requires_grad_()."
            )
    if isinstance(outputs, list | tuple):
        outputs, grad_outputs = _one_output(outputs, grad_outputs)
    if not outputs.requires_grad:
        raise RuntimeError(
            "grad(): the output does not require grad: no input that requires grad went into "
            "it, or it was computed inside no_grad()."
        )
    seed = outputs._seed_grad(grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    results = run_backward(
        outputs, seed, retain_graph=retain_graph, create_graph=create_graph, targets=inputs_list
    )
    assert results is not None
    for g in results:
        if g is None and not allow_unused:
            raise RuntimeError(
                "grad(): an input was not used to compute the output; pass allow_unused=True "
                "to get None for it."
            )
    return tuple(results)
