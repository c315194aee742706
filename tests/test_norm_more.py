"""nn.GroupNorm, nn.InstanceNorm1d/2d, nn.RMSNorm and their functions, checked against PyTorch:
values, gradients (input, weight, bias), float32 and float64, tiny and huge scales."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F

torch = pytest.importorskip("torch", reason="needs PyTorch (pip install torch==2.13.0)")


def run_both(make_ours, make_theirs, x: np.ndarray, params: list[np.ndarray]):
    """Forward and backward (a fixed random output gradient) in both libraries; returns the
    outputs and the gradients of x and of each parameter, ours then theirs."""
    results = []
    for lib, make in ((tg, make_ours), (torch, make_theirs)):
        xs = lib.tensor(x, requires_grad=True)
        ps = [lib.tensor(p, requires_grad=True) for p in params]
        out = make(xs, *ps)
        g = np.random.default_rng(9).standard_normal(tuple(out.shape)).astype(x.dtype)
        out.backward(lib.tensor(g))
        results.append([out, xs.grad, *[p.grad for p in ps]])
    return results


def assert_same(ours, theirs, tolerance: float) -> None:
    for a, b in zip(ours, theirs, strict=True):
        assert tuple(a.shape) == tuple(b.shape)
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=tolerance,
                                   atol=tolerance)


DTYPES = [(np.float32, 2e-4), (np.float64, 1e-10)]


@pytest.mark.parametrize("dtype, tolerance", DTYPES)
@pytest.mark.parametrize("shape, groups, scale", [  # (one-element groups far from 0: below)
    (shape, groups, scale) for shape, groups in [((2, 6, 5), 3), ((3, 4, 3, 3), 2), ((2, 4), 4),
                                                 ((1, 6, 2, 2), 1)]
    for scale in (1.0, 1e-3, 1e4) if not (shape == (2, 4) and scale > 1)])
def test_group_norm_matches_torch(shape, groups, scale, dtype, tolerance) -> None:
    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape) * scale + 3 * scale).astype(dtype)
    weight, bias = rng.standard_normal((2, shape[1])).astype(dtype)
    ours, theirs = run_both(lambda x, w, b: F.group_norm(x, groups, w, b),
                            lambda x, w, b: torch.nn.functional.group_norm(x, groups, w, b),
                            x, [weight, bias])
    assert_same(ours, theirs, tolerance)


def test_one_element_groups_are_exact() -> None:
    """A group of one element normalises to 0 whatever its value, so the output is the bias and
    x gets no gradient. PyTorch's CPU kernel computes the variance as E[x²] - E[x]², which in
    float32 at x ~ 3e4 leaves errors of order 0.3 here; this library subtracts the mean first
    and gets the exact answer, which is what PyTorch's formula means."""
    x = tg.tensor(np.float32([[31000.5, -29000.25, 7.0, 1e-3]]), requires_grad=True)
    bias = tg.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    out = F.group_norm(x, 4, tg.ones(4), bias)
    out.backward(tg.tensor([[0.5, -1.0, 2.0, 3.0]]))
    assert out.tolist() == [[1.0, 2.0, 3.0, 4.0]]
    assert x.grad.tolist() == [[0.0, 0.0, 0.0, 0.0]]


@pytest.mark.parametrize("dtype, tolerance", DTYPES)
@pytest.mark.parametrize("shape", [(2, 3, 7), (2, 3, 4, 5), (3, 4, 6)])
def test_instance_norm_matches_torch(shape, dtype, tolerance) -> None:
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape).astype(dtype)
    weight, bias = rng.standard_normal((2, shape[1])).astype(dtype)
    ours, theirs = run_both(
        lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
        lambda x, w, b: torch.nn.functional.instance_norm(x, weight=w, bias=b), x, [weight, bias])
    assert_same(ours, theirs, tolerance)


@pytest.mark.parametrize("dtype, tolerance", DTYPES)
@pytest.mark.parametrize("shape, normalized", [((4, 8), (8,)), ((2, 3, 4), (3, 4)),
                                               ((5,), 5)])
