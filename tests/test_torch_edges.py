"""tinygrad_edu against PyTorch at the edges: inf and nan, signed zeros, huge and tiny float32
values, integer division by zero. A learner's PyTorch line that runs here must give PyTorch's
numbers (or an error where PyTorch raises one), never different numbers in silence.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed (pip install torch); these tests compare with it"
)

INF, NAN = float("inf"), float("nan")
EDGE_VALUES = [5.0, -5.0, 0.0, -0.0, 7.5, INF, -INF, NAN, 1e-45, -3e38]
DIVISORS = [INF, -INF, 0.0, -0.0, NAN, 2.0, -2.0, 1e-45, -3e38]


def same(ours: tg.Tensor, theirs: torch.Tensor) -> None:
    """Equal values (nan where PyTorch has nan), dtype and shape; zeros not told apart."""
    expected = theirs.detach().numpy()
    got = ours.numpy()
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    np.testing.assert_array_equal(got, expected)


def no_warnings(fn, *args, **kwargs):
    """``fn(...)`` with NumPy's RuntimeWarnings turned into errors (none may leak out)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        return fn(*args, **kwargs)


# -- remainder, fmod, floor division ---------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("divisor", DIVISORS, ids=repr)
@pytest.mark.parametrize("name", ["remainder", "fmod", "floor_divide"])
def test_float_division_edges_match_torch(name: str, divisor: float, dtype: str) -> None:
    x, y = np.array(EDGE_VALUES, dtype=dtype), np.array(divisor, dtype=dtype)
    ours = no_warnings(getattr(tg, name), tg.tensor(x), tg.tensor(y))
    same(ours, getattr(torch, name)(torch.tensor(x), torch.tensor(y)))


@pytest.mark.parametrize("divisor", DIVISORS, ids=repr)
@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_rounding_mode_matches_torch(mode: str, divisor: float) -> None:
    x = np.array(EDGE_VALUES, dtype="float32")
    ours = no_warnings(tg.div, tg.tensor(x), divisor, rounding_mode=mode)
    same(ours, torch.div(torch.tensor(x), divisor, rounding_mode=mode))
    same(tg.tensor(x).div(divisor, rounding_mode=mode),
         torch.tensor(x).div(divisor, rounding_mode=mode))


def test_modulo_by_a_python_infinity_as_in_the_issue() -> None:
    x = [5.0, -5.0, 0.0]
    same(no_warnings(lambda: tg.tensor(x) % INF), torch.tensor(x) % INF)
    same(no_warnings(lambda: tg.tensor(x) % -INF), torch.tensor(x) % -INF)
    same(no_warnings(lambda: tg.tensor(x) % tg.tensor(INF)), torch.tensor(x) % torch.tensor(INF))


@pytest.mark.parametrize("divisor", [3, -3])
@pytest.mark.parametrize("name", ["remainder", "fmod", "floor_divide", "trunc", "floor"])
def test_integer_division_matches_torch(name: str, divisor: int) -> None:
    values = [7, -7, 6, -6, 0, 1, -1]
    x, tx = tg.tensor(values), torch.tensor(values)
    if name in ("trunc", "floor"):
        same(x.div(divisor, rounding_mode=name), tx.div(divisor, rounding_mode=name))
    else:
        same(getattr(x, name)(divisor), getattr(tx, name)(divisor))


@pytest.mark.parametrize("name", ["remainder", "fmod", "floor_divide", "trunc", "floor"])
def test_integer_division_by_zero_raises_as_in_torch(name: str) -> None:
    def call(module, x):
        if name in ("trunc", "floor"):
            return module.div(x, module.tensor(0), rounding_mode=name)
        return getattr(module, name)(x, module.tensor(0))

    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        call(torch, torch.tensor([5, -5]))
    with pytest.raises(ZeroDivisionError, match="integer division by zero"):
        call(tg, tg.tensor([5, -5]))


