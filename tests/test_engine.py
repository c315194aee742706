"""The autograd engine's semantics, by hand: accumulation, deep graphs, freed graphs, no_grad,
leaves, second derivatives, custom Functions, memory and broadcasting."""

from __future__ import annotations

import gc
import math
import subprocess
import sys
import weakref

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor


def f64(data, requires_grad: bool = True) -> Tensor:
    return Tensor(np.asarray(data, dtype=np.float64), requires_grad=requires_grad)


# -- accumulation: a node used twice gets the sum ------------------------------------------


def test_diamond_graph_adds_both_paths() -> None:
    x = f64(0.5)
    a = x * 3.0  # used by both branches below
    d = a.exp() + a * a
    d.backward()
    # dd/dx = 3 * (exp(a) + 2a) with a = 1.5
    assert x.grad.item() == pytest.approx(3.0 * (math.exp(1.5) + 3.0), rel=1e-14)


def test_same_input_twice_in_one_op() -> None:
    x = f64([1.0, -2.0, 3.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, -4.0, 6.0])
    y = f64([1.0, 2.0])
    (y + y + y).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [3.0, 3.0])


def test_backward_twice_accumulates_into_grad() -> None:
    x = f64([1.0, 2.0])
    (x * x).sum().backward()
    (x * x * x).sum().backward()  # a second graph: grads add up, as in PyTorch
    np.testing.assert_array_equal(x.grad.numpy(), [2.0 + 3.0, 4.0 + 12.0])
    x.grad = None  # what an optimizer's zero_grad() does
    (x * 5.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 5.0])


# -- deep graphs ---------------------------------------------------------------------------


def test_chain_of_100000_ops_backward_without_recursion_error() -> None:
    x = f64([1.0])
    y = x
    for i in range(100_000):
        y = y * 1.00001 if i % 2 else y + 0.5
    y.sum().backward()
    assert x.grad.item() == pytest.approx(1.00001**50_000, rel=1e-9)


def test_chain_of_100000_values_backward() -> None:
    v = tg.Value(1.0)
    w = v
    for i in range(100_000):
        w = w * 1.00001 if i % 2 else w + 0.5
    w.backward()
    assert v.grad == pytest.approx(1.00001**50_000, rel=1e-9)


