"""Checkpoints as safetensors: round trips, PyTorch interop, atomic writes, bad files."""

from __future__ import annotations

import os
import pickle
import stat
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import serialization
from tinygrad_edu.backends.base import Backend
from tinygrad_edu.serialization import CheckpointError, load, load_metadata, save


def _torch():
    return pytest.importorskip(
        "torch", reason="PyTorch is not installed; the comparison needs torch==2.13.0"
    )


def _state(backend: Backend | str = "numpy") -> dict[str, tg.Tensor]:
    rng = np.random.default_rng(0)
    return {
        "0.weight": tg.Tensor(rng.normal(size=(4, 3)).astype(np.float32), backend=backend),
        "0.bias": tg.Tensor(rng.normal(size=(4,)).astype(np.float32), backend=backend),
        "double": tg.Tensor(rng.normal(size=(2, 2)), dtype=tg.float64, backend=backend),
        "steps": tg.Tensor([[1, -2], [3, 2**40]], backend=backend),
        "mask": tg.Tensor([True, False, True], backend=backend),
        "scalar": tg.Tensor(2.5, backend=backend),
        "empty": tg.zeros(0, 3, backend=backend),
        "transposed": tg.Tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), backend=backend).T,
    }


def _files(directory: Path) -> list[str]:
    return sorted(os.listdir(directory))


def test_round_trip_keeps_values_shapes_and_dtypes(backend: Backend, tmp_path: Path) -> None:
    state = _state(backend)
    path = tmp_path / "model.safetensors"
    save(state, path)
    loaded = load(path, backend=backend)
    assert sorted(loaded) == sorted(state)
    for name, tensor in state.items():
        assert loaded[name].backend is backend, name
        assert loaded[name].dtype is tensor.dtype, name
        assert loaded[name].shape == tensor.shape, name
        np.testing.assert_array_equal(loaded[name].numpy(), tensor.numpy(), err_msg=name)
        assert not loaded[name].requires_grad
    assert _files(tmp_path) == ["model.safetensors"]  # no temporary file left


