"""Op-spec rows for PyTorch's further maths: the primitives of :mod:`tinygrad_edu.ops.more_maths`
(sinh, asin, atan2, logaddexp, xlogy, cumprod, ...) and the composed rsqrt, exp2, lerp, addcmul,
addcdiv, nan_to_num, nansum and nanmean. Each domain keeps its function smooth and its
gradients of order one (asin inside (-1, 1), atan2 and hypot away from the origin).

Examples:
    >>> from tinygrad_edu.testing.op_specs_more_maths import MORE_MATHS_SPECS
    >>> sorted(spec.name for spec in MORE_MATHS_SPECS)[:3]
    ['acos', 'acosh', 'addcdiv']
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from .op_spec_row import ANY, NONZERO, POSITIVE, OpSpec
from .strategies import Domain, Signature, elementwise, reduction, shapes, unary

INSIDE_ONE = Domain(-0.9, 0.9)  # asin, acos, atanh: their derivatives blow up at +-1
ABOVE_ONE = Domain(1.1, 3.0)  # acosh: its derivative blows up at 1
WEIGHTS = Domain(-1.0, 2.0)  # lerp: both of PyTorch's forms (|weight| < 0.5 and >= 0.5)


@st.composite
def _one_dim(draw: Any) -> Signature:
    shape = draw(shapes(min_dims=1))
    return (shape,), {"axis": draw(st.integers(-len(shape), len(shape) - 1))}


def _values(low: float, high: float, name: str) -> st.SearchStrategy[dict[str, float]]:
    return st.fixed_dictionaries({name: st.floats(low, high)})


def _nanmean(x: np.ndarray, axis: Any, keepdims: bool) -> Any:
    return np.mean(x, axis=axis, keepdims=keepdims)  # (no nan is drawn: the plain mean)


def _nansum(x: np.ndarray, axis: Any, keepdims: bool) -> Any:
    return np.sum(x, axis=axis, keepdims=keepdims)


def _lerp(start: np.ndarray, end: np.ndarray, weight: Any) -> np.ndarray:
    return start + weight * (end - start)


MORE_MATHS_SPECS: tuple[OpSpec, ...] = (
    # -- one input ---------------------------------------------------------------------------
    OpSpec("rsqrt", lambda x: x.rsqrt(), lambda x: 1.0 / np.sqrt(x), unary(), POSITIVE),
    OpSpec("log2", lambda x: x.log2(), np.log2, unary(), POSITIVE),
    OpSpec("log10", lambda x: x.log10(), np.log10, unary(), POSITIVE),
    OpSpec("exp2", lambda x: x.exp2(), np.exp2, unary()),
    OpSpec("sinh", lambda x: x.sinh(), np.sinh, unary()),
    OpSpec("cosh", lambda x: x.cosh(), np.cosh, unary()),
    OpSpec("asin", lambda x: x.asin(), np.arcsin, unary(), INSIDE_ONE),
    OpSpec("acos", lambda x: x.acos(), np.arccos, unary(), INSIDE_ONE),
    OpSpec("atan", lambda x: x.atan(), np.arctan, unary()),
    OpSpec("asinh", lambda x: x.asinh(), np.arcsinh, unary()),
    OpSpec("acosh", lambda x: x.acosh(), np.arccosh, unary(), ABOVE_ONE),
    OpSpec("atanh", lambda x: x.atanh(), np.arctanh, unary(), INSIDE_ONE),
    OpSpec("nan_to_num", lambda x: x.nan_to_num(), np.nan_to_num, unary()),
    # -- two or three inputs that broadcast ----------------------------------------------------
    # atan2 jumps by 2 pi across the negative x-axis and hypot has a cone at the origin:
    # both inputs stay away from 0.
    OpSpec("atan2", lambda y, x: y.atan2(x), np.arctan2, elementwise(2), (NONZERO, NONZERO)),
    OpSpec("hypot", lambda x, y: x.hypot(y), np.hypot, elementwise(2), (NONZERO, NONZERO)),
    OpSpec("logaddexp", lambda x, y: x.logaddexp(y), np.logaddexp, elementwise(2)),
    OpSpec("xlogy", lambda x, y: x.xlogy(y), lambda x, y: x * np.log(y), elementwise(2),
           (ANY, POSITIVE)),
    OpSpec("lerp", lambda s, e, w: s.lerp(e, w), _lerp, elementwise(3), (ANY, ANY, WEIGHTS)),
    OpSpec("lerp_scalar_weight", lambda s, e, weight: s.lerp(e, weight), _lerp,
           elementwise(2, _values(-1.0, 2.0, "weight"))),
    OpSpec("addcmul", lambda x, a, b, value: x.addcmul(a, b, value=value),
           lambda x, a, b, value: x + value * a * b, elementwise(3, _values(-2, 2, "value"))),
    OpSpec("addcdiv", lambda x, a, b, value: x.addcdiv(a, b, value=value),
           lambda x, a, b, value: x + value * a / b, elementwise(3, _values(-2, 2, "value")),
           (ANY, ANY, NONZERO)),
    # -- running products and reductions -----------------------------------------------------
    OpSpec("cumprod", lambda x, axis: x.cumprod(axis), lambda x, axis: np.cumprod(x, axis=axis),
           _one_dim()),
    OpSpec("nansum", lambda x, axis, keepdims: x.nansum(axis, keepdims), _nansum, reduction()),
    OpSpec("nanmean", lambda x, axis, keepdims: x.nanmean(axis, keepdims), _nanmean,
           reduction()),
)
