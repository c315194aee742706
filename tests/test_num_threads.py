"""tg.set_num_threads / tg.get_num_threads (PyTorch's names): the BLAS threads of the process,
set through threadpoolctl (issue 16)."""

from __future__ import annotations

import os

import pytest

import tinygrad_edu as tg
from tinygrad_edu.threads import usable_cores


@pytest.fixture
def restored():
    before = tg.get_num_threads()
    yield
    tg.set_num_threads(before)


def test_set_then_get(restored: None) -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl", reason="a core dependency, missing")
    for count in (1, 2, 1):
        tg.set_num_threads(count)
        assert tg.get_num_threads() == count
        blas = [i for i in threadpoolctl.threadpool_info() if i["user_api"] == "blas"]
        assert blas and all(info["num_threads"] == count for info in blas)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", None, True])
def test_bad_counts_are_refused_with_the_fix(bad: object, restored: None) -> None:
    before = tg.get_num_threads()
    with pytest.raises((ValueError, TypeError), match=r"set_num_threads\(\) takes"):
        tg.set_num_threads(bad)  # type: ignore[arg-type]
    assert tg.get_num_threads() == before


def test_usable_cores_follow_the_affinity() -> None:
    assert 1 <= usable_cores() <= (os.cpu_count() or 1)
    if hasattr(os, "sched_getaffinity"):
        assert usable_cores() == len(os.sched_getaffinity(0))
