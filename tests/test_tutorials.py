"""PyTorch's beginner tutorials, written out stage by stage, run with ``import ... as torch``.

Each tutorial is one function that takes the library as ``torch`` and follows the tutorial's
steps in the tutorial's spelling (``torch.nn``, ``torch.nn.functional``, ``torch.optim``,
``torch.utils.data``), on tiny synthetic data instead of downloads (no torchvision), and returns
what it computed: values, gradients, the losses of every training step. The code is ours, not
copied from the tutorials.

Every test runs the tutorial with tinygrad_edu and checks what it must give on its own; then,
where PyTorch is installed, it runs the same function with ``torch`` from the same starting
weights (set through NumPy) and compares values, gradients and the training curve.

Tutorials:

* Learn the Basics: Tensors, Datasets & DataLoaders, Transforms (the target transform),
  Build the Model, Automatic Differentiation, Optimization, Save & Load, Quickstart;
* Deep Learning with PyTorch: A 60 Minute Blitz: autograd, neural networks (LeNet, the graph
  walked through ``grad_fn.next_functions``), training a classifier (CIFAR-10's network);
* What is torch.nn really? (from scratch, then nn.Module, nn.Linear, optim, Dataset,
  DataLoader, validation, fit(), a CNN, nn.Sequential with a Lambda and AdaptiveAvgPool2d);
* The Fundamentals of Autograd (the graph of ``sin``, ``2 *``, ``+ 1``, ``sum``);
* Learning PyTorch with Examples is written out in ``tests/test_pytorch_idioms.py``.

DIFFERENCES (each is taken care of where it occurs below, and said there):

* Composed functions end in the node of their last primitive (``x.mean()`` shows its
  ``DivBackward0``, a loss with ``weight=`` or ``label_smoothing`` its last step); the losses
  the tutorials print (``binary_cross_entropy``, ``binary_cross_entropy_with_logits``,
  ``mse_loss``, ``cross_entropy``) and ``linear`` are single nodes with PyTorch's names.
* ``torch.save(model, path)`` (a pickled model) is refused, naming
  ``save(model.state_dict(), path)``; ``torch.load(path, weights_only=True)`` is accepted (a
  safetensors file holds nothing but tensors): :func:`test_load_accepts_weights_only`.
* ``AccumulateGrad.name()`` is ``AccumulateGrad`` where PyTorch says
  ``torch::autograd::AccumulateGrad`` (the graph walks below compare the last part).
* dtypes print as ``tinygrad_edu.float32`` (the module's name), not ``torch.float32``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tinygrad_edu

NO_TORCH = "PyTorch is not installed; the comparison with it is skipped"


def real_torch() -> Any:
    return pytest.importorskip("torch", reason=NO_TORCH)


def plain(value: Any) -> Any:
    """A result with every tensor of either library as a NumPy array."""
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        return np.array(value.detach().numpy(), copy=True)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def assert_same(ours: Any, theirs: Any, rtol: float = 1e-5, atol: float = 1e-6,
                where: str = "result") -> None:
    """Two results agree: arrays in shape and value (to tolerance), everything else exactly."""
    ours, theirs = plain(ours), plain(theirs)
    if isinstance(theirs, dict):
        assert sorted(ours) == sorted(theirs), f"{where}: keys differ"
        for key in theirs:
            assert_same(ours[key], theirs[key], rtol, atol, where=f"{where}[{key!r}]")
    elif isinstance(theirs, list):
        assert len(ours) == len(theirs), f"{where}: lengths {len(ours)} != {len(theirs)}"
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            assert_same(a, b, rtol, atol, where=f"{where}[{i}]")
    elif isinstance(theirs, np.ndarray | float) and not isinstance(theirs, bool):
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=where)
    else:
        assert ours == theirs, f"{where}: {ours!r} != {theirs!r}"


def same_start(torch: Any, model: Any, seed: int) -> None:
    """Give every parameter of ``model`` values drawn from ``seed`` (in named order), the same
    in both libraries: uniform in +-1/sqrt(fan_in), the scale of PyTorch's default."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for _, param in model.named_parameters():
            shape = tuple(param.shape)
            fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
            bound = 1 / math.sqrt(max(fan_in, 1))
            values = rng.uniform(-bound, bound, size=shape).astype(np.float32)
            param.copy_(torch.tensor(values))


