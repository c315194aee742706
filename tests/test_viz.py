"""Graph pictures (tinygrad_edu.viz): structure, labels, escaping, and huge graphs."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

import tinygrad_edu as tg
from tinygrad_edu.viz import build_graph, to_dot, to_mermaid

MERMAID_VALUE = re.compile(r'^    (v\d+)\["(.*)"\]$')
MERMAID_OP = re.compile(r'^    (op\d+)\(\("(.*)"\)\)$')
MERMAID_EDGE = re.compile(r"^    (\w+) --> (\w+)$")
DOT_VALUE = re.compile(r'^    (v\d+) \[shape=record, label="(.*)"\];$')
DOT_OP = re.compile(r'^    (op\d+) \[shape=ellipse, label="(.*)"\];$')
DOT_EDGE = re.compile(r"^    (\w+) -> (\w+);$")


def parse_mermaid(text: str) -> tuple[dict[str, str], dict[str, str], list[tuple[str, str]]]:
    """Split Mermaid output into value labels, op labels and edges; every line must match."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    values, ops, edges = {}, {}, []
    for line in lines[1:]:
        if m := MERMAID_VALUE.match(line):
            values[m[1]] = m[2]
        elif m := MERMAID_OP.match(line):
            ops[m[1]] = m[2]
        elif m := MERMAID_EDGE.match(line):
            edges.append((m[1], m[2]))
        else:
            raise AssertionError(f"unexpected Mermaid line: {line!r}")
    return values, ops, edges


def parse_dot(text: str) -> tuple[dict[str, str], dict[str, str], list[tuple[str, str]]]:
    """Split DOT output into value labels, op labels and edges; every line must match."""
    lines = text.splitlines()
    assert lines[:2] == ["digraph graph_picture {", "    rankdir=LR;"]
    assert lines[-1] == "}"
    values, ops, edges = {}, {}, []
    for line in lines[2:-1]:
        if m := DOT_VALUE.match(line):
            values[m[1]] = m[2]
        elif m := DOT_OP.match(line):
            ops[m[1]] = m[2]
        elif m := DOT_EDGE.match(line):
            edges.append((m[1], m[2]))
        else:
            raise AssertionError(f"unexpected DOT line: {line!r}")
    return values, ops, edges


def neuron() -> tuple[tg.Value, tg.Value, tg.Value, tg.Value]:
    """micrograd's example neuron: o = tanh(x1*w1 + x2*w2 + b), after backward()."""
    x1, x2 = tg.Value(2.0, label="x1"), tg.Value(0.0, label="x2")
    w1, w2 = tg.Value(-3.0, label="w1"), tg.Value(1.0, label="w2")
    b = tg.Value(6.8813735870195432, label="b")
    o = (x1 * w1 + x2 * w2 + b).tanh()
    o.label = "o"
    o.backward()
    return o, x1, w1, b


def test_value_graph_counts_and_labels_mermaid() -> None:
    o, x1, w1, b = neuron()
    values, ops, edges = parse_mermaid(to_mermaid(o))
    # 5 inputs + x1*w1, x2*w2, their sum, + b, tanh = 10 values; 5 ops; 2 edges into each
    # binary op (4 of them), 1 into tanh, 1 out of each op.
    assert len(values) == 10
    assert sorted(ops.values()) == ["*", "*", "+", "+", "tanh"]
    assert len(edges) == 4 * 2 + 1 + 5
    by_name = {label.split("<br>")[0]: label for label in values.values()}
    assert by_name["x1"] == "x1<br>data 2<br>grad -1.5"  # do/dx1 = w1 * (1 - o**2) = -3 * 0.5
    assert by_name["w1"] == "w1<br>data -3<br>grad 1"  # do/dw1 = x1 * 0.5
    assert by_name["o"] == "o<br>data 0.7071<br>grad 1"
    assert f"{x1.grad:.4g}" in by_name["x1"] and f"{b.grad:.4g}" == "0.5"


def test_edges_run_input_op_output() -> None:
    a = tg.Value(3.0, label="a")
    c = a * a  # one input used twice by one op: two edges
    c.label = "c"
    values, ops, edges = parse_mermaid(to_mermaid(c))
    name_of = {node: label.split("<br>")[0] for node, label in values.items()}
    (op_id,) = ops
    assert ops[op_id] == "*"
    assert [(name_of.get(s, s), name_of.get(t, t)) for s, t in edges] == [
        ("a", op_id),
        ("a", op_id),
        (op_id, "c"),
    ]


