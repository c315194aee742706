"""Shared pytest setup: hypothesis profiles and the backend fixture.

Profiles (choose with the environment variable ``TINYGRAD_EDU_HYPOTHESIS_PROFILE``):

- ``ci`` (default): 20 examples per property, derandomized, so every run sees the same
  examples and a failure reproduces;
- ``thorough``: 300 random examples per property, for a deep run before a release::

      TINYGRAD_EDU_HYPOTHESIS_PROFILE=thorough python -m pytest tests/test_op_specs.py
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from tinygrad_edu.backends.base import Backend
from tinygrad_edu.testing import backends_under_test, load_or_skip

PROFILE_VAR = "TINYGRAD_EDU_HYPOTHESIS_PROFILE"

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
