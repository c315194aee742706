"""The promise ``import tinygrad_edu as torch``, tested with programs a learner would write.

Each program below is written once, as a function that takes the library as its first argument
(``torch``), in the shapes a beginner's PyTorch code has: a tour of tensors, fitting sin(x) with
a cubic (by hand, with a custom autograd Function, with ``nn``, with ``optim``, with a Module
subclass, with a network whose forward has control flow), a classifier loop with a DataLoader
and a checkpoint, and the errors such code runs into.

Every test runs the program with tinygrad_edu and checks what it must give on its own; then,
where PyTorch is installed, it runs the same program with ``torch`` from the same starting values
(copied across through NumPy) and compares the two to float32 tolerance.

Where tinygrad_edu deliberately differs from PyTorch (an in-place change of a recorded non-leaf
tensor is refused here, where PyTorch records it), the test says so and checks both behaviours.
"""

from __future__ import annotations

import math
import random
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg

NO_TORCH = "PyTorch is not installed; the comparison with it is skipped"


def real_torch() -> Any:
    """PyTorch, or a skip of the comparison part of the calling test."""
    return pytest.importorskip("torch", reason=NO_TORCH)


def plain(value: Any) -> Any:
    """A program's result with every tensor (of either library) as a NumPy array."""
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        return np.array(value.detach().numpy(), copy=True)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(plain(item) for item in value)
    return value


def assert_same(ours: Any, theirs: Any, rtol: float = 1e-6, atol: float = 1e-6,
                where: str = "result") -> None:
    """Two results of one program agree: arrays in shape, dtype and value (to tolerance),
    everything else exactly."""
    ours, theirs = plain(ours), plain(theirs)
    if isinstance(theirs, dict):
        assert list(ours) == list(theirs), f"{where}: keys differ"
        for key in theirs:
            assert_same(ours[key], theirs[key], rtol, atol, where=f"{where}[{key!r}]")
    elif isinstance(theirs, np.ndarray):
        assert isinstance(ours, np.ndarray), f"{where}: {type(ours).__name__}, not an array"
        assert ours.shape == theirs.shape, f"{where}: shape {ours.shape} vs {theirs.shape}"
        assert ours.dtype == theirs.dtype, f"{where}: dtype {ours.dtype} vs {theirs.dtype}"
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=where)
    elif isinstance(theirs, float):
        assert isinstance(ours, float), f"{where}: {type(ours).__name__}, not a float"
        assert ours == pytest.approx(theirs, rel=rtol, abs=atol, nan_ok=True), where
    elif isinstance(theirs, list | tuple):
        assert type(ours) is type(theirs), f"{where}: {type(ours).__name__}"
        assert len(ours) == len(theirs), f"{where}: length {len(ours)} vs {len(theirs)}"
        for i, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
            assert_same(mine, other, rtol, atol, where=f"{where}[{i}]")
    else:
        assert ours == theirs, f"{where}: {ours!r} vs {theirs!r}"


# -- 1. Tensors ---------------------------------------------------------------------------------
def tensor_tour(torch: Any) -> dict[str, Any]:
    """The first hour with tensors: making them, their dtypes and shapes, indexing, reshaping,
    joining, products, reductions, getting numbers out, devices."""
    results: dict[str, Any] = {}
    x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    results["tensor"] = x
    results["zeros"] = torch.zeros(2, 3)
    results["ones"] = torch.ones((2, 3))
    noise = torch.rand(2, 3)
    results["rand shape"] = tuple(noise.shape)
    results["rand in [0, 1)"] = bool(((noise >= 0) & (noise < 1)).all())
    results["arange"] = torch.arange(5)
    results["arange step"] = torch.arange(1, 10, 3)
    results["arange float"] = torch.arange(0.0, 1.0, 0.25)
    results["linspace"] = torch.linspace(0, 1, steps=5)
    filled = torch.empty(2, 3)
    filled.fill_(7.0)
    results["empty then fill_"] = filled
    results["zeros_like"] = torch.zeros_like(x)
    results["ones_like"] = torch.ones_like(x)
    results["empty_like shape"] = tuple(torch.empty_like(x).shape)
    results["rand_like shape"] = tuple(torch.rand_like(x).shape)
    results["full"] = torch.full((2, 2), 3.5)
    results["eye"] = torch.eye(3)

    results["x.dtype == float32"] = x.dtype == torch.float32
    results["x.dtype == torch.float"] = x.dtype == torch.float
    results["arange is long"] = torch.arange(3).dtype == torch.long
    results["int list is int64"] = torch.tensor([1, 2]).dtype == torch.int64
    results["double()"] = x.double().dtype == torch.float64
    results["dtype=torch.long"] = torch.zeros(2, dtype=torch.long)
    results["dtype=torch.double"] = torch.ones(2, dtype=torch.double)
    results["long()"] = (x * 1.5).long()
    results["comparison is bool"] = (x > 2).dtype == torch.bool
    results["bool to float()"] = (x > 2).float()

    results["shape"] = tuple(x.shape)
    results["size()"] = tuple(x.size())
    results["size(1)"] = x.size(1)
    results["size(-1)"] = x.size(-1)
    results["numel()"] = x.numel()
    results["dim()"] = x.dim()
    results["len"] = len(x)

    results["x[0]"] = x[0]
    results["x[:, 1]"] = x[:, 1]
    results["x[1, 2].item()"] = x[1, 2].item()
    results["x[-1]"] = x[-1]
    results["x[:, ::2]"] = x[:, ::2]
    results["x[..., 0]"] = x[..., 0]
    results["x[None] shape"] = tuple(x[None].shape)
    results["x[x > 2]"] = x[x > 2]
    results["x[[1, 0]]"] = x[[1, 0]]

    results["view(3, 2)"] = x.view(3, 2)
    results["view(-1)"] = x.view(-1)
    results["reshape(3, -1)"] = x.reshape(3, -1)
    results["flatten()"] = x.flatten()
    results["unsqueeze(0) shape"] = tuple(x.unsqueeze(0).shape)
    results["squeeze() shape"] = tuple(torch.zeros(1, 3, 1).squeeze().shape)
    results["x.T"] = x.T
    results["x.t()"] = x.t()
    results["cat dim=0"] = torch.cat([x, x], dim=0)
    results["cat dim 1"] = torch.cat((x, x), 1)
    results["stack"] = torch.stack([x, 2 * x])
    results["stack dim=1 shape"] = tuple(torch.stack([x, x], dim=1).shape)

    results["x.mm(x.T)"] = x.mm(x.T)
    results["x @ x.T"] = x @ x.T
    results["matmul with a vector"] = torch.matmul(x, torch.ones(3))

    results["sum()"] = x.sum()
    results["sum(dim=0)"] = x.sum(dim=0)
    results["sum(1, keepdim=True)"] = x.sum(1, keepdim=True)
    results["mean()"] = x.mean()
    results["mean(dim=1)"] = x.mean(dim=1)
    scores = torch.tensor([[1.0, 9.0, 3.0], [8.0, 5.0, 6.0]])
    results["argmax(dim=1)"] = scores.argmax(dim=1)
    results["argmax(1)"] = scores.argmax(1)
    results["argmax()"] = scores.argmax()
    results["max()"] = scores.max()

    results["item()"] = x.sum().item()
    results["item() type"] = type(x.sum().item()).__name__
    results["int item() type"] = type(torch.arange(3).sum().item()).__name__
    results["tolist()"] = x.tolist()
    results["numpy()"] = x.numpy()
    results["numpy() type"] = type(x.numpy()).__name__

    results["str(device)"] = str(x.device)
    results["device == torch.device('cpu')"] = x.device == torch.device("cpu")
    results["device.type"] = x.device.type
    results["to('cpu')"] = x.to("cpu")
    results["cpu() device"] = str(x.cpu().device)
    results["device='cpu'"] = str(torch.zeros(2, 3, device="cpu").device)
    results["device=torch.device"] = str(torch.ones(2, device=torch.device("cpu")).device)

    results["torch.sin"] = torch.sin(x)
    results["exp()"] = x.exp()
    results["clamp(min=)"] = x.clamp(min=2.5)

    y = x.clone()
    y[0, 0] = 10.0
    y += 1.0
    y.mul_(2)
    y[:, 2] = torch.tensor([0.5, 0.25])
    results["in place on a clone"] = y
    results["x after changing the clone"] = x
    return results


