"""Containers with PyTorch's names: :class:`ModuleDict`, :class:`ParameterList` and
:class:`ParameterDict`. Like ModuleList, they register what they hold, so that
``parameters()`` and ``state_dict()`` find it, under PyTorch's keys (``"heads.a.weight"``,
``"weights.0"``).

Examples:
    >>> from tinygrad_edu import nn
    >>> heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 3)})
    >>> list(heads.state_dict())
    ['a.weight', 'a.bias', 'b.weight', 'b.bias']
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..tensor import Tensor
from .module import Module
from .parameter import Parameter


def _pairs(items: Mapping[str, Any] | Iterable[tuple[str, Any]], owner: str) -> Iterator[Any]:
    if isinstance(items, Mapping):
        yield from items.items()
        return
    for pair in items:
        if not isinstance(pair, tuple | list) or len(pair) != 2:  # type: ignore[redundant-expr]
            raise TypeError(f"{owner}.update: expected a mapping or (name, value) pairs, got "
                            f"{type(pair).__name__}")
        yield tuple(pair)


class ModuleDict(Module):
    """Modules under string keys, in insertion order, registered as children.

    Examples:
        >>> from tinygrad_edu import nn
        >>> acts = nn.ModuleDict({"relu": nn.ReLU()})
        >>> acts["gelu"] = nn.GELU()
        >>> list(acts.keys()), "relu" in acts, len(acts)
        (['relu', 'gelu'], True, 2)
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None,
                 ) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        """The keys, in order."""
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        """The modules, in order."""
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        """(key, module) pairs, in order."""
        return self._modules.items()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace modules from a mapping or from (key, module) pairs."""
        for key, module in _pairs(modules, "ModuleDict"):
            self[key] = module

    def pop(self, key: str) -> Module:
        """Remove the module under ``key`` and return it."""
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        """Remove every module."""
        self._modules.clear()

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "ModuleDict has no forward(): it only holds modules; pick one by key in your own "
            "module's forward, e.g. self.heads['a'](x)."
        )


def _parameter(value: Any) -> Any:
    """A Tensor that is not yet a Parameter becomes one (sharing its memory), as PyTorch does."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


def _parameter_lines(items: Iterable[tuple[str, Any]]) -> str:
    """PyTorch's lines for a parameter container: ``(name): Parameter containing: [dtype of
    size 2x3]``, each indented by two (the layout print(model) shows)."""
    return "\n".join(f"  ({name}): Parameter containing: [{value.dtype} of size "
                     f"{'x'.join(str(n) for n in value.shape)}]" for name, value in items)


class ParameterList(Module):
    """A list of parameters, registered under "0", "1", ...; plain Tensors put in become
    Parameters (sharing their memory).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu import nn
        >>> ws = nn.ParameterList([tg.ones(2), tg.zeros(3)])
        >>> len(ws), list(ws.state_dict()), type(ws[0]).__name__
        (2, ['0', '1'], 'Parameter')
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def __getitem__(self, index: int) -> Any:
        keys = list(self._parameters)
        if not isinstance(index, int) or not -len(keys) <= index < len(keys):  # type: ignore[redundant-expr]
            raise IndexError(f"index {index!r} is out of range for ParameterList of length "
                             f"{len(keys)}")
        return self._parameters[keys[index]]

    def __setitem__(self, index: int, value: Any) -> None:
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} is out of range for ParameterList of length "
                             f"{len(self)}")
        setattr(self, str(index % len(self)), _parameter(value))

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._parameters.values())

    def append(self, value: Any) -> ParameterList:
        """Add a parameter at the end; returns self."""
        self.register_parameter(str(len(self)), _parameter(value))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Add several parameters at the end; returns self."""
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        return _parameter_lines(self._parameters.items())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ParameterList has no forward(): it only holds parameters")


class ParameterDict(Module):
    """Parameters under string keys, in insertion order; plain Tensors become Parameters.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu import nn
        >>> ps = nn.ParameterDict({"scale": tg.ones(1)})
        >>> list(ps.state_dict()), ps["scale"].requires_grad
        (['scale'], True)
    """

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
                 ) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Any:
        return self._parameters[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.register_parameter(key, _parameter(value))

    def __delitem__(self, key: str) -> None:
        del self._parameters[key]

    def __len__(self) -> int:
        return len(self._parameters)

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def __contains__(self, key: object) -> bool:
        return key in self._parameters

    def keys(self) -> Iterable[str]:
        """The keys, in order."""
        return self._parameters.keys()

    def values(self) -> Iterable[Any]:
        """The parameters, in order."""
        return self._parameters.values()

    def items(self) -> Iterable[tuple[str, Any]]:
        """(key, parameter) pairs, in order."""
        return self._parameters.items()

    def update(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        """Add or replace parameters from a mapping or from (key, value) pairs."""
        pairs = _pairs(parameters, "ParameterDict")
        if isinstance(parameters, Mapping) and not isinstance(parameters, OrderedDict | Module):
            pairs = iter(sorted(pairs))  # PyTorch sorts the keys of a plain dict (not of these)
        for key, value in pairs:
            self[key] = value

    def extra_repr(self) -> str:
        return _parameter_lines(self._parameters.items())

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ParameterDict has no forward(): it only holds parameters")
