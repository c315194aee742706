"""Testing tools for tinygrad_edu and for anyone writing a backend plugin.

- :data:`OP_SPECS` (in :mod:`.op_specs`): one row per differentiable operation;
- :mod:`.strategies`: hypothesis strategies for values, shapes and transposed layouts;
- :func:`run_conformance` / ``python -m tinygrad_edu.testing BACKEND``: the whole table,
  forward and backward, on one backend, then the backend's hooks (:func:`run_hook_checks`);
- :func:`backends_under_test`: every installed backend as a pytest parameter, with the ones
  that cannot load here skipped and the reason shown.

Needs hypothesis and pytest, from the test extra: ``pip install "tinygrad-edu[test]"``, or in a
clone ``pip install -e ".[test]"``.

Examples:
    >>> from tinygrad_edu.testing import backend_statuses
    >>> [status.name for status in backend_statuses() if status.error is None][0]
    'numpy'
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

try:
    import hypothesis  # noqa: F401
except ImportError:  # pragma: no cover - depends on the environment
    _NEEDS_TEST_EXTRA = (
        "tinygrad_edu.testing (and python -m tinygrad_edu.testing) needs hypothesis and pytest, "
        'from the test extra: pip install "tinygrad-edu[test]" '
        '(in a clone of the repository: pip install -e ".[test]")'
    )
    # `python -m tinygrad_edu.testing` imports this package before its __main__, so __main__
    # cannot catch this; Python sets sys.argv[0] to "-m" while it looks for the module to run.
    # There the message alone is printed (status 2, as for a backend that cannot load);
    # an import from code raises ImportError ("from None": no chained traceback).
    if sys.argv[:1] == ["-m"]:
        print(_NEEDS_TEST_EXTRA, file=sys.stderr)
        raise SystemExit(2) from None
    raise ImportError(_NEEDS_TEST_EXTRA) from None

from ..backends.base import Backend
from ..backends.registry import available_backends, get_backend
from .conformance import ConformanceReport, OpResult, run_conformance
from .hooks import HookResult, run_hook_checks
from .op_spec_row import Case, OpSpec
from .op_specs import OP_SPECS, spec_named


@dataclass(frozen=True)
class BackendStatus:
    """One known backend: loaded (``backend``) or not (``error`` says why)."""

    name: str
    backend: Backend | None
    error: str | None


_failed: dict[str, str] = {}  # load errors, so a broken backend is not retried in every test


def backend_status(name: str) -> BackendStatus:
    """Try to load the backend ``name``."""
    if name in _failed:
        return BackendStatus(name, None, _failed[name])
    try:
        return BackendStatus(name, get_backend(name), None)
    except Exception as error:  # any failure to load is a reason to skip, shown as such
        _failed[name] = f"{name}: {error}"
        return BackendStatus(name, None, _failed[name])


def backend_statuses() -> list[BackendStatus]:
    """Try to load every name in :func:`~tinygrad_edu.available_backends`."""
    return [backend_status(name) for name in available_backends()]


def backends_under_test() -> list[Any]:
    """Every known backend's name as a ``pytest.param``, for ``parametrize``.

    Nothing is loaded here (collection stays fast and imports nothing heavy); call
    :func:`load_or_skip` in the test to get the backend, or skip with the load error as the
    reason, e.g. "cupy: Backend 'cupy' is installed but no CUDA GPU is usable here ...".

    Examples:
        >>> import pytest
        >>> from tinygrad_edu.testing import backends_under_test, load_or_skip
        >>> @pytest.mark.parametrize("backend_name", backends_under_test())
        ... def test_ones(backend_name):
        ...     import tinygrad_edu as tg
        ...     backend = load_or_skip(backend_name)
        ...     assert tg.ones(2, backend=backend).tolist() == [1.0, 1.0]
    """
    import pytest

    return [pytest.param(name, id=name) for name in available_backends()]


def load_or_skip(name: str) -> Backend:
    """The backend ``name``; inside a pytest test, skip it (with the reason) if it cannot load."""
    status = backend_status(name)
    if status.backend is None:
        import pytest

        pytest.skip(status.error or name)
    assert status.backend is not None
    return status.backend


__all__ = [
    "OP_SPECS", "BackendStatus", "Case", "ConformanceReport", "HookResult", "OpResult", "OpSpec",
    "backend_status", "backend_statuses", "backends_under_test", "load_or_skip",
    "run_conformance", "run_hook_checks", "spec_named",
]
