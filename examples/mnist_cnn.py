"""Handwritten digits with a small convolutional network (CNN).

An MLP sees 784 unrelated numbers; a convolution slides the same small 3x3 filter over the
whole image, so a stroke is recognised wherever it is, with few weights. Two convolutions,
each followed by a ReLU and 2x2 max pooling (which halves the image), then one linear layer:

    (N, 1, 28, 28) --Conv2d(1, 8, 3)--> (N, 8, 26, 26) --MaxPool2d(2)--> (N, 8, 13, 13)
                   --Conv2d(8, 16, 3)--> (N, 16, 11, 11) --MaxPool2d(2)--> (N, 16, 5, 5)
                   --Flatten--> (N, 400) --Linear(400, 10)--> (N, 10)

5,258 parameters, against the MLP's 101,770 (examples/mnist_mlp.py), and fewer mistakes.
The training loop is the same: forward, loss, backward, step, with Adam as the optimizer.

The data are the 10,000 MNIST digits that ship inside the package (8,000 to train on, 2,000
to test), so nothing is downloaded. Their test accuracy is not comparable with the standard
benchmark (60,000 / 10,000 images); for that, pass a folder with the four MNIST files.

Run:
    python examples/mnist_cnn.py                   # about 97.5 % in 10 epochs, ~15 s
    python examples/mnist_cnn.py --quick           # one epoch on 2,000 images
    python examples/mnist_cnn.py --data-dir ~/data/mnist    # the full MNIST files
"""

from __future__ import annotations

import argparse
import time

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.data import DataLoader, TensorDataset
from tinygrad_edu.nn import functional as F


def load(data_dir: str | None, quick: bool) -> tuple[TensorDataset, TensorDataset]:
    """Training and test images, normalised by the training set's mean and std.

    Pixels are in [0, 1], mostly 0. Shifting and scaling them to mean 0 and standard deviation
    1 lets one learning rate suit every weight. The test set is normalised with the *training*
    set's numbers: the model must not learn anything from the test set, not even its mean.
    """
    train, test = tg.data.mnist(root=data_dir) if data_dir else tg.data.mnist_sample()
    train_images, train_labels = train.tensors
    test_images, test_labels = test.tensors
    if quick:
        train_images, train_labels = train_images[:2000], train_labels[:2000]
    mean, std = train_images.mean().item(), train_images.std().item()
    print(f"pixels normalised by the training set's mean {mean:.4f} and std {std:.4f}")
    return (TensorDataset((train_images - mean) / std, train_labels),
            TensorDataset((test_images - mean) / std, test_labels))


def accuracy(model: nn.Module, dataset: TensorDataset) -> float:
    """The fraction of the dataset's images the model classifies right."""
    model.eval()
    correct = 0
    with tg.no_grad():  # no graph: nothing here will be differentiated
        for images, labels in DataLoader(dataset, batch_size=1000):
            correct += (model(images).argmax(axis=1) == labels).sum().item()
    return correct / len(dataset)


def main() -> None:
    parser = argparse.ArgumentParser(description="MNIST with a small CNN.")
    parser.add_argument("--quick", action="store_true", help="one epoch on 2,000 images")
    parser.add_argument("--data-dir", help="a folder of MNIST's IDX files (default: the sample)")
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    epochs = 1 if args.quick else args.epochs

    tg.manual_seed(0)
    train, test = load(args.data_dir, args.quick)
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 10),
    )
    # Adam scales each weight's step by the size of its recent gradients, so the few weights
    # of a convolution and the many of the linear layer all move at a sensible pace. The
    # learning rate falls to 0 along a cosine, so the last epochs settle.
    optimizer = tg.optim.Adam(model.parameters(), lr=0.003)
    scheduler = tg.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    loader = DataLoader(train, batch_size=32, shuffle=True, seed=0)
    print(f"{len(train):,} training and {len(test):,} test images, {len(loader)} steps an epoch")

    for epoch in range(1, epochs + 1):
        start = time.perf_counter()
        model.train()
        total = 0.0
        for images, labels in loader:
            logits = model(images)  # 1. forward: (32, 10) scores from (32, 1, 28, 28) images
            loss = F.cross_entropy(logits, labels)  # 2. loss
            optimizer.zero_grad()  # backward() adds into .grad: empty it first
            loss.backward()  # 3. backward
            optimizer.step()  # 4. update
            total += loss.item()
        scheduler.step()
        print(f"epoch {epoch}: loss {total / len(loader):.4f}, test accuracy "
              f"{accuracy(model, test):.2%}, {time.perf_counter() - start:.1f} s")
    print(f"final test accuracy: {accuracy(model, test):.2%}")


if __name__ == "__main__":
    main()
