"""Making batches: :func:`default_collate`, and the fetchers that turn dataset positions (or
the next part of a stream) into one batch, in this process or in a worker.

For a :class:`~tinygrad_edu.data.TensorDataset` (or a :class:`~tinygrad_edu.data.Subset` of
one) a batch is one ``take`` per tensor; other datasets are read sample by sample and stacked.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from ..backends.base import Backend
from ..backends.registry import get_backend
from ..tensor import Tensor
from .dataset import Subset, TensorDataset


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


def default_collate(batch: list[Any]) -> Any:
    """Stack a list of samples into one batch: tuples field by field, Tensors along a new
    first axis, numbers and NumPy arrays into a Tensor, dicts key by key.

    The batch is made on the current backend and records no graph.

    Examples:
        >>> import tinygrad_edu as tg
        >>> x, y = default_collate([(tg.Tensor([1.0, 2.0]), 0), (tg.Tensor([3.0, 4.0]), 1)])
        >>> x.tolist(), y.tolist()
        ([[1.0, 2.0], [3.0, 4.0]], [0, 1])
    """
    first = batch[0]
    if isinstance(first, tuple | list):
        sizes = {len(sample) for sample in batch}
        if len(sizes) > 1:
            raise ValueError(
                f"default_collate: samples have different numbers of fields {sorted(sizes)}; "
                "every __getitem__ must return the same structure, e.g. (image, label)."
            )
        return tuple(default_collate(list(field)) for field in zip(*batch, strict=True))
    if isinstance(first, dict):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    backend = get_backend()
    if isinstance(first, Tensor):
        shapes = {sample.shape for sample in batch}
        if len(shapes) > 1:
            raise ValueError(
                f"default_collate: cannot stack samples of different shapes {sorted(shapes)}; "
                "make __getitem__ return tensors of one shape, or pass collate_fn=."
            )
        arrays = [_on(backend, sample)._data for sample in batch]
        return Tensor._from_data(backend.xp.stack(arrays), backend)
    if isinstance(first, int | float | bool | np.number | np.ndarray):
        return Tensor(np.stack([np.asarray(sample) for sample in batch]), backend=backend)
    raise TypeError(
        f"default_collate: cannot batch samples of type {type(first).__name__}; return Tensors, "
        "numbers or NumPy arrays (or tuples/dicts of them) from __getitem__, or pass "
        "collate_fn= to the DataLoader."
    )


def key(position: Any) -> Any:
    """A dataset position as ``__getitem__`` gets it: NumPy integers as ints, others as they
    are (a sampler may hand out any keys its dataset understands)."""
    return int(position) if isinstance(position, np.integer) else position


class Fetch:
    """Makes one batch from dataset positions, in a worker process: sent to every worker, so
    it pickles (the dataset and collate_fn with it). Tensors of a TensorDataset are gathered
    with one ``numpy.take`` each, as in the main process."""

    def __init__(self, dataset: Any, collate_fn: Callable[[list[Any]], Any]) -> None:
        self.dataset, self.collate_fn = dataset, collate_fn

    def __call__(self, positions: Any) -> Any:
        source = _tensor_source(self.dataset) if self.collate_fn is default_collate else None
        if source is None:
            return self.collate_fn([self.dataset[key(i)] for i in positions])
        tensors, where = source
        rows = np.asarray(positions, dtype=np.int64)
        rows = rows if where is None else where[rows]
        if not hasattr(self, "arrays"):  # once per worker
            self.arrays = [t.numpy() for t in tensors]
        backend = get_backend()
        return tuple(Tensor._from_data(np.take(a, rows, axis=0), backend) for a in self.arrays)


class End:
    """What :class:`StreamFetch` returns once its stream has ended."""


class StreamFetch:
    """The next batch of an iterable dataset's stream (``batch_size`` samples, collated), or an
    :class:`End`. Called with the epoch: a new epoch starts a new ``iter(dataset)``. In a
    worker it iterates that worker's own copy of the dataset."""

    def __init__(self, dataset: Any, batch_size: int, drop_last: bool,
                 collate_fn: Callable[[list[Any]], Any]) -> None:
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.collate_fn = collate_fn
        self.epoch: Any = None
        self.iterator: Any = None

    def __call__(self, epoch: Any) -> Any:
        if epoch != self.epoch:
            self.epoch, self.iterator = epoch, iter(self.dataset)
        if self.iterator is None:
            return End()
        samples = list(itertools.islice(self.iterator, self.batch_size))
        if not samples or (self.drop_last and len(samples) < self.batch_size):
            self.iterator = None
            return End()
        return self.collate_fn(samples)
