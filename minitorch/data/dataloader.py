"""DataLoader: batches of a dataset, optionally reshuffled every epoch from a seed."""
from __future__ import annotations

import warnings
from typing import Any, Callable, Iterator

import numpy as np

from ._util import check_int, check_seed, dataset_length, make_rng
from .collate import fetch, samples


class DataLoader:
    """Iterate over a dataset in batches; each batch is a tuple of tensors.

    Args:
        dataset: a map-style dataset (``__len__`` and ``__getitem__``), e.g. a TensorDataset.
        batch_size: samples per batch (the last batch may be smaller unless ``drop_last``).
        shuffle: visit the samples in a new random order every epoch.
        drop_last: skip the last, incomplete batch.
        seed: makes shuffling reproducible: epoch ``k`` is ordered by a permutation that
            depends only on ``(seed, k)``, so a run resumed at epoch ``k`` (see
            :meth:`state_dict`) sees the same batches. Without a seed, shuffles draw from
            ``generator`` (a ``minitorch.Generator`` or a numpy Generator) or minitorch's
            global generator (``minitorch.manual_seed``).
        num_workers: accepted for PyTorch scripts; loading always runs in-process (a
            warning says so when it is above 0). ``pin_memory``, ``persistent_workers``,
            ``prefetch_factor``, ``timeout`` and ``worker_init_fn`` are accepted and unused.
        collate_fn: turns a list of samples into a batch (default :func:`default_collate`).

    Each ``iter(loader)`` is one epoch and advances :attr:`epoch`. For a TensorDataset
    (or a Subset of one) a batch costs one index operation per tensor: shuffled batches
    are fresh copies; unshuffled batches are read-only views of the dataset's tensors,
    so change them out of place (``x = x / 255``), not in place.

    >>> import numpy as np
    >>> from minitorch.data import TensorDataset
    >>> ds = TensorDataset(np.arange(10, dtype=np.float32), np.arange(10))
    >>> loader = DataLoader(ds, batch_size=4, shuffle=True, seed=0)
    >>> len(loader), [len(y) for x, y in loader]
    (3, [4, 4, 2])
    >>> loader.epoch
    1
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool | None = False,
        *,
        drop_last: bool = False,
        seed: int | None = None,
        num_workers: int = 0,
        collate_fn: Callable[[list], Any] | None = None,
        generator: Any = None,
        pin_memory: bool = False,
        persistent_workers: bool = False,
        prefetch_factor: int | None = None,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
    ) -> None:
        if batch_size is None:
            raise TypeError(
                "batch_size=None (no automatic batching) is not supported; iterate over the "
                "dataset directly to get single samples"
            )
        self.batch_size = check_int(batch_size, "batch_size", 1)
        n = dataset_length(dataset, "DataLoader")
        if n == 0:
            raise ValueError("DataLoader got an empty dataset (length 0): there is nothing to load")
        self.drop_last = bool(drop_last)
        if self.drop_last and n < self.batch_size:
            # PyTorch yields no batch here, silently; minitorch yields none too, and says so.
            warnings.warn(
                f"DataLoader with drop_last=True and batch_size={self.batch_size} yields no "
                f"batch from a dataset of {n} samples; lower batch_size or set drop_last=False",
                stacklevel=2,
            )
        self.num_workers = check_int(num_workers, "num_workers", 0)
        if self.num_workers > 0:
            warnings.warn(
                f"minitorch's DataLoader loads batches in the main process; num_workers="
                f"{self.num_workers} is ignored",
                stacklevel=2,
            )
        self.dataset = dataset
        self.shuffle = bool(shuffle)
        self.seed = check_seed(seed)
        self.generator = generator
        make_rng(self.seed, generator)  # checks seed/generator now rather than at the first epoch
        self.collate_fn = collate_fn
        self.pin_memory = pin_memory
        self.epoch = 0

    def __len__(self) -> int:
        """The number of batches in one epoch."""
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        n = len(self.dataset)
        order = self._order(n) if self.shuffle else None
        self.epoch += 1
        return self._batches(n, order)

    def _order(self, n: int) -> np.ndarray:
        if self.seed is not None:
            rng = np.random.default_rng((self.seed, self.epoch))
        else:
            rng = make_rng(None, self.generator)
        return rng.permutation(n)

    def _batches(self, n: int, order: np.ndarray | None) -> Iterator[Any]:
        size = self.batch_size
        stop = n - n % size if self.drop_last else n
        for start in range(0, stop, size):
            end = min(start + size, n)
            yield self._load(slice(start, end) if order is None else order[start:end])

    def _load(self, index: slice | np.ndarray) -> Any:
        if self.collate_fn is None:
            return fetch(self.dataset, index)
        return self.collate_fn(samples(self.dataset, index))

    def set_epoch(self, epoch: int) -> None:
        """Make the next ``iter(loader)`` epoch number ``epoch`` (its shuffle order with a seed)."""
        self.epoch = check_int(epoch, "epoch", 0)

    def state_dict(self) -> dict[str, Any]:
        """``{'epoch', 'seed'}``: enough to resume a seeded loader's shuffles exactly.

        An unseeded loader draws from the global generator: save
        ``minitorch.get_rng_state()`` as well to resume it.
        """
        return {"epoch": self.epoch, "seed": self.seed}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the epoch counter and seed saved by :meth:`state_dict`."""
        if not isinstance(state, dict) or set(state) != {"epoch", "seed"}:
            raise ValueError(
                f"DataLoader.load_state_dict expects a dict with keys 'epoch' and 'seed' (from "
                f"DataLoader.state_dict()), got {state!r:.80}"
            )
        epoch = check_int(state["epoch"], "epoch", 0)
        self.seed = check_seed(state["seed"])
        self.epoch = epoch

    def __repr__(self) -> str:
        return (
            f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, batch_size="
            f"{self.batch_size}, shuffle={self.shuffle}, drop_last={self.drop_last}, "
            f"seed={self.seed}, epoch={self.epoch})"
        )
