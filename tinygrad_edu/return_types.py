"""The named pairs that reductions with indices return, as ``torch.return_types``.

``x.max(dim)`` gives ``max(values, indices)``: a tuple of two tensors, so that
``values, indices = x.max(1)`` and ``x.max(1)[1]`` work as in PyTorch, and the fields have
names (``.values``, ``.indices``). One type per operation (``max``, ``min``, ``sort``, ...),
so that the printed pair says where it came from.

Examples:
    >>> import tinygrad_edu as tg
    >>> pair = tg.Tensor([[1.0, 5.0], [7.0, 2.0]]).max(1)
    >>> type(pair).__name__, pair.values.tolist(), pair.indices.tolist()
    ('max', [5.0, 7.0], [1, 0])
"""

from __future__ import annotations

from typing import Any, NamedTuple


class _Pair(NamedTuple):
    values: Any
    indices: Any


def _pair_type(name: str) -> type[_Pair]:
    def __repr__(self: _Pair) -> str:
        return f"return_types.{name}(\nvalues={self.values!r},\nindices={self.indices!r})"

    doc = f"What ``{name}`` with a dim returns: ``(values, indices)``, with those names."
    namespace = {"__repr__": __repr__, "__doc__": doc, "__slots__": (), "__module__": __name__}
    return type(name, (_Pair,), namespace)


max = _pair_type("max")  # noqa: A001 - PyTorch's names
min = _pair_type("min")  # noqa: A001
sort = _pair_type("sort")
topk = _pair_type("topk")
kthvalue = _pair_type("kthvalue")
median = _pair_type("median")
mode = _pair_type("mode")
cummax = _pair_type("cummax")
cummin = _pair_type("cummin")

__all__ = ["cummax", "cummin", "kthvalue", "max", "median", "min", "mode", "sort", "topk"]
