"""A run's output folder: one training at a time (a lock), and every epoch's files committed
together, so that whatever stops the run (Ctrl-C, SIGTERM, kill -9, a full disk) the folder
holds one complete epoch: a checkpoint, its optimizer state and metrics.json that agree.

The files, and the order an epoch is committed in (each file first written completely under a
temporary name ``.NAME.*.tmp``, flushed to disk, then renamed):

1. ``optimizer.safetensors``: the optimizer's state; the one it replaces is kept as
   ``.optimizer-previous.safetensors`` until step 2 is done;
2. ``model.safetensors``: the weights (PyTorch's names) and, as metadata, the settings, the
   learning-rate schedule, the random state and the metrics. Its rename is the commit;
3. ``metrics.json``: a copy of the metrics the checkpoint holds.

Each of the three names the same ``checkpoint_id``. A run killed between two renames leaves a
newer file beside an older one; the next ``train`` into the folder (and ``--resume``) finds the
pair that agrees with the checkpoint and rewrites the rest from it, and deletes the temporary
files of killed runs.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import tinygrad_edu as tg

from .output import CHECKPOINT, METRICS, strict_json, write_atomically
from .parser import CommandError

OPTIMIZER = "optimizer.safetensors"
PREVIOUS = ".optimizer-previous.safetensors"
LOCK, OWNER = ".tinygrad-edu.lock", ".tinygrad-edu.owner"
PICTURES = ("loss.png", "mistakes.png")
RUN_FILES = (CHECKPOINT, OPTIMIZER, METRICS, *PICTURES, PREVIOUS)


class RunFolder:
    """The folder of one training run, locked while the run writes into it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock: Any = None

    # -- the lock --------------------------------------------------------------------------
    def lock(self) -> None:
        """Take the folder's lock, or refuse at once, naming the process that holds it."""
        from filelock import FileLock, Timeout

        self._check_writable()
        lock = FileLock(str(self.path / LOCK), timeout=0)
        try:
            lock.acquire()
        except Timeout:
            other = _read_text(self.path / OWNER) or "another process"
            raise CommandError(
                f"{self.path} is in use by another training ({_shown(other)}); wait for it to "
                "finish, or choose another folder with --out") from None
        self._lock = lock
        write_atomically(self.path / OWNER, lambda file: file.write(
            f"process {os.getpid()}".encode()))

    def unlock(self) -> None:
        if self._lock is not None:
            with contextlib.suppress(OSError):
                (self.path / OWNER).unlink()
            self._lock.release()
            self._lock = None

    def _check_writable(self) -> None:
        try:
            with tempfile.TemporaryFile(dir=self.path):
                pass
        except OSError as error:
            raise CommandError(f"cannot write into the output folder {self.path} "
                               f"({error.strerror}); choose another with --out") from None

    # -- what the folder holds -------------------------------------------------------------
    def holds_a_run(self) -> bool:
        return any((self.path / name).exists() for name in RUN_FILES)

    def clean(self) -> None:
        """Delete the temporary files that killed runs left (under the lock: none is live)."""
        for path in self.path.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                path.unlink()

    def remove_run(self) -> None:
        """--overwrite: the old run's files go, pictures included (nothing else is touched)."""
        for name in RUN_FILES:
            with contextlib.suppress(FileNotFoundError):
                (self.path / name).unlink()

    def recover(self) -> dict[str, str] | None:
        """Make the folder's files agree with its checkpoint (after a kill between renames);
        returns the checkpoint's metadata, or None when there is no checkpoint."""
        if not (self.path / CHECKPOINT).exists():
            return None
        metadata = tg.load_metadata(self.path / CHECKPOINT)
        token = metadata.get("checkpoint_id")
        if _token_of(self.path / OPTIMIZER) != token and _token_of(self.path / PREVIOUS) == token:
            os.replace(self.path / PREVIOUS, self.path / OPTIMIZER)
        with contextlib.suppress(FileNotFoundError):
            (self.path / PREVIOUS).unlink()
        try:
            metrics = json.loads((self.path / METRICS).read_text(encoding="utf-8"))
            agrees = isinstance(metrics, dict) and metrics.get("checkpoint_id") == token
        except (OSError, ValueError):
            agrees = False
        if not agrees and "metrics" in metadata:
            text = metadata["metrics"]
            write_atomically(self.path / METRICS, lambda file: file.write(text.encode()))
        return metadata

    # -- one epoch, committed ----------------------------------------------------------------
    def commit(self, weights: dict[str, Any], metadata: dict[str, str],
               optimizer: dict[str, Any] | None, metrics: dict[str, Any]) -> None:
        """Write the epoch's files as one commit (see the module's docstring)."""
        token = secrets.token_hex(8)
        metrics = {**metrics, "checkpoint_id": token}
        text = strict_json(metrics)
        metadata = {**metadata, "checkpoint_id": token, "metrics": text}
        pending = []
        try:
            for name, write in (
                (OPTIMIZER, None if optimizer is None else lambda path: tg.save(
                    optimizer, path, metadata={"checkpoint_id": token})),
                (CHECKPOINT, lambda path: tg.save(weights, path, metadata=metadata)),
                (METRICS, lambda path: path.write_text(text, encoding="utf-8")),
            ):
                if write is None:
                    continue
                temporary = self.path / f".{name}.{secrets.token_hex(4)}.tmp"
                pending.append((temporary, self.path / name))
                write(temporary)
            if (self.path / OPTIMIZER).exists() and optimizer is not None:
                os.replace(self.path / OPTIMIZER, self.path / PREVIOUS)
            for temporary, target in pending:
                os.replace(temporary, target)
            with contextlib.suppress(FileNotFoundError):
                (self.path / PREVIOUS).unlink()
        finally:
            for temporary, _ in pending:
                with contextlib.suppress(FileNotFoundError):
                    temporary.unlink()


def _token_of(path: Path) -> str | None:
    try:
        return tg.load_metadata(path).get("checkpoint_id")
    except (OSError, tg.CheckpointError):
        return None


def _read_text(path: Path) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return file.read(200).strip()
    except OSError:
        return ""


def _shown(text: str, limit: int = 200) -> str:
    """A string from a file (metadata, a lock's owner), safe to print: control characters
    (ANSI escapes, new lines) are shown escaped, and it is cut at ``limit`` characters."""
    text = text[:limit]
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def fresh_folder(base: Path) -> Path:
    """``base``, or the first of ``base-2``, ``base-3``, ... that does not exist yet, created
    now (atomically: two runs started at once get two folders)."""
    base.parent.mkdir(parents=True, exist_ok=True)
    for number in range(1, 10_000):
        candidate = base if number == 1 else base.with_name(f"{base.name}-{number}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise CommandError(f"{base.parent} holds 10,000 runs called {base.name}; pass --out")


@contextlib.contextmanager
def removed_if_unused(path: Path, created: bool) -> Iterator[None]:
    """A folder this run created is removed again when the run fails before writing to it."""
    try:
        yield
    except BaseException:
        if created and path.is_dir() and not any(
            p.name not in (LOCK, OWNER) for p in path.iterdir()
        ):
            shutil.rmtree(path, ignore_errors=True)
        raise
