"""Backends as plugins, installed for real.

The test plugins in ``tests/plugins/`` are built and installed with pip into temporary folders
(``--no-deps``; pip builds them in its usual isolated build environment, so the build tools
come from the package index, as they would for a user), and a fresh Python process with that
folder on its path must find them through the entry-point group ``tinygrad_edu.backends``:
nothing here imitates ``importlib.metadata``.

The second half tests the CuPy plugin's error paths, which need no GPU: with CuPy missing, and
with a stand-in ``cupy`` module that reports no GPU.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.backends import BackendError, registry

HERE = Path(__file__).parent
PLUGINS = HERE / "plugins"
CUPY_PLUGIN = HERE.parent / "backends" / "cupy"

NEEDS_CUPY = (
    "Backend 'cupy' needs CuPy, which is not installed: pip install cupy-cuda12x "
    "(for CUDA 13: pip install cupy-cuda13x)"
)
NO_GPU = (
    "Backend 'cupy' is installed but no CUDA GPU is usable here; use TINYGRAD_EDU_BACKEND=numpy."
)


def pip_install(source: Path, work: Path, rename: str | None = None) -> Path:
    """Build and install the plugin at ``source`` into a new folder; returns that folder.

    The source is copied first, so the build leaves nothing behind in the repository.
    ``rename`` installs it under another distribution name (same code, same entry point)."""
    copy = work / f"src-{rename or source.name}"
    shutil.copytree(source, copy)
    if rename:
        project = copy / "pyproject.toml"
        text = project.read_text()
        project.write_text(text.replace(f'name = "{source.name.replace("_", "-")}"',
                                        f'name = "{rename}"'))
    site = work / f"site-{rename or source.name}"
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
        "--disable-pip-version-check", "--target", str(site), str(copy),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        pytest.fail(f"installing the test plugin failed:\n{result.stdout}\n{result.stderr}")
    return site


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode:
        pytest.skip("pip is not available to install the test plugins")
    work = tmp_path_factory.mktemp("plugins")
    return {
        "demo": pip_install(PLUGINS / "tinygrad_edu_demo_backend", work),
        "clash": pip_install(PLUGINS / "tinygrad_edu_demo_clash", work),
        "broken": pip_install(PLUGINS / "tinygrad_edu_demo_broken", work),
        "again": pip_install(PLUGINS / "tinygrad_edu_demo_backend", work,
                             rename="tinygrad-edu-demo-backend-again"),
    }


def run_python(paths: list[Path], arguments: list[str],
               **env: str) -> subprocess.CompletedProcess:
    """Run a fresh interpreter with ``paths`` on sys.path."""
    full_env = {k: v for k, v in os.environ.items() if k != registry.ENV_VAR}
    full_env["PYTHONPATH"] = os.pathsep.join(
        [*map(str, paths), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    full_env.update(env)
    return subprocess.run(
        [sys.executable, *arguments], capture_output=True, text=True, env=full_env, timeout=120
    )


def run_with(paths: list[Path], code: str, **env: str) -> dict:
    """Run ``code`` in a fresh interpreter with ``paths`` on sys.path; it prints one JSON value."""
    result = run_python(paths, ["-c", code], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_listing_finds_the_plugin_without_importing_it(sites: dict[str, Path]) -> None:
    out = run_with([sites["demo"]], (
        "import sys, json, tinygrad_edu as tg\n"
        "names = tg.available_backends()\n"
        "print(json.dumps({'names': names, 'imported': 'tinygrad_edu_demo_backend' in sys.modules,"
        " 'source': tg.backends.registry.backend_sources()['demo'].distribution}))"
    ))
    assert "demo" in out["names"] and out["names"].count("demo") == 1
    assert out["imported"] is False
    assert out["source"] == "tinygrad-edu-demo-backend"


def test_env_var_selects_the_plugin(sites: dict[str, Path]) -> None:
    out = run_with([sites["demo"]], (
        "import sys, json, tinygrad_edu as tg\n"
        "before = 'tinygrad_edu_demo_backend.backend' in sys.modules\n"
        "x = tg.Tensor([1.0, 2.0], requires_grad=True)\n"
        "(x * x).sum().backward()\n"
        "print(json.dumps({'before': before, 'backend': x.backend.name, 'device': str(x.device),"
        " 'grad': x.grad.tolist(), 'grad_backend': x.grad.backend.name,"
        " 'random': tg.rand(2).backend.name,"
        " 'explicit': tg.zeros(1, backend='numpy').backend.name}))"
    ), TINYGRAD_EDU_BACKEND="demo")
    assert out["before"] is False  # imported at first use, not before
    assert out["backend"] == "demo" and out["device"] == "demo"
    assert out["grad"] == [2.0, 4.0] and out["grad_backend"] == "demo"
    assert out["random"] == "demo" and out["explicit"] == "numpy"


def test_two_distributions_claiming_one_name_is_an_error(sites: dict[str, Path]) -> None:
    out = run_with([sites["demo"], sites["clash"]], (
        "import json, tinygrad_edu as tg\n"
        "try:\n"  # the first thing this process does: the conflict must not depend on order
        "    tg.Tensor([1.0])\n"
        "    error = None\n"
        "except tg.BackendError as e:\n"
        "    error = str(e)\n"
        "print(json.dumps({'names': tg.available_backends(), 'error': error}))"
    ), TINYGRAD_EDU_BACKEND="demo")
    assert out["names"].count("demo") == 1
    demo = "tinygrad-edu-demo-backend (tinygrad_edu_demo_backend:make_backend)"
    clash = "tinygrad-edu-demo-clash (tinygrad_edu_demo_clash:make_backend)"
    assert out["error"] == (
        f"Backend 'demo' is claimed by two installed distributions: {demo} and {clash}. "
        "Uninstall one of them."
    )


def test_the_same_target_twice_is_not_a_conflict(sites: dict[str, Path]) -> None:
    # Two distributions pointing at the very same factory (as a stale second copy of a
    # plugin's metadata would) are one backend, not a conflict.
    out = run_with([sites["demo"], sites["again"]], (
        "import json, tinygrad_edu as tg\n"
        "print(json.dumps([tg.available_backends(), tg.Tensor([1.0]).backend.name]))"
    ), TINYGRAD_EDU_BACKEND="demo")
    names, used = out
    assert names.count("demo") == 1 and used == "demo"


def test_a_broken_entry_point_is_a_backend_error_naming_the_distribution(
    sites: dict[str, Path],
) -> None:
    # The entry point names an attribute the module lacks: loading it raises AttributeError.
    out = run_with([sites["broken"]], (
        "import json, tinygrad_edu as tg\n"
        "try:\n"
        "    tg.get_backend('broken')\n"
        "    error = None\n"
        "except tg.BackendError as e:\n"
        "    error = str(e)\n"
        "print(json.dumps({'names': tg.available_backends(), 'error': error,"
        " 'numpy': tg.Tensor([1.0]).backend.name}))"
    ))
    assert "broken" in out["names"] and out["numpy"] == "numpy"
    assert out["error"] == (
        "Backend 'broken' (from tinygrad-edu-demo-broken) failed to load "
        "tinygrad_edu_demo_broken:no_such_factory: AttributeError: module "
        "'tinygrad_edu_demo_broken' has no attribute 'no_such_factory'"
    )


def test_backend_table_shows_a_broken_plugin_instead_of_crashing(sites: dict[str, Path]) -> None:
    result = run_python([sites["broken"]], ["-m", "tinygrad_edu.backends"])
    assert result.returncode == 0, result.stderr
    row = next(line for line in result.stdout.splitlines() if line.startswith("broken "))
    assert "tinygrad-edu-demo-broken" in row and "does not load" in row
    assert "AttributeError: module 'tinygrad_edu_demo_broken' has no attribute" in result.stdout
    numpy_row = next(line for line in result.stdout.splitlines() if line.startswith("numpy "))
    assert "ok (max error" in numpy_row
    named = run_python([sites["broken"]], ["-m", "tinygrad_edu.backends", "broken"])
    assert named.returncode == 1 and "does not load" in named.stdout, named.stderr


# -- the CuPy plugin's error paths (no GPU needed) -------------------------------------------


@pytest.fixture
def cupy_plugin(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    """The tinygrad_edu_cupy package (from the source tree if it is not installed), with a
    fresh registry state and its backend module forgotten, so it re-imports ``cupy``."""
    try:
        import tinygrad_edu_cupy
    except ImportError:
        if not (CUPY_PLUGIN / "tinygrad_edu_cupy").is_dir():
            pytest.skip("needs the CuPy plugin: installed (tinygrad-edu-cupy), or its source "
                        f"backends/cupy from a clone of the repository (looked in {CUPY_PLUGIN})")
        monkeypatch.syspath_prepend(str(CUPY_PLUGIN))
        import tinygrad_edu_cupy
    monkeypatch.setattr(registry, "_instances", {})
    monkeypatch.setattr(registry._local, "stack", [])
    monkeypatch.setattr(registry, "_chosen", None)
    monkeypatch.delenv(registry.ENV_VAR, raising=False)
    # The backend module binds "cupy" when imported: a copy made under a stand-in must not
    # outlive the test (tests/test_gpu.py may need the real one afterwards).
    saved = sys.modules.pop("tinygrad_edu_cupy.backend", None)
    yield tinygrad_edu_cupy
    sys.modules.pop("tinygrad_edu_cupy.backend", None)
    if saved is not None:
        sys.modules["tinygrad_edu_cupy.backend"] = saved


def registered_cupy_plugin() -> bool:
    source = registry.backend_sources().get("cupy")
    return source is not None and source.distribution == "tinygrad-edu-cupy"


def fake_cupy(gpu: bool = True, kernel_error: Exception | None = None) -> types.ModuleType:
    """A stand-in for ``cupy`` built on NumPy, shaped like CuPy 13: it lacks the array API
    names that CuPy added later (concat, permute_dims, astype, isdtype, asarray(copy=)), and,
    like CuPy, its add.at wraps out-of-range indices around instead of raising."""
    cupy = types.ModuleType("cupy")
    for name in [
        "float32", "float64", "int64", "bool_", "zeros", "zeros_like", "ones", "ones_like",
        "full", "arange", "eye", "reshape", "transpose", "concatenate", "broadcast_to", "where",
        "exp", "log", "sqrt", "sign", "abs", "tanh", "clip", "matmul", "sum", "max", "maximum",
        "minimum", "isfinite", "isnan", "argmax", "any", "all", "nonzero", "stack", "power",
        "array",
    ]:
        setattr(cupy, name, getattr(np, name))
    cupy.ndarray = np.ndarray  # type: ignore[attr-defined]
    cupy.__version__ = "13.0.0 (a NumPy stand-in)"  # type: ignore[attr-defined]

    def asarray(a, dtype=None, order=None, *, blocking=False):  # type: ignore[no-untyped-def]
        return np.asarray(a, dtype=dtype)

    def failing_kernel(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise kernel_error  # type: ignore[misc]

    def add_at(target, index, values):  # type: ignore[no-untyped-def]
        index = index if isinstance(index, tuple) else (index,)
        wrapped = tuple(
            k % target.shape[i] if isinstance(k, np.ndarray) else k for i, k in enumerate(index)
        )
        np.add.at(target, wrapped, values)

    cupy.asarray = asarray  # type: ignore[attr-defined]
    cupy.add = types.SimpleNamespace(at=add_at)  # type: ignore[attr-defined]
    cupy.asnumpy = np.asarray  # type: ignore[attr-defined]
    if kernel_error is not None:
        cupy.arange = failing_kernel  # type: ignore[attr-defined]
    cupy.cuda = types.SimpleNamespace(  # type: ignore[attr-defined]
        is_available=lambda: gpu,
        Device=lambda: types.SimpleNamespace(id=0),
        runtime=types.SimpleNamespace(
            getDeviceProperties=lambda i: {"name": b"Stand-in GPU", "totalGlobalMem": 8 << 30}
        ),
    )
    cupy.random = types.SimpleNamespace(default_rng=np.random.default_rng)  # type: ignore
    return cupy


def test_cupy_missing_gives_the_install_command(
    cupy_plugin: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "cupy", None)  # as if CuPy were not installed
    with pytest.raises(BackendError) as info:
        cupy_plugin.make_backend()
    assert str(info.value) == NEEDS_CUPY
    if registered_cupy_plugin():  # the same through the entry point and the env var
        monkeypatch.setenv(registry.ENV_VAR, "cupy")
        with pytest.raises(BackendError) as info:
            tg.Tensor([1.0])
        assert str(info.value) == NEEDS_CUPY


def test_cupy_without_a_gpu_fails_at_activation(
    cupy_plugin: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy(gpu=False))
    with pytest.raises(BackendError) as info:
        cupy_plugin.make_backend()
    assert str(info.value) == NO_GPU
    if registered_cupy_plugin():
        with pytest.raises(BackendError) as info:
            tg.set_backend("cupy")
        assert str(info.value) == NO_GPU
        assert tg.get_backend().name == "numpy"


def test_cupy_whose_first_kernel_fails_says_no_gpu(
    cupy_plugin: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    error = RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy(kernel_error=error))
    with pytest.raises(BackendError) as info:
        cupy_plugin.make_backend()
    message = str(info.value)
    assert message.startswith(NO_GPU + " (A first test kernel failed: RuntimeError(")
    assert "no CUDA-capable device" in message


def test_cupy_backend_code_runs_on_a_numpy_stand_in(
    cupy_plugin: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not a GPU test (tests/test_gpu.py is): this runs the plugin's own code paths, the
    # compatibility names and the bounds check, on a machine without CuPy.
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy())
    # cupy.add.at is used, not cupyx.scatter_add (deprecated): importing cupyx would fail.
    monkeypatch.setitem(sys.modules, "cupyx", None)
    backend = cupy_plugin.make_backend()
    assert backend.name == "cupy"
    assert backend.device_name() == "CUDA GPU 0: Stand-in GPU (8 GiB)"
    data = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    results = {}
    for candidate in (backend, tg.get_backend("numpy")):
        x = tg.Tensor(data, dtype="float64", requires_grad=True, backend=candidate)
        rows = tg.Tensor([1, 1, 0], backend=candidate)
        joined = tg.cat([x[rows], x.T[:, :1].T], axis=0)
        loss = (joined.relu() @ x.T).sum() + x.max()
        loss.backward()
        results[candidate.name] = (loss.item(), x.grad.numpy())  # type: ignore[union-attr]
    assert results["cupy"][0] == pytest.approx(results["numpy"][0], rel=1e-12)
    np.testing.assert_allclose(results["cupy"][1], results["numpy"][1], rtol=1e-12)

    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True, backend=backend)
    with pytest.raises(IndexError, match="index 3 is out of bounds for axis 0 with size 3"):
        x[tg.Tensor([0, 3], backend=backend)]
    target = backend.xp.zeros((3,), dtype=backend.xp.float32)
    with pytest.raises(IndexError, match="index -4 is out of bounds for axis 0 with size 3"):
        backend.scatter_add(target, (np.array([-4]),), np.ones(1, np.float32))
    assert target.tolist() == [0.0, 0.0, 0.0]  # checked before anything was written


def test_cupy_backend_hooks_pass_the_conformance_checks_on_a_stand_in(
    cupy_plugin: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tinygrad_edu.testing import run_hook_checks

    monkeypatch.setitem(sys.modules, "cupy", fake_cupy())
    monkeypatch.setitem(sys.modules, "cupyx", None)
    backend = cupy_plugin.make_backend()
    failures = {r.name: r.failure for r in run_hook_checks(backend) if not r.passed}
    assert failures == {}


def test_cupy_isdtype_fallback(
    cupy_plugin: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # tensor.py calls xp.isdtype for arrays of other dtypes; CuPy 13 has no isdtype.
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy())
    backend = cupy_plugin.make_backend()
    assert tg.Tensor(np.arange(3, dtype=np.int32), backend=backend).dtype == "int64"
    assert tg.Tensor(np.ones(2, dtype=np.float16), backend=backend).dtype == "float32"
    from tinygrad_edu_cupy.backend import _isdtype

    if not hasattr(np, "isdtype"):
        pytest.skip("numpy.isdtype, the reference, is in NumPy 2 and later")
    dtypes = [np.bool_, np.int8, np.int64, np.uint8, np.float16, np.float32, np.float64,
              np.complex64]
    kinds = ["bool", "signed integer", "unsigned integer", "integral", "real floating",
             "complex floating", "numeric", ("bool", "real floating"), np.float32]
    for dtype in dtypes:
        for kind in kinds:
            expected = np.isdtype(np.dtype(dtype), kind)
            assert _isdtype(np.dtype(dtype), kind) == expected, (dtype, kind)


def test_cupy_uniform_never_returns_one(
    cupy_plugin: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CuPy can round a float32 sample up to exactly 1.0; the backend clamps it below 1.
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy())
    backend = cupy_plugin.make_backend()
    backend._rng = types.SimpleNamespace(random=lambda shape, dtype: np.ones(shape, dtype))
    for dtype, below_one in ((tg.float32, np.nextafter(np.float32(1), np.float32(0))),
                             (tg.float64, np.nextafter(1.0, 0.0))):
        values = backend.uniform((3,), dtype)
        assert backend.dtype_of(values) == dtype
        assert values.tolist() == [float(below_one)] * 3


@pytest.mark.needs_repo("scripts/gpu_check.sh", "backends/cupy")
def test_gpu_check_script_finds_the_plugin_with_nothing_installed(tmp_path: Path) -> None:
    # scripts/gpu_check.sh must not build anything: a fresh GPU machine may have a setuptools
    # too old for the plugin's pyproject, or none at all, and no network. This runs it the way
    # such a machine would: "python -S" sees no site-packages (so neither tinygrad_edu nor the
    # plugin is installed), and a copy of the checkout without the .egg-info an editable
    # install leaves behind. Only NumPy is put on the path.
    bash = shutil.which("bash")
    if bash is None or os.name == "nt":
        pytest.skip("needs bash")
    root = HERE.parent
    checkout = tmp_path / "checkout"
    ignore = shutil.ignore_patterns("*.egg-info", "__pycache__")
    shutil.copytree(root / "tinygrad_edu", checkout / "tinygrad_edu", ignore=ignore)
    shutil.copytree(CUPY_PLUGIN, checkout / "backends" / "cupy", ignore=ignore)
    (checkout / "scripts").mkdir()
    shutil.copy(root / "scripts" / "gpu_check.sh", checkout / "scripts")
    numpy_only = tmp_path / "numpy-only"
    numpy_only.mkdir()
    site = Path(np.__file__).parent.parent
    for name in ("numpy", "numpy.libs"):  # numpy.libs: the BLAS library of Linux wheels
        if (site / name).exists():
            (numpy_only / name).symlink_to(site / name)
    python = tmp_path / "python"
    python.write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n')
    python.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != registry.ENV_VAR}
    env.update(PYTHON=str(python), PYTHONPATH=str(numpy_only))
    result = subprocess.run(
        [bash, str(checkout / "scripts" / "gpu_check.sh"), "--list-only"],
        capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "found through metadata in" in result.stdout
    row = next(line for line in result.stdout.splitlines() if line.startswith("cupy "))
    assert "tinygrad-edu-cupy" in row  # found through the entry point, not just "known"
    if importlib.util.find_spec("cupy") is None:
        assert "does not load" in row and NEEDS_CUPY in result.stdout


@pytest.mark.needs_repo("pyproject.toml", "backends/cupy/pyproject.toml")
def test_cupy_plugin_metadata_is_consistent_with_the_core() -> None:
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from 3.11")

    plugin = tomllib.loads((CUPY_PLUGIN / "pyproject.toml").read_text())["project"]
    core = tomllib.loads((HERE.parent / "pyproject.toml").read_text())["project"]
    assert plugin["name"] == "tinygrad-edu-cupy"
    assert any(dep.startswith("tinygrad-edu") for dep in plugin["dependencies"])
    assert plugin["entry-points"]["tinygrad_edu.backends"] == {
        "cupy": "tinygrad_edu_cupy:make_backend"
    }
    for cuda in ("cuda12", "cuda13"):
        assert plugin["optional-dependencies"][cuda][0].startswith(f"cupy-{cuda}x")
        # pinned to the core's own release (tests/test_packaging.py checks the version)
        pinned = f"tinygrad-edu-cupy[{cuda}]=={tg.__version__}"
        assert core["optional-dependencies"][cuda] == [pinned]