def images(seed: int, count: int, shape: tuple[int, ...], classes: int) -> tuple[Any, Any]:
    """Synthetic labelled images: the class decides a bright square's place, plus noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, size=count)
    pictures = rng.random((count, *shape)).astype(np.float32) * 0.3
    side = shape[-1] // classes or 1
    for i, label in enumerate(labels):
        pictures[i, ..., label * side:(label + 1) * side] += 0.7
    return pictures, labels.astype(np.int64)


def load_weights(torch: Any, path: Path) -> Any:
    """``torch.load(path, weights_only=True)``, as the tutorials write it."""
    return torch.load(path, weights_only=True)


def dtype_name(tensor: Any) -> str:
    """``float32`` for ``torch.float32`` and ``tinygrad_edu.float32`` alike."""
    return str(tensor.dtype).rsplit(".", 1)[-1]


def run_both(tutorial: Any, *args: Any, rtol: float = 1e-5, atol: float = 1e-6,
             **kwargs: Any) -> None:
    """Run ``tutorial`` with torch too and compare it with tinygrad_edu's run."""
    torch = real_torch()
    ours = tutorial(tinygrad_edu, *args, **kwargs)
    theirs = tutorial(torch, *args, **kwargs)
    assert_same(ours, theirs, rtol=rtol, atol=atol, where=tutorial.__name__)


# -- Learn the Basics: Tensors ----------------------------------------------------------------
def basics_tensors(torch: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    data = [[1, 2], [3, 4]]
    x_data = torch.tensor(data)
    np_array = np.array(data)
    x_np = torch.from_numpy(np_array)
    out["from_data"], out["from_numpy"] = x_data, x_np
    x_ones = torch.ones_like(x_data)
    x_rand = torch.rand_like(x_data, dtype=torch.float)
    out["ones_like"], out["rand_like"] = x_ones, (tuple(x_rand.shape), dtype_name(x_rand))
    shape = (2, 3,)
    out["rand"] = tuple(torch.rand(shape).shape)
    out["ones"], out["zeros"] = torch.ones(shape), torch.zeros(shape)
    tensor = torch.rand(3, 4)
    out["attributes"] = (tuple(tensor.shape), dtype_name(tensor), str(tensor.device))
    out["accelerator"] = torch.accelerator.is_available()  # no GPU here
    if torch.accelerator.is_available():
        tensor = tensor.to(torch.accelerator.current_accelerator())
    tensor = torch.ones(4, 4)
    out["first_row"], out["first_column"] = tensor[0], tensor[:, 0]
    out["last_column"] = tensor[..., -1]
    tensor[:, 1] = 0
    out["tensor"] = tensor.clone()
    t1 = torch.cat([tensor, tensor, tensor], dim=1)
    out["cat"] = t1.clone()
    y1 = tensor @ tensor.T
    y2 = tensor.matmul(tensor.T)
    y3 = torch.rand_like(y1)
    torch.matmul(tensor, tensor.T, out=y3)
    out["matmul"] = [y1, y2, y3]
    z1 = tensor * tensor
    z2 = tensor.mul(tensor)
    z3 = torch.rand_like(tensor)
    torch.mul(tensor, tensor, out=z3)
    out["mul"] = [z1, z2, z3]
    agg = tensor.sum()
    agg_item = agg.item()
    out["agg"] = (agg_item, type(agg_item).__name__)
    tensor.add_(5)
    out["add_"] = tensor
    # Bridge with NumPy: the tensor and the array share memory.
    t = torch.ones(5)
    n = t.numpy()
    t.add_(1)
    out["numpy_sees_add_"] = n.copy()
    n = np.ones(5)
    t = torch.from_numpy(n)
    np.add(n, 1, out=n)
    out["tensor_sees_np_add"] = t
    return out


def test_basics_tensors() -> None:
    out = basics_tensors(tinygrad_edu)
    assert out["tensor"].tolist()[0] == [1.0, 0.0, 1.0, 1.0]
    assert out["cat"].shape == (4, 12)
    assert out["agg"] == (12.0, "float")
    assert out["numpy_sees_add_"].tolist() == [2.0] * 5
    assert out["tensor_sees_np_add"].tolist() == [2.0] * 5
    assert out["attributes"] == ((3, 4), "float32", "cpu")


def test_basics_tensors_matches_torch() -> None:
    run_both(basics_tensors)


# -- Learn the Basics: Datasets & DataLoaders, Transforms -------------------------------------
def basics_datasets(torch: Any) -> dict[str, Any]:
    pictures, labels = images(1, 20, (28, 28), 10)

    class CustomImageDataset(torch.utils.data.Dataset):
        def __init__(self, transform=None, target_transform=None):
            self.img_labels = labels
            self.transform, self.target_transform = transform, target_transform

        def __len__(self):
            return len(self.img_labels)

        def __getitem__(self, idx):
            image = torch.tensor(pictures[idx]).unsqueeze(0)  # read_image gives (C, H, W)
            label = int(self.img_labels[idx])
            if self.transform:
                image = self.transform(image)
            if self.target_transform:
                label = self.target_transform(label)
            return image, label

    def one_hot(y):
        return torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1)

    training_data = CustomImageDataset(target_transform=one_hot)
    out: dict[str, Any] = {"len": len(training_data)}
    sample_idx = torch.randint(len(training_data), size=(1,)).item()
    out["sample_idx_type"] = type(sample_idx).__name__
    img, label = training_data[3]
    out["img"], out["one_hot"] = img.squeeze(), label
    train_dataloader = torch.utils.data.DataLoader(training_data, batch_size=8, shuffle=False)
    train_features, train_labels = next(iter(train_dataloader))
    out["batch_shapes"] = (tuple(train_features.size()), tuple(train_labels.size()))
    out["first"] = (train_features[0].squeeze(), train_labels[0])
    out["batches"] = [y.argmax(1) for _, y in train_dataloader]
    # the same targets with torch.nn.functional.one_hot (int64, as PyTorch's)
    out["one_hot_F"] = torch.nn.functional.one_hot(torch.tensor(labels[:5]), num_classes=10)
    return out


