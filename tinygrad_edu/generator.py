"""``tg.Generator``: PyTorch's random-number generator object, for the draws made on the host.

PyTorch code seeds a split or a shuffle with its own generator, so that it does not depend on
(or disturb) the global seed::

    train, test = random_split(dataset, [0.8, 0.2], generator=torch.Generator().manual_seed(42))

Here a ``Generator`` is a NumPy ``numpy.random.Generator`` (PCG64) with PyTorch's methods
(``manual_seed``, ``seed``, ``initial_seed``, ``get_state``, ``set_state``), so everything that
takes a NumPy generator takes it too: ``random_split``, ``DataLoader(generator=...)``, the
samplers. ``tg.rand``, ``tg.randn``, ``tg.randint``, ``tg.randperm``, ``rand_like``,
``randn_like``, ``Tensor.uniform_``/``normal_`` and the ``nn.init`` fillers take
``generator=`` too (see :func:`draw`); without one they draw from the backend's generator, which
:func:`tinygrad_edu.manual_seed` seeds. The numbers differ from PyTorch's (another algorithm);
the reproducibility is the same: one seed, one sequence.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

_SEEDS = 2**64  # PyTorch's seeds are 64-bit; a negative one wraps around, as there


class Generator(np.random.Generator):
    """A seeded source of random numbers, as ``torch.Generator``.

    Args:
        device: ``"cpu"``, the only place these draws happen (shuffling, splitting and
            sampling indices are host work, as PyTorch's DataLoader needs a CPU generator).

    Examples:
        >>> import tinygrad_edu as tg
        >>> from tinygrad_edu.data import TensorDataset, random_split
        >>> digits = TensorDataset(tg.arange(10))
        >>> train, test = random_split(digits, [0.8, 0.2], generator=tg.Generator().manual_seed(42))
        >>> again, _ = random_split(digits, [0.8, 0.2], generator=tg.Generator().manual_seed(42))
        >>> list(train.indices) == list(again.indices)
        True
        >>> tg.Generator().manual_seed(42).initial_seed()
        42
    """

    def __init__(self, device: Any = "cpu") -> None:
        if str(device) != "cpu":
            raise ValueError(
                f"tg.Generator(device={str(device)!r}): generators draw on the host (shuffling, "
                "splitting, sampling); use tg.Generator() or tg.Generator('cpu')"
            )
        seed = int(np.random.SeedSequence().entropy) % _SEEDS  # type: ignore[arg-type]
        super().__init__(np.random.PCG64(seed))
        self._initial_seed = seed

    @property
    def device(self) -> str:
        """``"cpu"``: where the draws happen."""
        return "cpu"

    def manual_seed(self, seed: int) -> Generator:
        """Start the sequence of ``seed`` again; returns the generator itself, so that
        ``tg.Generator().manual_seed(42)`` can be passed on at once."""
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
            raise TypeError(
                f"manual_seed: the seed must be an int, not {type(seed).__name__}: "
                "g.manual_seed(42)"
            )
        seed = int(seed) % _SEEDS
        self.bit_generator.state = np.random.PCG64(seed).state
        self._initial_seed = seed
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy and return the new seed."""
        seed = int(np.random.SeedSequence().entropy) % _SEEDS  # type: ignore[arg-type]
        self.manual_seed(seed)
        return seed

    def initial_seed(self) -> int:
        """The seed this generator's sequence started from."""
        return self._initial_seed

    def get_state(self) -> dict[str, Any]:
        """The position in the sequence, to give back to :meth:`set_state` (a dict of NumPy's
        bit-generator state, where PyTorch gives a byte tensor)."""
        return dict(self.bit_generator.state)

    def set_state(self, state: dict[str, Any]) -> Generator:
        """Go back to a position that :meth:`get_state` returned."""
        self.bit_generator.state = state
        return self

    def __repr__(self) -> str:
        return f"<tinygrad_edu.Generator seed={self._initial_seed}>"

    __str__ = __repr__


def draw(generator: Any, backend: Any, kind: str, shape: tuple[int, ...], dtype: Any) -> Any:
    """Samples of U[0, 1) (``kind="uniform"``) or N(0, 1) (``"normal"``) as an array of
    ``backend`` in the floating ``dtype``: from ``generator`` (drawn on the host, then moved;
    the backend's own generator is left as it was), or from the backend's generator if None.

    Raises:
        TypeError: ``generator`` is neither a ``tg.Generator`` nor a NumPy generator.
    """
    if generator is None:
        return backend.uniform(shape, dtype) if kind == "uniform" else backend.normal(shape, dtype)
    if not isinstance(generator, np.random.Generator):
        raise TypeError(
            f"generator= needs a tg.Generator (or numpy.random.Generator), not "
            f"{type(generator).__name__}: g = tg.Generator().manual_seed(0), then "
            "tg.rand(3, generator=g)"
        )
    native = np.dtype(dtype.name)
    if HOST_DRAWS and HOST_DRAWS[-1][0] == threading.get_ident():  # tg.jit is capturing here:
        return HOST_DRAWS[-1][1](generator, kind, shape, native)  # recorded, drawn at replays
    return backend.asarray(host_draw(generator, kind, shape, native), dtype)


HOST_DRAWS: list[Any] = []  # while tg.jit captures: (its thread, its recorder of draws)


def host_draw(generator: Any, kind: str, shape: tuple[int, ...], native: Any) -> Any:
    """One draw from a NumPy generator: U[0, 1) or N(0, 1) samples of dtype ``native``."""
    if kind == "uniform":
        return generator.random(shape, dtype=native)
    return generator.standard_normal(shape, dtype=native)
