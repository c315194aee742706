"""The ``cupy`` backend on a real CUDA GPU, checked against the NumPy backend.

Skipped, with the reason, where CuPy is not installed or no CUDA GPU is usable. On a GPU
machine run ``bash scripts/gpu_check.sh``, which runs the plugin from this checkout (nothing to
build or install) and runs this file too.

Every row of the shared op-spec table (``tinygrad_edu.testing.OP_SPECS``) runs forward and
backward (with a random cotangent, in float64 and float32) on both backends; the results must
agree to rounding error. A few hand-written tests add what a GPU gets wrong in its own ways:
index bounds, scatter-add of repeats, random numbers, moves to and from the host, DLPack.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu.testing import OP_SPECS, run_hook_checks
from tinygrad_edu.testing.conformance import (
    check_backward_against_numpy,
    check_forward,
    make_inputs,
)
from tinygrad_edu.testing.op_specs import Case, OpSpec
from tinygrad_edu.testing.strategies import random_cotangent, seeds

pytestmark = pytest.mark.gpu

cupy = pytest.importorskip("cupy", reason="no CUDA GPU: CuPy is not installed")


def _gpu_usable() -> bool:
    try:
        return bool(cupy.cuda.is_available())
    except Exception:
        return False


if not _gpu_usable():
    pytest.skip("no CUDA GPU: CuPy is installed but sees no usable GPU", allow_module_level=True)

GPU = "cupy"


@pytest.fixture(scope="module")
def gpu() -> Any:
    if "cupy" not in tg.available_backends():
        pytest.fail(
            "CuPy and a GPU are here but the tinygrad-edu-cupy plugin is not installed: run "
            "bash scripts/gpu_check.sh, which finds it in this checkout, or "
            "pip install --no-deps -e backends/cupy"
        )
    return tg.get_backend(GPU)


def draw_case(data: st.DataObject, spec: OpSpec) -> Case:
    case = data.draw(spec.cases(), label="case")
    assume(not spec.avoids(case))
    return case


def forward_and_gradients(spec: OpSpec, case: Case, backend: Any, seed: int) -> list[np.ndarray]:
    """float64 output and the gradient of every input for one random cotangent."""
    tensors = make_inputs(case, backend, tg.float64, requires_grad=True)
    out = spec.fn(*tensors, **case.params)
    grads: list[Any] = [None] * len(tensors)
    if out.requires_grad:
        cotangent = tg.Tensor(random_cotangent(out.shape, seed), dtype="float64", backend=backend)
        grads = list(tg.grad(out, tensors, grad_outputs=cotangent, allow_unused=True))
    return [out.numpy()] + [
        np.zeros(t.shape) if g is None else g.numpy() for t, g in zip(tensors, grads, strict=True)
    ]


@pytest.mark.parametrize("spec", [pytest.param(spec, id=spec.name) for spec in OP_SPECS])
@given(data=st.data(), seed=seeds)
def test_op_spec_row_matches_the_numpy_backend(
    gpu: Any, spec: OpSpec, data: st.DataObject, seed: int
) -> None:
    """Every row of the shared op-spec table: forward against the NumPy reference (float64
    and float32), and forward and backward against the NumPy backend, which agree to rounding
    error in float64 and within float32's precision in float32."""
    case = draw_case(data, spec)
    check_forward(spec, case, gpu, tg.float64)
    check_forward(spec, case, gpu, tg.float32)
    expected = forward_and_gradients(spec, case, tg.get_backend("numpy"), seed)
    got = forward_and_gradients(spec, case, gpu, seed)
    for what, g, e in zip(["forward", *[f"grad {k}" for k in range(len(got) - 1)]], got,
                          expected, strict=True):
        assert g.shape == e.shape, f"{spec.name} {what}"
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-11, err_msg=f"{spec.name} {what}")
    check_backward_against_numpy(spec, case, gpu, seed, dtype=tg.float32)


# Indexing the table does not cover: several index arrays, and arrays mixed with slices.
INDEXING = {
    "pairs": lambda a, i, j, k: a[i, j],
    "mixed": lambda a, i, j, k: a[:, j],
    "separated": lambda a, i, j, k: a[i, :, k],
    "cross-entropy": lambda a, i, j, k: -(a.log_softmax(axis=-1)[i, :, k]).mean(),
}


@pytest.mark.parametrize("name", list(INDEXING))
def test_advanced_indexing_matches_numpy(gpu: Any, name: str) -> None:
    rng = np.random.default_rng(len(name))
    data = rng.uniform(-2.0, 2.0, (3, 4, 2))
    results = []
    for backend in ("numpy", GPU):
        a = tg.Tensor(data, dtype="float64", requires_grad=True, backend=backend)
        i = tg.Tensor([0, 2, 2, 1], backend=backend)
        j = tg.Tensor([3, 3, 0, 1], backend=backend)
        k = tg.Tensor([1, 1, 0, 1], backend=backend)
        out = INDEXING[name](a, i, j, k)
        out.backward(tg.Tensor(np.cos(np.arange(out.numel())).reshape(out.shape), dtype="float64",
                               backend=backend))
        results.append([out.numpy(), a.grad.numpy()])  # type: ignore[union-attr]
    for g, e in zip(results[1], results[0], strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-9, atol=1e-12, err_msg=name)


def test_backend_loads_on_the_gpu(gpu: Any) -> None:
    assert gpu.device_name().startswith("CUDA GPU")
    t = tg.Tensor([1.0, 2.0], backend=GPU)
    assert isinstance(t._data, cupy.ndarray) and str(t.device) == "cuda:0"
    assert t.device == tg.device("cuda") and t.device.type == "cuda"