def test_basics_datasets() -> None:
    out = basics_datasets(tinygrad_edu)
    assert out["batch_shapes"] == ((8, 1, 28, 28), (8, 10))
    assert out["one_hot"].sum().item() == 1.0
    assert out["sample_idx_type"] == "int"


def test_basics_datasets_matches_torch() -> None:
    run_both(basics_datasets)


# -- Learn the Basics: Build the Model ----------------------------------------------------------
def basics_build_model(torch: Any) -> dict[str, Any]:
    nn = torch.nn
    device = torch.accelerator.current_accelerator().type \
        if torch.accelerator.is_available() else "cpu"

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(28 * 28, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(),
                nn.Linear(32, 10))

        def forward(self, x):
            x = self.flatten(x)
            logits = self.linear_relu_stack(x)
            return logits

    model = NeuralNetwork().to(device)
    same_start(torch, model, 0)
    out: dict[str, Any] = {"repr": repr(model), "device": device}
    X = torch.tensor(images(2, 1, (28, 28), 10)[0])  # noqa: N806 - the tutorial's name
    logits = model(X)
    pred_probab = nn.Softmax(dim=1)(logits)
    y_pred = pred_probab.argmax(1)
    out["logits"], out["probabilities"], out["y_pred"] = logits, pred_probab, y_pred
    input_image = torch.tensor(images(3, 3, (28, 28), 10)[0])
    out["input_size"] = tuple(input_image.size())
    flat_image = nn.Flatten()(input_image)
    layer1 = nn.Linear(in_features=28 * 28, out_features=20)
    same_start(torch, layer1, 1)
    hidden1 = layer1(flat_image)
    out["hidden1_size"] = tuple(hidden1.size())
    out["relu"] = nn.ReLU()(hidden1)
    seq_modules = nn.Sequential(nn.Flatten(), layer1, nn.ReLU(), nn.Linear(20, 10))
    same_start(torch, seq_modules, 2)
    out["seq_logits"] = seq_modules(input_image)
    out["parameters"] = [(name, tuple(param.size()), param[:2])
                         for name, param in model.named_parameters()]
    return out


def test_basics_build_model() -> None:
    out = basics_build_model(tinygrad_edu)
    assert out["repr"].startswith("NeuralNetwork(\n  (flatten): Flatten(start_dim=1, end_dim=-1)")
    assert out["hidden1_size"] == (3, 20)
    assert np.allclose(out["probabilities"].sum(1).numpy(), 1.0)


def test_basics_build_model_matches_torch() -> None:
    run_both(basics_build_model)


