"""The conformance suite: run the whole op-spec table on one backend and report per operation.

For backend authors::

    python -m tinygrad_edu.testing BACKEND_NAME            # seconds on a CPU
    python -m tinygrad_edu.testing BACKEND_NAME --thorough # many more examples per operation

or from Python: ``run_conformance("numpy")``. For every row of
:data:`~tinygrad_edu.testing.op_specs.OP_SPECS` it checks:

- **forward** against the NumPy reference: in float64 with tight tolerances when the backend
  has float64, and always in float32 (the result must stay float32) with tolerances loose
  enough for float32 rounding and still far below any real mistake;
- **backward** with a random upstream gradient: against central finite differences in float64,
  or, on a float32-only backend, against the NumPy backend's analytic gradient (finite
  differences in float32 are too noisy to mean anything);
- optionally **second derivatives** with :func:`~tinygrad_edu.gradcheck.gradgradcheck`;
- then the backend's **hooks** (index bounds, scatter-add of repeats, random numbers, moves to
  NumPy), with the checks of :mod:`.hooks`.

The ``check_*`` functions are the same checks ``tests/test_op_specs.py`` runs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from hypothesis import HealthCheck, Phase, assume, given, settings

from ..autograd import grad
from ..backends.base import Backend
from ..backends.registry import get_backend
from ..dtypes import DType, float32, float64
from ..gradcheck import gradgradcheck, numerical_jacobian
from ..tensor import Tensor
from .hooks import HookResult, run_hook_checks
from .op_spec_row import Case, OpSpec
from .op_specs import OP_SPECS
from .strategies import random_cotangent, seeds, to_backend_array

# Forward tolerances (rtol, atol). float64: a few roundings of values of order one, and tight
# enough that a backend computing in float32 and returning float64 (~1e-7 off) fails. float32:
# float32 carries ~7 digits; 1e-4 leaves room for a different exp or a different summation
# order, while a wrong result is off by far more.
FORWARD_TOLERANCE = {"float64": (1e-10, 1e-12), "float32": (1e-4, 1e-5)}
# Backward against central finite differences in float64 (eps = 1e-6). For the op table's
# domains (gradients of order one, kinks avoided) the differences are accurate to about 1e-9,
# so this is 1,000 times stricter than PyTorch's gradcheck defaults (1e-3, 1e-5): a backward
# that is off by 0.1 % fails (tests/test_op_specs.py::test_a_derivative_off_by_a_tenth_of_a_
# percent_fails).
BACKWARD_FD_TOLERANCE = (1e-6, 1e-8)
# Backward in float32 against the NumPy backend's float64 analytic gradient.
BACKWARD_FLOAT32_TOLERANCE = (1e-3, 1e-4)
EXAMPLES = {"quick": 25, "thorough": 300}


def make_inputs(case: Case, backend: Backend, dtype: DType = float64,
                requires_grad: bool = False) -> list[Tensor]:
    """The case's arrays as tensors of ``backend`` (transposed layouts kept)."""
    tensors = []
    for array in case.arrays:
        t = Tensor._from_data(to_backend_array(array, backend, dtype), backend)
        tensors.append(t.requires_grad_() if requires_grad else t)
    return tensors


def _call(spec: OpSpec, case: Case, tensors: Sequence[Tensor]) -> Tensor:
    out = spec.fn(*tensors, **case.params)
    if not isinstance(out, Tensor):
        raise AssertionError(f"{spec.name} returned {type(out).__name__}, not a Tensor")
    return out


def _assert_close(what: str, actual: np.ndarray, expected: np.ndarray, rtol: float,
                  atol: float) -> None:
    if actual.shape != expected.shape:
        raise AssertionError(f"{what}: shape {actual.shape}, expected {expected.shape}")
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)


def check_forward(spec: OpSpec, case: Case, backend: Backend, dtype: DType = float64) -> None:
    """Forward result vs the NumPy reference: same shape, same dtype as the inputs, close."""
    arrays = [a.astype(dtype.name).astype(np.float64) for a in case.arrays]
    expected = np.asarray(spec.reference(*arrays, **case.params), dtype=np.float64)
    out = _call(spec, case, make_inputs(case, backend, dtype))
    if out.dtype != dtype:
        raise AssertionError(
            f"{spec.name}: {dtype.name} inputs gave a {out.dtype.name} result; the result must "
            f"stay {dtype.name}."
        )
    rtol, atol = FORWARD_TOLERANCE[dtype.name]
    actual = np.array(out.numpy(), dtype=np.float64)
    _assert_close(f"{spec.name} forward ({dtype.name}) on {backend.name}", actual, expected,
                  rtol, atol)


