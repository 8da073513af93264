"""Random generators: the global one behind randn, rand, Dropout and the nn.init functions,
and :class:`Generator` objects for a private stream (PyTorch's ``torch.Generator``)."""
from __future__ import annotations

import numbers
from typing import Any

import numpy as np

_SEED_LOW, _SEED_HIGH = -(2**63), 2**64 - 1


def _seed_value(seed: Any) -> int:
    """PyTorch's seed rule: any int in [-2**63, 2**64 - 1]; a negative seed is taken modulo
    2**64 (``manual_seed(-1)`` is seed 2**64 - 1, as in PyTorch)."""
    if isinstance(seed, (str, bytes)) or not isinstance(seed, (numbers.Real, np.generic)):
        try:
            seed = int(seed)  # PyTorch accepts anything int() accepts ("3" included)
        except (TypeError, ValueError):
            raise TypeError(f"manual_seed(): seed must be an int, got {seed!r:.40}") from None
    seed = int(seed)
    if not _SEED_LOW <= seed <= _SEED_HIGH:
        raise ValueError(
            f"manual_seed(): seed {seed} is out of range: it must be in [-2**63, 2**64 - 1] "
            f"(PyTorch's range)"
        )
    return seed % 2**64


class Generator:
    """A random stream of its own (PyTorch's ``torch.Generator``), backed by numpy's
    ``Generator``. Pass it as ``generator=`` to ``randn``, ``rand``, ``randint``,
    ``randperm``, ``normal``, ``random_split`` and ``DataLoader``.

    >>> import minitorch as mt
    >>> g = mt.Generator().manual_seed(0)
    >>> a = mt.randn(2, generator=g)
    >>> b = mt.randn(2, generator=mt.Generator().manual_seed(0))
    >>> bool((a == b).all()), g.initial_seed()
    (True, 0)
    """

    def __init__(self, device: Any = "cpu") -> None:
        from .device import check_device

        check_device(device)
        self._initial = int(np.random.SeedSequence().entropy % 2**64)
        self._rng = np.random.default_rng(self._initial)

    @property
    def device(self) -> Any:
        from .device import device

        return device("cpu")

    def manual_seed(self, seed: Any) -> "Generator":
        """Reseed (any int in [-2**63, 2**64 - 1]); returns the generator itself."""
        self._initial = _seed_value(seed)
        self._rng = np.random.default_rng(self._initial)
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy; return the new seed."""
        self.manual_seed(int(np.random.SeedSequence().entropy % 2**64))
        return self._initial

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with."""
        return self._initial

    def get_state(self) -> dict:
        """The state, to restore later with :meth:`set_state`."""
        return self._rng.bit_generator.state

    def set_state(self, state: dict) -> "Generator":
        self._rng.bit_generator.state = state
        return self

    def __repr__(self) -> str:
        return f"<minitorch.Generator seed={self._initial}>"


default_generator = Generator()


def manual_seed(seed: Any) -> Generator:
    """Seed minitorch's global generator, for reproducible runs; returns it.

    Any int in [-2**63, 2**64 - 1] works, negative ones included (as in PyTorch).

    >>> import minitorch as mt
    >>> _ = mt.manual_seed(0); a = mt.randn(2)
    >>> _ = mt.manual_seed(0); b = mt.randn(2)
    >>> bool((a == b).all())
    True
    """
    return default_generator.manual_seed(seed)


def initial_seed() -> int:
    """The seed of the global generator."""
    return default_generator.initial_seed()


def generator(source: Any = None) -> np.random.Generator:
    """The numpy Generator to draw from: ``source``'s (a :class:`Generator` or a numpy
    Generator) or else the global one's."""
    if source is None:
        return default_generator._rng
    if isinstance(source, Generator):
        return source._rng
    if isinstance(source, np.random.Generator):
        return source
    raise TypeError(
        f"generator must be a minitorch.Generator (or a numpy Generator), got "
        f"{type(source).__name__}"
    )


def get_rng_state() -> dict:
    """The global generator's state, to save in a checkpoint."""
    return default_generator.get_state()


def set_rng_state(state: dict) -> None:
    """Restore a state from :func:`get_rng_state`."""
    default_generator.set_state(state)
