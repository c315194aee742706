"""Data sets of 28x28 grayscale images: the MNIST sample shipped here, MNIST, Fashion-MNIST.

Each function returns ``(train, test)``: two :class:`~tinygrad_edu.data.TensorDataset` of
images (float32, shape ``(N, 1, 28, 28)``, pixels scaled to [0, 1]) and labels (int64, shape
``(N,)``, the class numbers 0-9), on the current backend.

* :func:`mnist_sample` needs no network: 10,000 real MNIST digits ship inside the package.
* :func:`mnist` and :func:`fashion_mnist` read the four published IDX files from a folder
  (``root=``), or from the cache folder, downloading them there first with ``download=True``.
  A folder with only the two test files (``t10k-...``) works too: it is split 80/20.

Examples:
    >>> train, test = mnist_sample()
    >>> len(train), len(test)
    (8000, 2000)
    >>> images, labels = train.tensors
    >>> images.shape, images.dtype, labels.dtype
    (Size([8000, 1, 28, 28]), tinygrad_edu.float32, tinygrad_edu.int64)
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..backends.registry import get_backend
from ..tensor import Tensor
from .dataset import TensorDataset, host_rng, split_lengths
from .download import fetch_files
from .idx import IdxError, read_idx

DATA_ENV_VAR = "TINYGRAD_EDU_DATA"
SPLIT_SEED = 0  # the fixed 80/20 split of a test-only folder and of the shipped sample
SPLIT = (0.8, 0.2)
SAMPLE_FOLDER = Path(__file__).parent / "mnist_sample"
TRAIN = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte")
TEST = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
IMAGE_SIZE = (28, 28)  # rows, columns of every MNIST and Fashion-MNIST image
# The largest file of either data set, train-images: 60,000 images of 28 x 28 bytes and a
# 16-byte header. A header claiming more is corrupt (or hostile): refused before allocating.
MAX_IDX_BYTES = 60_000 * 28 * 28 + 16
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)


@dataclass(frozen=True)
class Source:
    """Where a data set is published: its cache subfolder, mirrors (base URLs, tried in
    order) and the MD5 published for each file."""

    title: str
    folder: str
    mirrors: tuple[str, ...]
    md5: dict[str, str]
    max_bytes: int  # a cap above the largest file's size: an endless response stops there


SOURCES = {
    # MD5s as published with the files and used by torchvision's MNIST class. Both mirrors
    # are https: PyTorch's S3 copy and TensorFlow's Google Cloud Storage copy (the original
    # host, yann.lecun.com, often refuses downloads and was plain http).
    "mnist": Source(
        title="MNIST",
        folder="mnist",
        mirrors=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
        ),
        max_bytes=16 * 2**20,  # the largest, train-images-idx3-ubyte.gz, has 9.9 MB
        md5={
            "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
            "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
            "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
        },
    ),
    # MD5s from the table in the README of github.com/zalandoresearch/fashion-mnist.
    # https: the S3 bucket through its REST endpoint (its website endpoint is plain http),
    # then the files in the data set's own repository.
    "fashion-mnist": Source(
        title="Fashion-MNIST",
        folder="fashion-mnist",
        mirrors=(
            "https://fashion-mnist.s3.eu-central-1.amazonaws.com/",
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        ),
        max_bytes=32 * 2**20,  # the largest, train-images-idx3-ubyte.gz, has 26.4 MB
        md5={
            "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
            "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
            "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
            "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
        },
    ),
}


def data_home() -> Path:
    """The cache folder for downloaded data sets (one subfolder each).

    ``$TINYGRAD_EDU_DATA`` if set; else ``$XDG_CACHE_HOME/tinygrad_edu`` or
    ``~/.cache/tinygrad_edu`` (``%LOCALAPPDATA%\\tinygrad_edu`` on Windows).

    Examples:
        >>> data_home().name in ("tinygrad_edu", "data") or "TINYGRAD_EDU_DATA" in os.environ
        True
    """
    chosen = os.environ.get(DATA_ENV_VAR, "").strip()
    if chosen:
        return Path(chosen).expanduser()
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "tinygrad_edu"


def _find(folder: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def read_images_and_labels(images_path: Path, labels_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read a pair of IDX files and check that they belong together.

    Returns:
        ``(images, labels)`` as NumPy ``uint8`` arrays of shapes ``(N, rows, columns)`` and
        ``(N,)``.

    Raises:
        IdxError: a file is not readable as IDX, has the wrong shape or type, holds no
            images or images of another size than 28 x 28, the counts of images and labels
            differ, or a label is not a class number 0-9.
    """
    images = read_idx(images_path, max_bytes=MAX_IDX_BYTES)
    labels = read_idx(labels_path, max_bytes=MAX_IDX_BYTES)
    for path, array, ndim, what in ((images_path, images, 3, "images (count, rows, columns)"),
                                    (labels_path, labels, 1, "labels (count,)")):
        if array.ndim != ndim or array.dtype != np.uint8:
            raise IdxError(
                f"{path} should hold {what} as unsigned bytes, but holds shape {array.shape} "
                f"of {array.dtype}; is it the right file?"
            )
    if len(images) == 0:
        raise IdxError(f"{images_path} holds no images (its header says 0); is it complete?")
    if images.shape[1:] != IMAGE_SIZE:
        rows, columns = images.shape[1:]
        raise IdxError(
            f"{images_path} holds images of {rows} x {columns} pixels; MNIST and Fashion-MNIST "
            "images are 28 x 28. Is it the right file?"
        )
    if len(images) != len(labels):
        raise IdxError(
            f"{labels_path} has {len(labels)} labels but {images_path} has {len(images)} "
            "images: the two files do not belong together (take both from the same release)."
        )
    if labels.size and int(labels.max()) > 9:
        raise IdxError(
            f"{labels_path} holds label {int(labels.max())}; class numbers must be 0-9. Is it "
            "a labels file of MNIST or Fashion-MNIST?"
        )
    return images, labels


