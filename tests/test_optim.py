"""Optimizers and schedulers: PyTorch's update rules and rates, in-place updates, errors."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.optim as optim
from tinygrad_edu.backends.base import Backend
from tinygrad_edu.optim import lr_scheduler

STEPS = 20
RTOL = 1e-6  # float32 rounding over 20 steps, relative to the size of the tensor's values


def _assert_close(ours: np.ndarray, theirs: np.ndarray, rtol: float = RTOL, note: str = "") -> None:
    """Close to ``rtol`` relative to the largest value: one ulp of an element near zero is tiny
    compared with the element, but not compared with the tensor (PyTorch fuses a * x + y into
    one rounding where NumPy rounds twice, so last bits differ)."""
    atol = rtol * float(np.abs(theirs).max(initial=0.0))
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, err_msg=note)

CASES = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.5}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.05, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1, "nesterov": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "maximize": True}),
    ("Adam", {"lr": 0.05}),
    ("Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("Adam", {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-3}),
    ("Adam", {"lr": 0.05, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    ("AdamW", {"lr": 0.05}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.3}),
    ("AdamW", {"lr": 0.05, "weight_decay": 0.3, "amsgrad": True}),
    ("RMSprop", {}),
    ("RMSprop", {"lr": 0.01, "centered": True}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5, "centered": True, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-4}),
    ("RMSprop", {"lr": 0.01, "maximize": True}),
]


def _torch():
    return pytest.importorskip(
        "torch", reason="PyTorch is not installed; the comparison needs torch==2.13.0"
    )


def _start() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    f32 = np.float32
    return {
        "w": rng.uniform(-2, 2, size=(3, 4)).astype(f32),
        "b": rng.uniform(-2, 2, size=(4,)).astype(f32),
        "target": rng.uniform(-1, 1, size=(3, 4)).astype(f32),
        "scale": rng.uniform(0.5, 3.0, size=(3, 4)).astype(f32),  # an ill-conditioned bowl
    }


def _loss(w, b, target, scale, sign: float):
    """sum(scale * (w + b - target)**2): elementwise, so both engines get the same gradients."""
    difference = w + b - target
    return (difference * difference * scale).sum() * sign


def _run_ours(name, options, backend, start, steps=STEPS, groups=None):
    w = tg.Tensor(start["w"], requires_grad=True, backend=backend)
    b = tg.Tensor(start["b"], requires_grad=True, backend=backend)
    unused = tg.Tensor(start["b"], requires_grad=True, backend=backend)
    target, scale = (tg.Tensor(start[k], backend=backend) for k in ("target", "scale"))
    params = [w, b, unused] if groups is None else groups([w, b, unused])
    optimizer = getattr(optim, name)(params, **options)
    sign = -1.0 if options.get("maximize") else 1.0
    history = []
    for _ in range(steps):
        optimizer.zero_grad()
        _loss(w, b, target, scale, sign).backward()
        optimizer.step()
        history.append((w.numpy().copy(), b.numpy().copy()))
    return history, optimizer, (w, b, unused)


def _run_torch(torch, name, options, start, steps=STEPS, groups=None):
    w = torch.tensor(start["w"], requires_grad=True)
    b = torch.tensor(start["b"], requires_grad=True)
    unused = torch.tensor(start["b"], requires_grad=True)
    target, scale = (torch.tensor(start[k]) for k in ("target", "scale"))
    params = [w, b, unused] if groups is None else groups([w, b, unused])
    optimizer = getattr(torch.optim, name)(params, **options)
    sign = -1.0 if options.get("maximize") else 1.0
    history = []
    for _ in range(steps):
        optimizer.zero_grad()
        _loss(w, b, target, scale, sign).backward()
        optimizer.step()
        history.append((w.detach().numpy().copy(), b.detach().numpy().copy()))
    return history


def _case_id(case) -> str:
    name, options = case
    return name + "-" + ",".join(f"{k}={v}" for k, v in options.items())


@pytest.mark.parametrize(("name", "options"), CASES, ids=[_case_id(c) for c in CASES])
def test_each_rule_matches_torch_step_for_step(name, options, backend: Backend) -> None:
    torch = _torch()
    start = _start()
    ours, optimizer, (w, b, unused) = _run_ours(name, options, backend, start)
    theirs = _run_torch(torch, name, options, start)
    for step, ((w_ours, b_ours), (w_theirs, b_theirs)) in enumerate(zip(ours, theirs, strict=True)):
        _assert_close(w_ours, w_theirs, note=f"step {step}")
        _assert_close(b_ours, b_theirs, note=f"step {step}")
    assert not np.allclose(ours[-1][0], start["w"])  # it moved
    # A parameter without a gradient is skipped: unchanged, no state.
    np.testing.assert_array_equal(unused.numpy(), start["b"])
    assert unused not in optimizer.state
    assert w.dtype is tg.float32 and w.is_leaf and w.grad_fn is None


def test_param_groups_with_their_own_hyperparameters_match_torch(backend: Backend) -> None:
    torch = _torch()
    start = _start()

    def groups(params):
        w, b, unused = params
        return [{"params": [w], "lr": 0.01, "momentum": 0.5}, {"params": [b, unused]}]

    ours, optimizer, _ = _run_ours("SGD", {"lr": 0.05, "momentum": 0.9}, backend, start,
                                   groups=groups)
    theirs = _run_torch(torch, "SGD", {"lr": 0.05, "momentum": 0.9}, start, groups=groups)
    _assert_close(ours[-1][0], theirs[-1][0])
    _assert_close(ours[-1][1], theirs[-1][1])
    assert [g["lr"] for g in optimizer.param_groups] == [0.01, 0.05]
    assert [g["momentum"] for g in optimizer.param_groups] == [0.5, 0.9]


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop"])
def test_a_linear_model_trains_like_torch(name: str) -> None:
    """A tiny linear model with a mean squared error: the engines' gradients differ in the last
    bits (sums in another order), so the tolerance is a little wider than the rules' own."""
    torch = _torch()
    rng = np.random.default_rng(3)
    x = rng.normal(size=(16, 5)).astype(np.float32)
    y = rng.normal(size=(16, 2)).astype(np.float32)
    weight = rng.normal(size=(2, 5)).astype(np.float32) * 0.3
    bias = np.zeros(2, np.float32)
    options = {"lr": 0.02, "momentum": 0.9} if name == "SGD" else {"lr": 0.02}
    results = []
    for engine in (tg, torch):
        w = engine.tensor(weight, requires_grad=True)
        b = engine.tensor(bias, requires_grad=True)
        inputs, targets = engine.tensor(x), engine.tensor(y)
        optimizer = getattr(engine.optim, name)([w, b], **options)
        losses = []
        for _ in range(STEPS):
            optimizer.zero_grad()
            error = inputs @ w.T + b - targets
            loss = (error * error).mean()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        results.append((w.detach().numpy().copy(), losses))
    (w_ours, losses_ours), (w_theirs, losses_theirs) = results
    _assert_close(w_ours, w_theirs, rtol=1e-5)
    np.testing.assert_allclose(losses_ours, losses_theirs, rtol=1e-5)
    assert losses_ours[-1] < losses_ours[0]