# What the tour must give, whether or not PyTorch is installed to compare with.
TOUR_EXPECTED = {
    "tensor": np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32),
    "rand shape": (2, 3),
    "rand in [0, 1)": True,
    "arange": np.arange(5),
    "arange float": np.array([0.0, 0.25, 0.5, 0.75], dtype=np.float32),
    "linspace": np.array([0.0, 0.25, 0.5, 0.75, 1.0], dtype=np.float32),
    "empty then fill_": np.full((2, 3), 7.0, dtype=np.float32),
    "eye": np.eye(3, dtype=np.float32),
    "x.dtype == float32": True,
    "x.dtype == torch.float": True,
    "arange is long": True,
    "int list is int64": True,
    "comparison is bool": True,
    "size()": (2, 3),
    "size(1)": 3,
    "numel()": 6,
    "dim()": 2,
    "x[1, 2].item()": 6.0,
    "x[x > 2]": np.array([3, 4, 5, 6], dtype=np.float32),
    "x.T": np.array([[1, 4], [2, 5], [3, 6]], dtype=np.float32),
    "x.mm(x.T)": np.array([[14, 32], [32, 77]], dtype=np.float32),
    "sum(1, keepdim=True)": np.array([[6], [15]], dtype=np.float32),
    "argmax(dim=1)": np.array([1, 0]),
    "argmax()": np.array(1),
    "item()": 21.0,
    "item() type": "float",
    "int item() type": "int",
    "tolist()": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
    "numpy() type": "ndarray",
    "str(device)": "cpu",
    "device == torch.device('cpu')": True,
    "device='cpu'": "cpu",
    "in place on a clone": np.array([[22, 6, 0.5], [10, 12, 0.25]], dtype=np.float32),
    "x after changing the clone": np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32),
}


def test_tensor_tour_gives_the_expected_values() -> None:
    ours = plain(tensor_tour(tg))
    for key, expected in TOUR_EXPECTED.items():
        assert_same(ours[key], expected, rtol=0, atol=0, where=key)


def test_tensor_tour_matches_torch() -> None:
    ours = tensor_tour(tg)
    torch = real_torch()
    assert_same(ours, tensor_tour(torch), where="tour")


# -- PyTorch spellings that beginner programs use (first found missing, then added) ---------
def missing_spellings(torch: Any, name: str) -> Any:
    """Each a line from a beginner's PyTorch program that tinygrad_edu once could not run."""
    if name == "from_numpy":
        array = np.array([1.0, 2.0, 3.0], dtype=np.float32)
        x = torch.from_numpy(array)
        array[0] = 10.0  # PyTorch's from_numpy shares the array's memory
        return {"x": x, "float64 stays": torch.from_numpy(np.zeros(2)).dtype == torch.float64,
                "int64": torch.from_numpy(np.arange(3)).dtype == torch.long}
    if name == "Tensor.type":
        pred, y = torch.tensor([[0.1, 0.9], [0.8, 0.2]]), torch.tensor([1, 1])
        return (pred.argmax(1) == y).type(torch.float).sum().item()
    if name == "torch.utils.data":
        data = torch.utils.data.TensorDataset(torch.arange(6.0).reshape(3, 2), torch.arange(3))
        return [y.tolist() for _, y in torch.utils.data.DataLoader(data, batch_size=2)]
    if name == "torch.autograd.gradcheck":
        x = torch.tensor([0.5, -1.5], dtype=torch.double, requires_grad=True)
        return torch.autograd.gradcheck(lambda t: (t * t).sin(), (x,))
    raise ValueError(name)


MISSING_EXPECTED = {
    "from_numpy": {"x": np.array([10.0, 2.0, 3.0], dtype=np.float32), "float64 stays": True,
                   "int64": True},
    "Tensor.type": 1.0,
    "torch.utils.data": [[0, 1], [2]],
    "torch.autograd.gradcheck": True,
}


