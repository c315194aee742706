"""Adagrad, Adamax, NAdam, RAdam and the schedulers LambdaLR, MultiplicativeLR, MultiStepLR,
ExponentialLR, LinearLR, ConstantLR, CosineAnnealingWarmRestarts, OneCycleLR, SequentialLR and
ReduceLROnPlateau against torch: the same weights after 60 steps from the same start and
gradients, the same learning rates epoch after epoch, state_dict round trips, and tg.jit
replays equal to eager steps under a schedule."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn, optim
from tinygrad_edu.optim import lr_scheduler

STEPS = 60

OPTIMIZERS = [
    ("Adagrad", {}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.1}),
    ("Adagrad", {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-3, "maximize": True}),
    ("Adamax", {}),
    ("Adamax", {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.1}),
    ("Adamax", {"lr": 0.05, "eps": 1e-3, "maximize": True}),
    ("NAdam", {}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "momentum_decay": 0.01}),
    ("NAdam", {"lr": 0.05, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    ("NAdam", {"lr": 0.05, "maximize": True}),
    ("RAdam", {}),
    ("RAdam", {"lr": 0.05, "weight_decay": 0.1}),
    ("RAdam", {"lr": 0.05, "betas": (0.9, 0.9), "weight_decay": 0.1,
               "decoupled_weight_decay": True}),
    ("RAdam", {"lr": 0.05, "maximize": True}),
]


def _torch():
    return pytest.importorskip("torch", reason="the comparison needs PyTorch (torch==2.13.0)")


def _start(dtype) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    return {
        "w": rng.uniform(-2, 2, size=(3, 4)).astype(dtype),
        "b": rng.uniform(-2, 2, size=(4,)).astype(dtype),
        "target": rng.uniform(-1, 1, size=(3, 4)).astype(dtype),
        "scale": rng.uniform(0.2, 3.0, size=(3, 4)).astype(dtype),
    }


def _loss(w, b, target, scale, sign: float):
    difference = w + b - target
    return (difference * difference * scale).sum() * sign


def _train(lib, make_params, name: str, options: dict, start: dict, steps: int = STEPS,
           groups=None):
    """Weights after each step; ``lib`` is tinygrad_edu or torch."""
    w = make_params(start["w"])
    b = make_params(start["b"])
    unused = make_params(start["b"])
    target, scale = (lib.tensor(start[k]) for k in ("target", "scale"))
    params = [w, b, unused] if groups is None else groups([w, b, unused])
    optimizer = getattr(lib.optim, name)(params, **options)
    sign = -1.0 if options.get("maximize") else 1.0
    history = []
    for _ in range(steps):
        optimizer.zero_grad()
        _loss(w, b, target, scale, sign).backward()
        optimizer.step()
        history.append(np.concatenate([w.detach().numpy().ravel(), b.detach().numpy().ravel()]))
    return np.array(history), optimizer


def _ours(array):
    return tg.tensor(array, requires_grad=True)


@pytest.mark.parametrize(("name", "options"), OPTIMIZERS,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMIZERS)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_each_rule_matches_torch_for_60_steps(name: str, options: dict, dtype) -> None:
    torch = _torch()
    start = _start(dtype)
    ours, _ = _train(tg, _ours, name, options, start)
    theirs, _ = _train(torch, lambda a: torch.tensor(a, requires_grad=True), name, options,
                       start)
    assert ours.dtype == dtype
    # (torch keeps NAdam's mu_product in float32 even for float64 parameters: 2e-7 relative)
    tolerance = (1e-6 if name == "NAdam" else 1e-10) if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=tolerance * np.abs(theirs).max())
    assert np.abs(ours[-1] - ours[0]).max() > 1e-3  # it moved


@pytest.mark.parametrize("name", ["Adagrad", "Adamax", "NAdam", "RAdam"])
def test_param_groups_and_defaults_match_torch(name: str) -> None:
    torch = _torch()
    start = _start(np.float64)

    def groups(params):
        return [{"params": params[:1], "lr": 0.2, "weight_decay": 0.05}, {"params": params[1:]}]

    ours, optimizer = _train(tg, _ours, name, {"lr": 0.03}, start, 30, groups)
    theirs, reference = _train(torch, lambda a: torch.tensor(a, requires_grad=True), name,
                               {"lr": 0.03}, start, 30, groups)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-6 if name == "NAdam" else 1e-10)
    mine = {k: v for k, v in optimizer.defaults.items()}
    torchs = {k: reference.defaults[k] for k in mine}
    assert mine == torchs
    state, their_state = optimizer.state_dict(), reference.state_dict()
    assert sorted(state["state"]) == sorted(their_state["state"])  # (Adagrad: all, at start)
    for index, values in state["state"].items():
        assert sorted(values) == sorted(their_state["state"][index])
        for key, value in values.items():
            want = their_state["state"][index][key]
            got = value.numpy() if isinstance(value, tg.Tensor) else value
            np.testing.assert_allclose(got, np.asarray(want), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(("name", "options"), [OPTIMIZERS[1], OPTIMIZERS[4], OPTIMIZERS[8],
                                               OPTIMIZERS[12]])
def test_state_dict_round_trip_resumes_exactly(name: str, options: dict) -> None:
    start = _start(np.float64)
    straight, _ = _train(tg, _ours, name, options, start, 20)
    w, b, unused = (_ours(start[k]) for k in ("w", "b", "b"))
    target, scale = tg.tensor(start["target"]), tg.tensor(start["scale"])
    sign = -1.0 if options.get("maximize") else 1.0

    def steps(optimizer, count):
        for _ in range(count):
            optimizer.zero_grad()
            _loss(w, b, target, scale, sign).backward()
            optimizer.step()

    first = getattr(optim, name)([w, b, unused], **options)
    steps(first, 8)
    saved = copy.deepcopy(first.state_dict())
    steps(first, 3)  # changes the live state; the copy must not follow
    w.data = tg.tensor(straight[7][:12].reshape(3, 4))
    b.data = tg.tensor(straight[7][12:])
    second = getattr(optim, name)([w, b, unused], **{**options, "lr": 123.0})
    second.load_state_dict(saved)
    assert second.param_groups[0]["lr"] == options.get("lr", second.defaults["lr"]) or \
        second.param_groups[0]["lr"] != 123.0
    steps(second, 12)
    got = np.concatenate([w.numpy().ravel(), b.numpy().ravel()])
    np.testing.assert_allclose(got, straight[19], rtol=0, atol=1e-12)


@pytest.mark.parametrize(("make", "match"), [
    (lambda p: optim.Adagrad(p, lr=-1), "invalid lr"),
    (lambda p: optim.Adagrad(p, lr_decay=-1), "invalid lr_decay"),
    (lambda p: optim.Adagrad(p, initial_accumulator_value=-1), "initial_accumulator_value"),
    (lambda p: optim.Adamax(p, betas=(1.0, 0.9)), "beta parameter at index 0"),
    (lambda p: optim.NAdam(p, momentum_decay=-1), "momentum_decay"),
    (lambda p: optim.RAdam(p, eps=-1), "invalid eps"),
    (lambda p: optim.RAdam(p, weight_decay=-1), "weight_decay"),
])
def test_optimizer_bad_input(make, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make([tg.zeros(2, requires_grad=True)])


# -- schedulers ------------------------------------------------------------------------------
SCHEDULERS = [
    ("LambdaLR", lambda s, o: s.LambdaLR(o, lambda t: 0.95**t + 0.01 * t)),
    ("LambdaLR-list", lambda s, o: s.LambdaLR(o, [lambda t: 1 / (t + 1), lambda t: 0.9**t])),
    ("MultiplicativeLR", lambda s, o: s.MultiplicativeLR(o, lambda t: 0.97)),
    ("MultiStepLR", lambda s, o: s.MultiStepLR(o, [3, 7, 7, 20], gamma=0.3)),
    ("ExponentialLR", lambda s, o: s.ExponentialLR(o, gamma=0.93)),
    ("LinearLR", lambda s, o: s.LinearLR(o, start_factor=0.1, end_factor=0.9, total_iters=7)),
    ("ConstantLR", lambda s, o: s.ConstantLR(o, factor=0.3, total_iters=4)),
    ("WarmRestarts", lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2,
                                                                eta_min=0.001)),
    ("WarmRestarts-1", lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0=5)),
    ("OneCycleLR", lambda s, o: s.OneCycleLR(o, max_lr=[0.5, 2.0], total_steps=61)),
    ("OneCycleLR-3", lambda s, o: s.OneCycleLR(o, max_lr=1.0, epochs=6, steps_per_epoch=11,
                                               pct_start=0.25, anneal_strategy="linear",
                                               three_phase=True)),
    ("SequentialLR", lambda s, o: s.SequentialLR(o, [
        s.LinearLR(o, start_factor=0.2, total_iters=5), s.CosineAnnealingLR(o, T_max=20),
        s.ExponentialLR(o, gamma=0.9)], milestones=[5, 30])),
    ("SequentialLR-step", lambda s, o: s.SequentialLR(o, [
        s.ConstantLR(o, factor=0.5, total_iters=3), s.StepLR(o, step_size=4, gamma=0.5)],
        milestones=[6])),
]


def _rates(lib, make, optimizer_name: str = "SGD", epochs: int = 60):
    """get_last_lr() and each group's momentum (or beta1) before each epoch's step."""
    w = lib.zeros(2, requires_grad=True)
    v = lib.zeros(2, requires_grad=True)
    extra = {"momentum": 0.9} if optimizer_name == "SGD" else {}
    optimizer = getattr(lib.optim, optimizer_name)(
        [{"params": [w]}, {"params": [v], "lr": 0.3}], lr=0.1, **extra)
    scheduler = make(lib.optim.lr_scheduler, optimizer)
    rates, momenta = [], []
    for _ in range(epochs):
        optimizer.step()
        rates.append(list(scheduler.get_last_lr()))
        momenta.append([g.get("momentum", g.get("betas", (None,))[0])
                        for g in optimizer.param_groups])
        scheduler.step()
    return rates, momenta


@pytest.mark.parametrize(("label", "make"), SCHEDULERS, ids=[s[0] for s in SCHEDULERS])
def test_scheduler_rates_equal_torchs_over_60_epochs(label: str, make) -> None:
    torch = _torch()
    optimizers = ["SGD", "Adam"] if label.startswith("OneCycle") else ["SGD"]
    for name in optimizers:
        ours, our_momenta = _rates(tg, make, name)
        theirs, their_momenta = _rates(torch, make, name)
        np.testing.assert_allclose(ours, theirs, rtol=1e-14, atol=0)
        np.testing.assert_allclose(our_momenta, their_momenta, rtol=1e-14, atol=0)
    assert len({tuple(r) for r in ours}) > 1  # the rate changed


def test_reduce_lr_on_plateau_equals_torchs() -> None:
    torch = _torch()
    rng = np.random.default_rng(0)
    losses = list(np.maximum(1.0 - np.arange(80) * 0.02, 0.4) + rng.uniform(0, 0.01, 80))
    accuracies = list(np.minimum(np.arange(80) * 0.02, 0.7))
    settings = [
        ({"patience": 3}, losses), ({"patience": 2, "cooldown": 2, "factor": 0.5}, losses),
        ({"mode": "max", "patience": 1, "threshold": 0.01, "threshold_mode": "abs",
          "min_lr": [0.02, 0.001]}, accuracies),
        ({"mode": "max", "patience": 4, "threshold": 0.0}, accuracies),
        ({"patience": 0, "factor": 0.9, "eps": 0.03}, losses),
    ]
    for options, metrics in settings:
        results = []
        for lib in (tg, torch):
            optimizer = lib.optim.SGD([{"params": [lib.zeros(2, requires_grad=True)]},
                                       {"params": [lib.zeros(1, requires_grad=True)],
                                        "lr": 0.5}], lr=0.1)
            scheduler = lib.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **options)
            rates = []
            for value in metrics:
                optimizer.step()
                scheduler.step(value)
                rates.append(list(scheduler.get_last_lr()))
            results.append((rates, scheduler.num_bad_epochs, scheduler.best))
        assert results[0] == results[1], options
        assert len({tuple(r) for r in results[0][0]}) > 1
    scheduler = lr_scheduler.ReduceLROnPlateau(optim.SGD([tg.zeros(1, requires_grad=True)]))
    scheduler.step(tg.tensor(2.0))  # a one-element Tensor as the metric
    assert scheduler.best == 2.0


@pytest.mark.parametrize(("label", "make"), [SCHEDULERS[i] for i in (0, 3, 7, 10, 11)],
                         ids=[SCHEDULERS[i][0] for i in (0, 3, 7, 10, 11)])
def test_scheduler_state_dict_round_trip(label: str, make) -> None:
    def run(stop_at: int | None):
        w = tg.zeros(2, requires_grad=True)
        optimizer = optim.SGD([w], lr=0.1, momentum=0.9)
        scheduler = make(lr_scheduler, optimizer)
        rates = []
        for epoch in range(40):
            if epoch == stop_at:  # a new optimizer and scheduler resume from the saved ones
                saved = copy.deepcopy((optimizer.state_dict(), scheduler.state_dict()))
                optimizer = optim.SGD([w], lr=5.0, momentum=0.1)
                scheduler = make(lr_scheduler, optimizer)  # PyTorch's order: make, then load
                optimizer.load_state_dict(saved[0])
                scheduler.load_state_dict(saved[1])
            optimizer.step()
            rates.append(scheduler.get_last_lr())
            scheduler.step()
        return rates

    assert run(17) == run(None)


def test_scheduler_bad_input() -> None:
    sgd = optim.SGD([tg.zeros(1, requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="expected 1 lr_lambdas"):
        lr_scheduler.LambdaLR(sgd, [lambda t: 1.0, lambda t: 2.0])
    with pytest.raises(ValueError, match="start_factor"):
        lr_scheduler.LinearLR(sgd, start_factor=0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        lr_scheduler.ConstantLR(sgd, factor=2)
    with pytest.raises(ValueError, match="T_0"):
        lr_scheduler.CosineAnnealingWarmRestarts(sgd, T_0=0)
    with pytest.raises(ValueError, match="total_steps OR"):
        lr_scheduler.OneCycleLR(sgd, max_lr=1.0)
    with pytest.raises(ValueError, match="momentum or beta1"):
        lr_scheduler.OneCycleLR(optim.Adagrad([tg.zeros(1, requires_grad=True)]), 1.0,
                                total_steps=5)
    with pytest.raises(ValueError, match="factor should be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(sgd, factor=1.0)
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        lr_scheduler.SequentialLR(sgd, [lr_scheduler.ReduceLROnPlateau(sgd)], milestones=[])
    with pytest.raises(ValueError, match="one more scheduler than milestones"):
        lr_scheduler.SequentialLR(sgd, [lr_scheduler.ExponentialLR(sgd, 0.5)], milestones=[2])
    one_cycle = lr_scheduler.OneCycleLR(sgd, max_lr=1.0, total_steps=2, cycle_momentum=False)
    sgd.step()
    one_cycle.step()
    one_cycle.step()
    with pytest.raises(ValueError, match="total steps is 2"):
        one_cycle.step()


# -- tg.jit: the schedule's numbers reach the replays -----------------------------------------
def _jit_run(name: str, schedule, use_jit: bool):
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 3))
    optimizer = getattr(optim, name)(model.parameters(), lr=0.05)
    scheduler = schedule(optimizer)

    def step(x, y):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return model, optimizer, scheduler, (tg.jit(step) if use_jit else step)


@pytest.mark.parametrize(("name", "schedule"), [
    ("RAdam", lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.05, total_steps=25)),
    ("NAdam", lambda o: lr_scheduler.MultiStepLR(o, [5, 12], gamma=0.3)),
    ("Adagrad", lambda o: lr_scheduler.LambdaLR(o, lambda t: 1 / (1 + t))),
    ("Adamax", lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9)),
])
def test_20_jit_steps_equal_20_eager_steps_under_a_schedule(name: str, schedule) -> None:
    rng = np.random.default_rng(1)
    data = [(tg.tensor(rng.standard_normal((16, 6)).astype(np.float32)),
             tg.tensor(rng.integers(0, 3, 16))) for _ in range(20)]
    results = []
    for use_jit in (False, True):
        model, optimizer, scheduler, run = _jit_run(name, schedule, use_jit)
        losses, captures = [], set()
        for x, y in data:
            losses.append(run(x, y).item())
            captures.add(id(getattr(run, "last", None)))
            scheduler.step()
        if use_jit:  # (after a first call that made the state) captured once, then replays;
            # Adagrad makes its state up front: its first call is captured too (no .grad yet,
            # which is part of a capture's signature), then the second (with one)
            assert len(run.captures) == (2 if name == "Adagrad" else 1) and len(captures) == 2
        results.append((losses, [p.numpy().copy() for p in model.parameters()],
                        optimizer.state_dict()))
    (eager, eager_weights, eager_state), (jitted, weights, state) = results
    np.testing.assert_allclose(jitted, eager, rtol=0, atol=1e-6)
    for got, want in zip(weights, eager_weights, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    assert [s["step"] for s in state["state"].values()] == [20] * 4
    assert state["param_groups"][0]["lr"] == eager_state["param_groups"][0]["lr"]
    assert len({round(v, 6) for v in eager}) > 10
