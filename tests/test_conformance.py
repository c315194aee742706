"""The conformance suite: it passes on every working backend and catches broken ones."""

from __future__ import annotations

import subprocess
import sys
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.backends import NumpyBackend, registry
from tinygrad_edu.testing import (
    backends_under_test,
    load_or_skip,
    run_conformance,
    run_hook_checks,
)
from tinygrad_edu.testing.__main__ import main
from tinygrad_edu.testing.hooks import HOOK_CHECKS

EXAMPLES = 6  # per operation and check: enough to exercise every row, quick for CI


def _namespace(**replaced: Any) -> SimpleNamespace:
    """NumPy's namespace with some functions replaced (a backend with a bug in its library)."""
    names = {name: getattr(np, name) for name in dir(np) if not name.startswith("__")}
    return SimpleNamespace(**{**names, **replaced})


class WrongExpBackend(NumpyBackend):
    """A backend whose exp is off by 1 %."""

    name = "test-wrong-exp"
    xp = _namespace(exp=lambda x: np.exp(x) * 1.01)


def _in_float32(function: Any) -> Any:
    """``function`` computed in float32, the result cast back to the input's dtype."""
    return lambda x, *args, **kwargs: function(x.astype(np.float32), *args,
                                               **kwargs).astype(x.dtype)


class Float32MathBackend(NumpyBackend):
    """Claims float64 but computes exp, tanh and sqrt in float32 (~1e-7 relative error)."""

    name = "test-float32-math"
    xp = _namespace(exp=_in_float32(np.exp), tanh=_in_float32(np.tanh),
                    sqrt=_in_float32(np.sqrt))


class LossyScatterBackend(NumpyBackend):
    """A backend whose scatter_add forgets repeated indices (``target[index] += values``, the
    classic bug): every forward is right, the gradient of ``x[[0, 0]]`` is wrong."""

    name = "test-lossy-scatter"

    def scatter_add(self, target: Any, index: Any, values: Any) -> None:
        target[index] += values


class Float32OnlyBackend(NumpyBackend):
    """A backend without float64, like many GPUs' fast paths."""

    name = "test-float32-only"

    def native_dtype(self, dtype: Any) -> Any:
        if dtype is tg.float64:
            raise TypeError("this device has no float64")
        return super().native_dtype(dtype)

    def asarray(self, data: Any, dtype: Any = None) -> Any:
        if dtype is tg.float64:
            raise TypeError("this device has no float64")
        return super().asarray(data, dtype)


class Float32OnlyLossyScatterBackend(Float32OnlyBackend, LossyScatterBackend):
    name = "test-float32-lossy-scatter"


class WrappingIndexBackend(NumpyBackend):
    """Wraps out-of-range indices around, as CuPy does when the backend does not check."""

    name = "test-wrapping-index"

    def getitem(self, array: Any, index: Any) -> Any:
        return array[tuple(k % array.shape[i] if isinstance(k, np.ndarray) else k
                           for i, k in enumerate(index))]


class UnseededBackend(NumpyBackend):
    """seed() does nothing."""

    name = "test-unseeded"

    def seed(self, seed: int) -> None:
        pass


class UniformReachesOneBackend(NumpyBackend):
    """uniform() gives U[0, 1]: the largest sample is exactly 1."""

    name = "test-uniform-one"

    def uniform(self, shape: tuple[int, ...], dtype: Any) -> Any:
        values = super().uniform(shape, dtype)
        values.reshape(-1)[0] = 1.0
        return values


class Float64NormalBackend(NumpyBackend):
    """normal() ignores the dtype it is asked for."""

    name = "test-float64-normal"

    def normal(self, shape: tuple[int, ...], dtype: Any) -> Any:
        return self._rng.standard_normal(shape)


