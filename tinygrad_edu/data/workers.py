"""Worker processes for ``DataLoader(num_workers=n)``: reading and collating batches in parallel.

The main process decides everything (the order of the samples, which batch is which) and
sends each worker the *positions* of a batch; the worker reads those samples from its own
copy of the dataset, collates them, and sends back NumPy arrays. The main process turns the
arrays into Tensors and hands the batches out in order (batch ``k`` goes to worker
``k % n``), so the batches are exactly those of ``num_workers=0``, in the same order.

    main:     positions of batch k  --index queue of worker k % n-->  worker
    worker:   dataset[i] for each i, collate, Tensors -> NumPy arrays
    main:     <--result queue--  (k, arrays)  -> Tensors, yielded in order of k

Randomness, as in PyTorch: each epoch (or once, with ``persistent_workers``) the main process
draws a ``base_seed``; worker ``i`` seeds Python's ``random``, NumPy's global generator and
the library's generator with ``base_seed + i`` before it calls ``worker_init_fn(i)``.
(PyTorch leaves NumPy's global generator alone, so random NumPy augmentations repeat across
its workers; here they do not.) :func:`get_worker_info` tells code inside a worker which one
it is. An exception in a worker is raised again in the main process with the worker's
traceback in the message.
"""

from __future__ import annotations

import multiprocessing
import pickle
import queue
import random
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..backends.registry import manual_seed, set_backend
from ..tensor import Tensor
from .fetch import End

_POLL_SECONDS = 1.0  # how often a waiting main process checks that its workers are alive


@dataclass(frozen=True)
class WorkerInfo:
    """What a worker knows about itself: its ``id`` (0 .. num_workers - 1), ``num_workers``,
    its ``seed`` (base_seed + id) and its copy of the ``dataset``."""

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """Inside a DataLoader worker, its :class:`WorkerInfo`; in the main process, None (as
    ``torch.utils.data.get_worker_info``).

    Examples:
        >>> print(get_worker_info())
        None
    """
    return _worker_info


class _TensorArray:
    """A NumPy array that was a Tensor in the worker (so the main process makes it one again,
    and leaves arrays the collate function made as arrays)."""

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray) -> None:
        self.array = array


def _to_numpy(batch: Any) -> Any:
    """The batch with every Tensor replaced by its NumPy array (tuples, lists, dicts walked)."""
    if isinstance(batch, Tensor):
        return _TensorArray(batch.numpy())
    if isinstance(batch, tuple | list):
        return type(batch)(_to_numpy(item) for item in batch)
    if isinstance(batch, dict):
        return {key: _to_numpy(value) for key, value in batch.items()}
    return batch


def to_tensors(batch: Any, backend: Any) -> Any:
    """The inverse of :func:`_to_numpy`, in the main process: Tensors on ``backend``."""
    if isinstance(batch, _TensorArray):
        return Tensor._from_data(backend.asarray(batch.array), backend)
    if isinstance(batch, tuple | list):
        return type(batch)(to_tensors(item, backend) for item in batch)
    if isinstance(batch, dict):
        return {key: to_tensors(value, backend) for key, value in batch.items()}
    return batch


def _seed_everything(seed: int) -> None:
    set_backend("numpy")  # workers make host arrays; the main process moves them
    random.seed(seed)
    np.random.seed(seed % 2**32)
    manual_seed(seed)


def _worker_loop(fetch: Any, index_queue: Any, result_queue: Any,
                 worker_init_fn: Callable[[int], None] | None, worker_id: int,
                 num_workers: int, seed: int) -> None:
    """One worker: set up, then answer ``(epoch, k, positions)`` with ``(epoch, k, ok, batch)``
    until it receives None. ``fetch(positions)`` makes one batch (it holds the dataset)."""
    global _worker_info
    _worker_info = WorkerInfo(worker_id, num_workers, seed, fetch.dataset)
    try:
        _seed_everything(seed)
        if worker_init_fn is not None:
            worker_init_fn(worker_id)
    except Exception:  # noqa: BLE001 - reported to the main process, which raises it
        result_queue.put((-1, -1, False, _failure(worker_id, "in worker_init_fn")))
        return
    while True:
        task = index_queue.get()
        if task is None:
            return
        epoch, k, positions = task
        try:
            result = (epoch, k, True, _to_numpy(fetch(positions)))
        except Exception:  # noqa: BLE001 - the same: the main process raises it
            result = (epoch, k, False, _failure(worker_id, f"reading batch {k}"))
        result_queue.put(result)


def _failure(worker_id: int, where: str) -> tuple[type | None, str]:
    """The exception being handled, as (its type if it pickles, else None; a message with the
    worker's traceback)."""
    kind = sys.exc_info()[0]
    message = (f"Caught {getattr(kind, '__name__', kind)} in DataLoader worker process "
               f"{worker_id} ({where}).\nOriginal {traceback.format_exc()}")
    try:
        pickle.dumps(kind)
    except Exception:  # noqa: BLE001 - a type defined where the main process cannot find it
        kind = None
    return kind, message


class _Message(str):
    """A message that prints the same in ``repr`` (KeyError shows its argument's repr)."""

    def __repr__(self) -> str:
        return str(self)


def _reraise(failure: tuple[type | None, str]) -> None:
    """Raise the worker's exception again here: the same type, the worker's traceback in the
    message (RuntimeError when the type cannot be made from one message)."""
    kind, message = failure
    error: Exception = RuntimeError(message)
    if kind is not None and issubclass(kind, Exception):
        try:
            error = kind(_Message(message))
        except Exception:  # noqa: BLE001 - a type whose constructor wants other arguments
            pass
    raise error


