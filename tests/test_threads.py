"""Threads: grad mode and the ``use_backend`` stack are per thread, the default backend per
process (issue 9). Two threads training their own models at once must end with exactly the
weights that training them one after the other gives."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.backends import registry


def _make_model(seed: int) -> tuple[list[Tensor], Tensor, Tensor]:
    """A 4-8-3 network with its data: weights, inputs and one-hot targets."""
    rng = np.random.default_rng(seed)
    weights = [
        Tensor(rng.standard_normal((4, 8)) * 0.5, dtype=tg.float64, requires_grad=True),
        Tensor(np.zeros(8), dtype=tg.float64, requires_grad=True),
        Tensor(rng.standard_normal((8, 3)) * 0.5, dtype=tg.float64, requires_grad=True),
        Tensor(np.zeros(3), dtype=tg.float64, requires_grad=True),
    ]
    inputs = Tensor(rng.standard_normal((32, 4)), dtype=tg.float64)
    targets = Tensor(np.eye(3)[rng.integers(0, 3, 32)], dtype=tg.float64)
    return weights, inputs, targets


def _train(model: tuple[list[Tensor], Tensor, Tensor], steps: int, pause: Callable[[], None]):
    """Plain gradient descent: forward, loss, backward, an in-place update under no_grad."""
    (w1, b1, w2, b2), inputs, targets = model
    for _ in range(steps):
        hidden = (inputs @ w1 + b1).relu()
        log_probs = (hidden @ w2 + b2).log_softmax(axis=1)
        loss = -(log_probs * targets).sum() / inputs.shape[0]
        pause()  # let the other thread run between building the graph and using it
        loss.backward()
        with tg.no_grad():
            pause()  # ... and while this one is inside no_grad
            for w in (w1, b1, w2, b2):
                w -= 0.1 * w.grad
                w.grad = None
    return [w.numpy().copy() for w in (w1, b1, w2, b2)]


def _run_in_threads(jobs: list[Callable[[], Any]]) -> list[Any]:
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            results[i] = jobs[i]()
        except BaseException as error:  # re-raised in the main thread below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def test_two_threads_train_their_own_models_exactly_as_in_sequence() -> None:
    steps = 40
    expected = [_train(_make_model(seed), steps, lambda: None) for seed in (1, 2)]
    for _ in range(3):
        models = [_make_model(seed) for seed in (1, 2)]  # built before the threads start
        barrier = threading.Barrier(2)

        def pause(barrier: threading.Barrier = barrier) -> None:
            try:
                barrier.wait(timeout=5)  # lock-step: each thread's no_grad overlaps the other's
            except threading.BrokenBarrierError:
                pass

        results = _run_in_threads([lambda m=m: _train(m, steps, pause) for m in models])
        for got, want in zip(results, expected, strict=True):
            for g, w in zip(got, want, strict=True):
                np.testing.assert_array_equal(g, w)


def test_no_grad_in_one_thread_leaves_another_recording() -> None:
    inside = threading.Event()
    leave = threading.Event()

    def hold_no_grad() -> None:
        with tg.no_grad():
            inside.set()
            leave.wait(timeout=5)

    holder = threading.Thread(target=hold_no_grad)
    holder.start()
    try:
        assert inside.wait(timeout=5)
        x = Tensor([1.0], requires_grad=True)
        assert tg.is_grad_enabled() and (x * 2).requires_grad
    finally:
        leave.set()
        holder.join()


def test_use_backend_is_per_thread_and_set_backend_per_process() -> None:
    pytest.importorskip("array_api_strict", reason="array-api-strict is not installed")
    inside = threading.Event()
    leave = threading.Event()
    seen: list[str] = []

    def hold_use_backend() -> None:
        with tg.use_backend("array_api_strict"):
            seen.append(Tensor([1.0]).backend.name)
            inside.set()
            leave.wait(timeout=5)

    holder = threading.Thread(target=hold_use_backend)
    holder.start()
    try:
        assert inside.wait(timeout=5)
        assert Tensor([1.0]).backend.name == "numpy"  # this thread is not inside the block
    finally:
        leave.set()
        holder.join()
    assert seen == ["array_api_strict"]

    previous = registry._chosen
    try:
        tg.set_backend("array_api_strict")
        other: list[str] = []
        worker = threading.Thread(target=lambda: other.append(Tensor([1.0]).backend.name))
        worker.start()
        worker.join()
        assert other == ["array_api_strict"]  # the default is the same in every thread
    finally:
        registry._chosen = previous


def test_a_new_backend_loaded_by_two_threads_at_once_is_one_object(monkeypatch: Any) -> None:
    monkeypatch.setattr(registry, "_instances", {})
    barrier = threading.Barrier(4)

    def load() -> Any:
        barrier.wait(timeout=5)
        return tg.get_backend("numpy")

    backends = _run_in_threads([load] * 4)
    assert all(b is backends[0] for b in backends)
