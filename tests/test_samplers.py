"""torch.utils.data's samplers and composite datasets: Sampler, SequentialSampler, RandomSampler,
SubsetRandomSampler, WeightedRandomSampler, BatchSampler, IterableDataset, ConcatDataset,
ChainDataset, StackDataset, and the DataLoader's sampler= / batch_sampler= options.

The deterministic ones are compared with torch; the random ones (another generator than
torch's) by their set semantics, lengths, weights and determinism under a seed."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    StackDataset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    get_worker_info,
    random_split,
)


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def labels(loader: DataLoader) -> list[list[int]]:
    return [batch[-1].tolist() for batch in loader]


def table(size: int = 10) -> TensorDataset:
    return TensorDataset(tg.arange(2.0 * size).reshape(size, 2), tg.arange(size))


class Squares(Dataset):
    """A map-style dataset read sample by sample (no fast path)."""

    def __len__(self) -> int:
        return 9

    def __getitem__(self, index: int) -> tuple:
        return tg.Tensor([float(index)]), index


class Stream(IterableDataset):
    """range(size), split into contiguous shares by worker, as PyTorch's docs advise."""

    def __init__(self, size: int, info=get_worker_info) -> None:
        self.size, self.info = size, info

    def __iter__(self):
        info = self.info()
        if info is None:
            return iter(range(self.size))
        share = -(-self.size // info.num_workers)
        start = info.id * share
        return iter(range(start, min(self.size, start + share)))


# -- deterministic samplers: equal to torch --------------------------------------------------
def test_sequential_and_batch_samplers_equal_torchs() -> None:
    torch = pytest.importorskip("torch")
    tud = torch.utils.data
    for size in (0, 1, 7, 12):
        data = list(range(size))
        assert list(SequentialSampler(data)) == list(tud.SequentialSampler(data))
        assert len(SequentialSampler(data)) == size
        for batch_size in (1, 3, 4, 13):
            for drop_last in (False, True):
                ours = BatchSampler(SequentialSampler(data), batch_size, drop_last)
                theirs = tud.BatchSampler(tud.SequentialSampler(data), batch_size, drop_last)
                assert list(ours) == list(theirs)
                assert len(ours) == len(theirs)


def test_batch_sampler_takes_any_iterable_and_checks_its_arguments() -> None:
    assert list(BatchSampler([5, 2, 9], 2, False)) == [[5, 2], [9]]
    for bad in (0, -1, True, 2.0):
        with pytest.raises(ValueError, match="batch_size should be a positive integer"):
            BatchSampler(range(3), bad, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        BatchSampler(range(3), 2, 1)


def test_a_sampler_subclass_drives_the_loader() -> None:
    class Backwards(Sampler):
        def __init__(self, n: int) -> None:
            self.n = n

        def __iter__(self):
            return iter(range(self.n - 1, -1, -1))

        def __len__(self) -> int:
            return self.n

    loader = DataLoader(table(5), batch_size=2, sampler=Backwards(5))
    assert labels(loader) == [[4, 3], [2, 1], [0]] and len(loader) == 3


# -- random samplers: their semantics --------------------------------------------------------
def test_random_sampler_is_a_permutation_and_repeats_them_for_more_samples() -> None:
    sampler = RandomSampler(range(10), generator=rng(1))
    first, second = list(sampler), list(sampler)
    assert sorted(first) == sorted(second) == list(range(10)) and first != second
    assert len(sampler) == 10
    longer = list(RandomSampler(range(4), num_samples=10, generator=rng(2)))
    assert len(longer) == 10 and sorted(longer[:4]) == sorted(longer[4:8]) == [0, 1, 2, 3]
    assert len(set(longer[8:])) == 2
    shorter = list(RandomSampler(range(10), num_samples=3, generator=rng(3)))
    assert len(shorter) == len(set(shorter)) == 3


def test_random_sampler_with_replacement() -> None:
    drawn = list(RandomSampler(range(5), replacement=True, num_samples=2000, generator=rng(4)))
    counts = Counter(drawn)
    assert set(counts) == set(range(5)) and len(drawn) == 2000
    assert all(300 < count < 500 for count in counts.values())  # 400 expected each
    assert max(Counter(list(RandomSampler(range(50), replacement=True,
                                          generator=rng(5)))).values()) > 1


def test_random_samplers_are_reproducible_under_a_seed() -> None:
    def epochs(seed: int) -> list[list[int]]:
        samplers = [RandomSampler(range(20), generator=rng(seed)),
                    SubsetRandomSampler([3, 9, 4, 1], generator=rng(seed)),
                    WeightedRandomSampler([1.0, 2.0, 3.0], 8, generator=rng(seed))]
        return [list(s) for s in samplers for _ in range(2)]

    assert epochs(7) == epochs(7) and epochs(7) != epochs(8)
    tg.manual_seed(11)  # without a generator: seeded from the backend's generator
    a = [list(RandomSampler(range(20))), list(SubsetRandomSampler(range(20)))]
    tg.manual_seed(11)
    b = [list(RandomSampler(range(20))), list(SubsetRandomSampler(range(20)))]
    assert a == b


def test_subset_random_sampler_visits_its_indices_once() -> None:
    indices = [10, 3, 7, 7, 42]
    sampler = SubsetRandomSampler(indices, generator=rng(0))
    assert sorted(sampler) == sorted(indices) and len(sampler) == 5
    assert sorted(SubsetRandomSampler(np.array([4, 2]))) == [2, 4]
    assert sorted(SubsetRandomSampler(tg.Tensor([4, 2]))) == [2, 4]


def test_weighted_sampler_follows_the_weights() -> None:
    weights = [0.0, 1.0, 3.0, 6.0]
    drawn = list(WeightedRandomSampler(weights, 20000, generator=rng(0)))
    counts = Counter(drawn)
    assert counts[0] == 0 and len(drawn) == 20000  # a weight-0 class is never drawn
    for position, weight in enumerate(weights[1:], start=1):
        expected = 20000 * weight / 10
        assert abs(counts[position] - expected) < 0.1 * expected
    assert len(WeightedRandomSampler(tg.Tensor(weights), 7)) == 7


def test_weighted_sampler_without_replacement() -> None:
    for seed in range(20):
        drawn = list(WeightedRandomSampler([5.0, 0.0, 1.0, 1.0], 3, replacement=False,
                                           generator=rng(seed)))
        assert sorted(drawn) == [0, 2, 3]
    firsts = Counter(next(iter(WeightedRandomSampler([8.0, 1.0, 1.0], 2, replacement=False,
                                                      generator=rng(s)))) for s in range(400))
    assert firsts[0] > 260  # 80 % expected
    with pytest.raises(ValueError, match="only 3 weights are positive"):
        WeightedRandomSampler([5.0, 0.0, 1.0, 1.0], 4, replacement=False)


@pytest.mark.parametrize(("make", "match"), [
    (lambda: WeightedRandomSampler([[1.0, 2.0]], 2), "1d sequence"),
    (lambda: WeightedRandomSampler([1.0, -1.0], 2), "non-negative"),
    (lambda: WeightedRandomSampler([0.0, 0.0], 2), "not all zero"),
    (lambda: WeightedRandomSampler([1.0], 0), "num_samples should be a positive integer"),
    (lambda: WeightedRandomSampler([1.0], 2, replacement=1), "replacement should be a boolean"),
    (lambda: RandomSampler(range(3), num_samples=0), "num_samples should be a positive"),
    (lambda: RandomSampler(range(3), replacement="yes"), "replacement should be a boolean"),
])
def test_sampler_bad_input(make, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()


def test_a_generator_of_another_kind_is_refused() -> None:
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        RandomSampler(range(3), generator=42)


# -- the DataLoader's sampler= and batch_sampler= --------------------------------------------
def test_loader_with_samplers_equals_torchs_batches() -> None:
    torch = pytest.importorskip("torch")
    tud = torch.utils.data
    order = [7, 2, 9, 0, 4, 4, 1]
    ours = TensorDataset(tg.arange(10))
    theirs = tud.TensorDataset(torch.arange(10))
    for dataset in (ours, Squares()):
        got = [b[-1].tolist() for b in DataLoader(dataset, batch_size=3, sampler=order)]
        want = [b[-1].tolist() for b in tud.DataLoader(theirs, batch_size=3, sampler=order)]
        assert got == want
        batches = [[3, 1], [8], [0, 5, 6]]
        got = [b[-1].tolist() for b in DataLoader(dataset, batch_sampler=batches)]
        assert got == [b[-1].tolist() for b in tud.DataLoader(theirs, batch_sampler=batches)]
        loader = DataLoader(dataset, batch_sampler=BatchSampler(order, 2, True))
        assert len(loader) == 3 and loader.batch_size is None
        assert labels(loader) == [[7, 2], [9, 0], [4, 4]]
    loader = DataLoader(table(10), batch_size=4, sampler=SequentialSampler(range(6)),
                        drop_last=True)
    assert len(loader) == 1 and labels(loader) == [[0, 1, 2, 3]]


def test_loader_sampler_on_a_subset_reads_the_subsets_positions() -> None:
    train, _ = random_split(table(10), [6, 4], generator=rng(0))
    loader = DataLoader(train, batch_size=4, sampler=[5, 0, 1])
    assert labels(loader) == [[int(train.indices[i]) for i in (5, 0, 1)]]


def test_loader_default_sampler_attributes_describe_the_order() -> None:
    assert isinstance(DataLoader(table(), shuffle=True).sampler, RandomSampler)
    loader = DataLoader(table(), batch_size=3)
    assert isinstance(loader.sampler, SequentialSampler)
    assert list(loader.batch_sampler) == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert len(loader.sampler) == 10


@pytest.mark.parametrize("options", [
    {"batch_size": 2}, {"shuffle": True}, {"sampler": [0, 1]}, {"drop_last": True}])
def test_batch_sampler_excludes_the_other_options_as_in_torch(options: dict) -> None:
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive with "
                                         "batch_size, shuffle, sampler, and drop_last"):
        DataLoader(table(), batch_sampler=[[0, 1]], **options)


def test_sampler_excludes_shuffle_as_in_torch() -> None:
    with pytest.raises(ValueError, match="sampler option is mutually exclusive with shuffle"):
        DataLoader(table(), sampler=[0, 1], shuffle=True)
    assert labels(DataLoader(table(), sampler=[1, 0], shuffle=False)) == [[1], [0]]


def test_workers_give_the_batches_of_num_workers_0_with_samplers() -> None:
    for dataset in (table(12), Squares()):
        sampler = WeightedRandomSampler([1.0] * len(dataset), 9, generator=rng(3))
        order = list(sampler)
        for options in ({"sampler": order, "batch_size": 4},
                        {"batch_sampler": BatchSampler(order, 2, False)}):
            plain = [[t.tolist() for t in b] for b in DataLoader(dataset, **options)]
            workers = [[t.tolist() for t in b]
                       for b in DataLoader(dataset, num_workers=2, **options)]
            assert plain == workers and len(plain) in (3, 5)


# -- iterable datasets -----------------------------------------------------------------------
def test_iterable_dataset_is_batched_in_order() -> None:
    loader = DataLoader(Stream(7), batch_size=3)
    assert [b.tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(Stream(7), batch_size=3, drop_last=True)] == [
        [0, 1, 2], [3, 4, 5]]
    with pytest.raises(TypeError):
        len(loader)  # no __len__, as in torch
    with pytest.raises(ValueError, match="expected unspecified shuffle"):
        DataLoader(Stream(3), shuffle=True)
    with pytest.raises(ValueError, match="IterableDataset"):
        DataLoader(Stream(3), sampler=[0])


@pytest.mark.filterwarnings("ignore:This DataLoader will create")  # torch's: 3 workers, 2 cores
def test_iterable_dataset_with_workers_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    tud = torch.utils.data

    class TorchStream(tud.IterableDataset):
        __iter__ = Stream.__iter__

        def __init__(self, size: int) -> None:
            self.size, self.info = size, tud.get_worker_info

    for size, workers, batch_size, drop_last in [(11, 2, 2, False), (11, 2, 2, True),
                                                 (10, 3, 3, False), (5, 2, 4, False)]:
        ours = DataLoader(Stream(size), batch_size=batch_size, num_workers=workers,
                          drop_last=drop_last)
        theirs = tud.DataLoader(TorchStream(size), batch_size=batch_size, num_workers=workers,
                                drop_last=drop_last)
        assert [b.tolist() for b in ours] == [b.tolist() for b in theirs]
    # Without splitting by get_worker_info each worker reads the whole stream (as in torch).
    copies = DataLoader(Stream(3, info=lambda: None), batch_size=3, num_workers=2)
    assert [b.tolist() for b in copies] == [[0, 1, 2], [0, 1, 2]]


def test_iterable_dataset_with_persistent_workers_restarts_each_epoch() -> None:
    loader = DataLoader(Stream(6), batch_size=2, num_workers=2, persistent_workers=True)
    assert [b.tolist() for b in loader] == [b.tolist() for b in loader] == [
        [0, 1], [3, 4], [2], [5]]


# -- composite datasets ----------------------------------------------------------------------
def test_concat_dataset_indexes_as_torchs() -> None:
    torch = pytest.importorskip("torch")
    tud = torch.utils.data
    parts = [list(range(3)), [], list(range(10, 14)), [99]]
    ours, theirs = ConcatDataset(parts), tud.ConcatDataset(parts)
    assert len(ours) == len(theirs) == 8 and ours.cumulative_sizes == theirs.cumulative_sizes
    assert [ours[i] for i in range(-8, 8)] == [theirs[i] for i in range(-8, 8)]
    for bad in (8, -9):
        with pytest.raises((IndexError, ValueError)):
            theirs[bad]
        with pytest.raises((IndexError, ValueError)):
            ours[bad]
    added = table(3) + table(2)
    assert isinstance(added, ConcatDataset) and len(added) == 5 and added[3][1].item() == 0
    assert labels(DataLoader(added, batch_size=5)) == [[0, 1, 2, 0, 1]]
    with pytest.raises(ValueError, match="empty"):
        ConcatDataset([])
    with pytest.raises(TypeError, match="ChainDataset"):
        ConcatDataset([Stream(2)])


def test_chain_and_stack_datasets_as_torchs() -> None:
    torch = pytest.importorskip("torch")
    tud = torch.utils.data
    assert list(ChainDataset([Stream(2), Stream(3)])) == [0, 1, 0, 1, 2]
    assert list(Stream(2) + Stream(1)) == [0, 1, 0]
    assert len(ChainDataset([range(2), range(3)])) == 5
    assert [b.tolist() for b in DataLoader(Stream(2) + Stream(3), batch_size=2)] == [
        [0, 1], [0, 1], [2]]
    ours, theirs = StackDataset("abc", [1, 2, 3]), tud.StackDataset("abc", [1, 2, 3])
    assert [ours[i] for i in range(3)] == [theirs[i] for i in range(3)] and len(ours) == 3
    named = StackDataset(x="ab", y=[5, 6])
    assert named[1] == tud.StackDataset(x="ab", y=[5, 6])[1] == {"x": "b", "y": 6}
    with pytest.raises(ValueError, match="size mismatch"):
        StackDataset("ab", [1])
    with pytest.raises(ValueError, match="both were given"):
        StackDataset("ab", y=[1, 2])


def test_random_split_respects_its_generator() -> None:
    a = [s.indices.tolist() for s in random_split(table(10), [0.7, 0.3], generator=rng(5))]
    b = [s.indices.tolist() for s in random_split(table(10), [0.7, 0.3], generator=rng(5))]
    assert a == b and sorted(a[0] + a[1]) == list(range(10)) and len(a[0]) == 7


def test_samplers_take_tg_generator_as_torch_code_passes_it() -> None:
    def draws(seed: int) -> list[list[int]]:
        return [list(RandomSampler(range(8), generator=tg.Generator().manual_seed(seed))),
                list(SubsetRandomSampler([1, 5, 9], generator=tg.Generator().manual_seed(seed))),
                list(WeightedRandomSampler([1.0, 3.0], 6,
                                           generator=tg.Generator().manual_seed(seed)))]

    assert draws(42) == draws(42) and draws(42) != draws(43)
    loader = DataLoader(table(6), batch_size=4, generator=tg.Generator().manual_seed(0),
                        shuffle=True)
    assert sorted(sum(labels(loader), [])) == list(range(6))