@pytest.mark.parametrize(("name", "options"), CASES, ids=[_case_id(c) for c in CASES])
def test_the_parameter_stays_the_same_tensor_and_memory(name, options) -> None:
    w = tg.Tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    array = w._data
    optimizer = getattr(optim, name)([w], **options)
    for _ in range(3):
        optimizer.zero_grad()
        (w * w).sum().backward()
        optimizer.step()
    assert w._data is array  # changed in place, so views and references see the new values
    assert w._version >= 3  # the version counter saw every update
    assert w.requires_grad and w.is_leaf and w.grad_fn is None  # no graph was recorded
    for value in optimizer.state[w].values():
        if isinstance(value, tg.Tensor):
            assert not value.requires_grad and value.is_leaf


def test_step_works_in_float64_and_on_empty_parameters() -> None:
    w = tg.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    empty = tg.zeros(0, requires_grad=True)
    optimizer = optim.Adam([w, empty], lr=0.1)
    (w * w).sum().backward()
    empty.sum().backward()
    optimizer.step()
    assert w.dtype is tg.float64 and optimizer.state[w]["exp_avg"].dtype is tg.float64
    expected = [1 - 0.1 * 2 / (2 + 1e-8), 2 - 0.1 * 4 / (4 + 1e-8)]  # m_hat = g, v_hat = g * g
    np.testing.assert_allclose(w.numpy(), expected, rtol=1e-15)
    assert empty.shape == (0,)


def test_step_runs_under_no_grad_even_when_recording_is_on() -> None:
    w = tg.Tensor([1.0], requires_grad=True)
    (w * 3).sum().backward()
    assert tg.is_grad_enabled()
    optim.SGD([w], lr=1.0).step()
    assert w.item() == pytest.approx(-2.0) and tg.is_grad_enabled()


