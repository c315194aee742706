"""Differentiable primitives: one class per operation, forward and backward side by side.

Where is the derivative of X? A primitive's derivative is the docstring of its class, in the
file of its kind:

=====================  ==================================================================
file (``ops/``)        primitives
=====================  ==================================================================
``elementwise.py``     Add, Sub, Mul, Div, Pow, Maximum, Minimum, Where
``division.py``        Remainder, Fmod (``%`` and C's fmod, with PyTorch's edges at inf)
``unary.py``           Neg, Exp, Log, Reciprocal (also number / x), Sin, Cos, Sqrt,
                       StdFromVar, Abs, Relu, Sigmoid, Tanh, Clip, Clone, Cast
``reduce.py``          Sum, Max, Min, Median, Var, Std
``scan.py``            Cumsum, Prod
``accurate.py``        Log1p, Expm1 (log and exp accurate near 0)
``erf.py``             Erf (from a table of Taylor polynomials: NumPy has no erf)
``more_maths.py``      Sinh, Cosh, Asin, Acos, Atan, Asinh, Acosh, Atanh, Log2, Log10,
                       Atan2, Hypot, Logaddexp, Xlogy, Sinc, Erfinv, FloorDivide (no
                       derivative: its backward raises, as PyTorch's)
``more_scans.py``      Cumprod (PyTorch's finite gradient at zeros), Logcumsumexp,
                       NanToZero (nansum's)
``linalg.py``          MatMul
``norm.py``            PNorm (the p-norm for p other than 0, 1, 2 and inf)
``movement.py``        Reshape, Permute, Expand, GetItem, IndexAdd, Concatenate, Pad
``more_shapes.py``     Scatter (values written at positions; its adjoint picks them: GetItem),
                       ScatterReduce (scatter_reduce's sum, prod, mean, amax, amin)
``transfer.py``        ToBackend
``spatial.py``         Unfold, Fold (im2col and its adjoint, for convolution and pooling)
``pool.py``            TiledMaxPool (max pooling over windows side by side, for speed)
``nn_ops.py``          Linear, CrossEntropy, NLLLoss, MseLoss,
                       BinaryCrossEntropyWithLogits (fused, for speed), BinaryCrossEntropy
                       (PyTorch's finite gradient at p = 0 or 1)
=====================  ==================================================================

A composed operation has no derivative of its own: the engine differentiates the primitives
it is built from (tm = :mod:`tinygrad_edu.tensor_methods`):

===============================  ========================================  ===================
operation                        made of                                   written in
===============================  ========================================  ===================
square                           Mul                                       tm/elementwise.py
clip with tensor bounds          Where, twice                              tm/elementwise.py
mean                             Sum, Div                                  tm/reductions.py
std                              Std (a primitive since torch's rounding)  tm/reductions.py
logsumexp                        Sub, Exp, Sum, Log, Add                   tm/reductions.py
softmax, log_softmax             Sub, Exp, Sum, then Div or Log and Sub    tm/reductions.py
max(dim), min(dim), sort, topk   GetItem at the indices found              tm/selection.py
kthvalue, median(dim), mode      GetItem at the indices found              tm/selection.py
cummax, cummin, gather           GetItem (repeats add up)                  tm/selection.py
matmul of a vector, mm           Reshape, MatMul                           tm/movement.py
transpose, T, mT, t              Permute                                   tm/movement.py
squeeze, unsqueeze, flatten      Reshape                                   tm/movement.py
broadcast_to                     Expand                                    tm/movement.py
stack                            Reshape, Concatenate                      functional.py
sign, round, floor, ceil, trunc  Where that never takes x (derivative 0)   tm/maths.py
norm, dot, outer                 Mul, Sum, StdFromVar (or Abs, Sum,        tm/maths.py
                                 Max, PNorm); MatMul; Mul
rsqrt, exp2                      Sqrt, Reciprocal; Pow (base 2)            tm/more_maths.py
lerp, addcmul, addcdiv           Sub, Mul, Add (Where picks lerp's form);  tm/more_elementwise
                                 Mul, Div, Add
nan_to_num, bernoulli            Where (bernoulli's never takes x)         tm/more_elementwise
frac, deg2rad, rad2deg           Sub (trunc: derivative 0); Mul            tm/more_elementwise
aminmax; var_mean, std_mean      Min, Max; Var or Std, Sum, Div            tm/more_reductions;
                                                                           function_forms
nansum, nanmean                  NanToZero, Sum, Div                       tm/more_reductions
split, chunk, roll, flip, ...    GetItem (repeats add up)                  tm/pieces.py
movedim, swapaxes, unflatten,    Permute; Reshape, Expand                  tm/more_shapes.py
tile
diagonal, trace, diff; diag      GetItem, Sum, Sub (bool: Ne); IndexAdd    tm/more_shapes.py
repeat_interleave,               Reshape, Expand (int counts); GetItem     tm/positions.py
take_along_dim, scatter_add      GetItem; IndexAdd, Add
addmm, baddbmm, mv, inner,       Permute, Reshape, Expand, MatMul, Mul,    tm/products.py
tensordot, kron, cross           Add, Sub, GetItem
einsum                           GetItem (diagonals), Sum, Permute,        tm/einsum.py
                                 Reshape, Expand, MatMul
rot90; atleast_1d, _2d, _3d      GetItem, Permute; Reshape                 tm/more_shapes.py,
                                                                           function_forms/shapes
cdist (p = 2, 1, 3, inf)         Sub, norm's pieces (p = inf: Abs, Where)  function_forms/shapes
block_diag, cartesian_prod       Pad, Concatenate; Reshape, Expand         function_forms/shapes
repeat; tril, triu               Reshape, Expand; Where                    tm/pieces.py
index_add; index_copy, _fill     IndexAdd, Add; Scatter                    tm/pieces.py
take                             GetItem (repeats add up)                  tm/positions.py
masked_fill, Tensor.where        Where                                     tm/comparison.py
conv2d, max_pool2d, avg_pool2d   Unfold, MatMul, Max, Sum, Reshape         nn/spatial_functional
                                 (max_pool2d of tiling windows: TiledMaxPool)
mse_loss, dropout                Sub, Mul, Sum, Div                        nn/functional.py
===============================  ========================================  ===================

(The shift that keeps exp from overflowing in logsumexp and softmax is a constant, outside the
graph: subtracting a constant changes neither result, so the gradient need not see it.)

Undoing broadcasting is no op's business: the engine sums each gradient back to its input's
shape, in one place (:meth:`tinygrad_edu.context.Context.backward`). An op makes the
constants its backward needs with :meth:`Tensor.constant <tinygrad_edu.Tensor.constant>`.
"""

