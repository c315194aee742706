"""PyTorch's signatures across the library, not only nn.functional: a learner's positional call
must mean here what it means in torch (``x.var(0, True)`` is *unbiased*, not keepdim), and
torch's keyword names must be accepted (``tg.mm(input=a, mat2=b)``). Each fix is checked by
its numbers against torch 2.x; one sweep compares every readable signature with torch's."""

from __future__ import annotations

import ast
import inspect
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn

torch = pytest.importorskip("torch", reason="these tests compare with PyTorch")

DATA = np.array([[1.0, 3.0, 4.0, -2.0], [2.0, 6.0, 9.0, 0.5], [0.0, 1.5, -1.0, 2.0]])
VECTOR = np.array([1.0, -2.0, 3.0])


def _pair(value: object) -> tuple[Any, Any]:
    if isinstance(value, np.ndarray):
        return tg.tensor(value), torch.tensor(value)
    return value, value


def _same(ours: Any, theirs: Any) -> None:
    if isinstance(theirs, tuple | list):
        assert len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            _same(a, b)
        return
    expected = theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else np.asarray(theirs)
    got = ours.numpy() if isinstance(ours, tg.Tensor) else np.asarray(ours)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-9)


# -- (a) positions: var and std take (dim, unbiased, keepdim), as torch ------------------------
@pytest.mark.parametrize("name", ["var", "std"])
@pytest.mark.parametrize("args", [(0, True), (1, False), (1, True, True), (0, False, True),
                                  (1,), ()])
def test_var_and_std_take_pytorchs_positions(name: str, args: tuple) -> None:
    ours, theirs = _pair(DATA)
    _same(getattr(ours, name)(*args), getattr(theirs, name)(*args))
    _same(getattr(tg, name)(ours, *args), getattr(torch, name)(theirs, *args))


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_and_std_keywords_and_their_conflict(name: str) -> None:
    ours, theirs = _pair(DATA)
    options = {"dim": 1, "keepdim": True, "correction": 0}
    _same(getattr(ours, name)(**options), getattr(theirs, name)(**options))
    with pytest.raises(TypeError, match="unbiased= and correction="):
        getattr(ours, name)(1, True, correction=0)
    with pytest.raises(TypeError):  # an int in keepdim's place: torch refuses it too
        getattr(theirs, name)(1, True, 0)
    with pytest.raises(TypeError, match="keepdim must be a bool"):
        getattr(ours, name)(1, True, 0)


@pytest.mark.parametrize("cell", ["GRUCell", "LSTMCell"])
def test_gru_and_lstm_cells_take_device_and_dtype_in_pytorchs_places(cell: str) -> None:
    # torch: (input_size, hidden_size, bias, device, dtype); ours had nonlinearity in 4th place.
    ours = getattr(nn, cell)(3, 4, True, None, tg.float64)
    theirs = getattr(torch.nn, cell)(3, 4, True, None, torch.float64)
    assert ours.weight_ih.dtype is tg.float64
    for name, parameter in theirs.named_parameters():
        getattr(ours, name).data = tg.tensor(parameter.detach().numpy())
    x = DATA[:, :3]
    _same(ours(tg.tensor(x)), theirs(torch.tensor(x)))


# -- (c) dtype= where it was missing ---------------------------------------------------------
def test_sum_softmax_and_log_softmax_take_dtype() -> None:
    single = DATA.astype(np.float32)
    ours, theirs = _pair(single)
    got = ours.sum(1, dtype=tg.float64)
    assert got.dtype is tg.float64
    _same(got, theirs.sum(1, dtype=torch.float64))
    _same(tg.sum(ours, 0, True, dtype=tg.float64), torch.sum(theirs, 0, True, dtype=torch.float64))
    for name in ("softmax", "log_softmax"):  # torch's second place is dtype
        got = getattr(ours, name)(1, tg.float64)
        assert got.dtype is tg.float64
        _same(got, getattr(theirs, name)(1, torch.float64))


@pytest.mark.parametrize("mode", ["trunc", "floor"])
def test_div_in_place_takes_rounding_mode(mode: str) -> None:
    ours, theirs = _pair(np.array([5, 7, -3]))
    ours.div_(2, rounding_mode=mode)
    theirs.div_(2, rounding_mode=mode)
    _same(ours, theirs)


