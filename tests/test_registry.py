"""The backend registry: how a backend is chosen, found and loaded, and what a user reads when
that fails. Also the ``array_api_strict`` built-in's own pieces (index rewriting, scatter-add)
and the ``python -m tinygrad_edu.backends`` table.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.backends import NumpyBackend, registry
from tinygrad_edu.backends.registry import BackendError, UnknownBackendError

ENV = registry.ENV_VAR

CUPY_INSTALL = (
    'pip install -e "backends/cupy[cuda12]" in a clone of the repository ([cuda13] for '
    'CUDA 13); once the plugin is on PyPI: pip install "tinygrad-edu[cuda12]"'
)


class FirstNumpy(NumpyBackend):
    name = "first"


class SecondNumpy(NumpyBackend):
    name = "second"


class ThirdNumpy(NumpyBackend):
    name = "third"


@pytest.fixture(autouse=True)
def clean_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts from a fresh registry state and leaves the global one untouched."""
    monkeypatch.setattr(registry, "_registered", dict(registry._registered))
    monkeypatch.setattr(registry, "_instances", dict(registry._instances))
    monkeypatch.setattr(registry, "_conflicts", dict(registry._conflicts))
    monkeypatch.setattr(registry._local, "stack", [])
    monkeypatch.setattr(registry, "_chosen", None)
    monkeypatch.setattr(registry, "_seed", registry._seed)
    monkeypatch.setattr(registry, "_plugins", registry._plugins)
    monkeypatch.setattr(registry, "_optional_found", registry._optional_found)
    monkeypatch.delenv(ENV, raising=False)
    for backend in (FirstNumpy, SecondNumpy, ThirdNumpy):
        tg.register_backend(backend.name, backend)


