"""Reading a safetensors file safely: regular files only, every read bounded by the header's
and the file's sizes, and a header checked before any tensor is made (see the package's
docstring for the format)."""

from __future__ import annotations

import json
import os
import stat
import struct
from pathlib import Path
from typing import Any

_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


class CheckpointError(ValueError):
    """A checkpoint file that cannot be read: truncated, corrupt, or in another format."""


_MAX_HEADER = 100 * 2**20  # safetensors' own limit on the header: 100 MB


def _open(path: Path) -> tuple[int, int]:
    """A read-only descriptor of ``path`` and its size, for a regular file only (after
    following links): a FIFO would block forever and /dev/zero never ends."""
    if path.is_dir():
        raise IsADirectoryError(
            f"Cannot load '{path}': it is a directory; give the checkpoint file inside it, "
            f"e.g. '{path / 'model.safetensors'}'."
        )
    try:  # O_NONBLOCK: opening a FIFO returns at once (and is refused below) instead of waiting
        descriptor = os.open(path, os.O_RDONLY | _BINARY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise FileNotFoundError(
            f"No checkpoint at '{path}': the file does not exist (the current directory is "
            f"'{Path.cwd()}'). Check the path, or save one first: "
            f"tinygrad_edu.save(model.state_dict(), '{path}')."
        ) from None
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):
        os.close(descriptor)
        raise CheckpointError(
            f"Cannot load '{path}': it is {_kind(info.st_mode)}, not a regular file; a "
            "checkpoint is a file written by tinygrad_edu.save(...)."
        )
    return descriptor, info.st_size


_KINDS = {stat.S_IFIFO: "a FIFO (named pipe)", stat.S_IFCHR: "a character device",
          stat.S_IFBLK: "a block device", stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a directory"}


def _kind(mode: int) -> str:
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def _read_exactly(descriptor: int, count: int) -> bytes:
    """At most ``count`` bytes (fewer only at the end of the file): every read is bounded."""
    parts, left = [], count
    while left > 0 and (part := os.read(descriptor, min(left, 1 << 24))):
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _read(path: Path, header_only: bool = False) -> tuple[dict[str, Any], bytes]:
    """The checked header and (unless ``header_only``) the whole file, read within the
    sizes the header and the file give: nothing is read beyond them."""
    descriptor, size = _open(path)
    try:
        head = _read_exactly(descriptor, 8)
        if len(head) < 8:
            raise _unreadable(path, head, size, "shorter than the 8-byte header length")
        (length,) = struct.unpack("<Q", head)
        if length > size - 8 or length > _MAX_HEADER:
            raise _unreadable(path, head, size, f"the header claims {length} bytes")
        text = _read_exactly(descriptor, length)  # cut short, it is no JSON either
        header, end = _check_header(path, head, size, text)
        if 8 + length + end != size:
            raise _unreadable(path, head, size, f"the header describes {8 + length + end} bytes")
        if header_only:
            return header, b""
        rest = _read_exactly(descriptor, end)
        if len(rest) < end:
            raise _unreadable(path, head, size, "the file shrank while it was read")
        return header, head + text + rest
    finally:
        os.close(descriptor)


def _check_header(path: Path, head: bytes, size: int, text: bytes) -> tuple[dict[str, Any], int]:
    """The JSON header, checked enough to say clearly what is wrong with a bad file, and the
    number of data bytes it describes."""
    try:
        header = json.loads(text)
    except (UnicodeDecodeError, ValueError):  # JSONDecodeError, a number too long to parse
        raise _unreadable(path, head, size, "the header is not JSON") from None
    except RecursionError:
        raise _unreadable(path, head, size, "the header is nested too deeply") from None
    if not isinstance(header, dict):
        raise _unreadable(path, head, size, "the header is not a JSON object")
    metadata = header.get("__metadata__", {})
    if not isinstance(metadata, dict) or not all(
        isinstance(value, str) for value in metadata.values()
    ):
        raise _unreadable(path, head, size, "its __metadata__ is not an object of strings")
    end = 0
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        offsets = entry.get("data_offsets") if isinstance(entry, dict) else None
        shape = entry.get("shape") if isinstance(entry, dict) else None
        if not (isinstance(entry, dict) and isinstance(entry.get("dtype"), str)
                and isinstance(shape, list) and all(type(n) is int and n >= 0 for n in shape)
                and isinstance(offsets, list) and len(offsets) == 2
                and all(type(n) is int for n in offsets) and 0 <= offsets[0] <= offsets[1]):
            raise _unreadable(path, head, size, f"the entry of tensor {name[:80]!r} is malformed")
        end = max(end, offsets[1])
    return header, end


def _unreadable(path: Path, head: bytes, size: int, detail: str) -> CheckpointError:
    if head[:4] == b"PK\x03\x04" or head[:1] == b"\x80":
        return CheckpointError(
            f"'{path}' looks like a torch.save file (a pickle), not safetensors. tinygrad_edu "
            "does not load pickles, since loading one can run any code. Convert it once in "
            "PyTorch, from a source you trust: safetensors.torch.save_file(torch.load(path), "
            "'model.safetensors')."
        )
    return CheckpointError(
        f"'{path}' is not a readable safetensors file ({detail}; the file has {size} "
        "bytes): it is truncated or corrupt (an interrupted copy or download?), or in another "
        "format. Copy or download it again, or save it again with tinygrad_edu.save(...)."
    )
