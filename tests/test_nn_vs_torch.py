"""nn modules and their functional forms against PyTorch at the edges (nan and inf, integer
targets, buffers in the state_dict, what ``print(model)`` shows): each test is a difference a
sweep against torch found, and fails without its fix."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed (pip install torch); these tests compare with it"
)


def _pair(data: np.ndarray) -> tuple[tg.Tensor, torch.Tensor]:
    """The same float64 values as a tinygrad_edu and a torch tensor, both requiring grad."""
    return (tg.tensor(data.copy(), requires_grad=True),
            torch.tensor(data.copy(), requires_grad=True))


@pytest.mark.parametrize("output_size", [3, (2, None), (5, 4), 9])
def test_adaptive_avg_pool2d_keeps_a_nan_in_its_windows(output_size: object) -> None:
    data = np.random.default_rng(0).standard_normal((2, 3, 7, 7))
    data[0, 0, 1, 2], data[1, 2, 5, 5], data[1, 1, 0, 6] = np.nan, np.inf, -np.inf
    ours, theirs = _pair(data)
    out = F.adaptive_avg_pool2d(ours, output_size)
    expected = torch.nn.functional.adaptive_avg_pool2d(theirs, output_size)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12)
    weights = np.random.default_rng(1).standard_normal(expected.shape)
    (out * tg.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


def test_adaptive_avg_pool1d_keeps_a_nan_in_its_window() -> None:
    data = np.arange(7.0).reshape(1, 1, 7)
    data[0, 0, 0] = np.nan
    out = nn.AdaptiveAvgPool1d(3)(tg.tensor(data))
    expected = torch.nn.AdaptiveAvgPool1d(3)(torch.tensor(data))
    np.testing.assert_allclose(out.numpy(), expected.numpy())


@pytest.mark.parametrize("output_size", [(1, 1), (1, 2), 3, (5, 4)])
def test_adaptive_max_pool2d_picks_the_last_nan_as_torch(output_size: object) -> None:
    data = np.random.default_rng(2).standard_normal((2, 3, 7, 7))
    data[0, 0, 0, :5] = [1.0, np.nan, 2.0, np.nan, 0.0]
    data[1, 1, 3:5, 2:4] = np.nan
    ours, theirs = _pair(data)
    out, indices = F.adaptive_max_pool2d(ours, output_size, return_indices=True)
    expected, expected_indices = torch.nn.functional.adaptive_max_pool2d(
        theirs, output_size, return_indices=True)
    np.testing.assert_array_equal(indices.numpy(), expected_indices.numpy())
    weights = np.random.default_rng(3).standard_normal(expected.shape)
    (out * tg.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("target_dtype", ["int64", "int32", "bool"])
def test_mse_loss_with_integer_targets_stays_float32(target_dtype: str) -> None:
    prediction = np.array([0.5, 1.5, -2.0], dtype=np.float32)
    target = np.array([1, 0, 1]).astype(target_dtype)
    out = nn.MSELoss()(tg.tensor(prediction), tg.tensor(target))
    expected = torch.nn.MSELoss()(torch.tensor(prediction), torch.tensor(target))
    assert out.dtype == tg.float32 and expected.dtype == torch.float32
    assert out.item() == pytest.approx(expected.item(), rel=1e-6)


@pytest.mark.parametrize("name, options", [
    ("BCELoss", {"weight": [1.0, 2.0, 0.5]}),
    ("BCEWithLogitsLoss", {"weight": [1.0, 2.0, 0.5]}),
    ("BCEWithLogitsLoss", {"pos_weight": [3.0, 1.0, 0.25]}),
])
def test_bce_weights_are_buffers_as_in_torch(name: str, options: dict) -> None:
    ours = getattr(nn, name)(**{k: tg.tensor(v) for k, v in options.items()})
    theirs = getattr(torch.nn, name)(**{k: torch.tensor(v) for k, v in options.items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours, theirs = ours.double(), theirs.double()  # a buffer follows the module's dtype
    (key,) = options
    assert getattr(ours, key).dtype == tg.float64 and getattr(theirs, key).dtype == torch.float64
    probabilities = np.array([[0.2, 0.9, 0.6]])
    targets = np.array([[0.0, 1.0, 1.0]])
    out = ours(tg.tensor(probabilities), tg.tensor(targets))
    expected = theirs(torch.tensor(probabilities), torch.tensor(targets))
    assert out.dtype == tg.float64
    assert out.item() == pytest.approx(expected.item(), rel=1e-12)


@pytest.mark.parametrize("build", [
    lambda m: m.Sequential(m.Conv2d(1, 8, 3, padding=1), m.ReLU(), m.MaxPool2d(2), m.Flatten(),
                           m.Linear(8 * 14 * 14, 10)),
    lambda m: m.MaxPool2d(3, 1, 1),
    lambda m: m.Conv2d(3, 4, (3, 5), padding="same"),
    lambda m: m.Conv2d(3, 4, 3, padding="valid"),
    lambda m: m.BatchNorm1d(3, momentum=None, affine=False),
    lambda m: m.BatchNorm2d(8, eps=1e-3, track_running_stats=False),
    lambda m: m.RNNCell(3, 4, nonlinearity="relu"),
    lambda m: m.RNNCell(3, 4, False, "relu"),
], ids=["mnist_cnn", "maxpool", "same", "valid", "bn1d", "bn2d", "rnncell", "rnncell_nobias"])
def test_print_model_as_torch(build: object) -> None:
    assert repr(build(nn)) == repr(build(torch.nn))


@pytest.mark.parametrize("build", [
    lambda m: m.Conv2d(3, 4, 3, 2, 1), lambda m: m.MaxPool2d(2), lambda m: m.MaxPool2d(3, 2, 1),
    lambda m: m.AvgPool2d(3, 2, 1), lambda m: m.ConvTranspose2d(3, 2, 3, 2, 1, 1),
], ids=["conv", "maxpool", "maxpool_padded", "avgpool", "conv_transpose"])
def test_one_image_without_a_batch_axis(build: object) -> None:
    image = np.random.default_rng(4).standard_normal((3, 7, 7))
    _same_layer(build(nn).double(), build(torch.nn).double(), image)


def _same_layer(ours_layer: nn.Module, theirs_layer: object, image: np.ndarray) -> None:
    """Our layer with torch's weights: the same output and input gradient, in float64."""
    ours_layer.load_state_dict({k: v.detach().numpy() for k, v in
                                theirs_layer.state_dict().items()})
    ours, theirs = _pair(image)
    out, expected = ours_layer(ours), theirs_layer(theirs)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_functional_conv2d_takes_one_image() -> None:
    image, weight = np.ones((2, 5, 5)), np.full((4, 2, 3, 3), 0.5)
    out = F.conv2d(tg.tensor(image), tg.tensor(weight), padding=1)
    expected = torch.nn.functional.conv2d(torch.tensor(image), torch.tensor(weight), padding=1)
    np.testing.assert_allclose(out.numpy(), expected.numpy())


