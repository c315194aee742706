"""Finding, choosing and loading backends.

Which backend a new tensor gets, strongest first:

1. an explicit ``backend=`` argument, or the innermost ``with use_backend(...)`` block;
2. :func:`set_backend`;
3. the environment variable ``TINYGRAD_EDU_BACKEND`` (read when a tensor is made, never at import);
4. ``"numpy"``.

Built in: ``numpy``, and ``array_api_strict`` wherever the array-api-strict package is
installed (it proves the ops use nothing beyond the array API standard).

Plugins are distributions that declare an entry point in the group ``tinygrad_edu.backends``.
Listing them reads package metadata only; a plugin's factory (and the heavy library behind it,
such as CuPy) is imported the first time that backend is used.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib.util
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from ..device import backend_name_of, device
from .base import Backend
from .numpy_backend import make_backend as make_numpy_backend

ENV_VAR = "TINYGRAD_EDU_BACKEND"
ENTRY_POINT_GROUP = "tinygrad_edu.backends"
DEFAULT = "numpy"
REGISTERED = "register_backend()"  # the "distribution" of a backend registered in code

# Plugins we know of, so that asking for one that is not installed says how to install it:
# the CuPy plugin is not on PyPI yet, so first the command for a clone of the repository, then
# the extra that will pin the plugin to this release once it is published.
KNOWN_PLUGINS = {
    "cupy": 'pip install -e "backends/cupy[cuda12]" in a clone of the repository ([cuda13] for '
    'CUDA 13); once the plugin is on PyPI: pip install "tinygrad-edu[cuda12]"',
}
# Libraries whose pip package is not simply their import name.
KNOWN_LIBRARIES = {
    "cupy": "pip install cupy-cuda12x (for CUDA 13: pip install cupy-cuda13x)",
}


class BackendError(RuntimeError):
    """A backend could not be found, loaded or used."""


class UnknownBackendError(BackendError, ValueError):
    """No backend of that name is built in, registered or installed."""


@dataclass(frozen=True)
class BackendSource:
    """Where a backend comes from: a factory and the distribution that provides it."""

    name: str
    distribution: str
    target: str
    load: Callable[[], Callable[[], Backend]]


_registered: dict[str, BackendSource] = {}
_plugins: dict[str, BackendSource] | None = None
_conflicts: dict[str, list[BackendSource]] = {}
_instances: dict[str, Backend] = {}
_chosen: str | Backend | None = None
_load_lock = threading.Lock()  # two threads asking for a new backend at once get one instance


class _ThreadBackends(threading.local):
    """The ``use_backend`` blocks each thread is inside, innermost last: a block in one thread
    leaves the tensors other threads make alone. (The default that ``set_backend`` and the
    environment variable choose is one for the whole process.)"""

    def __init__(self) -> None:
        self.stack: list[Backend] = []


_local = _ThreadBackends()
_seed: int | None = None


def _numpy_factory() -> Callable[[], Backend]:
    return make_numpy_backend


def _array_api_factory() -> Callable[[], Backend]:
    # Here, not at the top: that module imports array-api-strict, an optional dependency.
    from .array_api_backend import make_backend

    return make_backend


_BUILTIN = {
    "numpy": BackendSource(
        "numpy", "tinygrad-edu", "tinygrad_edu.backends.numpy_backend:make_backend", _numpy_factory
    )
}
# Built in, but offered only where its library is installed (it is in the "test" extra).
_OPTIONAL_BUILTIN = {
    "array_api_strict": BackendSource(
        "array_api_strict",
        "tinygrad-edu",
        "tinygrad_edu.backends.array_api_backend:make_backend",
        _array_api_factory,
    )
}
_optional_found: dict[str, BackendSource] | None = None


def _optional_builtins() -> dict[str, BackendSource]:
    """The optional built-ins whose library is installed: ``find_spec`` looks, without importing."""
    global _optional_found
    if _optional_found is None:
        _optional_found = {
            name: source
            for name, source in _OPTIONAL_BUILTIN.items()
            if importlib.util.find_spec(name) is not None
        }
    return _optional_found


def _discover_plugins() -> dict[str, BackendSource]:
    """Read the entry-point group once (it costs milliseconds) and cache the result."""
    global _plugins
    if _plugins is not None:
        return _plugins
    from importlib import metadata  # here, not at the top: `import tinygrad_edu` stays quick

    found: dict[str, BackendSource] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist.name if ep.dist is not None else "unknown distribution"
        source = BackendSource(ep.name, dist, ep.value, ep.load)
        previous = found.get(ep.name)
        if previous is None:
            found[ep.name] = source
        elif previous.target != source.target:
            # The same target twice is an editable-install artefact (setuptools#3649); two
            # different targets under one name are a real conflict the user must resolve.
            _conflicts.setdefault(ep.name, [previous]).append(source)
    _plugins = found
    return found


def refresh_plugins() -> None:
    """Forget the cached entry points (after installing a plugin in a running process)."""
    global _plugins, _optional_found
    _plugins = None
    _optional_found = None
    _conflicts.clear()


def _sources() -> dict[str, BackendSource]:
    return {**_discover_plugins(), **_optional_builtins(), **_BUILTIN, **_registered}


def available_backends() -> list[str]:
    """Names of every backend that is built in, registered or installed as a plugin.

    Reads package metadata only: nothing heavy is imported.

    Examples:
        >>> from tinygrad_edu import available_backends
        >>> "numpy" in available_backends()
        True
    """
    names = sorted(_sources())
    names.remove(DEFAULT)
    return [DEFAULT, *names]


def backend_sources() -> dict[str, BackendSource]:
    """Every known backend's :class:`BackendSource`, by name."""
    return dict(_sources())


