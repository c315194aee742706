"""The autograd core shared by :class:`~tinygrad_edu.Value` and :class:`~tinygrad_edu.Tensor`.

Every result of a differentiable operation remembers how it was made in ``node._ctx``: the
inputs, and a ``backward(grad)`` that turns the gradient of the result into the gradients of the
inputs (the chain rule, one step). :func:`run_backward` orders the graph so that each node is
handled after everything that uses it, then walks it once from the output back to the leaves,
*adding up* the gradients that reach a node along different paths.

For tensors an operation is a :class:`Function`: ``forward`` computes on raw backend arrays,
``backward`` computes on Tensors, so that with ``create_graph=True`` the backward pass is itself
recorded and can be differentiated again.

Two neighbours complete the picture: :mod:`.context` (what an operation saves for its backward,
and the version checks against in-place changes) and :mod:`.grad_mode` (``no_grad`` and
friends, per thread).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .context import Context, UnrecordedContext, shared_counter
from .context import bump_version as bump_version
from .grad_mode import _mode, set_grad_enabled

# Grad mode lives in its own module; these names stay importable from here, as in PyTorch.
from .grad_mode import enable_grad as enable_grad
from .grad_mode import is_grad_enabled as is_grad_enabled
from .grad_mode import no_grad as no_grad

# ``tg.autograd.grad``, ``backward``, ``gradcheck`` and ``gradgradcheck``, where PyTorch keeps
# them. They live in :mod:`tinygrad_edu.gradients` and :mod:`tinygrad_edu.gradcheck`, which
# import this module, so it cannot import them; ``tinygrad_edu/__init__.py`` puts them here.
grad: Callable[..., tuple[Any, ...]]
backward: Callable[..., None]
gradcheck: Callable[..., bool]
gradgradcheck: Callable[..., bool]


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
            arrays = []  # what forward computes on
            for t in inputs:
                if t.backend is not backend:
                    raise _mixed_backends(cls, inputs)
                if t.requires_grad:
                    needs_grad = _mode.enabled
                arrays.append(t._data)
        except (IndexError, AttributeError):
            raise TypeError(
                f"{cls.__name__}.apply takes one or more Tensors (options by keyword), got "
                f"({', '.join(type(t).__name__ for t in inputs)}); make numbers Tensors first."
            ) from None
        if not needs_grad:
            # Nothing to record: the forward runs with a throw-away context (the hot path of
            # every backward pass, whose own operations are not recorded).
            try:  # one throw-away context per backend, kept on it (backends know no contexts)
                unrecorded = backend.unrecorded
            except AttributeError:  # the first unrecorded operation on this backend
                unrecorded = backend.unrecorded = UnrecordedContext(backend)
            data = cls.forward(unrecorded, *arrays, **options)
            if not hasattr(data, "dtype"):
                raise _not_an_array(cls, data)
            out = first._from_data(data, backend)
        else:
            ctx = Context(cls, inputs, backend)
            data = cls.forward(ctx, *arrays, **options)
            if not hasattr(data, "dtype"):
                raise _not_an_array(cls, data)
            out = first._from_op(data, backend, ctx)
        if cls.makes_view and cls.shares_memory(**options):
            out._versions = shared_counter(first)
        return out


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
    visited = {root}  # by identity: a Tensor hashes as an object (see Tensor.__hash__)
    # Depth first: each stack entry is a node and an iterator over its inputs still to visit.
    stack = [(root, _inputs_of(root))]
    while stack:
        node, inputs = stack[-1]
        for parent in inputs:
            if parent.requires_grad and parent not in visited:
                visited.add(parent)
                ctx = parent._ctx  # (inline: a call per node costs more than this line)
                stack.append((parent, iter(ctx.inputs) if ctx is not None else _NO_INPUTS))
                break  # visit this input's inputs first; come back to ours afterwards
        else:  # every input is in the order already, so the node can follow them
            stack.pop()
            order.append(node)
    return order


_NO_INPUTS: Iterator[Any] = iter(())  # a leaf's inputs: none (exhausted, so safe to share)


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
    # Where a node's finished gradient goes: into .grad (targets=None, inline below: a call
    # per node costs), or into the results for the targets.
    found: dict[Any, Any] = {}  # by node, as pending below
    to_grad = targets is None
    wanted = set() if targets is None else set(targets)

    def deliver(node: Any, node_grad: Any) -> None:
        if node in wanted:
            if getattr(node_grad, "_fresh", False):
                node_grad._fresh = False  # handed to the caller: not a leaf's to keep
            found[node] = node_grad

    add = root._grad_adder(create_graph)  # how two gradients of one node are summed
    pending: dict[Any, Any] = {root: grad}  # gradients still being summed, by node
    hooked = HookHandle.registered > 0  # any register_hook at all (else no lookup per node)
    with set_grad_enabled(create_graph):
        # The chain rule: each node comes after every node that uses it, so its gradient is
        # complete when it is reached; it is delivered, then passed on to the node's inputs.
        for node in reversed(topological_order(root)):
            node_grad = pending.pop(node, None)
            if node_grad is None:
                continue
            if hooked and getattr(node, "_hooks", None):
                node_grad = HookHandle.run(node._hooks, node_grad)
            ctx = node._ctx
            if not to_grad:
                deliver(node, node_grad)
            elif ctx is None or node._retains_grad:  # a leaf, or asked to keep its grad
                node._accumulate_grad(node_grad, create_graph)
            if ctx is None:
                continue
            input_grads = ctx.backward(node_grad, node)  # one per input, checked there
            # (zip without strict=: the lengths are checked, and the keyword costs per node)
            for parent, parent_grad in zip(ctx.inputs, input_grads):  # noqa: B905
                if parent_grad is None or not parent.requires_grad:
                    continue
                previous = pending.get(parent)
                pending[parent] = parent_grad if previous is None else add(previous, parent_grad)
            if not retain_graph:
                ctx.free()
    if targets is None:
        return None
    return [found.get(t) for t in targets]


class HookHandle:
    """What ``Tensor.register_hook`` returns: ``remove()`` takes the hook off again (PyTorch's
    ``RemovableHandle``; also a context manager). ``registered`` counts the hooks ever added, so
    that a backward with none to run looks for none."""

    registered = 0

    def __init__(self, hooks: list[Any], hook: Any) -> None:
        self._hooks, self._hook = hooks, hook
        HookHandle.registered += 1

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

    def __enter__(self) -> HookHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()

    @staticmethod
    def run(hooks: list[Any], grad: Any) -> Any:
        """Each hook in turn sees the gradient; one that returns a tensor replaces it."""
        for hook in list(hooks):
            result = hook(grad)
            if result is not None:
                grad = result
        return grad
