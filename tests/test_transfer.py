"""Moving tensors between backends (``.to``), reading them out (``.numpy``), and DLPack.

Two backends that need no hardware stand in for "CPU" and "GPU": ``numpy`` and the
``array_api_strict`` built-in (a different array library, so a tensor really changes type).
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.backends import NumpyBackend, registry

pytest.importorskip("array_api_strict", reason="array-api-strict is not installed")
STRICT = "array_api_strict"


class OtherNumpy(NumpyBackend):
    name = "other-numpy"


@pytest.fixture(autouse=True)
def other_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "_registered", dict(registry._registered))
    monkeypatch.setattr(registry, "_instances", dict(registry._instances))
    monkeypatch.delenv(registry.ENV_VAR, raising=False)
    tg.register_backend("other-numpy", OtherNumpy)


def test_to_moves_data_and_keeps_dtype() -> None:
    x = tg.Tensor([[1.0, 2.0], [3.0, 4.0]])
    y = x.to(STRICT)
    assert y.backend.name == STRICT and x.backend.name == "numpy"
    assert type(y._data).__module__.startswith("array_api_strict")
    assert y.dtype == "float32" and y.shape == (2, 2)
    assert y.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    back = y.to("numpy")
    assert isinstance(back._data, np.ndarray) and back.tolist() == x.tolist()
    labels = tg.Tensor([3, 1]).to(STRICT)
    assert labels.dtype == "int64" and labels.tolist() == [3, 1]


def test_to_the_same_backend_is_the_same_tensor() -> None:
    x = tg.Tensor([1.0], requires_grad=True)
    assert x.to("numpy") is x
    assert x.to(x.backend) is x


def test_to_accepts_a_backend_object() -> None:
    target = tg.get_backend(STRICT)
    assert tg.Tensor([1.0]).to(target).backend is target


def test_gradients_flow_back_across_the_move() -> None:
    # Weights on the "CPU", the loss computed on the other backend, gradients back on the CPU.
    w = tg.Tensor([[0.5, -1.0], [2.0, 0.25]], dtype="float64", requires_grad=True)
    x = tg.Tensor([[1.0, 2.0], [-1.0, 3.0]], dtype="float64", backend=STRICT)
    loss = ((x @ w.to(STRICT)).tanh() * 3.0).sum()
    assert loss.backend.name == STRICT
    loss.backward()
    assert w.grad is not None and w.grad.backend.name == "numpy"
    x_np = np.array([[1.0, 2.0], [-1.0, 3.0]])
    w_np = np.array([[0.5, -1.0], [2.0, 0.25]])
    expected = x_np.T @ (3.0 * (1.0 - np.tanh(x_np @ w_np) ** 2))
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-12)


def test_gradients_flow_both_ways_and_accumulate() -> None:
    x = tg.Tensor([1.0, 2.0, 3.0], dtype="float64", requires_grad=True, backend=STRICT)
    on_numpy = x.to("numpy")
    round_trip = (on_numpy * on_numpy).to(STRICT)
    loss = (round_trip * x).sum() + on_numpy.sum().to(STRICT)  # x used along two paths
    loss.backward()
    assert x.grad is not None and x.grad.backend.name == STRICT
    # d/dx (x^3 + x) = 3 x^2 + 1
    np.testing.assert_allclose(x.grad.numpy(), [4.0, 13.0, 28.0], rtol=1e-12)


def test_second_derivative_across_a_move() -> None:
    x = tg.Tensor(2.0, dtype="float64", requires_grad=True)
    y = x.to(STRICT) ** 3
    (first,) = tg.grad(y, x, create_graph=True)
    assert first.backend.name == "numpy" and first.item() == pytest.approx(12.0)
    (second,) = tg.grad(first, x)
    assert second.item() == pytest.approx(12.0)  # 6 x


def test_move_between_two_numpy_backends_copies() -> None:
    x = tg.Tensor([1.0, 2.0])
    y = x.to("other-numpy")
    assert y.backend.name == "other-numpy"
    x._data[0] = 100.0  # the two tensors must not share memory
    assert y.tolist() == [1.0, 2.0]


class CopyingNumpy(NumpyBackend):
    """Like a GPU backend: to_numpy always hands back a fresh host copy (kept for the test)."""

    name = "copying-numpy"

    def __init__(self) -> None:
        super().__init__()
        self.copies: list[np.ndarray] = []

    def to_numpy(self, array: np.ndarray) -> np.ndarray:
        self.copies.append(np.array(array))
        return self.copies[-1]


def test_move_does_not_copy_what_to_numpy_already_copied() -> None:
    source = CopyingNumpy()
    x = tg.Tensor([1.0, 2.0], backend=source)
    y = x.to("numpy")
    # The host copy to_numpy made is used as it is: no second copy on the way.
    assert len(source.copies) == 1 and np.shares_memory(y._data, source.copies[0])
    assert not np.shares_memory(y._data, x._data)
    assert y.tolist() == [1.0, 2.0]


def test_move_from_a_cpu_backend_never_shares_memory() -> None:
    # array_api_strict's to_numpy is a DLPack view of its own memory: the move must copy it.
    x = tg.Tensor([1.0, 2.0], backend=STRICT)
    y = x.to("numpy")
    y._data[0] = 100.0
    assert x.tolist() == [1.0, 2.0]
    source = tg.Tensor([3.0, 4.0])
    moved = source.to(STRICT)
    source._data[0] = -1.0
    assert moved.tolist() == [3.0, 4.0]


def test_numpy_from_any_backend() -> None:
    for name in ("numpy", STRICT, "other-numpy"):
        t = tg.Tensor([[1.5, 2.5]], backend=name)
        host = t.numpy()
        assert isinstance(host, np.ndarray), name
        assert host.dtype == np.float32 and host.tolist() == [[1.5, 2.5]]


# array-api-strict warns when a NumPy dtype is compared with its own before the error is raised.
@pytest.mark.filterwarnings("ignore:You are comparing a array_api_strict dtype")
def test_mixing_backends_is_an_error_that_says_how_to_move() -> None:
    a = tg.Tensor([1.0, 2.0])
    b = tg.Tensor([3.0, 4.0], backend=STRICT)
    for combine in (lambda: a + b, lambda: a * b, lambda: a @ b):
        with pytest.raises(RuntimeError, match=r"different backends \(numpy, array_api_strict\)"
                                               r"\. Move one first, e\.g\. tensor\.to\('numpy'\)"):
            combine()
    with pytest.raises(RuntimeError, match=r"^Where: .*array_api_strict.*\.to\('numpy'\)"):
        tg.where(a > 0, a, b)
    with pytest.raises(RuntimeError, match=r"\.to\('numpy'\)"):
        a[tg.Tensor([0], backend=STRICT)]


def test_mixing_two_numpy_backends_is_also_an_error() -> None:
    with pytest.raises(RuntimeError, match=r"different backends \(numpy, other-numpy\)"):
        tg.Tensor([1.0]) + tg.Tensor([1.0], backend="other-numpy")


# -- DLPack ---------------------------------------------------------------------------------


def test_from_dlpack_numpy_shares_memory() -> None:
    host = np.arange(4.0)
    t = tg.from_dlpack(host)
    assert t.backend.name == "numpy" and t.dtype == "float64" and not t.requires_grad
    host[0] = 7.0
    assert t.tolist() == [7.0, 1.0, 2.0, 3.0]


def test_from_dlpack_into_another_backend() -> None:
    t = tg.from_dlpack(np.array([[1, 2], [3, 4]]), backend=STRICT)
    assert t.backend.name == STRICT and t.dtype == "int64"
    assert (t * 2).tolist() == [[2, 4], [6, 8]]
    with tg.use_backend(STRICT):
        assert tg.from_dlpack(np.ones(2, np.float32)).backend.name == STRICT


def test_tensor_dlpack_goes_out_to_numpy() -> None:
    for name in ("numpy", STRICT):
        t = tg.Tensor([1.0, 2.0, 3.0], backend=name) * 2
        np.testing.assert_array_equal(np.from_dlpack(t), [2.0, 4.0, 6.0])


def test_from_dlpack_errors() -> None:
    with pytest.raises(TypeError, match="needs an object with a __dlpack__ method"):
        tg.from_dlpack([1.0, 2.0])
    with pytest.raises(TypeError, match="no dtype for int32"):
        tg.from_dlpack(np.arange(3, dtype=np.int32))


def test_dlpack_round_trip_with_pytorch() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    source = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    t = tg.from_dlpack(source)
    assert t.shape == (2, 3) and t.dtype == "float32"
    source[0, 0] = 42.0  # shared memory, as with torch.from_dlpack
    assert t.numpy()[0, 0] == 42.0
    out = torch.from_dlpack(t * 0.5)
    assert torch.equal(out, source * 0.5)
