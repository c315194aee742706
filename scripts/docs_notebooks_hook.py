"""MkDocs hook: every chapter as a notebook and a script, made while the site is built.

It also copies the example scripts (``examples/*.py``) into the site, where the Examples page
links them, so that they can be downloaded from a site opened from disk.

For each chapter page (``chapter1-value.md`` and ``lecture-*.md``), ``scripts/docs_notebooks.py``
writes the very blocks ``tests/test_docs.py`` runs into ``notebooks/NAME.ipynb`` (with the page's
text and its pictures) and ``notebooks/NAME.py``, and this hook adds both to the build. The page
gets a box at its top that links them and says that its blocks run in order. Nothing is
committed: a notebook cannot drift away from its page. Named under ``hooks:`` in ``mkdocs.yml``
after the figure hook, whose pictures the notebooks carry inside them.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parents[1]
FOLDER = "notebooks"  # where they go in the site


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "docs_notebooks", ROOT / "scripts" / "docs_notebooks.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


notebooks = _load()


def _chapter_uris(config: MkDocsConfig) -> dict[str, Path]:
    docs = Path(config["docs_dir"])
    return {page.relative_to(docs).as_posix(): page for page in notebooks.chapters(docs)}


def on_files(files: Files, config: MkDocsConfig) -> Files:
    # The example scripts, downloadable from the Examples page (examples/NAME.py in the site).
    for example in sorted((ROOT / "examples").glob("*.py")):
        files.append(File.generated(config, f"examples/{example.name}",
                                    abs_src_path=str(example)))
    # The pictures the figure hook added (img/*.png), so that each notebook carries its own.
    images = {
        file.src_uri: Path(file.abs_src_path).read_bytes()
        for file in files
        if file.src_uri.startswith("img/") and file.abs_src_path
    }
    for page in _chapter_uris(config).values():
        name = notebooks.notebook_name(page)
        for uri, content in (
            (f"{FOLDER}/{name}.ipynb", notebooks.notebook_json(page, images)),
            (f"{FOLDER}/{name}.py", notebooks.script(page)),
        ):
            files.append(File.generated(config, uri, content=content))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, **kwargs: Any) -> str:
    chapter = _chapter_uris(config).get(page.file.src_uri)
    if chapter is None:
        return markdown
    name = notebooks.notebook_name(chapter)
    box = (
        '!!! tip "Run this chapter yourself"\n\n'
        # download=: a web server hands the files over as downloads rather than showing text.
        f'    [Notebook ({name}.ipynb)]({FOLDER}/{name}.ipynb){{ download="{name}.ipynb" }} ·\n'
        f'    [Python script ({name}.py)]({FOLDER}/{name}.py){{ download="{name}.py" }}\n\n'
        "    The code blocks on this page run **in order**: each one uses what the blocks before"
        " it made. The notebook holds all of them, with the text and the exercises' checks,"
        " and runs top to bottom in a fresh kernel, in an empty folder, with nothing but the"
        " package installed (`pip install tinygrad-edu`). The script is the same code alone.\n"
    )
    title, _, rest = markdown.partition("\n")
    return f"{title}\n\n{box}\n{rest}"


def on_serve(server: Any, config: MkDocsConfig, builder: Any) -> Any:
    server.watch(str(ROOT / "scripts" / "docs_notebooks.py"))
    return server
