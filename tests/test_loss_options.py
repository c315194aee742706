"""The classification losses' PyTorch options (weight, ignore_index, label_smoothing,
class-probability targets, the deprecated size_average/reduce) and PyTorch's positional
order, for cross_entropy/nll_loss and the loss modules, against torch: values and gradients."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn
from tinygrad_edu.ops.nn_ops import CrossEntropy, NLLLoss

torch = pytest.importorskip("torch", reason="these tests compare with PyTorch (pip install torch)")
TF = torch.nn.functional

DTYPES = {"float32": (np.float32, 2e-6), "float64": (np.float64, 1e-12)}
REDUCTIONS = ("mean", "sum", "none")


def _targets(shape: tuple[int, ...], classes: int, rng: np.random.Generator,
             ignore: int | None) -> np.ndarray:
    """Class indices of ``shape``; about a third set to ``ignore`` (at least one) if given."""
    targets = rng.integers(0, classes, size=shape)
    if ignore is not None and targets.size:
        mask = rng.random(shape) < 0.34
        mask.flat[0] = True
        targets[mask] = ignore
    return targets


def _compare(ours: tg.Tensor, theirs: torch.Tensor, tol: float) -> None:
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=tol, atol=tol,
                               equal_nan=True)


def _run(fn_ours, fn_theirs, x: np.ndarray, *, tol: float, extra_ours=None,
         extra_theirs=None, target_grad: np.ndarray | None = None) -> None:
    """Call both losses on the same input, compare the values, then the input's gradients
    (and the probability targets' gradients, if ``target_grad`` is the target array)."""
    ours_x = tg.tensor(x, requires_grad=True)
    theirs_x = torch.tensor(x, requires_grad=True)
    ours_t = theirs_t = None
    if target_grad is not None:
        ours_t = tg.tensor(target_grad, requires_grad=True)
        theirs_t = torch.tensor(target_grad, requires_grad=True)
    ours = fn_ours(ours_x, ours_t)
    theirs = fn_theirs(theirs_x, theirs_t)
    assert tuple(ours.shape) == tuple(theirs.shape)
    _compare(ours, theirs, tol)
    seed = np.random.default_rng(7).random(tuple(theirs.shape)).astype(x.dtype)
    ours.backward(tg.tensor(seed))
    theirs.backward(torch.tensor(seed))
    assert ours_x.grad is not None
    _compare(ours_x.grad, theirs_x.grad, tol)
    if target_grad is not None:
        assert ours_t is not None and ours_t.grad is not None and theirs_t is not None
        _compare(ours_t.grad, theirs_t.grad, tol)


SHAPES = [(6, 4), (3, 5, 2, 3)]  # (N, C) and the K-dimensional (N, C, d1, d2)


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["no_weight", "weight"])
@pytest.mark.parametrize("ignore", [None, -100, 1, 7], ids=lambda i: f"ignore={i}")
@pytest.mark.parametrize("loss, smoothing", [("cross_entropy", 0.0), ("cross_entropy", 0.3),
                                             ("nll_loss", 0.0)])  # nll_loss: no smoothing
def test_class_index_options_match_torch(loss, smoothing, ignore, weighted, reduction, shape,
                                         dtype) -> None:
    np_dtype, tol = DTYPES[dtype]
    rng = np.random.default_rng(sum(map(ord, f"{loss}{smoothing}{ignore}{weighted}{shape}")))
    classes = shape[1]
    x = rng.standard_normal(shape).astype(np_dtype) * 3
    # ignore=None: the default ignore_index (-100), never hit; 7: an index no target uses
    targets = _targets((shape[0], *shape[2:]), classes, rng,
                       ignore if ignore is not None and ignore != 7 else None)
    weight = rng.random(classes).astype(np_dtype) + 0.2 if weighted else None
    kwargs: dict = {"reduction": reduction}
    if ignore is not None:
        kwargs["ignore_index"] = ignore
    if smoothing:
        kwargs["label_smoothing"] = smoothing

    def ours(t, _):
        w = None if weight is None else tg.tensor(weight)
        return getattr(F, loss)(t, tg.tensor(targets), w, **kwargs)

    def theirs(t, _):
        w = None if weight is None else torch.tensor(weight)
        return getattr(TF, loss)(t, torch.tensor(targets), w, **kwargs)

    _run(ours, theirs, x, tol=tol * 10)


