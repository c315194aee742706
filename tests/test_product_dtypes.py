"""Matrix products of tensors of two dtypes: PyTorch refuses most of them (no promotion inside
its matrix kernels), and a line that runs here must not compute what PyTorch would refuse."""

from __future__ import annotations

import pytest

import tinygrad_edu as tg

torch = pytest.importorskip("torch", reason="needs PyTorch (pip install torch==2.13.0)")


def outcome(lib, make):
    """The result's dtype name, or 'refused' for an error."""
    try:
        return str(make(lib).dtype).rsplit(".", 1)[-1]
    except (RuntimeError, TypeError, ValueError):
        return "refused"


PRODUCTS = {
    "x @ y": lambda L, a, b: a @ b,
    "matmul": lambda L, a, b: L.matmul(a, b),
    "mm": lambda L, a, b: L.mm(a.reshape(1, -1), b.reshape(-1, 1)),
    "bmm": lambda L, a, b: L.bmm(a.reshape(1, 1, -1), b.reshape(1, -1, 1)),
    "tensordot": lambda L, a, b: L.tensordot(a, b, dims=1),
    "inner": lambda L, a, b: L.inner(a, b),
    "cross": lambda L, a, b: L.cross(a, b, dim=0),
    "einsum i,i->": lambda L, a, b: L.einsum("i,i->", a, b),
    "einsum i,i->i": lambda L, a, b: L.einsum("i,i->i", a, b),
    "einsum i,j->ij": lambda L, a, b: L.einsum("i,j->ij", a, b),
    "einsum i,j->": lambda L, a, b: L.einsum("i,j->", a, b),
    "outer": lambda L, a, b: L.outer(a, b),
}


@pytest.mark.parametrize("name", list(PRODUCTS))
@pytest.mark.parametrize("dtypes", [("float32", "float64"), ("float32", "int64"),
                                    ("int64", "float64"), ("float64", "float64")])
def test_mixed_dtypes_are_refused_or_promoted_as_in_torch(name: str, dtypes) -> None:
    def make(lib):
        a = lib.tensor([1.0, 2.0, 3.0]).to(getattr(lib, dtypes[0]))
        b = lib.tensor([4.0, 5.0, 6.0]).to(getattr(lib, dtypes[1]))
        return PRODUCTS[name](lib, a, b)

    assert outcome(tg, make) == outcome(torch, make)


def test_the_refusal_says_how_to_convert() -> None:
    with pytest.raises(RuntimeError, match=r"float32 and float64; .* y\.to\(tg\.float32\)"):
        tg.ones(2, 2) @ tg.ones(2, 2, dtype=tg.float64)
    with pytest.raises(RuntimeError, match=r"einsum \(a contraction\)"):
        tg.einsum("ij,jk->ik", tg.ones(2, 2), tg.ones(2, 2, dtype=tg.int64))
