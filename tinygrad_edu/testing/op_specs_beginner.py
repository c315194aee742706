"""Op-spec rows for the operations of PyTorch's beginner surface: the primitives cumsum, prod,
log1p, expm1 and erf, and the composed norm, reciprocal, roll, tril and masked_fill.

Examples:
    >>> from tinygrad_edu.testing.op_specs_beginner import BEGINNER_SPECS
    >>> sorted(spec.name for spec in BEGINNER_SPECS)[:3]
    ['cumsum', 'erf', 'expm1']
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

from .op_spec_row import MARGIN, NONZERO, OpSpec
from .strategies import Domain, Signature, shapes

NEAR_ZERO = Domain(-0.5, 2.0)  # log1p: 1 + x stays away from 0


@st.composite
def _one_axis_or_all(draw: Any) -> Signature:
    """A shape, an ``axis`` (None or one int: prod takes one dim) and ``keepdims``."""
    shape = draw(shapes())
    axis = draw(st.none() | st.integers(-len(shape), len(shape) - 1)) if shape else None
    return (shape,), {"axis": axis, "keepdims": draw(st.booleans())}


@st.composite
def _one_dim(draw: Any) -> Signature:
    shape = draw(shapes(min_dims=1))
    return (shape,), {"axis": draw(st.integers(-len(shape), len(shape) - 1))}


@st.composite
def _norm_options(draw: Any) -> Signature:
    shape = draw(shapes(min_dims=1))
    axis = draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    return (shape,), {"p": draw(st.sampled_from([1, 2, 3])), "axis": axis,
                      "keepdims": draw(st.booleans())}


@st.composite
def _roll_options(draw: Any) -> Signature:
    shape = draw(shapes(min_dims=1))
    axis = draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    return (shape,), {"shift": draw(st.integers(-4, 4)), "axis": axis}


@st.composite
def _matrix_options(draw: Any) -> Signature:
    shape = draw(shapes(min_dims=2))
    return (shape,), {"diagonal": draw(st.integers(-2, 2))}


@st.composite
def _mask_options(draw: Any) -> Signature:
    shape = draw(shapes())
    mask = np.asarray(draw(st.lists(st.booleans(), min_size=int(np.prod(shape)),
                                    max_size=int(np.prod(shape))))).reshape(shape)
    return (shape,), {"mask": mask, "value": draw(st.floats(-2, 2))}


def _prod(x: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
    if axis is None and keepdims:
        return np.prod(x).reshape((1,) * x.ndim)
    return np.prod(x, axis=axis, keepdims=keepdims)


def _norm(x: np.ndarray, p: int, axis: Any, keepdims: bool) -> np.ndarray:
    return np.sum(np.abs(x) ** p, axis=axis, keepdims=keepdims) ** (1.0 / p)


def _near_zero_norm(x: np.ndarray, p: int, axis: Any, keepdims: bool) -> bool:
    # |x| has a kink at 0 (p = 1, and the root of p = 2, 3 at a zero group)
    return bool((np.abs(x) < MARGIN).any())


def _masked_fill(x: Any, mask: np.ndarray, value: float) -> Any:
    return x.masked_fill(x.new_tensor(mask, dtype="bool"), value)


BEGINNER_SPECS: tuple[OpSpec, ...] = (
    OpSpec("cumsum", lambda x, axis: x.cumsum(axis), lambda x, axis: np.cumsum(x, axis=axis),
           _one_dim()),
    OpSpec("prod", lambda x, axis, keepdims: x.prod(axis, keepdims), _prod, _one_axis_or_all()),
    OpSpec("log1p", lambda x: x.log1p(), np.log1p, st.tuples(shapes().map(lambda s: (s,)),
                                                            st.just({})), NEAR_ZERO),
    OpSpec("expm1", lambda x: x.expm1(), np.expm1, st.tuples(shapes().map(lambda s: (s,)),
                                                            st.just({}))),
    OpSpec("erf", lambda x: x.erf(), np.vectorize(math.erf, otypes=[float]),
           st.tuples(shapes().map(lambda s: (s,)), st.just({}))),
    OpSpec("norm", lambda x, p, axis, keepdims: x.norm(p, axis, keepdims), _norm,
           _norm_options(), NONZERO, avoid=_near_zero_norm),
    OpSpec("reciprocal", lambda x: x.reciprocal(), lambda x: 1.0 / x,
           st.tuples(shapes().map(lambda s: (s,)), st.just({})), NONZERO),
    OpSpec("roll", lambda x, shift, axis: x.roll(shift, axis),
           lambda x, shift, axis: np.roll(x, shift, axis), _roll_options()),
    OpSpec("tril", lambda x, diagonal: x.tril(diagonal),
           lambda x, diagonal: np.tril(x, diagonal), _matrix_options()),
    OpSpec("masked_fill", _masked_fill,
           lambda x, mask, value: np.where(mask, value, x), _mask_options()),
)
