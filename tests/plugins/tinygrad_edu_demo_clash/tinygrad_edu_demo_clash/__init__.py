"""Claims the name 'demo' a second time (see pyproject.toml)."""


def make_backend():
    from tinygrad_edu.backends import NumpyBackend

    return NumpyBackend()
