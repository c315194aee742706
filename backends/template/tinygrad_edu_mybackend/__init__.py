"""The module the entry point names. Keep it light: ``available_backends()`` never imports
it, but the first use does, and a heavy import belongs inside the factory so that a missing
library gives a clear message instead of a traceback."""

from __future__ import annotations

from tinygrad_edu.backends import Backend, BackendError


def make_backend() -> Backend:
    """Called once, the first time someone selects ``mybackend``; returns a Backend."""
    try:
        import numpy  # noqa: F401  (replace with your array library)
    except ImportError as error:
        # Say what is missing and the exact command that installs it.
        raise BackendError(
            "Backend 'mybackend' needs NumPy, which is not installed: pip install numpy"
        ) from error
    from .backend import MyBackend

    return MyBackend()