class LossyHostBackend(NumpyBackend):
    """to_numpy() sends int64 through float32, losing the low digits of large integers."""

    name = "test-lossy-host"

    def to_numpy(self, array: Any) -> Any:
        if array.dtype.kind == "i":
            return np.asarray(array).astype(np.float32).astype(array.dtype)
        return np.asarray(array)


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Register test backends by class, in a copy of the registry that is put back afterwards."""
    monkeypatch.setattr(registry, "_registered", dict(registry._registered))
    monkeypatch.setattr(registry, "_instances", dict(registry._instances))

    def register(backend_class: type[NumpyBackend]) -> str:
        tg.register_backend(backend_class.name, backend_class)
        return backend_class.name

    return register


@pytest.mark.parametrize("backend_name", backends_under_test())
def test_every_loadable_backend_conforms(backend_name: str) -> None:
    load_or_skip(backend_name)
    report = run_conformance(backend_name, max_examples=EXAMPLES)
    assert report.ok, report.table()
    assert {r.name for r in report.results} == {s.name for s in tg.testing.OP_SPECS}
    for result in report.results:
        assert set(result.outcomes.values()) == {"PASS"}
    assert [h.name for h in report.hooks] == list(HOOK_CHECKS)
    assert all(h.passed for h in report.hooks), report.table()


def test_numpy_report_has_float64_columns() -> None:
    report = run_conformance("numpy", max_examples=2, ops=["add", "softmax"])
    assert report.float64
    assert report.columns == ["forward float64", "forward float32", "backward (FD)"]
    table = report.table()
    assert "softmax" in table and "PASS" in table and "all checks passed" in table


def test_second_order_option() -> None:
    report = run_conformance("numpy", max_examples=2, ops=["tanh"], second_order=True)
    assert report.ok and report.results[0].outcomes["second order"] == "PASS"


def test_wrong_exp_is_caught(registered: Any) -> None:
    name = registered(WrongExpBackend)
    report = run_conformance(name, max_examples=EXAMPLES,
                             ops=["add", "exp", "softmax", "log_softmax"], shrink=False)
    assert not report.ok
    # softmax passes: a constant factor in exp cancels between numerator and denominator.
    assert report.failed == ["exp", "log_softmax"]
    exp = report.results[1]
    assert exp.outcomes["forward float64"] == "FAIL"
    assert "exp forward (float64) on test-wrong-exp" in exp.failures["forward float64"]
    assert "FAIL" in report.table() and "checks FAILED" in report.table()


def test_float64_computed_in_float32_is_caught(registered: Any) -> None:
    name = registered(Float32MathBackend)
    report = run_conformance(name, max_examples=EXAMPLES, ops=["add", "exp", "tanh", "sqrt"],
                             shrink=False)
    assert report.failed == ["exp", "tanh", "sqrt"]
    for result in report.results[1:]:
        assert result.outcomes["forward float64"] == "FAIL"
        assert result.outcomes["forward float32"] == "PASS"


def test_lossy_scatter_add_is_caught_by_finite_differences(registered: Any) -> None:
    name = registered(LossyScatterBackend)
    report = run_conformance(name, max_examples=EXAMPLES,
                             ops=["getitem_integer_array", "getitem_basic"], shrink=False)
    assert report.failed == ["getitem_integer_array"]
    outcomes = report.results[0].outcomes
    assert outcomes["forward float64"] == "PASS" and outcomes["backward (FD)"] == "FAIL"


def test_float32_only_backend_is_checked_against_numpy(registered: Any) -> None:
    good = run_conformance(registered(Float32OnlyBackend), max_examples=EXAMPLES,
                           ops=["mul", "log_softmax", "matmul_batched", "getitem_integer_array"])
    assert not good.float64
    assert good.columns == ["forward float32", "backward vs numpy"]
    assert good.ok, good.table()
    assert "float32 only" in good.table()

    lossy = run_conformance(registered(Float32OnlyLossyScatterBackend), max_examples=EXAMPLES,
                            ops=["getitem_integer_array"], shrink=False)
    assert lossy.results[0].outcomes == {"forward float32": "PASS", "backward vs numpy": "FAIL"}


@pytest.mark.parametrize(("backend_class", "hook", "message"), [
    (WrappingIndexBackend, "index bounds", "instead of raising IndexError"),
    (LossyScatterBackend, "scatter_add repeats", "repeated indices must accumulate"),
    (Float32OnlyLossyScatterBackend, "scatter_add repeats", "repeated indices must accumulate"),
    (UnseededBackend, "seed", "seed(1234) twice gave different uniform float32 numbers"),
    (UniformReachesOneBackend, "uniform", "U[0, 1) never reaches 1"),
    (Float64NormalBackend, "normal", "returned float64 numbers, not float32"),
    (LossyHostBackend, "to numpy", "int64 .to('numpy') gave"),
])
def test_hook_checks_catch_a_broken_hook(registered: Any, backend_class: type[NumpyBackend],
                                         hook: str, message: str) -> None:
    name = registered(backend_class)
    report = run_conformance(name, ops=[], hooks=True)
    assert report.results == [] and report.failed_hooks == [hook]
    assert not report.ok
    failure = next(h.failure for h in report.hooks if h.name == hook)
    assert failure is not None and message in failure
    assert f"--- hook {hook} FAILED ---" in report.table()


def test_hook_checks_pass_on_a_float32_only_backend(registered: Any) -> None:
    report = run_conformance(registered(Float32OnlyBackend), ops=[], hooks=True)
    assert report.ok, report.table()
    assert not report.float64 and len(report.hooks) == len(HOOK_CHECKS)


def test_hooks_are_checked_by_default_only_for_the_whole_table(registered: Any) -> None:
    assert run_conformance("numpy", max_examples=1, ops=["add"]).hooks == []
    assert [h.name for h in run_hook_checks(tg.get_backend("numpy"))] == list(HOOK_CHECKS)


def test_command_line_exit_status(registered: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["numpy", "--ops", "add", "relu", "--max-examples", "3"]) == 0
    out = capsys.readouterr().out
    assert "relu" in out and "PASS" in out
    name = registered(WrongExpBackend)
    assert main([name, "--ops", "exp", "--max-examples", "3"]) == 1
    assert "FAIL" in capsys.readouterr().out
    assert main(["no-such-backend"]) == 2
    assert "Unknown backend 'no-such-backend'" in capsys.readouterr().err
    assert main(["numpy", "--ops", "no-such-op"]) == 2
    assert "no op spec named 'no-such-op'" in capsys.readouterr().err


def test_python_dash_m_entry_point() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tinygrad_edu.testing", "numpy", "--ops", "exp",
         "--max-examples", "2"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "exp" in done.stdout and "all checks passed" in done.stdout
    assert "hook" not in done.stdout  # --ops: only those operations
