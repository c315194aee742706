"""Draw the pictures of the documentation, with the library.

    python scripts/docs_figures.py --out DIR  # writes DIR/*.png (about 7 s)

``mkdocs build`` runs this through the hook ``scripts/docs_figures_hook.py``, which puts the
PNGs into the built site as ``img/*.png`` (and caches them until one of their inputs changes):
no picture is committed, so none can drift away from the code that draws it.

Every picture comes from this library and the MNIST sample that ships with it
(``tinygrad_edu.data.mnist_sample()``): the digits are real, the network is the lecture's,
gradient descent runs on ``Tensor``s, and the training pictures are the ones
``tinygrad-edu train`` draws. The one exception is the GPU timing, drawn from measurements saved
in ``docs/data/matmul-benchmark.json`` (the docs build has no GPU). Needs matplotlib
(``pip install -e ".[docs]"``).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import tinygrad_edu as tg  # noqa: E402
import tinygrad_edu.nn.functional as F  # noqa: E402
from tinygrad_edu import models  # noqa: E402
from tinygrad_edu.data import mnist_sample  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# No "Software: matplotlib x.y" in the files: the same picture gives the same bytes.
SAVE = {"dpi": 110, "metadata": {"Software": None}, "bbox_inches": "tight"}


def digit(out: Path) -> None:
    """Chapter 1: one digit as a picture, and an 8 x 8 crop of it as the numbers it is made of."""
    train, _ = mnist_sample()
    image = train.tensors[0][0, 0].numpy()
    label = int(train.tensors[1][0].item())
    size = 8
    # The crop with the most grey pixels (partly inked, between 0.05 and 0.95): an edge of the
    # stroke, where the numbers vary most.
    grey = (image > 0.05) & (image < 0.95)
    top, left = max(((r, c) for r in range(28 - size + 1) for c in range(28 - size + 1)),
                    key=lambda rc: int(grey[rc[0]:rc[0] + size, rc[1]:rc[1] + size].sum()))
    figure, (whole, crop) = plt.subplots(1, 2, figsize=(10, 5.4),
                                         gridspec_kw={"width_ratios": [0.8, 1.2]})
    whole.imshow(image, cmap="gray_r", vmin=0, vmax=1)
    whole.add_patch(plt.Rectangle((left - 0.5, top - 0.5), size, size, fill=False,
                                  edgecolor="tab:red", linewidth=2))
    whole.set_title(f"a handwritten {label}: 28 x 28 pixels")
    whole.set_xticks([0, 27])
    whole.set_yticks([0, 27])
    part = image[top:top + size, left:left + size]
    crop.imshow(part, cmap="Greys", vmin=0, vmax=1.6)
    for (row, column), value in np.ndenumerate(part):
        crop.text(column, row, f"{value:.2f}" if value else "0", ha="center", va="center",
                  fontsize=13, color="black" if value else "0.6")
    crop.set_title(f"the red square: rows {top}-{top + size - 1}, columns {left}-"
                   f"{left + size - 1}\n(0 = white paper, 1 = black ink)")
    crop.set_xticks(range(size), [str(left + i) for i in range(size)], fontsize=10)
    crop.set_yticks(range(size), [str(top + i) for i in range(size)], fontsize=10)
    figure.savefig(out / "digit.png", **SAVE)
    plt.close(figure)


def network(out: Path) -> None:
    """Chapter 2: the lecture's network R^3 -> R^4 -> R^3 -> R^3 -> R^2 as a layered graph."""
    model = models.lecture_network()
    linears = [layer for layer in model if isinstance(layer, tg.nn.Linear)]
    sizes = [linears[0].in_features] + [layer.out_features for layer in linears]
    figure, axes = plt.subplots(figsize=(9, 4.6))
    position = {}
    for k, size in enumerate(sizes):
        for i in range(size):
            position[k, i] = (k * 2.2, (size - 1) / 2 - i)
    for k, layer in enumerate(linears):
        weight = layer.weight.numpy()  # (out, in): a_ij^k is weight[i, j]
        scale = np.abs(weight).max()
        for i in range(weight.shape[0]):
            for j in range(weight.shape[1]):
                (x0, y0), (x1, y1) = position[k, j], position[k + 1, i]
                color = "tab:red" if weight[i, j] < 0 else "tab:blue"
                axes.plot([x0, x1], [y0, y1], color=color, zorder=1,
                          linewidth=0.4 + 2.4 * abs(weight[i, j]) / scale)
        parameters = weight.size + weight.shape[0]
        axes.text(k * 2.2 + 1.1, -2.55, f"layer {k + 1}: {weight.shape[0]}x{weight.shape[1]}"
                  f" + {weight.shape[0]}\n= {parameters} numbers", ha="center", fontsize=9)
    for (k, i), (x, y) in position.items():
        hidden = 0 < k < len(sizes) - 1
        axes.scatter([x], [y], s=520, zorder=2, color="white", edgecolors="black")
        name = "x" if k == 0 else ("y" if k == len(sizes) - 1 else f"h^{k}")
        axes.text(x, y, f"${name[0]}_{i + 1}{name[1:]}$", ha="center", va="center", zorder=3,
                  fontsize=9)
        if hidden and i == sizes[k] - 1:
            axes.text(x, y - 0.6, "ReLU", ha="center", fontsize=8, color="0.35")
    for k, size in enumerate(sizes):
        axes.text(k * 2.2, 2.15, f"$\\mathbb{{R}}^{size}$", ha="center", fontsize=13)
    (x0, y0), (x1, y1) = position[0, 0], position[1, 0]
    axes.annotate("$a_{11}^1$", ((x0 + x1) / 2, (y0 + y1) / 2 + 0.05), fontsize=11,
                  xytext=(0.4, 2.0), arrowprops={"arrowstyle": "->", "color": "0.3"})
    total = sum(p.numel() for p in model.parameters())
    axes.set_title(f"the lecture's network: {total} parameters "
                   "(blue: positive weight, red: negative; thicker: larger)")
    axes.set_xlim(-0.6, (len(sizes) - 1) * 2.2 + 0.6)
    axes.set_ylim(-3.0, 2.5)
    axes.axis("off")
    figure.savefig(out / "network.png", **SAVE)
    plt.close(figure)