@pytest.mark.parametrize("name", list(MISSING_EXPECTED))
def test_missing_pytorch_spelling(name: str) -> None:
    assert_same(missing_spellings(tg, name), MISSING_EXPECTED[name], rtol=0, atol=0)


@pytest.mark.parametrize("name", list(MISSING_EXPECTED))
def test_missing_pytorch_spelling_expectations_are_pytorch_s(name: str) -> None:
    """The expectations above are what PyTorch itself gives."""
    torch = real_torch()
    assert_same(missing_spellings(torch, name), MISSING_EXPECTED[name], rtol=0, atol=0)


# -- 2. The first autograd example: fitting sin(x) with a cubic, by hand ----------------------
def fit_sin_by_hand(torch: Any, steps: int = 2000,
                    init: list[float] | None = None) -> dict[str, Any]:
    """y = a + b x + c x^2 + d x^3 fitted to sin(x) on [-pi, pi] by gradient descent, with the
    update written out under no_grad. ``init`` overrides the random starting coefficients."""
    dtype = torch.float
    device = torch.device("cpu")
    x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
    y = torch.sin(x)

    a = torch.randn((), device=device, dtype=dtype, requires_grad=True)
    b = torch.randn((), device=device, dtype=dtype, requires_grad=True)
    c = torch.randn((), device=device, dtype=dtype, requires_grad=True)
    d = torch.randn((), device=device, dtype=dtype, requires_grad=True)
    if init is not None:
        with torch.no_grad():
            for coefficient, value in zip((a, b, c, d), init, strict=True):
                coefficient.fill_(value)
    start = [a.item(), b.item(), c.item(), d.item()]

    learning_rate = 1e-6
    losses = []
    for t in range(steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99 or t == 0:
            losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None
    return {"start": start, "coefficients": [a.item(), b.item(), c.item(), d.item()],
            "losses": losses, "leaves": all(t.is_leaf for t in (a, b, c, d))}


def check_cubic_fit(result: dict[str, Any], final_loss: float, steady: bool = True) -> None:
    """The loss fell (at every report, for plain gradient descent with a small step) and b, d
    approach the least-squares cubic (b ≈ 0.857, d ≈ -0.093)."""
    losses = result["losses"]
    assert losses[-1] < losses[0]
    assert losses[-1] < final_loss
    if steady:
        pairs = zip(losses, losses[1:], strict=False)
        assert all(later <= earlier * (1 + 1e-6) for earlier, later in pairs)
    _, b, _, d = result["coefficients"]
    assert 0.75 < b < 0.95 and -0.11 < d < -0.07


def test_fit_by_hand_loss_falls() -> None:
    tg.manual_seed(0)
    result = fit_sin_by_hand(tg)
    assert result["leaves"]
    check_cubic_fit(result, final_loss=50.0)


def test_fit_by_hand_matches_torch() -> None:
    tg.manual_seed(1)
    ours = fit_sin_by_hand(tg)
    torch = real_torch()
    theirs = fit_sin_by_hand(torch, init=ours["start"])
    assert theirs["start"] == ours["start"]
    assert_same(ours["coefficients"], theirs["coefficients"], rtol=1e-4, atol=1e-5)
    assert_same(ours["losses"], theirs["losses"], rtol=1e-4, atol=1e-4)


# -- 3. A custom autograd Function ----------------------------------------------------------
def legendre_function(torch: Any) -> Any:
    """P3(x) = (5 x^3 - 3 x) / 2 as an autograd Function, its derivative written by hand.

    In PyTorch ``forward`` receives tensors; in tinygrad_edu it receives the raw arrays. The
    same arithmetic works on both, so the class is written once."""

    class LegendrePolynomial3(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):  # noqa: A002 - the name PyTorch code uses
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors  # noqa: A001
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    return LegendrePolynomial3


def fit_sin_with_function(torch: Any, steps: int = 2000) -> dict[str, Any]:
    """y = a + b P3(c + d x), fitted by hand as in program 2, from fixed starting values."""
    P3 = legendre_function(torch).apply
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    a = torch.full((), 0.0, requires_grad=True)
    b = torch.full((), -1.0, requires_grad=True)
    c = torch.full((), 0.0, requires_grad=True)
    d = torch.full((), 0.3, requires_grad=True)
    learning_rate = 5e-6
    losses = []
    for t in range(steps):
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99 or t == 0:
            losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for coefficient in (a, b, c, d):
                coefficient -= learning_rate * coefficient.grad
                coefficient.grad = None
    return {"coefficients": [a.item(), b.item(), c.item(), d.item()], "losses": losses}


def legendre_gradcheck(torch: Any, gradcheck: Callable[..., Any],
                       values: np.ndarray) -> dict[str, Any]:
    """The Function's backward against finite differences, in float64; and a wrong backward
    (the factor 1.5 left out) caught by the same check."""
    P3 = legendre_function(torch)
    x = torch.tensor(values, dtype=torch.double, requires_grad=True)
    right = gradcheck(P3.apply, (x,), eps=1e-6, atol=1e-5)

    class Wrong(P3):  # type: ignore[misc, valid-type]
        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors  # noqa: A001
            return grad_output * (5 * input ** 2 - 1)

    try:
        gradcheck(Wrong.apply, (x,), eps=1e-6, atol=1e-5)
        wrong = "passed"
    except Exception as error:  # tinygrad_edu's GradcheckError, or PyTorch's
        wrong = type(error).__name__
    out = P3.apply(x)
    return {"right": right, "wrong": wrong, "forward": out, "dtype": str(out.dtype)[-7:]}


def test_custom_function_fit() -> None:
    result = fit_sin_with_function(tg)
    losses = result["losses"]
    assert losses[-1] < 0.2 * losses[0]
    assert losses[-1] < 20.0


def test_custom_function_fit_matches_torch() -> None:
    ours = fit_sin_with_function(tg)
    torch = real_torch()
    theirs = fit_sin_with_function(torch)
    assert_same(ours, theirs, rtol=1e-4, atol=1e-5)


GRADCHECK_POINTS = np.array([-1.3, -0.4, 0.0, 0.25, 0.9, 1.7])


def test_custom_function_gradcheck() -> None:
    result = legendre_gradcheck(tg, tg.gradcheck, GRADCHECK_POINTS)
    assert result["right"] is True
    assert result["wrong"] == "GradcheckError"
    assert result["dtype"] == "float64"
    x = GRADCHECK_POINTS
    np.testing.assert_allclose(plain(result["forward"]), 0.5 * (5 * x**3 - 3 * x), rtol=1e-15)


def test_custom_function_gradcheck_matches_torch() -> None:
    ours = legendre_gradcheck(tg, tg.gradcheck, GRADCHECK_POINTS)
    torch = real_torch()
    theirs = legendre_gradcheck(torch, torch.autograd.gradcheck, GRADCHECK_POINTS)
    assert_same(ours, theirs, rtol=1e-15, atol=0)


# -- 4. nn: the same fit with a Linear layer ------------------------------------------------
def export_state(model: Any) -> dict[str, np.ndarray]:
    return {name: np.array(value.detach().numpy(), copy=True)
            for name, value in model.state_dict().items()}


def import_state(torch: Any, model: Any, state: dict[str, np.ndarray] | None) -> None:
    if state is not None:
        model.load_state_dict({name: torch.tensor(value) for name, value in state.items()})


def cubic_features(torch: Any) -> tuple[Any, Any]:
    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    p = torch.tensor([1, 2, 3])
    xx = x.unsqueeze(-1).pow(p)  # (2000, 3): x, x^2, x^3
    return xx, y


def read_cubic(linear_layer: Any) -> list[float]:
    return [linear_layer.bias.item(), linear_layer.weight[:, 0].item(),
            linear_layer.weight[:, 1].item(), linear_layer.weight[:, 2].item()]


def fit_sin_with_nn(torch: Any, steps: int = 2000,
                    init: dict[str, np.ndarray] | None = None) -> dict[str, Any]:
    """The cubic as nn.Linear(3, 1) on the features (x, x^2, x^3), updated by hand."""
    xx, y = cubic_features(torch)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    import_state(torch, model, init)
    start = export_state(model)
    loss_fn = torch.nn.MSELoss(reduction="sum")
    learning_rate = 1e-6
    losses = []
    for t in range(steps):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        if t % 100 == 99 or t == 0:
            losses.append(loss.item())
        model.zero_grad()
        loss.backward()
        with torch.no_grad():
            for param in model.parameters():
                param -= learning_rate * param.grad
    return {"start": start, "shapes": [tuple(p.shape) for p in model.parameters()],
            "output shape": tuple(model(xx).shape), "coefficients": read_cubic(model[0]),
            "losses": losses}


def test_nn_fit() -> None:
    tg.manual_seed(2)
    result = fit_sin_with_nn(tg)
    assert result["shapes"] == [(1, 3), (1,)]
    assert result["output shape"] == (2000,)
    bound = 1 / math.sqrt(3)  # PyTorch's default initialisation of Linear(3, 1)
    for value in result["start"].values():
        assert np.all(np.abs(value) <= bound)
    check_cubic_fit(result, final_loss=50.0)


def test_nn_fit_matches_torch() -> None:
    tg.manual_seed(3)
    ours = fit_sin_with_nn(tg)
    torch = real_torch()
    theirs = fit_sin_with_nn(torch, init=ours["start"])
    assert_same(ours, theirs, rtol=1e-4, atol=1e-5)


# -- 5. optim: the same fit with an optimizer ----------------------------------------------
OPTIMIZERS: dict[str, tuple[Callable[[Any, Any], Any], int]] = {
    "RMSprop": (lambda torch, params: torch.optim.RMSprop(params, lr=1e-3), 2000),
    "SGD momentum": (lambda torch, params: torch.optim.SGD(params, lr=1e-6, momentum=0.9), 300),
    "Adam": (lambda torch, params: torch.optim.Adam(params, lr=1e-2), 300),
}


def fit_sin_with_optim(torch: Any, make_optimizer: Callable[[Any, Any], Any], steps: int,
                       init: dict[str, np.ndarray] | None = None) -> dict[str, Any]:
    """The nn fit, with ``optimizer.zero_grad(); loss.backward(); optimizer.step()``."""
    xx, y = cubic_features(torch)
    model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
    import_state(torch, model, init)
    start = export_state(model)
    loss_fn = torch.nn.MSELoss(reduction="sum")
    optimizer = make_optimizer(torch, model.parameters())
    losses = []
    for t in range(steps):
        y_pred = model(xx)
        loss = loss_fn(y_pred, y)
        if t % 50 == 49 or t == 0:
            losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    grads_cleared = all(p.grad is None for p in model.parameters())
    optimizer.zero_grad()
    return {"start": start, "coefficients": read_cubic(model[0]), "losses": losses,
            "grads kept after step": not grads_cleared,
            "grads after zero_grad": [p.grad for p in model.parameters()]}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_optim_fit(name: str) -> None:
    tg.manual_seed(4)
    make_optimizer, steps = OPTIMIZERS[name]
    result = fit_sin_with_optim(tg, make_optimizer, steps)
    losses = result["losses"]
    assert losses[-1] < 0.5 * losses[0]
    assert result["grads kept after step"]
    assert result["grads after zero_grad"] == [None, None]
    if name == "RMSprop":
        check_cubic_fit(result, final_loss=20.0, steady=False)


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_optim_fit_matches_torch(name: str) -> None:
    tg.manual_seed(5)
    make_optimizer, steps = OPTIMIZERS[name]
    ours = fit_sin_with_optim(tg, make_optimizer, steps)
    torch = real_torch()
    theirs = fit_sin_with_optim(torch, make_optimizer, steps, init=ours["start"])
    if name == "RMSprop":
        # Near the minimum, RMSprop's steps (about lr each, whatever the gradient's size)
        # circle around it, and which way a step goes comes down to float32 rounding: the two
        # libraries agree closely for the first 1000 steps, and to about lr at the end.
        ours_coefficients, theirs_coefficients = ours.pop("coefficients"), theirs.pop(
            "coefficients")
        assert_same(ours_coefficients, theirs_coefficients, rtol=0, atol=1e-3)
        ours["losses"], theirs["losses"] = ours["losses"][:21], theirs["losses"][:21]
    assert_same(ours, theirs, rtol=1e-4, atol=1e-5)


# -- 6. A Module subclass --------------------------------------------------------------------
def fit_sin_with_module(torch: Any, steps: int = 2000,
                        init: dict[str, np.ndarray] | None = None) -> dict[str, Any]:
    """The four coefficients as Parameters of a Module subclass, trained with SGD."""

    class Polynomial3(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.randn(()))
            self.b = torch.nn.Parameter(torch.randn(()))
            self.c = torch.nn.Parameter(torch.randn(()))
            self.d = torch.nn.Parameter(torch.randn(()))

        def forward(self, x):
            return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

        def string(self):
            return (f"y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + "
                    f"{self.d.item()} x^3")

    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    model = Polynomial3()
    import_state(torch, model, init)
    start = export_state(model)
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
    losses = []
    for t in range(steps):
        y_pred = model(x)
        loss = criterion(y_pred, y)
        if t % 100 == 99 or t == 0:
            losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return {"start": start, "losses": losses, "string": model.string(),
            "coefficients": [model.a.item(), model.b.item(), model.c.item(), model.d.item()],
            "parameter count": len(list(model.parameters())),
            "names": [name for name, _ in model.named_parameters()],
            "all require grad": all(p.requires_grad for p in model.parameters())}


def numbers_in(text: str) -> list[float]:
    """The four coefficients printed by ``Polynomial3.string()``."""
    assert text.startswith("y = ") and text.endswith(" x^3")
    parts = text[len("y = "):].split(" + ")
    return [float(part.split(" ")[0]) for part in parts]


def test_module_subclass_fit() -> None:
    tg.manual_seed(6)
    result = fit_sin_with_module(tg)
    assert result["parameter count"] == 4
    assert result["names"] == ["a", "b", "c", "d"]
    assert result["all require grad"]
    assert numbers_in(result["string"]) == result["coefficients"]
    check_cubic_fit(result, final_loss=50.0)


def test_module_subclass_fit_matches_torch() -> None:
    tg.manual_seed(7)
    ours = fit_sin_with_module(tg)
    torch = real_torch()
    theirs = fit_sin_with_module(torch, init=ours["start"])
    assert_same(numbers_in(ours.pop("string")), numbers_in(theirs.pop("string")), rtol=1e-4,
                atol=1e-5)
    assert_same(ours, theirs, rtol=1e-4, atol=1e-5)


# -- 7. A dynamic network ----------------------------------------------------------------------
def fit_sin_with_dynamic_net(torch: Any, rng: random.Random, steps: int = 300,
                             init: dict[str, np.ndarray] | None = None) -> dict[str, Any]:
    """A forward with control flow: each call adds the terms e x^4 (and e x^5) a random number
    of times, reusing the one parameter e. Trained with SGD and momentum."""

    class DynamicNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = torch.nn.Parameter(torch.randn(()))
            self.b = torch.nn.Parameter(torch.randn(()))
            self.c = torch.nn.Parameter(torch.randn(()))
            self.d = torch.nn.Parameter(torch.randn(()))
            self.e = torch.nn.Parameter(torch.randn(()))

        def forward(self, x):
            y = self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3
            for exp in range(4, rng.randint(4, 6)):
                y = y + self.e * x ** exp
            return y

    x = torch.linspace(-math.pi, math.pi, 2000)
    y = torch.sin(x)
    model = DynamicNet()
    import_state(torch, model, init)
    start = export_state(model)
    criterion = torch.nn.MSELoss(reduction="sum")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-8, momentum=0.9)
    losses = []
    for _ in range(steps):
        y_pred = model(x)
        loss = criterion(y_pred, y)
        losses.append(loss.item())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return {"start": start, "losses": losses,
            "coefficients": [p.item() for p in model.parameters()]}


