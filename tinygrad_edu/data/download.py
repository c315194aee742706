"""Downloading data files safely: checked, atomic, and nothing left behind on failure.

Each file is streamed into a temporary file (``.NAME.*.part``) in the destination folder while
its MD5 is computed, within an overall deadline and a size cap; only a complete file whose MD5
matches the published one is flushed to disk (``fsync``) and renamed to its real name
(``os.replace``, atomic on one file system). A checksum mismatch, a dropped connection, a
deadline passed or Ctrl-C deletes the temporary file, so the folder never holds a
half-written file under a real name; a ``.part`` file that a killed process left is deleted
by the next download. Mirrors are tried in order.

Examples:
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> try:
    ...     fetch_files(folder, {"a.gz": "0" * 32}, mirrors=["http://127.0.0.1:9/"], timeout=2)
    ... except DownloadError as error:
    ...     print("offline:", "root=" in str(error), list(folder.iterdir()))
    offline: True []
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

CHUNK_BYTES = 1 << 20


class DownloadError(OSError):
    """A file could not be downloaded; the message says from where, why, and what to do."""


class ChecksumError(DownloadError):
    """A downloaded file did not match its published MD5 checksum (it was deleted)."""


def _progress(total: int | None, name: str) -> Any:
    try:
        from tqdm import tqdm
    except ImportError:  # the progress bar is a nicety
        return None
    # disable=None: a bar on a terminal, silence in logs and tests.
    return tqdm(total=total, desc=name, unit="B", unit_scale=True, disable=None, leave=False)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); some systems cannot open a folder: skip there."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _user_agent() -> str:
    """``tinygrad-edu/VERSION``, from the installed distribution's metadata (this layer does
    not import the package's face, where ``__version__`` is written)."""
    from importlib import metadata  # here, not at the top: only a download needs it

    try:
        return f"tinygrad-edu/{metadata.version('tinygrad-edu')}"
    except metadata.PackageNotFoundError:  # run from a source tree that is not installed
        return "tinygrad-edu"


def download_file(url: str, target: Path, md5: str, timeout: float = 120.0,
                  max_bytes: int | None = None) -> None:
    """Download ``url`` to ``target`` atomically, keeping it only if its MD5 is ``md5``.

    Args:
        timeout: seconds the whole download may take (a server that sends a byte now and then
            does not keep it going for ever); each wait for the server is at most 30 s.
        max_bytes: refuse a response larger than this (announced, or as it arrives), so an
            endless or wrong response cannot fill the disk.

    Raises:
        ChecksumError: the file arrived but its MD5 differs (nothing is kept).
        DownloadError: the server sent fewer bytes than it announced, more than
            ``max_bytes``, or took longer than ``timeout`` (nothing is kept).
        OSError, http.client.HTTPException: network errors, as urllib raises them.
    """
    import hashlib
    import urllib.request  # here, not at the top: ssl and http load only for a download

    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={"User-Agent": _user_agent()})
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                         suffix=".part")
    try:
        with os.fdopen(handle, "wb") as out:
            with urllib.request.urlopen(request, timeout=min(timeout, 30.0)) as response:
                announced = response.headers.get("Content-Length")
                total = int(announced) if announced is not None else None
                if total is not None and max_bytes is not None and total > max_bytes:
                    raise DownloadError(f"the server announces {total:,} bytes, more than the "
                                        f"{max_bytes:,} this file can have")
                digest = hashlib.md5(usedforsecurity=False)  # a checksum, not security
                received = 0
                bar = _progress(total, target.name)
                # read1: whatever has arrived (not waiting for a full chunk), so the deadline
                # is checked after every piece, however slowly the pieces come
                while chunk := response.read1(CHUNK_BYTES):
                    out.write(chunk)
                    digest.update(chunk)
                    received += len(chunk)
                    if bar is not None:
                        bar.update(len(chunk))
                    if max_bytes is not None and received > max_bytes:
                        raise DownloadError(f"the server sent more than the {max_bytes:,} "
                                            "bytes this file can have")
                    if time.monotonic() > deadline:
                        raise DownloadError(f"the download took longer than {timeout:g} s "
                                            f"(got {received:,} bytes); try again, or raise "
                                            "the timeout (--timeout)")
                if bar is not None:
                    bar.close()
            if total is not None and received != total:
                raise DownloadError(f"the download was cut short: got {received} of {total} bytes")
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != md5:
            raise ChecksumError(
                f"MD5 {digest.hexdigest()} of the {received} bytes received differs from the "
                f"published MD5 {md5}"
            )
        os.replace(temporary, target)
        _sync_folder(target.parent)
    except BaseException:  # Ctrl-C included: never leave a partial file
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _remove_stale_parts(folder: Path, name: str, older_than: float) -> None:
    """``.NAME.*.part`` files that a killed download left (a live one is younger)."""
    now = time.time()
    for part in folder.glob(f".{name}.*.part"):
        with contextlib.suppress(OSError):
            if now - part.stat().st_mtime > older_than:
                part.unlink()


