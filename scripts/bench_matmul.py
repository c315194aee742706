"""Time an n x n matrix product on the CPU (NumPy) and, where there is one, the GPU (CuPy).

    python scripts/bench_matmul.py --out docs/data/matmul-benchmark.json

The docs build has no GPU, so the chapter on GPUs draws its timing figure
(``scripts/docs_figures.py``) from this file, which records the numbers together with the
machine, the libraries and the date they were measured with. Run it on a machine with a GPU
and commit the JSON; the figure then shows that machine.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

SIZES = [64, 128, 256, 512, 1024, 2048, 4096, 8192]


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def best_time(run: Any, sync: Any, budget: float = 2.0) -> float:
    """The fastest of several runs (after a warm-up), in seconds."""
    run()
    sync()
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - start < budget and len(times) < 50):
        begin = time.perf_counter()
        run()
        sync()
        times.append(time.perf_counter() - begin)
    return min(times)


def gpu_library() -> tuple[str, Any, Any]:
    """(GPU name and library, host-to-GPU copy, synchronise): CuPy, else PyTorch."""
    try:
        import cupy  # type: ignore[import-not-found]

        properties = cupy.cuda.runtime.getDeviceProperties(0)
        name = f"{properties['name'].decode()} (CuPy {cupy.__version__})"
        return name, cupy.asarray, cupy.cuda.Device(0).synchronize
    except ImportError:
        import torch

        if not torch.cuda.is_available():
            raise RuntimeError("no CUDA device") from None
        name = f"{torch.cuda.get_device_name(0)} (PyTorch {torch.__version__})"
        return name, lambda x: torch.from_numpy(x).cuda(), torch.cuda.synchronize


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    result: dict[str, Any] = {
        "what": "seconds for one float32 n x n matrix product (best of several runs)",
        "date": datetime.date.today().isoformat(),
        "cpu": f"{cpu_name()}, {os.cpu_count()} logical cores",
        "numpy": np.__version__,
        "sizes": SIZES,
        "cpu_seconds": [],
        "gpu": None,
        "gpu_seconds": [],
    }
    rng = np.random.default_rng(0)
    for n in SIZES:
        a, b = (rng.standard_normal((n, n), dtype=np.float32) for _ in range(2))
        result["cpu_seconds"].append(best_time(lambda a=a, b=b: a @ b, lambda: None))
        print(f"cpu n={n}: {result['cpu_seconds'][-1]:.2e} s", flush=True)
    try:
        gpu_name, to_gpu, sync = gpu_library()
        result["gpu"] = gpu_name
        for n in SIZES:
            a, b = (to_gpu(rng.standard_normal((n, n), dtype=np.float32)) for _ in range(2))
            result["gpu_seconds"].append(best_time(lambda a=a, b=b: a @ b, sync))
            print(f"gpu n={n}: {result['gpu_seconds'][-1]:.2e} s", flush=True)
    except Exception as error:  # no CuPy or PyTorch, or no GPU: the CPU numbers alone
        print(f"no GPU timings: {error!r}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
