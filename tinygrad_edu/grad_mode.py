"""Grad mode: whether operations are recorded for backward, per thread (as in PyTorch).

``no_grad`` (evaluation, optimizer updates), ``inference_mode``, ``enable_grad`` and
``set_grad_enabled`` switch it, each as a ``with`` block or as a decorator;
every ``backward()`` switches it too while it runs (off, or on with ``create_graph=True``). The
switch is per thread, so a ``no_grad`` block or a ``backward()`` in one thread never changes what
another thread records. :class:`~tinygrad_edu.autograd.Function` reads it in ``apply``.
"""

from __future__ import annotations

import contextlib
import threading
from threading import get_ident
from typing import Any


class _ThreadGradMode(threading.local):
    """Whether operations are recorded, per thread, as in PyTorch: a ``no_grad`` block in one
    thread leaves another thread's training alone. Each new thread starts with recording on."""

    enabled = True


_mode = _ThreadGradMode()


def is_grad_enabled() -> bool:
    """Whether operations are being recorded for backward right now."""
    return _mode.enabled


class _GradMode(contextlib.ContextDecorator):
    """Recording on or off inside a ``with`` block or a decorated function, then back.

    One object may be entered by several threads at once (a decorated function called from
    two threads), so the modes to go back to are kept per thread: a stack per thread id, in a
    plain dict (a ``threading.local`` per block cost more than the rest of an optimizer step's
    bookkeeping; a block is made at every ``step()`` and ``backward()``)."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self._stacks: dict[int, list[bool]] = {}

    @property
    def previous(self) -> list[bool]:
        """This thread's modes to restore, innermost last."""
        stack = self._stacks.get(get_ident())
        if stack is None:
            stack = self._stacks[get_ident()] = []
        return stack

    def __enter__(self) -> None:
        self.previous.append(_mode.enabled)
        _mode.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        stack = self._stacks[get_ident()]
        _mode.enabled = stack.pop()
        if not stack:  # (a finished thread's id may be given to a new one)
            del self._stacks[get_ident()]


class set_grad_enabled(_GradMode):
    """Turn recording on or off, as in PyTorch: called on its own,
    ``tg.set_grad_enabled(False)`` switches at once (until switched back); used in a ``with``
    block or as a decorator, it switches only inside.

    Examples:
        >>> import tinygrad_edu as tg
        >>> with tg.set_grad_enabled(False):
        ...     tg.is_grad_enabled()
        False
        >>> tg.is_grad_enabled()
        True
    """

    def __init__(self, mode: bool) -> None:
        super().__init__(mode)
        self._restore = _mode.enabled  # what the end of a with block goes back to
        _mode.enabled = self.mode  # switched at once, as in PyTorch

    def __enter__(self) -> None:
        pass  # switched already, by __init__

    def __exit__(self, *exc: object) -> None:
        _mode.enabled = self._restore

    def __call__(self, func: Any) -> Any:
        # Used as a decorator: undo the switch made when it was applied, and switch on each
        # call instead, with a plain block (which keeps its modes per thread).
        _mode.enabled = self._restore
        return _GradMode(self.mode)(func)


class no_grad(_GradMode):
    """Do not record operations: for evaluation, and for updating weights in an optimizer.

    Works as a context manager and as a decorator.

    Examples:
        >>> import tinygrad_edu as tg
        >>> w = tg.Tensor([1.0, 2.0], requires_grad=True)
        >>> with tg.no_grad():
        ...     y = w * 2
        >>> y.requires_grad
        False
    """

    def __new__(cls, func: Any = None) -> Any:
        self = super().__new__(cls)
        if func is not None:  # used as a bare decorator: @no_grad
            cls.__init__(self)
            return self(func)
        return self

    def __init__(self, func: Any = None) -> None:
        super().__init__(False)


class enable_grad(_GradMode):
    """Record operations again inside a :class:`no_grad` block; a context manager and a
    decorator (``@tg.enable_grad()`` or ``@tg.enable_grad``)."""

    def __new__(cls, func: Any = None) -> Any:
        self = super().__new__(cls)
        if func is not None:  # used as a bare decorator: @enable_grad
            cls.__init__(self)
            return self(func)
        return self

    def __init__(self, func: Any = None) -> None:
        super().__init__(True)


class _ThreadInferenceMode(threading.local):
    enabled = False


_inference = _ThreadInferenceMode()


def is_inference_mode_enabled() -> bool:
    """Whether this thread is inside an :class:`inference_mode` block."""
    return _inference.enabled


class inference_mode(_GradMode):
    """Do not record operations, as :class:`no_grad`: PyTorch's faster variant for running a
    trained model. Here it is no_grad (recording off) that also answers
    :func:`is_inference_mode_enabled`; ``inference_mode(False)`` changes nothing. A context
    manager and a decorator (``@tg.inference_mode()`` or ``@tg.inference_mode``).

    (PyTorch also marks the tensors made inside as "inference tensors", which may never enter
    a recorded graph later; tinygrad_edu's are ordinary tensors that do not require grad.)

    Examples:
        >>> import tinygrad_edu as tg
        >>> w = tg.Tensor([1.0, 2.0], requires_grad=True)
        >>> with tg.inference_mode():
        ...     y = w * 2
        >>> y.requires_grad
        False
        >>> @tg.inference_mode()
        ... def predict(x):
        ...     return (w * x).sum()
        >>> predict(tg.ones(2)).requires_grad
        False
    """

    def __new__(cls, mode: Any = True) -> Any:
        self = super().__new__(cls)
        if callable(mode):  # used as a bare decorator: @inference_mode
            cls.__init__(self)
            return self(mode)
        return self

    def __init__(self, mode: Any = True) -> None:
        self.inference = bool(mode)
        super().__init__(False)

    def __enter__(self) -> None:
        self.previous.append(_mode.enabled)
        self.previous.append(_inference.enabled)
        if self.inference:
            _mode.enabled = False
            _inference.enabled = True

    def __exit__(self, *exc: object) -> None:
        _inference.enabled = self.previous.pop()
        _mode.enabled = self.previous.pop()
