"""Op-spec rows for PyTorch's further shape and linear-algebra functions: movedim, swapaxes,
unflatten, tile, repeat_interleave, take_along_dim, scatter, scatter_add, diag, diagonal, trace,
diff, addmm, baddbmm, mv, vdot, inner, tensordot, kron, cross, einsum, meshgrid, cdist,
block_diag, cartesian_prod, atleast_3d and rot90. All but scatter are composed; the rows
check that the pieces give the right gradients together.

Examples:
    >>> from tinygrad_edu.testing.op_specs_more_shapes import MORE_SHAPE_SPECS
    >>> "einsum" in {spec.name for spec in MORE_SHAPE_SPECS}
    True
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from ..function_forms import shapes as F
from ..tensor import Tensor
from .op_spec_row import OpSpec
from .strategies import Signature, shapes


def _index(like: Tensor, array: np.ndarray) -> Tensor:
    return Tensor(array, dtype="int64", backend=like.backend)


@st.composite
def _moved(draw: Any) -> Signature:
    shape = draw(shapes(min_dims=1))
    n = len(shape)
    count = draw(st.integers(1, n))
    src = draw(st.permutations(range(n)))[:count]
    dst = draw(st.permutations(range(n)))[:count]
    return (shape,), {"source": [s - n if draw(st.booleans()) else s for s in src],
                      "destination": list(dst)}


@st.composite
def _two_dims(draw: Any) -> Signature:
    shape = draw(shapes(min_dims=2))
    dims = st.integers(-len(shape), len(shape) - 1)
    return (shape,), {"a": draw(dims), "b": draw(dims)}


@st.composite
def _unflatten(draw: Any) -> Signature:
    shape = draw(shapes(min_dims=1))
    axis = draw(st.integers(0, len(shape) - 1))
    first = draw(st.sampled_from([1, 2, 3, 4]))
    shape = (*shape[:axis], first * shape[axis], *shape[axis + 1:])
    sizes = (first, -1) if draw(st.booleans()) else (first, shape[axis] // first)
    return (shape,), {"dim": axis, "sizes": sizes}


@st.composite
def _tile(draw: Any) -> Signature:
    shape = draw(shapes())
    reps = tuple(draw(st.lists(st.integers(1, 3), max_size=len(shape) + 1)))
    return (shape,), {"reps": reps}


@st.composite
def _repeats(draw: Any) -> Signature:
    shape = draw(shapes(min_dims=1))
    axis = draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    size = int(np.prod(shape)) if axis is None else shape[axis]
    if draw(st.booleans()):
        repeats: Any = draw(st.integers(0, 3))
    else:
        repeats = np.asarray(draw(st.lists(st.integers(0, 3), min_size=size, max_size=size)),
                             dtype=np.int64)
    return (shape,), {"repeats": repeats, "axis": axis}


def _repeat_interleave(x: Any, repeats: Any, axis: Any) -> Any:
    if isinstance(repeats, np.ndarray):
        repeats = _index(x, repeats)
    return x.repeat_interleave(repeats, axis)


def _np_repeat(x: np.ndarray, repeats: Any, axis: Any) -> np.ndarray:
    return np.repeat(x, repeats, axis=axis)


@st.composite
def _along(draw: Any) -> Signature:
    """A shape, a dim, and an index of the same ndim whose other sizes broadcast."""
    shape = draw(shapes(min_dims=1))
    axis = draw(st.integers(0, len(shape) - 1))
    index_shape = [draw(st.sampled_from([1, n])) for n in shape]
    index_shape[axis] = draw(st.integers(1, 4))
    index = np.asarray(draw(st.lists(st.integers(0, shape[axis] - 1),
                                     min_size=int(np.prod(index_shape)),
                                     max_size=int(np.prod(index_shape)))), dtype=np.int64)
    return (shape,), {"index": index.reshape(index_shape), "axis": axis}


@st.composite
def _scattered(draw: Any, distinct: bool) -> Signature:
    """self, src (at least the index's shape) and an index no larger than self but on dim.
    ``distinct``: no position written twice (where one is, only the last write is seen, and
    PyTorch's gradient, which every write gets, is not the finite difference)."""
    shape = draw(shapes(min_dims=1))
    axis = draw(st.integers(0, len(shape) - 1))
    index_shape = [draw(st.integers(1, n)) for n in shape]
    index_shape[axis] = draw(st.integers(1, shape[axis] if distinct else 3))
    src_shape = tuple(n + draw(st.integers(0, 1)) for n in index_shape)
    others = [n for d, n in enumerate(index_shape) if d != axis]
    lines, k = int(np.prod(others)), index_shape[axis]
    if distinct:
        rows = [draw(st.permutations(range(shape[axis])))[:k] for _ in range(lines)]
    else:
        rows = [draw(st.lists(st.integers(0, shape[axis] - 1), min_size=k, max_size=k))
                for _ in range(lines)]
    index = np.moveaxis(np.asarray(rows, dtype=np.int64).reshape(*others, k), -1, axis)
    return (shape, src_shape), {"index": index, "axis": axis - len(shape)}


def _np_take_along(x: np.ndarray, index: np.ndarray, axis: int) -> np.ndarray:
    """np.take_along_axis after broadcasting every dim but ``axis`` (torch's rule)."""
    def apart(shape: tuple[int, ...]) -> tuple[int, ...]:
        return (*shape[:axis], 1, *shape[axis + 1:])

    common = np.broadcast_shapes(apart(x.shape), apart(index.shape))
    x = np.broadcast_to(x, (*common[:axis], x.shape[axis], *common[axis + 1:]))
    index = np.broadcast_to(index, (*common[:axis], index.shape[axis], *common[axis + 1:]))
    return np.take_along_axis(x, index, axis)


def _where_of(index: np.ndarray, axis: int) -> tuple[Any, ...]:
    where: list[Any] = list(np.indices(index.shape, sparse=True))
    where[axis] = index
    return tuple(where)


def _np_scatter(x: np.ndarray, src: np.ndarray, index: np.ndarray, axis: int) -> np.ndarray:
    out = x.copy()
    out[_where_of(index, axis)] = src[tuple(slice(0, n) for n in index.shape)]
    return out


def _np_scatter_add(x: np.ndarray, src: np.ndarray, index: np.ndarray, axis: int) -> np.ndarray:
    out = x.copy()
    np.add.at(out, _where_of(index, axis), src[tuple(slice(0, n) for n in index.shape)])
    return out


@st.composite
def _diagonal(draw: Any) -> Signature:
    shape = draw(shapes(min_dims=2))
    n = len(shape)
    a, b = draw(st.permutations(range(n)))[:2]
    return (shape,), {"offset": draw(st.integers(-2, 2)), "a": a - n, "b": b}


@st.composite
def _diff(draw: Any) -> Signature:
    shape = draw(shapes(min_dims=1))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    extra = [tuple(draw(st.integers(1, 2)) if d == axis % len(shape) else m
                   for d, m in enumerate(shape)) for _ in range(2)]
    ends = draw(st.sampled_from(["", "p", "a", "pa"]))
    shapes_in = (shape, *[e for e, flag in zip(extra, "pa", strict=True) if flag in ends])
    return shapes_in, {"n": draw(st.integers(0, 3)), "axis": axis, "ends": ends}


def _tg_diff(x: Any, *extra: Any, n: int, axis: int, ends: str) -> Any:
    given = dict(zip(ends, extra, strict=True))
    return x.diff(n, axis, given.get("p"), given.get("a"))


def _np_diff(x: Any, *extra: Any, n: int, axis: int, ends: str) -> Any:
    given = dict(zip(ends, extra, strict=True))
    kwargs = {k: given[f] for k, f in (("prepend", "p"), ("append", "a")) if f in given}
    return np.diff(x, n, axis, **kwargs)


def _sizes(low: int = 1) -> st.SearchStrategy[int]:
    return st.integers(low, 3)


@st.composite
def _addmm(draw: Any, batched: bool) -> Signature:
    n, m, p = draw(_sizes()), draw(_sizes()), draw(_sizes())
    batch = (draw(_sizes()),) if batched else ()
    full = (*batch, n, p)
    start = full[draw(st.integers(0, len(full))):]
    start = tuple(1 if draw(st.booleans()) else s for s in start)
    factors = st.sampled_from([0.0, 1.0, 0.5, -2.0])
    return (start, (*batch, n, m), (*batch, m, p)), {"beta": draw(factors),
                                                     "alpha": draw(factors)}


@st.composite
def _tensordot(draw: Any) -> Signature:
    shared = draw(st.lists(_sizes(), max_size=2))
    mine, theirs = draw(shapes(max_dims=2)), draw(shapes(max_dims=2))
    k = len(shared)
    x_shape, y_shape = (*mine, *shared), (*shared, *theirs)
    if k and draw(st.booleans()):  # the pairs named, in another order
        order = draw(st.permutations(range(k)))
        y_shape = (*[shared[i] for i in order], *theirs)
        dims: Any = ([len(mine) + i for i in order], list(range(k)))
    else:
        dims = k
    return (x_shape, y_shape), {"dims": dims}


@st.composite
def _cross(draw: Any) -> Signature:
    shape = list(draw(shapes(max_dims=2)))
    axis = draw(st.integers(0, len(shape)))
    shape.insert(axis, 3)
    other = [1 if d != axis and draw(st.booleans()) else n for d, n in enumerate(shape)]
    return (tuple(shape), tuple(other)), {"dim": axis - len(shape)}


def _np_cross(x: np.ndarray, y: np.ndarray, dim: int) -> np.ndarray:
    return np.cross(x, y, axis=dim)


# equation: the operands' shapes (a size-1 axis broadcasts against the same letter's size)
EQUATIONS: dict[str, list[tuple[int, ...]]] = {
    "ij,jk->ik": [(2, 3), (3, 2)], "ij,jk": [(2, 3), (3, 1)],
    "bij,bjk->bik": [(2, 2, 3), (1, 3, 2)],
    "ii->i": [(3, 3)], "ii": [(2, 2)], "iij->j": [(2, 2, 3)], "i,j->ij": [(2,), (3,)],
    "...ij,...jk->...ik": [(2, 1, 2, 3), (3, 3, 2)], "i...i->...": [(2, 3, 2)],
    "ij,ij->": [(2, 3), (1, 3)], "ijk,kji->j": [(2, 3, 2), (2, 3, 2)],
    "ab,bc,cd->ad": [(2, 3), (3, 2), (2, 2)], "i,i": [(3,), (1,)], "ji": [(2, 3)],
    "ik,ik->i": [(2, 3), (2, 3)], "a...,...->a...": [(2, 3), (3,)], "": [()],
}


@st.composite
def _einsum(draw: Any) -> Signature:
    equation = draw(st.sampled_from(sorted(EQUATIONS)))
    return tuple(EQUATIONS[equation]), {"equation": equation}


def _meshgrid(*xs: Any, indexing: str) -> Any:
    grids = F.meshgrid(*xs, indexing=indexing)
    return grids[-1] * grids[0]  # every input's gradient shows (a sum over its copies)


def _np_meshgrid(*xs: Any, indexing: Any) -> Any:
    grids = np.meshgrid(*xs, indexing=indexing)
    return grids[-1] * grids[0]


@st.composite
def _cdist(draw: Any) -> Signature:
    batch = draw(shapes(max_dims=1))
    other = tuple(1 if draw(st.booleans()) else n for n in batch)
    rows, cols, features = draw(_sizes()), draw(_sizes()), draw(_sizes())
    p = draw(st.sampled_from([1.0, 2.0, 3.0, float("inf")]))
    return ((*batch, rows, features), (*other, cols, features)), {"p": p}


def _np_cdist(x: np.ndarray, y: np.ndarray, p: float) -> np.ndarray:
    difference = np.abs(x[..., :, None, :] - y[..., None, :, :])
    if p == float("inf"):
        return difference.max(-1)
    return (difference ** p).sum(-1) ** (1 / p)


def _near_kink(x: np.ndarray, y: np.ndarray, p: float) -> bool:
    """|difference| at 0 (p = 1; for p = 3 the gradient's derivative, 6 |d|, kinks there, so
    second-order finite differences are off by ~eps), a distance near 0, or (p = inf) two
    coordinates nearly tied for the largest: kinks of the distance."""
    difference = np.sort(np.abs(x[..., :, None, :] - y[..., None, :, :]), axis=-1)
    near = bool((difference[..., 0] < 1e-3).any()) if p in (1.0, 3.0) else False
    tied = difference.shape[-1] > 1 and bool((difference[..., -1] - difference[..., -2] < 1e-3)
                                             .any())
    return near or (tied and p == float("inf")) or bool((difference[..., -1] < 1e-3).any())


@st.composite
def _blocks(draw: Any) -> Signature:
    return tuple(draw(st.lists(shapes(max_dims=2), min_size=1, max_size=3))), {}


@st.composite
def _rot90(draw: Any) -> Signature:
    shape = draw(shapes(min_dims=2))
    n = len(shape)
    a, b = draw(st.permutations(range(n)))[:2]
    return (shape,), {"k": draw(st.integers(-5, 5)), "dims": (a - n, b)}


def _np_block_diag(*xs: np.ndarray) -> np.ndarray:
    blocks = [x.reshape(1, -1) if x.ndim < 2 else x for x in xs]
    out = np.zeros((sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)))
    r = c = 0
    for b in blocks:
        out[r:r + b.shape[0], c:c + b.shape[1]] = b
        r, c = r + b.shape[0], c + b.shape[1]
    return out


def _np_cartesian(*xs: np.ndarray) -> np.ndarray:
    if len(xs) == 1:
        return xs[0]
    return np.stack([g.reshape(-1) for g in np.meshgrid(*xs, indexing="ij")], axis=1)


MORE_SHAPE_SPECS: tuple[OpSpec, ...] = (
    OpSpec("movedim", lambda x, source, destination: x.movedim(source, destination),
           lambda x, source, destination: np.moveaxis(x, source, destination), _moved()),
    OpSpec("swapaxes", lambda x, a, b: x.swapaxes(a, b), lambda x, a, b: np.swapaxes(x, a, b),
           _two_dims()),
    OpSpec("unflatten", lambda x, dim, sizes: x.unflatten(dim, sizes),
           lambda x, dim, sizes: x.reshape(*x.shape[:dim], sizes[0], -1, *x.shape[dim + 1:]),
           _unflatten()),
    OpSpec("tile", lambda x, reps: x.tile(reps), lambda x, reps: np.tile(x, reps), _tile()),
    OpSpec("repeat_interleave", _repeat_interleave, _np_repeat, _repeats()),
    OpSpec("take_along_dim", lambda x, index, axis: x.take_along_dim(_index(x, index), axis),
           _np_take_along, _along()),
    OpSpec("scatter", lambda x, src, index, axis: x.scatter(axis, _index(x, index), src),
           _np_scatter, _scattered(distinct=True)),
    OpSpec("scatter_add", lambda x, src, index, axis: x.scatter_add(axis, _index(x, index), src),
           _np_scatter_add, _scattered(distinct=False)),
    OpSpec("diag", lambda x, k: x.diag(k), lambda x, k: np.diag(x, k),
           st.tuples(shapes(1, 2).map(lambda s: (s,)), st.fixed_dictionaries(
               {"k": st.integers(-2, 2)}))),
    OpSpec("diagonal", lambda x, offset, a, b: x.diagonal(offset, a, b),
           lambda x, offset, a, b: np.diagonal(x, offset, a, b), _diagonal()),
    OpSpec("trace", lambda x: x.trace(), np.trace,
           st.tuples(shapes(2, 2).map(lambda s: (s,)), st.just({}))),
    OpSpec("diff", _tg_diff, _np_diff, _diff()),
    OpSpec("addmm", lambda s, a, b, beta, alpha: s.addmm(a, b, beta=beta, alpha=alpha),
           lambda s, a, b, beta, alpha: beta * s + alpha * (a @ b), _addmm(False)),
    OpSpec("baddbmm", lambda s, a, b, beta, alpha: s.baddbmm(a, b, beta=beta, alpha=alpha),
           lambda s, a, b, beta, alpha: beta * s + alpha * (a @ b), _addmm(True)),
    OpSpec("mv", lambda a, v: a.mv(v), lambda a, v: a @ v,
           st.tuples(st.tuples(_sizes(), _sizes()).map(lambda s: (s, (s[1],))), st.just({}))),
    OpSpec("vdot", lambda a, v: a.vdot(v), np.vdot,
           st.tuples(_sizes().map(lambda n: ((n,), (n,))), st.just({}))),
    OpSpec("inner", lambda a, b: a.inner(b), np.inner,
           st.tuples(st.tuples(shapes(max_dims=2), shapes(max_dims=2), _sizes()).map(
               lambda s: ((*s[0], s[2]), (*s[1], s[2]))), st.just({}))),
    OpSpec("tensordot", lambda a, b, dims: a.tensordot(b, dims),
           lambda a, b, dims: np.tensordot(a, b, dims), _tensordot()),
    OpSpec("kron", lambda a, b: a.kron(b), np.kron,
           st.tuples(st.tuples(shapes(max_dims=2), shapes(max_dims=2)), st.just({}))),
    OpSpec("cross", lambda a, b, dim: a.cross(b, dim), _np_cross, _cross()),
    OpSpec("einsum", lambda *xs, equation: F.einsum(equation, *xs),
           lambda *xs, equation: np.einsum(equation, *xs),
           _einsum()),
    OpSpec("cdist", lambda x, y, p: F.cdist(x, y, p), _np_cdist, _cdist(), avoid=_near_kink),
    OpSpec("block_diag", lambda *xs: F.block_diag(*xs), _np_block_diag, _blocks()),
    OpSpec("cartesian_prod", lambda *xs: F.cartesian_prod(*xs), _np_cartesian,
           st.tuples(st.lists(shapes(1, 1), min_size=1, max_size=3).map(tuple), st.just({}))),
    OpSpec("atleast_3d", lambda x: F.atleast_3d(x),
           lambda x: np.atleast_3d(x), st.tuples(shapes().map(lambda s: (s,)), st.just({}))),
    OpSpec("rot90", lambda x, k, dims: x.rot90(k, dims),
           lambda x, k, dims: np.rot90(x, k, dims), _rot90()),
    OpSpec("meshgrid", _meshgrid, _np_meshgrid,
           st.tuples(st.lists(shapes(1, 1), min_size=1, max_size=3).map(tuple),
                     st.fixed_dictionaries({"indexing": st.sampled_from(["ij", "xy"])}))),
)