@pytest.fixture
def only_numpy_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a machine with no plugin and no array-api-strict installed."""
    monkeypatch.setattr(registry, "_plugins", {})
    monkeypatch.setattr(registry, "_optional_found", {})
    # none registered by hand either: this file's three, and any a doctest registered before
    registry._registered.clear()


def run_python(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    import os

    full_env = {k: v for k, v in os.environ.items() if k != ENV}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=full_env, timeout=60
    )


# -- choosing a backend: precedence --------------------------------------------------------


def test_default_is_numpy() -> None:
    assert tg.get_backend().name == "numpy"
    assert tg.Tensor([1.0]).backend.name == "numpy"


def test_env_var_is_read_at_use_not_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    assert tg.Tensor([1.0]).backend.name == "numpy"
    monkeypatch.setenv(ENV, "first")  # long after tinygrad_edu was imported
    assert tg.Tensor([1.0]).backend.name == "first"
    monkeypatch.setenv(ENV, " second ")
    assert tg.zeros(2).backend.name == "second"
    monkeypatch.setenv(ENV, "")
    assert tg.ones(2).backend.name == "numpy"


def test_precedence_argument_then_use_backend_then_set_backend_then_env(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENV, "first")
    assert tg.Tensor([1.0]).backend.name == "first"
    tg.set_backend("second")
    assert tg.Tensor([1.0]).backend.name == "second"
    with tg.use_backend("third"):
        assert tg.Tensor([1.0]).backend.name == "third"
        assert tg.rand(2).backend.name == "third"
        assert tg.Tensor([1.0], backend="numpy").backend.name == "numpy"
        assert tg.zeros(2, backend="first").backend.name == "first"
    assert tg.Tensor([1.0]).backend.name == "second"
    tg.set_backend(None)
    assert tg.Tensor([1.0]).backend.name == "first"


def test_use_backend_nests_and_unwinds_on_error() -> None:
    with pytest.raises(KeyError):
        with tg.use_backend("first"):
            with tg.use_backend("second"):
                assert tg.Tensor([1.0]).backend.name == "second"
            assert tg.Tensor([1.0]).backend.name == "first"
            raise KeyError("an error inside the block")
    assert tg.Tensor([1.0]).backend.name == "numpy"


def test_set_backend_with_a_bad_name_changes_nothing() -> None:
    tg.set_backend("first")
    with pytest.raises(UnknownBackendError):
        tg.set_backend("no-such-backend")
    assert tg.get_backend().name == "first"


def test_set_backend_keeps_a_backend_object_itself() -> None:
    # An unregistered instance: kept as the object, not looked up later by its name.
    mine = SecondNumpy()
    assert tg.set_backend(mine) is mine
    assert tg.Tensor([1.0]).backend is mine
    assert tg.get_backend() is mine
    tg.set_backend(None)
    assert tg.get_backend().name == "numpy"


def test_a_backend_is_loaded_once_and_shared() -> None:
    assert tg.get_backend("first") is tg.get_backend("first")
    assert tg.Tensor([1.0], backend="first").backend is tg.zeros(1, backend="first").backend


def test_plugin_discovery_is_cached() -> None:
    registry.refresh_plugins()
    tg.available_backends()
    first = registry._plugins
    tg.available_backends()
    tg.get_backend("numpy")
    assert registry._plugins is first


# -- errors a user reads ----------------------------------------------------------------------


def test_unknown_backend_from_env_suggests_and_lists(
    monkeypatch: pytest.MonkeyPatch, only_numpy_installed: None
) -> None:
    monkeypatch.setenv(ENV, "cupi")
    with pytest.raises(UnknownBackendError) as info:
        tg.Tensor([1.0])
    assert str(info.value) == (
        "Unknown backend 'cupi' (from TINYGRAD_EDU_BACKEND). Did you mean 'cupy'? "
        "Available: numpy, cupy; or a device: cpu (numpy), cuda (cupy)."
    )


def test_suggestions_ignore_case(
    monkeypatch: pytest.MonkeyPatch, only_numpy_installed: None
) -> None:
    monkeypatch.setenv(ENV, "CuPy")
    with pytest.raises(UnknownBackendError) as info:
        tg.Tensor([1.0])
    assert str(info.value) == (
        "Unknown backend 'CuPy' (from TINYGRAD_EDU_BACKEND). Did you mean 'cupy'? "
        "Available: numpy, cupy; or a device: cpu (numpy), cuda (cupy)."
    )
    with pytest.raises(UnknownBackendError, match=r"Did you mean 'numpy'\?"):
        tg.get_backend("NumPy")
    with pytest.raises(UnknownBackendError, match=r"Did you mean 'cupy'\?"):
        tg.get_backend("CUPI")


def test_unknown_backend_by_argument(only_numpy_installed: None) -> None:
    with pytest.raises(UnknownBackendError) as info:
        tg.zeros(1, backend="nunpy")
    assert str(info.value) == (
        "Unknown backend 'nunpy'. Did you mean 'numpy'? "
        "Available: numpy, cupy; or a device: cpu (numpy), cuda (cupy)."
    )
    with pytest.raises(ValueError, match=r"^Unknown backend 'zzz'\. Available: numpy, cupy; "
                       r"or a device: cpu \(numpy\), cuda \(cupy\)\.$"):
        tg.get_backend("zzz")


def test_unknown_backend_lists_what_is_installed() -> None:
    with pytest.raises(UnknownBackendError) as info:
        tg.get_backend("frist")
    message = str(info.value)
    assert "Did you mean 'first'?" in message
    for name in tg.available_backends():
        assert name in message


@pytest.mark.parametrize("spelling", ["cpu", "numpy", " cpu ", "cpu:0"])
def test_the_environment_variable_takes_devices_as_every_other_place_does(
    monkeypatch: pytest.MonkeyPatch, spelling: str
) -> None:
    monkeypatch.setenv(ENV, spelling)
    assert tg.Tensor([1.0]).backend.name == "numpy"
    assert tg.set_backend(spelling.strip()).name == "numpy"  # type: ignore[union-attr]
    tg.set_backend(None)
    with tg.use_backend(spelling.strip()) as backend:
        assert backend.name == "numpy" and tg.zeros(1, device=spelling.strip()).device == "cpu"


@pytest.mark.parametrize("spelling", ["cuda", "cuda:0"])
def test_cuda_without_cupy_speaks_of_what_was_typed(
    monkeypatch: pytest.MonkeyPatch, only_numpy_installed: None, spelling: str
) -> None:
    monkeypatch.setenv(ENV, spelling)
    with pytest.raises(BackendError) as info:
        tg.Tensor([1.0])
    assert str(info.value).startswith(
        f"Backend 'cupy' (asked for as '{spelling}', from TINYGRAD_EDU_BACKEND) is a plugin "
        "that is not installed. Install it with: ")
    monkeypatch.setenv(ENV, "cuda:1")
    with pytest.raises(UnknownBackendError, match=r"^device 'cuda:1': .*CUDA_VISIBLE_DEVICES"
                       r".* \(from TINYGRAD_EDU_BACKEND\)$"):
        tg.Tensor([1.0])
    for message in (str(info.value),):
        assert "use_backend()" not in message and "backend=" not in message


def test_known_plugin_not_installed_gives_the_pip_command(
    monkeypatch: pytest.MonkeyPatch, only_numpy_installed: None
) -> None:
    monkeypatch.setenv(ENV, "cupy")
    with pytest.raises(BackendError) as info:
        tg.Tensor([1.0])
    assert str(info.value) == (
        "Backend 'cupy' (from TINYGRAD_EDU_BACKEND) is a plugin that is not installed. "
        f"Install it with: {CUPY_INSTALL}"
    )


def test_factory_missing_library_names_it_and_how_to_install() -> None:
    def factory() -> NumpyBackend:
        raise ModuleNotFoundError("No module named 'fancylib'", name="fancylib")

    tg.register_backend("fancy", factory)
    with pytest.raises(BackendError) as info:
        tg.get_backend("fancy")
    assert str(info.value) == (
        "Backend 'fancy' needs fancylib, which is not installed: pip install fancylib"
    )


def test_factory_failure_is_an_error_never_a_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    def factory() -> NumpyBackend:
        raise RuntimeError("the device caught fire")

    tg.register_backend("broken", factory)
    monkeypatch.setenv(ENV, "broken")
    with pytest.raises(BackendError) as info:
        tg.Tensor([1.0])
    assert str(info.value) == (
        "Backend 'broken' (registered in this process) failed to start: "
        "RuntimeError: the device caught fire"
    )
    assert "broken" not in registry._instances  # the next use tries again
    monkeypatch.setenv(ENV, "first")
    assert tg.Tensor([1.0]).backend.name == "first"


def test_plugin_that_fails_to_load_names_its_distribution(monkeypatch: pytest.MonkeyPatch) -> None:
    # As an entry point naming a missing attribute does (installed for real in test_plugins.py):
    # not an ImportError, still a BackendError, never a raw traceback.
    def load() -> None:
        raise AttributeError("module 'halfdone' has no attribute 'make_backend'")

    broken = registry.BackendSource("halfdone", "halfdone-dist", "halfdone:make_backend", load)
    monkeypatch.setattr(registry, "_plugins", {**registry._discover_plugins(), "halfdone": broken})
    with pytest.raises(BackendError) as info:
        tg.get_backend("halfdone")
    assert str(info.value) == (
        "Backend 'halfdone' (from halfdone-dist) failed to load halfdone:make_backend: "
        "AttributeError: module 'halfdone' has no attribute 'make_backend'"
    )
    assert isinstance(info.value.__cause__, AttributeError)

    from tinygrad_edu.backends.__main__ import collect

    (row,) = collect(["halfdone"])
    assert row.status == "does not load" and row.provider == "halfdone-dist"
    assert "AttributeError: module 'halfdone'" in row.note


def test_backend_table_survives_a_device_name_that_raises() -> None:
    from tinygrad_edu.backends.__main__ import collect

    class NoName(NumpyBackend):
        name = "noname"

        def device_name(self) -> str:
            raise KeyError("name")

    tg.register_backend("noname", NoName)
    (row,) = collect(["noname"])
    assert row.status == "does not load" and row.note == "KeyError: 'name'"


def test_library_missing_in_a_factory_gives_its_pip_package() -> None:
    def factory() -> NumpyBackend:
        raise ModuleNotFoundError("No module named 'cupy'", name="cupy")

    tg.register_backend("needs-cupy", factory)
    with pytest.raises(BackendError) as info:
        tg.get_backend("needs-cupy")
    assert str(info.value) == (
        "Backend 'needs-cupy' needs cupy, which is not installed: pip install cupy-cuda12x "
        "(for CUDA 13: pip install cupy-cuda13x)"
    )


def test_check_usable_runs_at_activation() -> None:
    class NoDevice(NumpyBackend):
        name = "nodevice"

        def check_usable(self) -> None:
            raise BackendError("Backend 'nodevice' is installed but has no device here.")

    tg.register_backend("nodevice", NoDevice)
    with pytest.raises(BackendError, match=r"^Backend 'nodevice' is installed but has no"):
        tg.set_backend("nodevice")
    assert tg.get_backend().name == "numpy"


def test_factory_must_return_a_backend() -> None:
    tg.register_backend("wrong", lambda: "not a backend")
    with pytest.raises(BackendError, match=r"returned str, not a tinygrad_edu\.backends\.Backend"):
        tg.get_backend("wrong")


def test_conflicting_plugins_name_both_distributions(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two installed distributions claiming one name (installed for real in test_plugins.py);
    # here the registry's bookkeeping is filled directly.
    one = registry.BackendSource("demo", "dist-one", "one:make", lambda: NumpyBackend)
    two = registry.BackendSource("demo", "dist-two", "two:make", lambda: NumpyBackend)
    monkeypatch.setattr(registry, "_plugins", {**registry._discover_plugins(), "demo": one})
    registry._conflicts["demo"] = [one, two]
    with pytest.raises(BackendError) as info:
        tg.get_backend("demo")
    assert str(info.value) == (
        "Backend 'demo' is claimed by two installed distributions: dist-one (one:make) and "
        "dist-two (two:make). Uninstall one of them."
    )


# -- import is quiet and light --------------------------------------------------------------


def test_import_prints_nothing_and_imports_no_optional_library() -> None:
    result = run_python(
        "import sys, json, tinygrad_edu\n"
        "heavy = ['cupy', 'array_api_strict', 'tinygrad_edu_cupy', 'torch']\n"
        "print(json.dumps([m for m in heavy if m in sys.modules]))",
        env={ENV: "cupy"},  # read at first use, so a bad value must not matter at import
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert json.loads(result.stdout) == []


def test_listing_backends_imports_no_backend_library() -> None:
    result = run_python(
        "import sys, json, tinygrad_edu\n"
        "names = tinygrad_edu.available_backends()\n"
        "heavy = ['cupy', 'array_api_strict', 'tinygrad_edu_cupy']\n"
        "print(json.dumps([names, [m for m in heavy if m in sys.modules]]))"
    )
    assert result.returncode == 0, result.stderr
    names, imported = json.loads(result.stdout)
    assert names[0] == "numpy"
    assert "array_api_strict" in names  # installed here: it is in the test extra
    assert imported == []


def test_array_api_strict_offered_only_when_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real_find_spec = importlib.util.find_spec

    def find_spec(name: str, *args: object) -> object:
        return None if name == "array_api_strict" else real_find_spec(name, *args)

    monkeypatch.setattr(registry, "_optional_found", None)
    monkeypatch.setattr(registry, "_instances", {})  # an earlier test may have loaded it
    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert "array_api_strict" not in tg.available_backends()
    with pytest.raises(UnknownBackendError, match="Unknown backend 'array_api_strict'"):
        tg.get_backend("array_api_strict")


# -- the array_api_strict built-in ----------------------------------------------------------

xp = pytest.importorskip("array_api_strict", reason="array-api-strict is not installed")
from tinygrad_edu.backends.array_api_backend import standard_key  # noqa: E402


def random_key(rng: random.Random, shape: tuple[int, ...]) -> tuple:
    """A NumPy-style key: ints, slices, None, one ..., and integer arrays, in any mix."""
    key: list = []
    axes_left = len(shape)
    has_ellipsis = False
    while True:
        roll = rng.random()
        if axes_left == 0 and roll < 0.7:
            return tuple(key)
        if roll < 0.15:
            key.append(None)
            continue
        if roll < 0.22 and not has_ellipsis:
            key.append(Ellipsis)
            has_ellipsis = True
            continue
        if axes_left == 0:
            return tuple(key)
        size = shape[len(shape) - axes_left]
        kind = rng.random()
        if kind < 0.3:
            key.append(rng.randint(-size, size - 1))
        elif kind < 0.6:
            bounds = [None, rng.randint(-size, size)]
            key.append(slice(rng.choice(bounds), rng.choice(bounds), rng.choice([None, 2, -1])))
        else:
            index_shape = rng.choice([(), (3,), (2, 1), (1, 3)])
            key.append(np.asarray(np.random.default_rng(len(key)).integers(-size, size,
                                                                            index_shape)))
        axes_left -= 1


def as_strict(key: tuple) -> tuple:
    return tuple(xp.asarray(k) if isinstance(k, np.ndarray) else k for k in key)


def test_standard_key_gives_numpy_results_for_any_key() -> None:
    rng = random.Random(1234)
    checked = 0
    for _ in range(600):
        shape = tuple(rng.randint(1, 4) for _ in range(rng.randint(0, 4)))
        key = random_key(rng, shape)
        data = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
        expected = data[key]
        got = np.asarray(xp.asarray(data)[standard_key(as_strict(key), shape)])
        assert got.shape == expected.shape, key
        np.testing.assert_array_equal(got, expected)
        checked += 1
    assert checked == 600


def test_standard_key_moves_separated_arrays_to_the_front_like_numpy() -> None:
    data = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    rows = np.array([0, 1])
    for key in [
        (rows, slice(None), rows),  # separated by a slice: array axes first
        (rows, None, rows),  # separated by None: also first
        (slice(None), rows, rows),  # adjacent: they stay in place
        (rows, Ellipsis, rows),  # ... that stands for nothing still separates them
        (0, slice(None), rows),
    ]:
        got = xp.asarray(data)[standard_key(as_strict(key), data.shape)]
        np.testing.assert_array_equal(np.asarray(got), data[key])


def test_standard_key_bool_mask_and_bounds() -> None:
    data = np.arange(6.0).reshape(2, 3)
    mask = data > 2.5
    got = xp.asarray(data)[standard_key((xp.asarray(mask),), data.shape)]
    np.testing.assert_array_equal(np.asarray(got), data[mask])
    with pytest.raises(IndexError, match="index 3 is out of bounds for axis 1 with size 3"):
        standard_key((slice(None), xp.asarray([0, 3])), data.shape)
    with pytest.raises(IndexError, match="index -3 is out of bounds for axis 0 with size 2"):
        standard_key((xp.asarray([-3]),), data.shape)


def test_scatter_add_accumulates_like_numpy_add_at() -> None:
    backend = tg.get_backend("array_api_strict")
    rng = random.Random(99)
    for trial in range(300):
        shape = tuple(rng.randint(1, 4) for _ in range(rng.randint(1, 4)))
        key = random_key(rng, shape)
        picked_shape = np.zeros(shape)[key].shape
        # Values sometimes broadcast (one row for all picked rows).
        value_shape = picked_shape[1:] if trial % 3 == 0 and picked_shape else picked_shape
        values = np.random.default_rng(trial).normal(size=value_shape)
        start = np.random.default_rng(trial + 1).normal(size=shape)
        expected = start.copy()
        np.add.at(expected, key, values)
        target = xp.asarray(start)
        backend.scatter_add(target, as_strict(key), xp.asarray(values))
        np.testing.assert_allclose(np.asarray(target), expected, rtol=1e-12, atol=1e-12)


def test_scatter_add_repeated_index_float32_and_non_finite() -> None:
    backend = tg.get_backend("array_api_strict")
    target = xp.zeros((4,), dtype=xp.float32)
    positions = xp.asarray([1, 1, 1, 3, 0, 1])
    values = xp.asarray([1e8, 1.0, -1e8, 2.0, 0.5, 0.25], dtype=xp.float32)
    backend.scatter_add(target, (positions,), values)
    # Position 1 gets 1e8 + 1 - 1e8 + 0.25; in float32 plain running sums would lose the 1.25.
    np.testing.assert_array_equal(np.asarray(target), np.array([0.5, 1.25, 0.0, 2.0], np.float32))

    target = xp.zeros((3,), dtype=xp.float64)
    values = xp.asarray([np.inf, 1.0, 2.0, -np.inf, np.nan])
    backend.scatter_add(target, (xp.asarray([0, 1, 1, 2, 2]),), values)
    # One inf must not spread to the positions after it (inf - inf would be nan there).
    result = np.asarray(target)
    assert result[0] == np.inf and result[1] == 3.0 and np.isnan(result[2])


def test_array_api_backend_random_numbers_are_seeded() -> None:
    tg.manual_seed(3)
    first = tg.randn(5, backend="array_api_strict").tolist()
    tg.manual_seed(3)
    again = tg.randn(5, backend="array_api_strict").tolist()
    other = tg.randn(5, backend="array_api_strict").tolist()
    assert first == again and first != other
    uniform = tg.rand(1000, backend="array_api_strict", dtype="float64").numpy()
    assert uniform.dtype == np.float64 and 0.0 <= uniform.min() and uniform.max() < 1.0


def test_array_api_backend_end_to_end_gradient() -> None:
    data = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    grads = {}
    for name in ("numpy", "array_api_strict"):
        x = tg.Tensor(data, dtype="float64", requires_grad=True, backend=name)
        rows = tg.Tensor([1, 1, 0], backend=name)
        loss = (x[rows, 1:] * x[0, None, 1:]).softmax(-1).log().sum() + x.amax(axis=0).sum()
        loss.backward()
        grads[name] = x.grad.numpy()  # type: ignore[union-attr]
    np.testing.assert_allclose(grads["array_api_strict"], grads["numpy"], rtol=1e-12)


# -- python -m tinygrad_edu.backends ----------------------------------------------------------


def test_cli_lists_every_backend_with_a_self_test() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tinygrad_edu.backends"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    numpy_row = next(line for line in lines if line.startswith("numpy "))
    assert "loads" in numpy_row and "CPU" in numpy_row and " ok (max error" in numpy_row
    strict_row = next(line for line in lines if line.startswith("array_api_strict "))
    assert "loads" in strict_row and " ok (max error" in strict_row
    cupy_row = next(line for line in lines if line.startswith("cupy "))  # installed or known
    assert "loads" in cupy_row or "does not load" in cupy_row or "not installed" in cupy_row


def test_cli_exit_status_for_named_backends() -> None:
    ok = subprocess.run(
        [sys.executable, "-m", "tinygrad_edu.backends", "numpy"],
        capture_output=True, text=True, timeout=120,
    )
    assert ok.returncode == 0 and "ok (max error" in ok.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "tinygrad_edu.backends", "nosuchbackend"],
        capture_output=True, text=True, timeout=120,
    )
    assert bad.returncode == 1
    assert "nosuchbackend" in bad.stdout and "unknown" in bad.stdout


def test_cli_self_test_catches_a_wrong_backend() -> None:
    from tinygrad_edu.backends.__main__ import collect

    class WrongScatter(NumpyBackend):
        name = "wrong-scatter"

        def scatter_add(self, target, index, values):  # type: ignore[no-untyped-def]
            target[index] += values  # the classic bug: repeated rows are counted once

    tg.register_backend("wrong-scatter", WrongScatter)
    (row,) = collect(["wrong-scatter"])
    assert row.status == "loads"
    assert not row.ok and row.self_test.startswith("WRONG")