def descend(learning_rate: float, steps: int = 12, start: float = -1.0) -> list[float]:
    """Gradient descent on L(w) = (w - 3)^2 with the library: the w of every step."""
    w = tg.tensor(start, requires_grad=True)
    path = [w.item()]
    for _ in range(steps):
        loss = (w - 3) ** 2
        loss.backward()
        with tg.no_grad():
            w -= learning_rate * w.grad
        w.grad = None
        path.append(w.item())
    return path


def gradient_descent(out: Path) -> None:
    """Chapter 5: too small, good, and too large a learning rate on a parabola."""
    figure, panels = plt.subplots(1, 3, figsize=(12, 3.8))
    for axes, (rate, verdict) in zip(
        panels, [(0.05, "too small"), (0.4, "good"), (1.05, "too large")], strict=True
    ):
        path = np.array(descend(rate))
        reach = max(5.5, np.abs(path - 3).max() + 0.5)
        curve = np.linspace(3 - reach, 3 + reach, 200)
        axes.plot(curve, (curve - 3) ** 2, color="0.6")
        axes.plot(path, (path - 3) ** 2, "o-", color="tab:orange", markersize=4)
        axes.plot(path[:1], (path[:1] - 3) ** 2, "o", color="black", markersize=6)
        axes.set_title(f"learning rate {rate}: {verdict}\n12 steps end at w = {path[-1]:.2f}")
        axes.set_xlabel("w")
    panels[0].set_ylabel("L(w) = (w - 3)$^2$")
    figure.savefig(out / "gradient-descent.png", **SAVE)
    plt.close(figure)


