"""PyTorch's further shape and linear-algebra functions, compared with torch itself: values and
gradients (for a random cotangent), negative dims, empty and 0-d tensors, int and bool dtypes,
transposed inputs, nan and inf, float32 rounding, and the errors for bad input.

The op-spec rows (tinygrad_edu/testing/op_specs_more_shapes.py) check the same gradients
against finite differences on every backend; here the reference is PyTorch's meaning."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(0)


def _pair(array: np.ndarray, transposed: bool, grad: bool) -> tuple[Any, ...]:
    """The same values as tinygrad_edu and torch leaves, and the tensors to compute with: the
    leaves, or transposed views of them when asked."""
    stored = np.ascontiguousarray(array.T) if transposed and array.ndim >= 2 else array
    mine, theirs = tg.tensor(stored), torch.tensor(stored)
    if grad:
        mine.requires_grad_(True)
        theirs.requires_grad_(True)
    if stored is array:
        return mine, theirs, mine, theirs
    return mine, theirs, mine.T, theirs.permute(*reversed(range(theirs.ndim)))


def _same(mine: Any, theirs: Any, rtol: float = 1e-12, atol: float = 1e-12) -> None:
    expected = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    got = mine.numpy()
    assert got.shape == expected.shape, (got.shape, expected.shape)
    assert str(got.dtype) == str(expected.dtype), (got.dtype, expected.dtype)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)


def check(fn: Callable[..., Any], torch_fn: Callable[..., Any] | None, *arrays: np.ndarray,
          transposed: bool = False, rtol: float = 1e-12, atol: float = 1e-12) -> None:
    """``fn`` on tinygrad_edu tensors and ``torch_fn`` (default: ``fn``) on torch tensors:
    the same values, and for floating inputs the same gradients for a random cotangent
    (where torch gives an input no gradient, it must get none or zeros here)."""
    torch_fn = torch_fn or fn
    floating = [a.dtype.kind == "f" for a in arrays]
    pairs = [_pair(a, transposed, grad) for a, grad in zip(arrays, floating, strict=True)]
    out, expected = fn(*[p[2] for p in pairs]), torch_fn(*[p[3] for p in pairs])
    _same(out, expected, rtol, atol)
    if not any(floating) or not expected.dtype.is_floating_point or expected.numel() == 0:
        return
    cotangent = RNG.uniform(0.5, 1.5, expected.shape) * RNG.choice([-1.0, 1.0], expected.shape)
    (out * tg.tensor(cotangent.astype(out.numpy().dtype))).sum().backward()
    (expected * torch.tensor(cotangent, dtype=expected.dtype)).sum().backward()
    for (mine, theirs, _, _), grad in zip(pairs, floating, strict=True):
        if not grad:
            continue
        if theirs.grad is None:
            assert mine.grad is None or not mine.grad.numpy().any()
            continue
        assert mine.grad is not None, "no gradient reached an input"
        _same(mine.grad, theirs.grad, rtol, atol)


def rand(*shape: int) -> np.ndarray:
    return RNG.standard_normal(shape)


# -- axes ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("source", "destination"), [
    (0, -1), (-1, 0), ((0, 1), (2, 0)), ([2, 0], [0, 1]), ((), ()), (1, 1),
])
@pytest.mark.parametrize("name", ["movedim", "moveaxis"])
def test_movedim(name: str, source: Any, destination: Any) -> None:
    check(lambda x: getattr(x, name)(source, destination), None, rand(2, 3, 4), transposed=True)
    check(lambda x: getattr(tg, name)(x, source, destination),
          lambda x: getattr(torch, name)(x, source, destination), rand(2, 3, 4))


def test_movedim_of_a_0d_tensor_and_errors() -> None:
    check(lambda x: x.movedim(0, -1), None, np.array(2.0))
    x = tg.zeros(2, 3, 4)
    with pytest.raises(ValueError, match="repeated dim in source"):
        x.movedim((0, 0), (1, 2))
    with pytest.raises(ValueError, match="as many dims"):
        x.movedim((0, 1), 2)
    with pytest.raises(IndexError, match="out of range"):
        x.movedim(3, 0)


@pytest.mark.parametrize("name", ["swapaxes", "swapdims"])
def test_swapaxes(name: str) -> None:
    check(lambda x: getattr(x, name)(0, -1), None, rand(2, 3, 4), transposed=True)
    check(lambda x: getattr(tg, name)(x, -2, 0), lambda x: getattr(torch, name)(x, -2, 0),
          rand(2, 3))
    check(lambda x: x.swapaxes(0, -1), None, np.array(1.5))


@pytest.mark.parametrize(("shape", "dim", "sizes"), [
    ((2, 12), 1, (3, -1)), ((2, 12), -1, (2, 2, 3)), ((6,), 0, (-1, 1)), ((2, 0), 1, (0, 4)),
])
def test_unflatten(shape: tuple[int, ...], dim: int, sizes: tuple[int, ...]) -> None:
    check(lambda x: x.unflatten(dim, sizes), None, rand(*shape))
    check(lambda x: tg.unflatten(x, dim, sizes), lambda x: torch.unflatten(x, dim, sizes),
          rand(*shape))


@pytest.mark.parametrize("sizes", [(2, 2), (), (-1, -1), (5, -1), (2, -1, 0)])
def test_unflatten_errors(sizes: tuple[int, ...]) -> None:
    with pytest.raises(RuntimeError):
        torch.ones(2, 12).unflatten(1, sizes)
    with pytest.raises(ValueError, match="multiply up to the size of dim 1"):
        tg.ones(2, 12).unflatten(1, sizes)


# -- repeating ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("shape", "reps"), [
    ((2,), (2,)), ((2, 3), (2,)), ((2, 3), (2, 1, 3)), ((), ()), ((), (3,)), ((2, 3), (0, 2)),
])
def test_tile(shape: tuple[int, ...], reps: tuple[int, ...]) -> None:
    check(lambda x: x.tile(reps), None, rand(*shape), transposed=True)
    check(lambda x: tg.tile(x, reps), lambda x: torch.tile(x, reps), rand(*shape))


@pytest.mark.parametrize(("repeats", "dim"), [
    (2, None), (2, 1), (0, -1), ([1, 0, 2], 1), ([3], 0), (2, -2), ("0d", 1), ([2] * 6, None),
])
def test_repeat_interleave(repeats: Any, dim: Any) -> None:
    def call(module: Any) -> Callable[[Any], Any]:
        counts = repeats
        if isinstance(repeats, list):
            counts = module.tensor(repeats)
        elif repeats == "0d":
            counts = module.tensor(2)
        return lambda x: x.repeat_interleave(counts, dim)

    check(call(tg), call(torch), rand(2, 3), transposed=True)
    check(call(tg), call(torch), np.arange(6).reshape(2, 3))


def test_repeat_interleave_forms_and_output_size() -> None:
    _same(tg.repeat_interleave(tg.tensor([2, 0, 3])),
          torch.repeat_interleave(torch.tensor([2, 0, 3])))
    _same(tg.repeat_interleave(tg.tensor(1.5), 3), torch.repeat_interleave(torch.tensor(1.5), 3))
    x = tg.tensor([[1, 2], [3, 4]])
    _same(tg.repeat_interleave(x, tg.tensor([1, 2]), dim=0, output_size=3),
          torch.repeat_interleave(torch.tensor([[1, 2], [3, 4]]), torch.tensor([1, 2]), dim=0,
                                  output_size=3))
    _same(x.repeat_interleave(tg.tensor([0, 0]), 0), torch.zeros(0, 2, dtype=torch.int64))
    _same(tg.zeros(0, 2).repeat_interleave(tg.tensor([], dtype=tg.int64), 0), torch.zeros(0, 2))


def test_repeat_interleave_errors() -> None:
    x = tg.tensor([[1, 2], [3, 4]])
    with pytest.raises(ValueError, match="non-negative"):
        x.repeat_interleave(tg.tensor([1, -2]), 0)
    with pytest.raises(ValueError, match="non-negative"):
        x.repeat_interleave(-1, 0)
    with pytest.raises(ValueError, match="same size as input along dim"):
        x.repeat_interleave(tg.tensor([1, 2, 3]), 0)
    with pytest.raises(TypeError, match="int64"):
        x.repeat_interleave(tg.tensor([1.0, 2.0]), 0)
    with pytest.raises(ValueError, match="0-d or 1-d"):
        x.repeat_interleave(tg.tensor([[1, 2]]), 0)
    with pytest.raises(ValueError, match="add up to output_size=4"):
        x.repeat_interleave(tg.tensor([1, 2]), 0, output_size=4)
    with pytest.raises(ValueError, match="output_size=5"):
        x.repeat_interleave(2, 0, output_size=5)
    with pytest.raises(IndexError, match="leave dim out"):
        tg.tensor(1.0).repeat_interleave(2, 0)


# -- picking and writing at positions -------------------------------------------------------------
@pytest.mark.parametrize(("index", "dim"), [
    ([[0], [2]], 1), ([[0, 1]], 1), ([[0], [1], [0]], 0), ([[0], [-1]], 1), ([5, 0, 5], None),
    ([[2, 2, 0, 1]], -1),
])
def test_take_along_dim(index: Any, dim: Any) -> None:
    # (dim=None on a transposed view: torch's own view(-1) fails, so contiguous there)
    check(lambda x: x.take_along_dim(tg.tensor(index), dim),
          lambda x: x.take_along_dim(torch.tensor(index), dim), rand(2, 3),
          transposed=dim is not None)
    check(lambda x: tg.take_along_dim(x, tg.tensor(index), dim),
          lambda x: torch.take_along_dim(x, torch.tensor(index), dim), np.arange(6).reshape(2, 3))


def test_take_along_dim_errors() -> None:
    x = tg.zeros(2, 3)
    with pytest.raises(ValueError, match="same number of dimensions"):
        x.take_along_dim(tg.tensor([0, 1]), 1)
    with pytest.raises(TypeError, match="int64"):
        x.take_along_dim(tg.tensor([[0.0]]), 1)
    with pytest.raises(ValueError, match="cannot be broadcast"):
        x.take_along_dim(tg.tensor([[0], [1], [0]]), 1)


SCATTER_CASES = [  # (self shape, dim, index, src shape)
    ((3, 3), 0, [[1, 0, 2], [0, 1, 1]], (2, 3)),  # no repeats
    ((3, 3), 0, [[1, 1, 1], [1, 1, 1]], (2, 3)),  # one place written twice per column
    ((2, 4), -1, [[3, 0], [1, 1]], (2, 2)),
    ((2, 4), 1, [[3], [0]], (2, 1)),
    ((3,), 0, [2, 0], (2,)),
]


@pytest.mark.parametrize(("shape", "dim", "index", "src_shape"), SCATTER_CASES)
def test_scatter_values_and_gradients(shape: Any, dim: int, index: Any, src_shape: Any) -> None:
    check(lambda x, s: x.scatter(dim, tg.tensor(index), s),
          lambda x, s: x.scatter(dim, torch.tensor(index), s), rand(*shape), rand(*src_shape))
    check(lambda x: tg.scatter(x, dim, tg.tensor(index), value=-7.5),
          lambda x: torch.scatter(x, dim, torch.tensor(index), value=-7.5), rand(*shape))
    check(lambda x, s: tg.scatter_add(x, dim, tg.tensor(index), s),
          lambda x, s: torch.scatter_add(x, dim, torch.tensor(index), s), rand(*shape),
          rand(*src_shape))


def test_scatter_src_larger_than_index_gets_zeros_beyond_it() -> None:
    # PyTorch computes this forward, but its backward refuses a src larger than the index;
    # here the part of src the index does not cover gets gradient 0 (it changes nothing).
    x, src = tg.tensor(rand(3, 3), requires_grad=True), tg.tensor(rand(2, 3), requires_grad=True)
    out = x.scatter(0, tg.tensor([[1, 0, 2]]), src)
    _same(out, torch.tensor(x.numpy()).scatter(0, torch.tensor([[1, 0, 2]]),
                                               torch.tensor(src.numpy())))
    out.sum().backward()
    assert src.grad.tolist() == [[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]


def test_scatter_dtypes_0d_and_nan() -> None:
    _same(tg.zeros(3, dtype=tg.int64).scatter(0, tg.tensor([1]), 5.5),
          torch.zeros(3, dtype=torch.long).scatter(0, torch.tensor([1]), 5.5))
    _same(tg.zeros(3).scatter(0, tg.tensor(1), 5.0),
          torch.zeros(3).scatter(0, torch.tensor(1), 5.0))
    _same(tg.tensor(2.0).scatter(0, tg.tensor([0]), 7.0),
          torch.tensor(2.0).scatter(0, torch.tensor([0]), 7.0))
    _same(tg.zeros(2, 3).scatter(1, tg.zeros((0, 1), dtype=tg.int64), tg.ones(3, 4)),
          torch.zeros(2, 3).scatter(1, torch.zeros(0, 1, dtype=torch.long), torch.ones(3, 4)))
    x = tg.tensor([np.nan, 1.0, np.inf], requires_grad=True)
    out = x.scatter(0, tg.tensor([0]), tg.tensor([2.0]))
    assert out.tolist()[:2] == [2.0, 1.0] and np.isinf(out.tolist()[2])
    (out * tg.tensor([np.inf, 1.0, 1.0])).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0]  # an inf cotangent at a written place stays out


def test_scatter_errors() -> None:
    x = tg.zeros(2, 3)
    with pytest.raises(TypeError, match="must match"):
        x.scatter(1, tg.tensor([[0]]), tg.tensor([[1]]))
    with pytest.raises(ValueError, match="as many dimensions as self"):
        x.scatter(1, tg.tensor([0]), 1.0)
    with pytest.raises(ValueError, match="no larger than self"):
        x.scatter(1, tg.tensor([[0], [1], [0]]), tg.ones(3, 1))
    with pytest.raises(ValueError, match="no larger than src"):
        x.scatter(1, tg.tensor([[0, 1]]), tg.ones(1, 1))
    with pytest.raises(TypeError, match="src .* or value="):
        x.scatter(1, tg.tensor([[0]]))
    with pytest.raises(ValueError, match="scatter_reduce"):  # reduce='add' works: see
        x.scatter(1, tg.tensor([[0]]), tg.ones(1, 1), reduce="sum")  # test_index_fidelity.py


# -- diagonals and differences ------------------------------------------------------------------
@pytest.mark.parametrize("k", [-3, -1, 0, 1, 2, 5])
def test_diag_diagonal_trace(k: int) -> None:
    check(lambda x: x.diag(k), None, rand(3))
    check(lambda x: tg.diag(x, k), lambda x: torch.diag(x, k), rand(2, 4), transposed=True)
    check(lambda x: x.diag(k), None, np.arange(3))
    check(lambda x: x.diagonal(k, 2, 0), None, rand(2, 3, 4), transposed=True)
    check(lambda x: tg.diagonal(x, k, -1, -2), lambda x: torch.diagonal(x, k, -1, -2),
          rand(2, 3, 4))
    check(lambda x: x.diag(k), None, np.zeros(0))


def test_trace_and_diag_edges() -> None:
    check(lambda x: x.trace(), None, rand(3, 2), transposed=True)
    check(lambda x: tg.trace(x), lambda x: torch.trace(x), np.arange(6).reshape(2, 3))
    check(lambda x: x.trace(), None, np.zeros((0, 3)))
    with pytest.raises(ValueError, match="expected a matrix"):
        tg.arange(6).trace()
    with pytest.raises(ValueError, match="1-D or 2-D"):
        tg.tensor(3.0).diag()
    with pytest.raises(ValueError, match="must differ"):
        tg.zeros(2, 3).diagonal(0, 0, -2)


@pytest.mark.parametrize(("n", "dim", "ends"), [
    (1, -1, ""), (2, 0, ""), (0, 1, "pa"), (5, 1, ""), (1, 1, "p"), (2, -1, "a"), (3, 0, "pa"),
])
def test_diff(n: int, dim: int, ends: str) -> None:
    def call(module: Any) -> Callable[..., Any]:
        def run(x: Any, before: Any, after: Any) -> Any:
            kwargs = {"prepend": before if "p" in ends else None,
                      "append": after if "a" in ends else None}
            return module.diff(x, n, dim, **kwargs)
        return run

    shapes = {0: ((2, 3), (1, 3), (2, 3)), 1: ((2, 3), (2, 2), (2, 1))}[dim % 2]
    check(call(tg), call(torch), *[rand(*s) for s in shapes], transposed=True)
    check(call(tg), call(torch), *[RNG.integers(0, 9, s) for s in shapes])
    check(call(tg), call(torch), *[RNG.integers(0, 2, s).astype(bool) for s in shapes])


def test_diff_mixed_dtypes_and_errors() -> None:
    _same(tg.diff(tg.tensor([1, 5, 2]), prepend=tg.tensor([0.5])),
          torch.diff(torch.tensor([1, 5, 2]), prepend=torch.tensor([0.5])))
    with pytest.raises(ValueError, match="at least one dimension"):
        tg.tensor(1.0).diff()
    with pytest.raises(ValueError, match="non-negative"):
        tg.ones(3).diff(n=-1)
    with pytest.raises(ValueError, match="as many dimensions"):
        tg.ones(3).diff(prepend=tg.tensor(0.0))
    with pytest.raises(ValueError, match="except along dim"):
        tg.ones(2, 3).diff(dim=1, append=tg.ones(3, 1))


# -- products -----------------------------------------------------------------------------------
@pytest.mark.parametrize(("beta", "alpha"), [(1, 1), (0.5, 2.0), (0, 1), (1, 0), (0, 0), (-2, 3)])
@pytest.mark.parametrize("start", [(3, 5), (5,), (1, 5), (3, 1), ()])
def test_addmm(beta: Any, alpha: Any, start: tuple[int, ...]) -> None:
    check(lambda s, a, b: s.addmm(a, b, beta=beta, alpha=alpha),
          lambda s, a, b: s.addmm(a, b, beta=beta, alpha=alpha),
          rand(*start), rand(3, 4), rand(4, 5), transposed=True)
    check(lambda s, a, b: tg.addmm(s, a, b, beta=beta, alpha=alpha),
          lambda s, a, b: torch.addmm(s, a, b, beta=beta, alpha=alpha),
          rand(*start), rand(3, 4), rand(4, 5))


def test_addmm_ints_float32_nan_and_inf() -> None:
    ints = [np.array([1, 2]), np.array([[1, 2], [3, 4]]), np.array([[1, 0], [0, 1]])]
    for beta, alpha in ((1, 1), (2, 3), (0.5, 1), (1, 2.7)):  # PyTorch truncates float factors
        check(lambda s, a, b, beta=beta, alpha=alpha: s.addmm(a, b, beta=beta, alpha=alpha),
              None, *ints)
    nan_start = np.array([np.nan, 2.0])
    check(lambda s, a, b: s.addmm(a, b, beta=0), None, nan_start, rand(2, 2), rand(2, 2))
    inf_mat = np.array([[1.0, np.inf], [3.0, 4.0]])
    check(lambda s, a, b: s.addmm(a, b, alpha=0), None, rand(2), inf_mat, rand(2, 2))
    check(lambda s, a, b: s.addmm(a, b), None, nan_start, inf_mat, rand(2, 2))
    single = [a.astype(np.float32) for a in (rand(3, 5), rand(3, 40), rand(40, 5))]
    check(lambda s, a, b: s.addmm(a, b, beta=0.5, alpha=2.0), None, *single, rtol=1e-5,
          atol=1e-5)


def test_baddbmm_mv_vdot() -> None:
    for start in [(2, 3, 5), (5,), (1, 3, 1), ()]:
        check(lambda s, a, b: s.baddbmm(a, b, beta=0.5, alpha=-2),
              lambda s, a, b: torch.baddbmm(s, a, b, beta=0.5, alpha=-2),
              rand(*start), rand(2, 3, 4), rand(2, 4, 5), transposed=True)
    check(lambda s, a, b: tg.baddbmm(s, a, b, beta=0),
          lambda s, a, b: torch.baddbmm(s, a, b, beta=0),
          np.full((2, 1, 1), np.nan), rand(2, 3, 4), rand(2, 4, 5))
    check(lambda a, v: tg.mv(a, v), lambda a, v: torch.mv(a, v), rand(3, 4), rand(4),
          transposed=True)
    check(lambda a, v: a.mv(v), None, np.arange(6).reshape(2, 3), np.arange(3))
    check(lambda a, v: a.mv(v), None, rand(0, 3), rand(3))
    check(lambda a, v: tg.vdot(a, v), lambda a, v: torch.vdot(a, v), rand(4), rand(4))
    check(lambda a, v: a.vdot(v), None, np.array([1, 2]), np.array([3, 4]))
    check(lambda a, v: a.vdot(v), None, np.zeros(0), np.zeros(0))


def test_product_errors() -> None:
    with pytest.raises(ValueError, match="matrices"):
        tg.addmm(tg.zeros(2), tg.zeros(2, 3, 4), tg.zeros(4, 2))
    with pytest.raises(ValueError, match="do not line up"):
        tg.addmm(tg.zeros(2), tg.zeros(2, 3), tg.zeros(4, 2))
    with pytest.raises(ValueError, match="does not broadcast to the product's shape"):
        tg.addmm(tg.zeros(3), tg.zeros(2, 3), tg.zeros(3, 2))
    with pytest.raises(RuntimeError, match="dtypes float64, float32"):
        tg.addmm(tg.zeros(2, dtype=tg.float64), tg.zeros(2, 3), tg.zeros(3, 2))
    with pytest.raises(ValueError, match="same batch size"):
        tg.baddbmm(tg.zeros(1), tg.zeros(2, 3, 4), tg.zeros(1, 4, 5))
    with pytest.raises(ValueError, match="3-D"):
        tg.baddbmm(tg.zeros(1), tg.zeros(3, 4), tg.zeros(4, 5))
    with pytest.raises(ValueError, match=r"matrix \(n, m\) and a vector"):
        tg.mv(tg.zeros(2, 3), tg.zeros(2))
    with pytest.raises(ValueError, match="1-D tensors of the same size"):
        tg.vdot(tg.zeros(2), tg.zeros(3))


@pytest.mark.parametrize(("x", "y"), [((2, 3), (4, 3)), ((), (2, 3)), ((3,), (3,)),
                                      ((2, 1, 3), (3,)), ((2, 0), (4, 0))])
def test_inner(x: tuple[int, ...], y: tuple[int, ...]) -> None:
    check(lambda a, b: tg.inner(a, b), lambda a, b: torch.inner(a, b), rand(*x), rand(*y),
          transposed=True)
    with pytest.raises(ValueError, match="last dims must match"):
        tg.inner(tg.zeros(2, 3), tg.zeros(2))


@pytest.mark.parametrize(("x", "y", "dims"), [
    ((2, 3, 4), (3, 4, 5), 2), ((2, 3, 4), (4, 3, 5), ([1, 2], [1, 0])), ((2, 3), (4, 5), 0),
    ((2, 3), (3, 5), [[1], [0]]), ((2, 1), (3, 5), 1), ((2, 3), (3, 5), (-1, 0)),
    ((3,), (3,), 1), ((2, 0), (0, 3), 1),
])
def test_tensordot(x: tuple[int, ...], y: tuple[int, ...], dims: Any) -> None:
    torch_dims = ([dims[0]], [dims[1]]) if isinstance(dims, tuple) and isinstance(dims[0], int) \
        else dims
    check(lambda a, b: tg.tensordot(a, b, dims), lambda a, b: torch.tensordot(a, b, torch_dims),
          rand(*x), rand(*y), transposed=True)


def test_tensordot_dims_as_a_tensor_ints_and_errors() -> None:
    check(lambda a, b: a.tensordot(b, tg.tensor([[1], [0]])),
          lambda a, b: torch.tensordot(a, b, torch.tensor([[1], [0]])), rand(2, 3), rand(3, 5))
    check(lambda a, b: a.tensordot(b, 1), lambda a, b: torch.tensordot(a, b, 1),
          np.arange(6).reshape(2, 3), np.arange(3))
    with pytest.raises(ValueError, match="need to match"):
        tg.tensordot(tg.zeros(2, 3), tg.zeros(4, 5), 1)
    with pytest.raises(ValueError, match=r"dims=-1 must be in \[0, 2\]"):
        tg.tensordot(tg.zeros(2, 3), tg.zeros(3, 5), -1)
    with pytest.raises(ValueError, match="pair 2 dims with 1"):
        tg.tensordot(tg.zeros(2, 3), tg.zeros(3, 5), ([0, 1], [0]))


@pytest.mark.parametrize(("x", "y"), [((2,), (1, 2)), ((2, 3), (3, 2)), ((), ()), ((2, 2), (3,)),
                                      ((0, 2), (2, 1))])
def test_kron(x: tuple[int, ...], y: tuple[int, ...]) -> None:
    # (transposed operands of different ndim: torch's own kron fails on the view)
    check(lambda a, b: tg.kron(a, b), lambda a, b: torch.kron(a, b), rand(*x), rand(*y),
          transposed=len(x) == len(y))
    check(lambda a, b: a.kron(b), None, RNG.integers(-3, 3, x), RNG.integers(-3, 3, y))


@pytest.mark.parametrize(("x", "y", "dim"), [
    ((3,), (3,), None), ((3, 4), (3, 4), None), ((4, 3), (1, 3), -1), ((3, 3), (3, 3), 1),
    ((2, 3, 4), (2, 3, 1), 1), ((4, 3), (4, 3), None),
])
def test_cross(x: tuple[int, ...], y: tuple[int, ...], dim: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch's warning for a missing dim
        check(lambda a, b: tg.cross(a, b, dim=dim), lambda a, b: torch.cross(a, b, dim=dim),
              rand(*x), rand(*y), transposed=True)
        check(lambda a, b: a.cross(b, dim), None, RNG.integers(-3, 3, x), RNG.integers(-3, 3, y))


def test_cross_default_is_torch_cross_not_linalg_cross() -> None:
    # shape (3, 3): torch.cross's default takes dim 0, the first of size 3, where
    # torch.linalg.cross takes dim -1: a different number, and no error, if mixed up.
    a, b = rand(3, 3), rand(3, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        _same(tg.cross(tg.tensor(a), tg.tensor(b)), torch.cross(torch.tensor(a), torch.tensor(b)))
    _same(tg.cross(tg.tensor(a), tg.tensor(b), dim=-1),
          torch.linalg.cross(torch.tensor(a), torch.tensor(b)))
    assert not np.allclose(tg.cross(tg.tensor(a), tg.tensor(b)).numpy(),
                           tg.cross(tg.tensor(a), tg.tensor(b), dim=-1).numpy())
    with pytest.raises(ValueError, match="same number of dimensions"):
        tg.cross(tg.zeros(2, 1, 3), tg.zeros(4, 3))
    with pytest.raises(ValueError, match="must have size 3 in both"):
        tg.cross(tg.zeros(3, 4), tg.zeros(1, 4), dim=0)
    with pytest.raises(ValueError, match="no dimension of size 3"):
        tg.cross(tg.zeros(2, 4), tg.zeros(2, 4))


@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize("shapes", [[(2,), (3,)], [(2,), ()], [(2,), (3,), (4,)], [(3,)],
                                    [(0,), (2,)]])
def test_meshgrid(indexing: str, shapes: list[tuple[int, ...]]) -> None:
    arrays = [rand(*s) for s in shapes]
    for k in range(len(shapes)):
        check(lambda *xs, k=k: tg.meshgrid(*xs, indexing=indexing)[k],
              lambda *xs, k=k: torch.meshgrid(*xs, indexing=indexing)[k], *arrays)
    grids = tg.meshgrid([tg.tensor(a) for a in arrays], indexing=indexing)
    assert len(grids) == len(shapes)


def test_meshgrid_errors() -> None:
    with pytest.raises(ValueError, match="0-d or 1-d"):
        tg.meshgrid(tg.ones(2, 2))
    with pytest.raises(TypeError, match="same dtype"):
        tg.meshgrid(tg.tensor([1, 2]), tg.tensor([1.0]))
    with pytest.raises(ValueError, match="at least one"):
        tg.meshgrid()
    with pytest.raises(ValueError, match="'ij' or 'xy'"):
        tg.meshgrid(tg.ones(2), indexing="ji")


EINSUMS = [
    ("ii", [(3, 3)]), ("ii->i", [(3, 3)]), ("i,i", [(3,), (3,)]), ("ij,jk", [(2, 3), (3, 4)]),
    ("ba,cb", [(2, 3), (4, 2)]), ("...ij->...ji", [(5, 2, 3)]),
    ("bij,b...->...ij", [(5, 2, 3), (5, 7)]), ("i...,...->i...", [(5, 2, 3), (3,)]),
    ("i,i", [(1,), (3,)]), ("ij,ij->", [(2, 3), (1, 3)]), ("iij->j", [(2, 2, 3)]),
    ("i...i->...", [(2, 5, 2)]), ("bij,bjk->bik", [(4, 2, 3), (1, 3, 5)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]), ("a,B", [(2,), (3,)]), ("i,j->", [(2,), (3,)]),
    ("ijk,jil->kl", [(2, 3, 4), (3, 2, 5)]), ("i->", [(0,)]), ("", [()]), ("->", [()]),
    ("i...->i", [(2, 3)]), ("i j , j k -> i k", [(2, 3), (3, 4)]), ("...,...", [(2, 3), (3,)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]), ("ijij->ij", [(2, 3, 2, 3)]),
    ("i,i,i->i", [(2,), (2,), (1,)]), ("ik,jk,j->i", [(2, 3), (4, 3), (4,)]),
]


@pytest.mark.parametrize(("equation", "shapes"), EINSUMS)
def test_einsum(equation: str, shapes: list[tuple[int, ...]]) -> None:
    arrays = [rand(*s) for s in shapes]
    check(lambda *xs: tg.einsum(equation, *xs), lambda *xs: torch.einsum(equation, *xs),
          *arrays, transposed=True)
    check(lambda *xs: tg.einsum(equation, *xs), lambda *xs: torch.einsum(equation, *xs),
          *[a.astype(np.float32) for a in arrays], rtol=1e-5, atol=1e-5)
    check(lambda *xs: tg.einsum(equation, list(xs)), lambda *xs: torch.einsum(equation, *xs),
          *[RNG.integers(-3, 3, s) for s in shapes])


def test_einsum_sublists_nan_and_promotion() -> None:
    a, b = rand(2, 3), rand(3, 4)
    _same(tg.einsum(tg.tensor(a), [0, 1], tg.tensor(b), [1, 2], [0, 2]),
          torch.einsum(torch.tensor(a), [0, 1], torch.tensor(b), [1, 2], [0, 2]))
    _same(tg.einsum(tg.tensor(a), [Ellipsis, 1], tg.tensor(b), [1, 2]),
          torch.einsum(torch.tensor(a), [Ellipsis, 1], torch.tensor(b), [1, 2]))
    inf = np.array([1.0, np.inf])
    zero_one = np.array([0.0, 1.0])
    _same(tg.einsum("i,i", tg.tensor(inf), tg.tensor(zero_one)),
          torch.einsum("i,i", torch.tensor(inf), torch.tensor(zero_one)))
    _same(tg.einsum("i,j->", tg.tensor(inf), tg.tensor(zero_one)),
          torch.einsum("i,j->", torch.tensor(inf), torch.tensor(zero_one)))
    _same(tg.einsum("i,j", tg.ones(2), tg.ones(3, dtype=tg.float64)),
          torch.einsum("i,j", torch.ones(2), torch.ones(3, dtype=torch.float64)))


@pytest.mark.parametrize(("equation", "shapes", "message"), [
    ("ij", [(2, 3, 4)], "name 2 dimensions but operand 0 has 3"),
    ("ij->k", [(2, 3)], "output subscript k does not appear"),
    ("ij->ii", [(2, 3)], "appears more than once"),
    ("ii->i", [(2, 3)], "repeated for operand 0 but the sizes don't match, 2 != 3"),
    ("ij,jk", [(2, 3), (2, 4)], "subscript j has size 2 in operand 1"),
    ("i,i", [(2,)], "names 2 operand(s), but 1 given"),
    ("i..->i", [(2,)], "not part of one '...'"),
    ("i1->i", [(2, 2)], "invalid subscript '1'"),
    ("...,...", [(2, 3), (4, 3)], "an ellipsis dimension has size 4"),
    ("ijk...", [(2, 3)], "has 2 dimensions but its subscripts"),
])
def test_einsum_errors(equation: str, shapes: list[tuple[int, ...]], message: str) -> None:
    with pytest.raises(RuntimeError):
        torch.einsum(equation, *[torch.ones(s) for s in shapes])
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        tg.einsum(equation, *[tg.ones(*s) for s in shapes])


def test_einsum_second_derivative_and_no_operands() -> None:
    x = tg.tensor(rand(3, 3), requires_grad=True)
    (g,) = tg.grad(tg.einsum("ij,jk,ki->", x, x, x), [x], create_graph=True)
    xt = torch.tensor(x.numpy(), requires_grad=True)
    (gt,) = torch.autograd.grad(torch.einsum("ij,jk,ki->", xt, xt, xt), [xt], create_graph=True)
    _same(g, gt)
    (h,), (ht,) = tg.grad(g.sum(), [x]), torch.autograd.grad(gt.sum(), [xt])
    _same(h, ht)
    with pytest.raises(ValueError, match="at least one operand"):
        tg.einsum("i")


# -- the capture replays them ---------------------------------------------------------------------
def test_captured_step_replays_scatter_einsum_and_counted_repeats() -> None:
    def step(x, index, counts):
        picked = x.scatter(1, index, x.flip(1)).repeat_interleave(counts, dim=0)
        return tg.einsum("ij,kj->ik", picked, x).diagonal().sum() + x.diff().trace()

    captured = tg.jit(step)
    for seed in range(4):
        rng = np.random.default_rng(seed)
        x = tg.tensor(rng.standard_normal((3, 3)))
        index = tg.tensor(rng.integers(0, 3, (3, 3)))
        counts = tg.tensor([1, 2, 0] if seed < 3 else [2, 2, 2])  # the last: a new shape
        assert captured(x, index, counts).item() == pytest.approx(step(x, index, counts).item(),
                                                                 rel=1e-12)
    # replayed, not run eagerly: the counts' total is checked again, the rest recorded
    assert "searchsorted" in captured.replay_source() and len(captured.captures) == 1


# -- priority B: distances, blocks, products of sets, turning, indices, counts -------------------
@pytest.mark.parametrize("p", [2.0, 1.0, 0.0, 3.0, 0.5, float("inf")])
def test_cdist_with_ties_and_zero_distances(p: float) -> None:
    x1, x2 = rand(2, 3, 4), rand(1, 5, 4)
    x1[0, 0] = x2[0, 0]  # a zero distance: the gradient there is 0, as PyTorch's
    x1[0, 1, 1] = x2[0, 1, 1]  # one coordinate equal (the kink of |.| for p = 1)
    x1[1, 2, :2] = x2[0, 3, :2] + np.array([1.0, -1.0])  # a tie for the largest (p = inf)
    x1[1, 2, 2:] = x2[0, 3, 2:]
    check(lambda a, b: tg.cdist(a, b, p), lambda a, b: torch.cdist(a, b, p), x1, x2)
    check(lambda a, b: tg.cdist(a, b, p), lambda a, b: torch.cdist(a, b, p), rand(3, 2),
          rand(4, 2), transposed=True)
    single = [a.astype(np.float32) for a in (rand(4, 6), rand(3, 6))]
    check(lambda a, b: tg.cdist(a, b, p), lambda a, b: torch.cdist(a, b, p), *single,
          rtol=1e-5, atol=1e-5)


def test_cdist_errors() -> None:
    with pytest.raises(ValueError, match="same number of columns"):
        tg.cdist(tg.ones(2, 3), tg.ones(4, 2))
    with pytest.raises(ValueError, match="at least 2 dims"):
        tg.cdist(tg.ones(3), tg.ones(4, 3))
    with pytest.raises(TypeError, match="floating-point"):
        tg.cdist(tg.ones(2, 3, dtype=tg.int64), tg.ones(4, 3, dtype=tg.int64))
    with pytest.raises(ValueError, match="p must be >= 0"):
        tg.cdist(tg.ones(2, 3), tg.ones(4, 3), -1.0)


def test_block_diag_and_cartesian_prod() -> None:
    check(lambda a, b, c: tg.block_diag(a, b, c), lambda a, b, c: torch.block_diag(a, b, c),
          rand(2, 3), rand(2), np.array(1.5), transposed=True)
    check(lambda a, b: tg.block_diag(a, b), lambda a, b: torch.block_diag(a, b),
          np.ones((2, 2), dtype=bool), np.array([1, 2]))
    check(lambda a, b: tg.block_diag(a, b), lambda a, b: torch.block_diag(a, b),
          np.array([1, 2]), rand(0, 2))
    _same(tg.block_diag(), torch.block_diag())
    with pytest.raises(ValueError, match="at most 2 dims"):
        tg.block_diag(tg.ones(1, 1, 1))
    check(lambda *xs: tg.cartesian_prod(*xs), lambda *xs: torch.cartesian_prod(*xs), rand(2),
          rand(3), rand(1))
    check(lambda x: tg.cartesian_prod(x), lambda x: torch.cartesian_prod(x), rand(3))
    check(lambda a, b: tg.cartesian_prod(a, b), lambda a, b: torch.cartesian_prod(a, b),
          np.array([1, 2]), np.array([3, 4, 5]))
    with pytest.raises(ValueError, match="1-D"):
        tg.cartesian_prod(tg.ones(2, 2))


@pytest.mark.parametrize("name", ["atleast_1d", "atleast_2d", "atleast_3d"])
@pytest.mark.parametrize("shape", [(), (2,), (2, 3), (2, 3, 4), (0,)])
def test_atleast(name: str, shape: tuple[int, ...]) -> None:
    check(lambda x: getattr(tg, name)(x), lambda x: getattr(torch, name)(x), rand(*shape))
    arrays = [rand(*shape), rand(2)]
    mine = getattr(tg, name)(*[tg.tensor(a) for a in arrays])
    theirs = getattr(torch, name)(*[torch.tensor(a) for a in arrays])
    listed = getattr(tg, name)([tg.tensor(a) for a in arrays])
    assert isinstance(mine, tuple) and isinstance(listed, tuple) and len(mine) == 2
    for m, lst, t in zip(mine, listed, theirs, strict=True):
        _same(m, t)
        _same(lst, t)


@pytest.mark.parametrize("k", [-5, -1, 0, 1, 2, 3, 4, 6])
@pytest.mark.parametrize("dims", [(0, 1), (1, 0), (2, 0), (-1, -2)])
def test_rot90(k: int, dims: tuple[int, int]) -> None:
    check(lambda x: x.rot90(k, dims), None, rand(2, 3, 4), transposed=True)
    check(lambda x: tg.rot90(x, k, dims), lambda x: torch.rot90(x, k, dims),
          np.arange(24).reshape(2, 3, 4))


def test_rot90_errors() -> None:
    with pytest.raises(ValueError, match="at least 2 dims"):
        tg.arange(3).rot90()
    with pytest.raises(ValueError, match="must differ"):
        tg.zeros(2, 2).rot90(1, (0, -2))
    with pytest.raises(ValueError, match="two dims"):
        tg.zeros(2, 2, 2).rot90(1, (0, 1, 2))


@pytest.mark.parametrize(("row", "col", "offset"), [
    (3, 3, 0), (3, 4, 1), (4, 3, -1), (0, 3, 0), (3, 3, -5), (2, 4, 10), (1, 1, 0),
])
def test_tril_and_triu_indices(row: int, col: int, offset: int) -> None:
    _same(tg.tril_indices(row, col, offset), torch.tril_indices(row, col, offset))
    _same(tg.triu_indices(row, col, offset), torch.triu_indices(row, col, offset))


def test_triangle_indices_errors() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        tg.tril_indices(-1, 3)
    with pytest.raises(TypeError, match="int64"):
        tg.triu_indices(3, 3, dtype=tg.float32)


@pytest.mark.parametrize(("values", "bins", "low", "high"), [
    ([0.0, 1, 2, 3, 4, 5], 4, 1, 4), ([1.0, 2, 1, np.nan], 4, 0, 3), ([1.0, 1, 1], 4, 0, 0),
    ([], 3, 0, 0), ([0.5, -3.0, 7.25, 2.0], 5, 0, 0), ([-1.0, 1.0], 2, -1, 1),
])
def test_histc(values: list[float], bins: int, low: float, high: float) -> None:
    for dtype in (np.float32, np.float64):
        array = np.asarray(values, dtype=dtype)
        _same(tg.histc(tg.tensor(array), bins, low, high),
              torch.histc(torch.tensor(array), bins, low, high))
    array = RNG.standard_normal(1000).astype(np.float32)
    _same(tg.tensor(array).histc(17), torch.tensor(array).histc(17))
    _same(tg.tensor(array).histc(10, -1, 1.5), torch.tensor(array).histc(10, -1, 1.5))


def test_histc_has_no_gradient_and_errors() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    assert not x.histc(4).requires_grad
    with pytest.raises(TypeError, match="floating-point"):
        tg.tensor([1, 2]).histc()
    with pytest.raises(ValueError, match="max .* must be larger than min"):
        tg.tensor([1.0, 2.0]).histc(4, 3, 1)
    with pytest.raises(ValueError, match="bins must be > 0"):
        tg.tensor([1.0]).histc(0)
    with pytest.raises(ValueError, match="not finite"):
        tg.tensor([1.0, np.nan]).histc(4)
