"""nn.TransformerEncoderLayer and nn.TransformerEncoder against PyTorch: state_dict keys, repr,
outputs and gradients in train (no dropout) and eval mode, masks, norm_first, gelu, and the
fast path's zeros at padded positions."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn

torch = pytest.importorskip("torch", reason="needs PyTorch (pip install torch==2.13.0)")
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # PyTorch's fast-path notes


def pair(batch_first=True, norm_first=False, activation="relu", heads=2, layers=2, norm=False):
    torch.manual_seed(0)
    options = {"dim_feedforward": 16, "dropout": 0.0, "batch_first": batch_first,
               "norm_first": norm_first, "activation": activation}
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, heads, **options),
                                         layers, norm=torch.nn.LayerNorm(8) if norm else None)
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, heads, **options), layers,
                                 norm=nn.LayerNorm(8) if norm else None)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: tg.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})
    return ours, theirs


def source(batch_first: bool) -> np.ndarray:
    x = np.random.default_rng(1).standard_normal((3, 5, 8)).astype(np.float32)
    return x if batch_first else x.transpose(1, 0, 2).copy()


PADDING = np.array([[False] * 5, [False, False, False, True, True], [False] * 4 + [True]])


@pytest.mark.parametrize("batch_first, norm_first, activation, norm", [
    (True, False, "relu", False), (False, False, "gelu", True), (True, True, "relu", True),
])
@pytest.mark.parametrize("masks", ["none", "causal", "padding"])
def test_encoder_trains_like_torch(batch_first, norm_first, activation, norm, masks) -> None:
    ours, theirs = pair(batch_first, norm_first, activation, norm=norm)
    x = source(batch_first)
    causal = np.triu(np.ones((5, 5), dtype=bool), 1)
    results = []
    for lib, model in ((tg, ours), (torch, theirs)):
        kwargs = {}
        if masks == "causal":
            kwargs = {"mask": lib.tensor(causal), "is_causal": True}
        elif masks == "padding":
            kwargs = {"src_key_padding_mask": lib.tensor(PADDING)}
        inputs = lib.tensor(x, requires_grad=True)
        out = model(inputs, **kwargs)
        out.sum().backward()
        first = model.layers[0]
        results.append([out, inputs.grad, first.self_attn.in_proj_weight.grad,
                        first.linear1.weight.grad, first.norm2.weight.grad])
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), atol=2e-5, rtol=1e-4)


@pytest.mark.parametrize("batch_first, heads, padding, mask_check, zeros", [
    (True, 2, PADDING, True, True),             # PyTorch's fast path: 0 where padded
    (False, 2, PADDING, True, False),           # not batch_first: the slow path
    (True, 1, PADDING, True, False),            # an odd number of heads: the slow path
    (True, 2, PADDING[:, ::-1].copy(), True, False),  # padding first: not left aligned
    (True, 2, PADDING[:, ::-1].copy(), False, True),  # ... unless mask_check is off
])
@pytest.mark.parametrize("norm", [False, True])
def test_eval_no_grad_padding_matches_torchs_fast_path(batch_first, heads, padding, mask_check,
                                                      zeros, norm) -> None:
    ours, theirs = pair(batch_first, heads=heads, norm=norm)
    ours.mask_check = theirs.mask_check = mask_check
    ours.eval()
    theirs.eval()
    x = source(batch_first)
    with tg.no_grad():
        out = ours(tg.tensor(x), src_key_padding_mask=tg.tensor(padding)).numpy()
    with torch.no_grad():
        expected = theirs(torch.tensor(x), src_key_padding_mask=torch.tensor(padding)).numpy()
    np.testing.assert_allclose(out, expected, atol=2e-5, rtol=1e-4)
    if not norm:  # (a final norm turns the zeros into its bias)
        # the fast path zeroes each sequence's last (padding count) positions
        at_end = np.arange(5) >= (~padding).sum(1, keepdims=True)
        tail = out[at_end] if batch_first else out.transpose(1, 0, 2)[at_end]
        assert (np.abs(tail).max() == 0) == zeros


def test_the_layer_alone_and_its_repr() -> None:
    torch.manual_seed(0)
    theirs = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1)
    ours = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.1)
    assert repr(ours) == repr(theirs)
    ours.load_state_dict({k: tg.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})
    ours.eval()
    theirs.eval()
    x = source(False)
    np.testing.assert_allclose(ours(tg.tensor(x)).numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), atol=2e-5)


def test_layers_are_independent_copies() -> None:
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 3)
    weights = [layer.linear1.weight for layer in encoder.layers]
    assert len({id(w) for w in weights}) == 3
    assert len(list(encoder.parameters())) == 3 * len(list(encoder.layers[0].parameters()))


def test_bad_activation_is_refused() -> None:
    with pytest.raises(RuntimeError, match="relu or gelu"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
