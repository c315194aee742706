"""Op-spec rows for the loss and layer functions of :mod:`tinygrad_edu.nn.functional`.

Class indices are not differentiable inputs: they are drawn as an option (``targets``, an
int64 NumPy array) and turned into a Tensor on the inputs' backend when the row is called.

Examples:
    >>> from tinygrad_edu.testing.op_specs_nn import NN_SPECS
    >>> [name for name in sorted(spec.name for spec in NN_SPECS) if "cross" in name][:3]
    ['binary_cross_entropy', 'binary_cross_entropy_with_logits', 'cross_entropy']
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..nn import functional as F
from ..tensor import Tensor
from . import strategies as S
from .op_spec_row import ANY, MARGIN, POSITIVE, OpSpec, _log_softmax
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


_ERF = np.vectorize(math.erf)


def _softplus(x: np.ndarray, beta: float = 1.0) -> np.ndarray:
    return np.logaddexp(0.0, beta * x) / beta


ACTIVATION_REFERENCES: dict[str, Any] = {
    "leaky_relu": lambda x, negative_slope: np.where(x > 0, x, negative_slope * x),
    "gelu": lambda x: x * 0.5 * (1.0 + _ERF(x / math.sqrt(2.0))),
    "gelu_tanh": lambda x: 0.5 * x * (1.0 + np.tanh(
        math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3))),
    "silu": lambda x: x / (1.0 + np.exp(-x)),
    "elu": lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0.0))),
    "softplus": lambda x, beta: _softplus(x, beta),
    "hardtanh": lambda x: np.clip(x, -1.0, 1.0),
    "relu6": lambda x: np.clip(x, 0.0, 6.0),
    "logsigmoid": lambda x: -np.logaddexp(0.0, -x),
    "mish": lambda x: x * np.tanh(_softplus(x)),
    "softsign": lambda x: x / (1.0 + np.abs(x)),
}


def _near(*kinks: float) -> Any:
    def avoid(x: np.ndarray, **params: Any) -> bool:
        return any(bool((np.abs(x - k) < MARGIN).any()) for k in kinks)
    return avoid


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray,
                eps: float) -> np.ndarray:
    axes = tuple(range(x.ndim - weight.ndim, x.ndim))
    centred = x - x.mean(axis=axes, keepdims=True)
    var = (centred**2).mean(axis=axes, keepdims=True)
    return centred / np.sqrt(var + eps) * weight + bias


def _nearly_constant_groups(x: np.ndarray, weight: np.ndarray, bias: np.ndarray,
                            eps: float) -> bool:
    """Whether some normalized group is nearly constant: its float32 rounding, divided by
    sqrt(eps), is no longer small."""
    axes = tuple(range(x.ndim - weight.ndim, x.ndim))
    return bool((np.std(x, axis=axes) < 0.1).any())


def _huber(x: np.ndarray, y: np.ndarray, reduction: str, beta: float) -> np.ndarray:
    d = np.abs(x - y)
    return _reduce(np.where(d < beta, 0.5 * d**2 / beta, d - 0.5 * beta), reduction)


def _kl_div(x: np.ndarray, target: np.ndarray, reduction: str) -> np.ndarray:
    loss = target * (np.log(target) - x)
    return loss.sum() / x.shape[0] if reduction == "batchmean" else _reduce(loss, reduction)


def _normalize(x: np.ndarray, dim: int) -> np.ndarray:
    return x / np.maximum(np.sqrt((x**2).sum(axis=dim, keepdims=True)), 1e-12)


def _cosine(x: np.ndarray, y: np.ndarray, dim: int) -> np.ndarray:
    return (_normalize(x, dim) * _normalize(y, dim)).sum(axis=dim)


def _pad_reference(x: np.ndarray, widths: tuple[int, ...], mode: str) -> np.ndarray:
    pairs = [(0, 0)] * x.ndim
    for i in range(len(widths) // 2):
        pairs[x.ndim - 1 - i] = (widths[2 * i], widths[2 * i + 1])
    numpy_mode: Any = {"replicate": "edge", "circular": "wrap"}.get(mode, mode)
    return np.pad(x, pairs, mode=numpy_mode)


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
def _normalized_shapes(draw: Any) -> Signature:
    """x (..., *normalized) with 1 or 2 normalized axes of at least 2 elements, weight, bias."""
    normalized = draw(shapes(min_dims=1, max_dims=2, min_side=2))
    leading = draw(shapes(min_dims=0, max_dims=2))
    return ((*leading, *normalized), normalized, normalized), {"eps": 1e-5}


@st.composite
def _embedding_shapes(draw: Any) -> Signature:
    """A table (rows, dim) and int64 indices into it (repeats likely). No padding row: its
    zero gradient is by design, not the derivative (tests/test_nn_more.py checks it)."""
    rows, dim = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    index_shape = draw(shapes(min_dims=0, max_dims=2))
    indices = draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, rows - 1)))
    return ((rows, dim),), {"indices": indices}


@st.composite
def _vector_shapes(draw: Any, count: int) -> Signature:
    """``count`` equal shapes of 1 to 3 axes and one of their axes."""
    shape = draw(shapes(min_dims=1, max_dims=3))
    return (shape,) * count, {"dim": draw(st.integers(-len(shape), len(shape) - 1))}


@st.composite
def _pad_shapes(draw: Any) -> Signature:
    """A shape, PyTorch's padding of its last axes (each below its size), and a mode."""
    shape = draw(shapes(min_dims=1, max_dims=3, min_side=2))
    mode = draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
    count = draw(st.integers(1, len(shape)))
    widths: list[int] = []
    for i in range(count):
        side = st.integers(0, shape[len(shape) - 1 - i] - 1)
        widths += [draw(side), draw(side)]
    return (shape,), {"widths": tuple(widths), "mode": mode}


