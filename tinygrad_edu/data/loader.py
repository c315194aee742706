"""DataLoader: a dataset served in (shuffled) mini-batches, one epoch per ``for`` loop.

The whole idea fits in a few lines: make the order of the samples (a fresh random permutation
each epoch when ``shuffle=True``), cut it into slices of ``batch_size``, and gather each slice.

For a :class:`~tinygrad_edu.data.TensorDataset` (or a :class:`~tinygrad_edu.data.Subset` of
one) gathering a batch is one ``take`` per tensor: the batch's rows are copied out in one
operation, not sample by sample. That matters: with batches of 128 MNIST digits, stacking 128
separate samples would cost more than the network's forward and backward pass. Other datasets
are read sample by sample and stacked (:func:`default_collate`). With ``num_workers=n`` the
same batches are read by ``n`` worker processes (:mod:`tinygrad_edu.data.workers`).

Examples:
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.data import DataLoader, TensorDataset
    >>> data = TensorDataset(tg.zeros((5, 2)), tg.arange(5))
    >>> loader = DataLoader(data, batch_size=2, shuffle=True, seed=0)
    >>> len(loader)
    3
    >>> [len(y) for x, y in loader]
    [2, 2, 1]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from ..backends.registry import get_backend
from ..tensor import Tensor
from .dataset import IterableDataset, host_rng
from .fetch import End, Fetch, StreamFetch, _on, _tensor_source, default_collate, key
from .sampler import BatchSampler, RandomSampler, SequentialSampler
from .workers import WorkerPool

__all__ = ["DataLoader", "default_collate"]


def _check_worker_options(num_workers: Any, timeout: Any, prefetch_factor: Any,
                          persistent_workers: bool) -> None:
    if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
        raise ValueError(
            f"DataLoader: num_workers must be an int >= 0 (0 reads batches in this process), "
            f"got {num_workers!r}"
        )
    if not isinstance(timeout, int | float) or timeout < 0:
        raise ValueError(f"DataLoader: timeout must be a number of seconds >= 0, got {timeout!r}")
    if prefetch_factor is not None and num_workers == 0:
        raise ValueError(
            "DataLoader: prefetch_factor is for worker processes; pass num_workers > 0 too, "
            "or leave prefetch_factor out"
        )
    if prefetch_factor is not None and (not isinstance(prefetch_factor, int)
                                        or prefetch_factor < 1):
        raise ValueError(f"DataLoader: prefetch_factor must be an int >= 1, got "
                         f"{prefetch_factor!r}")
    if persistent_workers and num_workers == 0:
        raise ValueError("DataLoader: persistent_workers=True needs num_workers > 0")


def _check_sampling(iterable: bool, batch_size: int, shuffle: Any, drop_last: bool,
                    sampler: Any, batch_sampler: Any) -> None:
    """PyTorch's rules for the options that choose the order and the batches."""
    if iterable and (shuffle or sampler is not None or batch_sampler is not None):
        given = "shuffle=True" if shuffle else "sampler" if sampler is not None else \
            "batch_sampler"
        raise ValueError(
            f"DataLoader with IterableDataset: expected unspecified shuffle, sampler and "
            f"batch_sampler options, but got {given}; an iterable dataset decides its own "
            "order in __iter__")
    if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None
                                      or drop_last):
        raise ValueError(
            "DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, "
            "sampler, and drop_last; the batch sampler already chooses the batches (give "
            "BatchSampler(sampler, batch_size, drop_last) those options instead)")
    if sampler is not None and shuffle:
        raise ValueError(
            "DataLoader: sampler option is mutually exclusive with shuffle; the sampler "
            "chooses the order (RandomSampler(dataset) shuffles)")


