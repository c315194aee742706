"""Hypothesis strategies: values in a domain, shapes, operation parameters, and arrays whose
memory is laid out in a non-default (transposed) order.

Everything here draws NumPy arrays in float64; :func:`to_backend_array` moves one onto a backend
keeping its memory layout, so tests also see transposed (non-contiguous) views.

Examples:
    >>> from hypothesis import given
    >>> from tinygrad_edu.testing.strategies import Domain, arrays_in
    >>> @given(arrays_in((2, 3), Domain(0.5, 3.0)))
    ... def test_positive(x):
    ...     assert (x >= 0.5).all()
    >>> test_positive()
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..backends.base import Backend
from ..dtypes import DType, float64

Shape = tuple[int, ...]
Params = dict[str, Any]
Signature = tuple[tuple[Shape, ...], Params]  # the input shapes of one call, and its options

MAX_SIDE = 3  # small tensors: every check below costs one or two forwards per element


@dataclass(frozen=True)
class Domain:
    """The values an input is drawn from: ``[low, high]``, leaving out ``(-away_from_zero,
    away_from_zero)``, e.g. for a divisor, so that gradients stay of order one."""

    low: float
    high: float
    away_from_zero: float = 0.0

    def elements(self) -> st.SearchStrategy[float]:
        """A strategy for single values of this domain."""
        options: dict[str, Any] = {"allow_nan": False, "allow_infinity": False,
                                   "allow_subnormal": False}
        gap = self.away_from_zero
        if gap <= 0:
            return st.floats(self.low, self.high, **options)
        parts = []
        if self.low <= -gap:
            parts.append(st.floats(self.low, -gap, **options))
        if self.high >= gap:
            parts.append(st.floats(gap, self.high, **options))
        return st.one_of(parts)


def shapes(min_dims: int = 0, max_dims: int = 3, min_side: int = 1,
           max_side: int = MAX_SIDE) -> st.SearchStrategy[Shape]:
    """Array shapes, including 0-d and sides of size 1."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side,
                            max_side=max_side)


def contiguous_arrays(shape: Shape, domain: Domain, distinct: bool = False) -> st.SearchStrategy:
    """float64 arrays of ``shape`` in the usual (C) memory order."""
    return hnp.arrays(np.float64, shape, elements=domain.elements(), unique=distinct)


@st.composite
def non_contiguous_arrays(draw: Any, shape: Shape, domain: Domain,
                          distinct: bool = False) -> np.ndarray:
    """float64 arrays of ``shape`` stored with their axes in another order: the array is a
    transposed view of a contiguous one, as ``x.T`` or ``x.permute(...)`` would give."""
    order = draw(st.permutations(range(len(shape))))
    if order == sorted(order):
        order = order[::-1]  # never the identity: that would just be the contiguous array
    stored = draw(contiguous_arrays(tuple(shape[a] for a in order), domain, distinct))
    return np.transpose(stored, np.argsort(order))


def arrays_in(shape: Shape, domain: Domain, distinct: bool = False) -> st.SearchStrategy:
    """float64 arrays of ``shape`` with values in ``domain``, contiguous or transposed views."""
    if len(shape) < 2:
        return contiguous_arrays(shape, domain, distinct)
    return st.one_of(contiguous_arrays(shape, domain, distinct),
                     non_contiguous_arrays(shape, domain, distinct))


def to_backend_array(array: np.ndarray, backend: Backend, dtype: DType = float64) -> Any:
    """``array`` as an array of ``backend`` in ``dtype``, with the same memory order: a
    transposed NumPy view becomes a transposed view on the backend too."""
    # np.asarray(order="C"), not np.ascontiguousarray: the latter turns 0-d arrays into 1-d.
    if array.ndim < 2 or array.flags.c_contiguous:
        return backend.asarray(np.asarray(array, order="C"), dtype)
    # Axes from the largest stride to the smallest: the order the memory is really laid out in.
    order = tuple(int(a) for a in np.argsort([-s for s in array.strides], kind="stable"))
    stored = backend.asarray(np.asarray(np.transpose(array, order), order="C"), dtype)
    inverse = tuple(int(a) for a in np.argsort(order))
    return backend.xp.permute_dims(stored, inverse)


def random_cotangent(shape: Shape, seed: int) -> np.ndarray:
    """A float64 upstream gradient with no zeros and no pattern: magnitudes in [0.5, 1.5] with
    random signs. (An all-ones gradient would make a softmax check vacuous: the gradient of
    ``softmax(x).sum()`` is exactly zero.)"""
    rng = np.random.default_rng(seed)
    magnitude = rng.uniform(0.5, 1.5, size=shape)
    return np.where(rng.random(size=shape) < 0.5, -magnitude, magnitude)


seeds = st.integers(0, 2**32 - 1)


# -- signatures: the shapes (and options) of one call of an operation -------------------------
def no_params() -> st.SearchStrategy[Params]:
    return st.just({})


def _or_none(params: st.SearchStrategy[Params] | None) -> st.SearchStrategy[Params]:
    return params if params is not None else no_params()


