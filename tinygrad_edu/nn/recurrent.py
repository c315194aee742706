"""Recurrent layers with PyTorch's names, shapes, gate order, initialisation and state_dict keys:
:class:`RNN`, :class:`GRU`, :class:`LSTM` and their one-step cells :class:`RNNCell`,
:class:`GRUCell`, :class:`LSTMCell`.

Each time step is written out with ``F.linear`` and the gate functions, in a Python loop over
the sequence, so the gradient is the chain rule through every step (backpropagation through
time). Not supported: packed sequences and LSTM's ``proj_size``.

Examples:
    >>> import tinygrad_edu as tg
    >>> from tinygrad_edu import nn
    >>> rnn = nn.GRU(input_size=3, hidden_size=4, batch_first=True)
    >>> output, h_n = rnn(tg.zeros(2, 5, 3))
    >>> output.shape, h_n.shape
    (Size([2, 5, 4]), Size([1, 2, 4]))
    >>> list(rnn.state_dict())
    ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']
"""

from __future__ import annotations

import math
from typing import Any

from ..creation import empty, zeros
from ..functional import cat, stack
from ..tensor import Tensor
from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "GRU": 3, "LSTM": 4}


def _step(mode: str, x: Tensor, state: Any, w_ih: Tensor, w_hh: Tensor,
          b_ih: Tensor | None, b_hh: Tensor | None) -> Any:
    """One time step of one layer: the new hidden state (for LSTM, the pair (h, c))."""
    h = state[0] if mode == "LSTM" else state
    gi, gh = F.linear(x, w_ih, b_ih), F.linear(h, w_hh, b_hh)
    if mode == "RNN_TANH":
        return (gi + gh).tanh()
    if mode == "RNN_RELU":
        return (gi + gh).relu()
    n = h.shape[-1]
    if mode == "GRU":  # gates r, z, n
        r = (gi[..., :n] + gh[..., :n]).sigmoid()
        z = (gi[..., n:2 * n] + gh[..., n:2 * n]).sigmoid()
        candidate = (gi[..., 2 * n:] + r * gh[..., 2 * n:]).tanh()
        return (1.0 - z) * candidate + z * h
    gates = gi + gh  # LSTM: gates i, f, g, o
    i, f = gates[..., :n].sigmoid(), gates[..., n:2 * n].sigmoid()
    g, o = gates[..., 2 * n:3 * n].tanh(), gates[..., 3 * n:].sigmoid()
    c = f * state[1] + i * g
    return o * c.tanh(), c


