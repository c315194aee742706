"""``nn.utils.clip_grad_norm_`` against PyTorch, at the edges (nan and inf gradients, every
norm type, float64, an empty gradient), and inside ``tg.jit``: it used to read each gradient's
norm on the host, which a replay recorded as a check on the exact value, so the second replay
of a step with clipping failed; a nan norm left the gradients unscaled where PyTorch makes
them nan."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F

NO_TORCH = "PyTorch is not installed (pip install torch); the results are compared with it"
INF, NAN = math.inf, math.nan

CASES = [
    ([[3.0, 4.0], []], 1.0, 2.0),
    ([[0.3, 0.4], [0.0]], 1.0, 2.0),  # below max_norm: unchanged (times 1)
    ([[3.0, NAN], [1.0]], 1.0, 2.0),  # nan norm: every gradient nan, as in PyTorch
    ([[3.0, INF], [1.0]], 1.0, 2.0),  # inf norm: factor 0, inf * 0 = nan
    ([[1e30, 1e30]], 1.0, 2.0),  # float32 overflow of the squares: inf
    ([[1e30]], 1.0, 2.0),  # one element: |x| exactly, as vector_norm (no overflow)
    ([[1.0, -2.0], [3.0]], 0.5, 1.0),
    ([[1.0, -2.0], [3.0]], 0.5, 3.0),
    ([[1.0, -2.0], [3.0]], 0.5, 0.5),
    ([[1.0, -2.0], [3.0]], 0.5, INF),
    ([[1.0, -2.0], [3.0]], 0.5, -INF),
    ([[0.0, 0.0], [0.0]], 1.0, 0.0),
    ([[0.0, 2.0], [0.0, 5.0]], 1.0, 0.0),
    ([[1e-30, -1e-30]], 1e-40, 2.0),  # tiny: the 1e-6 dominates the denominator
]


def _clip(lib, values, max_norm, norm_type, dtype):
    params = [lib.zeros(len(v), dtype=dtype, requires_grad=True) for v in values]
    for p, v in zip(params, values, strict=True):
        p.grad = lib.tensor(v, dtype=dtype)
    total = lib.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
    return total.detach().numpy(), [p.grad.numpy() for p in params]


@pytest.mark.parametrize("dtype_name", ["float32", "float64"])
@pytest.mark.parametrize(("values", "max_norm", "norm_type"), CASES)
def test_matches_pytorch(values, max_norm, norm_type, dtype_name) -> None:
    torch = pytest.importorskip("torch", reason=NO_TORCH)
    ours = _clip(tg, values, max_norm, norm_type, getattr(tg, dtype_name))
    theirs = _clip(torch, values, max_norm, norm_type, getattr(torch, dtype_name))
    assert ours[0].dtype == theirs[0].dtype
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
    for a, b in zip(ours[1], theirs[1], strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=0)


def test_infinity_norm_of_an_empty_gradient_is_refused_as_in_pytorch() -> None:
    with pytest.raises(RuntimeError, match="empty gradient"):
        _clip(tg, [[1.0], []], 1.0, INF, tg.float32)


def test_error_if_nonfinite() -> None:
    with pytest.raises(RuntimeError, match="error_if_nonfinite=False"):
        tg.nn.utils.clip_grad_norm_(_param([INF, 1.0]), 1.0, error_if_nonfinite=True)
    total = tg.nn.utils.clip_grad_norm_(_param([3.0, 4.0]), 1.0, error_if_nonfinite=True)
    assert total.item() == 5.0


def _param(grad: list[float]) -> tg.Tensor:
    p = tg.zeros(len(grad), requires_grad=True)
    p.grad = tg.tensor(grad)
    return p


def _training(jit: bool) -> tuple[list[float], object]:
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
    optimizer = tg.optim.SGD(model.parameters(), lr=0.5)

    def step(x, y):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        tg.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()
        return loss

    run = tg.jit(step) if jit else step
    rng = np.random.default_rng(1)
    losses = []
    for _ in range(6):
        x = tg.tensor(rng.standard_normal((16, 6)).astype(np.float32) * 3)
        y = tg.tensor(rng.standard_normal((16, 3)).astype(np.float32))
        losses.append(run(x, y).item())
    return losses, run


def test_a_step_with_clipping_replays_under_jit_as_it_runs_eagerly() -> None:
    (eager, _), (replayed, step) = _training(False), _training(True)
    np.testing.assert_allclose(replayed, eager, rtol=1e-6)
    assert len(set(eager)) == 6  # the model did learn and change
    # Nothing was read on the host: a host read would be a check (GuardFailed) in the replay.
    assert "clip" not in step.replay_source() and "GuardFailed(" not in step.replay_source()
