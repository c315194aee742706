"""``einsum``: Einstein's summation, as ``torch.einsum``, composed from the engine's operations.

An equation such as ``"bij,bjk->bik"`` names every axis of every operand with a letter. A letter
that two operands share and the output keeps is a batch axis; one that the output drops is
summed over. The work is done in three plain steps, so the gradient of every operand comes
from the pieces (``diagonal``, ``sum``, ``permute``, ``reshape``, ``expand``, ``matmul``):

1. in each operand, a letter written twice (``"ii"``) takes the diagonal of those two axes;
2. a letter that only one operand has, and the output drops, is summed over at once;
3. the operands are multiplied in pairs, left to right, each pair as one matrix product whose
   rows are the first operand's own letters, whose columns are the second's, and whose inner
   axis is the letters they share and drop; shared letters the output keeps are batch axes.

A size-1 axis broadcasts against the same letter's larger size, as in PyTorch. ``...`` stands for
the axes no letter names (right-aligned and broadcast across operands); without ``->`` the
output is ``...`` followed by the letters written once, in alphabetical (ASCII) order.
"""

from __future__ import annotations

import string
from typing import TYPE_CHECKING, Any, cast

from .products import _same_dtype
from .shapes import promote

if TYPE_CHECKING:
    from ..tensor import Tensor

LETTERS = set(string.ascii_letters)


def _labels(term: str, ndim: int, which: int) -> tuple[list[str], int]:
    """The letters of one operand's term, with ``...`` as the placeholder ``"."`` (once), and
    how many axes the ellipsis stands for."""
    if term.count("...") > 1 or term.replace("...", "").count("."):
        raise ValueError(
            f"einsum: operand {which}'s subscripts {term!r} have a '.' that is not part of one "
            "'...' (at most one ellipsis per operand)"
        )
    for ch in term.replace("...", ""):
        if ch not in LETTERS:
            raise ValueError(
                f"einsum: invalid subscript {ch!r} in {term!r}; subscripts are letters a-z, A-Z "
                "(and one '...')"
            )
    letters = term.replace("...", ".")
    named = len(letters) - letters.count(".")
    if "." in letters:
        if named > ndim:
            raise ValueError(
                f"einsum: operand {which} has {ndim} dimensions but its subscripts {term!r} "
                f"name {named} besides the '...'"
            )
        return list(letters), ndim - named
    if named != ndim:
        raise ValueError(
            f"einsum: the subscripts {term!r} name {named} dimensions but operand {which} has "
            f"{ndim}; give one letter per dimension (or use '...')"
        )
    return list(letters), 0


