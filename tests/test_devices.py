"""PyTorch's devices on top of backends: ``device("cpu")`` is the NumPy backend and
``device("cuda")`` the CuPy one. Where no GPU is present, a stand-in backend registered under the
name ``cupy`` (NumPy underneath) shows that every ``"cuda"`` spelling reaches that backend."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.backends import NumpyBackend, registry
from tinygrad_edu.backends.registry import BackendError


class StandInGpu(NumpyBackend):
    name = "cupy"


@pytest.fixture
def fake_cuda(monkeypatch: pytest.MonkeyPatch) -> None:
    """A backend named "cupy" that runs on NumPy, as if the GPU plugin were installed."""
    monkeypatch.setitem(registry._instances, "cupy", StandInGpu())


def test_device_objects_print_and_compare_as_pytorch() -> None:
    assert str(tg.device("cpu")) == "cpu" and repr(tg.device("cpu")) == "device(type='cpu')"
    assert str(tg.device("cuda:0")) == "cuda:0" and tg.device("cuda", 0).index == 0
    assert repr(tg.device("cuda", 0)) == "device(type='cuda', index=0)"
    assert tg.device("cuda") == tg.device("cuda:0") == "cuda"
    assert tg.device("cpu") != tg.device("cuda")
    assert tg.device(tg.device("cuda")) == tg.device("cuda")
    assert len({tg.device("cuda"), tg.device("cuda:0")}) == 1
    assert tg.device("array_api_strict").backend_name == "array_api_strict"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("cuda:1",), "runs on one GPU"),
        (("cpu:1",), "one CPU device"),
        (("cuda:x",), "must be a number"),
        (("cuda:0", 0), "give the index once"),
    ],
)
def test_bad_device_strings_say_what_to_write(args: tuple, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        tg.device(*args)


def test_device_takes_a_string() -> None:
    with pytest.raises(TypeError, match="takes a string"):
        tg.device(3)  # type: ignore[arg-type]


def test_x_device_is_a_device_whose_str_is_pytorchs() -> None:
    x = tg.Tensor([1.0, 2.0])
    assert x.device == tg.device("cpu") and str(x.device) == "cpu" and x.device.type == "cpu"
    assert tg.get_default_device() == tg.device("cpu")


def test_every_creation_function_takes_device() -> None:
    like = tg.ones(2, 3)
    made = [
        tg.tensor([1.0], device="cpu"),
        tg.Tensor([1.0], device=tg.device("cpu")),
        tg.zeros(2, device="cpu"),
        tg.ones(2, device="cpu"),
        tg.empty(2, device="cpu"),
        tg.full((2,), 3.0, device="cpu"),
        tg.arange(3, device="cpu"),
        tg.linspace(0, 1, 3, device="cpu"),
        tg.eye(2, device="cpu"),
        tg.rand(2, device="cpu"),
        tg.randn(2, device="cpu"),
        tg.zeros_like(like, device="cpu"),
        tg.ones_like(like, device="cpu"),
        tg.empty_like(like, device="cpu"),
        tg.full_like(like, 2.0, device="cpu"),
        tg.rand_like(like, device="cpu"),
        tg.randn_like(like, device="cpu"),
    ]
    assert all(t.backend.name == "numpy" and str(t.device) == "cpu" for t in made)


def test_device_and_backend_must_agree() -> None:
    assert tg.zeros(1, backend="numpy", device="cpu").backend.name == "numpy"
    with pytest.raises(ValueError, match="disagree; give one of them"):
        tg.zeros(1, backend="numpy", device="cuda")


def test_an_unknown_device_lists_the_choices() -> None:
    with pytest.raises(ValueError, match=r"Unknown backend 'tpu'.*cpu \(numpy\), cuda \(cupy\)"):
        tg.zeros(1, device="tpu")


def test_cuda_spellings_reach_the_gpu_backend(fake_cuda: None) -> None:
    for where in ("cuda", "cuda:0", tg.device("cuda"), tg.device("cuda", 0), "cupy"):
        t = tg.zeros(2, device=where)
        assert t.backend.name == "cupy" and str(t.device) == "cuda:0", where
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = x.cuda()
    assert str(y.device) == "cuda:0" and y.backend.name == "cupy"
    (y * y).sum().backward()  # the gradient flows back across the move
    assert x.grad is not None and x.grad.tolist() == [2.0, 4.0] and str(x.grad.device) == "cpu"
    assert str(y.cpu().device) == "cpu" and str(y.to("cpu").device) == "cpu"
    assert tg.cuda.is_available() and tg.cuda.device_count() == 1
    assert tg.accelerator.is_available() and tg.accelerator.current_accelerator() == "cuda"


def test_no_gpu_is_an_answer_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_gpu(name: object = None) -> None:
        raise BackendError("no GPU here")

    monkeypatch.setattr("tinygrad_edu.cuda.get_backend", no_gpu)
    assert tg.cuda.is_available() is False and tg.cuda.device_count() == 0
    assert tg.accelerator.is_available() is False
    assert tg.accelerator.current_accelerator() is None


def test_to_takes_a_device_a_dtype_or_both() -> None:
    x = tg.Tensor([1.5, 2.5], requires_grad=True)
    y = x.to("cpu", tg.float64)
    assert y.dtype == tg.float64 and str(y.device) == "cpu"
    assert x.to(tg.float64).dtype == tg.float64 and x.to("float64").dtype == tg.float64
    assert x.to(dtype=tg.float64, device="cpu").dtype == tg.float64
    assert x.to("cpu") is x  # already there: the same tensor, as PyTorch
    y.sum().backward()  # the conversion is differentiable
    assert x.grad is not None and x.grad.dtype == tg.float32 and x.grad.tolist() == [1.0, 1.0]


def test_set_default_device(fake_cuda: None) -> None:
    try:
        tg.set_default_device("cuda")
        assert tg.zeros(1).backend.name == "cupy"
        assert tg.get_default_device() == tg.device("cuda:0")
        with tg.use_backend("numpy"):  # an explicit block still wins
            assert tg.zeros(1).backend.name == "numpy"
    finally:
        tg.set_default_device(None)
    assert tg.zeros(1).backend.name == "numpy"
    with pytest.raises(ValueError, match="runs on one GPU"):
        tg.set_default_device("cuda:3")


def test_size_is_pytorchs_method_and_numel_the_count() -> None:
    x = tg.zeros(2, 3, 4)
    assert x.size() == (2, 3, 4) and x.size(0) == 2 and x.size(-1) == 4 and x.numel() == 24
    assert tg.zeros(0, 3).numel() == 0
    assert tg.Tensor(5.0).size() == () and tg.Tensor(5.0).numel() == 1
    with pytest.raises(IndexError):
        x.size(3)


def test_linspace_matches_pytorch_at_the_edges() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed; needed to compare")
    cases = [(0, 1, 5), (-np.pi, np.pi, 2000), (1, 1, 1), (0, 10, 0), (3, -3, 7), (0, 1, 1)]
    for start, end, steps in cases:
        ours = tg.linspace(start, end, steps).numpy()
        theirs = torch.linspace(start, end, steps).numpy()
        assert ours.dtype == theirs.dtype == np.float32
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=2e-7 * max(1, abs(start), abs(end)))
        if steps:
            assert ours[0] == theirs[0] and ours[-1] == theirs[-1]  # the ends are exact
    ours = tg.linspace(0, 10, 4, dtype=tg.int64)
    assert ours.tolist() == torch.linspace(0, 10, 4, dtype=torch.int64).tolist()
    for bad in (-1, 2.5, True):
        with pytest.raises(ValueError, match="steps must be a non-negative int"):
            tg.linspace(0, 1, bad)


def test_sin_and_cos_against_pytorch_with_their_gradients() -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed; needed to compare")
    values = np.array([0.0, 1.0, -2.5, 1e6, 3e38, np.inf, -np.inf, np.nan], dtype=np.float32)
    for name in ("sin", "cos"):
        x = tg.Tensor(values, requires_grad=True)
        with np.errstate(invalid="ignore"):  # sin(inf) is nan, as PyTorch's, with a warning
            getattr(tg, name)(x).sum().backward()
        t = torch.tensor(values, requires_grad=True)
        getattr(torch, name)(t).sum().backward()
        with np.errstate(invalid="ignore"):
            ours = getattr(x, name)().numpy()
        np.testing.assert_allclose(ours, getattr(t, name)().detach().numpy(), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_mm_wants_matrices() -> None:
    a, b = tg.ones(2, 3), tg.ones(3, 4)
    assert a.mm(b).tolist() == [[3.0] * 4] * 2 and tg.mm(a, b).shape == (2, 4)
    with pytest.raises(ValueError, match="use matmul"):
        a.mm(tg.ones(3))


def test_dtype_aliases_are_pytorchs_and_stay_out_of_star_imports() -> None:
    assert tg.float is tg.float32 and tg.double is tg.float64
    assert tg.long is tg.int64 and tg.int is tg.int64 and tg.bool is tg.bool_
    namespace: dict = {}
    exec("from tinygrad_edu import *", namespace)
    for builtin in ("float", "int", "bool", "abs", "sum"):
        assert builtin not in namespace
    assert "linspace" in namespace and "device" in namespace


def test_shapes_accept_numpy_integers_but_not_floats_or_bools() -> None:
    assert tg.zeros(np.int64(3)).shape == (3,) and tg.ones((np.int32(2), 2)).shape == (2, 2)
    for bad in (2.0, True, -1):
        with pytest.raises(ValueError, match="non-negative ints"):
            tg.zeros(bad)


def test_layers_take_device_and_dtype_as_pytorch(fake_cuda: None) -> None:
    from tinygrad_edu import nn

    layers = [
        nn.Linear(3, 2, True, "cuda", tg.float64),  # PyTorch's positional order
        nn.Conv2d(1, 2, 3, device="cuda", dtype=tg.float64),
        nn.BatchNorm2d(2, device="cuda", dtype=tg.float64),
    ]
    for layer in layers:
        for name, t in [*layer.named_parameters(), *layer.named_buffers()]:
            assert t.backend.name == "cupy", (layer, name)
            if name != "num_batches_tracked":
                assert t.dtype == tg.float64, (layer, name)
    plain = nn.Linear(3, 2)
    assert plain.weight.dtype == tg.float32 and str(plain.weight.device) == "cpu"
    model = nn.Sequential(nn.Linear(3, 2)).to("cuda")
    assert str(model[0].weight.device) == "cuda:0"


def test_small_pytorch_spellings() -> None:
    x = tg.ones(2, 3)
    assert tg.pi == np.pi and tg.is_tensor(x) and not tg.is_tensor(np.ones(2))
    assert x.is_floating_point() and not tg.arange(3).is_floating_point()
    assert x.contiguous() is x
    assert x.type() == "float32" and x.type(tg.double).dtype == tg.float64


def test_randint_covers_its_range_evenly_and_only_it() -> None:
    tg.manual_seed(0)
    counts = np.bincount(tg.randint(3, 7, (20000,)).numpy(), minlength=8)
    assert counts[:3].sum() == 0 and counts[7:].sum() == 0
    assert np.all(np.abs(counts[3:7] - 5000) < 300), counts  # about 6 standard deviations
    assert tg.randint(5, (2, 3)).shape == (2, 3) and tg.randint(5, (2,)).dtype == tg.int64
    tg.manual_seed(1)
    first = tg.randint(0, 100, (5,)).tolist()
    tg.manual_seed(1)
    assert tg.randint(0, 100, (5,)).tolist() == first
    with pytest.raises(ValueError, match="must be greater than low"):
        tg.randint(3, 3, (2,))
    with pytest.raises(TypeError, match="needs a size"):
        tg.randint(3)


def test_from_numpy_shares_memory_and_keeps_dtypes() -> None:
    a = np.array([1.0, 2.0], dtype=np.float32)
    x = tg.from_numpy(a)
    a[0] = 7.0
    assert x.tolist() == [7.0, 2.0] and x.dtype == tg.float32 and str(x.device) == "cpu"
    assert tg.from_numpy(np.zeros(2)).dtype == tg.float64
    assert tg.from_numpy(np.arange(3, dtype=np.int32)).dtype == tg.int64  # no int32 here
    assert tg.from_numpy(np.ones(2, dtype=np.float16)).dtype == tg.float32
    with pytest.raises(TypeError, match="expects a numpy.ndarray"):
        tg.from_numpy([1.0, 2.0])
    with pytest.raises(TypeError, match="no tinygrad_edu dtype"):
        tg.from_numpy(np.array(["a"]))


def test_pytorch_module_paths() -> None:
    import tinygrad_edu.utils.data as utils_data

    assert utils_data is tg.data and tg.utils.data.DataLoader is tg.data.DataLoader
    assert tg.autograd.gradcheck is tg.gradcheck
    with pytest.raises(AttributeError):
        tg.autograd.no_such_thing  # noqa: B018


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
def test_clip_grad_norm_matches_pytorch(norm_type: float) -> None:
    torch = pytest.importorskip("torch", reason="PyTorch is not installed; needed to compare")
    rng = np.random.default_rng(0)
    shapes = [(3, 4), (4,)] + ([(0,)] if norm_type != float("inf") else [])  # torch: max of none
    values = [rng.standard_normal(s).astype(np.float32) * 5 for s in shapes]
    ours = [tg.Tensor(np.zeros_like(v), requires_grad=True) for v in values]
    theirs = [torch.zeros(v.shape, requires_grad=True) for v in values]
    for p, q, v in zip(ours, theirs, values, strict=True):
        p.grad, q.grad = tg.Tensor(v), torch.tensor(v)
    total = tg.nn.utils.clip_grad_norm_(ours, max_norm=1.5, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm=1.5, norm_type=norm_type)
    np.testing.assert_allclose(total.item(), expected.item(), rtol=1e-5)
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-7)
    tg.nn.utils.clip_grad_value_(ours, 0.1)
    torch.nn.utils.clip_grad_value_(theirs, 0.1)
    for p, q in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-6)


def test_clip_grad_norm_nonfinite() -> None:
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    w.grad = tg.Tensor([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="cannot be scaled"):
        tg.nn.utils.clip_grad_norm_([w], 1.0, error_if_nonfinite=True)
    assert tg.nn.utils.clip_grad_norm_([], 1.0).item() == 0.0


def test_set_backend_takes_a_device_name_too() -> None:
    try:
        tg.set_backend("cpu")
        assert tg.zeros(1).backend.name == "numpy"
        tg.set_backend(tg.device("cpu"))  # type: ignore[arg-type]
        assert tg.zeros(1).backend.name == "numpy"
    finally:
        tg.set_backend(None)
