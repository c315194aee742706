"""On a device whose values the host must wait for (a GPU: ``Backend.device_reads_wait``), the
hot paths read nothing on the host: a ``bool(xp.any(...))`` in a training step would make the
program wait for the GPU's queue to drain at every step, and a CUDA graph cannot hold one.

No GPU is needed to check that. The backend here is NumPy's with ``device_reads_wait = True``,
and ``tg.jit``'s recording counts the host reads: each read the engine makes during a capture
becomes a check (``GuardFailed``) in the replay's source. The same code on the plain NumPy
backend shows that the detector sees a read where one is made."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu.backends.numpy_backend import NumpyBackend


class WaitingNumpy(NumpyBackend):
    """NumPy arrays, but the engine takes the device's paths (as it does for CuPy)."""

    name = "numpy-waiting"
    device_reads_wait = True


def _host_reads(backend: tg.backends.Backend, fn, *arrays: np.ndarray) -> int:
    """How many host reads the engine makes in ``fn`` (the checks of its tg.jit replay)."""
    tensors = [tg.Tensor(a, backend=backend) for a in arrays]
    step = tg.jit(fn)
    step(*tensors)
    if step.replay_source().startswith("# not captured"):  # an optimizer made its state
        step(*tensors)
    assert not step.replay_source().startswith("#"), "nothing was captured"
    return step.replay_source().count("GuardFailed(")


def _pool_step(x: tg.Tensor) -> tg.Tensor:
    x.requires_grad_(True)
    y = F.max_pool2d(x, 3, 2, 1)  # overlapping windows and padding: the general path
    weights = tg.Tensor(np.arange(y.numel(), dtype=np.float32).reshape(y.shape), backend=x.backend)
    (y * weights).sum().backward()
    return x.grad


def _images(nan_share: float) -> np.ndarray:
    rng = np.random.default_rng(3)
    x = rng.integers(-2, 3, size=(2, 3, 7, 8)).astype(np.float32)  # small ints: many ties
    x[rng.random(x.shape) < nan_share] = np.nan
    return x


def test_max_pooling_reads_nothing_on_a_device() -> None:
    x = _images(0.0)
    assert _host_reads(WaitingNumpy(), _pool_step, x) == 0
    assert _host_reads(NumpyBackend(), _pool_step, x) >= 1  # the host path asks: is a nan there?


def _pooled(backend: tg.backends.Backend, x: np.ndarray, weights: np.ndarray):
    t = tg.Tensor(x, backend=backend, requires_grad=True)
    y = F.max_pool2d(t, 3, 2, 1)
    (y * tg.Tensor(weights.reshape(y.shape), backend=backend)).sum().backward()
    return y.numpy(), t.grad.numpy()


def test_max_pooling_gives_the_host_paths_numbers_on_a_device() -> None:
    for nan_share in (0.0, 0.1, 0.4):  # no nan, some windows with nans, most windows
        x = _images(nan_share)
        weights = np.arange(2 * 3 * 4 * 4, dtype=np.float32)
        weights[::7] = np.inf  # an inf gradient: exactly 0 off the picked elements, not nan
        host, device = _pooled(NumpyBackend(), x, weights), _pooled(WaitingNumpy(), x, weights)
        assert np.isnan(host[0]).any() == (nan_share > 0)
        np.testing.assert_array_equal(device[0], host[0])
        np.testing.assert_array_equal(device[1], host[1])


def test_relu_and_clamp_route_inf_gradients_alike_on_a_device() -> None:
    x = np.array([-1.0, 0.5, 2.0, -3.0, 4.0], dtype=np.float32)
    seed = np.array([np.inf, np.inf, -np.inf, np.nan, 1.0], dtype=np.float32)
    grads = []
    for backend in (NumpyBackend(), WaitingNumpy()):
        t = tg.Tensor(x, backend=backend, requires_grad=True)
        out = t.relu() + t.clamp(-2.0, 1.0)
        out.backward(tg.Tensor(seed, backend=backend))
        grads.append(t.grad.numpy())
    np.testing.assert_array_equal(grads[1], grads[0])
    np.testing.assert_array_equal(grads[0], [np.inf, np.inf, -np.inf, 0.0, 1.0])  # as PyTorch


