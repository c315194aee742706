"""PyTorch's calls, spelled as PyTorch spells them: the parameter names of ``nn.functional``
(``F.relu(input=x)``), their positions (``F.unfold(x, 3, 1, 1)`` is kernel, *dilation*,
padding), ``dtype=`` of softmax and PyTorch's ``inplace=True``, compared with torch itself."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn

torch = pytest.importorskip("torch", reason="these tests compare with PyTorch")
TF = torch.nn.functional

IMAGES = np.random.default_rng(0).standard_normal((2, 3, 6, 5)).astype(np.float32)
VECTOR = np.array([-2.0, -0.5, 0.0, 0.5, 3.0], dtype=np.float32)

# name: (input, other arguments by keyword): every function whose first parameter PyTorch calls
# `input`, including those whose signature Python cannot read (torch's C builtins).
CALLS = {
    "relu": (VECTOR, {}), "sigmoid": (VECTOR, {}), "tanh": (VECTOR, {}),
    "softmax": (VECTOR, {"dim": 0}), "log_softmax": (VECTOR, {"dim": 0}),
    "leaky_relu": (VECTOR, {"negative_slope": 0.2}), "elu": (VECTOR, {"alpha": 0.5}),
    "silu": (VECTOR, {}), "mish": (VECTOR, {}), "hardtanh": (VECTOR, {}), "relu6": (VECTOR, {}),
    "softsign": (VECTOR, {}), "gelu": (VECTOR, {}), "softplus": (VECTOR, {"beta": 2.0}),
    "logsigmoid": (VECTOR, {}),
    "dropout": (VECTOR, {"p": 0.5, "training": False}),
    "conv2d": (IMAGES, {"weight": np.ones((4, 3, 3, 3), np.float32)}),
    "linear": (VECTOR, {"weight": np.ones((2, 5), np.float32)}),
    "max_pool2d": (IMAGES, {"kernel_size": 2}), "avg_pool2d": (IMAGES, {"kernel_size": 2}),
    "adaptive_avg_pool2d": (IMAGES, {"output_size": 2}),
    "adaptive_max_pool2d": (IMAGES, {"output_size": 2}),
    "adaptive_avg_pool1d": (IMAGES[0], {"output_size": 2}),
    "adaptive_max_pool1d": (IMAGES[0], {"output_size": 2}),
    "unfold": (IMAGES, {"kernel_size": 2}),
    "batch_norm": (IMAGES, {"running_mean": None, "running_var": None, "training": True}),
}


def _pair(value: object) -> tuple[object, object]:
    if isinstance(value, np.ndarray):
        return tg.tensor(value), torch.tensor(value)
    return value, value


@pytest.mark.parametrize("name", sorted(CALLS))
def test_the_input_is_called_input_as_in_pytorch(name: str) -> None:
    array, options = CALLS[name]
    mine, theirs = _pair(array)
    ours = {k: _pair(v)[0] for k, v in options.items()}
    their = {k: _pair(v)[1] for k, v in options.items()}
    got = getattr(F, name)(input=mine, **ours)
    expected = getattr(TF, name)(input=theirs, **their)
    np.testing.assert_allclose(np.asarray(got.numpy()), expected.numpy(), rtol=1e-5, atol=1e-6)


def test_no_function_calls_its_input_x_where_pytorch_says_input() -> None:
    renamed = []
    for name in dir(F):
        ours, theirs = getattr(F, name), getattr(TF, name, None)
        if name.startswith("_") or not inspect.isfunction(ours) or theirs is None:
            continue
        first = next(iter(inspect.signature(ours).parameters), None)
        if first == "x":
            renamed.append(name)
    assert not renamed, f"first parameter x, where PyTorch's is input: {renamed}"


@pytest.mark.parametrize("args", [(3, 1, 1), (2, 1, 0, 2), (3,), (2, (1, 1), (1, 0), (2, 1))])
def test_unfold_and_fold_take_pytorchs_positions(args: tuple) -> None:
    # F.unfold(input, kernel_size, dilation, padding, stride): the third place is dilation.
    mine, theirs = _pair(IMAGES)
    columns = F.unfold(mine, *args)
    expected = TF.unfold(theirs, *args)
    np.testing.assert_array_equal(columns.numpy(), expected.numpy())
    np.testing.assert_array_equal(F.fold(columns, (6, 5), *args).numpy(),
                                  TF.fold(expected, (6, 5), *args).numpy())


def test_unfold_reads_its_third_argument_as_a_dilation() -> None:
    # F.unfold(x, 2, 2) is a dilation of 2 in PyTorch; it was read as padding 2 here.
    mine, theirs = _pair(IMAGES)
    got = F.unfold(mine, 2, 2)
    assert tuple(got.shape) == (2, 12, 12)  # (6 - 3) + 1 = 4 by (5 - 3) + 1 = 3 positions
    np.testing.assert_array_equal(got.numpy(), TF.unfold(theirs, 2, 2).numpy())


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_converts_to_dtype_first(name: str) -> None:
    values = np.array([[1e-3, 2.0, 30.0]], dtype=np.float32)
    got = getattr(F, name)(tg.tensor(values), 1, dtype=tg.float64)
    expected = getattr(TF, name)(torch.tensor(values), 1, dtype=torch.float64)
    assert got.dtype is tg.float64
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-15)
    positional = getattr(F, name)(tg.tensor([1, 2]), 0, 3, tg.float64)  # an int input, too
    np.testing.assert_allclose(positional.numpy(),
                               getattr(TF, name)(torch.tensor([1, 2]), 0, 3, torch.float64))


LAYERS = [
    ("ReLU", {}), ("LeakyReLU", {"negative_slope": 0.2}), ("ELU", {"alpha": 0.5}),
    ("ReLU6", {}), ("Hardtanh", {"min_val": -0.5, "max_val": 0.5}), ("SiLU", {}), ("Mish", {}),
]


@pytest.mark.parametrize(("layer", "options"), LAYERS)
def test_inplace_layers_change_their_input_as_pytorchs(layer: str, options: dict) -> None:
    mine, theirs = tg.tensor(VECTOR), torch.tensor(VECTOR)
    mine_view, their_view = mine[1:], theirs[1:]  # a view writes through to its base
    got = getattr(nn, layer)(**options, inplace=True)(mine_view)
    expected = getattr(torch.nn, layer)(**options, inplace=True)(their_view)
    assert got is mine_view
    np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-6)
    fresh = tg.tensor(VECTOR)
    out = getattr(nn, layer)(**options)(fresh)  # inplace=False: a new tensor
    assert out is not fresh and fresh.tolist() == VECTOR.tolist()
    reference = getattr(torch.nn, layer)(**options)(torch.tensor(VECTOR))
    np.testing.assert_allclose(out.numpy(), reference.numpy(), rtol=1e-6)


@pytest.mark.parametrize(("layer", "options"), LAYERS)
def test_inplace_layers_in_a_network_that_trains(layer: str, options: dict) -> None:
    # A recorded input (it requires grad) is not changed in place here, as tinygrad_edu records
    # no in-place operation; what the layer returns, and the gradients, are PyTorch's.
    mine = tg.tensor(VECTOR, requires_grad=True)
    theirs = torch.tensor(VECTOR, requires_grad=True)
    got = getattr(nn, layer)(**options, inplace=True)(mine * 2)
    expected = getattr(torch.nn, layer)(**options, inplace=True)(theirs * 2)
    (got * got).sum().backward()
    (expected * expected).sum().backward()
    np.testing.assert_allclose(got.detach().numpy(), expected.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_relu_and_dropout_take_inplace_as_pytorch() -> None:
    mine, theirs = tg.tensor(VECTOR), torch.tensor(VECTOR)
    assert F.relu(mine, inplace=True) is mine
    TF.relu(theirs, inplace=True)
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    x = tg.ones(1000)
    y = F.dropout(x, 0.5, True, True)  # PyTorch's positions: p, training, inplace
    assert y is x and set(np.unique(x.numpy())) == {0.0, 2.0}
    with tg.no_grad():  # nothing recorded: changed in place even if it requires grad
        w = tg.tensor(VECTOR, requires_grad=True)
        assert F.relu(w, inplace=True) is w and w.min().item() == 0.0