def training(out: Path, run: Path) -> None:
    """Chapter 6: the pictures ``tinygrad-edu train`` draws for the default MLP (about 4 s)."""
    # The command itself, in its own process, exactly as a learner runs it.
    command = [sys.executable, "-m", "tinygrad_edu", "train", "--quiet", "--seed", "0"]
    subprocess.run([*command, "--out", str(run)], check=True, stdout=subprocess.DEVNULL)
    shutil.copy(run / "loss.png", out / "training-loss.png")
    shutil.copy(run / "mistakes.png", out / "training-mistakes.png")


def forward(out: Path, run: Path) -> None:
    """Chapter 3: one test digit through the trained classifier, layer by layer."""
    model = models.mlp()
    model.load_state_dict(tg.load(run / "model.safetensors"))
    model.eval()
    normalisation = json.loads((run / "metrics.json").read_text())["normalisation"]
    _, test = mnist_sample()
    image = test.tensors[0][:1]
    x = (image - normalisation["mean"]) / normalisation["std"]
    with tg.no_grad():
        hidden = model[2](model[1](model[0](x)))  # flatten, Linear(784, 128), ReLU
        scores = model[3](hidden)
        probabilities = scores.softmax(axis=1)
    figure, panels = plt.subplots(
        1, 4, figsize=(14, 3.3), gridspec_kw={"width_ratios": [1, 1.3, 1.3, 1.3]}
    )
    panels[0].imshow(image[0, 0].numpy(), cmap="gray_r")
    panels[0].set_title(f"input x: 784 pixels\n(label {int(test.tensors[1][0].item())})")
    panels[0].axis("off")
    active = hidden[0].numpy()
    panels[1].imshow(active.reshape(8, 16), cmap="viridis")
    panels[1].set_title(f"h = relu(A x + b): 128 numbers\n{int((active > 0).sum())} of them > 0")
    panels[1].axis("off")
    digits = np.arange(10)
    panels[2].bar(digits, scores[0].numpy(), color="tab:blue")
    panels[2].set_title("scores: 10 numbers")
    panels[3].bar(digits, probabilities[0].numpy(), color="tab:green")
    panels[3].set_title("softmax of the scores\n(chapter 4)")
    for axes in panels[2:]:
        axes.set_xticks(digits)
        axes.set_xlabel("digit")
    figure.savefig(out / "forward.png", **SAVE)
    plt.close(figure)


def losses(out: Path) -> None:
    """Chapter 4: cross-entropy and squared error against the probability of the right class."""
    margin = tg.linspace(-6.0, 6.0, 241)  # score of the right class minus the other's
    scores = tg.stack([margin, tg.zeros_like(margin)], axis=1)
    targets = tg.zeros(241, dtype=tg.int64)
    probabilities = scores.softmax(axis=1)
    cross_entropy = F.cross_entropy(scores, targets, reduction="none")
    squared = ((probabilities - tg.tensor([1.0, 0.0])) ** 2).sum(axis=1)
    p = probabilities[:, 0].numpy()
    figure, axes = plt.subplots(figsize=(6.5, 3.6))
    axes.plot(p, cross_entropy.numpy(), label="cross-entropy  -log p")
    axes.plot(p, squared.numpy(), label="squared error  2 (1 - p)$^2$")
    axes.set_xlabel("p: probability the network gives the right class")
    axes.set_ylabel("loss")
    axes.set_ylim(0, 6)
    axes.legend()
    figure.savefig(out / "losses.png", **SAVE)
    plt.close(figure)