class _Recurrent(Module):
    """What RNN, GRU and LSTM share: the weights of every layer and direction, and the loop."""

    mode = ""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        name = type(self).__name__
        for what, value in (("input_size", input_size), ("hidden_size", hidden_size),
                            ("num_layers", num_layers)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:  # type: ignore[redundant-expr]
                raise ValueError(f"{name}: {what} must be a positive int, got {value!r}")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{name}: dropout is a probability in [0, 1], got {dropout}")
        if proj_size:
            raise NotImplementedError(f"{name}: proj_size is not supported; leave it at 0")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.proj_size = bidirectional, proj_size
        options = {"dtype": dtype or "float32", "device": device}
        gates = _GATES[self.mode] * hidden_size
        for layer in range(num_layers):
            for suffix in ("", "_reverse") if bidirectional else ("",):
                width = input_size if layer == 0 else hidden_size * (2 if bidirectional else 1)
                shapes: dict[str, tuple[int, ...]] = {"weight_ih": (gates, width),
                                                      "weight_hh": (gates, hidden_size)}
                if bias:
                    shapes |= {"bias_ih": (gates,), "bias_hh": (gates,)}
                for kind, shape in shapes.items():
                    setattr(self, f"{kind}_l{layer}{suffix}", Parameter(empty(*shape, **options)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias uniform in (-1/√hidden_size, 1/√hidden_size), as PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def _weights(self, layer: int, suffix: str) -> tuple[Any, ...]:
        get = self._parameters.get
        return tuple(get(f"{kind}_l{layer}{suffix}")
                     for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    def forward(self, input: Tensor, hx: Any = None) -> tuple[Tensor, Any]:
        name, lstm = type(self).__name__, self.mode == "LSTM"
        if input.ndim not in (2, 3) or input.shape[-1] != self.input_size:
            raise ValueError(
                f"{name}: expected an input of shape (L, N, {self.input_size}) (batch_first: "
                f"(N, L, {self.input_size})) or unbatched (L, {self.input_size}), got "
                f"{input.shape}"
            )
        batched = input.ndim == 3
        x = input if batched else input.unsqueeze(1)
        if batched and self.batch_first:
            x = x.transpose(0, 1)
        steps, batch = x.shape[0], x.shape[1]
        directions = 2 if self.bidirectional else 1
        state_shape = (self.num_layers * directions, batch, self.hidden_size)
        states = self._initial(hx, state_shape, batched, x, name)
        finals: list[Any] = []
        for layer in range(self.num_layers):
            outputs = []
            for d, suffix in enumerate(("", "_reverse")[:directions]):
                index = layer * directions + d
                state = (states[0][index], states[1][index]) if lstm else states[index]
                weights = self._weights(layer, suffix)
                seq: list[Tensor] = []
                for t in range(steps - 1, -1, -1) if d else range(steps):
                    state = _step(self.mode, x[t], state, *weights)
                    seq.append(state[0] if lstm else state)
                outputs.append(stack(seq[::-1] if d else seq))
                finals.append(state)
            x = outputs[0] if directions == 1 else cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout)
        if lstm:
            h_n: Any = (stack([s[0] for s in finals]), stack([s[1] for s in finals]))
        else:
            h_n = stack(finals)
        if batched and self.batch_first:
            x = x.transpose(0, 1)
        if not batched:
            x = x.squeeze(1)
            h_n = (h_n[0].squeeze(1), h_n[1].squeeze(1)) if lstm else h_n.squeeze(1)
        return x, h_n

    def _initial(self, hx: Any, shape: tuple[int, ...], batched: bool, like: Tensor,
                 name: str) -> Any:
        """The starting state: zeros, or ``hx`` (for LSTM the pair (h_0, c_0)) checked."""
        parts = 2 if self.mode == "LSTM" else 1
        if hx is None:
            made = [zeros(*shape, dtype=like.dtype, device=like.device) for _ in range(parts)]
            return tuple(made) if parts == 2 else made[0]
        given = tuple(hx) if parts == 2 else (hx,)
        wanted = shape if batched else (shape[0], shape[2])
        if len(given) != parts or any(tuple(h.shape) != wanted for h in given):
            what = "(h_0, c_0), each of shape" if parts == 2 else "h_0 of shape"
            raise ValueError(f"{name}: expected {what} {wanted} (num_layers * num_directions, "
                             f"batch, hidden_size), got {[tuple(h.shape) for h in given]}")
        given = given if batched else tuple(h.unsqueeze(1) for h in given)
        return given if parts == 2 else given[0]

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        for key, default in (("num_layers", 1), ("bias", True), ("batch_first", False),
                             ("dropout", 0.0), ("bidirectional", False)):
            if getattr(self, key) != default:
                text += f", {key}={getattr(self, key)}"
        return text


class RNN(_Recurrent):
    """An Elman RNN: h_t = tanh(x_t W_ihᵀ + b_ih + h_(t-1) W_hhᵀ + b_hh) (``nonlinearity=
    "relu"``: relu). Input (L, N, input_size), or (N, L, input_size) with ``batch_first``, or
    unbatched (L, input_size); returns ``(output, h_n)``: every step's top-layer state and
    every layer's last state."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        # before Module.__init__, which the weights' shapes (the gate count) need
        object.__setattr__(self, "mode", "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity


class GRU(_Recurrent):
    """A gated recurrent unit, PyTorch's gates (r, z, n)::

        r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r (W_hn h + b_hn)),  h' = (1 - z) n + z h

    Shapes as :class:`RNN`."""

    mode = "GRU"


class LSTM(_Recurrent):
    """Long short-term memory, PyTorch's gates (i, f, g, o)::

        c' = σ(f) c + σ(i) tanh(g),  h' = σ(o) tanh(c')

    Shapes as :class:`RNN`; the state is the pair ``(h, c)``: ``output, (h_n, c_n) =
    lstm(x, (h_0, c_0))``."""

    mode = "LSTM"


class _Cell(Module):
    """One time step: weight_ih, weight_hh, bias_ih, bias_hh as in the full layers."""

    mode = ""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        options = {"dtype": dtype or "float32", "device": device}
        gates = _GATES[self.mode] * hidden_size
        self.weight_ih = Parameter(empty(gates, input_size, **options))
        self.weight_hh = Parameter(empty(gates, hidden_size, **options))
        if bias:
            self.bias_ih = Parameter(empty(gates, **options))
            self.bias_hh = Parameter(empty(gates, **options))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        bound = 1.0 / math.sqrt(hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def forward(self, input: Tensor, hx: Any = None) -> Any:
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        if hx is None:
            blank = zeros(x.shape[0], self.hidden_size, dtype=x.dtype, device=x.device)
            hx = (blank, blank) if self.mode == "LSTM" else blank
        elif not batched:
            hx = tuple(h.unsqueeze(0) for h in hx) if self.mode == "LSTM" else hx.unsqueeze(0)
        out = _step(self.mode, x, hx, self.weight_ih, self.weight_hh, self._parameters["bias_ih"],
                    self._parameters["bias_hh"])
        if batched:
            return out
        return tuple(o.squeeze(0) for o in out) if self.mode == "LSTM" else out.squeeze(0)

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")
        if getattr(self, "nonlinearity", "tanh") != "tanh":  # RNNCell's, as PyTorch prints it
            text += f", nonlinearity={self.nonlinearity}"
        return text


class RNNCell(_Cell):
    """One step of :class:`RNN`: ``h' = cell(x, h)``, x (N, input_size), h (N, hidden_size)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: nonlinearity must be 'tanh' or 'relu', got "
                             f"{nonlinearity!r}")
        object.__setattr__(self, "mode", "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU")
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity


class GRUCell(_Cell):
    """One step of :class:`GRU`: ``h' = cell(x, h)``."""

    mode = "GRU"


class LSTMCell(_Cell):
    """One step of :class:`LSTM`: ``h', c' = cell(x, (h, c))``."""

    mode = "LSTM"