# -- Learn the Basics: Automatic Differentiation ----------------------------------------------
def basics_autograd(torch: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    x = torch.ones(5)
    y = torch.zeros(3)
    w = torch.tensor(np.random.default_rng(4).standard_normal((5, 3)).astype(np.float32),
                     requires_grad=True)
    b = torch.tensor(np.random.default_rng(5).standard_normal(3).astype(np.float32),
                     requires_grad=True)
    z = torch.matmul(x, w) + b
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
    out["grad_fn"] = (z.grad_fn.name(), str(z.grad_fn).split(" ")[0])
    out["loss_grad_fn"] = (loss.grad_fn.name(), str(loss.grad_fn).split(" ")[0])
    loss.backward()
    out["loss"], out["w.grad"], out["b.grad"] = loss, w.grad, b.grad
    z = torch.matmul(x, w) + b
    out["requires_grad"] = [z.requires_grad]
    with torch.no_grad():
        z = torch.matmul(x, w) + b
    out["requires_grad"].append(z.requires_grad)
    z_det = (torch.matmul(x, w) + b).detach()
    out["requires_grad"].append(z_det.requires_grad)
    # Tensor gradients and Jacobian products
    inp = torch.eye(4, 5, requires_grad=True)
    out_ = (inp + 1).pow(2).t()
    out_.backward(torch.ones_like(out_), retain_graph=True)
    first = inp.grad.clone()
    out_.backward(torch.ones_like(out_), retain_graph=True)
    second = inp.grad.clone()
    inp.grad.zero_()
    out_.backward(torch.ones_like(out_), retain_graph=True)
    out["jacobian_products"] = [first, second, inp.grad]
    return out


def test_basics_autograd() -> None:
    out = basics_autograd(tinygrad_edu)
    assert out["requires_grad"] == [True, False, False]
    assert out["grad_fn"] == ("AddBackward0", "<AddBackward0")
    assert out["loss_grad_fn"] == ("BinaryCrossEntropyWithLogitsBackward0",
                                   "<BinaryCrossEntropyWithLogitsBackward0")
    first, second, third = out["jacobian_products"]
    assert second.tolist() == (first * 2).tolist() and third.tolist() == first.tolist()


def test_basics_autograd_matches_torch() -> None:
    run_both(basics_autograd)


# -- Learn the Basics: Optimization, Save & Load; the Quickstart --------------------------------
def basics_quickstart(torch: Any, path: Path) -> dict[str, Any]:
    nn = torch.nn
    DataLoader = torch.utils.data.DataLoader  # noqa: N806 - PyTorch's class name
    TensorDataset = torch.utils.data.TensorDataset  # noqa: N806
    train_x, train_y = images(5, 96, (1, 28, 28), 10)
    test_x, test_y = images(6, 40, (1, 28, 28), 10)
    training_data = TensorDataset(torch.tensor(train_x), torch.tensor(train_y))
    test_data = TensorDataset(torch.tensor(test_x), torch.tensor(test_y))
    batch_size = 16
    train_dataloader = DataLoader(training_data, batch_size=batch_size)
    test_dataloader = DataLoader(test_data, batch_size=batch_size)
    device = torch.accelerator.current_accelerator().type \
        if torch.accelerator.is_available() else "cpu"

    class NeuralNetwork(nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = nn.Flatten()
            self.linear_relu_stack = nn.Sequential(
                nn.Linear(28 * 28, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(),
                nn.Linear(64, 10))

        def forward(self, x):
            x = self.flatten(x)
            return self.linear_relu_stack(x)

    model = NeuralNetwork().to(device)
    same_start(torch, model, 7)
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)
    curve, reports = [], []

    def train(dataloader, model, loss_fn, optimizer):
        size = len(dataloader.dataset)
        model.train()
        for batch, (X, y) in enumerate(dataloader):  # noqa: N806
            X, y = X.to(device), y.to(device)  # noqa: N806
            pred = model(X)
            loss = loss_fn(pred, y)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            curve.append(loss.item())
            if batch % 2 == 0:
                loss, current = loss.item(), (batch + 1) * len(X)
                reports.append(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")

    def test(dataloader, model, loss_fn):
        size = len(dataloader.dataset)
        num_batches = len(dataloader)
        model.eval()
        test_loss, correct = 0, 0
        with torch.no_grad():
            for X, y in dataloader:  # noqa: N806
                X, y = X.to(device), y.to(device)  # noqa: N806
                pred = model(X)
                test_loss += loss_fn(pred, y).item()
                correct += (pred.argmax(1) == y).type(torch.float).sum().item()
        test_loss /= num_batches
        correct /= size
        return f"Test Error: \n Accuracy: {(100 * correct):>0.1f}%, Avg loss: {test_loss:>8f} \n"

    results = []
    for _ in range(3):
        train(train_dataloader, model, loss_fn, optimizer)
        results.append(test(test_dataloader, model, loss_fn))
    torch.save(model.state_dict(), path / "model.pth")
    model = NeuralNetwork().to(device)
    model.load_state_dict(load_weights(torch, path / "model.pth"))
    classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot"]
    model.eval()
    x, y = test_data[0][0], test_data[0][1]
    with torch.no_grad():
        x = x.to(device)
        pred = model(x)
        predicted, actual = classes[pred[0].argmax(0)], classes[y]
    return {"curve": curve, "reports": reports, "results": results,
            "prediction": (predicted, actual)}


def test_basics_quickstart(tmp_path: Path) -> None:
    out = basics_quickstart(tinygrad_edu, tmp_path)
    assert out["curve"][-1] < out["curve"][0] - 0.1  # it learns
    assert out["results"][-1].startswith("Test Error: \n Accuracy: ")
    assert out["prediction"][0] in ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")



def test_basics_quickstart_matches_torch(tmp_path: Path) -> None:
    torch = real_torch()
    ours = basics_quickstart(tinygrad_edu, tmp_path)
    theirs = basics_quickstart(torch, tmp_path)
    np.testing.assert_allclose(ours["curve"], theirs["curve"], rtol=2e-5, atol=2e-6)
    assert ours["results"] == theirs["results"]
    assert ours["prediction"] == theirs["prediction"]
    assert [r.split("[")[1] for r in ours["reports"]] == [
        r.split("[")[1] for r in theirs["reports"]]


def test_saving_a_whole_model_says_what_to_save_instead(tmp_path: Path) -> None:
    """Save & Load's ``torch.save(model, path)`` pickles the model (code runs when it is
    loaded); tinygrad_edu writes tensors only, and says so."""
    with pytest.raises(TypeError, match=r"save\(model\.state_dict\(\), path\)"):
        tinygrad_edu.save(tinygrad_edu.nn.Linear(2, 2), tmp_path / "model.safetensors")


# -- A 60 Minute Blitz: autograd ------------------------------------------------------------------
def blitz_autograd(torch: Any) -> dict[str, Any]:
    nn, optim = torch.nn, torch.optim
    a = torch.tensor([2., 3.], requires_grad=True)
    b = torch.tensor([6., 4.], requires_grad=True)
    Q = 3 * a**3 - b**2  # noqa: N806
    external_grad = torch.tensor([1., 1.])
    Q.backward(gradient=external_grad)
    out: dict[str, Any] = {"a.grad": a.grad, "b.grad": b.grad,
                           "checks": [(9 * a**2 == a.grad).tolist(),
                                      (-2 * b == b.grad).tolist()]}
    x = torch.rand(5, 5)
    y = torch.rand(5, 5)
    z = torch.rand((5, 5), requires_grad=True)
    out["requires_grad"] = [(x + y).requires_grad, (x + z).requires_grad]
    # Freezing: a small model stands in for resnet18 (torchvision is not used here).
    class SmallNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(6, 8), nn.ReLU())
            self.fc = nn.Linear(8, 4)

        def forward(self, x):
            return self.fc(self.body(x))

    model = SmallNet()
    same_start(torch, model, 8)
    for param in model.parameters():
        param.requires_grad = False
    model.fc = nn.Linear(8, 10)  # the new classifier is the only unfrozen part
    same_start(torch, model.fc, 9)
    optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    data = torch.tensor(np.random.default_rng(10).random((3, 6)).astype(np.float32))
    labels = torch.tensor(np.random.default_rng(11).random((3, 10)).astype(np.float32))
    prediction = model(data)
    loss = (prediction - labels).sum()
    loss.backward()
    optimizer.step()
    out["frozen_grad"] = [p.grad is None for p in model.parameters()]
    out["fc"] = model.fc.weight
    return out


def test_blitz_autograd() -> None:
    out = blitz_autograd(tinygrad_edu)
    assert out["checks"] == [[True, True], [True, True]]
    assert out["requires_grad"] == [False, True]
    assert out["frozen_grad"] == [True, True, False, False]


def test_blitz_autograd_matches_torch() -> None:
    run_both(blitz_autograd)


# -- The Fundamentals of Autograd (Introduction to PyTorch) ---------------------------------------
def autograd_fundamentals(torch: Any) -> dict[str, Any]:
    a = torch.linspace(0., 2. * math.pi, steps=25, requires_grad=True)
    b = torch.sin(a)
    c = 2 * b
    d = c + 1
    out = d.sum()

    def walk(node: Any) -> Any:
        """The graph below ``node``: its name and its inputs' graphs (None for an input that
        needs no gradient, as PyTorch lists it, in operand order)."""
        if node is None:
            return None
        name = node.name().rsplit("::", 1)[-1]  # PyTorch: torch::autograd::AccumulateGrad
        return [name, [walk(child) for child, _ in node.next_functions]]

    graph = walk(out.grad_fn)
    out.backward()
    return {"graph": graph, "a.grad": a.grad, "d": d, "requires_grad": b.requires_grad}


def test_autograd_fundamentals() -> None:
    out = autograd_fundamentals(tinygrad_edu)
    assert out["graph"] == ["SumBackward0", [["AddBackward0", [["MulBackward0", [
        ["SinBackward0", [["AccumulateGrad", []]]], None]], None]]]]
    np.testing.assert_allclose(out["a.grad"].numpy(), 2 * np.cos(np.linspace(0, 2 * np.pi, 25)),
                               atol=1e-6)


def test_autograd_fundamentals_matches_torch() -> None:
    run_both(autograd_fundamentals)


# -- A 60 Minute Blitz: neural networks --------------------------------------------------------
def blitz_neural_networks(torch: Any) -> dict[str, Any]:
    nn, F, optim = torch.nn, torch.nn.functional, torch.optim

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 6, 5)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, input):
            c1 = F.relu(self.conv1(input))
            s2 = F.max_pool2d(c1, (2, 2))
            c3 = F.relu(self.conv2(s2))
            s4 = F.max_pool2d(c3, 2)
            s4 = torch.flatten(s4, 1)
            f5 = F.relu(self.fc1(s4))
            f6 = F.relu(self.fc2(f5))
            output = self.fc3(f6)
            return output

    net = Net()
    same_start(torch, net, 12)
    params = list(net.parameters())
    out: dict[str, Any] = {"repr": repr(net), "count": len(params),
                           "conv1_size": tuple(params[0].size())}
    rng = np.random.default_rng(13)
    input = torch.tensor(rng.standard_normal((1, 1, 32, 32)).astype(np.float32))
    output = net(input)
    out["out"] = output
    net.zero_grad()
    output.backward(torch.tensor(rng.standard_normal((1, 10)).astype(np.float32)))
    out["fc3.grad"] = net.fc3.weight.grad
    output = net(input)
    target = torch.tensor(rng.standard_normal(10).astype(np.float32))
    target = target.view(1, -1)
    criterion = nn.MSELoss()
    loss = criterion(output, target)
    out["loss"] = loss
    out["graph"] = [loss.grad_fn.name(), loss.grad_fn.next_functions[0][0].name(),
                    loss.grad_fn.next_functions[0][0].next_functions[0][0].name()]
    net.zero_grad()
    out["bias_grad_before"] = net.conv1.bias.grad
    loss.backward()
    out["bias_grad_after"] = net.conv1.bias.grad
    learning_rate = 0.01
    for f in net.parameters():
        f.data.sub_(f.grad.data * learning_rate)
    optimizer = optim.SGD(net.parameters(), lr=0.01)
    losses = []
    for _ in range(3):
        optimizer.zero_grad()
        output = net(input)
        loss = criterion(output, target)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    out["losses"] = losses
    return out


