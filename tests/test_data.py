"""Datasets and the DataLoader: TensorDataset, Subset, random_split, batches on every backend."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.backends.base import Backend
from tinygrad_edu.data import (
    DataLoader,
    Dataset,
    Subset,
    TensorDataset,
    default_collate,
    random_split,
)
from tinygrad_edu.data.dataset import split_lengths


def _torch():
    return pytest.importorskip(
        "torch", reason="PyTorch is not installed; the comparison needs torch==2.13.0"
    )


def _numbered(count: int, backend: Backend | str = "numpy") -> TensorDataset:
    """Inputs whose rows say which sample they are: row i is [i, i + 0.5], label i % 10."""
    rows = np.stack([np.arange(count), np.arange(count) + 0.5], axis=1).astype(np.float32)
    return TensorDataset(
        tg.Tensor(rows, backend=backend), tg.Tensor(np.arange(count) % 10, backend=backend)
    )


def _seen(loader: DataLoader) -> list[int]:
    return [int(v) for x, _ in loader for v in x.numpy()[:, 0]]


# -- TensorDataset, Subset -------------------------------------------------------------------


def test_tensor_dataset_gives_rows() -> None:
    data = _numbered(5)
    assert len(data) == 5
    x, y = data[3]
    assert x.tolist() == [3.0, 3.5] and y.item() == 3
    assert data.tensors[0].shape == (5, 2)


def test_tensor_dataset_errors_name_the_sizes() -> None:
    with pytest.raises(ValueError, match=r"same size in their first dimension.*100, 99"):
        TensorDataset(tg.zeros((100, 3)), tg.zeros(99))
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()
    with pytest.raises(ValueError, match="first axis"):
        TensorDataset(tg.Tensor(1.0))


def test_tensor_dataset_takes_arrays() -> None:
    data = TensorDataset(np.zeros((4, 2), dtype=np.float32), np.arange(4))
    assert data.tensors[0].dtype is tg.float32 and data.tensors[1].dtype is tg.int64


def test_subset_picks_and_checks_indices() -> None:
    subset = Subset(_numbered(10), [7, 2, 2])
    assert len(subset) == 3
    assert [subset[i][0].tolist()[0] for i in range(3)] == [7.0, 2.0, 2.0]
    with pytest.raises(IndexError, match="index 10 is out of range for a dataset of 10"):
        Subset(_numbered(10), [0, 10])
    with pytest.raises(TypeError, match="flat sequence of integers"):
        Subset(_numbered(10), [0.5])
    assert len(Subset(_numbered(10), [])) == 0
    assert Subset(_numbered(10), tg.Tensor([4, 1])).indices.tolist() == [4, 1]
    assert Subset(_numbered(10), range(2, 5)).indices.tolist() == [2, 3, 4]


def test_dataset_base_class_says_what_to_define() -> None:
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]
    with pytest.raises(NotImplementedError, match="__len__"):
        len(Dataset())


# -- random_split ----------------------------------------------------------------------------


def test_random_split_80_20_covers_everything_once() -> None:
    train, test = random_split(_numbered(10_000), [0.8, 0.2], seed=0)
    assert (len(train), len(test)) == (8000, 2000)
    together = np.concatenate([train.indices, test.indices])
    assert sorted(together.tolist()) == list(range(10_000))


def test_random_split_is_reproducible_from_the_seed() -> None:
    a = random_split(_numbered(50), [30, 20], seed=3)
    b = random_split(_numbered(50), [30, 20], seed=3)
    c = random_split(_numbered(50), [30, 20], seed=4)
    assert a[0].indices.tolist() == b[0].indices.tolist()
    assert a[0].indices.tolist() != c[0].indices.tolist()
    g1, g2 = np.random.default_rng(5), np.random.default_rng(5)
    assert (random_split(_numbered(50), [25, 25], generator=g1)[1].indices.tolist()
            == random_split(_numbered(50), [25, 25], generator=g2)[1].indices.tolist())


def test_random_split_without_a_seed_follows_manual_seed() -> None:
    tg.manual_seed(11)
    a = random_split(_numbered(40), [0.5, 0.5])
    tg.manual_seed(11)
    b = random_split(_numbered(40), [0.5, 0.5])
    assert a[0].indices.tolist() == b[0].indices.tolist()


@pytest.mark.filterwarnings("ignore:Length of split at index:UserWarning")
@pytest.mark.parametrize(
    "total, fractions",
    [(10, [0.33, 0.33, 0.34]), (7, [0.5, 0.5]), (10_001, [0.8, 0.2]), (3, [0.1, 0.1, 0.8]),
     (0, [0.8, 0.2]), (11, [0.25, 0.25, 0.25, 0.25])],
)
def test_fractions_round_like_pytorch(total: int, fractions: list[float]) -> None:
    torch = _torch()
    parts = torch.utils.data.random_split(range(total), fractions)
    assert split_lengths(total, fractions) == [len(p) for p in parts]


def test_random_split_errors_say_what_to_fix() -> None:
    with pytest.raises(ValueError, match=r"add up to 90, but the dataset has 100"):
        random_split(_numbered(100), [80, 10])
    with pytest.raises(ValueError, match=r"add up to 1; got \[0.8, 0.3\]"):
        random_split(_numbered(100), [0.8, 0.3])
    with pytest.raises(ValueError, match="non-negative"):
        random_split(_numbered(100), [110, -10])
    with pytest.raises(ValueError, match="not both"):
        random_split(_numbered(10), [5, 5], seed=1, generator=np.random.default_rng(1))
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        random_split(_numbered(10), [5, 5], generator=1)


# -- DataLoader ------------------------------------------------------------------------------


@pytest.mark.parametrize("total, batch_size", [(10, 3), (9, 3), (0, 4), (5, 8), (1, 1)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_len_is_the_number_of_batches(total: int, batch_size: int, drop_last: bool) -> None:
    loader = DataLoader(_numbered(total), batch_size=batch_size, drop_last=drop_last)
    batches = list(loader)
    assert len(loader) == len(batches)
    assert all(len(x) == batch_size for x, _ in batches[: total // batch_size])
    torch = _torch()
    reference = torch.utils.data.DataLoader(range(total), batch_size=batch_size,
                                            drop_last=drop_last)
    assert len(loader) == len(reference)


def test_batches_in_order_without_shuffle() -> None:
    loader = DataLoader(_numbered(7), batch_size=3)
    (x0, y0), (x1, _), (x2, y2) = list(loader)
    assert x0.tolist() == [[0.0, 0.5], [1.0, 1.5], [2.0, 2.5]]
    assert y0.tolist() == [0, 1, 2] and y2.tolist() == [6]
    assert x0.dtype is tg.float32 and y0.dtype is tg.int64
    assert not x0.requires_grad


def test_shuffle_each_epoch_a_new_order_reproducible_from_the_seed() -> None:
    loader = DataLoader(_numbered(100), batch_size=16, shuffle=True, seed=7)
    first, second = _seen(loader), _seen(loader)
    assert sorted(first) == sorted(second) == list(range(100))
    assert first != second  # a new permutation each epoch
    again = DataLoader(_numbered(100), batch_size=16, shuffle=True, seed=7)
    assert _seen(again) == first and _seen(again) == second
    assert _seen(DataLoader(_numbered(100), batch_size=16, shuffle=True, seed=8)) != first


def test_shuffle_without_a_seed_follows_manual_seed() -> None:
    loader = DataLoader(_numbered(50), batch_size=10, shuffle=True)
    tg.manual_seed(3)
    a = _seen(loader)
    tg.manual_seed(3)
    assert _seen(loader) == a
    assert sorted(a) == list(range(50))


def test_inputs_stay_with_their_labels_when_shuffled() -> None:
    for x, y in DataLoader(_numbered(30), batch_size=4, shuffle=True, seed=0):
        assert (x.numpy()[:, 0].astype(np.int64) % 10).tolist() == y.tolist()


def test_drop_last_leaves_out_the_short_batch() -> None:
    loader = DataLoader(_numbered(10), batch_size=4, shuffle=True, drop_last=True, seed=1)
    sizes = [len(x) for x, _ in loader]
    assert sizes == [4, 4]


def test_batches_come_out_on_the_current_backend(backend: Backend) -> None:
    data = _numbered(10, backend="numpy")
    with tg.use_backend(backend):
        batches = list(DataLoader(Subset(data, [9, 8, 7, 6, 5]), batch_size=2, shuffle=True,
                                  seed=0))
    assert all(x.backend is backend and y.backend is backend for x, y in batches)
    seen = sorted(int(v) for x, _ in batches for v in x.numpy()[:, 0])
    assert seen == [5, 6, 7, 8, 9]


def test_dataset_on_a_backend_stays_there(backend: Backend) -> None:
    data = _numbered(6, backend=backend)
    with tg.use_backend(backend):
        (x, y), *_ = DataLoader(data, batch_size=4)
    assert x.backend is backend and x.dtype is tg.float32 and y.dtype is tg.int64
    assert x.tolist()[3] == [3.0, 3.5]


def test_subset_of_subset_gathers_the_right_rows() -> None:
    inner = Subset(_numbered(20), list(range(19, -1, -2)))  # 19, 17, ..., 1
    outer = Subset(inner, [0, 2, 4])  # 19, 15, 11
    assert _seen(DataLoader(outer, batch_size=2)) == [19, 15, 11]


def test_tensor_dataset_gathers_a_batch_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    def per_sample(self: TensorDataset, index: int) -> None:
        raise AssertionError("the DataLoader read a TensorDataset sample by sample")

    monkeypatch.setattr(TensorDataset, "__getitem__", per_sample)
    data = _numbered(64)
    loader = DataLoader(Subset(data, list(range(32))), batch_size=8, shuffle=True, seed=0)
    assert sorted(_seen(loader)) == list(range(32))


def test_batches_are_copies() -> None:
    data = _numbered(4)
    x, _ = next(iter(DataLoader(data, batch_size=4)))
    with tg.no_grad():
        x.mul_(0.0)
    assert data.tensors[0].tolist()[1] == [1.0, 1.5]


class _Squares(Dataset):
    def __len__(self) -> int:
        return 5

    def __getitem__(self, index: int) -> tuple[tg.Tensor, int]:
        return tg.Tensor([float(index), float(index * index)]), index


def test_other_datasets_are_read_sample_by_sample_and_stacked() -> None:
    batches = list(DataLoader(_Squares(), batch_size=2))
    assert [x.shape for x, _ in batches] == [(2, 2), (2, 2), (1, 2)]
    assert batches[1][0].tolist() == [[2.0, 4.0], [3.0, 9.0]]
    assert batches[1][1].tolist() == [2, 3] and batches[1][1].dtype is tg.int64


def test_subclass_with_its_own_getitem_is_honoured() -> None:
    class Doubled(TensorDataset):
        def __getitem__(self, index: int) -> tuple[tg.Tensor, ...]:
            x, y = super().__getitem__(index)
            return x * 2, y

    (x, y), *_ = DataLoader(Doubled(tg.Tensor([[1.0], [2.0]]), tg.Tensor([0, 1])), batch_size=2)
    assert x.tolist() == [[2.0], [4.0]] and y.tolist() == [0, 1]


def test_collate_handles_dicts_numpy_and_a_custom_function() -> None:
    batch = default_collate([{"x": np.ones(2), "y": 1}, {"x": np.zeros(2), "y": 0}])
    assert batch["x"].tolist() == [[1.0, 1.0], [0.0, 0.0]] and batch["y"].tolist() == [1, 0]
    loader = DataLoader(_Squares(), batch_size=5, collate_fn=lambda samples: len(samples))
    assert list(loader) == [5]
    with pytest.raises(ValueError, match="different shapes"):
        default_collate([tg.zeros(2), tg.zeros(3)])
    with pytest.raises(TypeError, match="cannot batch samples of type str"):
        default_collate(["a", "b"])


def test_loader_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        DataLoader(_numbered(3), batch_size=0)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        DataLoader(_numbered(3), batch_size=2.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="map-style dataset"):
        DataLoader(iter(range(3)))
    with pytest.raises(ValueError, match="not both"):
        DataLoader(_numbered(3), shuffle=True, seed=0, generator=np.random.default_rng(0))


def test_empty_dataset_gives_no_batches() -> None:
    empty = TensorDataset(tg.zeros((0, 784)), tg.zeros(0, dtype=tg.int64))
    loader = DataLoader(empty, batch_size=128, shuffle=True, seed=0)
    assert len(loader) == 0 and list(loader) == []
    assert "0 batches" in repr(loader)


def test_a_subset_takes_slices_and_lists_as_a_batch() -> None:
    from tinygrad_edu.data import Subset, TensorDataset

    subset = Subset(TensorDataset(tg.arange(10), tg.arange(10) * 2), [1, 3, 5, 7])
    assert [t.tolist() for t in subset[:]] == [[1, 3, 5, 7], [2, 6, 10, 14]]
    assert [t.tolist() for t in subset[1:3]] == [[3, 5], [6, 10]]
    assert [t.tolist() for t in subset[[0, 3]]] == [[1, 7], [2, 14]]
    assert [t.item() for t in subset[-1]] == [7, 14]