class WorkerPool:
    """``num_workers`` processes, their queues, and the batches they have sent back early."""

    def __init__(self, fetch: Any, num_workers: int,
                 worker_init_fn: Callable[[int], None] | None, base_seed: int, context: Any,
                 timeout: float) -> None:
        ctx: Any = context
        if context is None or isinstance(context, str):
            ctx = multiprocessing.get_context(context)
        self.timeout = timeout
        self.result_queue = ctx.Queue()
        self.index_queues = [ctx.Queue() for _ in range(num_workers)]
        self.processes = [
            ctx.Process(
                target=_worker_loop,
                args=(fetch, self.index_queues[i], self.result_queue, worker_init_fn, i,
                      num_workers, base_seed + i),
                daemon=True,
            )
            for i in range(num_workers)
        ]
        self.epoch = 0
        try:
            for process in self.processes:
                process.start()
        except (AttributeError, TypeError, pickle.PicklingError) as error:
            self.shutdown(wait=False)
            raise RuntimeError(
                f"DataLoader could not start its worker processes: {error}. With the "
                f"{ctx.get_start_method()!r} start method the dataset, collate_fn and "
                "worker_init_fn are pickled to reach the workers: define them at the top "
                "level of a module (not as lambdas or inside a function or notebook cell), or "
                "use num_workers=0."
            ) from error

    def batches(self, index_batches: list[np.ndarray], prefetch: int,
                backend: Any) -> Iterator[Any]:
        """Send the batches out, at most ``prefetch`` per worker in flight, and yield them back
        as Tensors in order."""
        self.epoch += 1
        workers = len(self.processes)
        sent, waiting = 0, {}
        for next_k in range(len(index_batches)):
            while sent < len(index_batches) and sent - next_k < prefetch * workers:
                self.index_queues[sent % workers].put((self.epoch, sent, index_batches[sent]))
                sent += 1
            while next_k not in waiting:
                epoch, k, ok, batch = self._receive(next_k)
                if epoch == -1:
                    _reraise(batch)
                if epoch == self.epoch:  # (a batch of an epoch left early is dropped)
                    waiting[k] = (ok, batch)
            ok, batch = waiting.pop(next_k)
            if not ok:
                _reraise(batch)
            yield to_tensors(batch, backend)

    def stream(self, prefetch: int, backend: Any) -> Iterator[Any]:
        """An iterable dataset's batches: task ``k`` asks the next worker in turn (skipping
        those whose stream has ended) for the next batch of its own stream; the answers are
        yielded in order of ``k``, a worker's end dropped, as PyTorch hands them out."""
        self.epoch += 1
        workers = len(self.processes)
        active, owner, waiting = [True] * workers, {}, {}
        sent = next_k = turn = 0
        while True:
            while any(active) and sent - next_k < prefetch * workers:
                while not active[turn % workers]:
                    turn += 1
                owner[sent] = turn % workers
                self.index_queues[turn % workers].put((self.epoch, sent, self.epoch))
                sent, turn = sent + 1, turn + 1
            if next_k == sent:
                return
            while next_k not in waiting:
                epoch, k, ok, batch = self._receive(next_k)
                if epoch == -1:
                    _reraise(batch)
                if epoch == self.epoch:
                    waiting[k] = (ok, batch)
            ok, batch = waiting.pop(next_k)
            worker = owner.pop(next_k)
            next_k += 1
            if not ok:
                _reraise(batch)
            if isinstance(batch, End):  # (it answers End to every later task too)
                active[worker] = False
            else:
                yield to_tensors(batch, backend)

    def _receive(self, k: int) -> Any:
        waited = 0.0
        while True:
            step = _POLL_SECONDS if self.timeout <= 0 else min(_POLL_SECONDS,
                                                               self.timeout - waited)
            try:
                return self.result_queue.get(timeout=step)
            except queue.Empty:
                waited += step
            dead = [i for i, p in enumerate(self.processes) if not p.is_alive()]
            if dead:
                codes = [self.processes[i].exitcode for i in dead]
                self.shutdown()
                raise RuntimeError(
                    f"DataLoader worker(s) {dead} exited unexpectedly (exit codes {codes}) "
                    f"while batch {k} was awaited; run with num_workers=0 to see the error "
                    "in this process."
                )
            if self.timeout > 0 and waited >= self.timeout:
                worker = k % len(self.processes)
                self.shutdown(wait=False)
                raise RuntimeError(
                    f"DataLoader timed out after {self.timeout} seconds waiting for batch {k} "
                    f"from worker {worker}; raise timeout= (0 waits forever) or make "
                    "__getitem__ faster."
                )

    def shutdown(self, wait: bool = True) -> None:
        """Ask every worker to stop, and wait for them (briefly; stragglers, or all of them
        when not ``wait``, are terminated)."""
        if not self.processes:
            return
        for index_queue, process in zip(self.index_queues, self.processes, strict=True):
            if process.is_alive():
                index_queue.put(None)
        for process in self.processes:
            if process.pid is None:  # never started (the start failed)
                continue
            process.join(timeout=5 if wait else 0)
            if process.is_alive():
                process.terminate()
                process.join()
        for q in (*self.index_queues, self.result_queue):
            q.cancel_join_thread()
            q.close()
        self.processes = []
