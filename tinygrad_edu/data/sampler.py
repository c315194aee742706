"""Samplers: which samples an epoch visits, in which order, and how they are grouped.

A *sampler* is an iterable of dataset positions, remade each time it is iterated (each epoch).
``DataLoader(sampler=...)`` cuts its positions into batches of ``batch_size``;
``DataLoader(batch_sampler=...)`` takes whole batches (lists of positions) from a
:class:`BatchSampler` or any iterable of lists. The names and meanings are PyTorch's
(``torch.utils.data``); the random ones draw from a ``numpy.random.Generator`` (``generator=``),
or, without one, from a generator seeded by the backend's (``tinygrad_edu.manual_seed`` fixes
it), so the same seed gives the same orders, though not PyTorch's orders.

Examples:
    >>> import numpy as np
    >>> list(BatchSampler(SequentialSampler(range(7)), batch_size=3, drop_last=False))
    [[0, 1, 2], [3, 4, 5], [6]]
    >>> sorted(RandomSampler(range(5), generator=np.random.default_rng(0)))
    [0, 1, 2, 3, 4]
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Iterator, Sized
from typing import Any

import numpy as np

from ..tensor import Tensor
from .dataset import host_rng


class Sampler:
    """The base class of samplers: a subclass defines ``__iter__`` (the positions of one epoch)
    and, when it knows it, ``__len__``.

    Examples:
        >>> class Backwards(Sampler):
        ...     def __init__(self, data):
        ...         self.data = data
        ...     def __iter__(self):
        ...         return iter(range(len(self.data) - 1, -1, -1))
        ...     def __len__(self):
        ...         return len(self.data)
        >>> list(Backwards("abc"))
        [2, 1, 0]
    """

    def __init__(self, data_source: Any = None) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__(self)")


def _count(name: str, what: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) <= 0:
        raise ValueError(f"{name}: {what} should be a positive integer value, but got "
                         f"{what}={value!r}")
    return int(value)


def _flag(name: str, what: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{name}: {what} should be a boolean value (True or False), but got "
                         f"{what}={value!r}")
    return value


def _check_generator(generator: Any) -> None:
    if generator is not None:  # (without one nothing is drawn now: the backend's stream stays)
        host_rng(None, generator)


def _draws(generator: Any) -> np.random.Generator:
    """The generator of one epoch: ``generator`` itself (its state goes on from epoch to
    epoch), or a fresh one seeded from the backend's generator."""
    return host_rng(None, generator)


