"""StackDataset: several datasets of the same length read side by side, sample by sample."""

from __future__ import annotations

from typing import Any

from .dataset import Dataset


class StackDataset(Dataset):
    """Sample ``i`` is ``(a[i], b[i], ...)`` for ``StackDataset(a, b, ...)``, or the dict
    ``{"image": images[i], "label": labels[i]}`` for ``StackDataset(image=images,
    label=labels)``; the datasets must have the same length.

    Examples:
        >>> pairs = StackDataset("abc", [1, 2, 3])
        >>> len(pairs), pairs[1]
        (3, ('b', 2))
        >>> StackDataset(letter="abc", number=[1, 2, 3])[2]
        {'letter': 'c', 'number': 3}
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ValueError("StackDataset: supported either tuple-like or dict-like input, but "
                             "both were given; pass StackDataset(a, b) or StackDataset(x=a, y=b)")
        datasets = list(args) or list(kwargs.values())
        if not datasets:
            raise ValueError("StackDataset: at least one dataset should be passed")
        sizes = [len(dataset) for dataset in datasets]
        if len(set(sizes)) > 1:
            raise ValueError(f"StackDataset: size mismatch between datasets: lengths {sizes}; "
                             "every dataset must have one sample per position")
        self._length = sizes[0]
        self.datasets: tuple[Any, ...] | dict[str, Any] = args if args else dict(kwargs)

    def __getitem__(self, index: int) -> Any:
        if isinstance(self.datasets, dict):
            return {name: dataset[index] for name, dataset in self.datasets.items()}
        return tuple(dataset[index] for dataset in self.datasets)

    def __len__(self) -> int:
        return self._length
