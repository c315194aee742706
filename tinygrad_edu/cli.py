"""The command line: ``tinygrad-edu train`` and ``tinygrad-edu evaluate``.

``train`` runs the loop every example runs (forward, loss, backward, step), with the data and
model chosen by name, and keeps a checkpoint of every finished epoch in ``--out``::

    tinygrad-edu train                          # mlp on the MNIST sample shipped here
    tinygrad-edu train --model cnn --dataset fashion-mnist \
        --data-dir /usr/share/datasets/fashion-mnist
    tinygrad-edu evaluate --checkpoint runs/mlp-mnist-sample/model.safetensors

``python -m tinygrad_edu`` is the same program. Exit codes: 0 done, 1 the work failed (data
or checkpoint unreadable), 2 a bad command line, 130 stopped by Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import math
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

import tinygrad_edu as tg

from . import data
from .models import DEFAULTS, MODELS, ball_points, build_model, lecture_parameters
from .nn import functional as F

DATASETS = ("mnist-sample", "mnist", "fashion-mnist")
LECTURE_POINTS = 1000  # the lecture's task: 800 points to train on, 200 to test
LECTURE_CLASSES: tuple[str, ...] = ("outside", "inside")  # class 0, class 1
CHECKPOINT, METRICS = "model.safetensors", "metrics.json"
PLOT_HINT = 'pip install "tinygrad-edu[plot]"'


class CommandError(Exception):
    """A problem to report in one message (no traceback), with the exit code to return."""

    def __init__(self, message: str, code: int = 1, prog: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.prog = prog  # the (sub)command that failed, when known before parsing ends


# -- the command line ------------------------------------------------------------------------
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        with tg.use_backend(args.backend) if args.backend else contextlib.nullcontext():
            if args.command == "train":
                return train(args)
            return evaluate(args)
    except SystemExit as done:  # --help
        return done.code if isinstance(done.code, int) else 0
    except KeyboardInterrupt:  # before training started (while reading data, say)
        print(f"{parser.prog}: interrupted; nothing was written", file=sys.stderr)
        return 130
    except CommandError as error:
        prog = error.prog or f"{parser.prog} {args.command}"
        print(f"{prog}: error: {error}", file=sys.stderr)
        return error.code
    except (OSError, data.IdxError, tg.CheckpointError, tg.BackendError) as error:
        # Missing folders and files, downloads, corrupt files, a backend that cannot run:
        # each message already says what is wrong and what to do.
        print(f"{parser.prog} {args.command}: error: {error}", file=sys.stderr)
        return 1


# -- data ------------------------------------------------------------------------------------
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


# -- files -----------------------------------------------------------------------------------
def write_atomically(path: Path, write: Callable[[IO[bytes]], object]) -> None:
    """Write through a temporary file in the same folder, then rename it over ``path``: the
    file is always either the old one or the complete new one, even after Ctrl-C."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temporary, "xb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Ctrl-C waits until the block is done: the checkpoint and metrics.json are written as a
    pair, so they always describe the same epoch. The interrupt is raised right after."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: caught.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
        if caught and callable(previous):
            previous(signal.SIGINT, None)