def _vjp(spec: OpSpec, case: Case, backend: Backend, dtype: DType,
         seed: int) -> tuple[list[Tensor], np.ndarray, list[np.ndarray]]:
    """Inputs, the random cotangent, and the gradients backward gives for them."""
    tensors = make_inputs(case, backend, dtype, requires_grad=True)
    out = _call(spec, case, tensors)
    cotangent = random_cotangent(out.shape, seed)
    grads: list[Tensor | None] = [None] * len(tensors)
    if out.requires_grad:
        v = Tensor(cotangent, dtype=dtype, backend=backend)
        grads = list(grad(out, tensors, grad_outputs=v, allow_unused=True))
        if not np.array_equal(np.array(v.numpy(), dtype=np.float64),
                              cotangent.astype(dtype.name).astype(np.float64)):
            raise AssertionError(f"{spec.name}: backward changed the gradient it was given")
    result = []
    for k, (t, g) in enumerate(zip(tensors, grads, strict=True)):
        if g is None:
            result.append(np.zeros(t.shape))
            continue
        if g.shape != t.shape or g.dtype != dtype:
            raise AssertionError(
                f"{spec.name}: the gradient of input {k} has shape {g.shape} and dtype "
                f"{g.dtype.name}, but the input has shape {t.shape} and dtype {dtype.name}"
            )
        result.append(np.array(g.numpy(), dtype=np.float64))
    return tensors, cotangent, result


def check_backward(spec: OpSpec, case: Case, backend: Backend, seed: int,
                   eps: float = 1e-6) -> None:
    """Backward with a random upstream gradient v vs central finite differences (float64):
    for each input, ``v · J`` from backward must match ``v · J`` from finite differences."""
    tensors, cotangent, grads = _vjp(spec, case, backend, float64, seed)
    for k, (t, array) in enumerate(zip(tensors, case.arrays, strict=True)):
        if not np.array_equal(np.array(t.numpy()), array):
            raise AssertionError(f"{spec.name}: forward or backward changed input {k} in place")

    def fn(*xs: Tensor) -> Tensor:
        return _call(spec, case, xs)

    jacobians = numerical_jacobian(fn, tensors, eps)[0]
    rtol, atol = BACKWARD_FD_TOLERANCE
    for k, (analytic, jacobian) in enumerate(zip(grads, jacobians, strict=True)):
        numerical = (cotangent.reshape(-1) @ jacobian).reshape(analytic.shape)
        _assert_close(f"{spec.name} backward on {backend.name}: gradient of input {k} "
                      "(actual: backward, desired: finite differences)",
                      analytic, numerical, rtol, atol)


def check_backward_against_numpy(spec: OpSpec, case: Case, backend: Backend, seed: int,
                                 dtype: DType = float32) -> None:
    """Backward in ``dtype`` on ``backend`` vs the NumPy backend's float64 gradient for the
    same (rounded) inputs: for backends without float64."""
    rounded = Case(tuple(a.astype(dtype.name).astype(np.float64) for a in case.arrays),
                   case.params)
    _, _, grads = _vjp(spec, case, backend, dtype, seed)
    _, _, expected = _vjp(spec, rounded, get_backend("numpy"), float64, seed)
    rtol, atol = BACKWARD_FLOAT32_TOLERANCE
    for k, (actual, wanted) in enumerate(zip(grads, expected, strict=True)):
        _assert_close(f"{spec.name} backward ({dtype.name}) on {backend.name}: gradient of "
                      f"input {k} (desired: the NumPy backend in float64)",
                      actual, wanted, rtol, atol)


def check_second_order(spec: OpSpec, case: Case, backend: Backend, seed: int) -> None:
    """Second derivatives (create_graph=True) with :func:`gradgradcheck` in float64."""
    tensors = make_inputs(case, backend, float64, requires_grad=True)
    gradgradcheck(lambda *xs: _call(spec, case, xs), tensors, seed=seed)


def supports_float64(backend: Backend) -> bool:
    """Whether the backend can hold and compute float64 arrays."""
    try:
        x = Tensor._from_data(backend.asarray(np.array([1.5, 2.0]), float64), backend)
        return (x * x).dtype == float64
    except Exception:  # any failure means: not usable in float64
        return False


@dataclass
class OpResult:
    """The outcome of each check for one operation: "PASS", "FAIL" or "-" (not run)."""

    name: str
    outcomes: dict[str, str] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.failures


