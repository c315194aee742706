"""The methods of a Tensor, one module per kind of operation (the same kinds as in
:mod:`tinygrad_edu.ops`): :mod:`.elementwise`, :mod:`.reductions`, :mod:`.movement` (with the
matrix product), :mod:`.indexing`; :mod:`.shapes` holds the shared checks (axes, broadcasting,
dtype promotion). Each method checks its arguments, so that errors name the op and the shapes,
then calls a differentiable primitive of :mod:`tinygrad_edu.ops` or composes several.
"""
