"""``python -m tinygrad_edu.backends``: which backends exist here, and do they work?

For every backend that is built in, installed as a plugin, or known but not installed, it
prints where it comes from, whether it loads (and why not), its device, and the result of a
short self-test: a forward and backward pass compared with NumPy.

Example::

    $ python -m tinygrad_edu.backends            # every backend; exit status 0
    $ python -m tinygrad_edu.backends cupy       # just cupy; exit status 1 if it fails
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass

import numpy as np

# A program (python -m), not a module anything imports: it stands above every layer, so it
# may use Tensor for its self-test (the contract in pyproject.toml names this one import).
from ..tensor import Tensor
from .registry import (
    ENV_VAR,
    KNOWN_PLUGINS,
    BackendError,
    available_backends,
    backend_sources,
    get_backend,
)


@dataclass
class Row:
    """One line of the table."""

    name: str
    provider: str
    status: str
    device: str = "-"
    self_test: str = "-"
    note: str = ""
    ok: bool = False


def self_test(backend_name: str) -> tuple[bool, str]:
    """A tiny network step on the backend, checked against the same maths in NumPy.

    ``loss = sum(relu(x @ w) * c) + sum(x[rows] * d)`` covers a matrix product, an
    elementwise op, a reduction and indexing with a repeated row (whose gradient needs the
    backend's ``scatter_add``). Returns (passed, a short description).
    """
    x = np.linspace(-1.0, 1.0, 12).reshape(4, 3)
    w = np.linspace(0.5, -0.7, 6).reshape(3, 2)
    c = np.array([[1.0, -2.0], [0.5, 1.5], [-1.0, 1.0], [2.0, 0.25]])
    rows = np.array([0, 2, 2])
    d = np.linspace(1.0, 2.0, 9).reshape(3, 3)

    # The reference, with the derivatives written out by hand.
    z = x @ w
    loss = np.sum(np.maximum(z, 0) * c) + np.sum(x[rows] * d)
    grad_z = c * (z > 0)
    grad_w = x.T @ grad_z
    grad_x = grad_z @ w.T
    np.add.at(grad_x, rows, d)

    start = time.perf_counter()
    tx = Tensor(x, dtype="float32", requires_grad=True, backend=backend_name)
    tw = Tensor(w, dtype="float32", requires_grad=True, backend=backend_name)
    tc = Tensor(c, dtype="float32", backend=backend_name)
    td = Tensor(d, dtype="float32", backend=backend_name)
    trows = Tensor(rows, backend=backend_name)
    tloss = ((tx @ tw).relu() * tc).sum() + (tx[trows] * td).sum()
    tloss.backward()
    got = [tloss.numpy(), tx.grad.numpy(), tw.grad.numpy()]  # type: ignore[union-attr]
    elapsed_ms = (time.perf_counter() - start) * 1000

    expected = [loss, grad_x, grad_w]
    error = max(float(np.max(np.abs(g - e))) for g, e in zip(got, expected, strict=True))
    passed = error < 1e-4  # float32 on numbers of order one
    verdict = "ok" if passed else "WRONG"
    return passed, f"{verdict} (max error {error:.1e}, {elapsed_ms:.0f} ms)"


def collect(names: list[str] | None = None) -> list[Row]:
    """Try every backend (or just ``names``) and describe each as a :class:`Row`."""
    sources = backend_sources()
    if names is None:
        names = available_backends() + sorted(set(KNOWN_PLUGINS) - set(sources))
    rows = []
    for name in names:
        source = sources.get(name)
        if source is None:
            row = Row(name, "-", "not installed")
            if name in KNOWN_PLUGINS:
                row.note = f"install: {KNOWN_PLUGINS[name]}"
            else:
                row.status = "unknown"
                row.note = f"no backend called {name!r} is built in or installed"
            rows.append(row)
            continue
        row = Row(name, source.distribution, "loads")
        try:
            backend = get_backend(name)
            row.device = backend.device_name()
        except BackendError as error:
            row.status = "does not load"
            row.note = str(error)
            rows.append(row)
            continue
        except Exception as error:  # a plugin's own bug: its row says so, the table goes on
            row.status = "does not load"
            row.note = f"{type(error).__name__}: {error}"
            rows.append(row)
            continue
        try:
            row.ok, row.self_test = self_test(name)
        except Exception as error:  # a broken backend is what this tool is for: report it
            row.self_test = "FAILED"
            row.note = f"self-test raised {type(error).__name__}: {error}"
        rows.append(row)
    return rows


def render(rows: list[Row]) -> str:
    """The rows as an aligned text table, with long explanations as numbered notes below."""
    header = Row("backend", "provided by", "status", "device", "self-test")
    notes: list[str] = []
    lines: list[tuple[str, str, str, str, str]] = []
    for row in [header, *rows]:
        mark = ""
        if row.note:
            notes.append(f"[{len(notes) + 1}] {row.name}: {row.note}")
            mark = f" [{len(notes)}]"
        lines.append((row.name, row.provider, row.status + mark, row.device, row.self_test))
    widths = [max(len(line[i]) for line in lines) for i in range(4)]
    text = []
    for line in lines:
        cells = [cell.ljust(width) for cell, width in zip(line[:4], widths, strict=True)]
        text.append("  ".join([*cells, line[4]]))
    env = os.environ.get(ENV_VAR)
    default = f"{ENV_VAR}={env}" if env else f"{ENV_VAR} is not set, so new tensors use numpy"
    return "\n".join([f"tinygrad_edu backends ({default})", "", *text, "", *notes]).rstrip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tinygrad_edu.backends",
        description="List tinygrad_edu's backends, load each, and run a short self-test.",
    )
    parser.add_argument(
        "names", nargs="*", help="only these backends; the exit status is 1 if one fails"
    )
    args = parser.parse_args(argv)
    rows = collect(args.names or None)
    try:
        print(render(rows), flush=True)
    except BrokenPipeError:  # `python -m tinygrad_edu.backends | head -1`: the reader is done
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())  # Python's flush at exit then goes nowhere, quietly
        os.close(null)
    if args.names and not all(row.ok for row in rows):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