@pytest.mark.parametrize("eps", [None, 1e-6])
def test_rms_norm_matches_torch(shape, normalized, eps, dtype, tolerance) -> None:
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape).astype(dtype)
    weight = rng.standard_normal(normalized).astype(dtype)
    ours, theirs = run_both(
        lambda x, w: F.rms_norm(x, normalized, w, eps),
        lambda x, w: torch.nn.functional.rms_norm(  # (PyTorch takes no int here)
            x, (normalized,) if isinstance(normalized, int) else normalized, w, eps), x, [weight])
    assert_same(ours, theirs, tolerance)


def test_rms_norm_of_zeros_uses_the_machine_epsilon() -> None:
    x = np.zeros((2, 3), dtype=np.float32)
    x[0, 0] = 1e-4  # below sqrt(eps): eps decides the scale, as in PyTorch
    ours = F.rms_norm(tg.tensor(x), (3,)).numpy()
    theirs = torch.nn.functional.rms_norm(torch.tensor(x), (3,)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)


@pytest.mark.parametrize("ours, theirs, shape", [
    (lambda: nn.GroupNorm(2, 4), lambda: torch.nn.GroupNorm(2, 4), (3, 4, 5)),
    (lambda: nn.GroupNorm(1, 3, affine=False), lambda: torch.nn.GroupNorm(1, 3, affine=False),
     (2, 3, 2, 2)),
    (lambda: nn.GroupNorm(2, 4, bias=False), lambda: torch.nn.GroupNorm(2, 4, bias=False),
     (2, 4, 3)),
    (lambda: nn.InstanceNorm1d(3, affine=True, bias=False),
     lambda: torch.nn.InstanceNorm1d(3, affine=True, bias=False), (2, 3, 6)),
    (lambda: nn.InstanceNorm1d(3), lambda: torch.nn.InstanceNorm1d(3), (2, 3, 6)),
    (lambda: nn.InstanceNorm1d(3), lambda: torch.nn.InstanceNorm1d(3), (3, 6)),
    (lambda: nn.InstanceNorm2d(2, affine=True), lambda: torch.nn.InstanceNorm2d(2, affine=True),
     (2, 2, 3, 3)),
    (lambda: nn.InstanceNorm2d(2), lambda: torch.nn.InstanceNorm2d(2), (2, 3, 3)),
    (lambda: nn.RMSNorm(4), lambda: torch.nn.RMSNorm(4), (2, 4)),
    (lambda: nn.RMSNorm((2, 4), eps=1e-3, elementwise_affine=False),
     lambda: torch.nn.RMSNorm((2, 4), eps=1e-3, elementwise_affine=False), (3, 2, 4)),
])
def test_modules_are_torchs(ours, theirs, shape) -> None:
    mine, reference = ours(), theirs()
    assert repr(mine) == repr(reference)
    assert {k: tuple(v.shape) for k, v in mine.state_dict().items()} == {
        k: tuple(v.shape) for k, v in reference.state_dict().items()}
    for k, v in mine.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), reference.state_dict()[k].numpy())
    x = np.random.default_rng(3).standard_normal(shape).astype(np.float32)
    np.testing.assert_allclose(mine(tg.tensor(x)).numpy(),
                               reference(torch.tensor(x)).detach().numpy(), atol=1e-5)


@pytest.mark.parametrize("call, message", [
    (lambda: nn.GroupNorm(3, 4), "divisible by num_groups"),
    (lambda: F.group_norm(tg.ones(2, 4, 3), 3), "split into num_groups=3"),
    (lambda: F.group_norm(tg.ones(2, 4, 3), 2, tg.ones(3)), "one value per channel"),
    (lambda: nn.InstanceNorm2d(3, track_running_stats=True), "track_running_stats"),
    (lambda: nn.InstanceNorm2d(3)(tg.ones(3, 4)), "expected an input with 4 dimensions"),
    (lambda: F.rms_norm(tg.ones(2, 3), (4,)), "does not end in normalized_shape"),
])
def test_bad_input_says_what_is_wrong(call, message: str) -> None:
    with pytest.raises((ValueError, NotImplementedError), match=message):
        call()