def _to_dataset(images: np.ndarray, labels: np.ndarray) -> TensorDataset:
    pixels = images.astype(np.float32)  # one copy: the float32 images themselves
    np.divide(pixels, 255, out=pixels)
    pixels = pixels.reshape(len(images), 1, *images.shape[1:])
    backend = get_backend()
    return TensorDataset(
        Tensor._from_data(backend.asarray(pixels), backend),
        Tensor._from_data(backend.asarray(labels.astype(np.int64)), backend),
    )


def _split(images: np.ndarray, labels: np.ndarray) -> tuple[TensorDataset, TensorDataset]:
    """The fixed 80/20 split: the same samples as
    ``random_split(dataset, [0.8, 0.2], seed=SPLIT_SEED)``."""
    train_count, _ = split_lengths(len(images), SPLIT)
    order = host_rng(seed=SPLIT_SEED).permutation(len(images))
    train, test = order[:train_count], order[train_count:]
    return _to_dataset(images[train], labels[train]), _to_dataset(images[test], labels[test])


def _missing_folder_help(title: str) -> str:
    names = ", ".join(f"{stem}[.gz]" for stem in (*TRAIN, *TEST))
    return (
        f"Pass root=FOLDER (on the command line: --data-dir FOLDER) for a folder holding the "
        f"{title} files ({names}; the two t10k files alone also work), or download=True "
        f"(--download) to fetch them into the cache."
    )


def load_folder(folder: str | os.PathLike[str], title: str = "MNIST",
                test_only: bool = False) -> tuple[TensorDataset | None, TensorDataset]:
    """Load ``(train, test)`` from a folder of IDX files named as published.

    With all four files: the published training and test sets. With only the two ``t10k``
    files: those 10,000 samples split 80/20 with a fixed seed (``SPLIT_SEED``).

    Args:
        folder: the folder holding the files (``.gz`` or uncompressed).
        title: the data set's name, for error messages.
        test_only: read only the test files (``t10k``) and return ``(None, test)``: the test
            set is the same, and the training images are not read at all.

    Raises:
        FileNotFoundError: the folder does not exist, or lacks the files.
        IdxError: a file is corrupt, truncated, or images and labels do not match.
    """
    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(
            f"The {title} data folder {folder} is a file, not a folder. "
            f"{_missing_folder_help(title)}"
        )
    if not folder.is_dir():
        raise FileNotFoundError(
            f"The {title} data folder {folder} does not exist. {_missing_folder_help(title)}"
        )
    train = [_find(folder, stem) for stem in TRAIN]
    test = [_find(folder, stem) for stem in TEST]
    if None in test or (None in train and any(train)):
        found = sorted(p.name for p in folder.iterdir() if p.is_file()) or ["nothing"]
        wanted = [s for s, p in zip((*TRAIN, *TEST), (*train, *test), strict=True) if p is None]
        if not any(test) and not any(train):
            wanted = [*TRAIN, *TEST]
        raise FileNotFoundError(
            f"The {title} folder {folder} lacks {', '.join(s + '[.gz]' for s in wanted)} "
            f"(found: {', '.join(found)}). {_missing_folder_help(title)}"
        )
    test_images, test_labels = read_images_and_labels(test[0], test[1])  # type: ignore[arg-type]
    if None in train:
        split = _split(test_images, test_labels)
        return (None, split[1]) if test_only else split
    if test_only:
        return None, _to_dataset(test_images, test_labels)
    train_images, train_labels = read_images_and_labels(train[0], train[1])  # type: ignore[arg-type]
    if train_images.shape[1:] != test_images.shape[1:]:
        raise IdxError(
            f"The training images in {folder} are {train_images.shape[1:]} pixels but the test "
            f"images are {test_images.shape[1:]}: the files come from different data sets."
        )
    test_set = _to_dataset(test_images, test_labels)
    del test_images
    return _to_dataset(train_images, train_labels), test_set


