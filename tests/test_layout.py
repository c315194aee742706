"""The code stays readable: short files (the core shorter still), every derivative findable from
the ops/ table, and the layers drawn on the engine page the same as the import contract."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import pytest

import tinygrad_edu as tg
from tinygrad_edu import ops
from tinygrad_edu.autograd import Function

PACKAGE = Path(tg.__file__).parent
CORE = [
    "autograd.py", "context.py", "grad_mode.py", "tensor.py", "value.py",
    *[f"ops/{p.name}" for p in sorted((PACKAGE / "ops").glob("*.py"))],
    *[f"tensor_methods/{p.name}" for p in sorted((PACKAGE / "tensor_methods").glob("*.py"))],
]


@pytest.mark.parametrize("name", CORE)
def test_core_files_are_short(name: str) -> None:
    lines = (PACKAGE / name).read_text(encoding="utf-8").count("\n")
    assert lines <= 350, f"{name} has {lines} lines; split it along its ideas (~350 at most)"


def test_every_primitive_is_in_the_ops_table() -> None:
    doc = ops.__doc__ or ""
    primitives = [
        name for name, obj in vars(ops).items()
        if inspect.isclass(obj) and issubclass(obj, Function) and obj is not Function
    ]
    assert len(primitives) > 30
    missing = [name for name in primitives if name not in doc]
    assert not missing, f"add {missing} to the table in tinygrad_edu/ops/__init__.py"
    for name in primitives:
        cls = getattr(ops, name)
        file = Path(inspect.getfile(cls)).name
        assert f"``{file}``" in doc, f"{name} lives in {file}, which the ops/ table does not name"
        assert cls.__doc__, f"{name} needs its derivative as its docstring"


@pytest.mark.parametrize(
    "name", sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py"))
)
def test_every_file_is_short(name: str) -> None:
    lines = (PACKAGE / name).read_text(encoding="utf-8").count("\n")
    assert lines <= 400, f"{name} has {lines} lines; split it along its ideas (400 at most)"


# -- the layers: docs/engine.md draws the import contract of pyproject.toml ----------------------
ROOT = Path(__file__).resolve().parents[1]
MERMAID_BOX = re.compile(r'^    L(\d+)\["(.*)"\]$')
MERMAID_ARROW = re.compile(r"^    L(\d+) --> L(\d+)$")


def source_tree_files() -> tuple[str, str]:
    pyproject, page = ROOT / "pyproject.toml", ROOT / "docs" / "engine.md"
    if not (pyproject.is_file() and page.is_file()):  # tests copied beside an installed wheel
        pytest.skip("needs the source tree: no pyproject.toml and docs/engine.md beside tests/")
    return pyproject.read_text(encoding="utf-8"), page.read_text(encoding="utf-8")


def parse_layer(layer: str) -> tuple[bool, list[str]]:
    """("a | b" or "a : b" or "a") -> (independent?, names), optional "(name)" unwrapped."""
    independent = ":" not in layer
    names = [n.strip().strip("()") for n in re.split(r"[|:]", layer)]
    return independent, names


def test_the_engine_page_draws_the_layers_contract() -> None:
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from 3.11")
    pyproject, page = source_tree_files()
    contracts = tomllib.loads(pyproject)["tool"]["importlinter"]["contracts"]
    main = next(c for c in contracts if c["id"] == "layers")
    details = [c for c in contracts if c["type"] == "layers" and c is not main]
    section = page.split("## The layers", 1)[1].split("\n## ", 1)[0]
    diagram = re.search(r"```mermaid\n(.*?)```", section, re.S)
    assert diagram, "docs/engine.md: the layers section has no Mermaid diagram"
    lines = diagram.group(1).splitlines()
    assert lines[0] == "flowchart TB"
    boxes = [MERMAID_BOX.match(line) for line in lines[1:] if MERMAID_BOX.match(line)]
    arrows = [MERMAID_ARROW.match(line) for line in lines[1:] if MERMAID_ARROW.match(line)]
    assert len(boxes) + len(arrows) == len(lines) - 1, "a diagram line is neither box nor arrow"
    # One box per layer, top to bottom, joined by one arrow each, from above to below.
    assert [int(b.group(1)) for b in boxes] == list(range(len(main["layers"])))
    assert [(int(a.group(1)), int(a.group(2))) for a in arrows] == [
        (i, i + 1) for i in range(len(main["layers"]) - 1)
    ], "each box must point to the box of the layer below it, and to no other"
    drawn_modules = []
    for box, layer in zip(boxes, main["layers"], strict=True):
        independent, names = parse_layer(layer)
        parts = [parse_layer(part) for part in box.group(2).split("<br>↓<br>")]
        drawn = [name for _, part_names in parts for name in part_names]
        assert sorted(drawn) == sorted(names), (box.group(2), layer)
        drawn_modules += drawn
        if len(parts) == 1:
            assert parts[0] == (independent, names), (box.group(2), layer)
        else:  # a layer whose order inside another layers contract gives, sub-layer by line
            inner = next((c for c in details
                          if sorted(n for s in c["layers"] for n in parse_layer(s)[1])
                          == sorted(names)), None)
            assert inner is not None, f"no layers contract orders the box {box.group(2)!r}"
            assert parts == [parse_layer(s) for s in inner["layers"]], box.group(2)
    # Every module and package of tinygrad_edu has its layer (the contract is exhaustive), and
    # every drawn one exists, unless the contract marks it optional: "(name)".
    children = {p.stem for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    children |= {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    optional = set(re.findall(r"\((\w+)\)", " ".join(main["layers"])))
    assert children <= set(drawn_modules), "modules the contract and the page leave out"
    assert set(drawn_modules) - children <= optional, "drawn modules the package does not have"


# Imports of the package's own modules inside a function, each with its reason: only for a heavy
# optional dependency behind the module, never to dodge an import cycle.
LAZY_IMPORTS_ALLOWED = {
    ("tinygrad_edu.backends.registry", "tinygrad_edu.backends.array_api_backend"):
        "that module imports array-api-strict, an optional dependency",
}


def function_level_imports() -> list[tuple[str, str, int]]:
    """(importer, imported module, line) for every import of tinygrad_edu inside a function."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = module if parts[-1] == "__init__" else module.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.ImportFrom):
                    base = package.split(".")
                    base = base[: len(base) - node.level + 1] if node.level else []
                    target = ".".join([*base, node.module] if node.module else base)
                    names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(
                        node.func, "id", None)) == "import_module" and node.args
                        and isinstance(node.args[0], ast.Constant)):  # importlib's, hidden
                    names = [str(node.args[0].value)]
                else:
                    continue
                found += [(module, n, node.lineno) for n in names if n.startswith("tinygrad_edu")]
    return found


def test_no_function_level_import_of_the_package_but_for_optional_dependencies() -> None:
    found = function_level_imports()
    unexplained = [f"{m} line {line}: {t}" for m, t, line in found
                   if (m, t) not in LAZY_IMPORTS_ALLOWED]
    assert not unexplained, "import these at the top of the module (the layers allow it) or " \
        f"name the optional dependency in LAZY_IMPORTS_ALLOWED: {unexplained}"
    assert {(m, t) for m, t, _ in found} == set(LAZY_IMPORTS_ALLOWED), "a stale allowance"