@pytest.mark.parametrize("dtype", list(DTYPES))
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["no_weight", "weight"])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_probability_targets_match_torch(smoothing, weighted, reduction, shape, dtype) -> None:
    np_dtype, tol = DTYPES[dtype]
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape).astype(np_dtype)
    q = rng.random(shape).astype(np_dtype)
    q /= q.sum(axis=1, keepdims=True)
    weight = rng.random(shape[1]).astype(np_dtype) + 0.2 if weighted else None
    kwargs = {"reduction": reduction, "label_smoothing": smoothing}

    def ours(t, target):
        w = None if weight is None else tg.tensor(weight)
        return F.cross_entropy(t, target, weight=w, **kwargs)

    def theirs(t, target):
        w = None if weight is None else torch.tensor(weight)
        return TF.cross_entropy(t, target, weight=w, **kwargs)

    _run(ours, theirs, x, tol=tol * 10, target_grad=q)


def test_the_plain_call_stays_on_the_fused_operation() -> None:
    x = tg.randn(4, 3, requires_grad=True)
    plain = tg.tensor([0, 2, 1, 1])
    assert F.cross_entropy(x, plain)._ctx.fn is CrossEntropy
    assert F.cross_entropy(x, plain, ignore_index=-1)._ctx.fn is CrossEntropy  # never hit
    assert nn.CrossEntropyLoss()(x, plain)._ctx.fn is CrossEntropy
    assert F.nll_loss(x.log_softmax(1), plain)._ctx.fn is NLLLoss
    # an option, or a target equal to ignore_index, takes the composed path
    assert F.cross_entropy(x, tg.tensor([0, -100, 1, 1]))._ctx.fn is not CrossEntropy
    assert F.cross_entropy(x, plain, label_smoothing=0.1)._ctx.fn is not CrossEntropy
    assert F.cross_entropy(x, plain, weight=tg.ones(3))._ctx.fn is not CrossEntropy
    assert F.cross_entropy(x, plain, ignore_index=2)._ctx.fn is not CrossEntropy


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True], ids=["no_weight", "weight"])
@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_all_targets_ignored_and_empty_batch(loss, weighted, reduction) -> None:
    for shape, targets in (((3, 4), np.full(3, -100)), ((0, 4), np.zeros(0, dtype=np.int64)),
                           ((2, 4, 3), np.full((2, 3), 5))):
        x = np.random.default_rng(0).standard_normal(shape)
        weight = np.array([1.0, 2.0, 3.0, 4.0]) if weighted else None
        ignore = 5 if shape == (2, 4, 3) else -100
        kwargs = {"reduction": reduction, "ignore_index": ignore}

        def ours(t, _, targets=targets, weight=weight, kwargs=kwargs):
            w = None if weight is None else tg.tensor(weight)
            return getattr(F, loss)(t, tg.tensor(targets), w, **kwargs)

        def theirs(t, _, targets=targets, weight=weight, kwargs=kwargs):
            w = None if weight is None else torch.tensor(weight)
            return getattr(TF, loss)(t, torch.tensor(targets), w, **kwargs)

        with warnings.catch_warnings():
            warnings.simplefilter("error")  # 0 / 0 gives nan quietly, as in PyTorch
            _run(ours, theirs, x, tol=1e-12)
        if reduction == "mean":
            assert np.isnan(ours(tg.tensor(x), None).item())


@pytest.mark.parametrize("option", ["plain", "weight", "ignore", "smoothing"])
@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan], ids=["inf", "-inf", "nan"])
def test_inf_and_nan_logits_match_torch(bad, option) -> None:
    x = np.random.default_rng(1).standard_normal((4, 3))
    x[0, 1] = bad  # row 0 has target 0: a bad non-target logit
    x[2, 2] = bad  # row 2 has target 2 (ignored when option == "ignore")
    targets = np.array([0, 1, -100 if option == "ignore" else 2, 1])
    kwargs: dict = {
        "plain": {}, "weight": {"weight": np.array([0.5, 1.0, 2.0])}, "ignore": {},
        "smoothing": {"label_smoothing": 0.1},
    }[option]

    def ours(t, _):
        extra = {k: tg.tensor(v) if k == "weight" else v for k, v in kwargs.items()}
        return F.cross_entropy(t, tg.tensor(targets), reduction="none", **extra)

    def theirs(t, _):
        extra = {k: torch.tensor(v) if k == "weight" else v for k, v in kwargs.items()}
        return TF.cross_entropy(t, torch.tensor(targets), reduction="none", **extra)

    with np.errstate(all="ignore"):
        _run(ours, theirs, x, tol=1e-12)


