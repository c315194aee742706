"""Module: the base class of every layer and model, as in PyTorch.

A Module is a function with weights. Assigning attributes is all it takes to build one: a
:class:`~tinygrad_edu.nn.Parameter` becomes a parameter, a Module becomes a child, and
``register_buffer`` adds a tensor that is saved but not learned (BatchNorm's running mean).
Everything else follows from walking that tree: ``parameters()`` for the optimizer,
``state_dict()`` for checkpoints (dotted names, the same as PyTorch's, so weights move between
the two libraries), ``train()``/``eval()`` for layers that behave differently while learning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from ..autograd import no_grad
from ..dtypes import float32, float64, to_dtype
from ..tensor import Tensor
from .parameter import Parameter


class IncompatibleKeys(NamedTuple):
    """What :meth:`Module.load_state_dict` did not match: keys the model has and the
    state_dict lacks (``missing_keys``), and the other way round (``unexpected_keys``)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


def _check_name(kind: str, name: Any, owner: Module) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{kind} name must be a string, got {type(name).__name__}")
    if name == "" or "." in name:
        raise KeyError(f"{kind} name must be non-empty and contain no '.', got {name!r}")
    if hasattr(type(owner), name):
        raise KeyError(f"{kind} name {name!r} is already an attribute of {type(owner).__name__}")


