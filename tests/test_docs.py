"""The README and the documentation keep their promises.

- `.ci/run` runs the README's install and test commands, exactly as written there.
- Every Python block in the README and the docs runs (each page in a fresh process, its blocks
  in order, as a reader would paste them), except blocks marked ``<!-- not-run: why -->``.
- A ``print(...)`` whose comment starts like output (``print(w.grad)  # 12.0 = 6 + 6``) must
  print what the comment says, a Mermaid block must be what the page's code prints, and so must
  a block marked ``<!-- output: ... -->`` (output of several lines, shown as text).
- A block marked ``<!-- excerpt: PATH -->`` quotes the library's source: its lines must still
  appear in PATH, in order, so the docs cannot drift away from the code.
- The site builds with ``mkdocs build --strict`` when the docs extra is installed.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
import tokenize
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Every test here reads files of a clone (the README, docs/, mkdocs.yml, .ci/run) that the
# wheel does not ship: a copy of tests/ run against an installed wheel skips this file.
_MISSING = [name for name in ("README.md", "docs", "mkdocs.yml", ".ci/run")
            if not (ROOT / name).exists()]
if _MISSING:
    pytest.skip(f"needs {', '.join(_MISSING)} from a clone of the repository, which the "
                f"installed package does not ship (looked in {ROOT})", allow_module_level=True)
DOCS = ROOT / "docs"
PAGES = [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]



def _load_script(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The one extraction of a page's blocks, shared with the notebooks and scripts the site build
# makes of each chapter (scripts/docs_notebooks.py): the notebooks hold exactly what runs here.
_notebooks = _load_script("docs_notebooks")
FENCE = _notebooks.FENCE  # a fenced block, with the HTML comment (if any) just before it
blocks = _notebooks.blocks


def page_id(page: Path) -> str:
    return str(page.relative_to(ROOT))


# -- the README's commands and .ci/run ---------------------------------------------------------
def readme_command(name: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    pattern = rf"<!-- ci:{name} -->\s*```bash\n(.*?)\n```\s*<!-- /ci:{name} -->"
    match = re.search(pattern, text, re.S)
    assert match, f"README.md lost its <!-- ci:{name} --> block"
    lines = [line for line in match.group(1).splitlines() if line.strip()]
    assert len(lines) == 1, f"the ci:{name} block must be one command, got {lines}"
    return lines[0].strip()


def test_ci_runs_exactly_the_readme_commands() -> None:
    result = subprocess.run(
        ["bash", str(ROOT / ".ci" / "run"), "--print-commands"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.splitlines() == [readme_command("install"), readme_command("test")]


def test_readme_commands_install_train_and_test() -> None:
    install, test = readme_command("install"), readme_command("test")
    assert install.startswith("pip install -e ")
    # The main job: the console script that pyproject.toml declares, training the default model.
    assert install.endswith("&& tinygrad-edu train"), install
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'tinygrad-edu = "tinygrad_edu.cli:main"' in pyproject
    assert test.split()[:3] == ["python", "-m", "pytest"]


def test_ci_treats_no_tests_as_failure() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "set -euo pipefail" in ci
    assert re.search(r"status -eq 5 \]\].*?exit 1", ci, re.S), "pytest's exit status 5 must fail CI"


def test_readme_leads_with_the_pypi_install_and_the_main_command() -> None:
    # PyPI shows the README: its first commands are for someone installing from there; the
    # clone's commands (for .ci/run) come after.
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first = re.search(r"```bash\n(.*?)\n```", text, re.S)
    assert first, "README.md has no bash block"
    assert first.group(1).splitlines() == ["pip install tinygrad-edu", "tinygrad-edu train"]
    assert first.start() < text.index("<!-- ci:install -->")


def test_readme_links_work_on_pypi() -> None:
    # PyPI renders the README away from the repository: a relative link there is broken.
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)]+)\)", text)
    relative = [t for t in targets if not t.startswith(("https://", "http://", "#"))]
    assert not relative, f"README.md links relative paths, broken on PyPI: {relative}"


# -- code blocks -----------------------------------------------------------------------------
runnable_blocks = _notebooks.runnable_blocks  # the Python blocks, less not-run and excerpt


PAGES_WITH_CODE = [page for page in PAGES if runnable_blocks(page)]

# `print(x)  # 1.0` promises its output. The promise is the comment, or the part of it before
# ": ", ", ", " = " or " (" (what follows explains it); "..." in it stands for anything.
PRINT_CALL = re.compile(r"^(?P<indent>[ \t]*)print\((?P<args>.*)\)[ \t]*$")
LOOKS_LIKE_OUTPUT = re.compile(r"""^(?:[-\d\[('"]|True\b|False\b|None\b)""")
CHECK_OUTPUT = """
def _check_output(promised, *args, **kwargs):
    import io, re
    buffer = io.StringIO()
    print(*args, **kwargs, file=buffer)
    printed = buffer.getvalue().rstrip("\\n")
    print(printed)
    ends = [m.start() for m in re.finditer(r": |, | = | \\(", promised)] + [len(promised)]
    for end in ends:
        pattern = ".*".join(re.escape(part) for part in promised[:end].split("..."))
        if re.fullmatch(pattern, printed, re.S):
            return
    raise AssertionError(f"a comment promises {promised!r}, but the line printed {printed!r}")
"""


def check_printed_comments(program: str) -> str:
    """``program`` with each ``print(...)  # output`` line turned into a checked print."""
    lines = program.splitlines()
    tokens = tokenize.generate_tokens(io.StringIO(program + "\n").readline)
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        row, column = token.start
        call = PRINT_CALL.match(lines[row - 1][:column])
        promised = token.string.lstrip("#").strip()
        if call and LOOKS_LIKE_OUTPUT.match(promised):
            lines[row - 1] = f"{call['indent']}_check_output({promised!r}, {call['args']})"
    return CHECK_OUTPUT + "\n".join(lines)


def mermaid_blocks(page: Path) -> list[str]:
    return [m["body"] for m in blocks(page) if m["lang"] == "mermaid"]


def output_blocks(page: Path) -> list[str]:
    return [m["body"] for m in blocks(page) if m["marker"] == "output"]


def test_check_printed_comments_catches_a_wrong_promise() -> None:
    good = "x = 3.0\nprint(x * 4)      # 12.0 = 6 + 6\nprint([1, 2, 3])  # [1, ...]: a list"
    bad = "print(2 + 2)      # 5"
    for program, ok in ((good, True), (bad, False)):
        result = subprocess.run(
            [sys.executable, "-c", check_printed_comments(program)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert (result.returncode == 0) == ok, result.stderr


def test_the_main_pages_have_runnable_code() -> None:
    names = {page_id(page) for page in PAGES_WITH_CODE}
    assert {"README.md", "docs/index.md", "docs/chapter1-value.md", "docs/tensors.md"} <= names


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=page_id)
def test_python_blocks_run(page: Path) -> None:
    # One fresh process per page: blocks may change global state (set_backend, manual_seed,
    # register_backend) that must not leak into other tests.
    program = check_printed_comments("\n\n".join(runnable_blocks(page)))
    result = subprocess.run(
        [sys.executable, "-c", program],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, TINYGRAD_EDU_BACKEND="numpy"),
    )
    assert result.returncode == 0, f"{page_id(page)}:\n{result.stderr}"
    for diagram in mermaid_blocks(page):
        assert diagram in result.stdout, f"{page_id(page)}: its code does not print\n{diagram}"
    for shown in output_blocks(page):
        assert shown in result.stdout, f"{page_id(page)}: its code does not print\n{shown}"


def test_every_mermaid_diagram_comes_from_code() -> None:
    for page in PAGES:
        if mermaid_blocks(page):
            assert page in PAGES_WITH_CODE, f"{page_id(page)} draws a diagram no code prints"


EXCERPTS = [
    pytest.param(page, m["note"], m["body"], id=f"{page_id(page)}:{m['note']}:{i}")
    for page in PAGES
    for i, m in enumerate(blocks(page))
    if m["marker"] == "excerpt"
]


@pytest.mark.parametrize(("page", "source", "body"), EXCERPTS)
def test_excerpts_match_the_source(page: Path, source: str, body: str) -> None:
    source_lines = [line.strip() for line in (ROOT / source).read_text().splitlines()]
    position = 0
    for line in (line.strip() for line in body.splitlines() if line.strip()):
        try:
            position = source_lines.index(line, position) + 1
        except ValueError:
            pytest.fail(f"{page_id(page)} quotes {source}, which no longer has the line {line!r}")


def test_every_page_has_a_known_block_marker() -> None:
    for page in PAGES:
        for m in blocks(page):
            assert m["marker"] in (None, "ci", "not-run", "excerpt", "output"), (page, m["marker"])
            if m["marker"] == "output":
                assert page in PAGES_WITH_CODE, f"{page_id(page)} shows output no code prints"


# -- the site --------------------------------------------------------------------------------
def nav_pages() -> list[str]:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    return re.findall(r"^\s*- (?:.*?: )?([\w/.-]+\.md)\s*$", config, re.M)


def test_nav_lists_every_page_once() -> None:
    listed = nav_pages()
    on_disk = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))
    assert sorted(listed) == on_disk
    assert len(set(listed)) == len(listed)


def test_api_reference_targets_import() -> None:
    for page in sorted((DOCS / "api").glob("*.md")):
        for target in re.findall(r"^::: ([\w.]+)", page.read_text(encoding="utf-8"), re.M):
            module, _, attribute = target.rpartition(".")
            try:
                importlib.import_module(target)
            except ImportError:
                assert hasattr(importlib.import_module(module), attribute), (page, target)


def documented_names() -> set[str]:
    """Every name an API page documents: ``::: a.b.Name`` targets and ``members:`` entries."""
    names: set[str] = set()
    for page in (DOCS / "api").glob("*.md"):
        text = page.read_text(encoding="utf-8")
        names.update(t.rpartition(".")[2] for t in re.findall(r"^::: ([\w.]+)", text, re.M))
        names.update(re.findall(r"^\s+- (\w+)\s*$", text, re.M))
    return names


@pytest.mark.parametrize("package", ["nn", "optim", "data", "exercises"])
def test_api_reference_documents_every_export(package: str) -> None:
    # A class or function added to a package's __all__ needs a line on its API page.
    module = importlib.import_module(f"tinygrad_edu.{package}")
    missing = sorted(set(module.__all__) - documented_names())
    assert not missing, f"tinygrad_edu.{package} exports {missing}, which no docs/api page shows"


def test_docs_update_parameters_as_pytorch_does() -> None:
    # One documented way to change a parameter: `with tg.no_grad(): p -= lr * p.grad`, or an
    # optimizer. Writing through `.data` bypasses the version counters; docs must not teach it.
    old_idiom = re.compile(r"\.data\s*(?:[-+*/]=|=\s*\()")
    for page in PAGES[1:]:  # the docs; the README is checked by its own tests
        for code in runnable_blocks(page):
            assert not old_idiom.search(code), f"{page_id(page)} updates a parameter via .data"


def test_backend_page_names_every_part_of_the_protocol() -> None:
    from tinygrad_edu.backends.base import Backend

    text = (DOCS / "backends.md").read_text(encoding="utf-8")
    public = [name for name in vars(Backend) if not name.startswith("_")]
    missing = [name for name in public if f"`{name}`" not in text]
    assert not missing, f"docs/backends.md does not explain Backend.{missing}"


def _docs_extra_installed() -> bool:
    return all(importlib.util.find_spec(m) for m in ("mkdocs", "material", "mkdocstrings_handlers"))


@pytest.mark.skipif(
    not _docs_extra_installed(), reason='the docs extra is not installed: pip install -e ".[docs]"'
)
@pytest.mark.skipif(
    not (ROOT / "node_modules" / "mathjax").is_dir(),
    reason="the site's MathJax, Mermaid and search shim are not installed: run `npm ci`",
)
def test_site_builds_strictly(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, NO_MKDOCS_2_WARNING="1"),
    )
    assert result.returncode == 0, result.stderr
    # use_directory_urls: false, so page.md becomes page.html and the site works from disk.
    assert (tmp_path / "index.html").is_file()
    assert (tmp_path / "tensors.html").is_file()
    tensor_page = (tmp_path / "api" / "tensor.html").read_text()
    # Operators and indexing are special methods: the reference must show them.
    for name in ("__add__", "__matmul__", "__getitem__", "__lt__"):
        assert f'id="tinygrad_edu.Tensor.{name}"' in tensor_page, name
    value_page = (tmp_path / "api" / "value.html").read_text()
    assert 'id="tinygrad_edu.value.Value.__mul__"' in value_page
    for page in ("transfer", "testing"):
        assert (tmp_path / "api" / f"{page}.html").is_file(), page
    # The reference pages of nn, optim, data, checkpoints and devices show their main names.
    for page, name in [
        ("nn", "tinygrad_edu.nn.Module"),
        ("nn", "tinygrad_edu.nn.Linear"),
        ("nn-functional", "tinygrad_edu.nn.functional.cross_entropy"),
        ("optim", "tinygrad_edu.optim.SGD"),
        ("optim", "tinygrad_edu.optim.lr_scheduler.StepLR"),
        ("data", "tinygrad_edu.data.DataLoader"),
        ("checkpoints", "tinygrad_edu.serialization.save"),
        ("devices", "tinygrad_edu.device.device"),
    ]:
        html = (tmp_path / "api" / f"{page}.html").read_text()
        assert f'id="{name}"' in html, (page, name)
    assert (tmp_path / "pytorch.html").is_file()
    # The pictures drawn by the build are in the site, where the pages look for them.
    for target in shown_pictures():
        assert (tmp_path / target).read_bytes().startswith(b"\x89PNG"), target
    # Docstring examples (under "Examples:") render as code, not as quoted text.
    assert "<blockquote>\n<blockquote>\n<blockquote>" not in tensor_page
    # Sphinx roles in docstrings (:func:`x`) become links (scripts/griffe_sphinx_roles.py); only
    # the quoted source ("Source code in ...") may still show them.
    role = re.compile(r":(?:func|meth|class|mod|attr|data|exc|obj):`")
    for page in sorted((tmp_path / "api").glob("*.html")):
        html = page.read_text()
        html = re.sub(r'<details class="mkdocstrings-source">.*?</details>', "", html, flags=re.S)
        assert not role.search(html), f"{page.name} shows a Sphinx role as text"
    nn_page = (tmp_path / "api" / "nn.html").read_text()
    assert 'href="tensor.html#tinygrad_edu.Tensor"><code>Tensor</code>' in nn_page
    # Every public name of the package has an entry (an anchor) somewhere in the reference.
    import tinygrad_edu

    anchors = set()
    for page in (tmp_path / "api").glob("*.html"):
        anchors.update(re.findall(r'id="tinygrad_edu[\w.]*\.(\w+)"', page.read_text()))
    undocumented = sorted(set(tinygrad_edu.__all__) - anchors)
    assert not undocumented, f"no docs/api page documents tinygrad_edu.{undocumented}"


# -- the pictures ------------------------------------------------------------------------------
# The pictures are drawn with the library while the site is built (scripts/docs_figures_hook.py
# runs scripts/docs_figures.py); no PNG is committed, so none can be a pasted, stale picture.
def shown_pictures() -> dict[str, list[str]]:
    """Each picture the pages show (``img/name.png``), with the pages that show it."""
    shown: dict[str, list[str]] = {}
    for page in PAGES[1:]:
        for target in re.findall(r"!\[[^\]]*\]\(([^)]+\.png)\)", page.read_text(encoding="utf-8")):
            shown.setdefault(target, []).append(page_id(page))
    return shown


def load_figures_hook() -> Any:
    spec = importlib.util.spec_from_file_location(
        "docs_figures_hook", ROOT / "scripts" / "docs_figures_hook.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_picture_is_committed() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a clone, to list the committed files")
    committed = subprocess.run(
        ["git", "ls-files", "--", "*.png", "*.jpg", "*.svg", "*.gif"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()
    pasted = [name for name in committed if name.startswith("docs/")]
    assert not pasted, f"pictures must be drawn at build time, not committed: {pasted}"


def test_pages_show_only_pictures_of_the_build() -> None:
    # Every picture a page shows lives under img/, where the build puts what it draws.
    shown = shown_pictures()
    assert len(shown) >= 12, shown
    assert all(target.startswith("img/") for target in shown), sorted(shown)


@pytest.mark.skipif(
    not _docs_extra_installed() or importlib.util.find_spec("matplotlib") is None,
    reason='the docs extra (mkdocs, matplotlib) is not installed: pip install -e ".[docs]"',
)
def test_build_draws_every_picture_the_pages_show() -> None:
    # The same call the build makes: from the cache, or drawn now (about 7 s).
    hook = load_figures_hook()
    drawn = {f"img/{png.name}" for png in hook.figures()}
    shown = shown_pictures()
    missing = {target: pages for target, pages in shown.items() if target not in drawn}
    assert not missing, f"pages show pictures that scripts/docs_figures.py does not draw: {missing}"
    unused = sorted(drawn - set(shown))
    assert not unused, f"scripts/docs_figures.py draws pictures no page shows: {unused}"
    for png in hook.figures():
        assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n"), png


@pytest.mark.skipif(not _docs_extra_installed(), reason="the docs extra is not installed")
def test_figures_are_drawn_once_per_state_of_their_inputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The cache in isolation: the drawing is replaced by one that counts its calls.
    hook = load_figures_hook()
    drawings: list[Path] = []

    def fake_draw(folder: Path) -> float:
        drawings.append(folder)
        (folder / f"picture-{len(drawings)}.png").write_bytes(b"\x89PNG fake")
        return 0.0

    monkeypatch.setattr(hook, "draw", fake_draw)
    monkeypatch.setattr(hook, "inputs_hash", lambda: "first")
    assert [p.name for p in hook.figures(tmp_path)] == ["picture-1.png"]
    assert [p.name for p in hook.figures(tmp_path)] == ["picture-1.png"]  # from the cache
    assert len(drawings) == 1
    monkeypatch.setattr(hook, "inputs_hash", lambda: "second")  # an input changed
    assert [p.name for p in hook.figures(tmp_path)] == ["picture-2.png"]
    assert len(drawings) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["second"]  # the old ones are gone


@pytest.mark.skipif(not _docs_extra_installed(), reason="the docs extra is not installed")
def test_figure_cache_key_covers_what_the_pictures_are_made_of() -> None:
    hook = load_figures_hook()
    inputs = {path.relative_to(ROOT).as_posix() for path in hook.input_files()}
    # The drawing code, the library, its MNIST sample, and the saved GPU benchmark.
    assert "scripts/docs_figures.py" in inputs
    assert "tinygrad_edu/viz/steps.py" in inputs and "tinygrad_edu/ops/elementwise.py" in inputs
    assert "docs/data/matmul-benchmark.json" in inputs
    assert any(name.startswith("tinygrad_edu/data/mnist_sample/") for name in inputs)


def test_no_heading_holds_tex() -> None:
    # A heading also appears in the table of contents and the search results, where no
    # MathJax runs: TeX there shows raw. Say it in words.
    tex = re.compile(r"\\[(\[]|\$")
    for page in PAGES[1:]:
        for line in page.read_text(encoding="utf-8").splitlines():
            assert not (line.startswith("#") and tex.search(line)), (page_id(page), line)