def mnist_sample() -> tuple[TensorDataset, TensorDataset]:
    """The MNIST sample shipped inside the package: 8,000 digits to train on, 2,000 to test.

    The sample is the real MNIST *test set* (10,000 handwritten digits, CC BY-SA 3.0 by
    Y. LeCun, C. Cortes and C. Burges; see ``mnist_sample/ATTRIBUTION.md``), split 80/20 with
    a fixed seed. It needs no download, which makes it the lecture's default. Accuracy on its
    2,000 held-out digits is NOT comparable with the standard MNIST benchmark (60,000
    training / 10,000 test images), which :func:`mnist` gives.

    Returns:
        ``(train, test)``: TensorDatasets of images (float32, ``(N, 1, 28, 28)``, in [0, 1])
        and labels (int64, ``(N,)``).

    Examples:
        >>> train, test = mnist_sample()
        >>> test.tensors[0].shape, test.tensors[1].shape
        (Size([2000, 1, 28, 28]), Size([2000]))
    """
    train, test = load_folder(SAMPLE_FOLDER, "MNIST sample")
    assert train is not None  # (for the type checker: test_only was not asked for)
    return train, test


def _load(name: str, root: str | os.PathLike[str] | None, download: bool,
          timeout: float) -> tuple[TensorDataset, TensorDataset]:
    source = SOURCES[name]
    folder = Path(root).expanduser() if root is not None else data_home() / source.folder
    if download:
        fetch_files(folder, source.md5, source.mirrors, timeout=timeout,
                    max_bytes=source.max_bytes)
    train, test = load_folder(folder, source.title)
    assert train is not None  # (for the type checker: test_only was not asked for)
    return train, test


def mnist(
    root: str | os.PathLike[str] | None = None, download: bool = False, timeout: float = 120.0
) -> tuple[TensorDataset, TensorDataset]:
    """MNIST handwritten digits: 60,000 training and 10,000 test images (the benchmark).

    Args:
        root: the folder holding the IDX files as published (``train-images-idx3-ubyte.gz``,
            ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz``,
            ``t10k-labels-idx1-ubyte.gz``, compressed or not). A folder with only the two
            ``t10k`` files gives those 10,000 split 80/20. Default: ``data_home() / "mnist"``.
        download: first fetch the files missing from the folder, each checked against its
            published MD5 (an atomic download: a failure leaves nothing behind).
        timeout: seconds a download of one file may take in all, before the next mirror is
            tried.

    Returns:
        ``(train, test)`` as for :func:`mnist_sample`.

    Raises:
        FileNotFoundError: no such folder, or files missing (and ``download=False``).
        DownloadError: offline, or no mirror delivered a file with the right checksum.
        IdxError: a corrupt or truncated file, or images and labels that do not match.

    Examples:
        >>> train, test = mnist(root=SAMPLE_FOLDER)  # the shipped test files: an 80/20 split
        >>> len(train), len(test)
        (8000, 2000)
    """
    return _load("mnist", root, download, timeout)


def fashion_mnist(
    root: str | os.PathLike[str] | None = None, download: bool = False, timeout: float = 120.0
) -> tuple[TensorDataset, TensorDataset]:
    """Fashion-MNIST (Zalando): 60,000 + 10,000 images of 10 kinds of clothing.

    The same files, sizes and format as MNIST, so it is a drop-in replacement; class names
    are in ``FASHION_MNIST_CLASSES``. ``apt-get install dataset-fashion-mnist`` puts the files
    in ``/usr/share/datasets/fashion-mnist``.

    Args:
        root: the folder holding the four IDX files (see :func:`mnist`). Default:
            ``data_home() / "fashion-mnist"``.
        download: first fetch the missing files, each checked against its published MD5.
        timeout: seconds a download of one file may take in all.

    Returns:
        ``(train, test)`` as for :func:`mnist_sample`.

    Examples:
        >>> FASHION_MNIST_CLASSES[9]
        'Ankle boot'
    """
    return _load("fashion-mnist", root, download, timeout)
