"""The eager fixes of issue 18: relu's backward in one pass, cross-entropy's gradient without a
one-hot and its one-pass target check, the shared seed of backward(). Each keeps PyTorch's
numbers (compared with torch where it is installed)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.nn import functional as F

INF, NAN = float("inf"), float("nan")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_backward_with_inf_and_nan_gradients_matches_torch(dtype: Any) -> None:
    torch = pytest.importorskip("torch")
    x = np.array([-1.0, 0.0, 2.0, NAN, -0.0, 3.0, -2.0, 5.0, 1e-30, -INF, INF], dtype)
    g = np.array([INF, NAN, -INF, 1.0, INF, NAN, -0.0, -0.0, 7.0, NAN, -INF], dtype)
    t = tg.Tensor(x, requires_grad=True)
    t.relu().backward(tg.Tensor(g))
    expected = torch.tensor(x, requires_grad=True)
    expected.relu().backward(torch.tensor(g))
    want = expected.grad.numpy()
    assert t.grad.dtype.name == np.dtype(dtype).name
    assert np.array_equal(t.grad.numpy(), want, equal_nan=True)
    assert np.array_equal(np.signbit(t.grad.numpy()), np.signbit(want))  # -0.0 kept, 0 is +0


@pytest.mark.parametrize("shape", [(0,), (1,), (7, 5), (3, 1, 4)])
def test_numpy_zero_where_equals_where(shape: tuple[int, ...]) -> None:
    """The NumPy backend's bit-level zero_where gives exactly np.where's numbers."""
    backend = tg.get_backend("numpy")
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        grad = rng.standard_normal(shape).astype(dtype)
        grad.flat[::3] = INF
        grad.flat[1::4] = NAN
        mask = rng.random(shape) < 0.5
        got = backend.zero_where(grad, mask)
        want = np.where(mask, dtype(0), grad)
        assert got.dtype == grad.dtype and got.shape == grad.shape
        assert np.array_equal(got, want, equal_nan=True)
        assert np.array_equal(np.signbit(got), np.signbit(want))


def test_relu_second_order_still_recorded() -> None:
    x = tg.Tensor([-1.0, 2.0], requires_grad=True)
    (gx,) = tg.autograd.grad(x.relu().pow(2).sum(), [x], create_graph=True)
    assert gx.requires_grad
    gx.sum().backward()
    assert x.grad.tolist() == [0.0, 2.0]


def _one_hot_gradient(logits: np.ndarray, targets: np.ndarray, reduction: str) -> np.ndarray:
    """(softmax - one_hot) * per-loss gradient: the formula the one-hot used to compute."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exps = np.exp(shifted)
    probabilities = exps / exps.sum(axis=1, keepdims=True)
    one_hot = (targets[:, None] == np.arange(logits.shape[1])).astype(logits.dtype)
    scale = np.ones((), logits.dtype) / len(targets) if reduction == "mean" else \
        np.ones((), logits.dtype)
    return (probabilities - one_hot) * scale


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_gradient_is_the_one_hot_formula_bit_for_bit(reduction: str,
                                                                    dtype: Any) -> None:
    rng = np.random.default_rng(3)
    logits = (rng.standard_normal((33, 10)) * 4).astype(dtype)
    targets = rng.integers(0, 10, 33)
    targets[:10] = 9  # repeated classes
    x = tg.Tensor(logits, requires_grad=True)
    F.cross_entropy(x, tg.Tensor(targets), reduction=reduction).backward()
    assert np.array_equal(x.grad.numpy(), _one_hot_gradient(logits, targets, reduction))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(6, 4), (5, 3, 2)])
