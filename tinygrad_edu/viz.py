"""Pictures of the computation graph, as text: Mermaid and Graphviz DOT.

The graph behind a result has two kinds of nodes, as in micrograd's ``draw_dot``:

* **value nodes** (boxes): a :class:`~tinygrad_edu.Value` or a :class:`~tinygrad_edu.Tensor`.
  A box shows a name (the Value's ``label``, a name from ``labels=``, ``leaf`` for an input
  that requires a gradient, ``constant`` for one that does not), then ``shape`` and ``dtype``
  for a tensor, and ``data`` and ``grad`` for a scalar (a Value, or a tensor of one element).
* **operation nodes** (circles): the op that made a value (``Mul``, ``Sum``, ``tanh``, ...).

Edges run input -> operation -> output, so the picture reads left to right like the forward
pass; ``backward()`` walks it right to left.

No Graphviz or Mermaid program is needed to make the text. Paste :func:`to_mermaid`'s output
into a Markdown file (a ```` ```mermaid ```` block renders on GitHub and in MkDocs), or render
:func:`to_dot`'s output with ``dot -Tsvg graph.dot -o graph.svg``.

The walk over the graph is iterative (an explicit stack, like
:func:`tinygrad_edu.autograd.topological_order`), so a graph of any depth is fine. A picture of
more than ``max_nodes`` values is unreadable, so by default it is *refused* with a
``ValueError`` that says how to draw it anyway (``max_nodes=None``) or draw a smaller part.

:func:`backward_steps` shows the other half: the backward pass itself, one step per node, with
the gradient that arrives, the local derivatives and what is sent on to each input.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .autograd import topological_order
from .grad_mode import set_grad_enabled

#: Largest number of value nodes drawn unless ``max_nodes`` says otherwise.
DEFAULT_MAX_NODES = 500


@dataclass
class GraphPicture:
    """The graph as plain data, before it is written in one format or another.

    Attributes:
        values: one entry per value node: its id and its label lines.
        ops: one entry per operation node: its id and its op name.
        edges: ``(source_id, target_id)`` pairs, input -> op and op -> output. An input used
            twice by one op (``x * x``) has two edges.
    """

    values: list[tuple[str, list[str]]] = field(default_factory=list)
    ops: list[tuple[str, str]] = field(default_factory=list)
    edges: list[tuple[str, str]] = field(default_factory=list)


def _op_name(ctx: Any) -> str:
    """A Value's step stores its op as text; a Tensor's Context stores the Function class."""
    op = getattr(ctx, "op", None)
    if isinstance(op, str):
        return op
    return str(ctx.fn.__name__)


def _number(x: Any) -> str:
    return f"{float(x):.4g}"


def _value_lines(node: Any, name: str | None) -> list[str]:
    """The text of one value node, one item per line."""
    is_leaf = node._ctx is None
    if name is None:
        name = getattr(node, "label", "") or None  # a Value may carry its own label
    if name is None and is_leaf:
        name = "leaf" if node.requires_grad else "constant"
    lines = [name] if name else []
    if hasattr(node, "shape"):  # a Tensor
        lines.append(f"shape {tuple(node.shape)} {node.dtype.name}")
        if node.numel() == 1:
            lines.append(f"data {_number(node.item())}")
            grad = node.grad
            lines.append("grad None" if grad is None else f"grad {_number(grad.item())}")
    else:  # a Value: data and grad are Python floats
        lines.append(f"data {_number(node.data)}")
        lines.append(f"grad {_number(node.grad)}")
    return lines


def build_graph(
    root: Any, labels: Mapping[Any, str] | None = None, max_nodes: int | None = DEFAULT_MAX_NODES
) -> GraphPicture:
    """Walk the graph behind ``root`` and describe every node and edge.

    Every input is drawn, also constants that need no gradient (unlike ``backward()``, which
    skips them), so the picture shows the whole expression.

    Args:
        root: a Value or a Tensor.
        labels: optional names for values, e.g. ``{w: "w", loss: "loss"}`` (Tensors have no
            ``label`` of their own).
        max_nodes: refuse a graph with more value nodes than this; None draws any size.

    Returns:
        The nodes in forward order (each value after the values it was made from) and edges.

    Raises:
        ValueError: the graph has more than ``max_nodes`` values.

    Examples:
        >>> from tinygrad_edu import Value
        >>> from tinygrad_edu.viz import build_graph
        >>> a = Value(2.0, label="a")
        >>> picture = build_graph(a * a)
        >>> len(picture.values), len(picture.ops), len(picture.edges)
        (2, 1, 3)
    """
    names = {id(node): name for node, name in (labels or {}).items()}
    order: list[Any] = []  # value nodes, each after all of its inputs
    seen: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        if max_nodes is not None and len(seen) > max_nodes:
            raise ValueError(
                f"The graph behind this {type(root).__name__} has more than max_nodes={max_nodes} "
                "values; a picture that large cannot be read. Draw a smaller part (the graph "
                "of an intermediate result), or pass max_nodes=None to draw it anyway."
            )
        stack.append((node, True))
        if node._ctx is not None:
            # Pushed in reverse so the first input is visited (and numbered) first.
            for parent in reversed(node._ctx.inputs):
                if id(parent) not in seen:
                    stack.append((parent, False))

    picture = GraphPicture()
    value_ids: dict[int, str] = {}
    for node in order:
        value_id = f"v{len(value_ids)}"
        value_ids[id(node)] = value_id
        picture.values.append((value_id, _value_lines(node, names.get(id(node)))))
        ctx = node._ctx
        if ctx is not None:
            op_id = f"op{len(picture.ops)}"
            picture.ops.append((op_id, _op_name(ctx)))
            for parent in ctx.inputs:
                picture.edges.append((value_ids[id(parent)], op_id))
            picture.edges.append((op_id, value_id))
    return picture


def _mermaid_text(text: str) -> str:
    """Text safe inside a quoted Mermaid label: Mermaid's entity codes for the special
    characters (``#`` first, since the codes themselves start with it)."""
    text = text.replace("#", "#35;").replace('"', "#quot;")
    return text.replace("<", "#lt;").replace(">", "#gt;")


def to_mermaid(
    root: Any, labels: Mapping[Any, str] | None = None, max_nodes: int | None = DEFAULT_MAX_NODES
) -> str:
    """The graph behind ``root`` as a Mermaid flowchart (paste it into a ```` ```mermaid ````
    block).

    Args:
        root: a Value or a Tensor.
        labels: optional names for values, e.g. ``{w: "w"}``.
        max_nodes: refuse a graph with more value nodes than this; None draws any size.

    Returns:
        Mermaid source text, one node or edge per line.

    Raises:
        ValueError: the graph has more than ``max_nodes`` values.

    Examples:
        >>> from tinygrad_edu import Value
        >>> from tinygrad_edu.viz import to_mermaid
        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> c = a * b
        >>> c.backward()
        >>> print(to_mermaid(c))
        flowchart LR
            v0["a<br>data 2<br>grad -3"]
            v1["b<br>data -3<br>grad 2"]
            v2["data -6<br>grad 1"]
            op0(("*"))
            v0 --> op0
            v1 --> op0
            op0 --> v2
    """
    picture = build_graph(root, labels, max_nodes)
    lines = ["flowchart LR"]
    for value_id, text in picture.values:
        label = "<br>".join(_mermaid_text(line) for line in text)
        lines.append(f'    {value_id}["{label}"]')
    for op_id, op in picture.ops:
        lines.append(f'    {op_id}(("{_mermaid_text(op)}"))')
    for source, target in picture.edges:
        lines.append(f"    {source} --> {target}")
    return "\n".join(lines)


def _dot_record_field(text: str) -> str:
    """Text safe as one field of a DOT record label inside double quotes: a backslash before
    the characters that a record label or a quoted string treats specially. (Single spaces
    are kept as they are: Graphviz only merges runs of spaces.)"""
    out = []
    for char in text:
        if char in '\\"{}|<>':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        else:
            out.append(char)
    return "".join(out)


def _dot_text(text: str) -> str:
    """Text safe inside a quoted DOT string (not a record)."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def to_dot(
    root: Any, labels: Mapping[Any, str] | None = None, max_nodes: int | None = DEFAULT_MAX_NODES
) -> str:
    """The graph behind ``root`` in Graphviz's DOT language
    (render with ``dot -Tsvg graph.dot -o graph.svg``).

    Value nodes are records ``{ name | data | grad }`` as in micrograd; operation nodes are
    ellipses.

    Args:
        root: a Value or a Tensor.
        labels: optional names for values, e.g. ``{w: "w"}``.
        max_nodes: refuse a graph with more value nodes than this; None draws any size.

    Returns:
        DOT source text.

    Raises:
        ValueError: the graph has more than ``max_nodes`` values.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.viz import to_dot
        >>> x = tg.Tensor([1.0, 2.0], requires_grad=True)
        >>> print(to_dot(x.sum()))
        digraph graph_picture {
            rankdir=LR;
            v0 [shape=record, label="{leaf|shape (2,) float32}"];
            v1 [shape=record, label="{shape () float32|data 3|grad None}"];
            op0 [shape=ellipse, label="Sum"];
            v0 -> op0;
            op0 -> v1;
        }
    """
    picture = build_graph(root, labels, max_nodes)
    lines = ["digraph graph_picture {", "    rankdir=LR;"]
    for value_id, text in picture.values:
        label = "{" + "|".join(_dot_record_field(line) for line in text) + "}"
        lines.append(f'    {value_id} [shape=record, label="{label}"];')
    for op_id, op in picture.ops:
        lines.append(f'    {op_id} [shape=ellipse, label="{_dot_text(op)}"];')
    for source, target in picture.edges:
        lines.append(f"    {source} -> {target};")
    lines.append("}")
    return "\n".join(lines)


# -- backward, step by step --------------------------------------------------------------------
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

    def __str__(self) -> str:
        if not self:
            return "(no steps)"
        root = self[0].name
        lines = [f"backward() of {root}, step by step, from the output back to the inputs:"]
        for number, step in enumerate(self, start=1):
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
                else:
                    jacobian = "too large to show" if local is None else _show(local)
                    lines.append(f"{pad}local {derivative} = {jacobian}")
                    lines.append(f"{pad}  sends {_show(sent)} to {input_name}")
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
    basis = xp.eye(count, dtype=node.data.dtype)
    rows = []
    for k in range(count):
        one_hot = node._from_data(xp.reshape(basis[k], node.data.shape), node.backend)
        row = ctx.backward(one_hot, node)[index]
        if row is None:
            return None
        rows.append(row.data)
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
