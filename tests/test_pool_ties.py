"""Max pooling's gradient at ties, nans, -inf and padding, against PyTorch: one element of each
window gets the whole gradient (the first largest in row-major order; in a window holding
nans, the last nan; never a padding position), as PyTorch's CPU kernel does. After a ReLU whole
windows are 0 and tie, so a different rule would give other weight gradients, silently."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

NO_TORCH = "PyTorch is not installed (pip install torch); the gradients are compared with it"


def _pool_both(torch, x: np.ndarray, k: int, s: int, p: int) -> list[tuple[np.ndarray, ...]]:
    results = []
    for lib, functional in ((tg, F), (torch, torch.nn.functional)):
        t = lib.tensor(x, requires_grad=True)
        y = functional.max_pool2d(t, k, s, p)
        weights = lib.arange(y.numel()).reshape(tuple(y.shape)).float() + 1  # a distinct g
        (y * weights).sum().backward()
        results.append((y.detach().numpy(), t.grad.numpy()))
    return results


def test_ties_nans_and_infs_route_the_gradient_as_pytorch() -> None:
    torch = pytest.importorskip("torch", reason=NO_TORCH)
    rng = np.random.default_rng(0)
    for trial in range(200):
        x = rng.integers(-2, 3, size=(2, 3, 6, 7)).astype(np.float32)  # small ints: many ties
        if trial % 3 == 0:
            x[rng.random(x.shape) < 0.15] = np.nan
        if trial % 5 == 0:
            x[rng.random(x.shape) < 0.3] = -np.inf
        k = int(rng.integers(1, 4))
        s, p = int(rng.integers(1, 4)), int(rng.integers(0, k // 2 + 1))
        (ours, our_grad), (theirs, their_grad) = _pool_both(torch, x, k, s, p)
        np.testing.assert_array_equal(ours, theirs, err_msg=f"trial {trial}")
        np.testing.assert_array_equal(our_grad, their_grad,
                                      err_msg=f"trial {trial}: kernel {k} stride {s} pad {p}")


def test_a_window_of_zeros_gives_its_gradient_to_its_first_element() -> None:
    x = tg.zeros(1, 1, 2, 4, requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    assert x.grad.tolist() == [[[[1.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 0.0]]]]


def test_padding_never_takes_the_gradient_of_a_window_of_minus_infinity() -> None:
    x = tg.full((1, 1, 2, 2), float("-inf"), requires_grad=True)
    y = F.max_pool2d(x, 2, stride=2, padding=1)  # each window: one input and three paddings
    y.sum().backward()
    assert y.tolist() == [[[[float("-inf")] * 2] * 2]]
    assert x.grad.tolist() == [[[[1.0, 1.0], [1.0, 1.0]]]]


def test_an_infinite_incoming_gradient_gives_exactly_zero_off_the_chosen_element() -> None:
    x = tg.zeros(1, 1, 2, 2, requires_grad=True)
    y = F.max_pool2d(x, 2)
    y.backward(tg.full(tuple(y.shape), float("inf")))
    assert x.grad.tolist() == [[[[float("inf"), 0.0], [0.0, 0.0]]]]