def _from_sublists(args: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """PyTorch's second form, ``einsum(x, [0, 1], y, [1, 2], [0, 2])``, as an equation."""

    def term(sublist: Any) -> str:
        out = ""
        for s in sublist:
            if s is Ellipsis:
                out += "..."
            elif isinstance(s, int) and 0 <= s < 52:
                out += string.ascii_letters[s]
            else:
                raise ValueError(f"einsum: a sublist holds ints in [0, 52) or ..., not {s!r}")
        return out

    pairs, output = (args, None) if len(args) % 2 == 0 else (args[:-1], args[-1])
    equation = ",".join(term(s) for s in pairs[1::2])
    if output is not None:
        equation += "->" + term(output)
    return equation, pairs[0::2]


def einsum(equation: Any, *operands: Any) -> Tensor:
    """Sums of products over named axes, as ``torch.einsum``; see the module docstring.

    Examples:
        >>> import tinygrad_edu as tg
        >>> a = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> tg.einsum("ij,jk->ik", a, a).tolist()  # a @ a
        [[7.0, 10.0], [15.0, 22.0]]
        >>> tg.einsum("ii", a).item()  # the trace
        5.0
    """
    if not isinstance(equation, str):
        equation, operands = _from_sublists((equation, *operands))
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    if not operands:
        raise ValueError("einsum: give the equation and at least one operand")
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise ValueError(
            f"einsum: the equation {equation!r} names {len(terms)} operand(s), but "
            f"{len(operands)} given"
        )
    first = operands[0]
    tensors = [o if type(o) is type(first) else first._const(o) for o in operands]
    parsed = [_labels(t, x.ndim, i) for i, (t, x) in enumerate(zip(terms, tensors, strict=True))]
    ellipsis_ndim = max(n for _, n in parsed)
    ellipsis = [str(d) for d in range(ellipsis_ndim)]  # digits: never a subscript letter
    labelled = []
    for (letters, n), x in zip(parsed, tensors, strict=True):
        dot = letters.index(".") if "." in letters else len(letters)
        names = letters[:dot] + ellipsis[ellipsis_ndim - n:] + letters[dot + 1:]
        labelled.append((x, names))
    output = _output(rhs if arrow else None, labelled, ellipsis)
    sizes = _sizes(labelled)
    if len({t.dtype for t in tensors}) > 1 and any(
        sizes[name] > 1 and name not in output and sum(name in n for _, n in labelled) > 1
        for name in sizes
    ):  # PyTorch contracts a shared axis with bmm, which takes no mixed dtypes
        _same_dtype("einsum (a contraction)", *tensors)
    if len({x.dtype for x, _ in labelled}) > 1:  # elsewhere its products promote, as * does
        common = labelled[0][0]
        for x, _ in labelled[1:]:
            common = promote(common, x)[0]
        labelled = [(x.astype(common.dtype), names) for x, names in labelled]
    return _contract_all(labelled, output, sizes)


def _output(rhs: str | None, labelled: list[tuple[Any, list[str]]],
            ellipsis: list[str]) -> list[str]:
    counts: dict[str, int] = {}
    for _, names in labelled:
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    if rhs is None:
        return ellipsis + sorted(n for n, c in counts.items() if c == 1 and n in LETTERS)
    if rhs.count("...") > 1 or rhs.replace("...", "").count("."):
        raise ValueError(f"einsum: the output {rhs!r} has a '.' that is not part of one '...'")
    output: list[str] = []
    for name in rhs.replace("...", "."):
        if name == ".":
            output.extend(ellipsis)
            continue
        if name not in LETTERS:
            raise ValueError(f"einsum: invalid output subscript {name!r}; use letters a-z, A-Z")
        if name not in counts:
            raise ValueError(
                f"einsum: output subscript {name} does not appear in any operand's subscripts"
            )
        if name in output:
            raise ValueError(f"einsum: output subscript {name} appears more than once")
        output.append(name)
    return output


def _sizes(labelled: list[tuple[Any, list[str]]]) -> dict[str, int]:
    """Each letter's size; 1 broadcasts against a larger one, two different others are an
    error (and within one operand, a repeated letter's sizes must be equal)."""
    sizes: dict[str, int] = {}
    for which, (x, names) in enumerate(labelled):
        own: dict[str, int] = {}
        for name, n in zip(names, x.shape, strict=True):
            shown = "an ellipsis dimension" if name.isdigit() else f"subscript {name}"
            if name in own and own[name] != n:
                raise ValueError(
                    f"einsum: {shown} is repeated for operand {which} but the sizes don't "
                    f"match, {own[name]} != {n}"
                )
            own[name] = n
            seen = sizes.get(name, 1)
            if n != 1 and seen != 1 and n != seen:
                raise ValueError(
                    f"einsum: {shown} has size {n} in operand {which}, which does not broadcast "
                    f"with the size {seen} seen before; sizes must match or be 1"
                )
            sizes[name] = n if n != 1 else sizes.get(name, 1)
    return sizes


def _prepare(x: Any, names: list[str], others: set[str]) -> tuple[Any, list[str]]:
    """Diagonals for repeated letters, then the sum over letters no one else needs."""
    names = list(names)
    while len(set(names)) < len(names):
        name = next(n for n in names if names.count(n) > 1)
        first = names.index(name)
        second = names.index(name, first + 1)
        x = x.diagonal(0, first, second)  # the diagonal becomes the last axis
        names = [n for i, n in enumerate(names) if i not in (first, second)] + [name]
    alone = [i for i, n in enumerate(names) if n not in others]
    if alone:
        x = x.sum(tuple(alone))
        names = [n for i, n in enumerate(names) if i not in alone]
    return x, names


def _product(size: list[int]) -> int:
    out = 1
    for n in size:
        out *= n
    return out


def _contract(a: Any, la: list[str], b: Any, lb: list[str], keep: set[str],
              sizes: dict[str, int]) -> tuple[Any, list[str]]:
    """One pair as one (batched) matrix product: rows = a's own letters, columns = b's."""
    batch = [n for n in la if n in lb and n in keep]
    inner = [n for n in la if n in lb and n not in keep]
    rows = [n for n in la if n not in lb]
    cols = [n for n in lb if n not in la]
    a = a.permute(*[la.index(n) for n in batch + rows + inner])
    b = b.permute(*[lb.index(n) for n in batch + inner + cols])
    if inner:  # a size-1 inner axis broadcasts: made full size on both sides
        a = a.expand(*a.shape[: len(batch) + len(rows)], *[sizes[n] for n in inner])
        b = b.expand(*b.shape[: len(batch)], *[sizes[n] for n in inner],
                     *b.shape[len(batch) + len(inner):])
    row_sizes = list(a.shape[len(batch): len(batch) + len(rows)])
    col_sizes = list(b.shape[len(batch) + len(inner):])
    depth = _product([sizes[n] for n in inner])
    a = a.reshape(*a.shape[: len(batch)], _product(row_sizes), depth)
    b = b.reshape(*b.shape[: len(batch)], depth, _product(col_sizes))
    out = a.matmul(b)
    out = out.reshape(*out.shape[: len(batch)], *row_sizes, *col_sizes)
    return out, batch + rows + cols


def _contract_all(labelled: list[tuple[Any, list[str]]], output: list[str],
                  sizes: dict[str, int]) -> Tensor:
    prepared = []
    for i, (x, names) in enumerate(labelled):
        others = set(output)
        for j, (_, theirs) in enumerate(labelled):
            if j != i:
                others.update(theirs)
        prepared.append(_prepare(x, names, others))
    result, names = prepared[0]
    for k in range(1, len(prepared)):
        keep = set(output)
        for _, later in prepared[k + 1:]:
            keep.update(later)
        result, names = _contract(result, names, *prepared[k], keep, sizes)
    result = result.permute(*[names.index(n) for n in output])
    full = tuple(sizes[n] for n in output)
    if tuple(result.shape) != full:
        result = result.expand(*full)
    return cast("Tensor", result)