DYNAMIC_START = {"a": np.float32(0.1), "b": np.float32(0.5), "c": np.float32(-0.1),
                 "d": np.float32(-0.05), "e": np.float32(0.02)}


def test_dynamic_net_loss_falls() -> None:
    start = {name: np.array(value) for name, value in DYNAMIC_START.items()}
    result = fit_sin_with_dynamic_net(tg, random.Random(8), init=start)
    losses = result["losses"]
    assert np.mean(losses[-20:]) < 0.2 * np.mean(losses[:20])


def test_dynamic_net_matches_torch() -> None:
    tg.manual_seed(9)
    ours = fit_sin_with_dynamic_net(tg, random.Random(10))
    torch = real_torch()
    theirs = fit_sin_with_dynamic_net(torch, random.Random(10), init=ours["start"])
    assert_same(ours, theirs, rtol=1e-4, atol=1e-5)


# -- 8. A classifier loop --------------------------------------------------------------------
def make_digits(seed: int = 0) -> tuple[np.ndarray, ...]:
    """Fake 28x28 digits, no download: noise, with a brighter band of rows whose position is
    the label. Learnable in a few epochs, and not at once."""
    rng = np.random.default_rng(seed)

    def part(count: int) -> tuple[np.ndarray, np.ndarray]:
        labels = rng.integers(0, 10, size=count)
        images = rng.normal(size=(count, 1, 28, 28)).astype(np.float32)
        for image, label in zip(images, labels, strict=True):
            image[0, 2 * label + 3 : 2 * label + 6] += 1.0
        return images, labels.astype(np.int64)

    return (*part(512), *part(256))


