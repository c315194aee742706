"""The nn layers and functions beginners reach for after Linear and ReLU (issue 17), against
PyTorch: LeakyReLU, GELU, SiLU, ELU, Softplus, Hardtanh, ReLU6, LogSigmoid, Mish, Softsign,
Embedding, LayerNorm, Unflatten, Dropout2d, CosineSimilarity, ModuleDict, ParameterList,
ParameterDict, L1Loss, SmoothL1Loss, HuberLoss, KLDivLoss, F.pad, F.normalize.

Values and gradients from the same weights (PyTorch's copied in through load_state_dict), at
ordinary points and at the edges: inf, nan, huge and tiny numbers, empty batches, float32; an
infinite incoming gradient must give what PyTorch gives (0, not nan, where a mask is 0).
Finite differences and second derivatives are rows of the op-spec table
(tinygrad_edu/testing/op_specs_nn.py).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn

torch = pytest.importorskip("torch", reason="PyTorch is not installed; these tests compare "
                            "against torch (pip install torch)")
TF = torch.nn.functional
RNG = np.random.default_rng(17)
INF, NAN = float("inf"), float("nan")
# Edges: infinities, nan, huge and tiny numbers, signed zeros, and the kinks of the masks.
SPECIAL = np.array([-INF, -1e30, -30.0, -6.0, -1.0, -1e-30, -0.0, 0.0, 1e-30, 1.0, 6.0, 21.0,
                    1e30, INF, NAN])


def tol(dtype: Any) -> dict[str, float]:
    return {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-13}


def both(fn_tg: Any, fn_torch: Any, arrays: list[np.ndarray], cotangent: np.ndarray | None = None,
         grads: tuple[int, ...] = (0,)) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Run fn on tinygrad_edu and on torch with the same inputs and cotangent: [out, grads...]."""
    ours = [tg.Tensor(a, requires_grad=i in grads) for i, a in enumerate(arrays)]
    theirs = [torch.tensor(a, requires_grad=i in grads) for i, a in enumerate(arrays)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NumPy's overflow warnings at the edges
        out, expected = fn_tg(*ours), fn_torch(*theirs)
        if cotangent is None:
            cotangent = RNG.standard_normal(tuple(expected.shape)).astype(arrays[0].dtype)
        cotangent = np.broadcast_to(cotangent, tuple(expected.shape)).astype(arrays[0].dtype)
        out.backward(tg.Tensor(cotangent.copy()))
        expected.backward(torch.tensor(cotangent.copy()))
    return ([out.numpy(), *(ours[i].grad.numpy() for i in grads)],
            [expected.detach().numpy(), *(theirs[i].grad.numpy() for i in grads)])


def assert_match(mine: list[np.ndarray], reference: list[np.ndarray], **tolerance: float) -> None:
    for a, b in zip(mine, reference, strict=True):
        assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, a.dtype, b.shape, b.dtype)
        np.testing.assert_allclose(a, b, equal_nan=True, **tolerance)


# -- activations ----------------------------------------------------------------------------------
ACTIVATIONS = {
    "leaky_relu": (lambda x: F.leaky_relu(x), lambda x: TF.leaky_relu(x)),
    "leaky_relu_0.2": (lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2)),
    "gelu": (lambda x: F.gelu(x), lambda x: TF.gelu(x)),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"),
                  lambda x: TF.gelu(x, approximate="tanh")),
    "silu": (F.silu, TF.silu),
    "elu": (lambda x: F.elu(x), lambda x: TF.elu(x)),
    "elu_0.5": (lambda x: F.elu(x, 0.5), lambda x: TF.elu(x, 0.5)),
    "softplus": (lambda x: F.softplus(x), lambda x: TF.softplus(x)),
    "softplus_beta": (lambda x: F.softplus(x, 2.0, 5.0), lambda x: TF.softplus(x, 2.0, 5.0)),
    "hardtanh": (lambda x: F.hardtanh(x), lambda x: TF.hardtanh(x)),
    "hardtanh_range": (lambda x: F.hardtanh(x, -2.0, 0.5), lambda x: TF.hardtanh(x, -2.0, 0.5)),
    "relu6": (F.relu6, TF.relu6),
    "logsigmoid": (F.logsigmoid, TF.logsigmoid),
    "mish": (F.mish, TF.mish),
    "softsign": (F.softsign, TF.softsign),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_matches_torch(name: str, dtype: Any) -> None:
    ours, theirs = ACTIVATIONS[name]
    x = (RNG.standard_normal((5, 7)) * 4).astype(dtype)
    assert_match(*both(ours, theirs, [x]), **tol(dtype))


