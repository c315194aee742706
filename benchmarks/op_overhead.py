"""How much does one recorded operation cost? micrograd's demo network, one scalar at a time.

The network is micrograd's demo: a 2-16-16-1 MLP (ReLU hidden layers, linear output) on 100
points of two-moons data, where every neuron computes ``w_0*x_0 + w_1*x_1 + ... + b`` with
*scalar* operations. The loss is micrograd's SVM max-margin loss plus its L2 term::

    loss = mean_i relu(1 - y_i * score_i)  +  1e-4 * sum_p p**2        (y_i = -1 or +1)

That is about 65,000 tiny operations, so the time per operation is almost entirely the engine's
own Python overhead (recording the op, finding the order, calling backward), not arithmetic.
Each engine runs the same network from the same starting weights:

- ``tinygrad_edu.Tensor``: 0-d float64 tensors (the engine this project is about);
- ``tinygrad_edu.Value``: our chapter-one scalar engine (Python floats, same traversal);
- ``torch``: 0-d float64 tensors, when PyTorch is installed;
- ``micrograd``: its ``Value``, when micrograd is installed.

The script checks that every engine records the same number of operations (each engine counts
its own graph) and computes the same loss and gradients. Then it reports the best of
``--repeats`` timings of one forward + backward (+ zeroing the gradients), the engines taking
turns, with how much of the machine other programs took meanwhile, and microseconds per
recorded operation.

Run:
    python benchmarks/op_overhead.py            # all engines that are installed
    python benchmarks/op_overhead.py --repeats 3 --points 50
"""

from __future__ import annotations

import argparse
import gc
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from mlp_epoch import cpu_seconds, print_other_work

import tinygrad_edu as tg
from tinygrad_edu.autograd import topological_order

LAYER_SIZES = (2, 16, 16, 1)
L2_WEIGHT = 1e-4


