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
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np


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
    global _workers
    _workers = min(count, usable_cores())


def get_num_threads() -> int:
    """The threads matrix products use now, as ``torch.get_num_threads`` (the most any loaded
    BLAS library uses; the usable cores when no BLAS library reports a count)."""
    counts = [entry["num_threads"] for entry in _controller().info()
              if entry.get("user_api") == "blas"]
    return max(counts) if counts else usable_cores()


# -- the engine's own array work on several cores ----------------------------------------------
# NumPy parallelises only BLAS. The rest of a convolutional network's step (unfold and fold,
# relu) runs on one core unless split: NumPy releases the GIL inside its loops, so pieces of an
# array given to a pool of threads run at the same time. Each element is computed by the same
# operations in the same order as in one piece, so the result is the same to the last bit.
# Handing a piece to a thread and waiting for it costs about 0.2 ms on the 2-core machine this
# was measured on (quiet, NumPy 2.4), and OpenBLAS's own threads, spinning after each matrix
# product, compete for the second core. np.maximum of a conv activation of 346,000 floats took
# 64 µs in one piece and 254 µs split over 2 threads; 1.4 million elements broke even; 5.5
# million gained on their own (2.6 vs 1.8 ms). In whole CNN steps (``python
# benchmarks/split_threads.py``, medians) splitting lost at batch 64 (8.9 ms split at the old
# threshold of 65,536 elements against 7.9 ms) and at batch 512 (43.1 against 41.6 ms, arrays
# of 2 million elements split). So only arrays of 8 million elements or more are split now.
# Set $TINYGRAD_EDU_SPLIT_THREADS=1 to turn it off altogether (the script sets it in-process).
MIN_SPLIT_ELEMENTS = 1 << 23  # below this, handing work to a thread costs more than it saves
_workers: int | None = None  # threads for the engine's own loops; None: not read from BLAS yet
SPLIT_THREADS_ENV = "TINYGRAD_EDU_SPLIT_THREADS"  # the count for the engine's loops, if set
_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def work_threads() -> int:
    """How many threads unfold, fold and relu split their work over:
    ``$TINYGRAD_EDU_SPLIT_THREADS`` when set (a whole number; 1 turns the splitting off), else
    ``get_num_threads()`` (at most
    the usable cores), read once and then kept up to date by ``set_num_threads``, so that hot
    paths read a number, not the BLAS library."""
    global _workers
    if _workers is None:
        chosen = os.environ.get(SPLIT_THREADS_ENV, "")
        if chosen.isdigit() and int(chosen) >= 1:
            _workers = min(int(chosen), usable_cores())
        else:
            _workers = min(get_num_threads(), usable_cores())
    return _workers


def _get_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(1, usable_cores() - 1),
                                       thread_name_prefix="tinygrad_edu")
        return _pool


def splittable(*arrays: Any) -> bool:
    """Whether work on ``arrays`` may be split over threads: more than one thread is allowed
    and every array is a plain NumPy array (CuPy's run on the GPU; a subclass, such as
    ``tg.jit``'s traced arrays, records its calls in order and must see them one at a time)."""
    return work_threads() > 1 and all(type(a) is np.ndarray for a in arrays)


def split(size: int, work: Callable[[int, int], Any], elements: int) -> None:
    """Run ``work(start, stop)`` over consecutive pieces of ``range(size)`` that together cover
    it, on up to ``work_threads()`` threads (this one included) when ``elements``, the array
    elements the whole work touches, is large enough; else ``work(0, size)`` here. ``work``
    must write only what its own piece owns. An error in any piece is raised here.

    Examples:
        >>> import numpy as np
        >>> out = np.empty(200_000)
        >>> def square(start, stop):
        ...     np.square(np.arange(start, stop, dtype=float), out=out[start:stop])
        >>> split(len(out), square, elements=len(out))
        >>> bool(out[-1] == 199_999.0**2)
        True
    """
    threads = min(work_threads(), size)
    if threads < 2 or elements < MIN_SPLIT_ELEMENTS:
        work(0, size)
        return
    bounds = [size * i // threads for i in range(threads + 1)]
    pool = _get_pool()
    futures = [pool.submit(work, bounds[i], bounds[i + 1]) for i in range(1, threads)]
    try:
        work(bounds[0], bounds[1])
    finally:
        for future in futures:
            future.result()


def outer_axis(array: Any) -> int:
    """The axis whose steps in memory are the longest: pieces along it are whole blocks."""
    strides = [abs(s) if n > 1 else 0 for s, n in zip(array.strides, array.shape, strict=True)]
    return strides.index(max(strides)) if strides else 0


def elementwise(ufunc: Any, x: Any, *others: Any, dtype: Any = None) -> Any:
    """``ufunc(x, *others)`` (others: arrays of ``x``'s shape or 0-d), split over threads
    along ``x``'s outermost axis in memory when :func:`splittable` and large enough."""
    if (getattr(x, "size", None) or 0) < MIN_SPLIT_ELEMENTS:  # the usual case: at once
        return ufunc(x, *others) if dtype is None else ufunc(x, *others, dtype=dtype)
    arrays = [a for a in others if getattr(a, "ndim", 0)]
    if not splittable(x, *arrays) or any(a.shape != x.shape for a in arrays):
        return ufunc(x, *others) if dtype is None else ufunc(x, *others, dtype=dtype)
    out = np.empty_like(x, dtype=dtype)  # x's memory order
    axis = outer_axis(x)
    lead = (slice(None),) * axis

    def piece(start: int, stop: int) -> None:
        key = (*lead, slice(start, stop))
        parts = [a[key] if getattr(a, "ndim", 0) else a for a in others]
        ufunc(x[key], *parts, out=out[key], dtype=dtype)

    split(x.shape[axis], piece, x.size)
    return out
