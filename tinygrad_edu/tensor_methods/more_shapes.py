"""More of PyTorch's shape and linear-algebra methods."""

from __future__ import annotations

from .base import TensorBase


class MoreShapeMethods(TensorBase):
    """More shape and linear-algebra methods, with PyTorch's names and meanings."""
