"""Convolution, pooling and batch normalisation against PyTorch, on every backend; their edge
cases and error messages. (Finite differences and second derivatives: the op-spec rows.)"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.spatial_functional as F
from tinygrad_edu.backends.base import Backend
from tinygrad_edu.nn.functional import batch_norm

TOLERANCE = {"float64": (1e-10, 1e-10), "float32": (1e-4, 1e-4)}


def _torch() -> Any:
    return pytest.importorskip(
        "torch", reason="PyTorch is not installed; the comparison needs torch==2.13.0"
    )


def _pair(arrays: list[np.ndarray], backend: Backend, dtype: str) -> tuple[list, list]:
    """The same leaf values as tinygrad_edu tensors and as torch tensors (both need grad)."""
    torch = _torch()
    ours = [tg.Tensor(a, dtype=dtype, backend=backend, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.astype(dtype), requires_grad=True) for a in arrays]
    return ours, theirs


def _compare(ours: tg.Tensor, theirs: Any, our_leaves: list, their_leaves: list,
             dtype: str, seed: int = 0) -> None:
    """Same values, and the same gradients for a random upstream gradient."""
    torch = _torch()
    rtol, atol = TOLERANCE[dtype]
    assert ours.shape == tuple(theirs.shape)
    assert ours.dtype.name == dtype
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)
    upstream = np.random.default_rng(seed).normal(size=ours.shape).astype(dtype)
    ours.backward(tg.Tensor(upstream, dtype=dtype, backend=ours.backend))
    theirs.backward(torch.tensor(upstream))
    for k, (mine, reference) in enumerate(zip(our_leaves, their_leaves, strict=True)):
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=rtol,
                                   atol=atol, err_msg=f"gradient of input {k}")


CONV_CASES = [  # (x shape, weight shape, stride, padding)
    ((2, 3, 7, 8), (4, 3, 3, 3), 1, 0),
    ((2, 3, 7, 8), (4, 3, 3, 3), 2, 1),
    ((1, 2, 6, 6), (3, 2, 3, 2), (2, 1), (1, 0)),
    ((3, 1, 5, 5), (2, 1, 1, 1), 3, 2),
    ((2, 2, 4, 4), (2, 2, 4, 4), 1, 0),  # the kernel covers the whole image
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding"), CONV_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_matches_torch(backend: Backend, dtype: str, x_shape: tuple, w_shape: tuple,
                              stride: Any, padding: Any, bias: bool) -> None:
    torch = _torch()
    rng = np.random.default_rng(1)
    arrays = [rng.normal(size=x_shape), rng.normal(size=w_shape)]
    if bias:
        arrays.append(rng.normal(size=w_shape[0]))
    ours, theirs = _pair(arrays, backend, dtype)
    out = F.conv2d(*ours, stride=stride, padding=padding)
    expected = torch.nn.functional.conv2d(*theirs, stride=stride, padding=padding)
    _compare(out, expected, ours, theirs, dtype)


POOL_CASES = [  # (x shape, kernel_size, stride, padding)
    ((2, 3, 8, 8), 2, None, 0),
    ((2, 3, 7, 9), 2, None, 0),  # the last row and column are dropped
    ((2, 2, 7, 7), 3, 2, 1),
    ((1, 2, 6, 5), (3, 2), (1, 2), (1, 1)),
    ((2, 1, 5, 5), 3, 1, 0),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(("x_shape", "kernel", "stride", "padding"), POOL_CASES)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling_matches_torch(backend: Backend, dtype: str, x_shape: tuple, kernel: Any,
                               stride: Any, padding: Any, kind: str) -> None:
    torch = _torch()
    x = np.random.default_rng(2).permutation(np.prod(x_shape)).reshape(x_shape) / 10.0 - 3.0
    ours, theirs = _pair([x], backend, dtype)  # distinct values: no ties in a window
    pool = F.max_pool2d if kind == "max" else F.avg_pool2d
    reference = getattr(torch.nn.functional, f"{kind}_pool2d")
    _compare(pool(ours[0], kernel, stride, padding), reference(theirs[0], kernel, stride, padding),
             ours, theirs, dtype)


def test_max_pool_gives_a_tie_to_the_first_element(backend: Backend) -> None:
    """As PyTorch: one element of a tied window (the first, row-major) gets the whole gradient
    (more cases against torch in tests/test_pool_ties.py)."""
    x = tg.Tensor(np.zeros((1, 1, 2, 2)), backend=backend, requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    assert x.grad.tolist() == [[[[1.0, 0.0], [0.0, 0.0]]]]


def test_max_pool_never_picks_the_padding(backend: Backend) -> None:
    x = tg.Tensor(np.full((1, 1, 3, 3), -5.0), backend=backend, requires_grad=True)
    out = F.max_pool2d(x, 3, stride=1, padding=1)
    assert out.numpy().tolist() == np.full((1, 1, 3, 3), -5.0).tolist()
    out.sum().backward()
    assert np.isfinite(x.grad.numpy()).all() and abs(x.grad.numpy().sum() - 9.0) < 1e-6


def test_huge_values_pool_and_convolve(backend: Backend) -> None:
    x = tg.Tensor(np.array([[[[1e30, -1e30], [3e30, 2.0]]]]), backend=backend)
    assert F.max_pool2d(x, 2).item() == pytest.approx(3e30)
    assert F.conv2d(x, tg.Tensor(np.ones((1, 1, 1, 1)), backend=backend)).numpy()[0, 0, 1, 0] \
        == pytest.approx(3e30)


def test_empty_batch(backend: Backend) -> None:
    x = tg.Tensor(np.zeros((0, 2, 5, 5)), backend=backend, requires_grad=True)
    weight = tg.Tensor(np.ones((3, 2, 3, 3)), backend=backend, requires_grad=True)
    out = F.conv2d(x, weight, padding=1)
    assert out.shape == (0, 3, 5, 5)
    assert F.max_pool2d(out, 2).shape == (0, 3, 2, 2)
    F.avg_pool2d(out, 2).sum().backward()
    assert x.grad.shape == (0, 2, 5, 5) and weight.grad.tolist() == np.zeros((3, 2, 3, 3)).tolist()
    mean, var = tg.zeros(2, backend=backend), tg.ones(2, backend=backend)
    assert batch_norm(x, mean, var, training=True).shape == (0, 2, 5, 5)
    assert mean.tolist() == [0.0, 0.0] and var.tolist() == [1.0, 1.0]  # left alone, as torch


def test_unfold_and_fold_match_torch(backend: Backend) -> None:
    torch = _torch()
    x = np.random.default_rng(3).normal(size=(2, 3, 6, 5))
    ours, theirs = _pair([x], backend, "float64")
    options = {"kernel_size": (3, 2), "padding": 1, "stride": (2, 1)}
    columns = F.unfold(ours[0], **options)
    expected = torch.nn.functional.unfold(theirs[0], **options)
    np.testing.assert_allclose(columns.numpy(), expected.detach().numpy())
    folded = F.fold(columns, (6, 5), **options)
    _compare(folded, torch.nn.functional.fold(expected, (6, 5), **options), ours, theirs,
             "float64")


def test_layout_of_inputs_does_not_matter(backend: Backend) -> None:
    """A transposed (non-contiguous) input gives the same result as a contiguous one."""
    x = np.random.default_rng(4).normal(size=(3, 2, 5, 6))
    weight = tg.Tensor(np.random.default_rng(5).normal(size=(4, 2, 3, 3)), backend=backend)
    plain = tg.Tensor(x, backend=backend)
    swapped = tg.Tensor(np.ascontiguousarray(x.transpose(3, 2, 1, 0)), backend=backend)
    swapped = swapped.permute(3, 2, 1, 0)
    np.testing.assert_allclose(F.conv2d(swapped, weight, padding=1).numpy(),
                               F.conv2d(plain, weight, padding=1).numpy(), rtol=1e-6)
    pooled = F.max_pool2d(F.conv2d(plain, weight, padding=1), 2)  # a view, batch axis last
    second = tg.Tensor(np.random.default_rng(6).normal(size=(2, 4, 2, 2)), backend=backend)
    copied = tg.Tensor(pooled.numpy(), backend=backend)
    np.testing.assert_allclose(F.conv2d(pooled, second).numpy(),
                               F.conv2d(copied, second).numpy(), rtol=1e-6)


# -- batch normalisation ------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5), (4, 3, 5, 6)])
def test_batch_norm_training_matches_torch(backend: Backend, dtype: str, shape: tuple) -> None:
    torch = _torch()
    rng = np.random.default_rng(6)
    x = rng.normal(2.0, 3.0, size=shape)
    arrays = [x, rng.normal(size=shape[1]), rng.normal(size=shape[1])]
    ours, theirs = _pair(arrays, backend, dtype)
    mean, var = tg.zeros(shape[1], dtype=dtype, backend=backend), tg.ones(
        shape[1], dtype=dtype, backend=backend)
    their_mean, their_var = torch.zeros(shape[1], dtype=getattr(torch, dtype)), torch.ones(
        shape[1], dtype=getattr(torch, dtype))
    out = batch_norm(ours[0], mean, var, ours[1], ours[2], training=True, momentum=0.3)
    expected = torch.nn.functional.batch_norm(theirs[0], their_mean, their_var, theirs[1],
                                              theirs[2], training=True, momentum=0.3)
    _compare(out, expected, ours, theirs, dtype)
    rtol, atol = TOLERANCE[dtype]
    np.testing.assert_allclose(mean.numpy(), their_mean.numpy(), rtol=rtol, atol=atol)
    np.testing.assert_allclose(var.numpy(), their_var.numpy(), rtol=rtol, atol=atol)


def test_batch_norm_eval_matches_torch(backend: Backend) -> None:
    torch = _torch()
    rng = np.random.default_rng(7)
    arrays = [rng.normal(size=(4, 3, 2, 2)), rng.normal(size=3), rng.normal(size=3)]
    stats = [rng.normal(size=3), rng.uniform(0.5, 2.0, size=3)]
    ours, theirs = _pair(arrays, backend, "float64")
    out = batch_norm(ours[0], *[tg.Tensor(s, dtype="float64", backend=backend) for s in stats],
                       ours[1], ours[2])
    expected = torch.nn.functional.batch_norm(theirs[0], *[torch.tensor(s) for s in stats],
                                              theirs[1], theirs[2])
    _compare(out, expected, ours, theirs, "float64")


def test_batch_norm_without_running_statistics(backend: Backend) -> None:
    x = tg.Tensor([[1.0, 5.0], [3.0, 9.0]], backend=backend)
    np.testing.assert_allclose(batch_norm(x, None, None, training=True, eps=0.0).numpy(),
                               [[-1.0, -1.0], [1.0, 1.0]])


# -- errors -------------------------------------------------------------------------------------
def test_conv2d_errors_name_the_problem() -> None:
    x, weight = tg.zeros(2, 3, 8, 8), tg.zeros(4, 3, 3, 3)
    with pytest.raises(ValueError, match=r"conv2d: the input has 1 channels.*expects 3"):
        F.conv2d(tg.zeros(2, 1, 8, 8), weight)
    with pytest.raises(ValueError, match=r"conv2d: expected a 4-D input.*Size\(\[8, 8\]\)"):
        F.conv2d(tg.zeros(8, 8), weight)  # one image (C, H, W) is computed, as in PyTorch
    with pytest.raises(ValueError, match=r"weight must have shape.*Size\(\[4, 3, 3\]\)"):
        F.conv2d(x, tg.zeros(4, 3, 3))
    with pytest.raises(ValueError, match=r"bias must have shape \(4,\).*Size\(\[3\]\)"):
        F.conv2d(x, weight, tg.zeros(3))
    with pytest.raises(ValueError, match=r"a 3x3 kernel does not fit in the 2x2 input"):
        F.conv2d(tg.zeros(1, 3, 2, 2), weight)
    with pytest.raises(ValueError, match=r"stride must be at least 1, got 0"):
        F.conv2d(x, weight, stride=0)
    with pytest.raises(TypeError, match=r"padding must be an int or a pair of ints"):
        F.conv2d(x, weight, padding=(1, 1, 1))
    with pytest.raises(TypeError, match=r"the input is int64; convert it first: x.float\(\)"):
        F.conv2d(tg.zeros(2, 3, 8, 8, dtype="int64"), weight)


def test_pool_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match=r"max_pool2d: padding 2 is more than half"):
        F.max_pool2d(tg.zeros(1, 1, 5, 5), 2, padding=2)
    with pytest.raises(ValueError, match=r"avg_pool2d: expected a 4-D input.*Size\(\[5, 5\]\)"):
        F.avg_pool2d(tg.zeros(5, 5), 2)
    with pytest.raises(ValueError, match=r"max_pool2d: a 3x3 kernel does not fit"):
        F.max_pool2d(tg.zeros(1, 1, 2, 2), 3)


def test_batch_norm_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match=r"more than 1 value per channel.*Size\(\[1, 3\]\)"):
        batch_norm(tg.zeros(1, 3), tg.zeros(3), tg.ones(3), training=True)
    with pytest.raises(ValueError, match=r"eval mode.*got None"):
        batch_norm(tg.zeros(2, 3), None, None)
    with pytest.raises(ValueError, match=r"running_mean has shape Size\(\[4\]\).*3 channels"):
        batch_norm(tg.zeros(2, 3), tg.zeros(4), tg.ones(3))
    with pytest.raises(ValueError, match=r"shape \(N, C\) or \(N, C, ...\), got Size\(\[3\]\)"):
        batch_norm(tg.zeros(3), tg.zeros(3), tg.ones(3))


# -- layers -------------------------------------------------------------------------------------
def _small_cnn(nn: Any) -> Any:
    """A small CNN (conv, pooling and batch norm), built alike from either library's nn."""
    return nn.Sequential(
        nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3), nn.BatchNorm2d(16),
        nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(), nn.Linear(400, 10),
    )


