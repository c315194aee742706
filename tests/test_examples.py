"""The examples run as a learner runs them: as scripts, in a fresh Python process."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run_example(
    name: str, *args: str, backend: str = "numpy"
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TINYGRAD_EDU_BACKEND=backend)
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
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


def test_first_network_prints_its_51_parameters_by_name() -> None:
    result = run_example("first_network.py", "--quick")
    assert result.returncode == 0, result.stderr
    names = re.findall(r"([ab]_\d\d?\^\d) = [+-]\d+\.\d+", result.stdout)
    assert len(names) == len(set(names)) == 51, result.stdout
    assert {"a_11^1", "a_43^1", "a_34^2", "b_2^4"} <= set(names)
    assert "R^3 -> R^4 -> R^3 -> R^3 -> R^2, 51 parameters" in result.stdout


def test_first_network_reads_the_backend_variable() -> None:
    # A misspelt backend must stop the script with the registry's message, which proves the
    # example really takes its backend from TINYGRAD_EDU_BACKEND.
    result = run_example("first_network.py", "--quick", backend="cupi")
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


@pytest.mark.parametrize(("name", "at_least"), [("mnist_mlp.py", 75.0), ("mnist_cnn.py", 75.0)])
def test_mnist_examples_learn_in_their_quick_mode(name: str, at_least: float) -> None:
    result = run_example(name, "--quick")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2,000 training and 2,000 test images" in result.stdout
    assert re.search(r"^epoch 1: loss [\d.]+, test accuracy [\d.]+%", result.stdout, re.M)
    match = re.search(r"final test accuracy: ([\d.]+)%", result.stdout)
    assert match, result.stdout
    # One epoch on 2,000 digits: about 83 % (MLP) and 88 % (CNN); chance is 10 %.
    assert float(match.group(1)) >= at_least, result.stdout


def test_custom_function_passes_gradcheck_and_catches_a_wrong_backward() -> None:
    result = run_example("custom_function.py", "--quick")
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "gradcheck(softplus): True" in out
    assert "gradgradcheck(softplus): True" in out
    assert "gradcheck(wrong softplus) failed, as it should" in out
    assert "Jacobian mismatch for output 0 with respect to input 0" in out
    errors = [float(x) for x in re.findall(r"mean squared error ([\d.]+)", out)]
    assert len(errors) >= 3 and errors[-1] < 0.5 * errors[0], out


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
    assert re.search(r"^tinygrad_edu tg.jit\s+\d+", result.stdout, re.M), result.stdout


def test_mlp_step_benchmark_runs_and_implementations_agree() -> None:
    result = run_benchmark("mlp_step.py", "--batch-sizes", "8", "--steps", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "agree on the loss and weights after one step (checked at batch size 8)" in (
        result.stdout
    )
    assert re.search(r"^tinygrad_edu \(numpy\)\s+[\d.]+", result.stdout, re.M), result.stdout
    assert re.search(r"^hand-written NumPy\s+[\d.]+", result.stdout, re.M), result.stdout


SAMPLE = ROOT / "tinygrad_edu" / "data" / "mnist_sample"  # t10k files only: enough to time


def test_mlp_epoch_benchmark_runs_and_implementations_agree() -> None:
    result = run_benchmark("mlp_epoch.py", "--data-dir", str(SAMPLE), "--limit", "512",
                           "--repeats", "1", "--rounds", "1", "--turns", "2", "--turn-steps", "3",
                           "--turn-processes", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all implementations agree on the loss and weights after 3 steps" in result.stdout
    assert "the first 512 images of" in result.stdout
    for row in (r"tinygrad_edu", r"tinygrad_edu tg\.jit", r"hand-written NumPy"):
        assert re.search(rf"^{row}\s+[\d.]+\s+\d+\s+[\d.]+x\s+\d+", result.stdout, re.M), (
            result.stdout)
    assert re.search(r"^hand-written NumPy\s+[\d.]+\s+\d+\s+1\.00x", result.stdout, re.M)
    # the one-process comparison in turns: every row, NumPy's own ratio exactly 1
    turns = result.stdout.split("all in one process", 1)[1]
    for row in (r"tinygrad_edu", r"tinygrad_edu tg\.jit"):
        assert re.search(rf"^{row}\s+\d+\s+\d+\s+[\d.]+x$", turns, re.M), result.stdout
    assert re.search(r"^hand-written NumPy\s+\d+\s+\d+\s+1\.000x$", turns, re.M)


def test_cnn_epoch_benchmark_runs_and_implementations_agree() -> None:
    result = run_benchmark("cnn_epoch.py", "--data-dir", str(SAMPLE), "--limit", "256",
                           "--repeats", "1", "--rounds", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all implementations agree on the losses and weights after 3 steps" in result.stdout
    for row in (r"tinygrad_edu", r"tinygrad_edu tg\.jit"):
        assert re.search(rf"^{row}\s+[\d.]+\s+\d+\s+\S+\s+\S+\s+\d+", result.stdout, re.M), (
            result.stdout)


def test_epoch_benchmarks_say_where_the_data_should_be(tmp_path: Path) -> None:
    result = run_benchmark("mlp_epoch.py", "--data-dir", str(tmp_path))
    assert result.returncode != 0
    assert f"no IDX files in {tmp_path}" in result.stderr
    assert "apt-get install dataset-fashion-mnist" in result.stderr
    assert "Traceback" not in result.stderr
