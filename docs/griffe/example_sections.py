"""A Griffe extension for the API reference: read ``Example:`` as Google's ``Examples:``.

The package's docstrings head their doctests ``Example:``. Griffe's Google parser knows only
the plural, so it would show the singular as a note and render each ``>>>`` line as a quote.
This extension renames the heading while the docstrings load, so the examples show as code.
It is listed under ``extensions`` in mkdocs.yml and kept out of the built site there.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

SINGULAR_HEADING = re.compile(r"^(\s*)Example:\s*$", re.MULTILINE)


class ExampleSections(griffe.Extension):
    """Rename every ``Example:`` heading to ``Examples:`` before the docstring is parsed."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = SINGULAR_HEADING.sub(r"\1Examples:", obj.docstring.value)