class _OurNN:
    """tinygrad_edu.nn plus the layers of this area (until nn/__init__ exports them)."""

    def __getattr__(self, name: str) -> Any:
        from tinygrad_edu import nn
        from tinygrad_edu.nn import conv, norm

        for place in (conv, norm, nn):
            if hasattr(place, name):
                return getattr(place, name)
        raise AttributeError(name)


def test_small_cnn_matches_torch_with_the_same_weights(backend: Backend) -> None:
    """Same state_dict names, same outputs and gradients, same running statistics."""
    torch = _torch()
    torch.manual_seed(0)
    theirs = _small_cnn(torch.nn).double()
    ours = _small_cnn(_OurNN()).to(backend).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    images = np.random.default_rng(8).normal(size=(6, 1, 28, 28))
    for _ in range(2):  # two training steps move the running statistics
        out = ours(tg.Tensor(images, dtype="float64", backend=backend))
        expected = theirs(torch.tensor(images))
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-9, atol=1e-9)
    (out * out).sum().backward()
    (expected * expected).sum().backward()
    for (name, mine), reference in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        np.testing.assert_allclose(mine.grad.numpy(), reference.grad.numpy(), rtol=1e-8,
                                   atol=1e-9, err_msg=name)
    for name, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[name].numpy(), value.numpy(), rtol=1e-9,
                                   err_msg=name)
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(ours(tg.Tensor(images, dtype="float64", backend=backend)).numpy(),
                               theirs(torch.tensor(images)).detach().numpy(), rtol=1e-9, atol=1e-9)