# -- data and starting weights (plain numbers, shared by every engine) -----------------------
def make_moons(points: int, seed: int = 0, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles in the plane, labels -1 and +1 (no sklearn needed).

    Example:
        >>> xs, ys = make_moons(10)
        >>> xs.shape, sorted(set(ys.tolist()))
        ((10, 2), [-1.0, 1.0])
    """
    rng = np.random.default_rng(seed)
    upper = points // 2
    angles = rng.uniform(0.0, math.pi, size=points)
    xs = np.empty((points, 2))
    # The upper moon is a half circle; the lower one is the same half circle flipped and
    # shifted so that each moon reaches into the other's hollow.
    xs[:upper, 0] = np.cos(angles[:upper])
    xs[:upper, 1] = np.sin(angles[:upper])
    xs[upper:, 0] = 1.0 - np.cos(angles[upper:])
    xs[upper:, 1] = 0.5 - np.sin(angles[upper:])
    xs += rng.normal(scale=noise, size=xs.shape)
    ys = np.where(np.arange(points) < upper, -1.0, 1.0)
    return xs, ys


def starting_weights(seed: int = 1) -> list[tuple[np.ndarray, np.ndarray]]:
    """One (weights, biases) pair per layer, all uniform in [-1, 1).

    The weights start as in micrograd's Neuron. micrograd starts its biases at 0; here they are
    random too. That changes the numbers, not the operations, so the timings are unaffected.
    """
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out in zip(LAYER_SIZES[:-1], LAYER_SIZES[1:], strict=True):
        layers.append((rng.uniform(-1, 1, (fan_out, fan_in)), rng.uniform(-1, 1, fan_out)))
    return layers


# -- the network, written once for any scalar type with +, * and .relu() -------------------
def neuron(weights: list[Any], bias: Any, inputs: list[Any], relu: bool) -> Any:
    """sum_i w_i * x_i + b, then ReLU on hidden layers."""
    total = weights[0] * inputs[0]
    for w, x in zip(weights[1:], inputs[1:], strict=True):
        total = total + w * x
    total = total + bias
    return total.relu() if relu else total


def mlp(layers: list[tuple[list[list[Any]], list[Any]]], inputs: list[Any]) -> Any:
    for index, (weight_rows, biases) in enumerate(layers):
        hidden = index < len(layers) - 1
        pairs = zip(weight_rows, biases, strict=True)
        inputs = [neuron(row, b, inputs, hidden) for row, b in pairs]
    return inputs[0]


def svm_loss(model: Model) -> Any:
    """micrograd's max-margin loss: mean relu(1 - y * score) + L2 penalty on the weights."""
    total = None
    for x, minus_y in zip(model.inputs, model.minus_labels, strict=True):
        score = mlp(model.layers, x)
        # 1 - y*score, written as 1 + (-y)*score so every engine records the same three ops.
        margin = (model.one + minus_y * score).relu()
        total = margin if total is None else total + margin
    penalty = None
    for p in model.parameters:
        penalty = p * p if penalty is None else penalty + p * p
    return total * model.inverse_count + penalty * model.l2_weight


# -- engines ---------------------------------------------------------------------------------
@dataclass
class Engine:
    """How one autograd library makes scalars, runs backward and reads gradients."""

    name: str
    parameter: Callable[[float], Any]  # a scalar that needs a gradient
    constant: Callable[[float], Any]  # a scalar that does not
    zero_grad: Callable[[Any], None]
    read_grad: Callable[[Any], float]
    read_value: Callable[[Any], float]
    count_ops: Callable[[Any], int]


@dataclass
class Model:
    """The network's parameters and the data set, as one engine's scalars."""

    layers: list[tuple[list[list[Any]], list[Any]]]
    parameters: list[Any]
    inputs: list[list[Any]]
    minus_labels: list[Any]
    one: Any
    inverse_count: Any
    l2_weight: Any


def build_model(engine: Engine, xs: np.ndarray, ys: np.ndarray) -> Model:
    layers, parameters = [], []
    for weights, biases in starting_weights():
        rows = [[engine.parameter(float(w)) for w in row] for row in weights]
        bias = [engine.parameter(float(b)) for b in biases]
        layers.append((rows, bias))
        for row, b in zip(rows, bias, strict=True):
            parameters.extend([*row, b])
    return Model(
        layers=layers,
        parameters=parameters,
        inputs=[[engine.constant(float(v)) for v in x] for x in xs],
        minus_labels=[engine.constant(-float(y)) for y in ys],
        one=engine.constant(1.0),
        inverse_count=engine.constant(1.0 / len(xs)),
        l2_weight=engine.constant(L2_WEIGHT),
    )


def count_recorded(root: Any) -> int:
    """Nodes made by an operation (leaves excluded), in tinygrad_edu's own graph order."""
    return sum(1 for node in topological_order(root) if node._ctx is not None)


def tinygrad_tensor_engine() -> Engine:
    def zero_grad(p: Any) -> None:
        p.grad = None

    return Engine(
        name="tinygrad_edu Tensor",
        parameter=lambda v: tg.tensor(v, dtype=tg.float64, requires_grad=True),
        constant=lambda v: tg.tensor(v, dtype=tg.float64),
        zero_grad=zero_grad,
        read_grad=lambda p: p.grad.item(),
        read_value=lambda t: t.item(),
        count_ops=count_recorded,
    )


def tinygrad_value_engine() -> Engine:
    def zero_grad(p: Any) -> None:
        p.grad = 0.0

    return Engine(
        name="tinygrad_edu Value",
        parameter=tg.Value,
        constant=tg.Value,
        zero_grad=zero_grad,
        read_grad=lambda p: p.grad,
        read_value=lambda v: v.data,
        count_ops=count_recorded,
    )


def torch_engine() -> Engine | None:
    try:
        import torch
    except ImportError:
        return None

    def zero_grad(p: Any) -> None:
        p.grad = None

    def count_ops(root: Any) -> int:
        # Every backward node except AccumulateGrad (PyTorch's stand-in for a leaf).
        seen, stack, count = set(), [root.grad_fn], 0
        while stack:
            node = stack.pop()
            if node is None or node in seen:
                continue
            seen.add(node)
            if type(node).__name__ != "AccumulateGrad":
                count += 1
            stack.extend(parent for parent, _ in node.next_functions)
        return count

    return Engine(
        name=f"torch {torch.__version__}",
        parameter=lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True),
        constant=lambda v: torch.tensor(v, dtype=torch.float64),
        zero_grad=zero_grad,
        read_grad=lambda p: p.grad.item(),
        read_value=lambda t: t.item(),
        count_ops=count_ops,
    )