def test_blitz_neural_networks() -> None:
    out = blitz_neural_networks(tinygrad_edu)
    assert out["count"] == 10 and out["conv1_size"] == (6, 1, 5, 5)
    # PyTorch's Addmm lists the bias first (addmm(bias, x, weight.t())), and so does ours; the
    # tutorial's comment (ReLU there) is older than PyTorch's current graph.
    assert out["graph"] == ["MseLossBackward0", "AddmmBackward0", "AccumulateGrad"]
    assert out["bias_grad_before"] is None and out["bias_grad_after"].shape == (6,)
    assert out["losses"][-1] < out["losses"][0]


def test_blitz_neural_networks_matches_torch() -> None:
    torch = real_torch()
    ours, theirs = blitz_neural_networks(tinygrad_edu), blitz_neural_networks(torch)
    assert ours.pop("repr") == theirs.pop("repr")
    ours_graph, theirs_graph = ours.pop("graph"), theirs.pop("graph")
    assert ours_graph[:2] == theirs_graph[:2] == ["MseLossBackward0", "AddmmBackward0"]
    # One node further both list Addmm's bias first (AccumulateGrad; PyTorch's name() says
    # torch::autograd::AccumulateGrad).
    assert theirs_graph[2] == "torch::autograd::AccumulateGrad"
    assert ours_graph[2] == "AccumulateGrad"
    assert_same(ours, theirs, rtol=1e-4, atol=1e-6)