def _reason(error: BaseException) -> str:
    import urllib.error

    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__


def fetch_files(
    folder: str | os.PathLike[str],
    files: Mapping[str, str],
    mirrors: Sequence[str],
    timeout: float = 120.0,
    max_bytes: int | None = None,
) -> list[Path]:
    """Download each missing file of ``files`` (name -> published MD5) into ``folder``.

    A file counts as present under its name or without its ``.gz``; present files are used as
    they are (recompressed copies are fine: the IDX reader checks their contents). Each
    missing file is tried from each mirror (a base URL) in turn.

    Args:
        folder: where the files go (created if needed).
        files: file names and the MD5 checksums published for them.
        mirrors: base URLs, tried in order; the file name is appended.
        timeout: seconds one file's download may take in all, before the next mirror.
        max_bytes: the most bytes any of the files can have (an endless or wrong response
            is cut off there).

    Returns:
        The paths of the files downloaded (empty when all were present).

    Raises:
        DownloadError: no mirror delivered a good copy of a file (``ChecksumError`` when every
            copy received failed its checksum). Nothing partial is left in ``folder``.
    """
    import http.client

    folder = Path(folder).expanduser()
    missing = {
        name: md5 for name, md5 in files.items()
        if not (folder / name).exists() and not (folder / name.removesuffix(".gz")).exists()
    }
    if not missing:
        return []
    try:  # a folder we cannot write to is our problem, not the network's: say so first
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise OSError(
            f"Cannot write the downloads into {folder} ({error}); pass root= a folder you can "
            f"write to (--data-dir), or set TINYGRAD_EDU_DATA to one."
        ) from None
    fetched = []
    for name, md5 in missing.items():
        target = folder / name
        _remove_stale_parts(folder, name, older_than=timeout + 60)
        failures: list[str] = []
        checksum_only = True
        for mirror in mirrors:
            url = mirror.rstrip("/") + "/" + name
            try:
                download_file(url, target, md5, timeout, max_bytes)
                break
            except ChecksumError as error:
                failures.append(f"  {url}: {error}")
            except (OSError, http.client.HTTPException) as error:
                failures.append(f"  {url}: {_reason(error)}")
                checksum_only = False
        else:
            tried = "\n".join(failures) or "  (no mirrors given)"
            if checksum_only and failures:
                raise ChecksumError(
                    f"Downloaded {name} did not match its published checksum (nothing was "
                    f"kept):\n{tried}\nThe mirror may serve a different file; try again later, "
                    f"or put the file in {folder} yourself (root= / --data-dir)."
                )
            raise DownloadError(
                f"Could not download {name} into {folder}:\n{tried}\nIf you are offline, "
                f"copy the files ({', '.join(files)}) into a folder yourself and pass root=FOLDER "
                f"(on the command line: --data-dir FOLDER), or use the MNIST sample shipped in "
                f"the package (mnist_sample(), --dataset mnist-sample)."
            )
        fetched.append(target)
    return fetched