from .accurate import Expm1, Log1p
from .division import Fmod, Remainder
from .elementwise import Add, Div, Maximum, Minimum, Mul, Pow, Sub, Where
from .erf import Erf
from .linalg import MatMul
from .more_maths import (
    Acos,
    Acosh,
    Asin,
    Asinh,
    Atan,
    Atan2,
    Atanh,
    Cosh,
    Erfinv,
    FloorDivide,
    Hypot,
    Log2,
    Log10,
    Logaddexp,
    Sinc,
    Sinh,
    Xlogy,
)
from .more_scans import Cumprod, Logcumsumexp, NanToZero
from .more_shapes import Scatter, ScatterReduce
from .movement import Concatenate, Expand, GetItem, IndexAdd, Pad, Permute, Reshape
from .nn_ops import (
    BinaryCrossEntropy,
    BinaryCrossEntropyWithLogits,
    CrossEntropy,
    Linear,
    MseLoss,
    NLLLoss,
)
from .norm import PNorm
from .pool import TiledMaxPool
from .reduce import Max, Median, Min, Sum, Var
from .scan import Cumsum, Prod
from .spatial import Fold, Unfold
from .transfer import ToBackend
from .unary import (
    Abs,
    Cast,
    Clip,
    Clone,
    Cos,
    Exp,
    Log,
    Neg,
    Relu,
    Sigmoid,
    Sin,
    Sqrt,
    StdFromVar,
    Tanh,
)

__all__ = [
    "Acos",
    "Acosh",
    "Asin",
    "Asinh",
    "Atan",
    "Atan2",
    "Atanh",
    "Cosh",
    "Cumprod",
    "Erfinv",
    "FloorDivide",
    "Hypot",
    "Log2",
    "Log10",
    "Logaddexp",
    "Logcumsumexp",
    "NanToZero",
    "Sinc",
    "Sinh",
    "Xlogy",
    "BinaryCrossEntropy",
    "BinaryCrossEntropyWithLogits",
    "Abs",
    "Add",
    "Cast",
    "Clip",
    "Clone",
    "Concatenate",
    "Cos",
    "CrossEntropy",
    "Cumsum",
    "Erf",
    "Expm1",
    "Fmod",
    "Log1p",
    "Prod",
    "Div",
    "Exp",
    "Expand",
    "Fold",
    "GetItem",
    "IndexAdd",
    "Linear",
    "Log",
    "MatMul",
    "Max",
    "Min",
    "Maximum",
    "Median",
    "Minimum",
    "Mul",
    "MseLoss",
    "NLLLoss",
    "Neg",
    "Pad",
    "PNorm",
    "Permute",
    "Pow",
    "Relu",
    "Remainder",
    "Reshape",
    "Scatter",
    "ScatterReduce",
    "Sigmoid",
    "Sin",
    "Sqrt",
    "StdFromVar",
    "Sub",
    "Sum",
    "Tanh",
    "TiledMaxPool",
    "ToBackend",
    "Unfold",
    "Var",
    "Where",
]
