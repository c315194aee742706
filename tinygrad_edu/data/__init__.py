"""tinygrad_edu.data: datasets, the DataLoader, IDX files and the MNIST data sets.

The names follow PyTorch's ``torch.utils.data``: a :class:`Dataset` hands out samples, a
:class:`DataLoader` serves them in shuffled mini-batches, :func:`random_split` makes the
lecture's 80 % / 20 % split. :func:`mnist_sample` ships inside the package (no download).

Examples:
    >>> from tinygrad_edu.data import DataLoader, mnist_sample
    >>> train, test = mnist_sample()
    >>> images, labels = next(iter(DataLoader(train, batch_size=128, shuffle=True, seed=0)))
    >>> images.shape, labels.shape
    ((128, 1, 28, 28), (128,))
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
