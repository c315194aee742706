"""PyTorch fidelity of the functions that pick or write elements at positions (gather,
scatter and its reductions, index_select, take_along_dim) and of the dtype views (``view(dtype)``,
``to(other)``): the same numbers, shapes, dtypes and gradients as torch 2.13, and an error where
torch raises one."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch", reason="these tests compare with PyTorch (torch)")

Lib = Any  # tinygrad_edu or torch: the tests below run one line on both


def on_both(line: Callable[[Lib], Any]) -> tuple[Any, Any]:
    """``line(tg)`` and ``line(torch)``; torch's deprecation warning for scatter(reduce=) off."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return line(tg), line(torch)


def same(ours: Any, theirs: Any) -> None:
    expected = theirs.detach().numpy()
    got = ours.detach().numpy()
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def raises_like_torch(line: Callable[[Lib], Any], error: type[Exception], match: str) -> None:
    with pytest.raises((RuntimeError, TypeError, IndexError, ValueError)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            line(torch)
    with pytest.raises(error, match=match):
        line(tg)


X = [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def x_of(lib: Lib) -> Any:
    return lib.tensor(X)


# -- positions out of range: an error, as torch; no counting from the end ----------------------
BOUNDED = {
    "gather": lambda lib, i: x_of(lib).gather(1, lib.tensor([[i], [0]])),
    "scatter": lambda lib, i: x_of(lib).scatter(1, lib.tensor([[i], [0]]), 7.0),
    "scatter_": lambda lib, i: x_of(lib).scatter_(1, lib.tensor([[i], [0]]), lib.ones(2, 1)),
    "scatter_add": lambda lib, i: x_of(lib).scatter_add(1, lib.tensor([[i], [0]]),
                                                        lib.ones(2, 1)),
    "scatter_add_": lambda lib, i: x_of(lib).scatter_add_(0, lib.tensor([[i, 0, 0]]),
                                                          lib.ones(1, 3)),
    "scatter_reduce": lambda lib, i: x_of(lib).scatter_reduce(1, lib.tensor([[i], [0]]),
                                                              lib.ones(2, 1), "amax"),
    "scatter reduce=": lambda lib, i: x_of(lib).scatter(1, lib.tensor([[i], [0]]), 2.0,
                                                        reduce="multiply"),
    "index_select": lambda lib, i: x_of(lib).index_select(1, lib.tensor([0, i])),
    "index_add": lambda lib, i: x_of(lib).index_add(1, lib.tensor([i]), lib.ones(2, 1)),
    "index_add_": lambda lib, i: x_of(lib).index_add_(1, lib.tensor([i, 0]), lib.ones(2, 2)),
    "index_copy": lambda lib, i: x_of(lib).index_copy(1, lib.tensor([i]), lib.ones(2, 1)),
    "index_copy_": lambda lib, i: x_of(lib).index_copy_(1, lib.tensor([i]), lib.ones(2, 1)),
    "take_along_dim, no dim": lambda lib, i: x_of(lib).take_along_dim(lib.tensor([i * 2])),
}


@pytest.mark.parametrize("name", sorted(BOUNDED))
@pytest.mark.parametrize("position", [-1, -3, 3])
def test_positions_out_of_range_raise(name: str, position: int) -> None:
    line = BOUNDED[name]
    raises_like_torch(lambda lib: line(lib, position), IndexError, "out of bounds")


def test_out_of_range_message_names_the_fix() -> None:
    with pytest.raises(IndexError, match=r"index -1 .* dimension 1 with size 3.* 0\.\.2.*"
                                         "add the size"):
        x_of(tg).gather(1, tg.tensor([[-1], [0]]))


@pytest.mark.parametrize("name", sorted(BOUNDED))
def test_positions_in_range_agree(name: str) -> None:
    same(*on_both(lambda lib: BOUNDED[name](lib, 1)))


def test_take_along_dim_wraps_positions_as_torch() -> None:
    # torch 2.13 takes every position along dim modulo the size (-1 is the last, 7 is 7 % 4)
    def line(lib: Lib) -> Any:
        x = lib.arange(12.0).reshape(3, 4)
        return x.take_along_dim(lib.tensor([[7], [-9], [100]]), 1)

    same(*on_both(line))
    same(*on_both(lambda lib: lib.arange(12.0).reshape(3, 4).take_along_dim(
        lib.tensor([[7, 1, -1, -12]]), 0)))


# -- scatter's reduce= and scatter_reduce ------------------------------------------------------
@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_reduce_argument(reduce: str) -> None:
    index = [[0, 0, 2], [1, 1, 1]]
    same(*on_both(lambda lib: x_of(lib).scatter(1, lib.tensor(index), lib.full((2, 3), 2.0),
                                                reduce=reduce)))
    same(*on_both(lambda lib: x_of(lib).scatter(1, lib.tensor(index), 3.0, reduce=reduce)))
    same(*on_both(lambda lib: lib.tensor([[1, 2, 3]]).scatter(1, lib.tensor([[0, 0]]), 3,
                                                             reduce=reduce)))
    same(*on_both(lambda lib: x_of(lib).scatter_(0, lib.tensor([[1, 0, 1]]),
                                                 lib.full((1, 3), 2.0), reduce=reduce)))
    same(*on_both(lambda lib: lib.scatter(x_of(lib), 1, lib.tensor(index),
                                          lib.full((2, 3), 2.0), reduce=reduce)))


def test_scatter_reduce_argument_has_no_gradient() -> None:
    def line(lib: Lib) -> Any:
        x = lib.ones(3, requires_grad=True)
        x.scatter(0, lib.tensor([0, 0]), 2.0, reduce="add").sum().backward()

    raises_like_torch(line, RuntimeError, "no derivative")


def test_scatter_reduce_argument_refuses_other_names() -> None:
    raises_like_torch(lambda lib: x_of(lib).scatter(1, lib.tensor([[0]]), 1.0, reduce="sum"),
                      ValueError, "scatter_reduce")


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_scatter_reduce_values_and_gradients(reduce: str, include_self: bool, dim: int) -> None:
    rng = np.random.default_rng(abs(hash((reduce, include_self, dim))) % 2**32)
    # small whole numbers: ties for amax/amin, zeros (single and several) for prod
    x = rng.integers(-2, 3, (3, 4)).astype(np.float64)
    # (src as large as index: torch's backward fails for a larger src)
    src = rng.integers(-2, 3, (3, 3)).astype(np.float64)
    index = rng.integers(0, 3 if dim == 0 else 4, (3, 3))
    cotangent = rng.normal(size=(3, 4))
    results = []
    for lib in (tg, torch):
        a = lib.tensor(x, requires_grad=True)
        s = lib.tensor(src, requires_grad=True)
        out = a.scatter_reduce(dim, lib.tensor(index), s, reduce, include_self=include_self)
        out.backward(lib.tensor(cotangent))
        results.append((out, a.grad, s.grad))
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_edge_values(reduce: str, include_self: bool) -> None:
    index = [[0, 0, 2]]
    same(*on_both(lambda lib: lib.tensor([[1, 2, 3]]).scatter_reduce(
        1, lib.tensor(index), lib.tensor([[-2, 5, 4]]), reduce,
        include_self=include_self)))  # an integer mean rounds down
    same(*on_both(lambda lib: lib.tensor([[1.0, np.nan, 3.0]]).scatter_reduce(
        1, lib.tensor(index), lib.tensor([[np.nan, 5.0, -np.inf]]), reduce,
        include_self=include_self)))
    same(*on_both(lambda lib: lib.tensor(4.0).scatter_reduce(
        0, lib.tensor(0), lib.tensor(2.0), reduce, include_self=include_self)))


def test_scatter_reduce_function_and_in_place_forms() -> None:
    same(*on_both(lambda lib: lib.scatter_reduce(lib.ones(3), 0, lib.tensor([2, 2]),
                                                 lib.tensor([2.0, 3.0]), reduce="prod",
                                                 include_self=False)))
    same(*on_both(lambda lib: lib.ones(3).scatter_reduce_(0, lib.tensor([1, 1]),
                                                          lib.tensor([2.0, 3.0]), "mean")))


def test_scatter_reduce_errors() -> None:
    raises_like_torch(lambda lib: x_of(lib).scatter_reduce(1, lib.tensor([[0]]), lib.ones(1, 1),
                                                           "add"), ValueError, "'sum'")
    raises_like_torch(lambda lib: x_of(lib).scatter_reduce(1, lib.tensor([[0]]), 2.0, "sum"),
                      TypeError, "must be a Tensor")
    raises_like_torch(lambda lib: x_of(lib).scatter_add(1, lib.tensor([[0]]), 2.0),
                      TypeError, "must be a Tensor")
    raises_like_torch(lambda lib: x_of(lib).scatter_reduce(
        1, lib.tensor([[0]]), lib.tensor([[1]]), "sum"), TypeError, "must match")


# -- dtypes: src must have self's dtype (a Python number is converted) ------------------------
@pytest.mark.parametrize("into, src", [("int64", [1.5]), ("float32", [2]),
                                       ("float32", "float64"), ("bool", [1.0])])
@pytest.mark.parametrize("name", ["scatter", "scatter_", "scatter_add", "scatter_add_"])
def test_src_of_another_dtype_raises(name: str, into: str, src: Any) -> None:
    def line(lib: Lib) -> Any:
        values = (lib.tensor([2.0], dtype=lib.float64) if src == "float64"
                  else lib.tensor(src))
        return getattr(lib.zeros(3, dtype=getattr(lib, into)), name)(0, lib.tensor([0]),
                                                                       values)

    raises_like_torch(line, TypeError, "must match")


def test_python_numbers_convert_as_torch() -> None:
    same(*on_both(lambda lib: lib.zeros(3, dtype=lib.int64).scatter(0, lib.tensor([0]), 1.7)))
    same(*on_both(lambda lib: lib.zeros(3, dtype=lib.int64).scatter_(0, lib.tensor([2]),
                                                                     value=-2.5)))
    mask = [True, False, True]
    same(*on_both(lambda lib: lib.zeros(3, dtype=lib.int64).masked_fill(lib.tensor(mask), 1.5)))


# -- view(dtype) and to(other) -----------------------------------------------------------------
VIEWS = [  # (data, its dtype, the dtype to read it as)
    ([1.0, -2.5], "float64", "int64"),
    ([1, -3, 2**40], "int64", "float64"),
    ([[1.0, 2.0], [3.0, -0.0]], "float32", "float64"),
    ([[1.0, 2.0], [3.0, -0.0]], "float64", "float32"),
    ([1.0, 0.5], "float32", "bool"),
    ([[True, False, False, False]] * 2, "bool", "float32"),
    ([], "int64", "float32"),
    (2.0, "float32", "float32"),
    (2.0, "float64", "int64"),
]


@pytest.mark.parametrize("data, dtype, view", VIEWS)
def test_view_dtype_reads_the_same_bits(data: Any, dtype: str, view: str) -> None:
    ours, theirs = on_both(lambda lib: lib.tensor(data, dtype=getattr(lib, dtype))
                           .view(getattr(lib, view)))
    same(ours, theirs)
    same(*on_both(lambda lib: lib.tensor(data, dtype=getattr(lib, dtype))
                  .view(dtype=getattr(lib, view))))


def test_view_dtype_shares_memory_and_has_no_gradient() -> None:
    for lib in (tg, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True)
        assert not x.view(lib.int64).requires_grad
        assert not x.view(lib.float64).requires_grad  # even to its own dtype
        y = lib.zeros(2, dtype=lib.float64)
        y.view(lib.int64).add_(1)  # the smallest positive double in both places
        assert y.tolist() == [5e-324, 5e-324]


@pytest.mark.parametrize("data, dtype, view", [(2.0, "float32", "float64"),
                                               ([1.0, 2.0, 3.0], "float32", "float64"),
                                               ([[True] * 3], "bool", "float32"),
                                               (True, "bool", "int64")])
def test_view_dtype_size_rules(data: Any, dtype: str, view: str) -> None:
    raises_like_torch(lambda lib: lib.tensor(data, dtype=getattr(lib, dtype))
                      .view(getattr(lib, view)), RuntimeError, "different element sizes")


def test_view_still_reshapes() -> None:
    same(*on_both(lambda lib: lib.arange(6).view(2, 3)))
    same(*on_both(lambda lib: lib.arange(6).view(-1, 2)))


def test_to_other_takes_its_dtype_and_gradients_flow() -> None:
    for lib in (tg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        out = x.to(lib.tensor([0], dtype=lib.float64))
        assert out.dtype == lib.float64
        (out * out).sum().backward()
        assert x.grad.tolist() == [2.0, 4.0]
    same(*on_both(lambda lib: lib.tensor([1, 2]).to(lib.tensor([True]))))
    same(*on_both(lambda lib: lib.tensor([1.5, -2.5]).to(lib.tensor([1]), False)))
    assert tg.ones(2).to(tg.ones(1, backend="numpy")).backend is tg.ones(1).backend


def test_to_takes_non_blocking_and_copy() -> None:
    for lib in (tg, torch):
        x = lib.ones(2)
        assert x.to("cpu", non_blocking=True) is x and x.to(x) is x
        for copied in (x.to(x, copy=True), x.to(x, False, True), x.to(copy=True),
                       x.to("cpu", lib.float32, False, True)):
            assert copied is not x and copied.tolist() == [1.0, 1.0]
        assert x.to("cpu", lib.float64, True).dtype == lib.float64
    raises_like_torch(lambda lib: lib.ones(2).to(lib.ones(1), "cpu"), TypeError, "only")


# -- empty index tensors and empty dims --------------------------------------------------------
EMPTY = {
    "gather (2, 0)": lambda lib, x: x.gather(1, lib.zeros(2, 0, dtype=lib.int64)),
    "gather (0, 1)": lambda lib, x: x.gather(1, lib.zeros(0, 1, dtype=lib.int64)),
    "index_select": lambda lib, x: x.index_select(1, lib.zeros(0, dtype=lib.int64)),
    "take_along_dim": lambda lib, x: x.take_along_dim(lib.zeros(2, 0, dtype=lib.int64), 1),
    "take_along_dim, flat": lambda lib, x: x.take_along_dim(lib.zeros(0, dtype=lib.int64)),
    "scatter": lambda lib, x: x.scatter(1, lib.zeros(2, 0, dtype=lib.int64), 5.0),
    "scatter src": lambda lib, x: x.scatter(1, lib.zeros(0, 0, dtype=lib.int64),
                                            lib.ones(2, 3)),
    "scatter_add": lambda lib, x: x.scatter_add(0, lib.zeros(0, 3, dtype=lib.int64),
                                                lib.ones(2, 3)),
    "scatter_reduce": lambda lib, x: x.scatter_reduce(1, lib.zeros(2, 0, dtype=lib.int64),
                                                      lib.ones(2, 0), "amin"),
}


@pytest.mark.parametrize("name", sorted(EMPTY))
def test_empty_index(name: str) -> None:
    results = []
    for lib in (tg, torch):
        x = lib.tensor(X, requires_grad=True)
        out = EMPTY[name](lib, x)
        (out * 2).sum().backward()
        results.append((out, x.grad))
    same(results[0][0], results[1][0])
    same(results[0][1], results[1][1])


def test_positions_into_an_empty_dim_raise() -> None:
    raises_like_torch(lambda lib: lib.zeros(2, 0).gather(1, lib.zeros(2, 1, dtype=lib.int64)),
                      IndexError, "dimension is empty")
    raises_like_torch(lambda lib: lib.zeros(2, 0).index_select(1, lib.tensor([0])),
                      IndexError, "out of bounds")


def test_a_captured_gather_checks_its_positions_at_every_replay() -> None:
    table = tg.tensor([[1.0, 2.0, 3.0]]).expand(2, 3)

    def pick(y: tg.Tensor) -> tg.Tensor:
        return table.gather(1, y[:, None])

    step = tg.jit(pick)
    for values in ([0, 1], [2, 1], [1, 1], [0, 2]):
        assert step(tg.tensor(values)).tolist() == pick(tg.tensor(values)).tolist()
    for bad in ([-1, 0], [0, 3]):
        with pytest.raises(IndexError, match="out of bounds"):
            step(tg.tensor(bad))


# -- t[key] = value: numbers and basic keys convert; index_put wants the same dtype -------------
def assign(lib: Lib, dtype: str, key: Any, value: Any) -> Any:
    x = lib.zeros(3, dtype=getattr(lib, dtype))
    key = key(lib) if callable(key) else key
    x[key] = value(lib) if callable(value) else value
    return x


MASK = [True, False, True]
CONVERTED = [  # (the tensor's dtype, key, value): torch converts the value
    ("int64", 0, 1.7), ("int64", 0, -1.5), ("int64", slice(0, 2), 2.7),
    ("int64", lambda lib: lib.tensor(MASK), 1.5), ("int64", lambda lib: lib.tensor([0, 2]), 1.5),
    ("int64", 0, lambda lib: lib.tensor(1.5)),
    ("int64", slice(0, 2), lambda lib: lib.tensor([1.5, -2.5])),
    ("int64", lambda lib: lib.tensor(MASK), lambda lib: lib.tensor(1.5)),
    ("float32", slice(0, 2), lambda lib: lib.tensor([1, 2])),
    ("float32", ..., lambda lib: lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64)),
    ("bool", 0, 0.5), ("float32", 0, True),
]
REFUSED = [  # torch: "Index put requires the source and destination dtypes match"
    ("int64", lambda lib: lib.tensor([0, 1]), lambda lib: lib.tensor([1.5, 2.5])),
    ("int64", lambda lib: lib.tensor([0]), lambda lib: lib.tensor(1.5)),
    ("float32", [0, 1], lambda lib: lib.tensor([1, 2])),
    ("float32", lambda lib: lib.tensor(MASK), lambda lib: lib.tensor([1, 2])),
    ("float32", lambda lib: lib.tensor([0]), lambda lib: lib.tensor([1.0], dtype=lib.float64)),
    ("bool", lambda lib: lib.tensor([0, 1]), lambda lib: lib.tensor([1, 0])),
]


@pytest.mark.parametrize("dtype, key, value", CONVERTED)
def test_setitem_converts_as_torch(dtype: str, key: Any, value: Any) -> None:
    same(*on_both(lambda lib: assign(lib, dtype, key, value)))


@pytest.mark.parametrize("dtype, key, value", REFUSED)
def test_setitem_at_positions_wants_the_same_dtype(dtype: str, key: Any, value: Any) -> None:
    raises_like_torch(lambda lib: assign(lib, dtype, key, value), TypeError, "must match")


# -- index_add, index_copy, index_fill and take -------------------------------------------------
WRAPPING = {  # the functions where torch counts a negative position from the end
    "index_fill": lambda lib, i: x_of(lib).index_fill(1, lib.tensor([i, 0]), -1.0),
    "index_fill_": lambda lib, i: x_of(lib).index_fill_(1, lib.tensor([i]), lib.tensor(2.0)),
    "take": lambda lib, i: x_of(lib).take(lib.tensor([[i * 2], [0]])),
    "tg.take": lambda lib, i: lib.take(x_of(lib), lib.tensor([i * 2])),
}


@pytest.mark.parametrize("name", sorted(WRAPPING))
@pytest.mark.parametrize("position", [-3, -1, 0, 2])
def test_negative_positions_count_from_the_end_where_torch_does(name: str,
                                                                position: int) -> None:
    same(*on_both(lambda lib: WRAPPING[name](lib, position)))


@pytest.mark.parametrize("name", sorted(WRAPPING))
@pytest.mark.parametrize("position", [-4, 3])
def test_positions_beyond_either_end_raise(name: str, position: int) -> None:
    raises_like_torch(lambda lib: WRAPPING[name](lib, position), IndexError,
                      f"index {position * (2 if 'take' in name else 1)} is out of bounds")


INDEX_WRITES = {
    "index_add": lambda lib, x, s: x.index_add(1, lib.tensor([2, 0, 2]), s),
    "index_add alpha": lambda lib, x, s: x.index_add(1, lib.tensor([1, 1, 1]), s, alpha=-2.5),
    "tg.index_add": lambda lib, x, s: lib.index_add(x, 0, lib.tensor([1, 1]), s[:, :3]),
    "index_copy": lambda lib, x, s: x.index_copy(1, lib.tensor([2, 0, 1]), s),
    "index_copy repeated": lambda lib, x, s: x.index_copy(1, lib.tensor([0, 0, 0]), s),
    "index_fill": lambda lib, x, s: x.index_fill(0, lib.tensor([1]), s[0, 0]),
    "take": lambda lib, x, s: x.take(lib.tensor([[5, -6], [2, 2]])) * s[:, :2],
    "index_add 0-d": lambda lib, x, s: x[0, 0].index_add(0, lib.tensor(0), s[1, 1]),
}


@pytest.mark.parametrize("name", sorted(INDEX_WRITES))
def test_index_writes_values_and_gradients(name: str) -> None:
    rng = np.random.default_rng(len(name))
    x, src = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    results = []
    for lib in (tg, torch):
        a, s = lib.tensor(x, requires_grad=True), lib.tensor(src, requires_grad=True)
        out = INDEX_WRITES[name](lib, a, s)
        cotangent = np.random.default_rng(1).normal(size=tuple(out.shape))  # same for both
        out.backward(lib.tensor(cotangent))
        results.append((out, a.grad, s.grad))
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)


def test_index_writes_in_place_and_with_ints() -> None:
    same(*on_both(lambda lib: lib.zeros(3, dtype=lib.int64).index_add_(
        0, lib.tensor([1, 1]), lib.tensor([2, 3]), alpha=2)))
    same(*on_both(lambda lib: lib.zeros(3, dtype=lib.int64).index_fill_(0, lib.tensor([1]), 2.7)))
    same(*on_both(lambda lib: x_of(lib).index_copy_(0, lib.tensor([1]), lib.ones(1, 3))))
    same(*on_both(lambda lib: x_of(lib).index_add(1, lib.tensor([], dtype=lib.int64),
                                                  lib.ones(2, 0))))
    same(*on_both(lambda lib: x_of(lib).take(lib.tensor([], dtype=lib.int64))))


REFUSED_WRITES = [  # (the line, our error, what it says)
    (lambda lib: x_of(lib).index_add(1, lib.tensor([0]), lib.ones(2, 1, dtype=lib.float64)),
     TypeError, "source must be a tensor of this tensor's dtype float32"),
    (lambda lib: x_of(lib).index_copy(1, lib.tensor([0]), lib.ones(2, 1, dtype=lib.float64)),
     TypeError, "source must be a tensor of this tensor's dtype float32"),
    (lambda lib: x_of(lib).index_add(1, lib.tensor([[0]]), lib.ones(2, 1)), IndexError,
     "a vector"),
    (lambda lib: x_of(lib).index_add(1, lib.tensor([0]), lib.ones(2, 2)), ValueError,
     r"source must have shape \(2, 1\)"),
    (lambda lib: x_of(lib).index_add(1, lib.tensor([0, 1]), lib.ones(1, 2)), ValueError,
     r"source must have shape \(2, 2\)"),
    (lambda lib: lib.tensor(1.0).index_add(0, lib.tensor([0]), lib.tensor([2.0])), ValueError,
     r"source must have shape \(\)"),
    (lambda lib: x_of(lib).index_fill(1, lib.tensor([1]), lib.tensor([5.0])), ValueError,
     "a number or a 0-d tensor"),
]


@pytest.mark.parametrize("line, error, match", REFUSED_WRITES)
def test_index_writes_refuse_what_torch_refuses(line: Callable[[Lib], Any],
                                                error: type[Exception], match: str) -> None:
    raises_like_torch(line, error, match)


# -- index_put and masked_select ---------------------------------------------------------------
PUTS = {
    "positions": lambda lib, x, v: x.index_put((lib.tensor([0, 1]), lib.tensor([2, -1])), v[:2]),
    "repeated": lambda lib, x, v: x.index_put((lib.tensor([0, 0]), lib.tensor([1, 1])), v[:2]),
    "accumulate": lambda lib, x, v: x.index_put((lib.tensor([0, 0]), lib.tensor([1, 1])),
                                                v[:2], accumulate=True),
    "rows, broadcast": lambda lib, x, v: x.index_put((lib.tensor([0, 0]),), v,
                                                     accumulate=True),
    "mask, one value": lambda lib, x, v: x.index_put([x.detach() > 0], v[0]),
    "masked_select": lambda lib, x, v: x.masked_select(lib.tensor([True, False, True])) * 2,
    "masked_select, x broadcast": lambda lib, x, v: v.masked_select(x.detach() > 0),
}


@pytest.mark.parametrize("name", sorted(PUTS))
def test_index_put_and_masked_select(name: str) -> None:
    x, values = [[-1.0, 2.0, 0.5], [3.0, -4.0, 1.5]], [7.0, -8.0, 9.0]
    results = []
    for lib in (tg, torch):
        a, v = lib.tensor(x, requires_grad=True), lib.tensor(values, requires_grad=True)
        out = PUTS[name](lib, a, v)
        cotangent = np.random.default_rng(2).normal(size=tuple(out.shape))
        out.backward(lib.tensor(cotangent))
        results.append((out, a.grad, v.grad))
    for ours, theirs in zip(*results, strict=True):
        if theirs is None:
            assert ours is None
        else:
            np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy())