def test_deep_graph_is_garbage_collected_without_crashing() -> None:
    # Freeing a 100,000-deep chain of objects can overflow the C stack in a naive
    # implementation, which kills the interpreter: run it in a child process so that a crash
    # is a test failure, not the end of the test run.
    code = """
import gc, numpy as np, weakref, tinygrad_edu as tg
x = tg.Tensor(np.ones(1), requires_grad=True)
first = x * 2.0
probe = weakref.ref(first._data)  # numpy arrays can be weakly referenced; tensors need not be
y = first
for i in range(100_000):
    y = y * 1.0 if i % 2 else y + 1.0
y.sum().backward()
del first, y
gc.collect()
assert probe() is None, "the graph was not freed"
v = tg.Value(1.0)
for _ in range(100_000):
    v = v + 1.0
v.backward()
del v
gc.collect()
print("freed")
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "freed"


def test_graph_is_freed_after_the_output_goes_away() -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    hidden = x * 2.0
    probe = weakref.ref(hidden._data)
    out = (hidden * hidden).sum()
    out.backward()
    del hidden, out
    gc.collect()
    assert probe() is None


# -- freed graphs and retain_graph ---------------------------------------------------------


def test_second_backward_through_freed_graph_says_retain_graph() -> None:
    x = f64([1.0, 2.0])
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward_that_accumulates() -> None:
    x = f64([1.0, 2.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])
    with pytest.raises(RuntimeError, match=r"retain_graph=True"):
        y.backward()  # the second call did not retain


def test_graph_without_saved_tensors_can_be_backwarded_twice() -> None:
    # PyTorch's rule: only *saved* values are freed, so x + 1 (nothing saved) works twice.
    x = f64([1.0, 2.0])
    y = (x + 1.0).sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])


# -- no_grad / enable_grad -----------------------------------------------------------------


def test_no_grad_as_context_manager() -> None:
    x = f64([1.0])
    with tg.no_grad():
        y = x * 2.0
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf and y.grad_fn is None


def test_no_grad_as_decorator_with_and_without_parentheses() -> None:
    x = f64([1.0])

    @tg.no_grad()
    def double(t: Tensor) -> Tensor:
        assert not tg.is_grad_enabled()
        return t * 2.0

    @tg.no_grad
    def triple(t: Tensor) -> Tensor:
        return t * 3.0

    assert not double(x).requires_grad
    assert not triple(x).requires_grad
    assert triple(x).item() == 3.0
    assert tg.is_grad_enabled()
    assert (x * 2.0).requires_grad


def test_nested_no_grad_and_enable_grad_inside() -> None:
    x = f64([1.0])
    with tg.no_grad():
        with tg.no_grad():
            assert not (x * 2.0).requires_grad
        assert not tg.is_grad_enabled()  # leaving the inner block keeps the outer one
        with tg.enable_grad():
            y = x * 2.0
            assert tg.is_grad_enabled()
        assert not (x * 2.0).requires_grad
    assert tg.is_grad_enabled()
    y.sum().backward()
    assert x.grad.item() == 2.0


def test_no_grad_restores_state_after_an_exception() -> None:
    with pytest.raises(KeyError), tg.no_grad():
        raise KeyError("an error inside the block")
    assert tg.is_grad_enabled()


# -- leaves, retain_grad, detach, requires_grad_ -------------------------------------------


def test_only_leaves_keep_grad_unless_retain_grad() -> None:
    a = f64([1.0, 2.0])
    b = f64([3.0, 4.0])
    hidden = a * b
    kept = a + b
    kept.retain_grad()
    out = (hidden * 2.0 + kept * kept).sum()
    out.backward()
    assert a.is_leaf and not hidden.is_leaf
    assert hidden.grad is None
    np.testing.assert_array_equal(kept.grad.numpy(), 2 * np.array([4.0, 6.0]))
    np.testing.assert_array_equal(a.grad.numpy(), [2 * 3.0 + 8.0, 2 * 4.0 + 12.0])
    np.testing.assert_array_equal(b.grad.numpy(), [2 * 1.0 + 8.0, 2 * 2.0 + 12.0])


def test_detach_cuts_the_graph_and_shares_data() -> None:
    x = f64([1.0, 2.0])
    y = x * 3.0
    d = y.detach()
    assert not d.requires_grad and d.is_leaf
    assert np.shares_memory(d.numpy(), y.numpy())
    (y * d).sum().backward()  # d is a constant: dy/dx * d = 3 * d
    np.testing.assert_array_equal(x.grad.numpy(), [9.0, 18.0])


def test_requires_grad_() -> None:
    x = Tensor([1.0, 2.0])
    assert not x.requires_grad
    assert x.requires_grad_() is x and x.requires_grad
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 4.0])
    x.requires_grad_(False)
    assert not (x * 2.0).requires_grad
    y = f64([1.0]) * 2.0
    with pytest.raises(RuntimeError, match="detach"):
        y.requires_grad_(False)


def test_backward_on_tensor_without_grad_explains() -> None:
    with pytest.raises(RuntimeError, match="requires_grad=True"):
        Tensor([1.0]).sum().backward()


# -- second derivatives (create_graph=True) ------------------------------------------------


def test_second_derivative_of_cube() -> None:
    x = f64([-1.5, 0.5, 2.0])
    (first,) = tg.grad((x**3).sum(), x, create_graph=True)
    np.testing.assert_allclose(first.numpy(), 3 * x.numpy() ** 2, rtol=1e-14)
    (second,) = tg.grad(first.sum(), x)
    np.testing.assert_allclose(second.numpy(), 6 * x.numpy(), rtol=1e-14)


def test_backward_with_create_graph_gives_differentiable_grad() -> None:
    x = f64(2.0)
    (x**3).backward(create_graph=True)
    first = x.grad
    assert first.requires_grad and first.item() == pytest.approx(12.0)
    x.grad = None
    first.backward()
    assert x.grad.item() == pytest.approx(12.0)  # d(3x^2)/dx = 6x = 12


def test_third_derivative_of_tanh() -> None:
    # tanh''' (0) = -2: three nested grads through Tanh's backward, which uses its output.
    x = f64(0.0)
    (d1,) = tg.grad(x.tanh(), x, create_graph=True)
    (d2,) = tg.grad(d1, x, create_graph=True)
    (d3,) = tg.grad(d2, x)
    assert (d1.item(), d2.item()) == pytest.approx((1.0, 0.0), abs=1e-15)
    assert d3.item() == pytest.approx(-2.0, rel=1e-12)


def test_hessian_vector_product_of_quadratic_form() -> None:
    a = np.array([[2.0, 1.0, 0.0], [3.0, 4.0, -1.0], [0.5, 0.0, 1.0]])
    matrix = f64(a, requires_grad=False)
    x = f64([0.3, -0.7, 1.1])
    v = f64([1.0, 2.0, -1.0], requires_grad=False)
    f = 0.5 * (x * (matrix @ x)).sum()  # f = 1/2 xᵀ A x, gradient 1/2 (A + Aᵀ) x
    (gradient,) = tg.grad(f, x, create_graph=True)
    symmetric = 0.5 * (a + a.T)
    np.testing.assert_allclose(gradient.numpy(), symmetric @ x.numpy(), rtol=1e-13)
    (hvp,) = tg.grad((gradient * v).sum(), x)
    np.testing.assert_allclose(hvp.numpy(), symmetric @ v.numpy(), rtol=1e-13)


def test_gradient_penalty() -> None:
    # D(x) = sum(w * x^2); penalty P = |dD/dx|^2 = sum((2 w x)^2) = 4 sum(w^2 x^2)
    w = f64([0.5, -1.0, 2.0])
    x = f64([1.0, 3.0, -0.5])
    critic = (w * x * x).sum()
    (dx,) = tg.grad(critic, x, create_graph=True)
    penalty = (dx * dx).sum()
    penalty.backward()
    wn, xn = w.numpy(), x.numpy()
    assert penalty.item() == pytest.approx(4 * np.sum(wn**2 * xn**2))
    np.testing.assert_allclose(w.grad.numpy(), 8 * wn * xn**2, rtol=1e-14)
    np.testing.assert_allclose(x.grad.numpy(), 8 * wn**2 * xn, rtol=1e-14)


# -- tinygrad_edu.grad ---------------------------------------------------------------------


def test_grad_does_not_touch_dot_grad() -> None:
    x = f64([1.0, 2.0])
    x.grad = f64([10.0, 10.0], requires_grad=False)
    (g,) = tg.grad((x * x).sum(), x)
    np.testing.assert_array_equal(g.numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(x.grad.numpy(), [10.0, 10.0])
    y = f64([1.0])
    tg.grad((y * 2.0).sum(), [y])
    assert y.grad is None


def test_grad_with_several_inputs_and_grad_outputs() -> None:
    a = f64([1.0, 2.0])
    b = f64([3.0, 4.0])
    out = a * b
    ga, gb = tg.grad(out, [a, b], grad_outputs=f64([1.0, -1.0], requires_grad=False))
    np.testing.assert_array_equal(ga.numpy(), [3.0, -4.0])
    np.testing.assert_array_equal(gb.numpy(), [1.0, -2.0])


def test_grad_allow_unused() -> None:
    a = f64(1.0)
    unused = f64(1.0)
    with pytest.raises(RuntimeError, match="allow_unused=True"):
        tg.grad(a * 2.0, [a, unused])
    ga, gu = tg.grad(a * 2.0, [a, unused], allow_unused=True)
    assert ga.item() == 2.0 and gu is None


def test_grad_of_input_without_requires_grad_explains() -> None:
    a = f64(1.0)
    constant = f64(1.0, requires_grad=False)
    with pytest.raises(RuntimeError, match="requires_grad"):
        tg.grad(a * constant, [constant])


# -- custom Function -----------------------------------------------------------------------


class ScaledProduct(tg.Function):
    """z = x * y * scale;  dz/dx = y * scale,  dz/dy = x * scale. Counts its backward work."""

    calls: list[str] = []

    @staticmethod
    def forward(ctx, x, y, scale=1.0):
        ctx.save_for_backward(x, y)
        ctx.scale = scale
        return x * y * scale

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        ScaledProduct.calls.append(f"needs={ctx.needs_input_grad}")
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            ScaledProduct.calls.append("x")
            grad_x = grad * y * ctx.scale
        if ctx.needs_input_grad[1]:
            ScaledProduct.calls.append("y")
            grad_y = grad * x * ctx.scale
        return grad_x, grad_y


def test_custom_function_forward_backward() -> None:
    ScaledProduct.calls.clear()
    x = f64([1.0, 2.0])
    y = f64([3.0, -1.0])
    out = ScaledProduct.apply(x, y, scale=2.0)
    np.testing.assert_array_equal(out.numpy(), [6.0, -4.0])
    assert out.grad_fn is not None
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, -2.0])
    np.testing.assert_array_equal(y.grad.numpy(), [2.0, 4.0])
    assert ScaledProduct.calls == ["needs=(True, True)", "x", "y"]


def test_custom_function_skips_work_for_inputs_without_grad() -> None:
    ScaledProduct.calls.clear()
    x = f64([1.0, 2.0])
    constant = f64([3.0, -1.0], requires_grad=False)
    ScaledProduct.apply(x, constant).sum().backward()
    assert ScaledProduct.calls == ["needs=(True, False)", "x"]
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, -1.0])
    assert constant.grad is None


def test_custom_function_not_recorded_without_grad() -> None:
    out = ScaledProduct.apply(f64([1.0], False), f64([2.0], False))
    assert not out.requires_grad and out.grad_fn is None
    with tg.no_grad():
        assert not ScaledProduct.apply(f64([1.0]), f64([2.0])).requires_grad


def test_custom_function_wrong_number_of_grads_explains() -> None:
    class Bad(tg.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, grad):
            return grad  # one gradient for two inputs

    with pytest.raises(RuntimeError, match=r"Bad.backward returned 1 gradients for 2 inputs"):
        Bad.apply(f64([1.0]), f64([2.0])).sum().backward()


# -- memory: gradients are private, inputs untouched ---------------------------------------


def test_gradients_of_two_leaves_do_not_share_memory() -> None:
    a = f64([1.0, 2.0])
    b = f64([3.0, 4.0])
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    a.grad._data[0] = 100.0  # an in-place change to one gradient must not leak to the other
    np.testing.assert_array_equal(b.grad.numpy(), [1.0, 1.0])


def test_grad_does_not_alias_the_upstream_gradient() -> None:
    x = f64([1.0, 2.0])
    upstream = f64([5.0, 6.0], requires_grad=False)
    (x + 0.0).backward(upstream)
    assert not np.shares_memory(x.grad.numpy(), upstream.numpy())
    upstream._data[:] = 0.0
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 6.0])


def test_backward_does_not_mutate_inputs_or_upstream_gradient() -> None:
    x = f64([[1.0, -2.0], [0.5, 3.0]])
    w = f64([[0.1, 0.2], [0.3, -0.4]])
    b = f64([0.5, -0.5])
    upstream = f64([[1.0, 2.0], [3.0, 4.0]], requires_grad=False)
    before = [t.numpy().copy() for t in (x, w, b, upstream)]
    out = ((x @ w + b).relu() * x).exp()
    out.backward(upstream)
    for t, old in zip((x, w, b, upstream), before, strict=True):
        np.testing.assert_array_equal(t.numpy(), old)


# -- broadcasting is undone ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shape_x", "shape_y"),
    [
        ((2, 3), ()),
        ((2, 3), (3,)),
        ((2, 3), (1, 3)),
        ((2, 1), (1, 3)),
        ((4, 1, 3), (2, 1)),
        ((1,), (2, 3)),
        ((), ()),
    ],
)
def test_broadcast_gradients_are_summed_back_to_input_shapes(shape_x, shape_y) -> None:
    rng = np.random.default_rng(0)
    xn = rng.normal(size=shape_x)
    yn = rng.normal(size=shape_y)
    x, y = f64(xn), f64(yn)
    out = x * y
    upstream = rng.normal(size=out.shape)
    out.backward(f64(upstream, requires_grad=False))
    assert x.grad.shape == shape_x and y.grad.shape == shape_y
    # Reference: sum the broadcast gradient over the stretched axes by hand with NumPy.
    full_x = np.broadcast_to(yn, out.shape) * upstream
    full_y = np.broadcast_to(xn, out.shape) * upstream
    np.testing.assert_allclose(x.grad.numpy(), _sum_to(full_x, shape_x), rtol=1e-13)
    np.testing.assert_allclose(y.grad.numpy(), _sum_to(full_y, shape_y), rtol=1e-13)


def _sum_to(array: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    extra = array.ndim - len(shape)
    array = array.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and array.shape[i] != 1)
    return array.sum(axis=stretched, keepdims=True).reshape(shape)


def test_broadcast_counts_with_ones() -> None:
    x = f64(np.ones((3, 1)))
    y = f64(np.ones((1, 4)))
    scalar = f64(2.0)
    (x + y + scalar).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.full((3, 1), 4.0))
    np.testing.assert_array_equal(y.grad.numpy(), np.full((1, 4), 3.0))
    assert scalar.grad.shape == () and scalar.grad.item() == 12.0


def test_broadcast_through_matmul_batch_axes() -> None:
    x = f64(np.arange(12.0).reshape(2, 3, 2))
    w = f64(np.ones((2, 4)))  # broadcast over the batch axis
    (x @ w).sum().backward()
    assert w.grad.shape == (2, 4)
    np.testing.assert_array_equal(w.grad.numpy(), x.numpy().sum(axis=(0, 1))[:, None] * np.ones(4))


# -- grad modes, detach, tg.grad: PyTorch's behaviour ------------------------------------------
def test_set_grad_enabled_called_alone_switches_at_once() -> None:
    try:
        tg.set_grad_enabled(False)
        assert not tg.is_grad_enabled()
        assert not (Tensor([1.0], requires_grad=True) * 2).requires_grad
    finally:
        tg.set_grad_enabled(True)
    assert tg.is_grad_enabled()


def test_set_grad_enabled_as_block_and_decorator_restores() -> None:
    with tg.set_grad_enabled(False):
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()

    @tg.set_grad_enabled(False)
    def depth(n: int) -> list[bool]:
        inner = depth(n - 1) if n else []
        return [tg.is_grad_enabled(), *inner]

    assert tg.is_grad_enabled()  # decorating switches nothing
    assert depth(2) == [False, False, False]
    assert tg.is_grad_enabled()


def test_a_detached_copy_is_a_constant_in_second_derivatives() -> None:
    # d/dx (x * stop(x)) = stop(x): its own derivative with respect to x is 0, as in PyTorch.
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    (g,) = tg.grad((x * x.detach()).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), [1.0, 2.0, 3.0])
    assert not g.requires_grad


def test_grad_of_several_outputs_sums_their_vector_jacobian_products() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    (g,) = tg.grad([x * x, x.sum() * 3], x, [Tensor([1.0, 1.0]), None])
    np.testing.assert_allclose(g.numpy(), [2.0 + 3.0, 4.0 + 3.0])


def test_backward_grad_takes_the_tensor_dtype() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x + 1).backward(grad=[1, 1])
    assert x.grad.dtype == tg.float32


def test_unrecorded_forward_sees_no_input_needing_grad() -> None:
    seen = []

    class Spy(tg.Function):
        @staticmethod
        def forward(ctx, x):
            seen.append((ctx.needs_input_grad[0], any(ctx.needs_input_grad)))
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            return grad

    Spy.apply(Tensor([1.0], requires_grad=True))
    Spy.apply(Tensor([1.0]))
    assert seen == [(True, True), (False, False)]


def test_leaf_gradients_are_their_own_writable_arrays() -> None:
    import tinygrad_edu.nn.functional as F

    a = tg.Tensor([1.0, 2.0], requires_grad=True)
    b = tg.Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()  # Add hands one gradient array to both inputs
    assert a.grad is not None and b.grad is not None
    assert not np.shares_memory(a.grad._data, b.grad._data)
    a.grad._data *= 0
    assert b.grad.tolist() == [1.0, 1.0]

    # Linear's backward makes the weight and bias gradients afresh: the leaves keep them
    # without a copy, and each stays the leaf's own.
    x = tg.randn(4, 3)
    w = tg.randn(2, 3, requires_grad=True)
    bias = tg.zeros(2, requires_grad=True)
    F.linear(x, w, bias).sum().backward()
    assert w.grad is not None and bias.grad is not None
    assert w.grad._data.flags.writeable and bias.grad._data.flags.writeable
    np.testing.assert_allclose(w.grad.numpy(), np.tile(x.numpy().sum(0), (2, 1)), rtol=1e-6)
    w.grad._data[...] = 7.0
    assert bias.grad.tolist() == [4.0, 4.0]

    # A gradient returned by tg.grad belongs to the caller: passed on as a seed, it is copied.
    (gw,) = tg.grad(F.linear(x, w, bias).sum(), [w])
    leaf = tg.zeros(2, 3, requires_grad=True)
    leaf.backward(gw)
    assert leaf.grad is not gw and not np.shares_memory(leaf.grad._data, gw._data)
