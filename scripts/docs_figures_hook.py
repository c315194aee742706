"""MkDocs hook: draw the site's pictures with the library while the site is built.

The pictures (``img/*.png`` on the pages) are never committed: ``scripts/docs_figures.py`` draws
them from this library, its MNIST sample and ``docs/data/``, and this hook, named under
``hooks:`` in ``mkdocs.yml``, runs it and adds the PNGs to the build as ``img/...``. Because
they are part of the build's files, ``mkdocs build --strict`` sees the images the pages link to.

Drawing takes several seconds (it trains the small classifier once), so the PNGs are kept in
``.cache/docs-figures/<hash>/``, git-ignored, where the hash covers everything that can change
a picture: the figure script, every file of the package (code and the shipped MNIST sample),
``docs/data/``, and the versions of Python, NumPy and matplotlib. A rebuild with nothing changed
(``mkdocs serve`` after editing a page) reuses them; a change to any of those draws them again.

    mkdocs build --strict                # draws the figures the first time, then reuses them
    python scripts/docs_figures.py --out DIR    # the same pictures, by hand
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "docs_figures.py"
CACHE = ROOT / ".cache" / "docs-figures"
INPUTS = [SCRIPT, ROOT / "tinygrad_edu", ROOT / "docs" / "data"]
TARGET = "img"  # where the pictures go in the site: pages link to img/name.png
log = logging.getLogger("mkdocs.hooks.docs_figures")


def input_files() -> list[Path]:
    """Every file that can change a picture, in a fixed order."""
    files: list[Path] = []
    for path in INPUTS:
        if path.is_file():
            files.append(path)
        else:
            files.extend(
                p for p in sorted(path.rglob("*")) if p.is_file() and "__pycache__" not in p.parts
            )
    return files


def inputs_hash() -> str:
    digest = hashlib.sha256()
    versions = [sys.version]
    for name in ("numpy", "matplotlib"):
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            versions.append(f"{name} missing")
    digest.update("\n".join(versions).encode())
    for path in input_files():
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def draw(folder: Path) -> float:
    """Run the figure script into ``folder``; returns the seconds it took."""
    if importlib.util.find_spec("matplotlib") is None:
        raise PluginError(
            "docs figures: the site's pictures are drawn at build time with matplotlib, which is "
            'not installed. Install the docs extra: pip install -e ".[docs]"'
        )
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=dict(os.environ, TINYGRAD_EDU_BACKEND="numpy", MPLBACKEND="Agg"),
    )
    if result.returncode != 0:
        raise PluginError(f"docs figures: {SCRIPT.name} failed:\n{result.stderr}")
    return time.perf_counter() - started


def figures(cache: Path = CACHE) -> list[Path]:
    """The PNGs for the current inputs: from the cache, or drawn now (and cached)."""
    key = inputs_hash()
    folder = cache / key
    if not (folder / "done").is_file():
        cache.mkdir(parents=True, exist_ok=True)
        # Drawn next to the cache and renamed into place, so that a build running at the same
        # time never sees half a folder.
        with tempfile.TemporaryDirectory(dir=cache, prefix="drawing-") as scratch:
            fresh = Path(scratch) / key
            fresh.mkdir()
            seconds = draw(fresh)
            (fresh / "done").write_text(f"drawn in {seconds:.1f} s\n")
            try:
                fresh.rename(folder)
            except OSError:  # another build finished the same pictures first
                pass
        count = len(list(folder.glob("*.png")))
        log.info(f"docs figures: drew {count} pictures in {seconds:.1f} s into {folder}")
        for old in cache.iterdir():  # pictures of older inputs are not needed any more
            if old.name != key and not old.name.startswith("drawing-"):
                shutil.rmtree(old, ignore_errors=True)
    return sorted(folder.glob("*.png"))


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for png in figures():
        uri = f"{TARGET}/{png.name}"
        stale = files.get_file_from_path(uri)
        if stale is not None:  # a leftover docs/img/*.png: the drawn picture wins
            files.remove(stale)
        files.append(File.generated(config, uri, abs_src_path=str(png)))
    return files


def on_serve(server: Any, config: MkDocsConfig, builder: Any) -> Any:
    # `mkdocs serve` watches docs/ (and so docs/data/); a change to the figure script redraws too.
    server.watch(str(SCRIPT))
    return server
