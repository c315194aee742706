"""Reductions with indices as PyTorch: max/min with a dim, sort, argsort, topk, kthvalue, median,
mode, cummax, cummin, gather; values, indices and gradients compared with torch where it is
installed (ties and nans included)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor


def with_ties(seed: int, shape: tuple[int, ...] = (4, 6)) -> np.ndarray:
    """Small whole numbers: many ties along every axis."""
    return np.random.default_rng(seed).integers(0, 4, size=shape).astype(np.float64)


def distinct(seed: int, shape: tuple[int, ...] = (4, 6)) -> np.ndarray:
    return np.random.default_rng(seed).permutation(int(np.prod(shape))).reshape(shape) * 0.5


# -- without torch: the shape of the answers -----------------------------------------------------
def test_max_with_a_dim_is_a_named_pair_that_unpacks() -> None:
    outputs = Tensor([[0.1, 2.0, 0.3], [1.5, 0.2, 0.1]])
    _, predicted = tg.max(outputs, 1)  # the everyday classifier line
    assert predicted.tolist() == [1, 0] and predicted.dtype is tg.int64
    pair = outputs.max(1)
    assert type(pair) is tg.return_types.max and isinstance(pair, tuple)
    assert pair[1].tolist() == pair.indices.tolist() == [1, 0]
    assert pair[0].tolist() == pair.values.tolist() == [2.0, 1.5]
    assert "return_types.max(" in repr(pair) and "indices=tensor([1, 0])" in repr(pair)
    # Batch of two rows: the trap of issue 17 (max(1)[1] was row 1's maximum).
    assert outputs.max(1)[1].tolist() == [1, 0]


def test_max_and_min_forms() -> None:
    x = Tensor([[1.0, 5.0], [7.0, 2.0]])
    assert x.max().item() == 7.0 and tg.max(x).item() == 7.0 and tg.min(x).item() == 1.0
    assert tg.max(x, 0, keepdim=True).values.shape == (1, 2)
    assert x.max(dim=0, keepdims=True).indices.tolist() == [[1, 0]]  # NumPy's spelling too
    assert tg.max(x, Tensor([[2.0, 2.0], [2.0, 2.0]])).tolist() == [[2.0, 5.0], [7.0, 2.0]]
    assert tg.min(x, Tensor(3.0)).tolist() == [[1.0, 3.0], [3.0, 2.0]]
    assert x.amax(dim=(0, 1)).item() == 7.0 and tg.amin(x, 1).tolist() == [1.0, 2.0]
    with pytest.raises(TypeError, match=r"max\(\) got both dim= and axis="):
        x.max(0, axis=1)
    with pytest.raises(TypeError, match=r"dim must be one int.*amax"):
        x.max(axis=(0, 1))
    with pytest.raises(IndexError, match=r"max: dim 2 is out of range"):
        x.max(2)


def test_0d_tensors_are_their_own_max_and_sort() -> None:
    x = Tensor(3.0)
    for pair in (x.max(0), x.min(-1), x.sort(), x.median(0), x.kthvalue(1), x.cummax(0)):
        assert pair.values.item() == 3.0 and pair.indices.shape == () and pair.indices.item() == 0


def test_gather_scatters_its_gradient_back() -> None:
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    out = x.gather(1, tg.tensor([[1, 1], [0, 1]]))
    assert out.tolist() == [[2.0, 2.0], [3.0, 4.0]]
    out.sum().backward()
    assert x.grad.tolist() == [[0.0, 2.0], [1.0, 1.0]]
    with pytest.raises(TypeError, match="int64"):
        x.gather(1, Tensor([[0.0]]))


def test_selection_runs_on_every_backend(backend: tg.Backend) -> None:
    x = Tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 5.0]], backend=backend, requires_grad=True)
    values, indices = x.max(1)
    assert indices.tolist() == [0, 1] and values.tolist() == [3.0, 5.0]
    (values.sum() + x.sort(1, descending=True).values[:, 0].sum()).backward()
    assert x.grad.tolist() == [[2.0, 0.0, 0.0], [0.0, 2.0, 0.0]]
    assert x.topk(2).indices.tolist() == [[0, 2], [1, 2]]
    assert x.cummax(1).indices.tolist() == [[0, 0, 0], [0, 1, 2]]
    assert x.mode(1).values.tolist() == [1.0, 5.0]
    assert x.median().item() == 2.0


# -- against torch ------------------------------------------------------------------------------
def run_both(
    torch: Any, data: np.ndarray, ours_fn: Callable[[Any], Any], theirs_fn: Callable[[Any], Any]
) -> None:
    """Values, indices and the gradient of a random cotangent of the values, in both."""
    ours_in = Tensor(data, requires_grad=True)
    theirs_in = torch.tensor(data, requires_grad=True)
    ours, theirs = ours_fn(ours_in), theirs_fn(theirs_in)
    ours_values = ours[0] if isinstance(ours, tuple) else ours
    theirs_values = theirs[0] if isinstance(theirs, tuple) else theirs
    np.testing.assert_array_equal(ours_values.numpy(), theirs_values.detach().numpy())
    if isinstance(theirs, tuple):
        assert type(ours).__name__ == type(theirs).__name__
        np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    cotangent = np.random.default_rng(1).normal(size=ours_values.shape)
    ours_values.backward(Tensor(cotangent))
    theirs_values.backward(torch.tensor(cotangent))
    np.testing.assert_allclose(ours_in.grad.numpy(), theirs_in.grad.numpy(), rtol=1e-12)


# Ops whose index at a tie PyTorch defines the same way on every run (the first maximum, the
# stable sort, the last occurrence of the mode, the latest running maximum).
TIE_EXACT: list[tuple[str, Callable[[Any], Any], Callable[[Any], Any]]] = [
    ("max dim 1", lambda x: x.max(1), lambda x: x.max(1)),
    ("max dim 0 keepdim", lambda x: x.max(0, keepdim=True), lambda x: x.max(0, keepdim=True)),
    ("min dim 1", lambda x: x.min(dim=1), lambda x: x.min(dim=1)),
    ("tg.max(x, 1)", lambda x: tg.max(x, 1), None),
    ("max all", lambda x: x.max(), lambda x: x.max()),
    ("min all", lambda x: x.min(), lambda x: x.min()),
    ("amax 1", lambda x: x.amax(1), lambda x: x.amax(1)),
    ("amin (0, 1)", lambda x: x.amin((0, 1)), lambda x: x.amin((0, 1))),
    ("sort", lambda x: x.sort(1), lambda x: x.sort(dim=1, stable=True)),
    ("sort descending", lambda x: x.sort(0, descending=True),
     lambda x: x.sort(dim=0, descending=True, stable=True)),
    ("median all", lambda x: x.median(), lambda x: x.median()),
    ("mode", lambda x: x.mode(1), lambda x: x.mode(1)),
    ("mode dim 0", lambda x: x.mode(0, keepdim=True), lambda x: x.mode(0, keepdim=True)),
    ("cummax", lambda x: x.cummax(1), lambda x: x.cummax(1)),
    ("cummin", lambda x: x.cummin(0), lambda x: x.cummin(0)),
]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("name, ours, theirs", TIE_EXACT, ids=[c[0] for c in TIE_EXACT])
def test_with_ties_matches_torch(name: str, ours: Any, theirs: Any, seed: int) -> None:
    torch = pytest.importorskip("torch")
    theirs = theirs or (lambda x: torch.max(x, 1))
    run_both(torch, with_ties(seed), ours, theirs)


# Where PyTorch's index at a tie depends on its partial sort (median and kthvalue with a dim,
# topk), distinct values are compared exactly and ties by value and by gradient placement.
DISTINCT: list[tuple[str, Callable[[Any], Any], Callable[[Any], Any]]] = [
    ("median dim", lambda x: x.median(1), lambda x: x.median(1)),
    ("median dim 0 keepdim", lambda x: x.median(0, True), lambda x: x.median(0, True)),
    ("kthvalue", lambda x: x.kthvalue(2, 1), lambda x: x.kthvalue(2, 1)),
    ("topk", lambda x: x.topk(3), lambda x: x.topk(3)),
    ("topk smallest dim 0", lambda x: x.topk(2, 0, largest=False),
     lambda x: x.topk(2, 0, largest=False)),
    ("tg.topk", lambda x: tg.topk(x, 2), lambda x: x.topk(2)),
]


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("name, ours, theirs", DISTINCT, ids=[c[0] for c in DISTINCT])
def test_distinct_values_match_torch(name: str, ours: Any, theirs: Any, seed: int) -> None:
    torch = pytest.importorskip("torch")
    run_both(torch, distinct(seed), ours, theirs)


@pytest.mark.parametrize("seed", range(4))
def test_median_and_kthvalue_at_ties_pick_an_equal_element(seed: int) -> None:
    torch = pytest.importorskip("torch")
    data = with_ties(seed)
    for ours_fn, theirs_fn in [
        (lambda x: x.median(1), lambda x: x.median(1)),
        (lambda x: x.kthvalue(3, 1), lambda x: x.kthvalue(3, 1)),
        (lambda x: x.topk(3, 1), lambda x: x.topk(3, 1)),
    ]:
        x = Tensor(data, requires_grad=True)
        ours, theirs = ours_fn(x), theirs_fn(torch.tensor(data))
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
        index = ours.indices.numpy().reshape(len(data), -1)
        picked = np.take_along_axis(data, index, axis=1)
        np.testing.assert_array_equal(picked.reshape(ours.values.shape), ours.values.numpy())
        ours.values.sum().backward()  # the gradient goes to the returned positions
        expected = np.zeros_like(data)
        np.put_along_axis(expected, index, 1.0, axis=1)
        np.testing.assert_array_equal(x.grad.numpy(), expected)


NAN = float("nan")


@pytest.mark.parametrize(
    "name", ["max", "min", "sort", "sort descending", "topk", "kthvalue", "median", "median all",
             "cummax", "cummin", "argsort"]
)
def test_nans_are_handled_as_torch(name: str) -> None:
    torch = pytest.importorskip("torch")
    data = np.array([[1.0, NAN, 3.0, NAN, 0.5], [2.0, 1.0, 2.5, 0.0, 4.0]])
    fns: dict[str, Callable[[Any], Any]] = {
        "max": lambda x: x.max(1),
        "min": lambda x: x.min(1),
        "sort": lambda x: x.sort(dim=1, stable=True) if isinstance(x, torch.Tensor) else x.sort(1),
        "sort descending": lambda x: (
            x.sort(dim=1, descending=True, stable=True) if isinstance(x, torch.Tensor)
            else x.sort(1, descending=True)
        ),
        "topk": lambda x: x.topk(2, 1),
        "kthvalue": lambda x: x.kthvalue(4, 1),
        "median": lambda x: x.median(1),
        "median all": lambda x: x.median(),
        "cummax": lambda x: x.cummax(1),
        "cummin": lambda x: x.cummin(1),
        "argsort": lambda x: (
            x.argsort(dim=1, stable=True) if isinstance(x, torch.Tensor) else x.argsort(1)
        ),
    }
    ours, theirs = fns[name](Tensor(data)), fns[name](torch.tensor(data))
    if isinstance(theirs, tuple):
        np.testing.assert_array_equal(ours.values.numpy(), theirs.values.numpy())
        np.testing.assert_array_equal(ours.indices.numpy(), theirs.indices.numpy())
    else:
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_median_without_dim_shares_the_gradient_among_equal_elements_as_torch() -> None:
    torch = pytest.importorskip("torch")
    for data in ([3.0, 1.0, 2.0, 2.0, 5.0, 2.0], [1.0, NAN, 3.0, NAN], [4.0, 1.0]):
        x, t = Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
        x.median().backward()
        t.median().backward()
        np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    assert np.isnan(Tensor([]).median().item()) and torch.tensor([]).median().isnan()


def test_classifier_accuracy_line_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    logits = np.random.default_rng(0).normal(size=(16, 10)).astype(np.float32)
    labels = np.random.default_rng(1).integers(0, 10, size=16)
    _, ours = tg.max(Tensor(logits), 1)
    _, theirs = torch.max(torch.tensor(logits), 1)
    assert (ours == Tensor(labels)).sum().item() == (theirs == torch.tensor(labels)).sum().item()
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_function_forms_given_an_array_keep_pytorchs_meaning() -> None:
    """``torch.max(outputs.data, 1)`` (the Blitz's classifier) and ``outputs.data.max(1)[1]``
    (PyTorch's old MNIST example): ``.data`` is a Tensor, as in PyTorch, so both give the
    indices. NumPy's own ``max(1)`` would give values only, unpacked silently into a wrong
    ``predicted``, so the function forms also turn an array into a Tensor first."""
    outputs = tg.Tensor([[0.1, 2.0, 0.3], [1.5, 0.2, 0.1]], requires_grad=True)
    _, predicted = tg.max(outputs.data, 1)
    assert predicted.tolist() == [1, 0]
    assert outputs.data.max(1)[1].tolist() == [1, 0]
    assert outputs.data.max(1, keepdim=True)[1].tolist() == [[1], [0]]
    _, predicted = tg.max(outputs.numpy(), 1)  # an array given to the function form
    assert predicted.tolist() == [1, 0]
    values, indices = tg.sort(np.array([3.0, 1.0, 2.0]), 0)  # NumPy's sort(0) returns None
    assert (values.tolist(), indices.tolist()) == ([1.0, 2.0, 3.0], [1, 2, 0])
    assert tg.sum(outputs.data, dim=1).tolist() == pytest.approx([2.4, 1.8])