def elementwise(count: int, params: st.SearchStrategy[Params] | None = None,
                max_dims: int = 3) -> st.SearchStrategy[Signature]:
    """``count`` shapes that broadcast together (NumPy's rules), 0-d and size-1 axes included."""
    broadcast = hnp.mutually_broadcastable_shapes(num_shapes=count, min_dims=0,
                                                  max_dims=max_dims, max_side=MAX_SIDE)
    return st.tuples(broadcast.map(lambda b: tuple(b.input_shapes)), _or_none(params))


def unary(params: st.SearchStrategy[Params] | None = None, min_dims: int = 0,
          max_dims: int = 3) -> st.SearchStrategy[Signature]:
    """One shape (and options)."""
    return st.tuples(shapes(min_dims, max_dims).map(lambda s: (s,)), _or_none(params))


def axes(ndim: int) -> st.SearchStrategy[Any]:
    """An ``axis`` argument: None, one int, or a tuple of distinct ints (negative ones too)."""
    if ndim == 0:
        return st.none()
    one = st.integers(-ndim, ndim - 1)
    several = st.lists(one, min_size=1, max_size=ndim, unique_by=lambda a: a % ndim).map(tuple)
    return st.one_of(st.none(), one, several)


def reduced_count(shape: Shape, axis: Any) -> int:
    """How many elements a reduction over ``axis`` combines into each result."""
    if axis is None:
        return int(np.prod(shape, dtype=np.int64))
    picked = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in picked], dtype=np.int64))


@st.composite
def reduction(draw: Any, min_count: int = 1) -> Signature:
    """A shape, an ``axis`` (None, int or tuple) and ``keepdims``; each result combines at
    least ``min_count`` elements."""
    shape = draw(shapes())
    axis = draw(axes(len(shape)))
    if reduced_count(shape, axis) < min_count:
        # Grow the first reduced axis instead of rejecting the example.
        first = 0 if axis is None else (axis if isinstance(axis, int) else axis[0]) % len(shape)
        shape = shape if shape else (min_count,)
        shape = (*shape[:first], max(shape[first], min_count), *shape[first + 1:])
    return (shape,), {"axis": axis, "keepdims": draw(st.booleans())}


@st.composite
def one_axis(draw: Any, min_dims: int = 1) -> Signature:
    """A shape with at least ``min_dims`` axes and one ``axis`` int (softmax and friends)."""
    shape = draw(shapes(min_dims=min_dims))
    return (shape,), {"axis": draw(st.integers(-len(shape), len(shape) - 1))}


def matmul_shapes(batched: bool) -> st.SearchStrategy[Signature]:
    """Operand shapes for ``x @ y``: vectors and matrices, or stacks of matrices whose batch
    axes broadcast."""
    if batched:
        drawn = hnp.mutually_broadcastable_shapes(
            signature="(m,n),(n,p)->(m,p)", min_dims=1, max_dims=2, max_side=MAX_SIDE)
    else:
        drawn = hnp.mutually_broadcastable_shapes(
            signature="(m?,n),(n,p?)->(m?,p?)", max_dims=0, max_side=4)
    return st.tuples(drawn.map(lambda b: tuple(b.input_shapes)), no_params())


def _prime_factors(n: int) -> list[int]:
    factors, p = [], 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    return factors


@st.composite
def reshape_target(draw: Any) -> Signature:
    """A shape and another shape with the same number of elements (sometimes with a -1)."""
    shape = draw(shapes(max_side=4))
    pieces = draw(st.permutations(_prime_factors(int(np.prod(shape))) + [1] * draw(
        st.integers(0, 2))))
    count = draw(st.integers(1 if pieces else 0, max(len(pieces), 1)))
    target = [1] * count
    for piece in pieces:
        target[draw(st.integers(0, count - 1))] *= piece
    if target and draw(st.booleans()):
        target[draw(st.integers(0, count - 1))] = -1
    return (shape,), {"shape": tuple(target)}


@st.composite
def expand_target(draw: Any, allow_minus_one: bool = True) -> Signature:
    """A shape and a larger shape it broadcasts to (``-1`` keeps a size when allowed)."""
    target = draw(shapes(max_dims=4))
    kept = draw(st.integers(0, len(target)))
    start = len(target) - kept
    shape = tuple(1 if draw(st.booleans()) else n for n in target[start:])
    argument = list(target)
    if allow_minus_one:
        for i in range(start, len(target)):
            if shape[i - start] == target[i] and draw(st.booleans()):
                argument[i] = -1
    return (shape,), {"shape": tuple(argument), "result_shape": target}


@st.composite
def squeezable(draw: Any) -> Signature:
    """A shape with some axes of size 1, and an ``axis`` naming only such axes (or None)."""
    shape = tuple(draw(st.lists(st.sampled_from([1, 1, 2, 3]), max_size=4)))
    ones = [i for i, n in enumerate(shape) if n == 1]
    if not ones or draw(st.booleans()):
        return (shape,), {"axis": None}
    picked = draw(st.lists(st.sampled_from(ones), min_size=1, unique=True))
    signed = [a - len(shape) if draw(st.booleans()) else a for a in picked]
    axis: Any = signed[0] if len(signed) == 1 and draw(st.booleans()) else tuple(signed)
    return (shape,), {"axis": axis}


