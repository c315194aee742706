"""The command line: ``tinygrad-edu train`` and ``tinygrad-edu evaluate``.

``train`` runs the loop every example runs (forward, loss, backward, step), with the data and
model chosen by name, and keeps a checkpoint of every finished epoch in ``--out``::

    tinygrad-edu train                          # mlp on the MNIST sample shipped here
    tinygrad-edu train --model cnn --dataset fashion-mnist \
        --data-dir /usr/share/datasets/fashion-mnist
    tinygrad-edu evaluate --checkpoint runs/mlp-mnist-sample/model.safetensors

``python -m tinygrad_edu`` is the same program. Exit codes: 0 done, 1 the work failed (data
or checkpoint unreadable), 2 a bad command line, 130 stopped by Ctrl-C.

The package: ``parser`` (the command line), ``training`` (``train``), ``evaluation``
(``evaluate``), ``inputs`` (the data sets), ``output`` (the output folder), ``plots`` (the
pictures). Every name is re-exported here, so ``tinygrad_edu.cli.main`` and the rest stay.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Sequence

import tinygrad_edu as tg

from .. import data
from .evaluation import confusion_matrix, evaluate, predict, print_confusion_matrix
from .inputs import (
    LECTURE_CLASSES,
    LECTURE_POINTS,
    comparability_note,
    lecture_task,
    load_images,
    normalise,
    statistics,
)
from .output import CHECKPOINT, METRICS, interrupts_held, write_atomically
from .parser import DATASETS, CommandError, build_parser
from .plots import PLOT_HINT
from .training import keep_freed_memory, train, train_one_epoch

__all__ = [
    "CHECKPOINT", "DATASETS", "LECTURE_CLASSES", "LECTURE_POINTS", "METRICS", "PLOT_HINT",
    "CommandError", "build_parser", "comparability_note", "confusion_matrix", "evaluate",
    "interrupts_held", "keep_freed_memory", "lecture_task", "load_images", "main", "normalise",
    "predict", "print_confusion_matrix", "statistics", "train", "train_one_epoch",
    "write_atomically",
]


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
