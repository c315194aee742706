"""tinygrad_edu against PyTorch on the same inputs: forward values, gradients (with a random
cotangent) and second derivatives (a random direction through create_graph=True), in float64.

Points where a function is not differentiable (relu and abs at 0, ties in max, maximum and
minimum, clip at its bounds) are tested on purpose here: PyTorch's conventions there are the
ones learners will meet again, so ours must agree.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed; these comparison tests need it"
)
F = torch.nn.functional

RTOL = 1e-10
ATOL = 1e-12


@dataclass
class Case:
    """One comparison: the same function written for each library, and its float64 inputs."""

    name: str
    ours: Callable[..., Any]
    theirs: Callable[..., Any]
    inputs: Sequence[np.ndarray]
    second_derivative: bool = True

    def __str__(self) -> str:
        return self.name


def rng_for(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))


def normal(*shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=shape)


def uniform(low: float, high: float, *shape: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, high, size=shape)


def with_ties() -> np.ndarray:
    """A 3 x 4 matrix whose rows and columns hold tied maxima and minima."""
    return np.array([[1.0, 3.0, 3.0, -2.0], [0.5, 0.5, 0.5, 0.5], [-1.0, 2.0, -1.0, 2.0]])


def as_numpy(x: Any) -> np.ndarray:
    if isinstance(x, Tensor):
        return x.numpy()
    return x.detach().numpy(force=True)  # force: PyTorch may return a lazy "ZeroTensor"


def assert_close(ours: Any, theirs: Any, what: str) -> None:
    ours_array, theirs_array = as_numpy(ours), as_numpy(theirs)
    assert ours_array.shape == theirs_array.shape, f"{what}: shapes differ"
    np.testing.assert_allclose(ours_array, theirs_array, rtol=RTOL, atol=ATOL, err_msg=what)


def compare(case: Case) -> None:
    """Forward, gradient and second derivative of ``case`` in both libraries."""
    rng = rng_for(case.name)
    ours_in = [Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in case.inputs]
    theirs_in = [
        torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in case.inputs
    ]
    ours_out = case.ours(*ours_in)
    theirs_out = case.theirs(*theirs_in)
    assert ours_out.dtype == tg.float64 and theirs_out.dtype == torch.float64
    assert_close(ours_out, theirs_out, "forward")

    cotangent = rng.normal(size=theirs_out.shape)
    ours_grads = tg.grad(ours_out, ours_in, Tensor(cotangent), create_graph=True, allow_unused=True)
    theirs_grads = torch.autograd.grad(
        theirs_out, theirs_in, torch.tensor(cotangent), create_graph=True, allow_unused=True
    )
    for i, (mine, reference) in enumerate(zip(ours_grads, theirs_grads, strict=True)):
        mine = Tensor(np.zeros(case.inputs[i].shape)) if mine is None else mine
        reference = (
            torch.zeros(case.inputs[i].shape, dtype=torch.float64)
            if reference is None
            else reference
        )
        assert_close(mine, reference, f"gradient of input {i}")

    if not case.second_derivative:
        return
    # Second derivative along a random direction: d/dx_j sum_i <dL/dx_i, u_i>.
    directions = [rng.normal(size=np.shape(a)) for a in case.inputs]
    ours_total = sum(
        (
            (g * Tensor(u)).sum()
            for g, u in zip(ours_grads, directions, strict=True)
            if g is not None
        ),
        Tensor(np.float64(0.0)),
    )
    theirs_total = sum(
        (
            (g * torch.tensor(u)).sum()
            for g, u in zip(theirs_grads, directions, strict=True)
            if g is not None
        ),
        torch.tensor(0.0, dtype=torch.float64),
    )
    ours_second: Sequence[Any] = [None] * len(ours_in)
    theirs_second: Sequence[Any] = [None] * len(theirs_in)
    if ours_total.requires_grad:
        ours_second = tg.grad(ours_total, ours_in, allow_unused=True)
    if theirs_total.requires_grad:
        theirs_second = torch.autograd.grad(theirs_total, theirs_in, allow_unused=True)
    for i, (mine, reference) in enumerate(zip(ours_second, theirs_second, strict=True)):
        mine = Tensor(np.zeros(case.inputs[i].shape)) if mine is None else mine
        reference = (
            torch.zeros(case.inputs[i].shape, dtype=torch.float64)
            if reference is None
            else reference
        )
        assert_close(mine, reference, f"second derivative of input {i}")


X = normal(3, 4, seed=1)
Y = normal(3, 4, seed=2)
ROW = normal(4, seed=3)
POSITIVE = uniform(0.5, 2.0, 3, 4, seed=4)
CUBE = normal(3, 4, 5, seed=5)
WITH_ZEROS = np.array([[-1.5, 0.0, 2.0], [0.0, -0.25, 0.75]])
CONDITION = np.array([[True, False, True, False], [False, False, True, True], [True] * 4])

ELEMENTWISE = [
    Case("neg", lambda x: -x, lambda x: -x, [X]),
    Case("exp", lambda x: x.exp(), torch.exp, [X]),
    Case("log", lambda x: x.log(), torch.log, [POSITIVE]),
    Case("sqrt", lambda x: x.sqrt(), torch.sqrt, [POSITIVE]),
    Case("abs", lambda x: x.abs(), torch.abs, [X]),
    Case("abs at 0", lambda x: x.abs(), torch.abs, [WITH_ZEROS]),
    Case("relu", lambda x: x.relu(), torch.relu, [X]),
    Case("relu at 0", lambda x: x.relu(), torch.relu, [WITH_ZEROS]),
    Case("sigmoid", lambda x: x.sigmoid(), torch.sigmoid, [X * 3]),
    Case("tanh", lambda x: x.tanh(), torch.tanh, [X]),
    Case("square", lambda x: x.square(), torch.square, [X]),
    Case("pow 3", lambda x: x**3, lambda x: x**3, [X]),
    Case("pow 2 at 0", lambda x: x**2, lambda x: x**2, [WITH_ZEROS]),
    Case("pow 0.5", lambda x: x**0.5, lambda x: x**0.5, [POSITIVE]),
    Case("pow -1.5", lambda x: x**-1.5, lambda x: x**-1.5, [POSITIVE]),
    Case("rpow", lambda x: 2.0**x, lambda x: 2.0**x, [X]),
    Case("rsub", lambda x: 3.0 - x, lambda x: 3.0 - x, [X]),
    Case("rtruediv", lambda x: 2.0 / x, lambda x: 2.0 / x, [POSITIVE]),
    Case("clip", lambda x: x.clip(-0.5, 0.5), lambda x: x.clamp(-0.5, 0.5), [X]),
    Case(
        "clip at the bounds",
        lambda x: x.clip(-0.25, 0.75),
        lambda x: x.clamp(-0.25, 0.75),
        [np.array([-0.25, 0.75, -1.0, 1.0, 0.0])],
    ),
    Case("clip min only", lambda x: x.clip(min=0.0), lambda x: x.clamp(min=0.0), [WITH_ZEROS]),
    Case("clip max only", lambda x: x.clip(max=0.0), lambda x: x.clamp(max=0.0), [WITH_ZEROS]),
    Case("add", lambda x, y: x + y, torch.add, [X, ROW]),
    Case("sub", lambda x, y: x - y, torch.sub, [X, ROW]),
    Case("mul", lambda x, y: x * y, torch.mul, [X, ROW]),
    Case("div", lambda x, y: x / y, torch.div, [X, POSITIVE]),
    Case("div broadcast", lambda x, y: x / y, torch.div, [X, POSITIVE[:, :1]]),
    Case("pow tensor", lambda x, y: x**y, torch.pow, [POSITIVE, ROW]),
    Case("maximum", lambda x, y: x.maximum(y), torch.maximum, [X, Y]),
    Case("minimum", lambda x, y: tg.minimum(x, y), torch.minimum, [X, Y]),
    Case(
        "maximum at ties",
        lambda x, y: tg.maximum(x, y),
        torch.maximum,
        [WITH_ZEROS, np.where(WITH_ZEROS == 0.0, 0.0, -WITH_ZEROS)],
    ),
    Case(
        "minimum at ties",
        lambda x, y: x.minimum(y),
        torch.minimum,
        [with_ties(), np.maximum(with_ties(), 0.5)],
    ),
    Case(
        "where",
        lambda x, y: tg.where(Tensor(CONDITION), x, y),
        lambda x, y: torch.where(torch.tensor(CONDITION), x, y),
        [X, ROW],
    ),
    Case(
        "where with a scalar",
        lambda x: tg.where(Tensor(CONDITION), x * x, 0.0),
        lambda x: torch.where(torch.tensor(CONDITION), x * x, 0.0),
        [X],
    ),
]

REDUCTIONS = [
    Case("sum", lambda x: x.sum(), torch.sum, [CUBE]),
    Case("sum axis", lambda x: x.sum(axis=1), lambda x: x.sum(dim=1), [CUBE]),
    Case(
        "sum axes keepdims",
        lambda x: x.sum(axis=(0, 2), keepdims=True),
        lambda x: x.sum(dim=(0, 2), keepdim=True),
        [CUBE],
    ),
    Case("mean", lambda x: x.mean(), torch.mean, [CUBE]),
    Case("mean axis", lambda x: x.mean(axis=-1), lambda x: x.mean(dim=-1), [CUBE]),
    Case("var (default correction 1)", lambda x: x.var(), torch.var, [CUBE]),
    Case("var axis", lambda x: x.var(axis=1), lambda x: x.var(dim=1), [CUBE]),
    Case(
        "var correction 0 keepdims",
        lambda x: x.var(axis=0, correction=0, keepdims=True),
        lambda x: x.var(dim=0, correction=0, keepdim=True),
        [CUBE],
    ),
    Case("std axis", lambda x: x.std(axis=2), lambda x: x.std(dim=2), [CUBE]),
    Case("max", lambda x: x.max(), torch.amax, [CUBE]),
    Case("amax axis", lambda x: x.amax(axis=1), lambda x: x.amax(dim=1), [CUBE]),
    Case("max dim values", lambda x: x.max(1).values, lambda x: x.max(1).values, [CUBE]),
    Case("min dim keepdim", lambda x: x.min(2, keepdim=True)[0], lambda x: x.min(2, True)[0],
         [CUBE]),
    Case(
        "min axis keepdims",
        lambda x: x.amin(axis=2, keepdims=True),
        lambda x: x.amin(dim=2, keepdim=True),
        [CUBE],
    ),
    Case("max with ties", lambda x: x.max(), torch.amax, [with_ties()]),
    Case("amax with ties axis 1", lambda x: x.amax(1), lambda x: x.amax(dim=1), [with_ties()]),
    Case("amax with ties axis 0", lambda x: x.amax(0), lambda x: x.amax(dim=0), [with_ties()]),
    Case("amin with ties axis 1", lambda x: x.amin(1), lambda x: x.amin(dim=1), [with_ties()]),
    # max(dim) sends the whole gradient to the one element whose index it returns.
    Case("max dim with ties", lambda x: x.max(1)[0], lambda x: x.max(1)[0], [with_ties()]),
    Case("min dim with ties", lambda x: x.min(0)[0], lambda x: x.min(0)[0], [with_ties()]),
    Case(
        "logsumexp axis",
        lambda x: x.logsumexp(axis=1),
        lambda x: torch.logsumexp(x, dim=1),
        [CUBE],
    ),
    Case(
        "logsumexp all",
        lambda x: x.logsumexp(),
        lambda x: torch.logsumexp(x, dim=(0, 1, 2)),
        [CUBE],
    ),
    Case(
        "logsumexp large",
        lambda x: x.logsumexp(axis=-1, keepdims=True),
        lambda x: torch.logsumexp(x, dim=-1, keepdim=True),
        [CUBE + 1000.0],
    ),
    Case("softmax", lambda x: x.softmax(), lambda x: torch.softmax(x, dim=-1), [CUBE]),
    Case("softmax axis 0", lambda x: x.softmax(axis=0), lambda x: torch.softmax(x, dim=0), [X]),
    Case(
        "log_softmax",
        lambda x: x.log_softmax(axis=1),
        lambda x: torch.log_softmax(x, dim=1),
        [CUBE * 10.0],
    ),
]

MATMUL = [
    Case("matrix @ matrix", lambda x, y: x @ y, torch.matmul, [normal(3, 4), normal(4, 5, seed=1)]),
    Case("vector @ matrix", lambda x, y: x @ y, torch.matmul, [normal(4), normal(4, 5, seed=1)]),
    Case("matrix @ vector", lambda x, y: x @ y, torch.matmul, [normal(3, 4), normal(4, seed=1)]),
    Case("vector @ vector", lambda x, y: x @ y, torch.matmul, [normal(4), normal(4, seed=1)]),
    Case(
        "batch @ batch",
        lambda x, y: tg.matmul(x, y),
        torch.matmul,
        [normal(2, 3, 4), normal(2, 4, 5, seed=1)],
    ),
    Case(
        "batch @ matrix", lambda x, y: x @ y, torch.matmul, [normal(2, 3, 4), normal(4, 5, seed=1)]
    ),
    Case("vector @ batch", lambda x, y: x @ y, torch.matmul, [normal(4), normal(2, 4, 5, seed=1)]),
    Case("batch @ vector", lambda x, y: x @ y, torch.matmul, [normal(2, 3, 4), normal(4, seed=1)]),
    Case(
        "broadcast batch axes",
        lambda x, y: x @ y,
        torch.matmul,
        [normal(2, 1, 3, 4), normal(5, 4, 2, seed=1)],
    ),
    Case(
        "linear layer",
        lambda x, w, b: (x @ w.T + b).relu(),
        lambda x, w, b: F.relu(F.linear(x, w, b)),
        [normal(5, 3), normal(4, 3, seed=1), normal(4, seed=2)],
    ),
]

REPEATED = [0, 2, 0, 0, 1]

MOVEMENT = [
    Case("reshape", lambda x: x.reshape(4, -1), lambda x: x.reshape(4, -1), [CUBE]),
    Case("permute", lambda x: x.permute(2, 0, 1), lambda x: x.permute(2, 0, 1), [CUBE]),
    Case("transpose", lambda x: x.transpose(0, 2), lambda x: x.transpose(0, 2), [CUBE]),
    Case("T", lambda x: x.T, lambda x: x.T, [X]),
    Case("expand", lambda x: x.expand(2, 3, 4), lambda x: x.expand(2, 3, 4), [X[:1]]),
    Case(
        "squeeze unsqueeze",
        lambda x: x.unsqueeze(1).squeeze(0),
        lambda x: x.unsqueeze(1).squeeze(0),
        [X[:1]],
    ),
    Case("flatten", lambda x: x.flatten(1), lambda x: x.flatten(1), [CUBE]),
    Case("slice", lambda x: x[1:, ::2], lambda x: x[1:, ::2], [X]),
    Case("int and ellipsis", lambda x: x[..., 1], lambda x: x[..., 1], [CUBE]),
    Case("negative int", lambda x: x[-1, None], lambda x: x[-1, None], [X]),
    Case(
        "repeated indices",
        lambda x: x[Tensor(REPEATED)],
        lambda x: x[torch.tensor(REPEATED)],
        [normal(3, 2)],
    ),
    Case(
        "repeated index pairs",
        lambda x: x[Tensor([0, 0, 2]), Tensor([1, 1, 3])],
        lambda x: x[torch.tensor([0, 0, 2]), torch.tensor([1, 1, 3])],
        [X],
    ),
    Case(
        "repeated indices on an inner axis",
        lambda x: x[:, [3, 3, 0]] * x[:, [3, 3, 0]],
        lambda x: x[:, [3, 3, 0]] * x[:, [3, 3, 0]],
        [X],
    ),
    Case(
        "boolean mask",
        lambda x: x[Tensor(CONDITION)] ** 2,
        lambda x: x[torch.tensor(CONDITION)] ** 2,
        [X],
    ),
    Case(
        "pad",
        lambda x: tg.pad(x, ((1, 2), (0, 1)), value=0.5) ** 2,
        lambda x: F.pad(x, (0, 1, 1, 2), value=0.5) ** 2,
        [X],
    ),
    Case("pad int", lambda x: x.pad(1), lambda x: F.pad(x, (1, 1, 1, 1)), [X]),
    Case(
        "concatenate",
        lambda x, y, z: tg.concatenate([x, y * y, z], axis=1),
        lambda x, y, z: torch.cat([x, y * y, z], dim=1),
        [X, Y, normal(3, 1)],
    ),
    Case(
        "concatenate axis 0",
        lambda x, y: tg.cat([x, y], axis=0),
        lambda x, y: torch.cat([x, y], dim=0),
        [X, Y[:1]],
    ),
    Case(
        "stack",
        lambda x, y: tg.stack([x, y.exp()]),
        lambda x, y: torch.stack([x, y.exp()]),
        [X, Y],
    ),
    Case(
        "stack last axis",
        lambda x, y: tg.stack([x, y, x], axis=-1),
        lambda x, y: torch.stack([x, y, x], dim=-1),
        [X, Y],
    ),
]

MASKED = np.array([[0.5, -np.inf, 1.0], [-np.inf, 2.0, -np.inf]])

# Edge points: zeros, infinities and 0-d tensors, where a formula can turn into 0 * inf.
EDGES = [
    Case("pow 0 at 0", lambda x: x**0, lambda x: x**0, [WITH_ZEROS]),
    Case("pow 1 at 0", lambda x: x**1, lambda x: x**1, [WITH_ZEROS]),
    Case(
        "pow tensor exponent at base 0",
        lambda x, y: x**y,
        torch.pow,
        [np.array([0.0, 0.0, 0.0, 2.0]), np.array([0.0, 2.0, 3.5, 1.0])],
        # PyTorch's own second derivative is nan at base 0; ours is the finite limit.
        second_derivative=False,
    ),
    Case("sqrt at 0", lambda x: x.sqrt(), torch.sqrt, [np.array([0.0, 1.0])]),
    Case("log at 0", lambda x: x.log(), torch.log, [np.array([0.0, 1.0])]),
    Case(
        "div by 0",
        lambda x, y: x / y,
        torch.div,
        [np.array([1.0, -1.0, 0.0]), np.array([0.0, 0.0, 0.0])],
    ),
    Case("sigmoid saturated", lambda x: x.sigmoid(), torch.sigmoid, [np.array([-800.0, 40.0])]),
    Case("tanh saturated", lambda x: x.tanh(), torch.tanh, [np.array([-800.0, 800.0])]),
    Case("masked softmax", lambda x: x.softmax(), lambda x: torch.softmax(x, -1), [MASKED]),
    Case(
        "masked log_softmax",
        lambda x: x.log_softmax(),
        lambda x: torch.log_softmax(x, -1),
        [MASKED],
    ),
    Case(
        "masked logsumexp", lambda x: x.logsumexp(axis=1), lambda x: torch.logsumexp(x, 1), [MASKED]
    ),
    Case(
        "max of a row of -inf",
        lambda x: x.amax(axis=1),
        lambda x: x.amax(1),
        [np.array([[-np.inf, -np.inf], [1.0, 1.0]])],
    ),
    Case("0-d product", lambda x: x * x, lambda x: x * x, [np.array(3.0)]),
    Case("0-d sum over axis 0", lambda x: x.sum(axis=0), lambda x: x.sum(0), [np.array(2.0)]),
    Case("0-d max over axis -1", lambda x: x.amax(axis=-1), lambda x: x.amax(-1), [np.array(2.0)]),
    Case("0-d max dim -1", lambda x: x.max(-1)[0], lambda x: x.max(-1)[0], [np.array(2.0)]),
    Case("0-d softmax", lambda x: x.softmax(), lambda x: torch.softmax(x, -1), [np.array(2.0)]),
    Case("empty sum", lambda x: x.sum(axis=0), lambda x: x.sum(0), [np.zeros((0, 3))]),
    Case("reversed slice", lambda x: x[::-1] * x, lambda x: x.flip(0) * x, [np.arange(3.0)]),
    Case("std of constant data", lambda x: x.std(), lambda x: x.std(), [np.full((2, 3), 2.0)]),
    Case(
        "std of a constant row",
        lambda x: x.std(axis=1),
        lambda x: x.std(1),
        [np.array([[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]])],
    ),
    Case("squeeze of a longer axis", lambda x: x.squeeze(0), lambda x: x.squeeze(0), [X]),
]

LABELS = [2, 0, 3, 3, 1]

COMPOSITE = [
    Case(
        "cross entropy",
        lambda logits: -logits.log_softmax(axis=1)[tg.arange(5), Tensor(LABELS)].mean(),
        lambda logits: F.cross_entropy(logits, torch.tensor(LABELS)),
        [normal(5, 4)],
    ),
    Case(
        "mlp with mse",
        lambda x, w1, w2: ((x @ w1).relu() @ w2 - 1.0).square().mean(),
        lambda x, w1, w2: F.mse_loss(
            torch.relu(x @ w1) @ w2, torch.ones(6, 2, dtype=torch.float64)
        ),
        [normal(6, 3), normal(3, 4, seed=1), normal(4, 2, seed=2)],
    ),
    Case(
        "layer norm by hand",
        lambda x: (
            (x - x.mean(axis=-1, keepdims=True))
            / (x.var(axis=-1, keepdims=True, correction=0) + 1e-5).sqrt()
        ),
        lambda x: F.layer_norm(x, (4,), eps=1e-5),
        [X],
    ),
]


@pytest.mark.parametrize("case", ELEMENTWISE, ids=str)
def test_elementwise(case: Case) -> None:
    compare(case)


@pytest.mark.parametrize("case", REDUCTIONS, ids=str)
def test_reductions(case: Case) -> None:
    compare(case)


@pytest.mark.parametrize("case", MATMUL, ids=str)
def test_matmul(case: Case) -> None:
    compare(case)


@pytest.mark.parametrize("case", MOVEMENT, ids=str)
def test_movement_and_indexing(case: Case) -> None:
    compare(case)


@pytest.mark.parametrize("case", COMPOSITE, ids=str)
def test_composite(case: Case) -> None:
    compare(case)


@pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")  # NumPy's, at 1/0
@pytest.mark.parametrize("case", EDGES, ids=str)
def test_edge_points(case: Case) -> None:
    compare(case)


def test_nan_passes_through_relu_as_in_pytorch() -> None:
    data = np.array([np.nan, -1.0, 2.0])
    ours = Tensor(data).relu().numpy()
    theirs = torch.relu(torch.tensor(data)).numpy()
    np.testing.assert_array_equal(ours, theirs)  # nan == nan here: both must be nan
    assert np.isnan(ours[0])


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@pytest.mark.parametrize(
    "name",
    ["relu", "abs", "maximum", "minimum", "max", "min", "clip"],
)
def test_gradients_at_nan_match_torch(name: str) -> None:
    # Where a nan is involved no comparison holds; PyTorch's rules still decide which input
    # gets the gradient, and a learner debugging a nan must see the same thing in both.
    data = np.array([np.nan, -1.0, 0.0, 2.0])
    other = np.array([1.0, np.nan, 0.0, 1.0])
    functions: dict[str, Callable[..., Any]] = {
        "relu": lambda x, y: x.relu() + y.relu(),
        "abs": lambda x, y: x.abs() + y.abs(),
        "maximum": lambda x, y: tg.maximum(x, y) if isinstance(x, Tensor) else torch.maximum(x, y),
        "minimum": lambda x, y: tg.minimum(x, y) if isinstance(x, Tensor) else torch.minimum(x, y),
        "max": lambda x, y: x.max() + y.max(),
        "min": lambda x, y: x.min() + y.min(),
        "clip": lambda x, y: x.clip(-0.5, 1.0) + y.clip(-0.5, 1.0),
    }
    fn = functions[name]
    ours = [Tensor(data, requires_grad=True), Tensor(other, requires_grad=True)]
    theirs = [torch.tensor(data, requires_grad=True), torch.tensor(other, requires_grad=True)]
    cotangent = 1.0 if name in ("max", "min") else np.arange(1.0, 5.0)
    ours_out, theirs_out = fn(*ours), fn(*theirs)
    ours_out.backward(Tensor(np.broadcast_to(cotangent, ours_out.shape).copy()))
    theirs_out.backward(torch.tensor(np.broadcast_to(cotangent, theirs_out.shape).copy()))
    for mine, reference in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(mine.grad.numpy(), reference.grad.numpy())


def test_promotion_between_tensors_matches_torch() -> None:
    # A 0-d tensor does not widen a tensor with dimensions of the same kind; a higher kind does.
    f32 = np.array([1.0, 2.0], dtype=np.float32)
    i64 = np.array([1, 2])
    pairs = [
        (f32, np.array(2.5)),  # float32 [2] with float64 0-d: float32
        (np.array(2.5), f32),
        (i64, np.array(2.5)),  # int64 [2] with float64 0-d: float64
        (i64, np.array(2.5, dtype=np.float32)),
        (np.array(True), i64),
        (np.array([True, False]), np.array(3)),
        (f32, np.array([2.5])),  # both with dimensions: float64
        (np.array(1.0, dtype=np.float32), np.array(2.5)),  # both 0-d: float64
    ]
    for left, right in pairs:
        ours = (Tensor(left) * Tensor(right)).dtype.name
        theirs = str((torch.tensor(left) * torch.tensor(right)).dtype).removeprefix("torch.")
        assert ours == theirs, (left.dtype, left.shape, right.dtype, right.shape, ours, theirs)


def test_unary_functions_of_integers_are_float32_as_in_torch() -> None:
    data = np.array([1, 2, 3])
    for name in ["exp", "log", "sqrt", "sigmoid", "tanh"]:
        ours = getattr(Tensor(data), name)()
        theirs = getattr(torch.tensor(data), name)()
        assert ours.dtype == tg.float32 and theirs.dtype == torch.float32, name
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    assert Tensor(data).clip(0.5, 2.5).dtype == tg.float32
    assert Tensor(data).clip(0, 2).dtype == tg.int64


def test_the_comparison_can_fail() -> None:
    # The harness itself must notice a wrong gradient: relu'(0) = 1 is not PyTorch's rule.
    wrong = Case(
        "relu with 1 at 0",
        lambda x: tg.where(x >= 0.0, x, 0.0),
        torch.relu,
        [WITH_ZEROS],
    )
    with pytest.raises(AssertionError, match="gradient of input 0"):
        compare(wrong)


def test_float32_results_match_torch_float32() -> None:
    x_data = normal(4, 3).astype(np.float32)
    x = Tensor(x_data, requires_grad=True)
    reference = torch.tensor(x_data, requires_grad=True)
    ours = (x * 0.1).softmax(axis=0).sum(axis=1)
    theirs = torch.softmax(reference * 0.1, dim=0).sum(dim=1)
    assert ours.dtype == tg.float32 and theirs.dtype == torch.float32
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-6)


def test_scalar_dtype_promotion_matches_torch() -> None:
    cases = [
        (lambda t: t * 0.1, np.array([1.0, 2.0], dtype=np.float32)),
        (lambda t: t + 1, np.array([1, 2])),
        (lambda t: t * 0.5, np.array([1, 2])),
        (lambda t: t / 2, np.array([1, 2])),
        (lambda t: t + 1, np.array([True, False])),
        (lambda t: t * 1.5, np.array([True, False])),
        (lambda t: t + True, np.array([1, 2])),
        (lambda t: t > 1, np.array([1.0, 2.0], dtype=np.float32)),
    ]
    for fn, data in cases:
        ours = fn(Tensor(data)).dtype.name
        theirs = str(fn(torch.tensor(data)).dtype).removeprefix("torch.")
        assert ours == theirs, (data.dtype, ours, theirs)


@pytest.mark.filterwarnings("ignore:.*degrees of freedom is <= 0:UserWarning")  # PyTorch's
def test_more_results_match_torch() -> None:
    # Each pair: the same expression in both libraries; values and dtypes must agree.
    pairs: list[tuple[Callable[[], Any], Callable[[], Any]]] = [
        (
            lambda: Tensor([1.0, 2.0]).var(correction=3),
            lambda: torch.tensor([1.0, 2.0]).var(correction=3),
        ),
        (lambda: Tensor([1, 2]) / Tensor(2.0, dtype=tg.float64),
         lambda: torch.tensor([1, 2]) / torch.tensor(2.0, dtype=torch.float64)),
        (lambda: Tensor([-(2**63), 0]).min(), lambda: torch.tensor([-(2**63), 0]).min()),
        (lambda: Tensor([-(2**63), 0]).argmin(), lambda: torch.tensor([-(2**63), 0]).argmin()),
        (lambda: Tensor([True, False]).min(), lambda: torch.tensor([True, False]).min()),
        (
            lambda: tg.zeros(2, 3).argmax(keepdims=True),
            lambda: torch.zeros(2, 3).argmax(keepdim=True),
        ),
        (lambda: Tensor(1.0).transpose(0, 0), lambda: torch.tensor(1.0).transpose(0, 0)),
        (
            lambda: Tensor([1.0, 5.0]).clip(2.0, 1.0),
            lambda: torch.tensor([1.0, 5.0]).clamp(2.0, 1.0),
        ),
        (lambda: Tensor([3.0, 1.0, 3.0]).argmax(), lambda: torch.tensor([3.0, 1.0, 3.0]).argmax()),
    ]
    for ours_fn, theirs_fn in pairs:
        with np.errstate(divide="ignore"):
            ours, theirs = ours_fn(), theirs_fn()
        assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_value_power_of_zero_base_matches_torch() -> None:
    b, e = tg.Value(0.0), tg.Value(2.0)
    (b**e).backward()
    tb = torch.tensor(0.0, requires_grad=True)
    te = torch.tensor(2.0, requires_grad=True)
    (tb**te).backward()
    assert (b.grad, e.grad) == (tb.grad.item(), te.grad.item())
