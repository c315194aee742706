"""The command line's grammar: ``build_parser`` and the one-line errors (``CommandError``)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from ..models import DEFAULTS, MODELS

DATASETS = ("mnist-sample", "mnist", "fashion-mnist")


class CommandError(Exception):
    """A problem to report in one message (no traceback), with the exit code to return."""

    def __init__(self, message: str, code: int = 1, prog: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.prog = prog  # the (sub)command that failed, when known before parsing ends


class _Parser(argparse.ArgumentParser):
    """argparse, with a one-line error that says where to find help (no usage dump)."""

    def error(self, message: str) -> Any:
        raise CommandError(f"{message}; see '{self.prog} --help'", code=2, prog=self.prog)


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 0.01, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a number above 0, such as 0.01, got {text}")
    return value


def _defaults_help() -> str:
    lines = ["defaults per model (each can be overridden; the lr follows a cosine down to 0):"]
    for name, d in DEFAULTS.items():
        optimizer = f"SGD momentum {d.momentum}" if d.optimizer == "sgd" else "Adam"
        lines.append(
            f"  {name:<8} {d.epochs} epochs, batch {d.batch_size}, {optimizer}, lr {d.lr}\n"
            f"           test accuracy with seeds 0-3: {d.reaches}"
        )
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tinygrad-edu", description="Train and evaluate the lecture's models.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = commands.add_parser(
        "train", help="train a model, keeping a checkpoint of every epoch",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Train a model. After every epoch, write model.safetensors and\n"
        "metrics.json to --out; at the end, loss.png and mistakes.png too.",
        epilog=_defaults_help() + "\n\nmodels:\n"
        "  lecture  R^3 -> R^4 -> R^3 -> R^3 -> R^2 (Linear + ReLU), on its own task:\n"
        "           points of the cube [-1, 1]^3, inside or outside a ball\n"
        "  mlp      Flatten, Linear(784, 128), ReLU, Linear(128, 10)\n"
        "  cnn      two Conv2d 3x3 + ReLU + MaxPool2d(2), then Linear(400, 10)\n\n"
        "data sets: mnist-sample ships inside the package (8,000 + 2,000 digits of the\n"
        "MNIST test set); mnist and fashion-mnist read the four IDX files from\n"
        "--data-dir, or download them into the cache with --download.",
    )
    train.add_argument("--model", choices=list(MODELS), default="mlp", help="default: mlp")
    train.add_argument("--dataset", choices=DATASETS,
                       help="image models only; default: mnist-sample (shipped, no download)")
    train.add_argument("--epochs", type=_count, metavar="N", help="passes over the training data")
    train.add_argument("--batch-size", type=_count, metavar="N", help="images per step")
    train.add_argument("--lr", type=_rate, help="the starting learning rate")
    train.add_argument("--optimizer", choices=("sgd", "adam"))
    train.add_argument("--momentum", type=float, help="SGD's momentum (default 0.9)")
    train.add_argument("--seed", type=int, default=0, metavar="N",
                       help="starting weights and shuffling (default 0)")
    train.add_argument("--out", type=Path, metavar="DIR",
                       help="folder for the checkpoint, metrics and plots; default: "
                       "runs/MODEL-DATASET")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    evaluate = commands.add_parser(
        "evaluate", help="accuracy and confusion matrix of a checkpoint on a test set",
        description="Rebuild the model written by 'tinygrad-edu train' (its name and the "
        "normalisation are in the checkpoint) and score it on the test set.",
    )
    evaluate.add_argument("--checkpoint", type=Path, required=True, metavar="FILE",
                          help="a model.safetensors written by 'tinygrad-edu train'")
    evaluate.add_argument("--dataset", choices=DATASETS,
                          help="default: the data set the model was trained on")
    evaluate.add_argument("--model", choices=list(MODELS),
                          help="only for a checkpoint that does not name its model")
    for command in (train, evaluate):
        command.add_argument("--data-dir", type=Path, metavar="DIR",
                             help="folder of the IDX files (mnist, fashion-mnist)")
        command.add_argument("--download", action="store_true",
                             help="download the missing files of --dataset first")
        command.add_argument("--backend", metavar="NAME",
                             help="numpy (= cpu), cupy (= cuda), or another installed backend; "
                             "default: $TINYGRAD_EDU_BACKEND or numpy")
    return parser
