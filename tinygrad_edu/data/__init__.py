"""tinygrad_edu.data: datasets, the DataLoader, IDX files and the MNIST data sets.

The names follow PyTorch's ``torch.utils.data``: a :class:`Dataset` hands out samples, a
:class:`DataLoader` serves them in shuffled mini-batches, :func:`random_split` makes the
lecture's 80 % / 20 % split; samplers (:class:`RandomSampler`, :class:`WeightedRandomSampler`,
:class:`BatchSampler`, ...) choose the order and the batches. :func:`mnist_sample` ships
inside the package (no download).

Examples:
    >>> from tinygrad_edu.data import DataLoader, mnist_sample
    >>> train, test = mnist_sample()
    >>> images, labels = next(iter(DataLoader(train, batch_size=128, shuffle=True, seed=0)))
    >>> images.shape, labels.shape
    (Size([128, 1, 28, 28]), Size([128]))
"""

from .dataset import (
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
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
from .sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from .stack import StackDataset
from .workers import WorkerInfo, get_worker_info

__all__ = [
    "BatchSampler",
    "ChainDataset",
    "ChecksumError",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "DownloadError",
    "FASHION_MNIST_CLASSES",
    "IdxError",
    "IterableDataset",
    "RandomSampler",
    "SOURCES",
    "Sampler",
    "SequentialSampler",
    "StackDataset",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
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
    "DistributedSampler": "one process (this library does not train across machines)",
}


def __getattr__(name: str) -> object:
    """A clear error for the ``torch.utils.data`` names this package does not offer."""
    if name in _INSTEAD:
        raise AttributeError(
            f"tinygrad_edu.data.{name} (torch.utils.data.{name}) is not provided; instead "
            f"use: {_INSTEAD[name]}."
        )
    raise AttributeError(f"module 'tinygrad_edu.data' has no attribute {name!r}")
