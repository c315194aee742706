"""Op-spec rows for convolution, pooling and batch normalisation."""

from __future__ import annotations

from .op_specs import OpSpec

SPATIAL_SPECS: tuple[OpSpec, ...] = ()
