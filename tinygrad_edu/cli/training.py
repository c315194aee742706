"""``tinygrad-edu train``: the loop every example runs, with a checkpoint of every epoch."""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import tinygrad_edu as tg

from .. import data
from ..backends.memory import keep_freed_memory as keep_freed_memory
from ..models import DEFAULTS, build_model, lecture_parameters
from ..nn import functional as F
from .folder import OPTIMIZER, RunFolder, fresh_folder
from .inputs import (
    LECTURE_CLASSES,
    _class_names,
    comparability_note,
    lecture_task,
    load_images,
    normalise,
    split_validation,
    statistics,
    threads_set,
)
from .output import CHECKPOINT, METRICS, Terminated, plural
from .parser import CommandError
from .plots import _write_plots
from .resume import read_resume, restore_optimizer
from .run import Diverged, Run, disk_advice, divergence_advice, report_interrupt

TRAINING_OPTIONS = ("model", "dataset", "epochs", "batch_size", "lr", "optimizer", "momentum",
                    "seed", "val_fraction")


def training_step(model: tg.nn.Module, optimizer: tg.optim.Optimizer,
                  use_jit: bool = False) -> Any:
    """The step of :func:`train_one_epoch`: forward, loss, backward, update. With ``use_jit``
    it is captured by ``tg.jit`` at its first call and replayed after (the same numbers,
    without the Python around the array work; ``--no-jit`` turns that off)."""

    def step(images: tg.Tensor, labels: tg.Tensor) -> tg.Tensor:
        logits = model(images)  # 1. forward: a score per class
        loss = F.cross_entropy(logits, labels)  # 2. loss: how wrong the scores are
        optimizer.zero_grad()  # backward() adds into .grad, so empty it first
        loss.backward()  # 3. backward: d loss / d parameter, for every parameter
        optimizer.step()  # 4. update: a small step against the gradient
        return loss

    return tg.jit(step) if use_jit else step


def train_one_epoch(model: tg.nn.Module, batches: Any, optimizer: tg.optim.Optimizer,
                    epoch: int = 0, train_step: Any = None) -> float:
    """One pass over the training data; returns the mean training loss of the epoch.

    ``train_step`` is what :func:`training_step` returns (by default, the eager step).

    Raises:
        Diverged: the loss of a step is inf or nan (the weights then are too, or soon).
    """
    model.train()
    train_step = train_step or training_step(model, optimizer)
    total, count = 0.0, 0
    for step, (images, labels) in enumerate(batches, start=1):
        loss = train_step(images, labels)
        value = loss.item()  # the one number each step brings back to Python
        if not math.isfinite(value):
            raise Diverged("loss", value, epoch, step)
        total += value * labels.shape[0]
        count += labels.shape[0]
        if step % 25 == 0 and hasattr(batches, "set_postfix"):
            batches.set_postfix(loss=f"{total / count:.4f}", refresh=False)
    return total / count