def test_index_put_in_place_and_refusals() -> None:
    same(*on_both(lambda lib: x_of(lib).index_put_((lib.tensor([1]), lib.tensor([1])),
                                                   lib.tensor(-1.0), True)))
    raises_like_torch(lambda lib: x_of(lib).index_put((lib.tensor([0]),), lib.tensor(1)),
                      TypeError, "values has dtype int64")
    raises_like_torch(lambda lib: x_of(lib).index_put((lib.tensor([0]),), 1.0), TypeError,
                      "values must be a Tensor")
    raises_like_torch(lambda lib: x_of(lib).index_put((None, lib.tensor([0])), lib.tensor(1.0)),
                      TypeError, "tuple of tensors")
    raises_like_torch(lambda lib: x_of(lib).index_put((lib.tensor([2]),), lib.tensor(1.0)),
                      IndexError, "out of bounds")
    raises_like_torch(lambda lib: x_of(lib).masked_select(lib.tensor([1, 0, 1])), TypeError,
                      "bool tensor")


# -- gather's shapes ---------------------------------------------------------------------------
@pytest.mark.parametrize("line", [
    lambda lib: lib.tensor(5.0).gather(0, lib.tensor([0, 0])),  # 0-d and 1-d alike, as torch
    lambda lib: lib.tensor([5.0, 6.0]).gather(0, lib.tensor(1)),
    lambda lib: lib.tensor(5.0).gather(-1, lib.tensor(0)),
    lambda lib: x_of(lib).gather(1, lib.tensor([[2, 1]])),  # smaller than self elsewhere
    lambda lib: x_of(lib).gather(1, lib.tensor([[0, 1, 2, 0, 1]] * 2)),  # larger along dim
])
def test_gather_shapes_as_torch(line: Callable[[Lib], Any]) -> None:
    same(*on_both(line))


def test_gather_and_take_along_dim_shape_errors() -> None:
    raises_like_torch(lambda lib: x_of(lib).gather(1, lib.tensor([[0], [1], [2]])), ValueError,
                      "no larger than the tensor")
    raises_like_torch(lambda lib: lib.tensor(5.0).take_along_dim(lib.tensor(0), 0), IndexError,
                      "0-d tensor has no dims")
    same(*on_both(lambda lib: lib.tensor(5.0).take_along_dim(lib.tensor(0))))
