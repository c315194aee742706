"""PyTorch's printed forms and graph view (issue 17): ``repr``/``str`` of tensors, ``Size``,
``grad_fn`` with ``name()`` and ``next_functions``, and the grad-mode objects
(``inference_mode``, decorators). Compared with torch where it is installed."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor, nn

NAN, INF = float("nan"), float("inf")

PRINTED = [
    [1.0, 2.0],
    [0.12345, 2.0],
    [1e-5, 1.0],
    [1e10, 1.0],
    [1.0, 100.0],
    [1.5, NAN],
    [NAN, 2.0],
    [1.0, INF],
    [[1.0, 2.0], [3.0, 4.5]],
    3.0,
    2.3266,
    -0.5,
    [True, False],
    [1, 2, 300],
    [],
    [-1.0, 0.5],
    [123456.7, 0.5],
    np.linspace(-3, 3, 25).round(3).tolist(),
    np.arange(30).tolist(),
    np.random.default_rng(0).normal(size=(3, 12)).tolist(),
    np.random.default_rng(1).normal(size=(2, 3, 9)).tolist(),
]


@pytest.mark.parametrize("data", PRINTED, ids=range(len(PRINTED)))
def test_repr_matches_torch(data: Any) -> None:
    torch = pytest.importorskip("torch")
    assert repr(tg.tensor(data)) == repr(torch.tensor(data))
    assert str(tg.tensor(data)) == str(torch.tensor(data))


def test_repr_shows_requires_grad_grad_fn_and_dtype_as_torch() -> None:
    torch = pytest.importorskip("torch")
    pairs = [
        (tg.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)),
        (-tg.tensor(2.3266, requires_grad=True), -torch.tensor(2.3266, requires_grad=True)),
        (tg.tensor([1.0, 2.0], dtype=tg.float64), torch.tensor([1.0, 2.0], dtype=torch.float64)),
        (tg.tensor(3.0, dtype=tg.float64, requires_grad=True),
         torch.tensor(3.0, dtype=torch.float64, requires_grad=True)),
        (tg.zeros(0, 3), torch.zeros(0, 3)),
    ]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs).replace("torch.", "tinygrad_edu.")
    assert repr(nn.Parameter(tg.ones(2))) == repr(torch.nn.Parameter(torch.ones(2)))
    assert str(nn.Parameter(tg.ones(2))).startswith("Parameter containing:\ntensor(")


def test_repr_without_torch() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr((x * x).sum()) == "tensor(5., grad_fn=<SumBackward0>)"
    assert repr(tg.tensor([1, 2])) == "tensor([1, 2])"
    wide = tg.tensor([0.5], dtype=tg.float64)
    assert repr(wide) == "tensor([0.5000], dtype=tinygrad_edu.float64)"


def test_a_backend_other_than_the_default_is_shown(backend: tg.Backend) -> None:
    x = tg.tensor([1.0], backend=backend)
    shown = f"backend='{backend.name}'" in repr(x)
    assert shown == (backend is not tg.get_backend())
    with tg.use_backend(backend):
        assert "backend=" not in repr(tg.tensor([1.0], backend=backend))


def test_size_is_a_tuple_that_prints_as_torch() -> None:
    x = tg.zeros(2, 3)
    assert isinstance(x.shape, tuple) and type(x.shape) is tg.Size
    assert x.shape == (2, 3) and x.size() == (2, 3) and (2, 3) == x.shape
    assert repr(x.shape) == str(x.shape) == f"{x.shape}" == "Size([2, 3])"
    assert x.size(1) == 3 and type(x.size(1)) is int and x.size(-2) == 2
    assert x.shape.numel() == 6 and tg.Size([]).numel() == 1 and repr(tg.Size([])) == "Size([])"
    rows, cols = x.shape
    assert (rows, cols) == (2, 3) and x.shape[-1] == 3 and hash(x.shape) == hash((2, 3))
    assert x.shape is tg.ones(2, 3).shape  # made once per distinct shape: no cost per call
    with pytest.raises(IndexError, match="out of range"):
        x.size(2)


def test_size_prints_as_torch_size() -> None:
    torch = pytest.importorskip("torch")
    for shape in [(), (3,), (2, 3), (8000, 784)]:
        assert repr(tg.zeros(*shape).shape) == repr(torch.zeros(shape).shape).removeprefix(
            "torch."
        )


# -- grad_fn ----------------------------------------------------------------------------------
def names_match(ours: Any, theirs: Any) -> None:
    assert ours.grad_fn.name() == theirs.grad_fn.name(), (ours.grad_fn, theirs.grad_fn)
    assert repr(ours.grad_fn).startswith(f"<{theirs.grad_fn.name()} object at 0x")


OPS = [
    ("add", lambda x, w, t: x + w), ("sub", lambda x, w, t: x - w),
    ("mul", lambda x, w, t: x * w), ("div", lambda x, w, t: x / w),
    ("neg", lambda x, w, t: -x), ("exp", lambda x, w, t: x.exp()),
    ("log", lambda x, w, t: x.log()), ("sqrt", lambda x, w, t: x.sqrt()),
    ("sin", lambda x, w, t: x.sin()), ("cos", lambda x, w, t: x.cos()),
    ("abs", lambda x, w, t: x.abs()), ("relu", lambda x, w, t: x.relu()),
    ("sigmoid", lambda x, w, t: x.sigmoid()), ("tanh", lambda x, w, t: x.tanh()),
    ("clamp", lambda x, w, t: x.clamp(0.1, 0.5)), ("pow", lambda x, w, t: x**2),
    ("rpow", lambda x, w, t: 2.0**x), ("pow tensor", lambda x, w, t: x**w),
    ("maximum", lambda x, w, t: t.maximum(x, w)), ("minimum", lambda x, w, t: t.minimum(x, w)),
    ("where", lambda x, w, t: t.where(x > 0.5, x, w)), ("sum", lambda x, w, t: x.sum()),
    ("sum dim", lambda x, w, t: x.sum(1)), ("max", lambda x, w, t: x.max()),
    ("amax", lambda x, w, t: x.amax(1)), ("min", lambda x, w, t: x.min()),
    ("median", lambda x, w, t: x.median()), ("matmul", lambda x, w, t: x @ w.T),
    ("mm", lambda x, w, t: x.mm(w.T)), ("reshape", lambda x, w, t: x.reshape(-1)),
    ("view", lambda x, w, t: x.view(6)), ("permute", lambda x, w, t: x.permute(1, 0)),
    ("expand", lambda x, w, t: x[:1].expand(4, 3)), ("select", lambda x, w, t: x[0]),
    ("slice", lambda x, w, t: x[1:]), ("index", lambda x, w, t: x[[0, 1]]),
    ("cat", lambda x, w, t: t.cat([x, w])), ("clone", lambda x, w, t: x.clone()),
    ("to float32", lambda x, w, t: x.float()),
    ("cross_entropy", lambda x, w, t: t.nn.functional.cross_entropy(x, t.tensor([0, 2]))),
    ("nll_loss", lambda x, w, t: t.nn.functional.nll_loss(x, t.tensor([0, 2]))),
    ("linear", lambda x, w, t: t.nn.functional.linear(x, w, w[:, 0])),
    ("linear no bias", lambda x, w, t: t.nn.functional.linear(x, w)),
]


@pytest.mark.parametrize("name, fn", OPS, ids=[op[0] for op in OPS])
def test_grad_fn_names_match_torch(name: str, fn: Any) -> None:
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(0).uniform(0.1, 1.0, size=(2, 3))
    other = np.random.default_rng(1).uniform(0.1, 1.0, size=(2, 3))
    ours = fn(Tensor(data, requires_grad=True), Tensor(other, requires_grad=True), tg)
    theirs = fn(torch.tensor(data, requires_grad=True), torch.tensor(other, requires_grad=True),
                torch)
    names_match(ours, theirs)


def test_autograd_tutorial_walks_the_graph_as_in_torch() -> None:
    torch = pytest.importorskip("torch")

    def program(lib: Any) -> list[Any]:
        x = lib.ones(1, 5)
        y = lib.zeros(3)
        w = lib.tensor(np.linspace(-1, 1, 15).reshape(5, 3).tolist(), requires_grad=True)
        b = lib.tensor([0.1, 0.2, 0.3], requires_grad=True)
        z = lib.matmul(x, w) + b
        loss = ((z - y) ** 2).relu().sum()
        return [loss, w, b]

    ours, theirs = program(tg), program(torch)
    assert ours[0].grad_fn.name() == theirs[0].grad_fn.name() == "SumBackward0"

    def walk(node: Any, depth: int = 0) -> list[Any]:
        """The names along the graph, depth first, as the tutorials print them."""
        if node is None:
            return [None]
        out = [node.name().removeprefix("torch::autograd::")]
        for child, index in node.next_functions:
            assert index == 0
            out.extend(walk(child, depth + 1))
        return out

    assert walk(ours[0].grad_fn) == walk(theirs[0].grad_fn)
    assert ours[0].grad_fn.next_functions[0][0].name() == "ReluBackward0"
    add = ours[0].grad_fn.next_functions[0][0].next_functions[0][0]
    add = add.next_functions[0][0].next_functions[0][0]
    leaf = add.next_functions[1][0]
    assert leaf.name() == "AccumulateGrad" and leaf.variable is ours[2]
    assert leaf == add.next_functions[1][0] and leaf.next_functions == ()


def test_next_functions_list_what_torch_lists() -> None:
    torch = pytest.importorskip("torch")
    for fn in [lambda x, t: x * 2, lambda x, t: 2 * x, lambda x, t: 1 + x, lambda x, t: 2**x,
               lambda x, t: x**2,
               lambda x, t: t.where(x > 1, x, x * 2), lambda x, t: x + x.detach()]:
        ours, theirs = fn(tg.tensor([1.0, 2.0], requires_grad=True), tg), fn(
            torch.tensor([1.0, 2.0], requires_grad=True), torch
        )
        shape = [None if n is None else n.name().removeprefix("torch::autograd::")
                 for n, _ in theirs.grad_fn.next_functions]
        assert [None if n is None else n.name() for n, _ in ours.grad_fn.next_functions] == shape


def test_linear_nodes_list_their_inputs_as_torch() -> None:
    torch = pytest.importorskip("torch")

    def walk(node: Any) -> list[Any]:
        if node is None:
            return [None]
        return [node.name().removeprefix("torch::autograd::"),
                [walk(child) for child, _ in node.next_functions]]

    data = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    for shape, bias in [((2, 3), True), ((2, 3), False)]:
        x = np.random.default_rng(1).normal(size=shape).astype(np.float32)
        graphs = []
        for lib in (tg, torch):
            w = lib.tensor(data, requires_grad=True)
            b = lib.zeros(4, requires_grad=True) if bias else None
            graphs.append(walk(lib.nn.functional.linear(lib.tensor(x).relu(), w, b).grad_fn))
        assert graphs[0] == graphs[1]


def test_grad_fn_of_a_leaf_is_none_and_custom_functions_are_named_as_torch() -> None:
    x = tg.tensor([2.0], requires_grad=True)
    assert x.grad_fn is None and (x * 2).detach().grad_fn is None

    class Cube(tg.Function):
        @staticmethod
        def forward(ctx: Any, a: Any) -> Any:
            ctx.save_for_backward(a)
            return a * a * a

        @staticmethod
        def backward(ctx: Any, grad: Any) -> Any:
            (a,) = ctx.saved_tensors
            return grad * 3 * a * a

    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward"  # as PyTorch names a custom Function's node
    assert y.grad_fn.next_functions[0][0].variable is x


# -- grad modes --------------------------------------------------------------------------------
def test_inference_mode_as_block_and_decorator() -> None:
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    with tg.inference_mode():
        assert tg.is_inference_mode_enabled() and not tg.is_grad_enabled()
        assert not (w * 2).requires_grad
    assert not tg.is_inference_mode_enabled() and tg.is_grad_enabled()
    with tg.inference_mode(False):
        assert (w * 2).requires_grad and not tg.is_inference_mode_enabled()

    @tg.inference_mode
    def bare(x: Tensor) -> Tensor:
        return w * x

    @tg.inference_mode()
    def called(x: Tensor) -> Tensor:
        return w * x

    assert not bare(tg.ones(2)).requires_grad and not called(tg.ones(2)).requires_grad
    assert bare.__name__ == "bare" and (w * 2).requires_grad


@pytest.mark.parametrize(
    "make, records",
    [
        (lambda: tg.no_grad(), False),
        (lambda: tg.no_grad, False),
        (lambda: tg.enable_grad(), True),
        (lambda: tg.enable_grad, True),
        (lambda: tg.set_grad_enabled(False), False),
        (lambda: tg.set_grad_enabled(True), True),
        (lambda: tg.inference_mode(), False),
        (lambda: tg.inference_mode, False),
    ],
)
def test_every_grad_mode_is_a_decorator(make: Any, records: bool) -> None:
    w = tg.tensor([1.0], requires_grad=True)

    @make()
    def step() -> Tensor:
        return w * 2

    for outer in (True, False):
        with tg.set_grad_enabled(outer):
            assert step().requires_grad is records
            assert tg.is_grad_enabled() is outer  # back as it was after the call
    results: list[bool] = []
    thread = threading.Thread(target=lambda: results.append(step().requires_grad))
    thread.start()
    thread.join()
    assert results == [records]


def test_grad_modes_match_torch_as_decorators() -> None:
    torch = pytest.importorskip("torch")
    for lib in (tg, torch):
        w = lib.tensor([1.0], requires_grad=True)

        def records(w: Any = w) -> bool:
            return bool((w * 2).requires_grad)

        modes = [lib.no_grad(), lib.enable_grad(), lib.inference_mode(),
                 lib.set_grad_enabled(False)]
        assert [mode(records)() for mode in modes] == [False, True, False, False], lib
