"""Every elementwise function against PyTorch on a grid of edge values: value, dtype and the
gradient of ``.sum()``, in float32 and float64.

The grid holds what hides wrong numbers: infinities and nan, the float32 extremes (1e38, the
subnormal 1e-45), both zeros, and a few ordinary numbers. Nan positions must agree exactly,
other values to a few float32 ulps (NumPy's and PyTorch's exp, sin, ... may round the last
bit apart; subnormal results count as 0, which PyTorch's vectorised float32 log1p gives for
log1p(1e-45)). Zeros are compared by value only: -0.0 == 0.0 (PyTorch's relu(-0.0), maximum at
tied zeros and remainder keep a sign NumPy drops, which no later number but 1 / x can see).
Run as a script, the file exercises every case on tinygrad_edu alone, which the test
``test_no_numpy_warnings_leak`` does under ``-W error::RuntimeWarning``.
"""

from __future__ import annotations

import functools
import math
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F

torch = pytest.importorskip(
    "torch", reason="PyTorch is not installed (pip install torch); these tests compare with it"
)
TF = torch.nn.functional

INF, NAN = math.inf, math.nan
GRID = [-INF, -1e38, -2.0, -1.0, -0.5, -1e-45, -0.0, 0.0, 1e-45, 0.5, 1.0, 2.0, 1e38, INF, NAN]
RTOL = {"float32": 1e-6, "float64": 1e-12}
DTYPES = ["float32", "float64"]

# Tensor methods with the same name and meaning in PyTorch (one input).
METHODS = (
    "abs neg exp exp2 expm1 log log2 log10 log1p sqrt rsqrt sin cos sinh cosh tanh asin acos "
    "atan asinh acosh atanh arcsin arccos arctan arcsinh arccosh arctanh sigmoid relu sign "
    "frac trunc floor ceil round reciprocal square erf erfinv sinc deg2rad rad2deg "
    "nan_to_num"
).split()
# torch.nn.functional twins, with options where they change the formula.
ACTIVATIONS: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
    name: (getattr(F, name), getattr(TF, name))
    for name in (
        "relu relu6 elu gelu silu mish softplus softsign hardtanh sigmoid tanh logsigmoid "
        "leaky_relu"
    ).split()
}
ACTIVATIONS.update({
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"),
                  lambda x: TF.gelu(x, approximate="tanh")),
    "softplus_beta": (lambda x: F.softplus(x, beta=2.0, threshold=5.0),
                      lambda x: TF.softplus(x, beta=2.0, threshold=5.0)),
    "elu_alpha": (lambda x: F.elu(x, alpha=0.5), lambda x: TF.elu(x, alpha=0.5)),
    "leaky_relu_slope": (lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2)),
    "hardtanh_bounds": (lambda x: F.hardtanh(x, -0.5, 2.0), lambda x: TF.hardtanh(x, -0.5, 2.0)),
})
# One tensor and a Python number, the same line in both libraries.
SCALARS = [0.0, -0.0, 2.0, -2.0, 0.5, -0.5, 3.0, INF, -INF, NAN, 1e-45, 1e38]
WITH_SCALAR: dict[str, Callable[[Any, float], Any]] = {
    "x ** s": lambda x, s: x**s,
    "s ** x": lambda x, s: s**x,
    "x / s": lambda x, s: x / s,
    "s / x": lambda x, s: s / x,
    "x + s": lambda x, s: x + s,
    "s - x": lambda x, s: s - x,
    "x * s": lambda x, s: x * s,
    "fmod": lambda x, s: x.fmod(s),
    "remainder": lambda x, s: x.remainder(s),
    "div floor": lambda x, s: x.div(s, rounding_mode="floor"),
    "div trunc": lambda x, s: x.div(s, rounding_mode="trunc"),
    "clamp min": lambda x, s: x.clamp(min=s),
    "clamp max": lambda x, s: x.clamp(max=s),
    "clip both": lambda x, s: x.clip(-abs(s), abs(s)) if s == s else x.clip(s, s),
    "xlogy": lambda x, s: x.xlogy(s),
    "lerp weight": lambda x, s: x.lerp(x * 0.0 + 1.0, s),
}
# Two tensors, every pair of grid values (x down the rows, y across).
BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda x, y: x + y,
    "sub": lambda x, y: x - y,
    "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y,
    "pow": lambda x, y: x**y,
    "maximum": lambda x, y: x.maximum(y),
    "minimum": lambda x, y: x.minimum(y),
    "max other": lambda x, y: x.max(other=y) if isinstance(x, tg.Tensor) else x.max(y),
    "atan2": lambda x, y: x.atan2(y),
    "hypot": lambda x, y: x.hypot(y),
    "fmod": lambda x, y: x.fmod(y),
    "remainder": lambda x, y: x.remainder(y),
    "xlogy": lambda x, y: x.xlogy(y),
    "logaddexp": lambda x, y: x.logaddexp(y),
    "div floor": lambda x, y: x.div(y, rounding_mode="floor"),
    "div trunc": lambda x, y: x.div(y, rounding_mode="trunc"),
    "clamp min": lambda x, y: x.clamp(min=y),
    "clamp max": lambda x, y: x.clamp(max=y),
    "where": lambda x, y: (tg if isinstance(x, tg.Tensor) else torch).where(x > y, x, y),
    "lerp end": lambda x, y: x.lerp(y, 0.3),
    "lerp tensor weight": lambda x, y: x.lerp(x.detach() * 0.0 + 1.0, y),
    "addcmul": lambda x, y: x.addcmul(y, y),
    "addcmul value": lambda x, y: x.addcmul(y, x, value=0.3),
    "addcdiv": lambda x, y: x.addcdiv(x, y),
}


