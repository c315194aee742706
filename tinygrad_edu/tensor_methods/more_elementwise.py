"""PyTorch's blends and fills as Tensor methods: ``lerp``, ``addcmul``, ``addcdiv``,
``nan_to_num``, ``frac``, ``sinc``, ``deg2rad``, ``rad2deg``, ``erfinv``, ``bernoulli`` (and
``bernoulli_``). All but sinc and erfinv are composed from Add, Mul, Div and Where (see the table in
:mod:`tinygrad_edu.ops`); the rest of this family of maths is in :mod:`.more_maths`."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, cast

from .. import ops
from ..backends.base import ignore_float_errors
from ..dtypes import float32, float64
from ..generator import draw
from ..ops.more_maths import Erfinv, Sinc
from .base import TensorBase

if TYPE_CHECKING:
    from ..tensor import Tensor


class MoreElementwiseMethods(TensorBase):
    """Steps between tensors, fused multiply-adds, replacing nan and inf, random 0/1 draws."""

    __slots__ = ()

    def lerp(self, end: Any, weight: Any) -> Tensor:
        """``self + weight * (end - self)``: the point a fraction ``weight`` of the way to
        ``end``, as ``torch.lerp``, with its rounding too: for ``|weight| >= 0.5`` it is
        computed from the end, ``end - (end - self) * (1 - weight)``, so that weight 1 gives
        ``end`` exactly. ``end`` (and ``weight``, if a Tensor) must have this tensor's
        floating dtype, as in PyTorch. float32 results are PyTorch's to the last bit (its
        fused multiply-add is reproduced); float64 ones round the product once more, so they
        may differ in the last bit, and where ``factor * (end - start)`` overflows but the
        fused result would not (weights beyond [0, 1] near the float64 maximum) give inf.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([0.0, 10.0]).lerp(tg.tensor([10.0, 20.0]), 0.25).tolist()
            [2.5, 12.5]
        """
        start = cast("Tensor", self)
        end = start._const(end)
        if not start.dtype.is_floating:
            raise NotImplementedError(
                f"lerp: not implemented for {start.dtype.name} tensors (nor in PyTorch); "
                "convert first: x.float().lerp(end.float(), weight)"
            )
        tensors = {"end": end}
        if hasattr(weight, "_data"):
            tensors["weight"] = weight
        for name, tensor in tensors.items():
            if tensor.dtype is not start.dtype:
                raise RuntimeError(
                    f"lerp: {name} has dtype {tensor.dtype.name}, but the start has "
                    f"{start.dtype.name}; they must match, as in PyTorch: convert it first, "
                    f"e.g. {name}.to({start.dtype.name})"
                )
        difference = end - start
        if "weight" in tensors:
            small = start.constant(weight.abs()._data < 0.5)
            base = ops.Where.apply(small, start, end)
            factor = ops.Where.apply(small, weight, weight - 1.0)
        else:  # PyTorch's test is on |weight|, a Python number here: no host read
            base = start if abs(weight) < 0.5 else end
            factor = start._const(weight)  # in the dtype of start, then less 1 there
            factor = factor if abs(weight) < 0.5 else factor - 1.0
        if start.dtype is float32:
            # PyTorch adds base + factor * difference in one fused step (an FMA, one rounding).
            # In float64 the float32 product is exact and the sum rounds once, then once more
            # to float32: the same number, where float32 arithmetic would round twice.
            wide = base.double() + factor.double() * difference.double()
            with ignore_float_errors(start.backend.xp):  # beyond the float32 range: inf, silently
                return wide.float()
        return cast("Tensor", base + factor * difference)

    def addcmul(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        """``self + value * tensor1 * tensor2``, as ``torch.addcmul`` (broadcast, promoted;
        for an integer result a float ``value`` is truncated to an int, as PyTorch does).

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1.0]).addcmul(tg.tensor([2.0]), tg.tensor([3.0]), value=0.5).tolist()
            [4.0]
        """
        x = cast("Tensor", self)
        tensor1, tensor2 = x._const(tensor1), x._const(tensor2)
        left = tensor1 if value == 1 else _scaled(value, x, tensor1, tensor2)
        if x.dtype is float32 and left.dtype is float32 and tensor2.dtype is float32:
            # PyTorch adds the product in one fused step (an FMA, one rounding), as in lerp:
            # float32 arithmetic would round twice, an ulp off for about one element in four
            # (and -inf + 1e38 * 1e38 would be nan, the product inf, where PyTorch gives -inf).
            wide = x.double() + left.double() * tensor2.double()
            with ignore_float_errors(x.backend.xp):
                return wide.float()
        return x + left * tensor2

    def addcdiv(self, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
        """``self + value * tensor1 / tensor2``, as ``torch.addcdiv``; two integer tensors
        are an error, as there (integer division is ambiguous: convert one to float).

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([1.0]).addcdiv(tg.tensor([3.0]), tg.tensor([2.0]), value=2).tolist()
            [4.0]
        """
        x = cast("Tensor", self)
        tensor1, tensor2 = x._const(tensor1), x._const(tensor2)
        if not tensor1.dtype.is_floating and not tensor2.dtype.is_floating:
            raise RuntimeError(
                f"addcdiv: tensor1 and tensor2 are {tensor1.dtype.name} and "
                f"{tensor2.dtype.name}; integer division is not supported here (nor in "
                "PyTorch): divide floats, e.g. x.addcdiv(tensor1.float(), tensor2)"
            )
        numerator = tensor1 if value == 1 else _scaled(value, x, tensor1, tensor2)
        return x + numerator / tensor2

    # -- replacing values ----------------------------------------------------------------------
    def nan_to_num(self, nan: float = 0.0, posinf: float | None = None,
                   neginf: float | None = None) -> Tensor:
        """nan, inf and -inf replaced by ``nan`` (0), ``posinf`` and ``neginf`` (by default the
        largest and the lowest finite number of the dtype), as ``torch.nan_to_num``; the
        gradient is 0 where a value was replaced. Integer and bool tensors are copied as they
        are.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([float("nan"), float("inf"), 1.0]).nan_to_num(posinf=9.0).tolist()
            [0.0, 9.0, 1.0]
        """
        x = cast("Tensor", self)
        if not x.dtype.is_floating:
            return x.clone()
        xp, data = x.backend.xp, x._data
        info = xp.finfo(data.dtype)
        big = float(info.max) if posinf is None else posinf
        low = float(info.min) if neginf is None else neginf
        kind = data.dtype
        replaced = xp.where(xp.isnan(data), xp.asarray(nan, dtype=kind),
                            xp.where(data > 0, xp.asarray(big, dtype=kind),
                                     xp.asarray(low, dtype=kind)))
        finite = x.constant(xp.isfinite(data))
        return cast("Tensor", ops.Where.apply(finite, x, x.constant(replaced)))

    # -- pieces of numbers, angles, and the inverse of erf ------------------------------------
    def frac(self) -> Tensor:
        """The fractional part, ``x - trunc(x)``, with the sign of x (nan at +-inf), as
        ``torch.frac``; derivative 1. Floating-point tensors only, as there.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([2.5, -2.5]).frac().tolist()
            [0.5, -0.5]
        """
        x = cast("Tensor", self)
        if not x.dtype.is_floating:
            raise NotImplementedError(
                f"frac: not implemented for {x.dtype.name} tensors (nor in PyTorch): a whole "
                "number has no fraction; for floats, x.float().frac()"
            )
        return x - x.trunc()

    def sinc(self) -> Tensor:
        """The normalised sinc, ``sin(pi x) / (pi x)``, and 1 at x = 0, as ``torch.sinc``
        (derivative 0 at 0, as there; see :class:`~tinygrad_edu.ops.more_maths.Sinc`).

        Examples:
            >>> import tinygrad_edu as tg
            >>> [round(v, 4) for v in tg.tensor([0.0, 0.5, 1.0]).sinc().tolist()]
            [1.0, 0.6366, -0.0]
        """
        return cast("Tensor", Sinc.apply(cast("Tensor", self)._floating()))

    def deg2rad(self) -> Tensor:
        """Degrees to radians: x * pi / 180 (integers give float32), as ``torch.deg2rad``.

        Examples:
            >>> import tinygrad_edu as tg
            >>> round(tg.tensor([180]).deg2rad().item(), 5)
            3.14159
        """
        return cast("Tensor", self)._floating() * (math.pi / 180.0)

    def rad2deg(self) -> Tensor:
        """Radians to degrees: x * 180 / pi (integers give float32), as ``torch.rad2deg``.

        Examples:
            >>> import tinygrad_edu as tg
            >>> round(tg.tensor([3.141592653589793], dtype=tg.float64).rad2deg().item(), 9)
            180.0
        """
        return cast("Tensor", self)._floating() * (180.0 / math.pi)

    def erfinv(self) -> Tensor:
        """The inverse error function: the y with erf(y) = x, for -1 < x < 1 (+-inf at +-1,
        nan outside), as ``torch.erfinv`` (see :class:`~tinygrad_edu.ops.more_maths.Erfinv`).

        Examples:
            >>> import tinygrad_edu as tg
            >>> [round(v, 5) for v in tg.tensor([0.0, 0.5]).erfinv().tolist()]
            [0.0, 0.47694]
        """
        return cast("Tensor", Erfinv.apply(cast("Tensor", self)._floating()))

    # -- random --------------------------------------------------------------------------------
    def bernoulli(self, p: Any = None, *, generator: Any = None) -> Tensor:
        """1 with probability ``p`` (by default each element of this tensor), else 0, in this
        tensor's floating dtype, as ``torch.bernoulli``; from ``generator=`` (a
        :class:`~tinygrad_edu.Generator`) if given. Probabilities outside [0, 1] are an error;
        the gradient is 0, as in PyTorch.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.tensor([0.0, 1.0, 1.0]).bernoulli().tolist()
            [0.0, 1.0, 1.0]
        """
        x = cast("Tensor", self)
        if not x.dtype.is_floating:
            raise NotImplementedError(
                f"bernoulli: not implemented for {x.dtype.name} tensors (nor in PyTorch); "
                "the probabilities must be floats: x.float().bernoulli()"
            )
        return x._constant_piece(_draw_bernoulli(x, x._data if p is None else p, generator))

    def bernoulli_(self, p: Any = 0.5, *, generator: Any = None) -> Tensor:
        """Fill with 1 (probability ``p``, a number or a tensor that broadcasts to this one)
        or 0, in place, as ``torch.Tensor.bernoulli_``. Returns this tensor.

        Examples:
            >>> import tinygrad_edu as tg
            >>> tg.zeros(3).bernoulli_(1.0).tolist()
            [1.0, 1.0, 1.0]
        """
        x = cast(Any, self)
        x._check_inplace("bernoulli_")
        probs = p._data if hasattr(p, "_data") else p
        return cast("Tensor", x._assign_("bernoulli_", _draw_bernoulli(x, probs, generator)))


def _draw_bernoulli(x: Tensor, probs: Any, generator: Any) -> Any:
    """An array of ``x``'s shape and dtype: 1 where a uniform draw is below ``probs``."""
    xp, backend = x.backend.xp, x.backend
    inside = (probs >= 0) & (probs <= 1)
    number = isinstance(probs, float | int)
    # While a CUDA graph records (tg.jit on CuPy) nothing may be read on the host: a bad
    # probability then gives nan (in a floating tensor) instead of the error.
    check = number or not backend.host_reads_forbidden
    if check and not bool(inside if number else xp.all(inside)):
        raise RuntimeError(
            "bernoulli: every probability must be in [0, 1] (nan is not), as in PyTorch; "
            "clamp them first, e.g. p.clamp(0, 1)"
        )
    dtype = x.dtype if x.dtype.is_floating else float64  # (bernoulli_ fills integers too)
    uniform = draw(generator, backend, "uniform", tuple(x.shape), dtype)
    out = xp.astype(uniform < probs, x._data.dtype)
    if check or not x.dtype.is_floating:
        return out
    return xp.where(inside, out, xp.asarray(float("nan"), dtype=out.dtype))


def _scaled(value: Any, x: Tensor, tensor1: Tensor, tensor2: Tensor) -> Tensor:
    """``value * tensor1``; where all three tensors are integers (or bools) PyTorch truncates
    a float ``value`` to an int first (``addcmul`` of ints with value 0.5 adds 0)."""
    if isinstance(value, float) and not any(
        t.dtype.is_floating for t in (x, tensor1, tensor2)
    ):
        value = int(value)
    return value * tensor1
