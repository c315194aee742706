"""tinygrad_edu.nn: Parameter, Module, layers, losses and init, against torch.nn where it helps."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import init


def _torch():
    return pytest.importorskip("torch", reason="PyTorch is not installed; the comparison needs "
                               "torch==2.13.0")


class Block(nn.Module):
    """Parameters, a buffer, a non-persistent buffer and children, assigned in mixed order."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(tg.ones(3))
        self.inner = nn.Sequential(nn.Linear(3, 3), nn.Tanh())
        self.register_buffer("running", tg.zeros(3))
        self.register_buffer("scratch", tg.zeros(2), persistent=False)
        self.head = nn.Linear(3, 2, bias=False)
        self.offset = nn.Parameter(tg.zeros(2))

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        return self.head(self.inner(x * self.scale)) + self.offset


def _mlp() -> nn.Sequential:
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))


# -- Parameter ------------------------------------------------------------------------------------
def test_parameter_wraps_and_results_are_plain_tensors() -> None:
    source = tg.Tensor([1.0, -2.0])
    w = nn.Parameter(source)
    assert w.requires_grad and isinstance(w, tg.Tensor) and w.is_leaf
    assert w._data is source._data  # wraps, no copy
    assert not nn.Parameter(source, requires_grad=False).requires_grad
    for result in (w * 2, w + w, w > 0, w == w, w.sum(), w.relu(), w[0], -w, w.detach()):
        assert type(result) is tg.Tensor
    (w * w).sum().backward()
    assert type(w.grad) is tg.Tensor and w.grad.tolist() == [2.0, -4.0]
    assert repr(w).startswith("Parameter containing:\ntensor([ 1., -2.]")
    assert nn.Parameter().shape == (0,)


# -- registration, walking, state_dict ---------------------------------------------------------
def test_registration_order_and_names() -> None:
    block = Block()
    assert [n for n, _ in block.named_parameters()] == [
        "scale", "offset", "inner.0.weight", "inner.0.bias", "head.weight"]
    assert list(block.state_dict()) == [
        "scale", "offset", "running", "inner.0.weight", "inner.0.bias", "head.weight"]
    assert [n for n, _ in block.named_buffers()] == ["running", "scratch"]
    assert [n for n, _ in block.named_children()] == ["inner", "head"]
    assert [n for n, _ in block.named_modules()] == ["", "inner", "inner.0", "inner.1", "head"]
    assert len(list(block.modules())) == 5 and len(list(block.children())) == 2
    assert [n for n, _ in block.named_parameters(recurse=False)] == ["scale", "offset"]
    assert [n for n, _ in block.named_parameters(prefix="m")][0] == "m.scale"
    assert block.head.bias is None and "head.bias" not in block.state_dict()
    assert block.running is block._buffers["running"]


def test_state_dict_keys_match_torch() -> None:
    torch = _torch()
    ours = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Sequential(nn.Linear(8, 8), nn.Tanh()),
                         nn.Linear(8, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(),
                                 torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Tanh()),
                                 torch.nn.Linear(8, 3))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert repr(ours) == repr(theirs)
    for name, value in ours.state_dict().items():
        assert value.shape == tuple(theirs.state_dict()[name].shape)


def test_weights_move_between_torch_and_tinygrad() -> None:
    torch = _torch()
    ours, theirs = _mlp(), torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(),
                                               torch.nn.Linear(8, 3))
    theirs.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in
                            ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    targets = np.array([0, 2, 1, 1, 0])
    loss = nn.CrossEntropyLoss()(ours(tg.Tensor(x)), tg.Tensor(targets))
    loss.backward()
    expected = torch.nn.CrossEntropyLoss()(theirs(torch.from_numpy(x)), torch.tensor(targets))
    expected.backward()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-6)
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters(),
                                 strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-7,
                                   err_msg=name)
    # and back: PyTorch's weights (as NumPy arrays) load here
    fresh = _mlp()
    fresh.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    np.testing.assert_allclose(fresh(tg.Tensor(x)).numpy(),
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-5,
                               atol=1e-6)


