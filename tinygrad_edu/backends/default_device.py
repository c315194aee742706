"""The default device: ``tg.set_default_device`` and ``tg.get_default_device``, PyTorch's names
for choosing the default backend (:func:`~tinygrad_edu.backends.set_backend`).

They sit here, above the registry, because they use it; the device names themselves are
resolved in :mod:`tinygrad_edu.device`, below every module that takes a ``device=``.
"""

from __future__ import annotations

from typing import Any

from ..device import backend_name_of, device, device_of_backend
from .registry import get_backend, set_backend


def set_default_device(where: Any) -> None:
    """The device new tensors go to from now on, as PyTorch's ``set_default_device``:
    ``set_default_device("cuda")`` is ``tg.set_backend("cupy")``. ``None`` goes back to the
    default (the environment variable ``TINYGRAD_EDU_BACKEND``, else the CPU). A
    ``with tg.use_backend(...)`` block still wins inside it.

    Examples:
        >>> import tinygrad_edu as tg
        >>> tg.set_default_device("cpu")
        >>> tg.get_default_device()
        device(type='cpu')
        >>> tg.set_default_device(None)
    """
    set_backend(None if where is None else backend_name_of(device(where)))


def get_default_device() -> device:
    """The device a new tensor gets when the call names none."""
    return device_of_backend(get_backend().name)
