"""Differentiable primitives: one class per operation, forward and backward side by side.

Everything else (mean, var, softmax, stack, ...) is composed from these in :mod:`..tensor`.
"""

from .elementwise import (
    Abs,
    Add,
    Cast,
    Clip,
    Clone,
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
    Sqrt,
    StdFromVar,
    Sub,
    Tanh,
    Where,
)
from .linalg import MatMul
from .movement import Concatenate, Expand, GetItem, IndexAdd, Pad, Permute, Reshape
from .reduce import Max, Min, Sum

__all__ = [
    "Abs",
    "Add",
    "Cast",
    "Clip",
    "Clone",
    "Concatenate",
    "Div",
    "Exp",
    "Expand",
    "GetItem",
    "IndexAdd",
    "Log",
    "MatMul",
    "Max",
    "Min",
    "Maximum",
    "Minimum",
    "Mul",
    "Neg",
    "Pad",
    "Permute",
    "Pow",
    "Relu",
    "Reshape",
    "Sigmoid",
    "Sqrt",
    "StdFromVar",
    "Sub",
    "Sum",
    "Tanh",
    "Where",
]
