"""The lecture's first network, trained by hand: forward, loss, backward, update, repeat.

A network is a function. This one maps a point of R^3 to two scores, one per class:

    R^3 --A1,b1--> R^4 --ReLU, A2,b2--> R^3 --ReLU, A3,b3--> R^3 --ReLU, A4,b4--> R^2

four weight matrices, four bias vectors, a ReLU between layers: 51 numbers in all. The lecture
names them a_ij^k (layer k's weight from input j to output i) and b_i^k (its bias of output i);
in code, a_ij^k is ``model[2 * (k - 1)].weight[i - 1, j - 1]``.

The known function to fit: is a point of the cube [-1, 1]^3 inside the ball of radius 0.985
around the origin (class 1) or outside it (class 0)? That radius gives the two classes about
the same number of points. No straight cut separates them, so the ReLUs have to bend the
boundary. 80 % of the points train the network, the other 20 % test it on points it has never
seen.

Training is gradient descent written out in full, with no optimizer object hiding anything:
forward (compute the scores), loss (how wrong they are), backward (the gradient of the loss
with respect to every weight), update (a small step against the gradient), repeat. Every few
epochs the script prints the loss and the training accuracy. Both come from that epoch's
forward pass, so they describe the same weights: the ones from before its update.

Run:
    python examples/first_network.py
    python examples/first_network.py --quick                       # 400 epochs, not 2,000
    TINYGRAD_EDU_BACKEND=cupy python examples/first_network.py     # on a GPU
"""

from __future__ import annotations

import argparse

import numpy as np

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F

LAYER_SIZES = [3, 4, 3, 3, 2]
POINTS = 1000
TRAIN_FRACTION = 0.8
LEARNING_RATE = 0.3
EPOCHS = 2000
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


def make_network(sizes: list[int]) -> nn.Sequential:
    """Linear layers with a ReLU between them (none after the last: scores may be negative).

    The weights start random (all-equal weights would make every neuron of a layer learn the
    same thing), scaled by sqrt(2 / inputs) (He's initialisation) so the scores neither
    explode nor vanish from layer to layer. The biases start at a small positive value, so
    every ReLU starts out switched on: in layers only 3 or 4 wide, a layer whose ReLUs are all
    off passes no gradient back, and the network stops learning.
    """
    layers: list[nn.Module] = []
    for inputs, outputs in zip(sizes[:-1], sizes[1:], strict=True):
        linear = nn.Linear(inputs, outputs)  # computes x @ A.T + b, A of shape (outputs, inputs)
        nn.init.kaiming_normal_(linear.weight, nonlinearity="relu")
        nn.init.constant_(linear.bias, 0.1)
        layers += [linear, nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def print_parameters(model: nn.Sequential) -> None:
    """Every number of the network, named as in the lecture: a_ij^k and b_i^k."""
    linears = [layer for layer in model if isinstance(layer, nn.Linear)]
    for k, layer in enumerate(linears, start=1):
        weight, bias = layer.weight.numpy(), layer.bias.numpy()
        print(f"layer {k}: R^{layer.in_features} -> R^{layer.out_features}")
        for i in range(layer.out_features):
            row = [f"a_{i + 1}{j + 1}^{k} = {weight[i, j]:+.3f}" for j in range(weight.shape[1])]
            print("   " + "   ".join([*row, f"b_{i + 1}^{k} = {bias[i]:+.3f}"]))


def fraction_correct(scores: tg.Tensor, labels: tg.Tensor) -> float:
    """Fraction of points whose highest score is the right class."""
    return (scores.argmax(axis=1) == labels).float().mean().item()


def accuracy(model: nn.Sequential, x: tg.Tensor, y: tg.Tensor) -> float:
    """Run the network on ``x`` and score it against the labels ``y``."""
    with tg.no_grad():  # evaluation will never be differentiated, so record no graph
        scores = model(x)
    return fraction_correct(scores, y)


def main(epochs: int = EPOCHS) -> float:
    tg.manual_seed(0)
    points, labels = make_data(POINTS)
    train_points, train_labels, test_points, test_labels = train_test_split(
        points, labels, TRAIN_FRACTION
    )
    # The default backend: TINYGRAD_EDU_BACKEND, or NumPy when it is not set.
    x_train, y_train = tg.Tensor(train_points), tg.Tensor(train_labels)
    x_test, y_test = tg.Tensor(test_points), tg.Tensor(test_labels)
    model = make_network(LAYER_SIZES)
    print(
        f"network {' -> '.join(f'R^{n}' for n in LAYER_SIZES)}, "
        f"{sum(p.numel() for p in model.parameters())} parameters, backend "
        f"{x_train.backend.name}; {len(x_train)} training and {len(x_test)} test points"
    )
    print_every = max(1, epochs // 10)

    for epoch in range(1, epochs + 1):
        scores = model(x_train)  # 1. forward
        # 2. loss: the average of -log(probability given to the right class), where softmax
        # turns the scores into probabilities (computed without overflowing).
        loss = F.cross_entropy(scores, y_train)
        if epoch % print_every == 0 or epoch == 1:
            # Loss and accuracy of the same scores: the weights before this epoch's update.
            print(
                f"epoch {epoch:5d}   loss {loss.item():.4f}   "
                f"train accuracy {fraction_correct(scores, y_train):6.1%}"
            )
        loss.backward()  # 3. backward: fills p.grad for every parameter
        # 4. update, in place. p -= ... is a tensor operation, which the engine would record
        # because p requires a gradient; under no_grad it records nothing.
        with tg.no_grad():
            for p in model.parameters():
                p -= LEARNING_RATE * p.grad
                # backward() *adds* into .grad, so it must be emptied before the next one.
                p.grad = None

    # The final weights, after the last update.
    print("\nthe trained parameters (a_ij^k: layer k, row i, column j; b_i^k: bias i):")
    print_parameters(model)
    train_accuracy = accuracy(model, x_train, y_train)
    test_accuracy = accuracy(model, x_test, y_test)
    print(f"final train accuracy: {train_accuracy:.1%}")
    print(f"final test accuracy: {test_accuracy:.1%}")
    return test_accuracy


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="The lecture's first network.")
    parser.add_argument("--quick", action="store_true", help="400 epochs instead of 2,000")
    main(epochs=400 if parser.parse_args().quick else EPOCHS)
