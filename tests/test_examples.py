"""The examples run as a learner runs them: as scripts, in a fresh Python process."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run_example(name: str, backend: str = "numpy") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TINYGRAD_EDU_BACKEND=backend)
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_first_network_learns_well_above_chance() -> None:
    result = run_example("first_network.py")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    test_match = re.search(r"final test accuracy: ([\d.]+)%", out)
    train_match = re.search(r"final train accuracy: ([\d.]+)%", out)
    assert test_match and train_match, out
    test_accuracy, train_accuracy = float(test_match.group(1)), float(train_match.group(1))
    # Two balanced classes: chance is 50 %. The seeded run reaches about 87 %.
    assert test_accuracy >= 75.0, out
    assert train_accuracy >= 75.0, out
    losses = [float(x) for x in re.findall(r"loss ([\d.]+)", out)]
    assert len(losses) >= 5, out
    assert losses[-1] < 0.6 * losses[0], f"the loss barely went down: {losses}"


def test_first_network_reads_the_backend_variable() -> None:
    # A misspelt backend must stop the script with the registry's message, which proves the
    # example really takes its backend from TINYGRAD_EDU_BACKEND.
    result = run_example("first_network.py", backend="cupi")
    assert result.returncode != 0
    assert "Unknown backend 'cupi'" in result.stderr
    assert "TINYGRAD_EDU_BACKEND" in result.stderr


def test_value_neuron_prints_the_chain_rule_gradients() -> None:
    result = run_example("value_neuron.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all three agree" in result.stdout
    assert "flowchart LR" in result.stdout, "the Mermaid picture of the graph is missing"
    rows = {
        match.group(1): float(match.group(2))
        for match in re.finditer(r"^\s*(x1|x2|w1|w2|b)\s+\S+\s+(\S+)", result.stdout, re.M)
    }
    # Worked out independently: o = tanh(1.5*0.8 + (-0.5)*(-1.2) + 0.3), do/dn = 1 - o**2.
    slope = 1 - math.tanh(2.1) ** 2
    expected = {
        "x1": 0.8 * slope,
        "x2": -1.2 * slope,
        "w1": 1.5 * slope,
        "w2": -0.5 * slope,
        "b": slope,
    }
    assert rows.keys() == expected.keys(), result.stdout
    for name, value in expected.items():
        assert math.isclose(rows[name], value, abs_tol=1e-6), (name, rows[name], value)


# -- the benchmarks: tiny settings, so they cannot rot ------------------------------------------
BENCHMARKS = ROOT / "benchmarks"


def run_benchmark(name: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCHMARKS / name), *args],
        cwd=ROOT,
        env=dict(os.environ, TINYGRAD_EDU_BACKEND="numpy"),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_op_overhead_benchmark_runs_and_engines_agree() -> None:
    result = run_benchmark("op_overhead.py", "--repeats", "1", "--points", "5")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every engine agrees on the number of operations, the loss and all" in result.stdout
    assert re.search(r"^tinygrad_edu Tensor\s+\d+", result.stdout, re.M), result.stdout
    assert re.search(r"^tinygrad_edu Value\s+\d+", result.stdout, re.M), result.stdout


def test_mlp_step_benchmark_runs_and_implementations_agree() -> None:
    result = run_benchmark("mlp_step.py", "--batch-sizes", "8", "--steps", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "agree on the loss and weights after one step (checked at batch size 8)" in (
        result.stdout
    )
    assert re.search(r"^tinygrad_edu \(numpy\)\s+[\d.]+", result.stdout, re.M), result.stdout
    assert re.search(r"^hand-written NumPy\s+[\d.]+", result.stdout, re.M), result.stdout
