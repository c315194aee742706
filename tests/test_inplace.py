"""In-place operations and version counters, with PyTorch's rules (see tinygrad_edu/inplace.py)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu.backends.base import Backend

try:
    import torch
except ImportError:  # the comparisons below skip, saying why
    torch = None

needs_torch = pytest.mark.skipif(
    torch is None, reason="PyTorch is not installed; the comparison needs torch==2.13.0"
)

METHODS = [
    ("add_", (2.0,), {}),
    ("add_", ("other",), {"alpha": -0.5}),
    ("sub_", ("other",), {}),
    ("sub_", (1.5,), {"alpha": 2.0}),
    ("mul_", ("other",), {}),
    ("div_", ("other",), {}),
    ("pow_", (2.0,), {}),
    ("sqrt_", (), {}),
    ("relu_", (), {}),
    ("clamp_", (-0.5, 0.5), {}),
    ("zero_", (), {}),
    ("fill_", (3.25,), {}),
    ("copy_", ("other",), {}),
    ("addcmul_", ("other", "other"), {"value": 0.5}),
    ("addcdiv_", ("other", "other"), {"value": -2.0}),
    ("lerp_", ("other", 0.25), {}),
]


def _args(args: tuple, other_tg, other_torch) -> tuple[tuple, tuple]:
    ours = tuple(other_tg if a == "other" else a for a in args)
    theirs = tuple(other_torch if a == "other" else a for a in args)
    return ours, theirs


@needs_torch
@pytest.mark.parametrize(("name", "args", "kwargs"), METHODS, ids=[m[0] for m in METHODS])
def test_methods_match_torch_and_keep_the_object(name, args, kwargs) -> None:
    rng = np.random.default_rng(0)
    start = rng.uniform(0.5, 2.0, size=(3, 4)).astype(np.float32)
    other = rng.uniform(0.5, 2.0, size=(4,)).astype(np.float32)  # broadcasts
    if name == "relu_":
        start -= 1.25
    x = tg.Tensor(start)
    array = x._data
    ours_args, torch_args = _args(args, tg.Tensor(other), torch.tensor(other))
    returned = getattr(x, name)(*ours_args, **kwargs)
    expected = torch.tensor(start)
    getattr(expected, name)(*torch_args, **kwargs)
    assert returned is x and x._data is array  # the same tensor, the same memory
    assert x.dtype is tg.float32
    np.testing.assert_allclose(x.numpy(), expected.numpy(), rtol=1e-6)
    assert x._version == expected._version == 1


def test_operators_modify_in_place(backend: Backend) -> None:
    x = tg.Tensor([1.0, 2.0, 4.0], backend=backend.name)
    same = x
    x += 1
    x -= tg.Tensor([1.0, 1.0, 1.0], backend=backend.name)
    x *= 3
    x /= 2
    assert x is same
    assert x.tolist() == [1.5, 3.0, 6.0]
    assert x._version == 4


def test_the_tutorial_update_keeps_the_parameter() -> None:
    """PyTorch's first autograd tutorial: `with no_grad(): a -= lr * a.grad; a.grad = None`."""
    a = tg.Tensor(0.5, requires_grad=True)
    for _ in range(3):
        loss = (a * 3.0 - 1.0) ** 2
        loss.backward()
        with tg.no_grad():
            a -= 0.01 * a.grad
        a.grad = None
    assert a.requires_grad and a.is_leaf
    # d/da (3a - 1)^2 = 6 (3a - 1): three steps of size 0.01 from 0.5, worked out by hand.
    value = 0.5
    for _ in range(3):
        value -= 0.01 * 6 * (3 * value - 1)
    assert a.item() == pytest.approx(value, rel=1e-6)


def test_leaf_that_requires_grad_is_refused_while_recording() -> None:
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in "
                                           "an in-place operation.*no_grad"):
        w.add_(1.0)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w[0] = 5.0
    assert w.tolist() == [1.0, 2.0] and w._version == 0  # nothing changed


def test_computed_tensor_is_refused_while_recording_with_the_out_of_place_form() -> None:
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = w * 2
    with pytest.raises(RuntimeError, match=r"recorded operation \(Mul\).*y = y \+ other"):
        y += 1
    with pytest.raises(RuntimeError, match=r"y = y \* other"):
        y.mul_(2)


def test_operand_that_requires_grad_is_refused_while_recording() -> None:
    buffer = tg.zeros(2)
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="operand requires grad"):
        buffer.add_(w)
    with tg.no_grad():
        buffer.add_(w)  # no gradient flows: fine
    assert buffer.tolist() == [1.0, 2.0]


def test_tensors_without_grad_change_anywhere() -> None:
    x = tg.zeros(3)
    x.add_(1).mul_(4)
    assert x.tolist() == [4.0, 4.0, 4.0]


@needs_torch
def test_backward_through_a_changed_value_fails_as_in_torch() -> None:
    x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x  # Mul saves x
    with tg.no_grad():
        x.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*saved by Mul.*"
                                           "at version 1; expected version 0"):
        y.sum().backward()
    tx = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    ty = tx * tx
    with torch.no_grad():
        tx.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        ty.sum().backward()


def test_a_saved_output_changed_in_place_is_caught() -> None:
    x = tg.Tensor([0.5, 1.0], requires_grad=True)
    y = x.exp()  # Exp saves its output
    with tg.no_grad():
        y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*Exp"):
        y.sum().backward()


def test_a_change_that_backward_does_not_need_is_fine() -> None:
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = x + 1  # Add saves nothing
    with tg.no_grad():
        x.mul_(10)
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


