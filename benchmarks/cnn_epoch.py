"""How long does one epoch of the small CNN take on the 60,000 Fashion-MNIST images?

The CNN of ``tinygrad-edu train --model cnn``: Conv2d(1, 8, 3), ReLU, MaxPool2d(2),
Conv2d(8, 16, 3), ReLU, MaxPool2d(2), Flatten, Linear(400, 10); cross-entropy, Adam (lr 1e-3),
batch 64, float32, shuffle and batch gathering included. Three implementations:

- ``tinygrad_edu``: ``tinygrad_edu.models.cnn()``, ``optim.Adam``, ``data.DataLoader``;
- ``tinygrad_edu tg.jit``: the same step under ``@tg.jit`` (as ``tinygrad-edu train`` runs it);
- PyTorch on the CPU (a row when torch is installed), the same layers from ``torch.nn``, with
  ``torch.randperm`` and ``index_select`` for the batches.

As in ``mlp_epoch.py`` (whose helpers this script uses): the same starting weights, a check
that a few steps give the same losses and weights before any timing, each implementation
timed in processes of its own (taking turns), the best epoch counts, PyTorch gets as many
threads as NumPy's BLAS. (No one-process comparison in turns here, unlike ``mlp_epoch.py``:
with two threads, the thread pools of NumPy's BLAS, of tinygrad_edu and of PyTorch, all in
one process, spin and wait on each other, which measured PyTorch 1.7 times slower there than
in a process of its own.)

Every process first raises two thresholds of glibc's allocator (see ``tune_malloc``); the
option ``--default-malloc`` leaves them alone, to see what they change.

Run:
    python benchmarks/cnn_epoch.py                      # needs Fashion-MNIST (see --data-dir)
    python benchmarks/cnn_epoch.py --limit 6400         # a quick look at 6,400 images
    python benchmarks/cnn_epoch.py --default-malloc     # glibc's default thresholds
"""

from __future__ import annotations

import argparse
import ctypes
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from mlp_epoch import (
    DEFAULT_DATA,
    MEMORY_NOTE,
    JitStep,
    blas_threads,
    check_agreement,
    cpu_seconds,
    load_training_set,
    locate,
    print_other_work,
    run_child,
    time_epochs,
    time_in_rounds,
    torch_available,
    torch_uniform,
)

LEARNING_RATE = 1e-3
BATCH_SIZE = 64
ENGINES = ("tinygrad_edu", "tinygrad_edu tg.jit", "PyTorch CPU")


def tune_malloc() -> bool:
    """Let glibc keep freed memory for reuse instead of returning it to the kernel.

    Each step makes and frees the same large temporary arrays (the unfolded image patches of
    a convolution are megabytes). Above glibc's mmap threshold every one of them is mapped
    and unmapped each step, and its pages are faulted in afresh each time: in a fresh process,
    4,100 page faults per step and 2-3 times the step time (tinygrad_edu, batch 64).
    glibc raises the threshold by itself once large blocks have been freed (reading the data
    set frees some), so here the difference is smaller; ``--default-malloc`` shows it.
    M_MMAP_THRESHOLD = 32 MiB keeps such arrays on the heap from the start; M_TRIM_THRESHOLD
    = 256 MiB stops the top of the heap being handed back after each step. ``tinygrad-edu
    train`` does the same. Returns whether it could (Linux with glibc).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        trim = libc.mallopt(-1, 256 * 2**20)  # M_TRIM_THRESHOLD
        mmap = libc.mallopt(-3, 32 * 2**20)  # M_MMAP_THRESHOLD
    except (OSError, AttributeError):  # another C library (musl): no libc.so.6 / mallopt
        return False
    return bool(trim and mmap)


def initial_weights(seed: int = 0) -> dict[str, np.ndarray]:
    """PyTorch's default start, in the state_dict names of the Sequential (layers 0, 3, 7)."""
    rng = np.random.default_rng(seed)
    shapes = {"0": ((8, 1, 3, 3), 9), "3": ((16, 8, 3, 3), 72), "7": ((10, 400), 400)}
    weights = {}
    for layer, (shape, fan_in) in shapes.items():
        weights[f"{layer}.weight"] = torch_uniform(rng, shape, fan_in)
        weights[f"{layer}.bias"] = torch_uniform(rng, shape[:1], fan_in)
    return weights


