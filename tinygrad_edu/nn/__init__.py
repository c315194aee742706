"""Neural networks, with PyTorch's names: modules, layers, losses, initialisation.

- :class:`Module`, :class:`Parameter`: models as trees of layers, with ``parameters()``,
  ``state_dict()`` and ``load_state_dict()``;
- layers: :class:`Linear`, :class:`ReLU`, :class:`Sigmoid`, :class:`Tanh`, :class:`Flatten`,
  :class:`Dropout`, :class:`Sequential`, :class:`ModuleList`, ...;
- losses: :class:`CrossEntropyLoss`, :class:`NLLLoss`, :class:`MSELoss`;
- :mod:`.functional` (``import tinygrad_edu.nn.functional as F``) and :mod:`.init`.

Examples:
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu import nn
    >>> model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    >>> loss = nn.CrossEntropyLoss()(model(tg.ones(5, 3)), tg.Tensor([0, 1, 1, 0, 1]))
    >>> loss.backward()
    >>> model[0].weight.grad.shape
    (4, 3)
"""

from . import functional as functional
from . import init as init
from .layers import (
    Dropout,
    Flatten,
    Identity,
    Linear,
    ModuleList,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)
from .loss import CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module
from .parameter import Parameter

__all__ = [
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "Identity",
    "Linear",
    "MSELoss",
    "Module",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Tanh",
    "functional",
    "init",
]
