"""Devices, PyTorch's way of saying where a tensor lives, mapped onto backends.

PyTorch code says ``device="cpu"`` or ``device="cuda"``; tinygrad_edu's own word is the backend.
The two name the same thing here: ``"cpu"`` is the NumPy backend and ``"cuda"`` (or
``"cuda:0"``) the CuPy one, so ``x.to("cuda")``, ``tg.zeros(3, device="cuda")`` and
``tg.zeros(3, backend="cupy")`` all mean the same. Any other backend is its own device, named
as the backend is (``device("array_api_strict")``).

Examples:
    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([0.0, 0.0], device="cpu")
    >>> x.device, str(x.device), x.backend.name
    (device(type='cpu'), 'cpu', 'numpy')
"""

from __future__ import annotations

from typing import Any

#: Device types and the backend each one means.
DEVICE_BACKENDS = {"cpu": "numpy", "cuda": "cupy"}
_DEVICE_OF_BACKEND = {backend: kind for kind, backend in DEVICE_BACKENDS.items()}


class device:  # noqa: N801 - PyTorch's name
    """Where a tensor lives: ``device("cpu")``, ``device("cuda")``, ``device("cuda:0")``,
    ``device("cuda", 0)``, or a backend's name.

    Attributes:
        type: ``"cpu"``, ``"cuda"`` or a backend's name.
        index: the device number (``0`` for ``"cuda:0"``), or None.
    """

    __slots__ = ("type", "index")
    type: str
    index: int | None

    def __init__(self, type: str | device, index: int | None = None) -> None:
        if isinstance(type, device):
            if index is None:
                index = type.index
            type = type.type
        if not isinstance(type, str):
            raise TypeError(f"device() takes a string such as 'cpu' or 'cuda:0', not {type!r}")
        name, _, number = type.partition(":")
        if number:
            if index is not None:
                raise ValueError(f"device({type!r}, {index}): give the index once")
            if not number.isdigit():
                raise ValueError(f"device {type!r}: the index after ':' must be a number")
            index = int(number)
        if name == "cuda" and index not in (None, 0):
            raise ValueError(
                f"device 'cuda:{index}': the CuPy backend runs on one GPU, CuPy's current one; "
                "use 'cuda' (or 'cuda:0') and choose the GPU with CUDA_VISIBLE_DEVICES."
            )
        if name == "cpu" and index not in (None, 0):
            raise ValueError(f"device 'cpu:{index}': there is one CPU device; use 'cpu'")
        self.type = name
        self.index = index

    @property
    def backend_name(self) -> str:
        """The backend this device means (``"numpy"`` for ``"cpu"``, ``"cupy"`` for ``"cuda"``)."""
        return DEVICE_BACKENDS.get(self.type, self.type)

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type={self.type!r})"
        return f"device(type={self.type!r}, index={self.index})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            other = device(other)
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and (self.index or 0) == (other.index or 0)

    def __hash__(self) -> int:
        return hash((self.type, self.index or 0))


def device_of_backend(backend_name: str) -> device:
    """The device a backend's tensors live on: ``cpu`` for NumPy, ``cuda:0`` for CuPy."""
    kind = _DEVICE_OF_BACKEND.get(backend_name, backend_name)
    return device(kind, 0) if kind == "cuda" else device(kind)


def backend_name_of(where: Any) -> Any:
    """A backend argument with device spellings turned into backend names; anything else
    (a backend's name, a Backend, None) is returned as it is."""
    if isinstance(where, device):
        return where.backend_name
    if isinstance(where, str):
        name = where.partition(":")[0]
        if name in DEVICE_BACKENDS:
            return device(where).backend_name
    return where


def pick(backend: Any, device_arg: Any) -> Any:
    """The backend asked for by ``backend=`` and/or PyTorch's ``device=`` (one or both)."""
    if device_arg is None:
        return backend
    if backend is None:
        return backend_name_of(device_arg)
    chosen = backend_name_of(device_arg)
    name = getattr(backend, "name", backend)
    if chosen != name:
        raise ValueError(
            f"backend={name!r} and device={str(device_arg)!r} disagree; give one of them"
        )
    return backend

