"""DataLoader options of PyTorch: worker processes (default start method and "spawn"),
worker seeding, errors from workers, timeout, persistent workers, prefetch_factor,
pin_memory and collate_fn."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.data import DataLoader, Dataset, Subset, TensorDataset
from tinygrad_edu.data.workers import get_worker_info

START_METHODS = [pytest.param(None, id="default"), pytest.param("spawn", id="spawn")]


class Numbered(Dataset):
    """Sample i is (a Tensor [i, i / 2], i * i, a NumPy array [i]); it can fail or be slow."""

    def __init__(self, size: int, fail_at: int | None = None, sleep: float = 0.0) -> None:
        self.size, self.fail_at, self.sleep = size, fail_at, sleep

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> tuple:
        if index == self.fail_at:
            raise ValueError(f"sample {index} is broken")
        time.sleep(self.sleep)
        return tg.Tensor([float(index), index / 2]), index * index, np.array([index])


class WhoReads(Dataset):
    """Each sample says which process read it, and that worker's seed and first random draw."""

    def __len__(self) -> int:
        return 8

    def __getitem__(self, index: int) -> tuple:
        info = get_worker_info()
        seed = -1 if info is None else info.seed
        worker = -1 if info is None else info.id
        return os.getpid(), worker, seed, float(np.random.rand())


class DiesAtThree(Dataset):
    def __len__(self) -> int:
        return 6

    def __getitem__(self, index: int) -> int:
        if index == 3:
            os._exit(7)
        return index


def record_worker(worker_id: int) -> None:
    """A worker_init_fn (module level, so that "spawn" can pickle it)."""
    info = get_worker_info()
    assert info is not None and info.id == worker_id
    os.environ["C2_WORKER_INIT"] = str(worker_id)


def _values(loader: DataLoader) -> list:
    return [[t.tolist() if isinstance(t, tg.Tensor) else t.tolist() for t in batch]
            for batch in loader]


@pytest.mark.parametrize("context", START_METHODS)
def test_workers_give_the_batches_of_num_workers_0(context: str | None) -> None:
    data = TensorDataset(tg.arange(60.0).reshape(20, 3), tg.arange(20))
    subset = Subset(data, list(range(3, 20, 2)))
    cases = [(data, True, False), (subset, True, True), (Numbered(11), True, False),
             (Numbered(11), False, True)]
    if context == "spawn":
        cases = cases[1:3]  # each spawned worker imports the library anew: keep it short
    for dataset, shuffle, drop_last in cases:
        options = {"batch_size": 3, "shuffle": shuffle, "drop_last": drop_last, "seed": 4}
        expected = _values(DataLoader(dataset, **options))
        loader = DataLoader(dataset, num_workers=2, multiprocessing_context=context, **options)
        assert _values(loader) == expected
        assert len(loader) == len(expected)


def test_worker_batches_keep_dtypes_and_types() -> None:
    x, square, array = next(iter(DataLoader(Numbered(5), batch_size=5, num_workers=2)))
    assert isinstance(x, tg.Tensor) and x.dtype == tg.float32
    assert isinstance(square, tg.Tensor) and square.dtype == tg.int64
    assert square.tolist() == [0, 1, 4, 9, 16]
    assert isinstance(array, tg.Tensor) and array.shape == (5, 1)  # default_collate: Tensors
    raw = next(iter(DataLoader(Numbered(4), batch_size=2, num_workers=1,
                               collate_fn=lambda samples: [s[2] for s in samples])))
    assert isinstance(raw, list) and isinstance(raw[0], np.ndarray)  # what collate_fn made


def test_matches_torch_dataloader_with_workers() -> None:
    torch = pytest.importorskip("torch")
    ours = DataLoader(Numbered(10), batch_size=4, num_workers=2)
    theirs = torch.utils.data.DataLoader(
        [(torch.tensor([float(i), i / 2]), i * i) for i in range(10)], batch_size=4)
    # (PyTorch's own workers give its num_workers=0 batches: that is compared above for ours)
    for (x, square, _), (tx, tsquare) in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(x.numpy(), tx.numpy())
        assert square.tolist() == tsquare.tolist()


@pytest.mark.parametrize("context", START_METHODS)
def test_worker_error_reaches_the_main_process(context: str | None) -> None:
    loader = DataLoader(Numbered(10, fail_at=6), batch_size=2, num_workers=2,
                        multiprocessing_context=context)
    with pytest.raises(ValueError, match="sample 6 is broken") as caught:
        list(loader)
    message = str(caught.value)
    assert "DataLoader worker process 1" in message  # batch 3 goes to worker 3 % 2
    assert "Traceback" in message and "__getitem__" in message


def test_dead_worker_is_reported() -> None:
    with pytest.raises(RuntimeError, match="exited unexpectedly"):
        list(DataLoader(DiesAtThree(), batch_size=1, num_workers=2))


def test_timeout() -> None:
    loader = DataLoader(Numbered(4, sleep=1.5), batch_size=1, num_workers=1, timeout=0.3)
    with pytest.raises(RuntimeError, match="timed out after 0.3 seconds"):
        next(iter(loader))