@pytest.mark.parametrize("cotangent", [1.0, -1.0, INF, -INF])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_edges_match_torch(name: str, dtype: Any, cotangent: float) -> None:
    # inf, nan, huge and tiny inputs, and infinite incoming gradients: the same value, and the
    # same gradient (0, not nan, where PyTorch's mask is 0; ±inf where PyTorch's product is).
    ours, theirs = ACTIVATIONS[name]
    mine, reference = both(ours, theirs, [SPECIAL.astype(dtype)], np.array(cotangent))
    np.testing.assert_array_equal(np.isnan(mine[1]), np.isnan(reference[1]), err_msg=name)
    np.testing.assert_array_equal(np.isinf(mine[1]), np.isinf(reference[1]), err_msg=name)
    assert_match(mine, reference, **tol(dtype))


def test_activation_of_an_empty_batch() -> None:
    for name, (ours, theirs) in ACTIVATIONS.items():
        mine, reference = both(ours, theirs, [np.zeros((0, 3), np.float32)])
        assert mine[0].shape == reference[0].shape == (0, 3), name


def test_gelu_exact_agrees_with_erf_to_float64_precision() -> None:
    # The erf table: x Φ(x) against PyTorch's float64 erf, across the whole range.
    x = np.linspace(-9.0, 9.0, 20001)
    mine, reference = both(F.gelu, TF.gelu, [x])
    np.testing.assert_allclose(mine[0], reference[0], rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(mine[1], reference[1], rtol=1e-13, atol=1e-15)


MODULES = [
    (nn.LeakyReLU(), torch.nn.LeakyReLU()),
    (nn.LeakyReLU(0.2, inplace=True), torch.nn.LeakyReLU(0.2, inplace=True)),
    (nn.GELU(), torch.nn.GELU()),
    (nn.GELU("tanh"), torch.nn.GELU("tanh")),
    (nn.SiLU(), torch.nn.SiLU()),
    (nn.ELU(alpha=0.5), torch.nn.ELU(alpha=0.5)),
    (nn.Softplus(beta=2.0), torch.nn.Softplus(beta=2.0)),
    (nn.Hardtanh(-2.0, 2.0), torch.nn.Hardtanh(-2.0, 2.0)),
    (nn.ReLU6(), torch.nn.ReLU6()),
    (nn.LogSigmoid(), torch.nn.LogSigmoid()),
    (nn.Mish(), torch.nn.Mish()),
    (nn.Softsign(), torch.nn.Softsign()),
]


@pytest.mark.parametrize("pair", MODULES, ids=lambda p: repr(p[1]))
def test_activation_module_matches_torch(pair: tuple[Any, Any]) -> None:
    ours, theirs = pair
    assert repr(ours) == repr(theirs)
    x = RNG.standard_normal((3, 4)) * 3
    if getattr(theirs, "inplace", False):
        theirs.inplace = False  # torch's in-place version cannot run on a leaf
    assert_match(*both(ours, theirs, [x]), **tol(np.float64))
    assert list(ours.state_dict()) == list(theirs.state_dict()) == []


def test_activation_errors_name_the_fix() -> None:
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh'"):
        nn.GELU("erf")
    with pytest.raises(TypeError, match=r"\.float\(\)"):
        F.gelu(tg.tensor([1, 2]))
    with pytest.raises(ValueError, match="min_val"):
        nn.Hardtanh(1.0, -1.0)


# -- embedding ------------------------------------------------------------------------------------
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_embedding_matches_torch(padding_idx: int | None, dtype: str) -> None:
    theirs = torch.nn.Embedding(6, 4, padding_idx=padding_idx, dtype=getattr(torch, dtype))
    ours = nn.Embedding(6, 4, padding_idx=padding_idx, dtype=dtype)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    ours.load_state_dict({k: tg.Tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    indices = np.array([[1, 1, 5, 2], [0, 5, 5, 3]])  # repeats add up; 5 and 2 are padding
    out, expected = ours(tg.tensor(indices)), theirs(torch.tensor(indices))
    cotangent = RNG.standard_normal(tuple(expected.shape)).astype(dtype)
    cotangent[0, 2] = INF  # an infinite gradient on a padding row must leave it at 0
    out.backward(tg.Tensor(cotangent))
    expected.backward(torch.tensor(cotangent))
    np.testing.assert_array_equal(out.numpy(), expected.detach().numpy())
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(),
                               rtol=1e-6, atol=1e-6)
    if padding_idx is not None:
        assert not ours.weight.grad.numpy()[padding_idx].any()


def test_embedding_starts_as_torch() -> None:
    tg.manual_seed(0)
    emb = nn.Embedding(1000, 50, padding_idx=3)
    weights = emb.weight.numpy()
    assert emb.weight.dtype is tg.float32 and emb.weight.requires_grad
    assert not weights[3].any()  # the padding row is zero
    assert abs(weights.mean()) < 0.02 and abs(weights.std() - 1.0) < 0.02  # N(0, 1)


def test_embedding_from_pretrained_and_edges() -> None:
    table = torch.randn(4, 3, dtype=torch.float64)
    ours = nn.Embedding.from_pretrained(tg.Tensor(table.numpy()))
    theirs = torch.nn.Embedding.from_pretrained(table)
    assert ours.weight.requires_grad is theirs.weight.requires_grad is False
    assert nn.Embedding.from_pretrained(tg.Tensor(table.numpy()), freeze=False).weight.requires_grad
    empty = np.zeros((0, 2), np.int64)
    assert ours(tg.tensor(empty)).shape == theirs(torch.tensor(empty)).shape == (0, 2, 3)
    scalar = ours(tg.tensor(2))
    np.testing.assert_array_equal(scalar.numpy(), theirs(torch.tensor(2)).numpy())


def test_embedding_errors_name_the_fix() -> None:
    emb = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match="out of range.*0..3"):
        emb(tg.tensor([0, 4]))
    with pytest.raises(IndexError, match="out of range"):
        emb(tg.tensor([-1]))
    with pytest.raises(TypeError, match=r"int64.*\.long\(\)"):
        emb(tg.Tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(4, 2, padding_idx=4)
    with pytest.raises(NotImplementedError, match="sparse=True"):
        nn.Embedding(4, 2, sparse=True)  # max_norm is computed (tests/test_nn_vs_torch.py)


# -- layer norm -----------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape, normalized", [((6, 5), 5), ((2, 3, 4), (3, 4)),
                                               ((2, 3, 4, 4), (3, 4, 4)), ((0, 5), (5,))])