@dataclass
class ConformanceReport:
    """What :func:`run_conformance` found. ``ok`` is True when every check passed."""

    backend: str
    float64: bool
    columns: list[str]
    results: list[OpResult]
    hooks: list[HookResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.passed for r in self.results) and all(h.passed for h in self.hooks)

    @property
    def failed(self) -> list[str]:
        """Names of the operations with at least one failed check."""
        return [r.name for r in self.results if not r.passed]

    @property
    def failed_hooks(self) -> list[str]:
        """Names of the hook checks that failed."""
        return [h.name for h in self.hooks if not h.passed]

    def table(self) -> str:
        """A per-operation PASS/FAIL table, then the first failure of each failed check."""
        names = ["operation", *(r.name for r in self.results), *(h.name for h in self.hooks)]
        width = max(len(name) for name in names) + 2
        lines = [f"{'operation':<{width}}" + "".join(f"{c:<18}" for c in self.columns)]
        for r in self.results:
            lines.append(f"{r.name:<{width}}"
                         + "".join(f"{r.outcomes.get(c, '-'):<18}" for c in self.columns))
        if self.hooks:
            lines.append(f"\n{'hook':<{width}}result")
            lines.extend(f"{h.name:<{width}}{'PASS' if h.passed else 'FAIL'}" for h in self.hooks)
        failures = sum(len(r.failures) for r in self.results) + len(self.failed_hooks)
        verdict = ("all checks passed" if self.ok
                   else f"{failures} check{'s' if failures != 1 else ''} FAILED")
        precision = "float64 and float32" if self.float64 else "float32 only"
        hooks = f" and {len(self.hooks)} hook checks" if self.hooks else ""
        lines.append(f"\nbackend {self.backend!r} ({precision}): {len(self.results)} "
                     f"operations{hooks}, {verdict}.")
        for r in self.results:
            for column, message in r.failures.items():
                lines.append(f"\n--- {r.name}: {column} FAILED ---\n{message}")
        for h in self.hooks:
            if h.failure is not None:
                lines.append(f"\n--- hook {h.name} FAILED ---\n{h.failure}")
        return "\n".join(lines)


def _describe(error: BaseException) -> str:
    notes = "\n".join(getattr(error, "__notes__", []))
    text = f"{type(error).__name__}: {error}".strip()
    return f"{text}\n{notes}" if notes else text


def _run_property(spec: OpSpec, check: Callable[[Case, int], None],
                  config: settings) -> str | None:
    """Run ``check`` on drawn cases of ``spec``; the failure description, or None."""

    def prop(case: Case, seed: int) -> None:
        assume(not spec.avoids(case))
        check(case, seed)

    # Named after the operation, so the report reads "Falsifying example: exp(case=...)".
    prop.__name__ = prop.__qualname__ = spec.name
    try:
        config(given(case=spec.cases(), seed=seeds)(prop))()
    except Exception as error:  # any error is a failed check, reported with its example
        return _describe(error)
    return None


def run_conformance(
    backend_name: str,
    thorough: bool = False,
    max_examples: int | None = None,
    ops: Sequence[str] | None = None,
    second_order: bool = False,
    shrink: bool = True,
    hooks: bool | None = None,
) -> ConformanceReport:
    """Run the op-spec table on one backend, forward and backward.

    Args:
        backend_name: a name from :func:`tinygrad_edu.available_backends`.
        thorough: many more examples per operation (slower).
        max_examples: examples per operation and check (overrides ``thorough``).
        ops: only these rows of the table (by name); all of them by default.
        second_order: also check second derivatives (float64 backends only).
        shrink: simplify a failing example before reporting it (slower on failures).
        hooks: also check the backend's hooks (:mod:`.hooks`); by default only when ``ops``
            is not given, i.e. for the whole suite.

    Returns:
        A :class:`ConformanceReport`; print ``report.table()``, test ``report.ok``.

    Examples:
        >>> report = run_conformance("numpy", max_examples=2, ops=["add", "exp"])
        >>> report.ok, report.failed
        (True, [])
    """
    backend = get_backend(backend_name)
    specs = list(OP_SPECS)
    if ops is not None:
        known = {s.name: s for s in OP_SPECS}
        unknown = [name for name in ops if name not in known]
        if unknown:
            raise KeyError(f"no op spec named {', '.join(map(repr, unknown))}; the table has: "
                           f"{', '.join(known)}")
        specs = [known[name] for name in ops]
    count = max_examples or EXAMPLES["thorough" if thorough else "quick"]
    phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if shrink else [])
    config = settings(
        max_examples=count, deadline=None, derandomize=True, database=None, phases=phases,
        print_blob=False, suppress_health_check=[HealthCheck.too_slow],
    )
    has_float64 = supports_float64(backend)
    checks: dict[str, Callable[[OpSpec, Case, int], None]] = {}
    if has_float64:
        checks["forward float64"] = lambda s, c, _: check_forward(s, c, backend, float64)
    checks["forward float32"] = lambda s, c, _: check_forward(s, c, backend, float32)
    if has_float64:
        checks["backward (FD)"] = lambda s, c, seed: check_backward(s, c, backend, seed)
        if second_order:
            checks["second order"] = lambda s, c, seed: check_second_order(s, c, backend, seed)
    else:
        checks["backward vs numpy"] = (
            lambda s, c, seed: check_backward_against_numpy(s, c, backend, seed))
    results = []
    for spec in specs:
        result = OpResult(spec.name)
        for column, check in checks.items():
            if column == "second order" and not spec.second_order:
                continue
            failure = _run_property(spec, functools.partial(check, spec), config)
            result.outcomes[column] = "PASS" if failure is None else "FAIL"
            if failure is not None:
                result.failures[column] = failure
        results.append(result)
    if hooks is None:
        hooks = ops is None
    hook_results = run_hook_checks(backend, has_float64) if hooks else []
    return ConformanceReport(backend_name, has_float64, list(checks), results, hook_results)
