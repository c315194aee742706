"""Op-spec rows for the loss and layer functions of :mod:`tinygrad_edu.nn.functional`.

Class indices are not differentiable inputs: they are drawn as an option (``targets``, an
int64 NumPy array) and turned into a Tensor on the inputs' backend when the row is called.

Examples:
    >>> from tinygrad_edu.testing.op_specs_nn import NN_SPECS
    >>> [name for name in sorted(spec.name for spec in NN_SPECS) if "cross" in name][:3]
    ['binary_cross_entropy', 'binary_cross_entropy_with_logits', 'cross_entropy']
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..nn import functional as F
from ..tensor import Tensor
from .op_spec_row import ANY, OpSpec, _log_softmax
from .strategies import MAX_SIDE, Domain, Signature, shapes

PROBABILITY = Domain(0.1, 0.9)  # binary targets and probabilities, away from log(0)

_REDUCTIONS = st.sampled_from(["mean", "sum", "none"])


# -- references ------------------------------------------------------------------------------
def _linear(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None) -> np.ndarray:
    out = x @ weight.T
    return out if bias is None else out + bias


def _reduce(losses: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "none":
        return losses
    return np.sum(losses) if reduction == "sum" else np.mean(losses)


def _picked(values: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """values[n, targets[n, ...], ...]: the entry of the target class (class axis 1)."""
    return np.squeeze(np.take_along_axis(values, targets[:, None], axis=1), axis=1)


def _cross_entropy(logits: np.ndarray, targets: np.ndarray, reduction: str) -> np.ndarray:
    return _reduce(-_picked(_log_softmax(logits, axis=1), targets), reduction)


def _nll_loss(log_probs: np.ndarray, targets: np.ndarray, reduction: str) -> np.ndarray:
    return _reduce(-_picked(log_probs, targets), reduction)


def _mse_loss(x: np.ndarray, target: np.ndarray, reduction: str) -> np.ndarray:
    return _reduce((x - target) ** 2, reduction)


def _bce_with_logits(x: np.ndarray, target: np.ndarray, reduction: str) -> np.ndarray:
    softplus_neg, softplus = np.logaddexp(0.0, -x), np.logaddexp(0.0, x)
    return _reduce(target * softplus_neg + (1.0 - target) * softplus, reduction)


def _bce(p: np.ndarray, target: np.ndarray, reduction: str) -> np.ndarray:
    return _reduce(-(target * np.log(p) + (1.0 - target) * np.log(1.0 - p)), reduction)


def _targets(targets: np.ndarray, like: Tensor) -> Tensor:
    return Tensor(targets, backend=like.backend)


# -- signatures ------------------------------------------------------------------------------
@st.composite
def _linear_shapes(draw: Any, bias: bool) -> Signature:
    """x (..., in) with 0 to 2 leading axes, weight (out, in), bias (out,)."""
    leading = draw(shapes(min_dims=0, max_dims=2))
    in_features = draw(st.integers(1, 4))
    out_features = draw(st.integers(1, 4))
    weight = (out_features, in_features)
    inputs = ((*leading, in_features), weight) + (((out_features,),) if bias else ())
    return inputs, {}


@st.composite
def _class_shapes(draw: Any, spatial: bool) -> Signature:
    """Scores (N, C) or (N, C, d), class indices (N,) or (N, d), and a reduction."""
    batch = draw(st.integers(1, MAX_SIDE))
    classes = draw(st.integers(1, 4))
    extra = (draw(st.integers(1, 2)),) if spatial else ()
    targets = draw(hnp.arrays(np.int64, (batch, *extra), elements=st.integers(0, classes - 1)))
    return ((batch, classes, *extra),), {"targets": targets, "reduction": draw(_REDUCTIONS)}


@st.composite
def _pair_shapes(draw: Any) -> Signature:
    shape = draw(shapes(min_dims=0, max_dims=3))
    return (shape, shape), {"reduction": draw(_REDUCTIONS)}


NN_SPECS: tuple[OpSpec, ...] = (
    OpSpec("linear", F.linear, _linear, _linear_shapes(bias=True)),
    OpSpec("linear_no_bias", F.linear, _linear, _linear_shapes(bias=False)),
    OpSpec(
        "cross_entropy",
        lambda x, targets, reduction: F.cross_entropy(x, _targets(targets, x), reduction),
        _cross_entropy, _class_shapes(spatial=False), ANY,
    ),
    OpSpec(
        "cross_entropy_spatial",
        lambda x, targets, reduction: F.cross_entropy(x, _targets(targets, x), reduction),
        _cross_entropy, _class_shapes(spatial=True), ANY,
    ),
    OpSpec(
        "nll_loss",
        lambda x, targets, reduction: F.nll_loss(x, _targets(targets, x), reduction),
        _nll_loss, _class_shapes(spatial=False), ANY,
    ),
    OpSpec(
        "mse_loss", lambda x, y, reduction: F.mse_loss(x, y, reduction), _mse_loss,
        _pair_shapes(), ANY,
    ),
    OpSpec(
        "binary_cross_entropy_with_logits",
        lambda x, y, reduction: F.binary_cross_entropy_with_logits(x, y, reduction=reduction),
        _bce_with_logits, _pair_shapes(), (ANY, PROBABILITY),
    ),
    OpSpec(
        "binary_cross_entropy",
        lambda p, y, reduction: F.binary_cross_entropy(p, y, reduction=reduction),
        _bce, _pair_shapes(), (PROBABILITY, PROBABILITY),
    ),
)