def test_adam_takes_decoupled_weight_decay() -> None:
    start = np.array([1.0, -3.0, 0.5])
    ours, theirs = tg.tensor(start, requires_grad=True), torch.tensor(start, requires_grad=True)
    options = {"weight_decay": 0.5, "decoupled_weight_decay": True}
    mine, their = tg.optim.Adam([ours], 0.1, **options), torch.optim.Adam([theirs], 0.1, **options)
    for _ in range(3):
        mine.zero_grad()
        their.zero_grad()
        (ours**3).sum().backward()
        (theirs**3).sum().backward()
        mine.step()
        their.step()
    _same(ours, theirs)


# -- (b) torch's keyword names ---------------------------------------------------------------
M = np.arange(6.0).reshape(2, 3)
B = np.arange(12.0).reshape(2, 3, 2)
# (function, keyword arguments): each called with the same keywords here and in torch.
KEYWORDS = [
    ("add", {"input": VECTOR, "other": VECTOR, "alpha": 2}),
    ("sub", {"input": VECTOR, "other": VECTOR}), ("mul", {"input": VECTOR, "other": 2.0}),
    ("div", {"input": VECTOR, "other": VECTOR}), ("matmul", {"input": M, "other": M.T}),
    ("mm", {"input": M, "mat2": M.T}), ("bmm", {"input": B, "mat2": B.transpose(0, 2, 1)}),
    ("dot", {"input": VECTOR, "tensor": VECTOR}), ("outer", {"input": VECTOR, "vec2": VECTOR}),
    ("maximum", {"input": VECTOR, "other": -VECTOR}),
    ("minimum", {"input": VECTOR, "other": -VECTOR}),
    ("where", {"condition": VECTOR > 0, "input": VECTOR, "other": -VECTOR}),
    ("eq", {"input": VECTOR, "other": VECTOR}), ("ge", {"input": VECTOR, "other": 0.0}),
    ("isclose", {"input": VECTOR, "other": VECTOR + 1e-9}),
    ("logical_and", {"input": VECTOR > 0, "other": VECTOR < 2}),
    ("remainder", {"input": VECTOR, "other": 2.0}), ("fmod", {"input": VECTOR, "other": 2.0}),
    ("floor_divide", {"input": VECTOR, "other": 2.0}), ("pow", {"input": VECTOR, "exponent": 2}),
    ("exp", {"input": VECTOR}), ("abs", {"input": VECTOR}), ("clamp", {"input": VECTOR, "min": 0}),
    ("sum", {"input": M, "dim": 1, "keepdim": True}), ("mean", {"input": M, "dim": 0}),
    ("var", {"input": M, "dim": 1}), ("std", {"input": M, "dim": 0, "correction": 0}),
    ("amax", {"input": M, "dim": 1}), ("argmax", {"input": M, "dim": 1}),
    ("softmax", {"input": M, "dim": 1}), ("logsumexp", {"input": M, "dim": 1}),
    ("cumsum", {"input": M, "dim": 1}), ("prod", {"input": M, "dim": 1}),
    ("transpose", {"input": M, "dim0": 0, "dim1": 1}), ("flatten", {"input": B, "start_dim": 1}),
    ("tril", {"input": M}), ("roll", {"input": M, "shifts": 1, "dims": 1}),
    ("split", {"tensor": M, "split_size_or_sections": 1, "dim": 1}),
    ("narrow", {"input": M, "dim": 1, "start": 1, "length": 2}),
    ("gather", {"input": M, "dim": 1, "index": np.array([[0, 2], [1, 1]])}),
    ("full", {"size": (2, 3), "fill_value": 1.5}), ("arange", {"start": 1, "end": 4}),
    ("zeros_like", {"input": M}), ("ones_like", {"input": M}),
    ("full_like", {"input": M, "fill_value": 2.0}),
]


@pytest.mark.parametrize(("name", "options"), KEYWORDS, ids=[k[0] for k in KEYWORDS])
def test_function_forms_take_pytorchs_keywords(name: str, options: dict) -> None:
    ours = getattr(tg, name)(**{k: _pair(v)[0] for k, v in options.items()})
    theirs = getattr(torch, name)(**{k: _pair(v)[1] for k, v in options.items()})
    _same(ours, theirs)


METHOD_KEYWORDS = [
    ("mm", M, {"mat2": M.T}), ("bmm", B, {"mat2": B.transpose(0, 2, 1)}),
    ("dot", VECTOR, {"tensor": VECTOR}), ("outer", VECTOR, {"vec2": VECTOR}),
    ("broadcast_to", VECTOR, {"size": (2, 3)}), ("split", M, {"split_size": 2, "dim": 1}),
    ("where", VECTOR, {"condition": VECTOR > 0, "other": 0.0}),
    ("transpose", M, {"dim0": 1, "dim1": 0}), ("var", M, {"dim": 0, "unbiased": False}),
]


