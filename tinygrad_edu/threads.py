"""How many threads the matrix products use: PyTorch's ``set_num_threads`` / ``get_num_threads``.

A matrix product (``@``, ``Linear``, the unfolded convolutions) runs in the BLAS library under
NumPy, which starts as many threads as the machine has cores. For the small matrices of the
lecture's models, threads cost more than they bring, and on a busy machine (a browser open,
two other programs, a shared CI runner) each extra thread waits for a core: a training run
measured 1.9-2.5 times slower with NumPy's default than with one thread. ``threadpoolctl``
sets the count in the BLAS library already loaded (OpenBLAS, MKL, BLIS), for the whole process.

Examples:
    >>> import tinygrad_edu as tg
    >>> before = tg.get_num_threads()
    >>> tg.set_num_threads(1)
    >>> tg.get_num_threads()
    1
    >>> tg.set_num_threads(before)
"""

from __future__ import annotations

import operator
import os
from typing import Any


def _controller() -> Any:
    import numpy  # noqa: F401 - loads the BLAS library that threadpoolctl looks for
    from threadpoolctl import ThreadpoolController  # imported at first use

    return ThreadpoolController()


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, where the system tells it): a
    container or ``taskset`` may allow fewer than the machine has.

    Examples:
        >>> usable_cores() >= 1
        True
    """
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        return max(1, len(affinity(0)))
    return os.cpu_count() or 1


def set_num_threads(count: int) -> None:
    """Use ``count`` threads for matrix products from now on (the whole process), as
    ``torch.set_num_threads``.

    Raises:
        ValueError: ``count`` is not a whole number of at least 1.
    """
    try:
        if isinstance(count, bool):
            raise TypeError
        count = operator.index(count)
    except TypeError:
        raise ValueError(
            f"set_num_threads() takes a whole number of threads, such as 1, not {count!r}"
        ) from None
    if count < 1:
        raise ValueError(f"set_num_threads() takes at least 1 thread, not {count}")
    _controller().limit(limits=count, user_api="blas")


def get_num_threads() -> int:
    """The threads matrix products use now, as ``torch.get_num_threads`` (the most any loaded
    BLAS library uses; the usable cores when no BLAS library reports a count)."""
    counts = [entry["num_threads"] for entry in _controller().info()
              if entry.get("user_api") == "blas"]
    return max(counts) if counts else usable_cores()
