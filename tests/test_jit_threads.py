"""tg.jit with two threads and more at once. A capture hooks the backend (its namespace, its
random draws), which every thread shares; and a replay writes into buffers of its own. Before:
captures in two threads recorded each other's calls (wrong losses, or a CaptureError for a
write into the other model), an eager thread's work was refused during another's capture, and
two threads replaying one capture overwrote each other's buffers (37 to 91 wrong results of
200). Now captures take turns, hooks act only for the capturing thread, and a replay runs one
call at a time."""

from __future__ import annotations

import threading

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn

RNG = np.random.default_rng(0)
DATA = [(tg.tensor(RNG.standard_normal((16, 1, 12, 12)).astype(np.float32)),
         tg.tensor(RNG.integers(0, 3, 16))) for _ in range(12)]


def _make(seed: int):
    tg.manual_seed(seed)  # made one after another: the global stream is shared
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(4 * 5 * 5, 3))
    optimizer = tg.optim.Adam(model.parameters(), lr=0.01)

    def step(x, y, model=model, optimizer=optimizer):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return step


def _train(step, out: dict, key: int) -> None:
    out[key] = [step(x, y).item() for x, y in DATA]


def test_threads_capturing_and_training_eagerly_at_once_get_their_own_numbers() -> None:
    reference: dict[int, list[float]] = {}
    for seed in range(4):
        _train(_make(seed), reference, seed)
    for _ in range(3):
        got: dict[int, list[float]] = {}
        steps = [tg.jit(_make(0)), tg.jit(_make(1)), tg.jit(_make(2)), _make(3)]  # 3: eager
        threads = [threading.Thread(target=_train, args=(step, got, seed))
                   for seed, step in enumerate(steps)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for seed in range(4):
            np.testing.assert_allclose(got[seed], reference[seed], rtol=1e-5, err_msg=str(seed))


def test_two_threads_replaying_one_capture_get_their_own_results() -> None:
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 10))
    predict = tg.jit(lambda x: model(x).relu().sum(1))
    inputs = [tg.tensor(RNG.standard_normal((128, 64)).astype(np.float32)) for _ in range(200)]
    expected = [model(x).relu().sum(1).numpy() for x in inputs]
    predict(inputs[0])  # captured before the threads start
    wrong: list[int] = []

    def worker(first: int) -> None:
        for i in range(first, len(inputs), 2):
            if not np.allclose(predict(inputs[i]).numpy(), expected[i], rtol=1e-5):
                wrong.append(i)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []
