"""The 'demo' test backend. The module the entry point names is light: the backend class is
imported inside the factory, as a real plugin would import its heavy array library there."""


def make_backend():
    from .backend import DemoBackend

    return DemoBackend()
