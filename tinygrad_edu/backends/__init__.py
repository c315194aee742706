"""Backends: where the arrays live and who computes on them. See :mod:`.base` for the protocol
and :mod:`.registry` for how one is chosen."""

from .base import Backend
from .numpy_backend import NumpyBackend
from .registry import (
    ENTRY_POINT_GROUP,
    ENV_VAR,
    BackendError,
    UnknownBackendError,
    available_backends,
    get_backend,
    manual_seed,
    refresh_plugins,
    register_backend,
    set_backend,
    use_backend,
)

__all__ = [
    "ENTRY_POINT_GROUP", "ENV_VAR", "Backend", "BackendError", "NumpyBackend",
    "UnknownBackendError", "available_backends", "get_backend", "manual_seed", "refresh_plugins",
    "register_backend", "set_backend", "use_backend",
]
