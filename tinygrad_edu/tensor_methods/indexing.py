"""Indexing, ``x[key]``, as in NumPy: ints, slices, None, ``...``, boolean masks, integer
arrays and tensors; and iteration over the first axis (``for row in x``, ``len(x)``). The
primitive is :class:`~tinygrad_edu.ops.movement.GetItem` (its backward is IndexAdd)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from .. import ops
from ..dtypes import bool_, int64
from .base import TensorBase
from .movement import MovementMethods

if TYPE_CHECKING:
    from ..tensor import Tensor

class IndexingMethods(MovementMethods):
    """``x[key]`` for a Tensor."""

    __slots__ = ()

    def __getitem__(self, key: Any) -> Tensor:
        """Indexing as in NumPy: ints, slices, None, ``...``, boolean masks, integer arrays.

        Picking one element several times adds up its gradients."""
        x, key = self._scalar_bools(key)
        return ops.GetItem.apply(x, key=x._index_key(key))

    def __iter__(self) -> Iterator[Tensor]:
        """The sub-tensors along the first axis, as ``x[0], x[1], ...``."""
        if not self._data.shape:
            raise TypeError("iteration over a 0-d tensor")
        for i in range(self._data.shape[0]):
            yield self[i]

    def __len__(self) -> int:
        if not self._data.shape:
            raise TypeError("len() of a 0-d tensor")
        return int(self._data.shape[0])

    def _scalar_bools(self, key: Any) -> tuple[Tensor, Any]:
        """A ``True``/``False`` in the key is, as in NumPy, a 0-d mask: it adds an axis of size
        1 (True) or 0 (False). Done here as a new axis of size 1 picked by ``[0]`` or ``[]``."""
        entries = key if isinstance(key, tuple) else (key,)
        if not any(isinstance(k, bool) for k in entries):
            return cast("Tensor", self), key
        x, out, axis = cast("Tensor", self), [], 0
        index_type = self.backend.native_dtype(int64)
        for k in entries:
            if isinstance(k, bool):
                x = x.unsqueeze(axis)
                out.append(x.backend.xp.zeros((1 if k else 0,), dtype=index_type))
                axis += 1
                continue
            if k is Ellipsis:
                if any(isinstance(later, bool) for later in entries[len(out) + 1 :]):
                    raise IndexError("a True/False index after ... is not supported here")
                out.extend(entries[len(out) :])
                break
            out.append(k)
            if k is not None:
                axis += getattr(k, "ndim", 1) if _is_mask(k) else 1
        return x, tuple(out)

    def _index_key(self, key: Any) -> tuple[Any, ...]:
        """The key as the backend's getitem takes it: ints, slices, None and ``...`` as they
        are; lists and tensors as integer arrays, a boolean mask as the positions where it is
        True; and a ``...`` at the end if there is none (the standard asks for every axis)."""
        out: list[Any] = []
        axis: int | None = 0  # the axis the next entry indexes (unknown after a ...)
        for k in key if isinstance(key, tuple) else (key,):
            entries, used = self._index_entry(k, axis)
            out.extend(entries)
            axis = None if k is Ellipsis or axis is None else axis + used
        if not any(k is Ellipsis for k in out):
            out.append(Ellipsis)
        return tuple(out)

    def _index_entry(self, k: Any, axis: int | None) -> tuple[list[Any], int]:
        """One entry of a key, as getitem entries, and how many axes of the tensor it uses."""
        if k is None or k is Ellipsis:
            return [k], 0
        if isinstance(k, slice) or (isinstance(k, int) and not isinstance(k, bool)):
            return [k], 1
        array = self._index_array(k)
        if array.dtype == self.backend.native_dtype(bool_):
            covered = self.shape[axis : axis + array.ndim] if axis is not None else None
            if covered is not None and tuple(array.shape) != covered:
                raise IndexError(
                    f"boolean mask of shape {tuple(array.shape)} does not match the axes it "
                    f"indexes, of sizes {covered}, in a tensor of shape {self.shape}"
                )
            # A boolean mask is the same as the integer positions where it is True.
            return list(self.backend.xp.nonzero(array)), array.ndim
        if array.dtype == self.backend.native_dtype(int64):
            return [array], 1
        raise IndexError(
            f"indices must be ints, slices, None, ..., or int64/bool tensors, not {array.dtype}"
        )

    def _index_array(self, k: Any) -> Any:
        """A list, array or tensor used as an index, as an array of this tensor's backend."""
        if isinstance(k, list | tuple) and len(k) == 0:  # picks nothing
            return self.backend.xp.zeros((0,), dtype=self.backend.native_dtype(int64))
        if isinstance(k, TensorBase):
            if k.backend is not self.backend:
                raise RuntimeError(
                    f"index tensor lives on backend {k.backend.name!r} but the indexed "
                    f"tensor on {self.backend.name!r}; move it with .to({self.backend.name!r})"
                )
            return k._data
        return self.backend.asarray(type(self)(k, backend=self.backend)._data)


def _is_mask(k: Any) -> bool:
    """Whether an index entry is a boolean mask (it then covers as many axes as it has)."""
    dtype = getattr(k, "dtype", None)
    return dtype is not None and "bool" in str(dtype)