def test_cross_entropy_gradient_matches_torch(reduction: str, shape: tuple[int, ...]) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    logits = rng.standard_normal(shape).astype(np.float32)
    targets = rng.integers(0, shape[1], (shape[0], *shape[2:]))
    weights = rng.standard_normal(targets.shape).astype(np.float32)
    x = tg.Tensor(logits, requires_grad=True)
    loss = F.cross_entropy(x, tg.Tensor(targets), reduction=reduction)
    (loss * tg.Tensor(weights)).sum().backward() if reduction == "none" else loss.backward()
    y = torch.tensor(logits, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(y, torch.tensor(targets), reduction=reduction)
    (expected * torch.tensor(weights)).sum().backward() if reduction == "none" else \
        expected.backward()
    np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("op", [F.cross_entropy, F.nll_loss])
@pytest.mark.parametrize(("bad", "named"), [(10, "10"), (-1, "-1"), (2**62, str(2**62)),
                                            (-(2**63), str(-(2**63)))])
def test_a_target_out_of_range_is_a_clear_error(op: Any, bad: int, named: str) -> None:
    targets = np.array([0, 3, bad, 9], dtype=np.int64)
    with pytest.raises(IndexError, match=f"target {named} is out of bounds: the input has 10 "
                                         r"classes, so targets must lie in 0\.\.9"):
        op(tg.Tensor(np.zeros((4, 10), np.float32)), tg.Tensor(targets))


def test_targets_at_both_ends_pass_the_check() -> None:
    loss = F.cross_entropy(tg.Tensor(np.zeros((2, 10), np.float32)), tg.Tensor([0, 9]))
    assert loss.item() == pytest.approx(np.log(10))


def test_the_target_check_on_the_array_api_backend() -> None:
    """Without NumPy's reinterpretation (array-api-strict), a minimum and a maximum."""
    pytest.importorskip("array_api_strict")
    with tg.use_backend("array_api_strict"):
        logits = tg.Tensor([[0.0, 1.0], [2.0, 0.0]], requires_grad=True)
        F.cross_entropy(logits, tg.Tensor([1, 0])).backward()
        np.testing.assert_allclose(np.asarray(logits.grad.tolist()),
                                   [[0.13447072, -0.13447072], [-0.05960146, 0.05960146]],
                                   rtol=1e-5)
        with pytest.raises(IndexError, match="target -1 is out of bounds"):
            F.cross_entropy(logits, tg.Tensor([1, -1]))


def test_the_shared_seed_cannot_be_changed() -> None:
    """backward() of a scalar shares one read-only 1; a leaf's .grad is its own copy."""
    a = tg.Tensor(2.0, requires_grad=True)
    a.backward()
    a.grad.add_(5.0)  # the leaf's gradient is writable and its own
    b = tg.Tensor(3.0, requires_grad=True)
    b.backward()
    assert (a.grad.item(), b.grad.item()) == (6.0, 1.0)
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    # tg.grad's results belong to the caller, as torch.autograd.grad's do: the gradient of the
    # loss with respect to itself (the seed), or a view of it, can be changed in place.
    (own,) = tg.autograd.grad(loss, [loss])
    own += 1
    assert own.item() == 2.0
    one = tg.Tensor([5.0], requires_grad=True)
    (view,) = tg.autograd.grad(one.reshape(()), [one])  # the seed, reshaped
    view.add_(1.0)
    assert view.tolist() == [2.0]
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_split_threads_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """$TINYGRAD_EDU_SPLIT_THREADS sets the engine's own thread count (1: no splitting),
    whatever BLAS uses; unset, the count follows BLAS as before."""
    from tinygrad_edu import threads

    monkeypatch.setattr(threads, "_workers", None)
    monkeypatch.setenv("TINYGRAD_EDU_SPLIT_THREADS", "1")
    assert threads.work_threads() == 1
    monkeypatch.setattr(threads, "_workers", None)
    monkeypatch.delenv("TINYGRAD_EDU_SPLIT_THREADS")
    assert threads.work_threads() == min(tg.get_num_threads(), threads.usable_cores())


def test_a_saved_input_gives_its_current_data_as_in_torch() -> None:
    """x.data = t between forward and backward: the gradient uses the new data, as PyTorch's
    does (the context keeps its inputs, not copies of their arrays)."""
    torch = pytest.importorskip("torch")
    results = []
    for lib in (tg, torch):
        x = lib.tensor([2.0], requires_grad=True)
        w = lib.tensor([3.0], requires_grad=True)
        h = w * 1
        y = (x * h).sum()
        h.data = lib.tensor([5.0])
        y.backward()
        results.append(x.grad.tolist())
    assert results[0] == results[1] == [5.0]


def test_mul_backward_records_with_create_graph_and_not_without() -> None:
    """The direct product of Mul's backward is taken only when nothing is recorded."""
    x = tg.Tensor(3.0, requires_grad=True)
    (dx,) = tg.grad(x * x * x, x, create_graph=True)
    assert dx.requires_grad and dx.item() == 27.0
    (ddx,) = tg.grad(dx, x)
    assert ddx.item() == 18.0
    y = tg.Tensor(3.0, requires_grad=True)
    (dy,) = tg.grad(y * y, y)
    assert not dy.requires_grad and dy.item() == 6.0
