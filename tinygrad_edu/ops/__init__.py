"""Differentiable primitives: one class per operation, forward and backward side by side.

Everything else (mean, var, softmax, stack, ...) is composed from these in :mod:`..tensor`.
"""

from .elementwise import (
    Abs,
    Add,
    Cast,
    Clip,
    Clone,
    Cos,
    Div,
    Exp,
    Log,
    Maximum,
    Minimum,
    Mul,
    Neg,
    Pow,
    Relu,
    Sigmoid,
    Sin,
    Sqrt,
    StdFromVar,
    Sub,
    Tanh,
    Where,
)
from .linalg import MatMul
from .movement import Concatenate, Expand, GetItem, IndexAdd, Pad, Permute, Reshape
from .nn_ops import CrossEntropy, Linear, NLLLoss
from .reduce import Max, Min, Sum
from .spatial import Fold, Unfold

__all__ = [
    "Abs",
    "Add",
    "Cast",
    "Clip",
    "Clone",
    "Concatenate",
    "Cos",
    "CrossEntropy",
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
    "Minimum",
    "Mul",
    "NLLLoss",
    "Neg",
    "Pad",
    "Permute",
    "Pow",
    "Relu",
    "Reshape",
    "Sigmoid",
    "Sin",
    "Sqrt",
    "StdFromVar",
    "Sub",
    "Sum",
    "Tanh",
    "Unfold",
    "Where",
]
