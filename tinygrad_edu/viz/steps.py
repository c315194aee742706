"""The backward pass, step by step: :func:`backward_steps`.

For a small graph it lists each step that ``backward()`` takes, in the same order: the node,
the gradient that arrived (and from which users, so that paths can be seen adding up), the
local derivative for each input, and what is sent on to each input. The numbers come from the
graph's own backward functions, so they are what ``backward()`` computes; the graph and every
``.grad`` are left as they were. It is how a learner checks a chain-rule computation done by
hand, one step at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..autograd import topological_order
from ..grad_mode import set_grad_enabled

#: Largest Jacobian (output elements x input elements) that backward_steps works out for a
#: tensor step; a larger one is left as None (the op's formula still says what it is).
MAX_JACOBIAN_ENTRIES = 256


@dataclass
class BackwardStep:
    """One step of the backward pass: one node, after all the nodes that use it.

    Attributes:
        name: the node's name (its ``label``, a name from ``labels=``, or ``n<i>``).
        node: the Value or Tensor itself.
        op: the operation that made it (``"*"``, ``"Mul"``), or None for a leaf.
        formula: for a tensor op, its derivative formula (the first line of its docstring).
        inputs: the names of the op's inputs (``constant`` for a tensor without a gradient).
        grad: the gradient that arrived, d(output)/d(node), summed over every path.
        received: where that gradient came from: ``(name of the user, amount)`` pairs (the
            output's own gradient comes from ``"start"``).
        local: one local derivative per input, d(node)/d(input): a float for a Value; for a
            tensor the Jacobian, of shape ``node.shape + input.shape`` (None when too large).
        sent: what goes to each input: the gradient times the local derivative (for a tensor,
            what the op's backward returns), or None where nothing is sent.
    """

    name: str
    node: Any
    op: str | None
    formula: str | None
    inputs: tuple[str, ...]
    grad: Any
    received: list[tuple[str, Any]]
    local: tuple[Any, ...] = ()
    sent: tuple[Any, ...] = ()

    @property
    def is_leaf(self) -> bool:
        """True for a node no operation made (an input): its gradient ends up in ``.grad``."""
        return self.op is None


class BackwardSteps(list[BackwardStep]):
    """The list :func:`backward_steps` returns; ``print`` it to read the steps."""

    def grad_of(self, node: Any) -> Any:
        """The full gradient that reached ``node`` (what ``backward()`` adds to its ``.grad``)."""
        for step in self:
            if step.node is node:
                return step.grad
        raise KeyError(f"{_describe(node)} is not in these steps: the output does not depend on it")

    def show(self, *names: str, jacobians: bool = True) -> str:
        """The text of the steps of the nodes named ``names`` only, numbered as in the whole
        list: a few steps of a long backward pass. ``jacobians=False`` leaves out the local
        derivatives of tensor steps (large arrays) and keeps what each step sends.

        Raises:
            KeyError: a name that no step has; the message lists the names there are.
        """
        known = [step.name for step in self]
        unknown = [name for name in names if name not in known]
        if unknown:
            raise KeyError(f"no step is named {unknown}; the steps are {known}")
        return self._text(set(names), jacobians)

    def __str__(self) -> str:
        return self._text(None, True)

    def _text(self, only: set[str] | None, jacobians: bool) -> str:
        if not self:
            return "(no steps)"
        root = self[0].name
        if only is None:
            lines = [f"backward() of {root}, step by step, from the output back to the inputs:"]
        else:
            lines = [f"backward() of {root}, {len(only)} of its {len(self)} steps:"]
        for number, step in enumerate(self, start=1):
            if only is not None and step.name not in only:
                continue
            start = f"{number}. " + step.name
            lines.append(start + ("  (leaf)" if step.is_leaf else f" = {_expression(step)}"))
            pad = " " * (len(str(number)) + 2)
            arrived = f"d{root}/d{step.name} = {_show(step.grad)}"
            if len(step.received) > 1:
                parts = " + ".join(f"{_show(g)} (from {who})" for who, g in step.received)
                arrived += f" = {parts}"
            elif step.received and step.received[0][0] != "start":
                arrived += f"  (from {step.received[0][0]})"
            lines.append(f"{pad}gradient in: {arrived}")
            if step.is_leaf:
                continue
            if step.formula:
                lines.append(f"{pad}rule: {step.formula}")
            for input_name, local, sent in zip(step.inputs, step.local, step.sent, strict=True):
                derivative = f"d{step.name}/d{input_name}"
                if sent is None:
                    lines.append(f"{pad}{input_name} needs no gradient: nothing sent")
                elif isinstance(local, float):
                    lines.append(
                        f"{pad}local {derivative} = {_show(local)}, sends "
                        f"{_show(step.grad)} * {_show(local)} = {_show(sent)}"
                    )
                elif jacobians:
                    jacobian = "too large to show" if local is None else _show(local)
                    lines.append(f"{pad}local {derivative} = {jacobian}")
                    lines.append(f"{pad}  sends {_show(sent)} to {input_name}")
                else:
                    lines.append(f"{pad}sends {_show(sent)} to {input_name}")
        return "\n".join(lines)

    __repr__ = __str__


def _describe(node: Any) -> str:
    return f"this {type(node).__name__}"


# The tensor ops that Python writes with an operator, shown as one (a * b, not Mul(a, b)).
_SYMBOLS = {"Add": "+", "Sub": "-", "Mul": "*", "Div": "/", "Pow": "**", "MatMul": "@"}


def _expression(step: BackwardStep) -> str:
    """``a * b`` for a two-input op with a symbol, else ``exp(a)`` or ``Sum(a)``."""
    op = step.op or ""
    symbol = _SYMBOLS.get(op, "" if op.isidentifier() else op)
    if len(step.inputs) == 2 and symbol:
        return f"{step.inputs[0]} {symbol} {step.inputs[1]}"
    return f"{op}({', '.join(step.inputs)})"


def _input_name(names: dict[int, str], node: Any) -> str:
    """An input's name; a tensor that needs no gradient is a constant, shown by its value when
    it is one number."""
    if id(node) in names:
        return names[id(node)]
    return _show(node) if node.numel() == 1 else "constant"


def _show(x: Any) -> str:
    """A float, or a tensor's numbers, in four significant digits."""
    return _show_list(x if isinstance(x, int | float) else x.tolist())


def _show_list(x: Any) -> str:
    if isinstance(x, list):
        return "[" + ", ".join(_show_list(item) for item in x) + "]"
    return f"{x + 0.0:.4g}"  # + 0.0 turns -0.0 (from 1 * -0.0) into 0


def _jacobian(ctx: Any, node: Any, index: int) -> Any:
    """d(node)/d(input ``index``), one row per element of ``node``: the op's own backward, run
    with each one-hot gradient (a vector-Jacobian product per element). None when too large."""
    target = ctx.inputs[index]
    if node.numel() * target.numel() > MAX_JACOBIAN_ENTRIES:
        return None
    xp, count = node.backend.xp, node.numel()
    basis = xp.eye(count, dtype=node._data.dtype)
    rows = []
    for k in range(count):
        one_hot = node._from_data(xp.reshape(basis[k], node._data.shape), node.backend)
        row = ctx.backward(one_hot, node)[index]
        if row is None:
            return None
        rows.append(row._data)
    stacked = xp.reshape(xp.stack(rows), tuple(node.shape) + tuple(target.shape))
    return node._from_data(stacked, node.backend)


def backward_steps(
    root: Any, grad: Any = None, labels: Mapping[Any, str] | None = None
) -> BackwardSteps:
    """Run the chain rule behind ``root`` step by step, and return every step.

    The steps come in the order ``backward()`` takes them (the same topological sort, from the
    output back to the inputs), and every number is computed the way ``backward()`` computes it:
    a Value's step multiplies by its stored local derivatives, a Tensor's step calls the op's own
    ``backward``, and gradients that reach a node along several paths are added up. The final
    gradients are the ones ``backward()`` would add into ``.grad``.

    Nothing is changed: no ``.grad`` is set and the graph is kept, so ``backward()`` can still
    run afterwards. For a tensor step the local derivatives are Jacobians, worked out by calling
    the op's backward once per output element, so keep the graph small (a few elements).

    Args:
        root: the output, a Value or a Tensor that requires a gradient.
        grad: the gradient to start from, as for ``Tensor.backward`` (default 1 for a scalar).
        labels: names for nodes, e.g. ``{w: "w"}``; otherwise a Value's ``label``, or ``n<i>``
            (``i`` counts the nodes from the inputs to the output).

    Returns:
        A :class:`BackwardSteps` list of :class:`BackwardStep`; ``print`` it to read it.

    Raises:
        RuntimeError: the graph's saved values were freed by an earlier ``backward()`` (call
            that one with ``retain_graph=True``), or ``root`` does not require a gradient.

    Examples:
        >>> from tinygrad_edu import Value
        >>> from tinygrad_edu.viz import backward_steps
        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> y = a * b
        >>> y.label = "y"
        >>> print(backward_steps(y))
        backward() of y, step by step, from the output back to the inputs:
        1. y = a * b
           gradient in: dy/dy = 1
           local dy/da = -3, sends 1 * -3 = -3
           local dy/db = 2, sends 1 * 2 = 2
        2. b  (leaf)
           gradient in: dy/db = 2  (from y)
        3. a  (leaf)
           gradient in: dy/da = -3  (from y)
        >>> a.grad, b.grad  # untouched
        (0.0, 0.0)
    """
    if not root.requires_grad:
        raise RuntimeError(
            "backward_steps(): the output does not require grad, so backward() has nothing to "
            "do. Create the inputs with requires_grad=True."
        )
    is_tensor = hasattr(root, "_seed_grad")
    seed = root._seed_grad(grad) if is_tensor else float(1.0 if grad is None else grad)
    order = topological_order(root)
    names = {id(node): name for node, name in (labels or {}).items()}
    for i, node in enumerate(order):
        names.setdefault(id(node), getattr(node, "label", "") or f"n{i}")
    add = root._grad_adder(False)
    pending: dict[int, Any] = {id(root): seed}
    received: dict[int, list[tuple[str, Any]]] = {id(root): [("start", seed)]}
    steps = BackwardSteps()
    with set_grad_enabled(False):  # as backward() without create_graph: nothing is recorded
        for node in reversed(order):
            node_grad = pending.pop(id(node), None)
            if node_grad is None:
                continue
            name, ctx = names[id(node)], node._ctx
            if ctx is None:
                leaf = BackwardStep(name, node, None, None, (), node_grad, received[id(node)])
                steps.append(leaf)
                continue
            input_grads = ctx.backward(node_grad, node)
            sent, local = [], []
            for index, parent in enumerate(ctx.inputs):
                parent_grad = input_grads[index] if parent.requires_grad else None
                sent.append(parent_grad)
                if not is_tensor:  # a Value's step stores its local derivatives
                    local.append(ctx.local_grads[index])
                elif parent_grad is None:
                    local.append(None)
                else:
                    local.append(_jacobian(ctx, node, index))
                if parent_grad is None:
                    continue
                key = id(parent)
                previous = pending.get(key)
                pending[key] = parent_grad if previous is None else add(previous, parent_grad)
                received.setdefault(key, []).append((name, parent_grad))
            doc = (ctx.fn.__doc__ or "").strip().splitlines() if is_tensor else []
            step = BackwardStep(
                name=name,
                node=node,
                op=ctx.fn.__name__ if is_tensor else ctx.op,
                formula=doc[0] if doc else None,
                inputs=tuple(_input_name(names, p) for p in ctx.inputs),
                grad=node_grad,
                received=received[id(node)],
                local=tuple(local),
                sent=tuple(sent),
            )
            steps.append(step)
    return steps