# 1 + erf(x / √2) and 1 + tanh(u) cancel for x < 0: an ulp of erf or tanh, where NumPy's and
# PyTorch's float32 functions differ, is 4e-6 of gelu(-2).
LOOSER = {"F.gelu": 1e-5, "F.gelu_tanh": 1e-5}


def assert_matches(ours: Any, theirs: Any, dtype: str, what: str) -> None:
    """Same dtype and shape, nan at the same places, the other values within RTOL."""
    if theirs is None:
        assert ours is None, f"{what}: PyTorch gives None, we give {ours}"
        return
    assert ours is not None, f"{what}: PyTorch gives {theirs}, we give None"
    got, expected = ours.numpy(), theirs.detach().numpy()
    assert str(got.dtype) == str(expected.dtype), f"{what}: dtype {got.dtype}, not {expected.dtype}"
    assert got.shape == expected.shape, f"{what}: shape {got.shape}, not {expected.shape}"
    nan_differs = np.isnan(got) != np.isnan(expected)
    assert not nan_differs.any(), (
        f"{what}: nan differs at {np.argwhere(nan_differs).tolist()[:5]}: "
        f"ours {got[nan_differs][:5]}, torch {expected[nan_differs][:5]}"
    )
    tiny = float(np.finfo(got.dtype).smallest_normal) if got.dtype.kind == "f" else 0
    rtol = RTOL.get(dtype, 0)
    if dtype == "float32":
        rtol = LOOSER.get(what.split(":")[0], rtol)
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=tiny, err_msg=what)


def compare(ours_fn: Callable[..., Any], torch_fn: Callable[..., Any], arrays: list[np.ndarray],
            dtype: str, what: str, grad: bool = True) -> None:
    """Run both on the same arrays; compare the results and the gradients of ``.sum()``."""
    ours_in = [tg.tensor(a, requires_grad=grad) for a in arrays]
    torch_in = [torch.tensor(a, requires_grad=grad) for a in arrays]
    with np.errstate(all="ignore"):
        ours = ours_fn(*ours_in)
        theirs = torch_fn(*torch_in)
        assert_matches(ours, theirs, dtype, what + ": value")
        if grad and theirs.requires_grad:
            ours.sum().backward()
            theirs.sum().backward()
            for i, (mine, yours) in enumerate(zip(ours_in, torch_in, strict=True)):
                assert_matches(mine.grad, yours.grad, dtype, f"{what}: gradient {i}")


