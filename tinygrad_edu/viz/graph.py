"""Pictures of the computation graph, as text: Mermaid and Graphviz DOT.

The graph behind a result has two kinds of nodes, as in micrograd's ``draw_dot``:

* **value nodes** (boxes): a :class:`~tinygrad_edu.Value` or a :class:`~tinygrad_edu.Tensor`.
  A box shows a name (the Value's ``label``, a name from ``labels=``, ``leaf`` for an input
  that requires a gradient, ``constant`` for one that does not), then ``shape`` and ``dtype``
  for a tensor, and its ``data`` and ``grad``: all its numbers when it has up to ``numbers``
  of them (4 by default), else the first ``numbers`` and "…". A tensor's gradient has the
  tensor's shape; ``grad None`` means it keeps none (an intermediate result, unless
  ``retain_grad()`` was called, or a constant).
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

:func:`~tinygrad_edu.viz.backward_steps` (in :mod:`tinygrad_edu.viz.steps`) shows the other
half: the backward pass itself, one step per node.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Largest number of value nodes drawn unless ``max_nodes`` says otherwise.
DEFAULT_MAX_NODES = 500
#: How many numbers of a tensor's data and gradient a box shows unless ``numbers`` says otherwise.
DEFAULT_NUMBERS = 4


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
    return f"{float(x) + 0.0:.4g}"  # + 0.0: -0.0 shows as 0


def _nested(x: Any) -> str:
    if isinstance(x, list):
        return "[" + ", ".join(_nested(item) for item in x) + "]"
    return _number(x)


def _numbers(tensor: Any, numbers: int) -> str:
    """A tensor's numbers as nested lists, or the first ``numbers`` of them and "…"."""
    count = tensor.numel()
    if count == 1:
        return _number(tensor.item())
    if count <= numbers:
        return _nested(tensor.tolist())
    first = tensor.detach().reshape(-1)[:numbers].tolist()
    return "[" + ", ".join(_number(v) for v in first) + f", …] ({count} numbers)"


def _value_lines(node: Any, name: str | None, numbers: int = DEFAULT_NUMBERS) -> list[str]:
    """The text of one value node, one item per line."""
    is_leaf = node._ctx is None
    if name is None:
        name = getattr(node, "label", "") or None  # a Value may carry its own label
    if name is None and is_leaf:
        name = "leaf" if node.requires_grad else "constant"
    lines = [name] if name else []
    if hasattr(node, "shape"):  # a Tensor
        lines.append(f"shape {tuple(node.shape)} {node.dtype.name}")
        if node.numel() == 1 or numbers > 0:
            lines.append(f"data {_numbers(node, numbers)}")
            grad = node.grad
            lines.append("grad None" if grad is None else f"grad {_numbers(grad, numbers)}")
    else:  # a Value: data and grad are Python floats
        lines.append(f"data {_number(node.data)}")
        lines.append(f"grad {_number(node.grad)}")
    return lines


def build_graph(
    root: Any,
    labels: Mapping[Any, str] | None = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    numbers: int = DEFAULT_NUMBERS,
) -> GraphPicture:
    """Walk the graph behind ``root`` and describe every node and edge.

    Every input is drawn, also constants that need no gradient (unlike ``backward()``, which
    skips them), so the picture shows the whole expression.

    Args:
        root: a Value or a Tensor.
        labels: optional names for values, e.g. ``{w: "w", loss: "loss"}`` (Tensors have no
            ``label`` of their own).
        max_nodes: refuse a graph with more value nodes than this; None draws any size.
        numbers: how many numbers of a tensor's data and gradient to show (all when it has
            that many or fewer); 0 shows only the shape (and the number of a scalar).

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
        picture.values.append((value_id, _value_lines(node, names.get(id(node)), numbers)))
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
    root: Any,
    labels: Mapping[Any, str] | None = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    numbers: int = DEFAULT_NUMBERS,
    direction: str = "LR",
) -> str:
    """The graph behind ``root`` as a Mermaid flowchart (paste it into a ```` ```mermaid ````
    block).

    Args:
        root: a Value or a Tensor.
        labels: optional names for values, e.g. ``{w: "w"}``.
        max_nodes: refuse a graph with more value nodes than this; None draws any size.
        numbers: how many numbers of a tensor's data and gradient each box shows.
        direction: ``"LR"`` (left to right, the default) or ``"TB"`` (top to bottom: a long
            chain stays readable on a page, where a wide picture is shrunk to fit).

    Returns:
        Mermaid source text, one node or edge per line.

    Raises:
        ValueError: the graph has more than ``max_nodes`` values, or an unknown direction.

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
    picture = build_graph(root, labels, max_nodes, numbers)
    lines = [f"flowchart {_direction(direction)}"]
    for value_id, text in picture.values:
        label = "<br>".join(_mermaid_text(line) for line in text)
        lines.append(f'    {value_id}["{label}"]')
    for op_id, op in picture.ops:
        lines.append(f'    {op_id}(("{_mermaid_text(op)}"))')
    for source, target in picture.edges:
        lines.append(f"    {source} --> {target}")
    return "\n".join(lines)


def _direction(direction: str) -> str:
    if direction not in ("LR", "TB"):
        raise ValueError(f"direction must be 'LR' (left to right) or 'TB' (top to bottom), "
                         f"not {direction!r}")
    return direction


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
    root: Any,
    labels: Mapping[Any, str] | None = None,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    numbers: int = DEFAULT_NUMBERS,
    direction: str = "LR",
) -> str:
    """The graph behind ``root`` in Graphviz's DOT language
    (render with ``dot -Tsvg graph.dot -o graph.svg``).

    Value nodes are records ``{ name | data | grad }`` as in micrograd; operation nodes are
    ellipses.

    Args:
        root: a Value or a Tensor.
        labels: optional names for values, e.g. ``{w: "w"}``.
        max_nodes: refuse a graph with more value nodes than this; None draws any size.
        numbers: how many numbers of a tensor's data and gradient each record shows.
        direction: ``"LR"`` (left to right) or ``"TB"`` (top to bottom).

    Returns:
        DOT source text.

    Raises:
        ValueError: the graph has more than ``max_nodes`` values, or an unknown direction.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.viz import to_dot
        >>> x = tg.Tensor([1.0, 2.0], requires_grad=True)
        >>> print(to_dot(x.sum()))
        digraph graph_picture {
            rankdir=LR;
            v0 [shape=record, label="{leaf|shape (2,) float32|data [1, 2]|grad None}"];
            v1 [shape=record, label="{shape () float32|data 3|grad None}"];
            op0 [shape=ellipse, label="Sum"];
            v0 -> op0;
            op0 -> v1;
        }
    """
    picture = build_graph(root, labels, max_nodes, numbers)
    lines = ["digraph graph_picture {", f"    rankdir={_direction(direction)};"]
    for value_id, text in picture.values:
        label = "{" + "|".join(_dot_record_field(line) for line in text) + "}"
        lines.append(f'    {value_id} [shape=record, label="{label}"];')
    for op_id, op in picture.ops:
        lines.append(f'    {op_id} [shape=ellipse, label="{_dot_text(op)}"];')
    for source, target in picture.edges:
        lines.append(f"    {source} -> {target};")
    lines.append("}")
    return "\n".join(lines)
