"""tg.jit against eager mode over the training steps a learner writes: every optimizer, with
and without a schedule, dropout, BatchNorm (with an eval-mode call in the middle), LayerNorm,
GELU (erf's table lookups), convolutions and pooling with overlap and padding, five losses,
gradient clipping, and zero_grad() at the start, in the middle or at the end. Each row trains
8 steps both ways and compares the losses and the weights. A fuzzer over 500 such rows found
the bugs the other tg.jit tests pin down; these rows keep them found."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.nn.functional as F
from tinygrad_edu import nn
from tinygrad_edu import optim as O

OPTIMIZERS = {
    "sgd": lambda p: O.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "sgd_dampening": lambda p: O.SGD(p, lr=0.05, momentum=0.5, dampening=0.3),
    "adam_amsgrad": lambda p: O.Adam(p, lr=0.01, amsgrad=True, weight_decay=1e-2),
    "adamw": lambda p: O.AdamW(p, lr=0.01),
    "rmsprop": lambda p: O.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    "adagrad": lambda p: O.Adagrad(p, lr=0.05, lr_decay=0.01),
    "adadelta": lambda p: O.Adadelta(p),
    "adamax": lambda p: O.Adamax(p),
    "nadam": lambda p: O.NAdam(p),
    "radam": lambda p: O.RAdam(p),
}
SCHEDULES = {
    "none": None,
    "step": lambda o: O.lr_scheduler.StepLR(o, 2, 0.5),
    "warm_restarts": lambda o: O.lr_scheduler.CosineAnnealingWarmRestarts(o, 3),
    "plateau": lambda o: O.lr_scheduler.ReduceLROnPlateau(o, patience=0, factor=0.5),
}
MODELS = {
    "dropout": lambda: [nn.Linear(6, 8), nn.Tanh(), nn.Dropout(0.3), nn.Linear(8, 3)],
    "batchnorm_gelu": lambda: [nn.Linear(6, 8), nn.BatchNorm1d(8), nn.GELU(), nn.Linear(8, 3)],
    "layernorm": lambda: [nn.Linear(6, 8), nn.LayerNorm(8), nn.SiLU(), nn.Linear(8, 3)],
    "conv": lambda: [nn.Unflatten(1, (1, 2, 3)), nn.Conv2d(1, 3, 2, padding=1), nn.ReLU(),
                     nn.MaxPool2d(2, 1, 1), nn.Flatten(), nn.Linear(60, 3)],
    "conv_batchnorm": lambda: [nn.Unflatten(1, (1, 2, 3)), nn.Conv2d(1, 4, 3, padding=1),
                               nn.BatchNorm2d(4), nn.GELU(), nn.AvgPool2d(2, 1),
                               nn.Dropout2d(0.3), nn.Flatten(), nn.Linear(8, 3)],
}
LOSSES = {
    "cross_entropy": lambda out, y: F.cross_entropy(out, y),
    "smoothed": lambda out, y: F.cross_entropy(out, y, label_smoothing=0.1),
    "nll": lambda out, y: F.nll_loss(F.log_softmax(out, 1), y),
    "mse": lambda out, y: F.mse_loss(out, F.one_hot(y, 3).float()),
    "bce": lambda out, y: F.binary_cross_entropy_with_logits(out, F.one_hot(y, 3).float()),
}
ROWS = [  # optimizer, schedule, model, loss, clip, where zero_grad() is
    ("sgd", "step", "batchnorm_gelu", "cross_entropy", True, "start"),
    ("sgd_dampening", "none", "conv", "mse", False, "end"),
    ("adam_amsgrad", "warm_restarts", "dropout", "smoothed", True, "middle"),
    ("adamw", "plateau", "conv_batchnorm", "nll", False, "start"),
    ("rmsprop", "plateau", "batchnorm_gelu", "mse", False, "start"),
    ("adagrad", "none", "layernorm", "bce", True, "end"),
    ("adadelta", "step", "conv_batchnorm", "cross_entropy", True, "middle"),
    ("adamax", "warm_restarts", "layernorm", "nll", False, "end"),
    ("nadam", "step", "conv", "smoothed", True, "start"),
    ("radam", "none", "dropout", "bce", False, "middle"),
]


def _train(use_jit: bool, optimizer: str, schedule: str, model_name: str, loss_name: str,
           clip: bool, zero_grad_at: str) -> np.ndarray:
    tg.manual_seed(3)
    model = nn.Sequential(*MODELS[model_name]())
    opt = OPTIMIZERS[optimizer](model.parameters())
    scheduler = SCHEDULES[schedule](opt) if SCHEDULES[schedule] else None

    def step(x, y):
        if zero_grad_at == "start":
            opt.zero_grad()
        loss = LOSSES[loss_name](model(x), y)
        if zero_grad_at == "middle":
            opt.zero_grad()
        loss.backward()
        if clip:
            nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        opt.step()
        if zero_grad_at == "end":
            opt.zero_grad()
        return loss

    run = tg.jit(step) if use_jit else step
    rng = np.random.default_rng(1)
    losses = []
    for n in range(8):
        model.train(n != 5)  # one call in eval mode
        x = tg.tensor(rng.standard_normal((10, 6)).astype(np.float32))
        y = tg.tensor(rng.integers(0, 3, 10))
        tg.manual_seed(100 + n)  # the same dropout masks both ways
        loss = run(x, y).item()
        losses.append(loss)
        if scheduler is not None:
            scheduler.step(loss) if schedule == "plateau" else scheduler.step()
    return np.array(losses + [v for p in model.parameters() for v in p.numpy().ravel()])


@pytest.mark.parametrize("row", ROWS, ids=["-".join(map(str, row)) for row in ROWS])
def test_jit_trains_as_eager_mode(row) -> None:
    np.testing.assert_allclose(_train(True, *row), _train(False, *row), rtol=2e-5, atol=1e-6)


def _embedding_run(use_jit: bool, options: dict) -> tuple[np.ndarray, int]:
    tg.manual_seed(0)
    embedding, head = nn.Embedding(10, 4, **options), nn.Linear(4, 3)
    opt = O.Adam([*embedding.parameters(), *head.parameters()], lr=0.05)
    python_runs = []

    def step(indices, y):
        python_runs.append(1)  # a replay runs no Python of the step
        opt.zero_grad()
        loss = F.cross_entropy(head(embedding(indices).mean(1)), y)
        loss.backward()
        opt.step()
        return loss

    run = tg.jit(step) if use_jit else step
    rng = np.random.default_rng(0)
    losses = [run(tg.tensor(rng.integers(0, 10, (4, 3))), tg.tensor(rng.integers(0, 3, 4))).item()
              for _ in range(8)]
    weights = [v for p in (*embedding.parameters(), *head.parameters()) for v in p.numpy().ravel()]
    return np.array(losses + weights), len(python_runs)


@pytest.mark.parametrize("options", [{}, {"max_norm": 1.0}, {"scale_grad_by_freq": True},
                                     {"max_norm": 0.5, "norm_type": 1.0, "padding_idx": 0}])
def test_an_embedding_step_replays_every_batch(options) -> None:
    # The index range was read as two numbers (checked exactly by a replay) and max_norm and
    # scale_grad_by_freq used unique(), whose shape follows the values: most batches ran
    # eagerly again. One boolean and (rows,)-shaped counts now: captured once, then replayed.
    (eager, _), (replayed, python_runs) = _embedding_run(False, options), _embedding_run(
        True, options)
    np.testing.assert_allclose(replayed, eager, rtol=2e-5, atol=1e-6)
    assert python_runs == 2  # the first call (Adam makes its state), then the capture


def _host_read_free(use_jit: bool) -> tuple[np.ndarray, int]:
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6, momentum=None), nn.Linear(6, 3))
    opt = O.SGD(model.parameters(), lr=0.1)
    python_runs = []

    def step(x, y):
        python_runs.append(1)
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y) + model[0].weight.prod().abs() * 1e-3
        loss.backward()
        opt.step()
        return loss

    run = tg.jit(step) if use_jit else step
    rng = np.random.default_rng(0)
    losses = [run(tg.tensor(rng.standard_normal((8, 4)).astype(np.float32)),
                  tg.tensor(rng.integers(0, 3, 8))).item() for _ in range(8)]
    stats = [*model[1].running_mean.numpy(), *model[1].running_var.numpy()]
    return np.array(losses + stats), len(python_runs)


def test_batchnorm_cumulative_average_and_prod_replay_every_step() -> None:
    # BatchNorm(momentum=None) read its batch count on the host, and prod's gradient the
    # number of zeros: values that change, so every replay failed its check and ran eagerly.
    (eager, _), (replayed, python_runs) = _host_read_free(False), _host_read_free(True)
    np.testing.assert_array_equal(replayed, eager)
    assert python_runs == 2
