"""tg.jit shares its scratch buffers by lifetime: a buffer whose value is dead is written again
by a later call of the same layout, and never while a value or a view of it is still read."""

from __future__ import annotations

import re

import numpy as np

import tinygrad_edu as tg


def _buffers(step: tg.jit) -> tuple[int, int]:
    """(out= writes, distinct buffers) in the latest replay's source."""
    names = re.findall(r"out=(buf\d*)\b", step.replay_source())
    return len(names), len(set(names))


def test_a_chain_reuses_its_buffers_and_keeps_the_numbers() -> None:
    def chain(x: tg.Tensor) -> tg.Tensor:
        for _ in range(6):
            x = (x * 1.5).exp().tanh() - 0.25
        return x.sum()

    step = tg.jit(chain)
    inputs = [np.random.default_rng(n).standard_normal((8, 5)).astype(np.float32)
              for n in range(4)]
    got = [step(tg.tensor(a)).item() for a in inputs]
    assert got == [chain(tg.tensor(a)).item() for a in inputs]
    writes, distinct = _buffers(step)
    assert writes >= 18 and distinct <= 3, (writes, distinct)


def test_a_view_keeps_its_buffer_alive() -> None:
    # y's buffer must not be written by w while z, a view of y, is still to be read.
    def views(x: tg.Tensor) -> tg.Tensor:
        y = x * 2.0
        z = y.reshape(4, 6).T  # a view of y's buffer
        w = x * 3.0  # same layout as y: it would take y's buffer if y counted as dead
        u = w + 1.0
        return (z.T.reshape(6, 4) * u).sum(0)

    step = tg.jit(views)
    for n in range(3):
        a = np.random.default_rng(n).standard_normal((6, 4)).astype(np.float32)
        np.testing.assert_array_equal(step(tg.tensor(a)).numpy(), views(tg.tensor(a)).numpy())


def test_a_training_step_with_buffers_shared_equals_eager() -> None:
    losses = []
    for use_jit in (False, True):
        tg.manual_seed(0)
        model = tg.nn.Sequential(tg.nn.Linear(6, 16), tg.nn.ReLU(), tg.nn.Linear(16, 16),
                                 tg.nn.Tanh(), tg.nn.Linear(16, 3))
        optimizer = tg.optim.Adam(model.parameters(), lr=1e-2)

        def train(x, y, model=model, optimizer=optimizer):  # type: ignore[no-untyped-def]
            loss = tg.nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss

        run = tg.jit(train) if use_jit else train
        rng = np.random.default_rng(5)
        losses.append([run(tg.tensor(rng.standard_normal((16, 6)).astype(np.float32)),
                           tg.tensor(rng.integers(0, 3, 16))).item() for _ in range(8)])
        if use_jit:
            writes, distinct = _buffers(run)
            assert distinct < writes, (writes, distinct)
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-6)
