"""A run's output folder: one training at a time (a lock), and every epoch's files committed
together, so that whatever stops the run (Ctrl-C, SIGTERM, kill -9, a full disk) the folder
holds one complete epoch: a checkpoint, its optimizer state and metrics.json that agree.

The files a user reads:

- ``model.safetensors``: the weights (PyTorch's names) and, as metadata, the settings, the
  learning-rate schedule, the random state and the metrics;
- ``optimizer.safetensors``: the optimizer's state;
- ``metrics.json``: a copy of the metrics the checkpoint holds;
- ``loss.png`` and ``mistakes.png``, drawn after the last epoch.

Each of the first three names the same ``checkpoint_id``. They are links into a hidden folder
that holds the epoch's three files, and the commit of an epoch is one atomic rename of the
link ``.current`` (``layout`` explains it step by step): after a kill at any moment,
``model.safetensors`` and ``metrics.json`` are a pair of the same epoch, or there is no
``model.safetensors`` yet (a kill inside the first epoch's commit can leave ``metrics.json``
and ``optimizer.safetensors`` without it, until the next start links it).

Where symbolic links cannot be made (Windows without the privilege), the files are renamed into
place one by one, optimizer, checkpoint, metrics; a kill between two renames there leaves files
of two epochs until the next start: :meth:`recover` (for ``--resume``) keeps the pair that
agrees with the checkpoint and rewrites the rest from it.

Every start (under the lock) removes what killed runs left: temporary files and epoch folders
that are not current.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import tempfile
from pathlib import Path
from typing import Any

import tinygrad_edu as tg

from . import layout
from .layout import CURRENT, PREVIOUS
from .layout import OPTIMIZER as OPTIMIZER  # (imported from here by training and resume)
from .output import CHECKPOINT, METRICS, strict_json, write_atomically
from .parser import CommandError

LOCK, OWNER = ".tinygrad-edu.lock", ".tinygrad-edu.owner"
PICTURES = ("loss.png", "mistakes.png")
RUN_FILES = (CHECKPOINT, OPTIMIZER, METRICS, *PICTURES, PREVIOUS)


class RunFolder:
    """The folder of one training run, locked while the run writes into it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock: Any = None
        self._links: bool | None = None  # whether symbolic links work here, once tried

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
        self._links = layout.links_work(self.path)
        write_atomically(self.path / OWNER, lambda file: file.write(
            f"process {os.getpid()}".encode()))

    def unlock(self) -> None:
        if self._lock is not None:
            with contextlib.suppress(OSError):
                (self.path / OWNER).unlink()
            self._lock.release()
            self._lock = None

    def remove_if_unused(self) -> None:
        """The folder (made by this run) goes again when nothing of a run was saved into it:
        an error or Ctrl-C in the first epoch. A file someone else put there keeps it."""
        if not self.holds_a_run() and not any(p.name[0] != "." for p in self.path.iterdir()):
            shutil.rmtree(self.path, ignore_errors=True)

    def _check_writable(self) -> None:
        try:
            with tempfile.TemporaryFile(dir=self.path):
                pass
        except OSError as error:
            raise CommandError(f"cannot write into the output folder {self.path} "
                               f"({error.strerror}); choose another with --out") from None

    # -- what the folder holds -------------------------------------------------------------
    def holds_a_run(self) -> bool:
        return any(os.path.lexists(self.path / name) for name in (*RUN_FILES, CURRENT))

    def clean(self) -> None:
        """Delete what killed runs left (under the lock: none of it is live): temporary files
        and epoch folders that are not current; link the names a kill left out."""
        layout.tidy(self.path)

    def remove_run(self) -> None:
        """--overwrite: the old run's files go, pictures and epoch folders included (nothing
        else is touched)."""
        layout.remove_run(self.path, RUN_FILES)

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
        writes: list[tuple[str, layout.Write]] = []
        if optimizer is not None:
            writes.append((OPTIMIZER, lambda path: tg.save(
                optimizer, path, metadata={"checkpoint_id": token})))
        writes.append((CHECKPOINT, lambda path: tg.save(weights, path, metadata=metadata)))
        writes.append((METRICS, lambda path: layout.write_file(path, text.encode())))
        if self._links is None:
            self._links = layout.links_work(self.path)
        if self._links:
            layout.commit_by_swap(self.path, int(metadata.get("epoch", 0)), token, writes)
        else:
            layout.commit_by_renames(self.path, writes)


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
