"""Every chapter is a notebook that runs, top to bottom, in a fresh kernel from an empty folder.

``scripts/docs_notebooks.py`` turns each chapter page (``docs/chapter1-value.md`` and
``docs/lecture-*.md``) into a notebook and a script from the very blocks ``tests/test_docs.py``
runs; the site build adds them as ``notebooks/NAME.ipynb`` and ``.py`` (never committed). Here
each notebook is executed with nbclient in a new ipykernel whose working folder is empty, as a
learner who downloaded only the notebook and ran ``pip install tinygrad-edu`` would. The code
of these pages must therefore read nothing from a clone (``docs/data``, ``tinygrad_edu/...``).

Needs the docs extra (nbformat, nbclient, ipykernel); .ci/run fails if this file skips there.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
_MISSING = [name for name in ("docs", "scripts/docs_notebooks.py") if not (ROOT / name).exists()]
if _MISSING:
    pytest.skip(f"needs {', '.join(_MISSING)} from a clone of the repository, which the "
                f"installed package does not ship (looked in {ROOT})", allow_module_level=True)


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


notebooks = _load("docs_notebooks")
CHAPTERS = notebooks.chapters(ROOT / "docs")
_JUPYTER = [m for m in ("nbformat", "nbclient", "ipykernel") if importlib.util.find_spec(m) is None]
needs_jupyter = pytest.mark.skipif(
    bool(_JUPYTER),
    reason=f"{', '.join(_JUPYTER)} not installed (the docs extra): pip install -e \".[docs]\"",
)


def test_every_chapter_has_a_notebook() -> None:
    names = {page.name for page in CHAPTERS}
    assert "chapter1-value.md" in names
    assert {p.name for p in (ROOT / "docs").glob("lecture-*.md")} <= names
    assert len(names) >= 6, names


@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_notebook_and_script_hold_exactly_the_blocks_the_docs_tests_run(page: Path) -> None:
    run_by_tests = notebooks.runnable_blocks(page)
    assert run_by_tests, f"{page.name} has no code to run"
    book = notebooks.notebook(page)
    code = ["".join(c["source"]) for c in book["cells"] if c["cell_type"] == "code"]
    assert code == run_by_tests
    text = "".join("".join(c["source"]) for c in book["cells"] if c["cell_type"] == "markdown")
    assert "\\(" not in text and "\\[" not in text, "arithmatex delimiters left in the notebook"
    assert "<details" not in text and "<!--" not in text
    script = notebooks.script(page)
    compile(script, f"{page.stem}.py", "exec")
    position = 0
    for block in run_by_tests:  # every block, in page order
        position = script.index(block, position) + len(block)


def test_check_blocks_stay_hidden_and_are_cells() -> None:
    # A "Check your answers" block sits folded in <details> on the page; in the notebook it is
    # a code cell that runs, with its source collapsed.
    hidden = 0
    for page in CHAPTERS:
        for cell in notebooks.notebook(page)["cells"]:
            if cell["cell_type"] == "code" and cell["metadata"].get("jupyter"):
                assert cell["metadata"]["jupyter"] == {"source_hidden": True}
                hidden += 1
    checks = sum(page.read_text().count("<summary>Check your answers") for page in CHAPTERS)
    assert checks >= 6 and hidden >= checks, (checks, hidden)


def test_notebooks_carry_the_pictures_they_are_given() -> None:
    page = ROOT / "docs" / "lecture-loss.md"
    shown = re.findall(r"!\[[^\]]*\]\((img/[^)]+\.png)\)", page.read_text())
    assert shown
    fake = {target: b"\x89PNG not a real picture" for target in shown}
    book = notebooks.notebook(page, fake)
    attached = {name for c in book["cells"] for name in c.get("attachments", {})}
    assert attached == {target.rsplit("/", 1)[-1] for target in shown}
    without = json.dumps(notebooks.notebook(page))
    assert "attachment:" not in without and "](../img/" in without


def _execute(text: str, folder: Path) -> Any:
    """Run a notebook, given as the JSON text the site ships, in ``folder``."""
    import nbclient
    import nbformat

    node = nbformat.reads(text, as_version=4)
    nbformat.validate(node)
    client = nbclient.NotebookClient(
        node, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute()
    return node


@needs_jupyter
@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.stem)
def test_notebook_runs_in_a_fresh_kernel_from_an_empty_folder(page: Path, tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    started = time.perf_counter()
    executed = _execute(notebooks.notebook_json(page), folder)
    seconds = time.perf_counter() - started
    cells = [c for c in executed.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in cells), "a cell did not run"
    errors = [o for c in cells for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    printed = "".join(o.get("text", "") for c in cells for o in c.outputs)
    assert printed.strip(), "the notebook printed nothing: did its cells run?"
    print(f"{page.stem}: {len(cells)} cells in {seconds:.1f} s")


@needs_jupyter
def test_a_failing_cell_fails_the_run(tmp_path: Path) -> None:
    import nbclient.exceptions

    page = tmp_path / "broken.md"
    page.write_text("# Broken\n\n```python\nx = 1\n```\n\n```python\nassert x == 2, 'wrong'\n```\n")
    with pytest.raises(nbclient.exceptions.CellExecutionError, match="wrong"):
        _execute(notebooks.notebook_json(page), tmp_path)


def test_chapter_code_reads_nothing_from_a_clone() -> None:
    # The notebooks run far from any clone: no path into the repository may appear in code.
    clone_paths = re.compile(r"""["'](?:\.\./)*(?:docs|tinygrad_edu|scripts|examples|tests)/""")
    for page in CHAPTERS:
        for block in notebooks.runnable_blocks(page):
            assert not clone_paths.search(block), f"{page.name} reads the clone:\n{block}"