def finite_differences(out: Path) -> None:
    """Checking gradients: the error of forward and central differences against the step."""
    x = tg.tensor(1.0, dtype=tg.float64, requires_grad=True)
    x.sin().backward()
    exact = x.grad.item()  # cos(1), from backward()
    steps = np.logspace(-13, -1, 49)
    errors: dict[str, list[float]] = {"forward": [], "central": []}
    with tg.no_grad():
        for h in steps:
            up, here, down = (tg.tensor(1.0 + d, dtype=tg.float64).sin().item() for d in (h, 0, -h))
            errors["forward"].append(abs((up - here) / h - exact))
            errors["central"].append(abs((up - down) / (2 * h) - exact))
    figure, axes = plt.subplots(figsize=(6.5, 3.8))
    axes.loglog(steps, errors["forward"], label="forward  (f(x+h) - f(x)) / h", marker=".")
    axes.loglog(steps, errors["central"], label="central  (f(x+h) - f(x-h)) / 2h", marker=".")
    axes.axvline(1e-6, color="0.6", linestyle="--")
    axes.text(1.3e-6, 3e-2, "gradcheck's\neps = 1e-6", color="0.4", fontsize=8)
    axes.set_xlabel("step h")
    axes.set_ylabel("error against backward()")
    axes.set_title("d/dx sin(x) at x = 1, float64")
    axes.legend(fontsize=8)
    figure.savefig(out / "finite-differences.png", **SAVE)
    plt.close(figure)


def gpu_timing(out: Path) -> None:
    """GPUs: matrix-product speed on a CPU and a GPU, from docs/data/matmul-benchmark.json.

    The docs build has no GPU: scripts/bench_matmul.py measured these numbers on a machine
    with one, and the file says which.
    """
    data = json.loads((ROOT / "docs" / "data" / "matmul-benchmark.json").read_text())
    sizes = np.array(data["sizes"], dtype=float)
    figure, axes = plt.subplots(figsize=(7, 4))
    for key, label in (("cpu_seconds", f"CPU: {data['cpu']}"), ("gpu_seconds", data["gpu"])):
        if data[key]:
            rate = sizes**3 / np.array(data[key])  # n^3 multiply-adds per product, as the text
            axes.loglog(sizes, rate / 1e9, "o-", label=label)
    axes.set_xscale("log", base=2)
    axes.set_xlabel("n (an n x n matrix times an n x n matrix, float32)")
    axes.set_ylabel("billions of multiply-adds per second\n($n^3$ per product)")
    axes.set_title(f"measured {data['date']} with scripts/bench_matmul.py")
    axes.legend(fontsize=8)
    figure.savefig(out / "gpu-matmul.png", **SAVE)
    plt.close(figure)


def derivatives(out: Path) -> None:
    """Second derivatives: x^3 and the two derivatives tg.grad computes from it."""
    x = tg.linspace(-2.0, 2.0, 81, dtype=tg.float64, requires_grad=True)
    y = x**3
    (first,) = tg.grad(y.sum(), x, create_graph=True)  # 3 x^2, itself differentiable
    (second,) = tg.grad(first.sum(), x)  # 6 x
    figure, axes = plt.subplots(figsize=(6.5, 3.6))
    with tg.no_grad():
        points = x.numpy()
        axes.plot(points, y.numpy(), label="f(x) = x$^3$")
        axes.plot(points, first.numpy(), label="f'(x) from tg.grad(..., create_graph=True)")
        axes.plot(points, second.numpy(), label="f''(x) from tg.grad of that")
    axes.axhline(0, color="0.8", linewidth=0.8)
    axes.set_xlabel("x")
    axes.legend(fontsize=8)
    figure.savefig(out / "second-derivatives.png", **SAVE)
    plt.close(figure)


