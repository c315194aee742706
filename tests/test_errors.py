"""Error messages a learner meets: each names what was wrong, the values involved, and what to
do instead. The tests assert on those key words."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.backends import NumpyBackend, registry


@pytest.fixture
def second_backend(monkeypatch: pytest.MonkeyPatch) -> str:
    """A second NumPy-based backend, registered for this test only: two backends on a CPU."""
    monkeypatch.setattr(registry, "_registered", dict(registry._registered))
    monkeypatch.setattr(registry, "_instances", dict(registry._instances))

    class SecondNumpy(NumpyBackend):
        name = "second-numpy"

    tg.register_backend("second-numpy", SecondNumpy)
    return "second-numpy"


@pytest.fixture
def clean_backend_choice(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No set_backend() choice and no use_backend() block, so the environment variable counts."""
    monkeypatch.setattr(registry, "_chosen", None)
    monkeypatch.setattr(registry._local, "stack", [])
    return monkeypatch


# -- shapes ------------------------------------------------------------------------------------


def test_matmul_shape_mismatch_names_both_shapes_and_sizes() -> None:
    images = Tensor(np.zeros((128, 784), dtype=np.float32))
    weights = Tensor(np.zeros((128, 10), dtype=np.float32))
    with pytest.raises(ValueError) as error:
        images @ weights
    assert str(error.value) == (
        "matmul: shapes Size([128, 784]) and Size([128, 10]) do not line up (784 != 128)"
    )


def test_matmul_with_a_scalar_says_to_use_star() -> None:
    with pytest.raises(
        ValueError, match=r"matmul: .*shapes Size\(\[\]\) and Size\(\[2\]\).*use \*"
    ):
        Tensor(2.0) @ Tensor([1.0, 2.0])


def test_matmul_batch_axes_that_do_not_broadcast() -> None:
    with pytest.raises(ValueError, match=r"matmul \(batch axes\).*\(2,\) and \(3,\)"):
        tg.zeros(2, 4, 5) @ tg.zeros(3, 5, 6)


@pytest.mark.parametrize(
    ("op", "name"),
    [
        (lambda a, b: a + b, "add"),
        (lambda a, b: a - b, "sub"),
        (lambda a, b: a * b, "mul"),
        (lambda a, b: a / b, "div"),
        (lambda a, b: a**b, "pow"),
        (lambda a, b: a.maximum(b), "maximum"),
    ],
)
def test_elementwise_shape_mismatch_names_op_and_shapes(op, name) -> None:
    with pytest.raises(ValueError) as error:
        op(tg.ones(2, 3), tg.ones(4))
    message = str(error.value)
    assert message.startswith(f"{name}: shapes Size([2, 3]) and Size([4]) cannot be broadcast")
    assert "sizes 3 and 4" in message and "must match or be 1" in message


def test_other_shape_errors_name_the_shapes() -> None:
    with pytest.raises(ValueError, match=r"reshape: .*Size\(\[2, 3\]\) \(6 elements\).*\(4, 2\)"):
        tg.zeros(2, 3).reshape(4, 2)
    with pytest.raises(ValueError, match=r"stack: .*Size\(\[2\]\) and Size\(\[3\]\)"):
        tg.stack([tg.ones(2), tg.ones(3)])
    with pytest.raises(
        ValueError, match=r"concatenate: shapes Size\(\[2, 2\]\) and Size\(\[3, 3\]\)"
    ):
        tg.concatenate([tg.ones(2, 2), tg.ones(3, 3)])
    with pytest.raises(IndexError, match="axis 2 is out of range for a tensor with 2 dim"):
        tg.ones(2, 3).sum(axis=2)
    with pytest.raises(ValueError, match=r"where: shapes Size\(\[2\]\) and Size\(\[3\]\)"):
        tg.where(Tensor([True, False]), tg.ones(3), 0.0)


# -- backward ----------------------------------------------------------------------------------


def test_backward_on_non_scalar_says_what_to_pass() -> None:
    logits = Tensor(np.zeros((128, 10)), requires_grad=True) * 2.0
    with pytest.raises(RuntimeError) as error:
        logits.backward()
    message = str(error.value)
    assert "backward() needs a scalar output, or pass grad= with shape Size([128, 10])" in message


def test_backward_with_grad_of_wrong_shape_names_both_shapes() -> None:
    y = Tensor([1.0, 2.0], requires_grad=True) * 2.0
    with pytest.raises(
        ValueError, match=r"grad has shape Size\(\[3\]\) but the tensor has shape Size\(\[2\]\)"
    ):
        y.backward(Tensor([1.0, 1.0, 1.0]))


def test_second_backward_on_freed_graph_says_retain_graph() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    with pytest.raises(RuntimeError) as error:
        loss.backward()
    message = str(error.value)
    assert "second time" in message and "retain_graph=True" in message and "Mul" in message


def test_backward_without_requires_grad_says_how_to_get_it() -> None:
    with pytest.raises(RuntimeError, match="requires_grad=True"):
        (Tensor([1.0]) * 2.0).sum().backward()


# -- dtypes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("data", "dtype_name"), [([1, 2], "int64"), ([True, False], "bool")])
def test_integer_or_bool_tensor_cannot_require_grad_and_says_why(data, dtype_name) -> None:
    for make in (lambda: Tensor(data, requires_grad=True), lambda: Tensor(data).requires_grad_()):
        with pytest.raises(TypeError) as error:
            make()
        message = str(error.value)
        assert "floating-point" in message and dtype_name in message
        assert "rate of change" in message  # why
        assert ".float()" in message  # what to do instead


def test_unsupported_dtype_lists_supported_ones() -> None:
    with pytest.raises(TypeError, match="float32, float64, int64, bool"):
        Tensor([1.0], dtype="complex64")


