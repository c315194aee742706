"""The named models of ``tinygrad-edu train``, with the settings that train each one well.

=========  =====================================================================  ==========
name       layers                                                                 parameters
=========  =====================================================================  ==========
lecture    R^3 -> R^4 -> R^3 -> R^3 -> R^2: Linear + ReLU, on points of a cube          51
mlp        Flatten, Linear(784, 128), ReLU, Linear(128, 10)                          101,770
cnn        Conv2d(1, 8, 3), ReLU, MaxPool2d(2), Conv2d(8, 16, 3), ReLU, MaxPool2d(2),    5,258
           Flatten, Linear(400, 10)
=========  =====================================================================  ==========

Each is an ``nn.Sequential``, so its state_dict names are PyTorch's ("1.weight", ...) and a
checkpoint loads unchanged into the same ``torch.nn.Sequential``.

Examples:
    >>> model = build_model("cnn")
    >>> sum(p.numel() for p in model.parameters())
    5258
    >>> DEFAULTS["cnn"].optimizer, DEFAULTS["cnn"].lr
    ('adam', 0.003)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from . import nn

LECTURE_SIZES = (3, 4, 3, 3, 2)
BALL_RADIUS = 0.985  # the ball then fills half of the cube: (4/3) pi r^3 = 4 = 8 / 2


def lecture_network() -> nn.Sequential:
    """The lecture's network R^3 -> R^4 -> R^3 -> R^3 -> R^2, with a ReLU between layers.

    Examples:
        >>> lecture_network()[0].weight.shape  # layer 1: a 4x3 matrix, R^3 -> R^4
        Size([4, 3])
    """
    layers: list[nn.Module] = []
    for inputs, outputs in zip(LECTURE_SIZES[:-1], LECTURE_SIZES[1:], strict=True):
        linear = nn.Linear(inputs, outputs)
        # Layers 3 or 4 wide die easily: when every ReLU of a layer is off for every point,
        # no gradient flows and nothing learns. He's initialisation keeps the signal's size
        # from layer to layer, and a small positive bias starts every ReLU switched on.
        nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        assert linear.bias is not None  # (for the type checker: made without bias=False)
        nn.init.constant_(linear.bias, 0.1)
        layers += [linear, nn.ReLU()]
    return nn.Sequential(*layers[:-1])  # no ReLU after the last layer: scores may be negative


def mlp() -> nn.Sequential:
    """The digit classifier 784 -> 128 -> 10: one hidden layer of 128 ReLUs."""
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


def cnn() -> nn.Sequential:
    """A small convolutional network: two 3x3 convolutions, each followed by 2x2 pooling.

    Shapes: (N, 1, 28, 28) -> conv (N, 8, 26, 26) -> pool (N, 8, 13, 13) -> conv
    (N, 16, 11, 11) -> pool (N, 16, 5, 5) -> flatten (N, 400) -> linear (N, 10).
    """
    return nn.Sequential(
        nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 10),
    )


MODELS: dict[str, Callable[[], nn.Sequential]] = {
    "lecture": lecture_network,
    "mlp": mlp,
    "cnn": cnn,
}


@dataclass(frozen=True)
class TrainingDefaults:
    """The settings ``tinygrad-edu train`` uses for a model unless told otherwise."""

    epochs: int
    batch_size: int
    lr: float
    optimizer: str  # "sgd" (with momentum) or "adam"
    reaches: str  # the test accuracy measured with these settings
    momentum: float = 0.9  # SGD only


# Chosen by measurement with `tinygrad-edu train --seed 0..3` (the image models on the 8,000 /
# 2,000 digits of mnist_sample(), 10 % of the 8,000 held out for validation: --val-fraction
# 0.1), the learning rate annealed to zero along a cosine over the epochs.
DEFAULTS = {
    "lecture": TrainingDefaults(epochs=20, batch_size=8, lr=0.02, optimizer="sgd",
                                reaches="76.5-91.5 % on its 200 test points (seed 0: 91.5 %)"),
    "mlp": TrainingDefaults(epochs=10, batch_size=32, lr=0.02, optimizer="sgd",
                            reaches="95.15-95.65 % on mnist-sample (seed 0: 95.15 %)"),
    "cnn": TrainingDefaults(epochs=10, batch_size=32, lr=0.003, optimizer="adam",
                            reaches="97.6-98.05 % on mnist-sample (seed 0: 97.7 %)"),
}


def build_model(name: str) -> nn.Sequential:
    """A fresh model by name (``"lecture"``, ``"mlp"`` or ``"cnn"``), with new random weights.

    Raises:
        ValueError: an unknown name; the message lists the known ones.
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    return MODELS[name]()


def ball_points(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The lecture network's task: points spread evenly over the cube [-1, 1]^3, labelled 1
    inside the ball of radius ``BALL_RADIUS`` around the origin and 0 outside it.

    Returns:
        ``(points, labels)``: float32 of shape ``(count, 3)`` and int64 of shape ``(count,)``.

    Examples:
        >>> points, labels = ball_points(1000)
        >>> points.shape, round(float(labels.mean()), 1)  # about half of them inside
        ((1000, 3), 0.5)
    """
    rng = np.random.default_rng(seed)
    points = rng.uniform(-1.0, 1.0, size=(count, 3)).astype(np.float32)
    labels = (np.linalg.norm(points, axis=1) < BALL_RADIUS).astype(np.int64)
    return points, labels


class LectureParameter(NamedTuple):
    """One of the lecture network's numbers, with its name from the lecture's formulas."""

    name: str  # "a_ij^k" (weight) or "b_i^k" (bias)
    value: float
    layer: int  # k, from 1
    row: int  # i, from 1: the output the number feeds
    column: int  # j, from 1: the input it weighs; 0 for a bias


def lecture_parameters(model: nn.Sequential) -> list[LectureParameter]:
    """The lecture network's 51 numbers named as in the lecture: ``a_ij^k`` is the weight of
    layer k from input j to output i (``model[2k-2].weight[i-1, j-1]``), ``b_i^k`` the bias of
    output i of layer k. Counting starts at 1, as in the lecture's formulas.

    Examples:
        >>> named = lecture_parameters(lecture_network())
        >>> len(named), named[0].name, named[12].name, named[-1].name
        (51, 'a_11^1', 'b_1^1', 'b_2^4')
    """
    named = []
    linears = [layer for layer in model if isinstance(layer, nn.Linear)]
    for k, layer in enumerate(linears, start=1):
        weight = layer.weight.numpy()
        for i in range(weight.shape[0]):
            for j in range(weight.shape[1]):
                value = float(weight[i, j])
                named.append(LectureParameter(f"a_{i + 1}{j + 1}^{k}", value, k, i + 1, j + 1))
        if layer.bias is not None:
            for i, value in enumerate(layer.bias.numpy().tolist(), start=1):
                named.append(LectureParameter(f"b_{i}^{k}", float(value), k, i, 0))
    return named
