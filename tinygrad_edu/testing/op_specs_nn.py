"""Op-spec rows for the loss and layer functions of :mod:`tinygrad_edu.nn.functional`."""

from __future__ import annotations

from .op_specs import OpSpec

NN_SPECS: tuple[OpSpec, ...] = ()
