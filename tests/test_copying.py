"""copy.deepcopy and pickle of tensors and models, as PyTorch's: the copy is usable (same
backend object), independent (its own memory), of the same class, and leaves the graph."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn


def test_a_deep_copied_model_trains_on_its_own() -> None:
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    twin = copy.deepcopy(model)  # the EMA / target-network / best-model idiom
    x = tg.randn(5, 3)
    np.testing.assert_array_equal(twin(x).numpy(), model(x).numpy())
    assert all(type(p) is nn.Parameter for p in twin.parameters())
    optimizer = tg.optim.SGD(twin.parameters(), lr=0.1)
    twin(x).sum().backward()
    optimizer.step()
    assert not np.array_equal(twin(x).numpy(), model(x).numpy())  # the original is untouched
    assert all(p.grad is None for p in model.parameters())


def test_deepcopy_keeps_backend_requires_grad_and_grad() -> None:
    t = tg.tensor([1.0, 2.0], requires_grad=True)
    t.grad = tg.tensor([3.0, 4.0])
    c = copy.deepcopy(t)
    assert c.backend is t.backend and c.requires_grad and c.is_leaf
    assert c.grad.tolist() == [3.0, 4.0] and c.grad is not t.grad
    c.grad.add_(1.0)
    with tg.no_grad():
        c.mul_(10.0)
    assert t.tolist() == [1.0, 2.0] and t.grad.tolist() == [3.0, 4.0]
    assert (c * t).sum().requires_grad  # same backend: they combine


def test_deepcopy_of_a_computed_tensor_is_refused_as_in_torch() -> None:
    y = tg.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match="graph leaves.*x.detach"):
        copy.deepcopy(y)
    assert copy.deepcopy(y.detach()).tolist() == [2.0, 2.0]


@pytest.mark.parametrize("dtype", [tg.float32, tg.float64, tg.int64, tg.bool])
def test_pickle_round_trip_keeps_values_dtype_and_backend(dtype) -> None:
    t = tg.tensor([1, 0, 3]).to(dtype)
    back = pickle.loads(pickle.dumps(t))
    assert back.dtype is dtype and back.tolist() == t.tolist() and back.backend is t.backend


def test_pickle_drops_the_graph_and_grad_as_torch_does() -> None:
    x = tg.ones(2, requires_grad=True)
    x.grad = tg.ones(2)
    y = x * 2
    for original in (x, y):
        back = pickle.loads(pickle.dumps(original))
        assert back.requires_grad and back.is_leaf and back.grad is None


def test_a_pickled_model_runs() -> None:
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    back = pickle.loads(pickle.dumps(model))
    x = tg.randn(4, 3)
    model.eval()
    back.eval()
    np.testing.assert_allclose(back(x).numpy(), model(x).numpy())
    assert [type(p) for p in back.parameters()] == [nn.Parameter] * 4


def test_torch_agrees_on_what_deepcopy_and_pickle_keep() -> None:
    torch = pytest.importorskip("torch", reason="needs PyTorch (pip install torch==2.13.0)")
    for lib in (tg, torch):
        x = lib.ones(2, requires_grad=True)
        x.grad = lib.ones(2)
        copied, pickled = copy.deepcopy(x), pickle.loads(pickle.dumps(x))
        assert copied.grad is not None and pickled.grad is None
        assert copied.requires_grad and pickled.requires_grad
        with pytest.raises(RuntimeError):
            copy.deepcopy(x * 2)
