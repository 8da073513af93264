"""Version counters: how many times a storage was written in place (the saved-array check).

Every in-place write calls :meth:`VersionCounter.bump` on the counter of the storage it
wrote. A node records the counters of the arrays it saved, with their values; backward
compares them again before it uses the arrays (``engine._check_versions``).
"""
from __future__ import annotations


class VersionCounter:
    """Counts in-place changes of one storage; shared by its views and detached aliases."""

    __slots__ = ("value", "last_op")

    # In-place writes to any storage so far. A node that saw the same number when it saved
    # its arrays knows none of them can have changed, and backward skips its check.
    writes = 0

    def __init__(self) -> None:
        self.value = 0
        self.last_op: str | None = None

    def bump(self, op: str) -> None:
        self.value += 1
        self.last_op = op
        VersionCounter.writes += 1
