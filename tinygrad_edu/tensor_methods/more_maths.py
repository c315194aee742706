"""More of PyTorch's elementwise maths as Tensor methods."""

from __future__ import annotations

from .base import TensorBase


class MoreMathMethods(TensorBase):
    """More elementwise maths, with PyTorch's names and meanings."""
