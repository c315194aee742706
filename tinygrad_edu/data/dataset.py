"""Datasets: anything with a length that hands out one sample per index.

A *map-style* dataset, as in PyTorch, is two methods: ``__len__`` (how many samples) and
``__getitem__(i)`` (sample number ``i``, usually a tuple ``(input, target)``).
:class:`TensorDataset` wraps tensors whose first axis counts the samples, :class:`Subset`
picks some samples of another dataset, and :func:`random_split` cuts a dataset into random
parts: the lecture's 80 % training / 20 % testing is one call.

Examples:
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu.data import TensorDataset, random_split
    >>> images, labels = tg.zeros((10, 784)), tg.arange(10)
    >>> data = TensorDataset(images, labels)
    >>> train, test = random_split(data, [0.8, 0.2], seed=0)
    >>> len(train), len(test)
    (8, 2)
"""

from __future__ import annotations

import bisect
import math
import numbers
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from ..backends.registry import get_backend
from ..dtypes import float64
from ..tensor import Tensor


class Dataset:
    """The base class of map-style datasets: subclass it and define ``__getitem__`` and
    ``__len__``.

    Examples:
        >>> class Squares(Dataset):
        ...     def __len__(self):
        ...         return 4
        ...     def __getitem__(self, index):
        ...         return index, index * index
        >>> Squares()[3]
        (3, 9)
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__} must define __getitem__(self, index) returning one sample"
        )

    def __len__(self) -> int:
        raise NotImplementedError(
            f"{type(self).__name__} must define __len__(self) returning the number of samples"
        )

    def __add__(self, other: Any) -> ConcatDataset:
        """``a + b`` is ``ConcatDataset([a, b])``, as in PyTorch."""
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """The base class of *iterable* datasets: define ``__iter__``, which yields the samples
    (a stream read from a file, a generator); no ``__getitem__`` is needed.

    A DataLoader batches the stream in order (``shuffle`` and samplers do not apply). With
    ``num_workers=n`` each worker iterates its own copy of the dataset, so, as in PyTorch,
    every sample comes ``n`` times unless ``__iter__`` picks its share with
    :func:`~tinygrad_edu.data.get_worker_info`; the loader hands out the workers' batches in
    turn (worker 0, 1, ..., 0, 1, ...), skipping a worker once its stream ends.

    Examples:
        >>> class Count(IterableDataset):
        ...     def __iter__(self):
        ...         return iter(range(3))
        >>> list(Count() + Count())
        [0, 1, 2, 0, 1, 2]
    """

    __len__ = None  # type: ignore[assignment]  # len() is a TypeError unless defined, as in torch

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__(self)")

    def __add__(self, other: Any) -> ChainDataset:  # type: ignore[override]
        """``a + b`` is ``ChainDataset([a, b])``: one stream after the other."""
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples are rows of tensors that share their first dimension: sample ``i`` is
    ``(tensors[0][i], tensors[1][i], ...)``.

    Args:
        *tensors: Tensors (or arrays, turned into Tensors) with the same size of axis 0.

    Examples:
        >>> import tinygrad_edu as tg
        >>> data = TensorDataset(tg.Tensor([[1.0, 2.0], [3.0, 4.0]]), tg.Tensor([0, 1]))
        >>> len(data)
        2
        >>> [t.tolist() for t in data[1]]
        [[3.0, 4.0], 1]
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError(
                "TensorDataset needs at least one tensor, e.g. TensorDataset(images, labels)"
            )
        tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
        if any(t.ndim == 0 for t in tensors):
            shapes = ", ".join(str(t.shape) for t in tensors)
            raise ValueError(
                f"TensorDataset: every tensor needs a first axis that counts the samples; got "
                f"shapes {shapes}. Reshape a single value to shape (1,)."
            )
        sizes = [t.shape[0] for t in tensors]
        if len(set(sizes)) > 1:
            shapes = ", ".join(str(t.shape) for t in tensors)
            raise ValueError(
                f"TensorDataset: all tensors must have the same size in their first dimension "
                f"(the number of samples); got sizes {', '.join(map(str, sizes))} (shapes "
                f"{shapes}). Check that the inputs and targets belong together."
            )
        self.tensors: tuple[Tensor, ...] = tensors

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def __repr__(self) -> str:
        shapes = ", ".join(str(t.shape) for t in self.tensors)
        return f"TensorDataset({len(self)} samples; shapes {shapes})"


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order: ``subset[i]`` is
    ``dataset[indices[i]]``.

    Args:
        dataset: any map-style dataset.
        indices: positions in ``dataset`` (integers from 0 to ``len(dataset) - 1``): a list,
            a range, a NumPy array or an integer Tensor.

    Examples:
        >>> import tinygrad_edu as tg
        >>> evens = Subset(TensorDataset(tg.arange(10)), [0, 2, 4])
        >>> len(evens), evens[2][0].item()
        (3, 4)
    """

    def __init__(self, dataset: Any, indices: Sequence[int] | Any) -> None:
        positions = indices.numpy() if isinstance(indices, Tensor) else np.asarray(indices)
        if positions.size == 0:
            positions = positions.astype(np.int64)
        if positions.ndim != 1 or positions.dtype.kind not in "iu":
            raise TypeError(
                f"Subset: indices must be a flat sequence of integers; got "
                f"{type(indices).__name__} with shape {positions.shape}, dtype {positions.dtype}"
            )
        size = len(dataset)
        outside = positions[(positions < 0) | (positions >= size)]
        if outside.size:
            raise IndexError(
                f"Subset: index {int(outside[0])} is out of range for a dataset of {size} "
                f"samples; use positions from 0 to {size - 1}."
            )
        self.dataset = dataset
        self.indices: np.ndarray = positions.astype(np.int64, copy=False)

    def __getitem__(self, index: Any) -> Any:
        """One sample for an int; for a slice, a list or an index array, the dataset's samples
        at those positions (as PyTorch's Subset: what the dataset gives for a list of
        positions; a TensorDataset gives a batch)."""
        if isinstance(index, int | np.integer):
            return self.dataset[int(self.indices[index])]
        positions = self.indices[index.numpy() if isinstance(index, Tensor) else index]
        return self.dataset[positions.tolist() if np.ndim(positions) else int(positions)]

    def __len__(self) -> int:
        return len(self.indices)

    def __repr__(self) -> str:
        return f"Subset({len(self)} of {len(self.dataset)} samples of {self.dataset!r})"