def train_classifier(torch: Any, DataLoader: Any, TensorDataset: Any,  # noqa: N803
                     save: Callable[[Any, str], Any], load: Callable[[str], Any],
                     path: str, init: dict[str, np.ndarray] | None = None,
                     epochs: int = 3) -> dict[str, Any]:
    """Flatten, Linear, ReLU, Linear; cross-entropy; a DataLoader; train and test loops;
    a checkpoint saved and loaded into a fresh model."""
    train_x, train_y, test_x, test_y = (torch.tensor(array) for array in make_digits())
    train_loader = DataLoader(TensorDataset(train_x, train_y), batch_size=64)
    test_loader = DataLoader(TensorDataset(test_x, test_y), batch_size=100)

    def build():
        return torch.nn.Sequential(
            torch.nn.Flatten(),
            torch.nn.Linear(784, 32),
            torch.nn.ReLU(),
            torch.nn.Linear(32, 10),
        )

    model = build()
    import_state(torch, model, init)
    start = export_state(model)
    loss_fn = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)

    def train_loop(dataloader):
        model.train()
        losses = []
        for X, y in dataloader:  # noqa: N806 - PyTorch's tutorials name the batch X
            pred = model(X)
            loss = loss_fn(pred, y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            losses.append(loss.item())
        return losses

    def test_loop(dataloader):
        model.eval()
        size = len(dataloader.dataset)
        num_batches = len(dataloader)
        test_loss, correct = 0.0, 0.0
        with torch.no_grad():
            for X, y in dataloader:  # noqa: N806
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).float().sum().item()
        return test_loss / num_batches, correct / size

    history = []
    for _ in range(epochs):
        train_losses = train_loop(train_loader)
        history.append((train_losses, *test_loop(test_loader)))

    save(model.state_dict(), path)
    fresh = build()
    fresh.load_state_dict(load(path))
    fresh.eval()
    with torch.no_grad():
        outputs, fresh_outputs = model(test_x), fresh(test_x)
    return {"start": start, "history": history, "batches": len(train_loader),
            "training": [model.training, fresh.training],
            "keys": list(model.state_dict()), "outputs": outputs,
            "fresh model gives the same outputs": bool((outputs == fresh_outputs).all()),
            "outputs require grad": outputs.requires_grad}


