"""The faster paths of issue 18's second round give the numbers of the paths they replace:
the NumPy backend's relu (a cached whole array of zeros instead of a 0-d one), its thin
namespace (``np.add.reduce`` and the array methods instead of ``np.sum``, ``np.reshape``...),
the plain-SGD shortcut, ``flatten`` without reshape's checks, and the grad-mode blocks that
keep their per-thread modes in a dict."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import threads
from tinygrad_edu.backends.numpy_xp import xp as thin

INF, NAN = float("inf"), float("nan")
EDGES = [-1.0, 0.0, -0.0, 2.0, NAN, -NAN, INF, -INF, 1e-45, -1e-45, 3e38, -3e38]


def _same_bits(got: np.ndarray, want: np.ndarray) -> bool:
    """Equal values, nans in the same places, the same sign bits (so -0.0 is not 0.0)."""
    return (got.dtype == want.dtype and got.shape == want.shape
            and np.array_equal(got, want, equal_nan=True)
            and np.array_equal(np.signbit(got), np.signbit(want)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["C", "F", "permuted", "strided", "0-d", "empty"])
def test_numpy_relu_equals_maximum_with_a_scalar_zero(dtype: Any, layout: str) -> None:
    backend = tg.get_backend("numpy")
    rng = np.random.default_rng(1)
    base = rng.standard_normal((6, 5, 4)).astype(dtype)
    base.flat[: len(EDGES)] = EDGES
    x = {"C": base, "F": np.asfortranarray(base), "permuted": base.transpose(2, 0, 1),
         "strided": base[::2, :, 1:], "0-d": np.asarray(dtype(-0.5)),
         "empty": base[:0]}[layout]
    want = np.maximum(x, dtype(0))
    for _ in range(2):  # the second call uses the cached zeros
        got = backend.relu(x)
        assert _same_bits(got, want)
    for zeros in backend._zeros.values():
        assert not zeros.flags.writeable and not zeros.any()


def test_numpy_relu_of_a_large_array_split_over_threads_equals_maximum(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threads, "MIN_SPLIT_ELEMENTS", 1024)  # split (where 2+ threads)
    backend = tg.get_backend("numpy")
    x = np.random.default_rng(2).standard_normal((8, 26, 26, 64)).astype(np.float32)
    x.flat[:: 997] = NAN
    view = x.transpose(3, 0, 1, 2)  # the (N, C, H, W) view of conv2d's (C, H, W, N) memory
    assert _same_bits(backend.relu(view), np.maximum(view, np.float32(0)))


def test_relu_matches_torch_forward_and_backward_on_edges() -> None:
    torch = pytest.importorskip("torch")
    x = np.array(EDGES * 3, dtype=np.float32).reshape(3, -1)
    t = tg.Tensor(x, requires_grad=True)
    out = t.relu()
    out.backward(tg.ones_like(out))
    expected = torch.tensor(x, requires_grad=True)
    y = expected.relu()
    y.backward(torch.ones_like(y))
    assert np.array_equal(out.numpy(), y.detach().numpy(), equal_nan=True)
    assert np.array_equal(t.grad.numpy(), expected.grad.numpy(), equal_nan=True)


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.int64, np.float32, np.float64])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_thin_reductions_equal_numpys(dtype: Any, axis: Any, keepdims: bool) -> None:
    x = (np.random.default_rng(3).standard_normal((4, 5)) * 4).astype(dtype)
    if np.dtype(dtype).kind == "f":
        x[1, 2] = NAN
    for mine, theirs in ((thin.sum, np.sum), (thin.max, np.max), (thin.min, np.min)):
        got = mine(x, axis=axis, keepdims=keepdims)
        want = theirs(x, axis=axis, keepdims=keepdims)
        assert type(got) is type(want)
        assert np.asarray(got).dtype == np.asarray(want).dtype
        assert np.array_equal(got, want, equal_nan=True)


def test_thin_functions_on_edges_behave_as_numpys() -> None:
    scalar = np.float32(2.5)
    assert thin.sum(scalar) == np.sum(scalar) and thin.max(np.array(3.0)) == 3.0
    with pytest.raises(ValueError, match="zero-size array to reduction operation maximum"):
        thin.max(np.zeros((0, 3)), axis=0)
    assert thin.sum(np.zeros((0, 3)), axis=0).tolist() == [0.0, 0.0, 0.0]
    x = np.arange(12.0).reshape(3, 4)
    assert np.shares_memory(thin.reshape(x, (4, 3)), x)
    assert not np.shares_memory(thin.reshape(x, (2, 6), copy=True), x)  # NumPy's own
    assert thin.permute_dims(x, (1, 0)).tolist() == x.T.tolist()
    assert thin.take(x, np.array([2, 0]), axis=0).tolist() == [x[2].tolist(), x[0].tolist()]
    assert thin.sum([1, 2, 3]) == 6  # a list: NumPy's function
    assert thin.exp is np.exp and thin.float32 is np.float32


def test_the_numpy_backend_uses_the_thin_namespace_and_tg_jit_still_captures() -> None:
    assert tg.get_backend("numpy").xp is thin
    w = tg.Tensor([1.0, -2.0], requires_grad=True)
    optimizer = tg.optim.SGD([w], lr=0.1)

    @tg.jit
    def step(x: tg.Tensor) -> tg.Tensor:
        optimizer.zero_grad()
        loss = ((w * x).relu() ** 2).sum()
        loss.backward()
        optimizer.step()
        return loss

    losses = [round(step(tg.Tensor([1.0, -1.0])).item(), 6) for _ in range(4)]
    assert step.last is not None  # captured, then replayed
    assert losses == [5.0, 3.2, 2.048, 1.31072]


@pytest.mark.parametrize("options", [{}, {"weight_decay": 0.1}, {"momentum": 0.9},
                                     {"maximize": True}])
def test_plain_sgd_shortcut_gives_the_rule_of_the_general_path(options: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    start = np.array([[0.5, -1.5], [2.0, 3e-8]])
    grads = [np.array([[1.0, -2.0], [0.25, 4.0]]) * (k + 1) for k in range(3)]
    mine = tg.Tensor(start, requires_grad=True)
    theirs = torch.tensor(start, requires_grad=True)
    ours_opt = tg.optim.SGD([mine], lr=0.1, **options)
    torch_opt = torch.optim.SGD([theirs], lr=0.1, **options)
    for g in grads:
        mine.grad = tg.Tensor(g)
        theirs.grad = torch.tensor(g)
        ours_opt.step()
        torch_opt.step()
    assert np.allclose(mine.numpy(), theirs.detach().numpy(), rtol=1e-15, atol=0)


def test_flatten_of_one_axis_is_the_tensor_itself_and_merges_otherwise() -> None:
    torch = pytest.importorskip("torch")
    x = tg.arange(24.0).reshape(2, 3, 4)
    assert x.flatten(1, 1) is x
    for start, end in ((0, -1), (1, -1), (0, 1), (-2, -1)):
        got = x.flatten(start, end)
        want = torch.arange(24.0).reshape(2, 3, 4).flatten(start, end)
        assert tuple(got.shape) == tuple(want.shape)
        assert got.tolist() == want.tolist()


def test_no_grad_blocks_keep_their_modes_per_thread() -> None:
    block = tg.no_grad()
    seen: list[bool] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        with block:  # the same block object, entered by two threads at once
            barrier.wait()
            seen.append(tg.is_grad_enabled())
            barrier.wait()
        seen.append(tg.is_grad_enabled())

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen.count(False) == 2 and seen.count(True) == 2
    assert block._stacks == {}  # nothing left behind
    with tg.no_grad():
        with tg.enable_grad():
            assert tg.is_grad_enabled()
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("layout", ["C", "permuted", "mixed"])
@pytest.mark.parametrize("split", [False, True])
def test_numpy_zero_where_on_large_and_permuted_arrays_equals_where(
        dtype: Any, layout: str, split: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The split (threads) and int8-widening paths: exact zeros, inf and nan kept elsewhere."""
    if split:
        monkeypatch.setattr(threads, "MIN_SPLIT_ELEMENTS", 1024)
    backend = tg.get_backend("numpy")
    rng = np.random.default_rng(4)
    grad = rng.standard_normal((8, 26, 26, 64)).astype(dtype)
    grad.flat[::7] = INF
    grad.flat[3::11] = NAN
    grad.flat[5::13] = -0.0
    mask = rng.random(grad.shape) < 0.5
    if layout != "C":
        grad = grad.transpose(3, 0, 1, 2)
        mask = mask.transpose(3, 0, 1, 2) if layout == "permuted" else np.ascontiguousarray(
            mask.transpose(3, 0, 1, 2))
    got = backend.zero_where(grad, mask)
    assert _same_bits(got, np.where(mask, dtype(0), grad))


def test_numpy_relu_from_two_threads_at_once_with_many_shapes() -> None:
    """Two threads making and clearing the cache of zero arrays together: every result right,
    no error from the shared cache."""
    backend = tg.get_backend("numpy")
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work(seed: int) -> None:
        rng = np.random.default_rng(seed)
        barrier.wait()
        try:
            for size in range(1, 200):  # more shapes than the cache keeps: it starts afresh
                x = rng.standard_normal((size, 3 + seed)).astype(np.float32)
                assert _same_bits(backend.relu(x), np.maximum(x, np.float32(0)))
        except BaseException as error:  # noqa: BLE001 (reported below, in the main thread)
            errors.append(error)

    workers = [threading.Thread(target=work, args=(seed,)) for seed in range(2)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert not errors, errors
    assert len(backend._zeros) <= 32 + 2  # bounded (each thread may add one past the check)
