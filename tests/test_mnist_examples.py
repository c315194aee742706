"""PyTorch's MNIST example (pytorch/examples, ``mnist/main.py``), in its current form and in the
older form that many courses still copy, written out with ``import ... as torch`` and run on
synthetic 28x28 digits (no torchvision, no download). The code is ours, in the example's
spelling: the lines a learner brings from it must run here and mean the same.

The current form: two 3x3 convolutions, ``Dropout``, ``torch.flatten``, ``log_softmax``,
``Adadelta`` with ``StepLR``, ``nll_loss(reduction="sum")`` in the test loop and
``output.argmax(dim=1, keepdim=True)`` / ``pred.eq(target.view_as(pred)).sum().item()``.
The older form: 5x5 convolutions, ``Dropout2d``, ``view(-1, 320)``, SGD with momentum, and the
prediction ``output.data.max(1, keepdim=True)[1]``, where ``.data`` must be a Tensor (a raw
NumPy array's ``max(1)`` would give row maxima, silently).

Each form runs with tinygrad_edu as written (dropout on). Where PyTorch is installed, both
libraries then run it from the same weights with the dropout probabilities set to 0 (the two
libraries draw different random masks), and the losses of every step, the test loss and the
number of correct predictions must agree.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import tinygrad_edu

NO_TORCH = "PyTorch is not installed; the comparison with it is skipped"


def _digits(seed: int, count: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, count)
    images = rng.normal(0.0, 0.3, (count, 1, 28, 28)).astype(np.float32)
    for i, label in enumerate(labels):  # a class-dependent bright bar, so the net can learn
        images[i, 0, 2 * label + 2 : 2 * label + 6, 4:24] += 1.5
    return images, labels.astype(np.int64)


def _loaders(torch: Any, batch_size: int) -> tuple[Any, Any]:
    from_numpy = torch.from_numpy
    train = torch.utils.data.TensorDataset(*map(from_numpy, _digits(0, 64)))
    test = torch.utils.data.TensorDataset(*map(from_numpy, _digits(1, 32)))
    return (torch.utils.data.DataLoader(train, batch_size=batch_size),
            torch.utils.data.DataLoader(test, batch_size=2 * batch_size))


def _current_net(torch: Any, p1: float, p2: float) -> Any:
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 8, 3, 1)
            self.conv2 = nn.Conv2d(8, 16, 3, 1)
            self.dropout1 = nn.Dropout(p1)
            self.dropout2 = nn.Dropout(p2)
            self.fc1 = nn.Linear(2304, 32)
            self.fc2 = nn.Linear(32, 10)

        def forward(self, x: Any) -> Any:
            x = self.conv1(x)
            x = F.relu(x)
            x = self.conv2(x)
            x = F.relu(x)
            x = F.max_pool2d(x, 2)
            x = self.dropout1(x)
            x = torch.flatten(x, 1)
            x = self.fc1(x)
            x = F.relu(x)
            x = self.dropout2(x)
            x = self.fc2(x)
            output = F.log_softmax(x, dim=1)
            return output

    return Net()


def _old_net(torch: Any, p: float) -> Any:
    nn, F = torch.nn, torch.nn.functional

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
            self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
            self.conv2_drop = nn.Dropout2d(p)
            self.fc1 = nn.Linear(320, 50)
            self.fc2 = nn.Linear(50, 10)

        def forward(self, x: Any) -> Any:
            x = F.relu(F.max_pool2d(self.conv1(x), 2))
            x = F.relu(F.max_pool2d(self.conv2_drop(self.conv2(x)), 2))
            x = x.view(-1, 320)
            x = F.relu(self.fc1(x))
            x = F.dropout(x, p=p, training=self.training)
            x = self.fc2(x)
            return F.log_softmax(x, dim=1)

    return Net()


def _same_start(torch: Any, model: Any, seed: int) -> None:
    """Every parameter set from one NumPy generator, in the order of ``state_dict``."""
    rng = np.random.default_rng(seed)
    for tensor in model.state_dict().values():
        values = rng.uniform(-0.1, 0.1, tuple(tensor.shape)).astype(np.float32)
        tensor.copy_(torch.from_numpy(values))


def run_current(torch: Any, dropout: tuple[float, float] = (0.25, 0.5)) -> dict[str, Any]:
    optim, F = torch.optim, torch.nn.functional
    StepLR = torch.optim.lr_scheduler.StepLR
    torch.manual_seed(1)
    train_loader, test_loader = _loaders(torch, 16)
    model = _current_net(torch, *dropout)
    with torch.no_grad():
        _same_start(torch, model, 7)
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
    losses, lrs = [], []
    for _epoch in range(1, 3):
        model.train()
        for _batch_idx, (data, target) in enumerate(train_loader):
            optimizer.zero_grad()
            output = model(data)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
        lrs.append(scheduler.get_last_lr()[0])
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    return {"losses": losses, "lrs": lrs, "test_loss": test_loss, "correct": correct}


def run_old(torch: Any, p: float = 0.5) -> dict[str, Any]:
    optim, F = torch.optim, torch.nn.functional
    torch.manual_seed(1)
    train_loader, test_loader = _loaders(torch, 16)
    model = _old_net(torch, p)
    with torch.no_grad():
        _same_start(torch, model, 8)
    optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
    losses = []
    for _epoch in range(1, 3):
        model.train()
        for data, target in train_loader:
            optimizer.zero_grad()
            output = model(data)
            loss = F.nll_loss(output, target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    model.eval()
    test_loss = 0.0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            pred = output.data.max(1, keepdim=True)[1]  # the index of the max log-probability
            correct += pred.eq(target.data.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    return {"losses": losses, "test_loss": test_loss, "correct": correct}


def _check_alone(result: dict[str, Any], steps: int) -> None:
    assert len(result["losses"]) == steps and all(np.isfinite(result["losses"]))
    assert isinstance(result["correct"], int) and 0 <= result["correct"] <= 32
    assert np.isfinite(result["test_loss"]) and result["test_loss"] > 0


def test_current_mnist_example_runs_as_written() -> None:
    result = run_current(tinygrad_edu)
    _check_alone(result, 8)
    assert result["lrs"] == pytest.approx([0.7, 0.49])


def test_old_mnist_example_runs_as_written() -> None:
    _check_alone(run_old(tinygrad_edu), 8)


def test_current_mnist_example_matches_torch() -> None:
    torch = pytest.importorskip("torch", reason=NO_TORCH)
    ours, theirs = run_current(tinygrad_edu, (0.0, 0.0)), run_current(torch, (0.0, 0.0))
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=2e-4, atol=2e-5)
    assert ours["lrs"] == pytest.approx(theirs["lrs"])
    assert ours["test_loss"] == pytest.approx(theirs["test_loss"], rel=2e-4)
    assert ours["correct"] == theirs["correct"]


def test_old_mnist_example_matches_torch() -> None:
    torch = pytest.importorskip("torch", reason=NO_TORCH)
    ours, theirs = run_old(tinygrad_edu, 0.0), run_old(torch, 0.0)
    np.testing.assert_allclose(ours["losses"], theirs["losses"], rtol=2e-4, atol=2e-5)
    assert ours["test_loss"] == pytest.approx(theirs["test_loss"], rel=2e-4)
    assert ours["correct"] == theirs["correct"]


@pytest.mark.parametrize("options", [{}, {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1},
                                     {"eps": 1e-3, "maximize": True}])
def test_adadelta_matches_torch(options: dict[str, Any]) -> None:
    """50 steps of Adadelta (the current example's optimizer) on a quartic, in float64, from
    the same start: every iterate agrees with PyTorch's."""
    torch = pytest.importorskip("torch", reason=NO_TORCH)
    start = np.random.default_rng(3).normal(size=(3, 4))
    paths = []
    for lib in (tinygrad_edu, torch):
        w = lib.tensor(start.copy(), dtype=lib.float64, requires_grad=True)
        optimizer = lib.optim.Adadelta([w], **options)
        path = []
        for _ in range(50):
            optimizer.zero_grad()
            ((w - 0.5) ** 4).sum().backward()
            optimizer.step()
            path.append(w.detach().numpy().copy())
        paths.append(np.array(path))
        state = optimizer.state_dict()["state"][0]
        assert int(state["step"]) == 50 and set(state) >= {"square_avg", "acc_delta"}
    np.testing.assert_allclose(paths[0], paths[1], rtol=1e-10, atol=1e-12)


def test_adadelta_refuses_bad_settings() -> None:
    w = tinygrad_edu.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match=r"rho=1\.5; use 0 <= rho <= 1"):
        tinygrad_edu.optim.Adadelta([w], rho=1.5)
    with pytest.raises(ValueError, match=r"lr=-1"):
        tinygrad_edu.optim.Adadelta([w], lr=-1)
