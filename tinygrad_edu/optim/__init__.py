"""Optimizers and learning-rate schedulers, with PyTorch's names, arguments and update rules.

An optimizer is its update rule: each class's docstring is the formula, and its ``_update``
is those lines written with in-place tensor methods. ``step()`` runs them under ``no_grad``
for every parameter that has a gradient, so each parameter stays the same tensor, with the
same memory, and nothing is recorded.

| optimizer         | the idea                                          | state per parameter  |
|-------------------|---------------------------------------------------|----------------------|
| ``SGD``           | step against the gradient (with momentum)         | momentum_buffer      |
| ``Adam``          | step by the gradient's running mean over its RMS  | step, exp_avg, ...   |
| ``AdamW``         | Adam with the weight decay applied to ``p``       | same as Adam         |
| ``RMSprop``       | step by the gradient over its running RMS         | step, square_avg     |
| ``Adagrad``       | step by g over the root of its summed squares     | step, sum            |
| ``Adamax``        | Adam with a running maximum of abs(g) for v       | step, exp_avg, ...   |
| ``NAdam``         | Adam with Nesterov momentum                       | step, mu_product, ...|
| ``RAdam``         | Adam, rectified: momentum first, adaptive later   | same as Adam         |
| ``Adadelta``      | steps sized by the RMS of the previous steps      | square_avg, acc_delta|

Schedulers are in :mod:`tinygrad_edu.optim.lr_scheduler` (``StepLR``, ``CosineAnnealingLR``,
``OneCycleLR``, ``ReduceLROnPlateau``, ...: PyTorch's set).

Examples:
    >>> import tinygrad_edu as tg
    >>> w = tg.Tensor([3.0], requires_grad=True)
    >>> optimizer = tg.optim.SGD([w], lr=0.25)
    >>> for _ in range(3):  # minimise w**2: forward, loss, backward, step
    ...     optimizer.zero_grad()
    ...     loss = (w * w).sum()
    ...     loss.backward()
    ...     optimizer.step()
    >>> w.item()  # each step halves w
    0.375
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adam_variants import Adamax, NAdam, RAdam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Adamax", "NAdam", "Optimizer", "RAdam",
    "RMSprop", "lr_scheduler",
]