@pytest.mark.parametrize(
    "view", [lambda t: t[1:], lambda t: t.reshape(2, 2), lambda t: t.T, lambda t: t.detach(),
             lambda t: t[None, ...]],
    ids=["slice", "reshape", "T", "detach", "new-axis"],
)
def test_views_share_the_version_counter(view) -> None:
    x = tg.Tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x * x  # saves x
    with tg.no_grad():
        v = view(x)
    with tg.no_grad():
        v.add_(1)  # changes x's memory through the view
    assert x._version == v._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_index_arrays_copy_so_their_count_is_their_own() -> None:
    x = tg.Tensor([1.0, 2.0, 3.0])
    picked = x[tg.Tensor([0, 2])]
    picked.add_(1)
    assert x.tolist() == [1.0, 2.0, 3.0]
    assert x._version == 0 and picked._version == 1


def test_data_is_the_untracked_escape_hatch() -> None:
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    x.data *= 2  # as in PyTorch: not counted, not checked
    assert x._version == 0
    y.sum().backward()
    assert x.grad.tolist() == [4.0, 8.0]  # computed from the changed values: .data's risk


@pytest.mark.parametrize(
    ("key", "value"),
    [
        (1, 9.0),
        (slice(1, 3), 7.0),
        ((slice(None), 0), "column"),
        ("mask", -1.0),
        ("array", "row"),
        ((None, 0), 4.0),
        (Ellipsis, 0.5),
    ],
    ids=["int", "slice", "slice-int", "mask", "index-array", "new-axis", "ellipsis"],
)
def test_setitem_matches_numpy(backend: Backend, key, value) -> None:
    start = np.arange(12, dtype=np.float32).reshape(4, 3)
    expected = start.copy()
    x = tg.Tensor(start, backend=backend.name)
    if key == "mask":
        np_key, key = start > 5, x > 5
    elif key == "array":
        np_key, key = np.array([3, 0]), tg.Tensor([3, 0], backend=backend.name)
    else:
        np_key = key
    if value == "column":
        value = np.array([10.0, 20.0, 30.0, 40.0], dtype=np.float32)
    elif value == "row":
        value = np.array([-1.0, -2.0, -3.0], dtype=np.float32)
    expected[np_key] = value
    x[key] = tg.Tensor(value, backend=backend.name) if isinstance(value, np.ndarray) else value
    np.testing.assert_array_equal(x.numpy(), expected)
    assert x._version == 1


def test_setitem_repeated_index_array_on_every_backend(backend: Backend) -> None:
    x = tg.zeros(4, backend=backend.name)
    x[tg.Tensor([2, 0, 2], backend=backend.name)] = tg.Tensor([1.0, 5.0, 1.0],
                                                                backend=backend.name)
    assert x.tolist() == [5.0, 0.0, 1.0, 0.0]


def test_setitem_out_of_range_is_an_index_error(backend: Backend) -> None:
    x = tg.zeros(3, backend=backend.name)
    with pytest.raises(IndexError):
        x[tg.Tensor([5], backend=backend.name)] = 1.0


def test_dtype_rules_follow_torch() -> None:
    counts = tg.Tensor([1, 2, 3])
    with pytest.raises(TypeError, match="can't be cast.*int64.*x.float()"):
        counts += 0.5
    with pytest.raises(TypeError, match="can't be cast"):
        counts.div_(2)
    counts += 2  # an int stays an int
    assert counts.tolist() == [3, 4, 5] and counts.dtype is tg.int64
    x = tg.zeros(2)
    x += tg.Tensor([1.0, 2.0], dtype=tg.float64)  # the result keeps the tensor's dtype
    assert x.dtype is tg.float32
    x.copy_(tg.Tensor([1.7, -2.2], dtype=tg.float64))
    assert x.tolist() == pytest.approx([1.7, -2.2])
    counts.copy_(tg.Tensor([1.9, -2.9, 1.2]))  # copy_ converts, as in PyTorch (truncation)
    assert counts.tolist() == [1, -2, 1]


def test_shape_of_the_result_is_the_tensor_shape() -> None:
    x = tg.zeros(3)
    with pytest.raises(ValueError, match=r"shape \(2, 3\) cannot be broadcast to this tensor's "
                                         r"shape \(3,\)"):
        x.add_(tg.ones(2, 3))


def test_read_only_memory_says_to_clone() -> None:
    x = tg.Tensor([1.0, 2.0]).expand(3, 2)
    with pytest.raises(ValueError, match="read-only.*clone"):
        x.add_(1)
    copy = x.clone()
    copy.add_(1)
    assert copy.tolist() == [[2.0, 3.0]] * 3


def test_clone_is_differentiable_and_independent() -> None:
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    y = x.clone()
    assert y._data is not x._data
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_scalar_results_change_in_place_too() -> None:
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    total = (x * x).sum()  # a full reduction: its data may be a NumPy scalar
    with tg.no_grad():
        total.add_(1)
        total.mul_(2)
    assert total.item() == 12.0 and total._version == 2


def test_random_fills_use_the_backend_generator(backend: Backend) -> None:
    tg.manual_seed(0)
    x = tg.zeros(1000, backend=backend.name).uniform_(-2.0, 3.0)
    values = x.numpy()
    assert values.min() >= -2.0 and values.max() < 3.0 and abs(values.mean() - 0.5) < 0.2
    y = tg.zeros(2000, backend=backend.name).normal_(1.0, 0.5)
    assert abs(y.numpy().mean() - 1.0) < 0.05 and abs(y.numpy().std() - 0.5) < 0.05