def broadcasting(out: Path) -> None:
    """Tensors: a bias broadcast over a batch, and its gradient, the column sums."""
    tg.manual_seed(1)
    product = tg.randn(6, 4)  # stands for X W: 6 rows (a batch), 4 columns
    bias = tg.tensor([1.0, -1.0, 0.5, 0.0], requires_grad=True)
    upstream = tg.randn(6, 4)  # G, the gradient arriving from above
    ((product + bias) * upstream).sum().backward()  # dL/d(XW + b) = G
    figure, panels = plt.subplots(1, 3, figsize=(10, 4.4),
                                  gridspec_kw={"width_ratios": [1, 1, 1]})
    panels[0].imshow(np.broadcast_to(bias.detach().numpy(), (6, 4)), cmap="coolwarm", vmin=-2,
                     vmax=2)
    panels[0].set_title("b, shape (4,),\nused in all 6 rows", fontsize=11)
    panels[1].imshow(upstream.numpy(), cmap="coolwarm", vmin=-2, vmax=2)
    panels[1].set_title("G = dL/d(XW + b),\nshape (6, 4)", fontsize=11)
    for axes, numbers in ((panels[0], np.broadcast_to(bias.detach().numpy(), (6, 4))),
                          (panels[1], upstream.numpy())):
        for (row, column), value in np.ndenumerate(numbers):
            axes.text(column, row, f"{value:.2f}", ha="center", va="center", fontsize=11)
    sums = bias.grad.numpy()
    panels[2].bar(range(4), sums, color="tab:purple")
    for column, value in enumerate(sums):
        panels[2].text(column, value, f"{value:.2f}", ha="center",
                       va="bottom" if value >= 0 else "top", fontsize=12)
    panels[2].axhline(0, color="0.5", linewidth=0.8)
    panels[2].set_ylim(1.2 * min(sums.min(), 0) - 0.2, 1.2 * max(sums.max(), 0) + 0.2)
    panels[2].set_title("b.grad: the sum\nof each column of G", fontsize=11)
    for axes in panels:
        axes.set_xticks(range(4))
    for axes in panels[:2]:
        axes.set_yticks(range(6))
    figure.savefig(out / "broadcasting.png", **SAVE)
    plt.close(figure)


def softplus(out: Path) -> None:
    """Writing your own Function: softplus and the gradient its backward returns."""
    x = tg.linspace(-5.0, 5.0, 101, requires_grad=True)
    y = (1 + x.exp()).log()  # composed from primitives, so backward() comes for free
    y.sum().backward()
    figure, axes = plt.subplots(figsize=(6.5, 3.4))
    with tg.no_grad():
        axes.plot(x.numpy(), y.numpy(), label="softplus(x) = log(1 + e$^x$)")
        axes.plot(x.numpy(), x.grad.numpy(), label="x.grad after backward(): sigmoid(x)")
    axes.set_xlabel("x")
    axes.legend(fontsize=8)
    figure.savefig(out / "softplus.png", **SAVE)
    plt.close(figure)


def pytorch_cubic(out: Path) -> None:
    """Coming from PyTorch: what PyTorch's first autograd example learns, run with this library."""
    tg.manual_seed(0)
    x = tg.linspace(-np.pi, np.pi, 2000)
    y = tg.sin(x)
    a, b, c, d = (tg.randn((), requires_grad=True) for _ in range(4))
    start = [w.item() for w in (a, b, c, d)]
    losses = []
    for _ in range(2000):  # the page's loop, step for step
        loss = (a + b * x + c * x**2 + d * x**3 - y).pow(2).sum()
        losses.append(loss.item())
        loss.backward()
        with tg.no_grad():
            for weight in (a, b, c, d):
                weight -= 1e-6 * weight.grad
                weight.grad = None
    points = x.numpy()
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    left.plot(points, y.numpy(), color="0.6", linewidth=4, label="sin(x), the data")
    for (a0, b0, c0, d0), style, label in (
        (start, ":", "the random start"),
        ([w.item() for w in (a, b, c, d)], "-", "after 2000 steps"),
    ):
        left.plot(points, a0 + b0 * points + c0 * points**2 + d0 * points**3, style, label=label)
    left.set_ylim(-2.5, 2.5)
    left.set_xlabel("x")
    left.set_title("y = a + b x + c x$^2$ + d x$^3$")
    left.legend(fontsize=8)
    right.semilogy(losses)
    right.set_xlabel("step t")
    right.set_ylabel("loss (sum of squared errors)")
    right.set_title("the loss the program prints every 500 steps")
    figure.savefig(out / "pytorch-cubic.png", **SAVE)
    plt.close(figure)