class TinygradCNN:
    """As a user of tinygrad_edu writes it."""

    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        import tinygrad_edu as tg
        from tinygrad_edu.models import cnn

        self.tg, self.F = tg, tg.nn.functional
        self.model = cnn()
        self.model.load_state_dict({name: tg.tensor(w) for name, w in initial_weights().items()})
        self.optimizer = tg.optim.Adam(self.model.parameters(), lr=LEARNING_RATE)
        # from_dlpack borrows the NumPy arrays' memory: no second copy of the data set.
        self.dataset = tg.data.TensorDataset(tg.from_dlpack(images), tg.from_dlpack(labels))
        self.steps_per_epoch = -(-len(images) // BATCH_SIZE)

    def step(self, x: Any, y: Any) -> float:
        loss = self.F.cross_entropy(self.model(x), y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def step_on(self, x: np.ndarray, y: np.ndarray) -> float:
        return self.step(self.tg.tensor(x), self.tg.tensor(y))

    def epoch(self, seed: int) -> float:
        loader = self.tg.data.DataLoader(self.dataset, batch_size=BATCH_SIZE, shuffle=True,
                                         seed=seed)
        for x, y in loader:
            loss = self.step(x, y)
        return loss

    def weights(self) -> list[np.ndarray]:
        return [p.numpy() for p in self.model.parameters()]



class TinygradJitCNN(JitStep, TinygradCNN):
    """The same, with the step under ``@tg.jit`` (as ``tinygrad-edu train`` runs it)."""


class TorchCNN:
    """As a user of PyTorch writes it, on the CPU."""

    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        import torch
        from torch import nn

        self.torch = torch
        self.model = nn.Sequential(
            nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(400, 10),
        )
        self.model.load_state_dict({name: torch.from_numpy(w)
                                    for name, w in initial_weights().items()})
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=LEARNING_RATE)
        self.images, self.labels = torch.from_numpy(images), torch.from_numpy(labels)
        self.steps_per_epoch = -(-len(images) // BATCH_SIZE)

    def step(self, x: Any, y: Any) -> float:
        loss = self.torch.nn.functional.cross_entropy(self.model(x), y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def step_on(self, x: np.ndarray, y: np.ndarray) -> float:
        return self.step(self.torch.from_numpy(x), self.torch.from_numpy(y))

    def epoch(self, seed: int) -> float:
        order = self.torch.randperm(len(self.images),
                                    generator=self.torch.Generator().manual_seed(seed))
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            loss = self.step(self.images.index_select(0, batch), self.labels.index_select(0, batch))
        return loss

    def weights(self) -> list[np.ndarray]:
        return [p.detach().numpy() for p in self.model.parameters()]



IMPLEMENTATIONS = {"tinygrad_edu": TinygradCNN, "tinygrad_edu tg.jit": TinygradJitCNN,
                   "PyTorch CPU": TorchCNN}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA,
                        help=f"a folder with Fashion-MNIST's IDX files (default {DEFAULT_DATA})")
    parser.add_argument("--repeats", type=int, default=2,
                        help="epochs timed in each process (default 2); the best counts")
    parser.add_argument("--rounds", type=int, default=2,
                        help="processes per implementation, taking turns (default 2)")
    parser.add_argument("--limit", type=int, help="use only the first N training images")
    parser.add_argument("--default-malloc", action="store_true",
                        help="leave glibc's allocator thresholds at their defaults")
    parser.add_argument("--child", choices=(*ENGINES, "check"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    tuned = False if args.default_malloc else tune_malloc()
    forwarded = ["--data-dir", str(args.data_dir), "--repeats", str(args.repeats)]
    forwarded += ["--limit", str(args.limit)] if args.limit else []
    forwarded += ["--default-malloc"] if args.default_malloc else []
    threads = blas_threads()
    if args.child in ("check", "PyTorch CPU") and torch_available():
        import torch

        torch.set_num_threads(threads)

    if args.child == "check":
        implementations = {name: IMPLEMENTATIONS[name] for name in ENGINES
                           if name != "PyTorch CPU" or torch_available()}
        # Adam moves every weight by about lr in its first steps, whatever the gradient's
        # size, so a gradient that is zero up to rounding may move a weight either way.
        check_agreement(implementations, *load_training_set(args.data_dir, args.limit),
                        BATCH_SIZE, atol=1e-4)
        return
    if args.child:
        engine = IMPLEMENTATIONS[args.child](*load_training_set(args.data_dir, args.limit))
        print(json.dumps(time_epochs(engine, args.repeats)))
        return

    images_path, _ = locate(args.data_dir)
    started, began = cpu_seconds(), time.perf_counter()
    run_child(__file__, "check", forwarded)
    names = [name for name in ENGINES if name != "PyTorch CPU" or torch_available()]
    results = time_in_rounds(__file__, names, forwarded, args.rounds)

    count = f"the first {args.limit:,}" if args.limit else "all"
    print("one epoch of the CNN conv(1->8, 3x3), relu, maxpool 2, conv(8->16, 3x3), relu, "
          f"maxpool 2, linear(400->10); Adam lr {LEARNING_RATE}, batch {BATCH_SIZE}, float32, "
          "shuffle and batch gathering included")
    print(f"data: {count} images of {images_path}; best of {args.rounds} x {args.repeats} "
          f"epochs, each implementation in processes of its own, taking turns; NumPy's BLAS "
          f"and PyTorch: {threads} threads")
    print("glibc malloc: " + ("M_MMAP_THRESHOLD 32 MiB, M_TRIM_THRESHOLD 256 MiB" if tuned
                              else "default thresholds"))
    print("all implementations agree on the losses and weights after 3 steps from the same "
          "start")
    header = (f"{'implementation':<22}{'s/epoch':>9}{'us/step':>9}{'vs PyTorch':>12}"
              f"{'median':>8}{'peak RSS MB':>13}{'+MB in epochs':>15}")
    print(f"\n{header}\n{'-' * len(header)}")
    torch_seconds = results["PyTorch CPU"]["seconds"] if "PyTorch CPU" in results else None
    for name, r in results.items():
        best = min(r["seconds"])
        ratio = median = "-"
        if torch_seconds:
            ratio = f"{best / min(torch_seconds):.2f}x"
            median = f"{np.median(r['seconds']) / np.median(torch_seconds):.2f}x"
        growth = "-" if r["growth_mb"] is None else f"{r['growth_mb']:.1f}"
        print(f"{name:<22}{best:>9.2f}{best / r['steps'] * 1e6:>9.0f}{ratio:>12}{median:>8}"
              f"{r['max_rss_mb']:>13.0f}{growth:>15}")
    print("vs PyTorch: the best epoch over PyTorch's best; median: the median epoch over "
          "PyTorch's median.")
    print(f"\nus/step: the best epoch's time over its steps. {MEMORY_NOTE}")
    print_other_work(started, time.perf_counter() - began)


if __name__ == "__main__":
    main()
