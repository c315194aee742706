"""The pictures of a run: loss.png and mistakes.png (matplotlib, when it is installed)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

import tinygrad_edu as tg

from .output import write_atomically

PLOT_HINT = 'pip install "tinygrad-edu[plot]"'


def _nan_for_none(values: Sequence[float | None]) -> list[float]:
    return [math.nan if value is None else value for value in values]


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
    has_val = any(value is not None for value in history["val_loss"])
    figure = Figure(figsize=(10, 4) if has_val else (6, 4))
    axes = figure.add_subplot(1, 2, 1) if has_val else figure.add_subplot()
    axes.plot(history["epoch"], history["train_loss"], marker="o",
              label="training (mean over the epoch)")
    if has_val:
        axes.plot(history["epoch"], _nan_for_none(history["val_loss"]), marker="o",
                  label="validation (after the epoch)")
    axes.set(xlabel="epoch", ylabel="cross-entropy loss", title=f"{title}: loss")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    axes.grid(alpha=0.3)
    axes.legend()
    if has_val:
        right = figure.add_subplot(1, 2, 2)
        right.plot(history["epoch"], [100 * a for a in _nan_for_none(history["val_accuracy"])],
                   marker="o", color="tab:green", label="validation accuracy")
        right.set(xlabel="epoch", ylabel="accuracy (%)", title="validation accuracy")
        right.xaxis.set_major_locator(MaxNLocator(integer=True))
        right.grid(alpha=0.3)
        right.legend()
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