def _table(axes: plt.Axes, values: np.ndarray, left: float, title: str, color: str = "0.95",
           fmt: str = "{:.2f}") -> float:
    """Draw a matrix (or a column) as boxes of numbers from x = left; returns the right edge."""
    values = values.reshape(len(values), -1)
    width = 1.4  # a box is wider than tall: room for "-1.04" in 12 pt
    for (i, j), value in np.ndenumerate(values):
        axes.add_patch(plt.Rectangle((left + j * width, -i - 1), width, 1, facecolor=color,
                                     edgecolor="0.6"))
        axes.text(left + (j + 0.5) * width, -i - 0.5, fmt.format(value), ha="center",
                  va="center", fontsize=12)
    axes.text(left + values.shape[1] * width / 2, 0.35, title, ha="center", fontsize=11)
    return left + values.shape[1] * width


def augmented(out: Path) -> None:
    """Chapter 2: layer 1 of the lecture's network as one matrix [A | b] times (x, 1)."""
    tg.manual_seed(0)
    layer = models.lecture_network()[0]
    A, b = layer.weight.numpy(), layer.bias.numpy()
    x = np.array([0.4, -0.2, -0.6], dtype=np.float32)
    figure, axes = plt.subplots(figsize=(10, 3.2))
    right = _table(axes, A, 0, "$A^1$ (4 x 3)")
    axes.plot([right, right], [-4.3, 0.3], color="black", linewidth=2.5)
    right = _table(axes, b, right, "$b^1$", color="#fde2c4")
    axes.text(right + 0.4, -2.2, "x", fontsize=14)
    right = _table(axes, np.append(x, 1.0), right + 1.2, "(x, 1)", fmt="{:g}")
    axes.add_patch(plt.Rectangle((right - 1.4, -4), 1.4, 1, facecolor="#fde2c4",
                                 edgecolor="0.6"))
    axes.text(right - 0.7, -3.5, "1", ha="center", va="center", fontsize=12)
    axes.text(right + 0.4, -2.2, "=", fontsize=14)
    product = np.hstack([A, b[:, None]]) @ np.append(x, 1.0)
    assert np.allclose(product, layer(tg.tensor(x)).numpy(), atol=1e-6)
    end = _table(axes, product, right + 1.2, "$A^1 x + b^1$")
    axes.set_xlim(-0.3, end + 0.3)
    axes.set_ylim(-4.5, 0.8)
    axes.set_aspect("equal")
    axes.axis("off")
    axes.set_title("[A | b]: the bias as one more column, the input with one more entry, 1")
    figure.savefig(out / "augmented.png", **SAVE)
    plt.close(figure)


