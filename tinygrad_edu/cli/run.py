"""One training run's state between epochs: what it commits after every epoch, its
validation and test scores, and what it says when it stops early (a signal, a diverging loss,
a full disk)."""

from __future__ import annotations

import errno
import math
import shlex
from pathlib import Path
from typing import Any

import numpy as np

import tinygrad_edu as tg

from .evaluation import confusion_matrix, predict
from .folder import RunFolder
from .output import CHECKPOINT, METRICS, interrupts_held
from .resume import FORMAT, optimizer_state, resume_metadata


class Diverged(Exception):
    """A loss or weight became inf or nan: training stops, keeping the last good epoch."""

    def __init__(self, what: str, value: float, epoch: int, step: int | None = None) -> None:
        super().__init__(what)
        self.what, self.value, self.epoch, self.step = what, value, epoch, step


class Run:
    """The state a run commits after every epoch, and its validation and test scores."""

    def __init__(self, folder: RunFolder, model: tg.nn.Module, optimizer: tg.optim.Optimizer,
                 scheduler: Any, rng: np.random.Generator, settings: dict[str, Any],
                 inputs: dict[str, Any], history: dict[str, Any]) -> None:
        self.folder, self.model, self.optimizer = folder, model, optimizer
        self.scheduler = scheduler
        self.rng, self.settings, self.inputs, self.history = rng, settings, inputs, history
        self.metrics: dict[str, Any] = {"test_loss": None, "test_accuracy": None,
                                        "confusion_matrix": None}

    def validate(self, epoch: int) -> tuple[float | None, float | None]:
        images, labels = self.inputs["val"]
        if images.shape[0] == 0:
            return None, None
        loss, predictions = predict(self.model, images, labels)
        if not math.isfinite(loss):
            raise Diverged("validation loss", loss, epoch)
        return loss, float((predictions == labels.numpy()).mean())

    def test(self) -> tuple[np.ndarray, np.ndarray]:
        images, labels = self.inputs["test"]
        loss, predictions = predict(self.model, images, labels)
        truth = labels.numpy()
        matrix = confusion_matrix(truth, predictions, len(self.inputs["class_names"]))
        self.metrics = {"test_loss": loss, "test_accuracy": float((predictions == truth).mean()),
                        "confusion_matrix": matrix.tolist()}  # [true class][predicted]
        self.commit()
        return truth, predictions

    def commit(self) -> None:
        """This epoch's checkpoint, optimizer state and metrics, as one commit."""
        settings, history = self.settings, self.history
        tensors, rest = optimizer_state(self.optimizer)
        facts = ("model", "dataset", "data_dir", "train_size", "val_size", "test_size",
                 "normalisation")
        metrics = {
            **{key: settings[key] for key in facts},
            "val_fraction": settings["val_fraction"],
            "note": self.inputs["note"],
            "settings": {k: v for k, v in settings.items() if k not in facts},
            "completed_epochs": len(history["epoch"]),
            **history,
            **self.metrics,
            "checkpoint": CHECKPOINT,
        }
        accuracy = history["val_accuracy"][-1] if history["val_accuracy"] else None
        metadata = {
            "format": FORMAT,
            "model": settings["model"],
            "dataset": settings["dataset"],
            "data_dir": settings["data_dir"] or "",
            "seed": str(settings["seed"]),
            "epoch": str(len(history["epoch"])),
            "mean": repr(settings["normalisation"]["mean"]),
            "std": repr(settings["normalisation"]["std"]),
            "val_accuracy": "" if accuracy is None else repr(accuracy),
            "resume": resume_metadata(settings, rest, self.scheduler, self.rng),
        }
        if self.metrics["test_accuracy"] is not None:
            metadata["test_accuracy"] = repr(self.metrics["test_accuracy"])
        with interrupts_held():  # the files always describe the same epoch
            self.folder.commit(self.model.state_dict(), metadata, tensors, metrics)


def divergence_advice(diverged: Diverged, out: Path, history: dict[str, Any],
                       settings: dict[str, Any]) -> str:
    where = f"epoch {diverged.epoch}" + (f", step {diverged.step}" if diverged.step else "")
    value = "nan" if math.isnan(diverged.value) else "inf"
    what = (f"the {diverged.what} became {value}" if diverged.what != "weights"
            else "a weight became inf or nan")
    kept = (f"the last good checkpoint {out / CHECKPOINT} (epoch {len(history['epoch'])}) is "
            "kept as it was" if history["epoch"] else "no checkpoint was written")
    return (f"the training diverged: {what} at {where}; nothing of that epoch was saved, and "
            f"{kept}. Lower the learning rate (it was --lr {settings['lr']:g}; try "
            f"--lr {settings['lr'] / 10:g}) and train again")


def resume_command(out: Path, settings: dict[str, Any]) -> str:
    """The command that continues the run (with --data-dir again: a checkpoint's folder names
    are never followed unless the user gives them)."""
    words = ["tinygrad-edu", "train", "--resume", "--out", str(out)]
    if settings.get("data_dir"):
        words += ["--data-dir", settings["data_dir"]]
    return shlex.join(words)


def disk_advice(error: OSError, out: Path, history: dict[str, Any],
                settings: dict[str, Any]) -> str:
    done = len(history["epoch"])
    kept = (f"the last complete checkpoint is {out / CHECKPOINT} (epoch {done}); free some "
            f"space, then continue it: {resume_command(out, settings)}" if done else
            "no epoch was saved")
    if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return f"the disk is full: cannot save the checkpoint into {out}; {kept}"
    return f"cannot save the checkpoint into {out} ({error.strerror or error}); {kept}"


def report_interrupt(out: Path, history: dict[str, Any], settings: dict[str, Any],
                     terminated: bool = False) -> None:
    epochs = settings["epochs"]
    done = len(history["epoch"])
    how = "stopped by SIGTERM" if terminated else "interrupted"
    if done == epochs:
        print(f"\n{how} after the last epoch; the checkpoint {out / CHECKPOINT} and "
              f"{out / METRICS} are complete (epoch {done}).")
        print(f"finish it (the test score and the pictures): {resume_command(out, settings)}")
        return
    print(f"\n{how} during epoch {done + 1} of {epochs}.")
    if done:
        accuracy = history["val_accuracy"][-1]
        score = "" if accuracy is None else f", validation accuracy {accuracy:.2%}"
        print(f"the last complete checkpoint is {out / CHECKPOINT} (epoch {done}{score}); "
              f"{out / METRICS} holds epochs 1-{done}.")
        print(f"resume it: {resume_command(out, settings)}")
    else:
        print(f"no epoch was completed, so no checkpoint was written to {out}.")
