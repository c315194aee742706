"""nn.Conv1d, nn.MaxPool1d, nn.AvgPool1d and their functions, checked against PyTorch: values,
shapes, gradients (input, weight, bias) and the starting weights' distribution."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F

torch = pytest.importorskip("torch", reason="needs PyTorch (pip install torch==2.13.0)")
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")


def both(array: np.ndarray):
    return (tg.tensor(array, requires_grad=True),
            torch.tensor(array, requires_grad=True))


def close(ours, theirs, atol=1e-5) -> None:
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), atol=atol, rtol=1e-5)


CONV = [  # (N, C, L, O, k, stride, padding, dilation, groups, unbatched)
    (2, 3, 10, 4, 3, 1, 0, 1, 1, False),
    (2, 4, 11, 6, 3, 2, 1, 1, 2, False),
    (1, 2, 9, 2, 2, 1, "same", 2, 2, False),
    (3, 1, 7, 5, 4, 1, "same", 1, 1, False),
    (2, 3, 8, 3, 5, 3, 2, 1, 1, False),
    (1, 2, 6, 4, 3, 1, "valid", 1, 1, True),
    (2, 4, 12, 4, 3, 1, 1, 3, 4, False),
]


@pytest.mark.parametrize("case", CONV)
@pytest.mark.parametrize("bias", [True, False])
def test_conv1d_matches_torch(case, bias: bool) -> None:
    n, c, length, o, k, stride, padding, dilation, groups, unbatched = case
    rng = np.random.default_rng(0)
    shape = (c, length) if unbatched else (n, c, length)
    x, tx = both(rng.standard_normal(shape).astype(np.float32))
    w, tw = both(rng.standard_normal((o, c // groups, k)).astype(np.float32))
    b, tb = both(rng.standard_normal(o).astype(np.float32)) if bias else (None, None)
    out = F.conv1d(x, w, b, stride, padding, dilation, groups)
    expected = torch.nn.functional.conv1d(tx, tw, tb, stride, padding, dilation, groups)
    close(out, expected)
    g = rng.standard_normal(tuple(expected.shape)).astype(np.float32)
    out.backward(tg.tensor(g))
    expected.backward(torch.tensor(g))
    for ours, theirs in ((x, tx), (w, tw), (b, tb)):
        if ours is not None:
            close(ours.grad, theirs.grad, atol=1e-4)


def test_conv1d_module_is_torchs_layer() -> None:
    ours = nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2, bias=True)
    theirs = torch.nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2, bias=True)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    ours.load_state_dict({k: tg.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((2, 4, 9)).astype(np.float32)
    close(ours(tg.tensor(x)), theirs(torch.tensor(x)))
    assert repr(ours) == repr(theirs)
    bound = 1 / np.sqrt(4 // 2 * 3)  # PyTorch's starting weights: U(-1/sqrt(fan_in), ...)
    weights = nn.Conv1d(4, 600, 3, groups=2).weight.numpy()
    assert weights.min() >= -bound and weights.max() <= bound and weights.std() > bound / 2


POOL = [  # (shape, kernel, stride, padding, ceil_mode)
    ((2, 3, 10), 2, None, 0, False), ((2, 3, 11), 3, 2, 1, False), ((1, 2, 9), 4, 3, 2, True),
    ((3, 7), 3, 1, 1, False), ((1, 1, 5), 2, 2, 0, True),
]


@pytest.mark.parametrize("case", POOL)
@pytest.mark.parametrize("kind", ["max", "avg", "avg-exclude-pad"])
def test_pool1d_matches_torch(case, kind: str) -> None:
    shape, kernel, stride, padding, ceil_mode = case
    values = np.random.default_rng(2).standard_normal(shape).astype(np.float32)
    values.flat[::3] = values.flat[1]  # ties, so the gradient's choice among them shows
    x, tx = both(values)
    if kind == "max":
        out = F.max_pool1d(x, kernel, stride, padding, 1, ceil_mode)
        expected = torch.nn.functional.max_pool1d(tx, kernel, stride, padding, 1, ceil_mode)
    else:
        include = kind == "avg"
        out = F.avg_pool1d(x, kernel, stride, padding, ceil_mode, include)
        expected = torch.nn.functional.avg_pool1d(tx, kernel, stride, padding, ceil_mode, include)
    close(out, expected)
    out.sum().backward()
    expected.sum().backward()
    close(x.grad, tx.grad)


def test_dilated_max_pool1d_and_the_modules_match_torch() -> None:
    values = np.random.default_rng(3).standard_normal((2, 3, 13)).astype(np.float32)
    close(F.max_pool1d(tg.tensor(values), 3, 2, 1, dilation=2),
          torch.nn.functional.max_pool1d(torch.tensor(values), 3, 2, 1, dilation=2))
    for ours, theirs in ((nn.MaxPool1d(3, 2, 1), torch.nn.MaxPool1d(3, 2, 1)),
                         (nn.AvgPool1d(3, 2, 1), torch.nn.AvgPool1d(3, 2, 1))):
        close(ours(tg.tensor(values)), theirs(torch.tensor(values)))
        assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("call, message", [
    (lambda: F.conv1d(tg.ones(2, 3, 8, 1), tg.ones(4, 3, 3)), "shape \\(N, C, L\\)"),
    (lambda: F.conv1d(tg.ones(2, 3, 8), tg.ones(4, 2, 3)), "has 3 channels"),
    (lambda: F.conv1d(tg.ones(2, 3, 2), tg.ones(4, 3, 3)), "shorter than the kernel"),
    (lambda: F.conv1d(tg.ones(2, 3, 8), tg.ones(4, 3, 3), stride=2, padding="same"),
     "needs stride=1"),
    (lambda: F.conv1d(tg.ones(2, 3, 8, dtype=tg.int64), tg.ones(4, 3, 3)), "x.float\\(\\)"),
    (lambda: F.max_pool1d(tg.ones(1, 1, 8), 2, padding=2), "more than half"),
    (lambda: nn.Conv1d(3, 4, 3, padding_mode="reflect"), "padding_mode='zeros'"),
    (lambda: nn.Conv1d(3, 4, 3, groups=2), "divisible by groups"),
])
def test_bad_input_is_named_in_one_dimension(call, message: str) -> None:
    with pytest.raises((ValueError, TypeError, NotImplementedError), match=message):
        call()