def relu_fit(out: Path) -> None:
    """Chapter 2: a 1 -> 8 -> 1 ReLU network fitted to a curve: straight pieces, 8 kinks."""
    tg.manual_seed(3)
    net = tg.nn.Sequential(tg.nn.Linear(1, 8), tg.nn.ReLU(), tg.nn.Linear(8, 1))
    x = tg.linspace(-3.0, 3.0, 61).reshape(61, 1)
    y = (x * 1.3).sin() + 0.3 * x
    optimizer = tg.optim.Adam(net.parameters(), lr=0.03)
    for _ in range(500):
        loss = F.mse_loss(net(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    w, c = net[0].weight.numpy()[:, 0], net[0].bias.numpy()
    kinks = np.sort(-c[w != 0] / w[w != 0])  # where neuron i switches: w_i x + c_i = 0
    kinks = kinks[(kinks > -3.5) & (kinks < 3.5)]
    grid = tg.linspace(-3.5, 3.5, 701).reshape(701, 1)
    with tg.no_grad():
        fitted = net(grid).numpy()[:, 0]
        at_kinks = net(tg.tensor(kinks.astype(np.float32)).reshape(-1, 1)).numpy()[:, 0]
    figure, axes = plt.subplots(figsize=(8, 3.8))
    axes.plot(x.numpy()[:, 0], y.numpy()[:, 0], "o", color="0.6", markersize=4,
              label="the data: sin(1.3 x) + 0.3 x")
    axes.plot(grid.numpy()[:, 0], fitted, color="tab:orange", linewidth=2,
              label="the network, 1 -> 8 -> 1, after 500 steps")
    axes.plot(kinks, at_kinks, "v", color="black", markersize=8,
              label=f"its {len(kinks)} kinks: a ReLU switching on or off")
    for kink in kinks:
        axes.axvline(kink, color="0.85", linewidth=0.8, zorder=0)
    axes.set_xlabel("x")
    axes.set_title(f"relu(a x + b) summed: straight between the kinks "
                   f"(mean squared error {loss.item():.3f})")
    axes.legend(fontsize=8, loc="upper left")
    figure.savefig(out / "relu-fit.png", **SAVE)
    plt.close(figure)


def tent_network(depth: int) -> tg.nn.Sequential:
    """``depth`` layers of 2 ReLUs, each folding [0, 1] onto itself: 2 relu(t) - 4 relu(t - 1/2)."""
    layers: list[tg.nn.Module] = []
    for _ in range(depth):
        fold, join = tg.nn.Linear(1, 2), tg.nn.Linear(2, 1)
        with tg.no_grad():
            fold.weight[...] = tg.tensor([[1.0], [1.0]])
            fold.bias[...] = tg.tensor([0.0, -0.5])
            join.weight[...] = tg.tensor([[2.0, -4.0]])
            join.bias[...] = tg.tensor([0.0])
        layers += [fold, tg.nn.ReLU(), join]
    return tg.nn.Sequential(*layers)


def depth(out: Path) -> None:
    """Chapter 2: deep = many layers. k layers of 2 ReLUs make 2^k straight pieces."""
    x = tg.linspace(0.0, 1.0, 1025).reshape(1025, 1)
    figure, panels = plt.subplots(2, 2, figsize=(9, 5.6), sharey=True, sharex=True)
    for k, axes in enumerate(panels.ravel(), start=1):
        with tg.no_grad():
            y = tent_network(k)(x).numpy()[:, 0]
        slopes = np.sign(np.round(np.diff(y), 9))
        pieces = 1 + int((slopes[1:] != slopes[:-1]).sum())
        axes.plot(x.numpy()[:, 0], y, color="tab:blue")
        axes.set_title(f"{k} hidden layer{'s' if k > 1 else ''} of 2 ReLUs\n"
                       f"{7 * k} parameters, {pieces} straight pieces", fontsize=10)
    for axes in panels[1]:
        axes.set_xlabel("x")
    figure.tight_layout()
    figure.savefig(out / "depth.png", **SAVE)
    plt.close(figure)


def _trained_lecture_network() -> tuple[tg.nn.Sequential, float]:
    """The lecture's network trained on its ball task: 400 full-batch Adam steps on 800
    points (about 1 s); returns it with its accuracy on the 200 held-out points."""
    tg.manual_seed(0)
    net = models.lecture_network()
    points, labels = models.ball_points(1000, seed=0)
    x, y = tg.tensor(points[:800]), tg.tensor(labels[:800])
    optimizer = tg.optim.Adam(net.parameters(), lr=0.03)
    for _ in range(400):
        loss = F.cross_entropy(net(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with tg.no_grad():
        predicted = net(tg.tensor(points[800:])).argmax(axis=1).numpy()
    return net, float((predicted == labels[800:]).mean())


def ball(out: Path) -> None:
    """Chapter 2: the lecture network's task, points of the cube inside or outside a ball."""
    points, labels = models.ball_points(1000, seed=0)
    figure = plt.figure(figsize=(11, 4.6))
    space = figure.add_subplot(1, 2, 1, projection="3d")
    for label, color, name in ((1, "tab:blue", "inside: class 1"),
                               (0, "tab:red", "outside: class 0")):
        chosen = points[labels == label][:300]
        space.scatter(*chosen.T, s=6, color=color, label=name)
    space.set_title("1,000 points of the cube $[-1, 1]^3$")
    space.legend(fontsize=8, loc="upper left")
    plane = figure.add_subplot(1, 2, 2)
    near = np.abs(points[:, 2]) < 0.2
    for label, color in ((1, "tab:blue"), (0, "tab:red")):
        chosen = points[near & (labels == label)]
        plane.scatter(chosen[:, 0], chosen[:, 1], s=14, color=color)
    angle = np.linspace(0, 2 * np.pi, 200)
    plane.plot(models.BALL_RADIUS * np.cos(angle), models.BALL_RADIUS * np.sin(angle),
               color="black", linewidth=1)
    plane.set_aspect("equal")
    plane.set_title(f"the points with $|x_3| < 0.2$; the ball's edge, r = {models.BALL_RADIUS}")
    plane.set_xlabel("$x_1$")
    plane.set_ylabel("$x_2$")
    figure.savefig(out / "ball.png", **SAVE)
    plt.close(figure)


def decision(out: Path) -> None:
    """Chapter 5: what the trained 51-parameter network decides, on three slices of the cube."""
    net, accuracy = _trained_lecture_network()
    grid = np.linspace(-1, 1, 161, dtype=np.float32)
    first, second = np.meshgrid(grid, grid)
    figure, panels = plt.subplots(1, 3, figsize=(12, 4.1), sharey=True)
    angle = np.linspace(0, 2 * np.pi, 200)
    for axes, height in zip(panels, (0.0, 0.5, 0.8), strict=True):
        plane = np.stack([first.ravel(), second.ravel(), np.full(first.size, height, np.float32)],
                         axis=1)
        with tg.no_grad():
            inside = net(tg.tensor(plane)).argmax(axis=1).numpy().reshape(first.shape)
        axes.contourf(first, second, inside, levels=[-0.5, 0.5, 1.5],
                      colors=["#f6c6c6", "#c6d8f6"])
        radius = np.sqrt(max(models.BALL_RADIUS**2 - height**2, 0.0))
        axes.plot(radius * np.cos(angle), radius * np.sin(angle), color="black",
                  linewidth=1.2, linestyle="--")
        axes.set_aspect("equal")
        axes.set_title(f"slice $x_3$ = {height}")
        axes.set_xlabel("$x_1$")
    panels[0].set_ylabel("$x_2$")
    figure.suptitle(f"the trained lecture network: blue = it says inside, red = outside; "
                    f"dashed = the true ball. {accuracy:.1%} of 200 test points right",
                    fontsize=11)
    figure.savefig(out / "decision.png", **SAVE)
    plt.close(figure)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNG files")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    tg.manual_seed(0)
    figures = (digit, network, gradient_descent, losses, finite_differences, gpu_timing,
               derivatives, broadcasting, softplus, pytorch_cubic, augmented, relu_fit, depth,
               ball, decision)
    for figure in figures:
        started = time.perf_counter()
        figure(args.out)
        print(f"drew {figure.__name__} in {time.perf_counter() - started:.2f} s")
    with tempfile.TemporaryDirectory() as folder:
        training(args.out, Path(folder))
        forward(args.out, Path(folder))
    print("drew training, forward")


if __name__ == "__main__":
    main()
