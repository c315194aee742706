"""Checkpoints: save and load a state_dict as a safetensors file. No pickle, so no code runs.

A safetensors file is simple enough to read by eye::

    8 bytes    N, the length of the header (an unsigned 64-bit little-endian integer)
    N bytes    the header, JSON: {"0.weight": {"dtype": "F32", "shape": [4, 3],
                                  "data_offsets": [0, 48]}, ..., "__metadata__": {...}}
    the rest   the tensors' bytes, row after row (C order), little-endian

Loading reads numbers and nothing else, unlike ``torch.save`` files (pickles, which can run
any code when loaded), so a downloaded checkpoint is safe to open. The names are PyTorch's
state_dict names, so the same file loads into the equivalent ``torch.nn`` model::

    import safetensors.torch
    torch_model.load_state_dict(safetensors.torch.load_file("model.safetensors"))

``save`` writes atomically: into a temporary file beside the target, flushed to disk, then
renamed over it in one step. An interruption (an error, Ctrl-C, a full disk) leaves the old
file as it was and no half-written file behind.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np  # host-side file code: every backend's arrays pass through NumPy here

from ..backends.base import Backend
from ..backends.registry import get_backend
from ..device import device, pick
from ..tensor import Tensor
from .reading import _BINARY, CheckpointError, _kind, _read, _unreadable

__all__ = ["CheckpointError", "load", "load_metadata", "save"]

_CHUNK = 1 << 20  # write a megabyte at a time


def _safetensors() -> Any:
    """The safetensors package, imported at first use (``import tinygrad_edu`` stays quick)."""
    try:
        import safetensors
        import safetensors.numpy
    except ImportError as error:  # a dependency, but a hand-made environment may lack it
        raise ImportError(
            "checkpoints need the safetensors package: pip install safetensors "
            "(it is a dependency of tinygrad-edu, so reinstalling tinygrad-edu brings it)"
        ) from error
    return safetensors


# The safetensors dtypes that NumPy can hold; tinygrad_edu then keeps floats as float32 or
# float64, integers as int64, and bool (see Tensor).
_NUMPY_DTYPES = {"F64", "F32", "F16", "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8", "BOOL"}


def save(
    state_dict: Mapping[str, Any],
    path: str | os.PathLike[str],
    metadata: Mapping[str, str] | None = None,
) -> None:
    """Write ``state_dict`` (names to tensors) to ``path`` as a safetensors file, atomically.

    Args:
        state_dict: a flat mapping from names to Tensors (or NumPy arrays), e.g.
            ``model.state_dict()``. Tensors on any backend are copied to the host.
        path: the file to write, usually ending in ``.safetensors``; its directory must exist.
            An existing file is replaced only once the new one is complete.
        metadata: optional text to store in the header, ``{str: str}`` (e.g. the epoch and
            the accuracy, as strings); read it back with :func:`load_metadata`.

    Raises:
        TypeError: a name that is not a string, a value that is not a tensor, or metadata
            that is not ``str -> str``.
        FileNotFoundError: the directory does not exist.
        OSError: ``path`` exists but is not a regular file (a FIFO, a device): it is left
            as it is.

    Examples:
        >>> import os, tempfile
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.serialization import save, load
        >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
        >>> save({"0.weight": tg.ones(2, 3), "0.bias": tg.zeros(2)}, path)
        >>> weights = load(path)
        >>> weights["0.weight"].shape, weights["0.bias"].tolist()
        (Size([2, 3]), [0.0, 0.0])
    """
    path = Path(path)
    if path.suffix.lower() in (".pt", ".pth"):
        warnings.warn(
            f"'{path}' ends in {path.suffix}, but the file is safetensors, which torch.load "
            f"does not read: name it '{path.with_suffix('.safetensors').name}', and load it in "
            "PyTorch with safetensors.torch.load_file(path).",
            UserWarning,
            stacklevel=2,
        )
    arrays = _host_arrays(state_dict)
    header_text = _check_metadata(metadata)
    data = _safetensors().numpy.save(arrays, metadata=header_text)
    _write_atomically(path, data)


def load(path: str | os.PathLike[str], map_location: Any = None, *,
         backend: str | Backend | None = None, weights_only: bool = True,
         mmap: bool | None = None) -> dict[str, Tensor]:
    """Read a safetensors file into a dict of Tensors (no pickle: no code from the file runs).

    Args:
        path: a ``.safetensors`` file, written by :func:`save` or by
            ``safetensors.torch.save_file``.
        map_location: where the tensors go, as ``torch.load`` takes it: a device
            (``"cpu"``, ``"cuda"``, ``tg.device("cuda:0")``) or a backend's name. The file
            records no device, so there is nothing for a dict or a function to remap.
        backend: the same choice by backend name (``"numpy"``, ``"cupy"``); default: the
            current backend (see :func:`tinygrad_edu.get_backend`).
        weights_only: accepted as ``torch.load`` takes it (``torch.load(path,
            weights_only=True)``); a safetensors file holds nothing but tensors, so both values
            load the same.
        mmap: accepted as ``torch.load`` takes it; the file is read whole either way, and the
            tensors are the same.

    Returns:
        ``{name: Tensor}``, ready for ``model.load_state_dict(...)``. float32, float64, int64
        and bool keep their dtype; float16 becomes float32 and the smaller integers int64, as
        everywhere in tinygrad_edu.

    Raises:
        FileNotFoundError: no file at ``path``.
        CheckpointError: the file is truncated, corrupt, not safetensors (a ``torch.save``
            pickle, say), holds a dtype NumPy has no type for (bfloat16, float8), or is no
            regular file (a FIFO, a device); reads stop at the sizes of the header and file.

    Examples:
        >>> import os, tempfile
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.serialization import save, load
        >>> path = os.path.join(tempfile.mkdtemp(), "steps.safetensors")
        >>> save({"steps": tg.tensor([1, 2, 3])}, path)
        >>> load(path)["steps"]
        tensor([1, 2, 3])
    """
    if map_location is not None and not isinstance(map_location, str | device):
        raise TypeError(
            f"load(): map_location={map_location!r} is not a device; a safetensors file records "
            "no device, so a dict or function has nothing to remap. Say where the tensors go: "
            "map_location='cpu' or 'cuda'."
        )
    target = get_backend(pick(backend, map_location))
    path = Path(path)
    header, data = _read(path)
    for name, entry in header.items():
        dtype = entry.get("dtype") if isinstance(entry, dict) else None
        if name != "__metadata__" and isinstance(dtype, str) and dtype not in _NUMPY_DTYPES:
            raise CheckpointError(
                f"'{path}': tensor {name!r} has dtype {dtype}, which NumPy (and "
                "so tinygrad_edu) has no type for. Convert it in PyTorch first, e.g. "
                "safetensors.torch.save_file({k: v.float() for k, v in "
                "safetensors.torch.load_file(path).items()}, 'float32.safetensors')."
            )
    st = _safetensors()
    try:
        arrays = st.numpy.load(data)
    except (st.SafetensorError, ValueError, KeyError, TypeError) as error:
        raise _unreadable(path, data[:8], len(data), str(error)) from None
    return {name: Tensor(array, backend=target) for name, array in arrays.items()}


def load_metadata(path: str | os.PathLike[str]) -> dict[str, str]:
    """The text ``metadata`` that :func:`save` stored in the file's header (``{}`` if none).

    Examples:
        >>> import os, tempfile
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.serialization import save, load_metadata
        >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
        >>> save({"w": tg.ones(1)}, path, metadata={"epoch": "3"})
        >>> load_metadata(path)
        {'epoch': '3'}
    """
    path = Path(path)
    return dict(_read(path, header_only=True)[0].get("__metadata__") or {})


# -- writing ---------------------------------------------------------------------------------------
def _host_arrays(state_dict: Mapping[str, Any]) -> dict[str, np.ndarray]:
    if hasattr(state_dict, "state_dict") and hasattr(state_dict, "parameters"):
        raise TypeError(
            "save() takes the model's state_dict, not the model: save(model.state_dict(), path)"
        )
    if not isinstance(state_dict, Mapping):
        raise TypeError(
            f"save() takes a dict of names to tensors (e.g. model.state_dict()), but got "
            f"{type(state_dict).__name__}."
        )
    arrays = {}
    for name, value in state_dict.items():
        if not isinstance(name, str):
            raise TypeError(
                f"save(): every name must be a string, but got {name!r} "
                f"({type(name).__name__}); use names like '0.weight'."
            )
        if isinstance(value, Tensor):
            array = np.asarray(value.backend.to_numpy(value._data))
        elif isinstance(value, np.ndarray | np.generic):
            array = np.asarray(value)
        elif isinstance(value, Mapping):
            raise TypeError(
                f"save(): the value of {name!r} is a dict; a checkpoint holds a flat "
                "{name: tensor} dict such as model.state_dict() (an optimizer's state_dict, "
                "with its nested groups, does not fit the safetensors format)."
            )
        else:
            raise TypeError(
                f"save(): the value of {name!r} is {type(value).__name__}, not a Tensor; "
                "wrap numbers in a tensor first, e.g. tg.tensor(value)."
            )
        if not array.flags.c_contiguous:  # safetensors writes rows in order, C order
            array = array.copy(order="C")
        arrays[name] = array
    return arrays


def _check_metadata(metadata: Mapping[str, str] | None) -> dict[str, str] | None:
    if metadata is None:
        return None
    if not isinstance(metadata, Mapping):
        raise TypeError(f"save(): metadata must be a dict of str to str, not {type(metadata)}.")
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):  # type: ignore[redundant-expr]
            raise TypeError(
                f"save(): metadata must map str to str, but {key!r} maps to {value!r} "
                f"({type(value).__name__}); convert it, e.g. str(value) or json.dumps(value)."
            )
    return dict(metadata)


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory (a rename is
    atomic only within one file system), so ``path`` is always either the old or the new file."""
    directory = path.parent
    if path.is_dir():
        raise IsADirectoryError(
            f"Cannot save to '{path}': it is a directory; give a file name such as "
            f"'{path / 'model.safetensors'}'."
        )
    if not directory.is_dir():
        raise FileNotFoundError(
            f"Cannot save to '{path}': the directory '{directory}' does not exist; create it "
            f"first: os.makedirs('{directory}', exist_ok=True)."
        )
    with contextlib.suppress(FileNotFoundError):  # the rename would replace a device or FIFO
        mode = os.stat(path).st_mode  # after following links
        if not stat.S_ISREG(mode):
            raise OSError(
                f"Cannot save to '{path}': it is {_kind(mode)}, not a regular file, and saving "
                "never replaces one; give the name of a new or regular file."
            )
    temporary = directory / f".{path.name}.{secrets.token_hex(4)}.tmp"
    # O_EXCL: never write into a file someone else made; mode 0o666 less the umask, as open().
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o666)
    try:
        with os.fdopen(descriptor, "wb") as file:
            _write_all(file, data)
            file.flush()
            os.fsync(file.fileno())  # on disk before the rename makes it visible
        os.replace(temporary, path)
    except BaseException:  # also Ctrl-C: leave no temporary file behind
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    fsync_directory(directory)


def _write_all(file: Any, data: bytes) -> None:
    view = memoryview(data)
    for start in range(0, len(view), _CHUNK):
        file.write(view[start : start + _CHUNK])


def fsync_directory(directory: Path) -> None:
    """Make renames and new names inside ``directory`` durable (POSIX); Windows cannot open a
    directory, and needs not. The command line's run folders use it too."""
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


# -- reading ---------------------------------------------------------------------------------------
