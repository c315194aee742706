"""``backward(inputs=...)`` and ``tg.autograd.backward``, checked against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch", reason="needs PyTorch (pip install torch==2.13.0)")
pytestmark = [  # PyTorch's own notes on reading a non-leaf's .grad and on create_graph
    pytest.mark.filterwarnings("ignore:The .grad attribute of a Tensor:UserWarning"),
    pytest.mark.filterwarnings("ignore:Using backward.. with create_graph:UserWarning"),
]


def graphs():
    """The same graph in both libraries: x, w, u (unused) leaves; h = x * w; y = sum(h * h)."""
    out = []
    for lib in (tg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor(3.0, requires_grad=True)
        u = lib.tensor(5.0, requires_grad=True)
        h = x * w
        out.append((x, w, u, h, (h * h).sum()))
    return out


def grad_of(t):
    return None if t.grad is None else np.asarray(t.grad.tolist())


@pytest.mark.parametrize("pick", [
    lambda x, w, u, h: [x], lambda x, w, u, h: w, lambda x, w, u, h: [h],
    lambda x, w, u, h: [x, h], lambda x, w, u, h: [u], lambda x, w, u, h: (w, x, w),
])
def test_only_the_named_inputs_get_a_grad(pick) -> None:
    ours, theirs = graphs()
    for x, w, u, h, y in (ours, theirs):
        y.backward(inputs=pick(x, w, u, h), retain_graph=True)
        y.backward(inputs=pick(x, w, u, h))  # a second pass adds to the first
    for a, b in zip(ours[:4], theirs[:4], strict=True):
        expected = grad_of(b)
        got = grad_of(a)
        assert (got is None) == (expected is None)
        if expected is not None:
            np.testing.assert_allclose(got, expected)


def test_inputs_leaves_the_other_grads_alone() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    w = tg.tensor(3.0, requires_grad=True)
    w.grad = tg.tensor(100.0)
    (x * w).sum().backward(inputs=[x])
    assert w.grad.item() == 100.0 and x.grad.tolist() == [3.0, 3.0]


def test_bad_inputs_are_refused_with_the_fix() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    with pytest.raises(RuntimeError, match="cannot be empty"):
        y.backward(inputs=[], retain_graph=True)
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward(inputs=[tg.tensor(1.0)], retain_graph=True)


def test_create_graph_with_inputs_gives_a_differentiable_grad() -> None:
    for lib in (tg, torch):
        x = lib.tensor(3.0, requires_grad=True)
        (x ** 3).backward(inputs=[x], create_graph=True)
        (g,) = lib.autograd.grad(x.grad, x)
        assert x.grad.item() == 27.0 and g.item() == 18.0


@pytest.mark.parametrize("case", ["list", "tensor", "one-grad", "inputs"])
def test_autograd_backward_matches_torch(case: str) -> None:
    results = []
    for lib in (tg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        w = lib.tensor(3.0, requires_grad=True)
        if case == "list":
            lib.autograd.backward([(x * x * w).sum(), x * 3], [None, lib.tensor([1.0, -1.0])])
        elif case == "tensor":
            lib.autograd.backward((x * w).sum())
        elif case == "one-grad":
            lib.autograd.backward([x * w], lib.tensor([2.0, 1.0]))
        else:
            lib.autograd.backward([(x * w).sum(), (x * x).sum()], inputs=[w])
        results.append((grad_of(x), grad_of(w)))
    for got, expected in zip(*results, strict=True):
        assert (got is None) == (expected is None)
        if expected is not None:
            np.testing.assert_allclose(got, expected)


def test_autograd_backward_counts_the_gradients() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="one gradient per output"):
        tg.autograd.backward([x * 2, x * 3], [tg.ones(2)])
