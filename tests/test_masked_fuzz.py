"""Differential fuzzing of the masked operations against PyTorch (issue 17).

relu, clamp, maximum, minimum, amax, amin, max and min route the incoming gradient by a mask.
Where the mask is 0 PyTorch sends exactly 0, even when the incoming gradient is inf or nan
(inf * 0 would be nan), and at a tie maximum/minimum give each input half. Hypothesis draws
short programs of these operations, inputs with ties, zeros, infinities, nans, huge and tiny
numbers, and cotangents of the same kinds; every gradient must equal PyTorch's, bit for bit
(nan where PyTorch has nan). The number of examples is bounded so the test stays fast.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")
hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies

INF, NAN = float("inf"), float("nan")
# Values where masks flip or arithmetic overflows: ties (0, 1, -1 repeat), infinities, nan,
# the largest and smallest float32 numbers.
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, INF, -INF, NAN, 3e38, -3e38, 1e-45, -1e-45]

# One step of a program: a name, and the function of (current value, second input, lib).
STEPS: dict[str, Any] = {
    "relu": lambda x, y, lib: x.relu(),
    "clamp": lambda x, y, lib: x.clamp(-1.0, 1.0),
    "clamp_min": lambda x, y, lib: x.clamp(min=0.0),
    "clamp_max": lambda x, y, lib: x.clamp(max=0.5),
    "maximum": lambda x, y, lib: lib.maximum(x, y),
    "minimum": lambda x, y, lib: lib.minimum(x, y),
    "maximum_self": lambda x, y, lib: lib.maximum(x, x),  # a tie everywhere
    "minimum_flip": lambda x, y, lib: lib.minimum(y, x),
    "amax": lambda x, y, lib: x.amax(-1, keepdim=True),
    "amin": lambda x, y, lib: x.amin(0, keepdim=True),
    "max_dim": lambda x, y, lib: x.max(-1, keepdim=True)[0],
    "min_dim": lambda x, y, lib: x.min(0, keepdim=True)[0],
    "max_all": lambda x, y, lib: x.max(),
    "min_all": lambda x, y, lib: x.min(),
    "scale": lambda x, y, lib: x * 2.0,  # between masks: keeps infinities infinite
}


def run(lib: Any, steps: list[str], x_data: np.ndarray, y_data: np.ndarray,
        cotangent: np.ndarray) -> list[np.ndarray]:
    if lib is tg:
        x, y = tg.Tensor(x_data, requires_grad=True), tg.Tensor(y_data, requires_grad=True)
    else:
        x, y = (torch.tensor(d, requires_grad=True) for d in (x_data, y_data))
    out = x
    for name in steps:
        out = STEPS[name](out, y, lib)
    grad = np.broadcast_to(cotangent, tuple(out.shape)).copy()
    out.backward(tg.Tensor(grad) if lib is tg else torch.tensor(grad))
    return [
        np.zeros_like(d) if t.grad is None else (t.grad.numpy() if lib is tg else t.grad.numpy())
        for t, d in ((x, x_data), (y, y_data))
    ]


values = st.sampled_from(SPECIAL) | st.floats(-4, 4, width=32)


@st.composite
def programs(draw: Any) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    count = shape[0] * shape[1]
    x = np.array(draw(st.lists(values, min_size=count, max_size=count)), dtype=dtype)
    y = np.array(draw(st.lists(values, min_size=count, max_size=count)), dtype=dtype)
    steps = draw(st.lists(st.sampled_from(sorted(STEPS)), min_size=1, max_size=3))
    cotangent = np.array(draw(st.sampled_from(SPECIAL)), dtype=dtype)
    return steps, x.reshape(shape), y.reshape(shape), cotangent


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's, at inf - inf and the like
@hypothesis.settings(max_examples=400, deadline=None, derandomize=True)
@hypothesis.given(programs())
def test_masked_op_gradients_match_torch(program: tuple[Any, ...]) -> None:
    steps, x, y, cotangent = program
    ours = run(tg, steps, x, y, cotangent)
    theirs = run(torch, steps, x, y, cotangent)
    for mine, reference in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(mine, reference, err_msg=f"program {steps}")


def test_the_fuzz_comparison_can_fail() -> None:
    # The harness must notice a wrong gradient: x * mask turns an inf gradient into nan
    # where the mask is 0, PyTorch's relu gives 0 there.
    x = np.array([[-1.0, 2.0]])
    ours = tg.Tensor(x, requires_grad=True)
    (ours * tg.Tensor((x > 0).astype(np.float64))).backward(tg.Tensor([[INF, INF]]))
    theirs = run(torch, ["relu"], x, x, np.array(INF))[0]
    with pytest.raises(AssertionError):
        np.testing.assert_array_equal(ours.grad.numpy(), theirs)


@pytest.mark.parametrize("op", ["maximum", "minimum"])
@pytest.mark.parametrize("cotangent", [INF, -INF, NAN, 3e38, 1e-45])
def test_ties_split_the_gradient_as_torch(op: str, cotangent: float) -> None:
    # At a tie PyTorch gives each input half: an inf gradient stays inf (same sign) for both.
    x = np.array([1.0, 2.0, -INF, INF, 0.0])
    ours = run(tg, [op], x, x.copy(), np.array(cotangent))
    theirs = run(torch, [op], x, x.copy(), np.array(cotangent))
    for mine, reference in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(mine, reference)