def test_second_derivative_of_a_weighted_smoothed_loss_matches_torch() -> None:
    x = np.random.default_rng(2).standard_normal((3, 4))
    targets, weight = np.array([1, -100, 3]), np.array([1.0, 0.5, 2.0, 3.0])
    ours_x = tg.tensor(x, requires_grad=True)
    theirs_x = torch.tensor(x, requires_grad=True)
    ours = F.cross_entropy(ours_x, tg.tensor(targets), tg.tensor(weight), label_smoothing=0.2)
    theirs = TF.cross_entropy(theirs_x, torch.tensor(targets), torch.tensor(weight),
                              label_smoothing=0.2)
    (g_ours,) = tg.autograd.grad(ours, [ours_x], create_graph=True)
    (g_theirs,) = torch.autograd.grad(theirs, [theirs_x], create_graph=True)
    (g_ours * g_ours).sum().backward()
    (g_theirs * g_theirs).sum().backward()
    _compare(ours_x.grad, theirs_x.grad, 1e-12)


def test_a_weight_that_learns_gets_the_gradient_of_the_weighted_mean() -> None:
    # PyTorch refuses a class-index weight that requires grad; here it gets the gradient of
    # sum(w[t] loss) / sum(w[t]), checked against that formula written with torch operations.
    x = np.random.default_rng(4).standard_normal((5, 3))
    targets, weight = np.array([0, 1, 2, -100, 1]), np.array([1.0, 0.5, 2.0])
    ours_w = tg.tensor(weight, requires_grad=True)
    theirs_w = torch.tensor(weight, requires_grad=True)
    F.cross_entropy(tg.tensor(x), tg.tensor(targets), ours_w).backward()
    kept = torch.tensor(targets[targets != -100])
    losses = TF.cross_entropy(torch.tensor(x[targets != -100]), kept, reduction="none")
    ((theirs_w[kept] * losses).sum() / theirs_w[kept].sum()).backward()
    _compare(ours_w.grad, theirs_w.grad, 1e-12)


def test_modules_take_the_options_positionally_as_torch() -> None:
    x = np.random.default_rng(5).standard_normal((6, 3))
    targets, weight = np.array([0, 1, 2, 1, 0, 2]), np.array([1.0, 0.5, 2.0])
    ours = nn.CrossEntropyLoss(tg.tensor(weight), None, 2, None, "sum", 0.1)
    theirs = torch.nn.CrossEntropyLoss(torch.tensor(weight), None, 2, None, "sum", 0.1)
    _compare(ours(tg.tensor(x), tg.tensor(targets)),
             theirs(torch.tensor(x), torch.tensor(targets)), 1e-12)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    assert "ignore_index=2" in repr(ours)
    log_p = torch.tensor(x).log_softmax(1)
    ours_nll = nn.NLLLoss(tg.tensor(weight), None, 0, None, "none")
    theirs_nll = torch.nn.NLLLoss(torch.tensor(weight), None, 0, None, "none")
    _compare(ours_nll(tg.tensor(log_p.numpy()), tg.tensor(targets)),
             theirs_nll(log_p, torch.tensor(targets)), 1e-12)
    p, y = np.array([0.2, 0.9, 0.5]), np.array([0.0, 1.0, 1.0])
    bce_w, pos_w = np.array([1.0, 2.0, 3.0]), np.array([0.5, 1.5, 4.0])
    _compare(nn.BCELoss(tg.tensor(bce_w), None, None, "sum")(tg.tensor(p), tg.tensor(y)),
             torch.nn.BCELoss(torch.tensor(bce_w), None, None, "sum")(
                 torch.tensor(p), torch.tensor(y)), 1e-12)
    ours_bwl = nn.BCEWithLogitsLoss(tg.tensor(bce_w), None, None, "none", tg.tensor(pos_w))
    theirs_bwl = torch.nn.BCEWithLogitsLoss(torch.tensor(bce_w), None, None, "none",
                                            torch.tensor(pos_w))
    _compare(ours_bwl(tg.tensor(p), tg.tensor(y)), theirs_bwl(torch.tensor(p), torch.tensor(y)),
             1e-12)
    _compare(nn.MSELoss(None, None, "sum")(tg.tensor(p), tg.tensor(y)),
             torch.nn.MSELoss(None, None, "sum")(torch.tensor(p), torch.tensor(y)), 1e-12)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_weight_matches_torch(reduction) -> None:
    rng = np.random.default_rng(6)
    x, y, w = rng.standard_normal((4, 2)), rng.standard_normal((4, 2)), rng.random((4, 2))
    _run(lambda t, _: F.mse_loss(t, tg.tensor(y), None, None, reduction, tg.tensor(w)),
         lambda t, _: TF.mse_loss(t, torch.tensor(y), None, None, reduction, torch.tensor(w)),
         x, tol=1e-12)


FUNCTIONS = ["cross_entropy", "nll_loss", "mse_loss", "binary_cross_entropy",
             "binary_cross_entropy_with_logits"]
