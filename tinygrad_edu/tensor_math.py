"""The operations a Tensor offers, gathered into one mixin from :mod:`.tensor_methods`.

Each kind of operation has its module there (elementwise, reductions, movement, indexing); this
module puts them together and keeps the shared helpers importable under their old names.
"""

from __future__ import annotations

from .tensor_methods.conversion import ConversionMethods
from .tensor_methods.indexing import IndexingMethods
from .tensor_methods.reductions import ReductionMethods
from .tensor_methods.shapes import (
    Axis,
    axis_index,
    broadcast_shapes,
    normalize_axis,
    pad_widths,
    promote,
    torch_keywords,
)

__all__ = [
    "Axis",
    "TensorMath",
    "axis_index",
    "broadcast_shapes",
    "normalize_axis",
    "pad_widths",
    "promote",
    "torch_keywords",
]


class TensorMath(IndexingMethods, ReductionMethods, ConversionMethods):
    """Operations shared by every Tensor: elementwise math and operators, reductions, movement
    and matrix products, indexing, conversions (a mixin, kept apart so tensor.py stays short)."""

    __slots__ = ()
