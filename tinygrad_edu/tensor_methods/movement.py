"""Movement: reshape, permute, transpose, expand, squeeze, flatten, pad; and the matrix
product, which is built on them.

The primitives are in :mod:`tinygrad_edu.ops.movement` and :mod:`tinygrad_edu.ops.linalg`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from .. import ops
from ..dtypes import DType
from .base import TensorBase
from .shapes import (
    Axis,
    _shape_args,
    axis_index,
    broadcast_shapes,
    normalize_axis,
    pad_widths,
    torch_keywords,
)

if TYPE_CHECKING:
    from ..tensor import Tensor

class MovementMethods(TensorBase):
    """Shape changes and matrix products of a Tensor."""

    __slots__ = ()

    def matmul(self, other: Any) -> Tensor:
        """Matrix product ``self @ other`` with NumPy's rules for 1-D and batched operands."""
        x, y = cast("Tensor", self), self._const(other)
        if x.ndim == 0 or y.ndim == 0:
            raise ValueError(
                f"matmul: both operands need at least one dimension, got shapes {x.shape} and "
                f"{y.shape}; use * to multiply by a scalar."
            )
        inner_y = y.shape[-2] if y.ndim > 1 else y.shape[0]
        if x.shape[-1] != inner_y:
            raise ValueError(
                f"matmul: shapes {x.shape} and {y.shape} do not line up "
                f"({x.shape[-1]} != {inner_y})"
            )
        if x._data.dtype != y._data.dtype and x.dtype is not y.dtype:  # PyTorch converts none
            raise RuntimeError(
                f"matmul: the operands have dtypes {x.dtype.name} and {y.dtype.name}; they must "
                f"match, as in PyTorch: convert one first, e.g. x @ y.to(tg.{x.dtype.name})"
            )
        vector_x, vector_y = x.ndim == 1, y.ndim == 1
        if vector_x:
            x = x.reshape(1, -1)
        if vector_y:
            y = y.reshape(-1, 1)
        if x.ndim > 2 or y.ndim > 2:
            broadcast_shapes("matmul (batch axes)", x.shape[:-2], y.shape[:-2])
        out = ops.MatMul.apply(x, y)
        if vector_x and vector_y:
            return out.reshape(())
        if vector_x:
            return out.squeeze(-2)
        if vector_y:
            return out.squeeze(-1)
        return out

    def reshape(self, *shape: Any) -> Tensor:
        """The same elements in a new shape; one size may be -1 (inferred)."""
        shape = _shape_args(shape)
        if shape == self.shape:
            return cast("Tensor", self)
        known = 1
        for n in shape:
            known *= n if n != -1 else 1
        size = self.numel()
        if shape.count(-1) > 1 or (
            size != known if -1 not in shape else (known == 0 or size % known)
        ):
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {self.shape} ({size} elements) "
                f"into shape {shape}"
            )
        if -1 in shape:
            shape = tuple(size // known if n == -1 else n for n in shape)
        return ops.Reshape.apply(self, shape=shape)

    def view(self, *shape: Any, dtype: Any = None) -> Tensor:
        """``reshape``; or, given a dtype, the same memory read as that dtype (PyTorch's
        ``x.view(torch.int32)``; see ``_view_bits``)."""
        if dtype is not None or (len(shape) == 1 and isinstance(shape[0], DType)):
            if dtype is not None and shape:
                raise TypeError("view: give a shape or a dtype, not both")
            return cast("Tensor", self)._view_bits(shape[0] if dtype is None else dtype)
        return self.reshape(*shape)

    def permute(self, *axes: Any) -> Tensor:
        """Reorder the axes: ``x.permute(2, 0, 1)``."""
        axes = _shape_args(axes)
        if len(axes) != self.ndim:
            raise ValueError(f"permute: {axes} is not an ordering of the {self.ndim} axes")
        axes = tuple(axis_index(a, self.ndim, "permute: axis") for a in axes)
        if sorted(axes) != list(range(self.ndim)):
            raise ValueError(f"permute: {axes} is not an ordering of the {self.ndim} axes")
        if axes == tuple(range(self.ndim)):
            return cast("Tensor", self)
        return ops.Permute.apply(self, axes=axes)

    def transpose(self, dim0: int = -2, dim1: int = -1) -> Tensor:
        """Swap two axes (as in PyTorch); the last two by default."""
        a = axis_index(dim0, self.ndim, "transpose: axis")
        b = axis_index(dim1, self.ndim, "transpose: axis")
        if self.ndim == 0:  # nothing to swap (PyTorch allows axes 0 and -1 here)
            return cast("Tensor", self)
        order = list(range(self.ndim))
        order[a], order[b] = order[b], order[a]
        return self.permute(*order)

    def mm(self, mat2: Any) -> Tensor:
        """The product of two matrices, as ``torch.mm``: both operands must have exactly two
        axes (use :meth:`matmul` or ``@`` for vectors and batches)."""
        mat2 = self._const(mat2)
        if self.ndim != 2 or mat2.ndim != 2:
            raise ValueError(
                f"mm: both operands must be matrices (2 axes), got shapes {self.shape} and "
                f"{mat2.shape}; use matmul (or @) for vectors and batches of matrices."
            )
        return self.matmul(mat2)

    def t(self) -> Tensor:
        """The transpose of a matrix (a tensor of at most 2 axes), as ``torch.Tensor.t``."""
        if self.ndim > 2:
            raise ValueError(
                f"t() expects at most 2 axes, got shape {self.shape}; use transpose(a, b) or "
                "permute(...) to choose the axes"
            )
        return self.T if self.ndim == 2 else cast("Tensor", self)

    @property
    def T(self) -> Tensor:
        """All axes reversed (for a matrix: the transpose)."""
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self) -> Tensor:
        """The last two axes swapped (a batch of transposed matrices)."""
        if self.ndim < 2:
            raise ValueError(f"mT needs at least 2 axes, got shape {self.shape}")
        return self.transpose(-2, -1)

    def expand(self, *shape: Any) -> Tensor:
        """Broadcast to a larger shape without copying; -1 keeps a size."""
        shape = _shape_args(shape)
        extra = len(shape) - self.ndim
        if extra < 0:
            raise ValueError(f"expand: cannot expand shape {self.shape} to fewer axes {shape}")
        shape = tuple(
            self.shape[i - extra] if n == -1 and i >= extra else n for i, n in enumerate(shape)
        )
        if shape == self.shape:
            return cast("Tensor", self)
        if broadcast_shapes("expand", self.shape, shape) != shape:
            raise ValueError(f"expand: cannot expand shape {self.shape} to {shape}")
        return ops.Expand.apply(self, shape=shape)

    def broadcast_to(self, size: Sequence[int]) -> Tensor:
        """Broadcast to ``shape`` without copying (the same as :meth:`expand`)."""
        return self.expand(tuple(size))

    @torch_keywords
    def squeeze(self, axis: Axis = None) -> Tensor:
        """Remove axes of size 1: all of them, or those in ``axis``. As in PyTorch, an axis
        in ``axis`` whose size is not 1 is left alone (NumPy would raise instead)."""
        axes = normalize_axis(axis, self.ndim)
        if axes is None:
            axes = tuple(range(self.ndim))
        axes = tuple(a for a in axes if self.shape[a] == 1)
        if not axes:
            return cast("Tensor", self)
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if i not in axes))

    @torch_keywords
    def unsqueeze(self, axis: int) -> Tensor:
        """Insert an axis of size 1 at position ``axis``."""
        if not -self.ndim - 1 <= axis <= self.ndim:
            raise IndexError(f"unsqueeze: axis {axis} is out of range for {self.ndim} dimensions")
        axis = axis % (self.ndim + 1)
        return self.reshape((*self.shape[:axis], 1, *self.shape[axis:]))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Merge the axes from ``start_dim`` to ``end_dim`` into one."""
        start = axis_index(start_dim, self.ndim, "flatten: start_dim")
        end = axis_index(end_dim, self.ndim, "flatten: end_dim")
        if self.ndim == 0:
            return self.reshape(1)
        if start > end:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        shape = self._data.shape
        if end == start:
            return cast("Tensor", self)
        merged = 1
        for n in shape[start : end + 1]:
            merged *= n
        # (a valid shape by construction: no need for reshape's checks)
        return ops.Reshape.apply(self, shape=(*shape[:start], merged, *shape[end + 1 :]))

    def pad(self, pad_width: Any, value: float = 0.0) -> Tensor:
        """Surround with a constant border. ``pad_width`` is NumPy's: an int, one
        ``(before, after)`` pair for every axis, or a list of such pairs."""
        return ops.Pad.apply(self, widths=pad_widths(pad_width, self.ndim), value=value)
