"""The code blocks of the docs pages, and each chapter as a notebook and a plain Python script.

One extraction of code blocks serves two readers: ``tests/test_docs.py`` runs a page's blocks
(``runnable_blocks``), and this module writes the very same blocks, in the same order, into a
Jupyter notebook and a script per chapter (``docs/chapter1-value.md`` and ``docs/lecture-*.md``).
Nothing generated is committed: ``scripts/docs_notebooks_hook.py`` makes them while the site is
built (``notebooks/NAME.ipynb`` and ``notebooks/NAME.py`` in the site) and links them at the
top of each chapter, and ``tests/test_notebooks.py`` runs every notebook in a fresh kernel from
an empty folder.

    python scripts/docs_notebooks.py --out DIR    # DIR/NAME.ipynb and DIR/NAME.py, by hand

The notebook keeps the page's text (markdown cells, formulas as ``$...$``) between the code
cells; a "Check your answers" block becomes a code cell whose source starts hidden, as it is
folded away on the page. The script holds only the code, each block under a ``# %%`` line (the
cell marker of VS Code, Spyder and jupytext), so it also opens as a notebook in those editors.
Needs only the standard library (the notebook is written as nbformat 4 JSON).
"""

from __future__ import annotations

import argparse
import base64
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

# A fenced block, with the HTML comment (if any) on the line just before it.
FENCE = re.compile(
    r"(?:<!--\s*(?P<marker>[\w-]+):\s*(?P<note>.*?)\s*-->\n)?```(?P<lang>[\w-]*)\n"
    r"(?P<body>.*?)\n```",
    re.S,
)
# Blocks shown but not run: ``<!-- not-run: why -->`` and ``<!-- excerpt: PATH -->``.
NOT_RUN = ("not-run", "excerpt")


def blocks(page: Path) -> list[re.Match[str]]:
    """Every fenced block of a page, in order."""
    return list(FENCE.finditer(page.read_text(encoding="utf-8")))


def is_runnable(block: re.Match[str]) -> bool:
    return block["lang"] == "python" and block["marker"] not in NOT_RUN


def runnable_blocks(page: Path) -> list[str]:
    """The Python blocks of a page that the docs tests run, in page order."""
    return [m["body"] for m in blocks(page) if is_runnable(m)]


def chapters(docs: Path = DOCS) -> list[Path]:
    """The lecture's chapter pages: ``chapter1-value.md`` and every ``lecture-*.md``."""
    return sorted([docs / "chapter1-value.md", *docs.glob("lecture-*.md")])


def notebook_name(page: Path) -> str:
    return page.stem


# -- the page's text as notebook markdown -------------------------------------------------------
_INLINE_CODE = re.compile(r"(`+)(.+?)\1", re.S)
_DISPLAY_MATH = re.compile(r"\\\[(.+?)\\\]", re.S)
_INLINE_MATH = re.compile(r"\\\((.+?)\\\)", re.S)
_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?P<target>[^)\s]+)\)")
_PAGE_LINK = re.compile(r"\]\((?P<page>[\w./-]+)\.md(?P<anchor>#[\w-]*)?\)")
_SUMMARY = re.compile(r"<summary>(.*?)</summary>", re.S)
_DETAILS_OPEN = re.compile(r'<details(?:\s+markdown="1")?>')


def _outside_code(text: str, change: Callable[[str], str]) -> str:
    """``change`` applied to the parts of ``text`` that are not inline code."""
    parts, position = [], 0
    for match in _INLINE_CODE.finditer(text):
        parts += [change(text[position : match.start()]), match.group(0)]
        position = match.end()
    return "".join([*parts, change(text[position:])])


def _jupyter_markdown(text: str, images: dict[str, bytes]) -> tuple[str, dict[str, object]]:
    """The page's markdown as Jupyter renders it, and the pictures it shows, as attachments.

    Formulas: ``\\(..\\)`` and ``\\[..\\]`` (arithmatex) become ``$..$`` and ``$$..$$``; links to
    other pages point at their HTML next to the notebook's folder; a picture drawn by the build
    travels inside the notebook, so it shows wherever the notebook is opened.
    """
    attachments: dict[str, object] = {}

    def math(part: str) -> str:
        part = _DISPLAY_MATH.sub(lambda m: f"$${m.group(1)}$$", part)
        return _INLINE_MATH.sub(lambda m: f"${m.group(1).strip()}$", part)

    def picture(match: re.Match[str]) -> str:
        target = match["target"]
        if target in images:
            name = target.rsplit("/", 1)[-1]
            attachments[name] = {"image/png": base64.b64encode(images[target]).decode()}
            return f"![{match['alt']}](attachment:{name})"
        return f"![{match['alt']}](../{target})"

    text = _outside_code(text, math)
    text = _IMAGE.sub(picture, text)
    text = _PAGE_LINK.sub(lambda m: f"](../{m['page']}.html{m['anchor'] or ''})", text)
    return text, attachments


