"""The data a command works on: the image data sets by name, their normalisation, and the
lecture network's own task (points inside or outside a ball)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import tinygrad_edu as tg

from .. import data
from ..models import ball_points
from .parser import CommandError

LECTURE_POINTS = 1000  # the lecture's task: 800 points to train on, 200 to test
LECTURE_CLASSES: tuple[str, ...] = ("outside", "inside")  # class 0, class 1


def load_images(name: str, data_dir: Path | None, download: bool) -> tuple[Any, Any]:
    """The ``(train, test)`` TensorDatasets of an image data set, by name."""
    if name == "mnist-sample":
        if data_dir is not None or download:
            raise CommandError(
                "mnist-sample ships inside the package; --data-dir and --download are for "
                "--dataset mnist or fashion-mnist", code=2)
        return data.mnist_sample()
    loader = data.mnist if name == "mnist" else data.fashion_mnist
    return loader(root=data_dir, download=download)


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


def comparability_note(dataset: str, train_size: int, test_size: int) -> str | None:
    """What the test accuracy can be compared with, when it is not the standard benchmark."""
    if dataset == "mnist-sample":
        return ("the accuracy is on 2,000 held-out digits of the MNIST test set (mnist-sample: "
                "8,000 to train, 2,000 to test); it is not comparable with the standard "
                "60,000/10,000 MNIST benchmark (--dataset mnist with all four files)")
    if (train_size, test_size) == (60_000, 10_000):
        return None
    if (train_size, test_size) == (8_000, 2_000):
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
