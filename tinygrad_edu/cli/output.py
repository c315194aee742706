"""The output folder: the checkpoint and metrics.json of every epoch, written atomically and
as a pair (Ctrl-C waits), and what is said when a run is interrupted."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

import tinygrad_edu as tg

from .parser import CommandError

CHECKPOINT, METRICS = "model.safetensors", "metrics.json"


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
