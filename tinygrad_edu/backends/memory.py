"""glibc's allocator, set for training loops: freed memory is kept for the next step.

A training step makes and frees the same large arrays every step: gradients (a 784 x 128
weight's is 400 kB), the optimizer's temporaries, the CNN's unfolded patches (megabytes).
With glibc's defaults, an array above the mmap threshold (128 kB at first) is mapped and
unmapped every step, and when a large block is freed at the top of the heap the heap is
trimmed (given back to the kernel) and grown again at the next step; either way the array's
pages are faulted in afresh, step after step. Measured here (2-core VM, one BLAS thread): the
784-128-10 MLP at batch 2 made 164 page faults per step with SGD and 590 with Adam, and took
0.96 and 2.25 ms per step against 0.42 and 0.61 ms with the thresholds below; the CNN at batch
64 made 4,100 per step, 2-3 times its step time. Hand-written NumPy, whose temporaries happen
to fall differently, made none. glibc raises its thresholds by itself only after a large
mapped block has been freed, and not in every pattern.

So, on Linux with glibc, the NumPy backend sets two thresholds when it is first made:
``M_MMAP_THRESHOLD`` = 32 MiB (arrays up to that size come from the heap) and
``M_TRIM_THRESHOLD`` = 256 MiB (the heap keeps up to that much freed memory for reuse instead
of handing it back). The price: a process may hold on to up to 256 MiB it no longer uses.
``TINYGRAD_EDU_MALLOC=system`` leaves glibc's defaults alone; elsewhere than Linux with glibc
nothing changes.

Examples:
    >>> from tinygrad_edu.backends import memory
    >>> memory.ENV
    'TINYGRAD_EDU_MALLOC'
"""

from __future__ import annotations

import ctypes
import os
import sys

ENV = "TINYGRAD_EDU_MALLOC"  # "system": leave glibc's thresholds as they are
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (malloc.h)
_applied = False


def keep_freed_memory() -> bool:
    """Set glibc's trim and mmap thresholds as the module says, once per process; True if
    they are set (now or before), False where they are not (another C library or platform,
    or ``TINYGRAD_EDU_MALLOC=system``)."""
    global _applied
    if _applied:
        return True
    if not sys.platform.startswith("linux") or os.environ.get(ENV, "").lower() == "system":
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        trim = libc.mallopt(_M_TRIM_THRESHOLD, 256 * 2**20)
        mapped = libc.mallopt(_M_MMAP_THRESHOLD, 32 * 2**20)
    except (OSError, AttributeError):  # musl and other C libraries: no libc.so.6 / mallopt
        return False
    _applied = bool(trim and mapped)  # mallopt returns 1 on success
    return _applied
