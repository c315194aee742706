"""What the built distributions hold: ``python .ci/check_dists.py DIST_FOLDER``.

DIST_FOLDER has one folder per project (``core``, ``cupy``, ``template``), each with the wheel
and the sdist that ``python -m build`` made. Checked: every licence file is in each wheel and
sdist and named in the metadata; the core wheel has its typing marker and the MNIST sample; the
core sdist holds what its tests read (so they run from the unpacked sdist); the core and the
plugin have one version, and the core's GPU extras pin the plugin to it. Prints one line per
distribution; exits 1, listing every problem, if anything is wrong.
"""

from __future__ import annotations

import sys
import tarfile
import zipfile
from email.parser import HeaderParser
from pathlib import Path

CORE_LICENCES = ["LICENSE", "tinygrad_edu/data/mnist_sample/LICENSE-CC-BY-SA-3.0.txt"]
CORE_WHEEL_FILES = [
    "tinygrad_edu/py.typed",
    "tinygrad_edu/data/mnist_sample/t10k-images-idx3-ubyte.gz",
    "tinygrad_edu/data/mnist_sample/t10k-labels-idx1-ubyte.gz",
    "tinygrad_edu/data/mnist_sample/ATTRIBUTION.md",
]
# What the core's tests read, relative to the sdist's root.
CORE_SDIST_FILES = [
    "README.md", "CHANGELOG.md", "mkdocs.yml", ".ci/run", "tests/conftest.py",
    "tests/plugins/README.md", "examples", "benchmarks", "scripts/gpu_check.sh", "docs/index.md",
    "backends/cupy/pyproject.toml", "backends/cupy/LICENSE",
]
LICENCES = {"core": CORE_LICENCES, "cupy": ["LICENSE"], "template": ["LICENSE"]}


def wheel_contents(path: Path) -> tuple[list[str], dict[str, list[str]]]:
    with zipfile.ZipFile(path) as wheel:
        names = wheel.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = HeaderParser().parsestr(wheel.read(meta_name).decode())
    return names, {key: meta.get_all(key) or [] for key in set(meta.keys())}


def sdist_contents(path: Path) -> tuple[list[str], dict[str, list[str]]]:
    with tarfile.open(path) as sdist:
        names = sdist.getnames()
        root = names[0].split("/")[0]
        member = sdist.extractfile(f"{root}/PKG-INFO")
        assert member is not None
        meta = HeaderParser().parsestr(member.read().decode())
    inside = [name[len(root) + 1:] for name in names if name != root]
    return inside, {key: meta.get_all(key) or [] for key in set(meta.keys())}


def check(folder: Path) -> list[str]:
    problems: list[str] = []
    versions: dict[str, str] = {}
    core_requires: list[str] = []
    for project, licences in LICENCES.items():
        wheels = sorted((folder / project).glob("*.whl"))
        sdists = sorted((folder / project).glob("*.tar.gz"))
        if len(wheels) != 1 or len(sdists) != 1:
            problems.append(f"{project}: expected one wheel and one sdist, found "
                            f"{[p.name for p in wheels + sdists]}")
            continue
        for path, (names, meta) in ((wheels[0], wheel_contents(wheels[0])),
                                    (sdists[0], sdist_contents(sdists[0]))):
            is_wheel = path.suffix == ".whl"
            if meta.get("License-File") != licences:
                problems.append(f"{path.name}: License-File {meta.get('License-File')}, "
                                f"expected {licences}")
            for licence in licences:
                inside = [n for n in names if n.endswith(
                    f".dist-info/licenses/{licence}" if is_wheel else licence)]
                if not inside:
                    problems.append(f"{path.name}: no {licence}")
            if any("__pycache__" in n or n.endswith(".pyc") for n in names):
                problems.append(f"{path.name}: holds __pycache__ / .pyc files")
            needed: list[str] = []
            if project == "core":
                needed = CORE_WHEEL_FILES if is_wheel else CORE_SDIST_FILES
            for name in needed:
                if not any(n == name or n.startswith(name + "/") for n in names):
                    problems.append(f"{path.name}: no {name}")
            versions[path.name] = meta["Version"][0]
            if project == "core" and is_wheel:
                core_requires = meta.get("Requires-Dist", [])
                if meta.get("License-Expression") != ["MIT AND CC-BY-SA-3.0"]:
                    problems.append(f"{path.name}: License-Expression "
                                    f"{meta.get('License-Expression')}")
            print(f"{path.name}: {len(names)} files, version {meta['Version'][0]}, "
                  f"License-File {meta.get('License-File')}")
    released = {v for name, v in versions.items() if "mybackend" not in name}
    if len(released) != 1:
        problems.append(f"the core and the plugin disagree on the version: {versions}")
    else:
        (version,) = released
        for cuda in ("cuda12", "cuda13"):
            pin = f'tinygrad-edu-cupy[{cuda}]=={version}; extra == "{cuda}"'
            if pin not in core_requires:
                problems.append(f"the core wheel's {cuda} extra does not pin the plugin: "
                                f"expected {pin!r} in {core_requires}")
    return problems


if __name__ == "__main__":
    found = check(Path(sys.argv[1]))
    for problem in found:
        print(f"FAILED: {problem}", file=sys.stderr)
    sys.exit(1 if found else 0)
