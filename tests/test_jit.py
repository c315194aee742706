"""tg.jit: a captured step replays the eager step exactly (SGD with momentum, Adam with a cosine
schedule, 100 steps), with new inputs, new shapes and fresh dropout masks; host reads are
refused, host checks are checked again."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn


def test_tg_jit_is_the_decorator_even_after_importing_the_module() -> None:
    importlib.import_module("tinygrad_edu.capture")
    assert callable(tg.jit)
    assert tg.jit.__module__ == "tinygrad_edu.capture"
    assert isinstance(tg.jit(lambda x: x), tg.capture.Jit)


def make_run(kind: str, use_jit: bool, seed: int = 0):
    tg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 5))
    if kind == "sgd":
        optimizer = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        scheduler = None
    else:
        optimizer = tg.optim.Adam(model.parameters(), lr=0.01)
        scheduler = tg.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=100)

    def step(x, y):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return model, optimizer, scheduler, (tg.jit(step) if use_jit else step)


def batches(count: int, rows: int = 32, seed: int = 1):
    rng = np.random.default_rng(seed)
    teacher = np.random.default_rng(0).standard_normal((20, 5))  # labels a model can learn
    for _ in range(count):
        x = rng.standard_normal((rows, 20)).astype(np.float32)
        yield tg.Tensor(x), tg.Tensor(np.argmax(x @ teacher, axis=1))


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_100_steps_equal_eager_training(kind: str) -> None:
    results = []
    for use_jit in (False, True):
        model, optimizer, scheduler, step = make_run(kind, use_jit)
        losses = []
        for x, y in batches(100):
            losses.append(step(x, y).item())
            if scheduler is not None:
                scheduler.step()
        grads = [p.grad.numpy().copy() for p in model.parameters()]
        results.append((losses, [p.numpy().copy() for p in model.parameters()], grads,
                        optimizer.state_dict()))
    (eager_losses, eager_weights, eager_grads, eager_state) = results[0]
    losses, weights, grads, state = results[1]
    np.testing.assert_allclose(losses, eager_losses, rtol=0, atol=1e-6)
    for got, want in zip(weights + grads, eager_weights + eager_grads, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-6)
    assert np.mean(eager_losses[-10:]) < np.mean(eager_losses[:10]) - 0.3  # it trained
    if kind == "adam":  # the step count is a Python number the replays kept counting
        assert [s["step"] for s in state["state"].values()] == [100] * 4
        assert state["param_groups"][0]["lr"] == eager_state["param_groups"][0]["lr"]
    assert len(step.captures) == 1  # one signature: captured once, replayed 98 or 99 times


def test_replays_return_fresh_values_and_a_new_shape_captures_again() -> None:
    model, _, _, step = make_run("sgd", True)
    _, _, _, eager = make_run("sgd", False)
    first = [step(x, y) for x, y in batches(3)]
    assert len({round(loss.item(), 6) for loss in first}) == 3  # each replay: its own value
    assert first[2].grad_fn is None and first[2].shape == ()  # call 1 warms up, 2 captures
    for loss, (x, y) in zip(first, batches(3), strict=True):
        assert loss.item() == pytest.approx(eager(x, y).item(), abs=1e-6)
    for x, y in batches(2, rows=7, seed=2):  # another batch size: a second capture
        assert step(x, y).item() == pytest.approx(eager(x, y).item(), abs=1e-6)
    assert len(step.captures) == 2
    source = step.replay_source()
    assert "def step(" in source and "matmul(" in source and "out=buf" in source


def test_dropout_draws_fresh_masks_at_every_replay() -> None:
    tg.manual_seed(3)
    dropout = nn.Dropout(0.5)
    step = tg.jit(lambda x: dropout(x) * 1.0)
    x = tg.ones(1000)
    masks = [(step(x).numpy() == 0) for _ in range(4)]
    for a, b in zip(masks, masks[1:], strict=False):
        assert 300 < a.sum() < 700 and (a != b).any()
    tg.manual_seed(3)  # and the same masks as eager mode draws, in the same order
    eager = [(dropout(x) * 1.0).numpy() == 0 for _ in range(4)]
    assert all((a == b).all() for a, b in zip(masks, eager, strict=True))


def test_a_host_read_in_the_middle_is_refused_with_the_reason() -> None:
    w = tg.Tensor([1.0, 2.0], requires_grad=True)

    @tg.jit
    def step(x):
        loss = (w * x).sum()
        if loss.item() > 10:  # data-dependent Python control flow
            loss = loss / 10
        return loss

    with pytest.raises(tg.CaptureError, match=r"reads a tensor's value on the host.*--no-jit"):
        step(tg.Tensor([1.0, 1.0]))
    with pytest.raises(tg.CaptureError):  # and it stays refused
        step(tg.Tensor([1.0, 1.0]))

    @tg.jit
    def branchy(x):
        return x * 2 if x.sum() > 0 else x

    with pytest.raises(tg.CaptureError, match="host"):
        branchy(tg.Tensor([1.0, 1.0]))


def test_a_scheduler_stepped_inside_the_function_is_refused() -> None:
    model, optimizer, scheduler, _ = make_run("adam", False)

    @tg.jit
    def step(x, y):
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
        scheduler.step()

    with pytest.raises(tg.CaptureError, match=r"last_epoch changed from 0 to 1.*lr scheduler"):
        step(*next(batches(1)))


def test_the_targets_range_is_checked_again_at_every_replay() -> None:
    model, _, _, step = make_run("sgd", True)
    (x, y), _ = list(batches(2))
    step(x, y)
    step(x, y)  # replayed
    before = [p.numpy().copy() for p in model.parameters()]
    bad = tg.tensor([0, 1, 7] + [0] * 29)
    with pytest.raises(IndexError, match="target 7 is out of bounds"):
        step(x, bad)  # the replay's check fails first; eager mode then raises its own error
    after = [p.numpy() for p in model.parameters()]
    assert all((a == b).all() for a, b in zip(before, after, strict=True))


def test_a_failing_check_finds_the_model_untouched_when_it_reads_only_inputs() -> None:
    # BatchNorm writes its running statistics before the loss checks the targets. The replay
    # runs the targets' check first (it reads the inputs only), so a bad target makes it
    # fall back to eager mode before any write: the engine's own IndexError, and the running
    # statistics exactly as eager mode leaves them. It used to stop half-way instead, with a
    # RuntimeError saying that the model was already being updated.
    states = []
    for use_jit in (False, True):
        tg.manual_seed(0)
        model = nn.Sequential(nn.Linear(20, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 5))
        optimizer = tg.optim.SGD(model.parameters(), lr=0.1)

        def step(x, y, model=model, optimizer=optimizer):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            return loss

        run = tg.jit(step) if use_jit else step
        (x, y), _ = list(batches(2))
        for _ in range(3):
            run(x, y)
        with pytest.raises(IndexError, match="target 7 is out of bounds"):
            run(x, tg.tensor([0, 1, 7] + [0] * 29))
        states.append([t.numpy().copy() for t in (*model.parameters(), *model.buffers())])
    for eager, replayed in zip(*states, strict=True):
        np.testing.assert_array_equal(replayed, eager)


def test_a_nan_input_is_not_checked_as_in_eager_mode() -> None:
    # Neither eager mode nor a replay checks finiteness (PyTorch does not either): a NaN
    # input gives a NaN loss, and the parameters become NaN, in both.
    for use_jit in (False, True):
        model, _, _, step = make_run("sgd", use_jit)
        (x, y), (x2, y2) = list(batches(2))
        step(x, y), step(x2, y2)
        x._data[0, 0] = np.nan
        assert np.isnan(step(x, y).item())
        assert np.isnan(model[0].weight.numpy()).any()


def test_python_number_arguments_are_part_of_the_signature() -> None:
    w = tg.Tensor([1.0, 2.0])
    step = tg.jit(lambda x, scale: x * w * scale)
    assert step(tg.ones(2), 2.0).tolist() == [2.0, 4.0]
    assert step(tg.ones(2), 3.0).tolist() == [3.0, 6.0]
    assert step(tg.ones(2), 3.0).tolist() == [3.0, 6.0]
    assert len(step.captures) == 2


def test_cupy_replay_is_a_cuda_graph() -> None:
    cp = pytest.importorskip("cupy", reason="the CUDA graph replay needs CuPy and a GPU")
    if "cupy" not in tg.available_backends() or not tg.cuda.is_available():
        pytest.skip("the CUDA graph replay needs the tinygrad-edu-cupy plugin and a GPU")
    tg.manual_seed(0)
    model = nn.Linear(8, 2).to("cupy")
    optimizer = tg.optim.SGD(model.parameters(), lr=0.1)

    @tg.jit
    def step(x, y):
        optimizer.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    x, y = tg.ones(4, 8, device="cupy"), tg.zeros(4, 2, device="cupy")
    losses = [step(x, y).item() for _ in range(5)]
    capture = next(iter(step.captures.values()))
    assert capture.graph is not None and not capture.reason
    assert losses == sorted(losses, reverse=True)
    assert cp is not None


def test_cupy_classification_step_is_a_cuda_graph() -> None:
    # The cross-entropy's target check reads nothing while the graph records (a read would
    # make the capture fail): the step becomes a graph, its losses are eager's, and a target
    # out of range gives nan in a replay, where eager mode raises.
    pytest.importorskip("cupy", reason="the CUDA graph replay needs CuPy and a GPU")
    if "cupy" not in tg.available_backends() or not tg.cuda.is_available():
        pytest.skip("the CUDA graph replay needs the tinygrad-edu-cupy plugin and a GPU")
    losses = {}
    for use_jit in (False, True):
        tg.manual_seed(0)
        model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 3)).to("cupy")
        optimizer = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)

        def step(x, y, model=model, optimizer=optimizer):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()
            return loss

        run = tg.jit(step) if use_jit else step
        rng = np.random.default_rng(1)
        batches = [(tg.tensor(rng.standard_normal((4, 8)).astype(np.float32), device="cupy"),
                    tg.tensor(rng.integers(0, 3, 4), device="cupy")) for _ in range(6)]
        losses[use_jit] = [run(x, y).item() for x, y in batches]
    np.testing.assert_allclose(losses[True], losses[False], rtol=1e-5)
    capture = next(iter(run.captures.values()))
    assert capture.graph is not None and not capture.reason, capture.reason
    bad = tg.tensor([0, 7, 1, 2], device="cupy")
    assert np.isnan(run(batches[0][0], bad).item())
    with pytest.raises(IndexError, match="out of bounds"):
        step(batches[0][0], bad)


def test_the_command_line_trains_with_and_without_the_capture_alike(
        tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from tinygrad_edu import cli

    accuracy = {}
    for flags in ([], ["--no-jit"]):
        out = tmp_path / ("eager" if flags else "jit")
        code = cli.main(["train", "--epochs", "2", "--out", str(out), "--quiet", *flags])
        text = capsys.readouterr().out
        assert code == 0, text
        header = "captured by tg.jit at its first call" if not flags else "eager (tg.jit off)"
        assert f"training step: {header}" in text
        accuracy[bool(flags)] = json.loads((out / "metrics.json").read_text())["test_accuracy"]
    assert accuracy[False] > 0.85
    assert abs(accuracy[False] - accuracy[True]) <= 0.005, accuracy


def test_the_cnn_replays_its_unfold_and_pooling_exactly() -> None:
    # Convolution fills an empty array piece by piece (columns[...] = x[...]); the capture
    # must record the new array and the writes, or a replay would reuse the first batch.
    from tinygrad_edu.cli.training import training_step
    from tinygrad_edu.models import build_model

    losses = []
    for use_jit in (False, True):
        tg.manual_seed(0)
        model = build_model("cnn")
        step = training_step(model, tg.optim.Adam(model.parameters(), lr=1e-3), use_jit)
        rng = np.random.default_rng(0)
        losses.append([step(tg.Tensor(rng.random((8, 1, 28, 28), dtype=np.float32)),
                            tg.Tensor(rng.integers(0, 10, 8))).item() for _ in range(5)])
    np.testing.assert_allclose(losses[1], losses[0], rtol=0, atol=1e-6)


def test_loading_weights_between_replays_is_seen_by_the_next_replay() -> None:
    results = []
    for use_jit in (False, True):
        model, _, _, step = make_run("sgd", use_jit)
        saved = {k: v.clone() for k, v in model.state_dict().items()}
        data = list(batches(6))
        for x, y in data[:4]:
            step(x, y)
        model.load_state_dict(saved)  # back to the start: new values, maybe new arrays
        results.append([step(x, y).item() for x, y in data[4:]])
    np.testing.assert_allclose(results[1], results[0], rtol=0, atol=1e-6)