def register_backend(name: str, factory: Callable[[], Backend] | Backend) -> None:
    """Make a backend available under ``name`` in this process (no packaging needed).

    Args:
        name: the name to select it by.
        factory: a zero-argument callable returning a :class:`Backend`, or a backend instance.

    Examples:
        >>> from tinygrad_edu.backends import register_backend, NumpyBackend
        >>> register_backend("my-numpy", NumpyBackend)
    """
    if isinstance(factory, Backend):
        instance = factory
        make: Callable[[], Backend] = lambda: instance
        target = repr(factory)
    else:
        make = factory
        target = getattr(factory, "__qualname__", repr(factory))
    _registered[name] = BackendSource(name, REGISTERED, target, lambda: make)
    _instances.pop(name, None)


def _closest(name: str, known: list[str]) -> str | None:
    """The known name closest to ``name``, ignoring case ("CuPy" suggests "cupy")."""
    by_lower: dict[str, str] = {}
    for candidate in known:
        by_lower.setdefault(candidate.lower(), candidate)
    close = difflib.get_close_matches(name.lower(), list(by_lower), n=1)
    return by_lower[close[0]] if close else None


def _unknown(name: str, origin: str) -> UnknownBackendError:
    close = _closest(name, sorted(set(_sources()) | set(KNOWN_PLUGINS)))
    hint = f" Did you mean {close!r}?" if close else ""
    listed = ", ".join(available_backends() + sorted(set(KNOWN_PLUGINS) - set(_sources())))
    return UnknownBackendError(
        f"Unknown backend {name!r}{_where(origin)}.{hint} Available: {listed}; or a device: "
        "cpu (numpy), cuda (cupy)."
    )


def _where(origin: str) -> str:
    """`` (from TINYGRAD_EDU_BACKEND)`` and the like; nothing for a name given directly."""
    return f" ({origin})" if origin else ""


def _provider(source: BackendSource) -> str:
    if source.distribution == REGISTERED:
        return "registered in this process"
    return f"from {source.distribution}"


def _load(name: str, origin: str) -> Backend:
    sources = _sources()  # first: reading the entry points is what finds conflicts
    if name in _conflicts and name not in _registered:
        claims = " and ".join(f"{s.distribution} ({s.target})" for s in _conflicts[name])
        raise BackendError(
            f"Backend {name!r} is claimed by two installed distributions: {claims}. "
            "Uninstall one of them."
        )
    if name not in sources:
        if name in KNOWN_PLUGINS:
            raise BackendError(
                f"Backend {name!r}{_where(origin)} is a plugin that is not installed. "
                f"Install it with: {KNOWN_PLUGINS[name]}"
            )
        raise _unknown(name, origin)
    source = sources[name]
    try:
        factory = source.load()
    except ImportError as error:
        raise BackendError(
            f"Backend {name!r} ({_provider(source)}) failed to import "
            f"{source.target}: {error}"
        ) from error
    except Exception as error:
        # A broken plugin (its entry point names a missing attribute, its module raises on
        # import) is reported with the distribution to fix or uninstall, never as a traceback.
        raise BackendError(
            f"Backend {name!r} ({_provider(source)}) failed to load {source.target}: "
            f"{type(error).__name__}: {error}"
        ) from error
    try:
        backend = factory()
        if isinstance(backend, Backend):
            backend.check_usable()
    except BackendError:
        raise
    except ImportError as error:
        missing = error.name or str(error)
        install = KNOWN_LIBRARIES.get(missing, f"pip install {missing}")
        raise BackendError(
            f"Backend {name!r} needs {missing}, which is not installed: {install}"
        ) from error
    except Exception as error:
        # Any other failure is still an error, never a quiet fall-back to another backend.
        raise BackendError(
            f"Backend {name!r} ({_provider(source)}) failed to start: "
            f"{type(error).__name__}: {error}"
        ) from error
    if not isinstance(backend, Backend):
        raise BackendError(
            f"Backend {name!r}: the factory {source.target} returned {type(backend).__name__}, "
            "not a tinygrad_edu.backends.Backend."
        )
    if _seed is not None:
        backend.seed(_seed)
    return backend