def micrograd_engine() -> Engine | None:
    try:
        from micrograd.engine import Value
    except ImportError:
        return None

    def zero_grad(p: Any) -> None:
        p.grad = 0.0

    def count_ops(root: Any) -> int:
        seen, stack = set(), [root]
        while stack:
            node = stack.pop()
            if node not in seen:
                seen.add(node)
                stack.extend(node._prev)
        return sum(1 for node in seen if node._prev)

    return Engine(
        name="micrograd",
        parameter=Value,
        constant=Value,
        zero_grad=zero_grad,
        read_grad=lambda p: float(p.grad),
        read_value=lambda v: float(v.data),
        count_ops=count_ops,
    )


# -- measuring --------------------------------------------------------------------------------
@dataclass
class Result:
    engine: str
    ops: int
    best_s: float
    forward_s: float
    backward_s: float
    best_no_gc_s: float
    loss: float
    grads: list[float]


def time_step(engine: Engine, model: Model) -> tuple[float, float, float]:
    """(total, forward, backward) seconds of one step; the graph is dropped before returning,
    so that the next engine's step does not run beside it."""
    gc.collect()  # start with no garbage left from the previous graph
    start = time.perf_counter()
    for p in model.parameters:
        engine.zero_grad(p)
    loss = svm_loss(model)
    middle = time.perf_counter()
    loss.backward()
    end = time.perf_counter()
    return end - start, middle - start, end - middle


def measure_all(engines: list[Engine], xs: np.ndarray, ys: np.ndarray,
                repeats: int) -> list[Result]:
    """Every engine's best step of ``repeats``, the engines taking turns (so that a burst of
    other work on the machine slows one turn of each rather than all turns of one), then the
    same with the cycle collector off; then one more step of each for its loss and gradients."""
    models = [build_model(engine, xs, ys) for engine in engines]
    # Python's cycle collector walks every live container object now and then. Freezing what
    # exists before timing (imported modules, e.g. all of torch; the data; the weights) means
    # it walks only the graph being measured, whichever libraries this process imported.
    gc.collect()
    gc.freeze()
    best = [(math.inf, 0.0, 0.0)] * len(engines)
    best_no_gc = [math.inf] * len(engines)
    try:
        for _ in range(repeats):
            for i, (engine, model) in enumerate(zip(engines, models, strict=True)):
                best[i] = min(best[i], time_step(engine, model))
        gc.disable()
        try:
            for _ in range(repeats):
                for i, (engine, model) in enumerate(zip(engines, models, strict=True)):
                    best_no_gc[i] = min(best_no_gc[i], time_step(engine, model)[0])
        finally:
            gc.enable()
    finally:
        gc.unfreeze()
    results = []
    for i, (engine, model) in enumerate(zip(engines, models, strict=True)):
        for p in model.parameters:
            engine.zero_grad(p)
        loss = svm_loss(model)
        loss.backward()
        results.append(Result(
            engine=engine.name,
            ops=engine.count_ops(loss),
            best_s=best[i][0],
            forward_s=best[i][1],
            backward_s=best[i][2],
            best_no_gc_s=best_no_gc[i],
            loss=engine.read_value(loss),
            grads=[engine.read_grad(p) for p in model.parameters],
        ))
        del loss
    return results


