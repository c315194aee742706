"""How long does one epoch of the 784-128-10 MLP take on the 60,000 Fashion-MNIST images?

One epoch of plain SGD (lr 0.1, batch 128, float32) over the whole training set, shuffle and
batch gathering included, in three implementations:

- ``tinygrad_edu``: ``nn.Sequential(Linear, ReLU, Linear)``, ``F.cross_entropy``,
  ``optim.SGD`` and ``data.DataLoader`` (shuffle=True), as a user writes it;
- hand-written NumPy: the same forward and backward worked out on paper (linear, relu, linear,
  a stable softmax cross-entropy and its gradient, the SGD update), with a NumPy permutation
  and ``take`` for the batches. The yardstick: an engine on NumPy can at best match it;
- PyTorch on the CPU (a row when torch is installed): ``torch.nn`` modules, ``F.cross_entropy``,
  ``torch.optim.SGD``, ``torch.randperm`` and ``index_select`` for the batches (PyTorch's
  DataLoader would gather sample by sample, far slower, and measure the loader instead).

All start from the same weights. Before timing, the script runs a few steps of each on the
same batches and stops with an error unless all give the same losses and weights. Each
implementation is then timed in a process of its own, so that its peak memory (max RSS) is
its own; the time of an epoch is the best of ``--repeats`` epochs. PyTorch gets as many
threads as NumPy's BLAS has.

Then all implementations again in ONE process, taking turns of ``--turn-steps`` steps each
(``--turns`` turns, the order rotated every turn): this machine is a virtual one whose speed
drifts by up to a third over seconds (the same NumPy epoch measured 820 µs/step in one
process and 1,100 in the next), so separate processes can land in different speeds. Within one
turn all implementations meet the same speed; the median over turns of each implementation's
time divided by NumPy's time in the same turn is the ratio this table reports. Where in memory
a process's arrays land also changes the speed of the same matrix product by up to a third
(cache conflicts), so the comparison runs in ``--turn-processes`` processes, each drawing anew.

Run:
    python benchmarks/mlp_epoch.py                      # needs Fashion-MNIST (see --data-dir)
    python benchmarks/mlp_epoch.py --repeats 5
    python benchmarks/mlp_epoch.py --limit 6000         # a quick look at 6,000 images
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_DATA = Path("/usr/share/datasets/fashion-mnist")  # apt-get install dataset-fashion-mnist
SIZES = (784, 128, 10)
LEARNING_RATE = 0.1
BATCH_SIZE = 128
CHECK_STEPS = 3
ENGINES = ("tinygrad_edu", "tinygrad_edu tg.jit", "hand-written NumPy", "PyTorch CPU")


# -- data, weights, processes: shared with cnn_epoch.py ----------------------------------------
def read_idx(path: Path) -> np.ndarray:
    """An IDX file of unsigned bytes: 0 0 8 ndim, each size as a big-endian int32, the bytes."""
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    if raw[:3] != b"\x00\x00\x08":
        raise SystemExit(f"{path} is not an IDX file of unsigned bytes")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def find(folder: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def locate(folder: Path) -> tuple[Path, Path]:
    """The training images and labels files in ``folder``; a folder with only the t10k files
    (such as the MNIST sample shipped in the package) gives those, so a quick run needs no
    download."""
    for prefix in ("train", "t10k"):
        images_path = find(folder, f"{prefix}-images-idx3-ubyte")
        labels_path = find(folder, f"{prefix}-labels-idx1-ubyte")
        if images_path and labels_path:
            return images_path, labels_path
    raise SystemExit(
        f"no IDX files in {folder} (train-images-idx3-ubyte[.gz] and train-labels-idx1-"
        "ubyte[.gz]). On Debian or Ubuntu: apt-get install dataset-fashion-mnist (it puts "
        f"them in {DEFAULT_DATA}), or pass --data-dir FOLDER."
    )


def load_training_set(folder: Path, limit: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The training images (float32 in [0, 1], shape (N, 1, 28, 28)) and labels (int64)."""
    images_path, labels_path = locate(folder)
    pixels = read_idx(images_path)[:limit]
    images = pixels.astype(np.float32).reshape(len(pixels), 1, *pixels.shape[1:])
    images /= 255
    labels = read_idx(labels_path)[:limit].astype(np.int64)
    return images, labels


