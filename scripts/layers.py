"""The package's layers, from the import contract in pyproject.toml ([tool.importlinter]).

    python scripts/layers.py                 the layer diagram (Mermaid), as docs/engine.md shows it
    python scripts/layers.py --cycles [DIR]  the import cycles among tinygrad_edu's modules in the
                                             source tree DIR (default: this one), with grimp

The diagram has one box per layer of the contract called "layers", top to bottom; an arrow means
"imports from". In a box, ``a | b`` are modules that do not import each other and ``a : b``
modules that may (in one direction); where another layers contract orders the modules of that
box (the Tensor layer, the autograd core), the box shows that order, one line per sub-layer.

The cycles count every import that runs, those inside functions included (grimp reads them
all), and leave out those under ``if TYPE_CHECKING:`` and the exceptions the contract names.
grimp does not see ``importlib.import_module("...")``; search for it by hand.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "tinygrad_edu"
DOWN = "<br>↓<br>"  # between the sub-layers of one box


def contracts(pyproject: Path = ROOT / "pyproject.toml") -> list[dict[str, Any]]:
    """The contracts of [tool.importlinter], as written."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        sys.exit("scripts/layers.py reads pyproject.toml with tomllib: run it on Python 3.11+")
    with open(pyproject, "rb") as file:
        config = tomllib.load(file)
    return list(config["tool"]["importlinter"]["contracts"])


def modules_of(layer: str) -> list[str]:
    """The module names of one layer string, without the parentheses of optional ones."""
    separator = "|" if "|" in layer else ":"
    return [name.strip().strip("()") for name in layer.split(separator)]


def plain(layer: str) -> str:
    """A layer string as a box shows it: optional modules without their parentheses."""
    separator = " | " if "|" in layer else " : "
    return separator.join(modules_of(layer))


def boxes(found: list[dict[str, Any]]) -> list[str]:
    """One label per layer of the main contract, top to bottom."""
    main = next(c for c in found if c["id"] == "layers")
    details = [c for c in found if c["type"] == "layers" and c["id"] != "layers"]
    labels = []
    for layer in main["layers"]:
        names = set(modules_of(layer))
        inner = next((c for c in details if set(sum(map(modules_of, c["layers"]), [])) == names),
                     None)
        labels.append(DOWN.join(plain(s) for s in inner["layers"]) if inner else plain(layer))
    return labels


def mermaid(pyproject: Path = ROOT / "pyproject.toml") -> str:
    """The layer diagram of the contract in ``pyproject``, as Mermaid text."""
    labels = boxes(contracts(pyproject))
    lines = ["flowchart TB"]
    lines += [f'    L{i}["{label}"]' for i, label in enumerate(labels)]
    lines += [f"    L{i} --> L{i + 1}" for i in range(len(labels) - 1)]
    return "\n".join(lines)


def cycles(tree: Path) -> str:
    """The modules of the package in ``tree`` that sit in an import cycle, at two grains."""
    sys.path.insert(0, str(tree))
    import grimp  # installed with import-linter (the lint extra)

    graph = grimp.build_graph(PACKAGE, exclude_type_checking_imports=True, cache_dir=None)
    out = []
    # The imports the contract names as exceptions are left out here too, and listed.
    main = next(c for c in contracts() if c["id"] == "layers")
    for line in main.get("ignore_imports", []):
        importer, imported = (part.strip() for part in line.split("->"))
        if graph.direct_import_exists(importer=importer, imported=imported):
            graph.remove_import(importer=importer, imported=imported)
            out.append(f"left out, as the contract does: {line}")
    for grain, cut in (("files", None), ("the package's top-level modules", 2)):

        def name(module: str, cut: int | None = cut) -> str:
            return ".".join(module.split(".")[:cut])

        edges: dict[str, set[str]] = {}
        for module in graph.modules:
            for imported in graph.find_modules_directly_imported_by(module):
                if name(module) != name(imported):
                    edges.setdefault(name(module), set()).add(name(imported))
        nodes = {name(m) for m in graph.modules}
        knots = _strongly_connected(nodes, edges)
        inside = sum(len(k) for k in knots)
        out.append(f"{grain}: {len(nodes)} in all, {inside} in {len(knots)} cycle(s)")
        out += ["    " + ", ".join(sorted(m.removeprefix(PACKAGE + ".") for m in k))
                for k in knots]
    face = sorted(m for m in graph.modules
                  if m != PACKAGE and PACKAGE in graph.find_modules_directly_imported_by(m))
    out.append(f"modules importing {PACKAGE}/__init__.py: {', '.join(face) or 'none'}")
    return "\n".join(out)


def _strongly_connected(nodes: set[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative; only the components of two or more nodes (the cycles)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(edges.get(target, ())))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", nargs="?", const=str(ROOT), metavar="DIR",
                        help="list the import cycles of the package in the source tree DIR")
    args = parser.parse_args()
    print(cycles(Path(args.cycles)) if args.cycles else mermaid())


if __name__ == "__main__":
    main()