def keep_freed_memory() -> None:
    """Let glibc keep freed memory for reuse rather than give it back to the kernel.

    A training step makes and frees the same large temporary arrays every step (the CNN's
    unfolded patches are megabytes). Above glibc's mmap threshold each one is mapped and
    unmapped every step, and its pages are faulted in afresh each time: measured in a fresh
    process, 4,100 page faults per CNN step (batch 64) and 2-3 times the step time. glibc
    raises the threshold by itself once large blocks have been freed, but only then.
    M_MMAP_THRESHOLD = 32 MiB keeps such arrays on the heap from the start, and
    M_TRIM_THRESHOLD = 256 MiB stops the heap's top being handed back after each step.
    Elsewhere than Linux with glibc this does nothing.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-1, 256 * 2**20)  # M_TRIM_THRESHOLD
        libc.mallopt(-3, 32 * 2**20)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):  # musl and other C libraries: no libc.so.6 / mallopt
        pass



# -- train -----------------------------------------------------------------------------------
def train_one_epoch(model: tg.nn.Module, batches: Any, optimizer: tg.optim.Optimizer) -> float:
    """One pass over the training data; returns the mean training loss of the epoch."""
    model.train()
    total, count = 0.0, 0
    for step, (images, labels) in enumerate(batches, start=1):
        logits = model(images)  # 1. forward: a score per class
        loss = F.cross_entropy(logits, labels)  # 2. loss: how wrong the scores are
        optimizer.zero_grad()  # backward() adds into .grad, so empty it first
        loss.backward()  # 3. backward: d loss / d parameter, for every parameter
        optimizer.step()  # 4. update: a small step against the gradient
        total += loss.item() * labels.shape[0]
        count += labels.shape[0]
        if step % 25 == 0 and hasattr(batches, "set_postfix"):
            batches.set_postfix(loss=f"{total / count:.4f}", refresh=False)
    return total / count


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


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    """The training settings: the model's defaults, overridden by the command line."""
    defaults = DEFAULTS[args.model]
    optimizer = args.optimizer or defaults.optimizer
    momentum = defaults.momentum if args.momentum is None else args.momentum
    if not (math.isfinite(momentum) and 0 <= momentum < 1):
        raise CommandError(f"argument --momentum: must be in [0, 1), such as 0.9, got "
                           f"{momentum}", code=2)
    if args.momentum is not None and optimizer != "sgd":
        raise CommandError("argument --momentum: is for --optimizer sgd (Adam keeps its own "
                           "running averages); leave it out", code=2)
    if args.model == "lecture" and (args.dataset or args.data_dir or args.download):
        raise CommandError("--model lecture trains on its own task (points inside or outside "
                           "a ball); leave out --dataset, --data-dir and --download", code=2)
    return {
        "model": args.model,
        "dataset": "ball" if args.model == "lecture" else args.dataset or "mnist-sample",
        "data_dir": None if args.data_dir is None else str(args.data_dir),
        "epochs": args.epochs or defaults.epochs,
        "batch_size": args.batch_size or defaults.batch_size,
        "lr": args.lr or defaults.lr,
        "lr_schedule": "cosine",
        "optimizer": optimizer,
        "momentum": momentum if optimizer == "sgd" else None,
        "seed": args.seed,
        "backend": tg.get_backend().name,
    }


def _output_folder(args: argparse.Namespace, settings: dict[str, Any]) -> Path:
    name = "lecture" if args.model == "lecture" else f"{args.model}-{settings['dataset']}"
    out = args.out if args.out is not None else Path("runs") / name
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out} is a file, not a folder; give a folder", code=2)
    return out


def _make_folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CommandError(f"cannot create the output folder {out}: {error.strerror}; "
                           "choose another with --out") from None