@pytest.mark.parametrize("loss, target_dtype", [
    ("BCELoss", "int64"), ("BCELoss", "bool"), ("BCELoss", "float64"),
    ("BCEWithLogitsLoss", "int64"), ("BCEWithLogitsLoss", "bool"),
])
def test_bce_refuses_the_target_dtypes_torch_refuses(loss: str, target_dtype: str) -> None:
    probabilities = np.array([0.25, 0.5, 0.875], dtype=np.float32)
    targets = np.array([0, 1, 1]).astype(target_dtype)
    with pytest.raises(RuntimeError):
        getattr(torch.nn, loss)()(torch.tensor(probabilities), torch.tensor(targets))
    with pytest.raises(TypeError, match=rf"target is {target_dtype}.*float32.*\.float\(\)"):
        getattr(nn, loss)()(tg.tensor(probabilities), tg.tensor(targets))


POOLS = [
    ("MaxPool2d", (2,), {"ceil_mode": True}), ("MaxPool2d", (3, 2), {"ceil_mode": True}),
    ("MaxPool2d", (3, 2, 1), {"ceil_mode": True}), ("MaxPool2d", (2, 2, 0, 1, False, True), {}),
    ("AvgPool2d", (2,), {"ceil_mode": True}), ("AvgPool2d", (3, 2, 1), {"ceil_mode": True}),
    ("AvgPool2d", (3, 2, 1), {"count_include_pad": False}),
    ("AvgPool2d", (3, 2, 1, True, False), {}), ("AvgPool2d", (3, 2, 1), {"divisor_override": 2}),
    ("AvgPool2d", ((3, 2), (2, 1), (1, 0)), {"ceil_mode": True, "count_include_pad": False}),
]