class ConcatDataset(Dataset):
    """Several map-style datasets one after the other: positions ``0 .. len(a) - 1`` are
    ``a``'s samples, the next ``len(b)`` are ``b``'s, and so on.

    Attributes:
        datasets: the datasets, in order.
        cumulative_sizes: the running totals of their lengths (PyTorch's attribute).

    Examples:
        >>> import tinygrad_edu as tg
        >>> both = ConcatDataset([TensorDataset(tg.arange(3)), TensorDataset(tg.arange(10, 12))])
        >>> len(both), both[3][0].item(), both[-1][0].item()
        (5, 10, 11)
    """

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable; pass a "
                             "list of datasets, e.g. ConcatDataset([train, extra])")
        for dataset in self.datasets:
            if isinstance(dataset, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset; chain streams "
                                "with ChainDataset([a, b]) instead")
        totals, total = [], 0
        for dataset in self.datasets:
            total += len(dataset)
            totals.append(total)
        self.cumulative_sizes: list[int] = totals

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        if index < 0:
            if -index > len(self):
                raise ValueError("ConcatDataset: absolute value of index should not exceed "
                                 f"dataset length ({len(self)}), got index {index}")
            index += len(self)
        part = bisect.bisect_right(self.cumulative_sizes, index)
        if part == len(self.datasets):
            raise IndexError(f"ConcatDataset: index {index} is out of range for {len(self)} "
                             "samples")
        start = self.cumulative_sizes[part - 1] if part else 0
        return self.datasets[part][index - start]


class ChainDataset(IterableDataset):
    """Several iterable datasets as one stream: all of the first, then the second, ...

    Examples:
        >>> list(ChainDataset([range(2), range(3)]))
        [0, 1, 0, 1, 2]
    """

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)

    def __iter__(self) -> Iterator[Any]:
        for dataset in self.datasets:
            yield from dataset

    def __len__(self) -> int:  # type: ignore[override]
        return sum(len(dataset) for dataset in self.datasets)


