"""tinygrad_edu.nn.functional: losses, linear, dropout; against PyTorch where it helps.

Finite differences and second derivatives of linear and the losses are rows of the op-spec
table (tinygrad_edu/testing/op_specs_nn.py); here: PyTorch's numbers, edge cases, errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn
from tinygrad_edu.autograd import topological_order

RNG = np.random.default_rng(7)


def _torch():
    return pytest.importorskip("torch", reason="PyTorch is not installed; the comparison needs "
                               "torch==2.13.0")


def _leaf(array: np.ndarray, backend: str = "numpy") -> tg.Tensor:
    return tg.Tensor(array, backend=backend, requires_grad=True)


# -- cross_entropy ------------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_matches_torch(reduction: str, dtype: type) -> None:
    torch = _torch()
    logits = (RNG.standard_normal((6, 5)) * 3).astype(dtype)
    targets = RNG.integers(0, 5, 6)
    x = _leaf(logits)
    out = F.cross_entropy(x, tg.Tensor(targets), reduction=reduction)
    cotangent = RNG.standard_normal(out.shape).astype(dtype)
    out.backward(tg.Tensor(cotangent))
    xt = torch.tensor(logits, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(xt, torch.tensor(targets), reduction=reduction)
    expected.backward(torch.tensor(cotangent))
    tol = 1e-6 if dtype is np.float32 else 1e-12
    assert out.dtype.name == np.dtype(dtype).name
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=tol * 10, atol=tol)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=tol * 10, atol=tol)


@pytest.mark.parametrize("scale", [1e4, 1e8])
def test_cross_entropy_huge_logits_float32_match_torch(scale: float) -> None:
    torch = _torch()
    logits = (RNG.standard_normal((8, 10)) * scale).astype(np.float32)
    logits[0, 3] = scale  # a clear winner that is the target: loss 0 in float32
    targets = RNG.integers(0, 10, 8)
    targets[0] = 3
    x = _leaf(logits)
    for reduction in ("none", "mean"):
        out = F.cross_entropy(x, tg.Tensor(targets), reduction=reduction)
        xt = torch.tensor(logits, requires_grad=True)
        expected = torch.nn.functional.cross_entropy(xt, torch.tensor(targets),
                                                     reduction=reduction)
        assert np.isfinite(out.numpy()).all()
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-6)
    out.backward()
    expected.backward()
    assert np.isfinite(x.grad.numpy()).all()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_cross_entropy_exact_values_for_huge_logits() -> None:
    logits = tg.Tensor([[1e8, 0.0], [0.0, 1e8], [1e38, -1e38]])
    losses = F.cross_entropy(logits, tg.Tensor([1, 1, 0]), reduction="none")
    assert losses.tolist() == [1e8, 0.0, 0.0]


def test_cross_entropy_infinite_logits_like_torch() -> None:
    torch = _torch()
    logits = np.array([[np.inf, 0.0], [np.inf, 0.0], [-np.inf, 0.0]], dtype=np.float32)
    targets = np.array([1, 0, 1])
    with np.errstate(invalid="ignore"):  # inf - inf, on purpose
        ours = F.cross_entropy(tg.Tensor(logits), tg.Tensor(targets), reduction="none").numpy()
    theirs = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(targets),
                                               reduction="none").numpy()
    np.testing.assert_array_equal(ours, theirs)  # nan, nan, 0 (nan == nan here)


def test_cross_entropy_spatial_targets_match_torch() -> None:
    torch = _torch()
    logits = RNG.standard_normal((2, 4, 3, 2))
    targets = RNG.integers(0, 4, (2, 3, 2))
    x = _leaf(logits)
    F.cross_entropy(x, tg.Tensor(targets)).backward()
    xt = torch.tensor(logits, requires_grad=True)
    expected = torch.nn.functional.cross_entropy(xt, torch.tensor(targets))
    expected.backward()
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_cross_entropy_on_every_backend(backend: tg.Backend) -> None:
    logits = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]], dtype=np.float32)
    x = tg.Tensor(logits, backend=backend, requires_grad=True)
    loss = F.cross_entropy(x, tg.Tensor([0, 2], backend=backend))
    loss.backward()
    shifted = logits - logits.max(1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    np.testing.assert_allclose(loss.item(), -(log_p[0, 0] + log_p[1, 2]) / 2, rtol=1e-6)
    expected = (np.exp(log_p) - np.eye(3)[[0, 2]]) / 2
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-5, atol=1e-7)


def test_empty_batch_like_torch() -> None:
    x = _leaf(np.zeros((0, 4), dtype=np.float32))
    targets = tg.Tensor(np.zeros(0, dtype=np.int64))
    assert math.isnan(F.cross_entropy(x, targets).item())
    assert math.isnan(F.nll_loss(x, targets).item())
    assert F.cross_entropy(x, targets, reduction="sum").item() == 0.0
    assert F.cross_entropy(x, targets, reduction="none").shape == (0,)
    F.cross_entropy(x, targets, reduction="sum").backward()
    assert x.grad.shape == (0, 4)
    assert math.isnan(F.mse_loss(tg.zeros(0), tg.zeros(0)).item())


def test_cross_entropy_is_one_recorded_operation() -> None:
    model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    loss = F.cross_entropy(model(tg.randn(4, 784)), tg.Tensor([1, 2, 3, 4]))
    ops = [node._ctx.fn.__name__ for node in topological_order(loss) if node._ctx is not None]
    assert ops == ["Linear", "Relu", "Linear", "CrossEntropy"]


# -- errors --------------------------------------------------------------------------------------
@pytest.mark.parametrize("loss", [F.cross_entropy, F.nll_loss])
def test_class_target_errors(loss) -> None:
    logits = tg.randn(3, 4)
    with pytest.raises(IndexError, match=r"target 4 is out of bounds.*4 classes.*0\.\.3"):
        loss(logits, tg.Tensor([0, 4, 1]))
    with pytest.raises(IndexError, match="target -1 is out of bounds"):
        loss(logits, tg.Tensor([0, -1, 1]))
    with pytest.raises(TypeError, match=r"class indices as int64: targets\.long\(\)"):
        loss(logits, tg.Tensor([0.0, 1.0, 2.0]))
    with pytest.raises(
        ValueError, match=r"shape Size\(\[3, 4\]\) and targets of shape Size\(\[2\]\)"
    ):
        loss(logits, tg.Tensor([0, 1]))
    with pytest.raises(ValueError, match=r"shape Size\(\[4\]\) and targets"):
        loss(tg.randn(4), tg.Tensor([0]))
    with pytest.raises(ValueError, match="reduction must be one of"):
        loss(logits, tg.Tensor([0, 1, 2]), reduction="avg")


def test_targets_from_lists_and_other_backends() -> None:
    logits = tg.Tensor([[0.0, 1.0]])
    assert F.cross_entropy(logits, [1]).item() == pytest.approx(math.log(1 + math.e ** -1))
    strict = tg.Tensor([1], backend="array_api_strict")
    with pytest.raises(RuntimeError, match=r"targets\.to\('numpy'\)"):
        F.cross_entropy(logits, strict)


def test_linear_errors() -> None:
    with pytest.raises(ValueError, match=r"input of shape Size\(\[2, 3\]\) does not fit weight"):
        F.linear(tg.zeros(2, 3), tg.zeros(4, 5))
    with pytest.raises(ValueError, match=r"bias of shape Size\(\[3\]\).*must be \(4,\)"):
        F.linear(tg.zeros(2, 5), tg.zeros(4, 5), tg.zeros(3))
    with pytest.raises(TypeError, match="input float64, weight float32.*x.float()"):
        F.linear(tg.zeros(2, 5, dtype=tg.float64), tg.zeros(4, 5))
    with pytest.raises(TypeError, match="input int64"):
        F.linear(tg.Tensor([[1, 2]]), tg.zeros(4, 2))


def test_mse_loss_errors() -> None:
    with pytest.raises(ValueError, match=r"\(4, 1\) and target of shape \(4,\) differ"):
        F.mse_loss(tg.zeros(4, 1), tg.zeros(4))
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.mse_loss(tg.zeros(4), tg.zeros(4), reduction="max")


# -- linear, nll_loss, mse_loss against PyTorch ------------------------------------------------
@pytest.mark.parametrize("shape", [(5,), (4, 5), (2, 3, 5), (0, 5)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(shape: tuple[int, ...], bias: bool) -> None:
    torch = _torch()
    x, w, b = RNG.standard_normal(shape), RNG.standard_normal((3, 5)), RNG.standard_normal(3)
    tensors = [_leaf(x), _leaf(w)] + ([_leaf(b)] if bias else [])
    out = F.linear(*tensors)
    cotangent = RNG.standard_normal(out.shape)
    out.backward(tg.Tensor(cotangent))
    torch_tensors = [torch.tensor(a, requires_grad=True) for a in ([x, w, b] if bias else [x, w])]
    expected = torch.nn.functional.linear(*torch_tensors)
    expected.backward(torch.tensor(cotangent))
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    for ours, theirs in zip(tensors, torch_tensors, strict=True):
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12,
                                   atol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_and_mse_match_torch(reduction: str) -> None:
    torch = _torch()
    log_p = np.log(RNG.dirichlet(np.ones(4), size=5))
    targets = RNG.integers(0, 4, 5)
    x = _leaf(log_p)
    out = F.nll_loss(x, tg.Tensor(targets), reduction=reduction)
    out.backward(tg.ones(*out.shape, dtype=tg.float64))
    xt = torch.tensor(log_p, requires_grad=True)
    expected = torch.nn.functional.nll_loss(xt, torch.tensor(targets), reduction=reduction)
    expected.backward(torch.ones(expected.shape, dtype=torch.float64))
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), rtol=1e-12)

    prediction, target = RNG.standard_normal((3, 2)), RNG.standard_normal((3, 2))
    p, t = _leaf(prediction), _leaf(target)
    out = F.mse_loss(p, t, reduction=reduction)
    out.backward(tg.ones(*out.shape, dtype=tg.float64))
    pt, tt = (torch.tensor(a, requires_grad=True) for a in (prediction, target))
    expected = torch.nn.functional.mse_loss(pt, tt, reduction=reduction)
    expected.backward(torch.ones(expected.shape, dtype=torch.float64))
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(p.grad.numpy(), pt.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-12)


def test_nll_of_log_softmax_is_cross_entropy() -> None:
    logits, targets = tg.randn(6, 3, dtype=tg.float64), tg.Tensor(RNG.integers(0, 3, 6))
    np.testing.assert_allclose(F.nll_loss(F.log_softmax(logits, dim=1), targets).item(),
                               F.cross_entropy(logits, targets).item(), rtol=1e-12)


def test_second_derivative_of_cross_entropy() -> None:
    """d/dx of the gradient: the Hessian-vector product of the loss, against finite
    differences (gradgradcheck, the create_graph path of the backward)."""
    x = tg.Tensor(RNG.standard_normal((3, 4)), dtype=tg.float64, requires_grad=True)
    targets = tg.Tensor([0, 3, 1])
    assert tg.gradgradcheck(lambda t: F.cross_entropy(t, targets, reduction="sum"), x)
    assert tg.gradcheck(lambda t: F.cross_entropy(t, targets, reduction="none"), x)


# -- activations and dropout --------------------------------------------------------------------
def test_activations_and_dim_keyword() -> None:
    x = tg.Tensor([[-1.0, 0.0, 2.0]])
    assert F.relu(x).tolist() == [[0.0, 0.0, 2.0]]
    np.testing.assert_allclose(F.sigmoid(x).numpy(), 1 / (1 + np.exp([[1.0, 0.0, -2.0]])),
                               rtol=1e-6)
    np.testing.assert_allclose(F.tanh(x).numpy(), np.tanh([[-1.0, 0.0, 2.0]]), rtol=1e-6)
    np.testing.assert_allclose(F.softmax(x, dim=1).numpy().sum(), 1.0, rtol=1e-6)
    np.testing.assert_allclose(F.softmax(x, dim=0).numpy(), [[1.0, 1.0, 1.0]])
    np.testing.assert_allclose(F.log_softmax(x, dim=-1).exp().numpy(),
                               F.softmax(x, dim=1).numpy(), rtol=1e-6)


def test_dropout_scales_and_drops(backend: tg.Backend) -> None:
    tg.manual_seed(0)
    x = tg.ones(20000, backend=backend, requires_grad=True)
    out = F.dropout(x, p=0.25, training=True)
    values = out.numpy()
    assert set(np.unique(values).tolist()) <= {0.0, np.float32(1 / 0.75)}
    assert abs((values == 0).mean() - 0.25) < 0.02
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), values)  # the gradient is the mask
    assert F.dropout(x, p=0.25, training=False) is x
    assert F.dropout(x, p=0.0) is x
    assert (F.dropout(x, p=1.0).numpy() == 0).all()
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\], got 1.5"):
        F.dropout(x, p=1.5)


def test_spatial_functions_are_reexported() -> None:
    for name in ("conv2d", "max_pool2d", "avg_pool2d", "batch_norm"):
        assert callable(getattr(F, name))