class Module:
    """Base class for layers and models: subclass it, assign layers and Parameters in
    ``__init__``, and write ``forward``. Calling the module calls ``forward``.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu import nn
        >>> class TwoLayers(nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.hidden = nn.Linear(3, 4)
        ...         self.out = nn.Linear(4, 2)
        ...     def forward(self, x):
        ...         return self.out(self.hidden(x).relu())
        >>> model = TwoLayers()
        >>> list(model.state_dict())
        ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
        >>> model(tg.ones(5, 3)).shape
        Size([5, 2])
    """

    training: bool

    def __init__(self) -> None:
        # object.__setattr__: our own __setattr__ needs these three dicts to exist already.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", {})

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define one")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # -- registering: attributes become parameters, buffers and children --------------------
    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        if "_parameters" not in d:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() call: call "
                "super().__init__() first in your module's __init__"
            )
        params, buffers, modules = d["_parameters"], d["_buffers"], d["_modules"]
        if isinstance(value, Parameter):
            self._forget(name, keep="_parameters")  # a name keeps its place in the order
            params[name] = value
        elif isinstance(value, Module):
            self._forget(name, keep="_modules")
            modules[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} as parameter {name!r} "
                    "(nn.Parameter or None expected); wrap it: nn.Parameter(tensor)"
                )
            params[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} as child module {name!r} "
                    "(nn.Module or None expected)"
                )
            modules[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign a {type(value).__name__} as buffer {name!r} "
                    "(Tensor or None expected)"
                )
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str, keep: str = "") -> None:
        """Drop ``name`` from wherever it was registered (it is being registered anew), except
        from the registry ``keep``, where it is about to be replaced in its place."""
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry != keep:
                self.__dict__[registry].pop(name, None)
        self.__dict__["_non_persistent_buffers"].discard(name)
        self.__dict__.pop(name, None)

    def __getattr__(self, name: str) -> Any:  # only called when normal lookup fails
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                return d[registry][name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        d = self.__dict__
        if any(name in d[r] for r in ("_parameters", "_buffers", "_modules")):
            self._forget(name)
        else:
            object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or None: a slot without one, like ``bias=False``)."""
        _check_name("parameter", name, self)
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot register a {type(param).__name__} as parameter {name!r}; wrap it: "
                "nn.Parameter(tensor)"
            )
        self._forget(name, keep="_parameters")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add a tensor that is part of the state but not learned (``persistent=False``: not
        in the state_dict either)."""
        _check_name("buffer", name, self)
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"buffer {name!r} must be a Tensor or None, not "
                            f"{type(tensor).__name__}")
        self._forget(name, keep="_buffers")
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent_buffers.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module under ``name`` (what assigning an attribute does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if not isinstance(name, str) or name == "" or "." in name:  # type: ignore[redundant-expr]
            raise KeyError(f"module name must be a non-empty string without '.', got {name!r}")
        self._forget(name, keep="_modules")
        self._modules[name] = module

    register_module = add_module

    # -- walking the tree -------------------------------------------------------------------
    def named_modules(self, memo: set[int] | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """This module and every module below it, with dotted names, parents first."""
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name,
                                               remove_duplicate)

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct children, with their names."""
        seen: set[int] = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self) -> Iterator[Module]:
        for _, child in self.named_children():
            yield child

    def _named_members(self, registry: str, prefix: str,
                       recurse: bool) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in module.__dict__[registry].items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))  # a weight shared by two layers is listed once
                yield (f"{module_prefix}.{name}" if module_prefix else name), value

    def named_parameters(self, prefix: str = "",
                         recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """Every parameter with its dotted name (``"0.weight"``), each shared one once."""
        yield from self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter: what an optimizer is given."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "",
                      recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        yield from self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every child (recursively), then on this module; returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # -- modes and gradients ------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Training mode (Dropout drops, BatchNorm uses batch statistics); returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"train(mode): mode must be True or False, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: the same as ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Freeze (False) or unfreeze every parameter; returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients of every parameter: set them to None (the default, as in
        PyTorch), or fill them with zeros."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                with no_grad():
                    param.grad = param.grad.detach().zero_()

    # -- state ----------------------------------------------------------------------------------
    def _state_items(self, prefix: str = "") -> Iterator[tuple[str, Tensor]]:
        """PyTorch's order: a module's own parameters, then its persistent buffers, then
        each child's state, recursively."""
        for name, param in self._parameters.items():
            if param is not None:
                yield prefix + name, param
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers:
                yield prefix + name, buffer
        for name, child in self._modules.items():
            if child is not None:
                yield from child._state_items(f"{prefix}{name}.")

    def state_dict(self, prefix: str = "", keep_vars: bool = False) -> dict[str, Tensor]:
        """Every parameter and persistent buffer by dotted name, in PyTorch's order and with
        PyTorch's names. The values share memory with the model (detached, unless
        ``keep_vars``): save them, or copy them, before training on."""
        return {
            name: (value if keep_vars else value.detach())
            for name, value in self._state_items(prefix)
        }

    def load_state_dict(self, state_dict: Mapping[str, Any],
                        strict: bool = True) -> IncompatibleKeys:
        """Copy values into this model's parameters and buffers, in place (optimizers keep
        holding the same Parameter objects).

        Args:
            state_dict: name -> Tensor (or NumPy array), as :meth:`state_dict` or
                ``tinygrad_edu.load`` give.
            strict: raise if a key is missing or unexpected. A wrong shape always raises.

        Returns:
            ``(missing_keys, unexpected_keys)``, both empty when everything matched.

        Raises:
            RuntimeError: naming every missing, unexpected and wrongly shaped entry at once.
        """
        own = dict(self._state_items())
        missing = [name for name in own if name not in state_dict]
        unexpected = [name for name in state_dict if name not in own]
        values, wrong_shape = {}, []
        for name, target in own.items():
            if name not in state_dict:
                continue
            value = state_dict[name]
            if not isinstance(value, Tensor):
                value = Tensor(value, backend=target.backend)
            if value.shape != target.shape:
                wrong_shape.append(
                    f"size mismatch for {name}: copying a param with shape {value.shape} from "
                    f"checkpoint, the shape in current model is {target.shape}."
                )
            values[name] = value
        problems = list(wrong_shape)
        if strict and unexpected:
            problems.insert(0, f"Unexpected key(s) in state_dict: {', '.join(unexpected)}.")
        if strict and missing:
            problems.insert(0, f"Missing key(s) in state_dict: {', '.join(missing)}.")
        if problems:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(problems)
                + "\nWas the checkpoint saved from a model of another architecture (other "
                "layer sizes or names)? Build the same model, or pass strict=False to load "
                "only the entries that match."
            )
        with no_grad():
            for name, value in values.items():
                own[name].copy_(value)
        return IncompatibleKeys(missing, unexpected)

    def to(self, *args: Any, dtype: Any = None, device: Any = None) -> Module:
        """Move every parameter and buffer (and gradient) to another backend or device, and/or
        convert the floating ones to another dtype, as PyTorch's ``module.to``: ``"cupy"``,
        ``"cuda"``, ``tg.float64``. In place: the Parameter objects stay the same objects, so
        an optimizer made before still holds them. Returns self."""
        where = device
        for arg in args:
            try:
                dtype = to_dtype(arg)
            except TypeError:  # not a dtype, so a backend or a device
                where = arg
        for tensor in [*self.parameters(), *self.buffers()]:
            for t in [tensor] if tensor.grad is None else [tensor, tensor.grad]:
                moved = t.detach() if where is None else t.detach().to(where)
                if dtype is not None and moved.dtype.is_floating:
                    moved = moved.astype(dtype)  # integer buffers (counters) stay integers
                if moved.backend is not t.backend or moved.dtype is not t.dtype:
                    t._data, t.backend = moved._data, moved.backend
        return self

    def double(self) -> Module:
        """Floating parameters and buffers to float64 (for gradient checks)."""
        return self.to(dtype=float64)

    def float(self) -> Module:
        """Floating parameters and buffers to float32."""
        return self.to(dtype=float32)

    # -- printing ---------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """The settings shown between the parentheses of this module's repr."""
        return ""

    def __repr__(self) -> str:
        # PyTorch's layout: settings on one line, or one line each for settings and children.
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        children = [
            f"({name}): " + repr(child).replace("\n", "\n  ")
            for name, child in self._modules.items()
        ]
        if len(lines) == 1 and not children:
            return f"{type(self).__name__}({lines[0]})"
        lines += children
        if not lines:
            return f"{type(self).__name__}()"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"

    def __dir__(self) -> list[str]:
        names = set(super().__dir__())
        for registry in ("_parameters", "_buffers", "_modules"):
            names.update(self.__dict__[registry])
        return sorted(names)
