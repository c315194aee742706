"""``tinygrad-edu evaluate``: a checkpoint's loss, accuracy and confusion matrix on a test set."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np

import tinygrad_edu as tg

from ..models import MODELS, build_model
from ..nn import functional as F
from .inputs import (
    LECTURE_CLASSES,
    _class_names,
    comparability_note,
    lecture_task,
    load_images,
    normalise,
    statistics,
)
from .parser import CommandError


def predict(model: tg.nn.Module, images: tg.Tensor, labels: tg.Tensor,
            batch_size: int = 1000) -> tuple[float, np.ndarray]:
    """The mean loss over a test set and the predicted class of each sample (no graph)."""
    model.eval()
    total, predictions = 0.0, []
    with tg.no_grad():
        for start in range(0, images.shape[0], batch_size):
            logits = model(images[start : start + batch_size])
            targets = labels[start : start + batch_size]
            total += F.cross_entropy(logits, targets, reduction="sum").item()
            predictions.append(logits.argmax(axis=1).numpy())
    return total / images.shape[0], np.concatenate(predictions)


def confusion_matrix(truth: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """``matrix[t, p]``: how many samples of true class t were predicted as class p."""
    return np.bincount(truth * classes + predicted, minlength=classes * classes).reshape(
        classes, classes)


def evaluate(args: argparse.Namespace) -> int:
    """``tinygrad-edu evaluate``: returns the exit code."""
    path = args.checkpoint
    metadata = tg.load_metadata(path)  # a missing or corrupt file stops here, clearly
    name = args.model or metadata.get("model")
    if name is None:
        raise CommandError(f"{path} does not say which model it holds (it was not written by "
                           f"'tinygrad-edu train'); pass --model ({', '.join(MODELS)})", code=2)
    if name not in MODELS:
        raise CommandError(f"{path} holds a model called {name!r}, which this version does not "
                           f"know (it knows {', '.join(MODELS)}); pass --model to choose one")
    model = build_model(name)
    try:
        model.load_state_dict(tg.load(path))
    except RuntimeError as error:
        raise CommandError(f"{path} does not hold weights of the {name} model. {error}") from None

    if name == "lecture":
        if args.dataset or args.data_dir or args.download:
            raise CommandError("a lecture checkpoint is tested on its own task; leave out "
                               "--dataset, --data-dir and --download", code=2)
        (x_train, _), (x_test, y_test) = lecture_task(int(metadata.get("seed", "0")))
        dataset, note, class_names = "ball", None, LECTURE_CLASSES
    else:
        dataset = args.dataset or metadata.get("dataset") or "mnist-sample"
        data_dir = args.data_dir
        if data_dir is None and dataset == metadata.get("dataset") and metadata.get("data_dir"):
            data_dir = Path(metadata["data_dir"])  # where the training run found the data
        train_set, test_set = load_images(dataset, data_dir, args.download)
        (x_train, _), (x_test, y_test) = train_set.tensors, test_set.tensors
        note = comparability_note(dataset, len(train_set), len(test_set))
        class_names = _class_names(dataset)
    try:
        mean, std = float(metadata["mean"]), float(metadata["std"])
    except (KeyError, ValueError):  # not from 'tinygrad-edu train': normalise as it would
        mean, std = statistics(x_train)
    loss, predictions = predict(model, normalise(x_test, mean, std), y_test)
    truth = y_test.numpy()
    correct = int((predictions == truth).sum())
    trained = metadata.get("epoch")
    print(f"checkpoint {path}: {name}" + (f", {trained} epochs on {metadata.get('dataset')}"
                                           if trained else ""))
    print(f"test set: {dataset}, {truth.size:,} samples")
    print(f"test loss {loss:.4f}  test accuracy {correct / truth.size:.2%} ({correct:,} of "
          f"{truth.size:,})")
    if note:
        print(f"note: {note}")
    print_confusion_matrix(confusion_matrix(truth, predictions, len(class_names)), class_names)
    return 0


def print_confusion_matrix(matrix: np.ndarray, class_names: Sequence[str]) -> None:
    """The matrix with a row per true class and a column per predicted class."""
    width = max(5, len(str(matrix.max())) + 1)
    print("confusion matrix (rows: true class, columns: predicted class)")
    print("true" + "".join(f"{column:>{width}}" for column in range(len(matrix))))
    for row, counts in enumerate(matrix):
        print(f"{row:>4}" + "".join(f"{count:>{width}}" for count in counts))
    if any(name != str(number) for number, name in enumerate(class_names)):
        print("classes: " + ", ".join(f"{n} {name}" for n, name in enumerate(class_names)))
