"""Lines that run in both libraries must give PyTorch's numbers, also where the difference
would hide: positional arguments (a learner's ``nn.Conv2d(1, 6, 5, 1, 0, 1, 1, False)`` or
``DataLoader(ds, 64, False, sampler)`` must fill the same parameters as in PyTorch; checked
with ``inspect.signature``), ``F.log_softmax(x)`` without a dim, and binary cross-entropy at
p = 0 or 1. Found by comparing signatures and edge values with PyTorch's."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg

NO_TORCH = "PyTorch is not installed (pip install torch); the signatures are compared with it"


def positional(obj: Any) -> list[str]:
    return [name for name, p in inspect.signature(obj).parameters.items()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and name != "self"]


@pytest.mark.parametrize("path", ["nn.Conv2d", "nn.Linear", "nn.MaxPool2d", "nn.AvgPool2d",
                                  "nn.BatchNorm2d", "nn.BatchNorm1d", "nn.Dropout",
                                  "utils.data.DataLoader", "optim.SGD", "optim.Adam",
                                  "optim.lr_scheduler.StepLR"])
def test_positional_order_is_pytorchs(path: str) -> None:
    torch = pytest.importorskip("torch", reason=NO_TORCH)
    ours, theirs = tg, torch
    for part in path.split("."):
        ours, theirs = getattr(ours, part), getattr(theirs, part)
    mine, pytorch = positional(ours), positional(theirs)
    assert mine == pytorch[: len(mine)], (mine, pytorch)


def test_conv2d_positional_call_means_the_same() -> None:
    torch = pytest.importorskip("torch", reason=NO_TORCH)
    ours, theirs = tg.nn.Conv2d(1, 6, 5, 1, 2, 1, 1, False), torch.nn.Conv2d(1, 6, 5, 1, 2, 1, 1,
                                                                             False)
    assert ours.bias is None and theirs.bias is None
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(ours.weight.numpy()))
    x = np.random.default_rng(0).normal(size=(2, 1, 9, 9)).astype(np.float32)
    np.testing.assert_allclose(ours(tg.tensor(x)).numpy(),
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-5)


def test_conv2d_same_and_valid_padding_as_pytorch() -> None:
    torch = pytest.importorskip("torch", reason=NO_TORCH)
    for padding in ("same", "valid"):
        ours = tg.nn.Conv2d(2, 3, (3, 5), padding=padding)
        theirs = torch.nn.Conv2d(2, 3, (3, 5), padding=padding)
        theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in
                                ours.state_dict().items()})
        x = np.random.default_rng(1).normal(size=(1, 2, 6, 8)).astype(np.float32)
        np.testing.assert_allclose(ours(tg.tensor(x)).numpy(),
                                   theirs(torch.from_numpy(x)).detach().numpy(),
                                   rtol=1e-5, atol=1e-5)


def test_conv2d_refuses_what_it_does_not_compute() -> None:
    # (dilation and groups are computed now: tests/test_conv_options.py)
    with pytest.raises(NotImplementedError, match=r"padding_mode=.* is not supported here"):
        tg.nn.Conv2d(3, 3, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match=r"padding='same'\) needs stride=1"):
        tg.nn.Conv2d(1, 1, 3, 2, padding="same")  # (an even kernel is computed, as PyTorch)
    assert tg.nn.Conv2d(1, 1, 3, dilation=(1, 1), groups=1).padding == (0, 0)


@pytest.mark.parametrize("shape", [(5,), (2, 3), (2, 3, 4), (2, 3, 4, 5)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_without_dim_takes_pytorchs_implicit_dim(name: str, shape: tuple) -> None:
    """Older tutorials write ``F.log_softmax(x)``: PyTorch then picks dim 0 for 0-, 1- and 3-D
    inputs and dim 1 otherwise (with a warning); the last axis, for a 4-D batch, would be
    another number without an error."""
    torch = pytest.importorskip("torch", reason=NO_TORCH)
    x = np.random.default_rng(0).normal(size=shape).astype(np.float32)
    with pytest.warns(UserWarning, match=rf"{name}\(x, dim="):
        ours = getattr(tg.nn.functional, name)(tg.tensor(x)).numpy()
    with pytest.warns(UserWarning):
        theirs = getattr(torch.nn.functional, name)(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-6)


def test_binary_cross_entropy_edges_as_pytorch() -> None:
    """p = 0 or 1 (a sigmoid saturated in float32): PyTorch's loss is 100 and its gradient
    +-1e12, finite, so the chain rule through the sigmoid gives 0 and training goes on; a
    composed log would give 0 / 0 = nan. Every reduction, with and without weights, and the
    target's gradient."""
    torch = pytest.importorskip("torch", reason=NO_TORCH)
    p = np.array([0.0, 1.0, 0.5, 1e-30, 1e-7, 1 - 1e-7, 0.3, 0.999], np.float32)
    y = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.25, 0.0], np.float32)
    w = np.random.default_rng(0).random(8).astype(np.float32)
    for reduction in ("mean", "sum", "none"):
        for weight in (None, w):
            results = []
            for lib in (tg, torch):
                a, t = lib.tensor(p, requires_grad=True), lib.tensor(y, requires_grad=True)
                loss = lib.nn.functional.binary_cross_entropy(
                    a, t, weight=None if weight is None else lib.tensor(weight),
                    reduction=reduction)
                (loss.sum() if reduction == "none" else loss).backward()
                results.append([loss.detach().numpy(), a.grad.numpy(), t.grad.numpy()])
            for ours, theirs in zip(*results, strict=True):
                np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    z = tg.tensor([20.0, -20.0], requires_grad=True)  # sigmoid(20) is exactly 1.0 in float32
    tg.nn.functional.binary_cross_entropy(z.sigmoid(), tg.tensor([0.0, 1.0])).backward()
    assert np.isfinite(z.grad.numpy()).all()