def get_backend(name: str | Backend | device | None = None) -> Backend:
    """The backend called ``name``, or the current default when ``name`` is None.

    The first call for a name loads it (importing its library) and checks it can run here; an
    explicitly requested backend that fails is an error, never a silent fall-back to the CPU.

    Examples:
        >>> from tinygrad_edu import get_backend
        >>> get_backend("numpy").name
        'numpy'
    """
    return _resolve(name, "")


def _resolve(name: str | Backend | device | None, origin: str) -> Backend:
    """get_backend's work; ``origin`` says where a name came from (empty: the caller's own
    argument), for errors that speak of what the user typed."""
    if isinstance(name, Backend):
        return name
    if name is None:
        stack = _local.stack
        if stack:
            return stack[-1]
        if isinstance(_chosen, Backend):
            return _chosen
        if _chosen is not None:
            name, origin = _chosen, "set by set_backend"
        else:
            env = os.environ.get(ENV_VAR)
            if not env:
                name, origin = DEFAULT, "the default"
            else:
                name, origin = env.strip(), f"from {ENV_VAR}"
    if not (isinstance(name, str) and name in _instances):
        typed = str(name)
        try:  # PyTorch's devices, wherever a backend is named: "cpu", "cuda", "cuda:0"
            name = str(backend_name_of(name))
        except ValueError as error:  # "cuda:1", "cpu:x": say what is wrong with the spelling
            raise UnknownBackendError(f"{error}{_where(origin)}") from None
        if name != typed:
            origin = ", ".join(filter(None, (f"asked for as {typed!r}", origin)))
    backend = _instances.get(name)
    if backend is None:
        with _load_lock:
            backend = _instances.get(name)  # another thread may have loaded it meanwhile
            if backend is None:
                backend = _instances[name] = _load(name, origin)
    return backend


def set_backend(name: str | Backend | device | None) -> Backend | None:
    """Make ``name`` the default backend for new tensors (``None`` goes back to the env var).

    Examples:
        >>> from tinygrad_edu import set_backend
        >>> set_backend("numpy").name
        'numpy'
        >>> set_backend(None)
    """
    global _chosen
    if name is None:
        _chosen = None
        return None
    backend = get_backend(name)
    # a Backend object is kept as it is; a device ("cpu", "cuda:0") as its backend's name
    _chosen = backend if isinstance(name, Backend) else str(backend_name_of(name))
    return backend


@contextlib.contextmanager
def use_backend(name: str | Backend | device) -> Iterator[Backend]:
    """Within the ``with`` block, new tensors made by this thread use this backend.

    Examples:
        >>> from tinygrad_edu import Tensor, use_backend
        >>> with use_backend("numpy"):
        ...     Tensor([1.0]).backend.name
        'numpy'
    """
    backend = _resolve(name, "")
    stack = _local.stack
    stack.append(backend)
    try:
        yield backend
    finally:
        stack.pop()


def manual_seed(seed: int) -> None:
    """Make random tensors reproducible: reseeds every backend, loaded now or later.

    Examples:
        >>> import tinygrad_edu as tg
        >>> tg.manual_seed(0); a = tg.rand(3)
        >>> tg.manual_seed(0); b = tg.rand(3)
        >>> a.tolist() == b.tolist()
        True
    """
    global _seed
    _seed = int(seed)
    for backend in _instances.values():
        backend.seed(_seed)
