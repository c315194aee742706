"""Optimizer: the base class that keeps parameters, hyperparameters and per-parameter state.

An optimizer is its update rule. This base class does the bookkeeping every rule needs, as
PyTorch's ``torch.optim.Optimizer`` does: parameter groups (each a dict with its own ``lr``
and other hyperparameters), the per-parameter ``state`` (momentum buffers, moment estimates),
``zero_grad``, and ``state_dict`` / ``load_state_dict`` to stop and resume training. A subclass
writes only ``_update``: the rule for one parameter, given its gradient.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from ..autograd import enable_grad, no_grad
from ..context import bump_version
from ..tensor import Tensor


class Optimizer:
    """Base class of the optimizers: holds ``param_groups`` and ``state``; runs ``step()``.

    Args:
        params: the tensors to optimize (e.g. ``model.parameters()``), or a list of dicts, each
            a parameter group ``{"params": [...], "lr": ...}`` whose keys override ``defaults``.
        defaults: the hyperparameters of every group that does not set its own.

    Attributes:
        param_groups: a list of dicts; ``group["params"]`` is a list of tensors, the other keys
            are hyperparameters (a learning-rate scheduler changes ``group["lr"]``).
        state: per-parameter state, ``optimizer.state[p]`` (a dict; empty before the first
            step that updated ``p``).

    Examples:
        >>> import tinygrad_edu as tg
        >>> w = tg.Tensor([1.0, -2.0], requires_grad=True)
        >>> optimizer = tg.optim.SGD([w], lr=0.1)
        >>> (w * w).sum().backward()
        >>> optimizer.step()
        >>> w.tolist()
        [0.800000011920929, -1.600000023841858]
        >>> optimizer.zero_grad()
        >>> w.grad is None
        True
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = dict(defaults)
        self.state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._step_count = 0  # how many times step() ran (a scheduler checks the order)
        name = type(self).__name__
        if isinstance(params, Tensor) or not isinstance(params, Iterable):
            raise TypeError(
                f"{name}: params should be an iterable of Tensors or of dicts (parameter "
                f"groups), but got {_describe(params)}; pass a list, e.g. {name}([w, b], ...) or "
                f"{name}(model.parameters(), ...)."
            )
        if isinstance(params, set):
            raise TypeError(
                f"{name}: params is a set, whose order changes from run to run, so a saved "
                "state_dict would not load back onto the right tensors; pass a list instead."
            )
        groups = list(params)
        if not groups:
            raise ValueError(
                f"{name} got an empty parameter list: there is nothing to optimize. Check that "
                "the model has parameters (and that a generator such as model.parameters() was "
                "not already used up)."
            )
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # -- what a subclass writes ----------------------------------------------------------------
    def _check_group(self, group: dict[str, Any]) -> None:
        """Raise ValueError for a bad hyperparameter in ``group`` (each optimizer has its own)."""

    def _update(
        self, param: Tensor, grad: Tensor, group: dict[str, Any], state: dict[str, Any]
    ) -> None:
        """Update ``param`` in place from ``grad``, following the optimizer's rule."""
        raise NotImplementedError(f"{type(self).__name__} must define _update(...)")

    @staticmethod
    def _arrays(param: Tensor, grad: Tensor) -> tuple[Any, Any]:
        """The raw arrays of a parameter (to be changed in place) and of its gradient (in the
        parameter's dtype). A step records nothing, so the rules work on the backend's arrays
        directly, with no Tensor made per operation; the change is counted for autograd's
        in-place checks, as ``add_`` would count it."""
        array, g = Optimizer._writable(param), grad._data
        return array, g if g.dtype == array.dtype else Optimizer._as_dtype_of(param, g)

    @staticmethod
    def _writable(tensor: Tensor) -> Any:
        """``tensor``'s array, to be changed in place; the change is counted now."""
        array = tensor._data
        flags = getattr(array, "flags", None)
        if flags is not None and not flags.writeable:
            raise ValueError(
                "optimizer step: a parameter's memory is read-only (expand and broadcast_to "
                "make many positions share one element); give the optimizer a copy: p.clone()"
            )
        bump_version(tensor)
        return array

    @staticmethod
    def _as_dtype_of(param: Tensor, array: Any) -> Any:
        if array.dtype != param._data.dtype:
            return param.backend.xp.astype(array, param._data.dtype)
        return array

    # -- the training loop's calls ---------------------------------------------------------------
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, in place (no operation is recorded).

        Parameters whose ``.grad`` is None (not used by the loss, or frozen) are skipped.

        Args:
            closure: optional; a function that clears the gradients, recomputes the loss,
                calls ``backward()`` and returns the loss (as in PyTorch).

        Returns:
            What ``closure`` returned, or None.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        with no_grad():
            for group in self.param_groups:
                for param in group["params"]:
                    if param.grad is not None:
                        self._update(param, param.grad, group, self.state[param])
        self._step_count += 1
        return loss

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients, before the next ``backward()`` accumulates new ones.

        Args:
            set_to_none: True (the default, as in PyTorch): set each ``.grad`` to None, which
                frees its memory and lets ``step()`` skip unused parameters. False: fill the
                existing gradients with zeros.
        """
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                elif param.grad.requires_grad:  # recorded by backward(create_graph=True)
                    param.grad = param.grad.detach().zero_()
                else:
                    with no_grad():
                        param.grad.zero_()

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (e.g. when unfreezing layers).

        Args:
            param_group: ``{"params": [tensors], ...}``; missing hyperparameters are taken from
                the optimizer's ``defaults``.
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(
                f"{name}: a parameter group must be a dict like {{'params': [w, b], 'lr': 0.1}}, "
                f"but got {_describe(param_group)}."
            )
        if "params" not in param_group:
            raise ValueError(
                f"{name}: a parameter group needs the key 'params' (a list of tensors); it has "
                f"only {sorted(param_group)}."
            )
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                f"{name}: the group's params are a set, whose order changes from run to run; "
                "pass a list instead."
            )
        else:
            params = list(params)
        for index, param in enumerate(params):
            _check_param(name, index, param)
        seen: set[int] = set()
        for param in params:
            if id(param) in seen:
                raise ValueError(
                    f"{name}: a parameter group lists the same tensor twice (shape "
                    f"{param.shape}); it would be updated twice per step. Pass each tensor once."
                )
            seen.add(id(param))
        for group in self.param_groups:
            if any(id(param) in seen for param in group["params"]):
                raise ValueError(
                    f"{name}: some parameters appear in more than one parameter group; each "
                    "tensor may belong to one group only."
                )
        group = {**self.defaults, **param_group, "params": params}
        self._check_group(group)
        self.param_groups.append(group)

    # -- saving and resuming ---------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state as a dict, with parameters replaced by their positions.

        Returns:
            ``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}`` as in
            PyTorch: ``index`` counts the parameters across groups in order. The state's
            tensors are the live ones (save or copy them before further steps).
        """
        index_of: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            for param in group["params"]:
                index_of.setdefault(id(param), len(index_of))
            packed = {key: value for key, value in group.items() if key != "params"}
            packed["params"] = [index_of[id(param)] for param in group["params"]]
            groups.append(packed)
        state = {index_of[id(param)]: value for param, value in self.state.items() if value}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Resume from ``state_dict()``: hyperparameters and per-parameter state.

        The optimizer must have been made for the same parameters, in the same groups and
        order. State tensors are copied onto each parameter's backend and, when floating,
        into its dtype.
        """
        name = type(self).__name__
        if (
            not isinstance(state_dict, dict)  # type: ignore[redundant-expr]
            or not {"state", "param_groups"} <= state_dict.keys()
        ):
            raise ValueError(
                f"{name}.load_state_dict expects the dict that optimizer.state_dict() returns, "
                "with keys 'state' and 'param_groups'."
            )
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the saved state has {len(saved_groups)} parameter "
                f"group(s) and this optimizer {len(self.param_groups)}; make the optimizer with "
                "the same groups as the one that was saved."
            )
        for number, (saved, group) in enumerate(zip(saved_groups, self.param_groups, strict=True)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {number} was saved with "
                    f"{len(saved['params'])} parameters but has {len(group['params'])} here; "
                    "the saved state belongs to a different model."
                )
        param_of: dict[int, Tensor] = {}
        for saved, group in zip(saved_groups, self.param_groups, strict=True):
            param_of.update(zip(saved["params"], group["params"], strict=True))
        state: defaultdict[Tensor, dict[str, Any]] = defaultdict(dict)
        for index, values in state_dict["state"].items():
            param = param_of.get(index)
            if param is None:
                raise ValueError(
                    f"{name}.load_state_dict: the saved state names parameter {index}, which "
                    "no saved parameter group lists; the state_dict is damaged."
                )
            state[param] = {key: _state_value(value, param) for key, value in values.items()}
        self.state = state
        for saved, group in zip(saved_groups, self.param_groups, strict=True):
            hyperparameters = copy.deepcopy({k: v for k, v in saved.items() if k != "params"})
            group.update(hyperparameters)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for number, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {number}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _describe(value: Any) -> str:
    if isinstance(value, Tensor):
        return f"a single Tensor of shape {value.shape} (wrap it in a list: [w])"
    return f"{type(value).__name__}"


def _check_param(name: str, index: int, param: Any) -> None:
    if not isinstance(param, Tensor):
        raise TypeError(
            f"{name} can only optimize Tensors, but parameter {index} is {_describe(param)}; "
            "pass tinygrad_edu Tensors (e.g. model.parameters())."
        )
    if param.grad_fn is not None:  # not a leaf
        raise ValueError(
            f"{name} can't optimize a non-leaf Tensor (parameter {index}, shape {param.shape}, "
            f"computed by {param.grad_fn.fn.__name__}): "
            "its value is recomputed from other tensors. Optimize the tensors it is computed "
            "from, or make it a leaf: w = w.detach().requires_grad_()."
        )
    if not param.dtype.is_floating:
        raise TypeError(
            f"{name} can only optimize floating-point tensors, but parameter {index} has dtype "
            f"{param.dtype.name}; make it float: w = w.float().requires_grad_()."
        )


def _state_value(value: Any, param: Tensor) -> Any:
    if isinstance(value, Tensor):
        dtype = param.dtype if value.dtype.is_floating else value.dtype
        return Tensor(value.detach(), dtype=dtype, backend=param.backend)
    return copy.deepcopy(value)
