"""``minitorch.cuda``: there is no GPU here, so PyTorch scripts pick the CPU."""

__all__ = ["is_available", "device_count"]


def is_available() -> bool:
    """Always False: minitorch computes with numpy on the CPU."""
    return False


def device_count() -> int:
    return 0
