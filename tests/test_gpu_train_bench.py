"""scripts/gpu_train_bench.py, which measures the training chapter's step-time table, runs.

It is meant for a machine with a GPU; here it runs on what there is (NumPy), tiny, to show
that it times the command's own step and writes its JSON with the machine it ran on.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "gpu_train_bench.py"
if not SCRIPT.is_file():
    pytest.skip(f"needs {SCRIPT.relative_to(ROOT)} from a clone of the repository",
                allow_module_level=True)


def test_writes_step_times_with_the_machine(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("gpu_train_bench", SCRIPT)
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    out = tmp_path / "data" / "steps.json"
    assert bench.main(["--batch-sizes", "2", "8", "--steps", "2", "--no-torch",
                       "--out", str(out)]) == 0
    saved = json.loads(out.read_text())
    assert saved["batch_sizes"] == [2, 8]
    times = saved["milliseconds"]["tinygrad_edu numpy"]
    assert len(times) == 2 and all(t > 0 for t in times)
    assert saved["machine"]["cpu"] and saved["machine"]["numpy"]
    assert not list(out.parent.glob("*.tmp")), "the JSON is written atomically"