@pytest.mark.parametrize("name", ["remainder", "fmod"])
def test_remainder_gradients_match_torch(name: str) -> None:
    x = [-5.0, 5.0, 7.5, -7.5, 5.0, -5.0]
    y = [2.0, -2.0, 2.0, 3.0, INF, INF]
    ours_x, ours_y = tg.tensor(x, requires_grad=True), tg.tensor(y, requires_grad=True)
    theirs_x = torch.tensor(x, requires_grad=True)
    theirs_y = torch.tensor(y, requires_grad=True)
    no_warnings(lambda: getattr(tg, name)(ours_x, ours_y).sum().backward())
    getattr(torch, name)(theirs_x, theirs_y).sum().backward()
    same(ours_x.grad, theirs_x.grad)
    same(ours_y.grad, theirs_y.grad)


def test_div_with_rounding_mode_has_zero_gradient_as_in_torch() -> None:
    ours = tg.tensor([5.0, -5.0], requires_grad=True)
    theirs = torch.tensor([5.0, -5.0], requires_grad=True)
    for mode in ("trunc", "floor"):
        ours.div(2, rounding_mode=mode).sum().backward()
        theirs.div(2, rounding_mode=mode).sum().backward()
    same(ours.grad, theirs.grad)
    with pytest.raises(ValueError, match="rounding_mode"):
        ours.div(2, rounding_mode="round")


# -- norm ------------------------------------------------------------------------------------
NORM_CASES = [
    ([1e30], {}),  # one element: |x| exactly (x * x would overflow)
    ([[1e30], [-2e30]], {"dim": 1}),
    ([[1e30], [-2e30]], {"dim": 1, "keepdim": True}),
    ([-3.0], {"p": 3}),
    ([1e30, 1e30], {}),  # inf in PyTorch too: float32 squares overflow
    ([1e-30, 1e-30], {}),  # 0 in PyTorch too: they underflow
    ([1e-20, 1e-20], {}),  # subnormal squares, rounded as PyTorch rounds them
    ([0.0, 0.0], {"p": 3}),
    ([0.0, 0.0], {"p": 0.5}),
    ([1.0, 0.0], {"p": 0.5}),
    ([1.0, 0.0], {"p": -1}),
    ([0.0, 0.0], {"p": -1}),
    ([1.0, -2.0], {"p": 3}),
    ([1.0, -2.0], {"p": 0.5}),
    ([1e-30, 1e-30], {"p": 3}),
    ([[0.0, 0.0], [1.0, -2.0]], {"p": 3, "dim": 1}),
    ([[0.0, 3.0], [1.0, 2.0]], {"p": 3, "dim": 0, "keepdim": True}),
    ([[0.0, 0.0], [3.0, 4.0]], {"dim": 1}),
    ([[0.0, 0.0], [3.0, 4.0]], {"p": 1, "dim": 1}),
    ([[0.0, 0.0], [3.0, -4.0]], {"p": INF, "dim": 1}),
    ([[0.0, 0.0], [3.0, 4.0]], {"p": 0, "dim": 1}),
]


@pytest.mark.parametrize(("values", "options"), NORM_CASES, ids=repr)
def test_norm_and_its_gradient_match_torch(values: list, options: dict) -> None:
    ours = tg.tensor(values, requires_grad=True)
    theirs = torch.tensor(values, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # x * x may overflow: NumPy says so
        out = ours.norm(**options)
        if options.get("p") != 0:  # PyTorch records no derivative for the count of nonzeros
            out.sum().backward()
    expected = theirs.norm(**options)
    same(out, expected)
    if options.get("p") == 0:
        return
    expected.sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-6)


def test_norm_of_a_huge_single_number_is_that_number() -> None:
    """The case from the issue: 1e30 in float32, whose square overflows."""
    same(no_warnings(tg.tensor([1e30]).norm), torch.tensor([1e30]).norm())
    same(no_warnings(tg.norm, tg.tensor(-1e30)), torch.norm(torch.tensor(-1e30)))
    # PyTorch's gradient here is nan (its formula overflows); the value is what counts
    same(no_warnings(tg.tensor([-3e38]).norm, p=3), torch.tensor([-3e38]).norm(p=3))