def train(args: argparse.Namespace) -> int:
    """``tinygrad-edu train``: returns the exit code."""
    keep_freed_memory()
    began = time.perf_counter()
    settings = _settings(args)
    out = _output_folder(args, settings)
    tg.manual_seed(args.seed)
    if args.model == "lecture":
        (x_train, y_train), (x_test, y_test) = lecture_task(args.seed)
        note, class_names = None, LECTURE_CLASSES
    else:
        train_set, test_set = load_images(settings["dataset"], args.data_dir, args.download)
        (x_train, y_train), (x_test, y_test) = train_set.tensors, test_set.tensors
        note = comparability_note(settings["dataset"], len(train_set), len(test_set))
        class_names = _class_names(settings["dataset"])
    raw_test = x_test  # the pixels as they are, for the picture of the mistakes
    mean, std = statistics(x_train)
    x_train, x_test = normalise(x_train, mean, std), normalise(x_test, mean, std)
    settings["normalisation"] = {"mean": mean, "std": std}
    settings["train_size"], settings["test_size"] = x_train.shape[0], x_test.shape[0]
    truth = y_test.numpy()
    _make_folder(out)  # only now: a run that cannot read its data leaves no empty folder

    model = build_model(args.model)
    if settings["optimizer"] == "sgd":
        optimizer: tg.optim.Optimizer = tg.optim.SGD(
            model.parameters(), lr=settings["lr"], momentum=settings["momentum"])
    else:
        optimizer = tg.optim.Adam(model.parameters(), lr=settings["lr"])
    epochs = settings["epochs"]
    scheduler = tg.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    loader = data.DataLoader(data.TensorDataset(x_train, y_train),
                             batch_size=settings["batch_size"], shuffle=True, seed=args.seed)
    _print_header(model, settings, out)

    history: dict[str, Any] = {"epoch": [], "train_loss": [], "test_loss": [],
                               "test_accuracy": [], "seconds": []}
    show_bar = not args.quiet and sys.stdout.isatty()
    predictions = np.zeros(0, dtype=np.int64)
    try:
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            batches = _progress_bar(loader, f"epoch {epoch}/{epochs}", show_bar)
            train_loss = train_one_epoch(model, batches, optimizer)
            scheduler.step()
            test_loss, predictions = predict(model, x_test, y_test)
            accuracy = float((predictions == truth).mean())
            for key, value in zip(history, (epoch, train_loss, test_loss, accuracy,
                                            round(time.perf_counter() - start, 3)), strict=True):
                history[key].append(value)
            matrix = confusion_matrix(truth, predictions, len(class_names))
            with interrupts_held():  # the two files always describe the same epoch
                _save(out, model, settings, history, matrix, note)
            print(f"epoch {epoch:>{len(str(epochs))}}/{epochs}  train loss {train_loss:.4f}  "
                  f"test loss {test_loss:.4f}  test accuracy {accuracy:6.2%}  "
                  f"{history['seconds'][-1]:.1f} s", flush=True)
    except KeyboardInterrupt:
        _report_interrupt(out, history, epochs)
        return 130

    if args.model == "lecture":
        _print_lecture_parameters(model)
    correct = int((predictions == truth).sum())
    print(f"finished: test accuracy {history['test_accuracy'][-1]:.2%} ({correct:,} of "
          f"{truth.size:,}) after {epochs} epochs, {time.perf_counter() - began:.1f} s in all")
    if note:
        print(f"note: {note}")
    title = f"{args.model} on {settings['dataset']}"
    try:
        pictures = _write_plots(out, title, history,
                                raw_test if args.model != "lecture" else None,
                                truth, predictions, class_names)
    except KeyboardInterrupt:  # the checkpoint is complete; only the pictures are missing
        _report_interrupt(out, history, epochs)
        return 130
    written = ", ".join([METRICS, *pictures])
    print(f"checkpoint: {out / CHECKPOINT} (beside it: {written})")
    print(f"evaluate it: tinygrad-edu evaluate --checkpoint {out / CHECKPOINT}")
    return 0


def _class_names(dataset: str) -> tuple[str, ...]:
    return data.FASHION_MNIST_CLASSES if dataset == "fashion-mnist" else tuple("0123456789")


def _progress_bar(loader: data.DataLoader, description: str, enabled: bool) -> Any:
    if not enabled:
        return loader
    from tqdm import tqdm  # a dependency, imported only when a bar is shown

    return tqdm(loader, desc=description, unit="batch", leave=False, dynamic_ncols=True)


def _print_header(model: tg.nn.Module, settings: dict[str, Any], out: Path) -> None:
    count = sum(p.numel() for p in model.parameters())
    what = "points" if settings["model"] == "lecture" else "images"
    optimizer = ("SGD with momentum " + str(settings["momentum"])
                 if settings["optimizer"] == "sgd" else "Adam")
    normalisation = settings["normalisation"]
    print(f"training {settings['model']} ({count:,} parameters) on {settings['dataset']}: "
          f"{settings['train_size']:,} training and {settings['test_size']:,} test {what}, "
          f"backend {settings['backend']}")
    print(f"{settings['epochs']} epochs, batch size {settings['batch_size']}, {optimizer}, "
          f"lr {settings['lr']} down to 0 along a cosine, seed {settings['seed']}")
    print(f"inputs normalised by the training set's mean {normalisation['mean']:.4f} and std "
          f"{normalisation['std']:.4f}")
    print(f"after every epoch: {out / CHECKPOINT} and {out / METRICS}", flush=True)


