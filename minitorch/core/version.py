"""Version counters: how many times a storage was written in place (the saved-array check).

Every in-place write calls :meth:`VersionCounter.bump` on the counter of the storage it
wrote. Each write also gets a stamp from one global count (``VersionCounter.writes``): a
node remembers the count when it saved its arrays, and a saved array changed since then
exactly when its counter's latest stamp is larger (``core/saved.py``). So saving records
one number, not one entry per array.
"""
from __future__ import annotations


class VersionCounter:
    """Counts in-place changes of one storage; shared by its views and detached aliases."""

    __slots__ = ("value", "last_op", "recent")

    # In-place writes to any storage so far. A node that saw the same number when it saved
    # its arrays knows none of them can have changed, and backward skips its check.
    writes = 0
    RECENT = 8  # stamps each counter keeps: enough to name the version a node expected

    def __init__(self) -> None:
        self.value = 0
        self.last_op: str | None = None
        self.recent: tuple[int, ...] = ()  # stamps of the latest writes, oldest first

    def bump(self, op: str) -> None:
        self.value += 1
        self.last_op = op
        VersionCounter.writes += 1
        self.recent = self.recent[1 - self.RECENT:] + (VersionCounter.writes,)

    def changed_since(self, stamp: int) -> bool:
        """Whether the storage was written after the global count was ``stamp``."""
        return bool(self.recent) and self.recent[-1] > stamp

    def value_at(self, stamp: int) -> int | None:
        """The version the storage had when the global count was ``stamp`` (None when more
        writes than the kept stamps happened since)."""
        later = sum(1 for s in self.recent if s > stamp)
        if later == self.RECENT:
            return None
        return self.value - later
