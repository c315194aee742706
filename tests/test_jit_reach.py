"""What tg.jit can reach: a model and an optimizer passed as default arguments are found (the
replay then updates them, as eager mode does); memory it cannot reach is refused before the
step writes anything, instead of being folded into a constant of the replay."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F


def _losses(use_jit: bool) -> list[float]:
    tg.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                          nn.Linear(4 * 4 * 4, 3))
    optimizer = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

    def step(x, y, model=model, optimizer=optimizer):  # reached through its defaults only
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    run = tg.jit(step) if use_jit else step
    rng = np.random.default_rng(5)
    return [run(tg.tensor(rng.integers(0, 3, size=(6, 1, 11, 10)).astype(np.float32)),
                tg.tensor(rng.integers(0, 3, 6))).item() for _ in range(6)]


def test_a_model_and_optimizer_given_as_default_arguments_are_captured() -> None:
    assert _losses(True) == _losses(False)  # the same numbers, step after step


def test_a_step_that_changes_memory_the_capture_cannot_reach_is_refused_untouched() -> None:
    class Hidden:  # tg.jit does not search classes
        w = tg.Tensor([1.0, 2.0], requires_grad=True)
        opt = tg.optim.SGD([w], lr=0.1)

    @tg.jit
    def step(x):
        Hidden.opt.zero_grad()
        loss = (Hidden.w * x).sum()
        loss.backward()
        Hidden.opt.step()
        return loss

    with pytest.raises(tg.CaptureError, match="changes memory the capture was not given"):
        step(tg.Tensor([1.0, 1.0]))
    assert Hidden.w.tolist() == [1.0, 2.0]  # refused before the update was written


def test_a_constant_read_at_positions_the_step_computes_is_not_folded() -> None:
    # NumPy's take() asks only its table for an override, and indexing asks none: a constant
    # read at traced positions (erf's coefficient table, a class-weight tensor made inside
    # the step, a lookup table) was computed once and replayed as that first call's values.
    layer = nn.Linear(4, 3)
    cases = {
        "gelu": lambda x, y: F.gelu(x),
        "erf": lambda x, y: tg.erf(x * 3),
        "weighted loss": lambda x, y: F.cross_entropy(layer(x), y,
                                                      weight=tg.tensor([1.0, 5.0, 0.1])),
        "lookup": lambda x, y: tg.tensor([10.0, 20.0, 30.0])[y],
        "gather": lambda x, y: tg.tensor([[1.0, 2.0, 3.0]]).expand(6, 3).gather(1, y[:, None]),
    }
    rng = np.random.default_rng(4)
    batches = [(tg.tensor(rng.standard_normal((6, 4)).astype(np.float32)),
                tg.tensor(rng.integers(0, 3, 6))) for _ in range(4)]
    for name, fn in cases.items():
        step = tg.jit(fn)
        for x, y in batches:
            np.testing.assert_array_equal(step(x, y).numpy(), fn(x, y).numpy(), err_msg=name)


def test_a_result_shaped_by_the_values_is_checked_at_every_replay() -> None:
    # x[x > 0] has as many elements as there are positive ones: the replay wrote it into
    # buffers of the first call's size (a ValueError, or, for one element, broadcasting).
    # The replay now checks such a shape; a call with another one runs eagerly.
    def positives(x: tg.Tensor) -> tg.Tensor:
        return (x[x > 0] * 2).sum() + tg.nonzero(x < 0).float().sum()

    step = tg.jit(positives)
    for values in ([1.0, -1.0, 2.0], [3.0, -4.0, 5.0], [-1.0, -2.0, 1.0], [1.0, 1.0, 1.0],
                   [0.5, -0.5, 0.5]):
        x = tg.tensor(values)
        assert step(x).item() == positives(x).item(), values
