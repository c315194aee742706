"""``tinygrad-edu train``: the loop every example runs, with a checkpoint of every epoch."""

from __future__ import annotations

import argparse
import ctypes
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import tinygrad_edu as tg

from .. import data
from ..models import DEFAULTS, build_model, lecture_parameters
from ..nn import functional as F
from .evaluation import confusion_matrix, predict
from .inputs import (
    LECTURE_CLASSES,
    _class_names,
    comparability_note,
    lecture_task,
    load_images,
    normalise,
    statistics,
)
from .output import (
    CHECKPOINT,
    METRICS,
    _make_folder,
    _output_folder,
    _report_interrupt,
    _save,
    interrupts_held,
)
from .parser import CommandError
from .plots import _write_plots


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
