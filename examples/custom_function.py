"""Your own operation: a Function with forward and backward, checked by gradcheck.

Every operation of the engine is a small class: ``forward`` computes the result from plain
arrays, ``backward`` turns the gradient of the result into the gradient of each input (the
chain rule, one step). Here is one more, softplus, a smooth ReLU:

    y = log(1 + e^x)            dy/dx = e^x / (1 + e^x) = sigmoid(x)

A hand-written backward is a claim. ``tg.gradcheck`` tests it: it nudges every input number
by a tiny amount, measures how the output moves (finite differences, in float64) and
compares that with what backward says. The script checks a correct softplus, then shows
gradcheck catching a wrong one, then uses softplus inside a network.

Run:
    python examples/custom_function.py
    python examples/custom_function.py --quick      # a shorter fit at the end
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import tinygrad_edu as tg
from tinygrad_edu import nn


class Softplus(tg.Function):
    """y = log(1 + e^x);  dy/dx = sigmoid(x)"""

    @staticmethod
    def forward(ctx: tg.Context, x: Any) -> Any:
        ctx.save_for_backward(x)
        xp = ctx.xp  # the backend's array functions (NumPy's, or CuPy's on a GPU)
        # e^x overflows for x above ~88 in float32. The same number, computed safely:
        # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|), and e^-|x| is at most 1.
        return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))

    @staticmethod
    def backward(ctx: tg.Context, grad: tg.Tensor) -> tg.Tensor:
        (x,) = ctx.saved_tensors
        # Written with tensor operations, so the backward is itself differentiable:
        # second derivatives (gradgradcheck below) come for free.
        return grad * x.sigmoid()


class WrongSoftplus(Softplus):
    """The same forward with a backward that forgot a factor: e^x / (1 + e^x)^2."""

    @staticmethod
    def backward(ctx: tg.Context, grad: tg.Tensor) -> tg.Tensor:
        (x,) = ctx.saved_tensors
        return grad * x.exp() / (1 + x.exp()) ** 2


class SoftplusLayer(nn.Module):
    """The Function as a layer, to put in an nn.Sequential."""

    def forward(self, x: tg.Tensor) -> tg.Tensor:
        return Softplus.apply(x)


def check_gradients() -> None:
    tg.manual_seed(0)
    # float64: in float32 the rounding error of the finite differences is as large as the
    # gradients themselves, and gradcheck refuses float32 inputs for that reason.
    x = (tg.randn(4, 3, dtype=tg.float64) * 3).requires_grad_()
    print("softplus(x) =", [round(v, 4) for v in Softplus.apply(x)[0].tolist()])
    print("gradcheck(softplus):", tg.gradcheck(Softplus.apply, (x,)))
    print("gradgradcheck(softplus):", tg.gradgradcheck(Softplus.apply, (x,)))
    try:
        tg.gradcheck(WrongSoftplus.apply, (x,))
    except tg.GradcheckError as error:
        print("gradcheck(wrong softplus) failed, as it should:")
        for line in str(error).splitlines()[:2]:
            print("   ", line)
    else:
        raise SystemExit("gradcheck did not notice the wrong backward")


def fit(steps: int) -> None:
    """Fit sin(x) on [-3, 3] with a network whose hidden layer is softplus."""
    tg.manual_seed(0)
    x = tg.Tensor([[-3 + 6 * i / 99] for i in range(100)])
    y = tg.Tensor([[math.sin(-3 + 6 * i / 99)] for i in range(100)])
    model = nn.Sequential(nn.Linear(1, 32), SoftplusLayer(), nn.Linear(32, 1))
    optimizer = tg.optim.Adam(model.parameters(), lr=0.02)
    for step in range(1, steps + 1):
        loss = ((model(x) - y) ** 2).mean()  # forward and loss
        optimizer.zero_grad()
        loss.backward()  # runs Softplus.backward for the hidden layer
        optimizer.step()
        if step == 1 or step % (steps // 5) == 0:
            print(f"step {step:4d}   mean squared error {loss.item():.5f}")


def main() -> None:
    parser = argparse.ArgumentParser(description="A custom Function checked by gradcheck.")
    parser.add_argument("--quick", action="store_true", help="100 fitting steps, not 1,000")
    args = parser.parse_args()
    check_gradients()
    print("\nfitting sin(x) with Linear(1, 32), softplus, Linear(32, 1):")
    fit(100 if args.quick else 1000)


if __name__ == "__main__":
    main()