def test_load_goes_to_the_current_backend_by_default(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    save({"w": tg.ones(2)}, str(path))  # a str path works too
    with tg.use_backend("array_api_strict"):
        loaded = load(path)
    assert loaded["w"].backend.name == "array_api_strict"
    assert load(path)["w"].backend.name == tg.get_backend().name


def test_tensors_that_require_grad_and_numpy_arrays_are_saved(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    weight = tg.Tensor([1.0, 2.0], requires_grad=True)
    save({"weight": weight, "table": np.arange(3, dtype=np.int64)}, path)
    loaded = load(path)
    assert loaded["weight"].tolist() == [1.0, 2.0] and loaded["table"].tolist() == [0, 1, 2]


def test_empty_state_dict_round_trips(tmp_path: Path) -> None:
    save({}, tmp_path / "empty.safetensors")
    assert load(tmp_path / "empty.safetensors") == {}


def test_metadata_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    save({"w": tg.ones(1)}, path, metadata={"epoch": "3", "accuracy": "0.97"})
    assert load_metadata(path) == {"epoch": "3", "accuracy": "0.97"}
    save({"w": tg.ones(1)}, path)
    assert load_metadata(path) == {}


def test_overwriting_replaces_the_file(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    save({"w": tg.ones(2)}, path)
    save({"w": tg.zeros(3)}, path)
    assert load(path)["w"].tolist() == [0.0, 0.0, 0.0]
    assert _files(tmp_path) == ["model.safetensors"]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_the_file_gets_the_usual_permissions(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    os.umask(umask)
    save({"w": tg.ones(1)}, tmp_path / "model.safetensors")
    mode = stat.S_IMODE(os.stat(tmp_path / "model.safetensors").st_mode)
    assert mode == 0o666 & ~umask  # as open() would make it, not a temporary file's 0o600


@pytest.mark.parametrize("suffix", [".pt", ".pth", ".PT"])
def test_a_torch_suffix_warns_that_the_file_is_safetensors(tmp_path: Path, suffix: str) -> None:
    with pytest.warns(UserWarning, match=r"safetensors, which torch.load does not read"):
        save({"w": tg.ones(1)}, tmp_path / f"model{suffix}")
    assert load(tmp_path / f"model{suffix}")["w"].tolist() == [1.0]


# -- PyTorch interop -----------------------------------------------------------------------------
def test_a_state_dict_saved_here_loads_into_a_torch_model(tmp_path: Path) -> None:
    torch = _torch()
    safetensors_torch = pytest.importorskip("safetensors.torch")
    rng = np.random.default_rng(1)
    state = {
        "0.weight": tg.Tensor(rng.normal(size=(4, 3)).astype(np.float32)),
        "0.bias": tg.Tensor(rng.normal(size=(4,)).astype(np.float32)),
        "2.weight": tg.Tensor(rng.normal(size=(2, 4)).astype(np.float32)),
        "2.bias": tg.Tensor(rng.normal(size=(2,)).astype(np.float32)),
    }
    path = tmp_path / "model.safetensors"
    save(state, path)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    model.load_state_dict(safetensors_torch.load_file(path))  # strict: names and shapes match
    x = rng.normal(size=(5, 3)).astype(np.float32)
    hidden = (tg.Tensor(x) @ state["0.weight"].T + state["0.bias"]).relu()
    ours = hidden @ state["2.weight"].T + state["2.bias"]
    with torch.no_grad():
        theirs = model(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-5, atol=1e-6)


def test_an_nn_model_round_trips_through_torch(tmp_path: Path) -> None:
    """With tinygrad_edu.nn: our Sequential's state_dict into torch's, and back."""
    torch = _torch()
    safetensors_torch = pytest.importorskip("safetensors.torch")
    nn = pytest.importorskip("tinygrad_edu.nn", reason="tinygrad_edu.nn is not there yet")
    if not all(hasattr(nn, name) for name in ("Sequential", "Linear", "ReLU")):
        pytest.skip("tinygrad_edu.nn has no Sequential, Linear and ReLU yet")
    ours = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    save(ours.state_dict(), tmp_path / "ours.safetensors")
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    theirs.load_state_dict(safetensors_torch.load_file(tmp_path / "ours.safetensors"))
    x = np.random.default_rng(2).normal(size=(5, 3)).astype(np.float32)
    with torch.no_grad():
        expected = theirs(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours(tg.Tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-6)
    torch.nn.init.normal_(theirs[0].weight)
    safetensors_torch.save_file(theirs.state_dict(), tmp_path / "theirs.safetensors")
    ours.load_state_dict(load(tmp_path / "theirs.safetensors"))
    with torch.no_grad():
        expected = theirs(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours(tg.Tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-6)


def test_a_file_saved_by_torch_loads_here(backend: Backend, tmp_path: Path) -> None:
    torch = _torch()
    safetensors_torch = pytest.importorskip("safetensors.torch")
    generator = torch.Generator().manual_seed(0)
    theirs = {
        "f32": torch.randn(3, 4, generator=generator),
        "f64": torch.randn(2, 3, dtype=torch.float64, generator=generator),
        "i64": torch.tensor([[1, -2], [3, 2**40]]),
        "bool": torch.tensor([True, False, True]),
        "scalar": torch.tensor(1.5),
        "empty": torch.zeros(0, 2),
        "f16": torch.tensor([0.5, -1.25], dtype=torch.float16),
        "i32": torch.tensor([7, -7], dtype=torch.int32),
    }
    safetensors_torch.save_file(theirs, tmp_path / "torch.safetensors")
    ours = load(tmp_path / "torch.safetensors", backend=backend)
    expected_dtypes = {"f32": tg.float32, "f64": tg.float64, "i64": tg.int64, "bool": tg.bool_,
                       "scalar": tg.float32, "empty": tg.float32, "f16": tg.float32,
                       "i32": tg.int64}
    assert sorted(ours) == sorted(theirs)
    for name, tensor in theirs.items():
        assert ours[name].dtype is expected_dtypes[name], name
        assert ours[name].shape == tuple(tensor.shape), name
        np.testing.assert_array_equal(ours[name].numpy(), tensor.numpy(), err_msg=name)
        assert ours[name].backend is backend


def test_a_dtype_numpy_cannot_hold_is_named(tmp_path: Path) -> None:
    torch = _torch()
    safetensors_torch = pytest.importorskip("safetensors.torch")
    path = tmp_path / "bf16.safetensors"
    safetensors_torch.save_file({"w": torch.ones(2, dtype=torch.bfloat16)}, path)
    with pytest.raises(CheckpointError, match=r"tensor 'w' has dtype BF16.*v.float\(\)"):
        load(path)


# -- atomic writes -------------------------------------------------------------------------------
def _fail_halfway(error: BaseException):
    def write_half(file, data: bytes) -> None:
        file.write(data[: len(data) // 2])
        file.flush()
        raise error

    return write_half


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()])
def test_a_failed_write_leaves_the_old_file_intact(monkeypatch, tmp_path: Path, error) -> None:
    path = tmp_path / "model.safetensors"
    save({"w": tg.ones(1000)}, path)
    before = path.read_bytes()
    monkeypatch.setattr(serialization, "_write_all", _fail_halfway(error))
    with pytest.raises(type(error)):
        save({"w": tg.zeros(1000)}, path)
    assert path.read_bytes() == before
    assert _files(tmp_path) == ["model.safetensors"]  # the temporary file is gone
    assert load(path)["w"].tolist() == [1.0] * 1000


def test_a_failed_first_write_leaves_no_file(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setattr(serialization, "_write_all", _fail_halfway(OSError(5, "I/O error")))
    with pytest.raises(OSError, match="I/O error"):
        save({"w": tg.ones(1000)}, tmp_path / "model.safetensors")
    assert _files(tmp_path) == []


def test_a_failed_fsync_leaves_no_file(monkeypatch, tmp_path: Path) -> None:
    def fsync(descriptor: int) -> None:
        raise OSError(5, "fsync failed")

    monkeypatch.setattr(serialization.os, "fsync", fsync)
    with pytest.raises(OSError, match="fsync failed"):
        save({"w": tg.ones(3)}, tmp_path / "model.safetensors")
    assert _files(tmp_path) == []


def test_bad_values_write_nothing(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    with pytest.raises(TypeError, match=r"'epoch' is int, not a Tensor.*tg.tensor\(value\)"):
        save({"w": tg.ones(1), "epoch": 3}, path)
    with pytest.raises(TypeError, match="name must be a string, but got 0"):
        save({0: tg.ones(1)}, path)
    with pytest.raises(TypeError, match="'state' is a dict.*optimizer"):
        save({"state": {0: {}}, "param_groups": []}, path)
    with pytest.raises(TypeError, match=r"metadata must map str to str.*'epoch' maps to 3"):
        save({"w": tg.ones(1)}, path, metadata={"epoch": 3})
    with pytest.raises(TypeError, match="takes a dict of names to tensors"):
        save([tg.ones(1)], path)

    class Model:
        def state_dict(self) -> dict:
            return {}

        def parameters(self) -> list:
            return []

    with pytest.raises(TypeError, match=r"save\(model.state_dict\(\), path\)"):
        save(Model(), path)
    assert _files(tmp_path) == []


def test_saving_into_a_missing_directory_or_onto_a_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"does not exist; create it first"):
        save({"w": tg.ones(1)}, tmp_path / "missing" / "model.safetensors")
    with pytest.raises(IsADirectoryError, match="it is a directory"):
        save({"w": tg.ones(1)}, tmp_path)


# -- bad files -----------------------------------------------------------------------------------
def test_a_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nothing.safetensors"
    with pytest.raises(FileNotFoundError, match=r"No checkpoint at '.*nothing.safetensors'"):
        load(path)
    with pytest.raises(IsADirectoryError, match="it is a directory"):
        load(tmp_path)


def _good_bytes(tmp_path: Path) -> bytes:
    save(_state(), tmp_path / "good.safetensors", metadata={"epoch": "1"})
    return (tmp_path / "good.safetensors").read_bytes()


@pytest.mark.parametrize("keep", [0, 3, 8, 20, "half", "all but one"])
def test_a_truncated_file_says_so(tmp_path: Path, keep) -> None:
    data = _good_bytes(tmp_path)
    size = {"half": len(data) // 2, "all but one": len(data) - 1}.get(keep, keep)
    path = tmp_path / "cut.safetensors"
    path.write_bytes(data[:size])
    with pytest.raises(CheckpointError, match=r"cut.safetensors' is not a readable .*truncated"):
        load(path)


def _with_header(header: bytes, data_size: int) -> bytes:
    return len(header).to_bytes(8, "little") + header + bytes(data_size)


@pytest.mark.parametrize("content", [
    b"hello, this is not a checkpoint at all",
    bytes(range(256)) * 4,
    (12).to_bytes(8, "little") + b"not json!!!!",
    (2).to_bytes(8, "little") + b"[]",
    _with_header(b'{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 99]}}', 8),
    _with_header(b'{"w": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}', 8),
])
def test_a_garbage_file_says_so(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "garbage.safetensors"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=r"garbage.safetensors' is not a readable"):
        load(path)


def test_a_pickle_is_refused_without_running_it(tmp_path: Path) -> None:
    class Boom:
        def __reduce__(self):
            return (os.mkdir, (str(tmp_path / "the_pickle_ran"),))

    path = tmp_path / "model.pt"
    path.write_bytes(pickle.dumps({"w": Boom()}))
    with pytest.raises(CheckpointError, match=r"torch.save file \(a pickle\)"):
        load(path)
    zipped = tmp_path / "zipped.pt"
    zipped.write_bytes(b"PK\x03\x04" + bytes(100))  # torch.save's zip format
    with pytest.raises(CheckpointError, match="does not load pickles"):
        load(zipped)
    assert not (tmp_path / "the_pickle_ran").exists()


# -- special files and malformed headers (issue 16) ----------------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo (POSIX) for a FIFO")
def test_a_fifo_or_a_link_to_dev_zero_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.safetensors"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.safetensors"
    zero.symlink_to("/dev/zero")
    for path, kind in ((fifo, "a FIFO"), (zero, "a character device")):
        for read in (load, load_metadata):  # neither blocks nor reads without end
            with pytest.raises(CheckpointError, match=f"it is {kind}.*, not a regular file"):
                read(path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs os.mkfifo (POSIX) for a FIFO")
def test_saving_never_replaces_a_fifo_or_a_device(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.safetensors"
    os.mkfifo(fifo)
    null = tmp_path / "null.safetensors"
    null.symlink_to("/dev/null")
    for path, kind in ((fifo, "a FIFO"), (null, "a character device")):
        with pytest.raises(OSError, match=f"it is {kind}.*, not a regular file"):
            save({"w": tg.ones(1)}, path)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and null.is_symlink()
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert _files(tmp_path) == ["null.safetensors", "pipe.safetensors"]


@pytest.mark.parametrize(("header", "detail"), [
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b'{"__metadata__": ["epoch", "3"]}', "__metadata__ is not an object of strings"),
    (b'{"__metadata__": {"epoch": 3}}', "__metadata__ is not an object of strings"),
    (b'{"w": [1, 2]}', "tensor 'w' is malformed"),
    (b'{"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 0]}}', "tensor 'w' is malformed"),
    (b'{"w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 0]}}', "tensor 'w' is malformed"),
    (b'{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}', "describes"),
    (b'{"x": 1' + b"9" * 5000 + b"}", "not JSON"),
])
def test_a_malformed_header_gets_a_clear_error(tmp_path: Path, header: bytes, detail: str) -> None:
    path = tmp_path / "bad.safetensors"
    path.write_bytes(_with_header(header, 0))
    for read in (load, load_metadata):
        with pytest.raises(CheckpointError, match=f"is not a readable safetensors file.*{detail}"):
            read(path)


def test_reads_are_bounded_by_the_header_and_the_file(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "model.safetensors"
    save({"w": tg.ones(1000)}, path, metadata={"epoch": "1"})
    asked: list[int] = []
    real_read = os.read

    def counting_read(descriptor: int, count: int) -> bytes:
        asked.append(count)
        return real_read(descriptor, count)

    monkeypatch.setattr(serialization.os, "read", counting_read)
    assert load_metadata(path) == {"epoch": "1"}
    assert sum(asked) < 200  # the header only, not the 4,000 bytes of data
    asked.clear()
    assert load(path)["w"].shape == (1000,)
    assert sum(asked) == path.stat().st_size
    path.write_bytes(path.read_bytes() + bytes(16))  # trailing bytes: not what the header says
    with pytest.raises(CheckpointError, match="describes"):
        load(path)


@pytest.mark.parametrize("where", ["cpu", "numpy", tg.device("cpu")])
def test_load_takes_torch_map_location(tmp_path, where) -> None:
    path = tmp_path / "w.safetensors"
    save({"w": tg.tensor([1.0, 2.0])}, path)
    loaded = load(path, where)  # torch.load(path, "cpu"): map_location is the second parameter
    assert loaded["w"].backend.name == "numpy" and loaded["w"].tolist() == [1.0, 2.0]
    assert load(path, map_location=where, mmap=True)["w"].device == tg.device("cpu")


def test_load_refuses_a_map_location_it_cannot_honour(tmp_path) -> None:
    path = tmp_path / "w.safetensors"
    save({"w": tg.tensor([1.0])}, path)
    with pytest.raises(TypeError, match="map_location='cpu'"):
        load(path, map_location=lambda storage, location: storage)
    with pytest.raises(TypeError, match="records no device"):
        load(path, {"cuda:0": "cpu"})
    with pytest.raises(ValueError, match="disagree"):
        load(path, "cuda", backend="numpy")