@st.composite
def new_axis(draw: Any) -> Signature:
    """A shape and a position ``axis`` in ``[-ndim - 1, ndim]`` for a new axis."""
    shape = draw(shapes())
    return (shape,), {"axis": draw(st.integers(-len(shape) - 1, len(shape)))}


@st.composite
def two_axes(draw: Any) -> Signature:
    """A shape with at least one axis and two axes to swap."""
    shape = draw(shapes(min_dims=1))
    ndim = len(shape)
    return (shape,), {"axis0": draw(st.integers(-ndim, ndim - 1)),
                      "axis1": draw(st.integers(-ndim, ndim - 1))}


@st.composite
def axis_order(draw: Any) -> Signature:
    """A shape and a permutation of its axes."""
    shape = draw(shapes())
    return (shape,), {"axes": tuple(draw(st.permutations(range(len(shape)))))}


@st.composite
def flatten_range(draw: Any) -> Signature:
    """A shape and ``start_dim <= end_dim`` (negative values too)."""
    shape = draw(shapes())
    ndim = len(shape)
    if ndim == 0:
        return (shape,), {"start_dim": 0, "end_dim": -1}
    start = draw(st.integers(0, ndim - 1))
    end = draw(st.integers(start, ndim - 1))
    sign = draw(st.booleans())
    return (shape,), {"start_dim": start - ndim if sign else start,
                      "end_dim": end - ndim if draw(st.booleans()) else end}


@st.composite
def basic_index(draw: Any) -> Signature:
    """A shape and a key made of ints, slices (negative steps too), None and ``...``."""
    shape = draw(shapes(max_side=4))
    key = draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    return (shape,), {"key": key}


@st.composite
def boolean_mask(draw: Any) -> Signature:
    """A shape and a boolean mask over its leading axes."""
    shape = draw(shapes(min_dims=1, max_side=4))
    covered = draw(st.integers(1, len(shape)))
    mask = draw(hnp.arrays(np.bool_, shape[:covered]))
    return (shape,), {"mask": mask}


@st.composite
def integer_index(draw: Any) -> Signature:
    """A shape, an axis, and an int64 index array for that axis that repeats a position at
    least once (repeats must add up their gradients) and may use negative positions."""
    shape = draw(shapes(min_dims=1, max_side=4))
    axis = draw(st.integers(0, len(shape) - 1))
    size = shape[axis]
    picks = draw(st.lists(st.integers(-size, size - 1), min_size=1, max_size=4))
    picks.append(picks[0] % size if draw(st.booleans()) else picks[0])
    index = np.array(draw(st.permutations(picks)), dtype=np.int64)
    if len(index) % 2 == 0 and draw(st.booleans()):
        index = index.reshape(2, -1)  # an index array with two axes
    return (shape,), {"axis": axis, "index": index}


@st.composite
def joinable(draw: Any, same_shape: bool) -> Signature:
    """Two or three shapes to concatenate (equal except along ``axis``) or to stack (equal)."""
    count = draw(st.integers(2, 3))
    if same_shape:
        shape = draw(shapes(max_dims=2))
        axis = draw(st.integers(-len(shape) - 1, len(shape)))
        return (shape,) * count, {"axis": axis}
    shape = draw(shapes(min_dims=1))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    sizes = draw(st.lists(st.integers(1, MAX_SIDE), min_size=count, max_size=count))
    position = axis % len(shape)
    return tuple((*shape[:position], n, *shape[position + 1:]) for n in sizes), {"axis": axis}


@st.composite
def pad_widths(draw: Any) -> Signature:
    """A shape, a ``(before, after)`` pair per axis, and a fill value."""
    shape = draw(shapes(min_dims=1))
    pair = st.tuples(st.integers(0, 2), st.integers(0, 2))
    widths = tuple(draw(st.lists(pair, min_size=len(shape), max_size=len(shape))))
    return (shape,), {"widths": widths, "value": draw(st.floats(-1, 1))}


@st.composite
def where_shapes(draw: Any) -> Signature:
    """A boolean condition and two value shapes, all three broadcasting together."""
    drawn = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=MAX_SIDE))
    condition_shape, x_shape, y_shape = drawn.input_shapes
    condition = draw(hnp.arrays(np.bool_, condition_shape))
    return (x_shape, y_shape), {"condition": condition}


@st.composite
def clip_bounds(draw: Any) -> Signature:
    """A shape and clip bounds: both, or only one of them."""
    shape = draw(shapes())
    low = draw(st.floats(-1.5, 0.5))
    high = low + draw(st.floats(0.2, 2.0))
    kind = draw(st.sampled_from(["both", "low", "high"]))
    return (shape,), {"low": None if kind == "high" else low,
                      "high": None if kind == "low" else high}
