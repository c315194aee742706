"""``tg.utils.data``: where PyTorch code finds ``DataLoader`` and ``TensorDataset``
(``torch.utils.data``). It is :mod:`tinygrad_edu.data` itself, under PyTorch's longer name, so
``import tinygrad_edu.utils.data`` and ``from tinygrad_edu.utils.data import DataLoader`` work
too."""

import sys

from .. import data as data

sys.modules[__name__ + ".data"] = data  # `import tinygrad_edu.utils.data` finds the same module

__all__ = ["data"]