def _check_weights(model: tg.nn.Module, epoch: int) -> None:
    for parameter in model.parameters():
        xp = parameter.backend.xp
        if not bool(xp.all(xp.isfinite(parameter._data))):
            raise Diverged("weights", math.nan, epoch)


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    """The training settings: the model's defaults, overridden by the command line."""
    if args.resume:
        given = [f"--{name.replace('_', '-')}" for name in TRAINING_OPTIONS
                 if getattr(args, name) is not None]
        if args.out is None:
            raise CommandError("--resume continues the run in a folder: give it with --out, "
                               "e.g. --resume --out runs/mlp-mnist-sample", code=2)
        if given:
            raise CommandError(f"--resume continues the run with its own settings; leave out "
                               f"{', '.join(given)}", code=2)
        return {}
    model = args.model or "mlp"
    defaults = DEFAULTS[model]
    optimizer = args.optimizer or defaults.optimizer
    momentum = defaults.momentum if args.momentum is None else args.momentum
    if not (math.isfinite(momentum) and 0 <= momentum < 1):
        raise CommandError(f"argument --momentum: must be in [0, 1), such as 0.9, got "
                           f"{momentum}", code=2)
    if args.momentum is not None and optimizer != "sgd":
        raise CommandError("argument --momentum: is for --optimizer sgd (Adam keeps its own "
                           "running averages); leave it out", code=2)
    if model == "lecture" and (args.dataset or args.data_dir or args.download):
        raise CommandError("--model lecture trains on its own task (points inside or outside "
                           "a ball); leave out --dataset, --data-dir and --download", code=2)
    return {
        "model": model,
        "dataset": "ball" if model == "lecture" else args.dataset or "mnist-sample",
        "data_dir": None if args.data_dir is None else str(args.data_dir),
        "epochs": args.epochs or defaults.epochs,
        "batch_size": args.batch_size or defaults.batch_size,
        "lr": float(args.lr or defaults.lr),
        "lr_schedule": "cosine",
        "optimizer": optimizer,
        "momentum": momentum if optimizer == "sgd" else None,
        "seed": 0 if args.seed is None else args.seed,
        "val_fraction": 0.1 if args.val_fraction is None else args.val_fraction,
    }


def train(args: argparse.Namespace) -> int:
    """``tinygrad-edu train``: returns the exit code."""
    keep_freed_memory()
    settings = _settings(args)
    folder, created = None, False
    if args.out is not None and args.out.exists():
        if not args.out.is_dir():
            raise CommandError(f"--out {args.out} is a file, not a folder; give a folder", code=2)
        folder = _open(RunFolder(args.out), args)  # a busy or read-only folder stops us now
    elif args.resume:
        raise CommandError(f"--resume: {args.out} does not exist; give the folder of the run "
                           "to continue", code=2)
    try:
        saved = None
        if args.resume:
            assert folder is not None
            saved = read_resume(folder.path, folder.recover() or {})
            settings = saved["settings"]
            settings["data_dir"] = None if args.data_dir is None else str(args.data_dir)
        # np.errstate: a diverging loss is reported once, as an error, not as NumPy warnings
        with threads_set(settings["model"], args.threads) as threads, np.errstate(all="ignore"):
            inputs = _inputs(args, settings)
            if folder is None:  # only now: a run that cannot read its data leaves no folder
                folder, created = _create(args, settings), True
                folder = _open(folder, args)
            settings["backend"], settings["threads"] = tg.get_backend().name, threads
            return _run(args, settings, inputs, folder, saved)
    finally:
        if folder is not None:
            folder.unlock()
            if created:
                folder.remove_if_unused()


def _open(folder: RunFolder, args: argparse.Namespace) -> RunFolder:
    folder.lock()
    folder.clean()
    if args.overwrite:
        folder.remove_run()
    elif not args.resume and folder.holds_a_run():
        folder.unlock()
        raise CommandError(f"{folder.path} holds another run; continue it with --resume, "
                           "replace it with --overwrite, or choose another --out", code=2)
    return folder


def _create(args: argparse.Namespace, settings: dict[str, Any]) -> RunFolder:
    try:
        if args.out is not None:
            args.out.mkdir(parents=True, exist_ok=True)
            return RunFolder(args.out)
        name = "lecture" if settings["model"] == "lecture" else (
            f"{settings['model']}-{settings['dataset']}")
        return RunFolder(fresh_folder(Path("runs") / name))
    except OSError as error:
        where = args.out if args.out is not None else Path("runs")
        raise CommandError(f"cannot create the output folder {where}: {error.strerror}; "
                           "choose another with --out") from None