def test_the_script_runs_by_itself(tmp_path: Path) -> None:
    # One script end to end (the others run as notebooks above): plain Python, no Jupyter.
    import subprocess

    script = tmp_path / "lecture-loss.py"
    script.write_text(notebooks.script(ROOT / "docs" / "lecture-loss.md"))
    result = subprocess.run([sys.executable, script.name], cwd=tmp_path, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "0.2413" in result.stdout


def test_backends_page_quotes_the_saved_matmul_benchmark() -> None:
    # docs/backends.md's first block holds the numbers of docs/data/matmul-benchmark.json as
    # literals, so that it runs without a clone; they must be that file's, to three digits.
    import ast

    page = ROOT / "docs" / "backends.md"
    saved = json.loads((ROOT / "docs" / "data" / "matmul-benchmark.json").read_text())
    block = notebooks.runnable_blocks(page)[0]
    quoted = {
        target.id: ast.literal_eval(node.value)
        for node in ast.parse(block).body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert quoted["sizes"] == saved["sizes"]
    for key in ("cpu_seconds", "gpu_seconds"):
        assert quoted[key] == [float(f"{value:.3g}") for value in saved[key]], key
    assert "H200" in saved["gpu"] and "H200" in block


def test_training_chapter_quotes_the_saved_cpu_step_times() -> None:
    # The CPU column of "Train it on a GPU" comes from docs/data/mlp-train-step-cpu.json
    # (scripts/gpu_train_bench.py), to two significant digits.
    saved = json.loads((ROOT / "docs" / "data" / "mlp-train-step-cpu.json").read_text())
    assert saved["machine"]["cpu"] and "gpu" not in saved["machine"]
    measured = dict(zip(saved["batch_sizes"], saved["milliseconds"]["tinygrad_edu numpy"],
                        strict=True))
    text = (ROOT / "docs" / "lecture-training.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d+) \| ([\d.]+) \|", text, re.M)
    assert len(rows) >= 3, rows
    for batch, quoted in rows:
        assert float(quoted) == float(f"{measured[int(batch)]:.2g}"), (batch, quoted)
