"""The NumPy backend sets glibc's thresholds so that a training step's freed arrays are reused
by the next step instead of being unmapped and faulted in again (tinygrad_edu/backends/memory.py).
Counted in page faults, which, unlike times, do not depend on how busy the machine is."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="mallopt's thresholds exist only in glibc on Linux")

STEPS = """
import resource, sys
import numpy as np
import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.backends import memory
from tinygrad_edu.nn import functional as F
x, y = tg.tensor(np.random.rand(2, 1, 28, 28).astype(np.float32)), tg.tensor([1, 2])
model = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
optimizer = getattr(tg.optim, sys.argv[1])(model.parameters(), lr=1e-3)
def step():
    optimizer.zero_grad()
    F.cross_entropy(model(x), y).backward()
    optimizer.step()
for _ in range(50):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(200):
    step()
after = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
print(memory.keep_freed_memory(), (after - before) / 200)
"""


def faults_per_step(optimizer: str, **env: str) -> tuple[bool, float]:
    environment = {**os.environ, "OMP_NUM_THREADS": "1", **env}
    environment.pop("TINYGRAD_EDU_MALLOC", None)
    environment.update(env)
    out = subprocess.run([sys.executable, "-c", STEPS, optimizer], capture_output=True,
                         text=True, env=environment, timeout=300, check=True).stdout.split()
    return out[0] == "True", float(out[1])


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_a_small_batch_step_faults_in_no_pages(optimizer: str) -> None:
    applied, faults = faults_per_step(optimizer)
    assert applied
    # (glibc's defaults: 164 faults per step with SGD, 590 with Adam, on this project's VM)
    assert faults < 5, f"{faults} page faults per step"
    applied, faults_by_default = faults_per_step(optimizer, TINYGRAD_EDU_MALLOC="system")
    assert not applied  # the opt-out leaves glibc alone
    assert faults_by_default >= faults
