"""The four dtypes a learner needs: float32 for training, float64 for checking, int64 for labels,
bool for masks.

A :class:`DType` is a name, not a backend's object: each backend maps it to its own
(``numpy.float32``, ``cupy.float32``, ...). It compares equal to its name and to any object with
the same ``name`` (a NumPy dtype, say), so ``t.dtype == "float32"`` and
``t.dtype == numpy.float32`` both read naturally.
"""

from __future__ import annotations

from typing import Any


class DType:
    """A tensor element type.

    Examples:
        >>> import tinygrad_edu as tg
        >>> tg.Tensor([1.0, 2.0]).dtype
        tinygrad_edu.float32
        >>> tg.float32.is_floating
        True
    """

    __slots__ = ("name", "itemsize", "is_floating")

    def __init__(self, name: str, itemsize: int, is_floating: bool) -> None:
        self.name = name
        self.itemsize = itemsize
        self.is_floating = is_floating

    def __repr__(self) -> str:
        return f"tinygrad_edu.{self.name}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DType):
            return other is self
        if other is None:
            return False
        try:
            return to_dtype(other) is self  # "float32", numpy.float32, float, ...
        except TypeError:
            return False

    def __hash__(self) -> int:
        return hash(self.name)


float32 = DType("float32", 4, True)
float64 = DType("float64", 8, True)
int64 = DType("int64", 8, False)
bool_ = DType("bool", 1, False)

ALL_DTYPES = (float32, float64, int64, bool_)
_BY_NAME = {d.name: d for d in ALL_DTYPES}


def to_dtype(dtype: Any) -> DType:
    """Turn ``"float32"``, ``tinygrad_edu.float32``, ``numpy.float32`` or a NumPy dtype into a
    DType.

    Raises:
        TypeError: for a dtype tinygrad_edu does not support, naming the supported ones.
    """
    if isinstance(dtype, DType):
        return dtype
    if dtype is bool:
        return bool_
    if dtype is float:
        return float32
    if dtype is int:
        return int64
    name = dtype if isinstance(dtype, str) else getattr(dtype, "name", None)
    if name is None and hasattr(dtype, "__name__"):
        name = dtype.__name__
    if name in _BY_NAME:
        return _BY_NAME[name]
    supported = ", ".join(d.name for d in ALL_DTYPES)
    raise TypeError(f"Unsupported dtype {dtype!r}. tinygrad_edu supports: {supported}.")
