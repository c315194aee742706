"""``tg.Generator``, PyTorch's seeded generator object, where PyTorch code passes one: splits,
shuffles and samplers. The numbers differ from PyTorch's (another algorithm); what must hold
is PyTorch's contract: one seed, one sequence, independent of the global seed."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.data import DataLoader, RandomSampler, TensorDataset, random_split


def _split(seed: int) -> list[int]:
    digits = TensorDataset(tg.arange(20))
    train, _ = random_split(digits, [0.8, 0.2], generator=tg.Generator().manual_seed(seed))
    return [int(i) for i in train.indices]


def test_a_seeded_generator_repeats_its_split_whatever_the_global_seed() -> None:
    tg.manual_seed(0)
    first = _split(42)
    tg.manual_seed(123)
    assert _split(42) == first
    assert _split(43) != first
    assert sorted(first) != first  # shuffled, not the first 16 in order


def test_a_generator_drives_the_loader_and_the_samplers() -> None:
    data = TensorDataset(tg.arange(12))

    def epochs(seed: int) -> list[list[int]]:
        loader = DataLoader(data, batch_size=5, shuffle=True,
                            generator=tg.Generator().manual_seed(seed))
        return [[int(v) for batch in loader for v in batch[0].tolist()] for _ in range(2)]

    one, two = epochs(7), epochs(7)
    assert one == two and one[0] != one[1]  # same seed, same epochs; epochs differ
    assert sorted(one[0]) == list(range(12))
    drawn = list(RandomSampler(range(6), generator=tg.Generator().manual_seed(3)))
    assert drawn == list(RandomSampler(range(6), generator=tg.Generator().manual_seed(3)))


def test_manual_seed_returns_the_generator_and_state_round_trips() -> None:
    g = tg.Generator()
    assert g.manual_seed(5) is g and g.initial_seed() == 5 and g.device == "cpu"
    state = g.get_state()
    a = g.random(3)
    g.set_state(state)
    np.testing.assert_array_equal(g.random(3), a)
    assert tg.Generator().manual_seed(-1).initial_seed() == 2**64 - 1  # wraps, as PyTorch's
    fresh = tg.Generator().seed()
    assert isinstance(fresh, int) and 0 <= fresh < 2**64


def test_bad_arguments_say_what_to_write() -> None:
    with pytest.raises(TypeError, match=r"must be an int, not str: g\.manual_seed\(42\)"):
        tg.Generator().manual_seed("42")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"draw on the host .*tg\.Generator\(\)"):
        tg.Generator(device="cuda")


def test_pytorchs_spelling_runs_unchanged() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch)")
    for lib in (tg, torch):
        g = lib.Generator().manual_seed(42)
        assert g.initial_seed() == 42
        dataset = lib.utils.data.TensorDataset(lib.arange(10))
        parts = lib.utils.data.random_split(dataset, [0.8, 0.2], generator=g)
        assert [len(p) for p in parts] == [8, 2]
