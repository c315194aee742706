"""``x.data`` means what it means in PyTorch: a Tensor that shares ``x``'s memory, cut out of
the graph. Older tutorials call Tensor methods on it (``output.data.max(1)[1]``,
``f.data.sub_(f.grad.data * lr)``); had ``.data`` been the backend's raw array, NumPy's
methods would answer instead, with other meanings and no error. Each program below runs with
both libraries (PyTorch where it is installed) and the results are compared."""

from __future__ import annotations

import types

import numpy as np
import pytest

import tinygrad_edu as tg


def _torch() -> types.ModuleType:
    return pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch)")


def _libraries() -> list[types.ModuleType]:
    try:
        import torch
    except ImportError:
        return [tg]
    return [tg, torch]


def _predicted_by_old_mnist_example(lib: types.ModuleType) -> list[int]:
    output = lib.tensor([[0.1, 2.0, 0.3], [1.5, 0.2, 0.1], [0.0, 0.0, 9.0]], requires_grad=True)
    return output.data.max(1)[1].tolist()  # PyTorch's old MNIST example, word for word


def test_data_max_gives_indices_as_in_pytorch() -> None:
    for lib in _libraries():
        assert _predicted_by_old_mnist_example(lib) == [1, 0, 2], lib.__name__


def _blitz_update(lib: types.ModuleType) -> tuple[list[float], list[float]]:
    w = lib.tensor([1.0, -2.0, 3.0], requires_grad=True)
    (w * w).sum().backward()
    w.data.sub_(w.grad.data * 0.1)  # the Blitz's manual SGD, changing w itself
    w.grad.data.zero_()  # older tutorials' zero_grad
    return w.tolist(), w.grad.tolist()


def test_in_place_changes_through_data_change_the_tensor() -> None:
    ours = _blitz_update(tg)
    assert ours == (pytest.approx([0.8, -1.6, 2.4]), [0.0, 0.0, 0.0])
    if len(_libraries()) == 2:
        import torch

        theirs = _blitz_update(torch)
        assert ours[0] == pytest.approx(theirs[0]) and ours[1] == theirs[1]


def test_data_is_a_detached_tensor_sharing_memory() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    for t in (x, y):
        d = t.data
        assert isinstance(d, tg.Tensor)
        assert not d.requires_grad and d.grad_fn is None and d.is_leaf
        assert np.shares_memory(d.numpy(), t.numpy())
    x.data[0] = 10.0  # item assignment through .data writes into x
    assert x.tolist() == [10.0, 2.0]


def test_changes_through_data_are_not_tracked_as_in_pytorch() -> None:
    """Backward after ``x.data *= 2`` silently uses the new values, in both libraries: that is
    the risk that makes ``no_grad`` the right way to write an update."""
    grads = []
    for lib in _libraries():
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        x.data *= 2
        y.backward()
        grads.append(x.grad.tolist())
        assert x.tolist() == [2.0, 4.0]
    assert all(g == [4.0, 8.0] for g in grads)


def test_assigning_data_swaps_memory_shape_and_dtype() -> None:
    x = tg.ones(2, requires_grad=True)
    x.data = tg.zeros(3, dtype=tg.float64)
    assert x.shape == (3,) and x.dtype == tg.float64 and x.requires_grad
    with pytest.raises(TypeError, match=r"needs a Tensor .*tg\.tensor\(value\)"):
        x.data = np.zeros(2)  # PyTorch also refuses an array here


def test_assigning_data_back_keeps_the_same_array() -> None:
    """``x.data *= 2`` reads the view, changes it in place and assigns it back: the tensor
    keeps its own array (the engine and tg.jit recognise arrays by identity)."""
    x = tg.tensor([1.0, 2.0])
    array = x._data
    x.data *= 2
    assert x._data is array and x.tolist() == [2.0, 4.0]


def test_numpy_asarray_reads_a_tensor() -> None:
    x = tg.tensor([[1.0, 2.0]])
    a = np.asarray(x)
    assert a.dtype == np.float32 and a.tolist() == [[1.0, 2.0]]
    assert np.shares_memory(a, x.numpy())  # shared on the CPU, as in PyTorch
    assert np.asarray(x, dtype=np.float64).dtype == np.float64
    assert not np.shares_memory(np.array(x, copy=True), x.numpy())
    np.testing.assert_allclose(x.data, [[1.0, 2.0]])


def test_data_of_a_matching_torch_program_gives_the_same_numbers() -> None:
    torch = _torch()
    rows = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    ours, theirs = tg.tensor(rows), torch.tensor(rows)
    assert ours.data.argmax(1).tolist() == theirs.data.argmax(1).tolist()
    assert ours.data.sum(0).tolist() == pytest.approx(theirs.data.sum(0).tolist())
    values, indices = ours.data.sort(1)
    t_values, t_indices = theirs.data.sort(1)
    assert values.tolist() == t_values.tolist() and indices.tolist() == t_indices.tolist()
