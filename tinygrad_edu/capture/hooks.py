"""The backend during a capture (the helper of :mod:`.capture`): where NumPy itself would let
a traced array slip past the recording, these stand-ins record the call.

NumPy asks the overrides of :class:`~.trace.Traced` for most calls, but not for all: ``asarray``
and ``array`` of a traced array, new arrays (``empty``, ``zeros``) that the step later writes
into, ``take`` (its dispatcher asks the table, not the positions) and indexing a constant with
traced positions (indexing asks no override at all). Missed, each would become a constant of
the replay: the first call's values, at every call.
"""

from __future__ import annotations

import operator
from typing import Any

from .trace import RECORDING, Sym, Traced, plain


def recording_getitem(getitem: Any) -> Any:
    """The backend's ``getitem`` during a capture: ``constant[traced positions]`` is recorded
    (NumPy's indexing asks no override of the index), instead of being folded."""
    def checked(array: Any, index: Any) -> Any:
        keys = index if isinstance(index, tuple) else (index,)
        if RECORDING and not isinstance(array, Traced) and any(
                isinstance(k, Traced) for k in keys):
            return RECORDING[0].record(operator.getitem, (array, index), {},
                                       array[plain(index)])
        return getitem(array, index)
    return checked


class RecordingXp:
    """The backend's namespace during a capture: NumPy, except that ``asarray``/``array`` of a
    traced array or a Sym number are recorded (NumPy does not ask the overrides there)."""

    def __init__(self, xp: Any) -> None:
        self._xp = xp

    def __getattr__(self, name: str) -> Any:
        return getattr(self._xp, name)

    def asarray(self, value: Any, dtype: Any = None, **kwargs: Any) -> Any:
        result = self._xp.asarray(plain(value), dtype=dtype, **kwargs)
        if RECORDING and isinstance(value, Traced | Sym):
            dtype = result.dtype
            return RECORDING[0].record(self._xp.asarray, (value,), {"dtype": dtype, **kwargs},
                                       result, dtype)
        return result

    def _made(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """A new array (``empty``, ``zeros``, ...): recorded, so that what the step writes
        into it later (``columns[i] = x[...]``) is recorded too."""
        function = getattr(self._xp, name)
        result = function(*plain(args), **plain(kwargs))
        if not RECORDING:
            return result
        return RECORDING[0].record(function, args, kwargs, result)

    def empty(self, *args: Any, **kwargs: Any) -> Any:
        return self._made("empty", *args, **kwargs)

    def zeros(self, *args: Any, **kwargs: Any) -> Any:
        return self._made("zeros", *args, **kwargs)

    def ones(self, *args: Any, **kwargs: Any) -> Any:
        return self._made("ones", *args, **kwargs)

    def full(self, *args: Any, **kwargs: Any) -> Any:
        return self._made("full", *args, **kwargs)

    def empty_like(self, *args: Any, **kwargs: Any) -> Any:
        return self._made("empty_like", *args, **kwargs)

    def zeros_like(self, *args: Any, **kwargs: Any) -> Any:
        return self._made("zeros_like", *args, **kwargs)

    def take(self, x: Any, indices: Any, /, **kwargs: Any) -> Any:
        """``take``: NumPy asks the overrides of ``x`` only, not of ``indices``, so a constant
        table read at traced positions (erf's coefficients) would be folded: recorded here."""
        result = self._xp.take(plain(x), plain(indices), **plain(kwargs))
        if RECORDING and (isinstance(x, Traced) or isinstance(indices, Traced)):
            return RECORDING[0].record(self._xp.take, (x, indices), kwargs, result)
        return result

    def ones_like(self, *args: Any, **kwargs: Any) -> Any:
        # A constant, folded (backward()'s seed): plain, so that an engine cache keeping it
        # holds no traced array that would slow eager mode down later.
        return self._xp.ones_like(*plain(args), **plain(kwargs))

    def array(self, value: Any, dtype: Any = None, **kwargs: Any) -> Any:
        return self.asarray(value, dtype=dtype, copy=kwargs.pop("copy", True), **kwargs)