# -- A 60 Minute Blitz: training a classifier (CIFAR-10's network, on synthetic images) ------------
def blitz_classifier(torch: Any, path: Path) -> dict[str, Any]:
    nn, F, optim = torch.nn, torch.nn.functional, torch.optim
    classes = ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
    train_x, train_y = images(20, 48, (3, 32, 32), 10)
    test_x, test_y = images(21, 24, (3, 32, 32), 10)
    trainset = torch.utils.data.TensorDataset(torch.tensor(train_x * 2 - 1),
                                              torch.tensor(train_y))
    testset = torch.utils.data.TensorDataset(torch.tensor(test_x * 2 - 1), torch.tensor(test_y))
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=4, shuffle=False,
                                              num_workers=2)
    testloader = torch.utils.data.DataLoader(testset, batch_size=4, shuffle=False,
                                             num_workers=2)
    device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = torch.flatten(x, 1)
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

    net = Net()
    same_start(torch, net, 22)
    net.to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    curve, printed = [], []
    for epoch in range(2):
        running_loss = 0.0
        for i, data in enumerate(trainloader, 0):
            inputs, labels = data[0].to(device), data[1].to(device)
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            curve.append(loss.item())
            if i % 4 == 3:
                printed.append(f"[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 4:.3f}")
                running_loss = 0.0
    PATH = path / "cifar_net.pth"  # noqa: N806
    torch.save(net.state_dict(), PATH)
    dataiter = iter(testloader)
    images_, labels = next(dataiter)
    net = Net()
    net.load_state_dict(load_weights(torch, PATH))
    outputs = net(images_)
    _, predicted = torch.max(outputs, 1)
    shown = " ".join(f"{classes[predicted[j]]:5s}" for j in range(4))
    correct = 0
    total = 0
    correct_pred = {classname: 0 for classname in classes}
    total_pred = {classname: 0 for classname in classes}
    with torch.no_grad():
        for data in testloader:
            images_, labels = data
            outputs = net(images_)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
            _, predictions = torch.max(outputs, 1)
            for label, prediction in zip(labels, predictions, strict=True):
                if label == prediction:
                    correct_pred[classes[label]] += 1
                total_pred[classes[label]] += 1
    return {"curve": curve, "printed": printed, "shown": shown,
            "accuracy": 100 * correct // total, "per_class": correct_pred, "totals": total_pred}


def test_blitz_classifier(tmp_path: Path) -> None:
    out = blitz_classifier(tinygrad_edu, tmp_path)
    assert len(out["curve"]) == 24 and out["printed"][0].startswith("[1,     4] loss: ")
    assert sum(out["totals"].values()) == 24


def test_blitz_classifier_matches_torch(tmp_path: Path) -> None:
    torch = real_torch()
    ours, theirs = blitz_classifier(tinygrad_edu, tmp_path), blitz_classifier(torch, tmp_path)
    np.testing.assert_allclose(ours.pop("curve"), theirs.pop("curve"), rtol=1e-4, atol=1e-5)
    assert_same(ours, theirs)


# -- What is torch.nn really? -------------------------------------------------------------------
def nn_really(torch: Any) -> dict[str, Any]:
    nn, F, optim = torch.nn, torch.nn.functional, torch.optim
    TensorDataset = torch.utils.data.TensorDataset  # noqa: N806
    DataLoader = torch.utils.data.DataLoader  # noqa: N806
    train_pictures, train_labels = images(30, 64, (784,), 10)
    valid_pictures, valid_labels = images(31, 32, (784,), 10)
    x_train, y_train, x_valid, y_valid = map(
        torch.tensor, (train_pictures, train_labels, valid_pictures, valid_labels))
    n, c = x_train.shape
    out: dict[str, Any] = {"shape": (n, c), "y_range": (y_train.min(), y_train.max())}
    # Neural net from scratch
    rng = np.random.default_rng(32)
    weights = torch.tensor(rng.standard_normal((784, 10)).astype(np.float32)) / math.sqrt(784)
    weights.requires_grad_()
    bias = torch.zeros(10, requires_grad=True)

    def log_softmax(x):
        return x - x.exp().sum(-1).log().unsqueeze(-1)

    def model(xb):
        return log_softmax(xb @ weights + bias)

    bs = 16
    xb = x_train[0:bs]
    preds = model(xb)
    out["preds0"], out["preds_shape"] = preds[0], tuple(preds.shape)

    def nll(input, target):
        return -input[range(target.shape[0]), target].mean()

    loss_func = nll
    yb = y_train[0:bs]
    out["first_loss"] = loss_func(preds, yb)

    def accuracy(out, yb):
        preds = torch.argmax(out, dim=1)
        return (preds == yb).float().mean()

    out["first_accuracy"] = accuracy(preds, yb)
    lr, epochs = 0.5, 2
    for _ in range(epochs):
        for i in range((n - 1) // bs + 1):
            start_i = i * bs
            end_i = start_i + bs
            xb = x_train[start_i:end_i]
            yb = y_train[start_i:end_i]
            pred = model(xb)
            loss = loss_func(pred, yb)
            loss.backward()
            with torch.no_grad():
                weights -= weights.grad * lr
                bias -= bias.grad * lr
                weights.grad.zero_()
                bias.grad.zero_()
    out["scratch"] = (loss_func(model(xb), yb), accuracy(model(xb), yb))
    # Using torch.nn.functional
    loss_func = F.cross_entropy

    def model(xb):
        return xb @ weights + bias

    out["functional"] = loss_func(model(xb), yb)

    # Refactor using nn.Module, nn.Linear, optim, Dataset, DataLoader
    class Mnist_Logistic(nn.Module):  # noqa: N801 - the tutorial's name
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(784, 10)

        def forward(self, xb):
            return self.lin(xb)

    def get_model():
        model = Mnist_Logistic()
        same_start(torch, model, 33)
        return model, optim.SGD(model.parameters(), lr=lr)

    train_ds = TensorDataset(x_train, y_train)
    xb, yb = train_ds[0:bs]
    out["dataset_slice"] = (xb, yb)
    valid_ds = TensorDataset(x_valid, y_valid)

    def get_data(train_ds, valid_ds, bs):
        return (DataLoader(train_ds, batch_size=bs, shuffle=False),
                DataLoader(valid_ds, batch_size=bs * 2))

    def loss_batch(model, loss_func, xb, yb, opt=None):
        loss = loss_func(model(xb), yb)
        if opt is not None:
            loss.backward()
            opt.step()
            opt.zero_grad()
        return loss.item(), len(xb)

    curve = []

    def fit(epochs, model, loss_func, opt, train_dl, valid_dl):
        for _ in range(epochs):
            model.train()
            for xb, yb in train_dl:
                curve.append(loss_batch(model, loss_func, xb, yb, opt)[0])
            model.eval()
            with torch.no_grad():
                losses, nums = zip(
                    *[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl],
                    strict=True)
            val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)
            curve.append(float(val_loss))

    train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
    model, opt = get_model()
    fit(epochs, model, loss_func, opt, train_dl, valid_dl)

    # Switch to a CNN, then nn.Sequential with a Lambda layer and AdaptiveAvgPool2d
    class Lambda(nn.Module):
        def __init__(self, func):
            super().__init__()
            self.func = func

        def forward(self, x):
            return self.func(x)

    def preprocess(x):
        return x.view(-1, 1, 28, 28)

    class Mnist_CNN(nn.Module):  # noqa: N801
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)
            self.conv2 = nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)
            self.conv3 = nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)

        def forward(self, xb):
            xb = xb.view(-1, 1, 28, 28)
            xb = F.relu(self.conv1(xb))
            xb = F.relu(self.conv2(xb))
            xb = F.relu(self.conv3(xb))
            xb = F.avg_pool2d(xb, 4)
            return xb.view(-1, xb.size(1))

    model = Mnist_CNN()
    same_start(torch, model, 34)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    fit(1, model, loss_func, opt, train_dl, valid_dl)
    dev = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")

    class WrappedDataLoader:
        def __init__(self, dl, func):
            self.dl, self.func = dl, func

        def __len__(self):
            return len(self.dl)

        def __iter__(self):
            for b in self.dl:
                yield self.func(*b)

    def to_device(x, y):
        return x.view(-1, 1, 28, 28).to(dev), y.to(dev)

    train_dl = WrappedDataLoader(train_dl, to_device)
    valid_dl = WrappedDataLoader(valid_dl, to_device)
    model = nn.Sequential(
        Lambda(preprocess),
        nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1), nn.ReLU(),
        nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        Lambda(lambda x: x.view(x.size(0), -1)),
    )
    same_start(torch, model, 35)
    model.to(dev)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    fit(1, model, loss_func, opt, train_dl, valid_dl)
    out["curve"] = curve
    return out


