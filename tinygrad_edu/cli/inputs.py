"""The data a command works on: the image data sets by name, their normalisation, and the
lecture network's own task (points inside or outside a ball)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

import tinygrad_edu as tg

from .. import data
from ..models import ball_points
from .parser import CommandError

LECTURE_POINTS = 1000  # the lecture's task: 800 points to train on, 200 to test
LECTURE_CLASSES: tuple[str, ...] = ("outside", "inside")  # class 0, class 1


# Threads for the matrix products, measured per model: one is fastest for all three (their
# matrices are small), and on a busy machine more threads are much slower (issue 16).
DEFAULT_THREADS = {"lecture": 1, "mlp": 1, "cnn": 1}


@contextlib.contextmanager
def threads_set(model: str, asked: int | None) -> Iterator[int]:
    """Within the block, matrix products use ``--threads``, else the model's measured best,
    never more than the cores this process may use; the count before is restored after."""
    count = asked if asked is not None else min(DEFAULT_THREADS.get(model, 1),
                                                tg.threads.usable_cores())
    before = tg.get_num_threads()
    tg.set_num_threads(count)
    try:
        yield count
    finally:
        tg.set_num_threads(before)


def load_images(name: str, data_dir: Path | None, download: bool,
                timeout: float = 120.0) -> tuple[Any, Any]:
    """The ``(train, test)`` TensorDatasets of an image data set, by name."""
    folder = _check_source(name, data_dir, download)
    if folder is None:
        return data.mnist_sample()
    loader = data.mnist if name == "mnist" else data.fashion_mnist
    return loader(root=folder, download=download, timeout=timeout)


def load_test_images(name: str, data_dir: Path | None, download: bool,
                     timeout: float = 120.0) -> Any:
    """The test set alone (``evaluate`` reads no training image it does not score)."""
    folder = _check_source(name, data_dir, download)
    if folder is None:
        return data.load_folder(data.datasets.SAMPLE_FOLDER, "MNIST sample", test_only=True)[1]
    source = data.SOURCES[name]
    if download:
        tests = {n: md5 for n, md5 in source.md5.items() if n.startswith("t10k")}
        data.fetch_files(folder, tests, source.mirrors, timeout=timeout,
                         max_bytes=source.max_bytes)
    return data.load_folder(folder, source.title, test_only=True)[1]


# The mean and standard deviation of all pixels (scaled to [0, 1]) of each data set's training
# images, for checkpoints that do not carry their own normalisation: evaluate then reads no
# training image. Computed once from the files (in float64, rounded to 7 digits);
# tests/test_cli_safety.py recomputes each whose files are present.
TRAINING_STATISTICS = {
    "mnist-sample": (0.1326198, 0.3106387),  # its 8,000 training digits
    "mnist": (0.1306605, 0.3081078),  # the 60,000 of train-images-idx3-ubyte
    "fashion-mnist": (0.2860406, 0.3530242),  # the 60,000 of train-images-idx3-ubyte
}


def training_statistics(name: str, data_dir: Path | None, download: bool
                        ) -> tuple[float, float] | None:
    """``TRAINING_STATISTICS[name]`` when the training part is the published one; None for a
    folder holding only the two t10k files (its training part is 8,000 of those, read anyway
    with the test part: compute its statistics with :func:`statistics`)."""
    folder = _check_source(name, data_dir, download)
    if folder is not None and not download and folder.is_dir() and not all(
        (folder / stem).is_file() or (folder / f"{stem}.gz").is_file()
        for stem in data.datasets.TRAIN
    ):
        return None
    return TRAINING_STATISTICS[name]


def _check_source(name: str, data_dir: Path | None, download: bool) -> Path | None:
    """The folder to read (None: the shipped sample), after the checks a user can get wrong."""
    if name == "mnist-sample":
        if data_dir is not None or download:
            raise CommandError(
                "mnist-sample ships inside the package; --data-dir and --download are for "
                "--dataset mnist or fashion-mnist", code=2)
        return None
    if data_dir is not None and data_dir.exists() and not data_dir.is_dir():
        raise CommandError(f"--data-dir {data_dir} is a file, not a folder; give the folder "
                           "that holds the IDX files", code=2)
    return data_dir if data_dir is not None else data.data_home() / data.SOURCES[name].folder


def split_validation(images: tg.Tensor, labels: tg.Tensor, fraction: float, seed: int
                     ) -> tuple[tg.Tensor, tg.Tensor, tg.Tensor, tg.Tensor]:
    """``(train images, train labels, validation images, validation labels)``: a random
    ``fraction`` of the training data, chosen by ``seed``, held out for validation."""
    count = images.shape[0]
    held = 0 if fraction == 0 else max(1, round(count * fraction))
    if held >= count:
        raise CommandError(f"--val-fraction {fraction} leaves no training data of the "
                           f"{count} samples; lower it", code=2)
    # a stream of its own (spawn key 1), so that it is not the shuffling's
    order = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,))).permutation(count)
    train, val = np.sort(order[held:]), np.sort(order[:held])
    x, y = images.numpy(), labels.numpy()
    return tg.Tensor(x[train]), tg.Tensor(y[train]), tg.Tensor(x[val]), tg.Tensor(y[val])


def normalise(images: tg.Tensor, mean: float, std: float) -> tg.Tensor:
    """Pixels shifted and scaled so that the training set has mean 0 and standard deviation 1:
    gradient descent then needs no input-specific learning rate."""
    with tg.no_grad():
        return (images - mean) / std


def statistics(images: tg.Tensor) -> tuple[float, float]:
    """The mean and standard deviation of all pixels of the training images."""
    with tg.no_grad():
        mean = images.mean().item()
        centred = images - mean
        return mean, (centred * centred).mean().sqrt().item()


def comparability_note(dataset: str, train_size: int | None, test_size: int) -> str | None:
    """What the test accuracy can be compared with, when it is not the standard benchmark
    (``train_size`` None: not known, the training images were not read)."""
    if dataset == "mnist-sample":
        return ("the accuracy is on 2,000 held-out digits of the MNIST test set (mnist-sample: "
                "8,000 for training, --val-fraction of them held out for validation, 2,000 "
                "to test); it is not comparable with the standard "
                "60,000/10,000 MNIST benchmark (--dataset mnist with all four files)")
    if (train_size, test_size) in ((60_000, 10_000), (None, 10_000)):
        return None
    if train_size is None:
        return (f"{test_size:,} test images, not the standard 10,000: the accuracy is not "
                "comparable with published results")
    if test_size == 2_000 and train_size in (None, 8_000):
        return ("the folder held only the 10,000 test images (t10k files), split 8,000/2,000: "
                "the accuracy is not comparable with the standard 60,000/10,000 benchmark")
    return (f"{train_size:,} training and {test_size:,} test images, not the standard "
            "60,000/10,000: the accuracy is not comparable with published results")


def lecture_task(seed: int) -> tuple[tuple[tg.Tensor, tg.Tensor], tuple[tg.Tensor, tg.Tensor]]:
    """The lecture network's points, 80 % to train on and 20 % to test."""
    points, labels = ball_points(LECTURE_POINTS, seed=seed)
    cut = LECTURE_POINTS * 4 // 5
    return ((tg.Tensor(points[:cut]), tg.Tensor(labels[:cut])),
            (tg.Tensor(points[cut:]), tg.Tensor(labels[cut:])))


def _class_names(dataset: str) -> tuple[str, ...]:
    return data.FASHION_MNIST_CLASSES if dataset == "fashion-mnist" else tuple("0123456789")
