"""Adaptive pooling against PyTorch: values, indices and gradients for every output size,
ties included (the op-spec rows check finite differences away from ties on every backend)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn
from tinygrad_edu.nn.pooling import window_bounds

SIZES = [(h, w, oh, ow) for h, w in [(1, 1), (4, 4), (5, 7), (7, 3)]
         for oh, ow in [(1, 1), (2, 2), (3, 4), (7, 7), (2, None)]]


def test_window_bounds_follow_pytorch_rule() -> None:
    assert window_bounds(10, 3) == [(0, 4), (3, 7), (6, 10)]
    assert window_bounds(4, 2) == [(0, 2), (2, 4)]
    assert window_bounds(2, 5) == [(0, 1), (0, 1), (0, 2), (1, 2), (1, 2)]


@pytest.mark.parametrize("ties", [False, True], ids=["distinct", "ties"])
@pytest.mark.parametrize("size", SIZES, ids=[str(s) for s in SIZES])
def test_adaptive_pool2d_matches_torch(size: tuple, ties: bool) -> None:
    torch = pytest.importorskip("torch")
    h, w, oh, ow = size
    rng = np.random.default_rng(h * 100 + w)
    data = rng.standard_normal((2, 3, h, w))
    if ties:
        data = np.round(data)  # many equal values: the max gradient must go where torch's goes
    cotangent_shape = (2, 3, oh, w if ow is None else ow)
    cotangent = rng.standard_normal(cotangent_shape)
    for ours, theirs in [(F.adaptive_avg_pool2d, torch.nn.functional.adaptive_avg_pool2d),
                         (F.adaptive_max_pool2d, torch.nn.functional.adaptive_max_pool2d)]:
        x = tg.Tensor(data, dtype=tg.float64, requires_grad=True)
        tx = torch.tensor(data, requires_grad=True)
        out, expected = ours(x, (oh, ow)), theirs(tx, (oh, ow))
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), atol=1e-12)
        (out * tg.Tensor(cotangent)).sum().backward()
        (expected * torch.tensor(cotangent)).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), atol=1e-12)


def test_return_indices_match_torch_at_ties() -> None:
    torch = pytest.importorskip("torch")
    data = np.round(np.random.default_rng(1).standard_normal((2, 2, 6, 5)))
    values, indices = F.adaptive_max_pool2d(tg.Tensor(data), (4, 3), return_indices=True)
    expected, expected_indices = torch.nn.functional.adaptive_max_pool2d(
        torch.tensor(data), (4, 3), return_indices=True)
    assert indices.dtype == tg.int64
    assert indices.numpy().tolist() == expected_indices.numpy().tolist()
    np.testing.assert_array_equal(values.numpy(), expected.numpy())


def test_one_dimensional_and_unbatched_match_torch() -> None:
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(2).standard_normal((3, 7)).astype(np.float32)
    for ours, theirs in [(F.adaptive_avg_pool1d, torch.nn.functional.adaptive_avg_pool1d),
                         (F.adaptive_max_pool1d, torch.nn.functional.adaptive_max_pool1d)]:
        for x in (data, data[None]):  # (C, L) and (N, C, L)
            out = ours(tg.Tensor(x), 3)
            assert out.dtype == tg.float32
            np.testing.assert_allclose(out.numpy(), theirs(torch.tensor(x), 3).numpy(),
                                       rtol=1e-6, atol=1e-7)
    image = np.random.default_rng(3).standard_normal((2, 5, 6)).astype(np.float32)  # (C, H, W)
    out = F.adaptive_avg_pool2d(tg.Tensor(image), (3, None))
    expected = torch.nn.functional.adaptive_avg_pool2d(torch.tensor(image), (3, None))
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6, atol=1e-7)


def test_layers_match_torch_and_repr() -> None:
    torch = pytest.importorskip("torch")
    data = np.random.default_rng(4).standard_normal((2, 3, 9, 9)).astype(np.float32)
    pairs = [(nn.AdaptiveAvgPool2d(1), torch.nn.AdaptiveAvgPool2d(1)),
             (nn.AdaptiveAvgPool2d((2, 4)), torch.nn.AdaptiveAvgPool2d((2, 4))),
             (nn.AdaptiveMaxPool2d(4), torch.nn.AdaptiveMaxPool2d(4))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
        np.testing.assert_allclose(ours(tg.Tensor(data)).numpy(), theirs(torch.tensor(data)),
                                   rtol=1e-6, atol=1e-7)
    values, indices = nn.AdaptiveMaxPool2d(2, return_indices=True)(tg.Tensor(data))
    _, expected = torch.nn.AdaptiveMaxPool2d(2, return_indices=True)(torch.tensor(data))
    assert indices.numpy().tolist() == expected.numpy().tolist()
    signal = data[:, :, 0]
    np.testing.assert_allclose(nn.AdaptiveAvgPool1d(4)(tg.Tensor(signal)).numpy(),
                               torch.nn.AdaptiveAvgPool1d(4)(torch.tensor(signal)), rtol=1e-6,
                               atol=1e-7)


def test_any_image_size_gives_the_same_head() -> None:
    head = nn.Sequential(nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(4, 2))
    for side in (5, 8, 13):
        assert head(tg.ones(3, 4, side, side)).shape == (3, 2)


def test_second_derivative_through_adaptive_max() -> None:
    x = tg.Tensor([[[[1.0, 3.0, 2.0]]]], requires_grad=True)
    out = F.adaptive_max_pool2d(x * x, (1, 2))  # picks 9 twice (overlapping windows)
    (grad,) = tg.grad(out.sum(), [x], create_graph=True)
    assert grad.tolist() == [[[[0.0, 12.0, 0.0]]]]
    grad.sum().backward()
    assert x.grad.tolist() == [[[[0.0, 4.0, 0.0]]]]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: F.adaptive_avg_pool2d(tg.ones(4), 1), r"expected \(N, C, height, width\)"),
        (lambda: F.adaptive_avg_pool2d(tg.ones(1, 1, 2, 2), 0), "positive int"),
        (lambda: F.adaptive_avg_pool2d(tg.ones(1, 1, 2, 2), (1, 2, 3)), "tuple of 2"),
        (lambda: F.adaptive_max_pool2d(tg.ones(1, 1, 2, 2, dtype=tg.int64), 1), r"x\.float\(\)"),
        (lambda: F.adaptive_avg_pool1d(tg.ones(1, 1, 0), 1), "empty"),
        (lambda: F.adaptive_max_pool1d([1.0, 2.0], 1), "expected a Tensor"),
    ],
)
def test_bad_input_is_named(call, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        call()
