"""tinygrad_edu: an educational autograd engine. Forward, loss, backward, repeat.

Examples:
    >>> import tinygrad_edu as tg
    >>> x = tg.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad.tolist()
    [2.0, 4.0, 6.0]
"""

import builtins

from . import accelerator as accelerator  # tg.accelerator.is_available(), as PyTorch
from . import autograd as autograd  # tg.autograd.grad, tg.autograd.gradcheck, as PyTorch
from . import cuda as cuda  # tg.cuda.is_available(): whether device="cuda" (CuPy) can be used
from . import data as data  # datasets and loaders: tg.data.mnist_sample(), tg.data.DataLoader
from . import nn as nn  # layers, losses, init: tg.nn.Linear, tg.nn.functional.cross_entropy
from . import optim as optim  # tg.optim.SGD, Adam, AdamW, RMSprop, lr schedulers
from . import return_types as return_types  # the named (values, indices) pairs of x.max(dim)
from . import utils as utils  # tg.utils.data is tg.data, as torch.utils.data
from . import viz as viz  # graph pictures: tg.viz.to_mermaid(loss)
from .autograd import Function
from .backends import (
    Backend,
    BackendError,
    available_backends,
    get_backend,
    manual_seed,
    register_backend,
    set_backend,
    use_backend,
)
from .backends.default_device import get_default_device, set_default_device
from .capture import CaptureError, jit  # tg.jit: capture a step, replay it
from .context import Context
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    get_default_dtype,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    set_default_dtype,
    tensor,
    zeros,
    zeros_like,
)
from .device import device
from .dtypes import DType, bool_, float32, float64, int64
from .function_forms import (  # more function forms: tg.cumsum(x, 0) is x.cumsum(0)
    all,  # noqa: F401 - tg.all, tg.any, tg.pow, tg.round: left out of __all__ as tg.sum
    allclose,
    any,  # noqa: F401
    bmm,
    ceil,
    chunk,
    clone,
    cumsum,
    dot,
    eq,
    equal,
    erf,
    expm1,
    flip,
    floor,
    floor_divide,
    fmod,
    ge,
    gt,
    index_select,
    isclose,
    isfinite,
    isinf,
    isnan,
    le,
    log1p,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    masked_fill,
    narrow,
    ne,
    neg,
    nonzero,
    norm,
    numel,
    outer,
    pow,  # noqa: F401
    prod,
    reciprocal,
    remainder,
    roll,
    round,  # noqa: F401
    select,
    sign,
    split,
    square,
    std,
    t,
    tril,
    triu,
    trunc,
    unbind,
    var,
)
from .function_forms import maths as _more_maths
from .function_forms import shapes as _more_shapes
from .function_forms.maths import *  # noqa: F403 - rsqrt, atan2, ...: see its __all__
from .function_forms.shapes import *  # noqa: F403 - movedim, einsum, ...: see its __all__
from .functional import (
    abs,  # noqa: F401 - tg.abs, left out of __all__ (see there)
    add,
    amax,
    amin,
    argmax,
    argmin,
    argsort,
    cat,
    clamp,
    clip,
    concatenate,
    cos,
    cummax,
    cummin,
    div,
    exp,
    flatten,
    gather,
    kthvalue,
    log,
    log_softmax,
    logsumexp,
    matmul,
    max,  # noqa: F401 - tg.max and tg.min, left out of __all__ as tg.sum
    maximum,
    mean,
    median,
    min,  # noqa: F401
    minimum,
    mm,
    mode,
    mul,
    pad,
    permute,
    relu,
    reshape,
    sigmoid,
    sin,
    softmax,
    sort,
    sqrt,
    squeeze,
    stack,
    sub,
    sum,  # noqa: F401 - tg.sum, left out of __all__
    tanh,
    topk,
    transpose,
    unsqueeze,
    where,
)
from .generator import Generator  # torch.Generator: seeded host-side draws
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .gradients import backward as _backward
from .gradients import grad
from .serialization import CheckpointError, load, load_metadata, save
from .tensor import Tensor
from .tensor_methods.base import Size
from .threads import get_num_threads, set_num_threads
from .transfer import from_dlpack, to_backend
from .value import Value

