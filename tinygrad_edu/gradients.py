"""The gradient calls of PyTorch's ``torch.autograd``: :func:`grad` (the gradients of some
inputs, returned, every ``.grad`` left alone) and :func:`backward` (several outputs in one
pass), with ``Tensor.backward(inputs=...)`` (the gradients of some tensors only, added into
their ``.grad``).

All three are the one walk of :func:`tinygrad_edu.autograd.run_backward`, asked for the
gradients of chosen nodes (its ``targets``) instead of those of every leaf. Several outputs
become one: the gradient of ``sum_i <output_i, seed_i>`` is the sum of what each output's seed
asks for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .autograd import run_backward


def _one_output(outputs: Sequence[Any], grad_outputs: Any, caller: str = "grad") -> tuple[Any, Any]:
    """Several outputs as one: the gradient of sum_i <output_i, grad_output_i> is the sum of
    the gradients that each output's grad_output asks for."""
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    elif not isinstance(grad_outputs, list | tuple):
        grad_outputs = [grad_outputs]  # one tensor: PyTorch reads it as a list of one
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"{caller}(): give one gradient per output (None for a scalar output); "
                         f"got {len(grad_outputs)} for {len(outputs)} outputs")
    if len(outputs) == 1:
        return outputs[0], grad_outputs[0]
    total = None
    for output, grad_output in zip(outputs, grad_outputs, strict=True):
        term = (output * output._seed_grad(grad_output)).sum()
        total = term if total is None else total + term
    return total, None


def grad(
    outputs: Any,
    inputs: Sequence[Any] | Any,
    grad_outputs: Any = None,
    *,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Any, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, without touching any ``.grad``.

    Like ``torch.autograd.grad``. With ``create_graph=True`` the results can be differentiated
    again (Hessian-vector products, gradient penalties).

    Examples:
        >>> import tinygrad_edu as tg
        >>> x = tg.Tensor(3.0, requires_grad=True)
        >>> (dx,) = tg.grad(x ** 3, x, create_graph=True)
        >>> dx.item(), tg.grad(dx, x)[0].item()
        (27.0, 18.0)
    """
    single = not isinstance(inputs, (list, tuple))
    inputs_list: list[Any] = [inputs] if single else list(inputs)
    for t in inputs_list:
        if not t.requires_grad:
            raise RuntimeError(
                "grad(): one of the inputs does not require grad; create it with "
                "requires_grad=True or call .requires_grad_()."
            )
    if isinstance(outputs, list | tuple):
        outputs, grad_outputs = _one_output(outputs, grad_outputs)
    if not outputs.requires_grad:
        raise RuntimeError(
            "grad(): the output does not require grad: no input that requires grad went into "
            "it, or it was computed inside no_grad()."
        )
    seed = outputs._seed_grad(grad_outputs, fresh=True)
    if retain_graph is None:
        retain_graph = create_graph
    results = run_backward(
        outputs, seed, retain_graph=retain_graph, create_graph=create_graph, targets=inputs_list
    )
    assert results is not None
    for g in results:
        if g is None and not allow_unused:
            raise RuntimeError(
                "grad(): an input was not used to compute the output; pass allow_unused=True "
                "to get None for it."
            )
    return tuple(results)


def backward(tensors: Any, grad_tensors: Any = None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs: Any = None) -> None:
    """Add the gradients of ``tensors`` into ``.grad``, as ``torch.autograd.backward``: one
    backward pass for several outputs (``tensors[i]`` seeded with ``grad_tensors[i]``).

    Examples:
        >>> import tinygrad_edu as tg
        >>> x = tg.tensor([1.0, 2.0], requires_grad=True)
        >>> tg.autograd.backward([(x * x).sum(), 3 * x], [None, tg.ones(2)])
        >>> x.grad.tolist()  # 2x + 3
        [5.0, 7.0]
    """
    if isinstance(tensors, list | tuple):
        tensors, grad_tensors = _one_output(tensors, grad_tensors, "backward")
    elif isinstance(grad_tensors, list | tuple):
        (grad_tensors,) = grad_tensors
    tensors.backward(grad_tensors, retain_graph, create_graph, inputs=inputs)


def backward_into(root: Any, seed: Any, inputs: Any, retain_graph: bool,
                  create_graph: bool) -> None:
    """``root.backward(inputs=...)``: only the gradients of ``inputs`` (leaves or not), each
    added into its ``.grad``; every other ``.grad`` stays as it was (PyTorch's ``inputs=``)."""
    targets = list(inputs) if isinstance(inputs, list | tuple) else [inputs]
    targets = list({id(t): t for t in targets}.values())  # each once, however often named
    if not targets:
        raise RuntimeError("backward(): inputs= cannot be empty; leave it out (None) to add "
                           "the gradients of every leaf")
    if not all(getattr(t, "requires_grad", False) for t in targets):
        raise RuntimeError("backward(): a tensor in inputs= does not require grad, so no "
                           "gradient can reach it; create it with requires_grad=True")
    found = run_backward(root, seed, retain_graph=retain_graph, create_graph=create_graph,
                         targets=targets)
    for target, grad in zip(targets, found or (), strict=True):
        if grad is not None:
            target._accumulate_grad(grad, create_graph)
