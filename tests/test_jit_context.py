"""What a replay cannot see but eager mode does: ``model.eval()``/``train()``, a module's numbers
(a dropout's ``p``), a frozen layer (``requires_grad_(False)``), and a name that now means
another model. Each used to replay what was captured before, with no error: a model switched
to eval mode kept dropping units and updating BatchNorm's statistics, a frozen layer kept
learning, and a step kept training the old model. Each is now part of what selects a capture."""

from __future__ import annotations

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn

X = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)


def _predictions(use_jit: bool) -> list[np.ndarray]:
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.5), nn.Linear(8, 2))

    def predict(x: tg.Tensor) -> tg.Tensor:
        return model(x)

    run = tg.jit(predict) if use_jit else predict
    outputs = []
    for n, mode in enumerate(["train", "train", "eval", "eval", "train", "eval", "train"]):
        getattr(model, mode)()
        if n == 5:
            model[2].p = 0.25  # the dropout rate, for the train-mode call after this one
        tg.manual_seed(n)  # the same dropout masks in both runs
        outputs.append(run(tg.tensor(X)).numpy())
    outputs.append(model[1].running_mean.numpy().copy())
    return outputs


def test_eval_train_and_a_modules_numbers_select_the_capture() -> None:
    eager, replayed = _predictions(False), _predictions(True)
    for n, (a, b) in enumerate(zip(eager, replayed, strict=True)):
        np.testing.assert_allclose(b, a, rtol=1e-6, err_msg=f"call {n}")
    assert not np.allclose(eager[3], eager[4])  # the modes do differ


def _training(use_jit: bool) -> list[np.ndarray]:
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))
    optimizer = tg.optim.SGD(model.parameters(), lr=0.1)

    def step(x: tg.Tensor, y: tg.Tensor) -> tg.Tensor:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    run = tg.jit(step) if use_jit else step
    y = tg.tensor([0, 1, 2, 0, 1, 2])
    for n in range(6):
        if n == 3:
            model[0].requires_grad_(False)  # freeze the first layer
        run(tg.tensor(X * (n + 1)), y)
    return [p.numpy() for p in model.parameters()]


def test_a_frozen_layer_stays_frozen_in_a_replay() -> None:
    eager, replayed = _training(False), _training(True)
    for a, b in zip(eager, replayed, strict=True):
        np.testing.assert_allclose(b, a, rtol=1e-6)


def test_a_name_that_now_means_another_model_is_captured_again() -> None:
    first, second = nn.Linear(4, 2), nn.Linear(4, 2)
    model = first

    def predict(x: tg.Tensor) -> tg.Tensor:
        return model(x)

    run = tg.jit(predict)
    for _ in range(3):
        np.testing.assert_allclose(run(tg.tensor(X)).numpy(), first(tg.tensor(X)).numpy())
    model = second  # the closure's cell holds another model now
    for _ in range(3):
        np.testing.assert_allclose(run(tg.tensor(X)).numpy(), second(tg.tensor(X)).numpy())


def _accumulating(use_jit: bool, set_to_none: bool) -> list[np.ndarray]:
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Linear(5, 3))
    optimizer = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    def forward_backward(x: tg.Tensor, y: tg.Tensor) -> tg.Tensor:
        loss = F.cross_entropy(model(x), y) / 2  # two batches per update
        loss.backward()  # adds to .grad when there is one
        return loss

    run = tg.jit(forward_backward) if use_jit else forward_backward
    y = tg.tensor([0, 1, 2, 0, 1, 2])
    for n in range(8):
        run(tg.tensor(X * (n % 3 + 1) + n), y)
        if n % 2 == 1:
            optimizer.step()
            optimizer.zero_grad(set_to_none=set_to_none)
    return [p.numpy() for p in model.parameters()]


def test_gradient_accumulation_over_replays_equals_eager() -> None:
    # The replay read the gradient it adds to from the array .grad had at the capture, not
    # from the one it has at the call: with zero_grad() (set to None) in between, a stale one.
    for set_to_none in (True, False):
        eager, replayed = _accumulating(False, set_to_none), _accumulating(True, set_to_none)
        for a, b in zip(eager, replayed, strict=True):
            np.testing.assert_allclose(b, a, rtol=1e-5, err_msg=f"set_to_none={set_to_none}")


def test_draws_from_a_generator_are_fresh_at_every_replay() -> None:
    # A generator= draw is made on the host: the capture folded it into a constant, and every
    # replay used the first call's numbers. It is recorded now, and draws anew, in order.
    draws = {
        "rand": lambda g: tg.rand(5, generator=g),
        "randn": lambda g: tg.randn(5, generator=g),
        "randint": lambda g: tg.randint(0, 1000, (5,), generator=g).float(),
        "randperm": lambda g: tg.randperm(5, generator=g).float(),
        "normal_": lambda g: tg.empty(5).normal_(generator=g),
    }
    for name, make in draws.items():
        runs = []
        for use_jit in (False, True):
            generator = tg.Generator().manual_seed(7)

            def noisy(x: tg.Tensor, make=make, generator=generator) -> tg.Tensor:
                return x * make(generator)

            run = tg.jit(noisy) if use_jit else noisy
            runs.append([run(tg.ones(5)).numpy() for _ in range(4)])
        np.testing.assert_array_equal(np.array(runs[1]), np.array(runs[0]), err_msg=name)
        assert len({tuple(r) for r in runs[0]}) == 4, name  # the draws do differ
