"""Seeing the graph and its backward pass.

* :mod:`tinygrad_edu.viz.graph`: pictures of the computation graph, as text that Mermaid or
  Graphviz draws (:func:`to_mermaid`, :func:`to_dot`, from :func:`build_graph`).
* :mod:`tinygrad_edu.viz.steps`: the backward pass step by step, with its numbers
  (:func:`backward_steps`).

Examples:
    >>> from tinygrad_edu import Value
    >>> from tinygrad_edu.viz import backward_steps, to_mermaid
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b
    >>> to_mermaid(c).splitlines()[0]
    'flowchart LR'
    >>> [step.name for step in backward_steps(c, labels={c: "c"})]  # backward()'s order
    ['c', 'b', 'a']
"""

from .graph import DEFAULT_MAX_NODES, DEFAULT_NUMBERS, GraphPicture, build_graph, to_dot, to_mermaid
from .steps import MAX_JACOBIAN_ENTRIES, BackwardStep, BackwardSteps, backward_steps

__all__ = [
    "DEFAULT_MAX_NODES", "DEFAULT_NUMBERS", "GraphPicture", "build_graph", "to_dot", "to_mermaid",
    "MAX_JACOBIAN_ENTRIES", "BackwardStep", "BackwardSteps", "backward_steps",
]
