"""Reductions, the softmax family and the losses against PyTorch at the edges: empty axes,
``dim=()``, negative dims and keepdim, inf and nan, huge and tiny float32 values, ties, integer
and bool inputs, float32 rounding. Each case compares the value, dtype and shape, an error
where PyTorch raises one, and the gradients for a random upstream gradient.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as TF

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed (pip install torch); these tests compare with it"
)
F = torch.nn.functional

INF, NAN = float("inf"), float("nan")
INPUTS = {
    "plain": [[1.0, -2.0, 3.5], [0.25, 4.0, -1.0]],
    "ties": [[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]],
    "nan": [[1.0, NAN, 3.0], [2.0, 0.0, -1.0]],
    "inf": [[INF, 1.0, INF], [-INF, -INF, 0.0]],
    "huge": [[3e38, 3e38, -1e38]],
    "tiny": [[1e-40, 1e-45, 0.0]],
    "empty_rows": np.zeros((0, 3)),
    "empty_cols": np.zeros((3, 0)),
}


def _pair(values, dtype=np.float32, grad=True):
    array = np.array(values, dtype=dtype)
    theirs = torch.tensor(array, requires_grad=grad and array.dtype.kind == "f")
    ours = tg.tensor(array.copy(), requires_grad=grad and array.dtype.kind == "f")
    return ours, theirs


def _same(ours, theirs, rtol=None, atol=0.0) -> None:
    expected = theirs.detach().numpy()
    got = ours.numpy()
    assert got.dtype == expected.dtype and got.shape == expected.shape, (
        f"ours {got.dtype}{got.shape}, torch {expected.dtype}{expected.shape}")
    if rtol is None:
        rtol = 1e-12 if got.dtype == np.float64 else 2e-6
    if got.dtype.kind == "f":
        np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(got, expected)


def compare(ours_fn, torch_fn, *pairs, grad: bool = True, rtol=None, quiet: bool = False) -> None:
    """Run both, then compare the outputs (the first output's gradients too, for a random
    upstream gradient); where PyTorch raises, ours must raise as well. With ``quiet``, no
    NumPy warning may leak from the forward."""
    try:
        theirs = torch_fn(*[t for _, t in pairs])
    except Exception as error:  # PyTorch refuses: so must we
        with pytest.raises(Exception):  # noqa: B017 - the types differ; that it raises counts
            ours_fn(*[o for o, _ in pairs])
        assert str(error)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error" if quiet else "ignore", RuntimeWarning)
        ours = ours_fn(*[o for o, _ in pairs])
    theirs_all = theirs if isinstance(theirs, tuple) else (theirs,)
    ours_all = ours if isinstance(ours, tuple) else (ours,)
    assert len(ours_all) == len(theirs_all)
    for mine, their in zip(ours_all, theirs_all, strict=True):
        _same(mine, their, rtol)
    out = theirs_all[0]
    if not grad or not out.requires_grad:
        return
    upstream = np.random.default_rng(0).uniform(0.5, 1.5, out.shape).astype(
        out.detach().numpy().dtype)
    out.backward(torch.tensor(upstream))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # inf * 0 in some backwards: as C
        ours_all[0].backward(tg.tensor(upstream))
    for mine, their in pairs:
        if their.grad is not None:
            assert mine.grad is not None
            # (softmax's gradient is a difference of near-equal products: an absolute floor)
            atol = 1e-6 if their.grad.dtype == torch.float32 else 1e-14
            _same(mine.grad, their.grad, rtol, atol)


# -- reductions over edge inputs, dims and keepdim -------------------------------------------
REDUCTIONS = ["sum", "mean", "amax", "amin", "nansum", "nanmean", "var", "std",
              "logsumexp", "count_nonzero"]
DIMS = [0, -1, (0, 1), (), [], (-2,)]


@pytest.mark.parametrize("dim", DIMS, ids=repr)
@pytest.mark.parametrize("name, keepdim", [  # (count_nonzero has no keepdim, in torch either)
    (name, keepdim) for name in REDUCTIONS for keepdim in (False, True)
    if not (name == "count_nonzero" and keepdim)])
@pytest.mark.parametrize("case", list(INPUTS))
def test_reductions_match_torch(case: str, name: str, dim, keepdim: bool) -> None:
    options = {"dim": dim} if name == "count_nonzero" else {"dim": dim, "keepdim": keepdim}
    theirs = lambda x: getattr(torch, name)(x, **options)  # noqa: E731
    if name == "logsumexp" and dim in ((), []) and not keepdim:
        # torch's logsumexp(x, dim=()) fails its own shape check; its keepdim=True result
        # reduces every axis, as ours does in both cases: compared without the kept axes
        theirs = lambda x: torch.logsumexp(x, dim, keepdim=True).reshape(())  # noqa: E731
    pair = _pair(INPUTS[case])
    # NumPy warns of inf - inf and overflow in sums and elementwise steps (the engine's sums
    # stay unguarded: they are on every training step's path); the numbers count all the same.
    # Over empty axes and for var/std, nothing may warn where torch is silent.
    quiet = case.startswith("empty") or name in ("var", "std")
    # torch's var/std backward takes dim=() as "no axis" (n = 1, so 2 / (n - 1) = inf) while
    # its forward reduces every axis: its gradient there is not the value's; ours is. And for
    # logsumexp([3e38, 3e38, -1e38]) torch's exp(x - z) uses the rounded z: 1 for each of the
    # two peaks, where the derivative (softmax) is 1/2, as ours.
    grad = not (name in ("var", "std") and dim in ((), [])) and not (
        name == "logsumexp" and case == "huge")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch's "degrees of freedom <= 0"
        compare(lambda x: getattr(x, name)(**options), theirs, pair, grad=grad, quiet=quiet)


@pytest.mark.parametrize("name", ["sum", "mean", "amax", "amin", "var", "std", "prod",
                                  "max", "min", "argmax", "argmin", "logsumexp", "median"])
@pytest.mark.parametrize("case", ["plain", "ties", "nan", "inf", "empty_rows"])
def test_full_reductions_match_torch(case: str, name: str) -> None:
    pair = _pair(INPUTS[case])
    if name == "logsumexp":
        compare(lambda x: x.logsumexp((0, 1)), lambda x: torch.logsumexp(x, (0, 1)), pair)
    else:
        compare(lambda x: getattr(x, name)(), lambda x: getattr(torch, name)(x), pair)


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name, keepdim", [  # (the scans and softmaxes have no keepdim)
    *[(name, keepdim) for name in ("max", "min", "argmax", "argmin", "prod")
      for keepdim in (False, True)],
    *[(name, None) for name in ("cumsum", "cumprod", "logcumsumexp", "cummax", "softmax",
                                "log_softmax")]])
@pytest.mark.parametrize("case", ["ties", "nan", "inf", "tiny", "empty_rows"])
def test_reductions_along_one_dim_match_torch(case: str, name: str, dim: int,
                                              keepdim: bool | None) -> None:
    options: dict[str, Any] = {"dim": dim}
    if keepdim is not None:
        options["keepdim"] = keepdim
    compare(lambda x: getattr(x, name)(**options), lambda x: getattr(torch, name)(x, **options),
            _pair(INPUTS[case]))


@pytest.mark.parametrize("dtype", [np.int64, np.bool_])
@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "amax", "argmax", "argmin",
                                  "softmax", "log_softmax", "logsumexp", "nansum",
                                  "count_nonzero", "all", "any", "prod", "cumsum"])
def test_integer_and_bool_inputs_as_torch(name: str, dtype) -> None:
    """sum of bools counts in int64; var/std/mean/softmax of integers raise, as in torch."""
    compare(lambda x: getattr(x, name)(0), lambda x: getattr(torch, name)(x, 0),
            _pair([[1, 0, 3], [2, 0, 1]], dtype=dtype))


@pytest.mark.parametrize("options", [{}, {"correction": 0}, {"correction": 2},
                                     {"correction": 3}, {"unbiased": False}, {"correction": 5}])
@pytest.mark.parametrize("name", ["var", "std", "var_mean", "std_mean"])
def test_correction_matches_torch(name: str, options: dict) -> None:
    values = [[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]]
    for dim in (None, 1, ()):
        where = {} if dim is None else {"dim": dim}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # torch's "degrees of freedom <= 0"
            compare(lambda x, where=where: getattr(tg, name)(x, **where, **options),
                    lambda x, where=where: getattr(torch, name)(x, **where, **options),
                    _pair(values),
                    grad=dim != ())  # torch's gradient at dim=(): see the test above


def test_float32_std_and_var_round_as_torch() -> None:
    """torch adds the squares in float64 and rounds once (a one-number result centres on the
    float32 mean): the float32 std of these rows was 1 ulp off torch's in about half the
    cases before (ours added float32 squares). Along a dim torch's float64 sums are Welford's
    and ours two-pass: after rounding, at most 1 ulp apart, rarely (4 of 10,332 here)."""
    rng = np.random.default_rng(7)
    exact = compared = differ = total = 0
    for _ in range(150):
        rows, size = int(rng.integers(2, 5)), int(rng.integers(2, 60))
        scale, offset = 10.0 ** rng.integers(-3, 5), 10.0 ** rng.integers(-3, 5)
        x = (rng.standard_normal((rows, size)) * scale + offset).astype(np.float32)
        for dim in (0, 1):
            for name in ("std", "var"):
                ours = getattr(tg.tensor(x), name)(dim).numpy()
                theirs = getattr(torch.tensor(x), name)(dim).numpy()
                ulps = np.abs(ours.view(np.int32) - theirs.view(np.int32))
                assert ulps.max() <= 1
                differ, total = differ + int((ulps != 0).sum()), total + ulps.size
        # The whole tensor: torch centres on its own float32 mean, whose adding order NumPy
        # does not share; where the two means agree, the result must agree to the bit.
        if np.float32(x.mean()) == torch.tensor(x).mean().item():
            compared += 1
            exact += tg.tensor(x).std().item() == torch.tensor(x).std().item()
    assert compared > 50 and exact == compared
    assert differ <= total // 1000, (differ, total)


def test_std_at_float32_extremes_matches_torch() -> None:
    """huge: the float32 mean overflows, so torch's std is inf (ours was 2.3e38); tiny: torch's
    gradient 1 / (2 std) overflows to inf (ours was finite); [-1e20, 1e20] has no overflow."""
    for values in ([[3e38, 3e38, -1e38]], [[1e-40, 1e-45, 0.0]], [[-1e20, 1e20]]):
        for dim in (None, 1):
            where = {} if dim is None else {"dim": dim}
            compare(lambda x, where=where: x.std(**where),
                    lambda x, where=where: x.std(**where), _pair(values))


# -- norms and the softmax family --------------------------------------------------------------
@pytest.mark.parametrize("p", [1, 2, 3, 0.5, INF, -INF])
@pytest.mark.parametrize("case", ["plain", "ties", "nan", "tiny", "empty_cols"])
def test_norm_matches_torch(case: str, p: float) -> None:
    """The inf-norm's gradient at a nan is 0 (max()'s rule, sign(nan) = 0), as torch: it was
    nan (amax's); dim=() is every axis (it was none)."""
    for dim in (None, 1, (0, 1), ()):
        compare(lambda x, dim=dim: x.norm(p, dim),
                lambda x, dim=dim: torch.linalg.vector_norm(x, p, dim),
                _pair(INPUTS[case]), rtol=1e-5)


@pytest.mark.parametrize("case", ["plain", "ties", "nan", "inf", "huge", "empty_rows"])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_functional_softmax_family_matches_torch(name: str, case: str) -> None:
    for dim in (0, -1):
        compare(lambda x, dim=dim: getattr(TF, name)(x, dim=dim),
                lambda x, dim=dim: getattr(F, name)(x, dim=dim),
                _pair(INPUTS[case]))
    compare(lambda x: getattr(TF, name)(x, dim=1, dtype=tg.float64),
            lambda x: getattr(F, name)(x, dim=1, dtype=torch.float64), _pair(INPUTS[case]))


# -- losses ------------------------------------------------------------------------------------
LOGITS = {
    "plain": [[0.5, -1.0, 2.0], [1.0, 1.0, 1.0], [3.0, 0.0, -2.0], [-1.0, 4.0, 0.0]],
    "big": [[1e8, 0.0, -1e8], [0.0, 0.0, 0.0], [3.0, 1.0, 2.0], [-5.0, 5.0, 0.0]],
    "inf": [[INF, 0.0, 1.0], [0.0, -INF, 1.0], [1.0, 2.0, 3.0], [0.0, 0.0, 0.0]],
}
TARGETS = {"plain": [0, 2, 1, 0], "some_ignored": [0, -100, 1, -100],
           "all_ignored": [-100, -100, -100, -100]}
OPTIONS = [{}, {"label_smoothing": 0.1}, {"weight": [1.0, 2.0, 0.5]}, {"ignore_index": 1},
           {"weight": [1.0, 2.0, 0.5], "label_smoothing": 0.2}]


def _options(options: dict, framework):
    return {key: framework.tensor(np.float32(value)) if key == "weight" else value
            for key, value in options.items()}


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: "-".join(o) or "plain")
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("targets", list(TARGETS))
@pytest.mark.parametrize("logits", list(LOGITS))
def test_class_losses_match_torch(logits: str, targets: str, reduction: str,
                                  options: dict) -> None:
    x = _pair(LOGITS[logits])
    t = _pair(TARGETS[targets], dtype=np.int64)
    compare(lambda a, b: TF.cross_entropy(a, b, reduction=reduction, **_options(options, tg)),
            lambda a, b: F.cross_entropy(a, b, reduction=reduction, **_options(options, torch)),
            x, t)
    if "label_smoothing" not in options:
        x = _pair(LOGITS[logits])
        compare(lambda a, b: TF.nll_loss(a, b, reduction=reduction, **_options(options, tg)),
                lambda a, b: F.nll_loss(a, b, reduction=reduction, **_options(options, torch)),
                x, t)


