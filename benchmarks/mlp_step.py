"""How long does one training step of the lecture's digit classifier take?

The network is MNIST-sized: 784 -> 128 -> 10 with ReLU, the loss is cross-entropy written with
tensor ops (``-(log_softmax(logits) * one_hot).sum() / batch_size``), and the step is plain SGD
under ``no_grad``. The data are random numbers of the right shapes: only the time matters here,
and nothing needs downloading. Every implementation starts from the same weights. Before timing,
the script checks, at every batch size it will time, that one step gives the same loss and the
same updated weights in all implementations.

Implementations (a row each, when available):

- ``tinygrad_edu``: this engine on ``--backend`` (``numpy`` by default, or ``cupy``);
- hand-written NumPy: the same forward and backward written out by hand, no autograd at all. It
  is the yardstick: an autograd engine on NumPy can at best match it;
- hand-written CuPy: the same code on the GPU, when CuPy and a GPU are present;
- PyTorch on the CPU, and on CUDA when a GPU is present.

Run:
    python benchmarks/mlp_step.py
    python benchmarks/mlp_step.py --backend cupy --steps 50
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

import tinygrad_edu as tg

SIZES = (784, 128, 10)
LEARNING_RATE = 0.1

StepFunction = Callable[[], float]  # runs one step, returns the loss (which waits for the GPU)


@dataclass
class Problem:
    """Starting weights and one batch, as NumPy arrays (each implementation copies them)."""

    weights: list[np.ndarray]  # w1, b1, w2, b2
    images: np.ndarray
    one_hot: np.ndarray


def make_problem(batch_size: int, seed: int = 0) -> Problem:
    rng = np.random.default_rng(seed)
    weights = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:], strict=True):
        # He initialisation keeps the ReLU layer's outputs of order one.
        scale = np.sqrt(2.0 / fan_in)
        weights.append((rng.standard_normal((fan_in, fan_out)) * scale).astype(np.float32))
        weights.append(np.zeros(fan_out, dtype=np.float32))
    images = rng.random((batch_size, SIZES[0]), dtype=np.float32)
    labels = rng.integers(0, SIZES[-1], size=batch_size)
    one_hot = np.eye(SIZES[-1], dtype=np.float32)[labels]
    return Problem(weights, images, one_hot)


# -- tinygrad_edu ------------------------------------------------------------------------------
def tinygrad_step(problem: Problem, backend: str) -> tuple[StepFunction, Callable[[], list]]:
    params = [tg.Tensor(w, requires_grad=True, backend=backend) for w in problem.weights]
    images = tg.Tensor(problem.images, backend=backend)
    one_hot = tg.Tensor(problem.one_hot, backend=backend)
    batch_size = problem.images.shape[0]

    def step() -> float:
        w1, b1, w2, b2 = params
        hidden = (images @ w1 + b1).relu()
        logits = hidden @ w2 + b2
        loss = -(logits.log_softmax(axis=1) * one_hot).sum() / batch_size
        for p in params:
            p.grad = None
        loss.backward()
        with tg.no_grad():
            for p in params:
                p -= LEARNING_RATE * p.grad
        return loss.item()

    return step, lambda: [p.numpy() for p in params]


# -- by hand -----------------------------------------------------------------------------------
def handwritten_step(
    problem: Problem, xp: Any, to_numpy: Callable
) -> tuple[StepFunction, Callable]:
    """The same step with the chain rule worked out on paper. ``xp`` is numpy or cupy."""
    params = [xp.asarray(w) for w in problem.weights]
    images, one_hot = xp.asarray(problem.images), xp.asarray(problem.one_hot)
    batch_size = problem.images.shape[0]

    def step() -> float:
        w1, b1, w2, b2 = params
        before_relu = images @ w1 + b1
        hidden = xp.maximum(before_relu, 0)
        logits = hidden @ w2 + b2
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = xp.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        loss = -((shifted - xp.log(total)) * one_hot).sum() / batch_size
        # d loss / d logits = (softmax - one_hot) / batch_size, then back through each layer.
        grad_logits = (exp / total - one_hot) / batch_size
        grad_w2 = hidden.T @ grad_logits
        grad_b2 = grad_logits.sum(axis=0)
        grad_before_relu = (grad_logits @ w2.T) * (before_relu > 0)
        grad_w1 = images.T @ grad_before_relu
        grad_b1 = grad_before_relu.sum(axis=0)
        for p, g in zip(params, (grad_w1, grad_b1, grad_w2, grad_b2), strict=True):
            p -= LEARNING_RATE * g
        return float(loss)

    return step, lambda: [to_numpy(p) for p in params]


# -- PyTorch -----------------------------------------------------------------------------------
def torch_step(problem: Problem, device: str) -> tuple[StepFunction, Callable]:
    import torch

    params = [torch.tensor(w, device=device, requires_grad=True) for w in problem.weights]
    images = torch.tensor(problem.images, device=device)
    one_hot = torch.tensor(problem.one_hot, device=device)
    batch_size = problem.images.shape[0]

    def step() -> float:
        w1, b1, w2, b2 = params
        hidden = (images @ w1 + b1).relu()
        logits = hidden @ w2 + b2
        loss = -(logits.log_softmax(dim=1) * one_hot).sum() / batch_size
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LEARNING_RATE * p.grad
        return loss.item()

    return step, lambda: [p.detach().cpu().numpy() for p in params]


# -- which implementations can run here --------------------------------------------------------
def implementations(backend: str) -> dict[str, Callable[[Problem], tuple[StepFunction, Callable]]]:
    found: dict[str, Callable[[Problem], tuple[StepFunction, Callable]]] = {
        f"tinygrad_edu ({backend})": lambda p: tinygrad_step(p, backend),
        "hand-written NumPy": lambda p: handwritten_step(p, np, np.asarray),
    }
    try:
        import cupy

        if cupy.cuda.is_available():
            found["hand-written CuPy"] = lambda p: handwritten_step(p, cupy, cupy.asnumpy)
    except ImportError:
        pass
    try:
        import torch

        found[f"PyTorch {torch.__version__} CPU"] = lambda p: torch_step(p, "cpu")
        if torch.cuda.is_available():
            found[f"PyTorch {torch.__version__} CUDA"] = lambda p: torch_step(p, "cuda")
    except ImportError:
        pass
    return found


def check_same_step(builders: dict[str, Callable], batch_size: int) -> None:
    """One step from the same start must give the same loss and weights everywhere."""
    reference_name = "hand-written NumPy"
    reference_step, reference_weights = builders[reference_name](make_problem(batch_size))
    reference_loss = reference_step()
    expected = reference_weights()
    for name, build in builders.items():
        step, weights = build(make_problem(batch_size))
        loss = step()
        # float32 sums in a different order differ in the last digits, no more.
        same_weights = all(
            np.allclose(w, e, rtol=1e-4, atol=1e-6)
            for w, e in zip(weights(), expected, strict=True)
        )
        if not (np.isclose(loss, reference_loss, rtol=1e-5) and same_weights):
            raise SystemExit(
                f"{name} disagrees with {reference_name} after one step "
                f"(loss {loss} vs {reference_loss})"
            )


@dataclass
class Timing:
    """Seconds per step: the median (the typical step) and the minimum (the step least
    disturbed by anything else running on the machine)."""

    median: float
    minimum: float


def time_per_step(step: StepFunction, steps: int, warmup: int = 3) -> Timing:
    """Time ``steps`` steps after ``warmup`` untimed ones."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return Timing(statistics.median(times), min(times))