# -- generator= ------------------------------------------------------------------------------
def _draws(module, generator):
    """The same random calls in either library, each with ``generator=``."""
    init = module.nn.init
    return [
        module.rand(2, 3, generator=generator),
        module.randn(4, generator=generator, dtype=module.float64),
        module.randint(3, 9, (5,), generator=generator),
        module.randint(4, (2, 2), generator=generator),
        module.randperm(6, generator=generator),
        module.rand_like(module.zeros(3), generator=generator),
        module.randn_like(module.zeros(2, dtype=module.float64), generator=generator),
        module.zeros(3).uniform_(-2, 2, generator=generator),
        module.zeros(3).normal_(1, 2, generator=generator),
        init.uniform_(module.zeros(2, 2), -1, 1, generator=generator),
        init.normal_(module.zeros(2, 2), 0, 1, generator=generator),
        init.kaiming_uniform_(module.zeros(3, 4), generator=generator),
        init.kaiming_normal_(module.zeros(3, 4), generator=generator),
        init.xavier_uniform_(module.zeros(3, 4), generator=generator),
        init.xavier_normal_(module.zeros(3, 4), generator=generator),
    ]


def test_generator_keyword_is_taken_where_torch_takes_it() -> None:
    ours = _draws(tg, tg.Generator().manual_seed(3))
    theirs = _draws(torch, torch.Generator().manual_seed(3))
    for got, expected in zip(ours, theirs, strict=True):
        assert tuple(got.shape) == tuple(expected.shape)
        assert got.numpy().dtype == expected.numpy().dtype
    for got in ours[:2] + ours[4:]:  # the ones whose numbers are spread freely
        assert len(np.unique(got.numpy())) == got.numel()
    assert 3 <= ours[2].min().item() and ours[2].max().item() < 9
    assert sorted(ours[4].tolist()) == list(range(6))
    assert 0 <= ours[0].min().item() and ours[0].max().item() < 1
    assert -2 <= ours[7].min().item() and ours[7].max().item() < 2


