"""Graph pictures (tinygrad_edu.viz): structure, labels, escaping, and huge graphs; and
backward_steps, the backward pass step by step."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

import tinygrad_edu as tg
from tinygrad_edu.autograd import topological_order
from tinygrad_edu.viz import backward_steps, build_graph, to_dot, to_mermaid

MERMAID_VALUE = re.compile(r'^    (v\d+)\["(.*)"\]$')
MERMAID_OP = re.compile(r'^    (op\d+)\(\("(.*)"\)\)$')
MERMAID_EDGE = re.compile(r"^    (\w+) --> (\w+)$")
DOT_VALUE = re.compile(r'^    (v\d+) \[shape=record, label="(.*)"\];$')
DOT_OP = re.compile(r'^    (op\d+) \[shape=ellipse, label="(.*)"\];$')
DOT_EDGE = re.compile(r"^    (\w+) -> (\w+);$")


def parse_mermaid(text: str) -> tuple[dict[str, str], dict[str, str], list[tuple[str, str]]]:
    """Split Mermaid output into value labels, op labels and edges; every line must match."""
    lines = text.splitlines()
    assert lines[0] in ("flowchart LR", "flowchart TB")
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
    assert lines[0] == "digraph graph_picture {"
    assert lines[1] in ("    rankdir=LR;", "    rankdir=TB;")
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
    # x has 6 numbers: the first 4 are shown; dloss/dx = relu'(x @ w) w^T: row 0 is off.
    assert ("{x|shape (2, 3) float32|data [1, 2, 3, 4, …] (6 numbers)"
            "|grad [0, 0, 0, 1, …] (6 numbers)}") in labels
    assert "{w|shape (3, 1) float32|data [[1], [0.5], [-1]]|grad [[4], [5], [6]]}" in labels
    # x @ w and relu: unnamed intermediate results, which keep no gradient.
    assert "{shape (2, 1) float32|data [[-1], [0.5]]|grad None}" in labels
    assert "{shape (2, 1) float32|data [[0], [0.5]]|grad None}" in labels
    # loss = relu(1 + 1 - 3) + relu(4 + 2.5 - 6) = 0 + 0.5; a scalar shows data and grad.
    assert "{loss|shape () float32|data 0.5|grad None}" in labels
    # numbers=0: shapes only, as for a large graph; a scalar still shows its number.
    values, _, _ = parse_dot(to_dot(loss, labels={x: "x", loss: "loss"}, numbers=0))
    assert "{x|shape (2, 3) float32}" in values.values()
    assert "{loss|shape () float32|data 0.5|grad None}" in values.values()


def test_retained_gradients_of_intermediate_tensors_are_shown() -> None:
    w = tg.Tensor([[0.5], [1.0]], requires_grad=True)
    h = tg.Tensor([[1.0, 2.0]]) @ w
    h.retain_grad()
    (h * 3.0).sum().backward()
    values, _, _ = parse_mermaid(to_mermaid(h * 1.0, labels={h: "h", w: "w"}))
    assert "h<br>shape (1, 1) float32<br>data 2.5<br>grad 3" in values.values()
    assert "w<br>shape (2, 1) float32<br>data [[0.5], [1]]<br>grad [[3], [6]]" in values.values()


def test_the_picture_may_run_top_to_bottom() -> None:
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    assert to_mermaid(x.sum(), direction="TB").splitlines()[0] == "flowchart TB"
    assert to_dot(x.sum(), direction="TB").splitlines()[1] == "    rankdir=TB;"
    with pytest.raises(ValueError, match="direction must be 'LR'"):
        to_mermaid(x.sum(), direction="up")


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
    for source in (to_dot(o), to_dot((x * x).amax(axis=1).sum(), labels={x: 'x "in" {1|2}'})):
        result = subprocess.run(
            [dot, "-Tplain"], input=source, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("graph ")


# -- backward_steps ------------------------------------------------------------------------------
def chapter_graph() -> tuple[tg.Value, tg.Value, tg.Value, tg.Value]:
    """y = a * b + a at a = 2, b = -3, as in chapter 5 (no backward yet)."""
    a, b = tg.Value(2.0, label="a"), tg.Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    y = c + a
    y.label = "y"
    return a, b, c, y


def test_value_steps_follow_the_chain_rule_by_hand() -> None:
    a, b, c, y = chapter_graph()
    steps = backward_steps(y)
    assert [s.name for s in steps] == ["y", "c", "b", "a"]
    assert [s.node for s in steps] == list(reversed(topological_order(y)))
    first, second, leaf_b, leaf_a = steps
    # y = c + a: local derivatives 1 and 1, so it sends the 1 it got to both.
    assert (first.op, first.inputs, first.grad) == ("+", ("c", "a"), 1.0)
    assert first.local == (1.0, 1.0) and first.sent == (1.0, 1.0)
    # c = a * b: dc/da = b = -3, dc/db = a = 2.
    assert (second.op, second.inputs, second.grad) == ("*", ("a", "b"), 1.0)
    assert second.local == (-3.0, 2.0) and second.sent == (-3.0, 2.0)
    # The leaves: dy/db = a = 2, and dy/da = b + 1 = -2, the sum over both paths.
    assert leaf_b.is_leaf and leaf_b.op is None and leaf_b.sent == ()
    assert leaf_b.grad == 2.0 and leaf_b.received == [("c", 2.0)]
    assert leaf_a.grad == -2.0 and leaf_a.received == [("y", 1.0), ("c", -3.0)]
    assert steps.grad_of(a) == -2.0 and steps.grad_of(c) == 1.0
    # ... the numbers backward() puts in .grad.
    y.backward()
    assert [s.grad for s in steps] == [y.grad, c.grad, b.grad, a.grad]


def test_value_steps_change_nothing() -> None:
    a, b, c, y = chapter_graph()
    before = [(v.data, v.grad, v._ctx) for v in (a, b, c, y)]
    backward_steps(y)
    backward_steps(y)  # twice: nothing was accumulated by the first call
    assert [(v.data, v.grad, v._ctx) for v in (a, b, c, y)] == before
    y.backward()
    assert (a.grad, b.grad) == (-2.0, 2.0)


def test_value_used_twice_by_one_op_gets_both_gradients() -> None:
    x = tg.Value(3.0, label="x")
    y = x * x
    y.label = "y"
    steps = backward_steps(y)
    assert steps[0].local == (3.0, 3.0) and steps[0].sent == (3.0, 3.0)
    assert steps.grad_of(x) == 6.0  # d(x^2)/dx = 2x
    assert steps[-1].received == [("y", 3.0), ("y", 3.0)]


def test_value_steps_print_the_numbers() -> None:
    *_, y = chapter_graph()
    text = str(backward_steps(y))
    assert (
        text.splitlines()[0] == "backward() of y, step by step, from the output back to the inputs:"
    )
    assert "2. c = a * b" in text
    assert "local dc/da = -3, sends 1 * -3 = -3" in text
    assert "4. a  (leaf)" in text
    assert "gradient in: dy/da = -2 = 1 (from y) + -3 (from c)" in text


def tensor_graph() -> tuple[tg.Tensor, tg.Tensor, tg.Tensor]:
    """loss = (sum(x * w) + 1)^2 with x = (1, 2), w = (3, -1): s = 2, loss = 4."""
    x = tg.tensor([1.0, 2.0], dtype=tg.float64, requires_grad=True)
    w = tg.tensor([3.0, -1.0], dtype=tg.float64, requires_grad=True)
    loss = ((x * w).sum() + 1.0) ** 2
    return x, w, loss


def test_tensor_steps_match_the_chain_rule_and_backward() -> None:
    x, w, loss = tensor_graph()
    steps = backward_steps(loss, labels={x: "x", w: "w", loss: "loss"})
    assert [s.op for s in steps] == ["Pow", "Add", "Sum", "Mul", None, None]
    assert [s.node for s in steps] == list(reversed(topological_order(loss)))
    power, plus, total, product, *leaves = steps
    assert power.inputs == ("n4", "2")  # n4 = sum + 1 (unnamed); the exponent is a constant
    assert power.grad.item() == 1.0
    assert power.local[0].item() == 4.0  # d(s^2)/ds = 2 s = 4
    assert power.sent[1] is None  # a constant gets nothing
    assert total.local[0].tolist() == [1.0, 1.0]  # d sum / d element = 1
    assert total.sent[0].tolist() == [4.0, 4.0]
    # d(x * w)/dx is the diagonal matrix of w, d(x * w)/dw that of x.
    assert product.local[0].tolist() == [[3.0, 0.0], [0.0, -1.0]]
    assert product.local[1].tolist() == [[1.0, 0.0], [0.0, 2.0]]
    # By hand: dloss/dx = 2 s w = 4 w, dloss/dw = 4 x.
    assert steps.grad_of(x).tolist() == [12.0, -4.0]
    assert steps.grad_of(w).tolist() == [4.0, 8.0]
    assert [s.name for s in leaves] == ["w", "x"] and all(s.is_leaf for s in leaves)
    assert "rule: z = x * y;  dz/dx = y,  dz/dy = x" in str(steps)
    assert plus.formula is not None and plus.formula.startswith("z = x + y")
    loss.backward()
    assert steps.grad_of(x).tolist() == x.grad.tolist()
    assert steps.grad_of(w).tolist() == w.grad.tolist()


def test_tensor_steps_change_nothing_and_keep_the_graph() -> None:
    x, w, loss = tensor_graph()
    first = backward_steps(loss)
    assert x.grad is None and w.grad is None
    second = backward_steps(loss)  # the saved values were not freed
    assert [s.grad.tolist() for s in first] == [s.grad.tolist() for s in second]
    assert not any(s.grad.requires_grad for s in first)  # nothing was recorded
    loss.backward()  # still possible: the graph is intact
    assert x.grad.tolist() == [12.0, -4.0]


def test_tensor_used_twice_and_broadcast() -> None:
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=tg.float64, requires_grad=True)
    bias = tg.tensor([0.5, -0.5], dtype=tg.float64, requires_grad=True)
    out = (x * x + bias).sum()
    steps = backward_steps(out, labels={x: "x", bias: "bias"})
    # x feeds Mul twice: each side sends grad * x, and the two add up to 2 x.
    assert steps.grad_of(x).tolist() == (2 * x.detach()).tolist()
    (mul,) = [s for s in steps if s.op == "Mul"]
    assert mul.inputs == ("x", "x")
    (leaf_x,) = [s for s in steps if s.node is x]
    assert len(leaf_x.received) == 2
    # The bias was broadcast over 3 rows: its gradient is the column sums, [3, 3].
    assert steps.grad_of(bias).tolist() == [3.0, 3.0]
    (add,) = [s for s in steps if s.op == "Add"]
    assert add.local[1].shape == (3, 2, 2)  # d(out)/d(bias): output shape + bias shape
    out.backward()
    assert steps.grad_of(x).tolist() == x.grad.tolist()
    assert steps.grad_of(bias).tolist() == bias.grad.tolist()


def test_steps_run_in_the_order_backward_calls_the_ops() -> None:
    # Each Tag passes its input through and notes when its backward runs: backward() and
    # backward_steps must visit the tags in the same order.
    calls: list[str] = []

    class Tag(tg.Function):
        @staticmethod
        def forward(ctx, x, name=""):
            ctx.name = name
            return x

        @staticmethod
        def backward(ctx, grad):
            calls.append(ctx.name)
            return grad

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    left = Tag.apply(x * 2.0, name="left")
    right = Tag.apply(Tag.apply(x.exp(), name="inner"), name="right")
    out = Tag.apply(left * right + left, name="top").sum()
    out.backward(retain_graph=True)
    by_backward = list(calls)
    calls.clear()
    steps = backward_steps(out)
    by_steps = list(dict.fromkeys(calls))  # Jacobians call each backward again, later
    assert by_backward == ["top", "right", "inner", "left"]
    assert by_steps == by_backward
    assert [s.op for s in steps].count("Tag") == 4


def test_non_scalar_output_takes_a_gradient() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3.0
    steps = backward_steps(y, grad=[1.0, -1.0])
    assert steps.grad_of(x).tolist() == [3.0, -3.0]
    with pytest.raises(RuntimeError, match="scalar output"):
        backward_steps(y)


def test_freed_graph_and_no_grad_output_are_refused() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()  # frees the saved values
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        backward_steps(loss)
    with pytest.raises(RuntimeError, match="does not require grad"):
        backward_steps(tg.tensor([1.0]).sum())


def test_backward_steps_show_picks_steps_by_name_and_keeps_their_numbers() -> None:
    a, b = tg.Value(2.0, label="a"), tg.Value(-3.0, label="b")
    c = a * b
    c.label = "c"
    y = c + a
    y.label = "y"
    steps = backward_steps(y)
    text = steps.show("c")
    assert text.splitlines()[0] == "backward() of y, 1 of its 4 steps:"
    assert text.splitlines()[1] == "2. c = a * b"  # numbered as in the whole list
    assert "dy/dc = 1" in text and "1. y" not in text and "a  (leaf)" not in text
    with pytest.raises(KeyError, match=r"no step is named \['q'\]"):
        steps.show("q")


def test_backward_steps_show_can_leave_out_the_jacobians() -> None:
    w = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x = tg.tensor([1.0, -1.0])
    out = (w @ x).sum()
    steps = backward_steps(out, labels={w: "w", out: "out"})
    matmul = next(step.name for step in steps if step.op == "MatMul")
    with_jacobians = steps.show(matmul)
    without = steps.show(matmul, jacobians=False)
    assert f"local d{matmul}/dw" in with_jacobians and "local" not in without
    assert "sends [[1, -1], [1, -1]] to w" in without