def test_load_state_dict_in_place_and_errors() -> None:
    model, other = _mlp(), _mlp()
    weight = model[0].weight
    result = model.load_state_dict(other.state_dict())
    assert result == ([], []) and result.missing_keys == []
    assert model[0].weight is weight  # the same Parameter object: optimizers keep working
    np.testing.assert_array_equal(weight.numpy(), other[0].weight.numpy())
    assert model[0].weight._data is not other[0].weight._data  # copied, not shared

    bad = dict(other.state_dict())
    del bad["0.bias"]
    bad["extra.weight"] = tg.zeros(2)
    bad["2.weight"] = tg.zeros(3, 9)
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(bad)
    message = str(info.value)
    assert "Missing key(s) in state_dict: 0.bias." in message
    assert "Unexpected key(s) in state_dict: extra.weight." in message
    assert ("size mismatch for 2.weight: copying a param with shape Size([3, 9]) from checkpoint, "
            "the shape in current model is Size([3, 8]).") in message
    assert "strict=False" in message
    np.testing.assert_array_equal(weight.numpy(), other[0].weight.numpy())  # nothing loaded

    del bad["2.weight"]
    missing, unexpected = model.load_state_dict(bad, strict=False)
    assert (missing, unexpected) == (["0.bias", "2.weight"], ["extra.weight"])
    bad["2.weight"] = tg.zeros(3, 9)
    with pytest.raises(RuntimeError, match="size mismatch for 2.weight"):
        model.load_state_dict(bad, strict=False)  # a wrong shape is never skipped


def test_load_state_dict_buffers_and_dtype_cast() -> None:
    block, source = Block(), Block()
    with tg.no_grad():
        source.running.fill_(3.0)
    block.load_state_dict({k: v.double() for k, v in source.state_dict().items()})
    assert block.running.tolist() == [3.0, 3.0, 3.0] and block.running.dtype == tg.float32
    assert not block.head.weight.grad and block.head.weight.requires_grad


def test_state_dict_shares_memory_and_is_detached() -> None:
    model = _mlp()
    state = model.state_dict()
    assert not state["0.weight"].requires_grad and type(state["0.weight"]) is tg.Tensor
    with tg.no_grad():
        model[0].weight.fill_(1.0)
    assert state["0.weight"].numpy().min() == 1.0
    assert model.state_dict(keep_vars=True)["0.weight"] is model[0].weight


# -- attribute rules --------------------------------------------------------------------------
def test_setattr_rules_and_errors() -> None:
    block = Block()
    with pytest.raises(TypeError, match=r"as parameter 'scale' .*nn.Parameter\(tensor\)"):
        block.scale = tg.ones(3)
    block.scale = None
    assert "scale" not in block.state_dict()
    block.running = tg.ones(3)  # a buffer stays a buffer
    assert block.state_dict()["running"].tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(TypeError, match="as buffer 'running'"):
        block.running = 3
    block.inner = nn.Linear(3, 3)  # replaced in place: the order of children is kept
    assert [n for n, _ in block.named_children()] == ["inner", "head"]
    block.plain = 5
    assert block.plain == 5 and "plain" not in block.state_dict()
    del block.head
    assert "head.weight" not in block.state_dict()
    with pytest.raises(AttributeError, match="'Block' object has no attribute 'missing'"):
        _ = block.missing
    with pytest.raises(KeyError, match="contain no '.'"):
        block.register_buffer("a.b", tg.zeros(1))
    with pytest.raises(TypeError, match=r"nn.Parameter\(tensor\)"):
        block.register_parameter("w", tg.zeros(1))

    class Forgetful(nn.Module):
        def __init__(self) -> None:
            self.layer = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\) first"):
        Forgetful()


def test_shared_parameter_is_listed_once() -> None:
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    assert len(list(model.parameters())) == 2
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]


# -- modes, gradients, moving --------------------------------------------------------------------
def test_train_eval_and_dropout() -> None:
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5), nn.Sequential(nn.Dropout(0.2)))
    assert all(m.training for m in model.modules())
    assert model.eval() is model and not any(m.training for m in model.modules())
    x = tg.ones(3, 4)
    np.testing.assert_array_equal(model(x).numpy(), model[0](x).numpy())
    model.train()
    assert all(m.training for m in model.modules())
    tg.manual_seed(1)
    assert (nn.Dropout(0.5)(tg.ones(1000)).numpy() == 0).any()
    with pytest.raises(ValueError, match="must lie in"):
        nn.Dropout(-0.1)


