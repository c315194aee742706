"""Writing files atomically, holding Ctrl-C and SIGTERM while an epoch is committed, and
strict JSON (no NaN)."""

from __future__ import annotations

import contextlib
import json
import math
import os
import secrets
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

CHECKPOINT, METRICS = "model.safetensors", "metrics.json"


def write_atomically(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write through a temporary file in the same folder, then rename it over ``path``: the
    file is always either the old one or the complete new one, even after Ctrl-C."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "xb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


class Terminated(KeyboardInterrupt):
    """SIGTERM (``kill PID``, a job scheduler, a closing notebook): handled as Ctrl-C is, but
    the exit status is 143."""


def raise_terminated(number: int, frame: object) -> None:
    raise Terminated


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` (a KeyboardInterrupt)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block is done: an epoch's files are committed
    together, so they always describe the same epoch. The signal is acted on right after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous: dict[int, Any] = {
        number: signal.signal(number, lambda n, frame: caught.append(n))
        for number in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if caught:  # act on the first signal as the handler before would have
            handler = previous[caught[0]]
            if callable(handler):
                handler(caught[0], None)
            else:  # the default (or ignore) action
                signal.raise_signal(caught[0])


def finite_or_none(value: Any) -> Any:
    """Numbers as they are, inf and nan as None (JSON's null), inside lists and dicts too."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: finite_or_none(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite_or_none(item) for item in value]
    return value


def strict_json(value: Any) -> str:
    """JSON that every parser reads: no NaN or Infinity (they become null)."""
    return json.dumps(finite_or_none(value), indent=2, allow_nan=False) + "\n"


def plural(count: int, word: str) -> str:
    """``1 epoch``, ``2 epochs``."""
    return f"{count:,} {word}{'' if count == 1 else 's'}"