def test_zero_grad_sets_none_or_zeros() -> None:
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    optimizer = optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    gradient = w.grad
    optimizer.zero_grad(set_to_none=False)
    assert w.grad is gradient and w.grad.tolist() == [0.0, 0.0]
    optimizer.zero_grad()
    assert w.grad is None
    optimizer.zero_grad()  # nothing to clear is fine


def test_closure_is_called_with_recording_on_and_its_loss_returned() -> None:
    w = tg.Tensor([2.0], requires_grad=True)
    optimizer = optim.SGD([w], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with tg.no_grad():
        loss = optimizer.step(closure)
    assert loss.item() == 4.0 and w.item() == 1.0


def test_add_param_group_takes_defaults_and_is_stepped() -> None:
    w, b = tg.Tensor([1.0], requires_grad=True), tg.Tensor([1.0], requires_grad=True)
    optimizer = optim.SGD([w], lr=0.5, momentum=0.9)
    optimizer.add_param_group({"params": b, "lr": 0.25})
    assert optimizer.param_groups[1]["momentum"] == 0.9
    (w + b).sum().backward()
    optimizer.step()
    assert (w.item(), b.item()) == (0.5, 0.75)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optimizer.add_param_group({"params": [w]})
    with pytest.raises(ValueError, match="needs the key 'params'"):
        optimizer.add_param_group({"lr": 0.1})


# -- state_dict ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "options"), [
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5}),
])
def test_state_dict_resumes_exactly(name, options) -> None:
    start = _start()
    straight, _, _ = _run_ours(name, options, "numpy", start, steps=10)
    first, optimizer, (w, b, unused) = _run_ours(name, options, "numpy", start, steps=5)
    saved = copy.deepcopy(optimizer.state_dict())
    # A new run: fresh tensors with the values reached, a fresh optimizer, the saved state.
    w2 = tg.Tensor(w.numpy(), requires_grad=True)
    b2 = tg.Tensor(b.numpy(), requires_grad=True)
    unused2 = tg.Tensor(unused.numpy(), requires_grad=True)
    resumed = getattr(optim, name)([w2, b2, unused2], lr=123.0)
    resumed.load_state_dict(saved)
    assert resumed.param_groups[0]["lr"] == options["lr"]
    assert resumed.param_groups[0]["params"][0] is w2
    target, scale = tg.Tensor(start["target"]), tg.Tensor(start["scale"])
    for _ in range(5):
        resumed.zero_grad()
        _loss(w2, b2, target, scale, 1.0).backward()
        resumed.step()
    np.testing.assert_array_equal(w2.numpy(), straight[-1][0])
    np.testing.assert_array_equal(b2.numpy(), straight[-1][1])


def test_state_dict_has_torchs_layout() -> None:
    torch = _torch()
    start = _start()
    _, ours, _ = _run_ours("Adam", {"lr": 0.05}, "numpy", start, steps=2)
    w = torch.tensor(start["w"], requires_grad=True)
    b = torch.tensor(start["b"], requires_grad=True)
    unused = torch.tensor(start["b"], requires_grad=True)
    theirs = torch.optim.Adam([w, b, unused], lr=0.05)
    (w.sum() + b.sum()).backward()
    theirs.step()
    ours_dict, theirs_dict = ours.state_dict(), theirs.state_dict()
    assert sorted(ours_dict["state"]) == sorted(theirs_dict["state"]) == [0, 1]
    assert set(ours_dict["state"][0]) == set(theirs_dict["state"][0])
    assert ours_dict["param_groups"][0]["params"] == theirs_dict["param_groups"][0]["params"]
    assert ours_dict["state"][1]["step"] == 2