def tinygrad_classifier(path: Path, init: dict[str, np.ndarray] | None = None) -> dict[str, Any]:
    return train_classifier(tg, tg.data.DataLoader, tg.data.TensorDataset, tg.save, tg.load,
                            str(path), init=init)


def test_classifier_learns_and_checkpoints(tmp_path: Path) -> None:
    tg.manual_seed(11)
    result = tinygrad_classifier(tmp_path / "model.safetensors")
    assert result["batches"] == 8
    assert result["keys"] == ["1.weight", "1.bias", "3.weight", "3.bias"]
    assert result["training"] == [False, False]
    accuracies = [accuracy for _, _, accuracy in result["history"]]
    test_losses = [test_loss for _, test_loss, _ in result["history"]]
    assert accuracies[-1] > accuracies[0] and accuracies[-1] > 0.6  # chance: 0.1
    assert test_losses[-1] < test_losses[0]
    assert result["fresh model gives the same outputs"]
    assert not result["outputs require grad"]


def test_classifier_matches_torch(tmp_path: Path) -> None:
    tg.manual_seed(12)
    ours = tinygrad_classifier(tmp_path / "ours.safetensors")
    torch = real_torch()
    safetensors_torch = pytest.importorskip("safetensors.torch")
    theirs = train_classifier(
        torch, torch.utils.data.DataLoader, torch.utils.data.TensorDataset,
        safetensors_torch.save_file, safetensors_torch.load_file,
        str(tmp_path / "theirs.safetensors"), init=ours["start"],
    )
    assert_same(ours, theirs, rtol=1e-4, atol=1e-5)

    # tinygrad_edu's checkpoint loads into the PyTorch model unchanged, and back.
    torch_model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 32),
                                      torch.nn.ReLU(), torch.nn.Linear(32, 10))
    torch_model.load_state_dict(safetensors_torch.load_file(str(tmp_path / "ours.safetensors")))
    with torch.no_grad():
        outputs = torch_model(torch.tensor(make_digits()[2]))
    np.testing.assert_allclose(outputs.numpy(), plain(ours["outputs"]), rtol=1e-5, atol=1e-5)
    loaded = tg.load(tmp_path / "theirs.safetensors")
    for name, value in theirs["start"].items():
        assert loaded[name].shape == value.shape


# -- 9. The errors such programs run into --------------------------------------------------
def error_of(action: Callable[[], Any]) -> str | None:
    try:
        action()
    except RuntimeError as error:
        return str(error)
    return None


def error_idioms(torch: Any) -> dict[str, Any]:
    """Each mistake, and what the library says."""
    results: dict[str, Any] = {}

    # Updating a weight in place outside no_grad.
    a = torch.tensor(2.0, requires_grad=True)

    def update_outside_no_grad():
        nonlocal a
        a -= 1

    results["leaf in place"] = error_of(update_outside_no_grad)
    results["leaf unchanged"] = a.item()
    with torch.no_grad():
        a -= 1
    results["leaf in no_grad"] = a.item()

    # A tensor saved for backward, changed in place afterwards: the version counter notices.
    w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = torch.tensor([4.0, 5.0, 6.0])
    y = x * w  # saves x for w's gradient
    x.add_(1)  # allowed: x does not require grad
    results["x version"] = x._version
    results["saved then changed"] = error_of(lambda: y.sum().backward())

    # The same change before the multiplication is fine.
    x = torch.tensor([4.0, 5.0, 6.0])
    x.add_(1)
    (x * w).sum().backward()
    results["changed then used"] = w.grad

    # backward() twice: a graph whose ops saved values cannot be walked twice...
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    results["backward twice"] = error_of(loss.backward)
    # ...unless the first call keeps them; then the gradients add up.
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    results["retain_graph grads"] = w.grad
    # A graph whose ops saved nothing can be walked twice in both.
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = (w + 1).sum()
    loss.backward()
    results["twice without saved values"] = error_of(loss.backward)
    results["twice without saved values grads"] = w.grad

    # backward() of a tensor with more than one element needs a gradient.
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    results["non-scalar backward"] = error_of(lambda: (w * 2).backward()) is not None
    return results