def test_float32_training_step_matches_numpy(gpu: Any) -> None:
    rng = np.random.default_rng(0)
    images = rng.random((64, 784), dtype=np.float32)
    labels = rng.integers(0, 10, 64)
    w1 = (rng.standard_normal((784, 128)) * 0.05).astype(np.float32)
    w2 = (rng.standard_normal((128, 10)) * 0.1).astype(np.float32)
    results = {}
    for name in ("numpy", GPU):
        x = tg.Tensor(images, backend=name)
        p1 = tg.Tensor(w1, requires_grad=True, backend=name)
        p2 = tg.Tensor(w2, requires_grad=True, backend=name)
        logits = (x @ p1).relu() @ p2
        picked = logits.log_softmax(axis=1)[tg.arange(64, backend=name),
                                             tg.Tensor(labels, backend=name)]
        loss = -picked.mean()
        loss.backward()
        results[name] = [loss.numpy(), p1.grad.numpy(), p2.grad.numpy()]  # type: ignore
    for g, e in zip(results[GPU], results["numpy"], strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-6)


def test_out_of_range_index_raises_like_numpy(gpu: Any) -> None:
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True, backend=GPU)
    with pytest.raises(IndexError, match="index 3 is out of bounds for axis 0 with size 3"):
        x[tg.Tensor([0, 3], backend=GPU)]
    with pytest.raises(IndexError, match="index -4 is out of bounds"):
        x[tg.Tensor([-4], backend=GPU)]
    target = cupy.zeros(3, dtype=cupy.float32)
    with pytest.raises(IndexError, match="index 5 is out of bounds"):
        gpu.scatter_add(target, (cupy.asarray([5]),), cupy.ones(1, dtype=cupy.float32))


def test_scatter_add_accumulates_repeats(gpu: Any) -> None:
    rng = np.random.default_rng(1)
    rows = rng.integers(-5, 5, 200)
    values = rng.standard_normal((200, 3))
    expected = np.zeros((5, 3))
    np.add.at(expected, (rows, slice(None)), values)
    target = cupy.zeros((5, 3))
    gpu.scatter_add(target, (cupy.asarray(rows), slice(None)), cupy.asarray(values))
    np.testing.assert_allclose(cupy.asnumpy(target), expected, rtol=1e-12)


def test_scatter_add_uses_no_deprecated_cupy_function(gpu: Any) -> None:
    target = cupy.zeros(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # cupyx.scatter_add warns that it is deprecated
        gpu.scatter_add(target, (cupy.asarray([2, 2, 0]),), cupy.ones(3))
    assert target.tolist() == [1.0, 0.0, 2.0]


def test_other_dtypes_become_tinygrad_dtypes(gpu: Any) -> None:
    # tensor.py calls xp.isdtype; CuPy 13 lacks it and the backend adds it.
    assert tg.Tensor(cupy.arange(3, dtype=cupy.int32), backend=GPU).dtype == "int64"
    assert tg.Tensor(cupy.ones(2, dtype=cupy.float16), backend=GPU).dtype == "float32"


def test_hooks_pass_the_conformance_checks(gpu: Any) -> None:
    failures = {r.name: r.failure for r in run_hook_checks(gpu) if not r.passed}
    assert failures == {}


def test_random_numbers_are_seeded_and_on_the_gpu(gpu: Any) -> None:
    tg.manual_seed(7)
    first = tg.randn(1000, backend=GPU)
    tg.manual_seed(7)
    again = tg.randn(1000, backend=GPU)
    assert isinstance(first._data, cupy.ndarray) and first.dtype == "float32"
    np.testing.assert_array_equal(first.numpy(), again.numpy())
    for dtype in ("float64", "float32"):
        uniform = tg.rand(100_000, dtype=dtype, backend=GPU).numpy()
        assert uniform.dtype == np.dtype(dtype)
        assert 0.0 <= uniform.min() and uniform.max() < 1.0 and abs(uniform.mean() - 0.5) < 0.02


def test_moving_between_cpu_and_gpu_keeps_gradients(gpu: Any) -> None:
    w = tg.Tensor([[0.5, -1.0], [2.0, 0.25]], dtype="float64", requires_grad=True)
    x = tg.Tensor([[1.0, 2.0], [-1.0, 3.0]], dtype="float64", backend=GPU)
    loss = (x @ w.to(GPU)).tanh().sum()
    loss.backward()
    assert w.grad is not None and w.grad.backend.name == "numpy"
    x_np = np.array([[1.0, 2.0], [-1.0, 3.0]])
    expected = x_np.T @ (1.0 - np.tanh(x_np @ w.numpy()) ** 2)
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-12)
    with pytest.raises(RuntimeError, match=r"tensor\.to\("):
        w + x


def test_dlpack_with_cupy_and_pytorch(gpu: Any) -> None:
    source = cupy.arange(6, dtype=cupy.float32)
    t = tg.from_dlpack(source, backend=GPU)
    source[0] = 42.0
    assert t.numpy()[0] == 42.0  # shared GPU memory
    try:  # CuPy may refuse host memory; if it does, the error must say what to do
        from_host = tg.from_dlpack(np.arange(3.0), backend=GPU)
    except BufferError as error:
        assert ".to('cupy')" in str(error)
    else:
        assert from_host.tolist() == [0.0, 1.0, 2.0]
    torch = pytest.importorskip("torch", reason="PyTorch is not installed")
    if not torch.cuda.is_available():
        pytest.skip("PyTorch has no CUDA support here")
    from_torch = tg.from_dlpack(torch.arange(4.0, device="cuda"), backend=GPU)
    assert from_torch.tolist() == [0.0, 1.0, 2.0, 3.0]
    back = torch.from_dlpack(from_torch * 2)
    assert back.device.type == "cuda" and back.tolist() == [0.0, 2.0, 4.0, 6.0]