def test_load_state_dict_refuses_another_layout() -> None:
    w, b = tg.Tensor([1.0], requires_grad=True), tg.Tensor([1.0], requires_grad=True)
    saved = optim.SGD([w, b], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="saved with 2 parameters but has 1"):
        optim.SGD([w], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="1 parameter group"):
        optim.SGD([{"params": [w]}, {"params": [b]}], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        optim.SGD([w, b], lr=0.1).load_state_dict({"w": w})


def test_loaded_state_moves_to_the_parameters_backend_and_dtype() -> None:
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    optimizer = optim.Adam([w], lr=0.1)
    (w * w).sum().backward()
    optimizer.step()
    w64 = tg.Tensor(np.array([1.0, 2.0]), requires_grad=True, backend="array_api_strict")
    resumed = optim.Adam([w64], lr=0.1)
    resumed.load_state_dict(optimizer.state_dict())
    state = resumed.state[w64]
    assert state["exp_avg"].dtype is tg.float64 and state["exp_avg"].backend is w64.backend
    assert state["exp_avg"] is not optimizer.state[w]["exp_avg"] and state["step"] == 1


# -- bad input -----------------------------------------------------------------------------------
def _w() -> tg.Tensor:
    return tg.Tensor([1.0, 2.0], requires_grad=True)


@pytest.mark.parametrize(("make", "error", "match"), [
    (lambda: optim.SGD([_w()], lr=-0.1), ValueError, "invalid learning rate lr=-0.1"),
    (lambda: optim.Adam([_w()], lr=-1.0), ValueError, "invalid learning rate"),
    (lambda: optim.RMSprop([_w()], lr=-1.0), ValueError, "invalid lr=-1.0"),
    (lambda: optim.SGD([_w()], momentum=-0.9), ValueError, "momentum=-0.9"),
    (lambda: optim.SGD([_w()], weight_decay=-1.0), ValueError, "weight_decay=-1.0"),
    (lambda: optim.SGD([_w()], nesterov=True), ValueError, "Nesterov momentum requires"),
    (lambda: optim.SGD([_w()], momentum=0.9, dampening=0.1, nesterov=True), ValueError,
     "dampening=0.1"),
    (lambda: optim.Adam([_w()], betas=(1.0, 0.999)), ValueError, "beta parameter at index 0"),
    (lambda: optim.Adam([_w()], betas=(0.9, -0.1)), ValueError, "beta parameter at index 1"),
    (lambda: optim.AdamW([_w()], betas=(0.9,)), ValueError, "a pair"),
    (lambda: optim.Adam([_w()], eps=-1e-8), ValueError, "invalid eps"),
    (lambda: optim.RMSprop([_w()], alpha=-0.5), ValueError, "alpha=-0.5"),
    (lambda: optim.SGD([_w()], lr=float("nan")), ValueError, "lr=nan"),
    (lambda: optim.SGD([], lr=0.1), ValueError, "empty parameter list"),
    (lambda: optim.SGD(iter([]), lr=0.1), ValueError, "used up"),
    (lambda: optim.SGD(_w(), lr=0.1), TypeError, r"single Tensor .*wrap it in a list"),
    (lambda: optim.SGD({_w()}, lr=0.1), TypeError, "is a set"),
    (lambda: optim.SGD(3.0, lr=0.1), TypeError, "iterable of Tensors"),
    (lambda: optim.SGD([np.ones(2)], lr=0.1), TypeError, "parameter 0 is ndarray"),
    (lambda: optim.SGD([_w(), 2.0], lr=0.1), TypeError, "parameter 1 is float"),
    (lambda: optim.SGD([_w() * 2], lr=0.1), ValueError, r"non-leaf Tensor .*computed by Mul"),
    (lambda: optim.SGD([tg.Tensor([1, 2])], lr=0.1), TypeError, "dtype int64"),
    (lambda: optim.SGD([{"params": [_w()], "lr": -2.0}], lr=0.1), ValueError, "lr=-2.0"),
    (lambda: optim.SGD(["w"], lr=0.1), TypeError, "parameter 0 is str"),
])
def test_bad_input_says_what_is_wrong(make, error, match) -> None:
    with pytest.raises(error, match=match):
        make()


def test_the_same_tensor_twice_is_refused() -> None:
    w = _w()
    with pytest.raises(ValueError, match="same tensor twice"):
        optim.Adam([w, w])


def test_repr_lists_the_groups() -> None:
    text = repr(optim.SGD([_w()], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "momentum: 0.9" in text


# -- schedulers ----------------------------------------------------------------------------------
SCHEDULES = [
    ("StepLR", {"step_size": 3, "gamma": 0.5}),
    ("StepLR", {"step_size": 1}),
    ("CosineAnnealingLR", {"T_max": 10, "eta_min": 0.001}),
    ("CosineAnnealingLR", {"T_max": 7}),
    ("CosineAnnealingLR", {"T_max": 1}),
]


def _schedule(module, optimizer, name, options, steps=30):
    scheduler = getattr(module.optim.lr_scheduler, name)(optimizer, **options)
    rates = [scheduler.get_last_lr()]
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        rates.append(scheduler.get_last_lr())
    assert rates[-1] == [group["lr"] for group in optimizer.param_groups]
    return rates, scheduler


@pytest.mark.parametrize(("name", "options"), SCHEDULES, ids=[_case_id(s) for s in SCHEDULES])
def test_schedulers_match_torchs_rates_over_30_epochs(name, options) -> None:
    torch = _torch()
    ours = optim.SGD([{"params": [_w()], "lr": 0.1}, {"params": [_w()], "lr": 0.03}])
    weights = [torch.ones(2, requires_grad=True), torch.ones(2, requires_grad=True)]
    theirs = torch.optim.SGD([{"params": [weights[0]], "lr": 0.1},
                              {"params": [weights[1]], "lr": 0.03}])
    ours_rates, _ = _schedule(tg, ours, name, options)
    theirs_rates, _ = _schedule(torch, theirs, name, options)
    np.testing.assert_allclose(ours_rates, theirs_rates, rtol=1e-15, atol=0)
    assert len(ours_rates) == 31


def test_cosine_annealing_follows_the_closed_form_and_rises_again() -> None:
    optimizer = optim.SGD([_w()], lr=1.0)
    rates, _ = _schedule(tg, optimizer, "CosineAnnealingLR", {"T_max": 10, "eta_min": 0.1})
    closed_form = [0.1 + 0.9 * (1 + math.cos(math.pi * t / 10)) / 2 for t in range(31)]
    np.testing.assert_allclose([r[0] for r in rates], closed_form, rtol=1e-12, atol=1e-12)


def test_resuming_a_schedule_matches_torch() -> None:
    torch = _torch()
    results = []
    for module, weight in ((tg, _w()), (torch, torch.ones(2, requires_grad=True))):
        optimizer = module.optim.SGD([weight], lr=0.5)
        optimizer.param_groups[0]["initial_lr"] = 1.0
        scheduler = module.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=8, last_epoch=5)
        rates = [scheduler.get_last_lr()[0]]
        for _ in range(6):
            optimizer.step()
            scheduler.step()
            rates.append(scheduler.get_last_lr()[0])
        results.append(rates)
    np.testing.assert_allclose(results[0], results[1], rtol=1e-15)


def test_scheduler_state_dict_round_trip() -> None:
    optimizer = optim.SGD([_w()], lr=1.0)
    _, scheduler = _schedule(tg, optimizer, "StepLR", {"step_size": 2}, steps=3)
    state = scheduler.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 3
    other = lr_scheduler.StepLR(optim.SGD([_w()], lr=1.0), step_size=5)
    other.load_state_dict(state)
    assert other.last_epoch == 3 and other.step_size == 2 and other.get_last_lr() == [0.1]


def test_scheduler_stepped_before_the_optimizer_warns() -> None:
    scheduler = lr_scheduler.StepLR(optim.SGD([_w()], lr=1.0), step_size=1)
    with pytest.warns(UserWarning, match=r"before optimizer.step\(\)"):
        scheduler.step()


@pytest.mark.parametrize(("make", "error", "match"), [
    (lambda o: lr_scheduler.StepLR(o, step_size=0), ValueError, "step_size must be"),
    (lambda o: lr_scheduler.StepLR(o, step_size=2.5), ValueError, "step_size must be"),
    (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=0), ValueError, "T_max must be"),
    (lambda o: lr_scheduler.StepLR("sgd", step_size=1), TypeError, "needs a tinygrad_edu opt"),
    (lambda o: lr_scheduler.StepLR(o, step_size=1, last_epoch=3), KeyError, "initial_lr"),
])
def test_scheduler_bad_input(make, error, match) -> None:
    with pytest.raises(error, match=match):
        make(optim.SGD([_w()], lr=1.0))


def test_an_nn_model_trains_with_its_parameters_generator() -> None:
    nn = pytest.importorskip("tinygrad_edu.nn", reason="tinygrad_edu.nn is not there yet")
    if not all(hasattr(nn, name) for name in ("Sequential", "Linear", "ReLU")):
        pytest.skip("tinygrad_edu.nn has no Sequential, Linear and ReLU yet")
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.ReLU(), nn.Linear(8, 1))
    weight = model[0].weight if hasattr(model, "__getitem__") else None
    optimizer = optim.Adam(model.parameters(), lr=0.01)  # a generator, as in PyTorch
    rng = np.random.default_rng(0)
    x = tg.Tensor(rng.normal(size=(32, 3)).astype(np.float32))
    y = tg.Tensor(rng.normal(size=(32, 1)).astype(np.float32))
    losses = []
    for _ in range(30):
        optimizer.zero_grad()
        error = model(x) - y
        loss = (error * error).mean()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.9 * losses[0]
    assert len(optimizer.state) == 4
    if weight is not None:
        assert model[0].weight is weight  # updated in place, still the module's parameter