def test_conv2d_initialisation_as_torch() -> None:
    from tinygrad_edu.nn.conv import Conv2d

    tg.manual_seed(0)
    conv = Conv2d(8, 16, 3)
    bound = 1 / np.sqrt(8 * 9)
    weight, bias = conv.weight.numpy(), conv.bias.numpy()
    assert weight.shape == (16, 8, 3, 3) and weight.dtype == np.float32 and bias.shape == (16,)
    assert np.abs(weight).max() <= bound and np.abs(bias).max() <= bound
    assert abs(weight.std() - bound / np.sqrt(3)) < 0.1 * bound  # uniform: std = bound/sqrt(3)
    assert Conv2d(1, 2, 3, bias=False).bias is None
    assert [n for n, _ in Conv2d(1, 2, 3, bias=False).named_parameters()] == ["weight"]


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5)])
def test_batch_norm1d_running_statistics_match_torch(momentum: Any, shape: tuple) -> None:
    torch = _torch()
    from tinygrad_edu.nn.norm import BatchNorm1d

    ours, theirs = BatchNorm1d(3, momentum=momentum), torch.nn.BatchNorm1d(3, momentum=momentum)
    rng = np.random.default_rng(9)
    for step in range(3):
        x = rng.normal(step, 1.0 + step, size=shape).astype(np.float32)
        ours(tg.Tensor(x))
        theirs(torch.tensor(x))
    for name, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[name].numpy(), value.numpy(), rtol=1e-5,
                                   atol=1e-6, err_msg=name)
    assert ours.num_batches_tracked.item() == 3