def _call(line: Callable[[Any, float], Any], number: float, x: Any) -> Any:
    return line(x, number)


def grid(dtype: str) -> np.ndarray:
    return np.array(GRID, dtype=dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", METHODS)
def test_tensor_method_matches_torch(name: str, dtype: str) -> None:
    compare(getattr(tg.Tensor, name), getattr(torch.Tensor, name), [grid(dtype)], dtype, name)
    if hasattr(tg, name):  # the function form too: tg.exp(x) as torch.exp(x)
        compare(getattr(tg, name), getattr(torch, name), [grid(dtype)], dtype, "tg." + name)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_activation_matches_torch(name: str, dtype: str) -> None:
    ours, theirs = ACTIVATIONS[name]
    compare(ours, theirs, [grid(dtype)], dtype, "F." + name)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(WITH_SCALAR))
def test_tensor_and_number_match_torch(name: str, dtype: str) -> None:
    line = WITH_SCALAR[name]
    for s in SCALARS:
        with_s = functools.partial(_call, line, s)
        compare(with_s, with_s, [grid(dtype)], dtype, f"{name}, s={s}")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", list(BINARY))
def test_two_tensors_match_torch(name: str, dtype: str) -> None:
    x = grid(dtype)
    compare(BINARY[name], BINARY[name], [x[:, None].copy(), x[None, :].copy()], dtype, name)


def test_clamp_with_tensor_bounds_and_nan() -> None:
    """Where x or a bound is nan, PyTorch's clamp gives no one a gradient."""
    x, low, high = [NAN, 1.0, 5.0, 2.0], [0.0, NAN, 0.0, 0.0], [3.0, 3.0, 3.0, NAN]
    compare(lambda a, b, c: a.clamp(b, c), lambda a, b, c: a.clamp(b, c),
            [np.array(v, dtype="float32") for v in (x, low, high)], "float32", "clamp")


# -- integers and bools: PyTorch promotes them to float32 for the float functions --------------
INT_VALUES = {"int64": [-3, -1, 0, 1, 2, 100], "bool": [False, True]}
FLOAT_FUNCTIONS = (
    "exp exp2 expm1 log log2 log10 log1p sqrt rsqrt sin cos sinh cosh tanh asin acos atan "
    "asinh acosh atanh sigmoid reciprocal erf erfinv sinc deg2rad rad2deg"
).split()


@pytest.mark.parametrize("dtype", ["int64", "bool"])
def test_integer_inputs_promote_as_in_torch(dtype: str) -> None:
    x = np.array(INT_VALUES[dtype], dtype=dtype)
    for name in FLOAT_FUNCTIONS + ["abs", "neg", "square", "relu", "sign", "floor", "nan_to_num"]:
        try:
            theirs = getattr(torch.tensor(x), name)()
        except (RuntimeError, NotImplementedError):  # bool abs, neg, relu...: PyTorch refuses
            continue
        compare(getattr(tg.Tensor, name), getattr(torch.Tensor, name), [x], "float32", name,
                grad=False)
        assert theirs is not None
    for name in ("sigmoid", "softplus", "silu", "gelu", "elu", "relu", "logsigmoid", "tanh"):
        if dtype == "bool" or name in ("gelu", "elu", "softplus", "silu", "logsigmoid"):
            continue  # PyTorch refuses these for integers ("not implemented for 'Long'")
        compare(getattr(F, name), getattr(TF, name), [x], "float32", "F." + name, grad=False)
    for name, line in {**WITH_SCALAR, **{"x / y": lambda a, s: a / (a * 0 + 2)}}.items():
        for s in (2, 2.5, -1):
            if name in ("lerp weight", "xlogy", "clip both") or (dtype == "bool" and "-" in name):
                continue  # lerp needs floats; bool - x is refused by PyTorch
            try:
                theirs = line(torch.tensor(x), s)
            except (RuntimeError, ZeroDivisionError):
                continue  # integer division by zero, negative integer powers: refused there
            with_s = functools.partial(_call, line, s)
            compare(with_s, with_s, [x], "float32", f"{name}, s={s}", grad=False)
            assert theirs is not None


