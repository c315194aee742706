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

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..backends.base import Backend
from ..backends.registry import get_backend
from ..tensor import Tensor
from .dataset import Subset, TensorDataset, host_rng
from .workers import WorkerPool


def _tensor_source(dataset: Any) -> tuple[tuple[Tensor, ...], np.ndarray | None] | None:
    """The tensors behind a TensorDataset, or a Subset (of a Subset...) of one, with the
    positions the subsets pick; None for any other dataset (it must be read sample by sample).

    Subclasses that override ``__getitem__`` (to augment samples, say) are read sample by
    sample too, so their ``__getitem__`` runs."""
    positions: np.ndarray | None = None
    while isinstance(dataset, Subset) and type(dataset).__getitem__ is Subset.__getitem__:
        positions = dataset.indices if positions is None else dataset.indices[positions]
        dataset = dataset.dataset
    if isinstance(dataset, TensorDataset) and (
        type(dataset).__getitem__ is TensorDataset.__getitem__
    ):
        return dataset.tensors, positions
    return None


def _on(backend: Backend, tensor: Tensor) -> Tensor:
    return tensor if tensor.backend is backend else tensor.to(backend)


def default_collate(samples: list[Any]) -> Any:
    """Stack a list of samples into one batch: tuples field by field, Tensors along a new
    first axis, numbers and NumPy arrays into a Tensor, dicts key by key.

    The batch is made on the current backend and records no graph.

    Examples:
        >>> import tinygrad_edu as tg
        >>> x, y = default_collate([(tg.Tensor([1.0, 2.0]), 0), (tg.Tensor([3.0, 4.0]), 1)])
        >>> x.tolist(), y.tolist()
        ([[1.0, 2.0], [3.0, 4.0]], [0, 1])
    """
    first = samples[0]
    if isinstance(first, tuple | list):
        sizes = {len(sample) for sample in samples}
        if len(sizes) > 1:
            raise ValueError(
                f"default_collate: samples have different numbers of fields {sorted(sizes)}; "
                "every __getitem__ must return the same structure, e.g. (image, label)."
            )
        return tuple(default_collate(list(field)) for field in zip(*samples, strict=True))
    if isinstance(first, dict):
        return {key: default_collate([sample[key] for sample in samples]) for key in first}
    backend = get_backend()
    if isinstance(first, Tensor):
        shapes = {sample.shape for sample in samples}
        if len(shapes) > 1:
            raise ValueError(
                f"default_collate: cannot stack samples of different shapes {sorted(shapes)}; "
                "make __getitem__ return tensors of one shape, or pass collate_fn=."
            )
        arrays = [_on(backend, sample)._data for sample in samples]
        return Tensor._from_data(backend.xp.stack(arrays), backend)
    if isinstance(first, int | float | bool | np.number | np.ndarray):
        return Tensor(np.stack([np.asarray(sample) for sample in samples]), backend=backend)
    raise TypeError(
        f"default_collate: cannot batch samples of type {type(first).__name__}; return Tensors, "
        "numbers or NumPy arrays (or tuples/dicts of them) from __getitem__, or pass "
        "collate_fn= to the DataLoader."
    )


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


class _Fetch:
    """Makes one batch from dataset positions, in a worker process: sent to every worker, so
    it pickles (the dataset and collate_fn with it). Tensors of a TensorDataset are gathered
    with one ``numpy.take`` each, as in the main process."""

    def __init__(self, dataset: Any, collate_fn: Callable[[list[Any]], Any]) -> None:
        self.dataset, self.collate_fn = dataset, collate_fn

    def __call__(self, positions: np.ndarray) -> Any:
        source = _tensor_source(self.dataset) if self.collate_fn is default_collate else None
        if source is None:
            return self.collate_fn([self.dataset[int(i)] for i in positions])
        tensors, where = source
        rows = positions if where is None else where[positions]
        if not hasattr(self, "arrays"):  # once per worker
            self.arrays = [t.numpy() for t in tensors]
        backend = get_backend()
        return tuple(Tensor._from_data(np.take(a, rows, axis=0), backend) for a in self.arrays)


class DataLoader:
    """Iterate over a dataset in mini-batches: each ``for`` loop over it is one epoch.

    Args:
        dataset: a map-style dataset (``__len__`` and ``__getitem__``).
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

    Batches are tuples of Tensors on the backend that is current when the epoch starts (a
    dataset on another backend is moved there once per epoch). They are fresh copies (changing
    one leaves the dataset alone) and record no graph. Workers send NumPy arrays; this process
    makes them Tensors.

    Examples:
        >>> import tinygrad_edu as tg
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
        drop_last: bool = False,
        seed: int | None = None,
        generator: np.random.Generator | None = None,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        num_workers: int = 0,
        pin_memory: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
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
        if not hasattr(dataset, "__len__") or not hasattr(dataset, "__getitem__"):
            raise TypeError(
                f"DataLoader needs a map-style dataset (with __len__ and __getitem__), got "
                f"{type(dataset).__name__}; wrap tensors in TensorDataset(inputs, targets)."
            )
        _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers)
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
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
        """The number of batches in one epoch."""
        count, rest = divmod(len(self.dataset), self.batch_size)
        return count + (1 if rest and not self.drop_last else 0)

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
        order = self._order()
        stop = len(self) * self.batch_size
        if self.num_workers > 0:  # the same batches, read in other processes
            starts = range(0, stop, self.batch_size)
            yield from self._from_workers([order[i : i + self.batch_size] for i in starts])
            return
        source = _tensor_source(self.dataset) if self.collate_fn is default_collate else None
        if source is None:
            for start in range(0, stop, self.batch_size):
                batch = order[start : start + self.batch_size]
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
        for start in range(0, stop, self.batch_size):
            batch = index[start : min(start + self.batch_size, total)]
            yield tuple(Tensor._from_data(xp.take(a, batch, axis=0), backend) for a in arrays)

    def _from_workers(self, batches: list[np.ndarray]) -> Iterator[Any]:
        """The same batches, read by worker processes (see :mod:`.workers`)."""
        pool = self._pool
        if pool is None:
            pool = WorkerPool(_Fetch(self.dataset, self.collate_fn), self.num_workers,
                              self.worker_init_fn, self._base_seed(),
                              self.multiprocessing_context, self.timeout)
            if self.persistent_workers:
                self._pool = pool
        try:
            yield from pool.batches(batches, int(self.prefetch_factor or 2), get_backend())
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
        return (
            f"DataLoader({len(self.dataset)} samples, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}: {len(self)} batches)"
        )