def test_batch_norm_options_as_torch() -> None:
    torch = _torch()
    from tinygrad_edu.nn.norm import BatchNorm2d

    x = np.random.default_rng(10).normal(size=(4, 2, 3, 3)).astype(np.float32)
    for options in ({"affine": False}, {"track_running_stats": False}):
        ours, theirs = BatchNorm2d(2, **options), torch.nn.BatchNorm2d(2, **options)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        for module in (ours, theirs):
            module.eval()  # without running statistics eval still uses the batch's
        np.testing.assert_allclose(ours(tg.Tensor(x)).numpy(),
                                   theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5)


def test_layer_errors_name_the_layer() -> None:
    from tinygrad_edu.nn.conv import Conv2d, MaxPool2d
    from tinygrad_edu.nn.norm import BatchNorm1d, BatchNorm2d

    with pytest.raises(ValueError, match=r"Conv2d\(3, 8, .*\): expected an input of shape "
                                         r"\(N, 3, H, W\), got Size\(\[2, 1, 8, 8\]\)"):
        Conv2d(3, 8, 3)(tg.zeros(2, 1, 8, 8))
    with pytest.raises(ValueError, match=r"got Size\(\[1, 8, 8\]\) \(or one image, \(3, H, W\)\)"):
        Conv2d(3, 8, 3)(tg.zeros(1, 8, 8))  # one image with 1 channel, not 3
    with pytest.raises(ValueError, match=r"MaxPool2d\(kernel_size=2.*got Size\(\[8, 8\]\)"):
        MaxPool2d(2)(tg.zeros(8, 8))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(4, .*\(N, 4, H, W\), got Size\(\[2, 4\]\)"):
        BatchNorm2d(4)(tg.zeros(2, 4))
    with pytest.raises(ValueError, match=r"BatchNorm1d\(4, .*\(N, 4, L\), got Size\(\[2, 3\]\)"):
        BatchNorm1d(4)(tg.zeros(2, 3))
    with pytest.raises(ValueError, match=r"Conv2d: in_channels must be a positive int, got 0"):
        Conv2d(0, 8, 3)
    with pytest.raises(ValueError, match=r"MaxPool2d: kernel_size must be at least 1"):
        MaxPool2d(0)
