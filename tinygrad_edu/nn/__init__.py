"""Neural networks, with PyTorch's names: modules, layers, losses, initialisation.

- :class:`Module`, :class:`Parameter`: models as trees of layers, with ``parameters()``,
  ``state_dict()`` and ``load_state_dict()``;
- layers: :class:`Linear`, :class:`ReLU`, :class:`Sigmoid`, :class:`Tanh`, :class:`Flatten`,
  :class:`Dropout`, :class:`Sequential`, :class:`ModuleList`, :class:`Conv2d`,
  :class:`MaxPool2d`, :class:`AvgPool2d`, :class:`AdaptiveAvgPool2d` (and the other adaptive
  pools), :class:`BatchNorm1d`, :class:`BatchNorm2d`;
- :class:`Softmax`, :class:`LogSoftmax`;
- losses: :class:`CrossEntropyLoss`, :class:`NLLLoss`, :class:`MSELoss`, :class:`BCELoss`,
  :class:`BCEWithLogitsLoss`;
- :mod:`.functional` (``import tinygrad_edu.nn.functional as F``) and :mod:`.init`.

Examples:
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu import nn
    >>> model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    >>> loss = nn.CrossEntropyLoss()(model(tg.ones(5, 3)), tg.Tensor([0, 1, 1, 0, 1]))
    >>> loss.backward()
    >>> model[0].weight.grad.shape
    Size([4, 3])
"""

from . import functional as functional
from . import init as init
from . import utils as utils
from .conv import AvgPool2d, Conv2d, MaxPool2d
from .layers import (
    Dropout,
    Flatten,
    Identity,
    Linear,
    LogSoftmax,
    ModuleList,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module
from .norm import BatchNorm1d, BatchNorm2d
from .parameter import Parameter
from .pooling import AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv2d",
    "CrossEntropyLoss",
    "Dropout",
    "Flatten",
    "Identity",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "MaxPool2d",
    "Module",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "functional",
    "init",
]