def torch_uniform(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
    """PyTorch's default start for Linear and Conv2d weights and biases: U(-1/sqrt(fan_in),
    1/sqrt(fan_in))."""
    bound = 1 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, size=shape).astype(np.float32)


def blas_threads() -> int:
    """How many threads NumPy's BLAS uses (threadpoolctl when installed, else the usual
    environment variables, else every core, OpenBLAS's default)."""
    try:
        import threadpoolctl

        counts = [pool["num_threads"] for pool in threadpoolctl.threadpool_info()
                  if pool.get("user_api") == "blas"]
        if counts:
            return int(counts[0])
    except ImportError:
        pass
    for variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(variable, "").isdigit():
            return int(os.environ[variable])
    return os.cpu_count() or 1


def torch_available() -> bool:
    """Whether PyTorch is installed, found without importing it (which would take hundreds of
    megabytes, and every child process would start with that as its max RSS)."""
    return importlib.util.find_spec("torch") is not None


def reset_peak_memory() -> bool:
    """Start the kernel's count of peak memory (VmHWM) afresh (Linux); False elsewhere."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def memory_kb(field: str) -> int | None:
    """VmHWM (peak) or VmRSS (now) of this process, in kB, from /proc (Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def max_rss_mb() -> float:
    """The peak resident memory of this whole process, data loading included."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, kB


def time_epochs(engine: Any, repeats: int) -> dict[str, Any]:
    """Time ``repeats`` epochs, and measure memory: the process's peak, its resident memory
    before the epochs (imports and data) and its peak during them."""
    before_kb = memory_kb("VmRSS")
    can_reset = reset_peak_memory()
    seconds = []
    for repeat in range(repeats):
        start = time.perf_counter()
        loss = engine.epoch(seed=repeat)
        seconds.append(time.perf_counter() - start)
    peak_kb = memory_kb("VmHWM") if can_reset else None
    growth = None if peak_kb is None or before_kb is None else (peak_kb - before_kb) / 1024
    return {"seconds": seconds, "steps": engine.steps_per_epoch, "last_loss": loss,
            "max_rss_mb": max_rss_mb(), "growth_mb": growth}


def run_child(script: str, role: str, argv: list[str]) -> str:
    """Run ``script --child role`` in a fresh Python process and return its output.

    The parent stays small (it imports neither the engines nor the data): a process starts with
    its parent's max RSS on Linux (ru_maxrss survives fork and exec), so a large parent would
    hide the children's own figures."""
    result = subprocess.run(
        [sys.executable, script, "--child", role, *argv], capture_output=True, text=True
    )
    if result.returncode != 0:
        raise SystemExit(f"{role} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


def check_agreement(implementations: dict[str, Callable[..., Any]], images: np.ndarray,
                    labels: np.ndarray, batch_size: int, atol: float = 1e-5) -> None:
    """The same steps on the same batches from the same weights: same losses, same weights."""
    order = np.random.default_rng(0).permutation(len(images))
    batches = [order[i * batch_size : (i + 1) * batch_size] for i in range(CHECK_STEPS)]
    reference_name, *others = implementations
    reference = implementations[reference_name](images, labels)
    expected_losses = [reference.step_on(images[b], labels[b]) for b in batches]
    expected_weights = reference.weights()
    for name in others:
        engine = implementations[name](images, labels)
        losses = [engine.step_on(images[b], labels[b]) for b in batches]
        # float32 sums in a different order differ in the last digits, no more.
        same = np.allclose(losses, expected_losses, rtol=1e-4) and all(
            np.allclose(w, e, rtol=1e-3, atol=atol)
            for w, e in zip(engine.weights(), expected_weights, strict=True)
        )
        if not same:
            raise SystemExit(f"{name} disagrees with {reference_name}: losses {losses} vs "
                             f"{expected_losses}")


def time_in_rounds(script: str, names: list[str], forwarded: list[str],
                   rounds: int) -> dict[str, dict[str, Any]]:
    """Each implementation in ``rounds`` fresh processes, taking turns, so that a burst of
    other work on the machine slows one round of each rather than all of one. Keeps every
    epoch's time, and the largest memory figures."""
    results: dict[str, dict[str, Any]] = {}
    for _ in range(rounds):
        for name in names:
            result = json.loads(run_child(script, name, forwarded).splitlines()[-1])
            if name not in results:
                results[name] = result
                continue
            kept = results[name]
            kept["seconds"] += result["seconds"]
            kept["max_rss_mb"] = max(kept["max_rss_mb"], result["max_rss_mb"])
            if result["growth_mb"] is not None:
                kept["growth_mb"] = max(kept["growth_mb"] or 0.0, result["growth_mb"])
    return results


def time_interleaved(engines: dict[str, Any], turns: int,
                     turn_steps: int) -> dict[str, list[float]]:
    """All implementations in this process, taking ``turns`` turns of ``turn_steps`` training
    steps each (batch gathering included; the epochs go on from turn to turn, reshuffled at
    each epoch's end), the order rotated every turn: each one's µs per step in every turn."""
    steppers = {name: engine.stepper(seed=0) for name, engine in engines.items()}
    for stepper in steppers.values():  # warm up: captures, caches, the first allocations
        for _ in range(2 * turn_steps):
            next(stepper)
    names = list(steppers)
    times: dict[str, list[float]] = {name: [] for name in names}
    for turn in range(turns):
        for name in names[turn % len(names):] + names[: turn % len(names)]:
            stepper = steppers[name]
            start = time.perf_counter()
            for _ in range(turn_steps):
                next(stepper)
            times[name].append((time.perf_counter() - start) / turn_steps * 1e6)
    return times


def interleaved_in_processes(script: str, forwarded: list[str], processes: int,
                             reference: str) -> dict[str, dict[str, float]]:
    """:func:`time_interleaved` in ``processes`` fresh processes, one after another: where in
    memory a process's arrays land changes the speed of the same matrix product by up to a
    third here (cache conflicts between the batch and the weights), so each process draws
    anew. Per implementation: the best and the median µs per step over all turns, and the
    median over all turns of its time divided by the reference's in the same turn."""
    times: dict[str, list[float]] = {}
    ratios: dict[str, list[float]] = {}
    for _ in range(processes):
        one = json.loads(run_child(script, "interleaved", forwarded).splitlines()[-1])
        for name, t in one.items():
            times.setdefault(name, []).extend(t)
            ratios.setdefault(name, []).extend(
                a / b for a, b in zip(t, one[reference], strict=True))
    return {name: {"best": min(t), "median": float(np.median(t)),
                   "ratio": float(np.median(ratios[name]))} for name, t in times.items()}


def print_interleaved(results: dict[str, dict[str, float]], reference: str, turns: int,
                      turn_steps: int, processes: int) -> None:
    print(f"\nthe same, all in one process ({processes} processes, each {turns} turns of "
          f"{turn_steps} steps per implementation, the order rotated every turn):")
    header = f"{'implementation':<22}{'best us/step':>14}{'median':>9}{'vs ' + reference:>25}"
    print(f"{header}\n{'-' * len(header)}")
    for name, r in results.items():
        print(f"{name:<22}{r['best']:>14.0f}{r['median']:>9.0f}{r['ratio']:>24.3f}x")
    print(f"vs {reference}: the median over turns of (its time / {reference}'s time in the same "
          "turn).")


def cpu_seconds() -> tuple[float, float] | None:
    """(CPU time the whole machine was busy, CPU time of this process and its finished
    children), in seconds; None where /proc/stat is missing (not Linux)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    busy = (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    ours = sum(getattr(resource.getrusage(who), field) for field in ("ru_utime", "ru_stime")
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return busy, ours


def print_other_work(start: tuple[float, float] | None, seconds: float) -> None:
    """Say whether other programs used the processor while the benchmark ran: their work
    makes the timings slower and noisier."""
    end = cpu_seconds()
    if start is None or end is None:
        return
    others = (end[0] - start[0]) - (end[1] - start[1])
    share = others / (seconds * (os.cpu_count() or 1))
    print(f"other programs used {others:.1f} CPU seconds during the {seconds:.0f} s run "
          f"({share:.0%} of the machine)" + ("; rerun on a quieter machine if the times look "
                                             "off." if share > 0.05 else "."))


def print_table(results: dict[str, dict[str, Any]], reference: str) -> None:
    header = (f"{'implementation':<22}{'s/epoch':>9}{'us/step':>9}{'vs NumPy':>10}"
              f"{'median':>8}{'peak RSS MB':>13}{'+MB in epochs':>15}")
    print(f"\n{header}\n{'-' * len(header)}")
    base = min(results[reference]["seconds"])
    base_median = float(np.median(results[reference]["seconds"]))
    for name, r in results.items():
        best = min(r["seconds"])
        median = float(np.median(r["seconds"])) / base_median
        growth = "-" if r["growth_mb"] is None else f"{r['growth_mb']:.1f}"
        print(f"{name:<22}{best:>9.3f}{best / r['steps'] * 1e6:>9.0f}{best / base:>9.2f}x"
              f"{median:>7.2f}x{r['max_rss_mb']:>13.0f}{growth:>15}")


MEMORY_NOTE = (
    "peak RSS: the process's peak resident memory (ru_maxrss: Python, the library, the data "
    "set and training); +MB in epochs: how far the epochs raised it above what the process "
    "held before them (VmHWM after a reset, minus VmRSS)."
)


# -- the three implementations -----------------------------------------------------------------
def initial_weights(seed: int = 0) -> dict[str, np.ndarray]:
    """The MLP's starting weights, in PyTorch's layout (weight is (out, in)) and state_dict
    names for Sequential(Flatten, Linear, ReLU, Linear)."""
    rng = np.random.default_rng(seed)
    return {
        "1.weight": torch_uniform(rng, (128, 784), 784), "1.bias": torch_uniform(rng, (128,), 784),
        "3.weight": torch_uniform(rng, (10, 128), 128), "3.bias": torch_uniform(rng, (10,), 128),
    }


class NumpyMLP:
    """The step with the chain rule worked out on paper."""

    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        self.params = [w.copy() for w in initial_weights().values()]
        self.images, self.labels = images.reshape(len(images), -1), labels
        self.steps_per_epoch = -(-len(images) // BATCH_SIZE)

    def step_on(self, x: np.ndarray, y: np.ndarray) -> float:
        w1, b1, w2, b2 = self.params
        x = x.reshape(len(x), -1)
        before_relu = x @ w1.T + b1
        hidden = np.maximum(before_relu, 0)
        logits = hidden @ w2.T + b2
        shifted = logits - logits.max(axis=1, keepdims=True)  # exp cannot overflow now
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        rows = np.arange(len(y))
        loss = float(np.log(total).mean() - shifted[rows, y].mean())
        # d loss / d logits = (softmax - one_hot(y)) / batch_size, then back through the layers
        grad_logits = exp / total
        grad_logits[rows, y] -= 1
        grad_logits /= len(y)
        grad_w2 = grad_logits.T @ hidden
        grad_b2 = grad_logits.sum(axis=0)
        grad_hidden = grad_logits @ w2
        grad_hidden *= before_relu > 0  # relu'(0) = 0, as in PyTorch
        grad_w1 = grad_hidden.T @ x
        grad_b1 = grad_hidden.sum(axis=0)
        for p, g in zip(self.params, (grad_w1, grad_b1, grad_w2, grad_b2), strict=True):
            p -= LEARNING_RATE * g
        return loss

    def epoch(self, seed: int) -> float:
        order = np.random.default_rng(seed).permutation(len(self.images))
        for start in range(0, len(order), BATCH_SIZE):
            batch = order[start : start + BATCH_SIZE]
            loss = self.step_on(self.images.take(batch, axis=0), self.labels.take(batch))
        return loss

    def weights(self) -> list[np.ndarray]:
        return self.params

    def stepper(self, seed: int) -> Any:
        """One training step per next(), epoch after epoch (as epoch() gathers batches)."""
        while True:
            order = np.random.default_rng(seed).permutation(len(self.images))
            for start in range(0, len(order), BATCH_SIZE):
                batch = order[start : start + BATCH_SIZE]
                yield self.step_on(self.images.take(batch, axis=0), self.labels.take(batch))
            seed += 1


class TinygradMLP:
    """As a user of tinygrad_edu writes it."""

    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        import tinygrad_edu as tg
        from tinygrad_edu import nn

        self.tg, self.F = tg, nn.functional
        self.model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(),
                                   nn.Linear(128, 10))
        self.model.load_state_dict({name: tg.tensor(w) for name, w in initial_weights().items()})
        self.optimizer = tg.optim.SGD(self.model.parameters(), lr=LEARNING_RATE)
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

    def stepper(self, seed: int) -> Any:
        """One training step per next(), epoch after epoch (as epoch() gathers batches)."""
        while True:
            for x, y in self.tg.data.DataLoader(self.dataset, batch_size=BATCH_SIZE,
                                                shuffle=True, seed=seed):
                yield self.step(x, y)
            seed += 1


class JitStep:
    """Mixin for a tinygrad_edu implementation (``model``, ``optimizer``, ``F``, ``tg``): its
    training step under ``@tg.jit``, captured at its first calls, then replayed (the last,
    smaller batch of an epoch is a second capture). Shared with cnn_epoch.py."""

    tg: Any
    F: Any
    model: Any
    optimizer: Any

    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        super().__init__(images, labels)  # type: ignore[call-arg]
        self.captured = self.tg.jit(self.traced_step)

    def traced_step(self, x: Any, y: Any) -> Any:
        loss = self.F.cross_entropy(self.model(x), y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        return loss

    def step(self, x: Any, y: Any) -> float:
        return float(self.captured(x, y).item())


class TinygradJitMLP(JitStep, TinygradMLP):
    """The MLP with its step under ``@tg.jit``."""


class TorchMLP:
    """As a user of PyTorch writes it, on the CPU."""

    def __init__(self, images: np.ndarray, labels: np.ndarray) -> None:
        import torch

        self.torch = torch
        self.model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 128),
                                         torch.nn.ReLU(), torch.nn.Linear(128, 10))
        self.model.load_state_dict({name: torch.from_numpy(w)
                                    for name, w in initial_weights().items()})
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=LEARNING_RATE)
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

    def stepper(self, seed: int) -> Any:
        """One training step per next(), epoch after epoch (as epoch() gathers batches)."""
        while True:
            order = self.torch.randperm(len(self.images),
                                        generator=self.torch.Generator().manual_seed(seed))
            for start in range(0, len(order), BATCH_SIZE):
                batch = order[start : start + BATCH_SIZE]
                yield self.step(self.images.index_select(0, batch),
                                self.labels.index_select(0, batch))
            seed += 1


IMPLEMENTATIONS = {"tinygrad_edu": TinygradMLP, "tinygrad_edu tg.jit": TinygradJitMLP,
                   "hand-written NumPy": NumpyMLP, "PyTorch CPU": TorchMLP}
# the first is the reference
CHECK_ORDER = ("hand-written NumPy", "tinygrad_edu", "tinygrad_edu tg.jit", "PyTorch CPU")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA,
                        help=f"a folder with Fashion-MNIST's IDX files (default {DEFAULT_DATA})")
    parser.add_argument("--repeats", type=int, default=2,
                        help="epochs timed in each process (default 2); the best counts")
    parser.add_argument("--rounds", type=int, default=2,
                        help="processes per implementation, taking turns (default 2)")
    parser.add_argument("--limit", type=int, help="use only the first N training images")
    parser.add_argument("--turns", type=int, default=30,
                        help="turns of the one-process comparison (default 30; 0: skip it)")
    parser.add_argument("--turn-steps", type=int, default=40,
                        help="training steps per implementation per turn (default 40)")
    parser.add_argument("--turn-processes", type=int, default=3,
                        help="processes of the one-process comparison, each with its own "
                             "turns (default 3)")
    parser.add_argument("--child", choices=(*ENGINES, "check", "interleaved"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    forwarded = ["--data-dir", str(args.data_dir), "--repeats", str(args.repeats)]
    forwarded += ["--limit", str(args.limit)] if args.limit else []
    threads = blas_threads()

    if args.child == "check":
        if torch_available():
            import torch

            torch.set_num_threads(threads)
        implementations = {name: IMPLEMENTATIONS[name] for name in CHECK_ORDER
                           if name != "PyTorch CPU" or torch_available()}
        check_agreement(implementations, *load_training_set(args.data_dir, args.limit),
                        BATCH_SIZE)
        return
    if args.child == "interleaved":  # all implementations in this one process
        if torch_available():
            import torch

            torch.set_num_threads(threads)
        data = load_training_set(args.data_dir, args.limit)
        engines = {name: IMPLEMENTATIONS[name](*data) for name in ENGINES
                   if name != "PyTorch CPU" or torch_available()}
        print(json.dumps(time_interleaved(engines, args.turns, args.turn_steps)))
        return
    if args.child:  # one implementation, timed in a process of its own
        if args.child == "PyTorch CPU":
            import torch

            torch.set_num_threads(threads)
        engine = IMPLEMENTATIONS[args.child](*load_training_set(args.data_dir, args.limit))
        print(json.dumps(time_epochs(engine, args.repeats)))
        return

    images_path, _ = locate(args.data_dir)
    started, began = cpu_seconds(), time.perf_counter()
    run_child(__file__, "check", forwarded)
    names = [name for name in ENGINES if name != "PyTorch CPU" or torch_available()]
    results = time_in_rounds(__file__, names, forwarded, args.rounds)
    count = f"the first {args.limit:,}" if args.limit else "all"
    print(f"one epoch of a {'-'.join(map(str, SIZES))} MLP (ReLU, cross-entropy), SGD lr "
          f"{LEARNING_RATE}, batch {BATCH_SIZE}, float32, shuffle and batch gathering included")
    print(f"data: {count} images of {images_path}; best of {args.rounds} x {args.repeats} "
          f"epochs, each implementation in processes of its own, taking turns; NumPy's BLAS "
          f"and PyTorch: {threads} threads")
    print(f"all implementations agree on the loss and weights after {CHECK_STEPS} steps from "
          "the same start")
    print_table(results, "hand-written NumPy")
    print(f"\nus/step: the best epoch's time over its steps. {MEMORY_NOTE}")
    if args.turns > 0:
        turn_args = [*forwarded, "--turns", str(args.turns), "--turn-steps", str(args.turn_steps)]
        interleaved = interleaved_in_processes(__file__, turn_args, args.turn_processes,
                                               "hand-written NumPy")
        print_interleaved(interleaved, "hand-written NumPy", args.turns, args.turn_steps,
                          args.turn_processes)
    print_other_work(started, time.perf_counter() - began)
    if os.environ.get("OPENBLAS_CORETYPE"):
        print(f"note: OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} is set, which may slow "
              "NumPy's matrix products (see benchmarks/README.md).")


if __name__ == "__main__":
    main()