@pytest.mark.parametrize("options", [{}, {"label_smoothing": 0.3}, {"weight": [1.0, 2.0, 0.5]}],
                         ids=lambda o: "-".join(o) or "plain")
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_with_probabilities_matches_torch(reduction: str, options: dict) -> None:
    probabilities = [[0.2, 0.3, 0.5], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.1, 0.8, 0.1]]
    compare(lambda a, b: TF.cross_entropy(a, b, reduction=reduction, **_options(options, tg)),
            lambda a, b: F.cross_entropy(a, b, reduction=reduction,
                                         **_options(options, torch)),
            _pair(LOGITS["plain"]), _pair(probabilities))


PREDICTIONS = {
    "plain": ([0.5, -1.0, 2.0, 3.0], [0.0, 0.0, 2.5, -1.0]),
    "edges": ([INF, 1.0, NAN, 0.0], [1.0, INF, 0.0, 0.0]),
    "empty": ([], []),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name, weighted", [  # (smooth_l1_loss takes no weight, in torch either)
    ("mse_loss", False), ("mse_loss", True), ("l1_loss", False), ("l1_loss", True),
    ("huber_loss", False), ("huber_loss", True), ("smooth_l1_loss", False)])
@pytest.mark.parametrize("case", list(PREDICTIONS))
def test_pointwise_losses_match_torch(case: str, name: str, reduction: str,
                                      weighted: bool) -> None:
    """torch 2.13's l1_loss, mse_loss and huber_loss take weight= (huber's mean divides by
    the count, the others' by the sum of the weights); l1 and huber were TypeErrors here."""
    values, targets = PREDICTIONS[case]
    weight = np.linspace(0.5, 2.0, len(values)).astype(np.float32)
    extra = (lambda fw: {"weight": fw.tensor(weight)}) if weighted else (lambda fw: {})
    compare(lambda a, b: getattr(TF, name)(a, b, reduction=reduction, **extra(tg)),
            lambda a, b: getattr(F, name)(a, b, reduction=reduction, **extra(torch)),
            _pair(values), _pair(targets))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", ["interior", "at_0_and_1", "float64"])
