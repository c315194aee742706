"""NumPy arrays under another name: enough to tell, in a test, which backend a tensor uses."""

from tinygrad_edu.backends import NumpyBackend


class DemoBackend(NumpyBackend):
    name = "demo"

    def device_name(self) -> str:
        return "CPU (demo plugin)"
