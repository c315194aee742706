"""Max pooling over windows that tile the image (stride = kernel, no padding), without unfolding.

:func:`~tinygrad_edu.nn.spatial_functional.max_pool2d` sends the common case here: windows
that do not overlap and hold no padding (``MaxPool2d(2)`` of most CNNs). The general path
copies every window into a column first (:class:`~tinygrad_edu.ops.spatial.Unfold`); here
each position (a, b) inside the windows is one strided view of the input, no copy::

    view[a, b] = x[:, :, a : OH * kh : kh, b : OW * kw : kw]      (N, C, OH, OW)

(rows and columns past OH * kh and OW * kw belong to no window: they are dropped, as in
PyTorch). The kh * kw views are visited in row-major window order, k = a * kw + b, as PyTorch's
CPU kernel visits a window, keeping its rule for which element gets the gradient::

    if (val > maxval || isnan(val)) { maxval = val; maxindex = k; }      (k = 0, 1, ...)

so the first largest element wins, or, in a window holding nans, the last nan. Without a branch:
``took[k] = (view[k] > running max) | isnan(view[k])`` says whether element k took over, and the
winner is the *last* k that took over (k = 0 when none did: a window of -inf's first element).
Every operation works on whole arrays, through the array API, so the same code runs on NumPy,
array-api-strict and CuPy (no value is read back to the host) and ``tg.jit`` records it.
"""

from __future__ import annotations

from typing import Any

from ..autograd import Function, is_grad_enabled
from .elementwise import Where
from .movement import Concatenate, Pad


def _views(x: Any, kernel_size: tuple[int, int]) -> list[Any]:
    """The kh * kw strided views of ``x`` (N, C, H, W), one per position in the windows, in
    row-major window order."""
    (kh, kw), (h, w) = kernel_size, x.shape[2:]
    oh, ow = h // kh, w // kw
    return [x[:, :, a:oh * kh:kh, b:ow * kw:kw] for a in range(kh) for b in range(kw)]


class TiledMaxPool(Function):
    """z[n, c, i, j] = max of the window x[n, c, kh i : kh i + kh, kw j : kw j + kw];
    dz/dx = 1 at one element of each window, 0 at the others (and outside every window)

    The element is PyTorch's: the first largest in row-major order, or, in a window holding
    nans, the last nan (see the module docstring). The others get exactly 0, even when the
    incoming gradient is inf or nan. The backward is linear in the gradient (the choice is a
    constant), and written with Tensor operations under ``create_graph=True``, so second
    derivatives work."""

    @staticmethod
    def forward(ctx, x, kernel_size=(2, 2)):
        xp = ctx.xp
        views = _views(x, kernel_size)
        out = views[0]
        took = []  # took[k - 1]: element k took over from the ones before it
        wanted = any(ctx.needs_input_grad)
        for view in views[1:]:
            if wanted:
                took.append((view > out) | xp.isnan(view))
            out = xp.maximum(out, view)  # a nan stays, as the loop keeps the nan it meets
        if wanted:
            ctx.kernel_size = kernel_size
            ctx.save_for_backward(x, *took)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, *took = ctx.saved_tensors
        # blocked[k]: element k is not its window's winner, the last one that took over.
        later = None  # some element after k took over
        blocked = []
        for k in range(len(took), 0, -1):
            here = took[k - 1]._data
            blocked.append(~here if later is None else ~here | later)
            later = here if later is None else later | here
        blocked.append(later)  # element 0 wins only when no other took over
        blocked.reverse()
        if is_grad_enabled():  # create_graph: recorded Tensor operations
            return _spread_recorded(ctx, grad, blocked, x.shape)
        # Each window's gradient copied to all of its elements, then zeroed off the winner
        # in one call on the whole array (x's shape and memory order): one large call rather
        # than kh * kw small ones, each of which would pay the hook's fixed cost.
        xp, data, g = ctx.xp, x._data, grad._data
        (kh, kw), (h, w) = ctx.kernel_size, data.shape[2:]
        spread, off = xp.empty_like(data), xp.empty_like(data, dtype=xp.bool)
        # Rows and columns in no window: a gradient of 0 (and not blocked: 0 stays 0). Only
        # those strips are zeroed: a whole zeros_like was a full pass more.
        if h % kh:
            spread[..., h - h % kh :, :], off[..., h - h % kh :, :] = 0.0, False
        if w % kw:
            spread[..., w - w % kw :], off[..., w - w % kw :] = 0.0, False
        for k, mask in enumerate(blocked):
            a, b = divmod(k, kw)
            key = (slice(None), slice(None), slice(a, h - h % kh, kh), slice(b, w - w % kw, kw))
            spread[key] = g
            off[key] = mask
        result = grad.constant(ctx.backend.zero_where(spread, off))
        result._fresh = True  # made for x alone: a leaf may keep it as its .grad, uncopied
        return result


def _spread_recorded(ctx: Any, grad: Any, blocked: list[Any], shape: Any) -> Any:
    """The gradient of x as recorded operations: each window's gradient at its winner, zeros
    elsewhere, interleaved back into (N, C, H, W)."""
    (kh, kw), (n, c, h, w) = ctx.kernel_size, shape
    oh, ow = grad.shape[2:]
    zero = grad.constant(0.0)
    parts = [
        Where.apply(grad.constant(mask), zero, grad).reshape(n, c, oh, 1, ow, 1)
        for mask in blocked
    ]
    rows = [Concatenate.apply(*parts[a * kw:(a + 1) * kw], axis=5) for a in range(kh)]
    full = Concatenate.apply(*rows, axis=3).reshape(n, c, oh * kh, ow * kw)
    if (oh * kh, ow * kw) != (h, w):
        full = Pad.apply(full, widths=((0, 0), (0, 0), (0, h - oh * kh), (0, w - ow * kw)))
    return full