@st.composite
def _pair_shapes(draw: Any) -> Signature:
    shape = draw(shapes(min_dims=0, max_dims=3))
    return (shape, shape), {"reduction": draw(_REDUCTIONS)}


NN_SPECS: tuple[OpSpec, ...] = (
    OpSpec("linear", F.linear, _linear, _linear_shapes(bias=True)),
    OpSpec("linear_no_bias", F.linear, _linear, _linear_shapes(bias=False)),
    OpSpec(
        "cross_entropy",
        lambda x, targets, reduction: F.cross_entropy(x, _targets(targets, x), reduction=reduction),
        _cross_entropy, _class_shapes(spatial=False), ANY,
    ),
    OpSpec(
        "cross_entropy_spatial",
        lambda x, targets, reduction: F.cross_entropy(x, _targets(targets, x), reduction=reduction),
        _cross_entropy, _class_shapes(spatial=True), ANY,
    ),
    OpSpec(
        "nll_loss",
        lambda x, targets, reduction: F.nll_loss(x, _targets(targets, x), reduction=reduction),
        _nll_loss, _class_shapes(spatial=False), ANY,
    ),
    OpSpec(
        "mse_loss", lambda x, y, reduction: F.mse_loss(x, y, reduction=reduction), _mse_loss,
        _pair_shapes(), ANY,
    ),
    OpSpec(
        "binary_cross_entropy_with_logits",
        lambda x, y, reduction: F.binary_cross_entropy_with_logits(x, y, reduction=reduction),
        _bce_with_logits, _pair_shapes(), (ANY, PROBABILITY),
    ),
    *(OpSpec(name, fn, ACTIVATION_REFERENCES[name], S.unary(params), avoid=avoid)
      for name, fn, params, avoid in (
        ("leaky_relu", lambda x, negative_slope: F.leaky_relu(x, negative_slope),
         st.fixed_dictionaries({"negative_slope": st.floats(0.0, 0.5)}), _near(0.0)),
        ("gelu", F.gelu, None, None),
        ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), None, None),
        ("silu", F.silu, None, None),
        ("elu", lambda x, alpha: F.elu(x, alpha),
         st.fixed_dictionaries({"alpha": st.floats(0.5, 2.0)}), _near(0.0)),
        ("softplus", lambda x, beta: F.softplus(x, beta),
         st.fixed_dictionaries({"beta": st.floats(0.5, 3.0)}), None),
        ("hardtanh", F.hardtanh, None, _near(-1.0, 1.0)),
        ("relu6", F.relu6, None, _near(0.0)),
        ("logsigmoid", F.logsigmoid, None, None),
        ("mish", F.mish, None, None),
        ("softsign", F.softsign, None, _near(0.0)),
    )),
    OpSpec("layer_norm", lambda x, w, b, eps: F.layer_norm(x, w.shape, w, b, eps),
           _layer_norm, _normalized_shapes(),
           avoid=_nearly_constant_groups),
    OpSpec(
        "embedding",
        lambda w, indices: F.embedding(_targets(indices, w), w),
        lambda w, indices: w[indices], _embedding_shapes(),
    ),
    OpSpec(
        "l1_loss", lambda x, y, reduction: F.l1_loss(x, y, reduction=reduction),
        lambda x, y, reduction: _reduce(np.abs(x - y), reduction), _pair_shapes(),
        avoid=lambda x, y, reduction: bool((np.abs(x - y) < MARGIN).any()),
    ),
    OpSpec(
        "smooth_l1_loss",
        lambda x, y, reduction: F.smooth_l1_loss(x, y, reduction=reduction, beta=0.5),
        lambda x, y, reduction: _huber(x, y, reduction, 0.5), _pair_shapes(),
        avoid=lambda x, y, reduction: bool((np.abs(np.abs(x - y) - 0.5) < MARGIN).any()),
    ),
    OpSpec(
        "huber_loss",
        lambda x, y, reduction: F.huber_loss(x, y, reduction=reduction, delta=0.5),
        lambda x, y, reduction: 0.5 * _huber(x, y, reduction, 0.5), _pair_shapes(),
        avoid=lambda x, y, reduction: bool((np.abs(np.abs(x - y) - 0.5) < MARGIN).any()),
    ),
    OpSpec(
        "kl_div",
        lambda x, t, reduction: F.kl_div(x, t, reduction=reduction),
        _kl_div, st.tuples(shapes(min_dims=1, max_dims=3).map(lambda s: (s, s)),
                           st.fixed_dictionaries({"reduction": st.sampled_from(
                               ["mean", "sum", "none", "batchmean"])})),
        (ANY, POSITIVE),
    ),
    OpSpec("normalize", lambda x, dim: F.normalize(x, dim=dim), _normalize, _vector_shapes(1),
           avoid=lambda x, dim: bool((np.sqrt((x**2).sum(axis=dim)) < 0.1).any())),
    OpSpec("cosine_similarity", lambda x, y, dim: F.cosine_similarity(x, y, dim),
           _cosine, _vector_shapes(2),
           avoid=lambda x, y, dim: bool((np.sqrt(np.minimum((x**2).sum(axis=dim),
                                                            (y**2).sum(axis=dim))) < 0.1).any())),
    OpSpec("nn_pad", lambda x, widths, mode: F.pad(x, widths, mode=mode), _pad_reference,
           _pad_shapes()),
    OpSpec(
        "binary_cross_entropy",
        lambda p, y, reduction: F.binary_cross_entropy(p, y, reduction=reduction),
        _bce, _pair_shapes(), (PROBABILITY, PROBABILITY),
    ),
)