def test_pow_gradient_at_a_zero_exponent_is_zero_even_for_a_subnormal_base() -> None:
    """d/dx x**0 = 0, as PyTorch; for a subnormal float32 x, x**-1 overflows to inf and the
    formula y * x**(y - 1) would give 0 * inf = nan."""
    torch = pytest.importorskip("torch", reason=NO_TORCH)
    base = np.array([1e-40, -1e-40, 0.0, 2.0, np.nan], np.float32)
    grads = []
    for lib in (tg, torch):
        x = lib.tensor(base, requires_grad=True)
        (x ** lib.zeros(5)).sum().backward()
        grads.append(x.grad.numpy())
    np.testing.assert_array_equal(grads[0], grads[1])
    assert (grads[0] == 0).all()


def test_erf_matches_pytorch_in_float32_and_float64() -> None:
    torch = pytest.importorskip("torch", reason=NO_TORCH)
    x = np.concatenate([np.linspace(-7, 7, 201), [0.0, -0.0, np.inf, -np.inf, np.nan]])
    for dtype, tolerance in ((np.float32, 1.2e-7), (np.float64, 2.3e-16)):
        ours = tg.tensor(x.astype(dtype), requires_grad=True)
        theirs = torch.tensor(x.astype(dtype), requires_grad=True)
        tg.erf(ours).sum().backward()
        torch.erf(theirs).sum().backward()
        np.testing.assert_allclose(tg.erf(ours.detach()).numpy(),
                                   torch.erf(theirs).detach().numpy(), rtol=0, atol=tolerance)
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=0, atol=tolerance)


def test_backward_adds_to_the_grad_in_place_as_pytorch() -> None:
    """``g = w.grad`` then another ``backward()``: PyTorch adds in place, so ``g`` shows the
    sum and stays ``w.grad``; a new array used to leave ``g`` at the first gradient."""
    torch = pytest.importorskip("torch", reason=NO_TORCH)
    seen = []
    for lib in (tg, torch):
        w = lib.ones(3, requires_grad=True)
        (w * 2).sum().backward()
        g = w.grad
        (w * lib.tensor([1.0, 2.0, 3.0])).sum().backward()
        seen.append((g.numpy().copy(), w.grad is g))
    np.testing.assert_array_equal(seen[0][0], seen[1][0])
    assert seen[0][1] is seen[1][1] is True
    w = tg.ones(2, requires_grad=True)
    w.grad = tg.zeros(1).expand(2)  # read-only memory: a new array holds the sum instead
    (w * 3).sum().backward()
    assert w.grad.tolist() == [3.0, 3.0]
