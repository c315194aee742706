"""F.scaled_dot_product_attention and nn.MultiheadAttention, checked against PyTorch: values,
gradients of query/key/value and of the projections, every kind of mask, fully masked rows."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn
from tinygrad_edu.nn import functional as F

torch = pytest.importorskip("torch", reason="needs PyTorch (pip install torch==2.13.0)")


def close(ours, theirs, atol=1e-5) -> None:
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), atol=atol, rtol=1e-4)


def masks(kind: str, length: int, source: int):
    rng = np.random.default_rng(5)
    if kind == "none":
        return None, None
    if kind == "bool":
        allowed = rng.random((length, source)) > 0.4
        allowed[:, 0] = True
        return tg.tensor(allowed), torch.tensor(allowed)
    if kind == "dead-row":  # a query that may attend to nothing
        allowed = np.ones((length, source), dtype=bool)
        allowed[1] = False
        return tg.tensor(allowed), torch.tensor(allowed)
    added = rng.standard_normal((length, source)).astype(np.float32)
    added[0, 1] = -np.inf
    return tg.tensor(added), torch.tensor(added)


@pytest.mark.parametrize("kind, causal", [("none", False), ("none", True), ("bool", False),
                                          ("dead-row", False), ("float", False)])
@pytest.mark.parametrize("shapes", [((2, 3, 4, 8), (2, 3, 6, 8), 5), ((4, 6), (5, 6), 3),
                                    ((1, 4, 3, 8), (1, 2, 3, 8), 8)])
def test_sdpa_matches_torch(kind: str, causal: bool, shapes) -> None:
    q_shape, k_shape, value_width = shapes
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(q_shape).astype(np.float32),
              rng.standard_normal(k_shape).astype(np.float32),
              rng.standard_normal((*k_shape[:-1], value_width)).astype(np.float32)]
    gqa = q_shape[-3:-2] != k_shape[-3:-2] if len(q_shape) > 2 else False
    ours_mask, their_mask = masks(kind, q_shape[-2], k_shape[-2])
    results = []
    for lib, mask in ((tg, ours_mask), (torch, their_mask)):
        q, k, v = (lib.tensor(a, requires_grad=True) for a in arrays)
        sdpa = F.scaled_dot_product_attention if lib is tg else (
            torch.nn.functional.scaled_dot_product_attention)
        out = sdpa(q, k, v, attn_mask=mask, is_causal=causal, scale=0.7 if kind == "bool"
                   else None, enable_gqa=gqa)
        g = np.random.default_rng(2).standard_normal(tuple(out.shape)).astype(np.float32)
        out.backward(lib.tensor(g))
        results.append((out, q.grad, k.grad, v.grad))
    for ours, theirs in zip(*results, strict=True):
        close(ours, theirs)


def test_sdpa_dropout_keeps_the_expected_value() -> None:
    tg.manual_seed(0)
    q, k, v = tg.ones(1, 4), tg.ones(50, 4), tg.ones(50, 1)
    outs = [F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).item() for _ in range(200)]
    assert 0.9 < float(np.mean(outs)) < 1.1 and float(np.std(outs)) > 0.05


def load(ours, theirs) -> None:
    ours.load_state_dict({k: tg.tensor(v.detach().numpy()) for k, v in
                          theirs.state_dict().items()})


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("need_weights, average", [(True, True), (True, False), (False, True)])
@pytest.mark.parametrize("mask_kind", ["none", "attn-bool", "attn-float-3d", "padding",
                                       "both", "dead-row"])
def test_multihead_attention_matches_torch(batch_first, need_weights, average,
                                           mask_kind: str) -> None:
    embed, heads, n, length, source = 8, 2, 3, 4, 5
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(embed, heads, batch_first=batch_first)
    ours = nn.MultiheadAttention(embed, heads, batch_first=batch_first)
    load(ours, theirs)
    rng = np.random.default_rng(3)
    layout = (lambda t, b: (b, t, embed)) if batch_first else (lambda t, b: (t, b, embed))
    arrays = [rng.standard_normal(layout(length, n)).astype(np.float32),
              rng.standard_normal(layout(source, n)).astype(np.float32),
              rng.standard_normal(layout(source, n)).astype(np.float32)]
    attn = padding = None
    if mask_kind in ("attn-bool", "both", "dead-row"):
        attn = rng.random((length, source)) < 0.3
        attn[:, 0] = False
        if mask_kind == "dead-row":
            attn[2] = True
    if mask_kind == "attn-float-3d":
        attn = rng.standard_normal((n * heads, length, source)).astype(np.float32)
    if mask_kind in ("padding", "both"):
        padding = np.zeros((n, source), dtype=bool)
        padding[1, -2:] = True
    results = []
    for lib, module in ((tg, ours), (torch, theirs)):
        q, k, v = (lib.tensor(a, requires_grad=True) for a in arrays)
        out, weights = module(q, k, v, need_weights=need_weights, average_attn_weights=average,
                              attn_mask=None if attn is None else lib.tensor(attn),
                              key_padding_mask=None if padding is None else lib.tensor(padding))
        finite = np.isfinite(out.detach().numpy()).all()
        if finite:
            out.sum().backward()
        grads = [q.grad, module.in_proj_weight.grad, module.out_proj.weight.grad] if finite else []
        results.append((out, weights, grads))
    (out, weights, grads), (t_out, t_weights, t_grads) = results
    np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), atol=1e-5)
    assert (weights is None) == (t_weights is None)
    if weights is not None:
        np.testing.assert_allclose(weights.numpy(), t_weights.detach().numpy(), atol=1e-6)
    assert len(grads) == len(t_grads)
    for a, b in zip(grads, t_grads, strict=True):
        close(a, b, atol=1e-4)


def test_multihead_attention_is_torchs_module() -> None:
    torch.manual_seed(0)
    theirs, ours = torch.nn.MultiheadAttention(6, 3), nn.MultiheadAttention(6, 3)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == [
        (k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    state = ours.state_dict()
    assert not state["in_proj_bias"].numpy().any() and not state["out_proj.bias"].numpy().any()
    bound = np.sqrt(6 / (6 + 18))  # Xavier-uniform on (3 E, E)
    weights = state["in_proj_weight"].numpy()
    assert np.abs(weights).max() <= bound and weights.std() > bound / 3
    x = np.random.default_rng(4).standard_normal((4, 6)).astype(np.float32)  # one sequence
    load(ours, theirs)
    out, weights = ours(tg.tensor(x), tg.tensor(x), tg.tensor(x))
    t_out, t_weights = theirs(torch.tensor(x), torch.tensor(x), torch.tensor(x))
    close(out, t_out)
    close(weights, t_weights)
    no_bias = nn.MultiheadAttention(6, 3, bias=False)
    assert list(no_bias.state_dict()) == list(torch.nn.MultiheadAttention(
        6, 3, bias=False).state_dict())


@pytest.mark.parametrize("call, message", [
    (lambda: nn.MultiheadAttention(6, 4), "divisible by num_heads"),
    (lambda: nn.MultiheadAttention(6, 3, add_bias_kv=True), "add_bias_kv"),
    (lambda: nn.MultiheadAttention(6, 3, kdim=4), "kdim and vdim"),
    (lambda: nn.MultiheadAttention(6, 3)(tg.ones(2, 1, 6), tg.ones(2, 1, 6), tg.ones(2, 1, 6),
                                         is_causal=True), "needs attn_mask"),
    (lambda: F.scaled_dot_product_attention(tg.ones(2, 4), tg.ones(3, 5), tg.ones(3, 1)),
     "do not line up"),
    (lambda: F.scaled_dot_product_attention(tg.ones(2, 4), tg.ones(3, 4), tg.ones(3, 1),
                                            tg.ones(2, 3, dtype=tg.bool), is_causal=True),
     "not both"),
])
def test_bad_input_says_what_is_wrong(call, message: str) -> None:
    with pytest.raises((ValueError, NotImplementedError, RuntimeError), match=message):
        call()