@pytest.mark.parametrize("name, args, options", POOLS, ids=[f"{n}{a}{o}" for n, a, o in POOLS])
@pytest.mark.parametrize("size", [7, 6])
def test_pooling_options_as_torch(name: str, args: tuple, options: dict, size: int) -> None:
    data = np.floor(np.random.default_rng(size).standard_normal((2, 3, size, size)) * 2)
    ours, theirs = _pair(data)  # rounded values: ties in the windows, as after a ReLU
    out = getattr(nn, name)(*args, **options)(ours)
    expected = getattr(torch.nn, name)(*args, **options)(theirs)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12)
    weights = np.random.default_rng(5).standard_normal(expected.shape)
    (out * tg.tensor(weights)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)
    assert repr(getattr(nn, name)(*args, **options)) == repr(
        getattr(torch.nn, name)(*args, **options))


def test_functional_pooling_options_as_torch() -> None:
    data = np.random.default_rng(6).standard_normal((1, 2, 5, 5))
    tf = torch.nn.functional
    np.testing.assert_allclose(
        F.max_pool2d(tg.tensor(data), 2, ceil_mode=True).numpy(),
        tf.max_pool2d(torch.tensor(data), 2, ceil_mode=True).numpy())
    np.testing.assert_allclose(
        F.avg_pool2d(tg.tensor(data), 3, 2, 1, True, False).numpy(),
        tf.avg_pool2d(torch.tensor(data), 3, 2, 1, True, False).numpy())


@pytest.mark.parametrize("options", [
    {"max_norm": 1.0}, {"max_norm": 2.0, "norm_type": 1.0}, {"scale_grad_by_freq": True},
    {"max_norm": 1.5, "scale_grad_by_freq": True, "padding_idx": 0},
], ids=["max_norm", "max_norm_l1", "scale_grad_by_freq", "all"])
def test_embedding_options_as_torch(options: dict) -> None:
    table = np.random.default_rng(7).standard_normal((5, 3)) * 3
    table[0] = 0.0
    ours = nn.Embedding.from_pretrained(tg.tensor(table.copy()), freeze=False, **options)
    theirs = torch.nn.Embedding.from_pretrained(torch.tensor(table.copy()), freeze=False,
                                                **options)
    indices = np.array([[0, 2, 2], [4, 2, 0]])
    for _ in range(2):  # a second call sees the rows the first one renormalised
        ours.weight.grad, theirs.weight.grad = None, None
        out, expected = ours(tg.tensor(indices)), theirs(torch.tensor(indices))
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-12)
        weights = np.random.default_rng(8).standard_normal(expected.shape)
        (out * tg.tensor(weights)).sum().backward()
        (expected * torch.tensor(weights)).sum().backward()
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(),
                                   rtol=1e-12)
        np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy(),
                                   rtol=1e-12)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("kernel_size", [2, 4, (2, 3), (3, 4)])
def test_conv2d_same_padding_with_even_kernels(kernel_size: object) -> None:
    image = np.random.default_rng(9).standard_normal((2, 3, 6, 7))
    theirs_layer = torch.nn.Conv2d(3, 4, kernel_size, padding="same").double()
    ours_layer = nn.Conv2d(3, 4, kernel_size, padding="same").double()
    _same_layer(ours_layer, theirs_layer, image)
    assert repr(ours_layer) == repr(theirs_layer)


