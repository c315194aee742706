"""The core stays readable: short files, and every derivative findable from the ops/ table."""

from __future__ import annotations

import inspect
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