class DataLoader:
    """Iterate over a dataset in mini-batches: each ``for`` loop over it is one epoch.

    Args:
        dataset: a map-style dataset (``__len__`` and ``__getitem__``), or an
            :class:`~tinygrad_edu.data.IterableDataset`, whose stream is batched in order.
        batch_size: samples per batch.
        shuffle: visit the samples in a new random order each epoch.
        drop_last: leave out the last batch when it is smaller than ``batch_size``.
        seed: an int that makes the shuffling reproducible (epoch after epoch, the same
            sequence of orders for the same seed).
        generator: or a ``numpy.random.Generator`` to draw the orders from. With neither, the
            order is drawn from the backend's generator: ``tinygrad_edu.manual_seed`` fixes it.
        collate_fn: how to make a batch from a list of samples (default:
            :func:`default_collate`, which a TensorDataset skips: it gathers whole rows).
        num_workers: how many worker processes read and collate batches (0: this process).
            The batches and their order are those of ``num_workers=0``; see
            :mod:`tinygrad_edu.data.workers`. The dataset, ``collate_fn`` and
            ``worker_init_fn`` must pickle when the start method is "spawn".
        pin_memory: accepted for PyTorch's code; it changes nothing here. On the CPU (NumPy)
            backend there is nothing to pin; on a GPU backend batches are copied to the
            device when they are made, as without it.
        timeout: seconds to wait for a batch from a worker before raising (0: forever).
        worker_init_fn: called in each worker with its id, after the worker is seeded
            (``base_seed + id``; :func:`~tinygrad_edu.data.get_worker_info` gives the seed).
        multiprocessing_context: a start method ("fork", "spawn", "forkserver") or a
            ``multiprocessing`` context; default: the platform's.
        prefetch_factor: batches in flight per worker (default 2 with workers).
        persistent_workers: keep the worker processes from one epoch to the next.
        sampler: the positions of an epoch, in order (a :class:`~tinygrad_edu.data.Sampler`
            or any iterable of positions); cut into batches of ``batch_size``. Excludes
            ``shuffle``.
        batch_sampler: or whole batches, each a list of positions (a
            :class:`~tinygrad_edu.data.BatchSampler`); excludes ``batch_size``, ``shuffle``,
            ``sampler`` and ``drop_last``.

    Without a sampler, a TensorDataset's batches are gathered with one ``take`` per tensor
    from a permutation made on the device once per epoch; with one, each batch is one
    ``take`` of the sampler's positions. The attributes ``sampler`` and ``batch_sampler`` are
    those given, or, as in PyTorch, a :class:`~tinygrad_edu.data.SequentialSampler` or
    :class:`~tinygrad_edu.data.RandomSampler` describing the default order (the loader draws
    that order itself, from ``seed``/``generator``).

    Batches are tuples of Tensors on the backend that is current when the epoch starts (a
    dataset on another backend is moved there once per epoch). They are fresh copies (changing
    one leaves the dataset alone) and record no graph. Workers send NumPy arrays; this process
    makes them Tensors.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.data import TensorDataset
        >>> inputs = tg.Tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
        >>> data = TensorDataset(inputs, tg.Tensor([0, 1, 0]))
        >>> for x, y in DataLoader(data, batch_size=2):
        ...     print(x.tolist(), y.tolist())
        [[1.0, 2.0], [3.0, 4.0]] [0, 1]
        [[5.0, 6.0]] [0]
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        sampler: Iterable[Any] | None = None,
        batch_sampler: Iterable[Any] | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: np.random.Generator | None = None,
        *,  # PyTorch's positional order up to here, so DataLoader(ds, 64, True) means the same
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        seed: int | None = None,
    ) -> None:
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, int | np.integer)  # type: ignore[redundant-expr]
            or batch_size < 1
        ):
            raise ValueError(
                f"DataLoader: batch_size must be a positive int, got {batch_size!r}; "
                "e.g. batch_size=128"
            )
        self._iterable = isinstance(dataset, IterableDataset)
        if not self._iterable and (not hasattr(dataset, "__len__")
                                   or not hasattr(dataset, "__getitem__")):
            raise TypeError(
                f"DataLoader needs a map-style dataset (with __len__ and __getitem__) or an "
                f"IterableDataset, got {type(dataset).__name__}; wrap tensors in "
                "TensorDataset(inputs, targets)."
            )
        _check_sampling(self._iterable, batch_size, shuffle, drop_last, sampler, batch_sampler)
        _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers)
        self.dataset = dataset
        self.batch_size: int | None = None if batch_sampler is not None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self._custom = sampler is not None or batch_sampler is not None
        if sampler is None and not self._iterable:
            sampler = RandomSampler(dataset) if shuffle else SequentialSampler(dataset)
        if batch_sampler is None and sampler is not None:
            batch_sampler = BatchSampler(sampler, int(batch_size), self.drop_last)
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.collate_fn = collate_fn or default_collate
        self.num_workers = int(num_workers)
        self.pin_memory = bool(pin_memory)  # accepted; nothing to pin (see the class docstring)
        self.timeout = float(timeout)
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = 2 if prefetch_factor is None and num_workers else prefetch_factor
        self.persistent_workers = bool(persistent_workers)
        self.generator = generator
        self._seed, self._generator = seed, generator
        host_rng(seed, generator)  # checks the two arguments now, not at the first epoch
        self._rng: np.random.Generator | None = None
        self._seeds: np.random.Generator | None = None
        self._pool: WorkerPool | None = None

    def __len__(self) -> int:
        """The number of batches in one epoch (for an IterableDataset, from its ``__len__``,
        as in PyTorch: a TypeError when it has none)."""
        if self._custom:
            return len(self.batch_sampler)  # type: ignore[arg-type]
        count, rest = divmod(len(self.dataset), self._size)
        return count + (1 if rest and not self.drop_last else 0)

    @property
    def _size(self) -> int:
        return self.batch_size or 1

    def _order(self) -> np.ndarray:
        total = len(self.dataset)
        if not self.shuffle:
            return np.arange(total, dtype=np.int64)
        if self._rng is None:
            if self._seed is None and self._generator is None:
                return host_rng().permutation(total)  # a fresh seed from the backend each epoch
            self._rng = host_rng(self._seed, self._generator)
        return self._rng.permutation(total)

    def __iter__(self) -> Iterator[Any]:
        if self._iterable:
            yield from self._stream()
            return
        if self._custom:
            yield from self._sampled()
            return
        order = self._order()
        size = self._size
        stop = len(self) * size
        if self.num_workers > 0:  # the same batches, read in other processes
            starts = range(0, stop, size)
            yield from self._from_workers([order[i : i + size] for i in starts])
            return
        source = _tensor_source(self.dataset) if self.collate_fn is default_collate else None
        if source is None:
            for start in range(0, stop, size):
                batch = order[start : start + size]
                yield self.collate_fn([self.dataset[int(i)] for i in batch])
            return
        tensors, positions = source
        if positions is not None:
            order = positions[order]
        backend = get_backend()
        xp = backend.xp
        arrays = [_on(backend, t)._data for t in tensors]
        index = backend.asarray(order)  # on the device once per epoch; sliced there per batch
        total = len(order)
        for start in range(0, stop, size):
            batch = index[start : min(start + size, total)]
            yield tuple(Tensor._from_data(xp.take(a, batch, axis=0), backend) for a in arrays)

    def _sampled(self) -> Iterator[Any]:
        """The batches of ``batch_sampler`` (or of ``sampler`` cut into ``batch_size``)."""
        if self.num_workers > 0:
            batches = [list(b) for b in self.batch_sampler]  # type: ignore[union-attr]
            yield from self._from_workers(batches)
            return
        source = _tensor_source(self.dataset) if self.collate_fn is default_collate else None
        if source is None:
            for batch in self.batch_sampler:  # type: ignore[union-attr]
                yield self.collate_fn([self.dataset[key(i)] for i in batch])
            return
        tensors, positions = source
        backend = get_backend()
        arrays = [_on(backend, t)._data for t in tensors]
        for batch in self.batch_sampler:  # type: ignore[union-attr]
            rows = np.asarray(batch, dtype=np.int64)
            index = backend.asarray(rows if positions is None else positions[rows])
            yield tuple(Tensor._from_data(backend.xp.take(a, index, axis=0), backend)
                        for a in arrays)

    def _stream(self) -> Iterator[Any]:
        """An IterableDataset's stream in batches: here, or each worker batching its own copy
        (the workers' batches in turn, as PyTorch hands them out)."""
        if self.num_workers > 0:
            yield from self._from_workers(None)
            return
        fetch = StreamFetch(self.dataset, self._size, self.drop_last, self.collate_fn)
        while not isinstance(batch := fetch(0), End):
            yield batch

    def _from_workers(self, batches: list[Any] | None) -> Iterator[Any]:
        """The same batches, read by worker processes (see :mod:`.workers`); ``None``: the
        batches of an IterableDataset's stream."""
        pool = self._pool
        if pool is None:
            fetch = (Fetch(self.dataset, self.collate_fn) if batches is not None else
                     StreamFetch(self.dataset, self._size, self.drop_last, self.collate_fn))
            pool = WorkerPool(fetch, self.num_workers, self.worker_init_fn, self._base_seed(),
                              self.multiprocessing_context, self.timeout)
            if self.persistent_workers:
                self._pool = pool
        try:
            prefetch = int(self.prefetch_factor or 2)
            if batches is None:
                yield from pool.stream(prefetch, get_backend())
            else:
                yield from pool.batches(batches, prefetch, get_backend())
        except GeneratorExit:  # the loop stopped early: persistent workers stay
            raise
        except BaseException:
            pool.shutdown()
            self._pool = None
            raise
        finally:
            if not self.persistent_workers:
                pool.shutdown()

    def _base_seed(self) -> int:
        """The workers' base seed (worker i uses base_seed + i), drawn from a stream of its own
        so that the shuffling order is the same as with num_workers=0."""
        if self._seeds is None:
            if self._seed is not None:
                self._seeds = np.random.default_rng([self._seed, 0x5EED])
            elif self._generator is not None:
                self._seeds = self._generator.spawn(1)[0]
            else:
                return int(host_rng().integers(2**62))  # from the backend: manual_seed fixes it
        return int(self._seeds.integers(2**62))

    def __del__(self) -> None:
        if getattr(self, "_pool", None) is not None:
            self._pool.shutdown()  # type: ignore[union-attr]

    def __repr__(self) -> str:
        if self._iterable or self._custom:
            return (f"DataLoader({type(self.dataset).__name__}, batch_size={self.batch_size}, "
                    f"sampler={type(self.sampler).__name__}, batch_sampler="
                    f"{type(self.batch_sampler).__name__})")
        return (
            f"DataLoader({len(self.dataset)} samples, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}: {len(self)} batches)"
        )
