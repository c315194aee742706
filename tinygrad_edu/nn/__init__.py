"""Neural networks, with PyTorch's names: modules, layers, losses, initialisation.

- :class:`Module`, :class:`Parameter`: models as trees of layers, with ``parameters()``,
  ``state_dict()`` and ``load_state_dict()``;
- layers: :class:`Linear`, :class:`Embedding`, :class:`Flatten`, :class:`Unflatten`,
  :class:`Dropout`, :class:`Dropout2d`, :class:`Conv2d`, :class:`ConvTranspose2d`,
  :class:`MaxPool2d`,
  :class:`AvgPool2d`, :class:`AdaptiveAvgPool2d` (and the other adaptive pools),
  :class:`BatchNorm1d`, :class:`BatchNorm2d`, :class:`LayerNorm`, :class:`CosineSimilarity`;
- activations: :class:`ReLU`, :class:`Sigmoid`, :class:`Tanh`, :class:`LeakyReLU`,
  :class:`GELU`, :class:`SiLU`, :class:`ELU`, :class:`Softplus`, :class:`Hardtanh`,
  :class:`ReLU6`, :class:`LogSigmoid`, :class:`Mish`, :class:`Softsign`, :class:`Softmax`,
  :class:`LogSoftmax`;
- recurrent: :class:`RNN`, :class:`GRU`, :class:`LSTM` and their cells;
- containers: :class:`Sequential`, :class:`ModuleList`, :class:`ModuleDict`,
  :class:`ParameterList`, :class:`ParameterDict`;
- losses: :class:`CrossEntropyLoss`, :class:`NLLLoss`, :class:`MSELoss`, :class:`L1Loss`,
  :class:`SmoothL1Loss`, :class:`HuberLoss`, :class:`KLDivLoss`, :class:`BCELoss`,
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
from .activations import (
    ELU,
    GELU,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    Mish,
    ReLU6,
    SiLU,
    Softplus,
    Softsign,
)
from .attention import MultiheadAttention
from .containers import ModuleDict, ParameterDict, ParameterList
from .conv import AvgPool2d, Conv2d, MaxPool2d
from .conv_transpose import ConvTranspose2d
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
from .layers_more import CosineSimilarity, Dropout2d, Embedding, LayerNorm, Unflatten
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import Module
from .norm import BatchNorm1d, BatchNorm2d
from .norm_more import GroupNorm, InstanceNorm1d, InstanceNorm2d, RMSNorm
from .one_d import AvgPool1d, Conv1d, MaxPool1d
from .parameter import Parameter
from .pooling import AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from .transformer import TransformerEncoder, TransformerEncoderLayer
from .unsupported import missing as _missing

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "BCELoss",
    "BCEWithLogitsLoss",
    "BatchNorm1d",
    "BatchNorm2d",
    "Conv1d",
    "Conv2d",
    "ConvTranspose2d",
    "CosineSimilarity",
    "CrossEntropyLoss",
    "Dropout",
    "Dropout2d",
    "ELU",
    "Embedding",
    "Flatten",
    "GELU",
    "GRU",
    "GRUCell",
    "GroupNorm",
    "Hardtanh",
    "HuberLoss",
    "Identity",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "KLDivLoss",
    "L1Loss",
    "LSTM",
    "LSTMCell",
    "LayerNorm",
    "LeakyReLU",
    "Linear",
    "LogSigmoid",
    "LogSoftmax",
    "MSELoss",
    "MaxPool1d",
    "MaxPool2d",
    "Mish",
    "Module",
    "ModuleDict",
    "ModuleList",
    "MultiheadAttention",
    "NLLLoss",
    "Parameter",
    "ParameterDict",
    "ParameterList",
    "RNN",
    "RMSNorm",
    "RNNCell",
    "ReLU",
    "ReLU6",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "SmoothL1Loss",
    "Softmax",
    "Softplus",
    "Softsign",
    "Tanh",
    "TransformerEncoder",
    "TransformerEncoderLayer",
    "Unflatten",
    "functional",
    "init",
]


def __getattr__(name: str) -> object:
    """PyTorch names that are not here say what to use instead (see :mod:`.unsupported`)."""
    raise _missing(name)