def test_tensor_graph_shows_ops_shapes_dtypes_and_scalar_values() -> None:
    x = tg.Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    w = tg.Tensor([[1.0], [0.5], [-1.0]], requires_grad=True)
    loss = (x @ w).relu().sum()
    loss.backward()
    values, ops, edges = parse_dot(to_dot(loss, labels={x: "x", w: "w", loss: "loss"}))
    assert sorted(ops.values()) == ["MatMul", "Relu", "Sum"]
    assert len(values) == 5  # x, w, x @ w, relu, loss
    assert len(edges) == 2 + 1 + 1 + 3
    labels = sorted(values.values())
    assert "{x|shape (2, 3) float32}" in labels
    assert "{w|shape (3, 1) float32}" in labels
    assert "{shape (2, 1) float32}" in labels  # x @ w and relu: unnamed intermediate results
    # loss = relu(1 + 1 - 3) + relu(4 + 2.5 - 6) = 0 + 0.5; a scalar shows data and grad.
    assert "{loss|shape () float32|data 0.5|grad None}" in labels


def test_one_element_tensor_leaf_shows_its_grad_and_constants_are_marked() -> None:
    x = tg.Tensor([3.0], dtype="float64", requires_grad=True)
    y = x * 2.0
    y.sum().backward()
    values, ops, _ = parse_mermaid(to_mermaid(y))
    labels = sorted(values.values())
    assert "leaf<br>shape (1,) float64<br>data 3<br>grad 2" in labels
    assert "constant<br>shape () float64<br>data 2<br>grad None" in labels
    assert list(ops.values()) == ["Mul"]


def test_nodes_are_listed_in_forward_order() -> None:
    a = tg.Value(1.0, label="a")
    b = (a + 1.0).exp()
    b.label = "b"
    values, ops, _ = parse_mermaid(to_mermaid(b))
    assert list(values) == ["v0", "v1", "v2", "v3"]
    assert values["v0"].startswith("a<br>")
    assert values["v3"].startswith("b<br>")
    assert list(ops.values()) == ["+", "exp"]


def test_labels_are_escaped() -> None:
    tricky = 'say "hi" {a|b} <c> back\\slash #1'
    a = tg.Value(1.0, label=tricky)
    out = a + 1.0
    mermaid = to_mermaid(out)
    assert "say #quot;hi#quot; {a|b} #lt;c#gt; back\\slash #35;1<br>" in mermaid
    assert '"hi"' not in mermaid
    dot = to_dot(out)
    assert 'say \\"hi\\" \\{a\\|b\\} \\<c\\> back\\\\slash #1|data 1' in dot
    # Each format still parses line by line: the quotes did not end a label early.
    assert len(parse_mermaid(mermaid)[0]) == 3
    assert len(parse_dot(dot)[0]) == 3


def test_graph_after_backward_without_retain_graph_can_still_be_drawn() -> None:
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()  # frees the saved arrays, but the structure stays
    values, ops, edges = parse_dot(to_dot(y))
    assert sorted(ops.values()) == ["Mul", "Sum"]
    assert len(values) == 3 and len(edges) == 5


def test_a_huge_graph_is_refused_with_a_clear_message_and_drawn_when_asked() -> None:
    x = tg.Value(0.5, label="x")
    y = x
    for _ in range(100_000):
        y = y + 1.0
    with pytest.raises(ValueError, match=r"more than max_nodes=500 values.*max_nodes=None"):
        to_mermaid(y)
    with pytest.raises(ValueError, match="max_nodes=10"):
        to_dot(y, max_nodes=10)
    picture = build_graph(y, max_nodes=None)  # iterative: no RecursionError
    assert len(picture.values) == 1 + 2 * 100_000  # x, and a constant and a sum per step
    assert len(picture.ops) == 100_000
    assert len(picture.edges) == 3 * 100_000
    assert picture.values[0][1][0] == "x"


def test_small_graph_fits_exactly_at_max_nodes() -> None:
    a = tg.Value(1.0)
    b = a.exp()
    assert len(build_graph(b, max_nodes=2).values) == 2
    with pytest.raises(ValueError, match="max_nodes=1"):
        build_graph(b, max_nodes=1)


def test_dot_output_parses_with_graphviz() -> None:
    dot = shutil.which("dot")
    if dot is None:
        pytest.skip("the Graphviz 'dot' program is not installed, so DOT output is not parsed")
    o, *_ = neuron()
    x = tg.Tensor([[1.0, -2.0]], requires_grad=True)
    for source in (to_dot(o), to_dot((x * x).max(axis=1).sum(), labels={x: 'x "in" {1|2}'})):
        result = subprocess.run(
            [dot, "-Tplain"], input=source, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("graph ")
