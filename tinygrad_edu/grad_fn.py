"""``tensor.grad_fn`` as PyTorch shows it: the node that made a tensor, named as PyTorch names
it (``MulBackward0``, ``MmBackward0``, ...), with ``next_functions`` leading to the nodes of
its inputs, and :class:`AccumulateGrad` where an input is a leaf that requires grad. So
PyTorch's autograd tutorial can walk the graph::

    print(loss.grad_fn)                           # <MseLossBackward0 object at 0x...>
    print(loss.grad_fn.next_functions[0][0])      # the node before it

The node is the operation's :class:`~tinygrad_edu.context.Context` itself; this module gives
it PyTorch's names. Plain functions on duck-typed contexts: nothing here is imported back.
"""

from __future__ import annotations

from typing import Any

# Our primitives and the PyTorch node that does the same thing. An op named by a function
# picks its name from its options or inputs (PyTorch has separate nodes for them).
_NAMES: dict[str, Any] = {
    "Add": "AddBackward0", "Sub": "SubBackward0", "Mul": "MulBackward0",
    "Div": "DivBackward0", "Maximum": "MaximumBackward0", "Minimum": "MinimumBackward0",
    "Where": "WhereBackward0", "Neg": "NegBackward0", "Exp": "ExpBackward0",
    "Log": "LogBackward0", "Sin": "SinBackward0", "Cos": "CosBackward0",
    "Sqrt": "SqrtBackward0", "StdFromVar": "SqrtBackward0", "Abs": "AbsBackward0",
    "Relu": "ReluBackward0", "Sigmoid": "SigmoidBackward0", "Tanh": "TanhBackward0",
    "Clip": "ClampBackward1", "Clone": "CloneBackward0", "Cast": "ToCopyBackward0",
    "ToBackend": "ToCopyBackward0", "Var": "VarBackward0", "Median": "MedianBackward0",
    "Std": "StdBackward0",
    "Reshape": "ViewBackward0", "Permute": "PermuteBackward0", "Expand": "ExpandBackward0",
    "Concatenate": "CatBackward0", "Pad": "ConstantPadNdBackward0",
    "IndexAdd": "IndexPutBackward0", "Unfold": "Im2ColBackward0", "Fold": "Col2ImBackward0",
    "CrossEntropy": "NllLossBackward0", "NLLLoss": "NllLossBackward0",
    "Sum": lambda ctx: "SumBackward0" if _over_all(ctx) else "SumBackward1",
    "Max": lambda ctx: "MaxBackward1" if _over_all(ctx) else "AmaxBackward0",
    "Min": lambda ctx: "MinBackward1" if _over_all(ctx) else "AminBackward0",
    "MatMul": lambda ctx: "MmBackward0" if ctx[0].ndim == ctx[1].ndim == 2 else "BmmBackward0",
    "Linear": lambda ctx: (
        "ViewBackward0" if ctx[0].ndim > 2 else "AddmmBackward0" if len(ctx) == 3
        else "MmBackward0"
    ),
    "GetItem": lambda ctx: _index_name(getattr(ctx, "key", ())),
    "Pow": lambda ctx: (
        "PowBackward2" if not ctx[0].requires_grad
        else "PowBackward0" if ctx[1].ndim == 0 and not ctx[1].requires_grad
        else "PowBackward1"
    ),
}


def node_name(ctx: Any) -> str:
    """PyTorch's name for the node of ``ctx``: its twin's where PyTorch has one; otherwise
    ``<Op>Backward0`` for an op of tinygrad_edu and ``<Op>Backward`` for one defined outside
    it (as PyTorch names the nodes of a custom ``autograd.Function``)."""
    fn = ctx.fn
    name = _NAMES.get(fn.__name__) if fn.__module__.startswith("tinygrad_edu.") else None
    if name is None:
        own = fn.__module__.startswith("tinygrad_edu.")
        return f"{fn.__name__}Backward{'0' if own else ''}"
    return name if isinstance(name, str) else str(name(ctx))


def _over_all(ctx: Any) -> bool:
    """Whether a reduction was over every axis (its kept shape is all ones)."""
    return all(n == 1 for n in getattr(ctx, "kept_shape", ()))


def _index_name(key: Any) -> str:
    entries = key if isinstance(key, tuple) else (key,)
    if any(not (k is None or k is Ellipsis or isinstance(k, int | slice)) for k in entries):
        return "IndexBackward0"  # an integer array or a mask
    return "SelectBackward0" if any(isinstance(k, int) for k in entries) else "SliceBackward0"


def next_functions(ctx: Any) -> tuple[tuple[Any, int], ...]:
    """One ``(node, 0)`` per input, as PyTorch: the input's own node if an operation made it,
    an :class:`AccumulateGrad` if it is a leaf that requires grad, None if it needs none."""
    out: list[tuple[Any, int]] = []
    inputs = list(ctx)
    name = node_name(ctx)
    # PyTorch's nodes list the tensors that can have a gradient: not the condition of where,
    # nor the number of x ** 2 or 2 ** x.
    if name == "PowBackward0":
        inputs = inputs[:1]
    elif name in ("PowBackward2", "WhereBackward0"):
        inputs = inputs[1:]
    elif name in ("AddBackward0", "MulBackward0") and inputs[0].ndim == 0 and (
        not inputs[0].requires_grad and inputs[1].requires_grad
    ):
        inputs.reverse()  # 2 * b: PyTorch computes b.mul(2), and lists b first
    elif ctx.fn.__name__ == "Linear" and name != "ViewBackward0":
        # PyTorch's addmm(bias, x, weight.t()): the bias first, the weight behind a t().
        x, weight, *bias = inputs
        return (*(_node_of(b) for b in bias), _node_of(x), (_Transposed(weight), 0))
    for tensor in inputs:
        out.append(_node_of(tensor))
    return tuple(out)


def _node_of(tensor: Any) -> tuple[Any, int]:
    """The ``(node, 0)`` entry of one input (see :func:`next_functions`)."""
    if not tensor.requires_grad:
        return (None, 0)
    return (tensor._ctx if tensor._ctx is not None else AccumulateGrad(tensor), 0)


class _Transposed:
    """The ``TBackward0`` node PyTorch puts between a Linear's node and its weight (it
    computes ``weight.t()`` as a step of its own; the fused Linear here does not)."""

    __slots__ = ("weight",)

    def __init__(self, weight: Any) -> None:
        self.weight = weight

    def name(self) -> str:
        return "TBackward0"

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        return (_node_of(self.weight),)

    def __repr__(self) -> str:
        return f"<TBackward0 object at {id(self):#x}>"


class AccumulateGrad:
    """The node at a leaf that requires grad: where backward adds the gradient into
    ``variable.grad`` (PyTorch's ``AccumulateGrad``)."""

    __slots__ = ("variable",)

    def __init__(self, variable: Any) -> None:
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        return ()

    def __eq__(self, other: object) -> bool:  # one node per leaf, however often it is made
        return isinstance(other, AccumulateGrad) and other.variable is self.variable

    def __hash__(self) -> int:
        return id(self.variable)

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {id(self):#x}>"
