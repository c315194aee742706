"""Chapter one: one neuron, made of single numbers, and the chain rule that trains it.

A neuron takes inputs x1, x2, weighs them, adds a bias and squashes the sum:

    n = x1*w1 + x2*w2 + b          o = tanh(n)

``o.backward()`` computes how much ``o`` changes when each number changes a little (the
derivative of ``o`` with respect to it), by the chain rule:

    do/dw1 = do/dn * dn/dw1 = (1 - o**2) * x1

This script prints every gradient three ways: from ``backward()``, from the chain rule worked
out by hand, and from actually nudging the number (a finite difference). Then it prints the
graph as a Mermaid diagram (paste it into a Markdown file, or https://mermaid.live, to see it).

Run:
    python examples/value_neuron.py
"""

from __future__ import annotations

import math
import sys

from tinygrad_edu import Value
from tinygrad_edu.viz import to_mermaid


def neuron(x1: float, x2: float, w1: float, w2: float, b: float) -> float:
    """The same neuron on plain floats, for the finite-difference check."""
    return math.tanh(x1 * w1 + x2 * w2 + b)


def main() -> int:
    numbers = {"x1": 1.5, "x2": -0.5, "w1": 0.8, "w2": -1.2, "b": 0.3}
    x1, x2, w1, w2, b = (Value(v, label=name) for name, v in numbers.items())

    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    n = x1w1 + x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    o.backward()

    slope = 1.0 - o.data**2  # do/dn: the derivative of tanh, written with its own output
    by_hand = {
        "x1": slope * numbers["w1"],
        "x2": slope * numbers["w2"],
        "w1": slope * numbers["x1"],
        "w2": slope * numbers["x2"],
        "b": slope,
    }
    print(f"n = {n.data:.4f}, o = tanh(n) = {o.data:.4f}, do/dn = 1 - o**2 = {slope:.4f}\n")
    print(f"{'number':>6} {'value':>7} {'backward()':>11} {'by hand':>9} {'nudged':>9}")
    all_match = True
    for value in (x1, x2, w1, w2, b):
        name = value.label
        # Nudge one number up and down by h; the slope of the line between is the derivative.
        h = 1e-6
        up = dict(numbers, **{name: numbers[name] + h})
        down = dict(numbers, **{name: numbers[name] - h})
        nudged = (neuron(**up) - neuron(**down)) / (2 * h)
        match = math.isclose(value.grad, by_hand[name], rel_tol=1e-12) and math.isclose(
            value.grad, nudged, rel_tol=1e-6
        )
        all_match = all_match and match
        print(
            f"{name:>6} {value.data:>7.3f} {value.grad:>11.6f} {by_hand[name]:>9.6f} {nudged:>9.6f}"
        )

    print("\nall three agree" if all_match else "\nMISMATCH: backward() disagrees")
    print("\nThe graph, as a Mermaid diagram:\n")
    print(to_mermaid(o))
    return 0 if all_match else 1


if __name__ == "__main__":
    sys.exit(main())
