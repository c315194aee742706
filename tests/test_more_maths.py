"""PyTorch's further maths (tensor_methods/more_maths.py, more_elementwise.py,
more_reductions.py), compared with torch value by value and gradient by gradient, at the edges:
inf, -inf, nan, 0, -0.0, huge and tiny numbers, empty tensors, integer and bool inputs,
broadcasting. The smooth inside of each function is checked against finite differences by the
op-spec rows (testing/op_specs_more_maths.py, run by tests/test_op_specs.py).

The first part needs no torch; the torch part asks for it through the ``torch`` fixture, which
skips cleanly where torch is not installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg

INF, NAN = float("inf"), float("nan")
EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -3.0, 0.999, -0.999, 1.001, INF, -INF, NAN,
         1e38, -1e38, 3.4e38, 1e-45, -1e-45, 1e-38, 88.0, 89.0, 709.0]
EDGES_32 = EDGES + [710.0]  # sinh and cosh overflow here in float32 (and in float64: below)
EDGES_64 = EDGES + [1e300, -1e300, 1e-310, -1e-310, 1.7e308]
UNARY = ["rsqrt", "log2", "log10", "exp2", "sinh", "cosh", "asin", "acos", "atan", "asinh",
         "acosh", "atanh", "arcsin", "arccos", "arctan", "arcsinh", "arccosh", "arctanh",
         "sinc", "deg2rad", "rad2deg", "erfinv"]
BINARY = ["atan2", "arctan2", "hypot", "logaddexp", "xlogy"]
DTYPES = ["float32", "float64"]


@pytest.fixture
def torch() -> Any:
    return pytest.importorskip("torch", reason="these tests compare with torch, not installed")


# -- without torch -------------------------------------------------------------------------------
def test_sinh_cosh_at_710_are_finite_in_float64(torch: Any) -> None:
    # A difference left on purpose: sinh(710) = cosh(710) = 1.117e308 < 1.798e308, the float64
    # maximum. NumPy gives that, and so does torch for one element; torch's vectorised CPU
    # loop (arrays of several elements) overflows to inf.
    x = tg.full((20,), 710.0, dtype=tg.float64)
    assert x.sinh().tolist() == pytest.approx([1.1169973830808557e308] * 20)
    assert x.cosh().tolist() == pytest.approx([1.1169973830808557e308] * 20)
    one = torch.sinh(torch.tensor([710.0], dtype=torch.float64)).item()
    assert one == pytest.approx(1.1169973830808557e308)


def test_exact_values_at_powers() -> None:
    assert tg.tensor([1.0, 8.0, 1024.0, 0.5]).log2().tolist() == [0.0, 3.0, 10.0, -1.0]
    assert tg.tensor([1.0, 1000.0, 1e-3]).log10().tolist() == [0.0, 3.0, -3.0]
    assert tg.tensor([3.0, -2.0, 0.0]).exp2().tolist() == [8.0, 0.25, 1.0]
    assert tg.tensor([1e-10], dtype=tg.float64).sinh().item() == 1e-10  # no cancellation


def test_function_forms_take_lists_and_match_the_methods() -> None:
    x = [0.25, 0.5, 1.5]
    for name in UNARY:
        np.testing.assert_array_equal(getattr(tg, name)(x).numpy(),
                                      getattr(tg.tensor(x), name)().numpy(), err_msg=name)
    assert tg.atan2([1.0], [1.0]).tolist() == tg.tensor([1.0]).atan2(tg.tensor([1.0])).tolist()
    assert tg.cumprod([1, 2, 3], 0).tolist() == [1, 2, 6]
    assert tg.nansum([1.0, NAN]).item() == 1.0 and tg.nanmean([1.0, NAN, 3.0]).item() == 2.0
    assert tg.count_nonzero([[0, 1], [2, 3]], dim=0).tolist() == [1, 2]
    assert tg.lerp(tg.tensor([0.0]), tg.tensor([4.0]), 0.5).tolist() == [2.0]
    assert set(UNARY + BINARY + ["lerp", "cumprod", "bernoulli"]) <= set(tg.__all__)


def test_cumprod_gradient_with_zeros_is_the_exact_one() -> None:
    x = tg.tensor([[0.0, 2.0, 3.0, 0.0, 5.0], [1.0, 2.0, 0.0, 4.0, 5.0]], requires_grad=True)
    x.cumprod(1).backward(tg.tensor([[1.0, 2, 3, 4, 5], [1.0, 1, 1, 1, 1]]))
    # row 0: only the first zero has a gradient, 1 + 2*2 + 3*2*3 = 23; row 1: before the zero
    # each gradient sums the products up to the zero; at it, 1*2*(1 + 4 + 4*5) = 50.
    assert x.grad.tolist() == [[23.0, 0.0, 0.0, 0.0, 0.0], [3.0, 1.0, 50.0, 0.0, 0.0]]


def test_floor_divide_backward_raises_as_in_pytorch() -> None:
    x = tg.tensor([3.0, -7.0], requires_grad=True)
    y = x // 2
    assert y.tolist() == [1.0, -4.0] and y.requires_grad
    with pytest.raises(RuntimeError, match="floor_divide.*no derivative.*rounding_mode"):
        y.sum().backward()
    with pytest.raises(RuntimeError, match="no derivative"):
        (7.0 // x).sum().backward()
    z = x.div(2, rounding_mode="floor")  # PyTorch's way to a rounded quotient: derivative 0
    z.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    assert (x.detach() // 2).requires_grad is False


def test_mean_of_integers_needs_a_float_dtype() -> None:
    for values in ([1, 2], [True, False]):
        with pytest.raises(RuntimeError, match=r"mean: needs a floating.*\.float\(\).*dtype="):
            tg.tensor(values).mean()
        with pytest.raises(RuntimeError, match="mean"):
            tg.mean(tg.tensor(values), dim=0)
    assert tg.tensor([1, 2]).mean(dtype=tg.float32).item() == 1.5
    assert tg.tensor([[1, 2], [3, 5]]).mean(dim=1, dtype="float64").tolist() == [1.5, 4.0]
    assert tg.tensor([1, 2]).mean(dtype=tg.float64).dtype is tg.float64
    with pytest.raises(RuntimeError, match="int64"):
        tg.tensor([1.0, 2.0]).mean(dtype=tg.int64)


def test_errors_name_the_problem_and_the_fix() -> None:
    ints = tg.tensor([1, 2])
    for name in ("hypot", "logaddexp"):
        with pytest.raises(NotImplementedError, match=rf"{name}: .*int64.*float\(\)"):
            getattr(ints, name)(ints)
    with pytest.raises(NotImplementedError, match=r"lerp: .*int64.*float\(\)"):
        ints.lerp(ints, 0.5)
    with pytest.raises(RuntimeError, match="lerp: end has dtype float64.*float32"):
        tg.tensor([1.0]).lerp(tg.tensor([1.0], dtype=tg.float64), 0.5)
    with pytest.raises(RuntimeError, match="lerp: weight has dtype float64"):
        tg.tensor([1.0]).lerp(tg.tensor([1.0]), tg.tensor([0.5], dtype=tg.float64))
    with pytest.raises(RuntimeError, match=r"addcdiv: .*int64.*float\(\)"):
        tg.tensor([1.0]).addcdiv(ints, ints)
    with pytest.raises(RuntimeError, match=r"nanmean: .*int64.*float\(\)"):
        ints.nanmean()
    with pytest.raises(NotImplementedError, match=r"bernoulli: .*int64.*float\(\)"):
        ints.bernoulli()
    for bad in ([0.5, 1.5], [-0.1], [NAN]):
        with pytest.raises(RuntimeError, match=r"bernoulli: .*\[0, 1\].*clamp"):
            tg.tensor(bad).bernoulli()
    with pytest.raises(RuntimeError, match=r"\[0, 1\]"):
        tg.zeros(2).bernoulli_(1.5)
    for call in (lambda: tg.ones(2).cumprod(1), lambda: tg.ones(2, 2).nansum(2),
                 lambda: tg.ones(2).nanmean(-2), lambda: tg.ones(2).count_nonzero(3),
                 lambda: tg.ones(()).cumprod(1)):
        with pytest.raises(IndexError, match="out of range"):
            call()
    with pytest.raises(ValueError, match="broadcast|shape"):
        tg.ones(2).atan2(tg.ones(3))
    with pytest.raises(ValueError, match="broadcast|shape"):
        tg.ones(2).lerp(tg.ones(3), 0.5)


def test_bernoulli_draws_with_the_probabilities_and_generator() -> None:
    p = tg.tensor([0.0, 1.0, 0.25]).reshape(3, 1).expand(3, 4000)
    draws = p.bernoulli(generator=tg.Generator().manual_seed(0))
    rates = draws.float().mean(1).tolist()
    assert rates[0] == 0.0 and rates[1] == 1.0 and abs(rates[2] - 0.25) < 0.03
    again = p.bernoulli(generator=tg.Generator().manual_seed(0))
    assert again.tolist() == draws.tolist() and draws.dtype is tg.float32
    assert tg.bernoulli(tg.zeros(2000, dtype=tg.float64), 0.5).float().mean().item() > 0.4
    assert tg.zeros(3, dtype=tg.int64).bernoulli_(1.0).tolist() == [1, 1, 1]
    x = tg.tensor([0.3, 0.7], requires_grad=True)
    y = x.bernoulli()
    assert y.requires_grad  # recorded, with gradient 0, as PyTorch's BernoulliBackward
    (y * 3.0).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    t = tg.zeros(4000)
    assert t.bernoulli_(tg.tensor(0.75), generator=tg.Generator().manual_seed(1)) is t
    assert abs(t.mean().item() - 0.75) < 0.03


def test_bernoulli_reads_nothing_while_a_cuda_graph_records(monkeypatch: Any) -> None:
    # While tg.jit records a CUDA graph no value may be read on the host: a probability out of
    # [0, 1] then gives nan instead of the error (as the cross-entropy's bad targets do).
    p = tg.tensor([1.0, 1.5, 0.0])
    monkeypatch.setattr(p.backend, "host_reads_forbidden", True, raising=False)
    values = p.bernoulli().tolist()
    assert values[0] == 1.0 and np.isnan(values[1]) and values[2] == 0.0
    monkeypatch.setattr(p.backend, "host_reads_forbidden", False, raising=False)
    with pytest.raises(RuntimeError, match=r"\[0, 1\]"):
        p.bernoulli()


def test_nan_to_num_defaults_and_gradient() -> None:
    x = tg.tensor([NAN, INF, -INF, 1.5], requires_grad=True)
    y = x.nan_to_num()
    big = float(np.finfo(np.float32).max)
    assert y.tolist() == [0.0, big, -big, 1.5]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 1.0]
    assert tg.tensor([1, 2]).nan_to_num().tolist() == [1, 2]


# -- against torch -------------------------------------------------------------------------------
def _tolerances(dtype: str) -> dict[str, float]:
    # float32: a few ulps (torch and NumPy call different libm's); float64: tighter.
    return {"rtol": 1e-5, "atol": 1e-37} if dtype == "float32" else {"rtol": 1e-10, "atol": 1e-300}


def _assert_same(ours: Any, theirs: Any, dtype: str, what: str, atol: float = 0.0) -> None:
    theirs_array = theirs.detach().numpy()
    ours_array = ours.numpy() if hasattr(ours, "numpy") else np.asarray(ours)
    assert ours_array.shape == theirs_array.shape, (what, ours_array.shape, theirs_array.shape)
    tolerances = _tolerances(dtype)
    tolerances["atol"] = max(tolerances["atol"], atol)
    np.testing.assert_allclose(ours_array, theirs_array, equal_nan=True, err_msg=what,
                               **tolerances)


def _compare(torch: Any, ours: Callable[..., Any], theirs: Callable[..., Any],
             arrays: list[np.ndarray], dtype: str, grad: bool = True, atol: float = 0.0,
             signed: bool = False) -> None:
    """Values and (for ``grad``) gradients of ``ours`` and ``theirs`` on the same inputs,
    with the same random cotangent (of both signs if ``signed``)."""
    ours_in = [tg.tensor(a, dtype=dtype, requires_grad=grad) for a in arrays]
    theirs_in = [torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=grad)
                 for a in arrays]
    with np.errstate(all="ignore"):
        out = ours(*ours_in)
    expected = theirs(*theirs_in)
    assert out.dtype.name == str(expected.dtype).removeprefix("torch."), (out.dtype, expected)
    _assert_same(out, expected, dtype, "value", atol)
    if not grad:
        return
    seed = np.random.default_rng(0).uniform(0.5, 2.0, size=tuple(expected.shape))
    if signed:
        seed *= np.where(np.random.default_rng(1).uniform(size=seed.shape) < 0.5, -1.0, 1.0)
    with np.errstate(all="ignore"):
        out.backward(tg.tensor(seed, dtype=dtype))
    expected.backward(torch.tensor(seed, dtype=getattr(torch, dtype)))
    for i, (mine, reference) in enumerate(zip(ours_in, theirs_in, strict=True)):
        _assert_same(mine.grad, reference.grad, dtype, f"gradient of input {i}", atol)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", UNARY)
def test_unary_values_and_gradients_at_the_edges(torch: Any, name: str, dtype: str) -> None:
    edges = np.array(EDGES_32 if dtype == "float32" else EDGES_64, dtype=dtype)
    _compare(torch, lambda x: getattr(x, name)(), lambda x: getattr(torch, name)(x),
             [edges], dtype)
    _compare(torch, lambda x: getattr(tg, name)(x), lambda x: getattr(torch, name)(x),
             [edges.reshape(-1, 1)[:0]], dtype)  # empty


@pytest.mark.parametrize("name", UNARY)
def test_unary_of_integers_and_bools_is_float32(torch: Any, name: str) -> None:
    for values in ([0, 1, 2, -3, 40], [True, False]):
        ours = getattr(tg.tensor(values), name)()
        theirs = getattr(torch, name)(torch.tensor(values))
        _assert_same(ours, theirs, "float32", f"{name}({values})")
        assert ours.dtype is tg.float32


def _grid(dtype: str) -> tuple[np.ndarray, np.ndarray]:
    edges = np.array(EDGES_32 if dtype == "float32" else EDGES_64, dtype=dtype)
    return edges.reshape(-1, 1), edges.reshape(1, -1)  # every pair, by broadcasting


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", BINARY)
def test_binary_values_and_gradients_at_the_edges(torch: Any, name: str, dtype: str) -> None:
    x, y = _grid(dtype)
    _compare(torch, lambda a, b: getattr(a, name)(b), lambda a, b: getattr(torch, name)(a, b),
             [x, y], dtype)
    _compare(torch, lambda a, b: getattr(tg, name)(a, b),
             lambda a, b: getattr(torch, name)(a, b), [x[:0], y], dtype)  # empty


@pytest.mark.parametrize("name", BINARY)
def test_binary_promotion_as_torch(torch: Any, name: str) -> None:
    kinds = {"int64": [1, 2], "bool": [True, False], "float32": [1.5, 2.5]}
    for first in kinds:
        for second in kinds:
            a, b = tg.tensor(kinds[first]), tg.tensor(kinds[second])
            ta, tb = torch.tensor(kinds[first]), torch.tensor(kinds[second])
            try:
                expected = getattr(torch, name)(ta, tb)
            except (RuntimeError, NotImplementedError):
                with pytest.raises(NotImplementedError):
                    getattr(a, name)(b)
                continue
            ours = getattr(a, name)(b)
            _assert_same(ours, expected, "float32", f"{name}({first}, {second})")
            assert ours.dtype.name == str(expected.dtype).removeprefix("torch.")
    wide = getattr(tg.tensor([1.5], dtype=tg.float64), name)(tg.tensor([2.5]))
    assert wide.dtype is tg.float64


def test_xlogy_with_numbers(torch: Any) -> None:
    y = np.array([0.0, 1.0, 2.0, INF, NAN], dtype="float32")
    _compare(torch, lambda t: tg.xlogy(2.0, t), lambda t: torch.xlogy(2.0, t), [y], "float32")
    _compare(torch, lambda t: t.xlogy(3.0), lambda t: torch.xlogy(t, 3.0), [y], "float32")
    _compare(torch, lambda t: t.xlogy(0.0), lambda t: torch.xlogy(t, 0.0), [y], "float32")


@pytest.mark.parametrize("dtype", DTYPES)
def test_lerp_as_torch(torch: Any, dtype: str) -> None:
    start, end = _grid(dtype)
    if dtype == "float64":  # torch's fused multiply-add cannot overflow where ours does (see
        start, end = start[:-1], end[:, :-1]  # lerp's docstring): 1.7e308 is left out here
    weights = np.array([0.0, 0.25, 0.4999, 0.5, 0.75, 1.0, -1.0, 2.0, NAN], dtype=dtype)
    for weight in weights.tolist():
        _compare(torch, lambda s, e, w=weight: s.lerp(e, w),
                 lambda s, e, w=weight: torch.lerp(s, e, w), [start, end], dtype)
    w = weights.reshape(-1, 1, 1)
    _compare(torch, lambda s, e, w: tg.lerp(s, e, w), torch.lerp, [start, end, w], dtype)
    # rounding: PyTorch computes weights >= 0.5 from the end, so weight 1 gives end exactly
    s, e = tg.tensor([0.1], dtype=dtype), tg.tensor([0.7], dtype=dtype)
    assert s.lerp(e, 1.0).tolist() == e.tolist()


@pytest.mark.parametrize("dtype", DTYPES)
def test_addcmul_addcdiv_as_torch(torch: Any, dtype: str) -> None:
    x, y = _grid(dtype)
    z = np.array([[1.0], [0.0], [-2.0]], dtype=dtype).reshape(3, 1, 1)
    # torch's compiled loop may fuse the multiply and the add (one rounding, not two) in some
    # lanes: where the sum cancels to nearly 0 the results differ by an ulp of the addends.
    atol = 4 * float(np.finfo(dtype).eps)
    for value in (1, 0.5, -2.0):
        _compare(torch, lambda a, b, c, v=value: a.addcmul(b, c, value=v),
                 lambda a, b, c, v=value: torch.addcmul(a, b, c, value=v), [z, x, y], dtype,
                 atol=atol)
        _compare(torch, lambda a, b, c, v=value: tg.addcdiv(a, b, c, value=v),
                 lambda a, b, c, v=value: torch.addcdiv(a, b, c, value=v), [z, x, y], dtype,
                 atol=atol)


def test_addcmul_addcdiv_dtypes_as_torch(torch: Any) -> None:
    i, f = [1, 2], [1.5, 2.5]
    ours = tg.tensor(i).addcmul(tg.tensor(i), tg.tensor(i), value=0.5)
    theirs = torch.addcmul(torch.tensor(i), torch.tensor(i), torch.tensor(i), value=0.5)
    assert ours.tolist() == theirs.tolist() and ours.dtype is tg.int64  # value truncated to 0
    ours = tg.tensor(i).addcdiv(tg.tensor(f), tg.tensor(f), value=2)
    theirs = torch.addcdiv(torch.tensor(i), torch.tensor(f), torch.tensor(f), value=2)
    assert ours.tolist() == theirs.tolist() and ours.dtype is tg.float32
    with pytest.raises(RuntimeError):
        torch.addcdiv(torch.tensor(f), torch.tensor(i), torch.tensor(i))


@pytest.mark.parametrize("dtype", DTYPES)
def test_nan_to_num_as_torch(torch: Any, dtype: str) -> None:
    edges = np.array(EDGES_32 if dtype == "float32" else EDGES_64, dtype=dtype)
    for options in ({}, {"nan": 2.0}, {"nan": -1.0, "posinf": 5.0, "neginf": -7.0},
                    {"posinf": INF}):
        _compare(torch, lambda x, o=options: x.nan_to_num(**o),
                 lambda x, o=options: torch.nan_to_num(x, **o), [edges], dtype)
    for values in ([1, 2], [True, False]):
        assert tg.nan_to_num(values).tolist() == torch.nan_to_num(torch.tensor(values)).tolist()
        assert tg.nan_to_num(values).dtype.name == str(
            torch.nan_to_num(torch.tensor(values)).dtype).removeprefix("torch.")


def _rows_with_zeros(dtype: str) -> np.ndarray:
    rng = np.random.default_rng(1)
    x = rng.uniform(-2.0, 2.0, size=(6, 5)).astype(dtype)
    x[1, 2] = 0.0  # one zero
    x[2, [0, 3]] = 0.0  # two zeros
    x[3, 4] = 0.0  # a zero at the end
    x[4, 0] = 0.0
    x[5, 1] = -0.0
    return x


@pytest.mark.parametrize("dtype", DTYPES)
def test_cumprod_as_torch(torch: Any, dtype: str) -> None:
    x = _rows_with_zeros(dtype)
    for dim in (0, 1, -1):
        _compare(torch, lambda t, d=dim: t.cumprod(d), lambda t, d=dim: torch.cumprod(t, d),
                 [x], dtype)
    edges = np.array(EDGES_32 if dtype == "float32" else EDGES_64, dtype=dtype).reshape(-1, 1)
    _compare(torch, lambda t: t.cumprod(1), lambda t: torch.cumprod(t, 1), [edges], dtype)
    _compare(torch, lambda t: tg.cumprod(t, 0), lambda t: torch.cumprod(t, 0),
             [x[:, :0]], dtype)  # empty
    _compare(torch, lambda t: t.cumprod(0), lambda t: torch.cumprod(t, 0),
             [np.array(2.5, dtype=dtype)], dtype)  # 0-d


def test_cumprod_second_derivative_as_torch(torch: Any) -> None:
    x = _rows_with_zeros("float64")[:3]
    ours = tg.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    (first,) = tg.autograd.grad(ours.cumprod(1).sum(), ours, create_graph=True)
    (first_torch,) = torch.autograd.grad(theirs.cumprod(1).sum(), theirs, create_graph=True)
    _assert_same(first, first_torch, "float64", "first derivative")
    (first * first).sum().backward()
    (first_torch * first_torch).sum().backward()
    _assert_same(ours.grad, theirs.grad, "float64", "second derivative")


def test_cumprod_dtypes_as_torch(torch: Any) -> None:
    for values in ([1, 2, 3], [True, True, False]):
        ours, theirs = tg.tensor(values).cumprod(0), torch.tensor(values).cumprod(0)
        assert ours.tolist() == theirs.tolist() and ours.dtype is tg.int64
    ours = tg.tensor([1.5, 2.0]).cumprod(0, dtype=tg.float64)
    assert ours.dtype is tg.float64 and ours.tolist() == [1.5, 3.0]


@pytest.mark.parametrize("dtype", DTYPES)
def test_nansum_nanmean_as_torch(torch: Any, dtype: str) -> None:
    x = _rows_with_zeros(dtype)
    x[0, :] = NAN  # a row of nans: nansum 0, nanmean nan
    x[1, 1] = NAN
    x[2, 4] = INF
    for dim in (None, 0, 1, -1, (0, 1)):
        for keepdim in (False, True):
            for name in ("nansum", "nanmean"):
                _compare(torch, lambda t, n=name, d=dim, k=keepdim: getattr(t, n)(d, k),
                         lambda t, n=name, d=dim, k=keepdim: getattr(torch, n)(t, d, k),
                         [x], dtype)
    for name in ("nansum", "nanmean"):
        _compare(torch, lambda t, n=name: getattr(tg, n)(t), lambda t, n=name: getattr(torch, n)(t),
                 [x[:0]], dtype)  # empty: 0 and nan


def test_nansum_count_nonzero_dtypes_as_torch(torch: Any) -> None:
    for values in ([1, 0, 3], [True, False, True]):
        ours, theirs = tg.tensor(values).nansum(), torch.nansum(torch.tensor(values))
        assert ours.item() == theirs.item() and ours.dtype is tg.int64
    nested = [[0.0, 1.0, NAN], [2.0, -0.0, 3.0]]
    for dim in (None, 0, 1, (0, 1)):
        ours = tg.tensor(nested).count_nonzero(dim)
        theirs = torch.count_nonzero(torch.tensor(nested), dim=dim)
        assert ours.tolist() == theirs.tolist() and ours.dtype is tg.int64
    assert tg.tensor([1.0, NAN]).nanmean(dtype=tg.float64).dtype is tg.float64


def test_floor_divide_and_mean_raise_where_torch_does(torch: Any) -> None:
    x = torch.tensor([3.0], requires_grad=True)
    with pytest.raises(RuntimeError):
        (x // 2).sum().backward()
    with pytest.raises(RuntimeError):
        torch.tensor([1, 2]).mean()
    assert torch.tensor([1, 2]).mean(dtype=torch.float32).item() == 1.5


# -- priority B: frac, logcumsumexp, aminmax, var_mean, std_mean ---------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
def test_frac_as_torch(torch: Any, dtype: str) -> None:
    edges = np.array((EDGES_32 if dtype == "float32" else EDGES_64) + [2.5, -7.25, 1e7 + 0.5],
                     dtype=dtype)
    _compare(torch, lambda x: x.frac(), torch.frac, [edges], dtype)
    with pytest.raises(NotImplementedError):
        torch.frac(torch.tensor([1, 2]))
    with pytest.raises(NotImplementedError, match=r"frac: .*int64"):
        tg.frac([1, 2])


@pytest.mark.parametrize("dtype", DTYPES)
def test_logcumsumexp_as_torch(torch: Any, dtype: str) -> None:
    x = _rows_with_zeros(dtype) * 300.0  # spreads that underflow a plain exp
    x[0, 1], x[1, 0], x[1, 3], x[2, 2], x[3, 3] = -1000.0, -INF, -INF, INF, NAN
    x[4, :2] = -INF  # a row that starts with two -inf: nan gradient there, as torch
    for dim in (0, 1, -1):
        _compare(torch, lambda t, d=dim: t.logcumsumexp(d),
                 lambda t, d=dim: torch.logcumsumexp(t, d), [x], dtype, signed=True)
    _compare(torch, lambda t: tg.logcumsumexp(t, 1), lambda t: torch.logcumsumexp(t, 1),
             [x[:, :0]], dtype)  # empty
    _compare(torch, lambda t: t.logcumsumexp(0), lambda t: torch.logcumsumexp(t, 0),
             [np.array(-2.0, dtype=dtype)], dtype)  # 0-d
    with pytest.raises(NotImplementedError, match=r"logcumsumexp: .*int64.*float\(\)"):
        tg.tensor([1, 2]).logcumsumexp(0)
    with pytest.raises(IndexError, match="out of range"):
        tg.ones(2).logcumsumexp(1)


@pytest.mark.parametrize("dtype", DTYPES)
def test_aminmax_as_torch(torch: Any, dtype: str) -> None:
    x = np.array([[1.0, 3.0, 3.0], [-INF, 0.0, -INF], [2.0, NAN, 5.0], [INF, 1e38, -0.0]],
                 dtype=dtype)
    for dim in (None, 0, 1, -1):
        for keepdim in (False, True):
            def ours(t: Any, d: Any = dim, k: bool = keepdim) -> Any:
                low, high = t.aminmax(dim=d, keepdim=k)
                return low * 2.0 + high  # both, with their own gradients

            def theirs(t: Any, d: Any = dim, k: bool = keepdim) -> Any:
                low, high = torch.aminmax(t, dim=d, keepdim=k)
                return low * 2.0 + high

            _compare(torch, ours, theirs, [x], dtype)
    pair = tg.aminmax(tg.tensor([[1, 5], [3, 2]]), dim=1)
    expected = torch.aminmax(torch.tensor([[1, 5], [3, 2]]), dim=1)
    assert pair.min.tolist() == expected.min.tolist() and pair.max.tolist() == [5, 3]
    assert pair.min.dtype is tg.int64 and repr(pair).startswith("return_types.aminmax(\nmin=")
    with pytest.raises(RuntimeError):
        torch.aminmax(torch.tensor([]))
    with pytest.raises(RuntimeError, match="aminmax: .*empty"):
        tg.tensor([]).aminmax()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["var_mean", "std_mean"])
def test_var_mean_std_mean_as_torch(torch: Any, name: str, dtype: str) -> None:
    x = _rows_with_zeros(dtype)
    x[5] = 1.5  # a constant row: std 0, gradient 0 (as torch)
    for dim in (None, 0, 1, (0, 1)):
        for options in ({}, {"correction": 0}, {"keepdim": True, "correction": 2},
                        {"unbiased": False}):
            def ours(t: Any, d: Any = dim, o: Any = options) -> Any:
                spread, mean = getattr(tg, name)(t, d, **o)
                return spread + mean * 3.0

            def theirs(t: Any, d: Any = dim, o: Any = options) -> Any:
                spread, mean = getattr(torch, name)(t, d, **o)
                return spread + mean * 3.0

            # (a gradient that cancels to nearly 0 may differ by an ulp of its terms)
            _compare(torch, ours, theirs, [x], dtype, atol=4 * float(np.finfo(dtype).eps))
    spread, mean = getattr(tg, name)(tg.tensor(x[0], dtype=dtype), False)  # old (x, unbiased)
    expected = getattr(torch, name)(torch.tensor(x[0]), False)
    _assert_same(spread, expected[0], dtype, "unbiased=False")
    _assert_same(mean, expected[1], dtype, "mean")
    with pytest.raises(RuntimeError):
        getattr(torch, name)(torch.tensor([1, 2]))
    with pytest.raises(RuntimeError, match=rf"{name}: .*int64.*float\(\)"):
        getattr(tg, name)(tg.tensor([1, 2]))



# -- tg.jit replays them (no host read in their forward or backward) ------------------------------
def test_captured_step_replays_the_new_maths() -> None:
    w = tg.tensor([0.5, -1.0, 2.0, 0.0], dtype=tg.float64, requires_grad=True)

    def step(x):
        y = (x * w).cumprod(0) + x.lerp(w, tg.full((4,), 0.75, dtype=tg.float64))
        z = y.logaddexp(x).atan2(w + 3.0) + x.abs().xlogy(w * w + 1.0) + x.sinc().rsqrt()
        loss = z.logcumsumexp(0).nansum() + w.hypot(x).nan_to_num().mean() + x.erfinv().sum()
        loss.backward()
        grad = w.grad.clone()
        w.grad = None
        return loss, grad

    captured = tg.jit(step)
    for seed in range(4):
        x = tg.tensor(np.random.default_rng(seed).uniform(-0.9, 0.9, 4), dtype=tg.float64)
        x = tg.tensor([0.0, 0.3, -0.2, 0.5], dtype=tg.float64) if seed == 2 else x  # a zero
        loss, grad = captured(x)
        expected_loss, expected_grad = step(x)
        assert loss.item() == pytest.approx(expected_loss.item(), rel=1e-12)
        np.testing.assert_allclose(grad.numpy(), expected_grad.numpy(), rtol=1e-12)
    assert len(captured.captures) == 1  # one capture, replayed: nothing was read on the host


# -- PyTorch's parameter names -------------------------------------------------------------------
KEYWORD_CALLS: dict[str, dict[str, Any]] = {
    **{name: {"input": [0.25, 0.5]} for name in UNARY},
    **{name: {"input": [0.5, -1.0], "other": [2.0, 3.0]} for name in BINARY},
    "lerp": {"input": [0.0, 1.0], "end": [2.0, 4.0], "weight": 0.25},
    "addcmul": {"input": [1.0], "tensor1": [2.0], "tensor2": [3.0], "value": 0.5},
    "addcdiv": {"input": [1.0], "tensor1": [2.0], "tensor2": [4.0], "value": 2},
    "nan_to_num": {"input": [NAN, INF], "nan": 1.0, "posinf": 2.0, "neginf": 3.0},
    "cumprod": {"input": [[1, 2], [3, 4]], "dim": 1, "dtype": "float64"},
    "nansum": {"input": [[1.0, NAN], [3.0, 4.0]], "dim": 0, "keepdim": True},
    "nanmean": {"input": [[1.0, NAN], [3.0, 4.0]], "dim": 1, "keepdim": False},
    "count_nonzero": {"input": [[0, 1], [2, 3]], "dim": 1},
    "logcumsumexp": {"input": [0.0, 1.0, -2.0], "dim": 0},
    "frac": {"input": [2.5, -1.25]},
    "var_mean": {"input": [[1.0, 2.0], [4.0, 8.0]], "dim": 1, "correction": 0, "keepdim": True},
    "std_mean": {"input": [[1.0, 2.0], [4.0, 8.0]], "dim": 0, "correction": 2},
    "aminmax": {"input": [[1.0, 2.0], [4.0, -8.0]], "dim": 0, "keepdim": True},
}


@pytest.mark.parametrize("name", sorted(KEYWORD_CALLS))
def test_function_forms_take_pytorchs_keywords(torch: Any, name: str) -> None:
    arguments = KEYWORD_CALLS[name]
    ours = getattr(tg, name)(**{key: tg.tensor(value) if isinstance(value, list) else
                                (getattr(tg, value) if key == "dtype" else value)
                                for key, value in arguments.items()})
    theirs = getattr(torch, name)(**{key: torch.tensor(value) if isinstance(value, list) else
                                     (getattr(torch, value) if key == "dtype" else value)
                                     for key, value in arguments.items()})
    ours, theirs = (ours, theirs) if isinstance(ours, tuple) else ((ours,), (theirs,))
    assert len(ours) == len(theirs)
    for mine, reference in zip(ours, theirs, strict=True):
        _assert_same(mine, reference, str(reference.dtype).removeprefix("torch."), name)
        assert mine.dtype.name == str(reference.dtype).removeprefix("torch.")


# -- in place ------------------------------------------------------------------------------------
IN_PLACE: dict[str, tuple[Any, ...]] = {
    **{name: () for name in UNARY},
    **{name: ([2.0, -3.0, 0.5],) for name in BINARY if name != "logaddexp"},  # (no torch one)
    "nan_to_num": (), "frac": (), "cumprod": (0,),
}


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_forms_as_torch(torch: Any, name: str) -> None:
    values = [0.25, -0.5, 0.75]
    ours, theirs = tg.tensor(values), torch.tensor(values)
    ours_args = [tg.tensor(a) if isinstance(a, list) else a for a in IN_PLACE[name]]
    theirs_args = [torch.tensor(a) if isinstance(a, list) else a for a in IN_PLACE[name]]
    with np.errstate(all="ignore"):
        assert getattr(ours, f"{name}_")(*ours_args) is ours
    getattr(theirs, f"{name}_")(*theirs_args)
    _assert_same(ours, theirs, "float32", f"{name}_")
    assert ours._version == 1


def test_in_place_forms_refuse_what_torch_refuses(torch: Any) -> None:
    with pytest.raises(RuntimeError):
        torch.tensor([1, 4]).rsqrt_()
    with pytest.raises(RuntimeError, match=r"rsqrt_: the result is float32.*int64.*float\(\)"):
        tg.tensor([1, 4]).rsqrt_()
    with pytest.raises(RuntimeError):
        torch.ones(2).atan2_(torch.ones(2, 1))
    with pytest.raises(RuntimeError, match=r"atan2_: the result has shape \(2, 2\).*\(2,\)"):
        tg.ones(2).atan2_(tg.ones(2, 1))
    w = tg.tensor([0.5], requires_grad=True)
    with pytest.raises(RuntimeError, match="in-place.*no_grad"):
        w.sinh_()
    with tg.no_grad():
        assert w.sinh_().tolist() == pytest.approx([0.5210953])
    y = tg.tensor([1.0, 2.0])  # a wider result is written back in the tensor's dtype, as torch
    assert y.atan2_(tg.tensor([1.0, 2.0], dtype=tg.float64)).dtype is tg.float32
    assert tg.tensor([1, 2, 3]).cumprod_(0).tolist() == [1, 2, 6]
