"""The lecture's first network, trained by hand: forward, loss, backward, repeat.

A network is a function. This one maps a point of R^3 to two scores, one per class:

    R^3 --W1,b1--> R^4 --ReLU, W2,b2--> R^3 --ReLU, W3,b3--> R^3 --ReLU, W4,b4--> R^2

four weight matrices, four bias vectors, and a ReLU between them. The task: is a point of the
cube [-1, 1]^3 inside the ball of radius 0.985 around the origin (class 1) or outside it
(class 0)? That radius gives the two classes about the same number of points. No straight cut
separates them, so the ReLUs have to bend the boundary.

Training is gradient descent written out in full, with no optimizer object hiding anything:
forward (compute the scores), loss (how wrong they are), backward (the gradient of the loss
with respect to every weight), update (a small step against the gradient), repeat. 80 % of the
points train the network, the other 20 % test it on points it has never seen.

Every few epochs the script prints the loss and the training accuracy. Both come from that
epoch's forward pass, so they describe the same weights: the ones from before its update.

Run:
    python examples/first_network.py
    TINYGRAD_EDU_BACKEND=cupy python examples/first_network.py      # on a GPU
"""

from __future__ import annotations

import numpy as np

import tinygrad_edu as tg

LAYER_SIZES = [3, 4, 3, 3, 2]
POINTS = 1000
TRAIN_FRACTION = 0.8
LEARNING_RATE = 0.3
EPOCHS = 2000
PRINT_EVERY = 200
BALL_RADIUS = 0.985  # the ball then fills half of the cube: (4/3) pi r^3 = 4 = 8 / 2


def make_data(points: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points spread evenly over the cube [-1, 1]^3, labelled 1 inside the ball, 0 outside.

    Example:
        >>> x, y = make_data(5)
        >>> x.shape, y.shape, set(y.tolist()) <= {0, 1}
        ((5, 3), (5,), True)
    """
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(points, 3)).astype(np.float32)
    y = (np.linalg.norm(x, axis=1) < BALL_RADIUS).astype(np.int64)
    return x, y


def train_test_split(
    x: np.ndarray, y: np.ndarray, train_fraction: float, seed: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle, then keep the first part for training and the rest for testing."""
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(train_fraction * len(x))
    train, test = order[:cut], order[cut:]
    return x[train], y[train], x[test], y[test]


def init_parameters(sizes: list[int]) -> list[tuple[tg.Tensor, tg.Tensor]]:
    """One (W, b) pair per layer. W is (inputs, outputs) so that a layer is ``x @ W + b``.

    The weights start random (all-equal weights would make every neuron of a layer learn the
    same thing), scaled by sqrt(2 / inputs) so the scores neither explode nor vanish from layer
    to layer. The biases start at a small positive value, so every ReLU starts out switched on.
    """
    layers = []
    for inputs, outputs in zip(sizes[:-1], sizes[1:], strict=True):
        w = tg.randn(inputs, outputs) * (2.0 / inputs) ** 0.5
        b = tg.full((outputs,), 0.1)
        layers.append((w.detach().requires_grad_(), b.requires_grad_()))
    return layers


def forward(layers: list[tuple[tg.Tensor, tg.Tensor]], x: tg.Tensor) -> tg.Tensor:
    """The network as a function: matrices, biases and a ReLU between them."""
    for index, (w, b) in enumerate(layers):
        x = x @ w + b
        if index < len(layers) - 1:  # no ReLU after the last layer: scores may be negative
            x = x.relu()
    return x


def cross_entropy(scores: tg.Tensor, one_hot: tg.Tensor) -> tg.Tensor:
    """Average of -log(probability given to the right class); softmax turns scores into
    probabilities, and log_softmax does it without overflowing."""
    return -(scores.log_softmax(axis=1) * one_hot).sum() / scores.shape[0]


def fraction_correct(scores: tg.Tensor, labels: tg.Tensor) -> float:
    """Fraction of points whose highest score is the right class."""
    return (scores.argmax(axis=1) == labels).float().mean().item()


def accuracy(layers: list[tuple[tg.Tensor, tg.Tensor]], x: tg.Tensor, y: tg.Tensor) -> float:
    """Run the network on ``x`` and score it against the labels ``y``."""
    with tg.no_grad():  # evaluation will never be differentiated, so record no graph
        scores = forward(layers, x)
    return fraction_correct(scores, y)


def as_tensors(points: np.ndarray, labels: np.ndarray) -> tuple[tg.Tensor, tg.Tensor, tg.Tensor]:
    """Points, labels, and labels one-hot (label 1 -> [0, 1]) as tensors.

    They go to the default backend: TINYGRAD_EDU_BACKEND, or NumPy when it is not set.
    """
    one_hot = np.eye(2, dtype=np.float32)[labels]
    return tg.Tensor(points), tg.Tensor(labels), tg.Tensor(one_hot)


def main() -> float:
    tg.manual_seed(0)
    points, labels = make_data(POINTS)
    train_points, train_labels, test_points, test_labels = train_test_split(
        points, labels, TRAIN_FRACTION
    )
    x_train, y_train, one_hot_train = as_tensors(train_points, train_labels)
    x_test, y_test, _ = as_tensors(test_points, test_labels)
    layers = init_parameters(LAYER_SIZES)
    parameters = [p for layer in layers for p in layer]
    print(
        f"network {' -> '.join(f'R^{n}' for n in LAYER_SIZES)}, "
        f"{sum(p.numel() for p in parameters)} parameters, backend {x_train.backend.name}; "
        f"{len(x_train)} training and {len(x_test)} test points"
    )

    for epoch in range(1, EPOCHS + 1):
        scores = forward(layers, x_train)  # 1. forward
        loss = cross_entropy(scores, one_hot_train)  # 2. loss
        if epoch % PRINT_EVERY == 0 or epoch == 1:
            # Loss and accuracy of the same scores: the weights before this epoch's update.
            print(
                f"epoch {epoch:5d}   loss {loss.item():.4f}   "
                f"train accuracy {fraction_correct(scores, y_train):6.1%}"
            )
        loss.backward()  # 3. backward: fills p.grad for every parameter
        # 4. update. p - LEARNING_RATE * p.grad is a tensor operation, which the engine would
        # record because p requires a gradient; under no_grad it builds no graph.
        with tg.no_grad():
            for p in parameters:
                p.data = (p - LEARNING_RATE * p.grad).data
                # backward() *adds* into .grad, so it must be emptied before the next one.
                p.grad = None

    # The final weights, after the last update.
    train_accuracy = accuracy(layers, x_train, y_train)
    test_accuracy = accuracy(layers, x_test, y_test)
    print(f"final train accuracy: {train_accuracy:.1%}")
    print(f"final test accuracy: {test_accuracy:.1%}")
    return test_accuracy


if __name__ == "__main__":
    main()