def test_seeds_are_base_seed_plus_worker_id_and_reproducible() -> None:
    first = list(DataLoader(WhoReads(), batch_size=2, num_workers=2, seed=3))
    again = list(DataLoader(WhoReads(), batch_size=2, num_workers=2, seed=3))
    seeds = {int(w): int(s) for _, worker, seed, _ in first
             for w, s in zip(worker.tolist(), seed.tolist(), strict=True)}
    assert sorted(seeds) == [0, 1] and seeds[1] == seeds[0] + 1
    draws = [d for *_, draw in first for d in draw.tolist()]
    assert draws == [d for *_, draw in again for d in draw.tolist()]  # same seed= again
    assert len(set(draws)) == len(draws)  # NumPy's generator differs between workers


def test_worker_init_fn_runs_in_each_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("C2_WORKER_INIT", raising=False)

    class Reads(Dataset):
        def __len__(self) -> int:
            return 4

        def __getitem__(self, index: int) -> int:
            return int(os.environ.get("C2_WORKER_INIT", "-1"))

    (ids,) = zip(*[(b.tolist(),) for b in DataLoader(Reads(), batch_size=1, num_workers=2,
                                                       worker_init_fn=record_worker)],
                 strict=True)
    assert ids == ([0], [1], [0], [1])
    assert "C2_WORKER_INIT" not in os.environ  # the main process was left alone


def test_persistent_workers_live_across_epochs() -> None:
    loader = DataLoader(WhoReads(), batch_size=2, num_workers=2, persistent_workers=True)
    pids = [{p for pid, *_ in loader for p in pid.tolist()} for _ in range(2)]
    assert pids[0] == pids[1] and os.getpid() not in pids[0]
    for _ in loader:
        break  # an epoch left early: the next one still gets all its batches, in order
    assert [pid.shape[0] for pid, *_ in loader] == [2, 2, 2, 2]
    fresh = DataLoader(WhoReads(), batch_size=2, num_workers=2)
    assert {p for pid, *_ in fresh for p in pid.tolist()} != {
        p for pid, *_ in fresh for p in pid.tolist()}


def test_pin_memory_and_prefetch_factor_change_nothing() -> None:
    data = TensorDataset(tg.arange(12.0).reshape(6, 2), tg.arange(6))
    expected = _values(DataLoader(data, batch_size=4))
    assert _values(DataLoader(data, batch_size=4, pin_memory=True)) == expected
    assert _values(DataLoader(data, batch_size=4, num_workers=1, pin_memory=True,
                              prefetch_factor=1)) == expected


def test_collate_fn_sees_samples_of_a_tensor_dataset_as_in_torch() -> None:
    torch = pytest.importorskip("torch")
    data = TensorDataset(tg.arange(6.0).reshape(3, 2), tg.arange(3))
    theirs = torch.utils.data.TensorDataset(torch.arange(6.0).reshape(3, 2), torch.arange(3))

    def describe(samples: list) -> list:
        return [(float(x.sum().item()), int(y.item())) for x, y in samples]

    assert list(DataLoader(data, batch_size=2, collate_fn=describe)) == list(
        torch.utils.data.DataLoader(theirs, batch_size=2, collate_fn=describe))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"num_workers": -1}, "num_workers must be an int >= 0"),
        ({"prefetch_factor": 2}, "prefetch_factor is for worker processes"),
        ({"num_workers": 1, "prefetch_factor": 0}, "prefetch_factor must be an int >= 1"),
        ({"persistent_workers": True}, "persistent_workers=True needs num_workers > 0"),
        ({"timeout": -1}, "timeout must be a number of seconds >= 0"),
    ],
)
def test_bad_worker_options(options: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DataLoader(Numbered(3), **options)


def test_generator_drop_last_and_epochs_match_num_workers_0() -> None:
    data = TensorDataset(tg.arange(26.0).reshape(13, 2), tg.arange(13))

    def epochs(workers: int) -> list:
        loader = DataLoader(data, batch_size=4, shuffle=True, drop_last=True,
                            generator=np.random.default_rng(5), num_workers=workers,
                            persistent_workers=workers > 0)
        return [_values(loader) for _ in range(3)]

    expected = epochs(0)
    assert expected[0] != expected[1]  # a new order each epoch
    assert all(len(epoch) == 3 for epoch in expected)  # 13 // 4 full batches
    assert epochs(2) == expected


def test_spawn_with_an_unpicklable_collate_fn_says_why() -> None:
    loader = DataLoader(Numbered(4), batch_size=2, num_workers=1,
                        multiprocessing_context="spawn", collate_fn=lambda samples: samples)
    with pytest.raises(RuntimeError, match="pickled to reach the workers"):
        next(iter(loader))


def test_positional_arguments_follow_pytorchs_order() -> None:
    """``DataLoader(ds, 64, True, sampler, ...)``: the positional order is PyTorch's, so a
    positional argument never lands silently on another parameter (``seed`` is ours,
    keyword-only)."""
    import inspect

    ours = list(inspect.signature(DataLoader).parameters)
    positional = [name for name, p in inspect.signature(DataLoader).parameters.items()
                  if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    assert positional == ["dataset", "batch_size", "shuffle", "sampler", "batch_sampler",
                          "num_workers", "collate_fn", "pin_memory", "drop_last", "timeout",
                          "worker_init_fn", "multiprocessing_context", "generator"]
    assert "seed" in ours
    torch = pytest.importorskip("torch", reason="PyTorch is not installed (pip install torch)")
    theirs = [name for name, p in inspect.signature(torch.utils.data.DataLoader).parameters.items()
              if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD]
    assert positional == theirs[: len(positional)]