def _inputs(args: argparse.Namespace, settings: dict[str, Any]) -> dict[str, Any]:
    """The data: training, validation and test parts, normalised by the training part."""
    if settings["model"] == "lecture":
        (x_all, y_all), (x_test, y_test) = lecture_task(settings["seed"])
        note, class_names = None, LECTURE_CLASSES
    else:
        train_set, test_set = load_images(settings["dataset"], args.data_dir, args.download,
                                          args.timeout)
        (x_all, y_all), (x_test, y_test) = train_set.tensors, test_set.tensors
        note = comparability_note(settings["dataset"], len(train_set), len(test_set))
        class_names = _class_names(settings["dataset"])
    x_train, y_train, x_val, y_val = split_validation(x_all, y_all, settings["val_fraction"],
                                                      settings["seed"])
    mean, std = statistics(x_train)
    settings["normalisation"] = {"mean": mean, "std": std}
    settings["train_size"], settings["val_size"] = x_train.shape[0], x_val.shape[0]
    settings["test_size"] = x_test.shape[0]
    return {"train": (normalise(x_train, mean, std), y_train),
            "val": (normalise(x_val, mean, std), y_val),
            "test": (normalise(x_test, mean, std), y_test), "raw_test": x_test,
            "note": note, "class_names": class_names}


def _run(args: argparse.Namespace, settings: dict[str, Any], inputs: dict[str, Any],
         folder: RunFolder, saved: dict[str, Any] | None) -> int:
    began = time.perf_counter()
    out, epochs = folder.path, settings["epochs"]
    tg.manual_seed(settings["seed"])
    model = build_model(settings["model"])
    if settings["optimizer"] == "sgd":
        optimizer: tg.optim.Optimizer = tg.optim.SGD(
            model.parameters(), lr=settings["lr"], momentum=settings["momentum"])
    else:
        optimizer = tg.optim.Adam(model.parameters(), lr=settings["lr"])
    scheduler = tg.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    rng = np.random.default_rng(settings["seed"])  # the shuffling, saved with every epoch
    history: dict[str, Any] = {"epoch": [], "train_loss": [], "val_loss": [],
                               "val_accuracy": [], "seconds": []}
    if saved is not None:
        model.load_state_dict(tg.load(out / CHECKPOINT))
        restore_optimizer(optimizer, tg.load(out / OPTIMIZER), saved["optimizer"])
        scheduler.load_state_dict(saved["scheduler"])
        rng.bit_generator.state = saved["rng"]
        history = {key: list(saved["history"][key]) for key in history}
    x_train, y_train = inputs["train"]
    loader = data.DataLoader(data.TensorDataset(x_train, y_train),
                             batch_size=settings["batch_size"], shuffle=True, generator=rng)
    use_jit = not getattr(args, "no_jit", False) and settings["backend"] in ("numpy", "cupy")
    train_step = training_step(model, optimizer, use_jit)
    _print_header(model, settings, out, len(history["epoch"]), use_jit)
    run = Run(folder, model, optimizer, scheduler, rng, settings, inputs, history)
    show_bar = not args.quiet and sys.stdout.isatty()
    try:
        for epoch in range(len(history["epoch"]) + 1, epochs + 1):
            start = time.perf_counter()
            batches = _progress_bar(loader, f"epoch {epoch}/{epochs}", show_bar)
            train_loss = train_one_epoch(model, batches, optimizer, epoch, train_step)
            scheduler.step()
            _check_weights(model, epoch)
            val_loss, val_accuracy = run.validate(epoch)
            for key, value in zip(history, (epoch, train_loss, val_loss, val_accuracy,
                                            round(time.perf_counter() - start, 3)), strict=True):
                history[key].append(value)
            run.commit()
            val = "" if val_loss is None else (
                f"  val loss {val_loss:.4f}  val accuracy {val_accuracy:6.2%}")
            print(f"epoch {epoch:>{len(str(epochs))}}/{epochs}  train loss {train_loss:.4f}"
                  f"{val}  {history['seconds'][-1]:.1f} s", flush=True)
        test = run.test()
    except KeyboardInterrupt as stop:
        report_interrupt(out, history, settings, isinstance(stop, Terminated))
        return 143 if isinstance(stop, Terminated) else 130
    except Diverged as diverged:
        raise CommandError(divergence_advice(diverged, out, history, settings),
                           code=3) from None
    except OSError as error:
        raise CommandError(disk_advice(error, out, history, settings)) from None
    if settings["model"] == "lecture":
        _print_lecture_parameters(model)
    truth, predictions = test
    correct = int((predictions == truth).sum())
    print(f"finished: test loss {run.metrics['test_loss']:.4f}  test accuracy "
          f"{correct / truth.size:.2%} ({correct:,} of {truth.size:,}) after "
          f"{plural(epochs, 'epoch')}, {time.perf_counter() - began:.1f} s in all")
    if inputs["note"]:
        print(f"note: {inputs['note']}")
    title = f"{settings['model']} on {settings['dataset']}"
    try:
        pictures = _write_plots(out, title, history,
                                inputs["raw_test"] if settings["model"] != "lecture" else None,
                                truth, predictions, inputs["class_names"])
    except KeyboardInterrupt as stop:  # the checkpoint is complete; only the pictures are not
        report_interrupt(out, history, settings, isinstance(stop, Terminated))
        return 143 if isinstance(stop, Terminated) else 130
    except Exception as error:  # a full disk, a broken matplotlib: the run itself succeeded
        print(f"warning: the pictures were not drawn ({type(error).__name__}: {error}); the "
              "checkpoint and metrics.json are complete", file=sys.stderr)
        pictures = []
    written = ", ".join([OPTIMIZER, METRICS, *pictures])
    print(f"checkpoint: {out / CHECKPOINT} (beside it: {written})")
    print(f"evaluate it: tinygrad-edu evaluate --checkpoint {out / CHECKPOINT}")
    return 0


