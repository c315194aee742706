"""Max pooling's fast path (windows side by side, no padding: ops/pool.py's TiledMaxPool)
against PyTorch: values, and which element of each window gets the gradient (the first largest,
or in a window holding nans the last nan), for tails that are dropped, rectangular kernels,
float64, a batch of one, incoming inf/nan gradients, the memory layout conv2d makes, second
derivatives, array-api-strict and tg.jit replays."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn
from tinygrad_edu.ops import TiledMaxPool

NO_TORCH = "PyTorch is not installed (pip install torch); the gradients are compared with it"


def _tricky(rng: np.random.Generator, shape: tuple[int, ...], dtype: object) -> np.ndarray:
    """Small integers (many ties), with some nans and -infs."""
    x = rng.integers(-2, 3, size=shape).astype(dtype)
    x[rng.random(shape) < 0.1] = np.nan
    x[rng.random(shape) < 0.15] = -np.inf
    return x


def _both(torch, x: np.ndarray, g: np.ndarray, kernel, stride=None):
    """(values, gradient) from tinygrad_edu (checked to take the fast path) and from torch."""
    ours = tg.tensor(x, requires_grad=True)
    y = F.max_pool2d(ours, kernel, stride)
    assert y._ctx is not None and y._ctx.fn is TiledMaxPool
    y.backward(tg.tensor(g))
    theirs = torch.tensor(x, requires_grad=True)
    z = torch.nn.functional.max_pool2d(theirs, kernel, stride)
    z.backward(torch.tensor(g))
    return (y.numpy(), ours.grad.numpy()), (z.detach().numpy(), theirs.grad.numpy())


CASES = [
    ((2, 3, 7, 9), 2, None),  # odd sizes: the last row and column are in no window
    ((1, 2, 10, 11), 3, 3),  # kernel 3, stride 3 given, tails of 1 and 2
    ((2, 2, 7, 8), (2, 3), None),  # a rectangular kernel
    ((1, 1, 4, 6), (3, 2), (3, 2)),
    ((1, 4, 6, 6), 2, 2),  # a batch of one
    ((3, 1, 5, 5), 5, None),  # one window per image
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("shape", "kernel", "stride"), CASES)
def test_values_and_gradients_equal_pytorchs(shape, kernel, stride, dtype) -> None:
    torch = pytest.importorskip("torch", reason=NO_TORCH)
    rng = np.random.default_rng(sum(shape))
    for _ in range(20):
        x = _tricky(rng, shape, dtype)
        out_shape = torch.nn.functional.max_pool2d(torch.tensor(x), kernel, stride).shape
        g = (np.arange(np.prod(out_shape)).reshape(out_shape) + 1).astype(dtype)  # distinct
        (ours, our_grad), (theirs, their_grad) = _both(torch, x, g, kernel, stride)
        assert ours.dtype == x.dtype and our_grad.dtype == x.dtype
        np.testing.assert_array_equal(ours, theirs)
        np.testing.assert_array_equal(our_grad, their_grad)


def test_infinite_and_nan_incoming_gradients_give_exact_zeros_elsewhere() -> None:
    torch = pytest.importorskip("torch", reason=NO_TORCH)
    rng = np.random.default_rng(1)
    x = _tricky(rng, (2, 2, 6, 7), np.float32)
    g = rng.standard_normal((2, 2, 3, 3)).astype(np.float32)
    g.flat[::4], g.flat[1::5] = np.inf, np.nan
    (_, our_grad), (_, their_grad) = _both(torch, x, g, 2)
    np.testing.assert_array_equal(our_grad, their_grad)
    assert np.count_nonzero(our_grad) == g.size  # one element per window, nothing elsewhere


def test_windows_of_minus_infinity_give_the_gradient_to_their_first_element() -> None:
    x = tg.full((1, 1, 4, 5), float("-inf"), requires_grad=True)
    y = F.max_pool2d(x, 2)
    y.sum().backward()
    assert y.tolist() == [[[[float("-inf")] * 2] * 2]]
    assert x.grad.tolist() == [[[[1.0, 0.0, 1.0, 0.0, 0.0], [0.0] * 5] * 2]]


def test_the_layout_conv2d_makes_pools_and_trains_as_pytorch() -> None:
    torch = pytest.importorskip("torch", reason=NO_TORCH)
    rng = np.random.default_rng(2)
    images = rng.integers(0, 3, size=(4, 2, 11, 12)).astype(np.float32)  # ties after relu
    weight = rng.integers(-1, 2, size=(3, 2, 3, 3)).astype(np.float32)
    grads = []
    for lib, functional in ((tg, F), (torch, torch.nn.functional)):
        x, w = lib.tensor(images, requires_grad=True), lib.tensor(weight, requires_grad=True)
        hidden = functional.relu(functional.conv2d(x, w))  # (4, 3, 9, 10): a tail row
        y = functional.max_pool2d(hidden, 2)
        (y * lib.arange(y.numel()).reshape(tuple(y.shape)).float()).sum().backward()
        grads.append((y.detach().numpy(), x.grad.numpy(), w.grad.numpy()))
    assert not F.conv2d(tg.tensor(images), tg.tensor(weight)).numpy().flags.c_contiguous
    for ours, theirs in zip(*grads, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-5)


def test_second_derivatives_equal_pytorchs() -> None:
    torch = pytest.importorskip("torch", reason=NO_TORCH)
    rng = np.random.default_rng(3)
    x = _tricky(rng, (2, 2, 5, 7), np.float64)
    u = rng.standard_normal((2, 2, 2, 3))
    r = rng.standard_normal(x.shape)
    results = []
    for lib in (tg, torch):
        xt, ut = lib.tensor(x, requires_grad=True), lib.tensor(u, requires_grad=True)
        pool = F.max_pool2d if lib is tg else torch.nn.functional.max_pool2d
        (gx,) = lib.autograd.grad((pool(xt, 2) * ut).sum(), xt, create_graph=True)
        (gx * lib.tensor(r)).sum().backward()
        results.append((gx.detach().numpy(), ut.grad.numpy()))
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_array_api_strict_gives_numpys_results() -> None:
    pytest.importorskip("array_api_strict", reason="array-api-strict is not installed")
    rng = np.random.default_rng(4)
    x = _tricky(rng, (2, 3, 7, 9), np.float32)
    g = rng.standard_normal((2, 3, 3, 4)).astype(np.float32)
    results = []
    for name in ("numpy", "array_api_strict"):
        with tg.use_backend(name):
            xt = tg.tensor(x, requires_grad=True)
            y = F.max_pool2d(xt, 2)
            assert y._ctx.fn is TiledMaxPool
            y.backward(tg.tensor(g))
            results.append((y.numpy(), xt.grad.numpy()))
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_overlapping_or_padded_windows_keep_the_general_path() -> None:
    x = tg.zeros(1, 1, 6, 6, requires_grad=True)
    for kwargs in ({"stride": 1}, {"padding": 1}, {"stride": (2, 1)}):
        assert F.max_pool2d(x, 2, **kwargs)._ctx.fn is not TiledMaxPool
    assert F.max_pool2d(x, 1)._ctx.fn is not TiledMaxPool  # 1x1: nothing to choose from
    with pytest.raises(ValueError, match="does not fit"):
        F.max_pool2d(x, 7)
    with pytest.raises(TypeError, match="padding must be an int or a pair"):
        F.max_pool2d(x, 2, padding=False)


def _training_step(model: nn.Module, optimizer: tg.optim.Optimizer):
    # model and optimizer reach the step through its closure, where tg.jit looks for them
    def step(x, y):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return step


def test_a_jit_replay_of_a_cnn_step_equals_the_eager_steps() -> None:
    results = []
    for use_jit in (False, True):
        tg.manual_seed(0)
        model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(4 * 4 * 4, 3))
        optimizer = tg.optim.SGD(model.parameters(), lr=0.1)
        step = _training_step(model, optimizer)
        run = tg.jit(step) if use_jit else step
        rng = np.random.default_rng(5)
        losses = [
            run(tg.tensor(rng.integers(0, 3, size=(6, 1, 11, 10)).astype(np.float32)),
                tg.tensor(rng.integers(0, 3, 6))).item()
            for _ in range(5)
        ]
        results.append((losses, [p.numpy().copy() for p in model.parameters()]))
    assert results[0][0] == results[1][0]
    for eager, replayed in zip(results[0][1], results[1][1], strict=True):
        np.testing.assert_array_equal(eager, replayed)