MODULES = ["CrossEntropyLoss", "NLLLoss", "MSELoss", "BCELoss", "BCEWithLogitsLoss"]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_functions_have_torchs_parameters_in_torchs_order(name) -> None:
    ours = list(inspect.signature(getattr(F, name)).parameters)
    theirs = list(inspect.signature(getattr(TF, name)).parameters)
    assert ours == theirs
    defaults = {k: p.default for k, p in inspect.signature(getattr(F, name)).parameters.items()}
    for key, param in inspect.signature(getattr(TF, name)).parameters.items():
        assert defaults[key] == param.default, key


@pytest.mark.parametrize("name", MODULES)
def test_modules_have_torchs_parameters_in_torchs_order(name) -> None:
    for method in ("__init__", "forward"):
        ours = inspect.signature(getattr(getattr(nn, name), method)).parameters
        theirs = inspect.signature(getattr(getattr(torch.nn, name), method)).parameters
        assert list(ours) == list(theirs), method
        assert [p.default for p in ours.values()] == [p.default for p in theirs.values()]


@pytest.mark.parametrize("size_average, reduce", [(False, None), (None, False), (True, True),
                                                  (False, True), (True, False)])
def test_deprecated_size_average_and_reduce_are_refused_with_the_reduction_to_use(
        size_average, reduce) -> None:
    from torch.nn import _reduction

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        meant = _reduction.legacy_get_string(size_average, reduce)
    x, t = tg.randn(2, 3), tg.tensor([0, 1])
    calls = [
        lambda: F.cross_entropy(x, t, size_average=size_average, reduce=reduce),
        lambda: F.nll_loss(x, t, None, size_average, -100, reduce),
        lambda: nn.CrossEntropyLoss(None, size_average, -100, reduce),
        lambda: nn.NLLLoss(size_average=size_average, reduce=reduce),
        lambda: nn.MSELoss(size_average, reduce),
        lambda: nn.BCELoss(None, size_average, reduce),
        lambda: nn.BCEWithLogitsLoss(None, size_average, reduce),
        lambda: F.mse_loss(x, x, size_average, reduce),
        lambda: F.binary_cross_entropy(x.sigmoid(), x.sigmoid(), None, size_average, reduce),
        lambda: F.binary_cross_entropy_with_logits(x, x.sigmoid(), None, size_average, reduce),
    ]
    for call in calls:
        with pytest.raises(TypeError, match=f"reduction='{meant}'"):
            call()


def test_bad_options_are_refused_clearly() -> None:
    x, t = tg.randn(3, 4), tg.tensor([0, 1, 3])
    # a reduction passed where PyTorch's order has another parameter is refused, not misread
    for call in (lambda: F.cross_entropy(x, t, "sum"), lambda: F.nll_loss(x, t, None, "sum"),
                 lambda: F.mse_loss(x, x, "sum"), lambda: nn.MSELoss("none"),
                 lambda: nn.BCELoss(None, "sum"),
                 lambda: F.binary_cross_entropy_with_logits(x, x.sigmoid(), None, "sum")):
        with pytest.raises(TypeError, match="weight must be a Tensor|pass reduction='(sum|none)'"):
            call()
    with pytest.raises(TypeError, match="weight is float64 and the input float32"):
        F.cross_entropy(x, t, weight=tg.ones(4, dtype=tg.float64))
    with pytest.raises(TypeError, match="weight is float64 and the input float32"):
        nn.NLLLoss(tg.ones(4, dtype=tg.float64))(x, t)
    with pytest.raises(ValueError, match=r"one number per class \(4\)"):
        F.cross_entropy(x, t, weight=tg.ones(3))
    with pytest.raises(TypeError, match="weight must be a Tensor"):
        F.cross_entropy(x, t, weight=[1.0, 1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"label_smoothing must lie in \[0, 1\]"):
        F.cross_entropy(x, t, label_smoothing=1.5)
    with pytest.raises(TypeError, match="Class probabilities as targets must have the input's"
                                        " shape"):
        F.cross_entropy(x, tg.rand(3, 4, dtype=tg.float64))
    with pytest.raises(ValueError, match="ignore_index applies to class-index targets only"):
        F.cross_entropy(x, tg.rand(3, 4), ignore_index=1)  # PyTorch refuses it too
    with pytest.raises(ValueError, match="weight of shape"):
        F.mse_loss(x, x, weight=tg.ones(3))
    # targets out of range stay an IndexError, also next to ignored ones
    for bad, kwargs in (([0, 4, -100], {}), ([0, -1, -100], {}),
                        ([0, -100, 1], {"ignore_index": -1}), ([0, 9, 2], {"weight": tg.ones(4)})):
        with pytest.raises(IndexError, match=f"target {bad[1]} is out of bounds"):
            F.cross_entropy(x, tg.tensor(bad), **kwargs)
        with pytest.raises(IndexError, match=f"target {bad[1]} is out of bounds"):
            F.nll_loss(x, tg.tensor(bad), **kwargs)