def test_layer_norm_matches_torch(shape: tuple[int, ...], normalized: Any, dtype: str) -> None:
    theirs = torch.nn.LayerNorm(normalized, eps=1e-4, dtype=getattr(torch, dtype))
    ours = nn.LayerNorm(normalized, eps=1e-4, dtype=dtype)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    np.testing.assert_array_equal(ours.weight.numpy(), 1.0)  # ones and zeros, as torch's
    np.testing.assert_array_equal(ours.bias.numpy(), 0.0)
    with torch.no_grad():
        theirs.weight.normal_()
        theirs.bias.normal_()
    ours.load_state_dict({k: tg.Tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = (RNG.standard_normal(shape) * 10 + 3).astype(dtype)
    mine, reference = both(ours, theirs, [x])
    assert_match(mine, reference, **({"rtol": 1e-4, "atol": 1e-5} if dtype == "float32"
                                      else tol(np.float64)))
    params = [ours.weight.grad, ours.bias.grad]
    if shape[0]:
        for p, q in zip(params, [theirs.weight.grad, theirs.bias.grad], strict=True):
            np.testing.assert_allclose(p.numpy(), q.numpy(), rtol=1e-4, atol=1e-4)


def test_layer_norm_variants_and_edges() -> None:
    for kwargs in ({"elementwise_affine": False}, {"bias": False}):
        ours, theirs = nn.LayerNorm(4, **kwargs), torch.nn.LayerNorm(4, **kwargs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        x = RNG.standard_normal((3, 4)).astype(np.float32)
        assert_match(*both(ours, theirs, [x]), rtol=1e-5, atol=1e-5)
    # A constant row (variance 0), huge and tiny scales: finite values and gradients as torch's.
    x = np.array([[2.0, 2.0, 2.0, 2.0], [1e15, -1e15, 3e15, 0.0], [1e-10, 2e-10, 0.0, -1e-10]])
    assert_match(*both(lambda t: F.layer_norm(t, (4,)), lambda t: TF.layer_norm(t, (4,)), [x]),
                 rtol=1e-9, atol=1e-9)
    x[0, 0] = NAN  # a nan spoils its own row only, as in torch
    mine, reference = both(lambda t: F.layer_norm(t, (4,)), lambda t: TF.layer_norm(t, (4,)), [x])
    np.testing.assert_array_equal(np.isnan(mine[0]), np.isnan(reference[0]))
    with pytest.raises(ValueError, match=r"does not end in normalized_shape \[5\]"):
        nn.LayerNorm(5)(tg.zeros(2, 4))


# -- losses ---------------------------------------------------------------------------------------
LOSSES = {
    "l1": (lambda r: nn.L1Loss(reduction=r), lambda r: torch.nn.L1Loss(reduction=r)),
    "smooth_l1": (lambda r: nn.SmoothL1Loss(reduction=r, beta=0.5),
                  lambda r: torch.nn.SmoothL1Loss(reduction=r, beta=0.5)),
    "smooth_l1_beta0": (lambda r: nn.SmoothL1Loss(reduction=r, beta=0.0),
                        lambda r: torch.nn.SmoothL1Loss(reduction=r, beta=0.0)),
    "huber": (lambda r: nn.HuberLoss(reduction=r, delta=2.0),
              lambda r: torch.nn.HuberLoss(reduction=r, delta=2.0)),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_regression_loss_matches_torch(name: str, dtype: Any, reduction: str) -> None:
    ours, theirs = (make(reduction) for make in LOSSES[name])
    assert repr(ours) == repr(theirs) or reduction != "mean"
    x = (RNG.standard_normal((4, 5)) * 2).astype(dtype)
    y = (RNG.standard_normal((4, 5)) * 2).astype(dtype)
    y[0, 0] = x[0, 0]  # a zero error: the gradient there is 0
    assert_match(*both(ours, theirs, [x, y], grads=(0, 1)), **tol(dtype))


@pytest.mark.parametrize("cotangent", [1.0, INF])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_regression_loss_edges_match_torch(name: str, cotangent: float) -> None:
    ours, theirs = (make("none") for make in LOSSES[name])
    x = SPECIAL.copy()
    y = np.zeros_like(x)
    mine, reference = both(ours, theirs, [x, y], np.array(cotangent), grads=(0, 1))
    for a, b in zip(mine, reference, strict=True):
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=name)
    assert_match(mine, reference, **tol(np.float64))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's 0 / 0 of the empty mean
def test_losses_of_an_empty_batch_are_nan_as_torch() -> None:
    for name, (ours, theirs) in LOSSES.items():
        empty = np.zeros((0, 3))
        mine = ours("mean")(tg.Tensor(empty), tg.Tensor(empty)).item()
        assert np.isnan(mine) and np.isnan(theirs("mean")(torch.tensor(empty),
                                                          torch.tensor(empty)).item()), name


@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
def test_kl_div_matches_torch(reduction: str, log_target: bool) -> None:
    log_probs = np.log(RNG.dirichlet(np.ones(5), 4))
    target = RNG.dirichlet(np.ones(5), 4)
    target[0, 1] = 0.0  # 0 log 0 = 0
    if log_target:
        target = np.log(target + 1e-3)
    ours = nn.KLDivLoss(reduction=reduction, log_target=log_target)
    theirs = torch.nn.KLDivLoss(reduction=reduction, log_target=log_target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns that "mean" is not the KL divergence
        assert_match(*both(ours, theirs, [log_probs, target], grads=(0,)), **tol(np.float64))


def test_loss_errors_name_the_fix() -> None:
    with pytest.raises(ValueError, match=r"differ.*reshape"):
        nn.L1Loss()(tg.zeros(4, 1), tg.zeros(4))
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.L1Loss(reduction="avg")
    with pytest.raises(ValueError, match="batchmean"):
        nn.KLDivLoss(reduction="average")
    with pytest.raises(TypeError, match="reduction="):
        nn.SmoothL1Loss(size_average=True)


# -- containers -----------------------------------------------------------------------------------
def test_module_dict_parameter_list_and_dict_have_torch_keys() -> None:
    class Ours(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.heads = nn.ModuleDict({"a": nn.Linear(3, 2), "b": nn.Linear(3, 1)})
            self.scales = nn.ParameterList([tg.ones(2), tg.zeros(1)])
            self.extra = nn.ParameterDict({"shift": tg.zeros(3)})

    class Theirs(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.heads = torch.nn.ModuleDict({"a": torch.nn.Linear(3, 2),
                                              "b": torch.nn.Linear(3, 1)})
            self.scales = torch.nn.ParameterList([torch.ones(2), torch.zeros(1)])
            self.extra = torch.nn.ParameterDict({"shift": torch.zeros(3)})

    ours, theirs = Ours(), Theirs()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert len(list(ours.parameters())) == len(list(theirs.parameters())) == 7
    ours.load_state_dict({k: tg.Tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = RNG.standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(ours.heads["b"](tg.Tensor(x)).numpy(),
                               theirs.heads["b"](torch.tensor(x)).detach().numpy(), rtol=1e-6)
    assert list(ours.heads) == list(theirs.heads) == ["a", "b"]
    assert "a" in ours.heads and len(ours.heads) == 2
    ours.heads["c"] = nn.ReLU()
    assert list(ours.heads.keys()) == ["a", "b", "c"]
    assert isinstance(ours.heads.pop("c"), nn.ReLU) and "c" not in ours.heads
    assert isinstance(ours.scales[0], nn.Parameter) and ours.scales[-1].shape == (1,)
    ours.scales.append(tg.ones(4))
    assert list(ours.scales.state_dict()) == ["0", "1", "2"]
    with pytest.raises(IndexError, match="out of range"):
        ours.scales[3]
    with pytest.raises(NotImplementedError, match="pick one by key"):
        ours.heads(x)


# -- pad, normalize, cosine similarity, unflatten, dropout2d --------------------------------------
@pytest.mark.parametrize("mode, widths", [
    ("constant", (1, 2)), ("constant", (2, 1, 0, 3)), ("constant", (-1, 2, 1, -1)),
    ("reflect", (2, 1, 1, 2)), ("replicate", (3, 0, 2, 1)), ("circular", (1, 3, 2, 0)),
])
def test_pad_matches_torch(mode: str, widths: tuple[int, ...]) -> None:
    x = RNG.standard_normal((2, 3, 4, 5))
    value = {"value": 0.5} if mode == "constant" else {}
    assert_match(*both(lambda t: F.pad(t, widths, mode=mode, **value),
                       lambda t: TF.pad(t, widths, mode=mode, **value), [x]), **tol(np.float64))
    with pytest.raises(ValueError, match="pair"):
        F.pad(tg.zeros(2), (1, 1, 1, 1))


@pytest.mark.parametrize("p", [2.0, 1.0, INF, 3.0])
def test_normalize_matches_torch(p: float) -> None:
    x = RNG.standard_normal((4, 5))
    x[1] = 0.0  # a zero vector: output 0 and gradient 0, as torch (not 0/0)
    x[2] = 1e-200
    assert_match(*both(lambda t: F.normalize(t, p=p), lambda t: TF.normalize(t, p=p), [x]),
                 **tol(np.float64))
    assert_match(*both(lambda t: F.normalize(t, dim=0), lambda t: TF.normalize(t, dim=0), [x]),
                 **tol(np.float64))


def test_cosine_similarity_matches_torch() -> None:
    x1, x2 = RNG.standard_normal((4, 6)), RNG.standard_normal((4, 6))
    x1[1] = 0.0
    x2[2] = 1e-12
    assert_match(*both(nn.CosineSimilarity(), torch.nn.CosineSimilarity(), [x1, x2],
                       grads=(0, 1)), **tol(np.float64))
    assert_match(*both(lambda a, b: F.cosine_similarity(a, b, dim=-1),
                       lambda a, b: TF.cosine_similarity(a, b, dim=-1), [x1[:1], x2],
                       grads=(0, 1)), **tol(np.float64))


def test_unflatten_matches_torch() -> None:
    x = RNG.standard_normal((2, 12))
    for dim, size in ((1, (3, 4)), (-1, (2, -1)), (0, (1, 2))):
        ours, theirs = nn.Unflatten(dim, size), torch.nn.Unflatten(dim, size)
        assert repr(ours) == repr(theirs)
        assert_match(*both(ours, theirs, [x]), **tol(np.float64))
    with pytest.raises(ValueError, match="cannot be split"):
        nn.Unflatten(1, (5, 5))(tg.zeros(2, 12))


def test_dropout2d_zeroes_whole_channels() -> None:
    tg.manual_seed(3)
    layer = nn.Dropout2d(p=0.5)
    assert repr(layer) == repr(torch.nn.Dropout2d(p=0.5))
    x = tg.ones(8, 16, 3, 3, requires_grad=True)
    out = layer(x)
    maps = out.numpy().reshape(8, 16, 9)
    kept = maps[:, :, 0]
    assert set(np.unique(kept)) <= {0.0, 2.0} and 0 < (kept == 0).sum() < kept.size
    np.testing.assert_array_equal(maps, np.repeat(kept[:, :, None], 9, axis=2))
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), out.numpy())  # the mask, scaled
    layer.eval()
    assert layer(x) is x


# -- a beginner's model, trained as in PyTorch -----------------------------------------------------
def test_a_small_text_classifier_trains_as_torch() -> None:
    # Embedding -> LayerNorm -> GELU -> mean over tokens -> Linear, with LeakyReLU and SiLU in
    # a ModuleDict; plain SGD. The same weights give the same losses, step by step.
    def build(lib: Any) -> Any:
        class Model(lib.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.emb = lib.nn.Embedding(20, 8, padding_idx=0)
                self.norm = lib.nn.LayerNorm(8)
                self.acts = lib.nn.ModuleDict({"gelu": lib.nn.GELU(), "leaky": lib.nn.LeakyReLU(),
                                               "silu": lib.nn.SiLU()})
                self.head = lib.nn.Linear(8, 3)

            def forward(self, tokens: Any) -> Any:
                h = self.acts["gelu"](self.norm(self.emb(tokens)))
                h = self.acts["silu"](self.acts["leaky"](h)).mean(1)
                return self.head(h)

        return Model()

    ours, theirs = build(tg), build(torch)
    ours.load_state_dict({k: tg.Tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    tokens = RNG.integers(0, 20, (16, 7))
    labels = RNG.integers(0, 3, 16)
    losses = []
    for model, lib, loss_fn in ((ours, tg, F.cross_entropy), (theirs, torch, TF.cross_entropy)):
        curve = []
        for _ in range(5):
            loss = loss_fn(model(lib.tensor(tokens)), lib.tensor(labels))
            model.zero_grad()
            loss.backward()
            with lib.no_grad():
                for p in model.parameters():
                    p -= 0.5 * p.grad
            curve.append(loss.item())
        losses.append(curve)
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-5)
    assert losses[0][-1] < losses[0][0]


# -- recurrent layers ----------------------------------------------------------------------------
RECURRENT = [
    ("RNN", {}), ("RNN", {"nonlinearity": "relu", "bias": False}), ("GRU", {}), ("LSTM", {}),
    ("GRU", {"num_layers": 2, "bidirectional": True, "batch_first": True}),
    ("LSTM", {"num_layers": 2, "bidirectional": True}), ("RNN", {"num_layers": 3}),
]


def _copy_weights(ours: Any, theirs: Any) -> None:
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: tg.Tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, options", RECURRENT, ids=lambda v: str(v))
def test_recurrent_layer_matches_torch(name: str, options: dict[str, Any], dtype: str) -> None:
    theirs = getattr(torch.nn, name)(3, 4, dtype=getattr(torch, dtype), **options)
    ours = getattr(nn, name)(3, 4, dtype=dtype, **options)
    assert repr(ours) == repr(theirs)
    _copy_weights(ours, theirs)
    lstm = name == "LSTM"
    layers = options.get("num_layers", 1) * (2 if options.get("bidirectional") else 1)
    x = RNG.standard_normal((2, 5, 3) if options.get("batch_first") else (5, 2, 3)).astype(dtype)
    h0 = RNG.standard_normal((layers, 2, 4)).astype(dtype)
    c0 = RNG.standard_normal((layers, 2, 4)).astype(dtype)

    def run(lib: Any, layer: Any, x: Any, h0: Any, c0: Any) -> Any:
        out, h_n = layer(x, (h0, c0) if lstm else h0)
        if lstm:
            return out.sum() + (h_n[0] * 2.0).sum() + (h_n[1] * 3.0).sum()
        return out.sum() + (h_n * 2.0).sum()

    mine, reference = both(lambda *a: run(tg, ours, *a), lambda *a: run(torch, theirs, *a),
                           [x, h0, c0], np.array(1.0), grads=(0, 1, 2) if lstm else (0, 1))
    close = {"rtol": 1e-4, "atol": 1e-5} if dtype == "float32" else tol(np.float64)
    assert_match(mine, reference, **close)
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), **close)
    unbatched = x[:, 0] if not options.get("batch_first") else x[0]
    out, expected = ours(tg.Tensor(unbatched))[0], theirs(torch.tensor(unbatched))[0]
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), **close)


@pytest.mark.parametrize("name", ["RNNCell", "GRUCell", "LSTMCell"])
def test_recurrent_cell_matches_torch(name: str) -> None:
    theirs, ours = getattr(torch.nn, name)(3, 4, dtype=torch.float64), getattr(nn, name)(3, 4)
    assert repr(ours) == repr(theirs)
    ours = ours.double()
    _copy_weights(ours, theirs)
    x, h = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 4))

    def pick(out: Any) -> Any:
        return out[0] * 2.0 + out[1] if isinstance(out, tuple) else out

    state = (lambda lib: (lib.tensor(h), lib.tensor(h * 0.5))) if name == "LSTMCell" else (
        lambda lib: lib.tensor(h))
    mine, reference = both(lambda t: pick(ours(t, state(tg))),
                           lambda t: pick(theirs(t, state(torch))), [x])
    assert_match(mine, reference, **tol(np.float64))


def test_recurrent_starts_as_torch_and_errors_name_the_fix() -> None:
    lstm = nn.LSTM(10, 20, num_layers=2)
    bound = 1 / np.sqrt(20)  # every weight uniform in (-1/sqrt(hidden), 1/sqrt(hidden))
    for p in lstm.parameters():
        assert np.abs(p.numpy()).max() <= bound and p.numpy().std() > bound / 3
    assert lstm.weight_ih_l1.shape == torch.nn.LSTM(10, 20, num_layers=2).weight_ih_l1.shape
    with pytest.raises(ValueError, match=r"expected an input of shape \(L, N, 10\)"):
        lstm(tg.zeros(3, 2, 7))
    with pytest.raises(ValueError, match=r"\(h_0, c_0\), each of shape \(2, 2, 20\)"):
        lstm(tg.zeros(3, 2, 10), (tg.zeros(1, 2, 20), tg.zeros(1, 2, 20)))
    with pytest.raises(NotImplementedError, match="proj_size"):
        nn.LSTM(10, 20, proj_size=5)


# -- transposed convolution ---------------------------------------------------------------------
@pytest.mark.parametrize("options", [
    {"kernel_size": 3}, {"kernel_size": 4, "stride": 2, "padding": 1},
    {"kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1},
    {"kernel_size": (2, 3), "stride": (3, 1), "padding": (0, 2)},
    {"kernel_size": 5, "padding": 3}, {"kernel_size": 4, "bias": False}, {"kernel_size": 1},
], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_conv_transpose2d_matches_torch(options: dict[str, Any], dtype: str) -> None:
    theirs = torch.nn.ConvTranspose2d(3, 2, dtype=getattr(torch, dtype), **options)
    ours = nn.ConvTranspose2d(3, 2, dtype=dtype, **options)
    assert repr(ours) == repr(theirs)
    _copy_weights(ours, theirs)
    x = RNG.standard_normal((2, 3, 5, 6)).astype(dtype)
    close = {"rtol": 1e-4, "atol": 1e-5} if dtype == "float32" else tol(np.float64)
    assert_match(*both(ours, theirs, [x]), **close)
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), **close)


def test_conv_transpose2d_starts_as_torch_and_refuses_what_it_lacks() -> None:
    layer = nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1)
    bound = 1 / np.sqrt(32 * 4 * 4)  # fan_in of a transposed kernel: out_channels * kh * kw
    assert np.abs(layer.weight.numpy()).max() <= bound and layer.weight.numpy().std() > bound / 3
    assert layer(tg.zeros(1, 64, 7, 7)).shape == (1, 32, 14, 14)  # DCGAN's upsampling step
    with pytest.raises(NotImplementedError, match="groups"):
        nn.ConvTranspose2d(4, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"expected an input of shape \(N, 64, H, W\)"):
        layer(tg.zeros(1, 3, 7, 7))
    with pytest.raises(ValueError, match="output_padding"):
        F.conv_transpose2d(tg.zeros(1, 1, 2, 2), tg.zeros(1, 1, 3, 3), stride=2,
                           output_padding=2)


# -- names that are not here ----------------------------------------------------------------------
@pytest.mark.parametrize("name, advice", [("Transformer", "nn.Linear"),
                                          ("TransformerDecoderLayer", "MultiheadAttention"),
                                          ("Conv3d", "not part"), ("BatchNorm3d", "GroupNorm"),
                                          ("EmbeddingBag", "Embedding"), ("Upsample", "not part")])
def test_missing_pytorch_names_say_what_to_use(name: str, advice: str) -> None:
    assert hasattr(torch.nn, name)  # a real PyTorch name
    assert not hasattr(nn, name)
    with pytest.raises(AttributeError, match=f"has no {name}: .*{advice}"):
        getattr(nn, name)
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchLayer'"):
        nn.NoSuchLayer  # noqa: B018


# -- differential fuzzing of the masked activations (as tests/test_masked_fuzz.py) ----------------
hypothesis = pytest.importorskip("hypothesis", reason="hypothesis is not installed (dev extra)")
st = hypothesis.strategies
FUZZ_VALUES = [0.0, -0.0, 1.0, -1.0, 6.0, 20.0, 21.0, INF, -INF, NAN, 3e38, -3e38, 1e-45]
FUZZ_STEPS: dict[str, Any] = {
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.1), lambda x: TF.leaky_relu(x, 0.1)),
    "hardtanh": (F.hardtanh, TF.hardtanh),
    "relu6": (F.relu6, TF.relu6),
    "elu": (F.elu, TF.elu),
    "softplus": (F.softplus, TF.softplus),
    "relu": (F.relu, TF.relu),
    "scale": (lambda x: x * 2.0, lambda x: x * 2.0),
}


