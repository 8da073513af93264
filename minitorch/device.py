"""Devices: minitorch computes on the CPU; ``'cpu'`` is accepted everywhere, for PyTorch code."""
from __future__ import annotations

from typing import Any


class device:
    """``minitorch.device('cpu')``: the only device. Others raise a clear error.

    >>> import minitorch as mt
    >>> mt.device("cpu")
    device(type='cpu')
    """

    __slots__ = ("type", "index")

    def __init__(self, type: Any = "cpu", index: int | None = None) -> None:  # noqa: A002
        if isinstance(type, device):
            type, index = type.type, type.index
        name = str(type).split(":")[0]
        if name != "cpu":
            raise RuntimeError(
                f"minitorch runs on the CPU only, got device {str(type)!r}. Use 'cpu' "
                f"(for PyTorch code: device = 'cuda' if mt.cuda.is_available() else 'cpu')"
            )
        self.type = "cpu"
        self.index = index

    def __repr__(self) -> str:
        return "device(type='cpu')"

    def __str__(self) -> str:
        return "cpu"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return other.split(":")[0] == "cpu"
        return isinstance(other, device)

    def __hash__(self) -> int:
        return hash("cpu")


def check_device(value: Any) -> None:
    """Accept None, 'cpu' or device('cpu'); raise for any other device."""
    if value is not None:
        device(value)