def measure_jit(xs: np.ndarray, ys: np.ndarray, repeats: int) -> Result:
    """The Tensor engine's step under ``tg.jit``: captured once (not timed), then replayed. The
    replay runs the recorded NumPy calls on 0-d arrays, without building a graph."""
    engine = tinygrad_tensor_engine()
    model = build_model(engine, xs, ys)

    def step() -> Any:
        for p in model.parameters:
            p.grad = None
        loss = svm_loss(model)
        loss.backward()
        return loss

    captured = tg.jit(step)
    ops = count_recorded(captured())  # the capture: an eager step, recorded
    best, loss = math.inf, None
    gc.collect()
    for _ in range(repeats):
        start = time.perf_counter()
        loss = captured()
        best = min(best, time.perf_counter() - start)
    return Result(engine="tinygrad_edu tg.jit", ops=ops, best_s=best, forward_s=best,
                  backward_s=0.0, best_no_gc_s=best, loss=loss.item(),
                  grads=[p.grad.item() for p in model.parameters])


def check_agreement(results: list[Result]) -> None:
    """Every engine must record the same operations and compute the same loss and gradients,
    or the timings mean nothing."""
    reference = results[0]
    for other in results[1:]:
        if other.ops != reference.ops:
            raise SystemExit(
                f"{other.engine} recorded {other.ops} operations but {reference.engine} "
                f"recorded {reference.ops}: they did not run the same network"
            )
        loss_ok = math.isclose(other.loss, reference.loss, rel_tol=1e-9)
        grads_ok = np.allclose(other.grads, reference.grads, rtol=1e-7, atol=1e-12)
        if not (loss_ok and grads_ok):
            worst = float(np.max(np.abs(np.subtract(other.grads, reference.grads))))
            raise SystemExit(
                f"{other.engine} disagrees with {reference.engine}: loss {other.loss!r} vs "
                f"{reference.loss!r}, largest gradient difference {worst:.3g}"
            )


def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100, help="data points (default 100)")
    parser.add_argument("--repeats", type=int, default=5, help="timed repetitions, best kept")
    args = parser.parse_args(argv)
    # micrograd sorts its graph recursively; the L2 sum alone is a chain of ~700 nodes.
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))

    xs, ys = make_moons(args.points)
    optional = {"torch": torch_engine(), "micrograd": micrograd_engine()}
    missing = [name for name, engine in optional.items() if engine is None]
    engines = [tinygrad_tensor_engine(), tinygrad_value_engine(), *optional.values()]
    started, began = cpu_seconds(), time.perf_counter()
    results = measure_all([e for e in engines if e is not None], xs, ys, args.repeats)
    results.insert(1, measure_jit(xs, ys, args.repeats))  # fwd+bwd replayed: no fwd/bwd split
    check_agreement(results)

    ours = results[0]
    print(
        f"micrograd's demo MLP {'-'.join(map(str, LAYER_SIZES))}, {args.points} points, "
        f"SVM max-margin loss + L2, float64 scalars; best of {args.repeats}"
    )
    print(
        f"loss {ours.loss:.6f}; every engine agrees on the number of operations, the loss "
        f"and all {len(ours.grads)} gradients\n"
    )
    header = (
        f"{'engine':<22} {'ops':>7} {'fwd+bwd ms':>11} {'fwd ms':>8} {'bwd ms':>8} "
        f"{'us/op':>7} {'vs Tensor':>10} {'us/op, gc off':>14}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r.engine:<22} {r.ops:>7} {r.best_s * 1e3:>11.1f} {r.forward_s * 1e3:>8.1f} "
            f"{r.backward_s * 1e3:>8.1f} {r.best_s / r.ops * 1e6:>7.2f} "
            f"{r.best_s / ours.best_s:>9.2f}x {r.best_no_gc_s / r.ops * 1e6:>14.2f}"
        )
    if missing:
        print(
            f"\nnot installed, so not measured: {', '.join(missing)} "
            "(see benchmarks/README.md to install them)"
        )
    print(
        "\nus/op = (forward + backward time) / recorded operations; 'vs Tensor' > 1 means "
        "slower than tinygrad_edu's Tensor.\n'gc off': the same step with Python's cycle "
        "collector switched off, to show how much of the time it takes."
    )
    print_other_work(started, time.perf_counter() - began)
    return results


if __name__ == "__main__":
    main()
