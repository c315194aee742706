"""The op-spec table, checked row by row on every backend.

Each test is generic: it takes a row of :data:`OP_SPECS` and a backend, draws calls with
hypothesis, and compares against NumPy (forward) or finite differences (backward, second
derivatives). A new operation gets all of this by adding one row to the table.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.testing import OP_SPECS, backends_under_test, load_or_skip
from tinygrad_edu.testing.conformance import (
    check_backward,
    check_forward,
    check_second_order,
    supports_float64,
)
from tinygrad_edu.testing.op_specs import Case, OpSpec
from tinygrad_edu.testing.strategies import (
    Domain,
    arrays_in,
    non_contiguous_arrays,
    random_cotangent,
    seeds,
    to_backend_array,
)

ROWS = [pytest.param(spec, id=spec.name) for spec in OP_SPECS]
SECOND_ORDER_ROWS = [pytest.param(spec, id=spec.name) for spec in OP_SPECS if spec.second_order]
BACKENDS = backends_under_test()


def _float64_backend(name: str) -> tg.Backend:
    backend = load_or_skip(name)
    if not supports_float64(backend):
        pytest.skip(f"{name}: no float64, so no finite differences (the conformance suite "
                    "compares its gradients with the NumPy backend instead)")
    return backend


def _draw_case(data: st.DataObject, spec: OpSpec) -> Case:
    case = data.draw(spec.cases(), label="case")
    assume(not spec.avoids(case))
    return case


@pytest.mark.parametrize("backend_name", BACKENDS)
@pytest.mark.parametrize("spec", ROWS)
@given(data=st.data())
def test_forward_matches_numpy(spec: OpSpec, backend_name: str, data: st.DataObject) -> None:
    """float64 against NumPy with tight tolerances; float32 inputs give a float32 result."""
    backend = load_or_skip(backend_name)
    case = _draw_case(data, spec)
    if supports_float64(backend):
        check_forward(spec, case, backend, tg.float64)
    check_forward(spec, case, backend, tg.float32)


@pytest.mark.parametrize("backend_name", BACKENDS)
@pytest.mark.parametrize("spec", ROWS)
@given(data=st.data(), seed=seeds)
def test_backward_matches_finite_differences(
    spec: OpSpec, backend_name: str, data: st.DataObject, seed: int
) -> None:
    """v · J from backward, for a random cotangent v, against central differences (float64)."""
    backend = _float64_backend(backend_name)
    check_backward(spec, _draw_case(data, spec), backend, seed)


def _second_order_settings() -> settings:
    # Each example checks a whole Jacobian of the gradient: fewer examples keep it quick.
    current = settings()
    return settings(current, max_examples=max(5, current.max_examples // 4))


@pytest.mark.parametrize("backend_name", BACKENDS)
@pytest.mark.parametrize("spec", SECOND_ORDER_ROWS)
@_second_order_settings()
@given(data=st.data(), seed=seeds)
def test_second_derivatives(
    spec: OpSpec, backend_name: str, data: st.DataObject, seed: int
) -> None:
    """gradgradcheck: the gradient itself differentiated (create_graph=True)."""
    backend = _float64_backend(backend_name)
    check_second_order(spec, _draw_case(data, spec), backend, seed)


def test_every_op_has_a_row() -> None:
    """The table covers the operations the design promises (a missing row is a missing test)."""
    names = {spec.name for spec in OP_SPECS}
    required = {
        "add", "sub", "mul", "div", "neg", "pow", "pow_scalar_exponent", "exp", "log", "sqrt",
        "abs", "relu", "sigmoid", "tanh", "maximum", "minimum", "clip", "where", "sum", "mean",
        "max", "min", "var", "logsumexp", "softmax", "log_softmax", "matmul", "matmul_batched",
        "reshape", "transpose", "permute", "T", "expand", "broadcast_to", "squeeze",
        "unsqueeze", "flatten", "getitem_basic", "getitem_boolean_mask",
        "getitem_integer_array", "concatenate", "stack", "pad", "rsub", "rtruediv", "rpow",
    }
    assert required <= names, f"rows missing: {sorted(required - names)}"
    assert len(names) == len(OP_SPECS), "two rows share a name"
    assert all(spec.second_order for spec in OP_SPECS)


def test_checks_can_fail() -> None:
    """The generic checks reject a wrong forward and a wrong backward (no vacuous checks)."""
    numpy = tg.get_backend("numpy")
    exp = next(s for s in OP_SPECS if s.name == "exp")
    case = Case((np.array([[0.3, -1.2], [0.7, 1.9]]).T,), {})
    wrong_forward = OpSpec("exp", lambda x: x.exp() * 1.001, np.exp, exp.signatures)
    with pytest.raises(AssertionError, match="forward"):
        check_forward(wrong_forward, case, numpy, tg.float64)

    class SloppyExp(tg.Function):
        @staticmethod
        def forward(ctx, x):
            out = ctx.xp.exp(x)
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, grad):
            (out,) = ctx.saved_tensors
            return out  # forgot to multiply by grad: right only for a cotangent of ones

    sloppy = OpSpec("exp", SloppyExp.apply, np.exp, exp.signatures)
    check_forward(sloppy, case, numpy, tg.float64)
    with pytest.raises(AssertionError, match="backward"):
        check_backward(sloppy, case, numpy, seed=0)


def _off_by(fn_name: str, factor: float) -> type[tg.Function]:
    """A Function whose forward is right and whose backward is ``factor`` times the true one."""
    op = {"tanh": tg.ops.Tanh, "exp": tg.ops.Exp, "sigmoid": tg.ops.Sigmoid}[fn_name]

    class OffBy(tg.Function):
        forward = op.forward

        @staticmethod
        def backward(ctx, grad):
            return op.backward(ctx, grad) * factor

    return OffBy


@pytest.mark.parametrize("name", ["tanh", "exp", "sigmoid"])
def test_a_derivative_off_by_a_tenth_of_a_percent_fails(name: str) -> None:
    """The finite-difference check is strict enough to catch a backward wrong by 0.1 %, on every
    case the table draws for the op (and lets the true backward through on the same cases)."""
    numpy = tg.get_backend("numpy")
    spec = next(s for s in OP_SPECS if s.name == name)
    wrong = OpSpec(name, _off_by(name, 1.001).apply, spec.reference, spec.signatures)
    right = OpSpec(name, _off_by(name, 1.0).apply, spec.reference, spec.signatures)
    rng = np.random.default_rng(0)
    for shape in [(3,), (2, 3), ()]:
        case = Case((rng.uniform(-2.0, 2.0, shape),), {})
        check_backward(right, case, numpy, seed=1)
        with pytest.raises(AssertionError, match="backward"):
            check_backward(wrong, case, numpy, seed=1)


@settings(max_examples=10)
@given(array=non_contiguous_arrays((2, 3, 4), Domain(-1.0, 1.0)))
def test_non_contiguous_layouts_reach_the_backend(array: np.ndarray) -> None:
    """Transposed views stay transposed views on the backend (ops must not assume C order)."""
    numpy = tg.get_backend("numpy")
    data = to_backend_array(array, numpy)
    np.testing.assert_array_equal(data, array)
    assert data.flags.c_contiguous == array.flags.c_contiguous
    assert (array >= -1.0).all() and (array <= 1.0).all()


def test_strategies_draw_transposed_layouts() -> None:
    layouts = set()

    @settings(max_examples=30, derandomize=True)
    @given(array=arrays_in((2, 3), Domain(0.5, 3.0)))
    def collect(array: np.ndarray) -> None:
        layouts.add(array.flags.c_contiguous)

    collect()
    assert layouts == {True, False}


def test_random_cotangent_has_no_zeros_and_no_pattern() -> None:
    v = random_cotangent((4, 5), seed=3)
    assert (np.abs(v) >= 0.5).all() and (np.abs(v) <= 1.5).all()
    assert (v > 0).any() and (v < 0).any() and len(np.unique(v)) == v.size
    np.testing.assert_array_equal(v, random_cotangent((4, 5), seed=3))
