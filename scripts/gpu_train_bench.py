"""How fast does ``tinygrad-edu train`` train the MLP on the CPU and on a GPU, by batch size?

Measures the step that ``tinygrad-edu train`` runs (``training_step`` and ``train_one_epoch`` of
the command: forward, cross-entropy, ``zero_grad``, ``backward``, SGD with momentum 0.9,
``loss.item()``), eager and captured by ``tg.jit`` (the command's default), on the
command's MLP 784 -> 128 -> 10, on every backend that works here (``numpy``; ``cupy`` with a GPU
and the plugin), and the same step in PyTorch (CPU, and CUDA with a GPU) as a yardstick, at
several batch sizes. The images are random numbers of MNIST's shape: only the time matters.
It writes a JSON file with the medians and the machine they were measured on (CPU, GPU, CUDA,
library versions, date), so that the docs can quote them as they quote
``docs/data/matmul-benchmark.json``.

    python scripts/gpu_train_bench.py                          # prints; writes nothing
    python scripts/gpu_train_bench.py --out docs/data/mlp-train-step.json   # on a GPU machine
    python scripts/gpu_train_bench.py --batch-sizes 32 512 4096 --steps 40

A GPU pays a fixed cost per kernel launch (microseconds) and per ``loss.item()`` (the step waits
for the GPU): at small batches that cost is the whole step, so the step time stays flat as the
batch grows (launch-bound), and the GPU only wins once the batch is large.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu.cli.training import train_one_epoch, training_step
from tinygrad_edu.models import build_model

BATCH_SIZES = (32, 128, 512, 2048, 4096)


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} logical cores"
    except OSError:
        pass
    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical cores"


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    found: dict[str, Any] = {
        "date": datetime.date.today().isoformat(),
        "cpu": cpu_name(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "tinygrad_edu": tg.__version__,
    }
    try:
        import threadpoolctl

        found["blas_threads"] = [p["num_threads"] for p in threadpoolctl.threadpool_info()]
    except ImportError:
        pass
    try:
        import cupy

        if cupy.cuda.is_available():
            props = cupy.cuda.runtime.getDeviceProperties(0)
            name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
            found["gpu"] = name
            found["cupy"] = cupy.__version__
            found["cuda_runtime"] = cupy.cuda.runtime.runtimeGetVersion()
            found["cuda_driver"] = cupy.cuda.runtime.driverGetVersion()
    except ImportError:
        pass
    try:
        import torch

        found["torch"] = torch.__version__
    except ImportError:
        pass
    return found


def backends_here() -> list[str]:
    usable = ["numpy"]
    try:
        tg.Tensor([1.0], backend="cupy").numpy()
        usable.append("cupy")
    except Exception as error:  # no plugin, no CuPy, or no GPU: say so and go on
        print(f"cupy: not measured ({str(error).splitlines()[0]})", file=sys.stderr)
    return usable


def tinygrad_seconds(backend: str, batch_size: int, steps: int, use_jit: bool = False,
                     seed: int = 0) -> list[float]:
    """Seconds per step of the command's own training loop, one sample per call of it;
    ``use_jit``: the step captured by ``tg.jit``, as the command runs it by default."""
    tg.manual_seed(seed)
    with tg.use_backend(backend):
        model = build_model("mlp")
        optimizer = tg.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
        rng = np.random.default_rng(seed)
        images = tg.Tensor(rng.random((batch_size, 1, 28, 28), dtype=np.float32))
        labels = tg.Tensor(rng.integers(0, 10, batch_size))
        batch = [(images, labels)]
        step = training_step(model, optimizer, use_jit=use_jit)
        # warm up: allocations, kernel compiles, the capture
        train_one_epoch(model, batch * 3, optimizer, train_step=step)
        samples = []
        for _ in range(steps):
            started = time.perf_counter()
            train_one_epoch(model, batch, optimizer, train_step=step)  # ends with loss.item()
            samples.append(time.perf_counter() - started)
    return samples


def torch_seconds(device: str, batch_size: int, steps: int, seed: int = 0) -> list[float]:
    import torch

    torch.manual_seed(seed)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10)).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
    images = torch.rand(batch_size, 1, 28, 28, device=device)
    labels = torch.randint(0, 10, (batch_size,), device=device)

    def step() -> float:
        loss = torch.nn.functional.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(3):
        step()
    samples = []
    for _ in range(steps):
        started = time.perf_counter()
        step()
        samples.append(time.perf_counter() - started)
    return samples


def rows_here(include_torch: bool) -> dict[str, Any]:
    """Each row's name and how to time one step of it at a batch size."""
    rows: dict[str, Any] = {}
    for backend in backends_here():
        rows[f"tinygrad_edu {backend}"] = lambda b, n, name=backend: tinygrad_seconds(name, b, n)
        rows[f"tinygrad_edu {backend} jit"] = (
            lambda b, n, name=backend: tinygrad_seconds(name, b, n, use_jit=True))
    if include_torch:
        try:
            import torch

            rows["PyTorch CPU"] = lambda b, n: torch_seconds("cpu", b, n)
            if torch.cuda.is_available():
                rows["PyTorch CUDA"] = lambda b, n: torch_seconds("cuda", b, n)
        except ImportError:
            print("PyTorch: not measured (not installed)", file=sys.stderr)
    return rows


def limit_threads(count: int) -> None:
    import threadpoolctl  # pip install threadpoolctl

    threadpoolctl.threadpool_limits(count)
    try:
        import torch

        torch.set_num_threads(count)
    except ImportError:
        pass


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as f:
        f.write(text)
    os.replace(f.name, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=list(BATCH_SIZES))
    parser.add_argument("--steps", type=int, default=30, help="timed steps per row and size")
    parser.add_argument("--no-torch", action="store_true", help="leave out the PyTorch rows")
    parser.add_argument("--threads", type=int, help="CPU threads for NumPy's BLAS and PyTorch "
                        "(default: each library's own; on a shared machine 1 is steadier)")
    parser.add_argument("--out", type=Path, help="write the JSON here (e.g. docs/data/...)")
    args = parser.parse_args(argv)
    if args.steps < 1 or min(args.batch_sizes) < 1:
        parser.error("--steps and every --batch-sizes value must be at least 1")
    if args.threads is not None:
        limit_threads(args.threads)

    result: dict[str, Any] = {
        "what": "milliseconds per training step of the MLP 784-128-10 (SGD, momentum 0.9, "
        "cross-entropy, loss.item() every step, as tinygrad-edu train runs it), median of "
        "--steps timed steps after 3 warm-up steps; random MNIST-shaped data",
        "machine": machine(),
        "batch_sizes": args.batch_sizes,
        "steps": args.steps,
        "milliseconds": {},
    }
    result["machine"]["cpu_threads"] = args.threads or "library default"
    rows = rows_here(include_torch=not args.no_torch)
    print(f"{'batch':>6} " + " ".join(f"{name:>18}" for name in rows))
    for batch_size in args.batch_sizes:
        line = f"{batch_size:>6} "
        for name, measure in rows.items():
            median = statistics.median(measure(batch_size, args.steps)) * 1e3
            result["milliseconds"].setdefault(name, []).append(round(median, 4))
            line += f"{median:>15.3f} ms"
        print(line, flush=True)
    print(json.dumps(result["machine"]))
    if args.out:
        write_atomically(args.out, json.dumps(result, indent=2) + "\n")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
