"""The command line's grammar: ``build_parser`` and the one-line errors (``CommandError``)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from .. import __version__
from ..models import DEFAULTS, MODELS

DATASETS = ("mnist-sample", "mnist", "fashion-mnist")
# The exit statuses, documented in --help and in the package docstring.
EXIT_CODES = "exit status: 0 done, 1 error, 2 usage, 3 diverged, 130 Ctrl-C, 143 SIGTERM"


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


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must be 0 or more (below 2**63), got {value}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 0.1, got {text!r}") from None
    if not (math.isfinite(value) and 0 <= value <= 0.5):
        raise argparse.ArgumentTypeError(f"must be from 0 to 0.5, such as 0.1, got {text}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seconds, such as 120, got {text!r}") from None
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"must be a number of seconds above 0, got {text}")
    return value


def _defaults_help() -> str:
    lines = ["defaults per model (each can be overridden; the lr follows a cosine down to 0):"]
    for name, d in DEFAULTS.items():
        optimizer = f"SGD momentum {d.momentum}" if d.optimizer == "sgd" else "Adam"
        lines.append(
            f"  {name:<8} {d.epochs} epoch{'s' * (d.epochs != 1)}, batch {d.batch_size}, "
            f"{optimizer}, lr {d.lr}\n"
            f"           test accuracy with seeds 0-3: {d.reaches}"
        )
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tinygrad-edu", description="Train and evaluate the lecture's models.",
                     epilog=EXIT_CODES)
    parser.add_argument("--version", action="version", version=f"tinygrad-edu {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = commands.add_parser(
        "train", help="train a model, keeping a checkpoint of every epoch",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Train a model. A part of the training images (--val-fraction) is held\n"
        "out and scored after every epoch; the test set is scored once, at the end. After\n"
        "every epoch, write model.safetensors, optimizer.safetensors and metrics.json to\n"
        "--out; at the end, loss.png and mistakes.png too.",
        epilog=_defaults_help() + "\n\nmodels:\n"
        "  lecture  R^3 -> R^4 -> R^3 -> R^3 -> R^2 (Linear + ReLU), on its own task:\n"
        "           points of the cube [-1, 1]^3, inside or outside a ball\n"
        "  mlp      Flatten, Linear(784, 128), ReLU, Linear(128, 10)\n"
        "  cnn      two Conv2d 3x3 + ReLU + MaxPool2d(2), then Linear(400, 10)\n\n"
        "data sets: mnist-sample ships inside the package (8,000 + 2,000 digits of the\n"
        "MNIST test set); mnist and fashion-mnist read the four IDX files from\n"
        "--data-dir, or download them into the cache with --download.\n\n"
        "A run that stops (Ctrl-C, SIGTERM, a full disk) keeps its last complete epoch:\n"
        "tinygrad-edu train --resume --out DIR continues it, to the same weights.\n"
        "A loss that becomes inf or nan stops the run, keeping the last good checkpoint.\n"
        + EXIT_CODES,
    )
    train.add_argument("--model", choices=list(MODELS), help="default: mlp")
    train.add_argument("--dataset", choices=DATASETS,
                       help="image models only; default: mnist-sample (shipped, no download)")
    train.add_argument("--epochs", type=_count, metavar="N", help="passes over the training data")
    train.add_argument("--batch-size", type=_count, metavar="N", help="images per step")
    train.add_argument("--lr", type=_rate, help="the starting learning rate")
    train.add_argument("--optimizer", choices=("sgd", "adam"))
    train.add_argument("--momentum", type=float, help="SGD's momentum (default 0.9)")
    train.add_argument("--seed", type=_seed, metavar="N",
                       help="starting weights, validation part and shuffling (default 0)")
    train.add_argument("--val-fraction", type=_fraction, metavar="F",
                       help="part of the training images held out for validation (default "
                       "0.1; 0: none)")
    train.add_argument("--out", type=Path, metavar="DIR",
                       help="folder for the checkpoint, metrics and plots; default: a new "
                       "folder runs/MODEL-DATASET (then -2, -3, ...)")
    again = train.add_mutually_exclusive_group()
    again.add_argument("--resume", action="store_true",
                       help="continue the run in --out from its last complete epoch")
    again.add_argument("--overwrite", action="store_true",
                       help="replace the run in --out (its files are deleted first)")
    train.add_argument("--quiet", action="store_true", help="no progress bar")
    train.add_argument("--no-jit", action="store_true",
                       help="run the training step eagerly instead of capturing it with tg.jit")
    evaluate = commands.add_parser(
        "evaluate", help="accuracy and confusion matrix of a checkpoint on a test set",
        description="Rebuild the model written by 'tinygrad-edu train' (its name and the "
        "normalisation are in the checkpoint) and score it on the test set.",
        epilog=EXIT_CODES,
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
        command.add_argument("--timeout", type=_seconds, default=120.0, metavar="SECONDS",
                             help="give up a download of one file after this long (default 120)")
        command.add_argument("--threads", type=_count, metavar="N",
                             help="threads for matrix products (default: the fastest for the "
                             "model, 1 for the default ones, never more than the usable cores)")
        command.add_argument("--backend", metavar="NAME",
                             help="numpy (= cpu), cupy (= cuda), or another installed backend; "
                             "default: $TINYGRAD_EDU_BACKEND or numpy")
    return parser