LEAF_PHRASE = "a leaf Variable that requires grad is being used in an in-place operation"
VERSION_PHRASE = (
    "one of the variables needed for gradient computation has been modified by an inplace "
    "operation"
)
TWICE_PHRASE = "Trying to backward through the graph a second time"


def check_error_idioms(results: dict[str, Any]) -> None:
    assert LEAF_PHRASE in results["leaf in place"]
    assert results["leaf unchanged"] == 2.0
    assert results["leaf in no_grad"] == 1.0
    assert results["x version"] == 1
    assert VERSION_PHRASE in results["saved then changed"]
    np.testing.assert_array_equal(plain(results["changed then used"]), [5.0, 6.0, 7.0])
    assert TWICE_PHRASE in results["backward twice"]
    assert "retain_graph=True" in results["backward twice"]
    np.testing.assert_array_equal(plain(results["retain_graph grads"]), [4.0, 8.0])
    assert results["twice without saved values"] is None
    np.testing.assert_array_equal(plain(results["twice without saved values grads"]), [2.0, 2.0])
    assert results["non-scalar backward"]


def test_error_idioms() -> None:
    check_error_idioms(error_idioms(tg))


def test_error_idioms_match_torch() -> None:
    ours = error_idioms(tg)
    torch = real_torch()
    theirs = error_idioms(torch)
    check_error_idioms(theirs)  # the same phrases, from PyTorch itself
    check_error_idioms(ours)
    for key in ("leaf in place", "saved then changed", "backward twice",
                "twice without saved values"):
        ours[key] = theirs[key] = (ours[key] is None)  # the wording after the phrase differs
    assert_same(ours, theirs, rtol=0, atol=0)


def in_place_on_recorded_result(torch: Any) -> dict[str, Any]:
    """Changing a computed (non-leaf) tensor in place while recording."""
    results: dict[str, Any] = {}
    x = torch.tensor([0.0, 1.0], requires_grad=True)
    y = x.sigmoid()  # saves its output for backward

    def double_then_backward():
        y.mul_(2)
        y.sum().backward()

    results["sigmoid then mul_"] = error_of(double_then_backward)
    x = torch.tensor([0.0, 1.0], requires_grad=True)
    z = x * 3  # saves nothing that the change would spoil

    def add_then_backward():
        z.add_(1)
        z.sum().backward()

    results["mul then add_"] = error_of(add_then_backward)
    results["x.grad"] = x.grad
    return results


def test_in_place_on_recorded_tensor_is_refused() -> None:
    """A documented difference: PyTorch records in-place changes of computed tensors (and
    complains at backward only if a saved value was spoiled); tinygrad_edu refuses them at
    once, saying how to write the change out of place."""
    ours = in_place_on_recorded_result(tg)
    for key in ("sigmoid then mul_", "mul then add_"):
        assert "does not record in-place operations" in ours[key]
        assert "out of place" in ours[key]
    assert ours["x.grad"] is None

    torch = real_torch()
    theirs = in_place_on_recorded_result(torch)
    assert VERSION_PHRASE in theirs["sigmoid then mul_"]
    assert theirs["mul then add_"] is None
    np.testing.assert_array_equal(plain(theirs["x.grad"]), [3.0, 3.0])


# -- 10. Edge cases of these idioms ----------------------------------------------------------
LINSPACES = [(-math.pi, math.pi, 2000), (0, 1, 5), (-1, 1, 7), (0, 10, 101), (1e-3, 1e3, 999),
             (2.5, -2.5, 11), (0, 1, 2), (3, 3, 4)]


def linspace_cases(torch: Any) -> list[Any]:
    cases = [torch.linspace(start, end, steps) for start, end, steps in LINSPACES]
    cases += [torch.linspace(-1.0, 1.0, 1), torch.linspace(5, 7, 1), torch.linspace(0, 1, 0)]
    return cases


def exact_linspace(start: float, end: float, steps: int) -> np.ndarray:
    """Each value computed in float64, then rounded once to float32."""
    if steps == 1:
        return np.array([start], dtype=np.float32)
    return np.array([start + i * (end - start) / (steps - 1) for i in range(steps)],
                    dtype=np.float32)


def test_linspace_is_correctly_rounded() -> None:
    ours = plain(linspace_cases(tg))
    for got, (start, end, steps) in zip(ours, LINSPACES, strict=False):
        assert got.dtype == np.float32 and got.shape == (steps,)
        np.testing.assert_array_equal(got, exact_linspace(start, end, steps))
        assert got[0] == np.float32(start) and got[-1] == np.float32(end)
    assert ours[-3].tolist() == [-1.0] and ours[-2].tolist() == [5.0]
    assert ours[-1].shape == (0,) and ours[-1].dtype == np.float32


def test_linspace_matches_torch() -> None:
    """PyTorch computes linspace in float32 (start + i * step from each end), so its inner
    values may be off from the correctly rounded ones by a rounding error of the step;
    wherever PyTorch's value is exact, ours is the same value, and the endpoints are exact in
    both."""
    ours = plain(linspace_cases(tg))
    torch = real_torch()
    theirs = plain(linspace_cases(torch))
    for got, want in zip(ours[-3:], theirs[-3:], strict=True):
        assert_same(got, want, rtol=0, atol=0)
    for got, want, (start, end, steps) in zip(ours, theirs, LINSPACES, strict=False):
        exact = exact_linspace(start, end, steps)
        torch_exact = want == exact
        np.testing.assert_array_equal(got[torch_exact], want[torch_exact])
        assert want[0] == got[0] and want[-1] == got[-1]
        scale = np.spacing(np.float32(max(abs(start), abs(end))))
        np.testing.assert_allclose(got, want, rtol=0, atol=4 * scale)


LARGE = np.array([1e6, -1e6, 1e7, 12345.678, 71476.0625, 1e20, 3e38, 100.0, -0.0],
                 dtype=np.float32)


def trigonometry_of_large_values(torch: Any) -> dict[str, Any]:
    x = torch.tensor(LARGE)
    return {"sin": torch.sin(x), "cos": torch.cos(x), "method sin": x.sin(), "method cos": x.cos()}