@pytest.mark.parametrize(("name", "array", "options"), METHOD_KEYWORDS,
                         ids=[k[0] for k in METHOD_KEYWORDS])
def test_methods_take_pytorchs_keywords(name: str, array: np.ndarray, options: dict) -> None:
    mine, theirs = _pair(array)
    got = getattr(mine, name)(**{k: _pair(v)[0] for k, v in options.items()})
    expected = getattr(theirs, name)(**{k: _pair(v)[1] for k, v in options.items()})
    _same(got, expected)


def test_in_place_methods_and_helpers_take_pytorchs_keywords() -> None:
    mine, theirs = _pair(np.zeros(3))
    mine.copy_(other=tg.tensor(VECTOR), non_blocking=False)
    theirs.copy_(other=torch.tensor(VECTOR), non_blocking=False)
    _same(mine, theirs)
    _same(F.one_hot(input=tg.tensor([0, 2]), num_classes=3),
          torch.nn.functional.one_hot(input=torch.tensor([0, 2]), num_classes=3))
    _same(tg.from_dlpack(ext_tensor=VECTOR), torch.from_dlpack(ext_tensor=VECTOR))
    batch = [(VECTOR, 1), (-VECTOR, 0)]
    ours = tg.data.default_collate(batch=batch)
    theirs = torch.utils.data.default_collate(batch=batch)
    _same(ours[0], theirs[0])
    _same(ours[1], theirs[1])


@pytest.mark.parametrize("name", ["max", "min"])
def test_max_and_min_take_other_by_keyword(name: str) -> None:
    mine, theirs = _pair(DATA)
    _same(getattr(mine, name)(other=mine.flip(0)), getattr(theirs, name)(other=theirs.flip(0)))
    _same(getattr(tg, name)(mine, other=mine.flip(0)),
          getattr(torch, name)(theirs, other=theirs.flip(0)))
    with pytest.raises(TypeError, match="no dim"):
        getattr(mine, name)(1, other=mine)


LAYERS = [("ReLU", ()), ("GELU", ()), ("Softmax", (1,)), ("Flatten", ()), ("Identity", ()),
          ("LeakyReLU", (0.2,)), ("Hardtanh", (-0.5, 0.5)), ("Unflatten", (1, (2, 2)))]


@pytest.mark.parametrize(("layer", "options"), LAYERS, ids=[k[0] for k in LAYERS])
def test_layers_take_their_input_as_input(layer: str, options: tuple) -> None:
    mine, theirs = _pair(DATA)
    expected = getattr(torch.nn, layer)(*options)(input=theirs)
    _same(getattr(nn, layer)(*options)(input=mine), expected)


def test_losses_and_sequential_take_pytorchs_keywords() -> None:
    mine, theirs = _pair(DATA)
    target_mine, target_theirs = _pair(DATA[::-1].copy())
    for loss in ("L1Loss", "SmoothL1Loss", "HuberLoss"):
        _same(getattr(nn, loss)()(input=mine, target=target_mine),
              getattr(torch.nn, loss)()(input=theirs, target=target_theirs))
    _same(nn.Sequential(nn.ReLU(), nn.Tanh())(input=mine),
          torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Tanh())(input=theirs))


# -- the sweep: no positional call valid in both means something else here ------------------
ALIASES = {"axis": "dim", "keepdims": "keepdim", "x": "input", "self": "input"}

# Deliberate differences, each with its reason (name: reason).
ALLOWED = {
    # torch.tensor's stub lists (data, dtype, device, requires_grad), but torch accepts only
    # data by position (`torch.tensor(d, torch.float64)` is a TypeError), so every call valid
    # in torch means the same here; ours also takes dtype, requires_grad positionally.
    "tensor": "torch.tensor takes only data by position",
}


def _stub(path: Path, cls: str | None = None) -> dict[str, list[list[str]]]:
    """Positional parameter names of each overload in one of torch's type stubs."""
    body = ast.parse(path.read_text()).body
    if cls is not None:
        body = next(n for n in body if isinstance(n, ast.ClassDef) and n.name == cls).body
    found: dict[str, list[list[str]]] = {}
    for node in body:
        if isinstance(node, ast.FunctionDef):
            names = [a.arg for a in node.args.posonlyargs + node.args.args]
            found.setdefault(node.name, []).append(names[1:] if cls else names)
    return found


