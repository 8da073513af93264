"""Whose each saved array is, and whether it was written in place since it was saved.

Saving costs a node three fields, set by ``apply`` (nothing per array): ``saved_inputs``,
the op's arguments (the tensors among them own the saved arrays that are inputs),
``out_id``, the ``id`` of the op's output array (a saved output stays alive, so the id
cannot be reused while it matters), and ``writes_at_save``, the global write count then
(:class:`~minitorch.core.version.VersionCounter`). The output's counter joins the node as
``out_version`` when the output tensor first needs one (``Tensor._version_counter``).
Backward looks the owners up only when some in-place write happened after the save.
"""
from __future__ import annotations

from typing import Any, Iterator

from .function import Context
from .version import VersionCounter

MODIFIED_INPLACE = (
    "one of the arrays needed for gradient computation has been modified by an inplace "
    "operation: the {what} saved by {node} is at version {now}, expected version {then}; "
    "it was changed by {op}. Fix: do not modify it between the forward and backward pass "
    "(for example, call optimizer.step() only after backward), use an out-of-place "
    "operation (y = y + 1 instead of y += 1), or pass a .clone() to the op."
)


def saved_owners(node: Context) -> Iterator[tuple[int, Any, int, Any]]:
    """(position in ``saved``, array, owner, version counter or None) for each saved array
    that belongs to a tensor: owner is the input's index, or -1 for the op's output."""
    for position, array in enumerate(node.saved):
        if array is None:
            continue
        if id(array) == node.out_id:
            yield position, array, -1, node.out_version
            continue
        for index, arg in enumerate(node.saved_inputs):
            if getattr(arg, "_data", None) is array:
                yield position, array, index, arg._version
                break


def check_saved_unchanged(node: Context) -> None:
    """Raise PyTorch's error if an array the node saved was written in place since."""
    if node.writes_at_save == VersionCounter.writes:
        return  # no in-place write anywhere since the save
    for _, array, owner, counter in saved_owners(node):
        if counter is not None and counter.changed_since(node.writes_at_save):
            then = counter.value_at(node.writes_at_save)
            whose = f"the output of {node.fn.__name__}" if owner < 0 else f"input {owner}"
            raise RuntimeError(MODIFIED_INPLACE.format(
                what=f"tensor of shape {array.shape} and dtype {array.dtype} ({whose})",
                node=node.name(), now=counter.value,
                then=then if then is not None else f"{counter.value - counter.RECENT} or earlier",
                op=counter.last_op or "an in-place operation",
            ))


def release_saved(node: Context) -> None:
    """Free what the node kept for backward; a second backward through it then raises."""
    node.saved = ()
    node.saved_inputs = ()
    node.freed = True