def test_sin_cos_of_large_values() -> None:
    ours = plain(trigonometry_of_large_values(tg))
    exact_sin = np.array([math.sin(float(v)) for v in LARGE])
    exact_cos = np.array([math.cos(float(v)) for v in LARGE])
    for key, exact in (("sin", exact_sin), ("cos", exact_cos), ("method sin", exact_sin),
                       ("method cos", exact_cos)):
        assert ours[key].dtype == np.float32
        np.testing.assert_allclose(ours[key], exact, rtol=0, atol=1e-7)
    assert math.copysign(1.0, ours["sin"][-1]) == -1.0  # sin(-0.0) is -0.0


def test_sin_cos_of_large_values_match_torch() -> None:
    ours = trigonometry_of_large_values(tg)
    torch = real_torch()
    assert_same(ours, trigonometry_of_large_values(torch), rtol=0, atol=1e-7)


SPECIAL = [float("inf"), float("-inf"), float("nan"), 0.0, -0.0, 1e30]


def trigonometry_gradients(torch: Any) -> dict[str, Any]:
    results = {}
    for name in ("sin", "cos"):
        x = torch.tensor(SPECIAL, requires_grad=True)
        out = getattr(torch, name)(x)
        out.sum().backward()
        results[name] = out
        results[f"d{name}"] = x.grad
    return results


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_sin_cos_gradients_at_inf_and_nan() -> None:
    ours = plain(trigonometry_gradients(tg))
    for key in ("sin", "dsin", "cos", "dcos"):
        assert np.isnan(ours[key][:3]).all(), key  # inf, -inf and nan have no sine
        assert np.isfinite(ours[key][3:]).all(), key
    assert ours["dsin"][3] == 1.0 and ours["dcos"][3] == 0.0


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_sin_cos_gradients_at_inf_and_nan_match_torch() -> None:
    ours = trigonometry_gradients(tg)
    torch = real_torch()
    assert_same(ours, trigonometry_gradients(torch), rtol=1e-6, atol=1e-7)


def empty_tensors(torch: Any) -> dict[str, Any]:
    """Tensors with a zero-size axis: reductions, products, gradients, in-place changes."""
    results: dict[str, Any] = {}
    nothing = torch.zeros(0, 3)
    results["sum(0)"] = nothing.sum(0)
    results["sum(1)"] = nothing.sum(1)
    results["sum()"] = nothing.sum()
    results["ones(0, 3) @ ones(3, 2)"] = torch.ones(0, 3) @ torch.ones(3, 2)
    results["ones(2, 0) @ ones(0, 3)"] = torch.ones(2, 0) @ torch.ones(0, 3)
    results["cat with empty"] = torch.cat([nothing, torch.ones(1, 3)])
    w = torch.zeros(0, 3, requires_grad=True)
    (w * 2).sum().backward()
    results["grad of empty"] = w.grad
    v = torch.zeros(0, 3)
    v.add_(1)
    v.mul_(2)
    v.fill_(3.0)
    v.zero_()
    v[...] = 5.0
    v[:, 1] = 4.0
    v.clamp_(min=0.0)
    results["after in-place"] = v
    results["version"] = v._version
    with torch.no_grad():
        w -= 1
    results["leaf updated"] = w
    results["linspace 0 steps, shape"] = tuple(torch.linspace(0, 1, 0).shape)
    return results


def check_empty_tensors(results: dict[str, Any]) -> None:
    np.testing.assert_array_equal(results["sum(0)"], np.zeros(3, dtype=np.float32))
    assert results["sum(1)"].shape == (0,)
    assert results["sum()"] == 0.0
    np.testing.assert_array_equal(results["ones(2, 0) @ ones(0, 3)"], np.zeros((2, 3)))
    assert results["ones(0, 3) @ ones(3, 2)"].shape == (0, 2)
    assert results["grad of empty"].shape == (0, 3)
    assert results["after in-place"].shape == (0, 3)
    assert results["version"] == 7


def test_empty_tensors() -> None:
    check_empty_tensors(plain(empty_tensors(tg)))


def test_empty_tensors_match_torch() -> None:
    ours = empty_tensors(tg)
    torch = real_torch()
    theirs = plain(empty_tensors(torch))
    check_empty_tensors(theirs)
    assert_same(ours, theirs, rtol=0, atol=0)


THREAD_START = [0.2, -0.3, 0.1, 0.05]


def test_grad_mode_is_per_thread() -> None:
    """``no_grad`` in one thread must not stop recording in another (PyTorch's grad mode is
    thread-local): thread A sits inside ``with no_grad()`` while the main thread computes."""
    inside, done = threading.Event(), threading.Event()
    w = tg.tensor([1.0, 2.0], requires_grad=True)

    def other_thread() -> None:
        with tg.no_grad():
            inside.set()
            done.wait(timeout=10)

    thread = threading.Thread(target=other_thread)
    before = tg.is_grad_enabled()
    thread.start()
    try:
        assert inside.wait(timeout=10)
        recorded = (w * 2).requires_grad
    finally:
        done.set()
        thread.join()
        tg.set_grad_enabled(before)  # undo what another thread's no_grad may have left
    assert recorded, "no_grad in another thread switched off recording in this one"


def test_two_threads_fit_at_once() -> None:
    """Two threads each run program 2 on their own tensors at the same time: each must get
    exactly what one thread alone gets."""
    alone = fit_sin_by_hand(tg, steps=300, init=THREAD_START)
    results: list[Any] = [None, None]

    def work(slot: int) -> None:
        try:
            results[slot] = fit_sin_by_hand(tg, steps=300, init=THREAD_START)
        except Exception as error:  # reported below, in the test's own thread
            results[slot] = error

    before, interval = tg.is_grad_enabled(), sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, so their loops interleave
    try:
        threads = [threading.Thread(target=work, args=(slot,)) for slot in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
        tg.set_grad_enabled(before)
    for result in results:
        assert not isinstance(result, Exception), f"a thread failed: {result!r}"
        assert result == alone
