"""Op-spec rows for PyTorch's further maths: the primitives of :mod:`tinygrad_edu.ops.more_maths`
and :mod:`tinygrad_edu.ops.more_scans` (sinh, asin, atan2, logaddexp, xlogy, erfinv, cumprod,
logcumsumexp, ...) and the composed rsqrt, exp2, lerp, addcmul, addcdiv, nan_to_num, nansum,
nanmean, frac, sinc, deg2rad, rad2deg, aminmax, var_mean and std_mean. Each domain keeps its
function smooth and its gradients of order one (asin inside (-1, 1), atan2 and hypot away from
the origin).

Examples:
    >>> from tinygrad_edu.testing.op_specs_more_maths import MORE_MATHS_SPECS
    >>> sorted(spec.name for spec in MORE_MATHS_SPECS)[:3]
    ['acos', 'acosh', 'addcdiv']
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

from ..function_forms import maths as functional_maths
from .op_spec_row import ANY, MARGIN, NONZERO, POSITIVE, OpSpec
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


def _erfinv(x: np.ndarray) -> np.ndarray:
    """erfinv by bisection on math.erf (slow, simple, and independent of the Newton steps)."""
    low, high = np.full(x.shape, -6.0), np.full(x.shape, 6.0)
    erf = np.vectorize(math.erf, otypes=[float])
    for _ in range(80):
        middle = (low + high) / 2.0
        below = erf(middle) < x
        low, high = np.where(below, middle, low), np.where(below, high, middle)
    return (low + high) / 2.0


def _lerp(start: np.ndarray, end: np.ndarray, weight: Any) -> np.ndarray:
    return start + weight * (end - start)


@st.composite
def _one_dim_or_all(draw: Any) -> Signature:
    """aminmax's options: ``dim`` one int or None (all), and ``keepdim``."""
    shape = draw(shapes())
    dim = draw(st.none() | st.integers(-len(shape), len(shape) - 1)) if shape else None
    return (shape,), {"dim": dim, "keepdim": draw(st.booleans())}


def _aminmax(x: Any, dim: Any, keepdim: bool) -> Any:
    low, high = x.aminmax(dim=dim, keepdim=keepdim)
    return low * 2.0 + high  # both outputs, each with its own gradient share


def _aminmax_reference(x: np.ndarray, dim: Any, keepdim: bool) -> Any:
    if dim is None and keepdim:
        return (np.min(x) * 2.0 + np.max(x)).reshape((1,) * x.ndim)
    return np.min(x, axis=dim, keepdims=keepdim) * 2.0 + np.max(x, axis=dim, keepdims=keepdim)


def _near_tie(x: np.ndarray, dim: Any, keepdim: bool) -> bool:
    """Whether two elements of some group are too close: max and min share ties."""
    groups = np.moveaxis(x, dim, -1) if dim is not None else x.reshape(-1)
    ordered = np.sort(groups, axis=-1)
    return bool(ordered.shape[-1] > 1 and (np.diff(ordered, axis=-1) < MARGIN).any())


def _near_zero(x: np.ndarray) -> bool:
    return bool((np.abs(x) < MARGIN).any())


def _near_whole(x: np.ndarray) -> bool:
    return bool((np.abs(x - np.round(x)) < MARGIN).any())  # frac jumps at whole numbers


def _logcumsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    return np.logaddexp.accumulate(x, axis=axis)


def _var_mean(x: Any, axis: Any, keepdims: bool) -> Any:
    variance, mean = functional_maths.var_mean(x, axis, keepdim=keepdims)
    return variance + mean * 3.0


def _std_mean(x: Any, axis: Any, keepdims: bool) -> Any:
    spread, mean = functional_maths.std_mean(x, axis, keepdim=keepdims, correction=0)
    return spread + mean * 3.0


def _near_constant(x: np.ndarray, axis: Any, keepdims: bool) -> bool:
    return bool((np.std(x, axis=axis) < MARGIN).any())  # std has a kink where it is 0


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
    # shifted by 0.37: the values hypothesis likes (0, 1, 0.5, -1) are whole or close to it,
    # where frac jumps, and filtering them all out fails hypothesis's health check
    OpSpec("frac", lambda x: (x + 0.37).frac(), lambda x: (x + 0.37) - np.trunc(x + 0.37),
           unary(), avoid=lambda x: _near_whole(x + 0.37)),
    # sinc: below 1e-154, x**2 underflows and PyTorch's derivative (ours) is taken as 0 there
    OpSpec("sinc", lambda x: x.sinc(), np.sinc, unary(), avoid=_near_zero),
    OpSpec("deg2rad", lambda x: x.deg2rad(), np.deg2rad, unary()),
    OpSpec("rad2deg", lambda x: x.rad2deg(), np.rad2deg, unary()),
    OpSpec("erfinv", lambda x: x.erfinv(), _erfinv, unary(), INSIDE_ONE),
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
    OpSpec("logcumsumexp", lambda x, axis: x.logcumsumexp(axis), _logcumsumexp, _one_dim()),
    OpSpec("aminmax", _aminmax, _aminmax_reference, _one_dim_or_all(), avoid=_near_tie,
           distinct=True),
    OpSpec("var_mean", _var_mean,
           lambda x, axis, keepdims: np.var(x, axis=axis, keepdims=keepdims, ddof=1)
           + np.mean(x, axis=axis, keepdims=keepdims) * 3.0, reduction(min_count=2)),
    OpSpec("std_mean", _std_mean,
           lambda x, axis, keepdims: np.std(x, axis=axis, keepdims=keepdims)
           + np.mean(x, axis=axis, keepdims=keepdims) * 3.0, reduction(min_count=2),
           avoid=_near_constant),
)
