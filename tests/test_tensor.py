"""Tensor basics: creation, dtypes, properties, repr, creation functions, seeds, dtype
promotion, comparisons and indexing."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor

# -- creation and dtypes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "dtype", "shape"),
    [
        (1.5, tg.float32, ()),
        (2, tg.int64, ()),
        (True, tg.bool_, ()),
        ([1.0, 2.0], tg.float32, (2,)),
        ([[1, 2, 3], [4, 5, 6]], tg.int64, (2, 3)),
        ([[1, 2.5]], tg.float32, (1, 2)),  # mixed ints and floats: floating
        ([True, False], tg.bool_, (2,)),
        (np.array([1.0, 2.0]), tg.float64, (2,)),  # NumPy float64 is kept, for gradient checks
        (np.float64(2.0), tg.float64, ()),
        (np.array([1.0], dtype=np.float32), tg.float32, (1,)),
        (np.array([1, 2], dtype=np.int32), tg.int64, (2,)),
        (np.array([0, 255], dtype=np.uint8), tg.int64, (2,)),  # MNIST pixels
        (np.array([0.5], dtype=np.float16), tg.float32, (1,)),
        (np.array([True]), tg.bool_, (1,)),
    ],
)
def test_creation_dtype_and_shape(data, dtype, shape) -> None:
    t = Tensor(data)
    assert t.dtype == dtype
    assert t.shape == shape
    assert t.ndim == len(shape)
    assert t.numel() == int(np.prod(shape)) and t.size() == shape
    np.testing.assert_array_equal(t.numpy(), np.asarray(data))
    assert isinstance(t.numpy(), np.ndarray)


def test_explicit_dtype() -> None:
    assert Tensor([1, 2], dtype="float64").dtype == tg.float64
    assert Tensor([1.7, -1.7], dtype=tg.int64).tolist() == [1, -1]
    assert Tensor(np.array([1.0, 2.0]), dtype=np.float32).dtype == tg.float32
    assert tg.tensor([0.1], dtype=tg.float64).item() == 0.1  # not rounded through float32


def test_numpy_input_is_copied_not_aliased() -> None:
    source = np.array([1.0, 2.0, 3.0])
    t = Tensor(source)
    source[0] = 100.0
    assert t.tolist() == [1.0, 2.0, 3.0]
    t.data[1] = -5.0
    assert source[1] == 2.0


def test_tensor_from_tensor_is_a_copy() -> None:
    a = Tensor([1.0, 2.0])
    b = Tensor(a)
    assert not np.shares_memory(a.numpy(), b.numpy())
    assert b.tolist() == [1.0, 2.0]


def test_item_tolist_numpy_and_conversions() -> None:
    t = Tensor([[1.5, 2.0], [3.0, 4.0]])
    assert t.tolist() == [[1.5, 2.0], [3.0, 4.0]]
    assert Tensor(3.5).item() == 3.5 and isinstance(Tensor(3.5).item(), float)
    assert Tensor([7]).item() == 7 and isinstance(Tensor([7]).item(), int)
    assert Tensor(True).item() is True
    assert float(Tensor([2.5])) == 2.5 and int(Tensor(3)) == 3
    assert len(t) == 2
    with pytest.raises(ValueError, match=r"one element.*Size\(\[2, 2\]\)"):
        t.item()
    with pytest.raises(ValueError, match="ambiguous"):
        bool(t)
    with pytest.raises(TypeError, match="0-d"):
        len(Tensor(1.0))


def test_repr_shows_values_and_the_node_as_pytorch() -> None:
    x = Tensor([1.0, 2.5], requires_grad=True)
    assert repr(x) == "tensor([1.0000, 2.5000], requires_grad=True)"
    y = x * 2.0
    assert repr(y) == "tensor([2., 5.], grad_fn=<MulBackward0>)"
    assert repr(Tensor([1, 2])) == "tensor([1, 2])"
    assert "grad_fn=<SumBackward0>" in repr(y.sum())


def test_astype_and_shortcuts() -> None:
    t = Tensor([1.7, -0.2])
    assert t.double().dtype == tg.float64
    assert t.long().tolist() == [1, 0]
    assert t.bool().tolist() == [True, True]
    assert Tensor([1, 0]).float().dtype == tg.float32
    assert t.astype("float32") is t  # nothing to do


def test_astype_is_differentiable_between_floats() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x.double() * 3.0).sum().backward()
    assert x.grad.dtype == tg.float32
    assert x.grad.tolist() == [3.0, 3.0]


# -- creation functions ------------------------------------------------------------------------


def test_zeros_ones_full() -> None:
    assert tg.zeros(2, 3).shape == (2, 3) and tg.zeros(2, 3).dtype == tg.float32
    assert tg.zeros((2, 3)).tolist() == [[0.0] * 3] * 2
    assert tg.ones(2).tolist() == [1.0, 1.0]
    assert tg.ones(2, dtype="int64").dtype == tg.int64
    assert tg.full((2,), 7.5).tolist() == [7.5, 7.5] and tg.full((2,), 7.5).dtype == tg.float32
    assert tg.full((2,), 3).dtype == tg.int64
    assert tg.full((1,), True).dtype == tg.bool_
    assert tg.zeros(0, 3).shape == (0, 3)
    w = tg.zeros(3, requires_grad=True)
    assert w.requires_grad and w.is_leaf
    with pytest.raises(ValueError, match="non-negative"):
        tg.zeros(-1)


def test_arange_and_eye() -> None:
    assert tg.arange(4).tolist() == [0, 1, 2, 3] and tg.arange(4).dtype == tg.int64
    assert tg.arange(1, 7, 2).tolist() == [1, 3, 5]
    assert tg.arange(0, 1, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75]
    assert tg.arange(0, 1, 0.25).dtype == tg.float32
    assert tg.eye(2).tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert tg.eye(2, 3).tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]


def test_random_tensors() -> None:
    r = tg.rand(1000)
    assert r.dtype == tg.float32 and r.shape == (1000,)
    assert 0.0 <= r.numpy().min() and r.numpy().max() < 1.0
    n = tg.randn(2000, dtype="float64")
    assert n.dtype == tg.float64
    assert abs(n.numpy().mean()) < 0.15 and 0.85 < n.numpy().std() < 1.15
    with pytest.raises(TypeError, match="float32 or float64"):
        tg.rand(2, dtype="int64")


def test_manual_seed_reproducibility() -> None:
    tg.manual_seed(1234)
    first = (tg.rand(5).tolist(), tg.randn(2, 3).tolist())
    tg.manual_seed(1234)
    second = (tg.rand(5).tolist(), tg.randn(2, 3).tolist())
    assert first == second
    tg.manual_seed(4321)
    assert tg.rand(5).tolist() != first[0]


def test_like_functions_follow_shape_dtype_and_backend() -> None:
    x = Tensor(np.ones((2, 3)))  # float64
    i = Tensor([[1, 2]])
    for made in (tg.zeros_like(x), tg.ones_like(x), tg.rand_like(x), tg.randn_like(x)):
        assert made.shape == (2, 3) and made.dtype == tg.float64 and made.backend is x.backend
    assert tg.zeros_like(x).numpy().sum() == 0.0 and tg.ones_like(x).numpy().sum() == 6.0
    assert tg.full_like(i, 5).tolist() == [[5, 5]] and tg.full_like(i, 5).dtype == tg.int64
    assert tg.zeros_like(i, dtype="float32").dtype == tg.float32
    assert tg.ones_like(x, requires_grad=True).requires_grad


# -- dtype promotion ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "expression",
    [
        lambda x: x * 0.1,
        lambda x: 0.1 * x,
        lambda x: x + 1,
        lambda x: 1 - x,
        lambda x: x / 3,
        lambda x: 3 / x,
        lambda x: 2.0**x,
        lambda x: x**2,
        lambda x: x - True,
    ],
)
def test_python_scalar_keeps_float32(expression) -> None:
    x = Tensor([1.0, 2.0])
    assert expression(x).dtype == tg.float32
    x64 = Tensor(np.array([1.0, 2.0]))
    assert expression(x64).dtype == tg.float64


def test_float32_times_scalar_value_is_rounded_in_float32() -> None:
    out = Tensor([3.0]) * 0.1
    assert out.numpy()[0] == np.float32(3.0) * np.float32(0.1)


@pytest.mark.parametrize(
    ("make_left", "make_right", "expected"),
    [
        (lambda: Tensor([1, 2]), lambda: 2, tg.int64),
        (lambda: Tensor([1, 2]), lambda: 0.5, tg.float32),  # int tensor, float scalar
        (lambda: Tensor([1, 2]), lambda: Tensor([0.5, 1.0]), tg.float32),
        (lambda: Tensor([1, 2]), lambda: Tensor(np.array([0.5, 1.0])), tg.float64),
        (lambda: Tensor([1.0]), lambda: Tensor(np.array([0.5])), tg.float64),
        (lambda: Tensor([True, False]), lambda: 1, tg.int64),
        (lambda: Tensor([True, False]), lambda: 1.5, tg.float32),
        (lambda: Tensor([True, False]), lambda: Tensor([True, True]), tg.bool_),
        (lambda: Tensor([1, 2]), lambda: True, tg.int64),
        (lambda: Tensor([1, 2]), lambda: Tensor([True, False]), tg.int64),
    ],
)
def test_int_and_bool_promotion_as_in_pytorch(make_left, make_right, expected) -> None:
    left, right = make_left(), make_right()
    assert (left + right).dtype == expected
    assert (right + left).dtype == expected


def test_integer_division_gives_float() -> None:
    out = Tensor([1, 3]) / 2
    assert out.dtype == tg.float32 and out.tolist() == [0.5, 1.5]
    assert (2 / Tensor([4])).tolist() == [0.5]


def test_bool_plus_bool_is_logical_or_as_in_pytorch() -> None:
    out = Tensor([True, True, False]) + Tensor([True, False, False])
    assert out.dtype == tg.bool_ and out.tolist() == [True, True, False]


# -- comparisons --------------------------------------------------------------------------------


def test_comparisons_return_bool_tensors_without_grad() -> None:
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    results = {
        "<": x < 2.0,
        "<=": x <= 2.0,
        ">": x > 2,
        ">=": x >= 2.0,
        "==": x == 2.0,
        "!=": x != 2.0,
    }
    expected = {
        "<": [True, False, False],
        "<=": [True, True, False],
        ">": [False, False, True],
        ">=": [False, True, True],
        "==": [False, True, False],
        "!=": [True, False, True],
    }
    for name, out in results.items():
        assert out.dtype == tg.bool_, name
        assert not out.requires_grad and out.is_leaf, name
        assert out.tolist() == expected[name], name
    assert (x > Tensor([0.0, 5.0, 3.0])).tolist() == [True, False, False]
    assert (2.0 < x).tolist() == [False, False, True]  # reflected


def test_logical_operators_on_bool_tensors() -> None:
    a, b = Tensor([True, True, False]), Tensor([True, False, False])
    assert (a & b).tolist() == [True, False, False]
    assert (a | b).tolist() == [True, True, False]
    assert (a ^ b).tolist() == [False, True, False]
    assert (~a).tolist() == [False, False, True]
    with pytest.raises(TypeError, match="float32"):
        Tensor([1.0]) & a


# -- indexing ----------------------------------------------------------------------------------

ARRAY = np.arange(24.0).reshape(2, 3, 4)


@pytest.mark.parametrize(
    "key",
    [
        0,
        -1,
        (1, 2),
        (1, 2, 3),
        (slice(None), 1),
        (Ellipsis, 2),
        (None, 0),
        (0, slice(1, None), slice(None, None, 2)),
        (slice(1, None),),
        (slice(None, None, -1), 0),
        [1, 1, 0],
        (slice(None), [0, 0, 2]),
        ([0, 1], [1, 2]),
        ([0, 1], slice(None), [3, 3]),
    ],
)
def test_indexing_forms_match_numpy_and_gradients_scatter_back(key) -> None:
    x = Tensor(ARRAY, requires_grad=True)
    out = x[key]
    expected = ARRAY[key]
    np.testing.assert_array_equal(out.numpy(), expected)
    upstream = np.arange(1.0, expected.size + 1).reshape(expected.shape)
    out.backward(Tensor(upstream))
    reference = np.zeros_like(ARRAY)
    np.add.at(reference, key if not isinstance(key, list) else (key,), upstream)
    np.testing.assert_array_equal(x.grad.numpy(), reference)


def test_indexing_with_tensors_and_masks() -> None:
    x = Tensor(ARRAY, requires_grad=True)
    mask = ARRAY > 10.5
    out = x[Tensor(mask)]
    np.testing.assert_array_equal(out.numpy(), ARRAY[mask])
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), mask.astype(float))
    picked = x[Tensor([1, 0])]
    np.testing.assert_array_equal(picked.numpy(), ARRAY[[1, 0]])
    with pytest.raises(IndexError, match="int64/bool"):
        x[Tensor([0.0])]


def test_repeated_integer_indices_accumulate() -> None:
    x = Tensor([10.0, 20.0, 30.0], requires_grad=True)
    out = x[Tensor([2, 0, 2, 2])]
    assert out.tolist() == [30.0, 10.0, 30.0, 30.0]
    out.backward(Tensor([1.0, 2.0, 3.0, 4.0]))
    assert x.grad.tolist() == [2.0, 0.0, 1.0 + 3.0 + 4.0]


def test_basic_index_result_and_grad_shapes() -> None:
    x = Tensor(np.ones((3, 4)), requires_grad=True)
    row = x[1]
    assert row.shape == (4,)
    (row * 2.0).sum().backward()
    expected = np.zeros((3, 4))
    expected[1] = 2.0
    np.testing.assert_array_equal(x.grad.numpy(), expected)


# -- PyTorch's spellings ----------------------------------------------------------------------
def test_dim_and_keepdim_are_accepted_as_in_pytorch() -> None:
    data = np.arange(6.0).reshape(2, 3)
    x = Tensor(data)
    np.testing.assert_allclose(x.sum(dim=1, keepdim=True).numpy(), data.sum(1, keepdims=True))
    np.testing.assert_allclose(x.mean(dim=0).numpy(), data.mean(0))
    np.testing.assert_allclose(x.amax(dim=1).numpy(), data.max(1))
    np.testing.assert_allclose(x.amin(dim=0, keepdim=True).numpy(), data.min(0, keepdims=True))
    assert x.softmax(dim=0).shape == (2, 3)
    assert x.unsqueeze(dim=0).shape == (1, 2, 3)
    assert tg.cat([x, x], dim=1).shape == (2, 6)
    assert tg.stack([x, x], dim=0).shape == (2, 2, 3)
    assert x.numel() == 6 and x.size() == (2, 3) and x.size(1) == 3 and x.size(-2) == 2
    assert x.dim() == x.ndim == 2
    np.testing.assert_array_equal(x.t().numpy(), data.T)


def test_both_spellings_at_once_is_an_error() -> None:
    with pytest.raises(TypeError, match=r"sum\(\) got both axis= and dim=; pass one"):
        Tensor([1.0, 2.0]).sum(axis=0, dim=0)


def test_max_with_dim_returns_values_and_indices_as_pytorch() -> None:
    # torch.max(x, dim=1) returns (values, indices), by position, keyword or axis=.
    x = Tensor([[1.0, 2.0], [4.0, 3.0]])
    for pair in (x.max(1), x.max(dim=1), x.max(axis=1), tg.max(x, 1)):
        assert pair.values.tolist() == [2.0, 4.0] and pair.indices.tolist() == [1, 0]
    values, indices = x.min(dim=1, keepdim=True)
    assert values.tolist() == [[1.0], [3.0]] and indices.tolist() == [[0], [1]]
    with pytest.raises(TypeError, match=r"one int.*amax"):
        x.max(dim=(0, 1))


def test_t_refuses_more_than_two_axes() -> None:
    with pytest.raises(
        ValueError, match=r"t\(\) expects at most 2 axes, got shape Size\(\[2, 2, 2\]\)"
    ):
        tg.zeros(2, 2, 2).t()


def test_an_empty_index_list_picks_nothing() -> None:
    x = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    picked = x[[]]
    assert picked.shape == (0, 2)
    picked.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 2)))


def test_function_forms_match_the_methods() -> None:
    x = Tensor([[1.0, -2.0], [3.0, 4.0]])
    pairs = [
        (tg.exp(x), x.exp()),
        (tg.log(tg.abs(x)), x.abs().log()),
        (tg.sqrt(tg.abs(x)), x.abs().sqrt()),
        (tg.relu(x), x.relu()),
        (tg.sigmoid(x), x.sigmoid()),
        (tg.tanh(x), x.tanh()),
        (tg.clamp(x, min=0.0), x.clip(0.0)),
        (tg.sum(x, dim=1, keepdim=True), x.sum(axis=1, keepdims=True)),
        (tg.mean(x, 0), x.mean(0)),
        (tg.softmax(x, dim=0), x.softmax(0)),
        (tg.log_softmax(x, dim=1), x.log_softmax(1)),
        (tg.logsumexp(x, dim=1), x.logsumexp(1)),
        (tg.argmax(x, dim=1), x.argmax(1)),
        (tg.reshape(x, 4), x.reshape(4)),
        (tg.flatten(x), x.flatten()),
        (tg.transpose(x, 0, 1), x.T),
        (tg.permute(x, 1, 0), x.T),
        (tg.unsqueeze(x, 0), x.unsqueeze(0)),
        (tg.squeeze(tg.unsqueeze(x, 0)), x),
    ]
    for function_form, method_form in pairs:
        np.testing.assert_array_equal(function_form.numpy(), method_form.numpy())
