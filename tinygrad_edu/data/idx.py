"""Reading IDX files, the format MNIST and Fashion-MNIST are published in.

An IDX file is a tiny header followed by the raw numbers of one n-dimensional array::

    offset  size     content
    0       2        two zero bytes
    2       1        the type of the numbers:
                       0x08 unsigned byte  0x09 signed byte  0x0B short (2 bytes)
                       0x0C int (4 bytes)  0x0D float (4 bytes)  0x0E double (8 bytes)
    3       1        the number of dimensions, n
    4       4 * n    the size of each dimension, as big-endian 32-bit unsigned integers
    4 + 4n  ...      the numbers, big-endian, in C order (the last index changes fastest)

Bytes 0-3 together are the "magic number": ``0x00000803`` for MNIST's images (unsigned bytes,
3 dimensions: count, rows, columns) and ``0x00000801`` for its labels (1 dimension). The files
are usually published gzip-compressed (``.gz``); :func:`read_idx` tells the two apart by the
gzip magic bytes ``1f 8b``, not by the file name.

Examples:
    >>> import gzip, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> header = bytes([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3])  # unsigned bytes, shape (2, 3)
    >>> _ = (folder / "tiny-idx2-ubyte.gz").write_bytes(gzip.compress(header + bytes(range(6))))
    >>> read_idx(folder / "tiny-idx2-ubyte.gz").tolist()
    [[0, 1, 2], [3, 4, 5]]
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import zlib
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

GZIP_MAGIC = b"\x1f\x8b"
# type code -> (name in the format's description, NumPy dtype of the big-endian numbers)
IDX_TYPES = {
    0x08: ("unsigned byte", ">u1"),
    0x09: ("signed byte", ">i1"),
    0x0B: ("short", ">i2"),
    0x0C: ("int", ">i4"),
    0x0D: ("float", ">f4"),
    0x0E: ("double", ">f8"),
}
# More dimensions than any data set has; NumPy itself stops at 64.
MAX_DIMS = 16
# Deflate cannot compress better than about 1032:1, so a gzip file of m bytes holds at most
# ~1032 * m bytes: a header promising more is corrupt, and we say so before allocating.
_MAX_GZIP_RATIO = 1032


class IdxError(ValueError):
    """An IDX file that cannot be read: its message names the file and what is wrong."""


def _read_into(stream: BinaryIO, buffer: Any) -> int:
    """Fill ``buffer`` (a writable bytes-like object) from ``stream``; returns the bytes read,
    fewer than asked only at the end of the stream."""
    if not memoryview(buffer).nbytes:
        return 0
    view = memoryview(buffer).cast("B")
    got = 0
    while got < len(view):
        count = stream.readinto(view[got:])  # type: ignore[attr-defined]
        if not count:
            break
        got += count
    return got


def _parse(stream: BinaryIO, path: Path, stored_bytes: int, compressed: bool,
           max_bytes: int | None) -> np.ndarray:
    fix = "Download the file again, or check that it is an IDX file (e.g. t10k-images-idx3-ubyte)."
    magic = bytearray(4)
    got = _read_into(stream, magic)
    if got < 4:
        raise IdxError(
            f"IDX file {path} is truncated: expected at least 4 bytes (the magic number), "
            f"got {got}. {fix}"
        )
    number = int.from_bytes(magic, "big")
    if magic[0] != 0 or magic[1] != 0:
        raise IdxError(
            f"{path} is not an IDX file: bad magic number 0x{number:08X} (an IDX file starts "
            f"with two zero bytes, e.g. 0x00000803 for images, 0x00000801 for labels). {fix}"
        )
    code, ndim = magic[2], magic[3]
    if code not in IDX_TYPES:
        known = ", ".join(f"0x{c:02X} ({name})" for c, (name, _) in IDX_TYPES.items())
        raise IdxError(
            f"IDX file {path} has unknown dtype code 0x{code:02X} in its magic number "
            f"0x{number:08X}; the format defines {known}. {fix}"
        )
    if ndim > MAX_DIMS:
        raise IdxError(
            f"IDX file {path} claims {ndim} dimensions in its magic number 0x{number:08X}; "
            f"data sets have 1 to 4 (this reader takes up to {MAX_DIMS}). {fix}"
        )
    dims_bytes = bytearray(4 * ndim)
    header = 4 + 4 * ndim
    got = _read_into(stream, dims_bytes)
    if got < len(dims_bytes):
        raise IdxError(
            f"IDX file {path} is truncated: expected {header} header bytes for {ndim} "
            f"dimensions, got {4 + got}. {fix}"
        )
    shape = struct.unpack(f">{ndim}I", dims_bytes)
    dtype = np.dtype(IDX_TYPES[code][1])
    expected = header + math.prod(shape) * dtype.itemsize
    limit = stored_bytes * _MAX_GZIP_RATIO if compressed else stored_bytes
    if max_bytes is not None and expected > max_bytes:
        raise IdxError(
            f"IDX file {path} claims shape {shape}: {expected:,} bytes, more than the largest "
            f"file of the data set ({max_bytes:,} bytes). {fix}"
        )
    if expected > limit:
        if compressed:
            what = f"{stored_bytes} compressed bytes can hold at most about {limit}"
        else:
            what = f"got {stored_bytes}"
        raise IdxError(
            f"IDX file {path} is truncated or its header is corrupt: shape {shape} of "
            f"{IDX_TYPES[code][0]}s needs {expected} bytes, {what}. {fix}"
        )
    array = np.empty(shape, dtype=dtype)
    got = header + _read_into(stream, array)
    if got < expected:
        raise IdxError(
            f"IDX file {path} is truncated: expected {expected} bytes for shape {shape}, "
            f"got {got}. {fix}"
        )
    if stream.read(1):
        raise IdxError(
            f"IDX file {path} has the wrong size: expected {expected} bytes for shape {shape}, "
            f"but more data follows. {fix}"
        )
    if not array.dtype.isnative:  # big-endian numbers on a little-endian machine
        array = array.byteswap(inplace=True).view(array.dtype.newbyteorder("="))
    return array


def read_idx(path: str | os.PathLike[str], max_bytes: int | None = None) -> np.ndarray:
    """Read one IDX file (raw or gzip-compressed) into a NumPy array.

    The file format is described in this module's docstring. The numbers are read straight
    into the returned array, so reading needs no more memory than the array itself.

    Args:
        path: the file; gzip compression is recognised by its first two bytes, whatever the
            file is called.
        max_bytes: refuse a file whose header claims more (uncompressed) bytes than this,
            before allocating anything: e.g. the size of the largest file of the data set.

    Returns:
        A writable NumPy array with the file's shape, in native byte order (``uint8`` for
        MNIST's images and labels).

    Raises:
        FileNotFoundError: the file does not exist.
        IdxError: a bad magic number, an unknown dtype code, too many dimensions, a header
            claiming more than ``max_bytes``, a truncated file (expected N bytes, got M),
            extra bytes after the data, or corrupt gzip data.

    Examples:
        >>> import pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "labels-idx1-ubyte"
        >>> _ = path.write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1]))
        >>> read_idx(path)
        array([7, 2, 1], dtype=uint8)
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"IDX file {path} does not exist (or is not a file); check the path or the data "
            "directory you passed."
        )
    with open(path, "rb") as handle:
        stored_bytes = os.fstat(handle.fileno()).st_size
        compressed = handle.read(2) == GZIP_MAGIC
        handle.seek(0)
        if not compressed:
            return _parse(handle, path, stored_bytes, False, max_bytes)
        try:
            with gzip.GzipFile(fileobj=handle, mode="rb") as stream:
                return _parse(stream, path, stored_bytes, True, max_bytes)  # type: ignore[arg-type]
        except (EOFError, OSError, zlib.error) as error:
            raise IdxError(
                f"IDX file {path} holds corrupt or cut-short gzip data ({error}). Download the "
                "file again."
            ) from None