def _save(out: Path, model: tg.nn.Module, settings: dict[str, Any], history: dict[str, Any],
          matrix: np.ndarray, note: str | None) -> None:
    """The checkpoint (weights, and what evaluate needs to rebuild the model) and metrics."""
    epoch = history["epoch"][-1]
    metadata = {
        "format": "tinygrad-edu train",
        "model": settings["model"],
        "dataset": settings["dataset"],
        "data_dir": settings["data_dir"] or "",
        "seed": str(settings["seed"]),
        "epoch": str(epoch),
        "mean": repr(settings["normalisation"]["mean"]),
        "std": repr(settings["normalisation"]["std"]),
        "test_accuracy": repr(history["test_accuracy"][-1]),
    }
    tg.save(model.state_dict(), out / CHECKPOINT, metadata=metadata)  # atomic, as below
    facts = ("model", "dataset", "data_dir", "train_size", "test_size", "normalisation")
    metrics = {
        **{key: settings[key] for key in facts},
        "note": note,
        "settings": {key: value for key, value in settings.items() if key not in facts},
        "completed_epochs": epoch,
        **history,
        "confusion_matrix": matrix.tolist(),  # of the last epoch: [true class][predicted]
        "checkpoint": CHECKPOINT,
    }
    text = json.dumps(metrics, indent=2) + "\n"
    write_atomically(out / METRICS, lambda file: file.write(text.encode()))


def _report_interrupt(out: Path, history: dict[str, Any], epochs: int) -> None:
    done = len(history["epoch"])
    if done == epochs:
        print(f"\ninterrupted after the last epoch, while drawing the pictures; the "
              f"checkpoint {out / CHECKPOINT} and {out / METRICS} are complete.")
        return
    print(f"\ninterrupted during epoch {done + 1} of {epochs}.")
    if done:
        print(f"the last complete checkpoint is {out / CHECKPOINT} (epoch {done}, test "
              f"accuracy {history['test_accuracy'][-1]:.2%}); {out / METRICS} holds epochs "
              f"1-{done}.")
    else:
        print(f"no epoch was completed, so no checkpoint was written to {out} (files already "
              "there are from an earlier run).")


def _print_lecture_parameters(model: tg.nn.Module) -> None:
    named = lecture_parameters(model)  # type: ignore[arg-type]
    print(f"the {len(named)} parameters after training (a_ij^k: layer k's weight from input j "
          "to output i; b_i^k: its bias of output i)")
    for k in sorted({p.layer for p in named}):
        layer = [p for p in named if p.layer == k]
        rows = max(p.row for p in layer)
        columns = max(p.column for p in layer)
        print(f"  layer {k}: R^{columns} -> R^{rows}")
        for i in range(1, rows + 1):
            row = [p for p in layer if p.row == i]
            print("    " + "   ".join(f"{p.name} = {p.value:+.4f}" for p in row))


# -- pictures --------------------------------------------------------------------------------
def _write_plots(out: Path, title: str, history: dict[str, Any], raw_test: tg.Tensor | None,
                 truth: np.ndarray, predictions: np.ndarray,
                 class_names: Sequence[str]) -> list[str]:
    """loss.png (and mistakes.png for images); the names written, none without matplotlib."""
    try:
        # A Figure made directly (not through pyplot) draws with Agg and touches no global
        # state: no window opens, and a program that imported pyplot keeps its own backend.
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        print(f"loss.png and mistakes.png need matplotlib: {PLOT_HINT}")
        return []
    figure = Figure(figsize=(6, 4))
    axes = figure.add_subplot()
    axes.plot(history["epoch"], history["train_loss"], marker="o",
              label="training (mean over the epoch)")
    axes.plot(history["epoch"], history["test_loss"], marker="o", label="test (after the epoch)")
    axes.set(xlabel="epoch", ylabel="cross-entropy loss", title=title)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    write_atomically(out / "loss.png", lambda file: figure.savefig(file, format="png", dpi=100))
    if raw_test is None:
        return ["loss.png"]
    wrong = np.flatnonzero(predictions != truth)
    shown = wrong[:32]
    columns = 8
    rows = max(1, math.ceil(len(shown) / columns))
    figure = Figure(figsize=(columns * 1.2, rows * 1.5 + 0.5))
    figure.suptitle(f"{len(wrong):,} of {truth.size:,} test images misclassified"
                    + (f"; the first {len(shown)}: predicted (true)" if len(shown) else ""))
    images = raw_test.numpy()
    for position, index in enumerate(shown, start=1):
        axes = figure.add_subplot(rows, columns, position)
        axes.imshow(images[index, 0], cmap="gray_r", vmin=0, vmax=1)
        axes.set_title(f"{class_names[predictions[index]]}\n({class_names[truth[index]]})",
                       fontsize=8)
        axes.axis("off")
    figure.tight_layout()
    write_atomically(out / "mistakes.png",
                     lambda file: figure.savefig(file, format="png", dpi=100))
    return ["loss.png", "mistakes.png"]


# -- evaluate --------------------------------------------------------------------------------
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
