"""erf, the error function: NumPy has none, so it is computed here from a table of Taylor
polynomials (exact GELU needs it: ``gelu(x) = x * (1 + erf(x / sqrt 2)) / 2``).

``forward`` computes on raw backend arrays; ``backward`` on Tensors (see :mod:`..autograd`).

Examples:
    >>> import tinygrad_edu as tg
    >>> round(tg.erf(tg.tensor([0.5], dtype=tg.float64)).item(), 12)
    0.520499877813
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..autograd import Function

# erf(a) for |a| < 6 is a Taylor polynomial around the nearest multiple c of _STEP (so
# |a - c| <= _STEP / 2). Its coefficients come from erf's derivatives:
#     erf'(c) = 2/√π exp(-c²),  erf^(k+1)(c) = 2/√π (-1)^k H_k(c) exp(-c²)
# (H_k: the Hermite polynomials, H_0 = 1, H_1 = 2c, H_{k+1} = 2c H_k - 2k H_{k-1}). Degree 16
# on [c - 1/8, c + 1/8] leaves a remainder under 1e-18. Beyond 6, erf(a) = ±1 in float64.
_STEP, _LIMIT, _DEGREE = 0.25, 6.0, 16


def _erf_table() -> np.ndarray:
    rows = []
    for j in range(int(_LIMIT / _STEP) + 1):
        c = j * _STEP
        scale = 2.0 / math.sqrt(math.pi) * math.exp(-c * c)
        hermite = [1.0, 2.0 * c]
        for k in range(1, _DEGREE):
            hermite.append(2.0 * c * hermite[k] - 2.0 * k * hermite[k - 1])
        row = [math.erf(c)]
        row += [scale * (-1) ** k * hermite[k] / math.factorial(k + 1) for k in range(_DEGREE)]
        rows.append(row)
    return np.array(rows)  # rows[j][k]: the coefficient of (a - c_j)**k


_ERF_TABLE = _erf_table()


def erf_array(xp: Any, x: Any) -> Any:
    """erf of a backend array, elementwise, in the array's dtype (nan stays nan)."""
    a = xp.abs(x)
    inside = a < _LIMIT
    a = xp.where(inside, a, xp.zeros((), dtype=x.dtype))  # nan and |x| >= 6: any row will do
    row = xp.astype(xp.floor(a / _STEP + 0.5), xp.int64)
    t = a - xp.astype(row, x.dtype) * _STEP
    table = xp.asarray(_ERF_TABLE, dtype=x.dtype)
    flat_rows = xp.reshape(row, (-1,))
    out = xp.zeros_like(t)
    # float32 needs degree 8 only (remainder < 1e-10): half the passes over the data.
    degree = 8 if x.dtype == xp.float32 else _DEGREE
    for k in range(degree, -1, -1):  # Horner: ((c_d t + c_(d-1)) t + ...) t + c0
        out = out * t + xp.reshape(xp.take(table[:, k], flat_rows), t.shape)
    sign = xp.sign(x)
    return xp.where(inside, sign * out, sign)


class Erf(Function):
    """z = erf(x) = 2/√π ∫₀ˣ exp(-t²) dt;  dz/dx = 2/√π exp(-x²)"""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return erf_array(ctx.xp, x)

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        return grad * ((-(x * x)).exp() * (2.0 / math.sqrt(math.pi)))
