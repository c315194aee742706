"""Does splitting unfold, fold and relu over threads speed up the CNN's step? On and off, in turns.

``tinygrad_edu/threads.py`` splits the engine's own array loops (unfold, fold, relu) along the
batch axis over a pool of threads. Whether that pays depends on the machine and on what else
runs on it, so this script measures it: the CNN of ``cnn_epoch.py`` (Adam, batch 64), one
process, a block of steps with the splitting off (1 thread), a block with it on (``--threads``,
default 2), and so on in turns, so that a burst of other work slows both alike. It prints the
median and the best wall time per step of each, and the process's CPU time per step (threads
cost CPU time even when they save wall time). The last line says how much of the machine other
programs took meanwhile.

Run:
    python benchmarks/split_threads.py                   # needs Fashion-MNIST, as cnn_epoch.py
    python benchmarks/split_threads.py --rounds 12 --threads 2
    python benchmarks/split_threads.py --batch 512 --min-elements 65536   # the old threshold
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
from cnn_epoch import TinygradCNN
from mlp_epoch import DEFAULT_DATA, cpu_seconds, load_training_set, print_other_work

from tinygrad_edu import threads


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rounds", type=int, default=8, help="blocks of each (default 8)")
    parser.add_argument("--steps", type=int, default=8, help="steps per block (default 8)")
    parser.add_argument("--threads", type=int, default=2, help="threads when on (default 2)")
    parser.add_argument("--batch", type=int, default=64, help="images per step (default 64)")
    parser.add_argument("--min-elements", type=int, default=threads.MIN_SPLIT_ELEMENTS,
                        help="split arrays of at least this many elements (default: the "
                             f"library's, {threads.MIN_SPLIT_ELEMENTS:,})")
    args = parser.parse_args(argv)
    threads.MIN_SPLIT_ELEMENTS = args.min_elements
    images, labels = load_training_set(args.data_dir, max(2048, args.batch))
    engine = TinygradCNN(images, labels)
    rng = np.random.default_rng(0)
    batches = [rng.permutation(len(images))[: args.batch] for _ in range(args.steps)]
    engine.step_on(images[batches[0]], labels[batches[0]])  # warm up (allocator, imports)
    wall: dict[int, list[float]] = {1: [], args.threads: []}
    cpu: dict[int, list[float]] = {1: [], args.threads: []}
    started, began = cpu_seconds(), time.perf_counter()
    for round_ in range(args.rounds):
        order = (1, args.threads) if round_ % 2 == 0 else (args.threads, 1)
        for count in order:
            threads._workers = count  # what $TINYGRAD_EDU_SPLIT_THREADS sets at start-up
            start_cpu, start = time.process_time(), time.perf_counter()
            for batch in batches:
                engine.step_on(images[batch], labels[batch])
            wall[count].append((time.perf_counter() - start) / len(batches) * 1e3)
            cpu[count].append((time.process_time() - start_cpu) / len(batches) * 1e3)
    print(f"CNN step, batch {args.batch}, {args.rounds} blocks of {args.steps} steps each way, "
          f"in turns; arrays of {args.min_elements:,} elements or more split")
    for count in wall:
        print(f"split over {count} thread{'s' if count > 1 else ' '}: wall ms/step median "
              f"{statistics.median(wall[count]):6.1f}, best {min(wall[count]):6.1f}; "
              f"CPU ms/step median {statistics.median(cpu[count]):6.1f}")
    print_other_work(started, time.perf_counter() - began)


if __name__ == "__main__":
    main()