def test_binary_cross_entropy_matches_torch(case: str, reduction: str) -> None:
    """At p = 0 or 1 torch clamps the log to -100; the target's gradient is +-inf there."""
    p = {"interior": [0.2, 0.5, 0.9], "at_0_and_1": [0.0, 1.0, 0.5],
         "float64": [0.0, 1.0, 0.3]}[case]
    dtype = np.float64 if case == "float64" else np.float32
    for y in ([0.0, 1.0, 0.5], [1.0, 0.0, 1.0]):
        for weight in (None, [1.0, 0.0, 3.0]):
            def extra(fw, weight=weight):
                return {} if weight is None else {"weight": fw.tensor(np.array(weight, dtype))}
            compare(lambda a, b, extra=extra: TF.binary_cross_entropy(
                        a, b, reduction=reduction, **extra(tg)),
                    lambda a, b, extra=extra: F.binary_cross_entropy(
                        a, b, reduction=reduction, **extra(torch)),
                    _pair(p, dtype), _pair(y, dtype))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("option", ["none", "pos_weight", "weight", "scalar_pos_weight"])
@pytest.mark.parametrize("logits", [[-2.0, 0.0, 3.0], [-1e4, 1e4, 0.0], [INF, -INF, 0.0]])
def test_bce_with_logits_matches_torch(logits: list, option: str, reduction: str) -> None:
    """The target's gradient at a logit of -1e4 was nan (log σ(-1e4) = log 0); torch's is
    -x without pos_weight, log σ(-x) - p log σ(x) with it."""
    values = {"none": None, "pos_weight": [2.0, 0.5, 1.0], "weight": [1.0, 0.0, 3.0],
              "scalar_pos_weight": [3.0]}[option]
    key = "weight" if option == "weight" else "pos_weight"
    extra = (lambda fw: {}) if values is None else (
        lambda fw: {key: fw.tensor(np.float32(values))})
    for y in ([0.0, 1.0, 0.5], [1.0, 0.0, 1.0]):
        compare(lambda a, b: TF.binary_cross_entropy_with_logits(a, b, reduction=reduction,
                                                                 **extra(tg)),
                lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction,
                                                                **extra(torch)),
                _pair(logits), _pair(y))


