"""The distributions are what a user installs from PyPI.

- One version, written once per distribution (``__version__`` in each package, read by
  setuptools), and the core, the CuPy plugin and the installed metadata all agree on it.
- The core's GPU extras pin the plugin to the core's own release; the plugin accepts only core
  releases of its own series.
- Each distribution carries its licence: the core's metadata names both licences (the code's
  and the shipped MNIST sample's) and both files.
- ``python -m tinygrad_edu.testing`` without hypothesis prints one line naming the test extra
  (no traceback); importing ``tinygrad_edu.testing`` raises ImportError with that message.

The metadata tests read the *installed* distribution, so they also hold for a wheel installed
on its own; the tests of the source files need a clone and skip elsewhere.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

import tinygrad_edu as tg

ROOT = Path(__file__).resolve().parents[1]
CUPY_PLUGIN = ROOT / "backends" / "cupy"
TEMPLATE = ROOT / "backends" / "template"
CORE_LICENCES = {"LICENSE", "tinygrad_edu/data/mnist_sample/LICENSE-CC-BY-SA-3.0.txt"}


def source_version(init: Path) -> str:
    """The ``__version__ = "..."`` literal of a package's __init__.py, read without importing."""
    for node in ast.parse(init.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__version__" for target in node.targets
        ):
            assert isinstance(node.value, ast.Constant), f"{init}: __version__ must be a literal"
            return str(node.value.value)
    raise AssertionError(f"{init} has no __version__")


def load_pyproject(folder: Path) -> dict:
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from 3.11")
    return tomllib.loads((folder / "pyproject.toml").read_text(encoding="utf-8"))


def core_requirements() -> list[Requirement]:
    return [Requirement(line) for line in metadata.requires("tinygrad-edu") or []]


# -- one version ------------------------------------------------------------------------------
def test_installed_metadata_has_the_package_version() -> None:
    assert metadata.version("tinygrad-edu") == tg.__version__
    Version(tg.__version__)  # a valid version (raises otherwise)


def test_gpu_extras_pin_the_plugin_to_this_release() -> None:
    # Read from the installed metadata, as pip reads it for `pip install "tinygrad-edu[cuda12]"`.
    for cuda in ("cuda12", "cuda13"):
        pins = [
            r for r in core_requirements()
            if r.name == "tinygrad-edu-cupy" and r.marker and r.marker.evaluate({"extra": cuda})
        ]
        assert len(pins) == 1, f"extra {cuda}: {pins}"
        assert pins[0].extras == {cuda}
        assert str(pins[0].specifier) == f"=={tg.__version__}"


@pytest.mark.needs_repo("pyproject.toml", "backends/cupy/pyproject.toml")
def test_each_version_is_written_once_and_all_agree() -> None:
    core_project = load_pyproject(ROOT)
    plugin_project = load_pyproject(CUPY_PLUGIN)
    for project, attr in ((core_project, "tinygrad_edu.__version__"),
                          (plugin_project, "tinygrad_edu_cupy.__version__")):
        assert "version" not in project["project"], "the version belongs in __version__ only"
        assert project["project"]["dynamic"] == ["version"]
        assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": attr}
    core = source_version(ROOT / "tinygrad_edu" / "__init__.py")
    plugin = source_version(CUPY_PLUGIN / "tinygrad_edu_cupy" / "__init__.py")
    assert core == plugin == tg.__version__, "the core and the plugin are released together"


@pytest.mark.needs_repo("backends/cupy/pyproject.toml")
def test_the_plugin_accepts_only_core_releases_of_its_series() -> None:
    dependencies = [Requirement(d) for d in load_pyproject(CUPY_PLUGIN)["project"]["dependencies"]]
    (core,) = [r for r in dependencies if r.name == "tinygrad-edu"]
    this = Version(tg.__version__)
    next_series = f"{this.major}.{this.minor + 1}.0"
    assert core.specifier.contains(tg.__version__)
    assert core.specifier.contains(f"{this.major}.{this.minor}.{this.micro + 1}")
    assert not core.specifier.contains(next_series), f"{core} must stop before {next_series}"
    assert not core.specifier.contains("0.0.1")


# -- licences -------------------------------------------------------------------------------
def test_the_core_metadata_names_both_licences_and_ships_both_files() -> None:
    meta = metadata.metadata("tinygrad-edu")
    assert meta["License-Expression"] == "MIT AND CC-BY-SA-3.0"
    assert set(meta.get_all("License-File") or []) == CORE_LICENCES
    dist = metadata.distribution("tinygrad-edu")
    shipped = {str(f) for f in dist.files or []}
    assert "tinygrad_edu/data/mnist_sample/LICENSE-CC-BY-SA-3.0.txt" in shipped
    assert "tinygrad_edu/data/mnist_sample/ATTRIBUTION.md" in shipped


@pytest.mark.needs_repo("LICENSE", "backends/cupy", "backends/template")
@pytest.mark.parametrize("folder", [CUPY_PLUGIN, TEMPLATE], ids=["cupy", "template"])
def test_plugins_carry_the_licence_and_a_readme(folder: Path) -> None:
    project = load_pyproject(folder)["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    assert (folder / "LICENSE").read_text() == (ROOT / "LICENSE").read_text()
    assert project["readme"] == "README.md" and (folder / "README.md").is_file()


@pytest.mark.needs_repo("pyproject.toml", "backends/cupy/pyproject.toml")
def test_urls_and_classifiers_for_pypi() -> None:
    for folder in (ROOT, CUPY_PLUGIN):
        project = load_pyproject(folder)["project"]
        assert {"Homepage", "Source", "Issues", "Changelog"} <= set(project["urls"])
        classifiers = project["classifiers"]
        assert any(c.startswith("Development Status ::") for c in classifiers)
        # requires-python is ">=3.10": one classifier per version .ci/run tests
        assert project["requires-python"] == ">=3.10"
        for minor in (10, 11, 12, 13):
            assert f"Programming Language :: Python :: 3.{minor}" in classifiers


# -- messages -------------------------------------------------------------------------------
NEEDS_TEST_EXTRA = 'pip install "tinygrad-edu[test]"'


def run_without_hypothesis(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run Python with a hypothesis module that fails to import, as if it were not installed."""
    (tmp_path / "hypothesis.py").write_text("raise ImportError('No module named hypothesis')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env,
                          timeout=60, cwd=tmp_path)


def test_conformance_command_without_hypothesis_prints_only_the_message(tmp_path: Path) -> None:
    result = run_without_hypothesis(tmp_path, "-m", "tinygrad_edu.testing", "numpy")
    assert result.returncode == 2, result
    assert result.stdout == ""
    # One line, naming the test extra: no traceback before it, no chained one.
    (line,) = result.stderr.strip().splitlines()
    assert NEEDS_TEST_EXTRA in line, result.stderr
    assert "Traceback" not in result.stderr


def test_importing_the_testing_package_without_hypothesis_raises_import_error(
    tmp_path: Path,
) -> None:
    # From code (not python -m), an ImportError a caller can catch, with the same message.
    code = ("try:\n    import tinygrad_edu.testing\nexcept ImportError as error:\n"
            "    print(error, error.__cause__, error.__suppress_context__, sep=' | ')\n")
    result = run_without_hypothesis(tmp_path, "-c", code)
    assert result.returncode == 0, result.stderr
    message, cause, suppressed = result.stdout.strip().split(" | ")
    assert NEEDS_TEST_EXTRA in message
    assert (cause, suppressed) == ("None", "True")  # raised "from None": no chained traceback