def test_nn_really() -> None:
    out = nn_really(tinygrad_edu)
    assert out["shape"] == (64, 784) and out["preds_shape"] == (16, 10)
    assert out["curve"][1] < out["curve"][0] * 2
    assert len(out["curve"]) == 4 * 2 + 2 + 4 + 1 + 4 + 1


def test_nn_really_matches_torch() -> None:
    run_both(nn_really, rtol=1e-4, atol=1e-5)


# -- what the tutorials needed and did not find --------------------------------------------------
def test_load_accepts_weights_only(tmp_path: Path) -> None:
    tinygrad_edu.save({"w": tinygrad_edu.ones(2)}, tmp_path / "w.safetensors")
    state = tinygrad_edu.load(tmp_path / "w.safetensors", weights_only=True)
    assert state["w"].tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    ("name", "hint"),
    [("cuda.Stream", "cupy.cuda.Stream"), ("cuda.Event", "cupy.cuda"),
     ("cuda.manual_seed_all", "tinygrad_edu.manual_seed"),
     ("utils.data.DistributedSampler", "one process")],
)
def test_what_cannot_be_offered_says_what_to_use(name: str, hint: str) -> None:
    """CUDA streams and events, the distributed sampler: PyTorch names with no counterpart here
    fail with an error that says what to use instead."""
    module_name, attribute = name.rsplit(".", 1)
    module = tinygrad_edu
    for part in module_name.split("."):
        module = getattr(module, part)
    with pytest.raises(AttributeError, match="is not provided") as caught:
        getattr(module, attribute)
    assert hint in str(caught.value)
    tinygrad_edu.cuda.synchronize()  # offered: nothing to wait for without a GPU
