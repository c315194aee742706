"""Griffe extension: Sphinx roles in docstrings become links on the API pages.

The library's docstrings name other objects the way Python's own docs do, with Sphinx roles:
``:func:`tinygrad_edu.get_backend```, ``:class:`~tinygrad_edu.Tensor```, ``:mod:`.hooks```,
``:meth:`state_dict```. Markdown does not know them and would show them literally. This
extension, named under the python handler's ``extensions`` in ``mkdocs.yml``, finds the object
each role names (as written, then relative to the module, the class or the package, as Sphinx
does) and writes an optional cross-reference in its place: a link where the object has a page
in the reference, its name in code font where it has none. The source keeps its roles, which
read well in ``help()`` and in editors.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?P<kind>func|meth|class|mod|attr|data|exc|obj):`(?P<target>[^`]+)`")


def _lookup(package: griffe.Object, path: str) -> griffe.Object | griffe.Alias | None:
    if path == package.path:
        return package
    if not path.startswith(package.path + "."):
        return None
    try:
        return package[path[len(package.path) + 1 :]]
    except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
        return None


def _candidates(obj: griffe.Object | griffe.Alias, target: str) -> list[str]:
    module = obj if obj.is_module else obj.module
    if target.startswith("."):
        # Relative module names as in an import: ".x" is a sibling, "..x" one level up.
        dots = len(target) - len(target.lstrip("."))
        package = module.path if module.is_init_module else module.path.rpartition(".")[0]
        for _ in range(dots - 1):
            package = package.rpartition(".")[0]
        return [f"{package}.{target.lstrip('.')}"]
    scopes = [obj.path]
    parent = obj.parent
    while parent is not None:
        scopes.append(parent.path)
        parent = parent.parent
    found = [target]
    head, _, rest = target.partition(".")
    for scope in scopes:
        found.append(f"{scope}.{target}")
        # A name imported into a module ("Tensor" in nn/layers.py) resolves through it.
        scope_obj = _lookup(obj.package, scope)
        if scope_obj is not None and head in scope_obj.members:
            member = scope_obj.members[head]
            try:
                base = member.target_path if member.is_alias else member.path
            except griffe.AliasResolutionError:
                continue
            found.append(f"{base}.{rest}" if rest else base)
    return found


def _reference(obj: griffe.Object | griffe.Alias, kind: str, target: str) -> str | None:
    shown = target.lstrip("~")
    if target.startswith("~"):
        shown = shown.rpartition(".")[2]
    if kind in ("func", "meth"):
        shown += "()"
    for path in _candidates(obj, target.lstrip("~")):
        if _lookup(obj.package, path) is not None:
            # "optional": a link where the object is documented, plain code where it is not,
            # and no warning either way (mkdocs-autorefs).
            return f'<autoref identifier="{path}" optional><code>{shown}</code></autoref>'
    return None


class SphinxRoles(griffe.Extension):
    """Rewrite ``:role:`target``` in every docstring of the package as a cross-reference."""

    def __init__(self) -> None:
        super().__init__()
        self.unresolved: list[str] = []

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        self._walk(pkg, seen=set())

    def _walk(self, obj: griffe.Object, seen: set[str]) -> None:
        if obj.path in seen:
            return
        seen.add(obj.path)
        if obj.docstring is not None:
            obj.docstring.value = ROLE.sub(lambda m: self._replace(obj, m), obj.docstring.value)
        for member in obj.members.values():
            if not member.is_alias:
                self._walk(member, seen)  # type: ignore[arg-type]

    def _replace(self, obj: griffe.Object, match: re.Match[str]) -> str:
        reference = _reference(obj, match["kind"], match["target"])
        if reference is None:
            self.unresolved.append(f"{obj.path}: {match[0]}")
            name = match["target"].lstrip("~.")
            return f"`{name}`"
        return reference
