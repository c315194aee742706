"""MkDocs hook: put the site's browser assets, from pinned npm packages, into the built site.

The site must work with no network (a learner on a train opens ``site/index.html`` from disk),
so MathJax, Mermaid and the search shim cannot come from a CDN. ``package.json`` pins them and
``package-lock.json`` pins their files; ``npm ci`` puts them in ``node_modules/``. This hook,
named under ``hooks:`` in ``mkdocs.yml``, adds the files the site needs to the build as
``assets/vendor/...``, each package with its licence, untouched. Nothing is committed or edited
by hand, and ``mkdocs serve`` gets the same files.

    npm ci                      # once, and whenever package-lock.json changes
    mkdocs build --strict       # this hook runs inside it

Without ``node_modules/`` the build stops and says to run ``npm ci``: a site without these files
shows raw TeX and a search box that never starts.
"""

from __future__ import annotations

import json
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "node_modules"
VENDOR = "assets/vendor"

# (npm package, a file or folder inside it, where it goes under assets/vendor/). A folder
# brings all its .js files.
ASSETS: list[tuple[str, str, str]] = [
    # tex-svg.js is the whole TeX-to-SVG pipeline with the base of the New Computer Modern font;
    # its loader fetches further components (assistive MathML, a TeX extension that a formula
    # asks for, the menu) from the same folder.
    ("mathjax", "tex-svg.js", "mathjax/tex-svg.js"),
    ("mathjax", "a11y", "mathjax/a11y"),
    ("mathjax", "input", "mathjax/input"),
    ("mathjax", "output", "mathjax/output"),
    ("mathjax", "ui", "mathjax/ui"),
    # The font's glyphs beyond the basic set (bold, blackboard, arrows, ...), loaded on demand.
    ("@mathjax/mathjax-newcm-font", "svg/dynamic", "mathjax/fonts/mathjax-newcm-font/svg/dynamic"),
    # Material for MkDocs draws ```mermaid blocks with window.mermaid, which this file defines.
    ("mermaid", "dist/mermaid.min.js", "mermaid/mermaid.min.js"),
    # Search runs in a Web Worker, which browsers refuse to start from file://; the shim runs
    # it in an iframe instead. Named in extra.polyfills, so the offline plugin adds no CDN copy.
    ("iframe-worker", "shim/index.js", "iframe-worker/shim.js"),
]
LICENCE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "license")


def package_dir(name: str) -> Path:
    folder = NODE_MODULES / name
    if not (folder / "package.json").is_file():
        raise PluginError(
            f"docs assets: node_modules/{name} is missing. Run `npm ci` in {ROOT} (it installs "
            "the versions pinned in package-lock.json), then build again."
        )
    return folder


def licence_text(name: str, folder: Path) -> str:
    """The package's licence file; for a package that ships none, the one of its family."""
    meta = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    header = f"{name} {meta['version']} - licence: {meta.get('license', 'see the package')}\n\n"
    for candidate in LICENCE_NAMES:
        if (folder / candidate).is_file():
            return header + (folder / candidate).read_text(encoding="utf-8")
    # @mathjax/mathjax-newcm-font declares Apache-2.0 in package.json but ships no licence file;
    # MathJax's own LICENSE is that licence's text.
    family = package_dir("mathjax") / "LICENSE"
    return (
        header
        + f"(text of the Apache-2.0 licence, as shipped with mathjax)\n\n{family.read_text()}"
    )


def vendored_files() -> list[tuple[Path, str]]:
    """(source file, its path in the site) for every asset, licences aside."""
    pairs: list[tuple[Path, str]] = []
    for name, part, target in ASSETS:
        source = package_dir(name) / part
        if source.is_file():
            pairs.append((source, f"{VENDOR}/{target}"))
        elif source.is_dir():
            for path in sorted(source.rglob("*.js")):
                pairs.append((path, f"{VENDOR}/{target}/{path.relative_to(source).as_posix()}"))
        else:
            raise PluginError(f"docs assets: {name} has no {part}; run `npm ci` again.")
    return pairs


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for source, uri in vendored_files():
        files.append(File.generated(config, uri, abs_src_path=str(source)))
    for name in dict.fromkeys(name for name, _, _ in ASSETS):
        uri = f"{VENDOR}/LICENSE-{name.lstrip('@').replace('/', '-')}.txt"
        files.append(File.generated(config, uri, content=licence_text(name, package_dir(name))))
    return files
