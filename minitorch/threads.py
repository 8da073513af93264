"""``set_num_threads`` / ``get_num_threads``: the size of the BLAS thread pool.

minitorch's heavy lifting (matmul, linear layers) runs in numpy's BLAS, so PyTorch's
intra-op thread count maps to BLAS threads. Two mechanisms, because a BLAS library reads
its thread count once, when it is loaded:

- libraries already loaded (numpy's OpenBLAS, scipy's) are resized now, through
  ``threadpoolctl`` (a dependency of scikit-learn, which minitorch requires; imported here
  lazily). Changing a loaded library's pool from Python needs a native call, and
  threadpoolctl is the maintained way to make it for every BLAS vendor: minitorch does not
  write its own ctypes code for that.
- libraries loaded later read ``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS`` and
  ``MKL_NUM_THREADS``, which are set too.

Without threadpoolctl, ``set_num_threads`` sets the variables only and warns that loaded
libraries keep their pools; ``get_num_threads`` then reports the last value set (or the
variables, or the CPU count).

>>> import minitorch as mt
>>> previous = mt.get_num_threads()
>>> mt.set_num_threads(1); mt.get_num_threads()
1
>>> mt.set_num_threads(previous)
"""
from __future__ import annotations

import os
import warnings
from typing import Any

__all__ = ["set_num_threads", "get_num_threads"]

_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_requested: list[int] = []


def _controller() -> Any:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    return ThreadpoolController()


def set_num_threads(num: int) -> None:
    """Use ``num`` threads in BLAS (matmul) from now on, as ``torch.set_num_threads``."""
    if isinstance(num, bool) or not isinstance(num, int):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(num).__name__}")
    if num < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, got {num}")
    for name in _VARIABLES:
        os.environ[name] = str(num)
    _requested[:] = [num]
    controller = _controller()
    if controller is None:
        warnings.warn(
            "set_num_threads: threadpoolctl is not installed, so BLAS libraries already "
            "loaded keep their thread pools (only libraries loaded later follow); install "
            "threadpoolctl, or set OPENBLAS_NUM_THREADS before starting Python",
            RuntimeWarning,
            stacklevel=2,
        )
        return
    controller.select(user_api="blas").limit(limits=num)


def get_num_threads() -> int:
    """The number of BLAS threads numpy's matmul uses now."""
    controller = _controller()
    if controller is not None:
        pools = controller.select(user_api="blas").lib_controllers
        if pools:
            return int(pools[0].num_threads)
    if _requested:
        return _requested[0]
    for name in _VARIABLES:
        value = os.environ.get(name, "")
        if value.isdigit() and int(value) > 0:
            return int(value)
    return os.cpu_count() or 1
