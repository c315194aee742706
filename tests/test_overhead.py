"""What one recorded operation costs in objects: Python's cycle collector walks every object
that can hold references, again and again while a graph grows, so the engine makes as few of
them per operation as it can (see benchmarks/op_overhead.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

import tinygrad_edu as tg


@pytest.fixture
def collector_off() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _tracked_objects_per_op(op: str, count: int = 2000) -> float:
    x = tg.tensor(1.5, dtype=tg.float64, requires_grad=True)
    y = tg.tensor(2.0, dtype=tg.float64)
    gc.collect()
    before = len(gc.get_objects())
    results = [x + y if op == "add" else x * y for _ in range(count)]
    gc.collect()  # a saved tuple of arrays alone is untracked by the collector's first look
    made = len(gc.get_objects()) - before - 1  # the list of results itself
    assert len(results) == count
    return made / count


@pytest.mark.parametrize("op", ["add", "mul"])
def test_a_recorded_operation_makes_two_tracked_objects(op: str, collector_off: None) -> None:
    # The output Tensor and its Context, which is also the list of inputs (no separate tuple).
    assert _tracked_objects_per_op(op) == pytest.approx(2.0, abs=0.01)


def test_an_unrecorded_operation_leaves_only_its_tensor(collector_off: None) -> None:
    x = tg.tensor(1.5, dtype=tg.float64)
    gc.collect()
    before = len(gc.get_objects())
    results = [x * x for _ in range(1000)]
    gc.collect()
    assert (len(gc.get_objects()) - before - 1) / len(results) == pytest.approx(1.0, abs=0.01)


def test_a_context_is_its_list_of_inputs_and_compares_by_identity() -> None:
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0])
    first, second = (a * b).grad_fn, (a * b).grad_fn
    assert first is not None and second is not None
    assert first.inputs[0] is a and first.inputs[1] is b and len(first.inputs) == 2
    # Lists compare their items (here elementwise Tensors); contexts compare as objects.
    assert first == first and first != second and not (first == second)
    assert len({first, second, first}) == 2


@pytest.mark.parametrize("op", ["add", "mul"])
def test_a_recorded_operation_allocates_two_tracked_objects(op: str, collector_off: None) -> None:
    # Allocations, not survivors: each tracked allocation counts towards the next collection.
    # x * y saves exactly its inputs, so its context keeps a marker, not a tuple of arrays.
    x = tg.tensor(1.5, dtype=tg.float64, requires_grad=True)
    y = tg.tensor(2.0, dtype=tg.float64)
    results = [x + y if op == "add" else x * y for _ in range(10)]  # warm up, list grown
    results = []
    before = gc.get_count()[0]
    for _ in range(500):
        results.append(x + y if op == "add" else x * y)
    per_op = (gc.get_count()[0] - before) / len(results)
    assert per_op == pytest.approx(2.0, abs=0.1)  # (the list's own growth: a few reallocations)
