"""Convolution with PyTorch's ``dilation`` and ``groups``, dilated max pooling, and unfold/fold
with a dilation: values and gradients against torch, then the errors. (The op-spec rows
``conv2d_grouped_dilated`` and ``max_pool2d_dilated`` check the same against finite
differences, on every backend.)"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn

torch = pytest.importorskip("torch", reason="these tests compare with PyTorch")
TF = torch.nn.functional

CONVS = [  # (C, O, groups, kernel, stride, padding, dilation, H, W)
    (4, 6, 2, 3, 1, 1, 2, 9, 8),
    (4, 4, 4, 3, 2, 0, 1, 10, 9),  # depthwise
    (6, 3, 3, 2, 1, 2, 3, 7, 7),
    (3, 5, 1, 3, 1, 0, 2, 11, 12),
    (4, 8, 4, (3, 2), (2, 1), (1, 0), (2, 1), 9, 8),
    (2, 2, 2, 1, 1, 0, 1, 3, 3),
]


def _leaves(*arrays: np.ndarray) -> tuple[list, list]:
    return ([tg.tensor(a, requires_grad=True) for a in arrays],
            [torch.tensor(a, requires_grad=True) for a in arrays])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CONVS)
def test_conv2d_with_dilation_and_groups_matches_torch(case: tuple, dtype: str) -> None:
    c, o, groups, kernel, stride, padding, dilation, h, w = case
    rng = np.random.default_rng(0)
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    arrays = [rng.standard_normal(s).astype(dtype) for s in ((3, c, h, w), (o, c // groups, kh, kw),
                                                              (o,))]
    mine, theirs = _leaves(*arrays)
    got = F.conv2d(*mine, stride, padding, dilation, groups)
    expected = TF.conv2d(*theirs, stride, padding, dilation, groups)
    seed = rng.standard_normal(expected.shape).astype(dtype)
    got.backward(tg.tensor(seed))
    expected.backward(torch.tensor(seed))
    tolerance = {"rtol": 1e-5, "atol": 1e-5} if dtype == "float32" else {"rtol": 1e-12}
    np.testing.assert_allclose(got.numpy(), expected.detach().numpy(), **tolerance)
    for ours, their in zip(mine, theirs, strict=True):
        np.testing.assert_allclose(ours.grad.numpy(), their.grad.numpy(), **tolerance)


@pytest.mark.parametrize("options", [
    {"groups": 2, "dilation": 2, "padding": 1},
    {"groups": 4, "padding": "same", "dilation": 3, "kernel_size": 4},  # even: one extra after
    {"dilation": (2, 1), "padding": "same", "bias": False, "kernel_size": (3, 2)},
])
def test_the_conv2d_layer_matches_torch(options: dict) -> None:
    options = {"in_channels": 4, "out_channels": 8, "kernel_size": 3, **options}
    theirs = torch.nn.Conv2d(**options)
    mine = nn.Conv2d(**options)
    assert repr(mine) == repr(theirs)
    assert {k: tuple(v.shape) for k, v in mine.state_dict().items()} == {
        k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    mine.load_state_dict({k: tg.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((2, 4, 10, 9)).astype(np.float32)
    with warnings.catch_warnings():  # torch's note on even kernels with padding="same"
        warnings.simplefilter("ignore", UserWarning)
        expected = theirs(torch.tensor(x)).detach().numpy()
    np.testing.assert_allclose(mine(tg.tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_grouped_weights_start_from_pytorchs_bound() -> None:
    # fan_in = in_channels / groups * kh * kw: with 8 channels in 4 groups, 2 * 9 = 18
    tg.manual_seed(0)
    weight = nn.Conv2d(8, 8, 3, groups=4).weight.numpy()
    bound = 1 / np.sqrt(18)
    assert weight.shape == (8, 2, 3, 3)
    assert np.abs(weight).max() <= bound and np.abs(weight).max() > 0.9 * bound


@pytest.mark.parametrize("args", [(3, 2, 1, 1), (2, (2, 3), 0, (1, 2)), (2, 3)])
def test_unfold_and_fold_with_a_dilation_match_torch(args: tuple) -> None:
    x = np.random.default_rng(2).standard_normal((2, 3, 9, 8)).astype(np.float32)
    columns, expected = F.unfold(tg.tensor(x), *args), TF.unfold(torch.tensor(x), *args)
    np.testing.assert_array_equal(columns.numpy(), expected.numpy())
    np.testing.assert_allclose(F.fold(columns, (9, 8), *args).numpy(),
                               TF.fold(expected, (9, 8), *args).numpy(), rtol=1e-6)


@pytest.mark.parametrize("options", [
    {"kernel_size": 3, "stride": 1, "padding": 1, "dilation": 2},
    {"kernel_size": 2, "dilation": 2},
    {"kernel_size": (3, 2), "stride": (2, 1), "padding": (1, 1), "dilation": (2, 3)},
])
def test_dilated_max_pooling_matches_torch_at_ties_and_nans(options: dict) -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(-2, 3, (2, 3, 11, 10)).astype(np.float32)  # small ints: many ties
    x[0, 0, 0, :3] = np.nan
    (mine,), (theirs,) = _leaves(x)
    got, expected = nn.MaxPool2d(**options)(mine), torch.nn.MaxPool2d(**options)(theirs)
    assert repr(nn.MaxPool2d(**options)) == repr(torch.nn.MaxPool2d(**options))
    seed = rng.integers(-3, 4, expected.shape).astype(np.float32)  # exact sums
    got.backward(tg.tensor(seed))
    expected.backward(torch.tensor(seed))
    np.testing.assert_array_equal(got.numpy(), expected.detach().numpy())
    np.testing.assert_array_equal(mine.grad.numpy(), theirs.grad.numpy())


def test_a_grouped_dilated_network_replays_under_jit() -> None:
    losses = []
    for use_jit in (False, True):
        tg.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(2, 4, 3, padding=2, dilation=2, groups=2), nn.ReLU(),
                              nn.MaxPool2d(2, dilation=2), nn.Flatten(), nn.Linear(16, 3))
        optimizer = tg.optim.SGD(model.parameters(), lr=0.1)

        def step(x, y, model=model, optimizer=optimizer):  # type: ignore[no-untyped-def]
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss

        run = tg.jit(step) if use_jit else step
        rng = np.random.default_rng(4)
        losses.append([run(tg.tensor(rng.standard_normal((5, 2, 6, 6)).astype(np.float32)),
                           tg.tensor(rng.integers(0, 3, 5))).item() for _ in range(4)])
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-6)


def test_bad_groups_and_options_are_explained() -> None:
    x = tg.ones(1, 4, 5, 5)
    with pytest.raises(ValueError, match=r"expects 6 \(3 per group, 2 groups\)"):
        F.conv2d(x, tg.ones(2, 3, 3, 3), groups=2)
    with pytest.raises(ValueError, match=r"out_channels \(3\) must be divisible by groups"):
        F.conv2d(x, tg.ones(3, 2, 3, 3), groups=2)
    with pytest.raises(ValueError, match="must both be divisible by groups"):
        nn.Conv2d(4, 6, 3, groups=4)
    with pytest.raises(ValueError, match="groups must be a positive int"):
        nn.Conv2d(4, 4, 3, groups=True)
    with pytest.raises(ValueError, match=r"taps \(3, 3\) apart\) does not fit"):
        F.conv2d(x, tg.ones(1, 4, 3, 3), dilation=3)
    with pytest.raises(NotImplementedError, match="ceil_mode with a dilation"):
        nn.MaxPool2d(2, dilation=2, ceil_mode=True)
    with pytest.raises(NotImplementedError, match="padding_mode='reflect'"):
        nn.Conv2d(4, 4, 3, padding_mode="reflect")
