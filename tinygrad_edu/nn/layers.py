"""Layers: each is a shape and a formula, and its ``forward`` one call into
:mod:`tinygrad_edu.nn.functional`. Containers (Sequential, ModuleList) hold other layers.

Examples:
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu import nn
    >>> model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
    >>> model
    Sequential(
      (0): Linear(in_features=784, out_features=128, bias=True)
      (1): ReLU()
      (2): Linear(in_features=128, out_features=10, bias=True)
    )
    >>> model(tg.zeros(32, 784)).shape
    Size([32, 10])
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

from .. import creation
from ..device import pick
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Linear(Module):
    """A dense layer: y = x Wᵀ + b, with W of shape (out_features, in_features).

    Input (..., in_features), output (..., out_features). W and b start uniform in
    (-1/√in_features, 1/√in_features), PyTorch's default (``kaiming_uniform_(a=√5)``).

    Args:
        in_features: the size of each input vector.
        out_features: the size of each output vector.
        bias: whether to add the learned bias b.
        device: where the weights live, as PyTorch says it (``"cpu"``, ``"cuda"``); default:
            the current backend.
        dtype: float32 (the default) or float64.
        backend: tinygrad_edu's spelling of ``device`` (a backend's name).

    Examples:
        >>> from tinygrad_edu import nn
        >>> layer = nn.Linear(3, 4)
        >>> layer.weight.shape, layer.bias.shape
        (Size([4, 3]), Size([4]))
    """

    bias: Parameter | None  # None when made with bias=False

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        options = {"dtype": dtype or "float32", "backend": pick(backend, device)}
        self.weight = Parameter(creation.zeros(out_features, in_features, **options))
        if bias:
            self.bias = Parameter(creation.zeros(out_features, **options))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw new starting weights, as PyTorch's ``nn.Linear`` does."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        shape = input._data.shape
        if not shape or shape[-1] != self.in_features:
            raise ValueError(
                f"{type(self).__name__}(in_features={self.in_features}, out_features="
                f"{self.out_features}): expected input with last dimension {self.in_features}, "
                f"got shape {input.shape}"
            )
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class ReLU(Module):
    """max(x, 0), elementwise. ``inplace=True``: the result is written into the input, as in
    PyTorch, except where the input is recorded (see
    :func:`~tinygrad_edu.nn.activation_functional.in_place`)."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """1 / (1 + exp(-x)), elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


class Tanh(Module):
    """tanh(x), elementwise."""

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class Softmax(Module):
    """softmax along ``dim``: scores to probabilities that sum to 1 along that axis.

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu import nn
        >>> nn.Softmax(dim=1)(tg.Tensor([[0.0, 0.0]])).tolist()
        [[0.5, 0.5]]
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        return F.softmax(input, _dim(self, input))

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along ``dim``, computed stably (pair it with ``nn.NLLLoss``)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.log_softmax(input, _dim(self, input))


def _dim(layer: Softmax, x: Tensor) -> int:
    """The layer's dim; PyTorch's old rule when it was not given (0 for 0-, 1- and 3-D
    inputs, else 1), which PyTorch warns about: give dim= explicitly."""
    if layer.dim is not None:
        return layer.dim
    return 0 if x.ndim in (0, 1, 3) else 1


class Identity(Module):
    """Returns its input unchanged (a placeholder layer)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Flatten(Module):
    """Merge the axes from ``start_dim`` to ``end_dim`` into one: (N, 1, 28, 28) -> (N, 784)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """While training, zero each element with probability ``p`` and scale the rest by
    1 / (1 - p); in eval mode, the identity. See :func:`~tinygrad_edu.nn.functional.dropout`."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: p is a probability and must lie in [0, 1], got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


def _position(index: Any, length: int, owner: str) -> int:
    """An int index (negatives from the end) as a position, or an IndexError."""
    if not isinstance(index, int) or isinstance(index, bool):
        raise TypeError(f"{owner} indices must be ints or slices, not {type(index).__name__}")
    if not -length <= index < length:
        raise IndexError(f"index {index} is out of range for {owner} of length {length}")
    return index % length


class Sequential(Module):
    """Layers applied one after the other: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    The layers are named "0", "1", ... (or by the keys of an ordered dict), so that
    state_dict keys match PyTorch's (``"0.weight"``). Indexing gives a layer, slicing a
    Sequential of the chosen layers (under their names); ``len`` and iteration work too.

    Examples:
        >>> from tinygrad_edu import nn
        >>> model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
        >>> len(model), model[0].out_features, len(model[1:])
        (3, 4, 2)
        >>> list(model.state_dict())
        ['0.weight', '0.bias', '2.weight', '2.bias']
    """

    def __init__(self, *layers: Any) -> None:
        super().__init__()
        if len(layers) == 1 and isinstance(layers[0], dict):
            for name, layer in layers[0].items():
                self.add_module(name, layer)
        else:
            for i, layer in enumerate(layers):
                self.add_module(str(i), layer)

    def forward(self, input: Any) -> Any:
        for layer in self._modules.values():
            input = layer(input)
        return input

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._modules.items())
        if isinstance(index, slice):
            return type(self)(dict(items[index]))
        return items[_position(index, len(items), type(self).__name__)][1]

    def __setitem__(self, index: int, layer: Module) -> None:
        names = list(self._modules)
        self.add_module(names[_position(index, len(names), type(self).__name__)], layer)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, layer: Module) -> Sequential:
        """Add a layer at the end; returns self."""
        self.add_module(str(len(self)), layer)
        return self


class ModuleList(Module):
    """A list of modules whose parameters are registered (a plain Python list would hide
    them from ``parameters()`` and ``state_dict()``). Named "0", "1", ... like Sequential.

    Examples:
        >>> from tinygrad_edu import nn
        >>> blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
        >>> len(blocks), len(list(blocks.parameters()))
        (3, 6)
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._modules.values())
        if isinstance(index, slice):
            return type(self)(items[index])
        return items[_position(index, len(items), type(self).__name__)]

    def __setitem__(self, index: int, module: Module) -> None:
        self.add_module(str(_position(index, len(self), type(self).__name__)), module)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> ModuleList:
        """Add a module at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Add several modules at the end; returns self."""
        for module in modules:
            self.append(module)
        return self

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "ModuleList has no forward(): it only holds modules; loop over it in your own "
            "module's forward, or use nn.Sequential to chain them."
        )