def _one_hot_training(jit: bool) -> tuple[list[float], int]:
    tg.manual_seed(0)
    python_runs = []
    layer = tg.nn.Linear(4, 5)
    optimizer = tg.optim.SGD(layer.parameters(), lr=0.1)

    def step(x: tg.Tensor, y: tg.Tensor) -> tg.Tensor:
        python_runs.append(1)  # a replay runs no Python of the step
        loss = F.mse_loss(layer(x), F.one_hot(y, 5).float())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    run = tg.jit(step) if jit else step
    rng = np.random.default_rng(2)
    losses = []
    for n in range(6):  # each batch's smallest and largest class differ
        y = np.full(8, n % 5)
        y[:2] = rng.integers(0, 5, 2)
        losses.append(run(tg.tensor(rng.standard_normal((8, 4)).astype(np.float32)),
                          tg.tensor(y)).item())
    return losses, len(python_runs)


def test_one_hot_checks_its_range_as_one_question() -> None:
    # one_hot read min and max as numbers: a replay checked those exact values, and each batch
    # whose smallest or largest class differed ran eagerly again. It reads one boolean now.
    (replayed, captures), (eager, _) = _one_hot_training(True), _one_hot_training(False)
    np.testing.assert_allclose(replayed, eager, rtol=1e-6)
    assert captures == 2  # the first call (the optimizer makes its state), the capture
    with pytest.raises(ValueError, match=r"must lie in \[0, 5\), got 0 \.\. 5"):
        F.one_hot(tg.tensor([0, 5]), 5)
    with pytest.raises(ValueError, match=r"got -1 \.\. 0"):
        F.one_hot(tg.tensor([-1, 0]), 5)


def test_a_check_that_keeps_failing_is_reported_once() -> None:
    # one_hot without num_classes reads the largest class on the host: the replay's shape
    # depends on it, so a batch with another largest class runs eagerly. At eager speed,
    # silently, until a warning says so (once, at the third such call).
    def step(y: tg.Tensor) -> tg.Tensor:
        return F.one_hot(y).sum(0)

    run = tg.jit(step)
    run(tg.tensor([0, 1]))  # captured with 2 classes
    assert run(tg.tensor([1, 0])).tolist() == [1, 1]  # replayed
    with pytest.warns(RuntimeWarning, match=r"failed on 3 calls, which then ran eagerly") as seen:
        for top in (2, 3, 4, 5):
            assert run(tg.tensor([0, top])).tolist() == [1] + [0] * (top - 1) + [1]
    assert len(seen) == 1


# -- the cross-entropy while a CUDA graph records (Backend.host_reads_forbidden) -----------------
class RecordingGraph(WaitingNumpy):
    """As CuPy while ``tg.jit`` records a CUDA graph: nothing may be read on the host."""

    name = "numpy-graph"
    host_reads_forbidden = True