# -- cells ----------------------------------------------------------------------------------------
def cells(page: Path) -> Iterator[tuple[str, str, bool]]:
    """(kind, text, hidden) for each cell: "markdown" for the text, "code" for a run block.

    A runnable block inside ``<details>`` (the exercises' "Check your answers") is hidden: its
    ``<summary>`` becomes a bold line saying so, and the code cell's source starts collapsed.
    """
    text = page.read_text(encoding="utf-8")
    position, depth, prose = 0, 0, ""
    for block in FENCE.finditer(text):
        before = text[position : block.start()]
        depth += len(_DETAILS_OPEN.findall(before)) - before.count("</details>")
        prose += before
        position = block.end()
        if not is_runnable(block):
            # Shown, not run (a shell command, printed output, a quoted excerpt): it stays text,
            # without its marker comment.
            prose += f"```{block['lang']}\n{block['body']}\n```"
            continue
        yield from _prose_cell(prose)
        yield "code", block["body"], depth > 0
        prose = ""
    yield from _prose_cell(prose + text[position:])


def _prose_cell(prose: str) -> Iterator[tuple[str, str, bool]]:
    prose = _DETAILS_OPEN.sub("", prose).replace("</details>", "")
    prose = _SUMMARY.sub(
        lambda m: f"**{m.group(1).strip()}** (the next cell is folded away, as on the page: "
        "try the exercises first, then unfold it or just run it)",
        prose,
    )
    prose = re.sub(r"<!--.*?-->\n?", "", prose, flags=re.S).strip()
    if prose:
        yield "markdown", prose, False


def _lines(source: str) -> list[str]:
    return source.splitlines(keepends=True)


def notebook(page: Path, images: dict[str, bytes] | None = None) -> dict[str, object]:
    """The chapter as an nbformat 4 notebook (a dict, ready for ``json.dumps``).

    ``images``: the PNG bytes of the pictures the page shows, by their link (``img/x.png``); each
    becomes an attachment of its cell. Without them the notebook links ``../img/x.png``.
    """
    out: list[dict[str, object]] = [{
        "cell_type": "markdown", "id": "about", "metadata": {},
        "source": _lines(
            f"*Made from the page `{page.name}` of the tinygrad_edu site when it was built. "
            "Run the cells in order (Run All): each uses what the ones before it made. It "
            "needs only the package: `pip install tinygrad-edu`.*"
        ),
    }]
    for number, (kind, source, hidden) in enumerate(cells(page)):
        cell: dict[str, object] = {"cell_type": kind, "id": f"cell-{number}", "metadata": {}}
        if kind == "markdown":
            source, attachments = _jupyter_markdown(source, images or {})
            if attachments:
                cell["attachments"] = attachments
        else:
            cell.update(execution_count=None, outputs=[])
            if hidden:
                cell["metadata"] = {"jupyter": {"source_hidden": True}, "tags": ["hide-input"]}
        cell["source"] = _lines(source)
        out.append(cell)
    return {
        "cells": out,
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def notebook_json(page: Path, images: dict[str, bytes] | None = None) -> str:
    return json.dumps(notebook(page, images), indent=1, ensure_ascii=False) + "\n"


def script(page: Path) -> str:
    """The chapter's code as one Python script: every block the docs tests run, in order."""
    title = page.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
    parts = [
        f'"""{title}: the code of the chapter, every block in page order.\n\n'
        "Made from the page when the site was built (scripts/docs_notebooks.py). Each block uses\n"
        "what the ones before it made, so run the file whole: python "
        f'{notebook_name(page)}.py\nIt needs only the package: pip install tinygrad-edu\n"""'
    ]
    heading = title
    for kind, source, hidden in cells(page):
        if kind == "markdown":
            headings = re.findall(r"^#+ (.+)$", source, re.M)
            heading = headings[-1] if headings else heading
            continue
        label = "Check your answers" if hidden else heading
        parts.append(f"# %% {label}\n{source}")
    return "\n\n".join(parts) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for NAME.ipynb, NAME.py")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for page in chapters():
        (args.out / f"{notebook_name(page)}.ipynb").write_text(notebook_json(page), "utf-8")
        (args.out / f"{notebook_name(page)}.py").write_text(script(page), "utf-8")
        print(f"{args.out / notebook_name(page)}.ipynb, .py")


if __name__ == "__main__":
    main()