def test_zero_grad_and_requires_grad() -> None:
    model = _mlp()
    model(tg.ones(2, 4)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


def test_to_moves_in_place() -> None:
    model = Block()
    model(tg.ones(2, 3)).sum().backward()
    params = list(model.parameters())
    model.to("array_api_strict")
    moved = list(model.parameters())
    assert all(a is b for a, b in zip(moved, params, strict=True))
    assert all(p.backend.name == "array_api_strict" for p in model.parameters())
    assert all(p.grad.backend.name == "array_api_strict" for p in model.parameters())
    assert model.running.backend.name == "array_api_strict"
    out = model(tg.ones(2, 3, backend="array_api_strict"))
    assert out.backend.name == "array_api_strict"
    model.to("numpy").double()
    assert all(p.dtype == tg.float64 and p.backend.name == "numpy" for p in model.parameters())
    assert model.running.dtype == tg.float64
    model.to(tg.float32)
    assert model.head.weight.dtype == tg.float32


def test_apply_runs_children_first() -> None:
    seen: list[str] = []
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU()))
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    assert seen == ["Linear", "ReLU", "Sequential", "Sequential"]


# -- containers ---------------------------------------------------------------------------------
def test_sequential_indexing() -> None:
    model = _mlp()
    assert len(model) == 3 and isinstance(model[-1], nn.Linear) and model[0] is model[-3]
    tail = model[1:]
    assert isinstance(tail, nn.Sequential) and list(tail.state_dict()) == ["2.weight", "2.bias"]
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear"]
    model.append(nn.Sigmoid())
    assert len(model) == 4 and isinstance(model[3], nn.Sigmoid)
    model[3] = nn.Tanh()
    assert isinstance(model[-1], nn.Tanh) and list(model._modules) == ["0", "1", "2", "3"]
    with pytest.raises(IndexError, match="index 4 is out of range for Sequential of length 4"):
        model[4]
    assert model(tg.ones(2, 4)).shape == (2, 3)
    named = nn.Sequential({"hidden": nn.Linear(2, 2), "act": nn.ReLU()})
    assert list(named.state_dict()) == ["hidden.weight", "hidden.bias"]


def test_module_list() -> None:
    layers = nn.ModuleList([nn.Linear(2, 2), nn.ReLU()])
    layers.append(nn.Linear(2, 1)).extend([nn.Tanh()])
    assert len(layers) == 4 and isinstance(layers[-1], nn.Tanh)
    assert list(layers.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert isinstance(layers[:2], nn.ModuleList) and len(layers[:2]) == 2
    with pytest.raises(NotImplementedError, match="loop over it"):
        layers(tg.ones(1, 2))


def test_reprs_match_torch() -> None:
    torch = _torch()
    ours = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.2),
                         nn.Linear(128, 10, bias=False), nn.Sigmoid(), nn.Tanh())
    theirs = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 128),
                                 torch.nn.ReLU(), torch.nn.Dropout(0.2),
                                 torch.nn.Linear(128, 10, bias=False), torch.nn.Sigmoid(),
                                 torch.nn.Tanh())
    assert repr(ours) == repr(theirs)
    assert repr(nn.ModuleList([nn.ReLU()])) == repr(torch.nn.ModuleList([torch.nn.ReLU()]))
    assert repr(nn.CrossEntropyLoss()) == repr(torch.nn.CrossEntropyLoss())
    assert repr(nn.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"


# -- layers --------------------------------------------------------------------------------------
def test_linear_shapes_init_and_errors() -> None:
    layer = nn.Linear(784, 128)
    assert layer.weight.shape == (128, 784) and layer.bias.shape == (128,)
    bound = 1 / math.sqrt(784)
    for p in (layer.weight, layer.bias):
        values = p.numpy()
        assert values.dtype == np.float32 and np.abs(values).max() <= bound
    # U(-b, b) has standard deviation b / sqrt(3)
    assert layer.weight.numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert layer(tg.zeros(2, 5, 784)).shape == (2, 5, 128)
    with pytest.raises(ValueError) as info:
        layer(tg.zeros(32, 10))
    assert str(info.value) == ("Linear(in_features=784, out_features=128): expected input with "
                               "last dimension 784, got shape Size([32, 10])")
    assert nn.Linear(3, 2, dtype=tg.float64).weight.dtype == tg.float64
    assert nn.Linear(3, 2, backend="array_api_strict").weight.backend.name == "array_api_strict"
    assert nn.Linear(0, 2).bias.numpy().tolist() == [0.0, 0.0]


def test_flatten_identity_activations() -> None:
    x = tg.ones(2, 1, 3, 3)
    assert nn.Flatten()(x).shape == (2, 9) and nn.Flatten(0, 1)(x).shape == (2, 3, 3)
    assert nn.Identity(54)(x) is x
    assert nn.ReLU()(tg.Tensor([-1.0, 2.0])).tolist() == [0.0, 2.0]
    assert nn.Sigmoid()(tg.Tensor([0.0])).tolist() == [0.5]
    assert nn.Tanh()(tg.Tensor([0.0])).tolist() == [0.0]


def test_loss_modules() -> None:
    logits, targets = tg.randn(4, 3), tg.Tensor([0, 1, 2, 1])
    assert nn.CrossEntropyLoss()(logits, targets).item() == pytest.approx(
        nn.NLLLoss()(logits.log_softmax(axis=1), targets).item(), rel=1e-6)
    assert nn.CrossEntropyLoss(reduction="none")(logits, targets).shape == (4,)
    assert nn.MSELoss()(tg.Tensor([1.0, 3.0]), tg.Tensor([0.0, 0.0])).item() == 5.0
    with pytest.raises(ValueError, match="MSELoss: reduction must be one of"):
        nn.MSELoss(reduction="avg")


def test_a_small_network_learns() -> None:
    """Forward, loss, backward, repeat: an MLP separates two Gaussian blobs."""
    tg.manual_seed(0)
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-1, 0.5, (32, 2)), rng.normal(1, 0.5, (32, 2))])
    y = np.array([0] * 32 + [1] * 32)
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 2))
    criterion = nn.CrossEntropyLoss()
    inputs, targets = tg.Tensor(x.astype(np.float32)), tg.Tensor(y)
    first = None
    for _ in range(50):
        loss = criterion(model(inputs), targets)
        first = first if first is not None else loss.item()
        model.zero_grad()
        loss.backward()
        with tg.no_grad():
            for p in model.parameters():
                p.sub_(p.grad, alpha=0.5)
    assert loss.item() < first / 4
    assert (model(inputs).argmax(axis=1).numpy() == y).mean() > 0.95