# PyTorch's place for them, tg.autograd.grad and tg.autograd.gradcheck: autograd is a layer
# below gradients and gradcheck and cannot import them, so the package's face hands them down.
autograd.grad, autograd.backward = grad, _backward
autograd.gradcheck, autograd.gradgradcheck = gradcheck, gradgradcheck

__version__ = "0.1.0"

pi = 3.141592653589793  # tg.pi, as torch.pi (math.pi)


def is_tensor(obj: object) -> builtins.bool:
    """Whether ``obj`` is a :class:`Tensor` (a Parameter is one too), as ``torch.is_tensor``."""
    return isinstance(obj, Tensor)


# PyTorch's dtype spellings. tg.int is int64 (tinygrad_edu has no int32). Like tg.abs and tg.sum
# they stay out of __all__, so `from tinygrad_edu import *` does not shadow Python's builtins.
float = float32  # noqa: A001
double = float64
long = int64
int = int64  # noqa: A001
bool = bool_  # noqa: A001

__all__ = [
    "amax",
    "amin",
    "argmax",
    "argmin",
    "argsort",
    "cummax",
    "cummin",
    "gather",
    "kthvalue",
    "median",
    "mode",
    "sort",
    "topk",
    "Size",
    "Generator",
    "inference_mode",
    "is_inference_mode_enabled",
    "clamp",
    "clip",
    "cos",
    "exp",
    "flatten",
    "log",
    "log_softmax",
    "logsumexp",
    "mean",
    "permute",
    "relu",
    "reshape",
    "sigmoid",
    "sin",
    "softmax",
    "sqrt",
    "squeeze",
    "tanh",
    "transpose",
    "unsqueeze",
    # tg.abs and tg.sum exist too, but a star import does not shadow Python's own.
    "GradcheckError",
    "gradcheck",
    "gradgradcheck",
    "Backend",
    "BackendError",
    "Context",
    "DType",
    "Function",
    "Tensor",
    "Value",
    "arange",
    "available_backends",
    "bool_",
    "cat",
    "concatenate",
    "enable_grad",
    "eye",
    "float32",
    "float64",
    "full",
    "full_like",
    "get_backend",
    "grad",
    "jit",
    "CaptureError",
    "int64",
    "is_grad_enabled",
    "manual_seed",
    "matmul",
    "maximum",
    "minimum",
    "no_grad",
    "ones",
    "ones_like",
    "pad",
    "rand",
    "rand_like",
    "randn",
    "randn_like",
    "register_backend",
    "set_backend",
    "set_grad_enabled",
    "stack",
    "tensor",
    "to_backend",
    "use_backend",
    "where",
    "zeros",
    "zeros_like",
    "from_dlpack",
    "device",
    "empty",
    "from_numpy",
    "is_tensor",
    "pi",
    "randint",
    "empty_like",
    "get_default_device",
    "linspace",
    "mm",
    "set_default_device",
    "CheckpointError",
    "load",
    "load_metadata",
    "save",
    "get_num_threads",
    "set_num_threads",
    "add",
    "div",
    "mul",
    "sub",
    # the beginner surface (tg.all, tg.any, tg.pow and tg.round exist too: not star-exported)
    "as_tensor",
    "get_default_dtype",
    "randperm",
    "set_default_dtype",
    "allclose",
    "bmm",
    "ceil",
    "chunk",
    "clone",
    "cumsum",
    "dot",
    "eq",
    "equal",
    "expm1",
    "flip",
    "floor",
    "floor_divide",
    "fmod",
    "ge",
    "gt",
    "index_select",
    "isclose",
    "isfinite",
    "isinf",
    "isnan",
    "le",
    "erf",
    "log1p",
    "logical_and",
    "logical_not",
    "logical_or",
    "logical_xor",
    "lt",
    "masked_fill",
    "narrow",
    "ne",
    "neg",
    "nonzero",
    "norm",
    "numel",
    "outer",
    "prod",
    "reciprocal",
    "remainder",
    "roll",
    "select",
    "sign",
    "split",
    "square",
    "std",
    "t",
    "tril",
    "triu",
    "trunc",
    "unbind",
    "var",
]
__all__ += [*_more_maths.__all__, *_more_shapes.__all__]
