"""Shared pytest setup: the markers, tests that need a clone, hypothesis profiles and the
backend fixture.

The markers are registered here rather than only in pyproject.toml, so that ``tests/`` copied
away from the repository and run against an installed wheel knows them too. There, a test that
needs the repository's own files (the README, ``examples/``, ``docs/``, the plugins' sources)
is skipped, naming what is missing.

Profiles (choose with the environment variable ``TINYGRAD_EDU_HYPOTHESIS_PROFILE``):

- ``ci`` (default): 20 examples per property, derandomized, so every run sees the same
  examples and a failure reproduces;
- ``thorough``: 300 random examples per property, for a deep run before a release::

      TINYGRAD_EDU_HYPOTHESIS_PROFILE=thorough python -m pytest tests/test_op_specs.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tinygrad_edu.backends.base import Backend
from tinygrad_edu.testing import backends_under_test, load_or_skip

PROFILE_VAR = "TINYGRAD_EDU_HYPOTHESIS_PROFILE"

# The root of the clone these tests sit in (when they sit in one).
ROOT = Path(__file__).resolve().parents[1]

MARKERS = [
    "gpu: needs a CUDA GPU and CuPy (skipped with the reason where there is none)",
    "slow: slower tests (still part of the default run)",
    "needs_repo(*paths): needs these files or folders of a clone of the repository (relative "
    "to its root); skipped, naming them, where they are missing (tests run against a wheel)",
]
# Whole test files that run the repository's scripts, with what they need from it.
NEEDS_REPO_FILES = {"test_examples.py": ("examples", "benchmarks")}


def pytest_configure(config: pytest.Config) -> None:
    for marker in MARKERS:
        config.addinivalue_line("markers", marker)


def missing_repo_paths(*paths: str) -> list[str]:
    """The ``paths`` (relative to the repository's root) that are not there."""
    return [path for path in paths if not (ROOT / path).exists()]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        needed = list(NEEDS_REPO_FILES.get(item.path.name, ()))
        for mark in item.iter_markers("needs_repo"):
            needed.extend(mark.args)
        missing = missing_repo_paths(*needed)
        if missing:
            item.add_marker(pytest.mark.skip(reason=(
                f"needs {', '.join(missing)} from a clone of the repository, which the "
                f"installed package does not ship (looked in {ROOT})"
            )))

settings.register_profile(
    "ci", max_examples=20, deadline=None, derandomize=True, print_blob=False,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough", max_examples=300, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)

_profile = os.environ.get(PROFILE_VAR, "ci").strip() or "ci"
if _profile not in ("ci", "thorough"):
    raise pytest.UsageError(
        f"{PROFILE_VAR}={_profile!r} is not a hypothesis profile here; use 'ci' (the default) "
        "or 'thorough'."
    )
settings.load_profile(_profile)


@pytest.fixture(params=backends_under_test())
def backend(request: pytest.FixtureRequest) -> Backend:
    """Each installed backend in turn; one that cannot load here is skipped with the reason
    (e.g. "cupy: ... no CUDA GPU ...")."""
    return load_or_skip(request.param)
