"""The command line: ``tinygrad-edu train`` and ``tinygrad-edu evaluate``.

``train`` runs the loop every example runs (forward, loss, backward, step), with the data and
model chosen by name, and keeps a checkpoint of every finished epoch in ``--out``::

    tinygrad-edu train                          # mlp on the MNIST sample shipped here
    tinygrad-edu train --model cnn --dataset fashion-mnist \
        --data-dir /usr/share/datasets/fashion-mnist
    tinygrad-edu evaluate --checkpoint runs/mlp-mnist-sample/model.safetensors

``python -m tinygrad_edu`` is the same program. Exit codes: 0 done, 1 the work failed (data
or checkpoint unreadable, a busy or full output folder), 2 a bad command line, 3 the training
diverged (the last good checkpoint is kept), 130 stopped by Ctrl-C, 143 stopped by SIGTERM.
Every error is one line, ``tinygrad-edu COMMAND: error: ...``, never a traceback.

The package: ``parser`` (the command line), ``training`` (``train``), ``evaluation``
(``evaluate``), ``inputs`` (the data sets), ``folder`` (the output folder: its lock and the
commit of every epoch), ``layout`` (how the epochs lie on disk: links swapped atomically),
``resume`` (what ``--resume`` needs), ``output`` (atomic files,
signals), ``plots`` (the pictures), ``run`` (a run between epochs). Every name is re-exported
here, so ``tinygrad_edu.cli.main`` and the rest stay.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

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
from .output import (
    CHECKPOINT,
    METRICS,
    Terminated,
    interrupts_held,
    terminate_as_interrupt,
    write_atomically,
)
from .parser import DATASETS, CommandError, build_parser
from .plots import PLOT_HINT
from .run import Diverged
from .training import keep_freed_memory, train, train_one_epoch

__all__ = [
    "CHECKPOINT", "DATASETS", "LECTURE_CLASSES", "LECTURE_POINTS", "METRICS", "PLOT_HINT",
    "CommandError", "Diverged", "build_parser", "comparability_note", "confusion_matrix",
    "evaluate",
    "interrupts_held", "keep_freed_memory", "lecture_task", "load_images", "main", "normalise",
    "predict", "print_confusion_matrix", "statistics", "train", "train_one_epoch",
    "write_atomically",
]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (the console script exits with it)."""
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    command = "command"
    with _stdout_that_may_close(), terminate_as_interrupt():
        try:
            if not argv:  # a bare `tinygrad-edu`: what it can do
                parser.print_help()
                return 0
            args = parser.parse_args(argv)
            command = args.command
            with tg.use_backend(args.backend) if args.backend else contextlib.nullcontext():
                if args.command == "train":
                    return train(args)
                return evaluate(args)
        except SystemExit as done:  # --help, --version
            return done.code if isinstance(done.code, int) else 0
        except KeyboardInterrupt as stop:  # before training started (while reading data, say)
            how = "stopped by SIGTERM" if isinstance(stop, Terminated) else "interrupted"
            print(f"{parser.prog}: {how}; nothing was written", file=sys.stderr)
            return 143 if isinstance(stop, Terminated) else 130
        except CommandError as error:
            prog = error.prog or f"{parser.prog} {command}"
            print(f"{prog}: error: {_one_line(error)}", file=sys.stderr)
            return error.code
        except (OSError, data.IdxError, tg.CheckpointError, tg.BackendError) as error:
            # Missing folders and files, downloads, corrupt files, a backend that cannot run:
            # each message already says what is wrong and what to do.
            print(f"{parser.prog} {command}: error: {_one_line(error)}", file=sys.stderr)
            return 1


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


class _ClosableStdout:
    """sys.stdout, but a reader that went away (``tinygrad-edu train | head``) stops the
    output only: the run goes on, saves, and exits 0. What is written after goes nowhere."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self.gone = False

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return int(self._stream.write(text))
            except OSError as error:
                self._went_away(error)
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self._stream.flush()
            except OSError as error:
                self._went_away(error)

    def _went_away(self, error: OSError) -> None:
        if error.errno not in (errno.EPIPE, errno.EINVAL):
            raise error
        self.gone = True
        with contextlib.suppress(OSError, ValueError, AttributeError):
            # Python flushes stdout once more at exit: let that go to /dev/null, silently
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self._stream.fileno())
            os.close(null)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def _stdout_that_may_close() -> Iterator[None]:
    original = sys.stdout
    if original is None:  # pythonw: no console at all
        yield
        return
    sys.stdout = _ClosableStdout(original)
    try:
        yield
    finally:
        sys.stdout = original