@pytest.mark.parametrize("log_target", [False, True])
@pytest.mark.parametrize("reduction", ["batchmean", "sum", "none"])
def test_kl_div_matches_torch(reduction: str, log_target: bool) -> None:
    """A target of 0 that requires grad: torch's gradient there is nan (t log t has slope
    -inf at 0); ours was finite."""
    log_probs = [[-1.2, -0.5, -2.0], [-INF, -0.1, -3.0]]
    targets = [[0.0, 1.0, 0.0], [0.5, 0.5, 0.0]]
    if log_target:
        targets = np.log(np.array(targets, dtype=np.float32) + 0.1)
    compare(lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=log_target),
            lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
            _pair(log_probs), _pair(targets))


def test_mse_loss_gradient_with_and_without_create_graph() -> None:
    """The first-order backward reuses the difference saved in forward; with create_graph
    the recorded formula gives the second derivative (2 / n per element for "mean")."""
    x, theirs = _pair([[0.5, -1.0], [2.0, 3.0]], dtype=np.float64)
    target, their_target = _pair([[0.0, 0.0], [2.5, -1.0]], dtype=np.float64)
    compare(lambda a, b: TF.mse_loss(a, b), lambda a, b: F.mse_loss(a, b),
            (x, theirs), (target, their_target))
    x = tg.tensor([[0.5, -1.0], [2.0, 3.0]], dtype=tg.float64, requires_grad=True)
    (grad,) = tg.autograd.grad(TF.mse_loss(x, tg.zeros_like(x)), [x], create_graph=True)
    (second,) = tg.autograd.grad(grad.sum(), [x])
    np.testing.assert_allclose(second.numpy(), np.full((2, 2), 0.5))


@pytest.mark.parametrize("options", [{}, {"dim": 1}, {"dim": 0, "keepdim": True},
                                     {"dim": (0, 1), "correction": 0}, {"dim": ()}], ids=repr)
@pytest.mark.parametrize("name", ["std", "var"])
def test_std_and_var_second_derivatives(name: str, options: dict) -> None:
    """Std is its own primitive now: its backward recomputes z recorded under create_graph,
    so gradgradcheck (float64, central differences) holds as for the composed form."""
    from tinygrad_edu.gradcheck import gradcheck, gradgradcheck

    x = tg.tensor(np.random.default_rng(3).standard_normal((3, 4)), requires_grad=True)
    assert gradcheck(lambda t: getattr(t, name)(**options), (x,))
    assert gradgradcheck(lambda t: getattr(t, name)(**options), (x,))
