"""What one row of the op-spec table is (:class:`OpSpec`), one drawn call (:class:`Case`), and
the input domains the rows share. The rows are in :mod:`.op_specs` (the core operations),
:mod:`.op_specs_nn` and :mod:`.op_specs_spatial`; each imports this module, and op_specs joins
them (this module imports none of them, so the table's files form no import cycle)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from hypothesis import strategies as st

from ..tensor import Tensor
from . import strategies as S
from .strategies import Domain, Params, Signature

MARGIN = 1e-3  # how close to a kink is too close (the finite-difference step is 1e-6)
ANY: Domain = Domain(-2.0, 2.0)
POSITIVE: Domain = Domain(0.5, 3.0)
NONZERO = Domain(-2.0, 2.0, away_from_zero=0.5)


@dataclass(frozen=True)
class Case:
    """One drawn call: the float64 input arrays and the options."""

    arrays: tuple[np.ndarray, ...]
    params: Params

    def __repr__(self) -> str:
        shown = ", ".join(
            f"array(shape={a.shape}, contiguous={a.flags.c_contiguous}, values={a.tolist()})"
            for a in self.arrays
        )
        return f"Case([{shown}], params={self.params!r})"


@dataclass(frozen=True)
class OpSpec:
    """One row of the table.

    Attributes:
        name: a short unique name (used in test ids and the conformance table).
        fn: calls the operation: ``fn(*tensors, **params) -> Tensor``.
        reference: the same in NumPy: ``reference(*arrays, **params) -> ndarray``.
        signatures: draws ``(input shapes, params)`` for one call.
        domain: where input values come from: one Domain for all inputs, or one per input.
        avoid: ``avoid(*arrays, **params) -> bool``: True for points too close to where the
            operation is not differentiable (discarded with ``hypothesis.assume``).
        distinct: draw inputs whose elements all differ (max and min: no exact ties).
        second_order: whether the operation supports second derivatives (create_graph).
    """

    name: str
    fn: Callable[..., Tensor]
    reference: Callable[..., Any]  # returns an ndarray (or a NumPy scalar)
    signatures: st.SearchStrategy[Signature]
    domain: Domain | tuple[Domain, ...] = ANY
    avoid: Callable[..., bool] | None = field(default=None, repr=False)
    distinct: bool = False
    second_order: bool = True

    def domain_of(self, index: int) -> Domain:
        """The domain of input ``index``."""
        return self.domain if isinstance(self.domain, Domain) else self.domain[index]

    def cases(self) -> st.SearchStrategy[Case]:
        """Draws whole calls: shapes and options from ``signatures``, then values."""
        return _cases(self)

    def avoids(self, case: Case) -> bool:
        """True when ``case`` sits too close to a non-differentiable point."""
        return bool(self.avoid is not None and self.avoid(*case.arrays, **case.params))


@st.composite
def _cases(draw: Any, spec: OpSpec) -> Case:
    input_shapes, params = draw(spec.signatures)
    arrays = tuple(
        draw(S.arrays_in(shape, spec.domain_of(i), spec.distinct))
        for i, shape in enumerate(input_shapes)
    )
    return Case(arrays, params)


# -- a reference the core and the nn rows share --------------------------------------------
def _logsumexp(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    peak = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    return out if keepdims else np.squeeze(out, axis=axis)


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    return x - _logsumexp(x, axis=axis, keepdims=True)