@pytest.mark.parametrize("options", [{"bias": False}, {"affine": False, "bias": True}])
def test_batchnorm_bias_keyword_as_torch(options: dict) -> None:
    theirs_layer = torch.nn.BatchNorm1d(3, **options).double()
    ours_layer = nn.BatchNorm1d(3, **options).double()
    assert list(ours_layer.state_dict()) == list(theirs_layer.state_dict())
    assert repr(ours_layer) == repr(theirs_layer)
    data = np.random.default_rng(10).standard_normal((4, 3)) * 2 + 1
    ours, theirs = _pair(data)
    out, expected = ours_layer(ours), theirs_layer(theirs)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize("kind", ["ParameterList", "ParameterDict"])
def test_print_parameter_containers_as_torch(kind: str) -> None:
    def build(m: object, zeros: object) -> object:
        params = [m.Parameter(zeros(2, 3)), m.Parameter(zeros(4))]  # type: ignore[attr-defined]
        if kind == "ParameterList":
            return m.ParameterList(params)  # type: ignore[attr-defined]
        return m.ParameterDict({"w": params[0], "b": params[1]})  # type: ignore[attr-defined]

    ours, theirs = repr(build(nn, tg.zeros)), repr(build(torch.nn, torch.zeros))
    # The same lines; PyTorch names its dtype torch.float32 (or, in a dict, torch.FloatTensor).
    theirs = theirs.replace("torch.FloatTensor", "torch.float32")
    assert ours == theirs.replace("torch.float32", "tinygrad_edu.float32")


def test_parameter_dict_from_a_dict_sorts_its_keys_as_torch() -> None:
    ours = nn.ParameterDict({"z": tg.zeros(1), "a": tg.zeros(2), "m": tg.zeros(3)})
    theirs = torch.nn.ParameterDict({"z": torch.zeros(1), "a": torch.zeros(2),
                                     "m": torch.zeros(3)})
    assert list(ours.keys()) == list(theirs.keys()) == ["a", "m", "z"]
    assert list(ours.state_dict()) == list(theirs.state_dict())


@pytest.mark.parametrize(("name", "options"), [
    ("cross_entropy", {}), ("cross_entropy", {"reduction": "none"}),
    ("cross_entropy", {"reduction": "sum", "label_smoothing": 0.2}),
    ("cross_entropy", {"weight": [1.0, 2.0, 3.0]}), ("probabilities", {}),
    ("nll_loss", {}), ("nll_loss", {"reduction": "none"}),
])
def test_one_unbatched_sample_as_torch(name: str, options: dict) -> None:
    # Scores (C,) against a class () (or probabilities (C,)): torch computes it (a batch of
    # one; 'none' gives a scalar), tinygrad_edu raised a shape error.
    results = []
    for lib in (tg, torch):
        scores = lib.tensor([1.0, 2.0, 0.5], requires_grad=True)
        kwargs = {k: lib.tensor(v) if k == "weight" else v for k, v in options.items()}
        functional = lib.nn.functional
        if name == "nll_loss":
            loss = functional.nll_loss(scores.log_softmax(0), lib.tensor(1), **kwargs)
        elif name == "probabilities":
            loss = functional.cross_entropy(scores, lib.tensor([0.2, 0.5, 0.3]), **kwargs)
        else:
            loss = functional.cross_entropy(scores, lib.tensor(1), **kwargs)
        loss.backward()
        results.append((tuple(loss.shape), loss.detach().numpy(), scores.grad.numpy()))
    assert results[0][0] == results[1][0]
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-6)
    np.testing.assert_allclose(results[0][2], results[1][2], rtol=1e-6, atol=1e-7)


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")  # torch's
@pytest.mark.parametrize(("features_in", "features_out"), [(0, 3), (3, 0), (0, 0)])
def test_a_linear_layer_with_no_features_as_torch(features_in: int, features_out: int) -> None:
    # Its backward reshaped with -1, which NumPy cannot resolve for an empty axis: ValueError.
    shapes = []
    for lib in (tg, torch):
        layer = lib.nn.Linear(features_in, features_out)
        x = lib.ones(2, 4, features_in, requires_grad=True)
        layer(x).sum().backward()
        shapes.append((tuple(layer.weight.grad.shape), layer.bias.grad.numpy().tolist(),
                       tuple(x.grad.shape)))
    assert shapes[0] == shapes[1]
