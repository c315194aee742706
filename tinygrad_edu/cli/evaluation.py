"""``tinygrad-edu evaluate``: a checkpoint's loss, accuracy and confusion matrix on a test set."""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

import tinygrad_edu as tg

from ..models import MODELS, build_model
from ..nn import functional as F
from .folder import _shown
from .inputs import (
    LECTURE_CLASSES,
    _class_names,
    comparability_note,
    lecture_task,
    load_images,
    load_test_images,
    normalise,
    statistics,
    threads_set,
    training_statistics,
)
from .output import plural
from .parser import DATASETS, CommandError


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
    with threads_set(args.model or "mlp", args.threads):
        return _evaluate(args)


def _evaluate(args: argparse.Namespace) -> int:
    path = args.checkpoint
    metadata = tg.load_metadata(path)  # a missing or corrupt file stops here, clearly
    name = args.model or metadata.get("model")
    if name is None:
        raise CommandError(f"{path} does not say which model it holds (it was not written by "
                           f"'tinygrad-edu train'); pass --model ({', '.join(MODELS)})", code=2)
    if name not in MODELS:
        raise CommandError(f"{path} holds a model called '{_shown(name)}', which this version "
                           f"does not know (it knows {', '.join(MODELS)}); pass --model to "
                           "choose one")
    model = build_model(name)
    try:
        model.load_state_dict(tg.load(path))
    except RuntimeError as error:
        raise CommandError(f"{path} does not hold weights of the {name} model. "
                           f"{_shown(str(error), 400)}") from None
    x_train, known = None, None
    if name == "lecture":
        if args.dataset or args.data_dir or args.download:
            raise CommandError("a lecture checkpoint is tested on its own task; leave out "
                               "--dataset, --data-dir and --download", code=2)
        (x_train, _), (x_test, y_test) = lecture_task(_whole(metadata, "seed", path))
        dataset, note, class_names = "ball", None, LECTURE_CLASSES
    else:
        trained_on = metadata.get("dataset")
        if args.dataset is None and trained_on is not None and trained_on not in DATASETS:
            raise CommandError(f"{path} says it was trained on '{_shown(trained_on)}', which "
                               f"this version does not know (it knows {', '.join(DATASETS)}); "
                               "pass --dataset to choose the test set")
        dataset = args.dataset or trained_on or "mnist-sample"
        if args.data_dir is None and metadata.get("data_dir") and dataset != "mnist-sample":
            print(f"note: the run read its data from {_shown(metadata['data_dir'])}; this "
                  "reads the cache folder unless you pass --data-dir")
        known = None if {"mean", "std"} <= metadata.keys() else training_statistics(
            dataset, args.data_dir, args.download)
        if {"mean", "std"} <= metadata.keys() or known:  # the test set alone is read
            test_set = load_test_images(dataset, args.data_dir, args.download, args.timeout)
            train_size = None
        else:  # only t10k files: the training part is read with the test part anyway
            train_set, test_set = load_images(dataset, args.data_dir, args.download,
                                              args.timeout)
            x_train, train_size = train_set.tensors[0], len(train_set)
        if known:  # not from 'tinygrad-edu train': normalised as it would, by the training set
            print(f"note: {path} holds no normalisation; using the {dataset} training set's "
                  f"mean {known[0]:.4f} and std {known[1]:.4f}")
        x_test, y_test = test_set.tensors
        note = comparability_note(dataset, train_size, len(test_set))
        class_names = _class_names(dataset)
    if {"mean", "std"} <= metadata.keys():
        mean, std = _normalisation(metadata, path)
    elif known:
        mean, std = known
    else:
        assert x_train is not None
        mean, std = statistics(x_train)
    loss, predictions = predict(model, normalise(x_test, mean, std), y_test)
    truth = y_test.numpy()
    correct = int((predictions == truth).sum())
    trained = metadata.get("epoch")
    if trained:
        epochs = plural(_whole(metadata, "epoch", path), "epoch")
        print(f"checkpoint {path}: {name}, {epochs} on {_shown(metadata.get('dataset', '?'))}")
    else:
        print(f"checkpoint {path}: {name}")
    print(f"test set: {dataset}, {truth.size:,} samples")
    print(f"test loss {loss:.4f}  test accuracy {correct / truth.size:.2%} ({correct:,} of "
          f"{truth.size:,})")
    if note:
        print(f"note: {note}")
    print_confusion_matrix(confusion_matrix(truth, predictions, len(class_names)), class_names)
    return 0


def _whole(metadata: dict[str, str], key: str, path: Path) -> int:
    text = metadata.get(key, "0")
    if not text.isdigit() or len(text) > 19:
        raise CommandError(f"{path} holds a malformed {key} in its metadata "
                           f"('{_shown(text, 40)}', not a whole number 0 or more); was it "
                           "written by 'tinygrad-edu train'?")
    return int(text)


def _normalisation(metadata: dict[str, str], path: Path) -> tuple[float, float]:
    try:
        mean, std = float(metadata["mean"]), float(metadata["std"])
    except ValueError:
        mean = std = math.nan
    if not (math.isfinite(mean) and math.isfinite(std) and std > 0):
        raise CommandError(
            f"{path} holds an unusable normalisation (mean '{_shown(metadata['mean'], 40)}', "
            f"std '{_shown(metadata['std'], 40)}'): the mean must be a finite number and the "
            "std one above 0; was it written by 'tinygrad-edu train'?")
    return mean, std


def print_confusion_matrix(matrix: np.ndarray, class_names: Sequence[str]) -> None:
    """The matrix with a row per true class and a column per predicted class."""
    width = max(5, len(str(matrix.max())) + 1)
    print("confusion matrix (rows: true class, columns: predicted class)")
    print("true" + "".join(f"{column:>{width}}" for column in range(len(matrix))))
    for row, counts in enumerate(matrix):
        print(f"{row:>4}" + "".join(f"{count:>{width}}" for count in counts))
    if any(name != str(number) for number, name in enumerate(class_names)):
        print("classes: " + ", ".join(f"{n} {name}" for n, name in enumerate(class_names)))