def host_rng(seed: int | None = None, generator: Any = None) -> np.random.Generator:
    """The random generator for shuffling and splitting (index arithmetic on the host).

    ``generator`` (a ``numpy.random.Generator``) is used as it is; ``seed`` makes a new one.
    With neither, the seed is drawn from the current backend's generator, so
    ``tinygrad_edu.manual_seed(s)`` makes shuffles reproducible as ``torch.manual_seed`` does.
    """
    if seed is not None and generator is not None:
        raise ValueError("pass seed= or generator=, not both: they choose the same thing")
    if generator is not None:
        if not isinstance(generator, np.random.Generator):
            raise TypeError(
                f"generator must be a numpy.random.Generator (numpy.random.default_rng(seed)), "
                f"got {type(generator).__name__}; or pass seed=<int>."
            )
        return generator
    if seed is not None:
        # int is an Integral already; it is named for the type checker, which does not know.
        if isinstance(seed, bool) or not isinstance(seed, int | numbers.Integral):
            raise TypeError(f"seed must be an int, got {seed!r} ({type(seed).__name__})")
        return np.random.default_rng(int(seed))
    backend = get_backend()
    draws = backend.to_numpy(backend.uniform((2,), float64))
    return np.random.default_rng([int(u * 2**53) for u in draws])


def split_lengths(total: int, lengths: Sequence[int | float]) -> list[int]:
    """Turn ``lengths`` (counts, or fractions that sum to 1) into counts that sum to ``total``.

    Fractions are rounded down, and the samples left over go one each to the first parts in
    turn (round-robin), as PyTorch's ``random_split`` does.

    Examples:
        >>> split_lengths(10, [0.8, 0.2]), split_lengths(10, [0.33, 0.33, 0.34])
        ([8, 2], [4, 3, 3])
    """
    values = list(lengths)
    if not values:
        raise ValueError("random_split: lengths is empty; give counts like [8000, 2000] or "
                         "fractions like [0.8, 0.2]")
    for value in values:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float | numbers.Real)  # type: ignore[redundant-expr]
            or value < 0
        ):
            raise ValueError(
                f"random_split: lengths must be non-negative counts or fractions; got {values}"
            )
    if all(isinstance(value, numbers.Integral) for value in values):
        counts = [int(value) for value in values]
        if sum(counts) != total:
            raise ValueError(
                f"random_split: the counts {counts} add up to {sum(counts)}, but the dataset has "
                f"{total} samples; make them add up to {total} or give fractions like [0.8, 0.2]."
            )
        return counts
    if any(value > 1 for value in values) or not math.isclose(sum(values), 1.0, abs_tol=1e-6):
        raise ValueError(
            f"random_split: fractions must lie in [0, 1] and add up to 1; got {values} "
            f"(sum {sum(values):g}). Give counts (ints) instead, or fix the fractions."
        )
    counts = [math.floor(total * value) for value in values]
    for i in range(total - sum(counts)):
        counts[i % len(counts)] += 1
    return counts


def random_split(
    dataset: Any,
    lengths: Sequence[int | float],
    generator: np.random.Generator | None = None,
    seed: int | None = None,
) -> list[Subset]:
    """Cut a dataset into non-overlapping random parts.

    Args:
        dataset: any map-style dataset.
        lengths: the size of each part, as counts (``[8000, 2000]``) or as fractions that sum
            to 1 (``[0.8, 0.2]``; samples left over by rounding go round-robin to the first
            parts, as in PyTorch).
        generator: a ``numpy.random.Generator`` to draw the permutation from.
        seed: or an int that fixes the split (the same seed gives the same split).

    Returns:
        One :class:`Subset` per length, in order.

    Examples:
        >>> import tinygrad_edu as tg
        >>> train, test = random_split(TensorDataset(tg.arange(5)), [3, 2], seed=1)
        >>> sorted([x.item() for (x,) in [*train, *test]])
        [0, 1, 2, 3, 4]
    """
    total = len(dataset)
    counts = split_lengths(total, lengths)
    order = host_rng(seed, generator).permutation(total)
    parts, start = [], 0
    for count in counts:
        parts.append(Subset(dataset, order[start : start + count]))
        start += count
    return parts