class SequentialSampler(Sampler):
    """The positions ``0, 1, ..., len(data_source) - 1``, in order (``shuffle=False``).

    Examples:
        >>> list(SequentialSampler("abcd"))
        [0, 1, 2, 3]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Random positions of ``data_source`` (``shuffle=True``): a new permutation each epoch,
    or, with ``replacement=True``, ``num_samples`` independent uniform draws.

    Args:
        data_source: the dataset (only its length is used).
        replacement: draw with replacement (a position may come twice).
        num_samples: how many positions per epoch (default ``len(data_source)``). Without
            replacement and more than the length, whole permutations follow each other, then
            the first positions of one more, as in PyTorch.
        generator: a ``numpy.random.Generator`` (its state carries on between epochs); without
            it each epoch draws a seed from the backend's generator.

    Examples:
        >>> import numpy as np
        >>> sampler = RandomSampler(range(4), num_samples=6, generator=np.random.default_rng(1))
        >>> positions = list(sampler)
        >>> len(positions), sorted(positions[:4])
        (6, [0, 1, 2, 3])
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: Any = None) -> None:
        self.data_source = data_source
        self.replacement = _flag("RandomSampler", "replacement", replacement)
        self._num_samples = num_samples
        self.generator = generator
        _check_generator(generator)
        if num_samples is not None:
            _count("RandomSampler", "num_samples", num_samples)

    @property
    def num_samples(self) -> int:
        """The number of positions of one epoch."""
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def __iter__(self) -> Iterator[int]:
        total, wanted = len(self.data_source), self.num_samples
        rng = _draws(self.generator)
        if self.replacement:
            return iter(rng.integers(0, total, size=wanted).tolist())
        rounds = [rng.permutation(total) for _ in range(-(-wanted // total) if total else 0)]
        order = np.concatenate(rounds) if rounds else np.zeros(0, dtype=np.int64)
        return iter(order[:wanted].tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices``, in a new random order each epoch (without replacement).

    Examples:
        >>> import numpy as np
        >>> sorted(SubsetRandomSampler([7, 3, 5], generator=np.random.default_rng(0)))
        [3, 5, 7]
    """

    def __init__(self, indices: Iterable[int] | Any, generator: Any = None) -> None:
        values = indices.tolist() if isinstance(indices, Tensor | np.ndarray) else indices
        self.indices = list(values)
        self.generator = generator
        _check_generator(generator)

    def __iter__(self) -> Iterator[Any]:
        order = _draws(self.generator).permutation(len(self.indices))
        return (self.indices[i] for i in order.tolist())

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` positions drawn with probabilities proportional to ``weights``
    (PyTorch's ``torch.multinomial``): the usual answer to unbalanced classes.

    Args:
        weights: one non-negative weight per position (need not sum to 1).
        num_samples: how many positions per epoch.
        replacement: with replacement (default); without it, a position comes at most once and
            ``num_samples`` may not exceed the number of positive weights.
        generator: a ``numpy.random.Generator``, as for :class:`RandomSampler`.

    Examples:
        >>> import numpy as np
        >>> sampler = WeightedRandomSampler([0.0, 1.0, 3.0], 5, generator=np.random.default_rng(0))
        >>> positions = list(sampler)
        >>> len(positions), 0 in positions
        (5, False)
    """

    def __init__(self, weights: Any, num_samples: int, replacement: bool = True,
                 generator: Any = None) -> None:
        self.num_samples = _count("WeightedRandomSampler", "num_samples", num_samples)
        self.replacement = _flag("WeightedRandomSampler", "replacement", replacement)
        values = weights.numpy() if isinstance(weights, Tensor) else weights
        self.weights = np.asarray(values, dtype=np.float64)
        if self.weights.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1d sequence but given "
                             f"weights have shape {tuple(self.weights.shape)}")
        if self.weights.size == 0 or not np.isfinite(self.weights).all() or (
                self.weights < 0).any() or self.weights.sum() <= 0:
            raise ValueError("WeightedRandomSampler: weights must be finite, non-negative and "
                             "not all zero, e.g. one over each sample's class frequency")
        positive = int((self.weights > 0).sum())
        if not replacement and self.num_samples > positive:
            raise ValueError(
                f"WeightedRandomSampler: cannot draw {self.num_samples} samples without "
                f"replacement when only {positive} weights are positive; lower num_samples or "
                "pass replacement=True")
        self.generator = generator
        _check_generator(generator)

    def __iter__(self) -> Iterator[int]:
        rng = _draws(self.generator)
        chosen = rng.choice(len(self.weights), size=self.num_samples, replace=self.replacement,
                            p=self.weights / self.weights.sum())
        return iter(chosen.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the positions of ``sampler`` (any iterable of positions) into lists of
    ``batch_size``; with ``drop_last`` a last, smaller list is left out.

    Examples:
        >>> list(BatchSampler(range(5), batch_size=2, drop_last=True))
        [[0, 1], [2, 3]]
    """

    def __init__(self, sampler: Iterable[Any], batch_size: int, drop_last: bool) -> None:
        self.sampler = sampler
        self.batch_size = _count("BatchSampler", "batch_size", batch_size)
        self.drop_last = _flag("BatchSampler", "drop_last", drop_last)

    def __iter__(self) -> Iterator[list[Any]]:
        batch: list[Any] = []
        for position in self.sampler:
            batch.append(position)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        count, rest = divmod(len(self.sampler), self.batch_size)  # type: ignore[arg-type]
        return count + (1 if rest and not self.drop_last else 0)
