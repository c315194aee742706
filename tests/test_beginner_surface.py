"""The Tensor methods and ``tg.*`` functions of PyTorch's beginner tutorials, each against real
PyTorch: values, dtypes, shapes and gradients, with the edges (empty dims, inf and nan, ties,
negative dims, float32 and float64)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch", reason="these tests compare with PyTorch (not installed)")

INF, NAN = math.inf, math.nan
# inf and nan inputs make NumPy (and PyTorch, for var's n - 1 = 0) warn; the values are checked
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore:var:UserWarning")


def pair(data: Any, dtype: str = "float32", requires_grad: bool = False) -> tuple[Any, Any]:
    """The same data as a tinygrad_edu tensor and a torch tensor."""
    array = np.asarray(data, dtype=dtype)
    mine = tg.tensor(array, requires_grad=requires_grad)
    theirs = torch.tensor(array, requires_grad=requires_grad)
    return mine, theirs


def same(mine: Any, theirs: Any, rtol: float = 1e-6, atol: float = 1e-7) -> None:
    """Equal values (nan where nan), shape and dtype; tuples element by element."""
    if isinstance(theirs, tuple | list):
        assert len(mine) == len(theirs)
        for m, t in zip(mine, theirs, strict=True):
            same(m, t, rtol, atol)
        return
    if isinstance(theirs, bool | int | float):
        assert type(mine) is type(theirs) and mine == theirs
        return
    assert tuple(mine.shape) == tuple(theirs.shape), (mine.shape, theirs.shape)
    assert mine.dtype.name == str(theirs.dtype).removeprefix("torch."), (mine.dtype, theirs.dtype)
    np.testing.assert_allclose(mine.numpy(), theirs.detach().numpy(), rtol=rtol, atol=atol)


def same_grad(fn: Callable[[Any], Any], data: Any, torch_fn: Callable[[Any], Any] | None = None,
              dtype: str = "float32", rtol: float = 1e-5) -> None:
    """``fn`` gives the same values and, for a random cotangent, the same input gradient."""
    mine, theirs = pair(data, dtype, requires_grad=True)
    out_mine, out_theirs = fn(mine), (torch_fn or fn)(theirs)
    same(out_mine, out_theirs, rtol=rtol, atol=1e-6)
    weights = np.random.default_rng(0).uniform(0.5, 1.5, tuple(out_theirs.shape)).astype(dtype)
    (out_mine * tg.tensor(weights)).sum().backward()
    (out_theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(mine.grad.numpy(), theirs.grad.numpy(), rtol=rtol, atol=1e-6)


MATRIX = [[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]]


# -- tensors made like another, shapes taken from another ----------------------------------------
def test_new_tensors_take_dtype_and_shape_as_pytorch() -> None:
    for dtype in ("float32", "float64", "int64"):
        mine, theirs = pair([1, 2], dtype)
        same(mine.new_zeros(2, 3), theirs.new_zeros(2, 3))
        same(mine.new_ones((2,)), theirs.new_ones((2,)))
        same(mine.new_full((2, 2), 3), theirs.new_full((2, 2), 3))
        same(mine.new_tensor([1.5, -2.5]), theirs.new_tensor([1.5, -2.5]))
        assert mine.new_empty(0, 2).shape == theirs.new_empty(0, 2).shape
    mine, theirs = pair([1.0])
    same(mine.new_ones(2, dtype=tg.int64), theirs.new_ones(2, dtype=torch.int64))
    assert mine.new_zeros(2, requires_grad=True).requires_grad


def test_shapes_and_dtypes_from_another_tensor() -> None:
    mine, theirs = pair([[1.0, 2.0, 3.0]])
    target_mine, target_theirs = pair(np.zeros((2, 3)), "float64")
    same(mine.expand_as(target_mine), theirs.expand_as(target_theirs))
    same(mine.type_as(target_mine), theirs.type_as(target_theirs))
    same(mine.view_as(pair(np.zeros(3))[0]), theirs.view_as(torch.zeros(3)))
    same(mine.reshape_as(pair(np.zeros((3, 1)))[0]), theirs.reshape_as(torch.zeros(3, 1)))
    same_grad(lambda x: x.expand_as(tg.zeros(4, 3)), [[1.0, 2.0, 3.0]],
              lambda x: x.expand_as(torch.zeros(4, 3)))
    same_grad(lambda x: x.type_as(tg.zeros(1, dtype=tg.float64)), [1.0, 2.0],
              lambda x: x.type_as(torch.zeros(1, dtype=torch.float64)))


def test_facts() -> None:
    for dtype in ("float32", "float64", "int64", "bool"):
        mine, theirs = pair([[1, 0, 1]], dtype)
        assert mine.element_size() == theirs.element_size()
        assert mine.nelement() == theirs.nelement() == tg.numel(mine) == torch.numel(theirs)
        assert mine.is_cuda is theirs.is_cuda is False


def test_format_as_pytorch() -> None:
    for value in (2.5, -1e-9, INF, NAN):
        mine, theirs = pair(value)
        for spec in (".2f", ".3e", "", "10.4f"):
            assert format(mine, spec) == format(theirs, spec)
    mine, theirs = pair(7, "int64")
    assert f"{mine:d}" == f"{theirs:d}" and f"{mine:>4}" == f"{theirs:>4}"
    loss = tg.tensor([0.5, 0.25]).sum()
    assert f"loss: {loss:>7f}" == "loss: 0.750000"  # Learn the Basics' training loop
    for data in ([2.5], [[1.0, 2.0]]):  # dimensions and a spec: an error, in both
        mine, theirs = pair(data)
        with pytest.raises(TypeError):
            format(theirs, ".2f")
        with pytest.raises(TypeError, match="item"):
            format(mine, ".2f")
        assert f"{mine}" == repr(mine)


# -- tg.* construction -------------------------------------------------------------------------
def test_as_tensor_shares_like_pytorch() -> None:
    array = np.array([1.0, 2.0], dtype=np.float32)
    mine, theirs = tg.as_tensor(array), torch.as_tensor(array)
    array[0] = 9.0
    same(mine, theirs)
    assert tg.as_tensor(mine) is mine
    same(tg.as_tensor([1, 2]), torch.as_tensor([1, 2]))
    same(tg.as_tensor(array, dtype=tg.float64), torch.as_tensor(array, dtype=torch.float64))
    array[1] = 5.0  # a dtype change copied
    assert tg.as_tensor(np.array([1], dtype=np.int32)).dtype is tg.int64


def test_randperm_and_default_dtype() -> None:
    tg.manual_seed(3)
    first = tg.randperm(50)
    tg.manual_seed(3)
    assert first.tolist() == tg.randperm(50).tolist()
    assert sorted(first.tolist()) == list(range(50)) and first.dtype is tg.int64
    assert tg.randperm(0).shape == torch.randperm(0).shape
    assert tg.randperm(3, dtype=tg.float32).dtype is tg.float32
    assert tg.get_default_dtype() is tg.float32
    assert str(torch.get_default_dtype()) == "torch.float32"
    tg.set_default_dtype(tg.float32)
    with pytest.raises(NotImplementedError, match="dtype=tg.float64"):
        tg.set_default_dtype(tg.float64)


def test_clone_keeps_the_graph() -> None:
    same_grad(lambda x: tg.clone(x) * 2, [1.0, 2.0], lambda x: torch.clone(x) * 2)


# -- comparisons and logic -------------------------------------------------------------------
def test_comparisons_by_name() -> None:
    data = [1.0, NAN, -INF, 2.0]
    for name in ("eq", "ne", "lt", "le", "gt", "ge"):
        mine, theirs = pair(data)
        other_mine, other_theirs = pair([1.0, NAN, -INF, 3.0])
        same(getattr(mine, name)(other_mine), getattr(theirs, name)(other_theirs))
        same(getattr(mine, name)(2.0), getattr(theirs, name)(2.0))
        same(getattr(tg, name)(mine, other_mine), getattr(torch, name)(theirs, other_theirs))


def test_equal() -> None:
    cases = [([1, 2], "int64", [1.0, 2.0], "float32"), ([NAN], "float32", [NAN], "float32"),
             ([1.0, 2.0], "float32", [1.0, 2.0, 3.0], "float32"), ([], "float32", [], "float32")]
    for a, dtype_a, b, dtype_b in cases:
        mine_a, theirs_a = pair(a, dtype_a)
        mine_b, theirs_b = pair(b, dtype_b)
        assert mine_a.equal(mine_b) is torch.equal(theirs_a, theirs_b)
        assert tg.equal(mine_a, mine_b) is torch.equal(theirs_a, theirs_b)


def test_isclose_and_allclose() -> None:
    a = [1.0, INF, -INF, NAN, 1e-9, 100.0, INF]
    b = [1.0 + 1e-6, INF, INF, NAN, 0.0, 100.001, 1e38]
    for dtype in ("float32", "float64"):
        (mine_a, theirs_a), (mine_b, theirs_b) = pair(a, dtype), pair(b, dtype)
        for equal_nan in (False, True):
            same(mine_a.isclose(mine_b, equal_nan=equal_nan),
                 theirs_a.isclose(theirs_b, equal_nan=equal_nan))
            same(tg.isclose(mine_a, mine_b, rtol=1e-3, atol=0.1, equal_nan=equal_nan),
                 torch.isclose(theirs_a, theirs_b, rtol=1e-3, atol=0.1, equal_nan=equal_nan))
        assert mine_a.allclose(mine_b) is torch.allclose(theirs_a, theirs_b)
        assert tg.allclose(mine_a[:2], mine_b[:2]) is torch.allclose(theirs_a[:2], theirs_b[:2])
    (mine_a, theirs_a), (mine_b, theirs_b) = pair([1, 5], "int64"), pair([1, 6], "int64")
    same(mine_a.isclose(mine_b, rtol=0.1, atol=0), theirs_a.isclose(theirs_b, rtol=0.1, atol=0))
    assert tg.allclose(tg.ones(2, 1), tg.ones(3)) is torch.allclose(torch.ones(2, 1), torch.ones(3))
    with pytest.raises(RuntimeError):
        torch.isclose(torch.ones(1), torch.ones(1, dtype=torch.float64))
    with pytest.raises(RuntimeError, match="dtypes float32 and float64"):
        tg.isclose(tg.ones(1), tg.ones(1, dtype=tg.float64))


def test_isnan_isinf_isfinite_and_logic() -> None:
    for data, dtype in (([1.0, NAN, INF, -INF, 0.0], "float32"), ([0, 3, -2], "int64"),
                        ([True, False], "bool")):
        mine, theirs = pair(data, dtype)
        for name in ("isnan", "isinf", "isfinite", "logical_not"):
            same(getattr(mine, name)(), getattr(theirs, name)())
            same(getattr(tg, name)(mine), getattr(torch, name)(theirs))
    (ma, ta), (mb, tb) = pair([[1.0, 0.0, NAN]]), pair([[2], [0]], "int64")
    for name in ("logical_and", "logical_or", "logical_xor"):
        same(getattr(ma, name)(mb), getattr(ta, name)(tb))
        same(getattr(tg, name)(ma, mb), getattr(torch, name)(ta, tb))
    for name in ("any", "all"):
        mine, theirs = pair([[0.0, 1.0], [0.0, 0.0]])
        same(getattr(tg, name)(mine), getattr(torch, name)(theirs))
        same(getattr(tg, name)(mine, dim=1), getattr(torch, name)(theirs, dim=1))


def test_where_method_and_masked_fill() -> None:
    same_grad(lambda x: x.where(x > 0, 0.0), MATRIX, lambda x: x.where(x > 0, 0.0))
    mask = [[False, True, False], [True, False, False]]
    for fill in (0.0, -INF, NAN, 7):
        same_grad(lambda x, fill=fill: x.masked_fill(tg.tensor(mask), fill), MATRIX,
                  lambda x, fill=fill: x.masked_fill(torch.tensor(mask), fill))
    # the attention idiom: masked scores through softmax; a broadcast mask row
    same_grad(lambda x: tg.masked_fill(x, tg.tensor([True, False, False]), -INF).softmax(-1),
              MATRIX, lambda x: x.masked_fill(torch.tensor([True, False, False]), -INF).softmax(-1))
    same_grad(lambda x: x.masked_fill(tg.ones(2, 3).tril() == 0, 0.0), MATRIX,
              lambda x: x.masked_fill(torch.ones(2, 3).tril() == 0, 0.0))
    mine, theirs = pair([1, 2, 3], "int64")
    same(mine.masked_fill(tg.tensor([True, False, True]), 0.7),
         theirs.masked_fill(torch.tensor([True, False, True]), 0.7))
    mine, theirs = pair(MATRIX, requires_grad=True)
    with tg.no_grad():
        mine.masked_fill_(mine < 0, 0.0)
    with torch.no_grad():
        theirs.masked_fill_(theirs < 0, 0.0)
    same(mine, theirs)
    with pytest.raises(TypeError, match="bool"):
        mine.masked_fill(tg.tensor([1, 0, 1]), 0.0)
    with pytest.raises(ValueError, match="broadcast"):
        tg.ones(3).masked_fill(tg.ones(2, 3).bool(), 0.0)


# -- pieces ------------------------------------------------------------------------------------
def test_split_chunk_unbind() -> None:
    data = np.arange(24.0).reshape(4, 6)
    for args in ((2,), (4, 1), ([1, 3], 0), ([2, 0, 4], -1), (6, 0)):
        same_grad(lambda x, args=args: tg.stack([p.sum() for p in x.split(*args)]), data,
                  lambda x, args=args: torch.stack([p.sum() for p in x.split(*args)]))
        mine, theirs = pair(data)
        same(tg.split(mine, *args), torch.split(theirs, *args))
    for chunks, dim in ((3, 0), (4, 1), (5, 1), (6, -1), (1, 0)):
        mine, theirs = pair(data)
        same(mine.chunk(chunks, dim), theirs.chunk(chunks, dim))
        same(tg.chunk(mine, chunks, dim), torch.chunk(theirs, chunks, dim))
    empty_mine, empty_theirs = pair(np.zeros((0, 2)))
    same(empty_mine.chunk(3), empty_theirs.chunk(3))
    same(empty_mine.split(2), empty_theirs.split(2))
    for dim in (0, 1, -1):
        same_grad(lambda x, dim=dim: tg.stack(x.unbind(dim)) * 2, data,
                  lambda x, dim=dim: torch.stack(x.unbind(dim)) * 2)
    with pytest.raises(ValueError, match="add up"):
        tg.ones(4).split([1, 2])


def test_narrow_select_index_select() -> None:
    data = np.arange(12.0).reshape(3, 4)
    same_grad(lambda x: x.narrow(1, 1, 2), data)
    same_grad(lambda x: x.narrow(0, -2, 2), data)
    same_grad(lambda x: x.narrow(1, 4, 0), data)
    same_grad(lambda x: x.select(1, -1), data)
    same_grad(lambda x: tg.select(x, 0, 2), data, lambda x: torch.select(x, 0, 2))
    same_grad(lambda x: x.index_select(1, tg.tensor([3, 0, 3])), data,
              lambda x: x.index_select(1, torch.tensor([3, 0, 3])))
    same_grad(lambda x: tg.index_select(x, -2, tg.tensor([], dtype=tg.int64)), data,
              lambda x: torch.index_select(x, -2, torch.tensor([], dtype=torch.int64)))
    mine, theirs = pair(5.0)
    same(mine.index_select(0, tg.tensor([0])), theirs.index_select(0, torch.tensor([0])))
    with pytest.raises(IndexError):
        tg.ones(3, 4).select(1, 4)
    with pytest.raises(IndexError):
        tg.ones(3, 4).narrow(1, 2, 3)
    with pytest.raises(TypeError, match="int64"):
        tg.ones(3).index_select(0, tg.tensor([0.0]))


def test_flip_roll_repeat_tril_triu() -> None:
    data = np.arange(24.0).reshape(2, 3, 4)
    for dims in ((0,), (1, 2), (-1, 0, 1)):
        same_grad(lambda x, dims=dims: x.flip(dims), data)
        same_grad(lambda x, dims=dims: tg.flip(x, dims), data,
                  lambda x, dims=dims: torch.flip(x, dims))
    for shifts, dims in ((1, None), (-7, None), (2, 1), ((1, -5), (0, 2)), (3, -1)):
        same_grad(lambda x, s=shifts, d=dims: x.roll(s, d), data)
        same_grad(lambda x, s=shifts, d=dims: tg.roll(x, s, d), data,
                  lambda x, s=shifts, d=dims: torch.roll(x, s, d))
    for sizes in ((1, 1, 1), (2, 1, 3), (2, 1, 1, 2)):
        same_grad(lambda x, sizes=sizes: x.repeat(*sizes), data)
    same_grad(lambda x: x.repeat((2, 2)), [[1.0, 2.0]], lambda x: x.repeat((2, 2)))
    for diagonal in (-1, 0, 1, 5, -5):
        same_grad(lambda x, k=diagonal: x.tril(k), data)
        same_grad(lambda x, k=diagonal: tg.triu(x, k), data, lambda x, k=diagonal: torch.triu(x, k))
    mine, theirs = pair([[INF, NAN], [1.0, 2.0]])
    same(mine.tril(), theirs.tril())
    same(mine.triu(), theirs.triu())
    with pytest.raises(ValueError, match="2 dims"):
        tg.ones(3).tril()
    with pytest.raises(TypeError):
        torch.ones(3).flip()
    with pytest.raises(TypeError, match="dims"):
        tg.ones(3).flip()


def test_nonzero() -> None:
    for data in ([[0, 3], [5, 0]], [0.0, NAN, -1.0], [[0, 0]], 5, 0, [True, False, True]):
        mine, theirs = pair(data, "bool" if isinstance(data, list) and isinstance(data[0], bool)
                            else "float32")
        same(mine.nonzero(), theirs.nonzero())
        same(mine.nonzero(as_tuple=True), theirs.nonzero(as_tuple=True))
        same(tg.nonzero(mine), torch.nonzero(theirs))


# -- math --------------------------------------------------------------------------------------
EDGES = [-2.5, -1.5, -0.5, -0.0, 0.0, 0.5, 1.5, 2.5, 0.49999997, -INF, INF, NAN, 3.7, -3.7]


@pytest.mark.parametrize("name", ["sign", "round", "floor", "ceil", "trunc"])
def test_rounding_values_and_zero_gradient(name: str) -> None:
    for dtype in ("float32", "float64"):
        same_grad(lambda x: getattr(x, name)(), EDGES, dtype=dtype)
        same_grad(lambda x: getattr(tg, name)(x), EDGES, lambda x: getattr(torch, name)(x))
    mine, theirs = pair([-3, 0, 4], "int64")
    same(getattr(mine, name)(), getattr(theirs, name)())
    mine, theirs = pair([1.0, 2.0])
    assert getattr(mine, name)().requires_grad is getattr(theirs, name)().requires_grad


def test_round_decimals() -> None:
    same(tg.round(tg.tensor([1.2345, -2.675, 1e-3]), decimals=2),
         torch.round(torch.tensor([1.2345, -2.675, 1e-3]), decimals=2))
    same_grad(lambda x: x.round(decimals=1), [0.26, 1.04])


def test_reciprocal_log1p_expm1() -> None:
    same_grad(lambda x: x.reciprocal(), [0.5, -2.0, 4.0, INF])
    same(tg.reciprocal(tg.tensor([0, 2])), torch.reciprocal(torch.tensor([0, 2])))
    tiny = [1e-10, -1e-7, 0.0, 0.5, -0.5, 3.0]
    for dtype in ("float32", "float64"):
        same_grad(lambda x: x.log1p(), tiny, dtype=dtype)
        same_grad(lambda x: x.expm1(), tiny, dtype=dtype)
        same_grad(tg.log1p, tiny, torch.log1p, dtype=dtype)
        same_grad(tg.expm1, tiny, torch.expm1, dtype=dtype)
    same(tg.log1p(tg.tensor([-1.0, -2.0, INF])), torch.log1p(torch.tensor([-1.0, -2.0, INF])))
    same(tg.expm1(tg.tensor([-INF, 100.0])), torch.expm1(torch.tensor([-INF, 100.0])))
    same(tg.log1p(tg.tensor([1, 2])), torch.log1p(torch.tensor([1, 2])))


def test_neg_square_pow_functions() -> None:
    same_grad(tg.neg, [1.0, -2.0], torch.neg)
    same_grad(tg.square, [1.0, -2.0], torch.square)
    same_grad(lambda x: tg.pow(x, 3), [1.0, -2.0], lambda x: torch.pow(x, 3))
    same_grad(lambda x: tg.pow(2, x), [1.0, -2.0], lambda x: torch.pow(2, x))


def test_cumsum() -> None:
    data = np.array([[1.0, -2.0, INF], [3.0, NAN, 4.0]])
    for dim in (0, 1, -1):
        same_grad(lambda x, dim=dim: x.cumsum(dim), [[1.0, -2.0, 3.0], [4.0, 5.0, 6.0]])
        same_grad(lambda x, dim=dim: tg.cumsum(x, dim), data,
                  lambda x, dim=dim: torch.cumsum(x, dim))
    for dtype in ("int64", "bool"):
        mine, theirs = pair([1, 0, 1], dtype)
        same(mine.cumsum(0), theirs.cumsum(0))
    mine, theirs = pair([1, 2], "int64")
    same(mine.cumsum(0, dtype=tg.float64), theirs.cumsum(0, dtype=torch.float64))
    same_grad(lambda x: x.cumsum(0), 2.0)
    same_grad(lambda x: x.cumsum(1), np.zeros((2, 0)))


def test_prod_values_and_gradients_with_zeros() -> None:
    for data in ([[1.0, 2.0, 3.0], [4.0, 0.5, -6.0]], [[0.0, 2.0, 3.0], [0.0, 0.0, 5.0]],
                 [[-1.5, 0.0, 2.0], [1.0, 1.0, 1.0]]):
        for dim, keepdim in ((None, False), (0, False), (1, True), (-1, False)):
            same_grad(lambda x, d=dim, k=keepdim: x.prod(d, k) if d is not None else x.prod(),
                      data)
            if dim is not None:
                same_grad(lambda x, d=dim, k=keepdim: tg.prod(x, d, k), data,
                          lambda x, d=dim, k=keepdim: torch.prod(x, d, k), dtype="float64")
    same_grad(lambda x: x.prod(), [INF, 2.0])  # nan, inf: PyTorch's out / x
    same_grad(lambda x: x.prod(1), np.zeros((2, 0)))
    same_grad(lambda x: x.prod(0), np.zeros((0, 3)))
    same_grad(lambda x: x.prod(), 3.0)
    for dtype in ("int64", "bool"):
        mine, theirs = pair([[1, 2], [3, 1]], dtype)
        same(mine.prod(), theirs.prod())
        same(mine.prod(1), theirs.prod(1))


def test_prod_second_derivative() -> None:
    x = tg.tensor([[0.0, 2.0, 3.0], [1.5, -1.0, 2.0]], dtype=tg.float64, requires_grad=True)
    t = torch.tensor(x.numpy(), requires_grad=True)
    (g,) = tg.grad(x.prod(1).sum(), x, create_graph=True)
    (gt,) = torch.autograd.grad(t.prod(1).sum(), t, create_graph=True)
    np.testing.assert_allclose(g.numpy(), gt.detach().numpy())
    (g * g).sum().backward()
    (gt * gt).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


def test_norm() -> None:
    data = [[3.0, -4.0, 0.0], [1.0, 2.0, -2.0]]
    for p in (2, "fro", 1, 3, INF, -INF, 0, 0.5):
        for dim, keepdim in ((None, False), (1, False), (0, True), ((0, 1), False)):
            def mine(x: Any, p: Any = p, dim: Any = dim, keepdim: bool = keepdim) -> Any:
                return x.norm(p, dim, keepdim)
            if p in (0.5, 0):  # at the 0 in the data: an infinite slope; no gradient (torch)
                mine_x, theirs_x = pair(data)
                same(mine(mine_x), torch.norm(theirs_x, p, dim, keepdim), rtol=1e-5)
            else:
                same_grad(mine, data,
                          lambda x, p=p, dim=dim, keepdim=keepdim: torch.norm(x, p, dim, keepdim))
    same_grad(lambda x: x.norm(), np.zeros(3))  # gradient 0 at a zero vector, not nan
    same_grad(lambda x: tg.norm(x, dim=1), [[0.0, 0.0], [3.0, 4.0]],
              lambda x: torch.norm(x, dim=1))
    same(tg.tensor([1e20, 1e20]).norm(), torch.tensor([1e20, 1e20]).norm())  # inf, as there
    with pytest.raises(TypeError, match="floating"):
        tg.tensor([1, 2]).norm()


def test_dot_outer_bmm() -> None:
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=4), rng.normal(size=4)
    for fn in ("dot", "outer"):
        same_grad(lambda x, fn=fn: getattr(x, fn)(tg.tensor(b.astype("float32"))), a,
                  lambda x, fn=fn: getattr(x, fn)(torch.tensor(b.astype("float32"))))
        same_grad(lambda x, fn=fn: getattr(tg, fn)(tg.tensor(b.astype("float32")), x), a,
                  lambda x, fn=fn: getattr(torch, fn)(torch.tensor(b.astype("float32")), x))
    batch = rng.normal(size=(2, 4, 3))
    same_grad(lambda x: x.bmm(tg.tensor(batch.astype("float32"))), rng.normal(size=(2, 3, 4)),
              lambda x: x.bmm(torch.tensor(batch.astype("float32"))))
    same_grad(lambda x: tg.bmm(x, tg.ones(2, 4, 0)), rng.normal(size=(2, 3, 4)),
              lambda x: torch.bmm(x, torch.ones(2, 4, 0)))
    same(tg.outer(tg.tensor([1, 2]), tg.tensor([1.5])), torch.outer(torch.tensor([1, 2]),
                                                                   torch.tensor([1.5])))
    with pytest.raises(RuntimeError, match="same dtype|must match"):
        tg.dot(tg.ones(2), tg.ones(2, dtype=tg.float64))
    with pytest.raises(ValueError, match="3-D"):
        tg.bmm(tg.ones(2, 2), tg.ones(2, 2))


def test_std_var_function_forms() -> None:
    data = [[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]]
    same_grad(lambda x: tg.std(x, dim=1), data[:1], lambda x: torch.std(x, dim=1))
    same_grad(lambda x: tg.var(x, 0), data, lambda x: torch.var(x, 0))
    same_grad(lambda x: x.std(dim=1, unbiased=False), data[:1],
              lambda x: x.std(dim=1, unbiased=False))
    same_grad(lambda x: x.var(unbiased=False), data, lambda x: x.var(unbiased=False))
    same(tg.var(tg.tensor([[1.0]]), 1), torch.var(torch.tensor([[1.0]]), 1))  # n - 1 = 0: nan


# -- in place ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["abs_", "neg_", "exp_", "log_", "sigmoid_", "tanh_"])
def test_inplace_math(name: str) -> None:
    mine, theirs = pair([0.5, -1.0, 2.0, -40.0, INF])
    assert getattr(mine, name)() is mine
    getattr(theirs, name)()
    same(mine, theirs)
    leaf = tg.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        getattr(leaf, name)()
    if name not in ("abs_", "neg_"):
        with pytest.raises(TypeError, match="float"):
            getattr(tg.tensor([1, 2]), name)()
    else:
        mine, theirs = pair([1, -2], "int64")
        getattr(mine, name)()
        getattr(theirs, name)()
        same(mine, theirs)


def test_squeeze_unsqueeze_in_place() -> None:
    mine, theirs = pair(np.zeros((2, 1, 3)))
    assert mine.squeeze_() is mine
    theirs.squeeze_()
    same(mine, theirs)
    mine.unsqueeze_(-1)
    theirs.unsqueeze_(-1)
    same(mine, theirs)
    mine.squeeze_(2)
    theirs.squeeze_(2)
    same(mine, theirs)
    with pytest.raises(RuntimeError, match="leaf"):
        tg.ones(2, 1, requires_grad=True).squeeze_()


def test_every_function_form_is_a_torch_function_and_the_method_agrees() -> None:
    import inspect

    from tinygrad_edu import function_forms

    names = [n for n, f in vars(function_forms).items() if inspect.isfunction(f)
             and not n.startswith("_") and f.__module__ == function_forms.__name__]
    assert len(names) > 50
    missing = [n for n in names
               if not hasattr(torch, n) or getattr(tg, n) is not getattr(function_forms, n)]
    assert not missing, missing
    mine, theirs = pair(np.arange(6.0).reshape(2, 3))
    same(tg.unbind(mine, 1), torch.unbind(theirs, 1))
    same(tg.narrow(mine, 1, 1, 2), torch.narrow(theirs, 1, 1, 2))
    same(tg.index_select(mine.numpy(), 0, tg.tensor([1])),  # an array: made a Tensor first
         torch.index_select(theirs, 0, torch.tensor([1])))


def test_add_and_sub_take_alpha() -> None:
    for name in ("add", "sub"):
        same_grad(lambda x, name=name: getattr(x, name)(tg.tensor([1.0, -2.0]), alpha=3),
                  [0.5, 2.0],
                  lambda x, name=name: getattr(x, name)(torch.tensor([1.0, -2.0]), alpha=3))
        same_grad(lambda x, name=name: getattr(tg.ones(2), name)(x, alpha=-0.5), [0.5, 2.0],
                  lambda x, name=name: getattr(torch.ones(2), name)(x, alpha=-0.5))
        mine, theirs = pair([1, 2], "int64")
        same(getattr(mine, name)(2, alpha=2), getattr(theirs, name)(2, alpha=2))


# -- every backend gives the NumPy backend's numbers -------------------------------------------
ON_EVERY_BACKEND: dict[str, Callable[[Any], Any]] = {
    "isclose": lambda x: x.isclose(x.flip(0)), "isfinite": lambda x: x.isfinite(),
    "isnan_int": lambda x: x.long().isnan(), "logical_and": lambda x: x.logical_and(x > 0),
    "masked_fill": lambda x: x.masked_fill(x > 0, -1.0), "where": lambda x: x.where(x > 0, 0.0),
    "new_full": lambda x: x.new_full((2,), 3), "split": lambda x: x.split([1, 2], 1)[1],
    "index_select": lambda x: x.index_select(1, x.new_tensor([2, 0, 2], dtype=tg.int64)),
    "flip": lambda x: x.flip(0, 1), "roll": lambda x: x.roll((1, 2), (0, 1)),
    "repeat": lambda x: x.repeat(2, 1), "tril": lambda x: x.tril(),
    "nonzero": lambda x: x.nonzero(),
    "sign": lambda x: x.sign(), "round": lambda x: x.round(decimals=1),
    "reciprocal": lambda x: x.reciprocal(), "log1p": lambda x: x.abs().log1p(),
    "expm1": lambda x: x.expm1(), "cumsum": lambda x: x.cumsum(1), "prod": lambda x: x.prod(1),
    "prod_all": lambda x: x.prod(), "norm": lambda x: x.norm(), "norm0": lambda x: x.norm(0),
    "outer": lambda x: x[0].outer(x[1]),
    "bmm": lambda x: x.reshape(1, 2, 3).bmm(x.reshape(1, 3, 2)),
}


@pytest.mark.parametrize("backend", [b for b in tg.available_backends() if b != "numpy"])
@pytest.mark.parametrize("name", sorted(ON_EVERY_BACKEND))
def test_every_backend_agrees_with_numpy(name: str, backend: str) -> None:
    data = np.array([[1.0, -2.0, 0.0], [4.0, 0.5, 2.5]])
    results = []
    for where in ("numpy", backend):
        x = tg.tensor(data, backend=where, requires_grad=True)
        out = ON_EVERY_BACKEND[name](x)
        assert out.backend.name == where
        grad = None
        if out.requires_grad:
            out.sum().backward()
            grad = x.grad.numpy()
        results.append((out.numpy(), grad))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-12)
    if results[0][1] is not None:
        np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-12)
    assert tg.tensor([1.0], backend=backend).element_size() == 4


def test_t_int_is_contiguous() -> None:
    for data in ([[1.0, 2.0, 3.0]], [1.0, 2.0], 5.0):
        mine, theirs = pair(data)
        assert mine.t_() is mine
        theirs.t_()
        same(mine, theirs)
        same_grad(tg.t, data, torch.t)
    with pytest.raises(ValueError, match="at most 2"):
        tg.zeros(1, 2, 3).t_()
    with pytest.raises(RuntimeError, match="leaf"):
        tg.ones(2, 2, requires_grad=True).t_()
    mine, theirs = pair([1.7, -1.7, 0.0])
    assert mine.int().tolist() == theirs.int().tolist()  # int64 here, int32 in PyTorch
    assert mine.int().dtype is tg.int64
    assert mine.is_contiguous() and theirs.is_contiguous()


def test_remainder_and_floor_divide() -> None:
    a, b = [5.5, -5.5, 3.0, 7.0, -0.0, 1e-3], [2.0, 2.0, -2.0, 0.5, 3.0, -7.0]
    for dtype in ("float32", "float64"):
        (mine_a, theirs_a), (mine_b, theirs_b) = pair(a, dtype), pair(b, dtype)
        same_grad(lambda x, d=mine_b: x % d, a, lambda x, d=theirs_b: x % d, dtype=dtype)
        same_grad(lambda y, n=mine_a: n % y, b, lambda y, n=theirs_a: n % y, dtype=dtype)
        same_grad(lambda x: tg.remainder(x, 1.5), a, lambda x: torch.remainder(x, 1.5))
        mine, theirs = pair(a, dtype)
        for other in (2.0, -3, 0.0):
            same(mine // other, theirs // other)
            same(mine % other, theirs % other)
        same(tg.floor_divide(mine, tg.tensor(b, dtype=dtype)),
             torch.floor_divide(theirs, torch.tensor(b, dtype=getattr(torch, dtype))))
    mine, theirs = pair([7, -7, 0, 5], "int64")
    for other in (2, -3, 2.5):
        same(mine // other, theirs // other)
        same(mine % other, theirs % other)
        same(other // mine[:2], other // theirs[:2])
        same(other % mine[:2], other % theirs[:2])
        same(tg.remainder(other, mine[:2]), torch.remainder(other, theirs[:2]))
        same(tg.floor_divide(other, mine[:2]), torch.floor_divide(other, theirs[:2]))
    same(tg.arange(10) % 2 == 0, torch.arange(10) % 2 == 0)
    same(pair([INF, -INF, NAN])[0] % 2, pair([INF, -INF, NAN])[1] % 2)
    with pytest.raises(ZeroDivisionError):
        mine // 0
    with pytest.raises(ZeroDivisionError):
        mine % tg.tensor([1, 0, 1, 1])