def test_ragged_nested_list_says_rows_must_match() -> None:
    with pytest.raises(ValueError, match=r"nested lists of different lengths.*same length"):
        Tensor([[1.0, 2.0], [3.0]])


def test_item_of_many_elements_names_the_shape() -> None:
    with pytest.raises(ValueError, match=r"one element.*shape Size\(\[2, 2\]\)"):
        tg.ones(2, 2).item()


# -- backends ----------------------------------------------------------------------------------


def test_mixing_two_backends_says_how_to_move_one(second_backend: str) -> None:
    a = Tensor([1.0, 2.0])
    b = Tensor([3.0, 4.0], backend=second_backend)
    assert b.backend.name == second_backend and a.backend.name == "numpy"
    for op, name in ((lambda: a + b, "Add"), (lambda: a @ b, "MatMul"), (lambda: a * b, "Mul")):
        with pytest.raises(RuntimeError) as error:
            op()
        message = str(error.value)
        assert message.startswith(f"{name}: inputs live on different backends")
        assert "numpy" in message and second_backend in message
        assert ".to('numpy')" in message
    # ... and the advice works:
    assert (a + b.to("numpy")).tolist() == [4.0, 6.0]


def test_unknown_backend_in_env_var_suggests_closest(clean_backend_choice) -> None:
    clean_backend_choice.setenv("TINYGRAD_EDU_BACKEND", "cupi")
    with pytest.raises(registry.UnknownBackendError) as error:
        Tensor([1.0])
    message = str(error.value)
    assert "Unknown backend 'cupi'" in message
    assert "TINYGRAD_EDU_BACKEND" in message  # where the bad name came from
    assert "Did you mean 'cupy'?" in message
    assert "Available: numpy" in message


def test_unknown_backend_argument_suggests_closest(second_backend: str) -> None:
    with pytest.raises(ValueError) as error:  # UnknownBackendError is also a ValueError
        Tensor([1.0], backend="nunpy")
    message = str(error.value)
    assert "Unknown backend 'nunpy'" in message and "Did you mean 'numpy'?" in message
    assert "numpy" in message.split("Available:")[1] and second_backend in message


def test_unknown_backend_without_close_match_still_lists_available(clean_backend_choice) -> None:
    clean_backend_choice.setenv("TINYGRAD_EDU_BACKEND", "tpu-xyz")
    with pytest.raises(registry.UnknownBackendError) as error:
        tg.zeros(1)
    message = str(error.value)
    assert "Did you mean" not in message and "Available: numpy" in message


def test_missing_cupy_plugin_says_how_to_install() -> None:
    if "cupy" in tg.available_backends():
        pytest.skip("the CuPy plugin is installed here, so there is no missing-plugin error")
    with pytest.raises(tg.BackendError) as error:
        tg.get_backend("cupy")
    message = str(error.value)
    assert "cupy" in message and "pip install" in message and "tinygrad-edu" in message


def test_boolean_mask_of_the_wrong_length_names_both_shapes() -> None:
    with pytest.raises(IndexError, match=r"mask of shape \(2,\) does not match .* \(3,\)"):
        Tensor([1.0, 2.0, 3.0])[np.array([True, False])]


def test_axes_out_of_range_are_errors() -> None:
    x = tg.zeros(2, 3)
    with pytest.raises(IndexError, match="permute: axis 3 is out of range"):
        x.permute(0, 3)
    with pytest.raises(IndexError, match="transpose: axis 5 is out of range"):
        x.transpose(0, 5)
    with pytest.raises(ValueError, match="start_dim 1 comes after end_dim 0"):
        x.flatten(1, 0)
    with pytest.raises(ValueError, match="mT needs at least 2 axes"):
        _ = Tensor([1.0]).mT
    with pytest.raises(ValueError, match="names the same axis twice"):
        x.sum(axis=(0, 0))


def test_max_over_an_empty_axis_explains() -> None:
    assert tg.zeros(0, 3).amax(dim=1).shape == (0,)
    with pytest.raises(ValueError, match=r"max: axis 1 of shape Size\(\[3, 0\]\) is empty"):
        tg.zeros(3, 0).amax(axis=1)
    with pytest.raises(IndexError, match=r"max: dim 1 of shape Size\(\[3, 0\]\) is empty"):
        tg.zeros(3, 0).max(axis=1)  # as torch.max(x, 1): the values and their indices


def test_custom_backward_with_a_wrong_shape_names_the_function() -> None:
    class Bad(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad[:1]

    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Bad.backward returned a gradient of shape \(1,\)"):
        Bad.apply(x).sum().backward()


def test_grad_of_an_output_without_graph_says_so() -> None:
    x = Tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="the output does not require grad"):
        tg.grad(Tensor(1.0) * 2, x)


def test_a_list_of_tensors_points_to_stack() -> None:
    with pytest.raises(TypeError, match=r"list of Tensors; join them with tinygrad_edu.stack"):
        Tensor([Tensor(1.0), Tensor(2.0)])


def test_value_refuses_a_tensor() -> None:
    with pytest.raises(TypeError, match="Value holds one Python number, not a Tensor"):
        tg.Value(2.0) + Tensor(1.0, requires_grad=True)


def test_gradcheck_on_a_read_only_input_explains() -> None:
    x = Tensor([1.0, 2.0], dtype=tg.float64).expand(2, 2).detach().requires_grad_()
    with pytest.raises(TypeError, match="input 0 cannot be changed in place"):
        tg.gradcheck(lambda t: t * 2, [x])


def test_function_apply_without_tensors_explains() -> None:
    with pytest.raises(TypeError, match=r"Mul.apply takes one or more Tensors .*got \(float\)"):
        tg.ops.Mul.apply(2.0)