def _progress_bar(loader: data.DataLoader, description: str, enabled: bool) -> Any:
    if not enabled:
        return loader
    from tqdm import tqdm  # a dependency, imported only when a bar is shown

    return tqdm(loader, desc=description, unit="batch", leave=False, dynamic_ncols=True)


def _print_header(model: tg.nn.Module, settings: dict[str, Any], out: Path, done: int,
                  use_jit: bool = False) -> None:
    count = sum(p.numel() for p in model.parameters())
    what = "points" if settings["model"] == "lecture" else "images"
    optimizer = ("SGD with momentum " + str(settings["momentum"])
                 if settings["optimizer"] == "sgd" else "Adam")
    normalisation = settings["normalisation"]
    threads = plural(settings["threads"], "thread")
    print(f"training {settings['model']} ({count:,} parameters) on {settings['dataset']}: "
          f"{settings['train_size']:,} training, {settings['val_size']:,} validation and "
          f"{settings['test_size']:,} test {what}, backend {settings['backend']}, {threads}")
    print(f"{plural(settings['epochs'], 'epoch')}, batch size {settings['batch_size']}, "
          f"{optimizer}, lr {settings['lr']} down to 0 along a cosine, seed {settings['seed']}")
    print("training step: captured by tg.jit at its first call, then replayed (--no-jit: eager)"
          if use_jit else "training step: eager (tg.jit off)")
    if settings["val_size"]:
        print(f"validation: {settings['val_fraction']:.0%} of the training {what}, held out and "
              "scored after every epoch; the test set is scored once, at the end")
    else:
        print("no validation part (--val-fraction 0): each epoch shows the training loss "
              "only; the test set is scored once, at the end")
    print(f"inputs normalised by the training part's mean {normalisation['mean']:.4f} and std "
          f"{normalisation['std']:.4f}")
    if done:
        print(f"resuming after epoch {done} of {settings['epochs']}: the weights, optimizer "
              "state, learning rate and shuffling continue where the run stopped")
    print(f"after every epoch: {out / CHECKPOINT}, {out / OPTIMIZER} and {out / METRICS}",
          flush=True)


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
