"""Unfold, fold and relu split over threads (issue 18): the same numbers to the last bit as on
one thread, and no thread at all when tg.set_num_threads(1)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import threads
from tinygrad_edu.nn import functional as F


class CountingPool:
    """Stands in for the thread pool: runs each piece on a real thread and counts them."""

    def __init__(self) -> None:
        from concurrent.futures import ThreadPoolExecutor

        self.pool, self.pieces = ThreadPoolExecutor(max_workers=3), 0

    def submit(self, fn: Any, *args: Any) -> Any:
        self.pieces += 1
        return self.pool.submit(fn, *args)


def _step(seed: int) -> list[np.ndarray]:
    """A small CNN's forward and backward (convolutions with overlap and padding, relu, max and
    average pooling): its loss and every gradient."""
    rng = np.random.default_rng(seed)
    x = tg.Tensor(rng.standard_normal((12, 3, 13, 13)).astype(np.float32), requires_grad=True)
    w1 = tg.Tensor(rng.standard_normal((5, 3, 3, 3)).astype(np.float32), requires_grad=True)
    w2 = tg.Tensor(rng.standard_normal((4, 5, 2, 2)).astype(np.float32), requires_grad=True)
    h = F.conv2d(x, w1, padding=1).relu()
    h = F.max_pool2d(h, 2)
    h = F.conv2d(h, w2, stride=1).relu()
    loss = F.avg_pool2d(h, 2, stride=1).square().sum()
    loss.backward()
    return [loss.numpy(), x.grad.numpy(), w1.grad.numpy(), w2.grad.numpy()]


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> CountingPool:
    pool = CountingPool()
    monkeypatch.setattr(threads, "_get_pool", lambda: pool)
    monkeypatch.setattr(threads, "MIN_SPLIT_ELEMENTS", 16)  # split even these small arrays
    return pool


@pytest.mark.parametrize("workers", [2, 3])
def test_threaded_cnn_step_is_bit_identical_to_one_thread(
    counting: CountingPool, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    monkeypatch.setattr(threads, "_workers", 1)
    serial = _step(0)
    assert counting.pieces == 0
    monkeypatch.setattr(threads, "_workers", workers)
    threaded = _step(0)
    assert counting.pieces > 10  # unfold, fold and relu were split
    for s, t in zip(serial, threaded, strict=True):
        assert s.dtype == t.dtype and np.array_equal(s, t)


@pytest.mark.parametrize("channels", [1, 2, 5])  # pieces of the batch (1), of the channels
def test_threaded_unfold_and_fold_equal_serial(counting: CountingPool,
                                               monkeypatch: pytest.MonkeyPatch,
                                               channels: int) -> None:
    from tinygrad_edu.ops.spatial import Fold, Unfold

    rng = np.random.default_rng(1)
    images = tg.Tensor(rng.standard_normal((7, channels, 9, 8)))
    options = {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 0)}
    results = []
    for workers in (1, 2):
        monkeypatch.setattr(threads, "_workers", workers)
        columns = Unfold.apply(images, **options)
        back = Fold.apply(columns, output_size=(9, 8), **options)
        results.append((columns.numpy(), back.numpy()))
    assert counting.pieces >= 2
    for serial, threaded in zip(*results, strict=True):
        assert np.array_equal(serial, threaded)


def test_threaded_relu_keeps_inf_and_nan_rules(counting: CountingPool,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threads, "_workers", 2)
    x = np.array([[-1.0, 0.0, np.nan, 2.0]] * 8, np.float32).T.copy()
    g = np.array([[np.inf, np.nan, 1.0, -np.inf]] * 8, np.float32).T.copy()
    t = tg.Tensor(x, requires_grad=True)
    out = t.relu()
    out.backward(tg.Tensor(g))
    assert counting.pieces >= 2
    assert np.array_equal(out.numpy(), np.maximum(x, 0), equal_nan=True)
    expected = np.where(x <= 0, np.float32(0), g)
    assert np.array_equal(t.grad.numpy(), expected, equal_nan=True)


def test_one_thread_means_no_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool() -> Any:
        raise AssertionError("the thread pool was used with one thread")

    monkeypatch.setattr(threads, "_get_pool", no_pool)
    monkeypatch.setattr(threads, "MIN_SPLIT_ELEMENTS", 1)
    before = tg.get_num_threads()
    try:
        tg.set_num_threads(1)
        assert threads.work_threads() == 1
        _step(2)
    finally:
        tg.set_num_threads(before)


def test_an_error_in_a_piece_reaches_the_caller(counting: CountingPool,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threads, "_workers", 2)

    def work(start: int, stop: int) -> None:
        if start > 0:
            raise ValueError("piece failed")

    with pytest.raises(ValueError, match="piece failed"):
        threads.split(10, work, elements=1000)
