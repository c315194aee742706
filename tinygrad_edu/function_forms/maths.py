"""More of PyTorch's maths as functions: each is the Tensor method of the same name
(:mod:`tinygrad_edu.tensor_methods.more_maths`), called on ``x`` made a Tensor first."""

from __future__ import annotations

__all__: list[str] = []