def _positions(function: Any, method: bool) -> list[str] | None:
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in parameters if p.kind in kinds]
    return names[1:] if method and names[:1] == ["self"] else names


def _ours(function: Any, name: str, method: bool) -> list[str] | None:
    names = _positions(function, method)
    parameters = inspect.signature(function).parameters.values()
    forwards = any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters)
    if names is not None and forwards and not method and hasattr(tg.Tensor, name):
        inner = _positions(getattr(tg.Tensor, name), True)  # tg.sum(x, *args) is x.sum(*args)
        names = None if inner is None else names[:1] + inner
    return names


def _moved(ours: list[str], overloads: list[list[str]]) -> list[str]:
    """Our parameters that torch puts in another place, where a call reaching that place is
    valid in torch (a name torch lacks is a rename at most, not a move)."""
    theirs = [[ALIASES.get(n, n) for n in names] for names in overloads]
    moved = []
    for i, name in enumerate(ALIASES.get(n, n) for n in ours):
        reach = [names for names in theirs if len(names) > i]
        places = {names.index(name) for names in theirs if name in names}
        if reach and places and i not in places:
            moved.append(f"{name} is our #{i}, torch's #{sorted(places)}")
    return moved


def _pairs() -> list[tuple[str, Any, Any, str, bool]]:
    """(label, ours, torch's, name, method) for everything in both."""
    import torch.utils.data as torch_data

    found = []
    for name in dir(tg):
        mine, theirs = getattr(tg, name), getattr(torch, name, None)
        if name[0] != "_" and callable(mine) and not isinstance(mine, type | types.ModuleType):
            if theirs is not None:
                found.append((f"tg.{name}", mine, theirs, name, False))
    for name in dir(tg.Tensor):
        mine, theirs = getattr(tg.Tensor, name), getattr(torch.Tensor, name, None)
        static = inspect.getattr_static(tg.Tensor, name)
        if name[0] != "_" and theirs is not None and inspect.isfunction(static):
            found.append((f"Tensor.{name}", mine, theirs, name, True))
    spaces = [(nn, torch.nn), (tg.optim, torch.optim), (tg.optim.lr_scheduler,
              torch.optim.lr_scheduler), (nn.init, torch.nn.init), (nn.utils, torch.nn.utils),
              (F, torch.nn.functional), (tg.data, torch_data)]
    for ours, theirs in spaces:
        for name in dir(ours):
            mine, other = getattr(ours, name), getattr(theirs, name, None)
            if name[0] == "_" or other is None or isinstance(mine, types.ModuleType):
                continue
            if isinstance(mine, type) and isinstance(other, type):
                found.append((f"{ours.__name__}.{name}", mine.__init__, other.__init__, name,
                              True))
                if hasattr(mine, "forward") and hasattr(other, "forward"):  # layer(x, hx)
                    found.append((f"{ours.__name__}.{name}.forward", mine.forward,
                                  other.forward, "forward", True))
            elif inspect.isfunction(mine) and not isinstance(other, type):
                found.append((f"{ours.__name__}.{name}", mine, other, name, False))
    return found


def test_no_positional_call_means_something_else_here() -> None:
    stubs = Path(torch.__file__).parent / "_C"
    functions = _stub(stubs / "_VariableFunctions.pyi")
    methods = _stub(stubs / "__init__.pyi", "TensorBase")
    functional = {**functions, **_stub(stubs / "_nn.pyi")}  # F.gelu is torch._C._nn.gelu
    problems, compared = [], 0
    for label, mine, theirs, name, method in _pairs():
        ours = _ours(mine, name, method)
        readable = _positions(theirs, method)
        stubbed = methods if label.startswith("Tensor.") else functions
        if label.startswith(F.__name__):
            stubbed = functional
        overloads = [readable] if readable is not None else stubbed.get(name, [])
        if ours is None or not overloads or name in ALLOWED and label == f"tg.{name}":
            continue
        compared += 1
        moved = _moved(ours, overloads)
        if moved:
            problems.append(f"{label}: {moved}")
    assert compared > 500, f"only {compared} signatures compared: has the sweep lost a source?"
    assert not problems, "parameters in other places than PyTorch's:\n" + "\n".join(problems)
