"""tinygrad_edu.data: datasets, the DataLoader, IDX files and the MNIST data sets.

The names follow PyTorch's ``torch.utils.data``: a :class:`Dataset` hands out samples, a
:class:`DataLoader` serves them in shuffled mini-batches, :func:`random_split` makes the
lecture's 80 % / 20 % split. :func:`mnist_sample` ships inside the package (no download).

Examples:
    >>> from tinygrad_edu.data import DataLoader, mnist_sample
    >>> train, test = mnist_sample()
    >>> images, labels = next(iter(DataLoader(train, batch_size=128, shuffle=True, seed=0)))
    >>> images.shape, labels.shape
    (Size([128, 1, 28, 28]), Size([128]))
"""

from .dataset import Dataset, Subset, TensorDataset, random_split
from .datasets import (
    FASHION_MNIST_CLASSES,
    SOURCES,
    data_home,
    fashion_mnist,
    load_folder,
    mnist,
    mnist_sample,
)
from .download import ChecksumError, DownloadError, fetch_files
from .idx import IdxError, read_idx
from .loader import DataLoader, default_collate
from .workers import WorkerInfo, get_worker_info

__all__ = [
    "ChecksumError",
    "DataLoader",
    "Dataset",
    "DownloadError",
    "FASHION_MNIST_CLASSES",
    "IdxError",
    "SOURCES",
    "Subset",
    "TensorDataset",
    "WorkerInfo",
    "data_home",
    "default_collate",
    "fashion_mnist",
    "fetch_files",
    "get_worker_info",
    "load_folder",
    "mnist",
    "mnist_sample",
    "random_split",
    "read_idx",
]


# torch.utils.data names this package does not offer, and what to use instead.
_INSTEAD = {
    "IterableDataset": "a map-style Dataset (__len__ and __getitem__), or a plain Python "
    "generator of batches",
    "Sampler": "DataLoader(shuffle=True, seed=...) for random order, or Subset(dataset, "
    "indices) for a chosen order",
    "RandomSampler": "DataLoader(shuffle=True, seed=...)",
    "SequentialSampler": "DataLoader(shuffle=False), the default",
    "SubsetRandomSampler": "DataLoader(Subset(dataset, indices), shuffle=True)",
    "WeightedRandomSampler": "positions drawn with numpy.random.Generator.choice(n, p=weights), "
    "wrapped in Subset(dataset, positions)",
    "BatchSampler": "DataLoader(batch_size=..., drop_last=...)",
    "DistributedSampler": "one process (this library does not train across machines)",
    "ConcatDataset": "one TensorDataset of concatenated tensors (tinygrad_edu.cat)",
}


def __getattr__(name: str) -> object:
    """A clear error for the ``torch.utils.data`` names this package does not offer."""
    if name in _INSTEAD:
        raise AttributeError(
            f"tinygrad_edu.data.{name} (torch.utils.data.{name}) is not provided; instead "
            f"use: {_INSTEAD[name]}."
        )
    raise AttributeError(f"module 'tinygrad_edu.data' has no attribute {name!r}")
