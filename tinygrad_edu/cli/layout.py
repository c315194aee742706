"""How a run's folder keeps its epochs on disk, so that a kill at any moment leaves a
checkpoint and metrics of the same epoch.

Every epoch's files are written into a hidden folder of their own, and one atomic rename of a
symbolic link switches the run from the previous epoch's folder to the new one::

    runs/mlp-mnist-sample/
        model.safetensors      -> .current/model.safetensors       (made once, never changed)
        optimizer.safetensors  -> .current/optimizer.safetensors
        metrics.json           -> .current/metrics.json
        .current               -> .epoch-0003-5f1c2a9e0b7d4e36      (the link that is swapped)
        .epoch-0003-5f1c2a9e0b7d4e36/   model.safetensors, optimizer.safetensors, metrics.json
        loss.png, mistakes.png         (drawn after the last epoch: files of their own)

An epoch is committed in four steps:

1. its three files are written into a new ``.epoch-NNNN-ID/`` (each flushed to disk);
2. the first time only, the three names a user reads are made as links into ``.current``,
   which does not exist yet: for that moment they lead nowhere, and read as no run at all;
3. a link ``.current.XXXX.tmp -> .epoch-NNNN-ID`` is renamed over ``.current``. A rename
   replaces its target atomically, so all three names lead into either the old epoch's
   folder or the new one (or, at the first epoch, nowhere or into it), never a mix: this
   rename is the commit;
4. the previous epoch's folder is removed.

A kill before step 3 leaves the previous epoch (the new folder is stale); after it, the new
one. The next start (under the folder's lock) removes stale epoch folders, temporary files
and links that lead nowhere, and makes any link a kill left out. Two reads that straddle a
commit can still see two epochs; a reader that must not can resolve ``.current`` once and read
both files there.

Where symbolic links cannot be made (Windows without the privilege, some network or FAT file
systems: ``os.symlink`` raises), :func:`commit_by_renames` keeps the files themselves in the
folder and renames each into place, the checkpoint's rename being the commit; a kill between
two renames leaves files of two epochs until the next start repairs them (``RunFolder.recover``).
A folder written that way, or by an older version, is turned into the layout above (its files
copied into an epoch folder, then each name replaced by its link) before its next commit.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path

from ..serialization import fsync_directory
from .output import CHECKPOINT, METRICS

CURRENT = ".current"
OPTIMIZER = "optimizer.safetensors"
PREVIOUS = ".optimizer-previous.safetensors"
LINKED = (OPTIMIZER, METRICS, CHECKPOINT)  # the order their links are made in: model last

Write = Callable[[Path], object]  # writes one file of the epoch to the path it is given


def links_work(folder: Path) -> bool:
    """Whether symbolic links can be made in ``folder`` (tried once, then removed)."""
    probe = folder / f".links.{secrets.token_hex(4)}.tmp"
    try:
        os.symlink(".", probe)  # to the folder itself: a kill now leaves no link to nowhere
    except (OSError, NotImplementedError):
        return False
    with contextlib.suppress(OSError):
        os.unlink(probe)
    return True


def current_epoch(folder: Path) -> Path | None:
    """The epoch folder ``.current`` leads to, or None (no epoch committed yet)."""
    try:
        target = os.readlink(folder / CURRENT)
    except OSError:  # no link (or not a link: written by something else)
        return None
    path = folder / target
    return path if target.startswith(".epoch-") and path.is_dir() else None


def holds_own_files(folder: Path) -> bool:
    """A name a user reads is a file of its own, not a link: the older layout."""
    return any((folder / name).is_file() and not (folder / name).is_symlink()
               for name in LINKED)


def commit_by_swap(folder: Path, epoch: int, token: str,
                   writes: Sequence[tuple[str, Write]]) -> None:
    """Commit an epoch's files as one (the module's steps 1-4)."""
    if holds_own_files(folder):
        migrate(folder)
    previous = current_epoch(folder)
    directory = folder / f".epoch-{epoch:04d}-{token}"
    directory.mkdir()
    committed = False
    try:
        for name, write in writes:
            write(directory / name)
        fsync_directory(directory)
        if previous is None:  # the first epoch: the names lead nowhere until the commit
            _link_ahead(folder, [name for name, _ in writes])
        _point_current_at(folder, directory.name)  # the commit
        committed = True
    finally:
        if not committed:  # a failed write, Ctrl-C outside the held block: nothing changed
            shutil.rmtree(directory, ignore_errors=True)
    link_names(folder)
    if previous is not None and previous != directory:
        shutil.rmtree(previous, ignore_errors=True)


def migrate(folder: Path) -> None:
    """Copy the files the names show into an epoch folder, make it current, then replace
    each name by its link: every name shows the same contents before and after."""
    previous = current_epoch(folder)
    directory = folder / f".epoch-migrated-{secrets.token_hex(8)}"
    directory.mkdir()
    try:
        for name in LINKED:
            if (folder / name).is_file():
                shutil.copyfile(folder / name, directory / name)  # follows links
                _fsync_file(directory / name)
        fsync_directory(directory)
        _point_current_at(folder, directory.name)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    link_names(folder, replace_files=True)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(folder / PREVIOUS)
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)


def link_names(folder: Path, replace_files: bool = False) -> None:
    """Make each name a user reads a link into ``.current`` (for the files the epoch has);
    a name that is a file of its own is replaced only with ``replace_files``."""
    for name in LINKED:
        path, target = folder / name, os.path.join(CURRENT, name)
        if path.is_symlink() and os.readlink(path) == target:
            if not path.exists():  # the epoch has no such file: no link that leads nowhere
                os.unlink(path)
            continue
        if not (folder / CURRENT / name).is_file():
            continue
        if path.exists() and not path.is_symlink() and not replace_files:
            continue
        _replace_with_link(path, target)
    fsync_directory(folder)


def tidy(folder: Path) -> None:
    """At the start of a run (under the lock): temporary files and links of killed runs, and
    epoch folders that are not current, are removed; the names a kill left out are linked."""
    for path in folder.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            path.unlink()
    current = current_epoch(folder)
    for path in folder.glob(".epoch-*"):
        if path != current and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
    if current is None:  # nothing to lead to: no link may be left leading nowhere
        for name in (CURRENT, *LINKED):
            path = folder / name
            if path.is_symlink() and not path.exists():
                path.unlink()
    else:
        link_names(folder)


def remove_run(folder: Path, names: Sequence[str]) -> None:
    """``--overwrite``: the names (the checkpoint first), ``.current`` and every epoch folder."""
    for name in (CHECKPOINT, *names, CURRENT):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(folder / name)
    for path in folder.glob(".epoch-*"):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)


def commit_by_renames(folder: Path, writes: Sequence[tuple[str, Write]]) -> None:
    """Where links cannot be made: each file written under a temporary name, then renamed
    into place in the order given (optimizer, checkpoint, metrics). The optimizer state it
    replaces is kept as ``.optimizer-previous.safetensors`` until the checkpoint's rename."""
    pending = []
    try:
        for name, write in writes:
            temporary = folder / f".{name}.{secrets.token_hex(4)}.tmp"
            pending.append((temporary, folder / name))
            write(temporary)
        if (folder / OPTIMIZER).exists() and any(name == OPTIMIZER for name, _ in writes):
            os.replace(folder / OPTIMIZER, folder / PREVIOUS)
        for temporary, target in pending:
            os.replace(temporary, target)
        with contextlib.suppress(FileNotFoundError):
            (folder / PREVIOUS).unlink()
    finally:
        for temporary, _ in pending:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()


def write_file(path: Path, data: bytes) -> None:
    """A new file (never an existing one), flushed to disk."""
    with open(path, "xb") as file:
        file.write(data)
        file.flush()
        os.fsync(file.fileno())


def _fsync_file(path: Path) -> None:
    with open(path, "rb+") as file:
        os.fsync(file.fileno())


def _link_ahead(folder: Path, names: Sequence[str]) -> None:
    """Before the first commit: each name a user reads becomes a link into ``.current``,
    which does not exist yet, so all of them start to lead somewhere at the same rename."""
    for name in LINKED:
        path = folder / name
        if name in names and not path.exists():
            _replace_with_link(path, os.path.join(CURRENT, name))
    fsync_directory(folder)


def _point_current_at(folder: Path, name: str) -> None:
    _replace_with_link(folder / CURRENT, name)
    fsync_directory(folder)


def _replace_with_link(path: Path, target: str) -> None:
    """``path`` becomes a link to ``target`` in one rename (never missing in between)."""
    temporary = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    if not temporary.name.startswith("."):
        temporary = path.with_name(f".{temporary.name}")
    os.symlink(target, temporary)
    try:
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
