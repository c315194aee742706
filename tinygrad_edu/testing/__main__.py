"""``python -m tinygrad_edu.testing BACKEND [--thorough]``: the conformance suite.

Runs every operation of the op-spec table forward and backward on BACKEND, then checks the
backend's hooks (index bounds, scatter-add, random numbers, moves to NumPy), prints a PASS/FAIL
table, and exits with status 1 if anything failed (2 if the backend cannot be loaded).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from ..backends.registry import available_backends, get_backend
from .conformance import EXAMPLES, run_conformance


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, run the suite, print the table; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tinygrad_edu.testing",
        description="Check a tinygrad_edu backend against the op-spec table: forward vs "
        "NumPy, backward vs finite differences (or vs the NumPy backend for float32-only "
        "backends).",
    )
    parser.add_argument("backend", help=f"backend name, one of: {', '.join(available_backends())}")
    parser.add_argument("--thorough", action="store_true",
                        help=f"{EXAMPLES['thorough']} examples per check instead of "
                        f"{EXAMPLES['quick']}")
    parser.add_argument("--max-examples", type=int, default=None, metavar="N",
                        help="examples per operation and check (overrides --thorough)")
    parser.add_argument("--ops", nargs="+", metavar="NAME",
                        help="only these operations (the hook checks are skipped)")
    parser.add_argument("--second-order", action="store_true",
                        help="also check second derivatives (create_graph=True)")
    args = parser.parse_args(argv)
    try:
        get_backend(args.backend)
    except Exception as error:  # a backend that cannot load is reported, not a traceback
        print(f"Cannot load backend {args.backend!r}: {error}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    try:
        report = run_conformance(args.backend, thorough=args.thorough,
                                 max_examples=args.max_examples, ops=args.ops,
                                 second_order=args.second_order)
    except KeyError as error:
        print(error.args[0], file=sys.stderr)
        return 2
    print(report.table())
    print(f"({time.perf_counter() - start:.1f} s)")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