@st.composite
def masked_programs(draw: Any) -> tuple[list[str], np.ndarray, np.ndarray]:
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    values = st.sampled_from(FUZZ_VALUES) | st.floats(-8, 8, width=32)
    x = np.array(draw(st.lists(values, min_size=4, max_size=4)), dtype=dtype)
    steps = draw(st.lists(st.sampled_from(sorted(FUZZ_STEPS)), min_size=1, max_size=3))
    cotangent = np.array(draw(st.sampled_from(FUZZ_VALUES)), dtype=dtype)
    return steps, x, cotangent


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@hypothesis.settings(max_examples=300, deadline=None, derandomize=True)
@hypothesis.given(masked_programs())
def test_masked_activation_programs_match_torch(program: tuple[Any, ...]) -> None:
    steps, x, cotangent = program

    def ours(t: Any) -> Any:
        for name in steps:
            t = FUZZ_STEPS[name][0](t)
        return t

    def theirs(t: Any) -> Any:
        for name in steps:
            t = FUZZ_STEPS[name][1](t)
        return t

    mine, reference = both(ours, theirs, [x], cotangent)
    for a, b in zip(mine, reference, strict=True):
        np.testing.assert_array_equal(np.isnan(a), np.isnan(b), err_msg=f"program {steps}")
        finite = np.isfinite(b)
        np.testing.assert_array_equal(a[~finite & ~np.isnan(b)], b[~finite & ~np.isnan(b)],
                                      err_msg=f"program {steps}")
        np.testing.assert_allclose(a[finite], b[finite], rtol=1e-5, atol=1e-30,
                                   err_msg=f"program {steps}")