# -- 0-d and empty tensors -----------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(), (0,), (2, 0)])
def test_zero_dimensional_and_empty_tensors(shape: tuple[int, ...]) -> None:
    x = np.full(shape, 0.5, dtype="float32")
    for name in METHODS:
        compare(getattr(tg.Tensor, name), getattr(torch.Tensor, name), [x], "float32", name)
    for name in BINARY:
        compare(BINARY[name], BINARY[name], [x, x], "float32", name)


# -- regressions, each a line whose number used to differ from PyTorch's -------------------------
def test_pow_minus_half_is_one_over_sqrt_as_in_torch() -> None:
    x = tg.tensor([-INF, -0.0, 4.0], requires_grad=True)
    y = x**-0.5
    assert np.isnan(y[0].item()) and y[1].item() == -INF and y[2].item() == 0.5  # was 0, +inf
    z = tg.tensor([-INF, -0.0, 4.0], requires_grad=True)
    (z**0.5).sum().backward()  # 0.5 * z ** -0.5: was 0 and +inf at -inf and -0.0
    assert np.isnan(z.grad[0].item()) and z.grad[1].item() == -INF


def test_number_over_tensor_is_reciprocal_times_number_as_in_torch() -> None:
    x = tg.tensor([1e-45, -1e38], dtype=tg.float32, requires_grad=True)
    y = 0.0 / x  # PyTorch: reciprocal(x) * 0 = inf * 0 = nan at the subnormal
    assert np.isnan(y[0].item())
    (INF / x).sum().backward()  # -inf * (1 / x)**2 = inf * 0 = nan where the square underflows
    assert np.isnan(x.grad[1].item())


def test_addcmul_rounds_once_as_torch_does() -> None:
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal(1000).astype("float32") for _ in range(3))
    ours = tg.tensor(a).addcmul(tg.tensor(b), tg.tensor(c), value=0.3).numpy()
    theirs = torch.tensor(a).addcmul(torch.tensor(b), torch.tensor(c), value=0.3).numpy()
    np.testing.assert_array_equal(ours, theirs)  # twice-rounded: ~1 element in 4 an ulp off


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_and_minimum_keep_the_first_zero_at_a_tie(name: str) -> None:
    x, y = [-0.0, 0.0], [0.0, -0.0]
    ours = getattr(tg.tensor(x), name)(tg.tensor(y)).numpy()
    theirs = getattr(torch.tensor(x), name)(torch.tensor(y)).numpy()
    np.testing.assert_array_equal(np.signbit(ours), np.signbit(theirs))  # was the second's


def test_no_numpy_warnings_leak() -> None:
    """PyTorch says nothing at 1 / 0 or inf - inf; NumPy warns. None of its warnings may reach
    the learner: the whole grid (values and gradients) runs under -W error::RuntimeWarning."""
    done = subprocess.run(
        [sys.executable, "-W", "error::RuntimeWarning", __file__],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ran" in done.stdout


def _exercise_ours() -> None:
    """Every case above on tinygrad_edu alone (for the warnings test)."""
    count = 0
    for dtype in DTYPES:
        x = grid(dtype)
        cases: list[tuple[Callable[..., Any], list[np.ndarray]]] = []
        cases += [(getattr(tg.Tensor, name), [x]) for name in METHODS]
        cases += [(ours, [x]) for ours, _ in ACTIVATIONS.values()]
        cases += [((lambda t, f=f, s=s: f(t, s)), [x]) for f in WITH_SCALAR.values()
                  for s in SCALARS]
        cases += [(f, [x[:, None].copy(), x[None, :].copy()]) for f in BINARY.values()]
        for fn, arrays in cases:
            inputs = [tg.tensor(a, requires_grad=True) for a in arrays]
            out = fn(*inputs)
            if out.requires_grad:
                out.sum().backward()
            count += 1
    print(f"ran {count} cases")


if __name__ == "__main__":
    _exercise_ours()
