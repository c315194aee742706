"""tinygrad_edu's CuPy backend: tensors on an NVIDIA GPU.

Installed, it is selected like any backend::

    TINYGRAD_EDU_BACKEND=cupy python train.py

This module is what the entry point names, so it stays light: importing it (which
``tinygrad_edu.available_backends()`` never does) costs nothing. CuPy is imported inside
:func:`make_backend`, the first time the backend is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tinygrad_edu.backends import BackendError

if TYPE_CHECKING:
    from .backend import CupyBackend

__version__ = "0.1.0"

# The plugin is installed, so only the CuPy wheel for the machine's CUDA version is missing.
NEEDS_CUPY = (
    "Backend 'cupy' needs CuPy, which is not installed: pip install cupy-cuda12x "
    "(for CUDA 13: pip install cupy-cuda13x)"
)


def make_backend() -> CupyBackend:
    """The factory the entry point ``cupy = "tinygrad_edu_cupy:make_backend"`` names.

    Raises:
        BackendError: CuPy is missing, or no CUDA GPU is usable (with what to do instead).

    Examples:
        >>> import tinygrad_edu as tg
        >>> x = tg.Tensor([1.0, 2.0], backend="cupy")  # doctest: +SKIP
    """
    try:
        import cupy  # noqa: F401  (the heavy import happens here, not at listing time)
    except ImportError as error:
        if error.name == "cupy":
            raise BackendError(NEEDS_CUPY) from error
        # CuPy is there but broken (a missing CUDA library, say): say so, not "not installed".
        raise BackendError(
            f"Backend 'cupy': CuPy is installed but failed to import ({error}). Check that the "
            "cupy-cudaXXx wheel matches your CUDA driver, or use TINYGRAD_EDU_BACKEND=numpy."
        ) from error
    from .backend import CupyBackend

    return CupyBackend()


__all__ = ["NEEDS_CUPY", "make_backend"]