def main(argv: list[str] | None = None) -> dict[str, dict[int, Timing]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="numpy", help="tinygrad_edu backend (numpy, cupy)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[512, 4096])
    parser.add_argument("--steps", type=int, default=20, help="timed steps per measurement")
    args = parser.parse_args(argv)

    tg.get_backend(args.backend)  # fail early, with the registry's message, if it cannot run
    builders = implementations(args.backend)
    for batch_size in args.batch_sizes:
        check_same_step(builders, batch_size)

    table: dict[str, dict[int, Timing]] = {name: {} for name in builders}
    for batch_size in args.batch_sizes:
        problem = make_problem(batch_size)
        for name, build in builders.items():
            step, _ = build(problem)
            table[name][batch_size] = time_per_step(step, args.steps)

    sizes = ", ".join(map(str, args.batch_sizes))
    steps = f"{args.steps} timed step{'s' if args.steps != 1 else ''}"
    print(
        f"one SGD step of a {'-'.join(map(str, SIZES))} MLP (ReLU, cross-entropy), float32; "
        f"{steps} per measurement\nall implementations agree on the loss and weights after one "
        f"step (checked at batch size {sizes})"
    )
    reference = table["hand-written NumPy"]
    groups = "".join(f"{f'batch {b}':>29}" for b in args.batch_sizes)
    columns = "".join(f"{'median ms':>11}{'min ms':>8}{'vs NumPy':>10}" for _ in args.batch_sizes)
    header = f"{'implementation':<26}{columns}"
    print(f"\n{'':<26}{groups}\n{header}")
    print("-" * len(header))
    for name, row in table.items():
        cells = "".join(
            f"{row[b].median * 1e3:>11.2f}{row[b].minimum * 1e3:>8.2f}"
            f"{row[b].median / reference[b].median:>9.2f}x"
            for b in args.batch_sizes
        )
        print(f"{name:<26}{cells}")
    print(
        "\n'vs NumPy' is the median time divided by the hand-written NumPy step's median "
        "(1.00x = as fast)."
    )
    if os.environ.get("OPENBLAS_CORETYPE"):
        print(
            f"note: OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} is set, which may slow "
            "NumPy's matrix products (see benchmarks/README.md)."
        )
    return table


if __name__ == "__main__":
    main()