def _classifier(backend: tg.backends.Backend):  # type: ignore[no-untyped-def]
    """A training step of a two-layer classifier whose weights live on ``backend``."""
    rng = np.random.default_rng(4)
    w1, w2 = (tg.Tensor(rng.standard_normal(s).astype(np.float32), backend=backend,
                        requires_grad=True) for s in ((6, 4), (3, 6)))
    optimizer = tg.optim.SGD([w1, w2], lr=0.1)

    def step(x: tg.Tensor, y: tg.Tensor) -> tg.Tensor:
        loss = F.cross_entropy(F.linear(F.linear(x, w1).relu(), w2), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return step


def test_a_classification_step_reads_nothing_while_a_graph_records() -> None:
    x, y = np.ones((5, 4), dtype=np.float32), np.array([0, 2, 1, 1, 0])
    graph = RecordingGraph()
    assert _host_reads(graph, _classifier(graph), x, y) == 0
    # eagerly on a device the targets' range is still checked: one boolean read
    waiting = WaitingNumpy()
    assert _host_reads(waiting, _classifier(waiting), x, y) == 1


def _loss_and_grad(backend: tg.backends.Backend, x: np.ndarray, t: np.ndarray,
                   **options: object) -> list[np.ndarray]:
    logits = tg.Tensor(x, backend=backend, requires_grad=True)
    loss = F.cross_entropy(logits, tg.Tensor(t, backend=backend), **options)
    (loss.sum() if loss.ndim else loss).backward()
    return [loss.numpy(), logits.grad.numpy()]


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")  # inf - inf, meant
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(6, 5), (3, 4, 2, 2), (0, 5)])
def test_unread_targets_give_the_checked_numbers(shape: tuple[int, ...], reduction: str) -> None:
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape).astype(np.float32)
    if shape[0]:
        x[(0, 0, *[0] * (len(shape) - 2))] = np.inf  # the first loss is nan (inf - inf)
    targets = rng.integers(0, shape[1], (shape[0], *shape[2:]))
    for ignore_index in (-100, 1):  # the default (outside the classes) and a class
        ignored = targets.copy()
        ignored.flat[:1] = ignore_index  # the row whose loss is nan
        for t in (targets, ignored):
            checked = _loss_and_grad(NumpyBackend(), x, t, reduction=reduction,
                                     ignore_index=ignore_index)
            unread = _loss_and_grad(RecordingGraph(), x, t, reduction=reduction,
                                    ignore_index=ignore_index)
            for mine, theirs in zip(unread, checked, strict=True):
                np.testing.assert_allclose(mine, theirs, rtol=1e-6, atol=1e-7)
    if shape[0]:  # the first row's nan, ignored: the loss and the other rows stay finite
        assert np.isfinite(_loss_and_grad(RecordingGraph(), x, ignored, ignore_index=1)[0])


def test_a_target_out_of_range_gives_nan_never_a_wrong_number() -> None:
    # CuPy wraps an index that is out of range: the loss would quietly read another class.
    x = np.random.default_rng(6).standard_normal((4, 3)).astype(np.float32)
    t = np.array([0, 5, 1, -3])
    with pytest.raises(IndexError, match="target 5 is out of bounds"):
        _loss_and_grad(WaitingNumpy(), x, t)  # eagerly: checked, as on the CPU
    loss, grad = _loss_and_grad(RecordingGraph(), x, t, reduction="none")
    good = _loss_and_grad(NumpyBackend(), x[[0, 2]], t[[0, 2]], reduction="none")
    assert np.isnan(loss[[1, 3]]).all() and np.isnan(grad[[1, 3]]).all()
    np.testing.assert_allclose(loss[[0, 2]], good[0], rtol=1e-6)
    np.testing.assert_allclose(grad[[0, 2]], good[1], rtol=1e-6)
    mean, _ = _loss_and_grad(RecordingGraph(), x, t)
    assert np.isnan(mean)


class CountingIndex(WaitingNumpy):
    """Counts the backend's indexing calls (CuPy's check their bounds on the host)."""

    name = "numpy-counting"
    calls = 0

    def getitem(self, array, index):  # type: ignore[no-untyped-def]
        CountingIndex.calls += 1
        return super().getitem(array, index)

    def setitem(self, target, index, values):  # type: ignore[no-untyped-def]
        CountingIndex.calls += 1
        super().setitem(target, index, values)


def test_the_cross_entropy_gradient_indexes_nothing_on_a_device() -> None:
    x = np.random.default_rng(7).standard_normal((4, 3)).astype(np.float32)
    t = np.array([0, 2, 1, 1])
    host = _loss_and_grad(NumpyBackend(), x, t)
    for waits in (False, True):
        backend = CountingIndex()
        backend.device_reads_wait = waits
        CountingIndex.calls = 0
        device = _loss_and_grad(backend, x, t)
        assert CountingIndex.calls == (0 if waits else 2)  # the host's path: get and set
        np.testing.assert_allclose(device[1], host[1], rtol=1e-6)
        np.testing.assert_array_equal(device[0], host[0])