# -- init ---------------------------------------------------------------------------------------
def test_init_formulas_match_torch() -> None:
    torch = _torch()
    for args in [("linear",), ("sigmoid",), ("tanh",), ("relu",), ("leaky_relu",),
                 ("leaky_relu", 0.2), ("selu",), ("conv2d",)]:
        assert init.calculate_gain(*args) == pytest.approx(torch.nn.init.calculate_gain(*args))
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    weight = tg.zeros(8, 3, 5, 5)  # a convolution: fan_in = 3*5*5, fan_out = 8*5*5
    assert init._calculate_fan_in_and_fan_out(weight) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(8, 3, 5, 5))
    bound = math.sqrt(2.0) * math.sqrt(3.0 / 75)
    values = init.kaiming_uniform_(weight, nonlinearity="relu").numpy()
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.9 * bound
    values = init.kaiming_uniform_(weight, mode="fan_out", nonlinearity="relu").numpy()
    assert np.abs(values).max() <= math.sqrt(2.0) * math.sqrt(3.0 / 200)
    big = tg.zeros(200, 300)
    assert init.kaiming_normal_(big, nonlinearity="relu").numpy().std() == pytest.approx(
        math.sqrt(2.0 / 300), rel=0.03)
    assert np.abs(init.xavier_uniform_(big, gain=2.0).numpy()).max() <= 2 * math.sqrt(6 / 500)
    assert init.xavier_normal_(big).numpy().std() == pytest.approx(math.sqrt(2 / 500), rel=0.03)
    samples = init.uniform_(tg.zeros(1000), -2.0, -1.0).numpy()
    assert samples.min() >= -2.0 and samples.max() < -1.0
    assert init.normal_(big, 3.0, 0.5).numpy().mean() == pytest.approx(3.0, abs=0.01)
    assert init.zeros_(big).numpy().max() == 0 and init.ones_(big).numpy().min() == 1
    assert init.constant_(tg.zeros(2), 0.5).tolist() == [0.5, 0.5]
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(tg.zeros(3))
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out'"):
        init.kaiming_uniform_(big, mode="fan")


def test_init_on_parameters_records_nothing(backend: tg.Backend) -> None:
    w = nn.Parameter(tg.zeros(4, 3, backend=backend))
    version = w._version
    assert init.kaiming_uniform_(w, a=math.sqrt(5)) is w
    assert w._version == version + 1 and w.is_leaf and w.grad is None
    assert np.abs(w.numpy()).max() <= 1 / math.sqrt(3)


def test_spatial_layers_are_exported_with_torch_state_dict_keys() -> None:
    torch = _torch()
    ours = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
                         nn.AvgPool2d(1), nn.Flatten(), nn.BatchNorm1d(4 * 13 * 13),
                         nn.Linear(4 * 13 * 13, 10))
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4),
                                 torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.AvgPool2d(1),
                                 torch.nn.Flatten(), torch.nn.BatchNorm1d(4 * 13 * 13),
                                 torch.nn.Linear(4 * 13 * 13, 10))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