def test_one_seed_one_sequence_and_the_global_stream_left_alone() -> None:
    generator = tg.Generator()
    first = _draws(tg, generator.manual_seed(11))
    again = _draws(tg, generator.manual_seed(11))
    other = _draws(tg, generator.manual_seed(12))
    for a, b, c in zip(first, again, other, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert not np.array_equal(a.numpy(), c.numpy())
    tg.manual_seed(0)
    expected = tg.rand(5).numpy()
    tg.manual_seed(0)
    _draws(tg, generator)
    np.testing.assert_array_equal(tg.rand(5).numpy(), expected)


def test_a_wrong_generator_is_named() -> None:
    with pytest.raises(TypeError, match="tg.Generator"):
        tg.rand(2, generator=torch.Generator())
    with pytest.raises(TypeError, match="tg.Generator"):
        tg.zeros(2).normal_(generator=0)


# -- found in the sweep ----------------------------------------------------------------------
@pytest.mark.parametrize("p", [2, 1, 3, INF])
@pytest.mark.parametrize("values", [[[NAN, 1.0, 3.0]], [[1e30]], [[0.0, 0.0]], [[3.0, 4.0]]],
                         ids=repr)
def test_normalize_matches_torch(values: list, p: float) -> None:
    ours = tg.nn.functional.normalize(tg.tensor(values), p=p)
    same(ours, torch.nn.functional.normalize(torch.tensor(values), p=p))


def test_clamp_by_a_nan_tensor_bound_gives_nan_as_in_torch() -> None:
    x, low, high = [2.5, NAN, -1.0, 0.0], [NAN, 0.0, 0.0, 0.0], [3.0, 3.0, NAN, 0.0]
    same(tg.tensor(x).clamp(min=tg.tensor(low), max=tg.tensor(high)),
         torch.tensor(x).clamp(min=torch.tensor(low), max=torch.tensor(high)))
    same(tg.tensor(x).clamp(max=tg.tensor(high)), torch.tensor(x).clamp(max=torch.tensor(high)))


@pytest.mark.parametrize("args", [(0, 1, 0.1), (1, 0, -0.3), (0, 10, 0.7), (0.1, 2.3, 0.3),
                                  (1e8, 1e8 + 100, 1.0), (-5, 5, 0.25), (0, 7), (2.0,)],
                         ids=repr)
def test_arange_rounds_each_value_once_as_torch(args: tuple) -> None:
    """float32 values are start + i * step rounded once (NumPy's float32 arange adds up
    rounded steps: arange(0, 10, 0.7) ended 9.5e-7 off, arange(1e8, ...) 96 off)."""
    same(tg.arange(*args), torch.arange(*args))


# -- conversions -----------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:invalid value encountered in cast")  # NumPy: nan to int
@pytest.mark.parametrize("method", ["float", "double", "long", "bool"])
def test_conversions_match_torch_at_the_edges(method: str) -> None:
    values = [1.9, -1.9, 2.5, -0.0, NAN, 1e20, 16777217.0]
    same(getattr(tg.tensor(values, dtype="float64"), method)(),
         getattr(torch.tensor(values, dtype=torch.float64), method)())
    same(tg.tensor([1.5, 0.0]).to(tg.float64).type(tg.bool),
         torch.tensor([1.5, 0.0]).to(torch.float64).type(torch.bool))


@pytest.mark.parametrize("method", ["half", "short", "char", "byte"])
def test_conversions_to_dtypes_we_lack_raise_a_clear_error(method: str) -> None:
    assert getattr(torch.tensor([300.0]), method)().dtype != torch.float32  # torch has them
    with pytest.raises(TypeError, match=r"tinygrad_edu has only float32.*so use x\."):
        getattr(tg.tensor([300.0]), method)()


PROD_CASES = [
    [[1.0, INF, 2.0], [NAN, 1.0, 3.0], [-INF, -INF, 0.0], [1e38, 3e38, 1e38], [1e-45, 0.0, -0.0]],
    [[1.0, INF, 0.0]], [[0.0, 0.0, 2.0]], [[NAN, 0.0, 2.0]], [[0.0, NAN], [0.0, 1.0]],
    [[1.0, INF, 2.0], [NAN, 1.0, 3.0]],
]


@pytest.mark.parametrize("dim", [0, 1, None])
@pytest.mark.parametrize("values", PROD_CASES, ids=repr)
def test_prod_gradient_matches_torch_with_zeros_inf_and_nan(values: list, dim: int | None) -> None:
    """PyTorch takes z / x_i unless the tensor holds a zero anywhere, then the exact product of
    the others (all 0 for a full product with two zeros); it decides for the whole tensor."""
    ours, theirs = tg.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # inf * 0 and the like, as in C
        (ours.prod() if dim is None else ours.prod(dim)).sum().backward()
    (theirs.prod() if dim is None else theirs.prod(dim)).sum().backward()
    same(ours.grad, theirs.grad)


def test_float32_cumsum_adds_up_as_torch() -> None:
    """PyTorch sums float32 in float64 and rounds each running sum once."""
    same(tg.tensor([1e8, 1.0, -1e8, 1.0]).cumsum(0), torch.tensor([1e8, 1.0, -1e8, 1.0]).cumsum(0))
    values = np.random.default_rng(0).standard_normal((40, 300)).astype("float32") * 1000
    for dim in (0, 1):
        same(tg.tensor(values).cumsum(dim), torch.tensor(values).cumsum(dim))


@pytest.mark.filterwarnings("ignore:overflow encountered")  # NumPy says x * x overflows
def test_cosine_similarity_of_an_overflowing_vector_is_0_as_torch() -> None:
    x, y = [[1e30, 1e30], [0.0, 0.0], [3.0, 4.0]], [[1.0, 1.0], [1.0, 1.0], [1.0, 2.0]]
    same(tg.nn.functional.cosine_similarity(tg.tensor(x), tg.tensor(y)),
         torch.nn.functional.cosine_similarity(torch.tensor(x), torch.tensor(y)))
