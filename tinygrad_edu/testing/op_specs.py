"""The op-spec table: one row per differentiable operation, and every test comes from it.

A row says how to call the operation on Tensors, how NumPy computes the same thing, which
shapes and options to draw, where the input values come from (a domain where gradients are of
order one), and which points to avoid (where the operation has a kink: relu at 0, ties in max).
Adding an operation to tinygrad_edu means adding a row here; the generic tests in
``tests/test_op_specs.py`` and the conformance suite then check it on every backend.

Examples:
    >>> from tinygrad_edu.testing.op_specs import OP_SPECS, spec_named
    >>> spec_named("exp").reference(np.zeros(2)).tolist()
    [1.0, 1.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from .. import functional
from ..tensor import Tensor
from . import strategies as S
from .op_spec_row import (
    ANY,
    MARGIN,
    NONZERO,
    POSITIVE,
    Case,  # noqa: F401 - importable from here too, as before the rows were split
    OpSpec,
    _log_softmax,
    _logsumexp,
)
from .op_specs_beginner import BEGINNER_SPECS
from .op_specs_more_maths import MORE_MATHS_SPECS
from .op_specs_more_shapes import MORE_SHAPE_SPECS
from .op_specs_nn import NN_SPECS
from .op_specs_spatial import SPATIAL_SPECS
from .strategies import Domain, Params


# -- references NumPy does not spell the same way ------------------------------------------
def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _flatten(x: np.ndarray, start_dim: int, end_dim: int) -> np.ndarray:
    if x.ndim == 0:
        return x.reshape(1)
    start, end = start_dim % x.ndim, end_dim % x.ndim
    return x.reshape(*x.shape[:start], -1, *x.shape[end + 1:])


def _index_on_axis(x: Any, axis: int, index: Any) -> Any:
    return x[(slice(None),) * axis + (index,)]


def _as_tensor(array: np.ndarray, like: Tensor) -> Tensor:
    return Tensor(array, backend=like.backend)


# -- avoid predicates: too close to a kink ---------------------------------------------------
def _near_zero(x: np.ndarray, **params: Any) -> bool:
    return bool((np.abs(x) < MARGIN).any())


def _near_tie(x: np.ndarray, y: np.ndarray, **params: Any) -> bool:
    return bool((np.abs(x - y) < MARGIN).any())


def _near_constant(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> bool:
    """Whether some reduced group is nearly constant: std has a kink (|.|-like) there."""
    return bool((np.std(x, axis=axis) < MARGIN).any())


def _near_bounds(x: np.ndarray, low: float | None, high: float | None) -> bool:
    near = np.zeros(x.shape, dtype=bool)
    for bound in (low, high):
        if bound is not None:
            near |= np.abs(x - bound) < MARGIN
    return bool(near.any())


def _near_tie_in_reduction(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> bool:
    """Whether the two largest (or two smallest) values of some reduced group are too close."""
    if x.size < 2:
        return False
    picked = tuple(range(x.ndim)) if axis is None else (axis,) if isinstance(axis, int) else axis
    picked = tuple(a % x.ndim for a in picked)
    rest = [a for a in range(x.ndim) if a not in picked]
    groups = np.transpose(x, rest + list(picked)).reshape(*[x.shape[a] for a in rest], -1)
    if groups.shape[-1] < 2:
        return False
    ordered = np.sort(groups, axis=-1)
    gaps = np.minimum(ordered[..., -1] - ordered[..., -2], ordered[..., 1] - ordered[..., 0])
    return bool((gaps < MARGIN).any())


def _scalar(low: float, high: float) -> st.SearchStrategy[Params]:
    return st.fixed_dictionaries({"c": st.floats(low, high)})


_EXPONENTS = st.one_of(st.sampled_from([2.0, 3.0, 0.5, -1.0, -0.5]), st.floats(-2.5, 2.5))
_INT_EXPONENTS = st.sampled_from([1, 2, 3, -1, -2])

CORE_SPECS: tuple[OpSpec, ...] = (
    # -- elementwise, two inputs that broadcast -------------------------------------------
    OpSpec("add", lambda x, y: x + y, np.add, S.elementwise(2)),
    OpSpec("sub", lambda x, y: x - y, np.subtract, S.elementwise(2)),
    OpSpec("mul", lambda x, y: x * y, np.multiply, S.elementwise(2)),
    OpSpec("div", lambda x, y: x / y, np.divide, S.elementwise(2), (ANY, NONZERO)),
    OpSpec("pow", lambda x, y: x**y, np.power, S.elementwise(2), (POSITIVE, ANY)),
    OpSpec("maximum", functional.maximum, np.maximum, S.elementwise(2), avoid=_near_tie),
    OpSpec("minimum", functional.minimum, np.minimum, S.elementwise(2), avoid=_near_tie),
    OpSpec(
        "where",
        lambda x, y, condition: functional.where(_as_tensor(condition, x), x, y),
        lambda x, y, condition: np.where(condition, x, y),
        S.where_shapes(),
    ),
    # -- a tensor and a Python number -----------------------------------------------------
    OpSpec(
        "pow_scalar_exponent", lambda x, c: x**c, lambda x, c: np.power(x, c),
        S.unary(st.fixed_dictionaries({"c": _EXPONENTS})), POSITIVE,
    ),
    OpSpec(
        "pow_integer_exponent", lambda x, c: x**c, lambda x, c: np.power(x, float(c)),
        S.unary(st.fixed_dictionaries({"c": _INT_EXPONENTS})),
        Domain(-2.0, 2.0, away_from_zero=0.25),
    ),
    OpSpec("rsub", lambda x, c: c - x, lambda x, c: c - x, S.unary(_scalar(-2, 2))),
    OpSpec("rtruediv", lambda x, c: c / x, lambda x, c: c / x, S.unary(_scalar(-2, 2)), NONZERO),
    OpSpec("rpow", lambda x, c: c**x, lambda x, c: np.power(c, x), S.unary(_scalar(0.5, 3))),
    # -- elementwise, one input -----------------------------------------------------------
    OpSpec("neg", lambda x: -x, np.negative, S.unary()),
    OpSpec("exp", lambda x: x.exp(), np.exp, S.unary()),
    OpSpec("log", lambda x: x.log(), np.log, S.unary(), POSITIVE),
    OpSpec("sqrt", lambda x: x.sqrt(), np.sqrt, S.unary(), POSITIVE),
    OpSpec("abs", lambda x: x.abs(), np.abs, S.unary(), avoid=_near_zero),
    OpSpec("relu", lambda x: x.relu(), _relu, S.unary(), avoid=_near_zero),
    OpSpec("sigmoid", lambda x: x.sigmoid(), _sigmoid, S.unary(), Domain(-3.0, 3.0)),
    OpSpec("tanh", lambda x: x.tanh(), np.tanh, S.unary()),
    OpSpec("sin", lambda x: x.sin(), np.sin, S.unary()),
    OpSpec("cos", lambda x: x.cos(), np.cos, S.unary()),
    OpSpec(
        "clip", lambda x, low, high: x.clip(low, high),
        lambda x, low, high: np.clip(x, low, high), S.clip_bounds(), avoid=_near_bounds,
    ),
    # -- reductions -----------------------------------------------------------------------
    OpSpec("sum", lambda x, axis, keepdims: x.sum(axis, keepdims), np.sum, S.reduction()),
    OpSpec("mean", lambda x, axis, keepdims: x.mean(axis, keepdims), np.mean, S.reduction()),
    OpSpec(
        "max", lambda x, axis, keepdims: x.amax(axis, keepdims), np.max, S.reduction(),
        avoid=_near_tie_in_reduction, distinct=True,
    ),
    OpSpec(
        "min", lambda x, axis, keepdims: x.amin(axis, keepdims), np.min, S.reduction(),
        avoid=_near_tie_in_reduction, distinct=True,
    ),
    OpSpec(
        "var", lambda x, axis, keepdims: x.var(axis, keepdims=keepdims),
        lambda x, axis, keepdims: np.var(x, axis=axis, keepdims=keepdims, ddof=1),
        S.reduction(min_count=2),
    ),
    OpSpec(
        "std", lambda x, axis, keepdims: x.std(axis, keepdims=keepdims),
        lambda x, axis, keepdims: np.std(x, axis=axis, keepdims=keepdims, ddof=1),
        S.reduction(min_count=2), avoid=_near_constant,
    ),
    OpSpec(
        "logsumexp", lambda x, axis, keepdims: x.logsumexp(axis, keepdims), _logsumexp,
        S.reduction(),
    ),
    OpSpec(
        "softmax", lambda x, axis: x.softmax(axis),
        lambda x, axis: np.exp(_log_softmax(x, axis)), S.one_axis(),
    ),
    OpSpec("log_softmax", lambda x, axis: x.log_softmax(axis), _log_softmax, S.one_axis()),
    # -- matrix products ------------------------------------------------------------------
    OpSpec("matmul", lambda x, y: x @ y, np.matmul, S.matmul_shapes(batched=False)),
    OpSpec("matmul_batched", functional.matmul, np.matmul, S.matmul_shapes(batched=True)),
    # -- movement -------------------------------------------------------------------------
    OpSpec("reshape", lambda x, shape: x.reshape(shape), np.reshape, S.reshape_target()),
    OpSpec(
        "transpose", lambda x, axis0, axis1: x.transpose(axis0, axis1),
        lambda x, axis0, axis1: np.swapaxes(x, axis0, axis1),
        S.two_axes(),
    ),
    OpSpec("permute", lambda x, axes: x.permute(*axes), np.transpose, S.axis_order()),
    OpSpec("T", lambda x: x.T, lambda x: x.T, S.unary()),
    OpSpec(
        "expand", lambda x, shape, result_shape: x.expand(*shape),
        lambda x, shape, result_shape: np.broadcast_to(x, result_shape), S.expand_target(),
    ),
    OpSpec(
        "broadcast_to", lambda x, shape, result_shape: x.broadcast_to(shape),
        lambda x, shape, result_shape: np.broadcast_to(x, result_shape),
        S.expand_target(allow_minus_one=False),
    ),
    OpSpec("squeeze", lambda x, axis: x.squeeze(axis), np.squeeze, S.squeezable()),
    OpSpec("unsqueeze", lambda x, axis: x.unsqueeze(axis), np.expand_dims, S.new_axis()),
    OpSpec(
        "flatten", lambda x, start_dim, end_dim: x.flatten(start_dim, end_dim), _flatten,
        S.flatten_range(),
    ),
    # -- indexing ---------------------------------------------------------------------------
    OpSpec("getitem_basic", lambda x, key: x[key], lambda x, key: x[key], S.basic_index()),
    OpSpec(
        "getitem_boolean_mask", lambda x, mask: x[_as_tensor(mask, x)],
        lambda x, mask: x[mask], S.boolean_mask(),
    ),
    OpSpec(
        "getitem_integer_array",
        lambda x, axis, index: _index_on_axis(x, axis, _as_tensor(index, x)),
        _index_on_axis, S.integer_index(),
    ),
    # -- joining and padding ----------------------------------------------------------------
    OpSpec(
        "concatenate", lambda *xs, axis: functional.concatenate(xs, axis=axis),
        lambda *xs, axis: np.concatenate(xs, axis=axis), S.joinable(same_shape=False),
    ),
    OpSpec(
        "stack", lambda *xs, axis: functional.stack(xs, axis=axis),
        lambda *xs, axis: np.stack(xs, axis=axis), S.joinable(same_shape=True),
    ),
    OpSpec(
        "pad", lambda x, widths, value: x.pad(widths, value),
        lambda x, widths, value: np.pad(x, widths, constant_values=value), S.pad_widths(),
    ),
)

# Rows for the neural-network functions live beside this file, one file per area (imported
# above); like this file, they take OpSpec and the domains from op_spec_row.py.
OP_SPECS: tuple[OpSpec, ...] = (
    CORE_SPECS + NN_SPECS + SPATIAL_SPECS + BEGINNER_SPECS + MORE_MATHS_SPECS
    + MORE_SHAPE_SPECS
)


def spec_named(name: str) -> OpSpec:
    """The row called ``name``, or a KeyError listing the names there are."""
    for spec in OP_SPECS:
        if spec.name == name:
            return spec
    raise KeyError(f"no op spec named {name!r}; the table has: "
                   f"{', '.join(s.name for s in OP_SPECS)}")
